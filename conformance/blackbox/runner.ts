/**
 * {@link runBlackBox}: run every black-box check against a running node over HTTP and return one
 * `TestResult` per check. Checks are independent (each builds its own fresh onions), run a few at
 * a time, and each is bounded: every request has `timeoutMs`, and a check as a whole gets
 * `requests × timeoutMs` plus a second before it is reported as `fail`. Whatever the node does —
 * refuse or close connections, answer garbage, never answer — becomes a `fail` with a one-line
 * detail; nothing the node does makes `runBlackBox` throw.
 *
 * @module
 */

import {
  type CryptoProvider,
  defaultProvider,
  isHex,
  KEY_HEX_CHARS,
  MAX_BODY_BYTES,
  type OnionNode,
} from "../../mod.ts";
import type { TestResult } from "../runner/results.ts";
import type { Check, CheckContext, Verdict } from "./check.ts";
import { cryptoChecks } from "./checks_crypto.ts";
import { framingChecks } from "./checks_framing.ts";
import { httpChecks } from "./checks_http.ts";
import { innerChecks } from "./checks_inner.ts";
import { paddingChecks } from "./checks_padding.ts";
import { replayChecks } from "./checks_replay.ts";
import { validChecks } from "./checks_valid.ts";
import { BlackBoxHttp } from "./http.ts";

/** The family of every black-box result. */
export const BLACKBOX_FAMILY = "blackbox";
/** Default bound on one request, ms. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Default number of checks in flight at once. */
export const DEFAULT_CONCURRENCY = 4;
/** Slack on a check's overall bound, ms. */
const CHECK_SLACK_MS = 1_000;
/** Requests a check sends when it does not say. */
const DEFAULT_REQUESTS = 2;

/** A node's public keys, 64 hex digits each. */
export interface NodeKeysHex {
  /** Ed25519 identity key (its address in routing JSON). */
  ed25519: string;
  /** X25519 key (onion layers are sealed to it). */
  x25519: string;
}

/** Options of {@link runBlackBox}. */
export interface BlackBoxOptions {
  /** The node's origin, `http://HOST:PORT` (or `https://`); requests go to `/onion_req/v2`. */
  target: string;
  /** The node under test. */
  node: NodeKeysHex;
  /** Another node the target knows and relays to, which answers `info`; relay checks are `unsupported` without it. */
  relay?: NodeKeysHex;
  /** Bound on one request, ms; default 10,000. */
  timeoutMs?: number;
  /** Check reply padding (hardening.md §6); default true. False: `blackbox/padding/*` are `unsupported`. */
  paddingCheck?: boolean;
  /** The node's body cap, bytes; default 10 MiB (hardening.md §1). */
  maxBody?: number;
  /** Checks in flight at once; default 4. */
  concurrency?: number;
  /** Run only the checks whose id this accepts; default all. */
  only?: (id: string) => boolean;
  /** A `fetch` to use instead of the global one (tests). */
  fetch?: typeof fetch;
  /** Crypto provider for building and opening onions; default the fastest that loads. */
  provider?: CryptoProvider;
}

/**
 * Every black-box check, in report order (ids `blackbox/<group>/<name>`).
 *
 * @returns the checks
 * @example
 * ```ts
 * import { blackBoxChecks } from "./runner.ts";
 * const ids = blackBoxChecks().map((c) => c.id);
 * if (!ids.includes("blackbox/final/aes-gcm") || new Set(ids).size !== ids.length) throw new Error("bad");
 * ```
 */
export function blackBoxChecks(): Check[] {
  return [
    ...validChecks(),
    ...framingChecks(),
    ...cryptoChecks(),
    ...innerChecks(),
    ...httpChecks(),
    ...replayChecks(),
    ...paddingChecks(),
  ];
}

function checkKeys(keys: NodeKeysHex | undefined, what: string): OnionNode | undefined {
  if (keys === undefined) return undefined;
  if (keys === null || typeof keys !== "object") throw new TypeError(`Cannot check node: ${what} is not an object`);
  for (const name of ["ed25519", "x25519"] as const) {
    if (!isHex(keys[name], KEY_HEX_CHARS)) {
      throw new RangeError(`Cannot check node: ${what}.${name} is not ${KEY_HEX_CHARS} hex digits`);
    }
  }
  return { ed25519: keys.ed25519.toLowerCase(), x25519: keys.x25519.toLowerCase() };
}

function positive(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`Cannot check node: ${what} ${JSON.stringify(value)} is not a positive integer`);
  }
  return value;
}

/** Run one check within its bound; anything thrown becomes a fail. */
async function runOne(check: Check, ctx: CheckContext, timeoutMs: number): Promise<Verdict> {
  const boundMs = (check.requests ?? DEFAULT_REQUESTS) * timeoutMs + CHECK_SLACK_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<Verdict>((resolve) => {
    timer = setTimeout(
      () => resolve({ outcome: "fail", detail: `check did not finish within ${boundMs} ms` }),
      boundMs,
    );
  });
  try {
    return await Promise.race([
      check.run(ctx).catch((err): Verdict => ({
        outcome: "fail",
        detail: `check failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`.slice(0, 300),
      })),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Check a running node from outside over HTTP (`POST /onion_req/v2`): valid onions with each
 * cipher to the node as final destination and as a relay, the observable bad-input catalogue of
 * hardening.md §7 with the answers of §3, replay refusal and reply padding. See
 * `conformance/README.md` for the list of checks.
 *
 * @param options target, node keys, relay keys and limits
 * @returns one result per check, in catalogue order (family `blackbox`)
 * @throws {TypeError | RangeError} for malformed options (never for anything the node does)
 * @example A target where nothing listens: every check fails, none throws
 * ```ts
 * import { runBlackBox } from "./runner.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const port = (listener.addr as Deno.NetAddr).port;
 * listener.close();
 * const key = "09" + "00".repeat(31);
 * const results = await runBlackBox({
 *   target: `http://127.0.0.1:${port}`,
 *   node: { ed25519: "aa".repeat(32), x25519: key },
 *   timeoutMs: 2000,
 *   only: (id) => id.startsWith("blackbox/final/"),
 * });
 * if (results.length === 0 || results.some((r) => r.outcome !== "fail")) throw new Error("bad");
 * ```
 */
export async function runBlackBox(options: BlackBoxOptions): Promise<TestResult[]> {
  if (options === null || typeof options !== "object") {
    throw new TypeError("Cannot check node: options is not an object");
  }
  const node = checkKeys(options.node, "node");
  if (node === undefined) throw new TypeError("Cannot check node: node is missing");
  const relay = checkKeys(options.relay, "relay");
  const timeoutMs = positive(options.timeoutMs, DEFAULT_TIMEOUT_MS, "timeoutMs");
  const concurrency = positive(options.concurrency, DEFAULT_CONCURRENCY, "concurrency");
  const maxBody = positive(options.maxBody, MAX_BODY_BYTES, "maxBody");
  const http = new BlackBoxHttp({ target: options.target, timeoutMs, fetch: options.fetch });
  try {
    const ctx: CheckContext = {
      node,
      relay,
      provider: options.provider ?? await defaultProvider(),
      http,
      paddingCheck: options.paddingCheck ?? true,
      maxBody,
    };
    const checks = blackBoxChecks().filter((c) => options.only?.(c.id) ?? true);
    const verdicts: Verdict[] = new Array(checks.length);
    let next = 0;
    const worker = async () => {
      while (next < checks.length) {
        const i = next++;
        verdicts[i] = await runOne(checks[i], ctx, timeoutMs);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, checks.length) }, worker));
    return checks.map((c, i) => {
      const v = verdicts[i];
      return v.outcome === "pass"
        ? { id: c.id, family: BLACKBOX_FAMILY, outcome: "pass" }
        : { id: c.id, family: BLACKBOX_FAMILY, outcome: v.outcome, detail: v.detail };
    });
  } finally {
    http.close();
  }
}
