/**
 * Reading the JSON of onion layers: the outer trailer a node receives (onion-requests.md §3,
 * hardening.md §1) and the routing JSON found after decrypting a layer (onion-requests.md §4).
 *
 * @module
 */

import {
  DEFAULT_SERVER_PORT,
  DEFAULT_SERVER_PROTOCOL,
  KEY_HEX_CHARS,
  MAX_HOP_NO,
  MAX_INNER_JSON_BYTES,
  MAX_INNER_JSON_DEPTH,
  MAX_OUTER_JSON_DEPTH,
  MAX_OUTER_TRAILER_BYTES,
  X25519_KEY_BYTES,
} from "../constants.ts";
import { fromHex, fromUtf8, isHex } from "../bytes.ts";
import { isProtocolError, ProtocolError, type ProtocolErrorCode } from "../errors.ts";
import { type EncType, parseEncType } from "./enc_type.ts";
import { parseStrictJson } from "./strict_json.ts";
import { readCanonicalRoute, readCanonicalTrailer } from "./canonical_json.ts";

/** The outer trailer of a received layer. */
export interface OuterTrailer {
  /** The sender's ephemeral X25519 key (32 bytes). */
  ephemeralKey: Uint8Array;
  /** Cipher of the blob. */
  encType: EncType;
  /** Hop counter as received; absent = 0, negatives clamped to 0 (onion-requests.md §3). */
  hopNo: number;
}

/** Limits for reading routing JSON; defaults from constants.ts (hardening.md §1). */
export interface RoutingLimits {
  /** Largest outer trailer in bytes (default 4 KiB). */
  maxOuterTrailerBytes?: number;
  /** Largest inner routing JSON in bytes (default 8 KiB). */
  maxInnerJsonBytes?: number;
}

/** Parse JSON bytes under limits, mapping every failure to one error code. */
function readJsonObject(
  bytes: Uint8Array,
  maxBytes: number,
  maxDepth: number,
  code: ProtocolErrorCode,
  what: string,
): Record<string, unknown> {
  if (bytes.length > maxBytes) {
    throw new ProtocolError(code, `Cannot read ${what}: ${bytes.length} bytes, limit ${maxBytes}`);
  }
  let value: unknown;
  try {
    value = parseStrictJson(fromUtf8(bytes), { maxLength: maxBytes, maxDepth });
  } catch (cause) {
    throw new ProtocolError(code, `Cannot read ${what}: not valid JSON within the limits`, { cause });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ProtocolError(code, `Cannot read ${what}: not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** A key field: exactly 64 hex digits → 32 bytes. */
function readKeyHex(value: unknown, code: ProtocolErrorCode, what: string, field: string): Uint8Array {
  if (!isHex(value, KEY_HEX_CHARS)) {
    throw new ProtocolError(code, `Cannot read ${what}: ${field} is not ${KEY_HEX_CHARS} hex digits`);
  }
  return fromHex(value);
}

/**
 * Parse and check the outer trailer of a received layer (hardening.md §1): ≤ 4 KiB, a flat JSON
 * object without duplicate keys; `ephemeral_key` 64 hex digits; `enc_type` known (CBC refused);
 * `hop_no` an integer ≤ 15 (negatives clamped to 0). Unknown keys are ignored.
 *
 * The canonical trailer (`canonical_json.ts`) is read straight from the bytes; any other text goes
 * to {@link parseOuterTrailerStrict}, which gives the same answer for the canonical one.
 *
 * @param json the trailer bytes
 * @param limits size limit
 * @returns the checked trailer
 * @throws {ProtocolError} `ONION_TRAILER`, `ONION_KEY`, `ONION_ENC_TYPE`, `ONION_HOP_NO` or
 *   `ONION_PATH_TOO_LONG`
 * @example
 * ```ts
 * import { parseOuterTrailer } from "./routing.ts";
 * const t = parseOuterTrailer(new TextEncoder().encode(`{"ephemeral_key":"${"ab".repeat(32)}","hop_no":-3}`));
 * if (t.encType !== "aes-gcm" || t.hopNo !== 0) throw new Error("bad");
 * ```
 */
export function parseOuterTrailer(json: Uint8Array, limits: RoutingLimits = {}): OuterTrailer {
  const ephemeralKey = new Uint8Array(X25519_KEY_BYTES);
  const { encType, hopNo } = readOuterTrailerInto(json, limits, ephemeralKey);
  return { ephemeralKey, encType, hopNo };
}

/**
 * {@link parseOuterTrailer} writing the key into the caller's array (the peeler's key buffer).
 *
 * @param json the trailer bytes
 * @param limits size limit
 * @param keyOut 32-byte destination of `ephemeral_key`
 * @returns cipher and hop number
 * @throws {ProtocolError} as {@link parseOuterTrailer}
 * @example
 * ```ts
 * import { readOuterTrailerInto } from "./routing.ts";
 * const key = new Uint8Array(32);
 * const t = readOuterTrailerInto(new TextEncoder().encode(`{"enc_type":"xchacha20","ephemeral_key":"${"01".repeat(32)}"}`), {}, key);
 * if (t.encType !== "xchacha20" || t.hopNo !== 0 || key[31] !== 1) throw new Error("bad");
 * ```
 */
export function readOuterTrailerInto(
  json: Uint8Array,
  limits: RoutingLimits,
  keyOut: Uint8Array,
): { encType: EncType; hopNo: number } {
  const fast = readCanonicalTrailer(json, limits.maxOuterTrailerBytes ?? MAX_OUTER_TRAILER_BYTES, keyOut);
  if (fast !== undefined) return fast;
  const strict = parseOuterTrailerStrict(json, limits);
  keyOut.set(strict.ephemeralKey);
  return { encType: strict.encType, hopNo: strict.hopNo };
}

/**
 * {@link parseOuterTrailer} through the strict JSON reader alone, for any text: the reference the
 * canonical fast path is checked against.
 *
 * @param json the trailer bytes
 * @param limits size limit
 * @returns the checked trailer
 * @throws {ProtocolError} as {@link parseOuterTrailer}
 * @example
 * ```ts
 * import { parseOuterTrailerStrict } from "./routing.ts";
 * const t = parseOuterTrailerStrict(new TextEncoder().encode(`{ "ephemeral_key": "${"ab".repeat(32)}", "enc_type": "gcm" }`));
 * if (t.encType !== "aes-gcm" || t.hopNo !== 0) throw new Error("bad");
 * ```
 */
export function parseOuterTrailerStrict(json: Uint8Array, limits: RoutingLimits = {}): OuterTrailer {
  const what = "onion trailer";
  const obj = readJsonObject(
    json,
    limits.maxOuterTrailerBytes ?? MAX_OUTER_TRAILER_BYTES,
    MAX_OUTER_JSON_DEPTH,
    "ONION_TRAILER",
    what,
  );
  const ephemeralKey = readKeyHex(obj.ephemeral_key, "ONION_KEY", what, "ephemeral_key");
  const encType = parseEncType(obj.enc_type, what);
  return { ephemeralKey, encType, hopNo: readHopNo(obj.hop_no, what) };
}

/**
 * Check a `hop_no` value: absent = 0, negatives clamp to 0, > 15 or non-integer refused.
 *
 * @param value the JSON value
 * @param what where it came from, for the message
 * @returns the hop number 0…15
 * @throws {ProtocolError} `ONION_HOP_NO` (not an integer), `ONION_PATH_TOO_LONG` (> 15)
 * @example
 * ```ts
 * import { readHopNo } from "./routing.ts";
 * if (readHopNo(undefined) !== 0 || readHopNo(-1) !== 0 || readHopNo(15) !== 15) throw new Error("bad");
 * ```
 */
export function readHopNo(value: unknown, what = "onion trailer"): number {
  if (value === undefined) return 0;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new ProtocolError("ONION_HOP_NO", `Cannot read ${what}: hop_no is not an integer`);
  }
  if (value > MAX_HOP_NO) {
    throw new ProtocolError("ONION_PATH_TOO_LONG", `Cannot read ${what}: hop_no ${value} exceeds ${MAX_HOP_NO}`);
  }
  return value < 0 ? 0 : value;
}

/** What a decrypted layer asks its node to do (onion-requests.md §4). */
export type InnerRoute =
  | { kind: "deliver"; json: boolean; base64: boolean }
  | { kind: "server"; host: string; target: string; port: number; protocol: string }
  | { kind: "relay"; destination: string; ephemeralKey: Uint8Array; encType: EncType };

/** Options for {@link parseInnerRoute}. */
export interface InnerRouteOptions extends RoutingLimits {
  /**
   * Refuse routing JSON that names more than one action (`headers`, `host`, `destination`)
   * instead of applying the reference priority order. Default false: the reference storage
   * server's order wins (onion-requests.md §4), so real clients' layers are never refused.
   */
  rejectAmbiguous?: boolean;
}

function innerInvalid(message: string, cause?: unknown): ProtocolError {
  return new ProtocolError("ONION_INNER_INVALID", `Cannot read routing JSON: ${message}`, { cause });
}

function optionalBoolean(obj: Record<string, unknown>, field: string, fallback: boolean): boolean {
  const v = obj[field];
  if (v === undefined) return fallback;
  if (typeof v !== "boolean") throw innerInvalid(`${field} is not a boolean`);
  return v;
}

function requiredString(obj: Record<string, unknown>, field: string): string {
  const v = obj[field];
  if (typeof v !== "string") throw innerInvalid(`${field} is ${v === undefined ? "missing" : "not a string"}`);
  return v;
}

/**
 * Classify the routing JSON of a decrypted layer, in the reference priority order
 * (onion-requests.md §4): `headers` present → deliver here; else `host` → relay to an external
 * server; else → relay to the next node (`destination`, `ephemeral_key`, optional `enc_type`).
 * ≤ 8 KiB, depth ≤ 3, no duplicate keys, known keys typed (hardening.md §1).
 *
 * The canonical deliver and relay texts (`canonical_json.ts`) are read straight from the bytes;
 * any other text goes to {@link parseInnerRouteStrict}, which gives the same answer for those.
 *
 * @param json the routing JSON bytes
 * @param options limits and the ambiguity policy
 * @returns the route
 * @throws {ProtocolError} `ONION_INNER_INVALID` for anything malformed (answered with the
 *   encrypted `Invalid json` of onion-requests.md §8)
 * @example
 * ```ts
 * import { parseInnerRoute } from "./routing.ts";
 * const r = parseInnerRoute(new TextEncoder().encode('{"headers":"","json":true}'));
 * if (r.kind !== "deliver" || !r.json || !r.base64) throw new Error("bad");
 * ```
 */
export function parseInnerRoute(json: Uint8Array, options: InnerRouteOptions = {}): InnerRoute {
  return readInnerRouteInto(json, options, new Uint8Array(X25519_KEY_BYTES));
}

/**
 * {@link parseInnerRoute} decoding a canonical relay's key into the caller's array (a relay
 * result's `ephemeralKey` is then `keyOut`; for other texts it is a fresh array).
 *
 * @param json the routing JSON bytes
 * @param options limits and the ambiguity policy
 * @param keyOut 32-byte destination of a canonical relay's `ephemeral_key`
 * @returns the route
 * @throws {ProtocolError} as {@link parseInnerRoute}
 * @example
 * ```ts
 * import { readInnerRouteInto } from "./routing.ts";
 * const key = new Uint8Array(32);
 * const json = `{"destination":"${"ab".repeat(32)}","enc_type":"xchacha20","ephemeral_key":"${"09".repeat(32)}"}`;
 * const r = readInnerRouteInto(new TextEncoder().encode(json), {}, key);
 * if (r.kind !== "relay" || r.ephemeralKey !== key || key[0] !== 9) throw new Error("bad");
 * ```
 */
export function readInnerRouteInto(json: Uint8Array, options: InnerRouteOptions, keyOut: Uint8Array): InnerRoute {
  const fast = readCanonicalRoute(json, options.maxInnerJsonBytes ?? MAX_INNER_JSON_BYTES, keyOut);
  // A canonical text names one action, so rejectAmbiguous cannot apply; the key check is shared.
  if (fast !== undefined && (fast.kind === "deliver" || isCanonicalX25519(fast.ephemeralKey))) return fast;
  return parseInnerRouteStrict(json, options);
}

/**
 * {@link parseInnerRoute} through the strict JSON reader alone, for any text: the reference the
 * canonical fast path is checked against.
 *
 * @param json the routing JSON bytes
 * @param options limits and the ambiguity policy
 * @returns the route
 * @throws {ProtocolError} as {@link parseInnerRoute}
 * @example
 * ```ts
 * import { parseInnerRouteStrict } from "./routing.ts";
 * const r = parseInnerRouteStrict(new TextEncoder().encode('{ "headers": "" }'));
 * if (r.kind !== "deliver" || r.json || !r.base64) throw new Error("bad");
 * ```
 */
export function parseInnerRouteStrict(json: Uint8Array, options: InnerRouteOptions = {}): InnerRoute {
  const obj = readJsonObject(
    json,
    options.maxInnerJsonBytes ?? MAX_INNER_JSON_BYTES,
    MAX_INNER_JSON_DEPTH,
    "ONION_INNER_INVALID",
    "routing JSON",
  );
  const hasHeaders = "headers" in obj, hasHost = "host" in obj, hasDestination = "destination" in obj;
  if (options.rejectAmbiguous && Number(hasHeaders) + Number(hasHost) + Number(hasDestination) > 1) {
    throw innerInvalid("more than one of headers, host and destination");
  }
  if (hasHeaders) {
    return { kind: "deliver", json: optionalBoolean(obj, "json", false), base64: optionalBoolean(obj, "base64", true) };
  }
  if (hasHost) {
    const host = requiredString(obj, "host");
    const target = requiredString(obj, "target");
    const port = obj.port ?? DEFAULT_SERVER_PORT;
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw innerInvalid("port is not an integer in 1…65535");
    }
    const protocol = obj.protocol ?? DEFAULT_SERVER_PROTOCOL;
    if (typeof protocol !== "string") throw innerInvalid("protocol is not a string");
    return { kind: "server", host, target, port, protocol };
  }
  if (!isHex(obj.destination, KEY_HEX_CHARS)) throw innerInvalid(`destination is not ${KEY_HEX_CHARS} hex digits`);
  if (!isHex(obj.ephemeral_key, KEY_HEX_CHARS)) throw innerInvalid(`ephemeral_key is not ${KEY_HEX_CHARS} hex digits`);
  let encType: EncType;
  try {
    encType = parseEncType(obj.enc_type, "routing JSON");
  } catch (cause) {
    if (isProtocolError(cause)) throw innerInvalid(cause.message, cause);
    throw cause;
  }
  const ephemeralKey = fromHex(obj.ephemeral_key);
  if (!isCanonicalX25519(ephemeralKey)) throw innerInvalid("ephemeral_key is not a canonical X25519 encoding");
  return { kind: "relay", destination: obj.destination.toLowerCase(), ephemeralKey, encType };
}

/** Index of the most significant byte of a little-endian X25519 u-coordinate. */
const U_TOP_BYTE = 31;
/** Lowest byte of p = 2^255 − 19 in little-endian: `ed ff … ff 7f`. */
const P_LOW_BYTE = 0xed;

/**
 * Whether a 32-byte X25519 public key is the canonical encoding of its u-coordinate: top bit
 * clear and u < p = 2^255 − 19 (RFC 7748 §5). Honest clients only produce canonical keys.
 * Accepting non-canonical ones (as RFC 7748 allows) would let anyone re-encode a captured key —
 * for AES-GCM layers the shared secret and so the layer key are unchanged — and slip a replay past
 * a cache keyed on the bytes, so allium refuses them.
 *
 * @param u the public key
 * @returns true when canonical
 * @example
 * ```ts
 * import { isCanonicalX25519 } from "./routing.ts";
 * const nine = new Uint8Array(32); nine[0] = 9;
 * const p = new Uint8Array(32).fill(0xff); p[0] = 0xed; p[31] = 0x7f;
 * const topBit = nine.slice(); topBit[31] = 0x80;
 * if (!isCanonicalX25519(nine) || isCanonicalX25519(p) || isCanonicalX25519(topBit)) throw new Error("bad");
 * ```
 */
export function isCanonicalX25519(u: Uint8Array): boolean {
  if (u.length !== X25519_KEY_BYTES) return false;
  if (u[U_TOP_BYTE] & 0x80) return false;
  // u ≥ p only for p … 2^255 − 1, i.e. bytes ed…ff | ff ×30 | 7f
  if (u[U_TOP_BYTE] !== 0x7f || u[0] < P_LOW_BYTE) return true;
  for (let i = 1; i < U_TOP_BYTE; i++) if (u[i] !== 0xff) return true;
  return false;
}

/**
 * The exit node's target filter of the reference storage server (onion-requests.md §7): the
 * target starts with `/loki/` or `/oxen/`, ends with `/lsrpc` and contains no `?`. The gateway
 * applies the stricter SSRF rules of hardening.md §4 on top.
 *
 * @param target the `target` of a relay-to-server layer
 * @returns whether the reference would relay it
 * @example
 * ```ts
 * import { isReferenceServerTarget } from "./routing.ts";
 * if (!isReferenceServerTarget("/oxen/v4/lsrpc") || isReferenceServerTarget("/loki/v3")) throw new Error("bad");
 * ```
 */
export function isReferenceServerTarget(target: string): boolean {
  return (target.startsWith("/loki/") || target.startsWith("/oxen/")) && target.endsWith("/lsrpc") &&
    !target.includes("?");
}
