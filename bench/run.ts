/**
 * `npm run bench`: per-hop peel and 3-hop build for every provider that loads, both ciphers and
 * three payload sizes, each as a ratio to a raw baseline measured in the same run (the same crypto
 * steps as direct sodium-native / native AES-GCM calls, see `_baseline.ts`), and as layer
 * throughput (MB/s of layer plaintext sealed or opened).
 *
 * Method: every output is verified before anything is timed (style.md rule 12); each group
 * (operation × cipher × size) is warmed up, then measured in interleaved, time-boxed rounds — the
 * baseline and every provider take turns — and the median ops/s of the rounds is reported.
 *
 * ```
 * deno run -A bench/run.ts [--quick] [--filter <substring>] [--json] [--out <file>]
 *                          [--check] [--baseline <file>] [--tolerance <fraction>] [--confirm <n>]
 *                          [--update-baseline]
 * ```
 *
 * - `--quick`: tiny time boxes for a CI smoke run (< 20 s);
 * - `--filter`: only cases whose name contains the substring, e.g. `peel/xchacha20/1KiB` or
 *   `sodium` (a group's baseline always runs with it);
 * - `--json`: print only the JSON report on stdout (progress and the check's table go to stderr);
 * - `--out`: where to write the report (default `bench/results/latest.json`); the chart
 *   (`chart.ts`) goes beside it as `throughput.svg`;
 * - `--check`: then compare the ratios with the baseline file (`regression.ts`, default
 *   `bench/baseline.json`), measure each regressed case again up to `--confirm` times (default 2)
 *   and exit 1 if the median of its runs still regresses; `--tolerance` overrides the file's
 *   global tolerance; the comparison goes to `check.json` beside the results;
 * - `--update-baseline`: then rewrite the baseline file from this run.
 *
 * @module
 */

import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { allProviders, defaultProvider, type ProviderName } from "../mod.ts";
import { calibrateHmac, type Cipher, type GcmImpl, type HmacCalibration } from "./_baseline.ts";
import {
  type BaselinePick,
  buildCases,
  caseName,
  KIB,
  layerBytes,
  makeOnion,
  MIB,
  type Operation,
  peelCases,
  sizeLabel,
  type Subject,
} from "./_cases.ts";
import { type Measured, measureInterleaved, type TimedCase, type Timing } from "./_harness.ts";
import { formatTable } from "./_table.ts";
import { renderThroughputChart } from "./chart.ts";
import {
  CHECK_FILE,
  confirmRegressions,
  DEFAULT_BASELINE_FILE,
  DEFAULT_CONFIRMATIONS,
  formatComparison,
  makeBaseline,
  readBaseline,
  writeBaseline,
  writeCheck,
} from "./regression.ts";

export type { BaselinePick, Cipher, GcmImpl, Operation, Subject };
export { formatTable };

/** One measured case. */
export interface CaseResult {
  /** `<operation>/<cipher>/<size>/<subject>`, the string `--filter` matches. */
  name: string;
  operation: Operation;
  cipher: Cipher;
  /** Payload size in bytes. */
  size: number;
  subject: Subject;
  /** Median ops/s of the rounds. */
  opsPerSec: number;
  /** Microseconds per operation at the median. */
  usPerOp: number;
  /** Ops/s of each round. */
  rounds: number[];
  /** (max − min) / median of the rounds: how noisy the case was. */
  spread: number;
  /** Operations timed (warm-up excluded). */
  ops: number;
  /** subject ops/s ÷ baseline ops/s of the same group (1 for the baseline); also the throughput ratio. */
  ratio: number;
  /** Bytes of layer plaintext one operation seals (build: all four layers) or opens (peel: one layer). */
  bytesPerOp: number;
  /** Layer throughput at the median: bytesPerOp × opsPerSec / 10^6. */
  mbPerSec: number;
  /** Outputs were checked before timing (always true in a report: a failed check throws). */
  verified: true;
}

/** The acceptance check: the default provider against the raw baseline at 1 KiB. */
export interface TargetCheck {
  operation: Operation;
  cipher: Cipher;
  ratio: number;
  met: boolean;
}

/** The whole report (also the JSON written to `bench/results/latest.json`). */
export interface BenchReport {
  schema: "allium-bench/v1";
  date: string;
  mode: "default" | "quick" | "custom";
  runtime: {
    deno: string;
    v8: string;
    typescript: string;
    os: string;
    arch: string;
    cpu: string;
    cores: number;
    /** 1-minute load average before and after the run: well above 0 means other work shared the cores. */
    loadAverage: { start: number; end: number };
  };
  timing: Timing;
  calibrationTiming: Timing;
  filter: string | null;
  /** Only these cases (exact names, their groups' baselines with them), or null for all: a re-measure of the check. */
  cases: string[] | null;
  defaultProvider: ProviderName;
  providers: Record<string, Readonly<Record<string, string>>>;
  baseline: { description: string; hmac: HmacCalibration; picks: BaselinePick[] };
  results: CaseResult[];
  target: { provider: ProviderName; size: number; threshold: number; checks: TargetCheck[]; met: boolean | null };
  durationMs: number;
}

/** Options of {@link runBench}. */
export interface BenchOptions {
  /** CI smoke time boxes. */
  quick?: boolean;
  /** Only cases whose name contains this. */
  filter?: string;
  /** Only these cases, by exact name (with `filter`, both must match). */
  cases?: readonly string[];
  /**
   * The GCM implementation of an aes-gcm raw baseline, by its case name (`peel/aes-gcm/16KiB/baseline`),
   * instead of the faster one in this run: the regression check re-measures like for like.
   */
  baselineGcm?: Readonly<Record<string, GcmImpl>>;
  /** Payload sizes in bytes (default 1 KiB, 16 KiB, 1 MiB). */
  sizes?: readonly number[];
  /** Ciphers (default both). */
  ciphers?: readonly Cipher[];
  /** Providers (default every provider that loads). */
  providers?: readonly ProviderName[];
  /** Override the measurement time boxes. */
  timing?: Timing;
  /** Override the calibration time boxes. */
  calibrationTiming?: Timing;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** Payload sizes of the issue: a typical request, a large one, the upper end. */
const DEFAULT_SIZES: readonly number[] = [KIB, 16 * KIB, MIB];
const CIPHERS: readonly Cipher[] = ["xchacha20", "aes-gcm"];
/** Acceptance target: default provider ≥ 0.9 × raw baseline at 1 KiB. */
const TARGET_RATIO = 0.9;
const TARGET_SIZE = KIB;
/**
 * ~2 minutes on 2 cores for 6 groups × (4 peel + 4 build cases). Many short rounds rather than a few
 * long ones: on a shared machine a burst of load then spoils a round of every case, not a case.
 */
const DEFAULT_TIMING: Timing = { warmupMs: 200, roundMs: 220, rounds: 9 };
const DEFAULT_CALIBRATION: Timing = { warmupMs: 50, roundMs: 100, rounds: 5 };
const QUICK_TIMING: Timing = { warmupMs: 10, roundMs: 20, rounds: 5 };
const QUICK_CALIBRATION: Timing = { warmupMs: 5, roundMs: 10, rounds: 5 };
const US_PER_S = 1e6;
const BYTES_PER_MB = 1e6;
const RESULTS_FILE = fileURLToPath(new URL("./results/latest.json", import.meta.url));
/** The chart's file name, beside the results file. */
const CHART_FILE = "throughput.svg";

function toResults(
  operation: Operation,
  cipher: Cipher,
  size: number,
  bytesPerOp: number,
  cases: TimedCase[],
  m: Map<string, Measured>,
): CaseResult[] {
  const base = m.get(caseName(operation, cipher, size, "baseline"))!.opsPerSec;
  return cases.map((c) => {
    const r = m.get(c.name)!;
    const subject = c.name.slice(c.name.lastIndexOf("/") + 1) as Subject;
    return {
      name: c.name,
      operation,
      cipher,
      size,
      subject,
      opsPerSec: Math.round(r.opsPerSec),
      usPerOp: Number((US_PER_S / r.opsPerSec).toFixed(2)),
      rounds: r.rounds.map((x) => Math.round(x)),
      spread: Number(((Math.max(...r.rounds) - Math.min(...r.rounds)) / r.opsPerSec).toFixed(3)),
      ops: r.ops,
      ratio: Number((r.opsPerSec / base).toFixed(3)),
      bytesPerOp,
      mbPerSec: Number((bytesPerOp * r.opsPerSec / BYTES_PER_MB).toPrecision(4)),
      verified: true,
    };
  });
}

function runtimeInfo(loadAtStart: number): BenchReport["runtime"] {
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    os: Deno.build.os,
    arch: Deno.build.arch,
    cpu: cpus()[0]?.model ?? "unknown",
    cores: navigator.hardwareConcurrency,
    loadAverage: { start: loadAtStart, end: loadavg()[0] },
  };
}

/**
 * Run the benchmark and return the report (prints nothing unless `options.log` is given).
 *
 * @param options sizes, ciphers, providers, filter and time boxes
 * @returns the report; every case in it was verified before it was timed
 * @throws {Error} when a subject or the baseline produces a wrong output
 * @example A tiny run: XChaCha20 peel at 1 KiB, sodium against the raw baseline
 * ```ts
 * import { runBench } from "./run.ts";
 * const t = { warmupMs: 1, roundMs: 2, rounds: 5 };
 * const report = await runBench({
 *   sizes: [1024], ciphers: ["xchacha20"], filter: "peel/xchacha20/1KiB/sodium", timing: t, calibrationTiming: t,
 * });
 * if (report.results.length !== 2 || report.results[0].subject !== "baseline") throw new Error("bad report");
 * ```
 */
export async function runBench(options: BenchOptions = {}): Promise<BenchReport> {
  const t0 = performance.now();
  const loadAtStart = loadavg()[0];
  const log = options.log ?? (() => {});
  const timing = options.timing ?? (options.quick ? QUICK_TIMING : DEFAULT_TIMING);
  const calibrationTiming = options.calibrationTiming ?? (options.quick ? QUICK_CALIBRATION : DEFAULT_CALIBRATION);
  const sizes = options.sizes ?? DEFAULT_SIZES;
  const ciphers = options.ciphers ?? CIPHERS;
  const filter = options.filter ?? "";
  const wanted = (name: string) => name.includes(filter) && (options.cases?.includes(name) ?? true);
  const providers = (await allProviders()).filter((p) => options.providers?.includes(p.name) ?? true);
  const def = await defaultProvider();
  const reference = providers.find((p) => p.name === def.name) ?? def;
  log(`providers: ${providers.map((p) => p.name).join(", ")} (default ${def.name})`);

  const subjects: Subject[] = ["baseline", ...providers.map((p) => p.name)];
  const groupWanted = (cipher: Cipher, size: number) =>
    subjects.some((x) => wanted(caseName("peel", cipher, size, x)) || wanted(caseName("build", cipher, size, x)));

  const hmac = await calibrateHmac(calibrationTiming);
  log(
    `baseline HMAC-SHA256: ${hmac.hmac} (${Object.entries(hmac.opsPerSec).map(([k, v]) => `${k} ${v}/s`).join(", ")})`,
  );

  const results: CaseResult[] = [];
  const picks: BaselinePick[] = [];
  for (const size of sizes) {
    for (const cipher of ciphers) {
      if (!groupWanted(cipher, size)) continue;
      const onion = await makeOnion(cipher, size, reference, hmac.hmac);
      for (const operation of ["peel", "build"] as const) {
        const baseName = caseName(operation, cipher, size, "baseline");
        const anyProvider = providers.some((p) => wanted(caseName(operation, cipher, size, p.name)));
        if (!anyProvider && !wanted(baseName)) continue;
        const make = operation === "peel" ? peelCases : buildCases;
        const forced = options.baselineGcm?.[baseName];
        const { cases, pick } = await make(onion, providers, hmac.hmac, wanted, calibrationTiming, forced);
        picks.push(pick);
        log(
          `measuring ${operation}/${cipher}/${sizeLabel(size)}: ${
            cases.map((c) => c.name.slice(c.name.lastIndexOf("/") + 1)).join(", ")
          }`,
        );
        const m = await measureInterleaved(cases, timing);
        results.push(...toResults(operation, cipher, size, layerBytes(onion, operation), cases, m));
      }
    }
  }

  const checks: TargetCheck[] = [];
  for (const r of results) {
    if (r.subject === def.name && r.size === TARGET_SIZE) {
      checks.push({ operation: r.operation, cipher: r.cipher, ratio: r.ratio, met: r.ratio >= TARGET_RATIO });
    }
  }
  return {
    schema: "allium-bench/v1",
    date: new Date().toISOString(),
    mode: options.timing ? "custom" : options.quick ? "quick" : "default",
    runtime: runtimeInfo(loadAtStart),
    timing,
    calibrationTiming,
    filter: options.filter ?? null,
    cases: options.cases === undefined ? null : [...options.cases],
    defaultProvider: def.name,
    providers: Object.fromEntries(providers.map((p) => [p.name, p.backends])),
    baseline: {
      description: "direct sodium-native calls (X25519, BLAKE2b, XChaCha20-Poly1305, randombytes) and the " +
        "fastest native HMAC-SHA256 / AES-256-GCM measured in this run; no allium code, no framing",
      hmac,
      picks,
    },
    results,
    target: {
      provider: def.name,
      size: TARGET_SIZE,
      threshold: TARGET_RATIO,
      checks,
      met: checks.length === 0 ? null : checks.every((c) => c.met),
    },
    durationMs: Math.round(performance.now() - t0),
  };
}

/** Write beside, then rename: a reader never sees half a file (`bench/results/*.tmp` is git-ignored). */
async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await Deno.writeTextFile(tmp, text);
  await Deno.rename(tmp, path);
}

const USAGE = "usage: deno run -A bench/run.ts [--quick] [--filter <substring>] [--json] [--out <file>]\n" +
  "                                [--check] [--baseline <file>] [--tolerance <fraction>] [--confirm <n>]\n" +
  "                                [--update-baseline]";

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      quick: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      filter: { type: "string" },
      out: { type: "string", default: RESULTS_FILE },
      check: { type: "boolean", default: false },
      baseline: { type: "string", default: DEFAULT_BASELINE_FILE },
      tolerance: { type: "string" },
      confirm: { type: "string", default: String(DEFAULT_CONFIRMATIONS) },
      "update-baseline": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const tolerance = values.tolerance === undefined ? undefined : Number(values.tolerance);
  // Read the baseline first: a bad file should fail before two minutes of measuring, not after.
  const baseline = values.check || values["update-baseline"] ? await readBaseline(values.baseline) : undefined;
  if (values.check && baseline === undefined && !values["update-baseline"]) {
    console.error(`no baseline at ${values.baseline}: record one with --update-baseline (bench/README.md)`);
    return 2;
  }
  const report = await runBench({
    quick: values.quick,
    filter: values.filter,
    log: (line) => console.error(`bench: ${line}`),
  });
  await Deno.mkdir(dirname(values.out), { recursive: true });
  await writeAtomically(values.out, JSON.stringify(report, null, 2) + "\n");
  const chart = join(dirname(values.out), CHART_FILE);
  await writeAtomically(chart, renderThroughputChart(report));
  console.error(`bench: wrote ${values.out} and ${chart}`);
  console.log(values.json ? JSON.stringify(report, null, 2) : formatTable(report));

  let status = 0;
  const say = values.json ? console.error : console.log;
  if (values.check && baseline !== undefined) {
    const result = await confirmRegressions([report], baseline, {
      tolerance,
      confirmations: Number(values.confirm),
      remeasure: (cases) => {
        console.error(`bench: re-measuring ${cases.length} regressed case(s): ${cases.join(", ")}`);
        const log = (line: string) => console.error(`bench: ${line}`);
        return runBench({ quick: values.quick, cases, baselineGcm: baseline.gcm, log });
      },
    });
    await writeCheck(join(dirname(values.out), CHECK_FILE), result);
    say("");
    say(formatComparison(result.comparison));
    if (!result.comparison.passed) status = 1;
  }
  if (values["update-baseline"]) {
    await writeBaseline(values.baseline, makeBaseline([report], { previous: baseline, tolerance }));
    console.error(`bench: wrote ${values.baseline} from this run`);
  }
  return status;
}

if (import.meta.main) Deno.exit(await main());
