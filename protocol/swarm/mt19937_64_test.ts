import assert from "node:assert/strict";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../_testing/vectors.ts";
import { MersenneTwister64, uniformDistributionPortable } from "./mt19937_64.ts";

const FILE = "session/swarm-new-swarm-id.json";

Deno.test({
  name: `MersenneTwister64 and uniformDistributionPortable() match the prng vectors${
    HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
  }`,
  ignore: !HAVE_VECTORS,
  fn: () => {
    const { prng } = loadVectors(FILE);
    let passed = 0;
    const rng = new MersenneTwister64(12345n);
    for (const want of prng.mt19937_64_seed_12345_first3) {
      assert.equal(rng.next(), BigInt(want));
      passed++;
    }
    const uni = new MersenneTwister64(42n);
    for (const c of prng.uniform_distribution_portable_seed_42) {
      assert.equal(uniformDistributionPortable(uni, BigInt(c.n)), BigInt(c.out), `uniform(${c.n})`);
      passed++;
    }
    reportCases(`${FILE} prng`, { passed });
  },
});

Deno.test("MersenneTwister64 gives the C++ standard's 10000th output for the default seed", () => {
  // [rand.predef]: the 10000th invocation of a default-constructed mt19937_64 yields this value.
  const rng = new MersenneTwister64();
  let x = 0n;
  for (let i = 0; i < 10000; i++) x = rng.next();
  assert.equal(x, 9981545732273789042n);
});

Deno.test("MersenneTwister64 accepts a number seed and the largest u64 seed", () => {
  assert.equal(new MersenneTwister64(12345).next(), new MersenneTwister64(12345n).next());
  const x = new MersenneTwister64((1n << 64n) - 1n).next();
  assert.ok(x >= 0n && x < 1n << 64n);
});

Deno.test("MersenneTwister64 rejects a negative, fractional or too-large seed", () => {
  assert.throws(() => new MersenneTwister64(-1n), RangeError);
  assert.throws(() => new MersenneTwister64(1n << 64n), RangeError);
  assert.throws(() => new MersenneTwister64(1.5), RangeError);
  assert.throws(() => new MersenneTwister64("1" as unknown as bigint), TypeError);
});

Deno.test("uniformDistributionPortable() rejects a zero or too-large bound", () => {
  const rng = new MersenneTwister64(1n);
  assert.throws(() => uniformDistributionPortable(rng, 0n), /bound is 0/);
  assert.throws(() => uniformDistributionPortable(rng, 1n << 64n), RangeError);
  assert.throws(() => uniformDistributionPortable(rng, -1), RangeError);
});

Deno.test("uniformDistributionPortable() rejects draws at or above the limit", () => {
  // n = 2^63 + 1: limit = M - (M mod n) = n, so a draw of 2^64-1 must be redrawn.
  const draws = [(1n << 64n) - 1n, 5n];
  const rng = { next: () => draws.shift()! };
  assert.equal(uniformDistributionPortable(rng, (1n << 63n) + 1n), 5n);
  assert.equal(draws.length, 0);
});
