/**
 * Deterministic randomness for tests and vector generation: ChaCha20 keystream from a seed.
 *
 * @module
 */

import { chacha20 } from "@noble/ciphers/chacha.js";
import type { Rng } from "../rng.ts";

/**
 * A reproducible {@link Rng}: the ChaCha20 keystream of `seed` (any string), consumed in order.
 *
 * @param seed any text; the same seed gives the same bytes
 * @returns an Rng
 */
export function seededRng(seed: string): Rng {
  const key = new Uint8Array(32);
  const s = new TextEncoder().encode(seed);
  for (let i = 0; i < s.length; i++) key[i % 32] ^= s[i];
  const nonce = new Uint8Array(12);
  let counter = 0;
  let buf = new Uint8Array(0);
  let pos = 0;
  return {
    fill(bytes: Uint8Array): Uint8Array {
      for (let i = 0; i < bytes.length; i++) {
        if (pos === buf.length) {
          buf = chacha20(key, nonce, new Uint8Array(4096), undefined, counter);
          counter += 64;
          pos = 0;
        }
        bytes[i] = buf[pos++];
      }
      return bytes;
    },
  };
}

/**
 * An {@link Rng} that returns the given byte strings in order, then throws: used to replay the
 * exact ephemeral keys and nonces of a published vector.
 *
 * @param chunks the bytes each `fill` call must return, in call order
 * @returns an Rng that checks each request's length
 */
export function scriptedRng(chunks: Uint8Array[]): Rng & { remaining(): number } {
  let i = 0;
  return {
    fill(bytes: Uint8Array): Uint8Array {
      const next = chunks[i++];
      if (!next) throw new Error(`scriptedRng: call ${i} has no scripted bytes`);
      if (next.length !== bytes.length) {
        throw new Error(`scriptedRng: call ${i} wants ${bytes.length} bytes, script has ${next.length}`);
      }
      bytes.set(next);
      return bytes;
    },
    remaining: () => chunks.length - i,
  };
}
