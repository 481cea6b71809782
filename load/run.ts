/**
 * `npm run load`: load tests of the entry gateway over real sockets on 127.0.0.1 (hardening.md §5
 * and §7 "Load"; performance.md "HTTP"). The gateway is `gateway/main.ts` in its own process with
 * the default (sodium) provider; the load generator is autocannon under Node in a second process
 * (load/autocannon_driver.mjs); the next hop is a stub in this process that answers 200 at once.
 * Every figure is reported beside a baseline measured in the same run, and as a ratio to it.
 *
 * Scenarios (load/README.md explains how to read them):
 *
 * 1. `relay` — closed loop, `--connections` (16) connections, interleaved rounds of four routes on
 *    the same gateway: `GET /health` (the no-op baseline), a replayed onion (400 after the cheap
 *    checks), a fresh onion naming an unknown next node (502 after the full peel), and a fresh
 *    1 KiB onion relayed to the stub (200). req/s, p50, p99, errors, and the gateway's CPU time per
 *    request, whose differences give the cost of each stage.
 * 2. `overload` — a second gateway whose per-client rate limit is the sustainable relay rate of
 *    scenario 1 (all load comes from one address): a probe (one connection, low rate) measures the
 *    baseline p99; then ≈ 3× the sustainable rate for a bounded time (429/503 counts, shed and
 *    accepted latency, RSS); then the probe again, to see how soon p99 is back to the baseline.
 * 3. `hops-down` — hardening.md §7 fault injection: a gateway whose directory lists `--next-hops`
 *    (8) next hops, half of them live stubs, a quarter refusing connections and a quarter silent
 *    (accept, never answer), with a short `--forward-timeout-ms`. Interleaved rounds: the healthy
 *    routes alone (baseline), then the same load while a second generator sends a steady stream of
 *    onions to the down hops. The healthy p99 with the down stream ÷ the baseline p99 (target
 *    < 2), the down routes' 502 / 504 / 503 counts and timings, and the forwards in flight
 *    returning to 0.
 *
 * ```
 * deno run -A load/run.ts [--quick] [--json] [--out <file>] [--scenario relay|overload|hops-down]
 *                         [--seconds S] [--rounds N] [--connections N] [--pool-rate R]
 *                         [--overload-seconds S] [--overload-connections N]
 *                         [--limit-fraction F] [--per-hop-cap N]
 *                         [--next-hops N] [--down-rate R] [--down-connections N]
 *                         [--forward-timeout-ms T]
 * ```
 *
 * - `--quick`: short phases for a smoke run (≤ 30 s in total);
 * - `--json`: print only the JSON report on stdout (progress goes to stderr);
 * - `--out`: where to write the JSON report (default `load/results/latest.json`);
 * - the others: see load/README.md.
 *
 * Bounded: every phase has a duration, the generator a hard deadline, the pools a fixed count;
 * every process started here is stopped in `finally`.
 *
 * @module
 */

import { cpus } from "node:os";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { type CryptoProvider, defaultProvider, toHex } from "../mod.ts";
import {
  directoryText,
  freePort,
  type GatewayProcess,
  type PreparedNode,
  prepareNode,
  readRss,
  startGateway,
} from "../gateway/_testing/processes.ts";
import { type RelayPool, writeRelayPool } from "./_onion_pool.ts";
import {
  type HopAddress,
  type NextHopStub,
  refusedHop,
  type SilentHop,
  startNextHopStub,
  startSilentHop,
} from "./_stub.ts";

/** The JSON report's schema tag. */
export const LOAD_SCHEMA = "allium-load/v1";
/** The issue's relaying goal (hardening work item): onions/s at 1 KiB … */
export const GOAL_REQ_PER_SEC = 10_000;
/** … with this p99, ms. */
export const GOAL_P99_MS = 5;
/** hardening.md §7 load: relay-to-node minimum with @noble X25519 (req/s), p50 and p99 bounds (ms). */
export const SPEC_RELAY = { minReqPerSec: 500, p50Ms: 5, p99Ms: 50 } as const;
/** hardening.md §7 overload bounds: shed latency, accepted p99 (ms), RSS (bytes), recovery (ms). */
export const SPEC_OVERLOAD = {
  shedMs: 100,
  acceptedP99Ms: 250,
  rssBytes: 512 * 1024 * 1024,
  recoveryMs: 5_000,
} as const;
/** hardening.md §7 fault injection: healthy p99 with half the next hops down < this × the baseline p99. */
export const SPEC_HOPS_DOWN = { maxP99Ratio: 2 } as const;

const DRIVER = fileURLToPath(new URL("./autocannon_driver.mjs", import.meta.url));
const DEFAULT_OUT = fileURLToPath(new URL("./results/latest.json", import.meta.url));
const BODY_BYTES = 1024;
const ONION_PATH = "/onion_req/v2";
/** Responses the generator records per phase (memory bound). */
const MAX_RECORDS = 4_000_000;
/** A time beyond any phase's end, ms (JSON has no Infinity). */
const END_OF_PHASE_MS = 1e12;
/** RSS sampling interval, ms. */
const RSS_SAMPLE_MS = 200;
/** The generator's hard deadline beyond the planned phase time, ms. */
const DRIVER_SLACK_MS = 30_000;
/** Background load (cores) above which the report warns that the machine was not quiet. */
const BACKGROUND_WARN_CORES = 0.2;
/** Time a gateway gets between SIGTERM and SIGKILL, ms. */
const STOP_GRACE_MS = 3_000;
/** hops-down: healthy load before each measured healthy phase (unmeasured, fresh connections), s. */
const HOPS_SETTLE_SECONDS = 0.25;
/** hops-down: the down stream's head start beyond the forward timeout (silent hops' slots at steady state), ms. */
const DOWN_LEAD_MARGIN_MS = 500;
/** hops-down: bound on the down stream beyond the time it is needed for (in case the stop never comes), s. */
const DOWN_EXTRA_SECONDS = 5;
/** hops-down: time the down generator waits for outstanding answers beyond the forward timeout, ms. */
const DOWN_DRAIN_EXTRA_MS = 1_000;
/** hops-down: the gateway's per-client connection cap (all load comes from 127.0.0.1). */
const HOPS_MAX_CLIENT_CONNECTIONS = 1_000;
/** Interval of the gateway's /metrics samples, ms. */
const METRICS_SAMPLE_MS = 250;
/** Bound on one /metrics request, ms. */
const METRICS_TIMEOUT_MS = 1_000;
/** Time the forwards in flight get to return to 0 after a down stream, beyond the forward timeout, ms. */
const IN_FLIGHT_SETTLE_MS = 3_000;
/** Time the silent hops get to see their connections closed after the last down stream, ms. */
const SILENT_CLOSE_MS = 1_000;

/** Settings of a run. */
export interface LoadSettings {
  /** `quick` or `full` (or `custom` when overridden). */
  mode: "quick" | "full" | "custom";
  /** Scenarios to run. */
  scenarios: Scenario[];
  /** Connections of the closed-loop relay scenario. */
  connections: number;
  /** Seconds per measured phase of the relay scenario. */
  seconds: number;
  /** Interleaved rounds of the relay scenario. */
  rounds: number;
  /** Warm-up seconds before the rounds. */
  warmupSeconds: number;
  /** Distinct onions built per second of planned onion phases (the pool's rate ceiling). */
  poolRate: number;
  /** Offered load of the overload phase, as a multiple of the sustainable relay rate. */
  overloadFactor: number;
  /** Connections of the overload phase (≤ 100: hardening.md §5's per-client connection cap). */
  overloadConnections: number;
  /** Seconds of the overload phase. */
  overloadSeconds: number;
  /** Rate limit of the overload gateway, as a fraction of the sustainable relay rate. */
  limitFraction: number;
  /** Per-hop in-flight forward cap of the overload gateway (the config default is 32). */
  perHopCap: number;
  /** Probe rate (req/s, one connection) before and after the overload. */
  probeRate: number;
  /** Seconds of the probe before the overload. */
  probeSeconds: number;
  /** Seconds of the probe after the overload. */
  recoverySeconds: number;
  /** hops-down: next hops in the directory (a multiple of 4: half live, a quarter refused, a quarter silent). */
  nextHops: number;
  /** hops-down: rate of the steady stream of onions to the down hops, req/s. */
  downRate: number;
  /** hops-down: most requests of the down stream outstanding at once (its connections). */
  downConnections: number;
  /** hops-down: the gateway's `--forward-timeout-ms` (when a silent hop's forward ends in 504). */
  forwardTimeoutMs: number;
}

/** The scenarios, in the order they run. */
export const SCENARIOS = ["relay", "overload", "hops-down"] as const;
/** A scenario name. */
export type Scenario = typeof SCENARIOS[number];

/** Settings of `npm run load`. */
export const FULL_SETTINGS: LoadSettings = {
  mode: "full",
  scenarios: [...SCENARIOS],
  connections: 16,
  seconds: 3,
  rounds: 3,
  warmupSeconds: 2,
  poolRate: 10_000,
  overloadFactor: 3,
  overloadConnections: 96,
  overloadSeconds: 25,
  limitFraction: 1,
  perHopCap: 32,
  probeRate: 200,
  probeSeconds: 5,
  recoverySeconds: 10,
  nextHops: 8,
  downRate: 500,
  downConnections: 128,
  forwardTimeoutMs: 1_000,
};

/** Settings of `npm run load -- --quick` (≤ 30 s in total). */
export const QUICK_SETTINGS: LoadSettings = {
  ...FULL_SETTINGS,
  mode: "quick",
  seconds: 0.75,
  rounds: 1,
  warmupSeconds: 0.5,
  overloadSeconds: 2.5,
  probeSeconds: 1,
  recoverySeconds: 2,
  forwardTimeoutMs: 500,
};

/** Latency summary of one class of answers, ms. */
export interface LatencySummary {
  count: number;
  mean: number | null;
  /** Smallest (absent in reports written before it was added). */
  min?: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

/** One phase as the generator reports it. */
export interface PhaseResult {
  name: string;
  method: string;
  path: string;
  pool: string | null;
  connections: number;
  rate: number | null;
  plannedSeconds: number;
  startedAtMs: number;
  elapsedMs: number;
  responses: number;
  recordsDropped: number;
  errors: number;
  timeouts: number;
  statusCounts: Record<string, number>;
  poolExhausted: boolean;
  cpuSeconds: Record<string, number | null>;
  latency: { ok: LatencySummary; shed: LatencySummary; other: LatencySummary };
  windows: { startMs: number; ok: number; shed: number; other: number; okP50: number | null; okP99: number | null }[];
  ranges: { fromMs: number; toMs: number; ok: LatencySummary }[];
  /** Wall-clock start (ms since the epoch), to line up phases of two generator processes. */
  startedAtEpochMs: number;
  /** A paced phase: requests sent, skipped (too many outstanding), abandoned (no answer in the drain time). */
  paced?: { sent: number; skipped: number; abandoned: number; drainedMs: number };
  /** With `raw`: every answer's latency (ms), by status. */
  raw?: Record<string, number[]>;
}

/** One phase of a generator plan (see autocannon_driver.mjs). */
interface PhasePlan {
  name: string;
  method: "GET" | "POST";
  path: string;
  pool?: string;
  seconds: number;
  connections: number;
  rate?: number;
  recycle429?: boolean;
  ranges?: [number, number][];
  group?: string;
  /** Report every answer's latency by status. */
  raw?: boolean;
  /** A steady stream at `rate` (node:http, at most `connections` outstanding) instead of autocannon. */
  paced?: boolean;
  /** Paced: time outstanding answers get after the sending ends, ms. */
  drainMs?: number;
}

/** A generator plan (see autocannon_driver.mjs). */
interface DriverPlan {
  url: string;
  pids?: Record<string, number>;
  pools?: Record<string, { file: string; recordBytes: number; count: number; repeat?: boolean }>;
  phases: PhasePlan[];
}

/** The generator's report. */
interface DriverReport {
  generator: string;
  node: string;
  poolsUsed: Record<string, number>;
  groups: Record<string, { ok: LatencySummary; shed: LatencySummary; other: LatencySummary }>;
  phases: PhaseResult[];
}

/** One route of the relay scenario, over all rounds. */
export interface RouteResult {
  /** What the route exercises. */
  description: string;
  /** The answer expected for every request. */
  expect: string;
  /** Responses per second over all rounds. */
  reqPerSec: number;
  /** Responses per second of each round. */
  rounds: number[];
  /** Latency of the expected answers, ms (all rounds pooled). */
  latency: LatencySummary;
  /** Responses counted. */
  responses: number;
  /** Responses other than the expected status. */
  unexpected: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Status counts. */
  statusCounts: Record<string, number>;
  /** Gateway CPU time (all threads) per response, µs. */
  gatewayCpuUs: number | null;
  /** Share of wall time the gateway's main (JS + HTTP) thread was on a CPU. */
  gatewayMainThreadBusy: number | null;
  /** Cores the generator used. */
  generatorCores: number | null;
  /** Cores the gateway used (all threads). */
  gatewayCores: number | null;
  /** Cores the next-hop stub (this process) used. */
  stubCores: number | null;
  /** Cores used by everything else on the machine (other processes, kernel): should be ≈ 0. */
  otherCores: number | null;
  /** Whether a pool ran out (the phase then ended early). */
  poolExhausted: boolean;
}

/** The relay scenario. */
export interface RelayScenario {
  gatewayFlags: Record<string, string>;
  poolBuildSeconds: number;
  routes: Record<"health" | "replay" | "peel" | "relay", RouteResult>;
  /** relay req/s ÷ health req/s, in the same run. */
  ratio: number;
  /** The relaying goal and whether it was met. */
  goal: { reqPerSec: number; p99Ms: number; met: boolean };
  /** hardening.md §7 relay-to-node bounds and whether they were met. */
  spec: { minReqPerSec: number; p50Ms: number; p99Ms: number; met: boolean };
  /** Gateway CPU per request, stage by stage (differences of the routes' CPU time), µs. */
  stages: { stage: string; us: number | null; share: number | null }[];
}

/** The overload scenario. */
export interface OverloadScenario {
  gatewayFlags: Record<string, string>;
  /** The relay rate of scenario 1 the factor applies to (req/s). */
  sustainableReqPerSec: number;
  /** Rate limit configured (req/s), burst. */
  rateLimit: { perSecond: number; burst: number };
  /** Per-hop in-flight cap configured. */
  perHopCap: number;
  /** Offered load: target and achieved (answers + errors per second). */
  offered: {
    targetReqPerSec: number;
    achievedReqPerSec: number;
    /** Achieved offered rate ÷ sustainable rate. */
    achievedFactor: number;
    connections: number;
    seconds: number;
  };
  /** Probe before the overload. */
  baseline: { p50: number | null; p99: number | null; responses: number; unexpected: number };
  /** During the overload. */
  overload: {
    responses: number;
    accepted: number;
    acceptedPerSec: number;
    shed429: number;
    shed503: number;
    other: number;
    errors: number;
    shedLatency: LatencySummary;
    acceptedLatency: LatencySummary;
    gatewayMainThreadBusy: number | null;
    /** Cores used: gateway, generator, everything else on the machine. */
    cores: { gateway: number | null; generator: number | null; other: number | null };
  };
  /** Gateway RSS, bytes: before, largest sample during the run, peak (VmHWM), after. */
  rss: {
    beforeBytes: number | null;
    maxSampledBytes: number | null;
    peakBytes: number | null;
    afterBytes: number | null;
  };
  /** Probe after the overload. */
  recovery: {
    /** p99 a window must be at or below to count as recovered (ms). */
    thresholdMs: number | null;
    /** Time from the end of the overload to the end of the first 1-s window whose p99 is back under the threshold (ms), or null. */
    recoveredAfterMs: number | null;
    /** The same for the first window from which every later window stays under the threshold (ms), or null. */
    staysRecoveredAfterMs: number | null;
    /** Gap between the overload's end and the probe's start, ms. */
    gapMs: number;
    /** p99 of the probe's first five seconds, and of the rest (ms). */
    p99First5s: number | null;
    p99After5s: number | null;
    /** Spread of the baseline probe's 1-s window p99s (ms): the noise level to judge recovery by. */
    baselineWindowP99: { min: number | null; max: number | null };
    windows: { startMs: number; ok: number; okP99: number | null }[];
  };
  checks: {
    shedP99Under100ms: boolean | null;
    acceptedP99Under250ms: boolean | null;
    rssUnder512MiB: boolean | null;
    recoveredWithin5s: boolean | null;
  };
}

/** Healthy routes of the hops-down scenario in one condition, over all rounds. */
export interface HopsDownHealthy {
  /** Responses per second over all rounds. */
  reqPerSec: number;
  /** Responses per second of each round. */
  rounds: number[];
  /** Latency of the 200 answers, ms (all rounds pooled). */
  latency: LatencySummary;
  /** p99 of the 200 answers of each round, ms. */
  roundP99: (number | null)[];
  /** Responses counted. */
  responses: number;
  /** Responses other than 200. */
  unexpected: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Status counts. */
  statusCounts: Record<string, number>;
  /** Share of wall time the gateway's main thread was on a CPU. */
  gatewayMainThreadBusy: number | null;
  /** Cores used: gateway, the healthy generator, the stubs (this process), everything else. */
  cores: { gateway: number | null; generator: number | null; stubs: number | null; other: number | null };
}

/** The hops-down scenario (hardening.md §7 fault injection). */
export interface HopsDownScenario {
  gatewayFlags: Record<string, string>;
  /** Next hops in the directory: live (200 at once), refused (closed port), silent (never answer). */
  nextHops: { live: number; refused: number; silent: number };
  /** The gateway's forward timeout, ms. */
  forwardTimeoutMs: number;
  /** The down stream's head start before the healthy load of a loaded round, ms. */
  downLeadMs: number;
  poolBuildSeconds: number;
  /** Healthy routes alone, and with the down stream. */
  healthy: { baseline: HopsDownHealthy; withDownStream: HopsDownHealthy };
  /** Healthy p99 with the down stream ÷ baseline p99 (pooled rounds), and of each round. */
  p99Ratio: number | null;
  roundP99Ratios: (number | null)[];
  /** Healthy p50 with the down stream ÷ baseline p50. */
  p50Ratio: number | null;
  /** hardening.md §7: p99 ratio below this; met or not (reported, never asserted). */
  target: { maxP99Ratio: number; met: boolean | null };
  /** The down stream (all rounds). */
  down: {
    targetReqPerSec: number;
    /** Requests sent per second of sending. */
    achievedReqPerSec: number;
    sent: number;
    /** Requests not sent because `downConnections` were outstanding. */
    skipped: number;
    answered: number;
    /** Requests without an answer within the drain time (counted in errors too). */
    abandoned: number;
    errors: number;
    statusCounts: Record<string, number>;
    /** Answers other than 502, 503 and 504. */
    unexpected: number;
    /** Latency of the 502 answers (refused hops: time to 502), ms. */
    refused502: LatencySummary;
    /** Latency of the 504 answers (silent hops: the forward timeout), ms. */
    timeout504: LatencySummary;
    /** Latency of the 503 answers (a silent hop's in-flight cap full), ms. */
    busy503: LatencySummary;
    /** Cores the down generator used while sending and draining. */
    generatorCores: number | null;
    /**
     * Gateway CPU per down request, µs (estimate): the gateway's CPU during the healthy phases with the
     * down stream, less the healthy requests at their baseline cost, ÷ the down requests in that time.
     */
    gatewayCpuUsPerRequest: number | null;
    /** Gateway CPU per healthy request in the baseline, µs, to compare with. */
    gatewayCpuUsPerHealthyRequest: number | null;
    /** Whether in every round the stream ran from ≥ one forward timeout before the measured healthy phase to its end. */
    coveredHealthyPhases: boolean;
  };
  /** `allium_forwards_in_flight` from the gateway's /metrics. */
  forwardsInFlight: {
    /** Largest sample while the healthy routes ran alone, and with the down stream. */
    peakBaseline: number | null;
    peakWithDownStream: number | null;
    /** After each loaded round: the value read and how long it took to reach it (0 expected), ms. */
    afterRounds: { value: number | null; afterMs: number }[];
    /** After the whole run. */
    after: number | null;
  };
  /** The gateway's `allium_requests_total` by outcome after the run. */
  gatewayOutcomes: Record<string, number>;
  /** Silent hops: connections accepted, and still held after the run (0 expected: the gateway closed them). */
  silentConnections: { accepted: number; heldAfter: number; turnedAway: number };
  /** Requests each live hop answered. */
  liveHopRequests: number[];
  checks: {
    /** Healthy routes: only 200, no errors. */
    healthyOnly200: boolean;
    /** Down routes: only 502 / 503 / 504, no errors; both 502 and 504 seen. */
    downOnly502503504: boolean;
    downAnswered502And504: boolean;
    /** Forwards in flight back to 0 after every round and at the end. */
    inFlightBackToZero: boolean;
    /** No 5xx other than 502 / 503 / 504, at the generators and in the gateway's outcome counts. */
    noOther5xx: boolean;
  };
}

/** The whole report. */
export interface LoadReport {
  schema: typeof LOAD_SCHEMA;
  mode: LoadSettings["mode"];
  startedAt: string;
  seconds: number;
  machine: {
    cpus: number;
    cpuModel: string;
    deno: string;
    v8: string;
    generator: string;
    node: string;
    /** Cores other processes kept busy just before the run (should be ≈ 0). */
    backgroundCoresBefore: number | null;
  };
  provider: string;
  settings: LoadSettings;
  relay?: RelayScenario;
  overload?: OverloadScenario;
  hopsDown?: HopsDownScenario;
  notes: string[];
}

function log(message: string): void {
  console.error(message);
}

const round = (v: number, digits = 3) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Options of {@link runDriver}. */
interface DriverOptions {
  /** Called once the generator process is started. */
  onStart?: () => void;
  /** When it settles, the generator's paced phases stop sending (its stdin is closed). */
  stop?: Promise<unknown>;
  /** Aborting kills the generator. */
  signal?: AbortSignal;
}

/** Run the generator with a plan; returns its report. */
async function runDriver(dir: string, plan: DriverPlan, options: DriverOptions = {}): Promise<DriverReport> {
  const planned = plan.phases.reduce((s, p) => s + p.seconds + (p.drainMs ?? 0) / 1000, 0) * 1000;
  const stopOnStdin = options.stop !== undefined;
  const planFile = `${dir}/plan_${crypto.randomUUID()}.json`;
  await Deno.writeTextFile(
    planFile,
    JSON.stringify({ hardDeadlineMs: planned + DRIVER_SLACK_MS, maxRecords: MAX_RECORDS, stopOnStdin, ...plan }),
  );
  const child = new Deno.Command("node", {
    args: [DRIVER, planFile],
    stdin: stopOnStdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
  };
  let stdinClosed = !stopOnStdin;
  const closeStdin = () => {
    if (stdinClosed) return;
    stdinClosed = true;
    child.stdin.close().catch(() => {});
  };
  options.stop?.then(closeStdin, closeStdin);
  options.signal?.addEventListener("abort", kill, { once: true });
  if (options.signal?.aborted) kill();
  options.onStart?.();
  const killer = setTimeout(kill, planned + 2 * DRIVER_SLACK_MS);
  try {
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    if (stderr.trim() !== "") log(stderr.trimEnd());
    if (!out.success) throw new Error(`load generator failed (${out.code}):\n${stderr}`);
    return JSON.parse(new TextDecoder().decode(out.stdout)) as DriverReport;
  } finally {
    clearTimeout(killer);
    options.signal?.removeEventListener("abort", kill);
    closeStdin();
  }
}

/** Flags of a gateway under load. */
function gatewayFlags(extra: Record<string, string>): Record<string, string> {
  return { "log-level": "warn", "shutdown-grace-ms": "2000", ...extra };
}

function ok(status: number): boolean {
  return status >= 200 && status < 300;
}

/** Combine the phases of one route over the rounds. */
function routeResult(
  phases: PhaseResult[],
  pooled: { ok: LatencySummary; shed: LatencySummary; other: LatencySummary },
  description: string,
  expectStatus: number,
  expect: string,
): RouteResult {
  const responses = phases.reduce((s, p) => s + p.responses, 0);
  const elapsed = phases.reduce((s, p) => s + p.elapsedMs, 0) / 1000;
  const statusCounts: Record<string, number> = {};
  for (const p of phases) {
    for (const [k, v] of Object.entries(p.statusCounts)) statusCounts[k] = (statusCounts[k] ?? 0) + v;
  }
  const expected = statusCounts[String(expectStatus)] ?? 0;
  // Latency of the expected answers: the generator groups by class (ok / shed / other).
  const cls = ok(expectStatus) ? "ok" : expectStatus === 429 || expectStatus === 503 ? "shed" : "other";
  const latency = pooled[cls];
  const sumCpu = (key: string) => {
    const values = phases.map((p) => p.cpuSeconds[key]);
    return values.some((v) => v === null || v === undefined) ? null : values.reduce((s, v) => s! + v!, 0)!;
  };
  const gw = sumCpu("gateway");
  const main = sumCpu("gatewayMainThread");
  const gen = sumCpu("generator");
  const stub = sumCpu("stub");
  const machine = sumCpu("machine");
  const cores = (v: number | null) => (v === null ? null : round(v / elapsed));
  return {
    description,
    expect,
    reqPerSec: round(responses / elapsed, 1),
    rounds: phases.map((p) => round(p.responses / (p.elapsedMs / 1000), 1)),
    latency,
    responses,
    unexpected: responses - expected,
    errors: phases.reduce((s, p) => s + p.errors, 0),
    statusCounts,
    gatewayCpuUs: gw === null || responses === 0 ? null : round((gw / responses) * 1e6, 1),
    gatewayMainThreadBusy: main === null ? null : round(main / elapsed),
    generatorCores: cores(gen),
    gatewayCores: cores(gw),
    stubCores: cores(stub),
    otherCores: machine === null || gw === null || gen === null
      ? null
      : round(Math.max(0, (machine - gw - gen - (stub ?? 0)) / elapsed)),
    poolExhausted: phases.some((p) => p.poolExhausted),
  };
}

interface Network {
  dir: string;
  provider: CryptoProvider;
  stub: NextHopStub;
  entry: PreparedNode;
  directoryFile: string;
}

async function buildPool(
  net: Network,
  name: string,
  nextEd25519: string | readonly string[],
  count: number,
): Promise<RelayPool> {
  const pool = await writeRelayPool(`${net.dir}/${name}.bin`, {
    provider: net.provider,
    entryX25519: net.entry.keys.x25519Public,
    entrySecret: net.entry.keys.x25519Secret,
    nextEd25519,
    count,
    bodyBytes: BODY_BYTES,
  });
  log(`  pool ${name}: ${count} distinct ${BODY_BYTES}-byte onions in ${pool.buildSeconds.toFixed(2)} s`);
  return pool;
}

/** One onion naming an unknown next node: answered 502 once (in the warm-up), then 400 as a replay. */
async function replayPool(net: Network): Promise<RelayPool> {
  return await buildPool(net, "replay", toHex(crypto.getRandomValues(new Uint8Array(32))), 1);
}

function poolPlan(pool: RelayPool) {
  return { file: pool.file, recordBytes: pool.recordBytes, count: pool.count };
}

async function startEntry(net: Network, flags: Record<string, string>): Promise<GatewayProcess> {
  const gw = startGateway({
    name: "entry",
    keyFile: net.entry.keyFile,
    port: freePort(),
    directoryFile: net.directoryFile,
    flags,
  });
  try {
    await gw.waitReady();
  } catch (err) {
    await gw.stop(STOP_GRACE_MS);
    throw err;
  }
  return gw;
}

/** Scenario 1. */
async function relayScenario(net: Network, s: LoadSettings): Promise<RelayScenario> {
  const flags = gatewayFlags({ "rate-limit-burst": "1000000000", "rate-limit-per-second": "1000000000" });
  log(`relay: entry gateway with ${JSON.stringify(flags)}`);
  const started = performance.now();
  const onionSeconds = s.warmupSeconds + s.rounds * s.seconds;
  const relayPool = await buildPool(net, "relay", net.stub.ed25519, Math.ceil(onionSeconds * s.poolRate));
  const unknown = toHex(crypto.getRandomValues(new Uint8Array(32)));
  const peelPool = await buildPool(net, "peel", unknown, Math.ceil(onionSeconds * s.poolRate));
  // The replay route sends one onion over and over (a one-record pool that repeats).
  const replay = await replayPool(net);
  const poolBuildSeconds = (performance.now() - started) / 1000;

  const gw = await startEntry(net, flags);
  let report: DriverReport;
  try {
    const c = s.connections;
    const onion = (name: string, pool: string, seconds: number, group?: string): PhasePlan => ({
      name,
      method: "POST",
      path: ONION_PATH,
      pool,
      seconds,
      connections: c,
      group,
    });
    const health = (name: string, seconds: number, group?: string): PhasePlan => ({
      name,
      method: "GET",
      path: "/health",
      seconds,
      connections: c,
      group,
    });
    const phases: PhasePlan[] = [
      onion("warmup relay", "relay", s.warmupSeconds / 2),
      onion("warmup peel", "peel", s.warmupSeconds / 4),
      onion("warmup replay", "replay", s.warmupSeconds / 8),
      health("warmup health", s.warmupSeconds / 8),
    ];
    for (let r = 1; r <= s.rounds; r++) {
      phases.push(
        health(`health ${r}`, s.seconds, "health"),
        onion(`replay ${r}`, "replay", s.seconds, "replay"),
        onion(`peel ${r}`, "peel", s.seconds, "peel"),
        onion(`relay ${r}`, "relay", s.seconds, "relay"),
      );
    }
    report = await runDriver(net.dir, {
      url: gw.url,
      pids: { gateway: gw.pid, stub: Deno.pid },
      pools: {
        relay: poolPlan(relayPool),
        peel: poolPlan(peelPool),
        replay: { ...poolPlan(replay), repeat: true },
      },
      phases,
    });
  } finally {
    await gw.stop(STOP_GRACE_MS);
  }
  const measured = report.phases.filter((p) => !p.name.startsWith("warmup"));
  const of = (prefix: string) => measured.filter((p) => p.name.startsWith(`${prefix} `));
  const g = report.groups;
  const routes = {
    health: routeResult(
      of("health"),
      g.health,
      "GET /health: the no-op route (HTTP server, middleware, no body)",
      200,
      "200 ok",
    ),
    replay: routeResult(
      of("replay"),
      g.replay,
      "POST 1 KiB replayed onion: body read, limits, framing, trailer, replay tag + lookup, then refused",
      400,
      "400 Invalid ciphertext",
    ),
    peel: routeResult(
      of("peel"),
      g.peel,
      "POST 1 KiB onion naming an unknown next node: the above + X25519, KDF, XChaCha20 decrypt, inner JSON, replay insert",
      502,
      "502 Next node not found",
    ),
    relay: routeResult(
      of("relay"),
      g.relay,
      "POST 1 KiB onion relayed to the stub next hop: the above + HTTP forward (fetch) and pass-through of the answer",
      200,
      "200 (the stub's answer)",
    ),
  };
  const cpu = (k: keyof typeof routes) => routes[k].gatewayCpuUs;
  const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : round(a - b, 1));
  const total = cpu("relay");
  const stages = [
    { stage: "HTTP request/response + middleware (health)", us: cpu("health") },
    { stage: "1 KiB body + cheap checks + replay lookup (replay − health)", us: diff(cpu("replay"), cpu("health")) },
    {
      stage: "peel: X25519 + KDF + decrypt + inner JSON + replay insert (peel − replay)",
      us: diff(cpu("peel"), cpu("replay")),
    },
    { stage: "forward to next hop over HTTP + pass-through (relay − peel)", us: diff(cpu("relay"), cpu("peel")) },
  ].map((x) => ({ ...x, share: x.us === null || total === null ? null : round(x.us / total) }));
  const relay = routes.relay;
  return {
    gatewayFlags: flags,
    poolBuildSeconds: round(poolBuildSeconds, 2),
    routes,
    ratio: round(relay.reqPerSec / routes.health.reqPerSec, 4),
    goal: {
      reqPerSec: GOAL_REQ_PER_SEC,
      p99Ms: GOAL_P99_MS,
      met: relay.reqPerSec >= GOAL_REQ_PER_SEC && (relay.latency.p99 ?? Infinity) <= GOAL_P99_MS &&
        relay.unexpected === 0 && relay.errors === 0,
    },
    spec: {
      ...SPEC_RELAY,
      met: relay.reqPerSec >= SPEC_RELAY.minReqPerSec && (relay.latency.p50 ?? Infinity) < SPEC_RELAY.p50Ms &&
        (relay.latency.p99 ?? Infinity) < SPEC_RELAY.p99Ms && relay.unexpected === 0 && relay.errors === 0,
    },
    stages,
  };
}

/** Smallest and largest of some values. */
function spread(values: (number | null)[]): { min: number | null; max: number | null } {
  const v = values.filter((x): x is number => x !== null);
  return v.length === 0 ? { min: null, max: null } : { min: Math.min(...v), max: Math.max(...v) };
}

/** Cores used during a phase: gateway, generator and everything else on the machine. */
function coresOf(p: PhaseResult): { gateway: number | null; generator: number | null; other: number | null } {
  const sec = p.elapsedMs / 1000;
  const { gateway, generator, machine } = p.cpuSeconds;
  const c = (v: number | null | undefined) => (v === null || v === undefined ? null : round(v / sec));
  return {
    gateway: c(gateway),
    generator: c(generator),
    other: machine == null || gateway == null || generator == null
      ? null
      : c(Math.max(0, machine - gateway - generator)),
  };
}

/** Busy cores of the whole machine over `ms` (from /proc/stat), or null off Linux. */
async function machineBusyCores(ms: number): Promise<number | null> {
  const read = () => {
    try {
      const f = Deno.readTextFileSync("/proc/stat").split("\n")[0].trim().split(/\s+/).slice(1, 8).map(Number);
      return f[0] + f[1] + f[2] + f[5] + f[6];
    } catch {
      return null;
    }
  };
  const a = read();
  const t = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const b = read();
  return a === null || b === null ? null : round((b - a) / 100 / ((performance.now() - t) / 1000), 2);
}

/** Scenario 2. */
async function overloadScenario(net: Network, s: LoadSettings, sustainable: number): Promise<OverloadScenario> {
  const perSecond = Math.max(10, Math.round(sustainable * s.limitFraction));
  const burst = 2 * perSecond; // the default config's burst:refill ratio (600:300)
  const flags = gatewayFlags({
    "rate-limit-per-second": String(perSecond),
    "rate-limit-burst": String(burst),
    "forward-max-in-flight-per-hop": String(s.perHopCap),
  });
  const target = Math.round(sustainable * s.overloadFactor);
  const probeRate = Math.min(s.probeRate, Math.max(1, Math.floor(perSecond / 4)));
  log(`overload: entry gateway with ${JSON.stringify(flags)}; offered ${target} req/s for ${s.overloadSeconds} s`);
  // Bodies: 429 answers are recycled (never read by the gateway); everything else burns one.
  const need = probeRate * (s.probeSeconds + s.recoverySeconds) + perSecond * s.overloadSeconds + burst +
    Math.min(target, s.poolRate) * s.overloadSeconds * 0.5;
  const pool = await buildPool(net, "overload", net.stub.ed25519, Math.ceil(need));

  const gw = await startEntry(net, flags);
  let report: DriverReport;
  const samples: number[] = [];
  let before: number | null = null;
  let after: number | null = null;
  let peak: number | null = null;
  let sampler: ReturnType<typeof setInterval> | undefined;
  try {
    before = readRss(gw.pid)?.rss ?? null;
    report = await runDriver(net.dir, {
      url: gw.url,
      pids: { gateway: gw.pid },
      pools: { overload: poolPlan(pool) },
      phases: [
        {
          name: "baseline probe",
          method: "POST",
          path: ONION_PATH,
          pool: "overload",
          connections: 1,
          rate: probeRate,
          seconds: s.probeSeconds,
        },
        {
          name: "overload",
          method: "POST",
          path: ONION_PATH,
          pool: "overload",
          connections: s.overloadConnections,
          rate: target,
          seconds: s.overloadSeconds,
          recycle429: true,
        },
        {
          name: "recovery probe",
          method: "POST",
          path: ONION_PATH,
          pool: "overload",
          connections: 1,
          rate: probeRate,
          seconds: s.recoverySeconds,
          ranges: [[0, SPEC_OVERLOAD.recoveryMs], [SPEC_OVERLOAD.recoveryMs, END_OF_PHASE_MS]],
        },
      ],
    }, {
      onStart: () => {
        sampler = setInterval(() => {
          const r = readRss(gw.pid);
          if (r !== undefined) samples.push(r.rss);
        }, RSS_SAMPLE_MS);
      },
    });
    clearInterval(sampler);
    const r = readRss(gw.pid);
    after = r?.rss ?? null;
    peak = r?.peak ?? null;
  } finally {
    clearInterval(sampler);
    await gw.stop(STOP_GRACE_MS);
  }

  const [pre, over, post] = report.phases;
  const count = (p: PhaseResult, pred: (status: number) => boolean) =>
    Object.entries(p.statusCounts).reduce((sum, [k, v]) => sum + (pred(Number(k)) ? v : 0), 0);
  const accepted = count(over, ok);
  const shed429 = count(over, (x) => x === 429);
  const shed503 = count(over, (x) => x === 503);
  const overSeconds = over.elapsedMs / 1000;
  const baseP99 = pre.latency.ok.p99;
  const threshold = baseP99 === null ? null : round(Math.max(1.5 * baseP99, baseP99 + 1));
  const gapMs = round(post.startedAtMs - (over.startedAtMs + over.elapsedMs), 1);
  // Windows of the probe after the overload; a partial last window without answers is left out.
  const windows = post.windows.filter((w) => w.ok > 0);
  const within = (w: { okP99: number | null }) => threshold !== null && w.okP99 !== null && w.okP99 <= threshold;
  const endOf = (w: { startMs: number }) => round(gapMs + Math.min(w.startMs + 1000, post.elapsedMs), 1);
  const firstBack = windows.find(within);
  const staysFrom = windows.findIndex((_, i) => windows.slice(i).every(within));
  const maxSampled = samples.length === 0 ? null : Math.max(...samples);
  const overMain = over.cpuSeconds.gatewayMainThread;
  return {
    gatewayFlags: flags,
    sustainableReqPerSec: sustainable,
    rateLimit: { perSecond, burst },
    perHopCap: s.perHopCap,
    offered: {
      targetReqPerSec: target,
      achievedReqPerSec: round((over.responses + over.errors) / overSeconds, 1),
      achievedFactor: round((over.responses + over.errors) / overSeconds / sustainable, 2),
      connections: s.overloadConnections,
      seconds: round(overSeconds, 2),
    },
    baseline: {
      p50: pre.latency.ok.p50,
      p99: baseP99,
      responses: pre.responses,
      unexpected: pre.responses - count(pre, ok),
    },
    overload: {
      responses: over.responses,
      accepted,
      acceptedPerSec: round(accepted / overSeconds, 1),
      shed429,
      shed503,
      other: over.responses - accepted - shed429 - shed503,
      errors: over.errors,
      shedLatency: over.latency.shed,
      acceptedLatency: over.latency.ok,
      gatewayMainThreadBusy: overMain === null || overMain === undefined ? null : round(overMain / overSeconds),
      cores: coresOf(over),
    },
    rss: { beforeBytes: before, maxSampledBytes: maxSampled, peakBytes: peak, afterBytes: after },
    recovery: {
      thresholdMs: threshold,
      recoveredAfterMs: firstBack === undefined ? null : endOf(firstBack),
      staysRecoveredAfterMs: staysFrom < 0 ? null : endOf(windows[staysFrom]),
      gapMs,
      p99First5s: post.ranges[0]?.ok.p99 ?? null,
      p99After5s: post.ranges[1]?.ok.p99 ?? null,
      baselineWindowP99: spread(pre.windows.filter((w) => w.ok > 0).map((w) => w.okP99)),
      windows: post.windows.map((w) => ({ startMs: w.startMs, ok: w.ok, okP99: w.okP99 })),
    },
    checks: {
      shedP99Under100ms: over.latency.shed.count === 0
        ? null
        : (over.latency.shed.p99 ?? Infinity) < SPEC_OVERLOAD.shedMs,
      acceptedP99Under250ms: accepted === 0 ? null : (over.latency.ok.p99 ?? Infinity) < SPEC_OVERLOAD.acceptedP99Ms,
      rssUnder512MiB: peak === null ? null : peak < SPEC_OVERLOAD.rssBytes,
      recoveredWithin5s: threshold === null
        ? null
        : firstBack !== undefined && endOf(firstBack) <= SPEC_OVERLOAD.recoveryMs,
    },
  };
}

/** Sleep `ms`. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The gateway's /metrics as name (with labels) → value, or null when it did not answer. */
async function readMetrics(url: string): Promise<Map<string, number> | null> {
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(METRICS_TIMEOUT_MS) });
    const text = await res.text();
    if (res.status !== 200) return null;
    const values = new Map<string, number>();
    for (const line of text.split("\n")) {
      if (line === "" || line.startsWith("#")) continue;
      const space = line.lastIndexOf(" ");
      values.set(line.slice(0, space), Number(line.slice(space + 1)));
    }
    return values;
  } catch {
    return null;
  }
}

const FORWARDS_IN_FLIGHT = "allium_forwards_in_flight";

/** Poll /metrics until the forwards in flight are 0 or `boundMs` passed. */
async function waitForwardsIdle(url: string, boundMs: number): Promise<{ value: number | null; afterMs: number }> {
  const started = performance.now();
  for (;;) {
    const value = (await readMetrics(url))?.get(FORWARDS_IN_FLIGHT) ?? null;
    const afterMs = round(performance.now() - started, 1);
    if (value === 0 || afterMs >= boundMs) return { value, afterMs };
    await sleep(50);
  }
}

/** Percentile as the generator computes it (nearest rank). */
function percentile(sorted: Float64Array, q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Latency summary of raw values (ms). */
function summarize(values: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  const sum = sorted.reduce((a, v) => a + v, 0);
  const r = (v: number | null) => (v === null ? null : round(v));
  return {
    count: sorted.length,
    mean: sorted.length === 0 ? null : round(sum / sorted.length),
    min: r(sorted.length === 0 ? null : sorted[0]),
    p50: r(percentile(sorted, 0.5)),
    p90: r(percentile(sorted, 0.9)),
    p99: r(percentile(sorted, 0.99)),
    max: r(sorted.length === 0 ? null : sorted[sorted.length - 1]),
  };
}

/** Sum the status counts of phases. */
function addCounts(phases: readonly PhaseResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of phases) for (const [k, v] of Object.entries(p.statusCounts)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** Raw latencies of one status over phases. */
function rawOf(phases: readonly PhaseResult[], status: number): number[] {
  return phases.flatMap((p) => p.raw?.[String(status)] ?? []);
}

/** The healthy routes' figures over the measured phases of one condition. */
function hopsHealthy(phases: readonly PhaseResult[]): HopsDownHealthy {
  const responses = phases.reduce((a, p) => a + p.responses, 0);
  const elapsed = phases.reduce((a, p) => a + p.elapsedMs, 0) / 1000;
  const statusCounts = addCounts(phases);
  const sumCpu = (key: string) => {
    const values = phases.map((p) => p.cpuSeconds[key]);
    return values.some((v) => v === null || v === undefined) ? null : values.reduce((a, v) => a! + v!, 0)!;
  };
  const gw = sumCpu("gateway");
  const gen = sumCpu("generator");
  const stubs = sumCpu("stub");
  const machine = sumCpu("machine");
  const main = sumCpu("gatewayMainThread");
  const cores = (v: number | null) => (v === null ? null : round(v / elapsed));
  return {
    reqPerSec: round(responses / elapsed, 1),
    rounds: phases.map((p) => round(p.responses / (p.elapsedMs / 1000), 1)),
    latency: summarize(rawOf(phases, 200)),
    roundP99: phases.map((p) => summarize(rawOf([p], 200)).p99),
    responses,
    unexpected: responses - (statusCounts["200"] ?? 0),
    errors: phases.reduce((a, p) => a + p.errors, 0),
    statusCounts,
    gatewayMainThreadBusy: cores(main),
    cores: {
      gateway: cores(gw),
      generator: cores(gen),
      stubs: cores(stubs),
      other: machine === null || gw === null || gen === null
        ? null
        : round(Math.max(0, (machine - gw - gen - (stubs ?? 0)) / elapsed)),
    },
  };
}

const ratioOf = (a: number | null | undefined, b: number | null | undefined) =>
  a === null || a === undefined || b === null || b === undefined || b === 0 ? null : round(a / b);

/** Scenario 3: half of the next hops down under load (hardening.md §7 fault injection). */
async function hopsDownScenario(net: Network, s: LoadSettings): Promise<HopsDownScenario> {
  const quarter = s.nextHops / 4;
  const flags = gatewayFlags({
    "rate-limit-burst": "1000000000",
    "rate-limit-per-second": "1000000000",
    "max-connections-per-client": String(HOPS_MAX_CLIENT_CONNECTIONS),
    "forward-timeout-ms": String(s.forwardTimeoutMs),
  });
  const leadMs = s.forwardTimeoutMs + DOWN_LEAD_MARGIN_MS;
  log(
    `hops-down: ${2 * quarter} live, ${quarter} refused, ${quarter} silent next hops; entry gateway with ${
      JSON.stringify(flags)
    }; down stream ${s.downRate} req/s`,
  );
  const live: NextHopStub[] = [];
  const silent: SilentHop[] = [];
  const abort = new AbortController();
  let gw: GatewayProcess | undefined;
  let sampler: ReturnType<typeof setInterval> | undefined;
  try {
    for (let i = 0; i < 2 * quarter; i++) live.push(startNextHopStub());
    const down: HopAddress[] = [];
    for (let i = 0; i < quarter; i++) {
      const hop = startSilentHop();
      silent.push(hop);
      down.push(await refusedHop(), hop);
    }
    const directoryFile = `${net.dir}/nodes_hops_down.json`;
    await Deno.writeTextFile(directoryFile, directoryText([net.entry, ...live, ...down]));

    // Pools: the healthy onions name the live hops in turn, the down onions refused, silent, refused, …
    const started = performance.now();
    const liveKeys = live.map((h) => h.ed25519);
    const downKeys = down.map((h) => h.ed25519);
    const healthyCount = Math.ceil((HOPS_SETTLE_SECONDS + s.seconds) * s.poolRate);
    const warmPool = await buildPool(net, "hops_warmup", liveKeys, Math.ceil(s.warmupSeconds * s.poolRate));
    const healthyPools: { baseline: RelayPool; loaded: RelayPool }[] = [];
    const downPools: RelayPool[] = [];
    const downSeconds = (leadMs + 1000 * (HOPS_SETTLE_SECONDS + s.seconds)) / 1000 + DOWN_EXTRA_SECONDS;
    for (let r = 1; r <= s.rounds; r++) {
      healthyPools.push({
        baseline: await buildPool(net, `hops_baseline_${r}`, liveKeys, healthyCount),
        loaded: await buildPool(net, `hops_loaded_${r}`, liveKeys, healthyCount),
      });
      downPools.push(await buildPool(net, `hops_down_${r}`, downKeys, Math.ceil(s.downRate * downSeconds) + 64));
    }
    const poolBuildSeconds = (performance.now() - started) / 1000;

    const entry = await startEntry({ ...net, directoryFile }, flags);
    gw = entry;
    const peaks = { baseline: null as number | null, loaded: null as number | null };
    let condition: keyof typeof peaks | undefined;
    let sampling = false;
    sampler = setInterval(async () => {
      if (sampling || condition === undefined) return;
      sampling = true;
      const now = condition;
      const v = (await readMetrics(entry.url))?.get(FORWARDS_IN_FLIGHT);
      if (v !== undefined) peaks[now] = Math.max(peaks[now] ?? 0, v);
      sampling = false;
    }, METRICS_SAMPLE_MS);

    const c = s.connections;
    const healthyPlan = (name: string, pool: RelayPool, seconds: number, measured: boolean): DriverPlan => ({
      url: entry.url,
      pids: { gateway: entry.pid, stub: Deno.pid },
      pools: { healthy: poolPlan(pool) },
      phases: [
        ...(measured
          ? [{
            name: "settle",
            method: "POST" as const,
            path: ONION_PATH,
            pool: "healthy",
            seconds: HOPS_SETTLE_SECONDS,
            connections: c,
          }]
          : []),
        { name, method: "POST", path: ONION_PATH, pool: "healthy", seconds, connections: c, raw: measured },
      ],
    });
    const downPlan = (r: number): DriverPlan => ({
      url: entry.url,
      pids: { gateway: entry.pid },
      pools: { down: poolPlan(downPools[r - 1]) },
      phases: [{
        name: `down ${r}`,
        method: "POST",
        path: ONION_PATH,
        pool: "down",
        seconds: downSeconds,
        connections: s.downConnections,
        rate: s.downRate,
        paced: true,
        drainMs: s.forwardTimeoutMs + DOWN_DRAIN_EXTRA_MS,
        raw: true,
      }],
    });
    const measuredPhase = (report: DriverReport) => report.phases[report.phases.length - 1];

    condition = "baseline";
    await runDriver(net.dir, healthyPlan("warmup", warmPool, s.warmupSeconds, false), { signal: abort.signal });
    const baseline: PhaseResult[] = [];
    const loaded: PhaseResult[] = [];
    const downPhases: PhaseResult[] = [];
    const afterRounds: { value: number | null; afterMs: number }[] = [];
    for (let r = 1; r <= s.rounds; r++) {
      condition = "baseline";
      const b = await runDriver(net.dir, healthyPlan(`baseline ${r}`, healthyPools[r - 1].baseline, s.seconds, true), {
        signal: abort.signal,
      });
      baseline.push(measuredPhase(b));

      // The down stream starts first and runs until the measured healthy phase is over.
      condition = "loaded";
      let stopDown = () => {};
      const stop = new Promise<void>((resolve) => (stopDown = resolve));
      const downRun = runDriver(net.dir, downPlan(r), { stop, signal: abort.signal });
      downRun.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
      try {
        await sleep(leadMs);
        const l = await runDriver(
          net.dir,
          healthyPlan(`loaded ${r}`, healthyPools[r - 1].loaded, s.seconds, true),
          { signal: abort.signal },
        );
        loaded.push(measuredPhase(l));
      } finally {
        stopDown();
      }
      downPhases.push(measuredPhase(await downRun));
      condition = undefined;
      afterRounds.push(await waitForwardsIdle(entry.url, s.forwardTimeoutMs + IN_FLIGHT_SETTLE_MS));
    }
    clearInterval(sampler);
    const final = await readMetrics(entry.url);
    const silentDeadline = performance.now() + SILENT_CLOSE_MS;
    while (silent.some((h) => h.open() > 0) && performance.now() < silentDeadline) await sleep(50);

    // Figures.
    const healthyBase = hopsHealthy(baseline);
    const healthyLoaded = hopsHealthy(loaded);
    const downCounts = addCounts(downPhases);
    const answered = downPhases.reduce((a, p) => a + p.responses, 0);
    const expectedDown = new Set(["502", "503", "504"]);
    const downUnexpected = Object.entries(downCounts).reduce((a, [k, v]) => a + (expectedDown.has(k) ? 0 : v), 0);
    const paced = downPhases.map((p) => p.paced ?? { sent: 0, skipped: 0, abandoned: 0, drainedMs: 0 });
    const sent = paced.reduce((a, p) => a + p.sent, 0);
    const sendingSeconds = downPhases.reduce((a, p) => a + p.elapsedMs, 0) / 1000;
    const downCpu = downPhases.map((p) => p.cpuSeconds.generator);
    const downWall = downPhases.reduce((a, p, i) => a + p.elapsedMs + paced[i].drainedMs, 0) / 1000;
    const covered = loaded.every((l, i) => {
      const d = downPhases[i];
      return d.startedAtEpochMs + s.forwardTimeoutMs <= l.startedAtEpochMs &&
        d.startedAtEpochMs + d.elapsedMs >= l.startedAtEpochMs + l.elapsedMs;
    });
    const downErrors = downPhases.reduce((a, p) => a + p.errors, 0);
    const outcomes: Record<string, number> = {};
    for (const [k, v] of final?.entries() ?? []) {
      const m = /^allium_requests_total\{outcome="([a-z_]+)"\}$/.exec(k);
      if (m !== null) outcomes[m[1]] = v;
    }
    const after = final?.get(FORWARDS_IN_FLIGHT) ?? null;
    const p99Ratio = ratioOf(healthyLoaded.latency.p99, healthyBase.latency.p99);
    const perHealthyUs = healthyBase.cores.gateway === null || healthyBase.reqPerSec === 0
      ? null
      : (healthyBase.cores.gateway / healthyBase.reqPerSec) * 1e6;
    const downRate = sent / sendingSeconds;
    const perDownUs = perHealthyUs === null || healthyLoaded.cores.gateway === null || downRate === 0
      ? null
      : round(Math.max(0, healthyLoaded.cores.gateway * 1e6 - perHealthyUs * healthyLoaded.reqPerSec) / downRate, 1);
    const other5xx = (counts: Record<string, number>, allowed: Set<string>) =>
      Object.entries(counts).some(([k, v]) => Number(k) >= 500 && !allowed.has(k) && v > 0);
    return {
      gatewayFlags: flags,
      nextHops: { live: live.length, refused: quarter, silent: quarter },
      forwardTimeoutMs: s.forwardTimeoutMs,
      downLeadMs: leadMs,
      poolBuildSeconds: round(poolBuildSeconds, 2),
      healthy: { baseline: healthyBase, withDownStream: healthyLoaded },
      p99Ratio,
      roundP99Ratios: healthyLoaded.roundP99.map((v, i) => ratioOf(v, healthyBase.roundP99[i])),
      p50Ratio: ratioOf(healthyLoaded.latency.p50, healthyBase.latency.p50),
      target: {
        maxP99Ratio: SPEC_HOPS_DOWN.maxP99Ratio,
        met: p99Ratio === null ? null : p99Ratio < SPEC_HOPS_DOWN.maxP99Ratio,
      },
      down: {
        targetReqPerSec: s.downRate,
        achievedReqPerSec: round(downRate, 1),
        sent,
        skipped: paced.reduce((a, p) => a + p.skipped, 0),
        answered,
        abandoned: paced.reduce((a, p) => a + p.abandoned, 0),
        errors: downErrors,
        statusCounts: downCounts,
        unexpected: downUnexpected,
        refused502: summarize(rawOf(downPhases, 502)),
        timeout504: summarize(rawOf(downPhases, 504)),
        busy503: summarize(rawOf(downPhases, 503)),
        generatorCores: downCpu.some((v) => v === null || v === undefined)
          ? null
          : round(downCpu.reduce((a, v) => a! + v!, 0)! / downWall),
        gatewayCpuUsPerRequest: perDownUs,
        gatewayCpuUsPerHealthyRequest: perHealthyUs === null ? null : round(perHealthyUs, 1),
        coveredHealthyPhases: covered,
      },
      forwardsInFlight: {
        peakBaseline: peaks.baseline,
        peakWithDownStream: peaks.loaded,
        afterRounds,
        after,
      },
      gatewayOutcomes: outcomes,
      silentConnections: {
        accepted: silent.reduce((a, h) => a + h.accepted(), 0),
        heldAfter: silent.reduce((a, h) => a + h.open(), 0),
        turnedAway: silent.reduce((a, h) => a + h.turnedAway(), 0),
      },
      liveHopRequests: live.map((h) => h.requests()),
      checks: {
        healthyOnly200: [healthyBase, healthyLoaded].every((h) => h.unexpected === 0 && h.errors === 0),
        downOnly502503504: downUnexpected === 0 && downErrors === 0,
        downAnswered502And504: (downCounts["502"] ?? 0) > 0 && (downCounts["504"] ?? 0) > 0,
        inFlightBackToZero: afterRounds.every((a) => a.value === 0) && after === 0,
        noOther5xx: (outcomes.server_error ?? NaN) === 0 && !other5xx(healthyBase.statusCounts, new Set()) &&
          !other5xx(healthyLoaded.statusCounts, new Set()) && !other5xx(downCounts, expectedDown),
      },
    };
  } finally {
    clearInterval(sampler);
    abort.abort();
    await gw?.stop(STOP_GRACE_MS);
    await Promise.all([...live, ...silent].map((h) => h.shutdown()));
  }
}

/**
 * Run the load scenarios: starts gateway processes, the generator and the stub on 127.0.0.1 and
 * stops them all before returning.
 *
 * @param settings what to run and for how long
 * @returns the report
 * @throws {Error} when a gateway does not become ready or the generator fails
 * @example A quick run (about 25 s; not run as a doc test — see load_smoke_test.ts)
 * ```ts ignore
 * import { formatReport, QUICK_SETTINGS, runLoad } from "./run.ts";
 * const report = await runLoad(QUICK_SETTINGS);
 * console.log(formatReport(report));
 * ```
 */
export async function runLoad(settings: LoadSettings): Promise<LoadReport> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const provider = await defaultProvider();
  const dir = await Deno.makeTempDir({ prefix: "allium_load_" });
  const notes: string[] = [];
  const background = await machineBusyCores(settings.mode === "quick" ? 300 : 1000);
  if (background !== null && background > BACKGROUND_WARN_CORES) {
    notes.push(
      `other processes kept ${background} cores busy before the run: every figure is depressed; compare ratios, or rerun on a quiet machine`,
    );
  }
  const stub = startNextHopStub();
  let relay: RelayScenario | undefined;
  let overload: OverloadScenario | undefined;
  let hopsDown: HopsDownScenario | undefined;
  let generator = "autocannon";
  let node = "";
  try {
    const entry = await prepareNode(dir, "entry");
    const directoryFile = `${dir}/nodes.json`;
    await Deno.writeTextFile(directoryFile, directoryText([entry, stub]));
    const net: Network = { dir, provider, stub, entry, directoryFile };
    if (settings.scenarios.includes("relay")) {
      relay = await relayScenario(net, settings);
      if (relay.routes.relay.poolExhausted || relay.routes.peel.poolExhausted) {
        notes.push("an onion pool ran out and its phase ended early: raise --pool-rate");
      }
    }
    if (settings.scenarios.includes("overload")) {
      // Without scenario 1 in this run, measure the sustainable rate with a short relay run.
      const sustainable = relay?.routes.relay.reqPerSec ??
        (await relayScenario(net, { ...settings, rounds: 1, seconds: 1, warmupSeconds: 0.5 })).routes.relay.reqPerSec;
      overload = await overloadScenario(net, settings, sustainable);
    }
    if (settings.scenarios.includes("hops-down")) {
      hopsDown = await hopsDownScenario(net, settings);
      if (!hopsDown.down.coveredHealthyPhases) {
        notes.push("hops-down: the down stream did not cover every measured healthy phase (a generator started late)");
      }
    }
    const version = await new Deno.Command("node", { args: ["--version"], stdout: "piped" }).output();
    node = new TextDecoder().decode(version.stdout).trim();
    const pkg = JSON.parse(
      await Deno.readTextFile(fileURLToPath(new URL("../node_modules/autocannon/package.json", import.meta.url))),
    );
    generator = `autocannon ${pkg.version}`;
  } finally {
    await stub.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
  notes.push(
    "generator, gateway and next-hop stub share the machine's cores: the figures are a floor, and the ratios are what carry over",
  );
  return {
    schema: LOAD_SCHEMA,
    mode: settings.mode,
    startedAt,
    seconds: round((performance.now() - started) / 1000, 1),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      generator,
      node,
      backgroundCoresBefore: background,
    },
    provider: provider.name,
    settings,
    relay,
    overload,
    hopsDown,
    notes,
  };
}

const fmt = (v: number | null | undefined, digits = 2) => (v === null || v === undefined ? "—" : v.toFixed(digits));
const mib = (v: number | null) => (v === null ? "—" : `${(v / 1024 / 1024).toFixed(1)} MiB`);
const yes = (v: boolean | null) => (v === null ? "n/a" : v ? "yes" : "NO");

/**
 * The report as human-readable tables (Markdown).
 *
 * @param r the report
 * @returns the text
 * @example
 * ```ts ignore
 * import { formatReport, runLoad, QUICK_SETTINGS } from "./run.ts";
 * console.log(formatReport(await runLoad(QUICK_SETTINGS)));
 * ```
 */
export function formatReport(r: LoadReport): string {
  const lines: string[] = [];
  lines.push(
    `allium load (${r.mode}, ${r.seconds} s): ${r.machine.cpus} × ${r.machine.cpuModel}; deno ${r.machine.deno}, ${r.machine.generator} on node ${r.machine.node}; provider ${r.provider}`,
  );
  if (r.relay) {
    const x = r.relay;
    lines.push(
      "",
      `Relay, 1 KiB onions, ${r.settings.connections} connections, closed loop (${r.settings.rounds} × ${r.settings.seconds} s per route, interleaved)`,
    );
    lines.push(
      "| route | req/s | ratio to health | p50 ms | p99 ms | max ms | unexpected | errors | gateway CPU µs/req | gateway main thread busy | cores: gateway / generator / stub / other |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const [name, route] of Object.entries(x.routes)) {
      lines.push(
        `| ${name} (${route.expect}) | ${fmt(route.reqPerSec, 0)} | ${
          fmt(route.reqPerSec / x.routes.health.reqPerSec, 3)
        } | ${fmt(route.latency.p50)} | ${fmt(route.latency.p99)} | ${
          fmt(route.latency.max)
        } | ${route.unexpected} | ${route.errors} | ${fmt(route.gatewayCpuUs, 0)} | ${
          fmt(route.gatewayMainThreadBusy === null ? null : route.gatewayMainThreadBusy * 100, 0)
        } % | ${
          [route.gatewayCores, route.generatorCores, route.stubCores, route.otherCores].map((v) => fmt(v)).join(" / ")
        } |`,
      );
    }
    lines.push(
      "",
      `relay ÷ health = ${x.ratio.toFixed(4)}; goal ≥ ${x.goal.reqPerSec} req/s with p99 ≤ ${x.goal.p99Ms} ms: ${
        yes(x.goal.met)
      }; hardening.md §7 (≥ ${x.spec.minReqPerSec} req/s, p50 < ${x.spec.p50Ms} ms, p99 < ${x.spec.p99Ms} ms): ${
        yes(x.spec.met)
      }`,
      "",
      "| stage (gateway CPU per request) | µs | share of relay |",
      "| --- | ---: | ---: |",
    );
    for (const st of x.stages) {
      lines.push(`| ${st.stage} | ${fmt(st.us, 0)} | ${fmt(st.share === null ? null : st.share * 100, 0)} % |`);
    }
  }
  if (r.overload) {
    const o = r.overload;
    lines.push(
      "",
      `Overload: ${o.offered.targetReqPerSec} req/s offered (${r.settings.overloadFactor} × ${
        fmt(o.sustainableReqPerSec, 0)
      }) over ${o.offered.connections} connections for ${o.offered.seconds} s; rate limit ${o.rateLimit.perSecond}/s (burst ${o.rateLimit.burst}), per-hop in-flight cap ${o.perHopCap}`,
      "| measure | value | bound (hardening.md §7) | ok |",
      "| --- | ---: | ---: | :---: |",
      `| offered (achieved) | ${fmt(o.offered.achievedReqPerSec, 0)} req/s (${
        fmt(o.offered.achievedFactor)
      } × sustainable) | | |`,
      `| accepted (2xx) | ${o.overload.accepted} (${fmt(o.overload.acceptedPerSec, 0)} req/s) | | |`,
      `| shed 429 / 503 | ${o.overload.shed429} / ${o.overload.shed503} | | |`,
      `| other answers / errors | ${o.overload.other} / ${o.overload.errors} | | |`,
      `| cores: gateway / generator / other | ${fmt(o.overload.cores.gateway)} / ${fmt(o.overload.cores.generator)} / ${
        fmt(o.overload.cores.other)
      } | | |`,
      `| shed latency p50 / p99 / max | ${fmt(o.overload.shedLatency.p50)} / ${fmt(o.overload.shedLatency.p99)} / ${
        fmt(o.overload.shedLatency.max)
      } ms | p99 < ${SPEC_OVERLOAD.shedMs} ms | ${yes(o.checks.shedP99Under100ms)} |`,
      `| accepted latency p50 / p99 / max | ${fmt(o.overload.acceptedLatency.p50)} / ${
        fmt(o.overload.acceptedLatency.p99)
      } / ${fmt(o.overload.acceptedLatency.max)} ms | p99 < ${SPEC_OVERLOAD.acceptedP99Ms} ms | ${
        yes(o.checks.acceptedP99Under250ms)
      } |`,
      `| gateway RSS before / max sampled / peak (VmHWM) / after | ${mib(o.rss.beforeBytes)} / ${
        mib(o.rss.maxSampledBytes)
      } / ${mib(o.rss.peakBytes)} / ${mib(o.rss.afterBytes)} | < 512 MiB | ${yes(o.checks.rssUnder512MiB)} |`,
      `| baseline probe p50 / p99 (1 conn, ≤ ${r.settings.probeRate}/s) | ${fmt(o.baseline.p50)} / ${
        fmt(o.baseline.p99)
      } ms | | |`,
      `| recovery: 1-s window p99 ≤ ${fmt(o.recovery.thresholdMs)} ms again after / stays there after | ${
        o.recovery.recoveredAfterMs === null ? "not within the probe" : `${fmt(o.recovery.recoveredAfterMs, 0)} ms`
      } / ${
        o.recovery.staysRecoveredAfterMs === null ? "—" : `${fmt(o.recovery.staysRecoveredAfterMs, 0)} ms`
      } | ≤ ${SPEC_OVERLOAD.recoveryMs} ms | ${yes(o.checks.recoveredWithin5s)} |`,
      `| baseline probe p99 per second: min / max | ${fmt(o.recovery.baselineWindowP99.min)} / ${
        fmt(o.recovery.baselineWindowP99.max)
      } ms | | |`,
      `| recovery probe p99, first ${SPEC_OVERLOAD.recoveryMs / 1000} s / after | ${fmt(o.recovery.p99First5s)} / ${
        fmt(o.recovery.p99After5s)
      } ms | | |`,
      `| recovery probe p99 per second | ${
        o.recovery.windows.filter((w) => w.ok > 0).map((w) => fmt(w.okP99)).join(", ")
      } ms | | |`,
    );
  }
  if (r.hopsDown) {
    const h = r.hopsDown;
    const b = h.healthy.baseline;
    const l = h.healthy.withDownStream;
    const d = h.down;
    const f = h.forwardsInFlight;
    lines.push(
      "",
      `Next hops down under load (hardening.md §7 fault injection): ${
        h.nextHops.live + h.nextHops.refused + h.nextHops.silent
      } next hops — ${h.nextHops.live} live, ${h.nextHops.refused} refused (closed port), ${h.nextHops.silent} silent (never answer); forward timeout ${h.forwardTimeoutMs} ms; healthy routes ${r.settings.connections} connections closed loop; down stream ${d.targetReqPerSec} req/s paced, from ${h.downLeadMs} ms before (${r.settings.rounds} × ${r.settings.seconds} s per condition, interleaved)`,
      "| healthy routes (200) | req/s | p50 ms | p90 ms | p99 ms | max ms | p99 per round ms | unexpected | errors | gateway main thread busy | cores: gateway / generator / stubs / other |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const [name, x] of [["alone (baseline)", b], ["with the down stream", l]] as const) {
      lines.push(
        `| ${name} | ${fmt(x.reqPerSec, 0)} | ${fmt(x.latency.p50)} | ${fmt(x.latency.p90)} | ${fmt(x.latency.p99)} | ${
          fmt(x.latency.max)
        } | ${x.roundP99.map((v) => fmt(v)).join(", ")} | ${x.unexpected} | ${x.errors} | ${
          fmt(x.gatewayMainThreadBusy === null ? null : x.gatewayMainThreadBusy * 100, 0)
        } % | ${[x.cores.gateway, x.cores.generator, x.cores.stubs, x.cores.other].map((v) => fmt(v)).join(" / ")} |`,
      );
    }
    lines.push(
      "",
      `healthy p99 with the down stream ÷ baseline p99 = ${fmt(h.p99Ratio)} (per round ${
        h.roundP99Ratios.map((v) => fmt(v)).join(", ")
      }; p50 ratio ${fmt(h.p50Ratio)}); hardening.md §7 < ${h.target.maxP99Ratio}: ${
        h.target.met === null ? "n/a" : h.target.met ? "met" : "NOT met"
      }`,
      "",
      `| down routes | answers | p50 ms | p99 ms | min / max ms |`,
      "| --- | ---: | ---: | ---: | ---: |",
    );
    for (
      const [name, x] of [
        ["502 (refused hop: time to 502)", d.refused502],
        ["504 (silent hop: at the forward timeout)", d.timeout504],
        ["503 (silent hop's in-flight cap full)", d.busy503],
      ] as const
    ) {
      lines.push(`| ${name} | ${x.count} | ${fmt(x.p50)} | ${fmt(x.p99)} | ${fmt(x.min)} / ${fmt(x.max)} |`);
    }
    const outcomes = Object.entries(h.gatewayOutcomes).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`);
    lines.push(
      "",
      "| measure | value | ok |",
      "| --- | ---: | :---: |",
      `| down stream sent (achieved rate) / skipped / answered | ${d.sent} (${
        fmt(d.achievedReqPerSec, 0)
      } req/s) / ${d.skipped} / ${d.answered} | |`,
      `| down answers other than 502/503/504 / errors (abandoned) | ${d.unexpected} / ${d.errors} (${d.abandoned}) | ${
        yes(h.checks.downOnly502503504)
      } |`,
      `| healthy answers other than 200 / errors | ${b.unexpected + l.unexpected} / ${b.errors + l.errors} | ${
        yes(h.checks.healthyOnly200)
      } |`,
      `| forwards in flight: peak alone / with the down stream | ${fmt(f.peakBaseline, 0)} / ${
        fmt(f.peakWithDownStream, 0)
      } | |`,
      `| forwards in flight after each round (time to reach it) / at the end | ${
        f.afterRounds.map((a) => `${fmt(a.value, 0)} (${fmt(a.afterMs, 0)} ms)`).join(", ")
      } / ${fmt(f.after, 0)} | ${yes(h.checks.inFlightBackToZero)} |`,
      `| gateway outcomes (allium_requests_total) | ${outcomes.join(", ")} | ${yes(h.checks.noOther5xx)} |`,
      `| silent hops: connections accepted / still held after / turned away | ${h.silentConnections.accepted} / ${h.silentConnections.heldAfter} / ${h.silentConnections.turnedAway} | |`,
      `| gateway CPU per down request (estimate) / per healthy request | ${fmt(d.gatewayCpuUsPerRequest, 0)} / ${
        fmt(d.gatewayCpuUsPerHealthyRequest, 0)
      } µs | |`,
      `| down generator cores | ${fmt(d.generatorCores)} | |`,
    );
  }
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join("\n");
}

/** Parse the command line into settings. */
function parseSettings(args: string[]): { settings: LoadSettings; json: boolean; out: string } {
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: "boolean" },
      json: { type: "boolean" },
      out: { type: "string" },
      scenario: { type: "string" },
      seconds: { type: "string" },
      rounds: { type: "string" },
      connections: { type: "string" },
      "overload-seconds": { type: "string" },
      "pool-rate": { type: "string" },
      "overload-connections": { type: "string" },
      "limit-fraction": { type: "string" },
      "per-hop-cap": { type: "string" },
      "next-hops": { type: "string" },
      "down-rate": { type: "string" },
      "down-connections": { type: "string" },
      "forward-timeout-ms": { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  const settings: LoadSettings = { ...(values.quick ? QUICK_SETTINGS : FULL_SETTINGS) };
  const num = (name: string, text: string | undefined, min: number, max: number): number | undefined => {
    if (text === undefined) return undefined;
    const v = Number(text);
    if (!Number.isFinite(v) || v < min || v > max) {
      throw new RangeError(`--${name} ${JSON.stringify(text)} is not in ${min}…${max}`);
    }
    settings.mode = "custom";
    return v;
  };
  settings.seconds = num("seconds", values.seconds, 0.5, 60) ?? settings.seconds;
  settings.rounds = Math.round(num("rounds", values.rounds, 1, 10) ?? settings.rounds);
  settings.connections = Math.round(num("connections", values.connections, 1, 256) ?? settings.connections);
  settings.overloadSeconds = num("overload-seconds", values["overload-seconds"], 1, 60) ?? settings.overloadSeconds;
  settings.poolRate = Math.round(num("pool-rate", values["pool-rate"], 100, 50_000) ?? settings.poolRate);
  settings.overloadConnections = Math.round(
    num("overload-connections", values["overload-connections"], 1, 1024) ?? settings.overloadConnections,
  );
  settings.limitFraction = num("limit-fraction", values["limit-fraction"], 0.01, 10) ?? settings.limitFraction;
  settings.perHopCap = Math.round(num("per-hop-cap", values["per-hop-cap"], 1, 256) ?? settings.perHopCap);
  settings.nextHops = Math.round(num("next-hops", values["next-hops"], 4, 64) ?? settings.nextHops);
  if (settings.nextHops % 4 !== 0) throw new RangeError(`--next-hops ${settings.nextHops} is not a multiple of 4`);
  settings.downRate = Math.round(num("down-rate", values["down-rate"], 1, 20_000) ?? settings.downRate);
  settings.downConnections = Math.round(
    num("down-connections", values["down-connections"], 1, 512) ?? settings.downConnections,
  );
  settings.forwardTimeoutMs = Math.round(
    num("forward-timeout-ms", values["forward-timeout-ms"], 100, 10_000) ?? settings.forwardTimeoutMs,
  );
  if (values.scenario !== undefined) {
    const scenario = SCENARIOS.find((x) => x === values.scenario);
    if (scenario === undefined) {
      throw new RangeError(`--scenario ${JSON.stringify(values.scenario)} is not one of ${SCENARIOS.join(", ")}`);
    }
    settings.scenarios = [scenario];
  }
  return { settings, json: values.json === true, out: values.out ?? DEFAULT_OUT };
}

if (import.meta.main) {
  const { settings, json, out } = parseSettings(Deno.args);
  const report = await runLoad(settings);
  const text = JSON.stringify(report, null, 2) + "\n";
  await Deno.mkdir(dirname(out), { recursive: true });
  await Deno.writeTextFile(out, text);
  if (json) console.log(text.trimEnd());
  else {
    console.log(formatReport(report));
    console.log(`\nJSON: ${out}`);
  }
}
