/**
 * Pre-key bundles as the client publishes them (e2ee.md §2.4): the X3DH identity key is the
 * Session ID's own X25519 key (§2.1), so a bundle is bound to its Session ID by construction. The
 * bundle carries the signed prekey (XEdDSA-signed by the identity key) and a pool of one-time
 * prekeys, and the whole bundle is signed with the owner's Ed25519 key, whose X25519 form must be
 * the Session ID — swarm nodes can neither forge nor alter it. It is stored in the owner's swarm in
 * a public-outbox namespace ({@link PREKEY_BUNDLE_NAMESPACE}): one message, owner-authenticated
 * store, unauthenticated retrieve.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import { type CryptoProvider, ctEqual, parseSessionId, ProtocolError, type Rng, sessionIdFor } from "../mod.ts";
import { decodeProto, encodeProto } from "../protocol/e2ee/session/protobuf.ts";
import {
  type PreKeyBundle as ProtoPreKeyBundle,
  PreKeyBundleSchema,
  SignedPreKeyBundleSchema,
} from "../protocol/e2ee/gen/allium_client_pb.ts";
import { type PreKeyBundle, verifyPreKeyBundle } from "../protocol/e2ee/signal/prekeys.ts";
import { randomIndex } from "./path.ts";

/**
 * The namespace of the pre-key bundle: a public outbox (swarms-and-storage.md §9: negative with
 * (−n) mod 20 == 1 — one message, a store replaces the previous one, storing needs the owner's
 * signature, retrieving needs none). −1 is left to Session; −21 is the next such namespace.
 */
export const PREKEY_BUNDLE_NAMESPACE = -21;
/** Version of the bundle format this client writes and reads. */
export const PREKEY_BUNDLE_VERSION = 1;
/** Bundle lifetime in the swarm: 30 days, the longest a non-public-inbox namespace allows (§10). */
export const PREKEY_BUNDLE_TTL_MS = 30 * 24 * 3600 * 1000;
/** The device id in bundles (one device per identity). */
export const DEVICE_ID = 1;
/** Most one-time prekeys a bundle may carry (keeps it far below the 76,800-byte store limit). */
export const MAX_BUNDLE_ONE_TIME_PREKEYS = 200;

/** A bundle as published: every public key of the owner's X3DH keys. */
export interface PublishedBundle {
  /** The owner's Session ID. */
  readonly sessionId: string;
  /** The owner's Ed25519 public key (its X25519 form is the Session ID's key). */
  readonly ed25519Public: Uint8Array;
  /** X3DH registration id. */
  readonly registrationId: number;
  /** Id of the signed prekey. */
  readonly signedPreKeyId: number;
  /** The signed prekey (32 bytes). */
  readonly signedPreKey: Uint8Array;
  /** Its XEdDSA signature by the identity key (64 bytes). */
  readonly signedPreKeySignature: Uint8Array;
  /** The one-time prekeys on offer. */
  readonly oneTimePreKeys: readonly { readonly id: number; readonly publicKey: Uint8Array }[];
  /** When it was published, ms. */
  readonly timestamp: number;
}

function bundleError(detail: string, cause?: unknown): ProtocolError {
  return new ProtocolError("SIGNATURE_INVALID", `Cannot read pre-key bundle: ${detail}`, { cause });
}

/**
 * Serialize and sign a bundle with the owner's Ed25519 seed.
 *
 * @param bundle the bundle
 * @param options the owner's `ed25519Seed`, `provider`
 * @returns the `SignedPreKeyBundle` bytes to store
 * @throws {RangeError} when there are more than {@link MAX_BUNDLE_ONE_TIME_PREKEYS} one-time prekeys
 * @example See {@link parseSignedBundle}.
 * ```ts
 * import { encodeSignedBundle } from "./bundle.ts";
 * if (typeof encodeSignedBundle !== "function") throw new Error("bad");
 * ```
 */
export async function encodeSignedBundle(
  bundle: PublishedBundle,
  options: { ed25519Seed: Uint8Array; provider: CryptoProvider },
): Promise<Uint8Array> {
  if (bundle.oneTimePreKeys.length > MAX_BUNDLE_ONE_TIME_PREKEYS) {
    throw new RangeError(
      `Cannot encode pre-key bundle: ${bundle.oneTimePreKeys.length} one-time prekeys, limit ${MAX_BUNDLE_ONE_TIME_PREKEYS}`,
    );
  }
  const proto: ProtoPreKeyBundle = create(PreKeyBundleSchema, {
    version: PREKEY_BUNDLE_VERSION,
    identityKey: parseSessionId(bundle.sessionId),
    ed25519Public: bundle.ed25519Public,
    registrationId: bundle.registrationId,
    deviceId: DEVICE_ID,
    signedPreKeyId: bundle.signedPreKeyId,
    signedPreKey: bundle.signedPreKey,
    signedPreKeySignature: bundle.signedPreKeySignature,
    oneTimePreKeys: bundle.oneTimePreKeys.map((k) => ({ id: k.id, publicKey: k.publicKey })),
    timestamp: BigInt(bundle.timestamp),
  });
  const bytes = encodeProto(PreKeyBundleSchema, proto, "encode pre-key bundle");
  const signature = await options.provider.ed25519Sign(options.ed25519Seed, bytes);
  return encodeProto(
    SignedPreKeyBundleSchema,
    create(SignedPreKeyBundleSchema, { bundle: bytes, signature }),
    "encode signed pre-key bundle",
  );
}

/**
 * Parse and verify a bundle fetched from `sessionId`'s swarm: the Ed25519 signature over the whole
 * bundle, that the signing key maps to the Session ID's X25519 key, that the identity key is the
 * Session ID's key, and the signed prekey's XEdDSA signature (e2ee.md §2.4 "Fetching").
 *
 * @param bytes the stored `SignedPreKeyBundle`
 * @param options the `sessionId` contacted, `provider`
 * @returns the verified bundle
 * @throws {ProtocolError} `SIGNATURE_INVALID` when anything fails to verify or parse
 * @example A bundle signed by its owner verifies; a flipped byte does not
 * ```ts
 * import { encodeSignedBundle, parseSignedBundle } from "./bundle.ts";
 * import { generateIdentity, nobleProvider as provider } from "../mod.ts";
 * const id = await generateIdentity({ provider });
 * const bundle = {
 *   sessionId: id.sessionId, ed25519Public: id.ed25519Public, registrationId: 7, signedPreKeyId: 1,
 *   signedPreKey: new Uint8Array(32).fill(9), signedPreKeySignature: new Uint8Array(64), oneTimePreKeys: [], timestamp: 1,
 * };
 * const bytes = await encodeSignedBundle(bundle, { ed25519Seed: id.ed25519Seed, provider });
 * bytes[bytes.length - 1] ^= 1;
 * try { await parseSignedBundle(bytes, { sessionId: id.sessionId, provider }); throw new Error("accepted"); }
 * catch (e) { if (!(e instanceof Error) || !e.message.startsWith("Cannot read pre-key bundle")) throw e; }
 * ```
 */
export async function parseSignedBundle(
  bytes: Uint8Array,
  options: { sessionId: string; provider: CryptoProvider },
): Promise<PublishedBundle> {
  const provider = options.provider;
  let signed, inner;
  try {
    signed = decodeProto(SignedPreKeyBundleSchema, bytes, "read signed pre-key bundle");
    inner = decodeProto(PreKeyBundleSchema, signed.bundle, "read pre-key bundle");
  } catch (cause) {
    throw bundleError("malformed protobuf", cause);
  }
  if (inner.version !== PREKEY_BUNDLE_VERSION) throw bundleError(`version ${inner.version} is not supported`);
  const expectedKey = parseSessionId(options.sessionId);
  if (inner.ed25519Public.length !== 32 || inner.identityKey.length !== 32) throw bundleError("a key has a bad length");
  if (!await provider.ed25519Verify(inner.ed25519Public, signed.bundle, signed.signature)) {
    throw bundleError("the owner's signature does not verify");
  }
  const x = await provider.ed25519PublicToX25519(inner.ed25519Public);
  if (!ctEqual(x, expectedKey) || !ctEqual(inner.identityKey, expectedKey)) {
    throw bundleError(`it belongs to ${sessionIdFor(inner.identityKey)}, not ${options.sessionId}`);
  }
  const published: PublishedBundle = {
    sessionId: options.sessionId,
    ed25519Public: inner.ed25519Public,
    registrationId: inner.registrationId,
    signedPreKeyId: inner.signedPreKeyId,
    signedPreKey: inner.signedPreKey,
    signedPreKeySignature: inner.signedPreKeySignature,
    oneTimePreKeys: inner.oneTimePreKeys.map((k) => ({ id: k.id, publicKey: k.publicKey })),
    timestamp: Number(inner.timestamp),
  };
  try {
    verifyPreKeyBundle(x3dhBundle(published)); // the signed prekey's XEdDSA signature (§2.2)
    for (const k of published.oneTimePreKeys) {
      if (k.publicKey.length !== 32) throw new RangeError(`one-time prekey ${k.id} is not 32 bytes`);
    }
  } catch (cause) {
    throw bundleError(cause instanceof Error ? cause.message : "the signed prekey does not verify", cause);
  }
  return published;
}

/**
 * The X3DH bundle for one session: the signed prekey and one one-time prekey of the pool (by
 * index), or none.
 *
 * @param published a verified bundle
 * @param oneTimeIndex which one-time prekey to use; none when undefined
 * @returns the bundle for `startSession`
 * @throws {RangeError} when the index is out of range
 * @example
 * ```ts
 * import { x3dhBundle } from "./bundle.ts";
 * const b = x3dhBundle({
 *   sessionId: "05" + "00".repeat(32), ed25519Public: new Uint8Array(32), registrationId: 7, signedPreKeyId: 1,
 *   signedPreKey: new Uint8Array(32), signedPreKeySignature: new Uint8Array(64),
 *   oneTimePreKeys: [{ id: 4, publicKey: new Uint8Array(32) }], timestamp: 1,
 * }, 0);
 * if (b.preKeyId !== 4) throw new Error("bad");
 * ```
 */
export function x3dhBundle(published: PublishedBundle, oneTimeIndex?: number): PreKeyBundle {
  const otk = oneTimeIndex === undefined ? undefined : published.oneTimePreKeys[oneTimeIndex];
  if (oneTimeIndex !== undefined && otk === undefined) {
    throw new RangeError(`Cannot pick one-time prekey: index ${oneTimeIndex} of ${published.oneTimePreKeys.length}`);
  }
  return {
    registrationId: published.registrationId,
    deviceId: DEVICE_ID,
    identityKey: parseSessionId(published.sessionId),
    signedPreKeyId: published.signedPreKeyId,
    signedPreKey: published.signedPreKey,
    signedPreKeySignature: published.signedPreKeySignature,
    ...(otk === undefined ? {} : { preKeyId: otk.id, preKey: otk.publicKey }),
  };
}

/**
 * Pick a one-time prekey of the pool uniformly at random (spreading senders over the pool makes
 * two of them choosing the same key unlikely; client/README.md "Pre-key reuse").
 *
 * @param published a verified bundle
 * @param rng randomness
 * @returns an index into `oneTimePreKeys`, or undefined when the pool is empty
 * @example
 * ```ts
 * import { pickOneTimePreKey } from "./bundle.ts";
 * import { systemRng } from "../mod.ts";
 * const b = { oneTimePreKeys: [] } as unknown as Parameters<typeof pickOneTimePreKey>[0];
 * if (pickOneTimePreKey(b, systemRng) !== undefined) throw new Error("bad");
 * ```
 */
export function pickOneTimePreKey(published: PublishedBundle, rng: Rng): number | undefined {
  const n = published.oneTimePreKeys.length;
  return n === 0 ? undefined : randomIndex(rng, n);
}
