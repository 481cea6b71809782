import assert from "node:assert/strict";
import { join } from "node:path";
import { allProviders, defaultProvider } from "../mod.ts";
import { type BenchReport, formatTable, runBench } from "./run.ts";
import { makeBaseline, readBaseline, writeBaseline } from "./regression.ts";

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
    // Layer throughput: the peeled layer holds the payload; a build seals four layers, each at least the payload.
    assert.ok(r.bytesPerOp > r.size * (r.operation === "build" ? 4 : 1), `${r.name} bytes per op`);
    const mbPerSec = r.bytesPerOp * r.opsPerSec / 1e6;
    assert.ok(Math.abs(r.mbPerSec - mbPerSec) <= 0.01 * mbPerSec, `${r.name} MB/s`);
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

Deno.test("runBench() takes an aes-gcm raw baseline's GCM as given, without calibrating", async () => {
  const report = await runBench({
    sizes: [1024],
    filter: "peel/aes-gcm/1KiB/sodium",
    baselineGcm: { "peel/aes-gcm/1KiB/baseline": "webcrypto" },
    timing: TINY,
    calibrationTiming: TINY,
  });
  assert.deepEqual(report.baseline.picks.map((p) => [p.name, p.gcm, p.forced, p.candidates]), [
    ["peel/aes-gcm/1KiB/baseline", "webcrypto", true, undefined],
  ]);
  assert.deepEqual(report.results.map((r) => r.subject), ["baseline", "sodium"]);
});

Deno.test("run.ts --quick --json prints the report, writes it and the chart, and checks the ratios", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = join(dir, "latest.json");
    const baselineFile = join(dir, "baseline.json");
    // A baseline no real run can meet: the check must fail, name the entry, and still print the JSON.
    const impossible = makeBaseline([{
      date: "2026-01-01T00:00:00.000Z",
      mode: "quick",
      filter: null,
      runtime: { cpu: "x", cores: 2, os: "linux", arch: "x86_64", deno: "x", loadAverage: { start: 0, end: 0 } },
      results: [{ name: "peel/xchacha20/1KiB/sodium", subject: "sodium", ratio: 100 }],
    } as unknown as BenchReport]);
    impossible.entries["peel/xchacha20/1KiB/sodium"].tolerance = 0.5;
    await writeBaseline(baselineFile, impossible);

    const script = new URL("./run.ts", import.meta.url).pathname;
    const args = ["run", "-A", script, "--quick", "--json", "--filter", "peel/xchacha20/1KiB", "--out", out];
    args.push("--check", "--confirm", "1", "--baseline", baselineFile, "--update-baseline");
    const run = await new Deno.Command(Deno.execPath(), { args }).output();
    const stdout = new TextDecoder().decode(run.stdout);
    const stderr = new TextDecoder().decode(run.stderr);
    assert.equal(run.code, 1, stderr);

    // stdout is exactly the report; progress and the check's table went to stderr.
    const report = JSON.parse(stdout) as BenchReport;
    assert.deepEqual(JSON.parse(await Deno.readTextFile(out)), report);
    assert.equal(report.schema, "allium-bench/v1");
    assert.equal(report.mode, "quick");
    assert.equal(report.filter, "peel/xchacha20/1KiB");
    assert.deepEqual(
      report.results.map((r) => r.subject),
      ["baseline", ...Object.keys(report.providers)],
    );
    for (const r of report.results) {
      assert.ok(r.opsPerSec > 0 && r.mbPerSec > 0 && r.bytesPerOp > 1024 && r.ratio > 0, r.name);
    }
    assert.match(stderr, /bench: measuring peel\/xchacha20\/1KiB/);
    // Judged on the median of the run and one re-measure of only that case.
    assert.match(stderr, /re-measuring 1 regressed case\(s\): peel\/xchacha20\/1KiB\/sodium/);
    assert.match(stderr, /peel\/xchacha20\/1KiB\/sodium\s+100\.000\s+\S+\s+2\s+\S+\s+−50\.0%\s+REGRESSED/);
    assert.match(stderr, /→ FAIL/);
    const check = JSON.parse(await Deno.readTextFile(join(dir, "check.json")));
    assert.equal(check.comparison.passed, false);
    assert.deepEqual(check.confirmations[0].cases, ["peel/xchacha20/1KiB/sodium"]);
    assert.deepEqual(check.confirmations[0].results.map((r: { subject: string }) => r.subject), ["baseline", "sodium"]);

    const svg = await Deno.readTextFile(join(dir, "throughput.svg"));
    assert.ok(svg.startsWith("<svg") && svg.includes("open: per-hop peel"));

    // --update-baseline rewrote the file from this run, keeping the entry's own tolerance.
    const updated = (await readBaseline(baselineFile))!;
    assert.equal(updated.mode, "quick");
    assert.equal(updated.entries["peel/xchacha20/1KiB/sodium"].tolerance, 0.5);
    const sodium = report.results.find((r) => r.name === "peel/xchacha20/1KiB/sodium")!;
    assert.equal(updated.entries["peel/xchacha20/1KiB/sodium"].ratio, sodium.ratio);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
