/**
 * The Session protocol's message layer as the live network uses it (e2ee.md §5): signed sealed
 * boxes for 1:1 messages with their padding, Envelope and WebSocket framing; Groups v2
 * encryption; community blinded IDs, signatures and DMs; config, ONS and push-notification
 * encryption. Re-exports only.
 *
 * @example Alice sends Bob a message the way Session clients store it
 * ```ts
 * import { create } from "@bufbuild/protobuf";
 * import { ContentSchema, decodeSessionMessage, encodeSessionMessage } from "./mod.ts";
 * import { identityFromSeed } from "../../identity.ts";
 * const alice = await identityFromSeed(new Uint8Array(32).fill(1));
 * const bob = await identityFromSeed(new Uint8Array(32).fill(2));
 * const wire = await encodeSessionMessage(create(ContentSchema, { dataMessage: { body: "hello" } }), alice.ed25519Seed, {
 *   recipient: bob.sessionId,
 *   timestampMs: 1_700_000_000_000,
 * });
 * const got = await decodeSessionMessage(wire, bob.ed25519Seed, { expectedSender: alice.sessionId });
 * if (got.content.dataMessage?.body !== "hello") throw new Error("bad");
 * ```
 *
 * @module
 */

export * from "./constants.ts";
export {
  type Ed25519KeyPair,
  ed25519KeyPair,
  type Ed25519Secret,
  parsePrefixedId,
  prefixedId,
  recipientX25519,
  sessionIdOfEd25519,
} from "./keys.ts";
export { padMessage, unpadMessage } from "./padding.ts";
export {
  decryptIncoming,
  type DecryptIncomingOptions,
  encryptForRecipient,
  type EncryptForRecipientOptions,
  type IncomingMessage,
  RECIPIENT_ENCRYPT_OVERHEAD_BYTES,
} from "./encrypt_for_recipient.ts";
export {
  buildEnvelope,
  type BuildEnvelopeOptions,
  type EnvelopeInfo,
  parseEnvelope,
  uint64Timestamp,
  unwrapWebSocketMessage,
  wrapWebSocketMessage,
} from "./envelope.ts";
export {
  type DecodedSessionMessage,
  decodeGroupMessage,
  type DecodeGroupMessageOptions,
  decodeSessionMessage,
  type DecodeSessionMessageOptions,
  encodeGroupMessage,
  type EncodeGroupMessageOptions,
  encodeSessionMessage,
  type EncodeSessionMessageOptions,
} from "./session_message.ts";
export {
  decryptGroupMessage,
  type DecryptGroupMessageOptions,
  encryptForGroup,
  type EncryptForGroupOptions,
  type GroupMessage,
} from "./group_message.ts";
export { loadZstd, type ZstdCodec } from "./zstd.ts";
export {
  blind15Ids,
  blind15Sign,
  blind25Id,
  blind25Sign,
  blindedIdFromEd25519,
  type BlindedKeyPair,
  blindedKeyPair,
  type BlindingOptions,
  type BlindSignOptions,
  sameBlindedId,
  sessionIdMatchesBlindedId,
} from "./blinding.ts";
export { type VersionKeyOptions, versionKeyPair, type VersionSignOptions, versionSignRequest } from "./version_key.ts";
export {
  type BlindedMessage,
  type DecryptFromBlindedOptions,
  decryptFromBlindedRecipient,
  type EncryptForBlindedOptions,
  encryptForBlindedRecipient,
} from "./blinded_dm.ts";
export {
  configDecrypt,
  configEncrypt,
  type ConfigEncryptOptions,
  configPaddedSize,
  padConfigMessage,
} from "./config_encrypt.ts";
export { type DecryptOnsOptions, decryptOnsResponse } from "./ons.ts";
export { decryptPushNotification, type DecryptPushOptions } from "./push.ts";
export { decodeProto, encodeProto } from "./protobuf.ts";
export * from "../gen/session_protos_pb.ts";
export * from "../gen/session_websocket_pb.ts";
