/**
 * Seeded randomness for property cases: the same family and seed always give the same cases, so
 * a failure is reproduced with `--seed`. Private to `families/`.
 *
 * @module
 */

import { seededRng } from "../../../protocol/_testing/seeded_rng.ts";

/** Random choices drawn from one seed. */
export interface PropertyRng {
  /** `n` random bytes. */
  bytes(n: number): Uint8Array;
  /** An integer in `[0, n)`. */
  int(n: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** A random unsigned 64-bit integer. */
  u64(): bigint;
}

/**
 * The randomness of one family's property cases.
 *
 * @param family the family name
 * @param seed the run's seed
 * @returns the rng
 */
export function propertyRng(family: string, seed: number): PropertyRng {
  const rng = seededRng(`allium/conformance/property/${family}/${seed}`);
  const bytes = (n: number) => rng.fill(new Uint8Array(n));
  const u32 = () => new DataView(bytes(4).buffer).getUint32(0);
  return {
    bytes,
    int: (n) => (n <= 1 ? 0 : u32() % n),
    pick: (items) => items[u32() % items.length],
    u64: () => new DataView(bytes(8).buffer).getBigUint64(0),
  };
}

/**
 * A copy of `bytes` with one random bit flipped.
 *
 * @param rng randomness
 * @param bytes non-empty input (not modified)
 * @param from first byte that may change (default 0)
 * @returns the copy
 */
export function flipRandomBit(rng: PropertyRng, bytes: Uint8Array, from = 0): Uint8Array {
  const out = bytes.slice();
  out[from + rng.int(bytes.length - from)] ^= 1 << rng.int(8);
  return out;
}
