/**
 * The receiving side of the node-to-node OxenMQ command `sn.onion_request` (onion-requests.md §5;
 * oxenss/server/omq.cpp `handle_onion_request` and `decode_onion_data`): one message part, a
 * bencoded dict
 *
 * | key | value |
 * | --- | --- |
 * | `data` | byte string, required: the blob for this node |
 * | `enc_type` | byte string, optional (default `aes-gcm`): `aes-gcm`/`gcm`, `xchacha20`/`xchacha20-poly1305` (CBC is refused, hardening.md §1) |
 * | `ephemeral_key` | byte string, required: 32 raw bytes |
 * | `hop_no` | integer, optional: below 1 (or absent) counts as 1 |
 *
 * answered with two parts `[status as decimal text, body]`:
 *
 * | situation | reply |
 * | --- | --- |
 * | ≠ 1 part, not a bencoded dict, a required key missing, a value of the wrong type or size, unknown enc_type | `400`, `Invalid internal onion request: <reason>` (fixed reasons, never input text) |
 * | `hop_no` > 15 | `400`, `onion request max path length exceeded` |
 * | non-canonical key, blob shorter than nonce + tag, replay, failed decryption | `400`, `Invalid ciphertext` (as on HTTP) |
 * | anything else | what the HTTP route would answer (onion_layer.ts), status and body |
 *
 * As in the reference, keys other than these four are ignored and the two optional ones may be
 * absent (every real node sends all four). The replay filter and the cheap checks run before the
 * X25519 operation, as on HTTP; pass the HTTP route's {@link ReplayFilter} so that a layer cannot
 * be replayed across transports.
 *
 * @module
 */

import {
  bdecode,
  type BValue,
  type EncType,
  isCanonicalX25519,
  isProtocolError,
  minBlobBytes,
  parseEncType,
  ProtocolError,
  type ReceivedLayer,
  X25519_KEY_BYTES,
} from "../../mod.ts";
import type { Deps } from "../deps.ts";
import { toWireError } from "../middleware/error_handler.ts";
import { replayError } from "../middleware/replay_guard.ts";
import { type ReplayFilter, replayTag } from "../replay/replay_filter.ts";
import { PATH_TOO_LONG } from "../responses.ts";
import { onionLayerHandler } from "../routes/onion_layer.ts";

/** The OxenMQ command. */
export const ONION_REQUEST_COMMAND = "sn.onion_request";
/** Prefix of the 400 body for a malformed request. */
export const INVALID_INTERNAL_PREFIX = "Invalid internal onion request: ";
/** Largest hop number accepted (the storage server's MAX_ONION_HOPS). */
const MAX_HOPS = 15;
/** `hop_no` is read as a C++ `int` by the reference: anything outside is malformed. */
const INT_MIN = -(2 ** 31), INT_MAX = 2 ** 31 - 1;

const encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF stays in the text, so `EF BB BF "gcm"` is not read as `gcm`
// (fuzz finding fuzz/corpus/sn_onion_request/finding-enc-type-bom); fatal: invalid UTF-8 is refused.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true, fatal: true });

/** A decoded `sn.onion_request`, or why it is malformed. */
export type InternalOnionRequest =
  | { ok: true; layer: ReceivedLayer }
  | { ok: false; reason: string };

function isDict(v: BValue): v is Record<string, BValue> {
  return v !== null && typeof v === "object" && !(v instanceof Uint8Array) && !Array.isArray(v);
}

/**
 * Decode the one part of an `sn.onion_request` (the dict of the module documentation).
 *
 * @param part the message part
 * @returns the received layer (views into `part`; `hopNo` clamped to ≥ 1, not checked against 15),
 *   or the fixed reason it is malformed
 * @example
 * ```ts
 * import { readInternalOnionRequest } from "./onion_request_handler.ts";
 * import { bencode } from "../../mod.ts";
 * const part = bencode({ data: new Uint8Array(40), enc_type: new TextEncoder().encode("xchacha20"), ephemeral_key: new Uint8Array(32).fill(9), hop_no: -2 });
 * const r = readInternalOnionRequest(part);
 * if (!r.ok || r.layer.hopNo !== 1 || r.layer.encType !== "xchacha20") throw new Error("bad");
 * const bad = readInternalOnionRequest(bencode({ data: new Uint8Array(40) }));
 * if (bad.ok || bad.reason !== "ephemeral key not found") throw new Error("bad");
 * ```
 */
export function readInternalOnionRequest(part: Uint8Array): InternalOnionRequest {
  let dict: BValue;
  try {
    dict = bdecode(part);
  } catch {
    return { ok: false, reason: "not a bencoded dict" };
  }
  if (!isDict(dict)) return { ok: false, reason: "not a bencoded dict" };
  const { data, enc_type: encTypeValue, ephemeral_key: key, hop_no: hop } = dict;
  if (data === undefined) return { ok: false, reason: "required data payload not found" };
  if (!(data instanceof Uint8Array)) return { ok: false, reason: "data is not a byte string" };
  let encType: EncType;
  if (encTypeValue === undefined) encType = "aes-gcm";
  else if (!(encTypeValue instanceof Uint8Array)) return { ok: false, reason: "invalid enc_type" };
  else {
    try {
      encType = parseEncType(decoder.decode(encTypeValue), "sn.onion_request");
    } catch {
      return { ok: false, reason: "invalid enc_type" };
    }
  }
  if (key === undefined) return { ok: false, reason: "ephemeral key not found" };
  if (!(key instanceof Uint8Array) || key.length !== X25519_KEY_BYTES) {
    return { ok: false, reason: "invalid ephemeral key" };
  }
  let hopNo = 0;
  if (hop !== undefined) {
    if (typeof hop !== "number" || hop < INT_MIN || hop > INT_MAX) return { ok: false, reason: "invalid hop_no" };
    hopNo = hop;
  }
  return { ok: true, layer: { blob: data, ephemeralKey: key, encType, hopNo: Math.max(hopNo, 1) } };
}

/** Options of {@link onionRequestHandler}. */
export interface OnionRequestHandlerOptions {
  /** The node's dependencies (the same as the HTTP app's). */
  deps: Deps;
  /** The replay cache; share the HTTP route's. */
  replay: ReplayFilter;
}

/** Two-part reply: status as decimal text, body. */
function reply(status: number, body: Uint8Array | string): Uint8Array[] {
  return [encoder.encode(String(status)), typeof body === "string" ? encoder.encode(body) : body];
}

/**
 * The `sn.onion_request` handler of one node: message parts → reply parts. Never rejects (every
 * failure is an answer), so the sender never waits for a reply that will not come.
 *
 * @param options dependencies and the replay cache
 * @returns the handler
 * @example A malformed request
 * ```ts
 * import { onionRequestHandler } from "./onion_request_handler.ts";
 * import { createConfig } from "../config.ts";
 * import { createDirectory } from "../directory.ts";
 * import { memoryLogger } from "../logger.ts";
 * import { nodeKeysFromSeed } from "../node_keys.ts";
 * import { HttpForwarder } from "../relay/forwarder.ts";
 * import { ReplayFilter } from "../replay/replay_filter.ts";
 * import { nobleProvider as provider } from "../../mod.ts";
 * const clock = { now: () => 0 };
 * const handle = onionRequestHandler({
 *   deps: {
 *     config: createConfig(), nodeKeys: await nodeKeysFromSeed(new Uint8Array(32).fill(1), provider),
 *     directory: createDirectory([]), provider, logger: memoryLogger(), clock, handlers: {},
 *     forwarder: new HttpForwarder({ timeoutMs: 1000, maxResponseBytes: 1024, maxInFlight: 1, maxInFlightPerHop: 1 }),
 *   },
 *   replay: new ReplayFilter({ maxTags: 10, generationMs: 1000, clock }),
 * });
 * const [status, body] = await handle([new Uint8Array(1), new Uint8Array(1)]);
 * const t = (b: Uint8Array) => new TextDecoder().decode(b);
 * if (t(status) !== "400" || t(body) !== "Invalid internal onion request: expected 1 part, got 2") throw new Error(t(body));
 * ```
 */
export function onionRequestHandler(
  options: OnionRequestHandlerOptions,
): (parts: readonly Uint8Array[]) => Promise<Uint8Array[]> {
  const { deps, replay } = options;
  const { provider, logger } = deps;
  const handle = onionLayerHandler(options);

  return async (parts) => {
    if (parts.length !== 1) return reply(400, `${INVALID_INTERNAL_PREFIX}expected 1 part, got ${parts.length}`);
    const request = readInternalOnionRequest(parts[0]);
    if (!request.ok) return reply(400, INVALID_INTERNAL_PREFIX + request.reason);
    const { layer } = request;
    if (layer.hopNo > MAX_HOPS) return reply(400, PATH_TOO_LONG);
    try {
      // The cheap checks of HTTP (hardening.md §1; routes/onion_request.ts), before any X25519.
      if (!isCanonicalX25519(layer.ephemeralKey)) {
        throw new ProtocolError(
          "ONION_AUTH_FAILED",
          "Cannot peel onion: ephemeral key is not a canonical X25519 encoding",
        );
      }
      if (layer.blob.length < minBlobBytes(layer.encType)) {
        throw new ProtocolError("ONION_AUTH_FAILED", "Cannot peel onion: blob shorter than nonce and tag");
      }
      const tag = await replayTag(provider, layer);
      if (replay.has(tag)) throw replayError();
      const answer = await handle({ layer, tag });
      return reply(answer.status, answer.body);
    } catch (err) {
      const wire = toWireError(err);
      if (wire.unexpected) {
        const fields: Record<string, string> = { name: err instanceof Error ? err.name : typeof err };
        if (isProtocolError(err)) fields.code = err.code;
        logger.log("error", "unexpected_error", fields);
      }
      return reply(wire.status, wire.body);
    }
  };
}
