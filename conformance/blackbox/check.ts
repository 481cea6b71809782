/**
 * What a black-box check is, what it gets, and the comparisons most checks end with: a plain
 * answer (status and exact body, hardening.md §3 "Plain"), an encrypted answer (HTTP 200 carrying
 * `{"body","status"}` sealed with the layer key, §3 "Enc"), and the `info` answer of a valid
 * onion.
 *
 * @module
 */

import type { CryptoProvider, OnionNode } from "../../mod.ts";
import { type Answer, type BlackBoxHttp, bodyText, describeResult, type HttpResult } from "./http.ts";
import { isUnreadable, type OpenedReply, openReply, type SealedLayer } from "./onions.ts";

/** The outcome of one check (a subset of `Outcome` in conformance/runner/results.ts). */
export type Verdict =
  | { outcome: "pass" }
  | { outcome: "fail" | "unsupported"; detail: string };

/** What every check gets. */
export interface CheckContext {
  /** The node under test. */
  node: OnionNode;
  /** A node the target knows and can relay to, when given. */
  relay?: OnionNode;
  /** Crypto provider for building and opening layers. */
  provider: CryptoProvider;
  /** The node's HTTP endpoint. */
  http: BlackBoxHttp;
  /** Whether reply padding is checked (hardening.md §6). */
  paddingCheck: boolean;
  /** The node's body cap, bytes (hardening.md §1 `maxBody`). */
  maxBody: number;
}

/** A plain answer a check requires (for tooling: which checks depend on which fixed answer). */
export interface PlainAnswer {
  /** HTTP status. */
  status: number;
  /** Exact body; undefined = any body. */
  body?: string;
}

/** One black-box check. */
export interface Check {
  /** Stable id, `blackbox/<group>/<name>`. */
  id: string;
  /** Requests it sends at most (bounds its run time to `requests × timeoutMs`); default 2. */
  requests?: number;
  /** The plain answers it requires, if any. */
  plain?: readonly PlainAnswer[];
  /**
   * Run the check.
   *
   * @param ctx the context
   * @returns the verdict
   */
  run(ctx: CheckContext): Promise<Verdict>;
}

/** The pass verdict. */
export const PASS: Verdict = Object.freeze({ outcome: "pass" });

/**
 * A fail verdict.
 *
 * @param detail one line: expected vs got
 * @returns the verdict
 */
export function fail(detail: string): Verdict {
  return { outcome: "fail", detail };
}

/**
 * An unsupported verdict.
 *
 * @param detail why the check cannot run or cannot hold here
 * @returns the verdict
 */
export function unsupported(detail: string): Verdict {
  return { outcome: "unsupported", detail };
}

/** `400 "Invalid ciphertext"` style. */
function quoted(status: number, body?: string): string {
  return body === undefined ? `${status}` : `${status} ${JSON.stringify(body)}`;
}

/**
 * Compare a result with a plain answer.
 *
 * @param result what the node answered
 * @param expected status and exact body (undefined body = any)
 * @returns pass, or fail with expected vs got
 * @example
 * ```ts
 * import { verifyPlain } from "./check.ts";
 * const answer = { kind: "answer" as const, status: 500, headers: new Headers(), body: new TextEncoder().encode("x") };
 * const v = verifyPlain(answer, { status: 400, body: "Invalid ciphertext" });
 * if (v.outcome !== "fail" || v.detail !== 'expected 400 "Invalid ciphertext", got 500 "x"') throw new Error("bad");
 * ```
 */
export function verifyPlain(result: HttpResult, expected: PlainAnswer): Verdict {
  const { status, body } = expected;
  if (result.kind === "answer" && result.status === status && (body === undefined || bodyText(result) === body)) {
    return PASS;
  }
  return fail(`expected ${quoted(status, body)}, got ${describeResult(result)}`);
}

/**
 * Open an HTTP 200 answer to a sealed layer.
 *
 * @param ctx the context
 * @param result what the node answered
 * @param options the layer it answered, and what was expected (for the message)
 * @returns the reply, or a fail verdict
 */
export async function openAnswer(
  ctx: CheckContext,
  result: HttpResult,
  options: { layer: SealedLayer; want: string },
): Promise<OpenedReply | Verdict> {
  const { layer, want } = options;
  if (result.kind !== "answer" || result.status !== 200) {
    return fail(`expected 200 with ${want}, got ${describeResult(result)}`);
  }
  const reply = await openReply(layer, result.body, { provider: ctx.provider });
  if (isUnreadable(reply)) {
    return fail(`expected 200 with ${want}, got 200 but ${reply.problem}: ${describeResult(result)}`);
  }
  return reply;
}

/**
 * Whether {@link openAnswer} produced a verdict instead of a reply.
 *
 * @param r its result
 * @returns true for a verdict
 */
export function isVerdict(r: OpenedReply | Verdict): r is Verdict {
  return "outcome" in r;
}

/**
 * Compare an answer with an encrypted `{"body","status"}` reply (hardening.md §3 "Enc").
 *
 * @param ctx the context
 * @param result what the node answered
 * @param options the layer it answered, the expected inner status and body
 * @returns pass or fail
 */
export async function verifyEncrypted(
  ctx: CheckContext,
  result: HttpResult,
  options: { layer: SealedLayer; status: number; body: string },
): Promise<Verdict> {
  const { layer, status, body } = options;
  const want = `encrypted ${quoted(status, body)}`;
  const reply = await openAnswer(ctx, result, { layer, want });
  if (isVerdict(reply)) return reply;
  if (reply.status === status && reply.text === body) return PASS;
  return fail(`expected ${want}, got encrypted ${quoted(reply.status, reply.text.slice(0, 100))}`);
}

/**
 * Check the decrypted answer to `info` (swarms-and-storage.md §7.3): status 200 and a JSON object
 * with `version` (3 integers) and `hf` (2 integers).
 *
 * @param status inner status
 * @param text inner body
 * @returns pass or fail
 * @example
 * ```ts
 * import { verifyInfo } from "./check.ts";
 * if (verifyInfo(200, '{"hf":[19,3],"t":1,"timestamp":1,"version":[2,8,0]}').outcome !== "pass") throw new Error("bad");
 * if (verifyInfo(200, '{"version":"2.8"}').outcome !== "fail") throw new Error("bad");
 * ```
 */
export function verifyInfo(status: number, text: string): Verdict {
  const got = `got ${quoted(status, text.slice(0, 100))}`;
  if (status !== 200) return fail(`expected info answer 200, ${got}`);
  let info: unknown;
  try {
    info = JSON.parse(text);
  } catch {
    return fail(`expected info answer as JSON, ${got}`);
  }
  const ints = (v: unknown, n: number) =>
    Array.isArray(v) && v.length === n && v.every((x) => Number.isInteger(x) && x >= 0);
  const o = info as { version?: unknown; hf?: unknown };
  if (info === null || typeof info !== "object" || !ints(o.version, 3) || !ints(o.hf, 2)) {
    return fail(`expected info answer with "version" [a,b,c] and "hf" [a,b], ${got}`);
  }
  return PASS;
}

/**
 * Compare an answer with the encrypted `info` reply to a sealed layer.
 *
 * @param ctx the context
 * @param result what the node answered
 * @param options the layer it answered
 * @returns pass or fail
 */
export async function verifyInfoAnswer(
  ctx: CheckContext,
  result: HttpResult,
  options: { layer: SealedLayer },
): Promise<Verdict> {
  const reply = await openAnswer(ctx, result, { layer: options.layer, want: "the encrypted info answer" });
  if (isVerdict(reply)) return reply;
  return verifyInfo(reply.status, reply.text);
}

/**
 * Narrow a result to an answer with `status`.
 *
 * @param result the result
 * @param status the status
 * @returns whether it is that answer
 */
export function isStatus(result: HttpResult, status: number): result is Answer {
  return result.kind === "answer" && result.status === status;
}
