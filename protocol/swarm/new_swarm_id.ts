/**
 * The chain's choice of an id for a newly created swarm (swarms-and-storage.md §3.3, oxen-core
 * `get_new_swarm_id`): the midpoint of the largest gap between existing ids on the ring
 * `0 … MAX_ID`, where `MAX_ID` and `0` are adjacent.
 *
 * @module
 */

/** Bit width of a swarm id (swarms-and-storage.md §1.3). */
const SWARM_ID_BITS = 64n;

/**
 * Largest usable swarm id, 2^64-2; 2^64-1 is the "unassigned" marker (swarms-and-storage.md §1.3,
 * oxen-core `MAX_ID`).
 *
 * @example
 * ```ts
 * import { MAX_SWARM_ID } from "./new_swarm_id.ts";
 * if (MAX_SWARM_ID !== 18446744073709551614n) throw new Error("bad");
 * ```
 */
export const MAX_SWARM_ID: bigint = (1n << SWARM_ID_BITS) - 2n;

const ACTION = "Cannot choose new swarm id";

/**
 * The id the chain gives a new swarm (swarms-and-storage.md §3.3 "new swarm id"). With no ids
 * the answer is 0. Otherwise take the largest gap between consecutive ascending ids (first one on
 * ties) and the wrap gap `MAX_ID - last + first + 1`, which wins only when strictly larger; the
 * result is the gap's low end plus `floor(gap / 2)`, wrapping past `MAX_ID` to 0.
 *
 * @param existingIds the current swarm ids, distinct, in any order (ascending input avoids a sort)
 * @returns the new id, in `[0, MAX_SWARM_ID]`
 * @throws {TypeError} when `existingIds` is not an array of bigints
 * @throws {RangeError} when an id is outside `[0, MAX_SWARM_ID]` or appears twice
 * @example The first four swarms
 * ```ts
 * import { MAX_SWARM_ID, newSwarmId } from "./new_swarm_id.ts";
 * const ids: bigint[] = [];
 * for (let i = 0; i < 4; i++) ids.push(newSwarmId(ids));
 * const expected = [0n, MAX_SWARM_ID / 2n, MAX_SWARM_ID / 2n + MAX_SWARM_ID / 4n + 1n, MAX_SWARM_ID / 4n];
 * if (ids.join() !== expected.join()) throw new Error("bad");
 * ```
 */
export function newSwarmId(existingIds: readonly bigint[]): bigint {
  const ids = ascendingDistinct(existingIds);
  const n = ids.length;
  if (n === 0) return 0n;
  let maxDist = 0n;
  let best = 0;
  for (let i = 0; i < n - 1; i++) {
    const dist = ids[i + 1] - ids[i];
    if (dist > maxDist) {
      maxDist = dist;
      best = i;
    }
  }
  // The wrap gap counts MAX_ID and 0 as one apart; it wins only when strictly larger.
  const wrapDist = MAX_SWARM_ID - ids[n - 1] + ids[0] + 1n;
  if (wrapDist > maxDist) {
    maxDist = wrapDist;
    best = n - 1;
  }
  const half = maxDist / 2n;
  const toMax = MAX_SWARM_ID - ids[best];
  return half > toMax ? half - toMax - 1n : ids[best] + half;
}

/** Validate ids and return them ascending (the input itself when already strictly ascending). */
function ascendingDistinct(existingIds: readonly bigint[]): readonly bigint[] {
  if (!Array.isArray(existingIds)) throw new TypeError(`${ACTION}: existing ids are not an array`);
  let sorted = true;
  for (let i = 0; i < existingIds.length; i++) {
    const id = existingIds[i];
    if (typeof id !== "bigint") throw new TypeError(`${ACTION}: id at index ${i} is not a bigint`);
    if (id < 0n || id > MAX_SWARM_ID) {
      throw new RangeError(`${ACTION}: id ${id} at index ${i} is outside [0, ${MAX_SWARM_ID}]`);
    }
    if (i > 0 && existingIds[i - 1] >= id) sorted = false;
  }
  if (sorted) return existingIds;
  const ids = [...existingIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (let i = 1; i < ids.length; i++) {
    if (ids[i] === ids[i - 1]) throw new RangeError(`${ACTION}: id ${ids[i]} appears twice`);
  }
  return ids;
}
