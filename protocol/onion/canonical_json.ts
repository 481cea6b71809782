/**
 * The canonical byte shapes of the onion's small JSON texts: what allium's builder and peeler
 * write, compact with sorted keys as libsession and the reference storage server emit them
 * (onion-requests.md §3–§5, §9):
 *
 * | text | shape |
 * |------|-------|
 * | outer trailer | `{"enc_type":"E","ephemeral_key":"K"}` or `{…,"ephemeral_key":"K","hop_no":N}` |
 * | relay routing JSON | `{"destination":"D","enc_type":"E","ephemeral_key":"K"}` |
 * | deliver routing JSON | `{"headers":""}` |
 *
 * where E is `aes-gcm` or `xchacha20`, K and D are 64 hex digits and N is 0–15 without leading
 * zeros. Writers produce exactly these bytes with no intermediate string. Readers recognise exactly
 * these bytes (hex digits in either case) straight from the `Uint8Array`, without UTF-8 decoding
 * or general JSON parsing, and answer `undefined` for anything else: they never reject, so the
 * strict reader in `routing.ts` decides every text they do not recognise. Each text they recognise
 * is one the strict reader accepts with the same result (a property test checks this on random and
 * mutated inputs); `routing.ts` adds the checks both paths share (canonical X25519 encoding).
 *
 * @module
 */

import { ENC_TYPE_AES_GCM, ENC_TYPE_XCHACHA20, KEY_HEX_CHARS, MAX_HOP_NO } from "../constants.ts";
import { hexBytesInto, lowerHexText, writeAscii, writeHex } from "../bytes.ts";
import type { EncType } from "./enc_type.ts";

/** ASCII bytes of a fixed token. */
function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

const TRAILER_OPEN = ascii('{"enc_type":"');
const KEY_FIELD = ascii('","ephemeral_key":"');
const HOP_FIELD = ascii('","hop_no":');
const ROUTE_OPEN = ascii('{"destination":"');
const ENC_FIELD = ascii('","enc_type":"');
const STRING_CLOSE = ascii('"}');
const OBJECT_CLOSE = ascii("}");
const AES_GCM = ascii(ENC_TYPE_AES_GCM);
const XCHACHA20 = ascii(ENC_TYPE_XCHACHA20);
const DIGIT_0 = 0x30;
const DIGIT_1 = 0x31;
const DIGIT_9 = 0x39;
const DECIMAL = 10;

/** The routing JSON that asks a service node to handle the request itself (onion-requests.md §4). */
export const DELIVER_ROUTE = '{"headers":""}';
const DELIVER = ascii(DELIVER_ROUTE);

/** Whether `token` occurs in `bytes` at `at`. */
function matches(bytes: Uint8Array, at: number, token: Uint8Array): boolean {
  if (at + token.length > bytes.length) return false;
  for (let i = 0; i < token.length; i++) if (bytes[at + i] !== token[i]) return false;
  return true;
}

/** The canonical cipher name at `at`, or undefined. */
function encTypeAt(bytes: Uint8Array, at: number): EncType | undefined {
  if (matches(bytes, at, XCHACHA20)) return ENC_TYPE_XCHACHA20;
  if (matches(bytes, at, AES_GCM)) return ENC_TYPE_AES_GCM;
  return undefined;
}

/** `hop_no` as the digits, then `}` and the end: 0–15, no sign, no leading zero; else -1. */
function hopNoAt(bytes: Uint8Array, at: number): number {
  const rest = bytes.length - at;
  const d0 = bytes[at];
  if (rest === 2 && d0 >= DIGIT_0 && d0 <= DIGIT_9 && bytes[at + 1] === OBJECT_CLOSE[0]) return d0 - DIGIT_0;
  if (rest !== 3 || d0 !== DIGIT_1 || bytes[at + 2] !== OBJECT_CLOSE[0]) return -1;
  const d1 = bytes[at + 1];
  const n = DECIMAL + d1 - DIGIT_0;
  return d1 >= DIGIT_0 && d1 <= DIGIT_9 && n <= MAX_HOP_NO ? n : -1;
}

/** A canonical outer trailer's cipher and hop number (the key went into the caller's array). */
export interface CanonicalTrailer {
  /** Cipher of the blob. */
  encType: EncType;
  /** Hop number, 0 when absent. */
  hopNo: number;
}

/**
 * Recognise a canonical outer trailer and decode its key into `keyOut`.
 *
 * @param json the trailer bytes
 * @param maxBytes the caller's size limit (longer texts are left to the strict reader)
 * @param keyOut 32-byte destination of `ephemeral_key` (garbage when `undefined` is returned)
 * @returns cipher and hop number, or `undefined` when the text is not canonical
 * @example
 * ```ts
 * import { readCanonicalTrailer } from "./canonical_json.ts";
 * const key = new Uint8Array(32);
 * const t = readCanonicalTrailer(new TextEncoder().encode(`{"enc_type":"xchacha20","ephemeral_key":"${"0a".repeat(32)}","hop_no":2}`), 4096, key);
 * if (t?.encType !== "xchacha20" || t.hopNo !== 2 || key[0] !== 10) throw new Error("bad");
 * if (readCanonicalTrailer(new TextEncoder().encode('{ "enc_type": "aes-gcm" }'), 4096, key) !== undefined) throw new Error("bad");
 * ```
 */
export function readCanonicalTrailer(
  json: Uint8Array,
  maxBytes: number,
  keyOut: Uint8Array,
): CanonicalTrailer | undefined {
  if (json.length > maxBytes || !matches(json, 0, TRAILER_OPEN)) return undefined;
  let at = TRAILER_OPEN.length;
  const encType = encTypeAt(json, at);
  if (encType === undefined) return undefined;
  at += encType.length;
  if (!matches(json, at, KEY_FIELD)) return undefined;
  at += KEY_FIELD.length;
  if (!hexBytesInto(json, at, keyOut)) return undefined;
  at += KEY_HEX_CHARS;
  if (at + STRING_CLOSE.length === json.length && matches(json, at, STRING_CLOSE)) return { encType, hopNo: 0 };
  if (!matches(json, at, HOP_FIELD)) return undefined;
  const hopNo = hopNoAt(json, at + HOP_FIELD.length);
  return hopNo < 0 ? undefined : { encType, hopNo };
}

/** A canonical routing JSON: deliver here, or relay to a node (key in the caller's array). */
export type CanonicalRoute =
  | { kind: "deliver"; json: false; base64: true }
  | { kind: "relay"; destination: string; ephemeralKey: Uint8Array; encType: EncType };

/**
 * Recognise a canonical routing JSON (deliver or relay to a node) and decode a relay's key into
 * `keyOut`. The key's X25519 encoding is not checked here (`routing.ts` does, on both paths).
 *
 * @param json the routing JSON bytes
 * @param maxBytes the caller's size limit (longer texts are left to the strict reader)
 * @param keyOut 32-byte destination of `ephemeral_key`; a relay result's `ephemeralKey` is this array
 * @returns the route (`destination` in lower case), or `undefined` when the text is not canonical
 * @example
 * ```ts
 * import { readCanonicalRoute } from "./canonical_json.ts";
 * const json = `{"destination":"${"AB".repeat(32)}","enc_type":"aes-gcm","ephemeral_key":"${"09".repeat(32)}"}`;
 * const r = readCanonicalRoute(new TextEncoder().encode(json), 8192, new Uint8Array(32));
 * if (r?.kind !== "relay" || r.destination !== "ab".repeat(32) || r.encType !== "aes-gcm") throw new Error("bad");
 * ```
 */
export function readCanonicalRoute(
  json: Uint8Array,
  maxBytes: number,
  keyOut: Uint8Array,
): CanonicalRoute | undefined {
  if (json.length > maxBytes) return undefined;
  if (json.length === DELIVER.length && matches(json, 0, DELIVER)) {
    return { kind: "deliver", json: false, base64: true };
  }
  if (!matches(json, 0, ROUTE_OPEN)) return undefined;
  const destinationAt = ROUTE_OPEN.length;
  // Validates the destination's 64 digits; keyOut is overwritten by the real key below.
  if (!hexBytesInto(json, destinationAt, keyOut)) return undefined;
  let at = destinationAt + KEY_HEX_CHARS;
  if (!matches(json, at, ENC_FIELD)) return undefined;
  at += ENC_FIELD.length;
  const encType = encTypeAt(json, at);
  if (encType === undefined) return undefined;
  at += encType.length;
  if (!matches(json, at, KEY_FIELD)) return undefined;
  at += KEY_FIELD.length;
  if (!hexBytesInto(json, at, keyOut)) return undefined;
  at += KEY_HEX_CHARS;
  if (at + STRING_CLOSE.length !== json.length || !matches(json, at, STRING_CLOSE)) return undefined;
  const destination = lowerHexText(json, destinationAt, KEY_HEX_CHARS);
  return { kind: "relay", destination, ephemeralKey: keyOut, encType };
}

/**
 * Byte length of the canonical outer trailer.
 *
 * @param encType the cipher
 * @param hopNo the hop number, or undefined to leave `hop_no` out
 * @returns its length in bytes
 * @example
 * ```ts
 * import { trailerLength } from "./canonical_json.ts";
 * if (trailerLength("xchacha20") !== 107 || trailerLength("aes-gcm", 15) !== 117) throw new Error("bad");
 * ```
 */
export function trailerLength(encType: EncType, hopNo?: number): number {
  const close = hopNo === undefined ? STRING_CLOSE.length : HOP_FIELD.length + String(hopNo).length + 1;
  return TRAILER_OPEN.length + encType.length + KEY_FIELD.length + KEY_HEX_CHARS + close;
}

/**
 * Write the canonical outer trailer. The caller checks bounds ({@link trailerLength}).
 *
 * @param out destination
 * @param at offset of the first byte
 * @param encType the cipher
 * @param ephemeralKey the 32-byte key, written as lower-case hex
 * @param hopNo a non-negative integer, or undefined to leave `hop_no` out
 * @returns the offset just past the trailer
 * @example
 * ```ts
 * import { trailerLength, writeTrailer } from "./canonical_json.ts";
 * const out = new Uint8Array(trailerLength("aes-gcm", 3));
 * writeTrailer(out, 0, "aes-gcm", new Uint8Array(32).fill(255), 3);
 * if (new TextDecoder().decode(out) !== `{"enc_type":"aes-gcm","ephemeral_key":"${"ff".repeat(32)}","hop_no":3}`) throw new Error("bad");
 * ```
 */
export function writeTrailer(
  out: Uint8Array,
  at: number,
  encType: EncType,
  ephemeralKey: Uint8Array,
  hopNo?: number,
): number {
  out.set(TRAILER_OPEN, at);
  at = writeAscii(out, at + TRAILER_OPEN.length, encType);
  out.set(KEY_FIELD, at);
  at = writeHex(out, at + KEY_FIELD.length, ephemeralKey);
  if (hopNo === undefined) {
    out.set(STRING_CLOSE, at);
    return at + STRING_CLOSE.length;
  }
  out.set(HOP_FIELD, at);
  at = writeAscii(out, at + HOP_FIELD.length, String(hopNo));
  out[at] = OBJECT_CLOSE[0];
  return at + 1;
}

/**
 * Byte length of the canonical relay routing JSON.
 *
 * @param encType the next layer's cipher
 * @returns its length in bytes
 * @example
 * ```ts
 * import { relayRouteLength } from "./canonical_json.ts";
 * if (relayRouteLength("xchacha20") !== 188) throw new Error("bad");
 * ```
 */
export function relayRouteLength(encType: EncType): number {
  return ROUTE_OPEN.length + KEY_HEX_CHARS + ENC_FIELD.length + encType.length + KEY_FIELD.length + KEY_HEX_CHARS +
    STRING_CLOSE.length;
}

/**
 * Write the canonical relay routing JSON. The caller checks bounds ({@link relayRouteLength}).
 *
 * @param out destination
 * @param at offset of the first byte
 * @param destination the next node's Ed25519 key: 64 lower-case hex digits
 * @param encType the next layer's cipher
 * @param ephemeralKey the next layer's 32-byte ephemeral key, written as lower-case hex
 * @returns the offset just past the JSON
 * @example
 * ```ts
 * import { relayRouteLength, writeRelayRoute } from "./canonical_json.ts";
 * const out = new Uint8Array(relayRouteLength("xchacha20"));
 * writeRelayRoute(out, 0, "ab".repeat(32), "xchacha20", new Uint8Array(32));
 * if (!new TextDecoder().decode(out).startsWith('{"destination":"abab')) throw new Error("bad");
 * ```
 */
export function writeRelayRoute(
  out: Uint8Array,
  at: number,
  destination: string,
  encType: EncType,
  ephemeralKey: Uint8Array,
): number {
  out.set(ROUTE_OPEN, at);
  at = writeAscii(out, at + ROUTE_OPEN.length, destination);
  out.set(ENC_FIELD, at);
  at = writeAscii(out, at + ENC_FIELD.length, encType);
  out.set(KEY_FIELD, at);
  at = writeHex(out, at + KEY_FIELD.length, ephemeralKey);
  out.set(STRING_CLOSE, at);
  return at + STRING_CLOSE.length;
}
