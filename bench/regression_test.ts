import assert from "node:assert/strict";
import { join } from "node:path";
import {
  BASELINE_SCHEMA,
  type BaselineFile,
  compareRatios,
  confirmRegressions,
  derivedTolerance,
  formatComparison,
  makeBaseline,
  parseBaseline,
  readBaseline,
  worstLoss,
  writeBaseline,
} from "./regression.ts";
import type { BenchReport, CaseResult } from "./run.ts";

const SODIUM = "peel/xchacha20/1KiB/sodium";
const NOBLE = "peel/xchacha20/1KiB/noble";
const GCM = "build/aes-gcm/1MiB/webcrypto";

/** A synthetic run: only the fields the check reads are meaningful. */
function run(ratios: Record<string, number>, extra: Partial<BenchReport> = {}): BenchReport {
  const results = Object.entries(ratios).flatMap(([name, ratio]) => {
    const [operation, cipher, , subject] = name.split("/");
    const row = { name, operation, cipher, size: 1024, subject, ratio } as unknown as CaseResult;
    const base = { ...row, name: name.replace(subject, "baseline"), subject: "baseline", ratio: 1 };
    return [base as CaseResult, row];
  });
  return {
    schema: "allium-bench/v1",
    date: "2026-01-02T03:04:05.000Z",
    mode: "default",
    filter: null,
    runtime: {
      deno: "2.9.6",
      v8: "x",
      typescript: "x",
      os: "linux",
      arch: "x86_64",
      cpu: "Test CPU",
      cores: 2,
      loadAverage: { start: 0.1, end: 0.2 },
    },
    results,
    ...extra,
  } as BenchReport;
}

function baseline(entries: Record<string, number>, tolerance = 0.25): BaselineFile {
  return makeBaseline([run(entries)], { tolerance });
}

Deno.test("compareRatios() passes a run within the tolerance, both worse and better", () => {
  const c = compareRatios(
    [run({ [SODIUM]: 0.9 * 0.8, [NOBLE]: 0.1 * 1.2 })],
    baseline({ [SODIUM]: 0.9, [NOBLE]: 0.1 }),
  );
  assert.equal(c.passed, true);
  assert.equal(c.regressed, 0);
  assert.deepEqual(c.rows.map((r) => [r.name, r.verdict]), [[SODIUM, "ok"], [NOBLE, "ok"]]);
  assert.ok(Math.abs(c.rows[0].change! - -0.2) < 0.002);
  assert.match(formatComparison(c), /ratio check: 2 ok → PASS/);
});

Deno.test("compareRatios() fails a ratio more than the tolerance below the baseline", () => {
  const c = compareRatios([run({ [SODIUM]: 0.6, [NOBLE]: 0.1 })], baseline({ [SODIUM]: 0.9, [NOBLE]: 0.1 }));
  assert.equal(c.passed, false);
  assert.equal(c.regressed, 1);
  const row = c.rows.find((r) => r.name === SODIUM)!;
  assert.equal(row.verdict, "regressed");
  assert.equal(row.baseline, 0.9);
  assert.equal(row.current, 0.6);
  const text = formatComparison(c);
  assert.match(text, /peel\/xchacha20\/1KiB\/sodium\s+0\.900\s+0\.600\s+1\s+−33\.3%\s+−25\.0%\s+REGRESSED/);
  assert.match(text, /1 ok, 1 regressed → FAIL/);
});

Deno.test("compareRatios() calls a gain beyond the tolerance an improvement and passes", () => {
  const c = compareRatios([run({ [SODIUM]: 1.5 })], baseline({ [SODIUM]: 0.9 }));
  assert.equal(c.passed, true);
  assert.equal(c.rows[0].verdict, "improved");
  assert.match(formatComparison(c), /--update-baseline/);
});

Deno.test("compareRatios() reports a missing entry and fails unless allowMissing", () => {
  const base = baseline({ [SODIUM]: 0.9, [GCM]: 0.8 });
  const c = compareRatios([run({ [SODIUM]: 0.9 })], base);
  assert.equal(c.passed, false);
  assert.equal(c.missing, 1);
  assert.deepEqual(c.rows.find((r) => r.name === GCM), {
    name: GCM,
    baseline: 0.8,
    current: null,
    runs: [],
    change: null,
    tolerance: 0.25,
    verdict: "missing",
  });
  assert.match(formatComparison(c), /build\/aes-gcm\/1MiB\/webcrypto\s+0\.800\s+—\s+0\s+—\s+−25\.0%\s+MISSING/);
  assert.equal(compareRatios([run({ [SODIUM]: 0.9 })], base, { allowMissing: true }).passed, true);
});

Deno.test("compareRatios() skips entries a filtered run could not measure, and lists new ones", () => {
  const base = baseline({ [SODIUM]: 0.9, [GCM]: 0.8 });
  const c = compareRatios([run({ [SODIUM]: 0.9, [NOBLE]: 0.1 }, { filter: "peel/" })], base);
  assert.equal(c.passed, true);
  assert.deepEqual(c.rows.map((r) => r.verdict), ["ok", "skipped", "new"]);
});

Deno.test("compareRatios() takes per-entry tolerance over the override over the file's", () => {
  const base = baseline({ [SODIUM]: 1, [NOBLE]: 1 }, 0.1);
  base.entries[NOBLE].tolerance = 0.5;
  const now = run({ [SODIUM]: 0.8, [NOBLE]: 0.6 });
  assert.deepEqual(compareRatios([now], base).rows.map((r) => r.verdict), ["regressed", "ok"]);
  assert.deepEqual(compareRatios([now], base, { tolerance: 0.3 }).rows.map((r) => r.verdict), ["ok", "ok"]);
  assert.throws(() => compareRatios([now], base, { tolerance: 1.5 }), RangeError);
});

Deno.test("compareRatios() compares the median of several runs", () => {
  const base = baseline({ [SODIUM]: 1 });
  const runs = [run({ [SODIUM]: 0.5 }), run({ [SODIUM]: 0.95 }), run({ [SODIUM]: 1.02 })];
  const c = compareRatios(runs, base);
  assert.equal(c.rows[0].current, 0.95);
  assert.equal(c.passed, true);
});

Deno.test("confirmRegressions() re-measures only the regressed entries and passes a dip that does not return", async () => {
  const base = baseline({ [SODIUM]: 0.9, [NOBLE]: 0.1 });
  const asked: string[][] = [];
  const { comparison, confirmations } = await confirmRegressions([run({ [SODIUM]: 0.5, [NOBLE]: 0.1 })], base, {
    remeasure: (names) => {
      asked.push(names);
      return Promise.resolve(run({ [SODIUM]: 0.88 }, { cases: names }));
    },
  });
  // After one re-measure the median of 0.5 and 0.88 (0.69) is still 23 % down: within 25 %, so no second one.
  assert.deepEqual(asked, [[SODIUM]]);
  assert.equal(confirmations.length, 1);
  assert.equal(comparison.passed, true);
  assert.deepEqual(comparison.rows[0].runs, [0.5, 0.88]);
  assert.equal(comparison.rows[1].verdict, "ok");
});

Deno.test("confirmRegressions() fails a regression that every re-measure confirms", async () => {
  let calls = 0;
  const { comparison, confirmations } = await confirmRegressions(
    [run({ [SODIUM]: 0.5 })],
    baseline({ [SODIUM]: 0.9 }),
    {
      remeasure: (names) => {
        calls++;
        return Promise.resolve(run({ [SODIUM]: 0.55 }, { cases: names }));
      },
    },
  );
  assert.equal(calls, 2);
  assert.equal(confirmations.length, 2);
  assert.equal(comparison.passed, false);
  assert.deepEqual(comparison.rows[0].runs, [0.5, 0.55, 0.55]);
  assert.equal(comparison.rows[0].current, 0.55);
  assert.match(formatComparison(comparison), /0\.900\s+0\.550\s+3\s+−38\.9%/);
});

Deno.test("confirmRegressions() with no confirmations is compareRatios()", async () => {
  const reports = [run({ [SODIUM]: 0.5 })];
  const base = baseline({ [SODIUM]: 0.9 });
  const { comparison, confirmations } = await confirmRegressions(reports, base, {
    confirmations: 0,
    remeasure: () => Promise.reject(new Error("must not re-measure")),
  });
  assert.deepEqual(confirmations, []);
  assert.deepEqual(comparison, compareRatios(reports, base));
});

Deno.test("compareRatios() warns about another machine, another mode and a busy start", () => {
  const other = run({ [SODIUM]: 0.9 }, { mode: "quick" });
  other.runtime = { ...other.runtime, cpu: "Other CPU", loadAverage: { start: 1.9, end: 2 } };
  const w = compareRatios([other], baseline({ [SODIUM]: 0.9 })).warnings.join("\n");
  assert.match(w, /"quick" mode/);
  assert.match(w, /Other CPU/);
  assert.match(w, /load average 1\.90/);
});

Deno.test("makeBaseline() records the median, the runs and their spread, and keeps tolerances", () => {
  const first = makeBaseline([run({ [SODIUM]: 0.9, [GCM]: 0.8 })]);
  first.entries[SODIUM].tolerance = 0.4;
  const runs = [run({ [SODIUM]: 0.8 }), run({ [SODIUM]: 1 }), run({ [SODIUM]: 0.9 })];
  const next = makeBaseline(runs, { previous: first });
  assert.equal(next.schema, BASELINE_SCHEMA);
  assert.equal(next.tolerance, 0.25);
  // 0.8 is 15.8 % below the median of the other two runs (0.95): the worst loss of one run.
  assert.deepEqual(next.entries[SODIUM], {
    ratio: 0.9,
    tolerance: 0.4,
    runs: [0.8, 1, 0.9],
    spread: 0.222,
    worstLoss: 0.158,
  });
  // Not measured by these (filtered) runs: kept as it was.
  assert.deepEqual(next.entries[GCM], first.entries[GCM]);
  assert.equal(next.runs.length, 3);
  assert.equal(next.machine.cpu, "Test CPU");
  assert.throws(() => makeBaseline([]), RangeError);
  assert.throws(() => makeBaseline([run({}), run({}, { mode: "quick" })]), RangeError);
});

Deno.test("makeBaseline() records the raw baselines' usual GCM and compareRatios() warns when a run differs", () => {
  const picks = (gcm: string) => ({
    baseline: { picks: [{ name: "peel/aes-gcm/16KiB/baseline", gcm }, { name: "x" }] },
  });
  const runs = ["node:crypto", "webcrypto", "node:crypto"].map((g) =>
    run({ [SODIUM]: 1 }, picks(g) as Partial<BenchReport>)
  );
  const b = makeBaseline(runs);
  assert.deepEqual(b.gcm, { "peel/aes-gcm/16KiB/baseline": "node:crypto" });
  assert.deepEqual(parseBaseline(JSON.parse(JSON.stringify(b))), b);
  assert.throws(() => parseBaseline({ ...b, gcm: { a: "openssl" } }), TypeError);
  assert.deepEqual(compareRatios([runs[0]], b).warnings, []);
  assert.deepEqual(compareRatios([runs[1]], b).warnings, [
    "peel/aes-gcm/16KiB: this run's raw baseline used webcrypto AES-GCM, the recording runs mostly node:crypto: " +
    "that group's ratios shift (re-measures use node:crypto)",
  ]);
});

Deno.test("makeBaseline() derives per-entry tolerances from the worst single-run loss", () => {
  const previous = makeBaseline([run({ [SODIUM]: 1, [NOBLE]: 1, [GCM]: 1 })]);
  previous.entries[SODIUM].tolerance = 0.45;
  const ratios = [[1, 1, 1], [1.02, 0.7, 1], [0.98, 1, 1], [1, 1.01, 1]];
  const runs = ratios.map(([a, b, c]) => run({ [SODIUM]: a, [NOBLE]: b, [GCM]: c }));
  const b = makeBaseline(runs, { previous, deriveTolerances: true });
  // Quiet: 2 % is under the global 25 %, so no own tolerance (the old hand-set one is replaced).
  assert.equal(b.entries[SODIUM].worstLoss, 0.02);
  assert.equal(b.entries[SODIUM].tolerance, undefined);
  // 0.7 is 30 % below the others' median.
  assert.equal(b.entries[NOBLE].worstLoss, 0.3);
  assert.equal(b.entries[NOBLE].tolerance, 0.3);
  // Quiet too, but WebCrypto's ratio moves with the load on the other core: the cap.
  assert.equal(b.entries[GCM].worstLoss, 0);
  assert.equal(b.entries[GCM].tolerance, 0.6);
  assert.match(b.note, /max\(global, 1 × worstLoss\)/);
  assert.throws(() => makeBaseline(runs.slice(0, 2), { deriveTolerances: true }), RangeError);
  assert.equal(derivedTolerance(0.1, 0.25), 0.25);
  assert.equal(derivedTolerance(0.27, 0.25), 0.3);
  assert.equal(derivedTolerance(0.2, 0.1), 0.2);
  assert.equal(derivedTolerance(0.95, 0.25), 0.6);
  assert.equal(worstLoss([1, 1.2, 0.9]).toFixed(3), "0.182"); // 0.9 against the median of 1 and 1.2
});

Deno.test("parseBaseline() rejects other files and bad tolerances", () => {
  const good = baseline({ [SODIUM]: 0.9 });
  assert.deepEqual(parseBaseline(JSON.parse(JSON.stringify(good))), good);
  assert.throws(() => parseBaseline({ schema: "allium-bench/v1" }), TypeError);
  assert.throws(() => parseBaseline({ ...good, tolerance: 2 }), RangeError);
  assert.throws(() => parseBaseline({ ...good, entries: { [SODIUM]: { ratio: -1 } } }), TypeError);
});

Deno.test("readBaseline() gives undefined for no file and round-trips writeBaseline()", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "baseline.json");
    assert.equal(await readBaseline(path), undefined);
    const b = baseline({ [SODIUM]: 0.9 });
    await writeBaseline(path, b);
    assert.deepEqual(await readBaseline(path), b);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = new URL("./regression.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", script, ...args] }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("regression.ts exits 0 within tolerance, 1 on a regression, 2 without results", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const base = join(dir, "baseline.json");
    const ok = join(dir, "ok.json");
    const bad = join(dir, "bad.json");
    await writeBaseline(base, baseline({ [SODIUM]: 0.9, [NOBLE]: 0.1 }));
    await Deno.writeTextFile(ok, JSON.stringify(run({ [SODIUM]: 0.85, [NOBLE]: 0.1 })));
    await Deno.writeTextFile(bad, JSON.stringify(run({ [SODIUM]: 0.5, [NOBLE]: 0.1 })));

    const pass = await cli(["--results", ok, "--baseline", base]);
    assert.equal(pass.code, 0, pass.stderr);
    assert.match(pass.stdout, /entry\s+baseline\s+current\s+runs\s+change\s+allowed\s+verdict/);
    assert.match(pass.stdout, /PASS/);

    const fail = await cli(["--results", bad, "--baseline", base]);
    assert.equal(fail.code, 1);
    assert.match(fail.stdout, /REGRESSED/);
    const loose = await cli(["--results", bad, "--baseline", base, "--tolerance", "0.5", "--json"]);
    assert.equal(loose.code, 0);
    assert.equal(JSON.parse(loose.stdout).passed, true);

    const none = await cli(["--results", join(dir, "absent.json"), "--baseline", base]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no bench results at .*absent\.json/);
    assert.match(none.stderr, /bench\/run\.ts --json/);

    // --confirm re-measures the regressed case for real (quick time boxes: the run was quick).
    const quickBad = join(dir, "quick_bad.json");
    await Deno.writeTextFile(quickBad, JSON.stringify(run({ [SODIUM]: 0.5, [NOBLE]: 0.1 }, { mode: "quick" })));
    // (The verdict depends on the real ratio, so only the re-measure itself is checked.)
    const confirmed = await cli(["--results", quickBad, "--baseline", base, "--confirm", "1", "--tolerance", "0.3"]);
    assert.ok(confirmed.code === 0 || confirmed.code === 1, confirmed.stderr);
    assert.match(confirmed.stderr, /re-measuring 1 regressed case\(s\): peel\/xchacha20\/1KiB\/sodium/);
    assert.match(confirmed.stdout, /peel\/xchacha20\/1KiB\/sodium\s+0\.900\s+\S+\s+2\s/);
    const check = JSON.parse(await Deno.readTextFile(join(dir, "check.json")));
    assert.deepEqual(check.confirmations[0].cases, [SODIUM]);
    assert.equal(check.comparison.rows[0].runs.length, 2);

    const update = await cli([
      "--results",
      ok,
      "--results",
      bad,
      "--baseline",
      join(dir, "new.json"),
      "--update-baseline",
    ]);
    assert.equal(update.code, 0, update.stderr);
    const made = (await readBaseline(join(dir, "new.json")))!;
    assert.deepEqual(made.entries[SODIUM].runs, [0.85, 0.5]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
