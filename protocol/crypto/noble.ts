/**
 * The `noble` crypto provider: @noble/curves, @noble/ciphers and @noble/hashes (audited, pure
 * TypeScript). Runs on every runtime; the reference the native providers are checked against and
 * the fallback where nothing native loads. 12–37× slower than native for a hop (performance.md).
 *
 * @module
 */

import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { chacha20poly1305, xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { gcm } from "@noble/ciphers/aes.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { hmac } from "@noble/hashes/hmac.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { isAllZero } from "../bytes.ts";
import { ProtocolError } from "../errors.ts";
import { systemRng } from "../rng.ts";
import type { CryptoProvider } from "./provider.ts";

const EMPTY = new Uint8Array(0);

/** Run an AEAD open, turning any library error into the contract's `DECRYPT_FAILED`. */
function openOrFail(open: () => Uint8Array): Uint8Array {
  try {
    return open();
  } catch (cause) {
    throw new ProtocolError("DECRYPT_FAILED", "Cannot decrypt: authentication failed", { cause });
  }
}

/** X25519 with the all-zero check of hardening.md §2. */
export function nobleX25519(secret: Uint8Array, publicKey: Uint8Array): Uint8Array {
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(secret, publicKey);
  } catch (cause) {
    throw new ProtocolError("KEY_AGREEMENT_FAILED", "Cannot agree key: low-order public key", { cause });
  }
  if (isAllZero(shared)) {
    throw new ProtocolError("KEY_AGREEMENT_FAILED", "Cannot agree key: low-order public key");
  }
  return shared;
}

/** Clamp a 32-byte scalar in place as RFC 7748 §5 `decodeScalar25519`. */
export function clampX25519(scalar: Uint8Array): Uint8Array {
  scalar[0] &= 248;
  scalar[31] &= 127;
  scalar[31] |= 64;
  return scalar;
}

/** The pure-JS primitives, shared with the `webcrypto` provider for what WebCrypto lacks. */
export const nobleProvider: CryptoProvider = Object.freeze<CryptoProvider>({
  name: "noble",
  backends: Object.freeze({
    x25519: "@noble/curves",
    ed25519: "@noble/curves",
    aesGcm: "@noble/ciphers",
    xchacha: "@noble/ciphers",
    hmac: "@noble/hashes",
    blake2b: "@noble/hashes",
  }),
  randomBytes: (n: number) => systemRng.fill(new Uint8Array(n)),
  x25519PublicKey: (secret: Uint8Array) => x25519.getPublicKey(secret),
  x25519: nobleX25519,
  hmacSha256: (key: Uint8Array, message: Uint8Array) => hmac(sha256, key, message),
  hkdfSha256: (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number) =>
    hkdf(sha256, ikm, salt, info, length),
  sha512: (message: Uint8Array) => sha512(message),
  blake2b: (message: Uint8Array, outLength: number, key?: Uint8Array) =>
    blake2b(message, key && key.length > 0 ? { dkLen: outLength, key } : { dkLen: outLength }),
  aesGcmSeal: (key, iv, plaintext, aad) => gcm(key, iv, aad ?? EMPTY).encrypt(plaintext),
  aesGcmOpen: (key, iv, sealed, aad) => openOrFail(() => gcm(key, iv, aad ?? EMPTY).decrypt(sealed)),
  chachaSeal: (key, nonce, plaintext, aad) => chacha20poly1305(key, nonce, aad ?? EMPTY).encrypt(plaintext),
  chachaOpen: (key, nonce, sealed, aad) => openOrFail(() => chacha20poly1305(key, nonce, aad ?? EMPTY).decrypt(sealed)),
  xchachaSeal: (key, nonce, plaintext, aad) => xchacha20poly1305(key, nonce, aad ?? EMPTY).encrypt(plaintext),
  xchachaOpen: (key, nonce, sealed, aad) =>
    openOrFail(() => xchacha20poly1305(key, nonce, aad ?? EMPTY).decrypt(sealed)),
  ed25519PublicKey: (seed: Uint8Array) => ed25519.getPublicKey(seed),
  ed25519Sign: (seed: Uint8Array, message: Uint8Array) => ed25519.sign(message, seed),
  ed25519Verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => {
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
  ed25519PublicToX25519: (publicKey: Uint8Array) => {
    let point;
    try {
      point = ed25519.Point.fromBytes(publicKey, false);
    } catch (cause) {
      throw new ProtocolError("KEY_INVALID", "Cannot convert Ed25519 key: not a curve point", { cause });
    }
    // As libsodium's crypto_sign_ed25519_pk_to_curve25519: refuse small-order and mixed-order points.
    if (point.isSmallOrder() || !point.isTorsionFree()) {
      throw new ProtocolError("KEY_INVALID", "Cannot convert Ed25519 key: not a prime-order point");
    }
    return ed25519.utils.toMontgomery(publicKey);
  },
  ed25519SeedToX25519Secret: (seed: Uint8Array) => clampX25519(sha512(seed).slice(0, 32)),
});
