/**
 * runBlackBox() against real allium gateways on 127.0.0.1: two Deno gateway processes (one
 * relaying to the other) must pass every check, two workerd gateways every check but the ones
 * workerd cannot hold (reported `unsupported`), and a gateway made to misbehave in one way must
 * fail exactly the checks that depend on it. Broken "nodes" (closing, garbage, silent) give
 * `fail` for every check, bounded in time, never an exception. Every process and server started
 * here is stopped in `finally`.
 */

import assert from "node:assert/strict";
import type { TestResult } from "../runner/results.ts";
import { HAVE_VECTORS, loadVectors, SKIP_REASON } from "../../protocol/_testing/vectors.ts";
import { blackBoxChecks, runBlackBox } from "./mod.ts";
import { LOW_ORDER_KEYS } from "./low_order_keys.ts";
import {
  buildWorkerd,
  type LocalGateway,
  makeWorkDir,
  startDenoGateways,
  startWorkerdGateways,
  stopGateways,
} from "./_local_nodes.ts";
import {
  invalidCiphertextAs500,
  startClosingNode,
  startGarbageNode,
  startProxy,
  startSilentNode,
  type TestServer,
} from "./_testing/misbehaving_proxy.ts";

/** Bound on one request in these tests (loopback). */
const TIMEOUT_MS = 5_000;
/** Checks that workerd cannot hold, with the reason they are `unsupported` there. */
const WORKERD_UNSUPPORTED = new Set(["blackbox/bad_input/content_length_duplicate_identical"]);

const keysOf = (g: LocalGateway) => ({ ed25519: g.ed25519, x25519: g.x25519 });

/** Ids by outcome, for messages. */
function byOutcome(results: readonly TestResult[], outcome: TestResult["outcome"]): string[] {
  return results.filter((r) => r.outcome === outcome).map((r) => r.id);
}

/** Assert every result passed, listing failures with their details. */
function assertAllPass(results: readonly TestResult[], label: string, allowUnsupported = new Set<string>()): void {
  const bad = results.filter((r) =>
    r.outcome !== "pass" && !(r.outcome === "unsupported" && allowUnsupported.has(r.id))
  );
  assert.deepEqual(bad.map((r) => `${r.id}: ${r.outcome}: ${r.detail}`), [], label);
  assert.equal(results.length, blackBoxChecks().length);
}

/** Assert the failures are exactly `ids`, each with a detail. */
function assertFailsExactly(results: readonly TestResult[], ids: readonly string[], label: string): void {
  const others = results.filter((r) => r.outcome !== "pass" && r.outcome !== "fail");
  assert.deepEqual(others.map((r) => `${r.id}: ${r.detail}`), [], `${label}: nothing unsupported`);
  assert.deepEqual(byOutcome(results, "fail").sort(), [...ids].sort(), label);
  for (const r of results) if (r.outcome === "fail") assert.ok((r.detail ?? "").length > 10, `${r.id} detail`);
}

Deno.test("blackBoxChecks() has unique, well-formed ids", () => {
  const ids = blackBoxChecks().map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^blackbox\/(final|relay|bad_input|replay|padding)\/[a-z0-9_.-]+$/);
});

Deno.test({
  name: `LOW_ORDER_KEYS are exactly the Wycheproof low-order X25519 public keys${
    HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
  }`,
  ignore: !HAVE_VECTORS,
  fn: () => {
    const v = loadVectors("wycheproof/x25519_test.json");
    const wycheproof = new Set<string>();
    for (const g of v.testGroups) {
      for (const t of g.tests) {
        if (t.flags.includes("ZeroSharedSecret") || t.flags.includes("LowOrderPublic")) wycheproof.add(t.public);
      }
    }
    assert.deepEqual(new Set(Object.values(LOW_ORDER_KEYS)), wycheproof);
  },
});

Deno.test("runBlackBox() passes every check on Deno gateways, and fails exactly what a misbehaving one breaks", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "blackbox-deno-" });
  const seed = crypto.getRandomValues(new Uint8Array(32));
  let gateways: LocalGateway[] = [];
  const servers: TestServer[] = [];
  try {
    gateways = await startDenoGateways(dir, [
      { name: "target", seed },
      { name: "relay" },
      // The target's key in a second process: a fresh replay cache.
      { name: "target_twin", seed, listed: false },
      { name: "unpadded", flags: { "pad-replies": "false" }, listed: false },
    ]);
    const [target, relay, twin, unpadded] = gateways;
    const run = (url: string, node = target) =>
      runBlackBox({ target: url, node: keysOf(node), relay: keysOf(relay), timeoutMs: TIMEOUT_MS });

    await t.step("a correct node passes every check", async () => {
      assertAllPass(await run(target.url), "deno");
    });

    await t.step(
      "a node answering Invalid ciphertext with 500 fails exactly the checks requiring that answer",
      async () => {
        const proxy = startProxy({ upstream: target.port, rewrite: invalidCiphertextAs500 });
        servers.push(proxy);
        const expected = blackBoxChecks()
          .filter((c) => c.plain?.some((p) => p.body === "Invalid ciphertext"))
          .map((c) => c.id);
        assert.ok(expected.length > 40, `${expected.length} checks require Invalid ciphertext`);
        const results = await run(proxy.url);
        assertFailsExactly(results, expected, "Invalid ciphertext → 500");
        const one = results.find((r) => r.id === "blackbox/bad_input/blob_garbage");
        assert.equal(one?.detail, 'expected 400 "Invalid ciphertext", got 500 "Invalid ciphertext"');
      },
    );

    await t.step("a node that does not pad fails exactly the padding checks", async () => {
      const results = await run(unpadded.url, unpadded);
      const expected = blackBoxChecks().filter((c) => c.id.startsWith("blackbox/padding/")).map((c) => c.id);
      assertFailsExactly(results, expected, "no padding");
      assert.match(results.find((r) => r.id === "blackbox/padding/final_aes-gcm")?.detail ?? "", /not padded/);
      // Reported as unsupported, not failed, when padding is not checked.
      const skipped = await runBlackBox({
        target: unpadded.url,
        node: keysOf(unpadded),
        timeoutMs: TIMEOUT_MS,
        paddingCheck: false,
        only: (id) => id.startsWith("blackbox/padding/"),
      });
      assert.deepEqual(new Set(skipped.map((r) => r.outcome)), new Set(["unsupported"]));
    });

    await t.step("a node that serves a byte-identical replay fails exactly the identical-replay checks", async () => {
      const seen = new Set<string>();
      const proxy = startProxy({
        upstream: target.port,
        route: (body) => {
          if (body === undefined || body.length === 0) return target.port;
          const key = body.join(",");
          if (seen.has(key)) return twin.port; // a fresh process has not seen it
          seen.add(key);
          return target.port;
        },
      });
      servers.push(proxy);
      const results = await run(proxy.url);
      assertFailsExactly(results, ["blackbox/replay/identical_body"], "replay");
      assert.match(
        results.find((r) => r.id === "blackbox/replay/identical_body")?.detail ?? "",
        /^replay: expected 400/,
      );
    });
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    await stopGateways(gateways);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runBlackBox() passes on workerd gateways (one relaying to the other over fetch), except what workerd cannot hold", async () => {
  const dir = await makeWorkDir("blackbox-workerd-");
  let gateways: LocalGateway[] = [];
  try {
    const build = await buildWorkerd(dir);
    gateways = await startWorkerdGateways(build, [{ name: "target" }, { name: "relay" }]);
    const [target, relay] = gateways;
    const results = await runBlackBox({
      target: target.url,
      node: keysOf(target),
      relay: keysOf(relay),
      timeoutMs: TIMEOUT_MS,
    });
    assertAllPass(results, "workerd", WORKERD_UNSUPPORTED);
    for (const id of WORKERD_UNSUPPORTED) {
      const r = results.find((x) => x.id === id);
      assert.equal(r?.outcome, "unsupported", id);
      assert.match(r?.detail ?? "", /merged identical duplicate Content-Length/);
    }
  } finally {
    await stopGateways(gateways);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runBlackBox() reports fail, never throws, for nodes that close connections, answer garbage or stay silent", async () => {
  const servers = [startClosingNode(), startGarbageNode(), startSilentNode()];
  try {
    const node = { ed25519: "aa".repeat(32), x25519: "09" + "00".repeat(31) };
    for (const [server, pattern] of [[servers[0], /no answer/], [servers[1], /no answer/]] as const) {
      const results = await runBlackBox({ target: server.url, node, relay: node, timeoutMs: 2_000 });
      assert.equal(results.length, blackBoxChecks().length);
      const notFailed = results.filter((r) => r.outcome !== "fail").map((r) => r.id);
      // Only the padding checks' verdicts come from the same answers: every check fails.
      assert.deepEqual(notFailed, []);
      for (const r of results) assert.match(r.detail ?? "", pattern, r.id);
    }
    const started = performance.now();
    const silent = await runBlackBox({
      target: servers[2].url,
      node,
      timeoutMs: 300,
      only: (id) => id.startsWith("blackbox/final/") || id === "blackbox/bad_input/content_length_short_body",
    });
    assert.ok(silent.length > 5);
    for (const r of silent) assert.match(r.detail ?? "", /timed out after 300 ms/, r.id);
    assert.ok(performance.now() - started < 5_000, "bounded");
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
});
