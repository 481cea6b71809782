/**
 * Randomness is an argument: every function in `protocol/` that needs entropy takes an
 * {@link Rng}. Tests pass a seeded one (`protocol/_testing/`), applications the system one.
 *
 * @module
 */

/** A source of random bytes. */
export interface Rng {
  /** Fill `bytes` with random bytes and return it. */
  fill(bytes: Uint8Array): Uint8Array;
}

/** WebCrypto's `getRandomValues` fills at most 65,536 bytes per call. */
const GET_RANDOM_VALUES_MAX = 65536;

/**
 * The operating system's CSPRNG through WebCrypto (`crypto.getRandomValues`), on every runtime.
 *
 * @example Fresh bytes
 * ```ts
 * import { systemRng } from "./rng.ts";
 * const nonce = systemRng.fill(new Uint8Array(24));
 * if (nonce.length !== 24) throw new Error("bad");
 * ```
 */
export const systemRng: Rng = Object.freeze({
  fill(bytes: Uint8Array): Uint8Array {
    for (let i = 0; i < bytes.length; i += GET_RANDOM_VALUES_MAX) {
      crypto.getRandomValues(bytes.subarray(i, Math.min(bytes.length, i + GET_RANDOM_VALUES_MAX)));
    }
    return bytes;
  },
});

/**
 * Fresh random bytes of length `n` from `rng`.
 *
 * @param rng source
 * @param n length
 * @returns a new array of `n` random bytes
 * @example
 * ```ts
 * import { randomBytes, systemRng } from "./rng.ts";
 * if (randomBytes(systemRng, 12).length !== 12) throw new Error("bad");
 * ```
 */
export function randomBytes(rng: Rng, n: number): Uint8Array {
  return rng.fill(new Uint8Array(n));
}
