/**
 * Community ("SOGS") blinded IDs and blinded signatures (e2ee.md §5.4; libsession
 * `blinding.cpp`); the version-check key (§5.5) is in `version_key.ts`:
 *
 * - `k15 = BLAKE2b-512(serverPk) mod L`; a 15-ID is `15 ‖ k15·A` — from a Session ID the sign of
 *   A is unknown (§1.2), so both `k15·A'` and its negation (last byte's bit 7 flipped) match;
 * - `k25 = BLAKE2b-512(05 ‖ X ‖ serverPk) mod L`; a 25-ID is `25 ‖ k25·|A|`, the secret side
 *   negating `k25` when A is negative;
 * - blinded signatures are deterministic Ed25519 signatures under `kA` with scalar `ka`.
 *
 * @module
 */

import { concat, ctEqual, utf8, wipe } from "../../bytes.ts";
import { ED25519_KEY_BYTES } from "../../constants.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import { defaultProvider } from "../../crypto/default.ts";
import {
  ed25519SecretScalar,
  scalarAdd,
  scalarMul,
  scalarMultBase,
  scalarMultPoint,
  scalarNegate,
  scalarReduce,
} from "../../crypto/ed25519_blinding.ts";
import { x25519PublicToEd25519 } from "../../crypto/xeddsa.ts";
import {
  BLIND25_SEED_HASH_KEY,
  BLIND25_SIG_HASH_KEY,
  PREFIX_BLIND15,
  PREFIX_BLIND25,
  PREFIX_SESSION_ID,
} from "./constants.ts";
import { ed25519KeyPair, type Ed25519Secret, parsePrefixedId, prefixedId } from "./keys.ts";

/** BLAKE2b-512 output, reduced to a scalar (e2ee.md §5.4). */
const WIDE_HASH_BYTES = 64;
/** BLAKE2b-256 output. */
const HASH_BYTES = 32;
/** Sign bit of a point encoding: bit 7 of byte 31 (RFC 8032 §5.1.2). */
const SIGN_BIT = 0x80;
const SIGN_BYTE = ED25519_KEY_BYTES - 1;

/** Options shared by the blinding functions. */
export interface BlindingOptions {
  /** Crypto provider; defaults to the fastest available. */
  provider?: CryptoProvider;
}

/** Options of the blinded signers. */
export interface BlindSignOptions extends BlindingOptions {
  /** The community server's 32-byte Ed25519 public key. */
  serverPublicKey: Uint8Array;
}

/** A blinded key pair; `secretScalar` is secret. */
export interface BlindedKeyPair {
  /** The 32-byte blinded public key `kA`. */
  publicKey: Uint8Array;
  /** The 32-byte blinded secret scalar `ka` (for 25-blinding with the sign of A folded into k). */
  secretScalar: Uint8Array;
  /** The blinding factor used, `k` (25: negated when A is negative). */
  factor: Uint8Array;
}

function checkServerKey(serverPublicKey: unknown, action: string): asserts serverPublicKey is Uint8Array {
  if (!(serverPublicKey instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: server key is not a Uint8Array`);
  if (serverPublicKey.length !== ED25519_KEY_BYTES) {
    throw new RangeError(
      `Cannot ${action}: server key is ${serverPublicKey.length} bytes, expected ${ED25519_KEY_BYTES}`,
    );
  }
}

/** `k15 = BLAKE2b-512(serverPk) mod L`. */
async function factor15(serverPublicKey: Uint8Array, provider: CryptoProvider): Promise<Uint8Array> {
  return scalarReduce(await provider.blake2b(serverPublicKey, WIDE_HASH_BYTES));
}

/** `k25 = BLAKE2b-512(05 ‖ X ‖ serverPk) mod L`. */
async function factor25(x25519Public: Uint8Array, serverPublicKey: Uint8Array, provider: CryptoProvider) {
  const input = concat(new Uint8Array([PREFIX_SESSION_ID]), x25519Public, serverPublicKey);
  return scalarReduce(await provider.blake2b(input, WIDE_HASH_BYTES));
}

/**
 * The two 15-blinded IDs a Session ID may have on a server (e2ee.md §5.4): `15 ‖ k15·A'` for
 * the sign-0 key A' of §1.2, and the same with bit 7 of the last byte flipped (the real key may
 * be −A').
 *
 * @param sessionId `05…` Session ID
 * @param serverPublicKey the server's 32-byte Ed25519 key
 * @param options `provider`
 * @returns `[positive, negative]` blinded IDs (66 hex characters each)
 * @throws {TypeError | RangeError} for a server key of the wrong length
 * @throws {ProtocolError} `KEY_INVALID` for a malformed Session ID or one without an Ed25519 point
 * @example
 * ```ts
 * import { blind15Ids } from "./blinding.ts";
 * import { fromHex } from "../../bytes.ts";
 * const [id] = await blind15Ids("05fe94b7ad4b7f1cc1bb92671f1f0d243f226e115b33770465e82b503fc3e96e1f",
 *   fromHex("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"));
 * if (id !== "15b74ed205f1f931e1bb1291183778a9456b835937d923b0f2e248aa3a44c07844") throw new Error(id);
 * ```
 */
export async function blind15Ids(
  sessionId: string,
  serverPublicKey: Uint8Array,
  options: BlindingOptions = {},
): Promise<[string, string]> {
  const action = "blind Session ID";
  checkServerKey(serverPublicKey, action);
  const x25519Public = parsePrefixedId(sessionId, [PREFIX_SESSION_ID], action).key;
  const provider = options.provider ?? await defaultProvider();
  const blinded = scalarMultPoint(await factor15(serverPublicKey, provider), x25519PublicToEd25519(x25519Public));
  const id = prefixedId(PREFIX_BLIND15, blinded);
  blinded[SIGN_BYTE] ^= SIGN_BIT;
  return [id, prefixedId(PREFIX_BLIND15, blinded)];
}

/**
 * The 25-blinded ID of a Session ID on a server (e2ee.md §5.4): `25 ‖ k25·|A|`.
 *
 * @param sessionId `05…` Session ID
 * @param serverPublicKey the server's 32-byte Ed25519 key
 * @param options `provider`
 * @returns the blinded ID (66 hex characters)
 * @throws {TypeError | RangeError} for a server key of the wrong length
 * @throws {ProtocolError} `KEY_INVALID` for a malformed Session ID or one without an Ed25519 point
 * @example
 * ```ts
 * import { blind25Id } from "./blinding.ts";
 * import { fromHex } from "../../bytes.ts";
 * const id = await blind25Id("05fe94b7ad4b7f1cc1bb92671f1f0d243f226e115b33770465e82b503fc3e96e1f",
 *   fromHex("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"));
 * if (id !== "253b991dcbba44cfdb45d5b38880d95cff723309e3ece6fd01415ad5fa1dccc7ac") throw new Error(id);
 * ```
 */
export async function blind25Id(
  sessionId: string,
  serverPublicKey: Uint8Array,
  options: BlindingOptions = {},
): Promise<string> {
  const action = "blind Session ID";
  checkServerKey(serverPublicKey, action);
  const x25519Public = parsePrefixedId(sessionId, [PREFIX_SESSION_ID], action).key;
  const provider = options.provider ?? await defaultProvider();
  const k = await factor25(x25519Public, serverPublicKey, provider);
  return prefixedId(PREFIX_BLIND25, scalarMultPoint(k, x25519PublicToEd25519(x25519Public)));
}

/**
 * The blinded ID of an Ed25519 public key (libsession `blinded15_id_from_ed` /
 * `blinded25_id_from_ed`): `15 ‖ k15·A` with A's own sign, or `25 ‖ k25·|A|`.
 *
 * @param ed25519Public 32-byte Ed25519 public key
 * @param prefix {@link PREFIX_BLIND15} or {@link PREFIX_BLIND25}
 * @param options `serverPublicKey`, `provider`
 * @returns the blinded ID (66 hex characters)
 * @throws {TypeError | RangeError} for keys of the wrong length or another prefix
 * @throws {ProtocolError} `KEY_INVALID` when the key is not a prime-order point
 * @example It matches the ID blinded from the Session ID
 * ```ts
 * import { blind25Id, blindedIdFromEd25519 } from "./blinding.ts";
 * import { identityFromSeed } from "../../identity.ts";
 * const id = await identityFromSeed(new Uint8Array(32).fill(1));
 * const serverPublicKey = new Uint8Array(32).fill(2);
 * const a = await blindedIdFromEd25519(id.ed25519Public, 0x25, { serverPublicKey });
 * if (a !== await blind25Id(id.sessionId, serverPublicKey)) throw new Error("bad");
 * ```
 */
export async function blindedIdFromEd25519(
  ed25519Public: Uint8Array,
  prefix: number,
  options: BlindSignOptions,
): Promise<string> {
  const action = "blind Ed25519 key";
  if (!(ed25519Public instanceof Uint8Array) || ed25519Public.length !== ED25519_KEY_BYTES) {
    throw new RangeError(`Cannot ${action}: key is not ${ED25519_KEY_BYTES} bytes`);
  }
  checkServerKey(options.serverPublicKey, action);
  const provider = options.provider ?? await defaultProvider();
  if (prefix === PREFIX_BLIND15) {
    return prefixedId(
      PREFIX_BLIND15,
      scalarMultPoint(await factor15(options.serverPublicKey, provider), ed25519Public),
    );
  }
  if (prefix !== PREFIX_BLIND25) throw new RangeError(`Cannot ${action}: prefix ${prefix} is not 0x15 or 0x25`);
  const x25519Public = await provider.ed25519PublicToX25519(ed25519Public);
  const k = await factor25(x25519Public, options.serverPublicKey, provider);
  const positive = ed25519Public.slice();
  positive[SIGN_BYTE] &= ~SIGN_BIT;
  return prefixedId(PREFIX_BLIND25, scalarMultPoint(k, positive));
}

/**
 * The blinded key pair of an Ed25519 secret on a server (libsession `blind15_key_pair` /
 * `blind25_key_pair`): `ka = k·a`, `kA = ka·B`; for 25-blinding `k` is negated when A is negative
 * so that `kA = k25·|A|`.
 *
 * @param secret Ed25519 secret (32-byte seed or 64-byte `seed ‖ public`)
 * @param prefix {@link PREFIX_BLIND15} or {@link PREFIX_BLIND25}
 * @param options `serverPublicKey`, `provider`
 * @returns the blinded key pair (wipe `secretScalar` after use)
 * @throws {TypeError | RangeError} for keys of the wrong length or another prefix
 * @example Its public key is the blinded ID
 * ```ts
 * import { blindedIdFromEd25519, blindedKeyPair } from "./blinding.ts";
 * import { identityFromSeed } from "../../identity.ts";
 * import { toHex } from "../../bytes.ts";
 * const id = await identityFromSeed(new Uint8Array(32).fill(1));
 * const serverPublicKey = new Uint8Array(32).fill(2);
 * const kp = await blindedKeyPair(id.ed25519Seed, 0x15, { serverPublicKey });
 * if ("15" + toHex(kp.publicKey) !== await blindedIdFromEd25519(id.ed25519Public, 0x15, { serverPublicKey })) throw new Error("bad");
 * ```
 */
export async function blindedKeyPair(
  secret: Ed25519Secret,
  prefix: number,
  options: BlindSignOptions,
): Promise<BlindedKeyPair> {
  const action = "derive blinded key pair";
  checkServerKey(options.serverPublicKey, action);
  if (prefix !== PREFIX_BLIND15 && prefix !== PREFIX_BLIND25) {
    throw new RangeError(`Cannot ${action}: prefix ${prefix} is not 0x15 or 0x25`);
  }
  const provider = options.provider ?? await defaultProvider();
  const own = await ed25519KeyPair(secret, provider, action);
  let factor: Uint8Array;
  if (prefix === PREFIX_BLIND15) {
    factor = await factor15(options.serverPublicKey, provider);
  } else {
    factor = await factor25(await provider.ed25519PublicToX25519(own.publicKey), options.serverPublicKey, provider);
    if (own.publicKey[SIGN_BYTE] & SIGN_BIT) factor = scalarNegate(factor);
  }
  const a = ed25519SecretScalar(own.seed);
  try {
    const secretScalar = scalarMul(factor, a);
    return { publicKey: scalarMultBase(secretScalar), secretScalar, factor };
  } finally {
    wipe(a, own.seed);
  }
}

/** `S = r + SHA-512(R ‖ kA ‖ M)·ka`, `R = r·B` (e2ee.md §5.4). */
async function blindedSignature(
  r: Uint8Array,
  pair: BlindedKeyPair,
  message: Uint8Array,
  provider: CryptoProvider,
): Promise<Uint8Array> {
  const rPoint = scalarMultBase(r);
  const h = scalarReduce(await provider.sha512(concat(rPoint, pair.publicKey, message)));
  return concat(rPoint, scalarAdd(scalarMul(h, pair.secretScalar), r));
}

/**
 * Deterministic 15-blinded signature (e2ee.md §5.4; libsession `blind15_sign`):
 * `r = SHA-512(SHA-512(seed ‖ A)[32..64) ‖ kA ‖ M) mod L`. Verifies as Ed25519 under `kA`.
 *
 * @param message the bytes to sign
 * @param secret Ed25519 secret (32-byte seed or 64-byte `seed ‖ public`)
 * @param options `serverPublicKey`, `provider`
 * @returns the 64-byte signature
 * @throws {TypeError | RangeError} for arguments of the wrong type or length
 * @example It verifies under the blinded key
 * ```ts
 * import { blind15Sign, blindedKeyPair } from "./blinding.ts";
 * import { ed25519 } from "@noble/curves/ed25519.js";
 * const serverPublicKey = new Uint8Array(32).fill(2), seed = new Uint8Array(32).fill(1), msg = new Uint8Array([1]);
 * const sig = await blind15Sign(msg, seed, { serverPublicKey });
 * const { publicKey } = await blindedKeyPair(seed, 0x15, { serverPublicKey });
 * if (!ed25519.verify(sig, msg, publicKey)) throw new Error("bad");
 * ```
 */
export async function blind15Sign(
  message: Uint8Array,
  secret: Ed25519Secret,
  options: BlindSignOptions,
): Promise<Uint8Array> {
  const action = "sign blinded";
  if (!(message instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: message is not a Uint8Array`);
  const provider = options.provider ?? await defaultProvider();
  const own = await ed25519KeyPair(secret, provider, action);
  const pair = await blindedKeyPair(own.seed, PREFIX_BLIND15, { ...options, provider });
  const expanded = await provider.sha512(concat(own.seed, own.publicKey));
  const r = scalarReduce(await provider.sha512(concat(expanded.subarray(HASH_BYTES), pair.publicKey, message)));
  try {
    return await blindedSignature(r, pair, message, provider);
  } finally {
    wipe(own.seed, expanded, r, pair.secretScalar);
  }
}

/**
 * Deterministic 25-blinded signature (e2ee.md §5.4; libsession `blind25_sign`):
 * `r = BLAKE2b-512(key = "SessCommBlind25_sig")(BLAKE2b-256(key = "SessCommBlind25_seed")(seed) ‖ kA ‖ M) mod L`.
 *
 * @param message the bytes to sign
 * @param secret Ed25519 secret (32-byte seed or 64-byte `seed ‖ public`)
 * @param options `serverPublicKey`, `provider`
 * @returns the 64-byte signature
 * @throws {TypeError | RangeError} for arguments of the wrong type or length
 * @example It verifies under the 25-blinded ID's key
 * ```ts
 * import { blind25Id, blind25Sign } from "./blinding.ts";
 * import { identityFromSeed } from "../../identity.ts";
 * import { fromHex } from "../../bytes.ts";
 * import { ed25519 } from "@noble/curves/ed25519.js";
 * const serverPublicKey = new Uint8Array(32).fill(2), msg = new Uint8Array([1]);
 * const id = await identityFromSeed(new Uint8Array(32).fill(1));
 * const sig = await blind25Sign(msg, id.ed25519Seed, { serverPublicKey });
 * if (!ed25519.verify(sig, msg, fromHex((await blind25Id(id.sessionId, serverPublicKey)).slice(2)))) throw new Error("bad");
 * ```
 */
export async function blind25Sign(
  message: Uint8Array,
  secret: Ed25519Secret,
  options: BlindSignOptions,
): Promise<Uint8Array> {
  const action = "sign blinded";
  if (!(message instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: message is not a Uint8Array`);
  const provider = options.provider ?? await defaultProvider();
  const own = await ed25519KeyPair(secret, provider, action);
  const pair = await blindedKeyPair(own.seed, PREFIX_BLIND25, { ...options, provider });
  const seedHash = await provider.blake2b(own.seed, HASH_BYTES, utf8(BLIND25_SEED_HASH_KEY));
  const rHash = await provider.blake2b(
    concat(seedHash, pair.publicKey, message),
    WIDE_HASH_BYTES,
    utf8(BLIND25_SIG_HASH_KEY),
  );
  const r = scalarReduce(rHash);
  try {
    return await blindedSignature(r, pair, message, provider);
  } finally {
    wipe(own.seed, seedHash, rHash, r, pair.secretScalar);
  }
}

/**
 * Whether a blinded ID belongs to a Session ID on a server (libsession
 * `session_id_matches_blinded_id`): either 15-form, or the 25-form.
 *
 * @param sessionId `05…` Session ID
 * @param blindedId `15…` or `25…` ID
 * @param options `serverPublicKey`, `provider`
 * @returns true when they match
 * @throws {TypeError | RangeError} for a server key of the wrong length
 * @throws {ProtocolError} `KEY_INVALID` for malformed IDs
 * @example
 * ```ts
 * import { blind25Id, sessionIdMatchesBlindedId } from "./blinding.ts";
 * const sid = "05fe94b7ad4b7f1cc1bb92671f1f0d243f226e115b33770465e82b503fc3e96e1f";
 * const serverPublicKey = new Uint8Array(32).fill(2);
 * if (!await sessionIdMatchesBlindedId(sid, await blind25Id(sid, serverPublicKey), { serverPublicKey })) throw new Error("bad");
 * ```
 */
export async function sessionIdMatchesBlindedId(
  sessionId: string,
  blindedId: string,
  options: BlindSignOptions,
): Promise<boolean> {
  const { prefix } = parsePrefixedId(blindedId, [PREFIX_BLIND15, PREFIX_BLIND25], "match blinded ID");
  const id = blindedId.toLowerCase();
  if (prefix === PREFIX_BLIND25) return id === await blind25Id(sessionId, options.serverPublicKey, options);
  const [positive, negative] = await blind15Ids(sessionId, options.serverPublicKey, options);
  return id === positive || id === negative;
}

/**
 * Whether two blinded IDs are equal as bytes (either hex case).
 *
 * @param a blinded ID
 * @param b blinded ID
 * @returns true when equal
 * @example
 * ```ts
 * import { sameBlindedId } from "./blinding.ts";
 * if (!sameBlindedId("15AB", "15ab")) throw new Error("bad");
 * ```
 */
export function sameBlindedId(a: string, b: string): boolean {
  return ctEqual(utf8(a.toLowerCase()), utf8(b.toLowerCase()));
}
