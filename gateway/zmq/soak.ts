/**
 * Soak of the ZeroMQ transport (toolchain.md "ZeroMQ": prove it with a soak test): `relays` real
 * onions through three nodes on 127.0.0.1, each with its own Node child (zeromq 6, CurveZMQ,
 * OxenMQ framing), `concurrency` at a time. Every onion is `entry → middle → exit` with the exit
 * answering `info`, so each one crosses two node-to-node ZeroMQ hops there and two back; the
 * entry rotates over the three nodes so every link carries traffic in both directions. The client
 * decrypts every answer and checks which node produced it.
 *
 * ```sh
 * node_modules/.bin/deno run -A gateway/zmq/soak.ts --relays 10000 --concurrency 64 --seconds 300
 * ```
 *
 * Prints one JSON line `{relays, ok, hangs, lost, errors, p50_ms, p99_ms, seconds, …}`:
 *
 * - `ok`: answered 200 and decrypted to the exit's `info`;
 * - `lost`: a node-to-node reply that never came back (504 `Request time out`) or a hop that
 *   could not be reached (502) — the transport dropped it;
 * - `hangs`: no answer at all within the node timeout + 5 s (a watchdog; the soak moves on);
 * - `errors`: any other answer (wrong status, undecryptable, wrong node, exception).
 *
 * Exits 1 unless every relay requested ran and was `ok` (so on any hang or lost reply).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { buildOnionRequest, decryptOnionReply } from "../../mod.ts";
import { startZmqNetwork } from "./_testing/zmq_network.ts";

/** Options of {@link runZmqSoak}. */
export interface ZmqSoakOptions {
  /** Onions to send. */
  relays: number;
  /** Onions in flight at once. */
  concurrency: number;
  /** Time bound: no new onion starts after this many seconds. */
  seconds: number;
  /** Node→node timeout, ms (default 10 s). */
  forwardTimeoutMs?: number;
}

/** What a soak run measured. */
export interface ZmqSoakReport {
  /** Onions requested. */
  requested: number;
  /** Onions sent. */
  relays: number;
  /** Answered 200 by the right exit. */
  ok: number;
  /** Not answered within the watchdog bound. */
  hangs: number;
  /** Answered 502/504: a node-to-node message lost or a hop unreachable. */
  lost: number;
  /** Any other failure. */
  errors: number;
  /** Median client latency, ms (excluding building the onion). */
  p50_ms: number;
  /** 99th percentile client latency, ms. */
  p99_ms: number;
  /** Wall time of the run, s. */
  seconds: number;
  /** Requests still pending in any link at the end (must be 0). */
  pending_at_end: number;
}

const INFO = new TextEncoder().encode('{"method":"info","params":{}}');
const DEFAULT_FORWARD_TIMEOUT_MS = 10_000;
/** The watchdog allows this much beyond the node→node timeout before calling a relay hung. */
const HANG_MARGIN_MS = 5_000;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[i] * 100) / 100;
}

/**
 * Run the soak.
 *
 * @param options relays, concurrency, time bound, node timeout
 * @returns the report
 * @throws {RangeError} for a non-positive option
 */
export async function runZmqSoak(options: ZmqSoakOptions): Promise<ZmqSoakReport> {
  for (const name of ["relays", "concurrency", "seconds"] as const) {
    if (!Number.isSafeInteger(options[name]) || options[name] < 1) {
      throw new RangeError(`Cannot run soak: ${name} ${String(options[name])} is not a positive integer`);
    }
  }
  const forwardTimeoutMs = options.forwardTimeoutMs ?? DEFAULT_FORWARD_TIMEOUT_MS;
  const network = await startZmqNetwork(["a", "b", "c"], {
    forwardTimeoutMs: { a: forwardTimeoutMs, b: forwardTimeoutMs, c: forwardTimeoutMs },
  });
  const { nodes, provider } = network;
  const report: ZmqSoakReport = {
    requested: options.relays,
    relays: 0,
    ok: 0,
    hangs: 0,
    lost: 0,
    errors: 0,
    p50_ms: 0,
    p99_ms: 0,
    seconds: 0,
    pending_at_end: 0,
  };
  const latencies: number[] = [];
  const started = performance.now();
  const stopAt = started + options.seconds * 1000;
  let next = 0;

  async function one(i: number): Promise<void> {
    const [entry, middle, exit] = [nodes[i % 3], nodes[(i + 1) % 3], nodes[(i + 2) % 3]];
    const built = await buildOnionRequest({
      path: [entry.onion, middle.onion],
      destination: exit.onion,
      payload: INFO,
      provider,
    });
    const t0 = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const watchdog = new Promise<"hang">((resolve) => {
      timer = setTimeout(() => resolve("hang"), forwardTimeoutMs + HANG_MARGIN_MS);
    });
    try {
      const answer = await Promise.race([entry.entry(built.body), watchdog]);
      if (answer === "hang") {
        report.hangs++;
        return;
      }
      latencies.push(performance.now() - t0);
      if (answer.status === 502 || answer.status === 504) {
        report.lost++;
        return;
      }
      if (answer.status !== 200) {
        report.errors++;
        return;
      }
      const reply = await decryptOnionReply(built.reply, answer.body, { provider });
      const version = JSON.parse(new TextDecoder().decode(reply.body)).version;
      if (reply.status === 200 && Array.isArray(version) && version[2] === (i + 2) % 3) report.ok++;
      else report.errors++;
    } catch {
      report.errors++;
    } finally {
      clearTimeout(timer);
    }
  }

  async function worker(): Promise<void> {
    while (next < options.relays && performance.now() < stopAt) {
      const i = next++;
      report.relays++;
      await one(i);
    }
  }

  try {
    await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
    report.pending_at_end = nodes.reduce((n, node) => n + node.link.pending, 0);
  } finally {
    await network.close();
  }
  latencies.sort((x, y) => x - y);
  report.p50_ms = percentile(latencies, 50);
  report.p99_ms = percentile(latencies, 99);
  report.seconds = Math.round((performance.now() - started) / 10) / 100;
  return report;
}

/**
 * Whether a report passes: every relay requested ran and was ok, nothing left pending.
 *
 * @param r the report
 * @returns true when it passes
 * @example
 * ```ts
 * import { soakPassed } from "./soak.ts";
 * const r = { requested: 2, relays: 2, ok: 2, hangs: 0, lost: 0, errors: 0, p50_ms: 1, p99_ms: 2, seconds: 1, pending_at_end: 0 };
 * if (!soakPassed(r) || soakPassed({ ...r, ok: 1, lost: 1 })) throw new Error("bad");
 * ```
 */
export function soakPassed(r: ZmqSoakReport): boolean {
  return r.relays === r.requested && r.ok === r.requested && r.hangs === 0 && r.lost === 0 && r.errors === 0 &&
    r.pending_at_end === 0;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      relays: { type: "string", default: "10000" },
      concurrency: { type: "string", default: "64" },
      seconds: { type: "string", default: "300" },
      "forward-timeout-ms": { type: "string", default: String(DEFAULT_FORWARD_TIMEOUT_MS) },
    },
    strict: true,
    allowPositionals: false,
  });
  const report = await runZmqSoak({
    relays: Number(values.relays),
    concurrency: Number(values.concurrency),
    seconds: Number(values.seconds),
    forwardTimeoutMs: Number(values["forward-timeout-ms"]),
  });
  console.log(JSON.stringify(report));
  Deno.exit(soakPassed(report) ? 0 : 1);
}
