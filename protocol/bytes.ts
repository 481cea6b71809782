/**
 * Byte helpers: hex, base64, UTF-8, concatenation, constant-time compare, wiping and
 * little-endian integers. Hand-written because Node 20 lacks `Uint8Array.fromHex` / `toBase64`
 * (toolchain.md); these are the only byte helpers in the project.
 *
 * @module
 */

const HEX_DIGITS = "0123456789abcdef";
const HEX_TABLE: string[] = Array.from({ length: 256 }, (_, i) => HEX_DIGITS[i >> 4] + HEX_DIGITS[i & 15]);
/** ASCII code of each lower-case hex digit, by value. */
const HEX_CODES = new Uint8Array(16).map((_, i) => HEX_DIGITS.charCodeAt(i));
/** Value of each ASCII code as a hex digit (either case), or -1; one table lookup per digit. */
const HEX_VALUES = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUES[HEX_DIGITS.charCodeAt(i)] = i;
  HEX_VALUES[HEX_DIGITS.toUpperCase().charCodeAt(i)] = i;
}

/** ASCII case bit: set in 0–9 and a–f, clear in A–F. */
const LOWER_CASE_BIT = 0x20;

/** Value of a UTF-16 code unit as a hex digit, or -1. */
function hexValue(c: number): number {
  return c < 256 ? HEX_VALUES[c] : -1;
}

/**
 * Encode bytes as lower-case hex.
 *
 * @param bytes input
 * @returns lower-case hex text, two digits per byte
 * @example
 * ```ts
 * import { toHex } from "./bytes.ts";
 * if (toHex(new Uint8Array([0, 255])) !== "00ff") throw new Error("bad");
 * ```
 */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX_TABLE[bytes[i]];
  return out;
}

/**
 * Decode hex text (either case, no prefix, no whitespace).
 *
 * @param hex text with an even number of hex digits
 * @returns the bytes
 * @throws {TypeError} when `hex` is not a string
 * @throws {SyntaxError} on an odd length or a non-hex character
 * @example
 * ```ts
 * import { fromHex } from "./bytes.ts";
 * if (fromHex("00FF")[1] !== 255) throw new Error("bad");
 * ```
 */
export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== "string") throw new TypeError("Cannot decode hex: input is not a string");
  if (hex.length % 2 !== 0) throw new SyntaxError(`Cannot decode hex: odd length ${hex.length}`);
  const out = new Uint8Array(hex.length / 2);
  const bad = decodeHex(hex, out);
  if (bad >= 0) throw new SyntaxError(`Cannot decode hex: non-hex character at offset ${bad}`);
  return out;
}

/** Decode `2 × out.length` digits of `hex` into `out`; the offset of the first bad digit pair, or -1. */
function decodeHex(hex: string, out: Uint8Array): number {
  for (let i = 0; i < out.length; i++) {
    const hi = hexValue(hex.charCodeAt(2 * i));
    const lo = hexValue(hex.charCodeAt(2 * i + 1));
    if ((hi | lo) < 0) return 2 * i;
    out[i] = (hi << 4) | lo;
  }
  return -1;
}

/**
 * Decode hex text into an existing array: exactly `2 × out.length` digits (either case). For hot
 * paths that must not allocate; on failure `out` holds a partial result the caller discards.
 *
 * @param hex the digits
 * @param out destination; its length sets how many bytes are decoded
 * @returns false when `hex` is not exactly `2 × out.length` hex digits
 * @example
 * ```ts
 * import { hexInto } from "./bytes.ts";
 * const out = new Uint8Array(2);
 * if (!hexInto("0aFF", out) || out[1] !== 255 || hexInto("0g00", out)) throw new Error("bad");
 * ```
 */
export function hexInto(hex: string, out: Uint8Array): boolean {
  return typeof hex === "string" && hex.length === 2 * out.length && decodeHex(hex, out) < 0;
}

/**
 * Decode ASCII hex digits stored as bytes (e.g. inside a JSON text) into an existing array:
 * `2 × out.length` digits starting at `src[at]` (either case).
 *
 * @param src bytes holding the digits
 * @param at offset of the first digit
 * @param out destination; its length sets how many bytes are decoded
 * @returns false when a digit is missing or not hex (`out` then holds a partial result)
 * @example
 * ```ts
 * import { hexBytesInto } from "./bytes.ts";
 * const out = new Uint8Array(1);
 * if (!hexBytesInto(new TextEncoder().encode('"7f"'), 1, out) || out[0] !== 0x7f) throw new Error("bad");
 * ```
 */
export function hexBytesInto(src: Uint8Array, at: number, out: Uint8Array): boolean {
  if (at < 0 || at + 2 * out.length > src.length) return false;
  for (let i = 0; i < out.length; i++) {
    const hi = HEX_VALUES[src[at + 2 * i]];
    const lo = HEX_VALUES[src[at + 2 * i + 1]];
    if ((hi | lo) < 0) return false;
    out[i] = (hi << 4) | lo;
  }
  return true;
}

/**
 * Write bytes as lower-case ASCII hex digits into an existing array. The caller checks bounds.
 *
 * @param out destination
 * @param at offset of the first digit
 * @param bytes input
 * @returns the offset just past the last digit written
 * @example
 * ```ts
 * import { writeHex } from "./bytes.ts";
 * const out = new Uint8Array(4);
 * if (writeHex(out, 0, new Uint8Array([0xab, 0x01])) !== 4 || new TextDecoder().decode(out) !== "ab01") throw new Error("bad");
 * ```
 */
export function writeHex(out: Uint8Array, at: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    out[at++] = HEX_CODES[b >> 4];
    out[at++] = HEX_CODES[b & 15];
  }
  return at;
}

/**
 * Hex digits stored as ASCII bytes, as a lower-case string, without a decoder call: for short,
 * already validated digits on hot paths (`| 0x20` maps A–F to a–f and leaves 0–9 and a–f alone).
 *
 * @param bytes bytes holding validated hex digits
 * @param at offset of the first digit
 * @param chars number of digits
 * @returns the digits in lower case
 * @example
 * ```ts
 * import { lowerHexText } from "./bytes.ts";
 * if (lowerHexText(new TextEncoder().encode('"0aFf"'), 1, 4) !== "0aff") throw new Error("bad");
 * ```
 */
export function lowerHexText(bytes: Uint8Array, at: number, chars: number): string {
  const b = bytes, end = at + chars, fcc = String.fromCharCode;
  let s = "";
  let i = at;
  // Eight at a time: one call per chunk is several times faster than a TextDecoder call here.
  for (; i + 8 <= end; i += 8) {
    s += fcc(
      b[i] | LOWER_CASE_BIT,
      b[i + 1] | LOWER_CASE_BIT,
      b[i + 2] | LOWER_CASE_BIT,
      b[i + 3] | LOWER_CASE_BIT,
      b[i + 4] | LOWER_CASE_BIT,
      b[i + 5] | LOWER_CASE_BIT,
      b[i + 6] | LOWER_CASE_BIT,
      b[i + 7] | LOWER_CASE_BIT,
    );
  }
  for (; i < end; i++) s += fcc(b[i] | LOWER_CASE_BIT);
  return s;
}

/**
 * Write text whose characters are all below U+0080 as ASCII bytes. The caller checks bounds and
 * that the text is ASCII (for other text use {@link utf8}).
 *
 * @param out destination
 * @param at offset of the first byte
 * @param text ASCII text
 * @returns the offset just past the last byte written
 * @example
 * ```ts
 * import { writeAscii } from "./bytes.ts";
 * const out = new Uint8Array(2);
 * if (writeAscii(out, 0, "hi") !== 2 || out[1] !== 105) throw new Error("bad");
 * ```
 */
export function writeAscii(out: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[at++] = text.charCodeAt(i);
  return at;
}

/**
 * Whether `s` is exactly `chars` hex digits (either case).
 *
 * @param s candidate text
 * @param chars required number of digits
 * @returns true when it is
 * @example
 * ```ts
 * import { isHex } from "./bytes.ts";
 * if (!isHex("aB09", 4) || isHex("0x12", 4)) throw new Error("bad");
 * ```
 */
export function isHex(s: unknown, chars: number): s is string {
  if (typeof s !== "string" || s.length !== chars) return false;
  for (let i = 0; i < s.length; i++) if (hexValue(s.charCodeAt(i)) < 0) return false;
  return true;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_CODES = new Uint8Array(64).map((_, i) => B64.charCodeAt(i));
const B64_VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_VALUE[B64.charCodeAt(i)] = i;
const PAD = 61; // "="

/**
 * Encode bytes as standard, padded base64 (RFC 4648 §4).
 *
 * @param bytes input
 * @returns base64 text
 * @example
 * ```ts
 * import { toBase64 } from "./bytes.ts";
 * if (toBase64(new TextEncoder().encode("hi")) !== "aGk=") throw new Error("bad");
 * ```
 */
export function toBase64(bytes: Uint8Array): string {
  const outLen = Math.ceil(bytes.length / 3) * 4;
  const out = new Uint8Array(outLen);
  let o = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[o++] = B64_CODES[n >> 18];
    out[o++] = B64_CODES[(n >> 12) & 63];
    out[o++] = B64_CODES[(n >> 6) & 63];
    out[o++] = B64_CODES[n & 63];
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = (bytes[i] << 16) | (rest === 2 ? bytes[i + 1] << 8 : 0);
    out[o++] = B64_CODES[n >> 18];
    out[o++] = B64_CODES[(n >> 12) & 63];
    out[o++] = rest === 2 ? B64_CODES[(n >> 6) & 63] : PAD;
    out[o++] = PAD;
  }
  return latin1(out);
}

/** ASCII bytes to a string, in chunks so large inputs do not overflow the argument limit. */
function latin1(ascii: Uint8Array): string {
  const CHUNK = 0x8000;
  let s = "";
  for (let i = 0; i < ascii.length; i += CHUNK) {
    s += String.fromCharCode.apply(null, ascii.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return s;
}

/**
 * Decode standard base64 (RFC 4648 §4). Padding is optional; any other character is refused.
 *
 * @param text base64 text
 * @returns the bytes
 * @throws {TypeError} when `text` is not a string
 * @throws {SyntaxError} on a character outside the alphabet or an impossible length
 * @example
 * ```ts
 * import { fromBase64 } from "./bytes.ts";
 * if (new TextDecoder().decode(fromBase64("aGk=")) !== "hi") throw new Error("bad");
 * ```
 */
export function fromBase64(text: string): Uint8Array {
  if (typeof text !== "string") throw new TypeError("Cannot decode base64: input is not a string");
  let end = text.length;
  if (end % 4 === 0 && end > 0) {
    if (text.charCodeAt(end - 1) === PAD) end--;
    if (text.charCodeAt(end - 1) === PAD) end--;
  }
  if (end % 4 === 1) throw new SyntaxError(`Cannot decode base64: impossible length ${text.length}`);
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? B64_VALUE[c] : -1;
    if (v < 0) throw new SyntaxError(`Cannot decode base64: invalid character at offset ${i}`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

const ENCODER = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF: decoding must never silently drop bytes (a fuzz finding).
const DECODER = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Encode text as UTF-8.
 *
 * @param text input
 * @returns UTF-8 bytes
 * @example
 * ```ts
 * import { utf8 } from "./bytes.ts";
 * if (utf8("é").length !== 2) throw new Error("bad");
 * ```
 */
export function utf8(text: string): Uint8Array {
  return ENCODER.encode(text);
}

/**
 * Decode UTF-8 strictly.
 *
 * @param bytes UTF-8 bytes
 * @returns the text
 * @throws {TypeError} on invalid UTF-8
 * @example
 * ```ts
 * import { fromUtf8 } from "./bytes.ts";
 * if (fromUtf8(new Uint8Array([104, 105])) !== "hi") throw new Error("bad");
 * ```
 */
export function fromUtf8(bytes: Uint8Array): string {
  return DECODER.decode(bytes);
}

/**
 * Concatenate byte arrays into a new one.
 *
 * @param parts arrays to join, in order
 * @returns a fresh array
 * @example
 * ```ts
 * import { concat } from "./bytes.ts";
 * if (concat(new Uint8Array([1]), new Uint8Array([2])).length !== 2) throw new Error("bad");
 * ```
 */
export function concat(...parts: Uint8Array[]): Uint8Array {
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

/**
 * Compare two byte arrays in time that depends only on their lengths.
 *
 * @param a first
 * @param b second
 * @returns true when equal
 * @example
 * ```ts
 * import { ctEqual } from "./bytes.ts";
 * if (!ctEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))) throw new Error("bad");
 * ```
 */
export function ctEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/**
 * Overwrite key material with zeros.
 *
 * @param arrays arrays to clear (undefined entries are skipped)
 * @example
 * ```ts
 * import { wipe } from "./bytes.ts";
 * const k = new Uint8Array([1, 2]);
 * wipe(k);
 * if (k[0] !== 0) throw new Error("bad");
 * ```
 */
export function wipe(...arrays: (Uint8Array | undefined)[]): void {
  for (const a of arrays) a?.fill(0);
}

/**
 * Whether every byte is zero, in time that depends only on the length.
 *
 * @param bytes input
 * @returns true for an all-zero (or empty) array
 * @example
 * ```ts
 * import { isAllZero } from "./bytes.ts";
 * if (!isAllZero(new Uint8Array(32))) throw new Error("bad");
 * ```
 */
export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i];
  return acc === 0;
}

/**
 * Read a little-endian u32 at `offset`. The caller checks bounds.
 *
 * @param bytes source
 * @param offset position of the first byte
 * @returns the value
 * @example
 * ```ts
 * import { readU32le } from "./bytes.ts";
 * if (readU32le(new Uint8Array([1, 0, 0, 0]), 0) !== 1) throw new Error("bad");
 * ```
 */
export function readU32le(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24)) >>> 0;
}

/**
 * Write a little-endian u32 at `offset`. The caller checks bounds.
 *
 * @param bytes destination
 * @param offset position of the first byte
 * @param value 0 … 2^32−1
 * @example
 * ```ts
 * import { writeU32le } from "./bytes.ts";
 * const b = new Uint8Array(4);
 * writeU32le(b, 0, 258);
 * if (b[1] !== 1) throw new Error("bad");
 * ```
 */
export function writeU32le(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
  bytes[offset + 2] = (value >>> 16) & 0xff;
  bytes[offset + 3] = (value >>> 24) & 0xff;
}
