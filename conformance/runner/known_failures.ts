/**
 * Known-failures files: the tests an implementation is known to fail, each with a reason, so a
 * run can pass while the gaps are tracked (conformance/README.md, "Known failures"). A listed
 * test that fails is `known_failure`; a listed test that passes is `unexpected_pass`, which fails
 * the run so the file stays honest.
 *
 * ```json
 * {
 *   "implementation": "my-impl",
 *   "description": "why these fail, and the issue tracking them",
 *   "failures": [{ "id": "peel/onion_peel_v1/131", "reason": "aes-cbc is still accepted" }]
 * }
 * ```
 *
 * @module
 */

import type { TestResult } from "./results.ts";

/** One listed test. */
export interface KnownFailure {
  /** A test id, exactly as reported. */
  id: string;
  /** Why it fails (shown in the report). */
  reason: string;
}

/** A parsed known-failures file. */
export interface KnownFailures {
  /** The implementation it is for (informational). */
  implementation: string;
  /** Free text. */
  description: string;
  failures: KnownFailure[];
}

/** Where files named by implementation live: `conformance/known_failures/<name>.json`. */
export const KNOWN_FAILURES_DIR: URL = new URL("../known_failures/", import.meta.url);

/**
 * Parse and check a known-failures file.
 *
 * @param text the file's text
 * @param source its path, for messages
 * @returns the file
 * @throws {SyntaxError} when it is not JSON or not the documented shape (unknown keys, a missing
 *   reason, a repeated id)
 * @example
 * ```ts
 * import { parseKnownFailures } from "./known_failures.ts";
 * const k = parseKnownFailures('{"implementation":"x","description":"","failures":[{"id":"hop/p/1","reason":"r"}]}', "x.json");
 * if (k.failures[0].id !== "hop/p/1") throw new Error("bad");
 * ```
 */
export function parseKnownFailures(text: string, source: string): KnownFailures {
  const bad = (what: string) => new SyntaxError(`Cannot read known failures ${source}: ${what}`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw bad(`not JSON (${(e as Error).message})`);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw bad("not a JSON object");
  const o = v as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !["implementation", "description", "failures"].includes(k));
  if (extra.length > 0) throw bad(`unknown key "${extra[0]}"`);
  if (typeof o.implementation !== "string") throw bad('"implementation" is not a string');
  if (o.description !== undefined && typeof o.description !== "string") throw bad('"description" is not a string');
  if (!Array.isArray(o.failures)) throw bad('"failures" is not an array');
  const seen = new Set<string>();
  const failures = o.failures.map((f, i) => {
    if (f === null || typeof f !== "object") throw bad(`failures[${i}] is not an object`);
    const { id, reason, ...rest } = f as Record<string, unknown>;
    if (Object.keys(rest).length > 0) throw bad(`failures[${i}] has unknown key "${Object.keys(rest)[0]}"`);
    if (typeof id !== "string" || id.split("/").length < 3) throw bad(`failures[${i}].id is not a test id`);
    if (typeof reason !== "string" || reason.trim().length === 0) throw bad(`failures[${i}] (${id}) has no reason`);
    if (seen.has(id)) throw bad(`${id} is listed twice`);
    seen.add(id);
    return { id, reason };
  });
  return { implementation: o.implementation, description: (o.description as string | undefined) ?? "", failures };
}

/**
 * Where a `--known-failures` value points: a path (it contains `/` or ends in `.json`), or an
 * implementation name looked up in {@link KNOWN_FAILURES_DIR}.
 *
 * @param value the option's value
 * @returns the file URL
 * @example
 * ```ts
 * import { knownFailuresUrl } from "./known_failures.ts";
 * if (!knownFailuresUrl("python").pathname.endsWith("/conformance/known_failures/python.json")) throw new Error("bad");
 * ```
 */
export function knownFailuresUrl(value: string): URL {
  if (value.includes("/") || value.endsWith(".json")) {
    return new URL(value, `file://${Deno.cwd()}/`);
  }
  return new URL(`${fileNameFor(value)}.json`, KNOWN_FAILURES_DIR);
}

/**
 * The file-name form of an implementation name: lower case, runs of other characters as `_`.
 *
 * @param name as the adapter's `hello` gives it
 * @returns e.g. `allium_python` for `allium-python`
 * @example
 * ```ts
 * import { fileNameFor } from "./known_failures.ts";
 * if (fileNameFor("Allium (Python)") !== "allium_python") throw new Error("bad");
 * ```
 */
export function fileNameFor(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");
}

/**
 * Read a known-failures file.
 *
 * @param url where it is
 * @returns the file
 * @throws {Deno.errors.NotFound} when it does not exist
 * @throws {SyntaxError} as {@link parseKnownFailures}
 */
export async function loadKnownFailures(url: URL): Promise<KnownFailures> {
  return parseKnownFailures(await Deno.readTextFile(url), url.pathname);
}

/**
 * Apply a known-failures file to a run's results.
 *
 * @param results the results
 * @param known the file
 * @returns the results with listed failures as `known_failure` and listed passes as
 *   `unexpected_pass`, and the listed ids that matched no result
 * @example
 * ```ts
 * import { applyKnownFailures } from "./known_failures.ts";
 * const known = { implementation: "x", description: "", failures: [{ id: "a/b/1", reason: "r" }, { id: "a/b/2", reason: "r" }] };
 * const { results } = applyKnownFailures([
 *   { id: "a/b/1", family: "a", outcome: "fail", detail: "d" },
 *   { id: "a/b/2", family: "a", outcome: "pass" },
 * ], known);
 * if (results[0].outcome !== "known_failure" || results[1].outcome !== "unexpected_pass") throw new Error("bad");
 * ```
 */
export function applyKnownFailures(
  results: readonly TestResult[],
  known: KnownFailures,
): { results: TestResult[]; unmatched: string[] } {
  const reasons = new Map(known.failures.map((f) => [f.id, f.reason]));
  const matched = new Set<string>();
  const out = results.map((r): TestResult => {
    const reason = reasons.get(r.id);
    if (reason === undefined) return r;
    matched.add(r.id);
    if (r.outcome === "fail") return { ...r, outcome: "known_failure", detail: `known (${reason}): ${r.detail ?? ""}` };
    if (r.outcome === "pass") {
      return {
        ...r,
        outcome: "unexpected_pass",
        detail: `listed as a known failure (${reason}) but passes: remove it`,
      };
    }
    return r;
  });
  return { results: out, unmatched: known.failures.map((f) => f.id).filter((id) => !matched.has(id)) };
}

/**
 * A known-failures file listing every failure of a run (to start tracking an implementation's
 * gaps; edit the reasons).
 *
 * @param results the results
 * @param implementation the implementation's name
 * @returns the file
 * @example
 * ```ts
 * import { knownFailuresOf } from "./known_failures.ts";
 * const f = knownFailuresOf([{ id: "a/b/1", family: "a", outcome: "fail", detail: "d" }], "impl");
 * if (f.failures[0].id !== "a/b/1") throw new Error("bad");
 * ```
 */
export function knownFailuresOf(results: readonly TestResult[], implementation: string): KnownFailures {
  return {
    implementation,
    description: "Generated by --write-known-failures; give every entry a real reason.",
    failures: results
      .filter((r) => r.outcome === "fail" || r.outcome === "known_failure")
      .map((r) => ({ id: r.id, reason: r.detail ?? "fails" })),
  };
}
