/**
 * The crypto-provider interface: the only primitives allium's protocol code calls.
 *
 * Three implementations exist (performance.md): `noble` (@noble/*, pure JS, runs everywhere,
 * the reference), `sodium` (libsodium through sodium-native, plus the runtime's native AES-GCM and
 * HMAC) and `webcrypto` (for Cloudflare workerd). Every provider passes the same vectors and a
 * property test shows they agree byte for byte.
 *
 * Methods return either a value or a promise (`MaybePromise`): native synchronous providers avoid
 * allocating promises on the hot path; callers always `await`.
 *
 * Contract shared by every implementation:
 * - arguments are trusted to have the right lengths (the public functions of `protocol/` check
 *   them on entry);
 * - `x25519` throws `ProtocolError("KEY_AGREEMENT_FAILED")` when the shared secret is all zero;
 * - the `*Open` methods throw `ProtocolError("DECRYPT_FAILED")` on any authentication failure;
 * - `ed25519Verify` is strict RFC 8032 verification and returns false (never throws) on a bad
 *   signature or key;
 * - every returned array is fresh and owned by the caller, who may modify it (the onion peeler
 *   writes the next hop's trailer over the routing JSON inside an opened plaintext).
 *
 * Output arrays. The primitives of the per-hop hot path (`x25519PublicKey`, `x25519`,
 * `hmacSha256`, `blake2b`, `aesGcmSeal`, `xchachaSeal`) take an optional last argument `out`, so
 * a native provider can write straight into the caller's array and the hop allocates almost
 * nothing (on Deno every small `Uint8Array` costs a quarter to most of a microsecond;
 * performance.md). `out` is a hint, and one entry point per primitive keeps wrappers and
 * instrumentation seeing every call. Contract:
 * - a provider may write the result into `out` and return `out`, or ignore it and return a fresh
 *   array as without it (noble and webcrypto do); callers use the returned array, and `into.ts`
 *   copies it into `out` (wiping it when secret) when it is not `out`;
 * - `out` has exactly the output length (32 for X25519 and HMAC-SHA256, `outLength` for BLAKE2b,
 *   plaintext + 16 for the seals) and may be a view into a larger array;
 * - inputs are not modified; `out` must not overlap them, except that a seal may run in place:
 *   `out` starting at the same byte of the same buffer as `plaintext`;
 * - results and errors are those of the call without `out`; after a failure the contents of `out`
 *   are unspecified (the caller wipes or discards it).
 *
 * @module
 */

/** A value, or a promise of one. */
export type MaybePromise<T> = T | Promise<T>;

/** Names of the shipped providers. */
export type ProviderName = "noble" | "sodium" | "webcrypto";

/** The primitives. See the module documentation for the shared contract. */
export interface CryptoProvider {
  /** Provider name, for logs and benchmarks. */
  readonly name: ProviderName;
  /** Which library backs each family, for display (`{ x25519: "libsodium", … }`). */
  readonly backends: Readonly<Record<string, string>>;

  /** Fill a new array of `n` bytes from the provider's CSPRNG. */
  randomBytes(n: number): Uint8Array;

  /** X25519 public key for a 32-byte secret (clamped as RFC 7748 §5); `out`: see the module documentation. */
  x25519PublicKey(secret: Uint8Array, out?: Uint8Array): MaybePromise<Uint8Array>;
  /** X25519(secret, public); rejects an all-zero result. */
  x25519(secret: Uint8Array, publicKey: Uint8Array, out?: Uint8Array): MaybePromise<Uint8Array>;

  /** HMAC-SHA256 (RFC 2104 / RFC 4231). */
  hmacSha256(key: Uint8Array, message: Uint8Array, out?: Uint8Array): MaybePromise<Uint8Array>;
  /** HKDF-SHA256 (RFC 5869); `length` ≤ 255 × 32. */
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): MaybePromise<Uint8Array>;
  /** SHA-512 of `message` (used for Ed25519 → X25519 secrets and by E2EE). */
  sha512(message: Uint8Array): MaybePromise<Uint8Array>;
  /** BLAKE2b (RFC 7693) with output length 1–64 and an optional key of 0–64 bytes. */
  blake2b(message: Uint8Array, outLength: number, key?: Uint8Array, out?: Uint8Array): MaybePromise<Uint8Array>;

  /** AES-256-GCM with a 96-bit IV and 128-bit tag: returns `ciphertext ‖ tag`. */
  aesGcmSeal(
    key: Uint8Array,
    iv: Uint8Array,
    plaintext: Uint8Array,
    aad?: Uint8Array,
    out?: Uint8Array,
  ): MaybePromise<Uint8Array>;
  /** Inverse of {@link aesGcmSeal}; throws `DECRYPT_FAILED`. */
  aesGcmOpen(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): MaybePromise<Uint8Array>;
  /** ChaCha20-Poly1305 (RFC 8439 §2.8, 96-bit nonce): returns `ciphertext ‖ tag`. */
  chachaSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): MaybePromise<Uint8Array>;
  /** Inverse of {@link chachaSeal}; throws `DECRYPT_FAILED`. */
  chachaOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): MaybePromise<Uint8Array>;
  /** XChaCha20-Poly1305 (IETF draft, 192-bit nonce): returns `ciphertext ‖ tag`. */
  xchachaSeal(
    key: Uint8Array,
    nonce: Uint8Array,
    plaintext: Uint8Array,
    aad?: Uint8Array,
    out?: Uint8Array,
  ): MaybePromise<Uint8Array>;
  /** Inverse of {@link xchachaSeal}; throws `DECRYPT_FAILED`. */
  xchachaOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): MaybePromise<Uint8Array>;

  /** Ed25519 public key from a 32-byte seed (RFC 8032 §5.1.5). */
  ed25519PublicKey(seed: Uint8Array): MaybePromise<Uint8Array>;
  /** Deterministic Ed25519 signature (RFC 8032 §5.1.6). */
  ed25519Sign(seed: Uint8Array, message: Uint8Array): MaybePromise<Uint8Array>;
  /** Strict RFC 8032 verification (no ZIP-215 leniency); false on any failure. */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): MaybePromise<boolean>;
  /** Birational map of an Ed25519 public key to its X25519 (Montgomery u) key; throws `KEY_INVALID`. */
  ed25519PublicToX25519(publicKey: Uint8Array): MaybePromise<Uint8Array>;
  /** X25519 secret for an Ed25519 seed: clamped first half of SHA-512(seed). */
  ed25519SeedToX25519Secret(seed: Uint8Array): MaybePromise<Uint8Array>;
}
