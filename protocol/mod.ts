/**
 * allium's protocol module: Session-compatible onion requests with pluggable crypto providers.
 * No I/O; randomness and providers are arguments.
 *
 * @example A 1-hop onion to a node, peeled
 * ```ts
 * import { buildOnionRequest, peelOnionLayer, toHex } from "./mod.ts";
 * import { nobleProvider as p } from "./crypto/noble.ts";
 * const x25519Secret = new Uint8Array(32).fill(5);
 * const x25519Public = await p.x25519PublicKey(x25519Secret);
 * const node = { ed25519: "aa".repeat(32), x25519: toHex(x25519Public) };
 * const { body } = await buildOnionRequest({ path: [node], destination: node, payload: new Uint8Array([1]) });
 * const first = await peelOnionLayer(body, { x25519Secret, x25519Public });
 * if (first.kind !== "relay") throw new Error("bad");
 * ```
 *
 * @module
 */

export * from "./constants.ts";
export { isProtocolError, ProtocolError, type ProtocolErrorCode } from "./errors.ts";
export {
  concat,
  ctEqual,
  fromBase64,
  fromHex,
  fromUtf8,
  isAllZero,
  isHex,
  readU32le,
  toBase64,
  toHex,
  utf8,
  wipe,
  writeU32le,
} from "./bytes.ts";
export { randomBytes, type Rng, systemRng } from "./rng.ts";
export type { CryptoProvider, MaybePromise, ProviderName } from "./crypto/provider.ts";
export { nobleProvider } from "./crypto/noble.ts";
export { allProviders, defaultProvider, providerByName } from "./crypto/default.ts";
export { SecretKey } from "./crypto/secret_key.ts";
export * from "./identity.ts";
export { type EncType, isEncType, parseEncType } from "./onion/enc_type.ts";
export { decodeLayer, encodeLayer, type Layer } from "./onion/codec.ts";
export {
  deriveHopKey,
  hopDecrypt,
  hopEncrypt,
  type HopKeys,
  type HopOptions,
  type HopRole,
  minBlobBytes,
} from "./onion/hop.ts";
export {
  type InnerRoute,
  type InnerRouteOptions,
  isCanonicalX25519,
  isReferenceServerTarget,
  type OuterTrailer,
  parseInnerRoute,
  parseOuterTrailer,
  readHopNo,
  type RoutingLimits,
} from "./onion/routing.ts";
export {
  type BuildOnionOptions,
  buildOnionRequest,
  type BuiltOnion,
  type OnionNode,
  type OnionServer,
} from "./onion/build.ts";
export {
  type NodeKeys,
  type PeelDeliver,
  peelOnionLayer,
  type PeelOptions,
  peelReceived,
  type PeelRelay,
  type PeelResult,
  type PeelServer,
  type ReceivedLayer,
} from "./onion/peel.ts";
export {
  decryptOnionReply,
  type DecryptReplyOptions,
  encryptOnionReply,
  type FinalReply,
  type OnionReplyKey,
  type OnionResponse,
  paddedLength,
  type ReplyContext,
  type ReplyOptions,
  sealReply,
  wrapFinalReply,
} from "./onion/reply.ts";
export { bdecode, type BDict, bencode, type BValue } from "./onion/bencode.ts";
export { parseStrictJson, StrictJsonError, type StrictJsonLimits } from "./onion/strict_json.ts";
export {
  decodeV4Request,
  decodeV4Response,
  encodeV3Request,
  encodeV4Request,
  encodeV4Response,
  type ServerRequest,
  type ServerResponse,
} from "./onion/v4.ts";
export { swarmFor, swarmSpacePosition } from "./swarm/swarm_space.ts";
export { MersenneTwister64, type U64Source, uniformDistributionPortable } from "./swarm/mt19937_64.ts";
export { MAX_SWARM_ID, newSwarmId } from "./swarm/new_swarm_id.ts";
export { type Less, STD_SORT_THRESHOLD, stdSort } from "./swarm/std_sort.ts";
export {
  assignNodes,
  type AssignOptions,
  calcExcess,
  calcSwarmChanges,
  calcThreshold,
  createNewSwarmFromExcess,
  DECOMMISSIONED_REDISTRIBUTION_LOWER_PERCENTILE,
  EXCESS_BASE,
  FILL_SWARM_LOWER_PERCENTILE,
  IDEAL_SWARM_MARGIN,
  IDEAL_SWARM_SIZE,
  MAX_SWARM_SIZE,
  MIN_SWARM_SIZE,
  NEW_SWARM_SIZE,
  STEALING_SWARM_UPPER_PERCENTILE,
  SWARM_BUFFER,
  UNASSIGNED_SWARM_ID,
} from "./swarm/rebalance.ts";
export { type NodeAddress, preserveIps } from "./swarm/preserve_ips.ts";
export * from "./storage/rate_limiter.ts";
export { aes256CbcDecrypt, aes256CbcEncrypt, AES_256_KEY_BYTES, AES_BLOCK_BYTES } from "./crypto/aes_cbc.ts";
export * from "./storage/serialization.ts";
export * from "./storage/params.ts";
export { encodeForwardParams, forwardParams } from "./storage/params_encode.ts";
export * from "./storage/auth.ts";
export { isStorageRpcError, StorageRpcError, type StorageRpcErrorCode } from "./storage/rpc_error.ts";
export { toBase32z } from "./storage/base32z.ts";
export { accountId, parseAccountId } from "./storage/params_keys.ts";
export * from "./storage/namespace.ts";
export {
  ACCOUNT_ID_BYTES,
  MESSAGE_HASH_CHARS,
  messageHash,
  messageHashInput,
  type MessageHashOptions,
} from "./storage/message_hash.ts";
export {
  MONITOR_NAMESPACE_SEPARATOR,
  MONITOR_SIGNATURE_PREFIX,
  type NamespaceOrAll,
  requestSigningBytes,
  responseSigningBytes,
  type SignedRequest,
  type SignedResponse,
  SUBACCOUNT_TOKEN_BYTES,
  type VerifyOptions,
  verifySignature,
} from "./storage/signatures.ts";
export * from "./crypto/xeddsa.ts";
export * from "./crypto/secretstream.ts";
export { blake2bPersonal, type IncrementalHash } from "./crypto/blake2b_personal.ts";
export * from "./e2ee/signal/constants.ts";
export * from "./e2ee/signal/kdf.ts";
export * from "./e2ee/signal/keys.ts";
export * from "./e2ee/signal/skipped_keys.ts";
export * from "./e2ee/signal/ratchet_state.ts";
export * from "./e2ee/signal/wire.ts";
export * from "./e2ee/signal/x3dh.ts";
export * from "./e2ee/signal/double_ratchet.ts";
export * from "./e2ee/signal/prekeys.ts";
export * from "./e2ee/signal/session_record.ts";
export * from "./e2ee/signal/session_cipher.ts";
export * from "./e2ee/signal/sender_key_constants.ts";
export * from "./e2ee/signal/sender_key_message.ts";
export * from "./e2ee/signal/sender_key_record.ts";
export * from "./e2ee/signal/sender_keys.ts";
export * from "./e2ee/attachments/attachment_size.ts";
export * from "./e2ee/attachments/deterministic_attachment.ts";
export * from "./e2ee/attachments/legacy_attachment.ts";
// The Session protocol (e2ee.md §5) is its own entry point, `@allium/protocol/session`
// (protocol/e2ee/session/mod.ts), because its API carries the generated protobuf types.
