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
 *
 * ```
 * deno run -A load/run.ts [--quick] [--json] [--out <file>] [--scenario relay|overload]
 *                         [--seconds S] [--rounds N] [--connections N] [--pool-rate R]
 *                         [--overload-seconds S] [--overload-connections N]
 *                         [--limit-fraction F] [--per-hop-cap N]
 * ```
 *
 * - `--quick`: short phases for a smoke run (≤ 20 s in total);
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
import { type NextHopStub, startNextHopStub } from "./_stub.ts";

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

/** Settings of a run. */
export interface LoadSettings {
  /** `quick` or `full` (or `custom` when overridden). */
  mode: "quick" | "full" | "custom";
  /** Scenarios to run. */
  scenarios: ("relay" | "overload")[];
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
}

/** Settings of `npm run load`. */
export const FULL_SETTINGS: LoadSettings = {
  mode: "full",
  scenarios: ["relay", "overload"],
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
};

/** Settings of `npm run load -- --quick` (≤ 20 s in total). */
export const QUICK_SETTINGS: LoadSettings = {
  ...FULL_SETTINGS,
  mode: "quick",
  seconds: 0.75,
  rounds: 1,
  warmupSeconds: 0.5,
  overloadSeconds: 2.5,
  probeSeconds: 1,
  recoverySeconds: 2,
};

/** Latency summary of one class of answers, ms. */
export interface LatencySummary {
  count: number;
  mean: number | null;
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
  notes: string[];
}

function log(message: string): void {
  console.error(message);
}

const round = (v: number, digits = 3) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Run the generator with a plan; returns its report. */
async function runDriver(
  dir: string,
  plan: DriverPlan,
  onStart?: () => void,
): Promise<DriverReport> {
  const planned = plan.phases.reduce((s, p) => s + p.seconds, 0) * 1000;
  const planFile = `${dir}/plan_${crypto.randomUUID()}.json`;
  await Deno.writeTextFile(
    planFile,
    JSON.stringify({ hardDeadlineMs: planned + DRIVER_SLACK_MS, maxRecords: MAX_RECORDS, ...plan }),
  );
  const child = new Deno.Command("node", {
    args: [DRIVER, planFile],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  onStart?.();
  const killer = setTimeout(() => child.kill("SIGKILL"), planned + 2 * DRIVER_SLACK_MS);
  try {
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    if (stderr.trim() !== "") log(stderr.trimEnd());
    if (!out.success) throw new Error(`load generator failed (${out.code}):\n${stderr}`);
    return JSON.parse(new TextDecoder().decode(out.stdout)) as DriverReport;
  } finally {
    clearTimeout(killer);
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

async function buildPool(net: Network, name: string, nextEd25519: string, count: number): Promise<RelayPool> {
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
    }, () => {
      sampler = setInterval(() => {
        const r = readRss(gw.pid);
        if (r !== undefined) samples.push(r.rss);
      }, RSS_SAMPLE_MS);
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

/**
 * Run the load scenarios: starts gateway processes, the generator and the stub on 127.0.0.1 and
 * stops them all before returning.
 *
 * @param settings what to run and for how long
 * @returns the report
 * @throws {Error} when a gateway does not become ready or the generator fails
 * @example A quick run (about 16 s; not run as a doc test — see load_smoke_test.ts)
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
  if (values.scenario !== undefined) {
    if (values.scenario !== "relay" && values.scenario !== "overload") {
      throw new RangeError(`--scenario ${JSON.stringify(values.scenario)} is not relay or overload`);
    }
    settings.scenarios = [values.scenario];
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
