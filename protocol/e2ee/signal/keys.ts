/**
 * Curve25519 key pairs of the Signal-family protocol (e2ee.md §2.1): identity keys, signed and
 * one-time prekeys, base (ephemeral) keys and ratchet keys are all X25519 key pairs. Public keys
 * are kept raw (32 bytes) in memory and encoded as 33-byte `0x05 ‖ key` on the wire and in MAC
 * inputs (`djbPublicKey` / `parseDjbPublicKey` in `protocol/crypto/xeddsa.ts`).
 *
 * @module
 */

import { defaultProvider } from "../../crypto/default.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import { SecretKey } from "../../crypto/secret_key.ts";
import type { Rng } from "../../rng.ts";
import { X25519_KEY_BYTES } from "../../constants.ts";

/** An X25519 key pair. The secret never prints (style.md rule 7). */
export interface KeyPair {
  /** The 32-byte public key (no `0x05` prefix). */
  readonly publicKey: Uint8Array;
  /** The 32-byte secret. */
  readonly secretKey: SecretKey;
}

/** Options of {@link generateKeyPair}. */
export interface GenerateKeyPairOptions {
  /** Source of the secret. */
  rng: Rng;
  /** Crypto provider; defaults to {@link defaultProvider}. */
  provider?: CryptoProvider;
}

/** Options of {@link keyPairFromSecret}. */
export interface KeyPairOptions {
  /** Crypto provider; defaults to {@link defaultProvider}. */
  provider?: CryptoProvider;
}

/**
 * A key pair for a known 32-byte X25519 secret (for example the X25519 key of a Session identity,
 * e2ee.md §1.1, used as the X3DH identity key §2.1).
 *
 * @param secret 32-byte X25519 secret (copied)
 * @param options provider
 * @returns the key pair
 * @throws {TypeError | RangeError} when the secret is not 32 bytes
 * @example
 * ```ts
 * import { keyPairFromSecret } from "./keys.ts";
 * const pair = await keyPairFromSecret(new Uint8Array(32).fill(1));
 * if (pair.publicKey.length !== 32 || JSON.stringify(pair.secretKey) !== '"[SecretKey]"') throw new Error("bad");
 * ```
 */
export async function keyPairFromSecret(secret: Uint8Array, options: KeyPairOptions = {}): Promise<KeyPair> {
  if (!(secret instanceof Uint8Array)) throw new TypeError("Cannot make key pair: secret is not a Uint8Array");
  if (secret.length !== X25519_KEY_BYTES) {
    throw new RangeError(`Cannot make key pair: secret is ${secret.length} bytes, expected ${X25519_KEY_BYTES}`);
  }
  const provider = options.provider ?? await defaultProvider();
  const own = secret.slice();
  return Object.freeze({ publicKey: await provider.x25519PublicKey(own), secretKey: new SecretKey(own) });
}

/**
 * A fresh key pair from `options.rng`.
 *
 * @param options `rng`, provider
 * @returns the key pair
 * @throws {TypeError} when `rng` is missing
 * @example
 * ```ts
 * import { generateKeyPair } from "./keys.ts";
 * import { systemRng } from "../../rng.ts";
 * const pair = await generateKeyPair({ rng: systemRng });
 * if (pair.publicKey.length !== 32) throw new Error("bad");
 * ```
 */
export async function generateKeyPair(options: GenerateKeyPairOptions): Promise<KeyPair> {
  if (typeof options?.rng?.fill !== "function") throw new TypeError("Cannot generate key pair: rng is missing");
  const secret = options.rng.fill(new Uint8Array(X25519_KEY_BYTES));
  try {
    return await keyPairFromSecret(secret, options);
  } finally {
    secret.fill(0);
  }
}
