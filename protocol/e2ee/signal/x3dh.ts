/**
 * X3DH session setup without Kyber, exactly as libsignal's `initialize_alice_session` /
 * `initialize_bob_session` (e2ee.md §2.2): the agreements, the 0xFF×32 prefix and "WhisperText",
 * and the initial Double Ratchet state of each side.
 *
 * - Alice (initiator): `DH1 = X25519(IK_A, SPK_B)`, `DH2 = X25519(EK_A, IK_B)`,
 *   `DH3 = X25519(EK_A, SPK_B)`, `[DH4 = X25519(EK_A, OPK_B)]`; she installs the receiving chain
 *   `(SPK_B, CK)`, generates her ratchet key `T_A` and takes one DH ratchet step for her sending
 *   chain.
 * - Bob (responder): the same agreements with the roles swapped; his sending chain is `(SPK_B, CK)`.
 *
 * @module
 */

import { wipe } from "../../bytes.ts";
import { defaultProvider } from "../../crypto/default.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import { SecretKey } from "../../crypto/secret_key.ts";
import type { Rng } from "../../rng.ts";
import { SIGNAL_KEY_BYTES, SIGNAL_SESSION_VERSION, SIGNAL_VERSION_BYTE_V3 } from "./constants.ts";
import { deriveX3dhKeys, kdfRootKey, type RootAndChainKey } from "./kdf.ts";
import { generateKeyPair, type KeyPair } from "./keys.ts";
import { isV3VersionByte, type RatchetState } from "./ratchet_state.ts";
import { emptySkippedKeys } from "./skipped_keys.ts";

/** Alice's inputs (libsignal `AliceSignalProtocolParameters`, without Kyber). */
export interface AliceParameters {
  /** Alice's identity key pair, IK_A. */
  ourIdentityKeyPair: KeyPair;
  /** Alice's base (ephemeral) key pair, EK_A. */
  ourBaseKeyPair: KeyPair;
  /** Bob's 32-byte identity public key, IK_B. */
  theirIdentityKey: Uint8Array;
  /** Bob's 32-byte signed prekey, SPK_B. */
  theirSignedPreKey: Uint8Array;
  /** Bob's 32-byte one-time prekey, OPK_B, when the bundle had one. */
  theirOneTimePreKey?: Uint8Array;
  /** Bob's first ratchet key; libsignal passes SPK_B (the default). */
  theirRatchetKey?: Uint8Array;
}

/** Bob's inputs (libsignal `BobSignalProtocolParameters`, without Kyber). */
export interface BobParameters {
  /** Bob's identity key pair, IK_B. */
  ourIdentityKeyPair: KeyPair;
  /** Bob's signed prekey pair, SPK_B. */
  ourSignedPreKeyPair: KeyPair;
  /** Bob's one-time prekey pair, OPK_B, when the message named one. */
  ourOneTimePreKeyPair?: KeyPair;
  /** Bob's first ratchet key pair; libsignal passes SPK_B (the default). */
  ourRatchetKeyPair?: KeyPair;
  /** Alice's 32-byte identity public key, IK_A. */
  theirIdentityKey: Uint8Array;
  /** Alice's 32-byte base public key, EK_A. */
  theirBaseKey: Uint8Array;
}

/** Options of the session-setup functions. */
export interface X3dhOptions {
  /** Crypto provider; defaults to {@link defaultProvider}. */
  provider?: CryptoProvider;
  /** Version byte the new state sends: `0x33` (default; every v3 peer reads it) or `0x34` (libsignal 0.6x). */
  versionByte?: number;
}

/** Options of {@link initializeAliceRatchet}: it generates Alice's first ratchet key. */
export interface AliceOptions extends X3dhOptions {
  /** Source of Alice's first ratchet key pair. */
  rng: Rng;
}

function checkKey(value: unknown, what: string, action: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== SIGNAL_KEY_BYTES) {
    throw new RangeError(`Cannot ${action}: ${what} is not a ${SIGNAL_KEY_BYTES}-byte public key`);
  }
}

function checkPair(value: unknown, what: string, action: string): asserts value is KeyPair {
  const pair = value as KeyPair | undefined;
  if (!(pair?.secretKey instanceof SecretKey)) throw new TypeError(`Cannot ${action}: ${what} is not a key pair`);
  checkKey(pair.publicKey, `${what} public key`, action);
}

function versionByteOf(options: X3dhOptions, action: string): number {
  const v = options.versionByte ?? SIGNAL_VERSION_BYTE_V3;
  if (!isV3VersionByte(v)) throw new RangeError(`Cannot ${action}: version byte "${v}" is not 0x33 or 0x34`);
  return v;
}

async function agree(provider: CryptoProvider, pairs: [KeyPair, Uint8Array][]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const [ours, theirs] of pairs) out.push(await provider.x25519(ours.secretKey.bytes(), theirs));
  return out;
}

/**
 * Alice's X3DH agreement (e2ee.md §2.2): the root key and first chain key.
 *
 * @param params Alice's keys and Bob's bundle keys
 * @param options provider
 * @returns `RK` and `CK`
 * @throws {TypeError | RangeError} for a malformed key
 * @throws {ProtocolError} `KEY_AGREEMENT_FAILED` for a low-order key
 * @example Alice and Bob agree
 * ```ts
 * import { aliceX3dhKeys, bobX3dhKeys } from "./x3dh.ts";
 * import { generateKeyPair } from "./keys.ts";
 * import { systemRng as rng } from "../../rng.ts";
 * const [ika, eka, ikb, spkb] = await Promise.all([1, 2, 3, 4].map(() => generateKeyPair({ rng })));
 * const a = await aliceX3dhKeys({ ourIdentityKeyPair: ika, ourBaseKeyPair: eka, theirIdentityKey: ikb.publicKey, theirSignedPreKey: spkb.publicKey });
 * const b = await bobX3dhKeys({ ourIdentityKeyPair: ikb, ourSignedPreKeyPair: spkb, theirIdentityKey: ika.publicKey, theirBaseKey: eka.publicKey });
 * if (a.chainKey.join() !== b.chainKey.join()) throw new Error("bad");
 * ```
 */
export async function aliceX3dhKeys(params: AliceParameters, options: X3dhOptions = {}): Promise<RootAndChainKey> {
  const action = "run X3DH as initiator";
  checkPair(params.ourIdentityKeyPair, "identity key pair", action);
  checkPair(params.ourBaseKeyPair, "base key pair", action);
  checkKey(params.theirIdentityKey, "their identity key", action);
  checkKey(params.theirSignedPreKey, "their signed prekey", action);
  if (params.theirOneTimePreKey !== undefined) checkKey(params.theirOneTimePreKey, "their one-time prekey", action);
  const provider = options.provider ?? await defaultProvider();
  const pairs: [KeyPair, Uint8Array][] = [
    [params.ourIdentityKeyPair, params.theirSignedPreKey],
    [params.ourBaseKeyPair, params.theirIdentityKey],
    [params.ourBaseKeyPair, params.theirSignedPreKey],
  ];
  if (params.theirOneTimePreKey !== undefined) pairs.push([params.ourBaseKeyPair, params.theirOneTimePreKey]);
  const dh = await agree(provider, pairs);
  try {
    return await deriveX3dhKeys(dh, { provider });
  } finally {
    wipe(...dh);
  }
}

/**
 * Bob's X3DH agreement (e2ee.md §2.2): the same `RK` and `CK` as Alice's.
 *
 * @param params Bob's keys and Alice's identity and base keys
 * @param options provider
 * @returns `RK` and `CK`
 * @throws {TypeError | RangeError} for a malformed key
 * @throws {ProtocolError} `KEY_AGREEMENT_FAILED` for a low-order key
 * @example
 * ```ts
 * import { bobX3dhKeys } from "./x3dh.ts";
 * import { generateKeyPair } from "./keys.ts";
 * import { systemRng as rng } from "../../rng.ts";
 * const [ika, eka, ikb, spkb] = await Promise.all([1, 2, 3, 4].map(() => generateKeyPair({ rng })));
 * const b = await bobX3dhKeys({ ourIdentityKeyPair: ikb, ourSignedPreKeyPair: spkb, theirIdentityKey: ika.publicKey, theirBaseKey: eka.publicKey });
 * if (b.rootKey.length !== 32) throw new Error("bad");
 * ```
 */
export async function bobX3dhKeys(params: BobParameters, options: X3dhOptions = {}): Promise<RootAndChainKey> {
  const action = "run X3DH as responder";
  checkPair(params.ourIdentityKeyPair, "identity key pair", action);
  checkPair(params.ourSignedPreKeyPair, "signed prekey pair", action);
  if (params.ourOneTimePreKeyPair !== undefined) checkPair(params.ourOneTimePreKeyPair, "one-time prekey pair", action);
  checkKey(params.theirIdentityKey, "their identity key", action);
  checkKey(params.theirBaseKey, "their base key", action);
  const provider = options.provider ?? await defaultProvider();
  const pairs: [KeyPair, Uint8Array][] = [
    [params.ourSignedPreKeyPair, params.theirIdentityKey],
    [params.ourIdentityKeyPair, params.theirBaseKey],
    [params.ourSignedPreKeyPair, params.theirBaseKey],
  ];
  if (params.ourOneTimePreKeyPair !== undefined) pairs.push([params.ourOneTimePreKeyPair, params.theirBaseKey]);
  const dh = await agree(provider, pairs);
  try {
    return await deriveX3dhKeys(dh, { provider });
  } finally {
    wipe(...dh);
  }
}

/**
 * Alice's initial ratchet state (libsignal `initialize_alice_session`, e2ee.md §2.2): receiving
 * chain `(SPK_B, CK)`, a fresh ratchet key `T_A` and `RK', CKs = KDF_RK(RK, X25519(T_A, SPK_B))`.
 *
 * @param params Alice's keys and Bob's bundle keys
 * @param options `rng` for `T_A`, provider, version byte
 * @returns the state; Alice can send at once
 * @throws {TypeError | RangeError} for a malformed key or version byte
 * @throws {ProtocolError} `KEY_AGREEMENT_FAILED` for a low-order key
 * @example
 * ```ts
 * import { initializeAliceRatchet } from "./x3dh.ts";
 * import { generateKeyPair } from "./keys.ts";
 * import { systemRng as rng } from "../../rng.ts";
 * const [ika, eka, ikb, spkb] = await Promise.all([1, 2, 3, 4].map(() => generateKeyPair({ rng })));
 * const state = await initializeAliceRatchet(
 *   { ourIdentityKeyPair: ika, ourBaseKeyPair: eka, theirIdentityKey: ikb.publicKey, theirSignedPreKey: spkb.publicKey },
 *   { rng },
 * );
 * if (state.receivers.length !== 1 || state.sender.index !== 0) throw new Error("bad");
 * ```
 */
export async function initializeAliceRatchet(params: AliceParameters, options: AliceOptions): Promise<RatchetState> {
  const action = "initialize initiator session";
  const versionByte = versionByteOf(options, action);
  if (typeof options?.rng?.fill !== "function") throw new TypeError(`Cannot ${action}: rng is missing`);
  const theirRatchetKey = params.theirRatchetKey ?? params.theirSignedPreKey;
  checkKey(theirRatchetKey, "their ratchet key", action);
  const provider = options.provider ?? await defaultProvider();
  const { rootKey, chainKey } = await aliceX3dhKeys(params, { provider });
  const sendingRatchet = await generateKeyPair({ rng: options.rng, provider });
  const dh = await provider.x25519(sendingRatchet.secretKey.bytes(), theirRatchetKey);
  let sending: RootAndChainKey;
  try {
    sending = await kdfRootKey(rootKey, dh, { provider });
  } finally {
    wipe(dh, rootKey);
  }
  return Object.freeze({
    sessionVersion: SIGNAL_SESSION_VERSION,
    versionByte,
    localIdentityKey: params.ourIdentityKeyPair.publicKey.slice(),
    remoteIdentityKey: params.theirIdentityKey.slice(),
    rootKey: new SecretKey(sending.rootKey),
    previousCounter: 0,
    sender: Object.freeze({ ratchetKeyPair: sendingRatchet, chainKey: new SecretKey(sending.chainKey), index: 0 }),
    receivers: Object.freeze([
      Object.freeze({ ratchetKey: theirRatchetKey.slice(), chainKey: new SecretKey(chainKey), index: 0 }),
    ]),
    skipped: emptySkippedKeys(),
  });
}

/**
 * Bob's initial ratchet state (libsignal `initialize_bob_session`, e2ee.md §2.2): sending chain
 * `(SPK_B, CK)` and root key `RK`; no receiving chain until Alice's first message arrives.
 *
 * @param params Bob's keys and Alice's identity and base keys
 * @param options provider, version byte
 * @returns the state
 * @throws {TypeError | RangeError} for a malformed key or version byte
 * @throws {ProtocolError} `KEY_AGREEMENT_FAILED` for a low-order key
 * @example
 * ```ts
 * import { initializeBobRatchet } from "./x3dh.ts";
 * import { generateKeyPair } from "./keys.ts";
 * import { systemRng as rng } from "../../rng.ts";
 * const [ika, eka, ikb, spkb] = await Promise.all([1, 2, 3, 4].map(() => generateKeyPair({ rng })));
 * const state = await initializeBobRatchet({
 *   ourIdentityKeyPair: ikb, ourSignedPreKeyPair: spkb, theirIdentityKey: ika.publicKey, theirBaseKey: eka.publicKey,
 * });
 * if (state.receivers.length !== 0 || state.sender.ratchetKeyPair !== spkb) throw new Error("bad");
 * ```
 */
export async function initializeBobRatchet(params: BobParameters, options: X3dhOptions = {}): Promise<RatchetState> {
  const action = "initialize responder session";
  const versionByte = versionByteOf(options, action);
  const ratchetKeyPair = params.ourRatchetKeyPair ?? params.ourSignedPreKeyPair;
  checkPair(ratchetKeyPair, "ratchet key pair", action);
  const { rootKey, chainKey } = await bobX3dhKeys(params, options);
  return Object.freeze({
    sessionVersion: SIGNAL_SESSION_VERSION,
    versionByte,
    localIdentityKey: params.ourIdentityKeyPair.publicKey.slice(),
    remoteIdentityKey: params.theirIdentityKey.slice(),
    rootKey: new SecretKey(rootKey),
    previousCounter: 0,
    sender: Object.freeze({ ratchetKeyPair, chainKey: new SecretKey(chainKey), index: 0 }),
    receivers: Object.freeze([]),
    skipped: emptySkippedKeys(),
  });
}
