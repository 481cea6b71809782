/**
 * The cheap checks of a received onion request (hardening.md §1), all before any public-key
 * operation: framing, the outer trailer, the ephemeral key's encoding and the blob's minimum
 * length. What passes is a {@link ReceivedLayer} ready for the replay lookup and `peelReceived`.
 *
 * @module
 */

import {
  decodeLayer,
  isCanonicalX25519,
  minBlobBytes,
  parseOuterTrailer,
  ProtocolError,
  type ReceivedLayer,
} from "../../mod.ts";

/** Limits of {@link readOnionRequest}; config names in parentheses. */
export interface OnionRequestLimits {
  /** Largest outer trailer in bytes (`maxOuterTrailer`). */
  maxOuterTrailer: number;
}

/**
 * Run the cheap checks on a request body.
 *
 * @param body the request body
 * @param limits trailer size cap
 * @returns the received layer (views into `body`)
 * @throws {ProtocolError} `ONION_FRAMING`, `ONION_TRAILER`, `ONION_KEY`, `ONION_ENC_TYPE`,
 *   `ONION_HOP_NO` (non-integer), `ONION_PATH_TOO_LONG` (> 15); `ONION_AUTH_FAILED` for a
 *   non-canonical ephemeral key or a blob shorter than nonce + tag
 * @example
 * ```ts
 * import { readOnionRequest } from "./onion_request.ts";
 * import { encodeLayer } from "../../mod.ts";
 * const body = encodeLayer(new Uint8Array(40), `{"ephemeral_key":"${"09" + "00".repeat(31)}","enc_type":"xchacha20","hop_no":-1}`);
 * const layer = readOnionRequest(body, { maxOuterTrailer: 4096 });
 * if (layer.encType !== "xchacha20" || layer.hopNo !== 0 || layer.blob.length !== 40) throw new Error("bad");
 * ```
 */
export function readOnionRequest(body: Uint8Array, limits: OnionRequestLimits): ReceivedLayer {
  const { blob, json } = decodeLayer(body, "onion");
  const trailer = parseOuterTrailer(json, { maxOuterTrailerBytes: limits.maxOuterTrailer });
  if (!isCanonicalX25519(trailer.ephemeralKey)) {
    throw new ProtocolError("ONION_AUTH_FAILED", "Cannot peel onion: ephemeral key is not a canonical X25519 encoding");
  }
  if (blob.length < minBlobBytes(trailer.encType)) {
    throw new ProtocolError("ONION_AUTH_FAILED", "Cannot peel onion: blob shorter than nonce and tag");
  }
  return { blob, ephemeralKey: trailer.ephemeralKey, encType: trailer.encType, hopNo: trailer.hopNo };
}
