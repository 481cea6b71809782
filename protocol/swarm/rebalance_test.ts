import assert from "node:assert/strict";
import fc from "fast-check";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../_testing/vectors.ts";
import { MersenneTwister64 } from "./mt19937_64.ts";
import {
  assignNodes,
  calcExcess,
  calcSwarmChanges,
  calcThreshold,
  createNewSwarmFromExcess,
  DECOMMISSIONED_REDISTRIBUTION_LOWER_PERCENTILE,
  EXCESS_BASE,
  FILL_SWARM_LOWER_PERCENTILE,
  IDEAL_SWARM_MARGIN,
  IDEAL_SWARM_SIZE,
  MAX_SWARM_SIZE,
  MIN_SWARM_SIZE,
  NEW_SWARM_SIZE,
  STEALING_SWARM_UPPER_PERCENTILE,
  SWARM_BUFFER,
  UNASSIGNED_SWARM_ID,
} from "./rebalance.ts";

const FILE = "session/swarm-rebalance.json";
const skip = HAVE_VECTORS ? "" : ` (${SKIP_REASON})`;

/** A vector swarm map: `{ "<id>": [pubkey index, …] }`. */
type IndexMap = Record<string, number[]>;

function toMap(m: IndexMap, pubkeys: readonly string[]): Map<bigint, string[]> {
  return new Map(Object.entries(m).map(([id, members]) => [BigInt(id), members.map((i) => pubkeys[i])]));
}

/** Map back to indices, keeping key order (ascending is part of what is checked). */
function toIndexEntries(m: Map<bigint, string[]>, pubkeys: readonly string[]): [string, number[]][] {
  const index = new Map(pubkeys.map((pk, i) => [pk, i]));
  return [...m].map(([id, members]) => [String(id), members.map((pk) => index.get(pk)!)]);
}

function ascendingEntries(m: IndexMap): [string, number[]][] {
  return Object.entries(m).sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
}

/** The scenarios' `model` rule: drop removed nodes, add new ones as unassigned, sort every list by pubkey. */
function nextInput(prev: IndexMap, add: number[], remove: number[], pubkeys: readonly string[]): IndexMap {
  const gone = new Set(remove);
  const byPubkey = (a: number, b: number) => (pubkeys[a] < pubkeys[b] ? -1 : pubkeys[a] > pubkeys[b] ? 1 : 0);
  const out: IndexMap = {};
  for (const [id, members] of Object.entries(prev)) {
    const kept = members.filter((i) => !gone.has(i)).sort(byPubkey);
    if (kept.length > 0) out[id] = kept;
  }
  if (add.length > 0) out[String(UNASSIGNED_SWARM_ID)] = [...add].sort(byPubkey);
  return out;
}

Deno.test({
  name: `rebalance constants match the vectors${skip}`,
  ignore: !HAVE_VECTORS,
  fn() {
    const c = loadVectors(FILE).constants;
    assert.deepEqual(
      {
        MIN_SWARM_SIZE,
        IDEAL_SWARM_MARGIN,
        IDEAL_SWARM_SIZE,
        NEW_SWARM_SIZE,
        EXCESS_BASE,
        FILL_SWARM_LOWER_PERCENTILE,
        DECOMMISSIONED_REDISTRIBUTION_LOWER_PERCENTILE,
        STEALING_SWARM_UPPER_PERCENTILE,
        MAX_SWARM_SIZE_unused: MAX_SWARM_SIZE,
        SWARM_BUFFER_unused: SWARM_BUFFER,
        UNASSIGNED_SWARM_ID: String(UNASSIGNED_SWARM_ID),
      },
      c,
    );
  },
});

Deno.test({
  name: `assignNodes() matches unit.assign_snodes${skip}`,
  ignore: !HAVE_VECTORS,
  fn() {
    const u = loadVectors(FILE).unit;
    const v = u.assign_snodes;
    const swarms = toMap(v.input, u.pubkeys);
    const rng = new MersenneTwister64(BigInt(v.rng_seed));
    for (const node of v.added_one_at_a_time) {
      assignNodes(swarms, [u.pubkeys[node]], { rng, percentile: v.percentile });
    }
    assert.deepEqual(toIndexEntries(swarms, u.pubkeys), ascendingEntries(v.expected));
    reportCases(`${FILE} unit.assign_snodes`, { passed: 1 });
  },
});

Deno.test({
  name: `createNewSwarmFromExcess() matches unit.create_new_swarm_from_excess${skip}`,
  ignore: !HAVE_VECTORS,
  fn() {
    const u = loadVectors(FILE).unit;
    const v = u.create_new_swarm_from_excess;
    const pk = (i: number) => u.pubkeys[i];
    // Upstream calls 1 and 2: eleven swarms of five, then 28 extra nodes round-robin; no new swarm.
    const rng = new MersenneTwister64(BigInt(v.rng_seed));
    const swarms = new Map<bigint, string[]>();
    let next = 14;
    for (let s = 0; s < 11; s++) swarms.set(BigInt(s), Array.from({ length: 5 }, () => pk(next++)));
    createNewSwarmFromExcess(swarms, rng);
    assert.equal(swarms.size, v.count_after_call1);
    for (let i = 0; i < 28; i++) swarms.get(BigInt(i % 11))!.push(pk(next++));
    createNewSwarmFromExcess(swarms, rng);
    assert.equal(swarms.size, v.count_after_call2);
    // Call 3 as recorded, with a fresh generator (the first two calls draw nothing).
    const call3 = toMap(v.input_call3, u.pubkeys);
    createNewSwarmFromExcess(call3, new MersenneTwister64(BigInt(v.rng_seed)));
    const got = toIndexEntries(call3, u.pubkeys).sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : 1));
    assert.deepEqual(got, ascendingEntries(v.expected_call3));
    // And continuing from call 2 on the same generator gives the same result.
    swarms.get(1n)!.push(pk(next++));
    assert.deepEqual(toIndexEntries(swarms, u.pubkeys), Object.entries(v.input_call3));
    createNewSwarmFromExcess(swarms, rng);
    assert.deepEqual(toIndexEntries(swarms, u.pubkeys), Object.entries(v.expected_call3));
    reportCases(`${FILE} unit.create_new_swarm_from_excess`, { passed: 1 });
  },
});

Deno.test({
  name: `calcSwarmChanges() matches every chain_scenarios step, from input and from the model rule${skip}`,
  ignore: !HAVE_VECTORS,
  fn() {
    const counts: Record<string, number> = {};
    for (const sc of loadVectors(FILE).chain_scenarios) {
      let prev: IndexMap = {};
      let passed = 0;
      for (const [k, step] of sc.steps.entries()) {
        const where = `${sc.name} step ${k}`;
        const rebuilt = nextInput(prev, step.add, step.remove, sc.pubkeys);
        assert.deepEqual(ascendingEntries(rebuilt), ascendingEntries(step.input), `${where}: model rule`);
        const input = toMap(step.input, sc.pubkeys);
        const out = calcSwarmChanges(input, BigInt(step.seed));
        assert.deepEqual(toIndexEntries(out, sc.pubkeys), ascendingEntries(step.expected), where);
        assert.deepEqual(input, toMap(step.input, sc.pubkeys), `${where}: input untouched`);
        prev = step.expected;
        passed++;
      }
      counts[sc.name] = passed;
    }
    reportCases(`${FILE} chain_scenarios`, counts);
  },
});

/** Deterministic distinct pubkeys for the property tests. */
function pubkeys(count: number, salt: number): string[] {
  const rng = new MersenneTwister64(BigInt(salt));
  return Array.from({ length: count }, () => {
    let hex = "";
    for (let i = 0; i < 4; i++) hex += rng.next().toString(16).padStart(16, "0");
    return hex;
  });
}

/** Rebuild the chain's input: every list sorted by pubkey, new nodes unassigned. */
function chainInput(swarms: Map<bigint, string[]>, added: readonly string[]): Map<bigint, string[]> {
  const input = new Map<bigint, string[]>();
  for (const [id, members] of swarms) if (members.length > 0) input.set(id, [...members].sort());
  if (added.length > 0) input.set(UNASSIGNED_SWARM_ID, [...added].sort());
  return input;
}

function nodeCount(swarms: Map<bigint, string[]>): number {
  let n = 0;
  for (const m of swarms.values()) n += m.length;
  return n;
}

/** Upstream invariants after growth: swarm count and excess as a function of the node count. */
function assertGrowthInvariants(swarms: Map<bigint, string[]>, where: string): void {
  const n = nodeCount(swarms);
  const count = swarms.size;
  assert.equal(count, 1 + Math.floor(Math.max(0, n - IDEAL_SWARM_SIZE) / IDEAL_SWARM_SIZE), `${where}: swarm count`);
  if (n >= IDEAL_SWARM_SIZE) {
    assert.equal(calcExcess(swarms), count * IDEAL_SWARM_MARGIN + (n % IDEAL_SWARM_SIZE), `${where}: excess`);
  }
}

Deno.test("calcSwarmChanges() keeps the upstream register_snodes_one_by_one invariants for 280 blocks", () => {
  const keys = pubkeys(280, 1);
  let swarms = new Map<bigint, string[]>();
  for (let block = 0; block < keys.length; block++) {
    swarms = calcSwarmChanges(chainInput(swarms, [keys[block]]), BigInt(block));
    assertGrowthInvariants(swarms, `block ${block}`);
  }
});

Deno.test("calcSwarmChanges() keeps the upstream register_snodes_in_bulk invariants", () => {
  const increments = [1, 3, 19, 4, 8, 13, 1, 22, 1, 7, 2, 1, 11, 18, 6, 10];
  const keys = pubkeys(increments.reduce((a, b) => a + b), 2);
  let swarms = new Map<bigint, string[]>();
  let used = 0;
  for (const inc of increments) {
    swarms = calcSwarmChanges(chainInput(swarms, keys.slice(used, used + inc)), 0n);
    used += inc;
    assertGrowthInvariants(swarms, `after ${used} nodes`);
  }
});

Deno.test("calcSwarmChanges() leaves every swarm at least MIN_SWARM_SIZE and loses no node under churn", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 5, max: 150 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 8 })), { maxLength: 12 }),
      fc.bigInt({ min: 0n, max: UNASSIGNED_SWARM_ID }),
      (initial, blocks, seed) => {
        const keys = pubkeys(initial + blocks.reduce((a, [add]) => a + add, 0), Number(seed % 1000n));
        let used = initial;
        let swarms = calcSwarmChanges(chainInput(new Map(), keys.slice(0, initial)), seed);
        const live = new Set(keys.slice(0, initial));
        for (const [k, [add, remove]] of blocks.entries()) {
          if (live.size - remove < MIN_SWARM_SIZE) continue;
          const removed = [...live].slice(0, remove);
          for (const r of removed) live.delete(r);
          const added = keys.slice(used, used + add);
          used += add;
          for (const a of added) live.add(a);
          const kept = new Map([...swarms].map(([id, m]) => [id, m.filter((pk) => live.has(pk))]));
          swarms = calcSwarmChanges(chainInput(kept, added), (seed + BigInt(k)) % (UNASSIGNED_SWARM_ID + 1n));
          assert.deepEqual(new Set([...swarms.values()].flat()), live);
          assert.equal(nodeCount(swarms), live.size);
          for (const [id, m] of swarms) assert.ok(m.length >= MIN_SWARM_SIZE, `swarm ${id} has ${m.length}`);
        }
      },
    ),
    { numRuns: 100 },
  );
});

Deno.test("calcSwarmChanges() leaves swarms above the minimum untouched when one shrinks to five", () => {
  const keys = pubkeys(70, 3);
  let swarms = calcSwarmChanges(chainInput(new Map(), keys), 7n);
  assert.equal(swarms.size, 10);
  const [victimId, victim] = [...swarms].find(([, m]) => m.length > MIN_SWARM_SIZE)!;
  const others = new Map([...swarms].filter(([id]) => id !== victimId).map(([id, m]) => [id, [...m].sort()]));
  const kept = new Map(swarms);
  kept.set(victimId, victim.slice(0, MIN_SWARM_SIZE));
  swarms = calcSwarmChanges(chainInput(kept, []), 8n);
  for (const [id, m] of others) assert.deepEqual(swarms.get(id), m, `swarm ${id}`);
});

Deno.test("calcSwarmChanges() fills two starving swarms from three registrations", () => {
  const keys = pubkeys(11, 4);
  const input = new Map([[1n, keys.slice(0, 4)], [2n, keys.slice(4, 8)], [UNASSIGNED_SWARM_ID, keys.slice(8)]]);
  const out = calcSwarmChanges(input, 5n);
  assert.deepEqual([...out.keys()], [1n, 2n]);
  for (const m of out.values()) assert.ok(m.length >= MIN_SWARM_SIZE);
});

Deno.test("calcSwarmChanges() steals exactly one node from one rich swarm for a swarm at four", () => {
  const keys = pubkeys(70, 5);
  const swarms = calcSwarmChanges(chainInput(new Map(), keys), 11n);
  const [poorId] = [...swarms.keys()].slice(3);
  const input = chainInput(new Map([...swarms].map(([id, m]) => [id, id === poorId ? m.slice(0, 4) : m])), []);
  const out = calcSwarmChanges(input, 12n);
  assert.equal(out.size, swarms.size);
  assert.ok(out.get(poorId)!.length >= MIN_SWARM_SIZE);
  let losers = 0;
  for (const [id, m] of input) {
    if (id === poorId) continue;
    const after = out.get(id)!;
    if (after.length !== m.length) {
      losers++;
      assert.equal(after.length, m.length - 1);
      assert.ok(after.length >= MIN_SWARM_SIZE);
    }
  }
  assert.equal(losers, 1);
});

Deno.test("calcSwarmChanges() dissolves exactly one swarm when all are at five and one at four", () => {
  const keys = pubkeys(70, 6);
  const swarms = calcSwarmChanges(chainInput(new Map(), keys), 13n);
  const trimmed = new Map([...swarms].map(([id, m], i) => [id, m.slice(0, i === 0 ? 4 : MIN_SWARM_SIZE)]));
  const out = calcSwarmChanges(chainInput(trimmed, []), 14n);
  assert.equal(out.size, swarms.size - 1);
});

Deno.test("calcExcess() and calcThreshold() follow the upstream calc_excess case", () => {
  const keys = pubkeys(11 * 5 + 52, 7);
  const swarms = new Map(Array.from({ length: 11 }, (_, s) => [BigInt(s), keys.slice(5 * s, 5 * s + 5)]));
  for (let i = 0; i < 52; i++) swarms.get(BigInt(i % 11))!.push(keys[55 + i]);
  assert.equal(calcExcess(swarms), 52);
  assert.equal(calcThreshold(swarms), 7 + 2 * 11);
});

Deno.test("calcSwarmChanges() handles an empty map, an empty unassigned list and a lone small swarm", () => {
  assert.deepEqual(calcSwarmChanges(new Map(), 1n), new Map());
  assert.deepEqual(calcSwarmChanges(new Map([[UNASSIGNED_SWARM_ID, []]]), 1n), new Map([[0n, []]]));
  const three = pubkeys(3, 8);
  assert.deepEqual(calcSwarmChanges(new Map([[9n, three]]), 1n), new Map([[9n, three]]));
});

Deno.test("calcSwarmChanges() throws like the reference when fewer than five nodes span two swarms", () => {
  const keys = pubkeys(4, 9);
  assert.throws(() => calcSwarmChanges(new Map([[1n, keys.slice(0, 2)], [2n, keys.slice(2)]]), 1n), RangeError);
});

Deno.test("calcSwarmChanges() rejects malformed input", () => {
  const [a] = pubkeys(1, 10);
  assert.throws(() => calcSwarmChanges({} as Map<bigint, string[]>, 0n), TypeError);
  assert.throws(() => calcSwarmChanges(new Map([[1 as unknown as bigint, [a]]]), 0n), TypeError);
  assert.throws(() => calcSwarmChanges(new Map([[-1n, [a]]]), 0n), RangeError);
  assert.throws(() => calcSwarmChanges(new Map([[1n, [a.toUpperCase()]]]), 0n), RangeError);
  assert.throws(() => calcSwarmChanges(new Map([[1n, [a]], [2n, [a]]]), 0n), /appears twice/);
  assert.throws(() => calcSwarmChanges(new Map([[1n, [a]]]), 1 as unknown as bigint), TypeError);
  assert.throws(() => calcSwarmChanges(new Map([[1n, [a]]]), 1n << 64n), RangeError);
  const rng = new MersenneTwister64(1n);
  assert.throws(() => assignNodes(new Map([[UNASSIGNED_SWARM_ID, []]]), [a], { rng }), RangeError);
  assert.throws(() => assignNodes(new Map([[0n, []]]), [a], { rng, percentile: 101 }), RangeError);
  assert.throws(() => assignNodes(new Map([[0n, []]]), [a], {} as { rng: MersenneTwister64 }), TypeError);
  assert.throws(() => assignNodes(new Map(), [a], { rng }), /no swarm left/);
  assert.throws(() => createNewSwarmFromExcess(new Map([[0n, [7 as unknown as string]]]), rng), TypeError);
});
