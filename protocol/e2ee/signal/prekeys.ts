/**
 * Prekeys and prekey bundles (e2ee.md §2.1, §2.4): the signed prekey, whose signature is XEdDSA by
 * the identity key over the 33-byte `0x05 ‖ SPK` (libsignal's sign-bit convention, §1.3),
 * one-time prekeys, and the bundle an initiator fetches: registration id, device id, identity key,
 * signed prekey with id and signature, and optionally one one-time prekey with its id.
 *
 * @module
 */

import { djbPublicKey, xeddsaSign, xeddsaVerify } from "../../crypto/xeddsa.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import { ED25519_SIGNATURE_BYTES, X25519_KEY_BYTES } from "../../constants.ts";
import { ProtocolError } from "../../errors.ts";
import type { Rng } from "../../rng.ts";
import { readU32le } from "../../bytes.ts";
import { MAX_PREKEY_ID, MAX_REGISTRATION_ID } from "./constants.ts";
import { generateKeyPair, type KeyPair } from "./keys.ts";

/** A signed prekey with its id and signature. */
export interface SignedPreKey {
  /** Id the initiator names in its PreKeySignalMessage. */
  readonly id: number;
  /** The key pair SPK. */
  readonly keyPair: KeyPair;
  /** XEdDSA signature by the identity key over `0x05 ‖ SPK.public` (64 bytes). */
  readonly signature: Uint8Array;
}

/** A one-time prekey with its id. */
export interface OneTimePreKey {
  /** Id the initiator names in its PreKeySignalMessage. */
  readonly id: number;
  /** The key pair OPK. */
  readonly keyPair: KeyPair;
}

/** What an initiator needs to start a session (libsignal `PreKeyBundle` without Kyber). */
export interface PreKeyBundle {
  /** The owner's registration id (14 bits). */
  readonly registrationId: number;
  /** The owner's device id. */
  readonly deviceId: number;
  /** The owner's 32-byte identity public key. */
  readonly identityKey: Uint8Array;
  /** Id of the signed prekey. */
  readonly signedPreKeyId: number;
  /** The 32-byte signed prekey. */
  readonly signedPreKey: Uint8Array;
  /** XEdDSA signature over `0x05 ‖ signedPreKey`. */
  readonly signedPreKeySignature: Uint8Array;
  /** Id of the one-time prekey, when there is one. */
  readonly preKeyId?: number;
  /** The 32-byte one-time prekey, when there is one. */
  readonly preKey?: Uint8Array;
}

/** Options carrying randomness. */
export interface PreKeyOptions {
  /** Source of keys, signature randomness and ids. */
  rng: Rng;
  /** Crypto provider; defaults to the fastest available. */
  provider?: CryptoProvider;
}

function checkId(id: unknown, max: number, what: string, action: string): asserts id is number {
  if (!Number.isInteger(id) || (id as number) < 0 || (id as number) > max) {
    throw new RangeError(`Cannot ${action}: ${what} "${id}" is out of range 0…${max}`);
  }
}

function checkKey(value: unknown, what: string, action: string): void {
  if (!(value instanceof Uint8Array) || value.length !== X25519_KEY_BYTES) {
    throw new RangeError(`Cannot ${action}: ${what} is not a ${X25519_KEY_BYTES}-byte key`);
  }
}

function checkRng(options: PreKeyOptions, action: string): void {
  if (typeof options?.rng?.fill !== "function") throw new TypeError(`Cannot ${action}: rng is missing`);
}

/**
 * A random registration id in 1…{@link MAX_REGISTRATION_ID} (14 bits, as libsignal's clients).
 *
 * @param options `rng`
 * @returns the id
 * @throws {TypeError} when `rng` is missing
 * @example
 * ```ts
 * import { generateRegistrationId } from "./prekeys.ts";
 * import { systemRng } from "../../rng.ts";
 * const id = generateRegistrationId({ rng: systemRng });
 * if (id < 1 || id > 0x3fff) throw new Error("bad");
 * ```
 */
export function generateRegistrationId(options: Pick<PreKeyOptions, "rng">): number {
  checkRng(options as PreKeyOptions, "generate registration id");
  const b = options.rng.fill(new Uint8Array(4));
  return (readU32le(b, 0) % MAX_REGISTRATION_ID) + 1;
}

/**
 * A fresh signed prekey: a new key pair signed by the identity key (XEdDSA over `0x05 ‖ SPK`).
 *
 * @param identityKeyPair the owner's identity key pair
 * @param id the signed prekey id (u32)
 * @param options `rng`, provider
 * @returns the signed prekey
 * @throws {TypeError | RangeError} for a malformed key pair or id
 * @example
 * ```ts
 * import { generateSignedPreKey } from "./prekeys.ts";
 * import { generateKeyPair } from "./keys.ts";
 * import { systemRng as rng } from "../../rng.ts";
 * const spk = await generateSignedPreKey(await generateKeyPair({ rng }), 1, { rng });
 * if (spk.signature.length !== 64) throw new Error("bad");
 * ```
 */
export async function generateSignedPreKey(
  identityKeyPair: KeyPair,
  id: number,
  options: PreKeyOptions,
): Promise<SignedPreKey> {
  const action = "generate signed prekey";
  checkRng(options, action);
  checkId(id, MAX_PREKEY_ID, "id", action);
  const keyPair = await generateKeyPair(options);
  const signature = xeddsaSign(identityKeyPair.secretKey.bytes(), djbPublicKey(keyPair.publicKey), {
    rng: options.rng,
  });
  return Object.freeze({ id, keyPair, signature });
}

/**
 * `count` fresh one-time prekeys with consecutive ids from `startId`.
 *
 * @param startId first id (u32)
 * @param count how many, 0…1000
 * @param options `rng`, provider
 * @returns the prekeys
 * @throws {RangeError} for ids past u32 or a bad count
 * @example
 * ```ts
 * import { generateOneTimePreKeys } from "./prekeys.ts";
 * import { systemRng as rng } from "../../rng.ts";
 * const keys = await generateOneTimePreKeys(100, 3, { rng });
 * if (keys.map((k) => k.id).join() !== "100,101,102") throw new Error("bad");
 * ```
 */
export async function generateOneTimePreKeys(
  startId: number,
  count: number,
  options: PreKeyOptions,
): Promise<OneTimePreKey[]> {
  const action = "generate one-time prekeys";
  checkRng(options, action);
  checkId(count, 1000, "count", action);
  checkId(startId, MAX_PREKEY_ID, "start id", action);
  checkId(startId + Math.max(count - 1, 0), MAX_PREKEY_ID, "last id", action);
  const out: OneTimePreKey[] = [];
  for (let i = 0; i < count; i++) out.push(Object.freeze({ id: startId + i, keyPair: await generateKeyPair(options) }));
  return out;
}

/** Inputs of {@link createPreKeyBundle}. */
export interface PreKeyBundleInputs {
  /** The owner's registration id. */
  registrationId: number;
  /** The owner's device id. */
  deviceId: number;
  /** The owner's identity key pair or public key (32 bytes). */
  identityKey: KeyPair | Uint8Array;
  /** The signed prekey to publish. */
  signedPreKey: SignedPreKey;
  /** One one-time prekey to publish, or none (e2ee.md §2.4). */
  oneTimePreKey?: OneTimePreKey;
}

/**
 * The public bundle for a set of prekeys (only public keys and the signature).
 *
 * @param inputs registration and device ids, identity, signed prekey, optional one-time prekey
 * @returns the bundle
 * @throws {TypeError | RangeError} for a malformed input
 * @example
 * ```ts
 * import { createPreKeyBundle, generateSignedPreKey, verifyPreKeyBundle } from "./prekeys.ts";
 * import { generateKeyPair } from "./keys.ts";
 * import { systemRng as rng } from "../../rng.ts";
 * const identity = await generateKeyPair({ rng });
 * const signedPreKey = await generateSignedPreKey(identity, 1, { rng });
 * const bundle = createPreKeyBundle({ registrationId: 5, deviceId: 1, identityKey: identity, signedPreKey });
 * verifyPreKeyBundle(bundle);
 * ```
 */
export function createPreKeyBundle(inputs: PreKeyBundleInputs): PreKeyBundle {
  const action = "create prekey bundle";
  const identityKey = inputs.identityKey instanceof Uint8Array ? inputs.identityKey : inputs.identityKey?.publicKey;
  checkKey(identityKey, "identity key", action);
  const bundle: PreKeyBundle = {
    registrationId: inputs.registrationId,
    deviceId: inputs.deviceId,
    identityKey: identityKey!.slice(),
    signedPreKeyId: inputs.signedPreKey?.id,
    signedPreKey: inputs.signedPreKey?.keyPair?.publicKey?.slice(),
    signedPreKeySignature: inputs.signedPreKey?.signature?.slice(),
    ...(inputs.oneTimePreKey === undefined
      ? {}
      : { preKeyId: inputs.oneTimePreKey.id, preKey: inputs.oneTimePreKey.keyPair?.publicKey?.slice() }),
  };
  checkBundleShape(bundle, action);
  return Object.freeze(bundle);
}

function checkBundleShape(bundle: PreKeyBundle, action: string): void {
  checkId(bundle.registrationId, MAX_PREKEY_ID, "registration id", action);
  checkId(bundle.deviceId, MAX_PREKEY_ID, "device id", action);
  checkKey(bundle.identityKey, "identity key", action);
  checkId(bundle.signedPreKeyId, MAX_PREKEY_ID, "signed prekey id", action);
  checkKey(bundle.signedPreKey, "signed prekey", action);
  if (!(bundle.signedPreKeySignature instanceof Uint8Array)) {
    throw new TypeError(`Cannot ${action}: signed prekey signature is not a Uint8Array`);
  }
  if ((bundle.preKeyId === undefined) !== (bundle.preKey === undefined)) {
    throw new RangeError(`Cannot ${action}: one-time prekey id and key must come together`);
  }
  if (bundle.preKeyId !== undefined) {
    checkId(bundle.preKeyId, MAX_PREKEY_ID, "one-time prekey id", action);
    checkKey(bundle.preKey, "one-time prekey", action);
  }
}

/**
 * Check a fetched bundle (e2ee.md §2.2, §2.4): its shape, and the XEdDSA signature of the signed
 * prekey by the identity key. Checking that the identity key is the one expected (the Session ID
 * being contacted) is the caller's job.
 *
 * @param bundle the bundle
 * @throws {TypeError | RangeError} for a malformed bundle
 * @throws {ProtocolError} `SIGNATURE_INVALID` when the signed prekey's signature does not verify
 * @example A tampered signed prekey fails
 * ```ts
 * import { createPreKeyBundle, generateSignedPreKey, verifyPreKeyBundle } from "./prekeys.ts";
 * import { generateKeyPair } from "./keys.ts";
 * import { isProtocolError } from "../../errors.ts";
 * import { systemRng as rng } from "../../rng.ts";
 * const identity = await generateKeyPair({ rng });
 * const signedPreKey = await generateSignedPreKey(identity, 1, { rng });
 * const bundle = createPreKeyBundle({ registrationId: 5, deviceId: 1, identityKey: identity, signedPreKey });
 * const forged = { ...bundle, signedPreKey: (await generateKeyPair({ rng })).publicKey };
 * try {
 *   verifyPreKeyBundle(forged);
 *   throw new Error("accepted");
 * } catch (e) {
 *   if (!isProtocolError(e, "SIGNATURE_INVALID")) throw e;
 * }
 * ```
 */
export function verifyPreKeyBundle(bundle: PreKeyBundle): void {
  const action = "verify prekey bundle";
  checkBundleShape(bundle, action);
  const ok = bundle.signedPreKeySignature.length === ED25519_SIGNATURE_BYTES &&
    xeddsaVerify(bundle.identityKey, djbPublicKey(bundle.signedPreKey), bundle.signedPreKeySignature);
  if (!ok) throw new ProtocolError("SIGNATURE_INVALID", `Cannot ${action}: signed prekey signature does not verify`);
}
