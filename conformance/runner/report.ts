/**
 * Reports of a conformance run: a readable summary (counts by family and outcome, then every
 * failure with its test id and what differed) and a machine-readable JSON document with the same
 * content. Both modes of the runner (adapter and black box) report this way.
 *
 * @module
 */

import { type Outcome, runFailed, type TestResult } from "./results.ts";

/** Every outcome, in report order. */
export const OUTCOMES: readonly Outcome[] = ["pass", "fail", "unsupported", "known_failure", "unexpected_pass"];

/** What was run, against what, with which options. */
export interface RunMeta {
  /** `adapter` (a child process) or `blackbox` (a node over HTTP). */
  mode: "adapter" | "blackbox";
  /** The implementation: its `hello` name and version, or the target URL. */
  implementation: string;
  /** The adapter command, as run. */
  command?: readonly string[];
  /** Operations the adapter listed in its handshake. */
  operations?: readonly string[];
  /** Property seed and cases per family (adapter mode). */
  seed?: number;
  cases?: number;
  /** The known-failures file applied, and its entries that matched no test. */
  knownFailures?: { path: string; entries: number; unmatched: readonly string[] };
  /** When the adapter could not be started or kept running, why. */
  adapterError?: string;
  /** Wall time of the run. */
  durationMs: number;
}

/** A finished run. */
export interface RunReport {
  meta: RunMeta;
  results: TestResult[];
}

/** Counts by family, then by outcome. */
export type Summary = Record<string, Record<Outcome, number>>;

/** Version of the JSON report layout. */
export const REPORT_FORMAT = "allium-conformance-report/1";

/**
 * Count results by family and outcome (families in first-seen order).
 *
 * @param results the results
 * @returns family → outcome → count
 * @example
 * ```ts
 * import { summarize } from "./report.ts";
 * const s = summarize([{ id: "hop/x/1", family: "hop", outcome: "pass" }, { id: "hop/x/2", family: "hop", outcome: "fail", detail: "d" }]);
 * if (s.hop.pass !== 1 || s.hop.fail !== 1 || s.hop.unsupported !== 0) throw new Error("bad");
 * ```
 */
export function summarize(results: readonly TestResult[]): Summary {
  const out: Summary = {};
  for (const r of results) {
    out[r.family] ??= Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
    out[r.family][r.outcome]++;
  }
  return out;
}

/**
 * The machine-readable report.
 *
 * @param report the run
 * @returns a JSON-serialisable object: format, passed (the exit status), meta, summary, results
 * @example
 * ```ts
 * import { reportJson } from "./report.ts";
 * const j = reportJson({ meta: { mode: "adapter", implementation: "x", durationMs: 1 }, results: [] });
 * if (j.passed !== true || j.format !== "allium-conformance-report/1") throw new Error("bad");
 * ```
 */
export function reportJson(report: RunReport): {
  format: string;
  passed: boolean;
  meta: RunMeta;
  summary: Summary;
  results: TestResult[];
} {
  return {
    format: REPORT_FORMAT,
    passed: !runFailed(report.results),
    meta: report.meta,
    summary: summarize(report.results),
    results: report.results,
  };
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/**
 * The readable summary.
 *
 * @param report the run
 * @returns text: header, a table of counts by family and outcome, then each failure and
 *   unexpected pass with its id and detail, then the verdict
 * @example
 * ```ts
 * import { reportText } from "./report.ts";
 * const text = reportText({
 *   meta: { mode: "adapter", implementation: "x", seed: 1, cases: 2, durationMs: 5 },
 *   results: [{ id: "hop/hop_aesgcm_v1/100", family: "hop", outcome: "fail", detail: "hop.encrypt: blob differs" }],
 * });
 * if (!text.includes("hop/hop_aesgcm_v1/100") || !text.includes("FAILED")) throw new Error(text);
 * ```
 */
export function reportText(report: RunReport): string {
  const { meta, results } = report;
  const lines: string[] = [];
  lines.push(`allium conformance (${meta.mode}): ${meta.implementation}`);
  if (meta.command) lines.push(`  command: ${meta.command.join(" ")}`);
  if (meta.seed !== undefined) {
    lines.push(`  property seed ${meta.seed}, ${meta.cases} cases per family (rerun with --seed ${meta.seed})`);
  }
  if (meta.operations) {
    lines.push(`  operations: ${meta.operations.length > 0 ? meta.operations.join(", ") : "(none)"}`);
  }
  if (meta.knownFailures) {
    const k = meta.knownFailures;
    lines.push(
      `  known failures: ${k.path} (${k.entries} entries${
        k.unmatched.length > 0 ? `, ${k.unmatched.length} matched no test in this run` : ""
      })`,
    );
  }
  if (meta.adapterError) lines.push(`  ADAPTER ERROR: ${meta.adapterError}`);
  lines.push("");

  const summary = summarize(results);
  const headers = ["family", ...OUTCOMES];
  const rows = Object.entries(summary).map(([family, c]) => [family, ...OUTCOMES.map((o) => String(c[o]))]);
  const total = OUTCOMES.map((o) => String(results.filter((r) => r.outcome === o).length));
  rows.push(["total", ...total]);
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  lines.push(headers.map((h, i) => pad(h, widths[i], i > 0)).join("  "));
  for (const r of rows) lines.push(r.map((c, i) => pad(c, widths[i], i > 0)).join("  "));

  const bad = results.filter((r) => r.outcome === "fail" || r.outcome === "unexpected_pass");
  if (bad.length > 0) {
    lines.push("", `FAILURES (${bad.length})`);
    for (const r of bad) lines.push(`  ${r.id}  [${r.outcome}] ${r.detail ?? ""}`);
  }
  const known = results.filter((r) => r.outcome === "known_failure");
  if (known.length > 0) lines.push("", `${known.length} known failures (listed in the known-failures file)`);
  lines.push("");
  const seconds = (meta.durationMs / 1000).toFixed(1);
  lines.push(
    runFailed(results)
      ? `FAILED: ${bad.length} unexpected results out of ${results.length} tests (${seconds} s)`
      : `PASSED: ${results.length} tests, no unexpected failures (${seconds} s)`,
  );
  return lines.join("\n");
}
