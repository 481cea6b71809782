/**
 * Minimal bencode (BEP 3) for the v4 onion format (onion-requests.md §7) and the node-to-node
 * `sn.onion_request` dict (onion-requests.md §5). Strict decoder: canonical integers, sorted
 * unique dict keys, bounded depth, every length checked against the input before use.
 *
 * @module
 */

import { fromUtf8, utf8 } from "../bytes.ts";
import { ProtocolError } from "../errors.ts";

/** A bencode value: byte string, integer, list or dict (keys are UTF-8/latin text). */
export type BValue = Uint8Array | number | BValue[] | BDict;
/** A bencode dict; keys are compared as bytes when encoding. */
export interface BDict {
  /** Values by key. */
  [key: string]: BValue;
}

const CH_I = 0x69, CH_L = 0x6c, CH_D = 0x64, CH_E = 0x65, CH_COLON = 0x3a, CH_MINUS = 0x2d, CH_0 = 0x30, CH_9 = 0x39;
/** Deepest nesting the decoder follows: ours are at most 2 (a dict or list of strings). */
const MAX_DEPTH = 16;

/**
 * Encode a value as bencode. Dict keys are sorted by their UTF-8 bytes, as BEP 3 requires.
 *
 * @param value the value
 * @returns the bencoded bytes
 * @throws {TypeError} for a value that is not bencodable (floats, strings, null)
 * @example
 * ```ts
 * import { bencode } from "./bencode.ts";
 * const out = new TextDecoder().decode(bencode({ b: 1, a: [new TextEncoder().encode("x")] }));
 * if (out !== "d1:al1:xe1:bi1ee") throw new Error(out);
 * ```
 */
export function bencode(value: BValue): Uint8Array {
  const parts: Uint8Array[] = [];
  encodeInto(value, parts);
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function encodeInto(value: BValue, parts: Uint8Array[]): void {
  if (value instanceof Uint8Array) {
    parts.push(utf8(`${value.length}:`), value);
  } else if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new TypeError(`Cannot bencode: ${value} is not a safe integer`);
    parts.push(utf8(`i${value}e`));
  } else if (Array.isArray(value)) {
    parts.push(utf8("l"));
    for (const v of value) encodeInto(v, parts);
    parts.push(utf8("e"));
  } else if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).map((k) => [k, utf8(k)] as const).sort((a, b) => compareBytes(a[1], b[1]));
    parts.push(utf8("d"));
    for (const [k, kb] of keys) {
      parts.push(utf8(`${kb.length}:`), kb);
      encodeInto(value[k], parts);
    }
    parts.push(utf8("e"));
  } else {
    throw new TypeError(`Cannot bencode: unsupported ${value === null ? "null" : typeof value}`);
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * Decode exactly one bencoded value spanning the whole input. Byte strings are views into the
 * input.
 *
 * @param bytes the encoded value
 * @returns the value
 * @throws {ProtocolError} `BENCODE_INVALID` on any malformation or trailing data
 * @example
 * ```ts
 * import { bdecode } from "./bencode.ts";
 * const v = bdecode(new TextEncoder().encode("l2:hii7ee")) as [Uint8Array, number];
 * if (v[1] !== 7 || v[0].length !== 2) throw new Error("bad");
 * ```
 */
export function bdecode(bytes: Uint8Array): BValue {
  const r = { pos: 0 };
  const value = decodeAt(bytes, r, 0);
  if (r.pos !== bytes.length) fail(`trailing data at offset ${r.pos}`);
  return value;
}

function fail(what: string): never {
  throw new ProtocolError("BENCODE_INVALID", `Cannot decode bencode: ${what}`);
}

function readDigits(bytes: Uint8Array, r: { pos: number }, terminator: number, allowMinus: boolean): number {
  const start = r.pos;
  let negative = false;
  if (allowMinus && bytes[r.pos] === CH_MINUS) {
    negative = true;
    r.pos++;
  }
  const digitsStart = r.pos;
  let value = 0;
  while (r.pos < bytes.length && bytes[r.pos] >= CH_0 && bytes[r.pos] <= CH_9) {
    value = value * 10 + (bytes[r.pos] - CH_0);
    if (value > Number.MAX_SAFE_INTEGER) fail(`number too large at offset ${start}`);
    r.pos++;
  }
  const nDigits = r.pos - digitsStart;
  if (nDigits === 0) fail(`expected digits at offset ${start}`);
  if (bytes[digitsStart] === CH_0 && (nDigits > 1 || negative)) fail(`non-canonical number at offset ${start}`);
  if (bytes[r.pos] !== terminator) fail(`unterminated number at offset ${start}`);
  r.pos++;
  return negative ? -value : value;
}

function decodeAt(bytes: Uint8Array, r: { pos: number }, depth: number): BValue {
  if (r.pos >= bytes.length) fail("unexpected end");
  const c = bytes[r.pos];
  if (c >= CH_0 && c <= CH_9) return readString(bytes, r);
  if (c === CH_I) {
    r.pos++;
    return readDigits(bytes, r, CH_E, true);
  }
  if (depth >= MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`);
  if (c === CH_L) {
    r.pos++;
    const list: BValue[] = [];
    while (bytes[r.pos] !== CH_E) {
      if (r.pos >= bytes.length) fail("unterminated list");
      list.push(decodeAt(bytes, r, depth + 1));
    }
    r.pos++;
    return list;
  }
  if (c === CH_D) {
    r.pos++;
    const dict: BDict = Object.create(null);
    let prev: Uint8Array | undefined;
    while (bytes[r.pos] !== CH_E) {
      if (r.pos >= bytes.length) fail("unterminated dict");
      const keyBytes = readString(bytes, r);
      if (prev && compareBytes(prev, keyBytes) >= 0) fail("dict keys not sorted and unique");
      prev = keyBytes;
      let key: string;
      try {
        key = fromUtf8(keyBytes);
      } catch {
        fail("dict key is not UTF-8");
      }
      if (Object.hasOwn(dict, key)) fail("duplicate dict key");
      dict[key] = decodeAt(bytes, r, depth + 1);
    }
    r.pos++;
    return dict;
  }
  fail(`unexpected byte 0x${c.toString(16)} at offset ${r.pos}`);
}

function readString(bytes: Uint8Array, r: { pos: number }): Uint8Array {
  const c = bytes[r.pos];
  if (!(c >= CH_0 && c <= CH_9)) fail(`expected a byte string at offset ${r.pos}`);
  const len = readDigits(bytes, r, CH_COLON, false);
  if (len > bytes.length - r.pos) fail(`string of ${len} bytes overruns the input`);
  const out = bytes.subarray(r.pos, r.pos + len);
  r.pos += len;
  return out;
}
