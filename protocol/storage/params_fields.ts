/**
 * Reading single storage-RPC parameters from a JSON object (client requests, onion requests) or a
 * bencoded dict (`sn.storage_cc`, OxenMQ) with the encoding rules of swarms-and-storage.md §5 and
 * the reference's exact error texts (`oxenss/rpc/client_rpc_endpoints.cpp`, `parse_field`).
 *
 * Each reader returns `undefined` for an absent field (and, in JSON, for `null`) and throws a
 * 400 {@link StorageRpcError} for a value of the wrong type. Requests read their fields in
 * alphabetical order, as the reference does, so the first bad field reported is the same.
 *
 * @module
 */

import type { BDict, BValue } from "../onion/bencode.ts";
import { StorageRpcError } from "./rpc_error.ts";
import { ALL_NAMESPACES, NAMESPACE_MAX, NAMESPACE_MIN } from "./namespace.ts";

/** How the parameters arrived: a JSON object or a bencoded dict (swarms-and-storage.md §5). */
export type ParamsEncoding = "json" | "bt";

/** JSON timestamps below this many ms (10^6 s) were probably sent in seconds (swarms-and-storage.md §5). */
export const MIN_JSON_TIMESTAMP_MS = 1_000_000_000;
/** Range of the reference's `int` fields (`max_count`, `max_size`). */
const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;

/** Parameters of one request, with their encoding. */
export interface ParamSource {
  /** `json` or `bt`. */
  readonly encoding: ParamsEncoding;
  /** The raw value of a field; `undefined` when absent (or JSON `null`). */
  get(name: string): unknown;
}

/**
 * Wrap a parsed JSON object or a decoded bencoded dict for the field readers.
 *
 * @param params the parameters object / dict
 * @param encoding how it was encoded
 * @returns the source
 * @throws {StorageRpcError} 400 when `params` is not an object (or a dict)
 * @example
 * ```ts
 * import { paramSource } from "./params_fields.ts";
 * const p = paramSource({ a: 1, b: null }, "json");
 * if (p.get("a") !== 1 || p.get("b") !== undefined) throw new Error("bad");
 * ```
 */
export function paramSource(params: unknown, encoding: ParamsEncoding): ParamSource {
  if (params === null || typeof params !== "object" || Array.isArray(params) || params instanceof Uint8Array) {
    throw StorageRpcError.invalid("params must be an object");
  }
  const obj = params as Readonly<Record<string, unknown>>;
  return {
    encoding,
    get(name) {
      if (!Object.hasOwn(obj, name)) return undefined;
      const v = obj[name];
      return v === null ? undefined : v;
    },
  };
}

/** The reference's wrong-type message. */
function wrongType(name: string, desc: string): StorageRpcError {
  return StorageRpcError.invalid(`Invalid value given for '${name}': expected ${desc}`);
}

/** JSON `is_number_integer`: a safe integer. */
function isJsonInteger(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v);
}

/** JSON `is_number_unsigned`: a non-negative safe integer (not `-0`). */
function isJsonUnsigned(v: unknown): v is number {
  return isJsonInteger(v) && v >= 0 && !Object.is(v, -0);
}

/**
 * A string field: the JSON string, or the raw bencoded bytes.
 *
 * @param src parameters
 * @param name field name
 * @returns the text (JSON) or bytes (bt), or undefined
 * @throws {StorageRpcError} 400 `Invalid value given for '<name>': expected string`
 * @example
 * ```ts
 * import { fieldString, paramSource } from "./params_fields.ts";
 * if (fieldString(paramSource({ s: "x" }, "json"), "s") !== "x") throw new Error("bad");
 * ```
 */
export function fieldString(src: ParamSource, name: string): string | Uint8Array | undefined {
  const v = src.get(name);
  if (v === undefined) return undefined;
  if (src.encoding === "json" ? typeof v === "string" : v instanceof Uint8Array) return v as string | Uint8Array;
  throw wrongType(name, "string");
}

/**
 * A timestamp in ms. JSON: a non-negative integer of at least 10^9 (else "must be in
 * milliseconds"); bencoded: any integer, unchecked (swarms-and-storage.md §5).
 *
 * @param src parameters
 * @param name field name
 * @returns ms since the epoch, or undefined
 * @throws {StorageRpcError} 400 on a wrong type or a JSON value in seconds
 * @example
 * ```ts
 * import { fieldTimestamp, paramSource } from "./params_fields.ts";
 * if (fieldTimestamp(paramSource({ t: 1700000000000 }, "json"), "t") !== 1700000000000) throw new Error("bad");
 * ```
 */
export function fieldTimestamp(src: ParamSource, name: string): number | undefined {
  const v = src.get(name);
  if (v === undefined) return undefined;
  if (src.encoding === "bt") {
    if (isJsonInteger(v)) return v;
    throw wrongType(name, "integer timestamp (in milliseconds)");
  }
  if (!isJsonUnsigned(v)) throw wrongType(name, "integer timestamp (in milliseconds)");
  if (v < MIN_JSON_TIMESTAMP_MS) {
    throw StorageRpcError.invalid(`Invalid timestamp for '${name}': timestamp must be in milliseconds`);
  }
  return v;
}

/**
 * One timestamp or a list of them (expire's `expiry`); no seconds check, as the reference.
 *
 * @param src parameters
 * @param name field name
 * @returns the list (a single value becomes one element), or undefined
 * @throws {StorageRpcError} 400 `… expected timestamp array`
 * @example
 * ```ts
 * import { fieldTimestampList, paramSource } from "./params_fields.ts";
 * if (fieldTimestampList(paramSource({ e: 5 }, "json"), "e")?.[0] !== 5) throw new Error("bad");
 * ```
 */
export function fieldTimestampList(src: ParamSource, name: string): number[] | undefined {
  const v = src.get(name);
  if (v === undefined) return undefined;
  const ok = src.encoding === "json" ? isJsonUnsigned : isJsonInteger;
  if (ok(v)) return [v];
  if (Array.isArray(v) && v.every(ok)) return [...v];
  throw wrongType(name, "timestamp array");
}

/**
 * A signed integer in the 32-bit range (`max_count`, `max_size`).
 *
 * @param src parameters
 * @param name field name
 * @returns the integer, or undefined
 * @throws {StorageRpcError} 400 `… expected integer`
 * @example
 * ```ts
 * import { fieldInt, paramSource } from "./params_fields.ts";
 * if (fieldInt(paramSource({ n: -5 }, "json"), "n") !== -5) throw new Error("bad");
 * ```
 */
export function fieldInt(src: ParamSource, name: string): number | undefined {
  const v = src.get(name);
  if (v === undefined) return undefined;
  if (isJsonInteger(v) && v >= INT32_MIN && v <= INT32_MAX) return v;
  throw wrongType(name, "integer");
}

/**
 * A boolean: JSON `true`/`false`, bencoded `0`/`1`.
 *
 * @param src parameters
 * @param name field name
 * @returns the boolean, or undefined
 * @throws {StorageRpcError} 400 `… expected boolean`
 * @example
 * ```ts
 * import { fieldBool, paramSource } from "./params_fields.ts";
 * if (fieldBool(paramSource({ b: 1 }, "bt"), "b") !== true) throw new Error("bad");
 * ```
 */
export function fieldBool(src: ParamSource, name: string): boolean | undefined {
  const v = src.get(name);
  if (v === undefined) return undefined;
  if (src.encoding === "json" && typeof v === "boolean") return v;
  if (src.encoding === "bt" && (v === 0 || v === 1)) return v === 1;
  throw wrongType(name, "boolean");
}

/**
 * An integer that JSON may also give as a decimal string (store's `timestamp` and `ttl`, for
 * backwards compatibility; swarms-and-storage.md §5). Bencoded values must be integers.
 *
 * @param src parameters
 * @param name field name
 * @param options `unsigned`: `ttl` (non-negative, "positive integer") rather than `timestamp` ("integer")
 * @returns the integer, or undefined
 * @throws {StorageRpcError} 400 on a wrong type or an unparsable string
 * @example
 * ```ts
 * import { fieldStringifiedInt, paramSource } from "./params_fields.ts";
 * if (fieldStringifiedInt(paramSource({ ttl: "86400000" }, "json"), "ttl", { unsigned: true }) !== 86400000) throw new Error("bad");
 * ```
 */
export function fieldStringifiedInt(
  src: ParamSource,
  name: string,
  options: { unsigned: boolean },
): number | undefined {
  const unsigned = options.unsigned;
  const v = src.get(name);
  if (v === undefined) return undefined;
  if (src.encoding === "json" && typeof v === "string") {
    // util::parse_int: std::from_chars over the whole string (no sign for unsigned, no spaces).
    const re = unsigned ? /^[0-9]+$/ : /^-?[0-9]+$/;
    const n = re.test(v) ? Number(v) : NaN;
    if (Number.isSafeInteger(n)) return n;
    throw StorageRpcError.invalid(`Invalid value given for '${name}': ${JSON.stringify(v)}`);
  }
  if (unsigned ? isJsonUnsigned(v) : isJsonInteger(v)) return v as number;
  throw wrongType(name, unsigned ? "positive integer" : "integer");
}

/**
 * A namespace: a signed 16-bit integer (swarms-and-storage.md §9).
 *
 * @param src parameters
 * @param name field name
 * @returns the namespace, or undefined
 * @throws {StorageRpcError} 400 on a wrong type or a JSON value out of range
 * @example
 * ```ts
 * import { fieldNamespace, paramSource } from "./params_fields.ts";
 * if (fieldNamespace(paramSource({ namespace: -10 }, "json"), "namespace") !== -10) throw new Error("bad");
 * ```
 */
export function fieldNamespace(src: ParamSource, name: string): number | undefined {
  const v = src.get(name);
  if (v === undefined) return undefined;
  if (!isJsonInteger(v)) throw wrongType(name, "16-bit integer");
  if (v < NAMESPACE_MIN || v > NAMESPACE_MAX) {
    if (src.encoding === "bt") throw wrongType(name, "16-bit integer");
    throw StorageRpcError.invalid(`Invalid value given for '${name}': value out of range`);
  }
  return v;
}

/**
 * A namespace or `"all"` (delete_all, delete_before, expire_all).
 *
 * @param src parameters
 * @param name field name
 * @returns the namespace or `"all"`, or undefined
 * @throws {StorageRpcError} 400 on anything else
 * @example
 * ```ts
 * import { fieldNamespaceOrAll, paramSource } from "./params_fields.ts";
 * const all = new TextEncoder().encode("all");
 * if (fieldNamespaceOrAll(paramSource({ namespace: all }, "bt"), "namespace") !== "all") throw new Error("bad");
 * ```
 */
export function fieldNamespaceOrAll(src: ParamSource, name: string): number | typeof ALL_NAMESPACES | undefined {
  const v = src.get(name);
  if (v === undefined) return undefined;
  const desc = `integer or "${ALL_NAMESPACES}"`;
  if (isJsonInteger(v)) {
    if (v >= NAMESPACE_MIN && v <= NAMESPACE_MAX) return v;
    if (src.encoding === "bt") throw wrongType(name, desc);
    throw StorageRpcError.invalid(`Invalid value given for '${name}': value out of range`);
  }
  if (src.encoding === "json" ? v === ALL_NAMESPACES : isAllBytes(v)) return ALL_NAMESPACES;
  throw wrongType(name, desc);
}

/** Whether a bencoded value is the byte string `all`. */
function isAllBytes(v: unknown): boolean {
  return v instanceof Uint8Array && textOf(v) === ALL_NAMESPACES;
}

/**
 * A list of strings; a single string becomes a one-element list (`messages`, `revoke`, …).
 *
 * @param src parameters
 * @param name field name
 * @returns strings (JSON) or byte strings (bt), or undefined
 * @throws {StorageRpcError} 400 `… expected string array`
 * @example
 * ```ts
 * import { fieldStringList, paramSource } from "./params_fields.ts";
 * if (fieldStringList(paramSource({ m: "h" }, "json"), "m")?.length !== 1) throw new Error("bad");
 * ```
 */
export function fieldStringList(src: ParamSource, name: string): (string | Uint8Array)[] | undefined {
  const v = src.get(name);
  if (v === undefined) return undefined;
  const ok = src.encoding === "json"
    ? (x: unknown): x is string => typeof x === "string"
    : (x: unknown): x is Uint8Array => x instanceof Uint8Array;
  if (ok(v)) return [v];
  if (Array.isArray(v) && v.every(ok)) return [...v];
  throw wrongType(name, "string array");
}

/**
 * Throw the reference's "missing" error unless the value is present.
 *
 * @param name field name
 * @param value the value read
 * @returns the value
 * @throws {StorageRpcError} 400 `Required field '<name>' missing`
 * @example
 * ```ts
 * import { required } from "./params_fields.ts";
 * if (required("x", 1) !== 1) throw new Error("bad");
 * ```
 */
export function required<T>(name: string, value: T | undefined): T {
  if (value === undefined) throw StorageRpcError.invalid(`Required field '${name}' missing`);
  return value;
}

/**
 * At most one of two fields (`last_hash` / `lastHash`).
 *
 * @param first `[name, value]` of the first field
 * @param second `[name, value]` of the second field
 * @throws {StorageRpcError} 400 `Cannot specify both '<first>' and '<second>'`
 * @example
 * ```ts
 * import { atMostOne } from "./params_fields.ts";
 * atMostOne(["a", 1], ["b", undefined]);
 * ```
 */
export function atMostOne(first: readonly [string, unknown], second: readonly [string, unknown]): void {
  if (first[1] !== undefined && second[1] !== undefined) {
    throw StorageRpcError.invalid(`Cannot specify both '${first[0]}' and '${second[0]}'`);
  }
}

/**
 * Exactly one of two fields; `alias` words the missing case as for `pubkey`/`pubKey`.
 *
 * @param first `[name, value]` of the first field
 * @param second `[name, value]` of the second field
 * @param options `alias`: the two names are aliases of one field
 * @throws {StorageRpcError} 400 when both or neither are given
 * @example
 * ```ts
 * import { exactlyOne } from "./params_fields.ts";
 * let body = "";
 * try { exactlyOne(["expiry", undefined], ["ttl", undefined]); } catch (e) { body = (e as { body: string }).body; }
 * if (body !== "invalid request: Required field 'expiry' or 'ttl' missing") throw new Error(body);
 * ```
 */
export function exactlyOne(
  first: readonly [string, unknown],
  second: readonly [string, unknown],
  options: { alias?: boolean } = {},
): void {
  atMostOne(first, second);
  if (first[1] === undefined && second[1] === undefined) {
    throw StorageRpcError.invalid(
      options.alias ? `Required field '${first[0]}' missing` : `Required field '${first[0]}' or '${second[0]}' missing`,
    );
  }
}

/**
 * Bytes of a bencoded string, or of a JSON string's UTF-8 (the reference works on bytes).
 *
 * @param v a value from {@link fieldString}
 * @returns its bytes
 * @example
 * ```ts
 * import { bytesOf } from "./params_fields.ts";
 * if (bytesOf("é").length !== 2) throw new Error("bad");
 * ```
 */
export function bytesOf(v: string | Uint8Array): Uint8Array {
  return typeof v === "string" ? new TextEncoder().encode(v) : v;
}

/**
 * Text of a bencoded byte string (each byte one character, as the reference's `std::string`), or
 * the JSON string itself.
 *
 * @param v a value from {@link fieldString}
 * @returns text
 * @example
 * ```ts
 * import { textOf } from "./params_fields.ts";
 * if (textOf(new Uint8Array([0x61])) !== "a") throw new Error("bad");
 * ```
 */
export function textOf(v: string | Uint8Array): string {
  if (typeof v === "string") return v;
  let s = "";
  for (const b of v) s += String.fromCharCode(b);
  return s;
}

/**
 * Decode a bencoded parameter dict's value type for callers that need the raw dict.
 *
 * @param v a decoded bencode value
 * @returns whether it is a dict (not a string, number or list)
 * @example
 * ```ts
 * import { isBDict } from "./params_fields.ts";
 * if (!isBDict({}) || isBDict(new Uint8Array(0))) throw new Error("bad");
 * ```
 */
export function isBDict(v: BValue | unknown): v is BDict {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array);
}
