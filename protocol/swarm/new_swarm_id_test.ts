import assert from "node:assert/strict";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../_testing/vectors.ts";
import { MersenneTwister64 } from "./mt19937_64.ts";
import { MAX_SWARM_ID, newSwarmId } from "./new_swarm_id.ts";

const FILE = "session/swarm-new-swarm-id.json";
const skip = HAVE_VECTORS ? "" : ` (${SKIP_REASON})`;

Deno.test({
  name: `newSwarmId() matches the unassigned_swarm_bug cases${skip}`,
  ignore: !HAVE_VECTORS,
  fn: () => {
    const v = loadVectors(FILE);
    assert.equal(BigInt(v.MAX_ID), MAX_SWARM_ID);
    let passed = 0;
    for (const c of v.cases) {
      const ids: bigint[] = c.existing_swarm_ids.map(BigInt);
      assert.equal(newSwarmId(ids), BigInt(c.expected_new_id), `[${c.existing_swarm_ids}]`);
      assert.equal(newSwarmId([...ids].reverse()), BigInt(c.expected_new_id));
      passed++;
    }
    reportCases(`${FILE} cases`, { passed });
  },
});

Deno.test({
  name: `newSwarmId() reproduces the 10000-step deterministic_sequence${skip}`,
  ignore: !HAVE_VECTORS,
  fn: () => {
    const seq = loadVectors(FILE).deterministic_sequence;
    assert.equal(seq.rng, "mt19937_64");
    const rng = new MersenneTwister64(BigInt(seq.seed));
    const removeBelow = 1n << 62n;
    const ids: bigint[] = []; // kept ascending, like the keys of the reference's std::map
    for (let i = 0; i < seq.iterations; i++) {
      const n = rng.next();
      if (n < removeBelow) {
        assert.ok(ids.length > 0, `step ${i}: remove from an empty list`);
        ids.splice(Number(n % BigInt(ids.length)), 1);
      } else {
        const id = newSwarmId(ids);
        let at = 0;
        while (at < ids.length && ids[at] < id) at++;
        assert.notEqual(ids[at], id, `step ${i}: new id ${id} already exists`);
        ids.splice(at, 0, id);
      }
    }
    assert.equal(ids.length, seq.expected_count);
    let passed = 1;
    for (const [index, want] of Object.entries(seq.expected_ids_at_index)) {
      assert.equal(ids[Number(index)], BigInt(want as string), `ids[${index}]`);
      passed++;
    }
    reportCases(`${FILE} deterministic_sequence`, { passed });
  },
});

Deno.test("newSwarmId() rejects out-of-range, duplicate and non-bigint ids", () => {
  assert.throws(() => newSwarmId([MAX_SWARM_ID + 1n]), /outside/);
  assert.throws(() => newSwarmId([-1n]), RangeError);
  assert.throws(() => newSwarmId([5n, 1n, 5n]), /appears twice/);
  assert.throws(() => newSwarmId([1n, 1n]), /appears twice/);
  assert.throws(() => newSwarmId([1 as unknown as bigint]), TypeError);
  assert.throws(() => newSwarmId(null as unknown as bigint[]), TypeError);
});

Deno.test("newSwarmId() keeps the first of equal gaps and lets the wrap gap win only when larger", () => {
  // Gaps 100 and 100; wrap gap MAX_ID - 200 + 0 + 1 is larger, so it wins.
  assert.equal(newSwarmId([0n, 100n, 200n]), 200n + (MAX_SWARM_ID - 199n) / 2n);
  // Ids spread so the inner gaps dominate: the first of two equal gaps wins.
  const q = (MAX_SWARM_ID + 1n) / 3n;
  assert.equal(newSwarmId([0n, q, 2n * q]), q / 2n);
});
