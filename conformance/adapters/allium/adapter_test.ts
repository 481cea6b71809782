/**
 * The conformance runner against allium's own adapter: the real implementation passes every
 * published vector and every property case; deliberately broken builds (`--break`) are caught
 * with test ids, and a known-failures file turns the expected failures into `known_failure`.
 */

import assert from "node:assert/strict";
import { runAdapterSuite } from "../../runner/adapter_run.ts";
import { runFailed } from "../../runner/results.ts";
import { loadVectorFiles } from "../../runner/vector_files.ts";
import { FAMILIES } from "../../runner/protocol.ts";
import { parseAdapterArgs } from "./adapter.ts";

const ADAPTER = new URL("./adapter.ts", import.meta.url).pathname;
const allium = (...extra: string[]) => [Deno.execPath(), "run", "-A", ADAPTER, ...extra];
/** Property cases per family in these tests: enough to exercise every generator, bounded in time. */
const CASES = 10;

Deno.test("runAdapterSuite() passes every published vector and property case against the allium adapter", async () => {
  const report = await runAdapterSuite({ command: allium(), cases: CASES, knownFailures: null });
  const bad = report.results.filter((r) => r.outcome !== "pass");
  assert.deepEqual(bad, [], "every test passes");
  assert.equal(report.meta.implementation, "allium 0.1.0");
  // Every published case of every file is run (the peel and build families share onion_peel_v1).
  const files = await loadVectorFiles();
  const fromVectors = report.results.filter((r) => !r.id.includes("/property/"));
  for (const [name, file] of Object.entries(files)) {
    const stem = name.replace(/\.json$/, "");
    const ids = new Set(fromVectors.filter((r) => r.id.split("/")[1] === stem).map((r) => r.id.split("/")[2]));
    assert.equal(ids.size, file.numberOfTests, `${name}: every tcId is run`);
  }
  for (const family of FAMILIES) {
    assert.equal(report.results.filter((r) => r.id.startsWith(`${family}/property/`)).length, CASES, family);
  }
  console.log(`allium adapter: ${report.results.length} tests passed`);
});

Deno.test("runAdapterSuite() catches the --break kdf adapter, and its known-failures file makes the run pass", async () => {
  const command = allium("--break", "kdf");
  const first = await runAdapterSuite({ command, cases: 2, knownFailures: null });
  assert.ok(runFailed(first.results), "the broken run fails");
  const failed = first.results.filter((r) => r.outcome === "fail");
  const ids = new Set(failed.map((r) => r.id));
  for (
    const id of [
      "hop/hop_aesgcm_v1/100",
      "hop/hop_xchacha20_v1/100",
      "peel/onion_peel_v1/1",
      "build/onion_peel_v1/1",
      "reply/onion_reply_v1/100",
      "hop/property/0",
    ]
  ) {
    assert.ok(ids.has(id), `${id} is reported`);
  }
  assert.match(failed.find((r) => r.id === "hop/hop_aesgcm_v1/100")!.detail!, /hop\.derive_key: key differs at byte 0/);
  // Families that do not derive layer keys are unaffected.
  assert.ok(
    first.results.filter((r) => r.family === "swarm" || r.family === "storage_hash").every((r) => r.outcome === "pass"),
  );

  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/broken_kdf.json`;
    const listed = failed.map((r) => ({ id: r.id, reason: "layer key deliberately off by one byte" }));
    await Deno.writeTextFile(
      path,
      JSON.stringify({ implementation: "allium (broken: kdf)", description: "test", failures: listed }),
    );
    const second = await runAdapterSuite({ command, cases: 2, knownFailures: path });
    assert.ok(!runFailed(second.results), "a run with only known failures passes");
    assert.equal(second.results.filter((r) => r.outcome === "known_failure").length, failed.length);
    assert.deepEqual(second.meta.knownFailures?.unmatched, []);

    // A listed test that passes is an unexpected pass, which fails the run.
    listed.push({ id: "swarm/swarm_assign_v1/1", reason: "stale entry" });
    await Deno.writeTextFile(path, JSON.stringify({ implementation: "x", description: "", failures: listed }));
    const third = await runAdapterSuite({ command, families: ["swarm"], cases: 0, knownFailures: path });
    assert.ok(runFailed(third.results));
    assert.equal(third.results.find((r) => r.id === "swarm/swarm_assign_v1/1")?.outcome, "unexpected_pass");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runAdapterSuite() reports an adapter that crashes on one operation and goes on with the others", async () => {
  const report = await runAdapterSuite({
    command: allium("--break", "crash:layer.decode"),
    families: ["layer", "swarm"],
    cases: 1,
  });
  const layer = report.results.filter((r) => r.family === "layer");
  assert.ok(layer.length > 3 && layer.every((r) => r.outcome === "fail"));
  assert.match(layer[0].detail!, /adapter crash: adapter exited with code 70 while answering layer\.decode/);
  assert.match(layer[layer.length - 1].detail!, /not run: layer\.decode broke the adapter 3 times/);
  assert.ok(
    report.results.filter((r) => r.family === "swarm").every((r) => r.outcome === "pass"),
    "the adapter is restarted",
  );
});

Deno.test("runAdapterSuite() does not wait for a hung adapter beyond the per-request deadline", async () => {
  const started = performance.now();
  const report = await runAdapterSuite({
    command: allium("--break", "hang:swarm.position"),
    families: ["swarm", "storage_hash"],
    cases: 1,
    timeoutMs: 1000,
  });
  assert.ok(performance.now() - started < 20_000, "bounded by about 3 deadlines");
  const hung = report.results.filter((r) =>
    r.detail?.startsWith("adapter hang: adapter did not answer swarm.position within 1000 ms")
  );
  assert.equal(hung.length, 3);
  assert.ok(report.results.filter((r) => r.family === "storage_hash").every((r) => r.outcome === "pass"));
  const lookups = report.results.filter((r) => /^swarm\/swarm_assign_v1\/2\d\d$/.test(r.id));
  assert.ok(lookups.length > 0 && lookups.every((r) => r.outcome === "pass"), "lookups (swarm.for_pubkey) still run");
});

Deno.test("runAdapterSuite() reports an adapter that answers garbage as a protocol violation", async () => {
  const report = await runAdapterSuite({
    command: allium("--break", "garbage:layer.decode"),
    families: ["layer"],
    cases: 0,
  });
  assert.match(report.results[0].detail!, /adapter protocol: Cannot read answer: not JSON: "this is not JSON"/);
});

Deno.test("parseAdapterArgs() accepts kdf and <kind>:<op>, and refuses anything else", () => {
  assert.deepEqual(parseAdapterArgs([]), { kind: "none" });
  assert.deepEqual(parseAdapterArgs(["--break", "kdf"]), { kind: "kdf" });
  assert.deepEqual(parseAdapterArgs(["--break", "crash:onion.peel"]), { kind: "crash", op: "onion.peel" });
  assert.throws(() => parseAdapterArgs(["--break", "everything"]), SyntaxError);
  assert.throws(() => parseAdapterArgs(["--fast"]), SyntaxError);
});
