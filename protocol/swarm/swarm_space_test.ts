import assert from "node:assert/strict";
import { fromHex } from "../bytes.ts";
import { isProtocolError } from "../errors.ts";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../_testing/vectors.ts";
import { swarmFor, swarmSpacePosition } from "./swarm_space.ts";

const FILE = "session/swarm-pubkey-mapping.json";
const skip = HAVE_VECTORS ? "" : ` (${SKIP_REASON})`;

Deno.test({
  name: `swarmSpacePosition() matches pubkey_to_swarm_space for hex and bytes${skip}`,
  ignore: !HAVE_VECTORS,
  fn: () => {
    const v = loadVectors(FILE);
    let passed = 0;
    for (const c of v.pubkey_to_swarm_space) {
      const want = BigInt(c.space);
      assert.equal(swarmSpacePosition(c.pubkey), want, c.pubkey);
      assert.equal(swarmSpacePosition(c.pubkey.toUpperCase()), want);
      assert.equal(swarmSpacePosition(fromHex(c.pubkey)), want);
      passed++;
    }
    reportCases(`${FILE} pubkey_to_swarm_space`, { passed });
  },
});

Deno.test({
  name: `swarmFor() matches swarm_lookup, in ascending and shuffled id order${skip}`,
  ignore: !HAVE_VECTORS,
  fn: () => {
    const v = loadVectors(FILE);
    let passed = 0;
    for (const group of v.swarm_lookup) {
      const ids: bigint[] = group.swarm_ids.map(BigInt);
      const reversed = [...ids].reverse();
      for (const c of group.cases) {
        const want = c.expected_swarm_id === null ? undefined : BigInt(c.expected_swarm_id);
        assert.equal(swarmFor(c.pubkey, ids), want, `${c.pubkey} in [${group.swarm_ids}]`);
        assert.equal(swarmFor(c.pubkey, reversed), want);
        passed++;
      }
    }
    reportCases(`${FILE} swarm_lookup`, { passed });
  },
});

Deno.test("swarmSpacePosition() ignores the prefix byte", () => {
  const key = "ab".repeat(32);
  assert.equal(swarmSpacePosition("05" + key), swarmSpacePosition("03" + key));
  assert.equal(swarmSpacePosition("05" + key), swarmSpacePosition("ff" + key));
});

Deno.test("swarmSpacePosition() reads a subarray at a non-zero offset", () => {
  const buf = new Uint8Array(40);
  buf.set(fromHex("05" + "00".repeat(24) + "0123456789abcdef"), 3);
  assert.equal(swarmSpacePosition(buf.subarray(3, 36)), 0x0123456789abcdefn);
});

Deno.test("swarmSpacePosition() rejects malformed account ids with KEY_INVALID", () => {
  const cases: [unknown, RegExp][] = [
    ["ab".repeat(32), /64 characters, expected 66 hex digits/],
    ["05" + "ab".repeat(33), /68 characters/],
    ["05" + "ab".repeat(31) + "zz", /non-hex character at offset 64/],
    ["0x" + "ab".repeat(32), /non-hex character at offset 1/],
    [new Uint8Array(32), /32 bytes, expected 33/],
    [123, /not a string or Uint8Array/],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => swarmSpacePosition(input as string),
      (e) => isProtocolError(e, "KEY_INVALID") && message.test((e as Error).message),
    );
  }
});

Deno.test("swarmFor() gives every account to the only swarm", () => {
  assert.equal(swarmFor("05" + "ff".repeat(32), [7n]), 7n);
});

Deno.test("swarmFor() rejects bad swarm ids", () => {
  const id = "05" + "00".repeat(32);
  assert.throws(() => swarmFor(id, [(1n << 64n) - 1n]), RangeError);
  assert.throws(() => swarmFor(id, [-1n]), RangeError);
  assert.throws(() => swarmFor(id, [1 as unknown as bigint]), TypeError);
  assert.throws(() => swarmFor(id, "1" as unknown as bigint[]), TypeError);
  assert.throws(() => swarmFor("05", [1n]), (e) => isProtocolError(e, "KEY_INVALID"));
});
