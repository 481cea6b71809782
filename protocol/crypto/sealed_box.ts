/**
 * libsodium's sealed box (`crypto_box_seal` / `crypto_box_seal_open`), the outer layer of a
 * Session 1:1 message (e2ee.md §5.1), in pure @noble code so it runs on every runtime:
 *
 * - an ephemeral X25519 key pair `(e, E)`;
 * - `nonce = BLAKE2b-192(E ‖ Y)` for the recipient's X25519 public key `Y`;
 * - `k = HSalsa20(X25519(e, Y), 0¹⁶)` (`crypto_box_beforenm`);
 * - output `E ‖ tag(16) ‖ XSalsa20(k, nonce, m)` (`crypto_box_easy` puts the Poly1305 tag first).
 *
 * Also the deterministic variant libsession uses for reproducible output: the ephemeral seed is a
 * keyed BLAKE2b of the sender's seed, `Y` and the message, and `(e, E)` is libsodium's
 * `crypto_box_seed_keypair` of it (e2ee.md §5.1 "Deterministic variant").
 *
 * Checked byte for byte against sodium-native's `crypto_box_seal` / `crypto_box_seal_open` in
 * `sealed_box_test.ts`.
 *
 * @module
 */

import { x25519 } from "@noble/curves/ed25519.js";
import { hsalsa, xsalsa20poly1305 } from "@noble/ciphers/salsa.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { utf8, wipe } from "../bytes.ts";
import { X25519_KEY_BYTES } from "../constants.ts";
import { ProtocolError } from "../errors.ts";
import { type Rng, systemRng } from "../rng.ts";
import { nobleX25519 } from "./noble.ts";

/** Poly1305 tag length (`crypto_box_MACBYTES`). */
export const SEALED_BOX_TAG_BYTES = 16;
/** Sealed-box overhead: ephemeral public key ‖ tag (`crypto_box_SEALBYTES`, e2ee.md §5.1). */
export const SEALED_BOX_OVERHEAD_BYTES = X25519_KEY_BYTES + SEALED_BOX_TAG_BYTES;
/** XSalsa20 nonce length (`crypto_box_NONCEBYTES`). */
export const SEALED_BOX_NONCE_BYTES = 24;
/** Seed length of `crypto_box_seed_keypair` (`crypto_box_SEEDBYTES`). */
export const BOX_SEED_BYTES = 32;
/** BLAKE2b key of libsession's deterministic ephemeral seed (e2ee.md §5.1, session_encrypt.cpp `BOX_HASHKEY`). */
const SESSION_BOX_EPHEMERAL_HASH_KEY: Uint8Array = utf8("SessionBoxEphemeralHashKey");
/** HSalsa20 constants "expand 32-byte k" as little-endian words (Salsa20 spec §9). */
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
/** The all-zero 16-byte HSalsa20 input of `crypto_box_beforenm`. */
const ZERO_16 = new Uint32Array(4);

/** An X25519 key pair for a box; `secretKey` is secret: wipe it after use. */
export interface BoxKeyPair {
  /** 32-byte X25519 public key. */
  publicKey: Uint8Array;
  /** 32-byte X25519 secret key. */
  secretKey: Uint8Array;
}

/** Options of {@link sealBox}: where the ephemeral key comes from. */
export interface SealBoxOptions {
  /** Source of the ephemeral secret; defaults to the system CSPRNG. Ignored with `ephemeralSecret`. */
  rng?: Rng;
  /** Use this 32-byte ephemeral X25519 secret instead of a random one (deterministic sealing). */
  ephemeralSecret?: Uint8Array;
}

function checkKey(value: unknown, what: string, action: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: ${what} is not a Uint8Array`);
  if (value.length !== X25519_KEY_BYTES) {
    throw new RangeError(`Cannot ${action}: ${what} is ${value.length} bytes, expected ${X25519_KEY_BYTES}`);
  }
}

/** A little-endian 32-bit word view of a fresh aligned copy of `bytes` (hsalsa's input form). */
function words(bytes: Uint8Array): Uint32Array {
  return new Uint32Array(bytes.slice().buffer);
}

/** `crypto_box_beforenm`: HSalsa20 of the X25519 shared secret; throws KEY_AGREEMENT_FAILED. */
function boxKey(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const shared = nobleX25519(secretKey, publicKey);
  const sharedWords = words(shared);
  const out = new Uint32Array(8);
  try {
    hsalsa(SIGMA, sharedWords, ZERO_16, out);
    return new Uint8Array(out.buffer);
  } finally {
    wipe(shared, new Uint8Array(sharedWords.buffer));
  }
}

/** The implicit sealed-box nonce `BLAKE2b-192(E ‖ Y)`. */
function sealNonce(ephemeralPublic: Uint8Array, recipientPublic: Uint8Array): Uint8Array {
  return blake2b.create({ dkLen: SEALED_BOX_NONCE_BYTES }).update(ephemeralPublic).update(recipientPublic).digest();
}

/**
 * libsodium's `crypto_box_seed_keypair`: secret = the first 32 bytes of SHA-512(seed), public =
 * X25519(secret, 9).
 *
 * @param seed 32-byte seed
 * @returns the key pair (the secret as libsodium stores it, unclamped)
 * @throws {TypeError | RangeError} when the seed is not 32 bytes
 * @example Deterministic
 * ```ts
 * import { boxSeedKeyPair } from "./sealed_box.ts";
 * const a = boxSeedKeyPair(new Uint8Array(32).fill(1));
 * const b = boxSeedKeyPair(new Uint8Array(32).fill(1));
 * if (a.publicKey.join() !== b.publicKey.join()) throw new Error("bad");
 * ```
 */
export function boxSeedKeyPair(seed: Uint8Array): BoxKeyPair {
  checkKey(seed, "seed", "derive box key pair");
  const digest = sha512(seed);
  const secretKey = digest.slice(0, X25519_KEY_BYTES);
  wipe(digest);
  return { publicKey: x25519.getPublicKey(secretKey), secretKey };
}

/**
 * libsession's deterministic ephemeral seed for a sealed 1:1 message (e2ee.md §5.1):
 * `BLAKE2b-256(key = "SessionBoxEphemeralHashKey")(senderSeed ‖ Y ‖ M)`, where `M` is the
 * plaintext before signing. Feed it to {@link boxSeedKeyPair}.
 *
 * @param senderSeed the sender's 32-byte Ed25519 seed
 * @param recipientPublic the recipient's 32-byte X25519 public key
 * @param message the plaintext
 * @returns the 32-byte ephemeral seed (secret: wipe it after use)
 * @throws {TypeError | RangeError} when a key is not 32 bytes or the message is not bytes
 * @example
 * ```ts
 * import { deterministicEphemeralSeed } from "./sealed_box.ts";
 * const seed = deterministicEphemeralSeed(new Uint8Array(32), new Uint8Array(32), new Uint8Array([1]));
 * if (seed.length !== 32) throw new Error("bad");
 * ```
 */
export function deterministicEphemeralSeed(
  senderSeed: Uint8Array,
  recipientPublic: Uint8Array,
  message: Uint8Array,
): Uint8Array {
  const action = "derive ephemeral seed";
  checkKey(senderSeed, "sender seed", action);
  checkKey(recipientPublic, "recipient key", action);
  if (!(message instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: message is not a Uint8Array`);
  return blake2b.create({ dkLen: BOX_SEED_BYTES, key: SESSION_BOX_EPHEMERAL_HASH_KEY })
    .update(senderSeed).update(recipientPublic).update(message).digest();
}

/**
 * Seal `message` to `recipientPublic` (`crypto_box_seal`, e2ee.md §5.1).
 *
 * @param message the plaintext
 * @param recipientPublic the recipient's 32-byte X25519 public key
 * @param options `rng` for the ephemeral key, or a fixed `ephemeralSecret`
 * @returns `E ‖ tag ‖ ciphertext`, {@link SEALED_BOX_OVERHEAD_BYTES} longer than `message`
 * @throws {TypeError | RangeError} for arguments of the wrong type or length
 * @throws {ProtocolError} `KEY_AGREEMENT_FAILED` for a low-order recipient key
 * @example Round trip
 * ```ts
 * import { openSealedBox, sealBox } from "./sealed_box.ts";
 * import { x25519 } from "@noble/curves/ed25519.js";
 * const secret = new Uint8Array(32).fill(7);
 * const sealed = sealBox(new Uint8Array([1, 2, 3]), x25519.getPublicKey(secret));
 * if (openSealedBox(sealed, secret).join() !== "1,2,3") throw new Error("bad");
 * ```
 */
export function sealBox(message: Uint8Array, recipientPublic: Uint8Array, options: SealBoxOptions = {}): Uint8Array {
  const action = "seal box";
  if (!(message instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: message is not a Uint8Array`);
  checkKey(recipientPublic, "recipient key", action);
  let ephemeralSecret: Uint8Array;
  if (options.ephemeralSecret !== undefined) {
    checkKey(options.ephemeralSecret, "ephemeral secret", action);
    ephemeralSecret = options.ephemeralSecret.slice();
  } else {
    ephemeralSecret = (options.rng ?? systemRng).fill(new Uint8Array(X25519_KEY_BYTES));
  }
  let key: Uint8Array | undefined;
  try {
    const ephemeralPublic = x25519.getPublicKey(ephemeralSecret);
    key = boxKey(ephemeralSecret, recipientPublic);
    const boxed = xsalsa20poly1305(key, sealNonce(ephemeralPublic, recipientPublic)).encrypt(message);
    const out = new Uint8Array(X25519_KEY_BYTES + boxed.length);
    out.set(ephemeralPublic, 0);
    out.set(boxed, X25519_KEY_BYTES);
    return out;
  } finally {
    wipe(ephemeralSecret, key);
  }
}

/**
 * Open a sealed box (`crypto_box_seal_open`, e2ee.md §5.1).
 *
 * @param sealed `E ‖ tag ‖ ciphertext`
 * @param recipientSecret the recipient's 32-byte X25519 secret
 * @param recipientPublic its public key; derived from the secret when omitted
 * @returns the plaintext
 * @throws {TypeError | RangeError} for keys of the wrong type or length
 * @throws {ProtocolError} `DECRYPT_FAILED` when the box is short, the tag is wrong or the key is
 *   not the recipient's; `KEY_AGREEMENT_FAILED` for a low-order ephemeral key
 * @example A flipped bit is refused
 * ```ts
 * import { openSealedBox, sealBox } from "./sealed_box.ts";
 * import { isProtocolError } from "../errors.ts";
 * import { x25519 } from "@noble/curves/ed25519.js";
 * const secret = new Uint8Array(32).fill(7);
 * const sealed = sealBox(new Uint8Array([1]), x25519.getPublicKey(secret));
 * sealed[40] ^= 1;
 * try {
 *   openSealedBox(sealed, secret);
 *   throw new Error("accepted");
 * } catch (e) {
 *   if (!isProtocolError(e, "DECRYPT_FAILED")) throw e;
 * }
 * ```
 */
export function openSealedBox(
  sealed: Uint8Array,
  recipientSecret: Uint8Array,
  recipientPublic?: Uint8Array,
): Uint8Array {
  const action = "open sealed box";
  if (!(sealed instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: box is not a Uint8Array`);
  checkKey(recipientSecret, "recipient secret", action);
  if (recipientPublic !== undefined) checkKey(recipientPublic, "recipient key", action);
  if (sealed.length < SEALED_BOX_OVERHEAD_BYTES) {
    throw new ProtocolError(
      "DECRYPT_FAILED",
      `Cannot ${action}: ${sealed.length} bytes, shorter than the ${SEALED_BOX_OVERHEAD_BYTES}-byte overhead`,
    );
  }
  const ownPublic = recipientPublic ?? x25519.getPublicKey(recipientSecret);
  const ephemeralPublic = sealed.subarray(0, X25519_KEY_BYTES);
  const key = boxKey(recipientSecret, ephemeralPublic);
  try {
    return xsalsa20poly1305(key, sealNonce(ephemeralPublic, ownPublic)).decrypt(sealed.subarray(X25519_KEY_BYTES));
  } catch (cause) {
    throw new ProtocolError("DECRYPT_FAILED", `Cannot ${action}: authentication failed`, { cause });
  } finally {
    wipe(key);
  }
}
