/**
 * What a conformance run produces, whatever drives it (an adapter process or a node under test
 * over HTTP): one {@link TestResult} per test id. The report (`report.ts`) summarises a list of
 * them; the known-failures file of an implementation turns expected failures into
 * `known_failure`.
 *
 * @module
 */

/** The outcome of one test. */
export type Outcome =
  /** The implementation did what the vector or check requires. */
  | "pass"
  /** It did something else (see `detail`). */
  | "fail"
  /** The implementation says it does not support the operation. */
  | "unsupported"
  /** It failed, and its known-failures file lists this test id (with a reason). */
  | "known_failure"
  /** It passed although its known-failures file lists it (the entry is stale). */
  | "unexpected_pass";

/** One test's result. */
export interface TestResult {
  /**
   * Stable id: `<family>/<file or check>/<tcId or name>`, e.g. `hop/hop_aesgcm_v1/101` or
   * `blackbox/bad_input/empty_body`. A published id never changes meaning.
   */
  readonly id: string;
  /** Family for grouping in the summary: `hop`, `layer`, `peel`, `build`, `reply`, `swarm`, `storage_hash`, `storage_sig`, `blackbox`, … */
  readonly family: string;
  /** What happened. */
  readonly outcome: Outcome;
  /** For failures: what differed (expected vs got), one line, no secrets. */
  readonly detail?: string;
}

/**
 * Whether a run with these results is a failure (non-zero exit): any `fail` or `unexpected_pass`.
 *
 * @param results the results
 * @returns true when the run must fail
 * @example
 * ```ts
 * import { runFailed } from "./results.ts";
 * if (runFailed([{ id: "a/b/1", family: "a", outcome: "known_failure" }])) throw new Error("bad");
 * if (!runFailed([{ id: "a/b/2", family: "a", outcome: "fail", detail: "x" }])) throw new Error("bad");
 * ```
 */
export function runFailed(results: readonly TestResult[]): boolean {
  return results.some((r) => r.outcome === "fail" || r.outcome === "unexpected_pass");
}
