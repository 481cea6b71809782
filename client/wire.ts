/**
 * What the client stores in swarms (client/README.md "Wire"):
 *
 * - **1:1** — a `DirectEnvelope` {type, source Session ID, timestamp, ratchet message}, padded to
 *   160-byte blocks (e2ee.md §5.2 padding) and sealed with an anonymous `crypto_box_seal` to the
 *   recipient's X25519 key, stored in the recipient's namespace 0. Nodes learn neither the sender
 *   nor the content; authenticity comes from the ratchet (deniable, unlike §5.1's signed box).
 * - **Groups** — a `GroupEnvelope` {source, timestamp, SenderKeyMessage}, padded the same way and
 *   sealed with XChaCha20-Poly1305 under a key derived from the group seed (the group id is the
 *   associated data), stored in the group account's namespace 0. Nodes learn neither the sender
 *   nor the content; the Sender Key signature authenticates the sender to members.
 *
 * Everything here is pure: randomness and the provider come in as arguments.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import { concat, type CryptoProvider, fromHex, ProtocolError, type Rng, utf8 } from "../mod.ts";
import { openSealedBox, sealBox } from "../protocol/crypto/sealed_box.ts";
import { padMessage, unpadMessage } from "../protocol/e2ee/session/padding.ts";
import { decodeProto, encodeProto } from "../protocol/e2ee/session/protobuf.ts";
import {
  DirectEnvelope_Type,
  DirectEnvelopeSchema,
  GroupEnvelopeSchema,
} from "../protocol/e2ee/gen/allium_client_pb.ts";

/** Key-derivation label of the group envelope key: BLAKE2b-256 keyed with it, over the group seed. */
export const GROUP_ENVELOPE_KEY_LABEL = "allium/group-envelope/v1";
/** XChaCha20-Poly1305 nonce bytes. */
const XCHACHA_NONCE_BYTES = 24;
/** Bytes of the derived group envelope key. */
const GROUP_KEY_BYTES = 32;
/** Bytes of a Session ID / group id without hex. */
const PREFIXED_ID_BYTES = 33;

/** Which ratchet message a 1:1 envelope carries (e2ee.md §3.5 wire types). */
export type DirectType = "prekey" | "message";

/** The fields of a 1:1 envelope. */
export interface DirectEnvelopeFields {
  /** PreKeySignalMessage or SignalMessage. */
  readonly type: DirectType;
  /** The sender's Session ID, as claimed (authenticated only once the ratchet message decrypts). */
  readonly source: string;
  /** Sent, ms. */
  readonly timestamp: number;
  /** The ratchet message. */
  readonly body: Uint8Array;
}

/** The fields of a group envelope. */
export interface GroupEnvelopeFields {
  /** The sender's Session ID, as claimed (authenticated by the Sender Key signature). */
  readonly source: string;
  /** Sent, ms. */
  readonly timestamp: number;
  /** The SenderKeyMessage. */
  readonly senderKeyMessage: Uint8Array;
}

/**
 * Seal a 1:1 envelope to the recipient's X25519 key.
 *
 * @param fields type, source, timestamp, ratchet message
 * @param options the `recipient` X25519 public key (32 bytes), `rng` for the ephemeral key
 * @returns the bytes to store in the recipient's namespace 0
 * @example Seal and open
 * ```ts
 * import { openDirect, sealDirect } from "./wire.ts";
 * import { generateIdentity, nobleProvider as provider, systemRng as rng } from "../mod.ts";
 * const bob = await generateIdentity({ provider });
 * const sealed = sealDirect({ type: "message", source: "05" + "00".repeat(32), timestamp: 5, body: new Uint8Array([1]) }, { recipient: bob.x25519Public, rng });
 * if (openDirect(sealed, bob).timestamp !== 5) throw new Error("bad");
 * ```
 */
export function sealDirect(fields: DirectEnvelopeFields, options: { recipient: Uint8Array; rng: Rng }): Uint8Array {
  const envelope = create(DirectEnvelopeSchema, {
    type: fields.type === "prekey" ? DirectEnvelope_Type.PREKEY_MESSAGE : DirectEnvelope_Type.MESSAGE,
    source: fields.source,
    timestamp: BigInt(fields.timestamp),
    body: fields.body,
  });
  const bytes = encodeProto(DirectEnvelopeSchema, envelope, "seal envelope");
  return sealBox(padMessage(bytes), options.recipient, { rng: options.rng });
}

/**
 * Open a 1:1 envelope with our X25519 key pair.
 *
 * @param sealed the stored bytes
 * @param keys our `x25519Secret` and `x25519Public`
 * @returns the envelope's fields
 * @throws {ProtocolError} `DECRYPT_FAILED` when the box does not open (tampered, or not for us);
 *   `MESSAGE_INVALID` when what is inside is not an envelope
 * @example A flipped byte does not open
 * ```ts
 * import { openDirect, sealDirect } from "./wire.ts";
 * import { generateIdentity, isProtocolError, nobleProvider as provider, systemRng as rng } from "../mod.ts";
 * const bob = await generateIdentity({ provider });
 * const sealed = sealDirect({ type: "prekey", source: "05" + "00".repeat(32), timestamp: 5, body: new Uint8Array([1]) }, { recipient: bob.x25519Public, rng });
 * sealed[40] ^= 1;
 * try { openDirect(sealed, bob); throw new Error("opened"); } catch (e) { if (!isProtocolError(e, "DECRYPT_FAILED")) throw e; }
 * ```
 */
export function openDirect(
  sealed: Uint8Array,
  keys: { x25519Secret: Uint8Array; x25519Public: Uint8Array },
): DirectEnvelopeFields {
  const padded = openSealedBox(sealed, keys.x25519Secret, keys.x25519Public);
  const e = decodeProto(DirectEnvelopeSchema, unpadMessage(padded), "open envelope");
  const type: DirectType | undefined = e.type === DirectEnvelope_Type.PREKEY_MESSAGE
    ? "prekey"
    : e.type === DirectEnvelope_Type.MESSAGE
    ? "message"
    : undefined;
  if (type === undefined || !/^05[0-9a-f]{64}$/.test(e.source) || e.body.length === 0) {
    throw new ProtocolError("MESSAGE_INVALID", "Cannot open envelope: type, source or body is missing or malformed");
  }
  return { type, source: e.source, timestamp: Number(e.timestamp), body: e.body };
}

/**
 * The key that seals a group's envelopes: BLAKE2b-256 keyed with {@link GROUP_ENVELOPE_KEY_LABEL}
 * over the group's Ed25519 seed.
 *
 * @param groupSeed the group's 32-byte seed
 * @param provider crypto provider
 * @returns the 32-byte key
 * @example
 * ```ts
 * import { groupEnvelopeKey } from "./wire.ts";
 * import { nobleProvider } from "../mod.ts";
 * if ((await groupEnvelopeKey(new Uint8Array(32), nobleProvider)).length !== 32) throw new Error("bad");
 * ```
 */
export async function groupEnvelopeKey(groupSeed: Uint8Array, provider: CryptoProvider): Promise<Uint8Array> {
  return await provider.blake2b(groupSeed, GROUP_KEY_BYTES, utf8(GROUP_ENVELOPE_KEY_LABEL));
}

/**
 * Seal a group envelope: `nonce(24) ‖ XChaCha20-Poly1305(key, nonce, padded envelope, aad = group id)`.
 *
 * @param fields source, timestamp, SenderKeyMessage
 * @param options the group's `groupId` and envelope `key`, `rng`, `provider`
 * @returns the bytes to store in the group account's namespace 0
 * @example Seal and open
 * ```ts
 * import { groupEnvelopeKey, openGroup, sealGroup } from "./wire.ts";
 * import { nobleProvider as provider, systemRng as rng } from "../mod.ts";
 * const group = { groupId: "03" + "11".repeat(32), key: await groupEnvelopeKey(new Uint8Array(32), provider) };
 * const sealed = await sealGroup({ source: "05" + "00".repeat(32), timestamp: 9, senderKeyMessage: new Uint8Array([1]) }, { ...group, rng, provider });
 * if ((await openGroup(sealed, { ...group, provider })).timestamp !== 9) throw new Error("bad");
 * ```
 */
export async function sealGroup(
  fields: GroupEnvelopeFields,
  options: { groupId: string; key: Uint8Array; rng: Rng; provider: CryptoProvider },
): Promise<Uint8Array> {
  const bytes = encodeProto(
    GroupEnvelopeSchema,
    create(GroupEnvelopeSchema, {
      source: fields.source,
      timestamp: BigInt(fields.timestamp),
      senderKeyMessage: fields.senderKeyMessage,
    }),
    "seal group envelope",
  );
  const nonce = options.rng.fill(new Uint8Array(XCHACHA_NONCE_BYTES));
  const sealed = await options.provider.xchachaSeal(options.key, nonce, padMessage(bytes), fromHex(options.groupId));
  return concat(nonce, sealed);
}

/**
 * Open a group envelope.
 *
 * @param sealed the stored bytes
 * @param options the group's `groupId` and envelope `key`, `provider`
 * @returns the envelope's fields
 * @throws {ProtocolError} `DECRYPT_FAILED` when it does not authenticate; `MESSAGE_INVALID` when
 *   what is inside is not a group envelope
 * @example See {@link sealGroup}.
 * ```ts
 * import { openGroup } from "./wire.ts";
 * if (typeof openGroup !== "function") throw new Error("bad");
 * ```
 */
export async function openGroup(
  sealed: Uint8Array,
  options: { groupId: string; key: Uint8Array; provider: CryptoProvider },
): Promise<GroupEnvelopeFields> {
  const groupId = fromHex(options.groupId);
  if (groupId.length !== PREFIXED_ID_BYTES) throw new RangeError("Cannot open group envelope: bad group id");
  if (sealed.length < XCHACHA_NONCE_BYTES) {
    throw new ProtocolError("DECRYPT_FAILED", `Cannot open group envelope: ${sealed.length} bytes is too short`);
  }
  let padded: Uint8Array;
  try {
    padded = await options.provider.xchachaOpen(
      options.key,
      sealed.subarray(0, XCHACHA_NONCE_BYTES),
      sealed.subarray(XCHACHA_NONCE_BYTES),
      groupId,
    );
  } catch (cause) {
    throw new ProtocolError("DECRYPT_FAILED", "Cannot open group envelope: authentication failed", { cause });
  }
  const e = decodeProto(GroupEnvelopeSchema, unpadMessage(padded), "open group envelope");
  if (!/^05[0-9a-f]{64}$/.test(e.source) || e.senderKeyMessage.length === 0) {
    throw new ProtocolError("MESSAGE_INVALID", "Cannot open group envelope: source or message is missing");
  }
  return { source: e.source, timestamp: Number(e.timestamp), senderKeyMessage: e.senderKeyMessage };
}
