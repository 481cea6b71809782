/**
 * The ratio regression check of `bench/run.ts`: compares the ratios (subject ops/s ÷ raw baseline
 * ops/s, measured in the same run) of one or more bench reports with the committed baseline file
 * `bench/baseline.json`, never absolute times — these machines are shared and noisy, the ratios
 * are what hold (performance.md).
 *
 * ```
 * deno run -A bench/regression.ts [--results <file>]... [--baseline <file>] [--tolerance <fraction>]
 *                                 [--confirm <n>] [--allow-missing] [--json]
 *                                 [--update-baseline [--derive-tolerances]]
 * ```
 *
 * - `--results`: a report written by `bench/run.ts` (default `bench/results/latest.json`); give it
 *   several times to compare (or record) the median ratio of several runs;
 * - `--baseline`: the baseline file (default `bench/baseline.json`);
 * - `--tolerance`: the allowed loss as a fraction (0.25 = a ratio may be 25 % lower than the
 *   baseline's); overrides the file's global tolerance, not the per-entry ones;
 * - `--confirm`: measure each regressed entry again, up to n times (default 0 here, 2 in
 *   `run.ts --check`), and judge it on the median of its runs ({@link confirmRegressions});
 * - `--allow-missing`: a baseline entry the run did not measure is reported but does not fail;
 * - `--update-baseline`: rewrite the baseline file from the given results instead of checking
 *   (per-entry tolerances of the old file are kept);
 * - `--derive-tolerances`: with `--update-baseline` and ≥ 3 results, set each entry's tolerance
 *   from its recorded noise instead (see `_baseline_file.ts`, {@link derivedTolerance});
 * - `--json`: print the comparison as JSON instead of the table.
 *
 * The comparison (and any re-measure reports) is also written as `check.json` beside the first
 * results file.
 *
 * Exit status: 0 no regression, 1 a regression (or a missing entry), 2 the check could not run.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import type { BenchReport } from "./run.ts";
import {
  type BaselineFile,
  checkTolerance,
  DEFAULT_TOLERANCE,
  makeBaseline,
  median,
  ratiosOf,
  readBaseline,
  round,
  writeBaseline,
} from "./_baseline_file.ts";

export {
  BASELINE_SCHEMA,
  type BaselineEntry,
  type BaselineFile,
  DEFAULT_TOLERANCE,
  derivedTolerance,
  makeBaseline,
  parseBaseline,
  ratiosOf,
  readBaseline,
  worstLoss,
  writeBaseline,
} from "./_baseline_file.ts";

/** Default paths, relative to this file. */
export const DEFAULT_BASELINE_FILE = fileURLToPath(new URL("./baseline.json", import.meta.url));
export const DEFAULT_RESULTS_FILE = fileURLToPath(new URL("./results/latest.json", import.meta.url));
/** A run whose background load (1-minute average at the start, per core) was above this gets a warning. */
const BUSY_LOAD_PER_CORE = 0.5;

/** What the check says about one entry. */
export type Verdict = "ok" | "improved" | "regressed" | "missing" | "new" | "skipped";

/** One line of the comparison. */
export interface ComparisonRow {
  name: string;
  /** Baseline ratio (null for a case the baseline does not have). */
  baseline: number | null;
  /** Median ratio of the runs (null when no run measured it). */
  current: number | null;
  /** The ratio in each run that measured it (more than one when a regression was re-measured). */
  runs: number[];
  /** current / baseline − 1 (null unless both are known). */
  change: number | null;
  /** Allowed loss for this entry. */
  tolerance: number;
  verdict: Verdict;
}

/** The outcome of {@link compareRatios}. */
export interface Comparison {
  rows: ComparisonRow[];
  /** Entries that regressed beyond their tolerance. */
  regressed: number;
  /** Baseline entries no run measured (although the runs' filters included them). */
  missing: number;
  /** False on any regression, and on a missing entry unless `allowMissing`. */
  passed: boolean;
  /** Reasons to read the verdicts with care (other machine, other mode, a busy machine). */
  warnings: string[];
}

/** Options of {@link compareRatios}. */
export interface CompareOptions {
  /** Overrides the baseline file's global tolerance (per-entry tolerances still win). */
  tolerance?: number;
  /** Report missing entries without failing. */
  allowMissing?: boolean;
}

/**
 * Compare the ratios of one or more runs (the median per case when several) with a baseline.
 * A ratio more than its tolerance below the baseline's is a regression; more than its tolerance
 * above is an improvement (passes; the baseline may want updating).
 *
 * @param reports the runs
 * @param baseline the committed baseline
 * @param options tolerance override, missing-entry policy
 * @returns a row per entry of either side, the counts and the verdict
 * @throws {RangeError} when `options.tolerance` is not a fraction in [0, 1)
 * @example A 10 % loss passes a 25 % tolerance, a 40 % loss fails it
 * ```ts
 * import { compareRatios, type BaselineFile } from "./regression.ts";
 * import type { BenchReport } from "./run.ts";
 * const base = { schema: "allium-bench-baseline/v1", tolerance: 0.25, mode: "default", entries: {
 *   "peel/xchacha20/1KiB/sodium": { ratio: 0.9, runs: [0.9], spread: 0 },
 *   "peel/xchacha20/1KiB/noble": { ratio: 0.1, runs: [0.1], spread: 0 },
 * } } as unknown as BaselineFile;
 * const run = { mode: "default", filter: null, results: [
 *   { name: "peel/xchacha20/1KiB/sodium", subject: "sodium", ratio: 0.81 },
 *   { name: "peel/xchacha20/1KiB/noble", subject: "noble", ratio: 0.06 },
 * ] } as unknown as BenchReport;
 * const c = compareRatios([run], base);
 * if (c.passed || c.regressed !== 1 || c.rows[0].verdict !== "ok") throw new Error("unexpected verdicts");
 * ```
 */
export function compareRatios(
  reports: readonly BenchReport[],
  baseline: BaselineFile,
  options: CompareOptions = {},
): Comparison {
  const global = checkTolerance(options.tolerance ?? baseline.tolerance ?? DEFAULT_TOLERANCE, "the check");
  const current = ratiosOf(reports);
  const couldRun = (name: string) =>
    reports.some((r) => (r.filter == null || name.includes(r.filter)) && (r.cases == null || r.cases.includes(name)));
  const rows: ComparisonRow[] = [];
  for (const [name, entry] of Object.entries(baseline.entries)) {
    const tolerance = entry.tolerance ?? global;
    const runs = current.get(name);
    if (runs === undefined) {
      const verdict = couldRun(name) ? "missing" : "skipped";
      rows.push({ name, baseline: entry.ratio, current: null, runs: [], change: null, tolerance, verdict });
      continue;
    }
    const now = round(median(runs));
    const change = now / entry.ratio - 1;
    const verdict = change < -tolerance ? "regressed" : change > tolerance ? "improved" : "ok";
    rows.push({ name, baseline: entry.ratio, current: now, runs, change, tolerance, verdict });
  }
  for (const [name, runs] of current) {
    if (Object.hasOwn(baseline.entries, name)) continue;
    rows.push({
      name,
      baseline: null,
      current: round(median(runs)),
      runs,
      change: null,
      tolerance: global,
      verdict: "new",
    });
  }
  const regressed = rows.filter((r) => r.verdict === "regressed").length;
  const missing = rows.filter((r) => r.verdict === "missing").length;
  return {
    rows,
    regressed,
    missing,
    passed: regressed === 0 && (missing === 0 || options.allowMissing === true),
    warnings: warningsFor(reports, baseline),
  };
}

/** Options of {@link confirmRegressions}. */
export interface ConfirmOptions extends CompareOptions {
  /**
   * Measure these cases again (exact names) and return that run's report: `run.ts` passes
   * `runBench({ cases })`; tests pass a stub.
   */
  remeasure: (names: string[]) => Promise<BenchReport>;
  /** Re-measures at most (default {@link DEFAULT_CONFIRMATIONS}); 0 compares the given runs only. */
  confirmations?: number;
}

/** Re-measures of a regressed entry before it counts: its verdict is then on the median of 3 runs. */
export const DEFAULT_CONFIRMATIONS = 2;

/**
 * {@link compareRatios}, then measure every regressed entry again (only those cases, with their
 * groups' raw baselines) and compare the median of all its runs, up to `confirmations` times. A
 * burst of load on a shared machine spoils one run; a real regression survives the re-measures.
 * bench/README.md ("Tolerance") has the measurements behind this.
 *
 * @param reports the runs so far (usually one full run)
 * @param baseline the committed baseline
 * @param options tolerance, missing-entry policy, how to re-measure and how often
 * @returns the final comparison and the re-measure reports
 * @throws {RangeError} when `options.tolerance` is not a fraction in [0, 1)
 * @example A dip that does not come back passes; the re-measure saw the usual ratio
 * ```ts
 * import { type BaselineFile, confirmRegressions } from "./regression.ts";
 * import type { BenchReport } from "./run.ts";
 * const name = "peel/aes-gcm/1KiB/sodium";
 * const base = { tolerance: 0.25, mode: "default", entries: { [name]: { ratio: 0.9, runs: [0.9], spread: 0 } } };
 * const run = (ratio: number) =>
 *   ({ mode: "default", filter: null, cases: null, results: [{ name, subject: "sodium", ratio }] }) as unknown as BenchReport;
 * const { comparison, confirmations } = await confirmRegressions([run(0.4)], base as unknown as BaselineFile, {
 *   remeasure: () => Promise.resolve(run(0.88)),
 * });
 * if (!comparison.passed || confirmations.length !== 2 || comparison.rows[0].runs.length !== 3) throw new Error("?");
 * ```
 */
export async function confirmRegressions(
  reports: readonly BenchReport[],
  baseline: BaselineFile,
  options: ConfirmOptions,
): Promise<{ comparison: Comparison; confirmations: BenchReport[] }> {
  const confirmations: BenchReport[] = [];
  let comparison = compareRatios(reports, baseline, options);
  for (let i = 0; i < (options.confirmations ?? DEFAULT_CONFIRMATIONS) && comparison.regressed > 0; i++) {
    const names = comparison.rows.filter((r) => r.verdict === "regressed").map((r) => r.name);
    confirmations.push(await options.remeasure(names));
    comparison = compareRatios([...reports, ...confirmations], baseline, options);
  }
  return { comparison, confirmations };
}

function warningsFor(reports: readonly BenchReport[], baseline: BaselineFile): string[] {
  const warnings: string[] = [];
  const m = baseline.machine;
  for (const r of reports) {
    if (r.mode !== baseline.mode) {
      warnings.push(`a run is in "${r.mode}" mode, the baseline in "${baseline.mode}" mode: expect more noise`);
    }
    const rt = r.runtime;
    if (m !== undefined && rt !== undefined && (rt.cpu !== m.cpu || rt.cores !== m.cores || rt.deno !== m.deno)) {
      warnings.push(
        `a run is on ${rt.cpu} (${rt.cores} cores, Deno ${rt.deno}), the baseline on ${m.cpu} (${m.cores} cores, ` +
          `Deno ${m.deno}): ratios travel better than times, but not perfectly`,
      );
    }
    if (rt !== undefined && rt.loadAverage.start > BUSY_LOAD_PER_CORE * rt.cores) {
      warnings.push(`a run started with load average ${rt.loadAverage.start.toFixed(2)} on ${rt.cores} cores`);
    }
    for (const p of r.baseline?.picks ?? []) {
      const usual = baseline.gcm?.[p.name];
      if (p.gcm === undefined || usual === undefined || p.gcm === usual) continue;
      warnings.push(
        `${p.name.slice(0, p.name.lastIndexOf("/"))}: this run's raw baseline used ${p.gcm} AES-GCM, the recording ` +
          `runs mostly ${usual}: that group's ratios shift (re-measures use ${usual})`,
      );
    }
  }
  return [...new Set(warnings)];
}

function pct(x: number): string {
  return `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(1)}%`;
}

const VERDICT_TEXT: Record<Verdict, string> = {
  ok: "ok",
  improved: "improved",
  regressed: "REGRESSED",
  missing: "MISSING",
  new: "new (not in baseline)",
  skipped: "skipped (filtered out)",
};

/**
 * The comparison as a plain-text table: entry, baseline ratio, current ratio (median of `runs`
 * runs), change, allowed loss, verdict; then the warnings and a one-line summary.
 *
 * @param comparison from {@link compareRatios}
 * @returns the text
 * @example
 * ```ts
 * import { formatComparison } from "./regression.ts";
 * const text = formatComparison({ rows: [{ name: "peel/aes-gcm/1KiB/sodium", baseline: 0.93, current: 0.6,
 *   runs: [0.6], change: 0.6 / 0.93 - 1, tolerance: 0.25, verdict: "regressed" }], regressed: 1, missing: 0,
 *   passed: false, warnings: [] });
 * if (!text.includes("REGRESSED") || !text.includes("−35.5%")) throw new Error(text);
 * ```
 */
export function formatComparison(comparison: Comparison): string {
  const head = ["entry".padEnd(34), "baseline".padStart(8), "current".padStart(8), "runs".padStart(4)];
  head.push("change".padStart(8));
  head.push("allowed".padStart(8), "verdict");
  const lines = [head.join("  "), "-".repeat(head.join("  ").length + 8)];
  for (const r of comparison.rows) {
    lines.push([
      r.name.padEnd(34),
      (r.baseline?.toFixed(3) ?? "—").padStart(8),
      (r.current?.toFixed(3) ?? "—").padStart(8),
      String(r.runs.length).padStart(4),
      (r.change === null ? "—" : pct(r.change)).padStart(8),
      pct(-r.tolerance).padStart(8),
      VERDICT_TEXT[r.verdict],
    ].join("  "));
  }
  lines.push("");
  for (const w of comparison.warnings) lines.push(`warning: ${w}`);
  const count = (v: Verdict) => comparison.rows.filter((r) => r.verdict === v).length;
  const parts = (["ok", "improved", "regressed", "missing", "new", "skipped"] as const)
    .filter((v) => count(v) > 0).map((v) => `${count(v)} ${v}`);
  lines.push(`ratio check: ${parts.join(", ")} → ${comparison.passed ? "PASS" : "FAIL"}`);
  if (count("improved") > 0) {
    lines.push("improvements beyond the tolerance: consider recording them with --update-baseline");
  }
  return lines.join("\n");
}

/** The file name of the check's record, beside the results. */
export const CHECK_FILE = "check.json";

/**
 * Write the check's record: the comparison and the re-measure reports (beside, then rename).
 *
 * @param path the file
 * @param result from {@link confirmRegressions}
 */
export async function writeCheck(
  path: string,
  result: { comparison: Comparison; confirmations: BenchReport[] },
): Promise<void> {
  const tmp = `${path}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(result, null, 2) + "\n");
  await Deno.rename(tmp, path);
}

/** Why the check cannot run yet, and how to make it run. */
function noResults(path: string): string {
  return `no bench results at ${path}\n` +
    "  run the bench first: `deno run -A bench/run.ts --json` (≈ 2 min; or `npm run bench -- --check`,\n" +
    "  which runs it and then this check), or pass --results <file> from an earlier run";
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      results: { type: "string", multiple: true },
      baseline: { type: "string", default: DEFAULT_BASELINE_FILE },
      tolerance: { type: "string" },
      confirm: { type: "string", default: "0" },
      "allow-missing": { type: "boolean", default: false },
      "update-baseline": { type: "boolean", default: false },
      "derive-tolerances": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(
      "usage: deno run -A bench/regression.ts [--results <file>]... [--baseline <file>] [--tolerance <fraction>]\n" +
        "                                       [--confirm <n>] [--allow-missing] [--json]\n" +
        "                                       [--update-baseline [--derive-tolerances]]",
    );
    return 0;
  }
  const tolerance = values.tolerance === undefined ? undefined : Number(values.tolerance);
  const files = values.results ?? [DEFAULT_RESULTS_FILE];
  const reports: BenchReport[] = [];
  for (const f of files) {
    try {
      reports.push(JSON.parse(await Deno.readTextFile(f)) as BenchReport);
    } catch (e) {
      console.error(e instanceof Deno.errors.NotFound ? noResults(f) : `cannot read ${f}: ${e}`);
      return 2;
    }
  }
  const previous = await readBaseline(values.baseline);
  if (values["update-baseline"]) {
    const next = makeBaseline(reports, { previous, tolerance, deriveTolerances: values["derive-tolerances"] });
    await writeBaseline(values.baseline, next);
    console.error(
      `wrote ${values.baseline}: ${Object.keys(next.entries).length} entries from ${reports.length} run(s)`,
    );
    return 0;
  }
  if (previous === undefined) {
    console.error(`no baseline at ${values.baseline}: record one with --update-baseline (bench/README.md)`);
    return 2;
  }
  const quick = reports[0].mode === "quick";
  const result = await confirmRegressions(reports, previous, {
    tolerance,
    allowMissing: values["allow-missing"],
    confirmations: Number(values.confirm),
    // Imported only when needed: a plain comparison of files loads no crypto.
    remeasure: async (cases) => {
      console.error(`bench: re-measuring ${cases.length} regressed case(s): ${cases.join(", ")}`);
      const { runBench } = await import("./run.ts");
      const log = (line: string) => console.error(`bench: ${line}`);
      return runBench({ quick, cases, baselineGcm: previous.gcm, log });
    },
  });
  await writeCheck(join(dirname(files[0]), CHECK_FILE), result);
  const { comparison } = result;
  console.log(values.json ? JSON.stringify(comparison, null, 2) : formatComparison(comparison));
  return comparison.passed ? 0 : 1;
}

// No top-level await: a re-measure imports run.ts, which imports this module; awaiting here would
// leave this module evaluating, and that import waiting for it, forever.
if (import.meta.main) main().then((code) => Deno.exit(code));
