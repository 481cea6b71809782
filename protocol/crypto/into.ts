/**
 * Writing a provider's result into the caller's array (`provider.ts`, output arrays): each helper
 * passes `out` to the primitive and, when the provider returned another array instead (noble,
 * webcrypto, a wrapper that drops the argument), copies it in and wipes it when it held secret
 * material. Every helper returns `undefined` when the work is done, or a promise when the provider
 * answered asynchronously, so hot paths await only when they must:
 *
 * ```ts ignore
 * const pending = x25519Into(provider, out, secret, publicKey);
 * if (pending !== undefined) await pending;
 * ```
 *
 * @module
 */

import { wipe } from "../bytes.ts";
import type { CryptoProvider, MaybePromise } from "./provider.ts";

/** Work still running on an asynchronous provider, or `undefined` when it is finished. */
export type Pending = Promise<void> | undefined;

/** Make sure `value` ends up in `out` (wiping a separate `value` when secret), now or when it settles. */
function landIn(out: Uint8Array, value: MaybePromise<Uint8Array>, secret: boolean): Pending {
  if (value instanceof Promise) return value.then((v) => copyInto(out, v, secret));
  copyInto(out, value, secret);
  return undefined;
}

function copyInto(out: Uint8Array, value: Uint8Array, secret: boolean): void {
  if (value === out) return;
  out.set(value);
  if (secret) wipe(value);
}

/**
 * X25519 public key of `secret` into `out` (32 bytes).
 *
 * @param provider the crypto provider
 * @param out destination, 32 bytes
 * @param secret the 32-byte secret
 * @returns `undefined` when done, or a promise for an asynchronous provider
 * @example
 * ```ts
 * import { x25519PublicKeyInto } from "./into.ts";
 * import { nobleProvider } from "./noble.ts";
 * const out = new Uint8Array(32);
 * await x25519PublicKeyInto(nobleProvider, out, new Uint8Array(32).fill(1));
 * if (out.every((b) => b === 0)) throw new Error("nothing written");
 * ```
 */
export function x25519PublicKeyInto(provider: CryptoProvider, out: Uint8Array, secret: Uint8Array): Pending {
  return landIn(out, provider.x25519PublicKey(secret, out), false);
}

/**
 * X25519 shared secret into `out` (32 bytes); throws (or rejects with) `KEY_AGREEMENT_FAILED` as
 * `provider.x25519` does.
 *
 * @param provider the crypto provider
 * @param out destination, 32 bytes
 * @param secret our 32-byte secret
 * @param publicKey their 32-byte public key
 * @returns `undefined` when done, or a promise for an asynchronous provider
 * @throws {ProtocolError} `KEY_AGREEMENT_FAILED` for a low-order public key
 * @example
 * ```ts
 * import { x25519Into } from "./into.ts";
 * import { nobleProvider as p } from "./noble.ts";
 * const a = new Uint8Array(32).fill(1), b = new Uint8Array(32).fill(2);
 * const out = new Uint8Array(32);
 * await x25519Into(p, out, a, await p.x25519PublicKey(b));
 * if (out.join() !== (await p.x25519(b, await p.x25519PublicKey(a))).join()) throw new Error("bad");
 * ```
 */
export function x25519Into(
  provider: CryptoProvider,
  out: Uint8Array,
  secret: Uint8Array,
  publicKey: Uint8Array,
): Pending {
  return landIn(out, provider.x25519(secret, publicKey, out), true);
}

/**
 * HMAC-SHA256 into `out` (32 bytes).
 *
 * @param provider the crypto provider
 * @param out destination, 32 bytes
 * @param key the HMAC key
 * @param message the message
 * @returns `undefined` when done, or a promise for an asynchronous provider
 * @example
 * ```ts
 * import { hmacSha256Into } from "./into.ts";
 * import { nobleProvider as p } from "./noble.ts";
 * const out = new Uint8Array(32);
 * await hmacSha256Into(p, out, new Uint8Array([1]), new Uint8Array([2]));
 * if (out.join() !== (await p.hmacSha256(new Uint8Array([1]), new Uint8Array([2]))).join()) throw new Error("bad");
 * ```
 */
export function hmacSha256Into(
  provider: CryptoProvider,
  out: Uint8Array,
  key: Uint8Array,
  message: Uint8Array,
): Pending {
  return landIn(out, provider.hmacSha256(key, message, out), true);
}

/**
 * Unkeyed BLAKE2b with output length `out.length` into `out`.
 *
 * @param provider the crypto provider
 * @param out destination, 16–64 bytes
 * @param message the message
 * @returns `undefined` when done, or a promise for an asynchronous provider
 * @example
 * ```ts
 * import { blake2bInto } from "./into.ts";
 * import { nobleProvider as p } from "./noble.ts";
 * const out = new Uint8Array(32);
 * await blake2bInto(p, out, new Uint8Array([1, 2, 3]));
 * if (out.join() !== (await p.blake2b(new Uint8Array([1, 2, 3]), 32)).join()) throw new Error("bad");
 * ```
 */
export function blake2bInto(provider: CryptoProvider, out: Uint8Array, message: Uint8Array): Pending {
  return landIn(out, provider.blake2b(message, out.length, undefined, out), true);
}

/**
 * AES-256-GCM seal into `out` (`plaintext.length + 16` bytes); `out` may start where `plaintext`
 * starts (in place).
 *
 * @param provider the crypto provider
 * @param out destination: `ciphertext ‖ tag`
 * @param key 32-byte key
 * @param iv 12-byte IV
 * @param plaintext the plaintext
 * @returns `undefined` when done, or a promise for an asynchronous provider
 * @example Sealing in place
 * ```ts
 * import { aesGcmSealInto } from "./into.ts";
 * import { nobleProvider as p } from "./noble.ts";
 * const key = new Uint8Array(32), iv = new Uint8Array(12);
 * const buf = new Uint8Array(3 + 16);
 * buf.set([1, 2, 3]);
 * const expected = await p.aesGcmSeal(key, iv, buf.subarray(0, 3));
 * await aesGcmSealInto(p, buf, key, iv, buf.subarray(0, 3));
 * if (buf.join() !== expected.join()) throw new Error("bad");
 * ```
 */
export function aesGcmSealInto(
  provider: CryptoProvider,
  out: Uint8Array,
  key: Uint8Array,
  iv: Uint8Array,
  plaintext: Uint8Array,
): Pending {
  return landIn(out, provider.aesGcmSeal(key, iv, plaintext, undefined, out), false);
}

/**
 * XChaCha20-Poly1305 seal into `out` (`plaintext.length + 16` bytes); `out` may start where
 * `plaintext` starts (in place).
 *
 * @param provider the crypto provider
 * @param out destination: `ciphertext ‖ tag`
 * @param key 32-byte key
 * @param nonce 24-byte nonce
 * @param plaintext the plaintext
 * @returns `undefined` when done, or a promise for an asynchronous provider
 * @example
 * ```ts
 * import { xchachaSealInto } from "./into.ts";
 * import { nobleProvider as p } from "./noble.ts";
 * const key = new Uint8Array(32), nonce = new Uint8Array(24);
 * const out = new Uint8Array(1 + 16);
 * await xchachaSealInto(p, out, key, nonce, new Uint8Array([7]));
 * if ((await p.xchachaOpen(key, nonce, out))[0] !== 7) throw new Error("bad");
 * ```
 */
export function xchachaSealInto(
  provider: CryptoProvider,
  out: Uint8Array,
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
): Pending {
  return landIn(out, provider.xchachaSeal(key, nonce, plaintext, undefined, out), false);
}
