/**
 * Session messages as the live network stores them (e2ee.md §5.2, §5.3; libsession
 * `encode_for_1o1`, `encode_for_group`, `decode_envelope`):
 *
 * - 1:1: `Content` → pad (160) → signed sealed box (§5.1) → `Envelope{type 6, timestamp,
 *   content, proSig}` → `WebSocketMessage{REQUEST, body}`;
 * - Groups v2: `Content` → `Envelope{type 7, timestamp, content, proSig}` → `encrypt_for_group`.
 *
 * @module
 */

import { isMessage } from "@bufbuild/protobuf";
import { wipe } from "../../bytes.ts";
import { isProtocolError, ProtocolError } from "../../errors.ts";
import type { Rng } from "../../rng.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import { defaultProvider } from "../../crypto/default.ts";
import { type Content, ContentSchema, Envelope_Type } from "../gen/session_protos_pb.ts";
import { decryptIncoming, encryptForRecipient } from "./encrypt_for_recipient.ts";
import {
  buildEnvelope,
  type EnvelopeInfo,
  parseEnvelope,
  unwrapWebSocketMessage,
  wrapWebSocketMessage,
} from "./envelope.ts";
import { decryptGroupMessage, encryptForGroup } from "./group_message.ts";
import type { Ed25519Secret } from "./keys.ts";
import { padMessage, unpadMessage } from "./padding.ts";
import { decodeProto, encodeProto } from "./protobuf.ts";
import type { ZstdCodec } from "./zstd.ts";

/** Options of {@link encodeSessionMessage}. */
export interface EncodeSessionMessageOptions {
  /** The recipient: a `05…` Session ID or its 32-byte X25519 public key. */
  recipient: string | Uint8Array;
  /** Send time in milliseconds since the epoch (`Envelope.timestamp`). */
  timestampMs: number | bigint;
  /** Session Pro rotating Ed25519 secret; without it `proSig` is a decoy (§5.2 step 4). */
  proRotatingSecret?: Ed25519Secret;
  /** Use libsession's deterministic sealed box (the decoy `proSig` still draws from `rng`). */
  deterministic?: boolean;
  /** Source of the ephemeral key and the decoy; defaults to the system CSPRNG. */
  rng?: Rng;
  /** Crypto provider; defaults to the fastest available. */
  provider?: CryptoProvider;
}

/** Options of {@link decodeSessionMessage}. */
export interface DecodeSessionMessageOptions {
  /** The conversation's Session ID: refuse a message whose authenticated sender is someone else. */
  expectedSender?: string;
  /** Crypto provider; defaults to the fastest available. */
  provider?: CryptoProvider;
}

/** Options of {@link encodeGroupMessage}. */
export interface EncodeGroupMessageOptions {
  /** The group: its `03…` ID or its 32-byte Ed25519 public key. */
  group: string | Uint8Array;
  /** The group's current 32-byte encryption key. */
  encryptionKey: Uint8Array;
  /** Send time in milliseconds since the epoch (`Envelope.timestamp`). */
  timestampMs: number | bigint;
  /** Session Pro rotating Ed25519 secret; without it `proSig` is a decoy. */
  proRotatingSecret?: Ed25519Secret;
  /** Compress with zstd when smaller (`z`); without a codec the data is written uncompressed (`d`). */
  zstd?: ZstdCodec;
  /** Source of the nonce and the decoy; defaults to the system CSPRNG. */
  rng?: Rng;
  /** Crypto provider; defaults to the fastest available. */
  provider?: CryptoProvider;
}

/** Options of {@link decodeGroupMessage}. */
export interface DecodeGroupMessageOptions {
  /** The group: its `03…` ID or its 32-byte Ed25519 public key. */
  group: string | Uint8Array;
  /** zstd decompressor for `z` messages; defaults to the runtime's, if any; `null` means none. */
  zstd?: ZstdCodec | null;
  /** Crypto provider; defaults to the fastest available. */
  provider?: CryptoProvider;
}

/** A received, authenticated Session message. */
export interface DecodedSessionMessage {
  /** The parsed Content. */
  content: Content;
  /** The Content bytes as sent (unpadded). */
  contentBytes: Uint8Array;
  /** The sender's Ed25519 public key (it signed the message). */
  senderEd25519: Uint8Array;
  /** The sender's Session ID `05 ‖ toMontgomery(A)`. */
  senderSessionId: string;
  /** The other Envelope fields. */
  envelope: EnvelopeInfo;
  /** Index of the key that decrypted it (in the keys passed). */
  keyIndex: number;
}

function contentBytes(content: Content | Uint8Array, action: string): Uint8Array {
  if (content instanceof Uint8Array) return content;
  if (!isMessage(content, ContentSchema)) {
    throw new TypeError(`Cannot ${action}: content is not a Content or Uint8Array`);
  }
  return encodeProto(ContentSchema, content, action);
}

/**
 * Encode a Content for one recipient as the live network stores it (e2ee.md §5.2).
 *
 * @param content the Content message, or its serialization
 * @param senderSecret the sender's Ed25519 secret (32-byte seed or 64-byte `seed ‖ public`)
 * @param options `recipient`, `timestampMs`, `proRotatingSecret`, `deterministic`, `rng`, `provider`
 * @returns the WebSocketMessage bytes to store (base64) in the recipient's swarm, namespace 0
 * @throws {TypeError | RangeError} for arguments of the wrong type or range
 * @throws {ProtocolError} `KEY_INVALID` for a malformed Session ID
 * @example Alice to Bob and back
 * ```ts
 * import { create } from "@bufbuild/protobuf";
 * import { ContentSchema } from "../gen/session_protos_pb.ts";
 * import { decodeSessionMessage, encodeSessionMessage } from "./session_message.ts";
 * import { identityFromSeed } from "../../identity.ts";
 * const alice = await identityFromSeed(new Uint8Array(32).fill(1));
 * const bob = await identityFromSeed(new Uint8Array(32).fill(2));
 * const content = create(ContentSchema, { dataMessage: { body: "hi" } });
 * const wire = await encodeSessionMessage(content, alice.ed25519Seed, { recipient: bob.sessionId, timestampMs: 1 });
 * const got = await decodeSessionMessage(wire, bob.ed25519Seed, { expectedSender: alice.sessionId });
 * if (got.content.dataMessage?.body !== "hi") throw new Error("bad");
 * ```
 */
export async function encodeSessionMessage(
  content: Content | Uint8Array,
  senderSecret: Ed25519Secret,
  options: EncodeSessionMessageOptions,
): Promise<Uint8Array> {
  const action = "encode session message";
  const provider = options.provider ?? await defaultProvider();
  const padded = padMessage(contentBytes(content, action));
  try {
    const ciphertext = await encryptForRecipient(padded, senderSecret, {
      recipient: options.recipient,
      deterministic: options.deterministic,
      rng: options.rng,
      provider,
    });
    const envelope = await buildEnvelope(Envelope_Type.SESSION_MESSAGE, ciphertext, {
      timestampMs: options.timestampMs,
      proRotatingSecret: options.proRotatingSecret,
      rng: options.rng,
      provider,
    });
    return wrapWebSocketMessage(envelope);
  } finally {
    wipe(padded);
  }
}

/**
 * Decode a 1:1 message from the swarm (e2ee.md §5.2 "Receiving", §5.1 "Decryption"): unwrap,
 * parse the Envelope, open the content with each of the user's keys, verify the sender's
 * signature, unpad (tolerantly), parse the Content.
 *
 * @param wire the stored WebSocketMessage bytes
 * @param recipientSecrets the user's Ed25519 secret, or several to try in order
 * @param options `expectedSender`, `provider`
 * @returns the Content, the authenticated sender and the Envelope fields
 * @throws {TypeError | RangeError} for arguments of the wrong type or length
 * @throws {ProtocolError} `MESSAGE_INVALID` for malformed framing, Envelope, inner box or Content;
 *   `DECRYPT_FAILED` when no key opens it; `SIGNATURE_INVALID` when the sender signature fails;
 *   `KEY_INVALID` for an unusable sender key; `SENDER_MISMATCH` when it is not `expectedSender`
 * @example Refusing a message filed under the wrong conversation
 * ```ts
 * import { decodeSessionMessage, encodeSessionMessage } from "./session_message.ts";
 * import { identityFromSeed } from "../../identity.ts";
 * import { isProtocolError } from "../../errors.ts";
 * const alice = await identityFromSeed(new Uint8Array(32).fill(1));
 * const bob = await identityFromSeed(new Uint8Array(32).fill(2));
 * const wire = await encodeSessionMessage(new Uint8Array(), alice.ed25519Seed, { recipient: bob.sessionId, timestampMs: 1 });
 * try {
 *   await decodeSessionMessage(wire, bob.ed25519Seed, { expectedSender: bob.sessionId });
 *   throw new Error("accepted");
 * } catch (e) {
 *   if (!isProtocolError(e, "SENDER_MISMATCH")) throw e;
 * }
 * ```
 */
export async function decodeSessionMessage(
  wire: Uint8Array,
  recipientSecrets: Ed25519Secret | readonly Ed25519Secret[],
  options: DecodeSessionMessageOptions = {},
): Promise<DecodedSessionMessage> {
  const action = "decode session message";
  if (!(wire instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: message is not a Uint8Array`);
  const keys: readonly Ed25519Secret[] = recipientSecrets instanceof Uint8Array ? [recipientSecrets] : recipientSecrets;
  if (!Array.isArray(keys) || keys.length === 0) throw new TypeError(`Cannot ${action}: no recipient keys given`);
  const provider = options.provider ?? await defaultProvider();
  const { info, content: ciphertext } = parseEnvelope(unwrapWebSocketMessage(wire, action), action);
  // Try each key (§5.2 "Receiving"); a key that opens the box but fails a later check is final.
  for (let keyIndex = 0; keyIndex < keys.length; keyIndex++) {
    let incoming;
    try {
      incoming = await decryptIncoming(ciphertext, keys[keyIndex], { provider });
    } catch (e) {
      if (isProtocolError(e, "DECRYPT_FAILED")) continue;
      throw e;
    }
    if (options.expectedSender !== undefined && incoming.senderSessionId !== options.expectedSender.toLowerCase()) {
      wipe(incoming.plaintext);
      throw new ProtocolError("SENDER_MISMATCH", `Cannot ${action}: sender is not the conversation's Session ID`);
    }
    const bytes = unpadMessage(incoming.plaintext).slice();
    wipe(incoming.plaintext);
    const content = decodeProto(ContentSchema, bytes, action);
    return {
      content,
      contentBytes: bytes,
      senderEd25519: incoming.senderEd25519,
      senderSessionId: incoming.senderSessionId,
      envelope: info,
      keyIndex,
    };
  }
  throw new ProtocolError("DECRYPT_FAILED", `Cannot ${action}: none of ${keys.length} key(s) opens it`);
}

/**
 * Encode a Content for a Groups v2 group (e2ee.md §5.3 "To send"): the Envelope (type 7) holds
 * the unencrypted Content, and the whole Envelope is encrypted for the group.
 *
 * @param content the Content message, or its serialization
 * @param senderSecret the sender's Ed25519 secret (32-byte seed or 64-byte `seed ‖ public`)
 * @param options `group`, `encryptionKey`, `timestampMs`, `proRotatingSecret`, `zstd`, `rng`, `provider`
 * @returns the ciphertext to store in the group's swarm
 * @throws {TypeError | RangeError} for arguments of the wrong type, length or range
 * @throws {ProtocolError} `KEY_INVALID` for a malformed group ID
 * @example Round trip
 * ```ts
 * import { create } from "@bufbuild/protobuf";
 * import { ed25519 } from "@noble/curves/ed25519.js";
 * import { ContentSchema } from "../gen/session_protos_pb.ts";
 * import { decodeGroupMessage, encodeGroupMessage } from "./session_message.ts";
 * const group = ed25519.getPublicKey(new Uint8Array(32).fill(3));
 * const encryptionKey = new Uint8Array(32).fill(4);
 * const content = create(ContentSchema, { dataMessage: { body: "hi all" } });
 * const ct = await encodeGroupMessage(content, new Uint8Array(32).fill(1), { group, encryptionKey, timestampMs: 9 });
 * const got = await decodeGroupMessage(ct, [encryptionKey], { group });
 * if (got.content.dataMessage?.body !== "hi all" || got.envelope.timestampMs !== 9n) throw new Error("bad");
 * ```
 */
export async function encodeGroupMessage(
  content: Content | Uint8Array,
  senderSecret: Ed25519Secret,
  options: EncodeGroupMessageOptions,
): Promise<Uint8Array> {
  const action = "encode group message";
  const provider = options.provider ?? await defaultProvider();
  const envelope = await buildEnvelope(Envelope_Type.CLOSED_GROUP_MESSAGE, contentBytes(content, action), {
    timestampMs: options.timestampMs,
    proRotatingSecret: options.proRotatingSecret,
    rng: options.rng,
    provider,
  });
  return await encryptForGroup(envelope, senderSecret, {
    group: options.group,
    encryptionKey: options.encryptionKey,
    zstd: options.zstd,
    rng: options.rng,
    provider,
  });
}

/**
 * Decode a Groups v2 message (e2ee.md §5.3 "To receive"): decrypt with each key, verify the
 * sender, parse the Envelope and its (unencrypted, unpadded) Content.
 *
 * @param ciphertext the stored group message
 * @param encryptionKeys the group's known 32-byte encryption keys
 * @param options `group`, `zstd`, `provider`
 * @returns the Content, the authenticated sender and the Envelope fields
 * @throws {TypeError | RangeError} for arguments of the wrong type or length
 * @throws {ProtocolError} the errors of {@link decryptGroupMessage}; `MESSAGE_INVALID` for a
 *   malformed Envelope or Content
 * @example A wrong key is refused
 * ```ts
 * import { ed25519 } from "@noble/curves/ed25519.js";
 * import { decodeGroupMessage, encodeGroupMessage } from "./session_message.ts";
 * import { isProtocolError } from "../../errors.ts";
 * const group = ed25519.getPublicKey(new Uint8Array(32).fill(3));
 * const ct = await encodeGroupMessage(new Uint8Array(), new Uint8Array(32).fill(1), {
 *   group, encryptionKey: new Uint8Array(32).fill(4), timestampMs: 9,
 * });
 * try {
 *   await decodeGroupMessage(ct, [new Uint8Array(32).fill(5)], { group });
 *   throw new Error("accepted");
 * } catch (e) {
 *   if (!isProtocolError(e, "DECRYPT_FAILED")) throw e;
 * }
 * ```
 */
export async function decodeGroupMessage(
  ciphertext: Uint8Array,
  encryptionKeys: readonly Uint8Array[],
  options: DecodeGroupMessageOptions,
): Promise<DecodedSessionMessage> {
  const action = "decode group message";
  const provider = options.provider ?? await defaultProvider();
  const decrypted = await decryptGroupMessage(ciphertext, encryptionKeys, { ...options, provider });
  const { info, content: bytes } = parseEnvelope(decrypted.plaintext, action);
  const content = decodeProto(ContentSchema, bytes, action);
  return {
    content,
    contentBytes: bytes,
    senderEd25519: decrypted.senderEd25519,
    senderSessionId: decrypted.senderSessionId,
    envelope: info,
    keyIndex: decrypted.keyIndex,
  };
}
