/**
 * The committed baseline file of the ratio regression check (`bench/baseline.json`): its shape,
 * how it is made from one or more bench reports (median ratio per case, with the runs' ratios and
 * spread kept as evidence of the noise), read and written. The check itself is `regression.ts`.
 *
 * @module
 */

import type { BenchReport, GcmImpl } from "./run.ts";

/** Schema tag of the baseline file. */
export const BASELINE_SCHEMA = "allium-bench-baseline/v1";
/**
 * Allowed loss of a ratio before it counts as a regression, unless the baseline file or an entry
 * says otherwise. bench/README.md ("Tolerance") has the run-to-run noise it was chosen from.
 */
export const DEFAULT_TOLERANCE = 0.25;
/**
 * `deriveTolerances`: an entry's tolerance is this many times the worst loss noise alone gave it
 * while it was recorded, rounded up to {@link TOLERANCE_STEP}, never below the global tolerance
 * nor above {@link MAX_DERIVED_TOLERANCE}. 1: the safety margin is in the check's re-measures
 * (`confirmRegressions`), which judge a suspect on the median of 3 runs (bench/README.md, "Tolerance").
 */
export const NOISE_MARGIN = 1;
/** Derived tolerances are rounded up to this step. */
export const TOLERANCE_STEP = 0.05;
/** A loss larger than this is a regression whatever the recorded noise. */
export const MAX_DERIVED_TOLERANCE = 0.6;
/**
 * Subjects whose work runs on a thread pool (WebCrypto's X25519, HMAC and AES-GCM): their ratio to
 * the single-threaded raw baseline depends on whether another core is free, not only on the code
 * (0.17 to 0.49 for `peel/xchacha20/1KiB/webcrypto` across runs on this machine), so
 * `deriveTolerances` gives them {@link MAX_DERIVED_TOLERANCE}: only gross regressions count.
 */
export const LOAD_SENSITIVE_SUBJECTS: readonly string[] = ["webcrypto"];
/** Runs needed to estimate an entry's worst loss. */
const MIN_RUNS_FOR_NOISE = 3;
const RATIO_DIGITS = 3;

/** One compared case of the baseline file. */
export interface BaselineEntry {
  /** Median ratio to the raw baseline over the runs the entry was recorded from. */
  ratio: number;
  /** Allowed loss for this entry, overriding the file's global tolerance. */
  tolerance?: number;
  /** The ratio in each run it was recorded from (the evidence of its noise). */
  runs: number[];
  /** (max − min) / median of `runs`: the run-to-run spread seen when it was recorded. */
  spread: number;
  /**
   * The largest loss of one run against the median of the other runs (≥ 3 runs): what a check of
   * a single run saw from noise alone, as a fraction (0.12 = one run was 12 % below the others).
   */
  worstLoss?: number;
}

/** `bench/baseline.json`. */
export interface BaselineFile {
  schema: typeof BASELINE_SCHEMA;
  /** Date of the newest run it was recorded from. */
  date: string;
  /** How it was made and how to remake it. */
  note: string;
  /** Allowed loss of any entry without its own tolerance. */
  tolerance: number;
  /** Mode of the runs (`default`, `quick`, `custom`): compare like with like. */
  mode: string;
  /** Where it was recorded. */
  machine: { cpu: string; cores: number; os: string; arch: string; deno: string };
  /** The runs it was recorded from. */
  runs: { date: string; loadAverage: { start: number; end: number } }[];
  /**
   * The GCM implementation most recording runs' aes-gcm raw baselines used, by baseline case name.
   * The check's re-measures use it, so a run whose calibration picked the other one is re-measured
   * like for like (bench/README.md, "Tolerance").
   */
  gcm?: Record<string, GcmImpl>;
  /** Keyed by case name, `<operation>/<cipher>/<size>/<provider>`. */
  entries: Record<string, BaselineEntry>;
}

/** Options of {@link makeBaseline}. */
export interface MakeBaselineOptions {
  /** The file being replaced: its per-entry tolerances, global tolerance and unmeasured entries are kept. */
  previous?: BaselineFile;
  /** The global tolerance to record (default: the previous file's, else {@link DEFAULT_TOLERANCE}). */
  tolerance?: number;
  /**
   * Replace every measured entry's own tolerance by one derived from its noise (needs ≥ 3 runs):
   * max(global, {@link NOISE_MARGIN} × worstLoss) rounded up to {@link TOLERANCE_STEP}, at most
   * {@link MAX_DERIVED_TOLERANCE}; an entry whose derived tolerance is the global one gets none.
   */
  deriveTolerances?: boolean;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Ratios are kept to 3 decimals. */
export function round(x: number): number {
  return Number(x.toFixed(RATIO_DIGITS));
}

/** A tolerance must be a fraction in [0, 1). */
export function checkTolerance(t: number, where: string): number {
  if (typeof t !== "number" || !Number.isFinite(t) || t < 0 || t >= 1) {
    throw new RangeError(`Cannot use the tolerance of ${where}: "${t}" is not a fraction in [0, 1)`);
  }
  return t;
}

/**
 * The compared ratios of a set of runs: every non-baseline case, in the order of the first run
 * that has it, each with its ratio in every run that measured it.
 *
 * @param reports bench reports
 * @returns case name → ratios
 */
export function ratiosOf(reports: readonly BenchReport[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const report of reports) {
    for (const r of report.results) {
      if (r.subject === "baseline") continue;
      const list = out.get(r.name) ?? [];
      list.push(r.ratio);
      out.set(r.name, list);
    }
  }
  return out;
}

/**
 * Check the shape of a parsed baseline file.
 *
 * @param value parsed JSON
 * @param where file name for messages
 * @returns the value, typed
 * @throws {TypeError} when it is not a baseline file
 * @throws {RangeError} when a tolerance is not a fraction in [0, 1)
 */
export function parseBaseline(value: unknown, where = "the baseline"): BaselineFile {
  const v = value as Partial<BaselineFile> | null;
  if (v === null || typeof v !== "object" || v.schema !== BASELINE_SCHEMA) {
    throw new TypeError(`Cannot read ${where}: schema is not "${BASELINE_SCHEMA}"`);
  }
  if (v.entries === null || typeof v.entries !== "object") throw new TypeError(`Cannot read ${where}: no entries`);
  checkTolerance(v.tolerance as number, where);
  for (const [name, e] of Object.entries(v.entries)) {
    if (typeof e?.ratio !== "number" || !(e.ratio > 0)) {
      throw new TypeError(`Cannot read ${where}: entry "${name}" has no positive ratio`);
    }
    if (e.tolerance !== undefined) checkTolerance(e.tolerance, `entry "${name}"`);
  }
  for (const [name, impl] of Object.entries(v.gcm ?? {})) {
    if (impl !== "node:crypto" && impl !== "webcrypto") {
      throw new TypeError(`Cannot read ${where}: GCM of "${name}" is "${impl}", not "node:crypto" or "webcrypto"`);
    }
  }
  return v as BaselineFile;
}

/**
 * The GCM implementation most runs' aes-gcm raw baselines picked, per baseline case (a tie goes to
 * `node:crypto`, the synchronous one).
 *
 * @param reports the runs
 * @returns baseline case name → implementation
 */
export function usualGcm(reports: readonly BenchReport[]): Record<string, GcmImpl> {
  const votes = new Map<string, Map<GcmImpl, number>>();
  for (const r of reports) {
    for (const p of r.baseline?.picks ?? []) {
      if (p.gcm === undefined) continue;
      const v = votes.get(p.name) ?? new Map<GcmImpl, number>();
      v.set(p.gcm, (v.get(p.gcm) ?? 0) + 1);
      votes.set(p.name, v);
    }
  }
  const out: Record<string, GcmImpl> = {};
  for (const [name, v] of votes) {
    out[name] = (v.get("webcrypto") ?? 0) > (v.get("node:crypto") ?? 0) ? "webcrypto" : "node:crypto";
  }
  return out;
}

/**
 * The largest loss of one run against the median of the others.
 *
 * @param runs ratios, at least 3
 * @returns a fraction ≥ 0
 */
export function worstLoss(runs: readonly number[]): number {
  let worst = 0;
  for (let i = 0; i < runs.length; i++) {
    const others = median([...runs.slice(0, i), ...runs.slice(i + 1)]);
    worst = Math.max(worst, 1 - runs[i] / others);
  }
  return worst;
}

/**
 * The tolerance `deriveTolerances` gives an entry.
 *
 * @param loss the entry's worst loss
 * @param global the file's tolerance
 * @returns a fraction in [global, max(global, MAX_DERIVED_TOLERANCE)]
 */
export function derivedTolerance(loss: number, global: number): number {
  const stepped = Math.ceil(Number((NOISE_MARGIN * loss / TOLERANCE_STEP).toFixed(6))) * TOLERANCE_STEP;
  return round(Math.max(global, Math.min(MAX_DERIVED_TOLERANCE, stepped)));
}

/**
 * A baseline file from one or more runs: each entry is the median ratio of the runs, with the
 * runs' ratios, their spread and (from 3 runs) the worst single-run loss kept as the evidence of
 * its noise.
 *
 * @param reports the runs (the same mode; the newest date is the file's)
 * @param options the file being replaced and the global tolerance
 * @returns the new baseline file
 * @throws {RangeError} when there is no run or the runs are in different modes
 * @example
 * ```ts
 * import { makeBaseline } from "./regression.ts";
 * import type { BenchReport } from "./run.ts";
 * const run = (ratio: number, date: string) => ({ date, mode: "default", filter: null,
 *   runtime: { cpu: "x", cores: 2, os: "linux", arch: "x86_64", deno: "2", loadAverage: { start: 0, end: 0 } },
 *   results: [{ name: "build/aes-gcm/1KiB/sodium", subject: "sodium", ratio }] }) as unknown as BenchReport;
 * const b = makeBaseline([run(0.9, "2026-01-01"), run(1, "2026-01-02"), run(0.95, "2026-01-03")]);
 * if (b.entries["build/aes-gcm/1KiB/sodium"].ratio !== 0.95) throw new Error("not the median");
 * ```
 */
export function makeBaseline(reports: readonly BenchReport[], options: MakeBaselineOptions = {}): BaselineFile {
  if (reports.length === 0) throw new RangeError("Cannot make a baseline: no runs given");
  const modes = new Set(reports.map((r) => r.mode));
  if (modes.size > 1) throw new RangeError(`Cannot make a baseline: the runs mix modes ${[...modes].join(", ")}`);
  if (options.deriveTolerances && reports.length < MIN_RUNS_FOR_NOISE) {
    throw new RangeError(`Cannot derive tolerances: ${reports.length} run(s) given, ${MIN_RUNS_FOR_NOISE} needed`);
  }
  const prev = options.previous;
  const tolerance = checkTolerance(options.tolerance ?? prev?.tolerance ?? DEFAULT_TOLERANCE, "the baseline");
  const entries: Record<string, BaselineEntry> = {};
  const measured = ratiosOf(reports);
  // Previously recorded entries this set of runs did not measure (a filtered run) are kept.
  for (const [name, e] of Object.entries(prev?.entries ?? {})) if (!measured.has(name)) entries[name] = e;
  for (const [name, runs] of measured) {
    const ratio = round(median(runs));
    const loss = runs.length >= MIN_RUNS_FOR_NOISE ? round(worstLoss(runs)) : undefined;
    let own = prev?.entries[name]?.tolerance;
    if (options.deriveTolerances && loss !== undefined) {
      const subject = name.slice(name.lastIndexOf("/") + 1);
      own = LOAD_SENSITIVE_SUBJECTS.includes(subject)
        ? Math.max(tolerance, MAX_DERIVED_TOLERANCE)
        : derivedTolerance(loss, tolerance);
      if (own === tolerance) own = undefined;
    }
    // Key order: what the check uses first, then the evidence.
    entries[name] = {
      ratio,
      ...(own === undefined ? {} : { tolerance: own }),
      runs,
      spread: round((Math.max(...runs) - Math.min(...runs)) / ratio),
      ...(loss === undefined ? {} : { worstLoss: loss }),
    };
  }
  const newest = reports.reduce((a, b) => a.date >= b.date ? a : b);
  const gcm: Record<string, GcmImpl> = { ...prev?.gcm, ...usualGcm(reports) };
  const rt = newest.runtime;
  return {
    schema: BASELINE_SCHEMA,
    date: newest.date,
    note: `median ratio of ${reports.length} run(s) of bench/run.ts` +
      (options.deriveTolerances
        ? `; entry tolerances = max(global, ${NOISE_MARGIN} × worstLoss) rounded up to ${TOLERANCE_STEP}, ` +
          `at most ${MAX_DERIVED_TOLERANCE} (${LOAD_SENSITIVE_SUBJECTS.join(", ")}: ${MAX_DERIVED_TOLERANCE})`
        : "") +
      "; remake with `deno run -A bench/regression.ts --update-baseline [--derive-tolerances] " +
      "--results <run.json>...` (bench/README.md)",
    tolerance,
    mode: newest.mode,
    machine: { cpu: rt.cpu, cores: rt.cores, os: rt.os, arch: rt.arch, deno: rt.deno },
    runs: reports.map((r) => ({ date: r.date, loadAverage: r.runtime.loadAverage })),
    gcm,
    entries,
  };
}

/**
 * Read a baseline file.
 *
 * @param path the file
 * @returns the baseline, or undefined when the file does not exist
 * @throws {TypeError} when the file is not a baseline file
 */
export async function readBaseline(path: string): Promise<BaselineFile | undefined> {
  try {
    return parseBaseline(JSON.parse(await Deno.readTextFile(path)), path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/**
 * Write a baseline file (beside, then rename).
 *
 * @param path the file
 * @param baseline its content
 */
export async function writeBaseline(path: string, baseline: BaselineFile): Promise<void> {
  const tmp = `${path}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(baseline, null, 2) + "\n");
  await Deno.rename(tmp, path);
}
