import assert from "node:assert/strict";
import { allProviders, defaultProvider } from "../mod.ts";
import { type BenchReport, formatTable, runBench } from "./run.ts";

/** Tiny time boxes: this checks the machinery and the verification, not the speed. */
const TINY = { warmupMs: 2, roundMs: 3, rounds: 5 };

Deno.test("runBench() returns a verified report of every case at 1 KiB", async () => {
  const report = await runBench({ sizes: [1024], timing: TINY, calibrationTiming: TINY });
  const providers = (await allProviders()).map((p) => p.name);
  const subjects = ["baseline", ...providers];

  assert.equal(report.schema, "allium-bench/v1");
  assert.equal(report.mode, "custom");
  assert.equal(report.defaultProvider, (await defaultProvider()).name);
  assert.deepEqual(Object.keys(report.providers), providers);
  assert.equal(report.results.length, 2 * 2 * subjects.length);

  const names = new Set(report.results.map((r) => r.name));
  for (const operation of ["peel", "build"]) {
    for (const cipher of ["xchacha20", "aes-gcm"]) {
      for (const subject of subjects) assert.ok(names.has(`${operation}/${cipher}/1KiB/${subject}`));
    }
  }
  for (const r of report.results) {
    assert.equal(r.verified, true);
    assert.equal(r.size, 1024);
    assert.equal(r.rounds.length, TINY.rounds);
    assert.ok(r.opsPerSec > 0 && Number.isFinite(r.opsPerSec), `${r.name} ops/s`);
    assert.ok(r.usPerOp > 0 && r.ops >= TINY.rounds, `${r.name} timing`);
    if (r.subject === "baseline") assert.equal(r.ratio, 1);
    else assert.ok(r.ratio > 0, `${r.name} ratio`);
  }

  // The aes-gcm baselines name the GCM implementation they kept; xchacha20 ones are all libsodium.
  assert.equal(report.baseline.picks.length, 4);
  for (const p of report.baseline.picks) {
    if (p.name.includes("/aes-gcm/")) assert.ok(p.gcm === "node:crypto" || p.gcm === "webcrypto");
    else assert.equal(p.detail, "sodium-native");
  }
  assert.ok(Object.hasOwn(report.baseline.hmac.opsPerSec, report.baseline.hmac.hmac));

  // The acceptance check covers the default provider's peel and build for both ciphers.
  assert.equal(report.target.provider, report.defaultProvider);
  assert.equal(report.target.checks.length, 4);
  assert.equal(report.target.met, report.target.checks.every((c) => c.met));

  const again = JSON.parse(JSON.stringify(report)) as BenchReport;
  assert.deepEqual(again.results, report.results);
  assert.match(formatTable(report), /peel\/xchacha20\/1KiB\/baseline/);
});

Deno.test("runBench() runs only the filtered cases and their baseline", async () => {
  const report = await runBench({
    sizes: [1024],
    filter: "build/aes-gcm/1KiB/noble",
    timing: TINY,
    calibrationTiming: TINY,
  });
  assert.deepEqual(report.results.map((r) => r.name), ["build/aes-gcm/1KiB/baseline", "build/aes-gcm/1KiB/noble"]);
  assert.equal(report.filter, "build/aes-gcm/1KiB/noble");
  assert.equal(report.target.met, null);
});
