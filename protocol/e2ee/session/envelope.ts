/**
 * The Session `Envelope` and its `WebSocketMessage` wrapping (e2ee.md §5.2 steps 4–5 and
 * "Receiving"), on the generated protobufs of `../gen/`.
 *
 * @module
 */

import { create, isFieldSet } from "@bufbuild/protobuf";
import { isHex } from "../../bytes.ts";
import { ProtocolError } from "../../errors.ts";
import { type Rng, systemRng } from "../../rng.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import { decoySignature } from "../../crypto/ed25519_blinding.ts";
import { type Envelope_Type, EnvelopeSchema } from "../gen/session_protos_pb.ts";
import {
  WebSocketMessage_Type,
  WebSocketMessageSchema,
  WebSocketRequestMessageSchema,
} from "../gen/session_websocket_pb.ts";
import { ENVELOPE_SOURCE_DEVICE, PREFIXED_ID_HEX_CHARS, PRO_SIGNATURE_BYTES } from "./constants.ts";
import { ed25519KeyPair, type Ed25519Secret } from "./keys.ts";
import { decodeProto, encodeProto } from "./protobuf.ts";

/** Largest value of a protobuf `uint64`. */
const UINT64_MAX = (1n << 64n) - 1n;

/** The Envelope fields a receiver gets besides the content (e2ee.md §5.2). */
export interface EnvelopeInfo {
  /** `SESSION_MESSAGE` (6) or `CLOSED_GROUP_MESSAGE` (7); receivers do not rely on it. */
  type: Envelope_Type;
  /** The sender's claimed send time in milliseconds (authenticated for groups only). */
  timestampMs: bigint;
  /** `source` when it is a 66-hex-character ID (absent or empty for 1:1). */
  source?: string;
  /** `sourceDevice` when set (libsession sets 1). */
  sourceDevice?: number;
  /** `serverTimestamp` when set. */
  serverTimestampMs?: bigint;
  /** The 64-byte `proSig` (real or decoy) when set; old clients omit it. */
  proSig?: Uint8Array;
}

/** Options of {@link buildEnvelope}. */
export interface BuildEnvelopeOptions {
  /** Send time in milliseconds since the epoch (a uint64). */
  timestampMs: number | bigint;
  /** Session Pro rotating Ed25519 secret: sign `content` with it; without it `proSig` is a decoy. */
  proRotatingSecret?: Ed25519Secret;
  /** Source of the decoy; defaults to the system CSPRNG. */
  rng?: Rng;
  /** Crypto provider (signs with the Pro key). */
  provider: CryptoProvider;
}

/**
 * A send time as a protobuf uint64.
 *
 * @param timestampMs milliseconds, a non-negative safe integer or a uint64 bigint
 * @param action what the caller was doing, for error messages (optional)
 * @returns the bigint
 * @throws {TypeError | RangeError} when it is not a uint64
 * @example
 * ```ts
 * import { uint64Timestamp } from "./envelope.ts";
 * if (uint64Timestamp(1700000000000, "send") !== 1700000000000n) throw new Error("bad");
 * ```
 */
export function uint64Timestamp(timestampMs: number | bigint, action = "read timestamp"): bigint {
  if (typeof timestampMs === "number") {
    if (!Number.isSafeInteger(timestampMs) || timestampMs < 0) {
      throw new RangeError(`Cannot ${action}: timestamp ${timestampMs} is not a non-negative safe integer`);
    }
    return BigInt(timestampMs);
  }
  if (typeof timestampMs !== "bigint") throw new TypeError(`Cannot ${action}: timestamp is not a number or bigint`);
  if (timestampMs < 0n || timestampMs > UINT64_MAX) {
    throw new RangeError(`Cannot ${action}: timestamp ${timestampMs} is outside uint64`);
  }
  return timestampMs;
}

/**
 * Build and serialize an Envelope as libsession does (e2ee.md §5.2 step 4): `type`,
 * `sourceDevice = 1`, `timestamp`, `content`, and a 64-byte `proSig` — Ed25519 over `content`
 * with the Pro rotating key, or a decoy.
 *
 * @param type `SESSION_MESSAGE` or `CLOSED_GROUP_MESSAGE`
 * @param content the envelope content (1:1: the ciphertext; groups: the Content bytes)
 * @param options `timestampMs`, `proRotatingSecret`, `rng`, `provider`
 * @returns the serialized Envelope
 * @throws {TypeError | RangeError} for arguments of the wrong type or range
 * @example
 * ```ts
 * import { buildEnvelope, parseEnvelope } from "./envelope.ts";
 * import { Envelope_Type } from "../gen/session_protos_pb.ts";
 * import { nobleProvider } from "../../crypto/noble.ts";
 * const env = await buildEnvelope(Envelope_Type.SESSION_MESSAGE, new Uint8Array([1]), { timestampMs: 5, provider: nobleProvider });
 * const { info, content } = parseEnvelope(env, "parse");
 * if (info.timestampMs !== 5n || info.proSig?.length !== 64 || content[0] !== 1) throw new Error("bad");
 * ```
 */
export async function buildEnvelope(
  type: Envelope_Type,
  content: Uint8Array,
  options: BuildEnvelopeOptions,
): Promise<Uint8Array> {
  const action = "build envelope";
  if (!(content instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: content is not a Uint8Array`);
  const timestamp = uint64Timestamp(options.timestampMs, action);
  let proSig: Uint8Array;
  if (options.proRotatingSecret !== undefined) {
    const pro = await ed25519KeyPair(options.proRotatingSecret, options.provider, action);
    try {
      proSig = await options.provider.ed25519Sign(pro.seed, content);
    } finally {
      pro.seed.fill(0);
    }
  } else {
    proSig = decoySignature(options.rng ?? systemRng);
  }
  const envelope = create(EnvelopeSchema, {
    type,
    sourceDevice: ENVELOPE_SOURCE_DEVICE,
    timestamp,
    content,
    proSig,
  });
  return encodeProto(EnvelopeSchema, envelope, action);
}

/**
 * Parse an Envelope with libsession's receive-side checks (e2ee.md §5.2 "Receiving"): required
 * `type` and `timestamp`, `content` present, `source` absent, empty or 66 hex characters,
 * `proSig` absent or 64 bytes.
 *
 * @param bytes serialized Envelope
 * @param action what the caller was doing, for error messages (optional)
 * @returns the envelope fields and the content bytes
 * @throws {ProtocolError} `MESSAGE_INVALID` for any violation
 * @example A source of the wrong length is refused
 * ```ts
 * import { parseEnvelope } from "./envelope.ts";
 * import { isProtocolError } from "../../errors.ts";
 * // type 6, source "ab", timestamp 1, content [1]
 * const bytes = new Uint8Array([0x08, 6, 0x12, 2, 0x61, 0x62, 0x28, 1, 0x42, 1, 1]);
 * try {
 *   parseEnvelope(bytes, "parse");
 *   throw new Error("accepted");
 * } catch (e) {
 *   if (!isProtocolError(e, "MESSAGE_INVALID")) throw e;
 * }
 * ```
 */
export function parseEnvelope(
  bytes: Uint8Array,
  action = "parse envelope",
): { info: EnvelopeInfo; content: Uint8Array } {
  const envelope = decodeProto(EnvelopeSchema, bytes, action);
  if (!isFieldSet(envelope, EnvelopeSchema.field.content)) {
    throw new ProtocolError("MESSAGE_INVALID", `Cannot ${action}: envelope has no content`);
  }
  const info: EnvelopeInfo = { type: envelope.type, timestampMs: envelope.timestamp };
  const source: string = envelope.source;
  const sourceLength = source.length;
  if (isFieldSet(envelope, EnvelopeSchema.field.source) && sourceLength !== 0) {
    if (!isHex(source, PREFIXED_ID_HEX_CHARS)) {
      throw new ProtocolError(
        "MESSAGE_INVALID",
        `Cannot ${action}: envelope source is ${sourceLength} characters, expected 0 or ${PREFIXED_ID_HEX_CHARS} hex`,
      );
    }
    info.source = source.toLowerCase();
  }
  if (isFieldSet(envelope, EnvelopeSchema.field.sourceDevice)) info.sourceDevice = envelope.sourceDevice;
  if (isFieldSet(envelope, EnvelopeSchema.field.serverTimestamp)) info.serverTimestampMs = envelope.serverTimestamp;
  if (isFieldSet(envelope, EnvelopeSchema.field.proSig)) {
    if (envelope.proSig.length !== PRO_SIGNATURE_BYTES) {
      throw new ProtocolError(
        "MESSAGE_INVALID",
        `Cannot ${action}: proSig is ${envelope.proSig.length} bytes, expected ${PRO_SIGNATURE_BYTES}`,
      );
    }
    info.proSig = envelope.proSig;
  }
  return { info, content: envelope.content };
}

/**
 * Wrap an Envelope for the swarm (e2ee.md §5.2 step 5):
 * `WebSocketMessage{type = REQUEST, request = {verb = "", path = "", requestId = 0, body}}`.
 *
 * @param body the serialized Envelope
 * @returns the serialized WebSocketMessage
 * @throws {TypeError} when `body` is not a Uint8Array
 * @example
 * ```ts
 * import { unwrapWebSocketMessage, wrapWebSocketMessage } from "./envelope.ts";
 * if (unwrapWebSocketMessage(wrapWebSocketMessage(new Uint8Array([7])), "read")[0] !== 7) throw new Error("bad");
 * ```
 */
export function wrapWebSocketMessage(body: Uint8Array): Uint8Array {
  if (!(body instanceof Uint8Array)) throw new TypeError("Cannot wrap message: body is not a Uint8Array");
  const message = create(WebSocketMessageSchema, {
    type: WebSocketMessage_Type.REQUEST,
    request: { verb: "", path: "", requestId: 0n, body },
  });
  return encodeProto(WebSocketMessageSchema, message, "wrap message");
}

/**
 * Take `request.body` out of a stored WebSocketMessage (e2ee.md §5.2 "Receiving").
 *
 * @param bytes serialized WebSocketMessage
 * @param action what the caller was doing, for error messages (optional)
 * @returns the body (a serialized Envelope)
 * @throws {ProtocolError} `MESSAGE_INVALID` when it does not parse or has no request body
 * @example
 * ```ts
 * import { unwrapWebSocketMessage } from "./envelope.ts";
 * import { isProtocolError } from "../../errors.ts";
 * try {
 *   unwrapWebSocketMessage(new Uint8Array([0x08, 1]), "read");
 *   throw new Error("accepted");
 * } catch (e) {
 *   if (!isProtocolError(e, "MESSAGE_INVALID")) throw e;
 * }
 * ```
 */
export function unwrapWebSocketMessage(bytes: Uint8Array, action = "unwrap message"): Uint8Array {
  const message = decodeProto(WebSocketMessageSchema, bytes, action);
  const request = message.request;
  if (request === undefined) {
    throw new ProtocolError("MESSAGE_INVALID", `Cannot ${action}: WebSocketMessage has no request`);
  }
  if (!isFieldSet(request, WebSocketRequestMessageSchema.field.body)) {
    throw new ProtocolError("MESSAGE_INVALID", `Cannot ${action}: WebSocket request has no body`);
  }
  return request.body;
}
