/**
 * Choosing onion paths (onion-requests.md §9): `hops` distinct nodes drawn uniformly at random,
 * never the destination, so no single node on the path sees both ends.
 *
 * @module
 */

import type { Rng } from "../mod.ts";

/** Bytes drawn per random index. */
const INDEX_BYTES = 4;
/** 2^32: the range of one draw. */
const DRAW_RANGE = 0x1_0000_0000;

/**
 * A uniform random integer in `0 … n-1` (rejection sampling, no modulo bias).
 *
 * @param rng randomness
 * @param n the range, 1 … 2^32
 * @returns the index
 * @throws {RangeError} when `n` is not an integer in 1 … 2^32
 * @example
 * ```ts
 * import { randomIndex } from "./path.ts";
 * import { systemRng } from "../mod.ts";
 * const i = randomIndex(systemRng, 5);
 * if (i < 0 || i > 4) throw new Error("bad");
 * ```
 */
export function randomIndex(rng: Rng, n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > DRAW_RANGE) {
    throw new RangeError(`Cannot draw index: range ${n} is not 1…2^32`);
  }
  const limit = DRAW_RANGE - (DRAW_RANGE % n);
  const bytes = new Uint8Array(INDEX_BYTES);
  for (;;) {
    rng.fill(bytes);
    const x = new DataView(bytes.buffer).getUint32(0, true);
    if (x < limit) return x % n;
  }
}

/**
 * Draw `hops` distinct nodes from `candidates`, leaving out every node whose key is in `exclude`.
 *
 * @param candidates the nodes to choose from (objects with an `ed25519` key)
 * @param options `hops` (path length), `exclude` (keys never used), `rng`
 * @returns the path, guard first
 * @throws {RangeError} when fewer than `hops` candidates remain
 * @example A 3-hop path that avoids the destination
 * ```ts
 * import { choosePath } from "./path.ts";
 * import { systemRng } from "../mod.ts";
 * const nodes = ["a", "b", "c", "d"].map((k) => ({ ed25519: k.repeat(64) }));
 * const path = choosePath(nodes, { hops: 3, exclude: ["a".repeat(64)], rng: systemRng });
 * if (path.length !== 3 || path.some((n) => n.ed25519 === "a".repeat(64))) throw new Error("bad");
 * ```
 */
export function choosePath<T extends { ed25519: string }>(
  candidates: readonly T[],
  options: { hops: number; exclude?: readonly string[]; rng: Rng },
): T[] {
  const excluded = new Set(options.exclude ?? []);
  const pool = candidates.filter((n) => !excluded.has(n.ed25519));
  if (pool.length < options.hops) {
    throw new RangeError(`Cannot choose path: ${options.hops} hops needed, ${pool.length} usable nodes`);
  }
  // Partial Fisher–Yates: the first `hops` entries are a uniform sample without replacement.
  for (let i = 0; i < options.hops; i++) {
    const j = i + randomIndex(options.rng, pool.length - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, options.hops);
}
