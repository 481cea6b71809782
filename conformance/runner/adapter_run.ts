/**
 * Adapter mode: run the suite against an implementation started as a child process. The runner
 * is in charge, as in the protobuf conformance suite: it starts the adapter, reads its
 * capabilities, sends one request at a time, and restarts it after a crash, hang or protocol
 * violation (the test that caused it fails with the reason). An operation that has broken the
 * adapter {@link MAX_OPERATION_FAILURES} times is not asked again: the remaining tests that need
 * it fail without running, the others go on. After {@link MAX_ADAPTER_FAILURES} failures in all,
 * or when the adapter cannot be restarted, every remaining test fails without running, so a
 * broken adapter never stalls the run.
 *
 * @module
 */

import { AdapterFailure, AdapterProcess, DEFAULT_TIMEOUT_MS } from "./adapter_process.ts";
import { CaseRun } from "./case.ts";
import {
  applyKnownFailures,
  fileNameFor,
  type KnownFailures,
  knownFailuresUrl,
  loadKnownFailures,
} from "./known_failures.ts";
import type { Family, Operation } from "./protocol.ts";
import type { RunMeta, RunReport } from "./report.ts";
import type { TestResult } from "./results.ts";
import { buildSuite, DEFAULT_CASES, DEFAULT_SEED } from "./suite.ts";
import { loadVectorFiles } from "./vector_files.ts";

/** Adapter failures (crash, hang, protocol violation) caused by one operation before it is no longer asked. */
export const MAX_OPERATION_FAILURES = 3;
/** Adapter failures in all after which the remaining tests are not run. */
export const MAX_ADAPTER_FAILURES = 12;

/** Options of {@link runAdapterSuite}. */
export interface AdapterRunOptions {
  /** The adapter: program and arguments. */
  command: readonly string[];
  /** Families to run; default all. */
  families?: readonly Family[];
  /** Property seed; default 1. */
  seed?: number;
  /** Property cases per family; default 20. */
  cases?: number;
  /** Per-request deadline; default 10 s. */
  timeoutMs?: number;
  /**
   * Known-failures file: a path or an implementation name. Undefined: the file named after the
   * adapter's `hello` name, if there is one. null: none.
   */
  knownFailures?: string | null;
  /** Working directory of the adapter. */
  cwd?: string;
  /** Called after each test (progress). */
  onResult?: (result: TestResult, index: number, total: number) => void;
}

/**
 * Run the suite against an adapter.
 *
 * @param options the adapter command and run options
 * @returns the report (its `results` decide the exit status via `runFailed`)
 * @throws {Deno.errors.NotFound} when an explicitly named known-failures file does not exist
 * @throws {SyntaxError} when a known-failures file is malformed
 * @example A failing adapter is reported, not waited on
 * ```ts
 * import { runAdapterSuite } from "./adapter_run.ts";
 * import { runFailed } from "./results.ts";
 * const report = await runAdapterSuite({ command: [Deno.execPath(), "eval", "Deno.exit(3)"], families: ["layer"], cases: 0 });
 * if (!runFailed(report.results) || !report.meta.adapterError) throw new Error("bad");
 * ```
 */
export async function runAdapterSuite(options: AdapterRunOptions): Promise<RunReport> {
  const started = performance.now();
  const seed = options.seed ?? DEFAULT_SEED, cases = options.cases ?? DEFAULT_CASES;
  const suite = await buildSuite(await loadVectorFiles(), { families: options.families, seed, cases });
  const start = () =>
    AdapterProcess.start(options.command, { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, cwd: options.cwd });
  const meta: RunMeta = {
    mode: "adapter",
    implementation: options.command.join(" "),
    command: options.command,
    seed,
    cases,
    durationMs: 0,
  };

  const results: TestResult[] = [];
  const push = (r: TestResult) => {
    results.push(r);
    options.onResult?.(r, results.length - 1, suite.length);
  };
  let adapter: AdapterProcess | undefined;
  let stopped: string | undefined;
  try {
    adapter = await start();
  } catch (e) {
    stopped = (e as Error).message;
    meta.adapterError = stopped;
  }
  if (adapter) {
    const h = adapter.hello;
    meta.implementation = h.version ? `${h.name} ${h.version}` : h.name;
    meta.operations = h.operations;
  }
  const supported = new Set<Operation>(adapter?.hello.operations ?? []);
  /** Operation → how often it broke the adapter, and the last reason. */
  const broken = new Map<Operation, { count: number; last: string }>();
  let failures = 0;

  for (const test of suite) {
    if (stopped !== undefined) {
      push({ id: test.id, family: test.family, outcome: "fail", detail: `not run: ${stopped}` });
      continue;
    }
    if (!test.ops.some((op) => supported.has(op))) {
      push({ id: test.id, family: test.family, outcome: "unsupported" });
      continue;
    }
    const given = test.ops.find((op) => (broken.get(op)?.count ?? 0) >= MAX_OPERATION_FAILURES);
    if (given !== undefined) {
      const b = broken.get(given)!;
      push({
        id: test.id,
        family: test.family,
        outcome: "fail",
        detail: `not run: ${given} broke the adapter ${b.count} times (last: ${b.last})`,
      });
      continue;
    }
    if (adapter === undefined || adapter.dead) {
      try {
        adapter = await start();
      } catch (e) {
        stopped = `adapter could not be restarted: ${(e as Error).message}`;
        meta.adapterError = stopped;
        push({ id: test.id, family: test.family, outcome: "fail", detail: `not run: ${stopped}` });
        continue;
      }
    }
    const current: AdapterProcess = adapter;
    let inFlight: Operation | undefined;
    const run = new CaseRun((op, args) => {
      inFlight = op;
      return current.call(op, args);
    }, supported);
    try {
      await test.run(run);
      const v = run.verdict();
      push({ id: test.id, family: test.family, outcome: v.outcome, ...(v.detail ? { detail: v.detail } : {}) });
    } catch (e) {
      if (!(e instanceof AdapterFailure) || inFlight === undefined) throw e;
      push({ id: test.id, family: test.family, outcome: "fail", detail: `adapter ${e.kind}: ${e.message}` });
      const b = broken.get(inFlight) ?? { count: 0, last: "" };
      broken.set(inFlight, { count: b.count + 1, last: e.message });
      meta.adapterError = `${inFlight}: ${e.message}`;
      if (++failures >= MAX_ADAPTER_FAILURES) {
        stopped = `adapter failed ${failures} times (last: ${e.message})`;
        meta.adapterError = stopped;
      }
    }
  }
  await adapter?.close();

  let final = results;
  const known = await knownFailuresFor(options.knownFailures, adapter?.hello.name);
  if (known) {
    const applied = applyKnownFailures(results, known.file);
    final = applied.results;
    meta.knownFailures = { path: known.path, entries: known.file.failures.length, unmatched: applied.unmatched };
  }
  meta.durationMs = Math.round(performance.now() - started);
  return { meta, results: final };
}

/** The known-failures file to apply: explicit, by the adapter's name when such a file exists, or none. */
async function knownFailuresFor(
  option: string | null | undefined,
  name: string | undefined,
): Promise<{ path: string; file: KnownFailures } | undefined> {
  if (option === null) return undefined;
  if (option !== undefined) {
    const url = knownFailuresUrl(option);
    return { path: url.pathname, file: await loadKnownFailures(url) };
  }
  if (name === undefined) return undefined;
  const url = knownFailuresUrl(fileNameFor(name));
  try {
    return { path: url.pathname, file: await loadKnownFailures(url) };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}
