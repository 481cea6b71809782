import assert from "node:assert/strict";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../_testing/vectors.ts";
import { type NodeAddress, preserveIps } from "./preserve_ips.ts";

const FILE = "session/swarm-preserve-ips.json";

function address([ip, httpsPort, omqPort]: [string, number, number]): NodeAddress {
  return { ip, httpsPort, omqPort };
}

Deno.test({
  name: `preserveIps() matches every swarm-preserve-ips case${HAVE_VECTORS ? "" : ` (${SKIP_REASON})`}`,
  ignore: !HAVE_VECTORS,
  fn() {
    const v = loadVectors(FILE);
    assert.equal(v.tuple, "[ip, https_port, omq_quic_port]");
    let passed = 0;
    for (const c of v.cases) {
      assert.deepEqual(preserveIps(address(c.old), address(c.new)), address(c.expected), JSON.stringify(c));
      passed++;
    }
    reportCases(FILE, { passed });
  },
});

Deno.test("preserveIps() keeps the incoming record unless it is the unknown one and the old one is complete", () => {
  const unknown = { ip: "0.0.0.0", httpsPort: 0, omqPort: 0 };
  const old = { ip: "1.1.1.1", httpsPort: 123, omqPort: 456 };
  assert.equal(preserveIps(undefined, unknown), unknown);
  assert.equal(preserveIps(old, unknown), old);
  // Only one field unset: an ordinary update.
  const partial = { ip: "0.0.0.0", httpsPort: 0, omqPort: 9 };
  assert.equal(preserveIps(old, partial), partial);
  // An old record with any field unset is not copied.
  assert.equal(preserveIps({ ip: "1.1.1.1", httpsPort: 0, omqPort: 456 }, unknown), unknown);
  assert.equal(preserveIps({ ip: "0.0.0.0", httpsPort: 1, omqPort: 2 }, unknown), unknown);
  // Extra fields ride along.
  const rich = { ...old, pubkey: "ab" };
  assert.equal(preserveIps(rich, { ...unknown, pubkey: "ab" }), rich);
});

Deno.test("preserveIps() rejects records of the wrong shape", () => {
  assert.throws(() => preserveIps(undefined, null as unknown as NodeAddress), TypeError);
  assert.throws(() => preserveIps(undefined, { ip: 1, httpsPort: 0, omqPort: 0 } as unknown as NodeAddress), TypeError);
  const unknown = { ip: "0.0.0.0", httpsPort: 0, omqPort: 0 };
  assert.throws(() => preserveIps({ ip: "1.1.1.1" } as unknown as NodeAddress, unknown), TypeError);
});
