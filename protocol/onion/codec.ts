/**
 * Wire framing of one onion layer (onion-requests.md §1):
 * `u32 little-endian N ‖ N bytes blob ‖ UTF-8 JSON`. The length prefix counts only the blob.
 *
 * @module
 */

import { LAYER_LENGTH_PREFIX_BYTES } from "../constants.ts";
import { readU32le, utf8, writeU32le } from "../bytes.ts";
import { ProtocolError } from "../errors.ts";

/** A decoded layer. Both parts are views into the input (no copy). */
export interface Layer {
  /** The `N`-byte blob (usually a ciphertext; at the destination, the request body). */
  blob: Uint8Array;
  /** The bytes after the blob: the JSON text, not yet parsed. */
  json: Uint8Array;
}

/** Largest blob length the u32 prefix can express. */
const MAX_U32 = 0xffffffff;

/**
 * Frame `blob` and `json` as one layer.
 *
 * @param blob the blob
 * @param json the JSON trailer, as text or UTF-8 bytes
 * @returns `u32le(len(blob)) ‖ blob ‖ json`
 * @throws {RangeError} when the blob is longer than 2^32 − 1 bytes
 * @example
 * ```ts
 * import { encodeLayer } from "./codec.ts";
 * const layer = encodeLayer(new Uint8Array([1, 2]), "{}");
 * if (layer.length !== 4 + 2 + 2 || layer[0] !== 2) throw new Error("bad");
 * ```
 */
export function encodeLayer(blob: Uint8Array, json: string | Uint8Array): Uint8Array {
  if (blob.length > MAX_U32) {
    throw new RangeError(`Cannot encode layer: blob is ${blob.length} bytes, limit ${MAX_U32}`);
  }
  const jsonBytes = typeof json === "string" ? utf8(json) : json;
  const out = new Uint8Array(LAYER_LENGTH_PREFIX_BYTES + blob.length + jsonBytes.length);
  writeU32le(out, 0, blob.length);
  out.set(blob, LAYER_LENGTH_PREFIX_BYTES);
  out.set(jsonBytes, LAYER_LENGTH_PREFIX_BYTES + blob.length);
  return out;
}

/**
 * Split a layer into blob and JSON bytes. Bounds are checked before anything is allocated; the
 * JSON is not parsed here (callers apply their own size and shape limits).
 *
 * @param bytes the layer
 * @param what which layer, for the message ("onion", "inner layer")
 * @returns views of the blob and the JSON bytes
 * @throws {ProtocolError} `ONION_FRAMING` when shorter than the prefix or the prefix overruns
 * @example
 * ```ts
 * import { decodeLayer, encodeLayer } from "./codec.ts";
 * const { blob, json } = decodeLayer(encodeLayer(new Uint8Array([7]), "{}"));
 * if (blob[0] !== 7 || json.length !== 2) throw new Error("bad");
 * ```
 */
export function decodeLayer(bytes: Uint8Array, what = "onion"): Layer {
  if (bytes.length < LAYER_LENGTH_PREFIX_BYTES) {
    throw new ProtocolError(
      "ONION_FRAMING",
      `Cannot decode ${what}: ${bytes.length} bytes, length prefix needs ${LAYER_LENGTH_PREFIX_BYTES}`,
    );
  }
  const n = readU32le(bytes, 0);
  const available = bytes.length - LAYER_LENGTH_PREFIX_BYTES;
  if (n > available) {
    throw new ProtocolError(
      "ONION_FRAMING",
      `Cannot decode ${what}: blob length ${n} exceeds the ${available} bytes left`,
    );
  }
  const end = LAYER_LENGTH_PREFIX_BYTES + n;
  return { blob: bytes.subarray(LAYER_LENGTH_PREFIX_BYTES, end), json: bytes.subarray(end) };
}
