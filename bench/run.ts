/**
 * `npm run bench`: per-hop peel and 3-hop build for every provider that loads, both ciphers and
 * three payload sizes, each as a ratio to a raw baseline measured in the same run (the same crypto
 * steps as direct sodium-native / native AES-GCM calls, see `_baseline.ts`).
 *
 * Method: every output is verified before anything is timed (style.md rule 12); each group
 * (operation × cipher × size) is warmed up, then measured in interleaved, time-boxed rounds — the
 * baseline and every provider take turns — and the median ops/s of the rounds is reported.
 *
 * ```
 * deno run -A bench/run.ts [--quick] [--filter <substring>] [--json]
 * ```
 *
 * - `--quick`: tiny time boxes for a CI smoke run (< 20 s);
 * - `--filter`: only cases whose name contains the substring, e.g. `peel/xchacha20/1KiB` or
 *   `sodium` (a group's baseline always runs with it);
 * - `--json`: print only the JSON report on stdout (progress goes to stderr).
 *
 * The report is also written to `bench/results/latest.json`.
 *
 * @module
 */

import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { allProviders, defaultProvider, type ProviderName } from "../mod.ts";
import { calibrateHmac, type Cipher, type HmacCalibration } from "./_baseline.ts";
import {
  type BaselinePick,
  buildCases,
  caseName,
  KIB,
  makeOnion,
  MIB,
  type Operation,
  peelCases,
  sizeLabel,
  type Subject,
} from "./_cases.ts";
import { type Measured, measureInterleaved, type TimedCase, type Timing } from "./_harness.ts";

export type { BaselinePick, Cipher, Operation, Subject };

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
  /** subject ops/s ÷ baseline ops/s of the same group (1 for the baseline). */
  ratio: number;
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
const RESULTS_FILE = new URL("./results/latest.json", import.meta.url);

function toResults(
  operation: Operation,
  cipher: Cipher,
  size: number,
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
  const wanted = (name: string) => name.includes(filter);
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
        const { cases, pick } = await make(onion, providers, hmac.hmac, wanted, calibrationTiming);
        picks.push(pick);
        log(
          `measuring ${operation}/${cipher}/${sizeLabel(size)}: ${
            cases.map((c) => c.name.slice(c.name.lastIndexOf("/") + 1)).join(", ")
          }`,
        );
        const m = await measureInterleaved(cases, timing);
        results.push(...toResults(operation, cipher, size, cases, m));
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

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

/**
 * The report as a plain-text table.
 *
 * @param report a report from {@link runBench}
 * @returns the table and the target verdict
 * @example
 * ```ts
 * import { formatTable, runBench } from "./run.ts";
 * const t = { warmupMs: 1, roundMs: 2, rounds: 5 };
 * const report = await runBench({ sizes: [1024], ciphers: ["xchacha20"], filter: "build/xchacha20/1KiB/sodium", timing: t, calibrationTiming: t });
 * if (!formatTable(report).includes("build")) throw new Error("bad table");
 * ```
 */
export function formatTable(report: BenchReport): string {
  const lines: string[] = [];
  const r = report.runtime;
  lines.push(
    `allium bench — Deno ${r.deno} (V8 ${r.v8}), ${r.cpu}, ${r.cores} cores, ${report.mode} mode, load average ${
      r.loadAverage.start.toFixed(2)
    } → ${r.loadAverage.end.toFixed(2)}`,
  );
  const b = report.baseline;
  const hm = Object.entries(b.hmac.opsPerSec).map(([k, v]) => `${k} ${v.toLocaleString("en-US")}/s`).join(", ");
  lines.push(`raw baseline: sodium-native; aes-gcm KDF HMAC-SHA256 via ${b.hmac.hmac} (${hm})`);
  for (const p of b.picks) {
    if (p.gcm === undefined || p.candidates === undefined) continue;
    const c = Object.entries(p.candidates).map(([k, v]) => `${k} ${v.toLocaleString("en-US")}/s`).join(", ");
    lines.push(`  ${p.name}: AES-256-GCM via ${p.gcm} (${c})`);
  }
  lines.push("");
  const head = [
    pad("case", 34),
    pad("ops/s", 10, true),
    pad("µs/op", 10, true),
    pad("spread", 7, true),
    pad("× baseline", 11, true),
  ];
  lines.push(head.join("  "));
  lines.push("-".repeat(head.join("  ").length));
  let last = "";
  for (const c of report.results) {
    const group = `${c.operation}/${c.cipher}/${sizeLabel(c.size)}`;
    if (last !== "" && group !== last) lines.push("");
    last = group;
    lines.push([
      pad(c.name, 34),
      pad(c.opsPerSec.toLocaleString("en-US"), 10, true),
      pad(c.usPerOp.toFixed(1), 10, true),
      pad(`${(c.spread * 100).toFixed(0)}%`, 7, true),
      pad(c.subject === "baseline" ? "1.00" : c.ratio.toFixed(2), 11, true),
    ].join("  "));
  }
  lines.push("");
  const t = report.target;
  for (const c of t.checks) {
    lines.push(
      `target ${t.provider} ${c.operation}/${c.cipher}/${sizeLabel(t.size)} ≥ ${t.threshold}× baseline: ${
        c.ratio.toFixed(2)
      } ${c.met ? "MET" : "NOT MET"}`,
    );
  }
  lines.push(`total ${(report.durationMs / 1000).toFixed(1)} s`);
  return lines.join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      quick: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      filter: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log("usage: deno run -A bench/run.ts [--quick] [--filter <substring>] [--json]");
    return;
  }
  const report = await runBench({
    quick: values.quick,
    filter: values.filter,
    log: (line) => console.error(`bench: ${line}`),
  });
  await Deno.mkdir(new URL("./results/", import.meta.url), { recursive: true });
  // Write beside, then rename: a reader never sees half a file (`*.tmp` is git-ignored).
  const tmp = new URL(`${RESULTS_FILE.pathname}.tmp`, RESULTS_FILE);
  await Deno.writeTextFile(tmp, JSON.stringify(report, null, 2) + "\n");
  await Deno.rename(tmp, RESULTS_FILE);
  console.log(values.json ? JSON.stringify(report, null, 2) : formatTable(report));
}

if (import.meta.main) await main();
