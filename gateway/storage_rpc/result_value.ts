/**
 * Storage-RPC results as the reference builds them (an `nlohmann::json` value) and their two wire
 * forms (swarms-and-storage.md §4.3, §5): compact JSON with keys sorted (the reference's map order)
 * and binary values base64-encoded, for client requests; bencode with booleans as 0/1 and binary
 * values raw (`json_to_bt`), for `sn.storage_cc` replies. Also the reverse conversion the entry node
 * applies to a peer's bencoded reply (`bt_to_json`).
 *
 * @module
 */

import { type BDict, bencode, type BValue } from "../../protocol/onion/bencode.ts";
import { toBase64, utf8 } from "../../protocol/bytes.ts";

/** A result value; `Uint8Array` is binary (a node signature, retrieved data). */
export type ResultValue = string | number | boolean | Uint8Array | ResultValue[] | ResultObject;
/** A result object. */
export interface ResultObject {
  /** Values by key. */
  [key: string]: ResultValue;
}

const LENIENT_UTF8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** Sorted own keys, as `std::map` orders them (byte-wise; ASCII keys sort the same in UTF-16). */
function sortedKeys(o: ResultObject): string[] {
  return Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Compact JSON with keys sorted at every level; binary values become padded standard base64.
 *
 * @param value the result
 * @returns JSON text
 * @throws {TypeError} on a non-finite number or an unsupported value
 * @example
 * ```ts
 * import { toJsonText } from "./result_value.ts";
 * if (toJsonText({ b: true, a: [1, new Uint8Array([0xff])] }) !== '{"a":[1,"/w=="],"b":true}') throw new Error("bad");
 * ```
 */
export function toJsonText(value: ResultValue): string {
  if (value instanceof Uint8Array) return JSON.stringify(toBase64(value));
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("Cannot write result: number is not finite");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return "[" + value.map(toJsonText).join(",") + "]";
  if (value !== null && typeof value === "object") {
    return "{" + sortedKeys(value).map((k) => JSON.stringify(k) + ":" + toJsonText(value[k])).join(",") + "}";
  }
  throw new TypeError(`Cannot write result: unsupported ${value === null ? "null" : typeof value}`);
}

/**
 * The bencode form of a result (`json_to_bt`): booleans as 0/1, strings as UTF-8, binary raw.
 *
 * @param value the result
 * @returns the bencode value
 * @throws {TypeError} on a non-integer number
 * @example
 * ```ts
 * import { toBValue } from "./result_value.ts";
 * const v = toBValue({ already: true }) as { already: number };
 * if (v.already !== 1) throw new Error("bad");
 * ```
 */
export function toBValue(value: ResultValue): BValue {
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string") return utf8(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number") return value;
  if (Array.isArray(value)) return value.map(toBValue);
  const out: BDict = {};
  for (const k of Object.keys(value)) out[k] = toBValue(value[k]);
  return out;
}

/**
 * {@link toBValue}, bencoded.
 *
 * @param value the result
 * @returns bencoded bytes
 * @example
 * ```ts
 * import { toBencoded } from "./result_value.ts";
 * if (new TextDecoder().decode(toBencoded({ b: false, a: "x" })) !== "d1:a1:x1:bi0ee") throw new Error("bad");
 * ```
 */
export function toBencoded(value: ResultValue): Uint8Array {
  return bencode(toBValue(value));
}

/**
 * A peer's bencoded per-node result as the entry node sees it (`bt_to_json`, then the top-level
 * `signature` string is base64-encoded for JSON clients): byte strings become text, except the
 * top-level `signature`, kept binary so {@link toJsonText} writes it as base64. Booleans stay the
 * integers the peer sent (the reference's `"already": 1`).
 *
 * @param dict the decoded reply
 * @returns the result object
 * @example
 * ```ts
 * import { fromPeerDict } from "./result_value.ts";
 * const r = fromPeerDict({ hash: new TextEncoder().encode("h"), signature: new Uint8Array([1]), already: 1 });
 * if (r.hash !== "h" || !(r.signature instanceof Uint8Array) || r.already !== 1) throw new Error("bad");
 * ```
 */
export function fromPeerDict(dict: BDict): ResultObject {
  const out: ResultObject = {};
  for (const k of Object.keys(dict)) {
    const v = dict[k];
    out[k] = k === "signature" && v instanceof Uint8Array ? v.slice() : fromBValue(v);
  }
  return out;
}

/** `bt_to_json` of one value. */
function fromBValue(v: BValue): ResultValue {
  if (v instanceof Uint8Array) return LENIENT_UTF8.decode(v);
  if (typeof v === "number") return v;
  if (Array.isArray(v)) return v.map(fromBValue);
  const out: ResultObject = {};
  for (const k of Object.keys(v)) out[k] = fromBValue(v[k]);
  return out;
}
