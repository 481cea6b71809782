/**
 * Fuzz smoke test for `npm test`: every target replays its committed corpus (including every
 * past finding) and its large seeds, then runs up to 1,000 generated inputs under a fixed seed.
 * Bounded to about 25 s in total. Findings a target lists as open (reported, not fixed yet) are
 * tolerated and printed, so the suite stays green until the fix lands. The long, time-boxed runs
 * are `npm run fuzz` (fuzz/README.md).
 *
 * @module
 */

import assert from "node:assert/strict";
import { toHex } from "../mod.ts";
import { loadTarget, runCampaign, TARGET_NAMES, targetSeed, useProvider } from "./_harness.ts";

/** Fixed seed of the smoke run (printed). */
const SEED = 20240611;
/** Generated inputs per target. */
const RUNS = 1000;
/** Time box per target for generated inputs, seconds (22 targets stay under 25 s together, corpus replay included). */
const SECONDS = 1.2;

const provider = await useProvider();
console.log(`fuzz smoke: seed ${SEED}, ${RUNS} generated inputs per target, provider ${provider.name}`);

for (const name of TARGET_NAMES) {
  Deno.test(`fuzz target ${name}: only its expected refusals escape on the corpus and ${RUNS} generated inputs`, async () => {
    const target = await loadTarget(name);
    const seed = targetSeed(SEED, name);
    const r = await runCampaign(target, { seed, seconds: SECONDS, maxRuns: RUNS, tolerateOpen: true });
    console.log(
      `  ${name}: seed ${seed}, replayed ${r.replayed}, generated ${r.generated}, rejected ${r.rejected}, accepted ${r.accepted}, ${
        r.seconds.toFixed(2)
      } s`,
    );
    for (const o of target.open ?? []) {
      console.log(`  open finding (${r.tolerated} tolerated this run): ${o.reproducer} — ${o.at}`);
    }
    const details = r.findings.map((f) =>
      `${f.kind} (${f.origin}), input ${f.input.length} bytes: ${toHex(f.input.subarray(0, 128))}\n${f.error}`
    );
    assert.deepEqual(details, [], `findings in ${name}:\n${details.join("\n\n")}`);
    assert.ok(r.replayed > 0, `${name}: empty corpus`);
    assert.ok(r.generated > 0, `${name}: no generated inputs ran`);
  });
}

Deno.test("fuzz/run.ts runs a target in a worker for --minutes, prints its seed, input count and JSON summary, and exits 0", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./run.ts", import.meta.url).pathname,
      "--target",
      "layer_codec",
      "--minutes",
      "0.005",
      "--max-runs",
      "300",
      "--seed",
      "7",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
  assert.match(text, /fuzz: seed 7, /);
  assert.match(text, /layer_codec +seed +\d+ +replayed +\d+ +generated +300 /);
  const summary = JSON.parse(text.split("\n").find((l) => l.startsWith("fuzz-summary "))!.slice(13));
  assert.equal(summary.seed, 7);
  assert.equal(summary.targets[0].target, "layer_codec");
  assert.equal(summary.targets[0].generated, 300);
});
