/**
 * Chain-side swarm assignment and rebalancing (swarms-and-storage.md §3, oxen-core
 * `service_node_swarm.cpp` `calc_swarm_changes`). Consensus code: the result must equal the C++
 * reference bit for bit, so this follows it statement by statement, including the single
 * `mt19937_64` draw order, the libstdc++ `std::sort` of swarm sizes and a few unsigned-arithmetic
 * corners noted where they occur.
 *
 * Swarm maps are `Map<swarm id, node pubkeys>`; pubkeys are 64 lowercase hex digits and the order
 * of a member list is significant. Like the reference's `std::map`, swarms are always visited in
 * ascending id order, whatever the insertion order of the `Map`.
 *
 * @module
 */

import { MersenneTwister64, type U64Source, uniformDistributionPortable } from "./mt19937_64.ts";
import { MAX_SWARM_ID, newSwarmId } from "./new_swarm_id.ts";
import { stdSort } from "./std_sort.ts";

/**
 * Swarm id of nodes not yet in a swarm, 2^64-1 (swarms-and-storage.md §1.3, §3.2).
 *
 * @example
 * ```ts
 * import { UNASSIGNED_SWARM_ID } from "./rebalance.ts";
 * if (UNASSIGNED_SWARM_ID !== 18446744073709551615n) throw new Error("bad");
 * ```
 */
export const UNASSIGNED_SWARM_ID: bigint = MAX_SWARM_ID + 1n;
/** A swarm below this size is starving, and dissolved if still below it after rebalancing (§3.1). */
export const MIN_SWARM_SIZE = 5;
/** Spare members a swarm should keep above the minimum (§3.1). */
export const IDEAL_SWARM_MARGIN = 2;
/** `MIN_SWARM_SIZE + IDEAL_SWARM_MARGIN` (§3.1). */
export const IDEAL_SWARM_SIZE: number = MIN_SWARM_SIZE + IDEAL_SWARM_MARGIN;
/** Size of a swarm created from excess nodes (§3.1). */
export const NEW_SWARM_SIZE: number = IDEAL_SWARM_SIZE;
/** Members above this count are "excess" (§3.1). */
export const EXCESS_BASE: number = MIN_SWARM_SIZE;
/** New nodes go into the smallest quarter of swarms (§3.1, §3.4 step 1). */
export const FILL_SWARM_LOWER_PERCENTILE = 25;
/** Members of a dissolved swarm go to the very smallest swarms (§3.1, §3.4 step 4). */
export const DECOMMISSIONED_REDISTRIBUTION_LOWER_PERCENTILE = 0;
/** Only the biggest quarter of swarms give nodes to starving ones (§3.1, §3.4 step 2). */
export const STEALING_SWARM_UPPER_PERCENTILE = 75;
/** Declared by the reference but not used by the algorithm; there is no size cap (§3.1, §13). */
export const MAX_SWARM_SIZE = 10;
/** Declared by the reference but not used by the algorithm (§3.1). */
export const SWARM_BUFFER = 5;

/** Percentiles are whole numbers of percent. */
const PERCENT = 100;
/** A 32-byte node pubkey in lowercase hex (§3.2). */
const PUBKEY_RE = /^[0-9a-f]{64}$/;
const ACTION = "Cannot calculate swarm changes";

/** A node in an excess pool and the swarm it would be taken from (oxen-core `excess_pool_snode`). */
interface PoolEntry {
  pubkey: string;
  swarmId: bigint;
}

/** Options of {@link assignNodes}. */
export interface AssignOptions {
  /** The generator shared by the whole calculation (one `mt19937_64` per block, §3.4). */
  rng: U64Source;
  /** Lower percentile of swarm sizes to place into, 0…100; defaults to {@link FILL_SWARM_LOWER_PERCENTILE}. */
  percentile?: number;
}

/**
 * Rebalance the chain's swarms for one block (swarms-and-storage.md §3.4, oxen-core
 * `calc_swarm_changes`): place unassigned nodes, let starving swarms steal from the richest,
 * split off new swarms from network-wide excess and dissolve swarms still below
 * {@link MIN_SWARM_SIZE}. The input is not modified.
 *
 * @param input swarm id → member pubkeys (64 lowercase hex digits, in the order the chain built
 *   them, §3.2); key {@link UNASSIGNED_SWARM_ID} holds nodes to place
 * @param seed the block seed, 0…2^64-1 (the first 8 bytes of the block hash, little-endian; §3.2)
 * @returns the new map, keys ascending, without an unassigned entry (empty when `input` is empty)
 * @throws {TypeError} when the map, an id, a member list, a pubkey or the seed has the wrong type
 * @throws {RangeError} when an id or the seed is out of range, a pubkey is not 64 lowercase hex
 *   digits or appears twice, or when fewer than 5 nodes remain spread over several swarms (the
 *   reference throws `std::out_of_range` there, after dissolving every swarm)
 * @example Seven new nodes form swarm 0
 * ```ts
 * import { calcSwarmChanges, UNASSIGNED_SWARM_ID } from "./rebalance.ts";
 * const nodes = Array.from({ length: 7 }, (_, i) => String(i).repeat(64));
 * const out = calcSwarmChanges(new Map([[UNASSIGNED_SWARM_ID, nodes]]), 0n);
 * if ([...out.keys()].join() !== "0" || out.get(0n)!.length !== 7) throw new Error("bad");
 * ```
 */
export function calcSwarmChanges(input: ReadonlyMap<bigint, readonly string[]>, seed: bigint): Map<bigint, string[]> {
  const swarms = copyChecked(input, true);
  if (typeof seed !== "bigint") throw new TypeError(`${ACTION}: seed is not a bigint`);
  if (seed < 0n || seed > UNASSIGNED_SWARM_ID) throw new RangeError(`${ACTION}: seed ${seed} is outside [0, 2^64)`);
  if (swarms.size === 0) return swarms;
  const rng = new MersenneTwister64(seed);

  const unassigned = swarms.get(UNASSIGNED_SWARM_ID) ?? [];
  swarms.delete(UNASSIGNED_SWARM_ID);
  // 0. Ensure there is always one swarm.
  if (swarms.size === 0) swarms.set(newSwarmId([]), []);
  // 1. Place newly registered (or recommissioned) nodes into the smallest quarter of swarms.
  assign(swarms, unassigned, rng, FILL_SWARM_LOWER_PERCENTILE);
  // 2. Robin Hood round.
  robinHood(swarms, rng);
  // 3. New swarm creation.
  createFromExcess(swarms, rng);
  // 4. Dissolve swarms still below the minimum, lowest id first, into the smallest swarms.
  if (swarms.size > 1) {
    for (;;) {
      const starving = ascendingIds(swarms).find((id) => swarms.get(id)!.length < MIN_SWARM_SIZE);
      if (starving === undefined) break;
      const members = swarms.get(starving)!;
      swarms.delete(starving);
      assign(swarms, members, rng, DECOMMISSIONED_REDISTRIBUTION_LOWER_PERCENTILE);
    }
  }
  const out = new Map<bigint, string[]>();
  for (const id of ascendingIds(swarms)) out.set(id, swarms.get(id)!);
  return out;
}

/**
 * Place nodes one at a time into a random swarm among the smallest ones (oxen-core
 * `assign_snodes`, swarms-and-storage.md §3.4 step 1), running {@link createNewSwarmFromExcess}
 * after each placement. Modifies `swarms` in place.
 *
 * @param swarms the current swarms (no unassigned entry); modified in place
 * @param nodes pubkeys to place, in order
 * @param options the shared generator and the percentile
 * @throws {TypeError} on wrongly typed swarms, nodes or options
 * @throws {RangeError} on an out-of-range id or percentile, or when there is no swarm to place into
 * @example Upstream `assign_snodes`: one node into the smaller of two swarms
 * ```ts
 * import { assignNodes } from "./rebalance.ts";
 * import { MersenneTwister64 } from "./mt19937_64.ts";
 * const swarms = new Map([[0n, ["a".repeat(64), "b".repeat(64)]], [1n, ["c".repeat(64)]]]);
 * assignNodes(swarms, ["d".repeat(64)], { rng: new MersenneTwister64(42n) });
 * if (swarms.get(1n)!.length !== 2) throw new Error("bad");
 * ```
 */
export function assignNodes(
  swarms: Map<bigint, string[]>,
  nodes: readonly string[],
  options: AssignOptions,
): void {
  checkSwarms(swarms);
  checkMembers(nodes, "nodes");
  const { rng, percentile = FILL_SWARM_LOWER_PERCENTILE } = options ?? {};
  if (typeof rng?.next !== "function") throw new TypeError("Cannot assign nodes: options.rng has no next()");
  if (!Number.isInteger(percentile) || percentile < 0 || percentile > PERCENT) {
    throw new RangeError(`Cannot assign nodes: percentile ${percentile} is not an integer in [0, ${PERCENT}]`);
  }
  assign(swarms, [...nodes], rng, percentile);
}

/**
 * While the network-wide excess reaches the threshold, take {@link NEW_SWARM_SIZE} random excess
 * nodes and form a new swarm in the middle of the largest id gap (oxen-core
 * `create_new_swarm_from_excess`, swarms-and-storage.md §3.4 step 3). Does nothing while any swarm
 * is starving. Modifies `swarms` in place.
 *
 * @param swarms the current swarms (no unassigned entry); modified in place
 * @param rng the shared generator
 * @throws {TypeError} on wrongly typed swarms or rng
 * @throws {RangeError} on an out-of-range swarm id
 * @example Eleven swarms of five: no excess, nothing happens
 * ```ts
 * import { createNewSwarmFromExcess } from "./rebalance.ts";
 * import { MersenneTwister64 } from "./mt19937_64.ts";
 * const key = (n: number) => n.toString(16).padStart(64, "0");
 * const swarms = new Map(Array.from({ length: 11 }, (_, s) => [BigInt(s), [0, 1, 2, 3, 4].map((i) => key(5 * s + i))]));
 * createNewSwarmFromExcess(swarms, new MersenneTwister64(42n));
 * if (swarms.size !== 11) throw new Error("bad");
 * ```
 */
export function createNewSwarmFromExcess(swarms: Map<bigint, string[]>, rng: U64Source): void {
  checkSwarms(swarms);
  if (typeof rng?.next !== "function") throw new TypeError("Cannot create swarm from excess: rng has no next()");
  createFromExcess(swarms, rng);
}

/**
 * Network-wide excess: Σ max(0, size − {@link EXCESS_BASE}) (oxen-core `calc_excess`, §3.3).
 *
 * @param swarms the swarms
 * @returns the excess
 * @example
 * ```ts
 * import { calcExcess } from "./rebalance.ts";
 * if (calcExcess(new Map([[0n, ["a", "b"]], [1n, ["a", "b", "c", "d", "e", "f", "g"]]])) !== 2) throw new Error("bad");
 * ```
 */
export function calcExcess(swarms: ReadonlyMap<bigint, readonly string[]>): number {
  let excess = 0;
  for (const members of swarms.values()) excess += Math.max(members.length - EXCESS_BASE, 0);
  return excess;
}

/**
 * Excess needed to create a new swarm: `NEW_SWARM_SIZE + IDEAL_SWARM_MARGIN × swarm count`
 * (oxen-core `calc_threshold`, §3.3).
 *
 * @param swarms the swarms
 * @returns the threshold
 * @example
 * ```ts
 * import { calcThreshold } from "./rebalance.ts";
 * if (calcThreshold(new Map([[0n, []], [5n, []]])) !== 11) throw new Error("bad");
 * ```
 */
export function calcThreshold(swarms: ReadonlyMap<bigint, readonly string[]>): number {
  return NEW_SWARM_SIZE + swarms.size * IDEAL_SWARM_MARGIN;
}

// ---------------------------------------------------------------------------------------------
// Steps, unchecked (callers validated the map).

/** oxen-core `assign_snodes`. */
function assign(swarms: Map<bigint, string[]>, nodes: readonly string[], rng: U64Source, percentile: number): void {
  for (const node of nodes) {
    const sizes = sortedSwarmSizes(swarms);
    // The reference reads sizes.at(index) and throws std::out_of_range when no swarm is left.
    if (sizes.length === 0) throw new RangeError(`${ACTION}: no swarm left to place node ${node} into`);
    const percentileIndex = Math.floor((percentile * (sizes.length - 1)) / PERCENT);
    const percentileValue = sizes[percentileIndex].size;
    // Last index holding the percentile value.
    let upperIndex = sizes.length - 1;
    for (let i = percentileIndex; i < sizes.length; i++) {
      if (sizes[i].size > percentileValue) {
        upperIndex = i - 1;
        break;
      }
    }
    const pick = Number(uniformDistributionPortable(rng, upperIndex + 1));
    swarms.get(sizes[pick].id)!.push(node);
    createFromExcess(swarms, rng);
  }
}

/** §3.4 step 2: starving swarms, smallest first, steal from swarms above the 75th percentile. */
function robinHood(swarms: Map<bigint, string[]>, rng: U64Source): void {
  const sizes = sortedSwarmSizes(swarms); // computed once: the sizes below are deliberately stale
  for (const swarm of sizes) {
    if (swarm.size >= MIN_SWARM_SIZE) break;
    const poor = swarms.get(swarm.id)!;
    let insufficientExcess = false;
    do {
      const percentileIndex = Math.floor((STEALING_SWARM_UPPER_PERCENTILE * (sizes.length - 1)) / PERCENT);
      // size_t arithmetic: an empty swarm at the percentile makes `size - 1` wrap to 2^64-1, so
      // no swarm is above the threshold (Infinity stands in for it).
      const stale = sizes[percentileIndex].size;
      const threshold = Math.max(MIN_SWARM_SIZE, stale === 0 ? Infinity : stale - 1);
      const { pool, excess } = excessPool(threshold, swarms);
      // Also size_t: a deficit that would be negative wraps and can never be covered.
      const deficit = poor.length > MIN_SWARM_SIZE ? Infinity : MIN_SWARM_SIZE - poor.length;
      insufficientExcess = excess < deficit;
      if (insufficientExcess) break;
      const stolen = pickFromPool(pool, rng);
      removeFromSwarm(stolen, swarms);
      poor.push(stolen.pubkey);
    } while (poor.length < MIN_SWARM_SIZE);
    // Swarms are sorted by size, so the next starving swarm cannot be saved either.
    if (insufficientExcess) break;
  }
}

/** oxen-core `create_new_swarm_from_excess`. */
function createFromExcess(swarms: Map<bigint, string[]>, rng: U64Source): void {
  for (const members of swarms.values()) if (members.length < MIN_SWARM_SIZE) return;
  while (calcExcess(swarms) >= calcThreshold(swarms)) {
    const newSwarm: string[] = [];
    while (newSwarm.length < NEW_SWARM_SIZE) {
      const { pool } = excessPool(EXCESS_BASE, swarms);
      // Unreachable while excess ≥ threshold; the reference logs and returns, dropping the nodes
      // already taken.
      if (pool.length === 0) return;
      const picked = pickFromPool(pool, rng);
      newSwarm.push(picked.pubkey);
      removeFromSwarm(picked, swarms);
    }
    const id = newSwarmId(ascendingIds(swarms));
    // The reference's emplace fails silently (logging an error) if the id exists; it cannot.
    if (!swarms.has(id)) swarms.set(id, newSwarm);
  }
}

/**
 * oxen-core `get_excess_pool`: every member, in ascending swarm order, of the swarms larger than
 * `threshold`, and Σ(size − MIN_SWARM_SIZE) over those swarms.
 */
function excessPool(threshold: number, swarms: ReadonlyMap<bigint, readonly string[]>): {
  pool: PoolEntry[];
  excess: number;
} {
  const pool: PoolEntry[] = [];
  let excess = 0;
  if (threshold < MIN_SWARM_SIZE) return { pool, excess };
  for (const swarmId of ascendingIds(swarms)) {
    const members = swarms.get(swarmId)!;
    if (members.length > threshold) {
      excess += members.length - MIN_SWARM_SIZE;
      for (const pubkey of members) pool.push({ pubkey, swarmId });
    }
  }
  return { pool, excess };
}

/** oxen-core `pick_from_excess_pool`. */
function pickFromPool(pool: readonly PoolEntry[], rng: U64Source): PoolEntry {
  return pool[Number(uniformDistributionPortable(rng, pool.length))];
}

/** oxen-core `remove_excess_snode_from_swarm` (erase-remove: every copy, others keep their order). */
function removeFromSwarm(entry: PoolEntry, swarms: Map<bigint, string[]>): void {
  const members = swarms.get(entry.swarmId)!;
  let w = 0;
  for (const m of members) if (m !== entry.pubkey) members[w++] = m;
  members.length = w;
}

/** oxen-core `calc_swarm_sizes`: (id, size) in ascending id order, then libstdc++ `std::sort` by size. */
function sortedSwarmSizes(swarms: ReadonlyMap<bigint, readonly string[]>): { id: bigint; size: number }[] {
  const sizes = ascendingIds(swarms).map((id) => ({ id, size: swarms.get(id)!.length }));
  return stdSort(sizes, (a, b) => a.size < b.size);
}

function ascendingIds(swarms: ReadonlyMap<bigint, unknown>): bigint[] {
  return [...swarms.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Argument checks.

/** Copy a map, checking ids, pubkeys and uniqueness. */
function copyChecked(input: ReadonlyMap<bigint, readonly string[]>, allowUnassigned: boolean): Map<bigint, string[]> {
  if (!(input instanceof Map)) throw new TypeError(`${ACTION}: input is not a Map`);
  const out = new Map<bigint, string[]>();
  const seen = new Set<string>();
  for (const [id, members] of input) {
    checkId(id, allowUnassigned);
    checkMembers(members, `swarm ${id}`);
    for (const m of members) {
      if (seen.has(m)) throw new RangeError(`${ACTION}: node "${m}" appears twice`);
      seen.add(m);
    }
    out.set(id, [...members]);
  }
  return out;
}

function checkSwarms(swarms: Map<bigint, string[]>): void {
  if (!(swarms instanceof Map)) throw new TypeError(`${ACTION}: swarms is not a Map`);
  for (const [id, members] of swarms) {
    checkId(id, false);
    checkMembers(members, `swarm ${id}`);
  }
}

function checkId(id: unknown, allowUnassigned: boolean): void {
  if (typeof id !== "bigint") throw new TypeError(`${ACTION}: swarm id ${String(id)} is not a bigint`);
  const max = allowUnassigned ? UNASSIGNED_SWARM_ID : MAX_SWARM_ID;
  if (id < 0n || id > max) throw new RangeError(`${ACTION}: swarm id ${id} is outside [0, ${max}]`);
}

function checkMembers(members: unknown, what: string): void {
  if (!Array.isArray(members)) throw new TypeError(`${ACTION}: ${what} is not an array`);
  for (const m of members) {
    if (typeof m !== "string") throw new TypeError(`${ACTION}: ${what} holds a non-string member`);
    if (!PUBKEY_RE.test(m)) throw new RangeError(`${ACTION}: "${m}" in ${what} is not 64 lowercase hex digits`);
  }
}
