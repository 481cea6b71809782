/**
 * The `sodium` crypto provider: libsodium through the sodium-native addon (X25519, Ed25519,
 * BLAKE2b, SHA-2, ChaCha20-Poly1305, XChaCha20-Poly1305, randomness), plus the runtime's
 * `node:crypto` for AES-256-GCM and HKDF, which libsodium does not offer here. The fastest
 * provider wherever native add-ons load: Deno (with `--allow-ffi`), Node and Bun (performance.md).
 *
 * This is the only file that imports "sodium-native", and it does so dynamically inside a
 * `try`, so importing this module never throws where the addon cannot load (Cloudflare workerd has
 * no native add-ons, Deno without `--allow-ffi`): {@link sodiumProvider} is then `undefined`.
 *
 * Hot-path choices, measured on the project's machine (Deno 2.9.6, Node 20.20):
 * - every method except large AES-GCM calls on Deno returns synchronously (no promise allocated);
 * - the optional `out` arrays of `provider.ts` are honoured (X25519, HMAC, BLAKE2b of 16 bytes or
 *   more, both seals, in place too; not the asynchronous large AES-GCM seal on Deno), so a hop
 *   allocates almost nothing;
 * - HMAC-SHA256 is RFC 2104 over libsodium's SHA-256: 3.5 µs per 32-byte message on Deno against
 *   10 µs for `node:crypto` `createHmac` (equal on Node, ~2 µs each), and HMAC keys the AES-GCM hop;
 * - AES-256-GCM on Deno uses `node:crypto` below {@link DENO_WEBCRYPTO_GCM_MIN_BYTES} and WebCrypto
 *   from there on; on Node and Bun always `node:crypto`.
 *
 * @module
 */

import { createCipheriv, createDecipheriv, hkdfSync } from "node:crypto";
import { wipe } from "../bytes.ts";
import { AES_GCM_TAG_BYTES, ED25519_KEY_BYTES, ED25519_SIGNATURE_BYTES, X25519_KEY_BYTES } from "../constants.ts";
import { ProtocolError } from "../errors.ts";
import { clampX25519, nobleProvider } from "./noble.ts";
import type { CryptoProvider } from "./provider.ts";

/**
 * Payload size from which Deno's WebCrypto AES-GCM beats Deno's `node:crypto` GCM. Measured with
 * importKey + encrypt/decrypt per call, one at a time: node:crypto costs ~4.6 µs/KiB (≈220 MB/s),
 * WebCrypto ~30–90 µs fixed (thread hand-off) + ~1.3 µs/KiB; the two tie at 20–24 KiB
 * (16 KiB: 73 vs 86 µs; 24 KiB: 105 vs 89 µs; 64 KiB: 305 vs 179 µs; 1 MiB: 4.8 vs 1.35 ms).
 *
 * @example Large payloads on Deno come back as a promise
 * ```ts
 * import { DENO_WEBCRYPTO_GCM_MIN_BYTES, sodiumProvider } from "./sodium.ts";
 * if (sodiumProvider === undefined) throw new Error("sodium-native did not load");
 * const big = new Uint8Array(DENO_WEBCRYPTO_GCM_MIN_BYTES);
 * const sealed = await sodiumProvider.aesGcmSeal(new Uint8Array(32), new Uint8Array(12), big);
 * if (sealed.length !== big.length + 16) throw new Error("bad length");
 * ```
 */
export const DENO_WEBCRYPTO_GCM_MIN_BYTES = 24 * 1024;

/** Poly1305 tag length of both ChaCha20 AEADs (RFC 8439 §2.8). */
const POLY1305_TAG_BYTES = 16;
/** libsodium's Ed25519 secret key is seed ‖ public key (crypto_sign_SECRETKEYBYTES). */
const SODIUM_SIGN_SECRET_KEY_BYTES = 64;
/** SHA-256 output length (FIPS 180-4). */
const SHA256_BYTES = 32;
/** SHA-256 block length, the HMAC key block B of RFC 2104 §2. */
const SHA256_BLOCK_BYTES = 64;
/** SHA-512 output length (FIPS 180-4). */
const SHA512_BYTES = 64;
/** HMAC inner pad byte (RFC 2104 §2). */
const HMAC_IPAD = 0x36;
/** HMAC outer pad byte (RFC 2104 §2). */
const HMAC_OPAD = 0x5c;
/** Longest HKDF-SHA256 output: 255 × HashLen (RFC 5869 §2.3). */
const HKDF_SHA256_MAX_BYTES = 255 * SHA256_BYTES;
/** sodium-native asserts BLAKE2b output ≥ 16 bytes (crypto_generichash_BYTES_MIN); shorter goes to noble. */
const SODIUM_BLAKE2B_MIN_OUT_BYTES = 16;
/** sodium-native asserts a BLAKE2b key of 16–64 bytes (crypto_generichash_KEYBYTES_MIN); shorter goes to noble. */
const SODIUM_BLAKE2B_MIN_KEY_BYTES = 16;
/** OpenSSL cipher name: the protocol uses AES-256 only (hardening.md §2). */
const NODE_AES_GCM_CIPHER = "aes-256-gcm";
/** Tag length in bits for WebCrypto's AES-GCM parameters. */
const AES_GCM_TAG_BITS = AES_GCM_TAG_BYTES * 8;

/** sodium-native's combined-mode AEAD encrypt: `(c, m, ad, nsec, npub, k)`, returns the length written. */
type SodiumAeadEncrypt = (
  c: Uint8Array,
  m: Uint8Array,
  ad: Uint8Array | null,
  nsec: null,
  npub: Uint8Array,
  k: Uint8Array,
) => number;
/** sodium-native's combined-mode AEAD decrypt: `(m, nsec, c, ad, npub, k)`; throws on a bad tag. */
type SodiumAeadDecrypt = (
  m: Uint8Array,
  nsec: null,
  c: Uint8Array,
  ad: Uint8Array | null,
  npub: Uint8Array,
  k: Uint8Array,
) => number;

/** The part of sodium-native's API this provider calls (the package ships no types). */
interface SodiumNative {
  randombytes_buf(buf: Uint8Array): void;
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void;
  crypto_generichash(out: Uint8Array, input: Uint8Array, key?: Uint8Array): void;
  crypto_hash_sha256(out: Uint8Array, input: Uint8Array): void;
  crypto_hash_sha512(out: Uint8Array, input: Uint8Array): void;
  crypto_aead_chacha20poly1305_ietf_encrypt: SodiumAeadEncrypt;
  crypto_aead_chacha20poly1305_ietf_decrypt: SodiumAeadDecrypt;
  crypto_aead_xchacha20poly1305_ietf_encrypt: SodiumAeadEncrypt;
  crypto_aead_xchacha20poly1305_ietf_decrypt: SodiumAeadDecrypt;
  crypto_sign_seed_keypair(pk: Uint8Array, sk: Uint8Array, seed: Uint8Array): void;
  crypto_sign_detached(sig: Uint8Array, m: Uint8Array, sk: Uint8Array): void;
  crypto_sign_verify_detached(sig: Uint8Array, m: Uint8Array, pk: Uint8Array): boolean;
  crypto_sign_ed25519_pk_to_curve25519(x25519pk: Uint8Array, ed25519pk: Uint8Array): void;
}

/** Whether this is Deno, whose `node:crypto` GCM is slow for large payloads (performance.md). */
const IS_DENO = "Deno" in globalThis;

function decryptFailed(cause?: unknown): ProtocolError {
  return new ProtocolError(
    "DECRYPT_FAILED",
    "Cannot decrypt: authentication failed",
    cause === undefined ? undefined : { cause },
  );
}

function keyAgreementFailed(cause?: unknown): ProtocolError {
  return new ProtocolError(
    "KEY_AGREEMENT_FAILED",
    "Cannot agree key: low-order public key",
    cause === undefined ? undefined : { cause },
  );
}

/** A view of `bytes` typed for WebCrypto (TypeScript 6 wants an ArrayBuffer, not a shared one). */
function forSubtle(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? bytes as Uint8Array<ArrayBuffer> : new Uint8Array(bytes);
}

/** HKDF-SHA256 through `node:crypto`, with the RFC 5869 §2.3 length limit checked first. */
function nodeHkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > HKDF_SHA256_MAX_BYTES) {
    throw new RangeError(`Cannot derive key: HKDF-SHA256 length ${length} is outside 0–${HKDF_SHA256_MAX_BYTES}`);
  }
  return new Uint8Array(hkdfSync("sha256", ikm, salt, info, length));
}

/** AES-256-GCM seal through `node:crypto`: `ciphertext ‖ tag` in `out` (may start at `plaintext`) or a fresh array. */
function nodeGcmSeal(
  key: Uint8Array,
  iv: Uint8Array,
  plaintext: Uint8Array,
  aad?: Uint8Array,
  out: Uint8Array = new Uint8Array(plaintext.length + AES_GCM_TAG_BYTES),
): Uint8Array {
  const cipher = createCipheriv(NODE_AES_GCM_CIPHER, key, iv, { authTagLength: AES_GCM_TAG_BYTES });
  if (aad !== undefined) cipher.setAAD(aad);
  // update() returns a fresh array before `out` is written, so `out` may start at `plaintext`.
  const body = cipher.update(plaintext);
  cipher.final();
  out.set(body);
  out.set(cipher.getAuthTag(), body.length);
  return out;
}

/** AES-256-GCM open through `node:crypto`; the unauthenticated plaintext is wiped on failure. */
function nodeGcmOpen(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
  if (sealed.length < AES_GCM_TAG_BYTES) throw decryptFailed();
  const bodyLength = sealed.length - AES_GCM_TAG_BYTES;
  const decipher = createDecipheriv(NODE_AES_GCM_CIPHER, key, iv, { authTagLength: AES_GCM_TAG_BYTES });
  if (aad !== undefined) decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(bodyLength));
  const body = decipher.update(sealed.subarray(0, bodyLength));
  try {
    decipher.final();
  } catch (cause) {
    wipe(body);
    throw decryptFailed(cause);
  }
  // node:crypto returns an unpooled Buffer; a plain Uint8Array view of it costs no copy.
  return new Uint8Array(body.buffer, body.byteOffset, body.length);
}

/** WebCrypto AES-GCM parameters for a 128-bit tag. */
function subtleGcmParams(iv: Uint8Array, aad?: Uint8Array): AesGcmParams {
  const params: AesGcmParams = { name: "AES-GCM", iv: forSubtle(iv), tagLength: AES_GCM_TAG_BITS };
  if (aad !== undefined) params.additionalData = forSubtle(aad);
  return params;
}

/** AES-256-GCM seal through WebCrypto (Deno, large payloads). */
async function subtleGcmSeal(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array) {
  const k = await crypto.subtle.importKey("raw", forSubtle(key), "AES-GCM", false, ["encrypt"]);
  return new Uint8Array(await crypto.subtle.encrypt(subtleGcmParams(iv, aad), k, forSubtle(plaintext)));
}

/** AES-256-GCM open through WebCrypto (Deno, large payloads). */
async function subtleGcmOpen(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad?: Uint8Array) {
  if (sealed.length < AES_GCM_TAG_BYTES) throw decryptFailed();
  const k = await crypto.subtle.importKey("raw", forSubtle(key), "AES-GCM", false, ["decrypt"]);
  try {
    return new Uint8Array(await crypto.subtle.decrypt(subtleGcmParams(iv, aad), k, forSubtle(sealed)));
  } catch (cause) {
    throw decryptFailed(cause);
  }
}

/** Build the provider around a loaded sodium-native module. */
function createSodiumProvider(native: SodiumNative): CryptoProvider {
  /**
   * Scratch for HMAC over a message as long as the digest (the aes-gcm hop KDF: a 32-byte shared
   * secret): `K ⊕ ipad ‖ message`, then `K ⊕ opad ‖ inner hash`, each pass hashing the whole array.
   * Safe to share: {@link hmacSha256} is synchronous from the first write to the wipe that ends it
   * (libsodium calls never re-enter JavaScript), so no other call can observe it.
   */
  const hmacScratch = new Uint8Array(SHA256_BLOCK_BYTES + SHA256_BYTES);

  /** HMAC-SHA256 (RFC 2104 §2) over libsodium's one-shot SHA-256, into `mac`; every pad and copy is wiped. */
  function hmacSha256(key: Uint8Array, message: Uint8Array, mac = new Uint8Array(SHA256_BYTES)): Uint8Array {
    let k = key;
    if (k.length > SHA256_BLOCK_BYTES) {
      k = new Uint8Array(SHA256_BYTES);
      native.crypto_hash_sha256(k, key);
    }
    // One buffer holds K ⊕ ipad ‖ message, then K ⊕ opad ‖ inner hash.
    const whole = message.length === SHA256_BYTES;
    const buf = whole ? hmacScratch : new Uint8Array(SHA256_BLOCK_BYTES + Math.max(message.length, SHA256_BYTES));
    try {
      for (let i = 0; i < SHA256_BLOCK_BYTES; i++) buf[i] = (i < k.length ? k[i] : 0) ^ HMAC_IPAD;
      buf.set(message, SHA256_BLOCK_BYTES);
      native.crypto_hash_sha256(mac, whole ? buf : buf.subarray(0, SHA256_BLOCK_BYTES + message.length));
      for (let i = 0; i < SHA256_BLOCK_BYTES; i++) buf[i] ^= HMAC_IPAD ^ HMAC_OPAD;
      buf.set(mac, SHA256_BLOCK_BYTES);
      native.crypto_hash_sha256(mac, whole ? buf : buf.subarray(0, SHA256_BLOCK_BYTES + SHA256_BYTES));
    } finally {
      wipe(buf, k === key ? undefined : k);
    }
    return mac;
  }

  /** libsodium's expanded signing key for a seed; the caller wipes it. */
  function signingKey(seed: Uint8Array): Uint8Array {
    const pk = new Uint8Array(ED25519_KEY_BYTES);
    const sk = new Uint8Array(SODIUM_SIGN_SECRET_KEY_BYTES);
    native.crypto_sign_seed_keypair(pk, sk, seed);
    return sk;
  }

  return Object.freeze<CryptoProvider>({
    name: "sodium",
    backends: Object.freeze({
      random: "libsodium",
      x25519: "libsodium",
      ed25519: "libsodium",
      sha512: "libsodium",
      blake2b: "libsodium (@noble/hashes for outputs or keys under 16 bytes)",
      chacha: "libsodium",
      xchacha: "libsodium",
      hmac: "libsodium SHA-256 (RFC 2104)",
      hkdf: "node:crypto",
      aesGcm: IS_DENO
        ? `node:crypto below ${DENO_WEBCRYPTO_GCM_MIN_BYTES} bytes, WebCrypto from there on`
        : "node:crypto",
    }),

    randomBytes(n: number): Uint8Array {
      const out = new Uint8Array(n);
      native.randombytes_buf(out);
      return out;
    },

    x25519PublicKey(secret: Uint8Array, out = new Uint8Array(X25519_KEY_BYTES)): Uint8Array {
      native.crypto_scalarmult_base(out, secret);
      return out;
    },
    x25519(secret: Uint8Array, publicKey: Uint8Array, out = new Uint8Array(X25519_KEY_BYTES)): Uint8Array {
      try {
        // libsodium returns -1 (sodium-native throws) for a low-order point or an all-zero result.
        native.crypto_scalarmult(out, secret, publicKey);
      } catch (cause) {
        throw keyAgreementFailed(cause);
      }
      return out;
    },

    hmacSha256,
    hkdfSha256: nodeHkdfSha256,
    sha512(message: Uint8Array): Uint8Array {
      const out = new Uint8Array(SHA512_BYTES);
      native.crypto_hash_sha512(out, message);
      return out;
    },
    blake2b(message: Uint8Array, outLength: number, key?: Uint8Array, out?: Uint8Array) {
      const keyed = key !== undefined && key.length > 0;
      if (outLength < SODIUM_BLAKE2B_MIN_OUT_BYTES || (keyed && key.length < SODIUM_BLAKE2B_MIN_KEY_BYTES)) {
        return nobleProvider.blake2b(message, outLength, key);
      }
      const digest = out ?? new Uint8Array(outLength);
      native.crypto_generichash(digest, message, keyed ? key : undefined);
      return digest;
    },

    aesGcmSeal(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array, out?: Uint8Array) {
      return IS_DENO && plaintext.length >= DENO_WEBCRYPTO_GCM_MIN_BYTES
        ? subtleGcmSeal(key, iv, plaintext, aad)
        : nodeGcmSeal(key, iv, plaintext, aad, out);
    },
    aesGcmOpen(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad?: Uint8Array) {
      return IS_DENO && sealed.length >= DENO_WEBCRYPTO_GCM_MIN_BYTES + AES_GCM_TAG_BYTES
        ? subtleGcmOpen(key, iv, sealed, aad)
        : nodeGcmOpen(key, iv, sealed, aad);
    },

    chachaSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
      const sealed = new Uint8Array(plaintext.length + POLY1305_TAG_BYTES);
      native.crypto_aead_chacha20poly1305_ietf_encrypt(sealed, plaintext, aad ?? null, null, nonce, key);
      return sealed;
    },
    chachaOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
      if (sealed.length < POLY1305_TAG_BYTES) throw decryptFailed();
      const plaintext = new Uint8Array(sealed.length - POLY1305_TAG_BYTES);
      try {
        native.crypto_aead_chacha20poly1305_ietf_decrypt(plaintext, null, sealed, aad ?? null, nonce, key);
      } catch (cause) {
        throw decryptFailed(cause);
      }
      return plaintext;
    },
    xchachaSeal(
      key: Uint8Array,
      nonce: Uint8Array,
      plaintext: Uint8Array,
      aad?: Uint8Array,
      out = new Uint8Array(plaintext.length + POLY1305_TAG_BYTES),
    ): Uint8Array {
      // libsodium XORs the key stream front to back, so `out` may start exactly at `plaintext`.
      native.crypto_aead_xchacha20poly1305_ietf_encrypt(out, plaintext, aad ?? null, null, nonce, key);
      return out;
    },
    xchachaOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
      if (sealed.length < POLY1305_TAG_BYTES) throw decryptFailed();
      const plaintext = new Uint8Array(sealed.length - POLY1305_TAG_BYTES);
      try {
        native.crypto_aead_xchacha20poly1305_ietf_decrypt(plaintext, null, sealed, aad ?? null, nonce, key);
      } catch (cause) {
        throw decryptFailed(cause);
      }
      return plaintext;
    },

    ed25519PublicKey(seed: Uint8Array): Uint8Array {
      const pk = new Uint8Array(ED25519_KEY_BYTES);
      const sk = new Uint8Array(SODIUM_SIGN_SECRET_KEY_BYTES);
      try {
        native.crypto_sign_seed_keypair(pk, sk, seed);
      } finally {
        wipe(sk);
      }
      return pk;
    },
    ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
      const sk = signingKey(seed);
      const signature = new Uint8Array(ED25519_SIGNATURE_BYTES);
      try {
        native.crypto_sign_detached(signature, message, sk);
      } finally {
        wipe(sk);
      }
      return signature;
    },
    ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
      // sodium-native accepts a longer signature and reads its first 64 bytes: refuse it here.
      if (signature.length !== ED25519_SIGNATURE_BYTES || publicKey.length !== ED25519_KEY_BYTES) return false;
      try {
        return native.crypto_sign_verify_detached(signature, message, publicKey);
      } catch {
        return false;
      }
    },
    ed25519PublicToX25519(publicKey: Uint8Array): Uint8Array {
      const out = new Uint8Array(X25519_KEY_BYTES);
      try {
        // libsodium also refuses small-order points and points outside the prime-order subgroup.
        native.crypto_sign_ed25519_pk_to_curve25519(out, publicKey);
      } catch (cause) {
        throw new ProtocolError("KEY_INVALID", "Cannot convert Ed25519 key: not a prime-order curve point", {
          cause,
        });
      }
      return out;
    },
    ed25519SeedToX25519Secret(seed: Uint8Array): Uint8Array {
      const digest = new Uint8Array(SHA512_BYTES);
      native.crypto_hash_sha512(digest, seed);
      const secret = clampX25519(digest.slice(0, X25519_KEY_BYTES));
      wipe(digest);
      return secret;
    },
  });
}

/** Whether Deno would refuse (or prompt for) loading a native addon. */
function denoDeniesFfi(): boolean {
  type Permissions = { querySync?(descriptor: { name: "ffi" }): { state: string } };
  const permissions = (globalThis as { Deno?: { permissions?: Permissions } }).Deno?.permissions;
  return typeof permissions?.querySync === "function" && permissions.querySync({ name: "ffi" }).state !== "granted";
}

let loading: Promise<CryptoProvider | undefined> | undefined;

/**
 * Load sodium-native and build the provider, or resolve `undefined` where the addon cannot load
 * (workerd, browsers, Deno without `--allow-ffi`). Never rejects; the result is cached.
 *
 * @returns the sodium provider, or undefined on this runtime
 * @example Using libsodium when it is there
 * ```ts
 * import { loadSodiumProvider } from "./sodium.ts";
 * const sodium = await loadSodiumProvider();
 * if (sodium !== undefined) {
 *   const pk = await sodium.x25519PublicKey(new Uint8Array(32).fill(1));
 *   if (pk.length !== 32) throw new Error("bad public key");
 * }
 * ```
 */
export function loadSodiumProvider(): Promise<CryptoProvider | undefined> {
  loading ??= (async () => {
    if (denoDeniesFfi()) return undefined;
    try {
      const mod = await import("sodium-native");
      const native = (mod.default ?? mod) as SodiumNative;
      if (typeof native.crypto_scalarmult !== "function") return undefined;
      return createSodiumProvider(native);
    } catch {
      return undefined;
    }
  })();
  return loading;
}

/**
 * The sodium provider, loaded when this module was imported, or `undefined` where the native
 * addon cannot load. For code that knows it runs on Deno, Node or Bun and wants no `await`.
 *
 * @example Sealing with XChaCha20-Poly1305
 * ```ts
 * import { sodiumProvider } from "./sodium.ts";
 * if (sodiumProvider === undefined) throw new Error("sodium-native did not load");
 * const key = new Uint8Array(32);
 * const nonce = new Uint8Array(24);
 * const sealed = await sodiumProvider.xchachaSeal(key, nonce, new Uint8Array([1, 2, 3]));
 * const opened = await sodiumProvider.xchachaOpen(key, nonce, sealed);
 * if (opened[2] !== 3) throw new Error("round trip failed");
 * ```
 */
export const sodiumProvider: CryptoProvider | undefined = await loadSodiumProvider();
