/**
 * One conformance test as the runner executes it: a stable id, its family, the operations it
 * uses, and a function that drives the adapter through a {@link CaseRun} and records one check
 * per operation. The checks combine into the test's verdict: any failed check fails the test;
 * a test whose every check was unsupported is `unsupported`; otherwise it passes.
 *
 * @module
 */

import type { Answer, Family, JsonObject, Operation } from "./protocol.ts";

/** A test of the suite. */
export interface ConformanceCase {
  /** `<family>/<file or generator>/<tcId or index>`. */
  readonly id: string;
  readonly family: Family;
  /** Operations it calls; a test none of whose operations the adapter lists is not run. */
  readonly ops: readonly Operation[];
  /** Drive the adapter; record checks on `run`. */
  readonly run: (run: CaseRun) => Promise<void>;
}

/** The verdict of one test before known failures are applied. */
export interface Verdict {
  outcome: "pass" | "fail" | "unsupported";
  detail?: string;
}

/** Compares an operation's result with what the vector requires: a one-line difference, or undefined when equal. */
export type Compare = (value: JsonObject) => string | undefined;

/** Sends one request (the adapter process, or a stub in tests). */
export type Call = (op: Operation, args: JsonObject) => Promise<Answer>;

/** Longest hex shown on each side of a difference. */
const HEX_SHOWN = 24;

/**
 * One-line description of two values that differ, without flooding the report: hex strings show
 * their length, the first differing byte and an excerpt from there.
 *
 * @param field which output
 * @param expected the required value
 * @param got the adapter's value
 * @returns e.g. `blob differs at byte 12 of 60: expected …8a3b…, got …77ff…`
 * @example
 * ```ts
 * import { describeDifference } from "./case.ts";
 * const d = describeDifference("blob", "00112233", "00112244");
 * if (!d.includes("byte 3")) throw new Error(d);
 * ```
 */
export function describeDifference(field: string, expected: unknown, got: unknown): string {
  if (typeof expected === "string" && typeof got === "string" && /^([0-9a-f]{2})*$/.test(expected)) {
    if (!/^([0-9a-f]{2})*$/.test(got)) return `${field}: expected hex, got ${JSON.stringify(clip(got))}`;
    let i = 0;
    while (i < expected.length && expected[i] === got[i]) i++;
    const at = Math.floor(i / 2) * 2;
    const show = (
      s: string,
    ) => (s.length > at ? s.slice(at, at + HEX_SHOWN) + (s.length > at + HEX_SHOWN ? "…" : "") : "(end)");
    return `${field} differs at byte ${at / 2} (expected ${expected.length / 2} bytes, got ${
      got.length / 2
    }): expected ${show(expected)}, got ${show(got)}`;
  }
  return `${field}: expected ${JSON.stringify(clip(expected))}, got ${JSON.stringify(clip(got))}`;
}

function clip(v: unknown): unknown {
  const text = JSON.stringify(v);
  return text !== undefined && text.length > 2 * HEX_SHOWN ? text.slice(0, 2 * HEX_SHOWN) + "…" : v;
}

/**
 * Compare the fields of a result with expected values; `undefined` expected values are skipped.
 *
 * @param expected field → required value (compared as JSON)
 * @returns a {@link Compare}
 * @example
 * ```ts
 * import { fieldsEqual } from "./case.ts";
 * const cmp = fieldsEqual({ blob: "00", n: 1 });
 * if (cmp({ blob: "00", n: 1, extra: true }) !== undefined) throw new Error("bad");
 * if (cmp({ blob: "01", n: 1 }) === undefined) throw new Error("bad");
 * ```
 */
export function fieldsEqual(expected: Readonly<Record<string, unknown>>): Compare {
  return (value) => {
    for (const [k, want] of Object.entries(expected)) {
      if (want === undefined) continue;
      if (JSON.stringify(value[k]) !== JSON.stringify(want)) return describeDifference(k, want, value[k]);
    }
    return undefined;
  };
}

/** Records the checks of one test. */
export class CaseRun {
  #call: Call;
  #supported: ReadonlySet<Operation>;
  #checks: { op: Operation; outcome: Verdict["outcome"]; detail?: string }[] = [];

  /**
   * @param call sends a request
   * @param supported the operations the adapter listed; others count as unsupported unasked
   */
  constructor(call: Call, supported: ReadonlySet<Operation>) {
    this.#call = call;
    this.#supported = supported;
  }

  async #ask(op: Operation, args: JsonObject): Promise<Answer> {
    if (!this.#supported.has(op)) return { kind: "unsupported", reason: null };
    return await this.#call(op, args);
  }

  /**
   * The operation must succeed and its result satisfy `compare`.
   *
   * @param op operation
   * @param args arguments
   * @param compare the check of the result
   * @returns the result when it succeeded (even if it differs), for follow-up checks
   */
  async expectResult(op: Operation, args: JsonObject, compare: Compare): Promise<JsonObject | undefined> {
    const a = await this.#ask(op, args);
    if (a.kind === "unsupported") {
      this.#checks.push({ op, outcome: "unsupported" });
      return undefined;
    }
    if (a.kind === "error") {
      this.#fail(op, `refused valid input (${a.errorClass ?? "no class"}: ${clip(a.message)})`);
      return undefined;
    }
    const diff = compare(a.value);
    if (diff === undefined) this.#checks.push({ op, outcome: "pass" });
    else this.#fail(op, diff);
    return a.value;
  }

  /**
   * The operation must refuse the input (answer an error), with `errorClass` when given. A
   * result passes only when `acceptsAsRefusal` says it means "no" (e.g. `{"valid": false}`).
   *
   * @param op operation
   * @param args arguments
   * @param errorClass required error class, or undefined for any
   * @param acceptsAsRefusal optional: whether a result amounts to a refusal
   */
  async expectRefusal(
    op: Operation,
    args: JsonObject,
    errorClass?: string,
    acceptsAsRefusal?: (value: JsonObject) => boolean,
  ): Promise<void> {
    const a = await this.#ask(op, args);
    if (a.kind === "unsupported") {
      this.#checks.push({ op, outcome: "unsupported" });
    } else if (a.kind === "error") {
      if (errorClass === undefined || a.errorClass === errorClass) this.#checks.push({ op, outcome: "pass" });
      else this.#fail(op, `refused with class ${a.errorClass ?? "(none)"}, expected ${errorClass}`);
    } else if (acceptsAsRefusal?.(a.value)) {
      this.#checks.push({ op, outcome: "pass" });
    } else {
      this.#fail(op, `accepted input it must refuse${errorClass ? ` (${errorClass})` : ""}: ${clip(a.value)}`);
    }
  }

  /**
   * Either outcome is allowed (`acceptable` vectors): a refusal with `errorClass`, or a result
   * satisfying `compare`.
   *
   * @param op operation
   * @param args arguments
   * @param errorClass the class a refusal must have
   * @param compare the check of a result
   */
  async expectEither(op: Operation, args: JsonObject, errorClass: string | undefined, compare: Compare): Promise<void> {
    const a = await this.#ask(op, args);
    if (a.kind === "unsupported") this.#checks.push({ op, outcome: "unsupported" });
    else if (a.kind === "error") {
      if (errorClass === undefined || a.errorClass === errorClass) this.#checks.push({ op, outcome: "pass" });
      else this.#fail(op, `refused with class ${a.errorClass ?? "(none)"}, expected ${errorClass} or success`);
    } else {
      const diff = compare(a.value);
      if (diff === undefined) this.#checks.push({ op, outcome: "pass" });
      else this.#fail(op, diff);
    }
  }

  /**
   * Record a check the runner made itself on an earlier result (e.g. peeling a built onion).
   *
   * @param op the operation whose result was checked
   * @param problem a one-line difference, or undefined when it is right
   */
  check(op: Operation, problem: string | undefined): void {
    if (problem === undefined) this.#checks.push({ op, outcome: "pass" });
    else this.#fail(op, problem);
  }

  #fail(op: Operation, detail: string): void {
    this.#checks.push({ op, outcome: "fail", detail: `${op}: ${detail}` });
  }

  /**
   * The combined verdict.
   *
   * @returns fail if any check failed; unsupported if all were; else pass (noting unsupported operations)
   */
  verdict(): Verdict {
    const failed = this.#checks.filter((c) => c.outcome === "fail");
    if (failed.length > 0) return { outcome: "fail", detail: failed.map((c) => c.detail).join("; ") };
    if (this.#checks.every((c) => c.outcome === "unsupported")) return { outcome: "unsupported" };
    const unsupported = [...new Set(this.#checks.filter((c) => c.outcome === "unsupported").map((c) => c.op))];
    return unsupported.length > 0
      ? { outcome: "pass", detail: `not supported: ${unsupported.join(", ")}` }
      : { outcome: "pass" };
  }
}
