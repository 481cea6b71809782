/**
 * The `webcrypto` crypto provider: the runtime's WebCrypto (`crypto.subtle`) for X25519, Ed25519,
 * HMAC-SHA256, HKDF-SHA256, SHA-512 and AES-256-GCM; the `noble` provider's pure-JS functions for
 * what WebCrypto lacks (BLAKE2b, ChaCha20-Poly1305, XChaCha20-Poly1305, the Ed25519 → X25519 map).
 *
 * Ed25519 verification must be strict RFC 8032 (hardening.md §2). WebCrypto's passes all 151
 * Wycheproof ed25519 cases on Deno 2.9 and Node 20, but the Web Crypto spec does not require
 * strictness, so the first verification runs a self-check on two published non-strict cases
 * (Wycheproof tcIds 151 and 63); a runtime that accepts either verifies with @noble/curves instead.
 *
 * The native option on Cloudflare workerd (no native add-ons there); it imports nothing from
 * `node:`. Every WebCrypto call is asynchronous, so most methods return promises.
 *
 * @module
 */

import { fromBase64, fromHex, isAllZero, wipe } from "../bytes.ts";
import { AES_GCM_TAG_BYTES, ED25519_KEY_BYTES, X25519_KEY_BYTES } from "../constants.ts";
import { ProtocolError } from "../errors.ts";
import { systemRng } from "../rng.ts";
import { clampX25519, nobleProvider } from "./noble.ts";
import type { CryptoProvider } from "./provider.ts";

/** PKCS #8 v1 prefix of a bare 32-byte X25519 private key, OID 1.3.101.110 (RFC 8410 §7). */
const PKCS8_X25519_PREFIX: Uint8Array = fromHex("302e020100300506032b656e04220420");
/** PKCS #8 v1 prefix of a bare 32-byte Ed25519 seed, OID 1.3.101.112 (RFC 8410 §7). */
const PKCS8_ED25519_PREFIX: Uint8Array = fromHex("302e020100300506032b657004220420");
/** X25519 base point u = 9 (RFC 7748 §4.1), a key every X25519-capable WebCrypto imports. */
const X25519_BASE_POINT = new Uint8Array(X25519_KEY_BYTES).fill(9, 0, 1);
/** Ed25519 base point B encoded (RFC 8032 §5.1: y = 4/5), a key every Ed25519-capable WebCrypto imports. */
const ED25519_BASE_POINT = new Uint8Array(ED25519_KEY_BYTES).fill(0x66).fill(0x58, 0, 1);
/** X25519 output length in bits, for `deriveBits`. */
const X25519_BITS = X25519_KEY_BYTES * 8;
/** AES-GCM tag length in bits, for WebCrypto's parameters. */
const AES_GCM_TAG_BITS = AES_GCM_TAG_BYTES * 8;
/** SHA-256 output length (FIPS 180-4). */
const SHA256_BYTES = 32;
/** SHA-256 block length: an empty HMAC key is equivalent to this many zero bytes (RFC 2104 §2). */
const SHA256_BLOCK_BYTES = 64;
/** Longest HKDF-SHA256 output: 255 × HashLen (RFC 5869 §2.3). */
const HKDF_SHA256_MAX_BYTES = 255 * SHA256_BYTES;
/** Ed25519 signature length (RFC 8032 §5.1.6). */
const ED25519_SIGNATURE_BYTES = 64;

/**
 * Signatures a strict RFC 8032 verifier must refuse and a lenient one accepts (Wycheproof
 * ed25519_test.json, C2SP/wycheproof, Apache-2.0): tcId 151, R encodes y = 1 with the x sign bit
 * set (§5.1.3 decoding must fail); tcId 63, S replaced by S + L (§5.1.7 requires S < L).
 */
const STRICTNESS_PROBES: readonly { publicKey: string; message: string; signature: string }[] = [
  {
    publicKey: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    message: "313233343030",
    signature: "0100000000000000000000000000000000000000000000000000000000000080" +
      "c803ee1f2342aa96ff698a393d1ab5e66f3eda101d6d120b394c3fd32c117d0a",
  },
  {
    publicKey: "7d4d0e7f6153a69b6242b522abbee685fda4420f8834b108c3bdae369ef549fa",
    message: "54657374",
    signature: "7c38e026f29e14aabd059a0f2db8b0cd783040609a8be684db12f82a27774ab0" +
      "67654bce3832c2d76f8f6f5dafc08d9339d4eef676573336a5c51eb6f946b31d",
  },
  // Fuzz finding (fuzz/corpus/storage_auth/finding-webcrypto-small-order-key): the identity point
  // as public key and as R with S = 0 "verifies" any message unless small-order points are refused
  // (libsodium and noble with zip215: false refuse them).
  {
    publicKey: "0100000000000000000000000000000000000000000000000000000000000000",
    message: "616c6c69756d",
    signature: "0100000000000000000000000000000000000000000000000000000000000000" +
      "0000000000000000000000000000000000000000000000000000000000000000",
  },
];

const X25519_ALGORITHM = { name: "X25519" } as const;
const ED25519_ALGORITHM = { name: "Ed25519" } as const;
const HMAC_SHA256_ALGORITHM = { name: "HMAC", hash: "SHA-256" } as const;
/** HMAC key equivalent to the empty key, which WebCrypto refuses to import. */
const HMAC_EMPTY_KEY_EQUIVALENT = new Uint8Array(SHA256_BLOCK_BYTES);

/** A view of `bytes` typed for WebCrypto (TypeScript 6 wants an ArrayBuffer, not a shared one). */
function forSubtle(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? bytes as Uint8Array<ArrayBuffer> : new Uint8Array(bytes);
}

function decryptFailed(cause?: unknown): ProtocolError {
  return new ProtocolError(
    "DECRYPT_FAILED",
    "Cannot decrypt: authentication failed",
    cause === undefined ? undefined : { cause },
  );
}

/** Wrap a 32-byte secret in PKCS #8 and import it; the DER copy of the secret is wiped. */
async function importPkcs8(
  prefix: Uint8Array,
  secret: Uint8Array,
  algorithm: typeof X25519_ALGORITHM | typeof ED25519_ALGORITHM,
  extractable: boolean,
  usages: KeyUsage[],
): Promise<CryptoKey> {
  const der = new Uint8Array(prefix.length + secret.length);
  der.set(prefix);
  der.set(secret, prefix.length);
  try {
    return await crypto.subtle.importKey("pkcs8", der, algorithm, extractable, usages);
  } finally {
    wipe(der);
  }
}

/** The public half of a private OKP key (X25519 or Ed25519), read from its JWK `x` (RFC 8037). */
async function publicFromPrivate(key: CryptoKey): Promise<Uint8Array> {
  const { x } = await crypto.subtle.exportKey("jwk", key);
  if (typeof x !== "string") throw new TypeError('Cannot derive public key: WebCrypto JWK has no "x"');
  return fromBase64(x.replaceAll("-", "+").replaceAll("_", "/"));
}

async function x25519PublicKey(secret: Uint8Array): Promise<Uint8Array> {
  return publicFromPrivate(await importPkcs8(PKCS8_X25519_PREFIX, secret, X25519_ALGORITHM, true, ["deriveBits"]));
}

async function x25519(secret: Uint8Array, publicKey: Uint8Array): Promise<Uint8Array> {
  let shared: Uint8Array;
  try {
    const [own, peer] = await Promise.all([
      importPkcs8(PKCS8_X25519_PREFIX, secret, X25519_ALGORITHM, false, ["deriveBits"]),
      crypto.subtle.importKey("raw", forSubtle(publicKey), X25519_ALGORITHM, false, []),
    ]);
    // WebCrypto throws for an all-zero result (low-order peer key); the check below is belt and braces.
    shared = new Uint8Array(await crypto.subtle.deriveBits({ name: "X25519", public: peer }, own, X25519_BITS));
  } catch (cause) {
    throw new ProtocolError("KEY_AGREEMENT_FAILED", "Cannot agree key: low-order public key", { cause });
  }
  if (isAllZero(shared)) throw new ProtocolError("KEY_AGREEMENT_FAILED", "Cannot agree key: low-order public key");
  return shared;
}

async function hmacSha256(key: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  const raw = key.length === 0 ? HMAC_EMPTY_KEY_EQUIVALENT : forSubtle(key);
  const k = await crypto.subtle.importKey("raw", raw, HMAC_SHA256_ALGORITHM, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, forSubtle(message)));
}

async function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
  if (!Number.isInteger(length) || length < 0 || length > HKDF_SHA256_MAX_BYTES) {
    throw new RangeError(`Cannot derive key: HKDF-SHA256 length ${length} is outside 0–${HKDF_SHA256_MAX_BYTES}`);
  }
  if (length === 0) return new Uint8Array(0);
  const k = await crypto.subtle.importKey("raw", forSubtle(ikm), "HKDF", false, ["deriveBits"]);
  const params: HkdfParams = { name: "HKDF", hash: "SHA-256", salt: forSubtle(salt), info: forSubtle(info) };
  return new Uint8Array(await crypto.subtle.deriveBits(params, k, length * 8));
}

async function sha512(message: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-512", forSubtle(message)));
}

function gcmParams(iv: Uint8Array, aad?: Uint8Array): AesGcmParams {
  const params: AesGcmParams = { name: "AES-GCM", iv: forSubtle(iv), tagLength: AES_GCM_TAG_BITS };
  if (aad !== undefined) params.additionalData = forSubtle(aad);
  return params;
}

async function aesGcmSeal(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array) {
  const k = await crypto.subtle.importKey("raw", forSubtle(key), "AES-GCM", false, ["encrypt"]);
  return new Uint8Array(await crypto.subtle.encrypt(gcmParams(iv, aad), k, forSubtle(plaintext)));
}

async function aesGcmOpen(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array, aad?: Uint8Array) {
  if (sealed.length < AES_GCM_TAG_BYTES) throw decryptFailed();
  const k = await crypto.subtle.importKey("raw", forSubtle(key), "AES-GCM", false, ["decrypt"]);
  try {
    return new Uint8Array(await crypto.subtle.decrypt(gcmParams(iv, aad), k, forSubtle(sealed)));
  } catch (cause) {
    throw decryptFailed(cause);
  }
}

async function ed25519PublicKey(seed: Uint8Array): Promise<Uint8Array> {
  return publicFromPrivate(await importPkcs8(PKCS8_ED25519_PREFIX, seed, ED25519_ALGORITHM, true, ["sign"]));
}

async function ed25519Sign(seed: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  const k = await importPkcs8(PKCS8_ED25519_PREFIX, seed, ED25519_ALGORITHM, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign(ED25519_ALGORITHM, k, forSubtle(message)));
}

/**
 * Ed25519 verification through WebCrypto alone, without the strictness self-check (the provider's
 * `ed25519Verify` adds it). Exported so the Wycheproof test can hold WebCrypto itself to RFC 8032.
 *
 * @param publicKey 32-byte Ed25519 public key
 * @param message signed bytes
 * @param signature 64-byte signature
 * @returns whether WebCrypto accepts the signature; false on any error
 * @example WebCrypto verifies a good signature
 * ```ts
 * import { webcryptoEd25519Verify, webcryptoProvider } from "./webcrypto.ts";
 * const seed = new Uint8Array(32).fill(7);
 * const message = new Uint8Array([1, 2, 3]);
 * const signature = await webcryptoProvider.ed25519Sign(seed, message);
 * const publicKey = await webcryptoProvider.ed25519PublicKey(seed);
 * if (!(await webcryptoEd25519Verify(publicKey, message, signature))) throw new Error("rejected");
 * ```
 */
export async function webcryptoEd25519Verify(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (signature.length !== ED25519_SIGNATURE_BYTES || publicKey.length !== ED25519_KEY_BYTES) return false;
  try {
    const k = await crypto.subtle.importKey("raw", forSubtle(publicKey), ED25519_ALGORITHM, false, ["verify"]);
    return await crypto.subtle.verify(ED25519_ALGORITHM, k, forSubtle(signature), forSubtle(message));
  } catch {
    return false;
  }
}

let webVerifyIsStrict: Promise<boolean> | undefined;

/**
 * Whether this runtime's WebCrypto refuses two known non-strict signatures (Wycheproof ed25519 tcIds 151, 63); computed once.
 *
 * @returns true when WebCrypto's Ed25519 verification can be used as strict RFC 8032
 * @example
 * ```ts
 * import { webcryptoEd25519IsStrict } from "./webcrypto.ts";
 * console.log("WebCrypto Ed25519 verify is strict here:", await webcryptoEd25519IsStrict());
 * ```
 */
export function webcryptoEd25519IsStrict(): Promise<boolean> {
  webVerifyIsStrict ??= (async () => {
    for (const probe of STRICTNESS_PROBES) {
      const accepted = await webcryptoEd25519Verify(
        fromHex(probe.publicKey),
        fromHex(probe.message),
        fromHex(probe.signature),
      );
      if (accepted) return false;
    }
    return true;
  })();
  return webVerifyIsStrict;
}

async function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  return (await webcryptoEd25519IsStrict())
    ? webcryptoEd25519Verify(publicKey, message, signature)
    : nobleProvider.ed25519Verify(publicKey, message, signature);
}

async function ed25519SeedToX25519Secret(seed: Uint8Array): Promise<Uint8Array> {
  const digest = await sha512(seed);
  const secret = clampX25519(digest.slice(0, X25519_KEY_BYTES));
  wipe(digest);
  return secret;
}

/**
 * The WebCrypto provider (with @noble/* for BLAKE2b, the ChaCha20 AEADs and the Ed25519 → X25519
 * map). Use {@link loadWebcryptoProvider} to learn whether this
 * runtime's WebCrypto has X25519 and Ed25519 before relying on it.
 *
 * @example Key agreement
 * ```ts
 * import { webcryptoProvider } from "./webcrypto.ts";
 * const a = new Uint8Array(32).fill(1);
 * const b = new Uint8Array(32).fill(2);
 * const ab = await webcryptoProvider.x25519(a, await webcryptoProvider.x25519PublicKey(b));
 * const ba = await webcryptoProvider.x25519(b, await webcryptoProvider.x25519PublicKey(a));
 * if (ab.join() !== ba.join()) throw new Error("shared secrets differ");
 * ```
 */
export const webcryptoProvider: CryptoProvider = Object.freeze<CryptoProvider>({
  name: "webcrypto",
  backends: Object.freeze({
    random: "WebCrypto",
    x25519: "WebCrypto",
    ed25519: "WebCrypto (verify: @noble/curves where WebCrypto fails the strict RFC 8032 self-check)",
    ed25519ToX25519: "@noble/curves",
    sha512: "WebCrypto",
    hmac: "WebCrypto",
    hkdf: "WebCrypto",
    aesGcm: "WebCrypto",
    blake2b: "@noble/hashes",
    chacha: "@noble/ciphers",
    xchacha: "@noble/ciphers",
  }),
  randomBytes: (n: number) => systemRng.fill(new Uint8Array(n)),
  x25519PublicKey,
  x25519,
  hmacSha256,
  hkdfSha256,
  sha512,
  blake2b: nobleProvider.blake2b,
  aesGcmSeal,
  aesGcmOpen,
  chachaSeal: nobleProvider.chachaSeal,
  chachaOpen: nobleProvider.chachaOpen,
  xchachaSeal: nobleProvider.xchachaSeal,
  xchachaOpen: nobleProvider.xchachaOpen,
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  ed25519PublicToX25519: nobleProvider.ed25519PublicToX25519,
  ed25519SeedToX25519Secret,
});

let probing: Promise<CryptoProvider | undefined> | undefined;

/**
 * The WebCrypto provider if this runtime's `crypto.subtle` supports X25519 and Ed25519 (Deno,
 * Node ≥ 20, Bun, workerd), else `undefined`. Never rejects; the result is cached.
 *
 * @returns the provider, or undefined on this runtime
 * @example Falling back when WebCrypto lacks X25519
 * ```ts
 * import { loadWebcryptoProvider } from "./webcrypto.ts";
 * import { nobleProvider } from "./noble.ts";
 * const provider = (await loadWebcryptoProvider()) ?? nobleProvider;
 * if ((await provider.sha512(new Uint8Array(0))).length !== 64) throw new Error("bad digest");
 * ```
 */
export function loadWebcryptoProvider(): Promise<CryptoProvider | undefined> {
  probing ??= (async () => {
    try {
      await crypto.subtle.importKey("raw", X25519_BASE_POINT, X25519_ALGORITHM, false, []);
      await crypto.subtle.importKey("raw", ED25519_BASE_POINT, ED25519_ALGORITHM, false, ["verify"]);
      return webcryptoProvider;
    } catch {
      return undefined;
    }
  })();
  return probing;
}
