// Load generator for load/run.ts: runs autocannon (Node) against a gateway on 127.0.0.1, in
// phases described by a JSON plan, and prints one JSON result on stdout. Run by load/run.ts as a
// separate process so that the generator never shares an event loop with the gateway:
//
//   node load/autocannon_driver.mjs <plan.json>
//
// Plan: { url, hardDeadlineMs, maxRecords, stopOnStdin?, pids?: { gateway, stub }, pools?: { <name>:
//   { file, recordBytes, count, repeat? } }, phases: [ { name, method: "GET" | "POST", path, pool?,
//   seconds, connections, rate?, recycle429?, ranges?, group?, raw?, paced?, drainMs? } ] }
//
// - A POST phase with `pool` sends the next unused body of that pool file (fixed-size records of
//   distinct onions): a body is never sent twice, except with recycle429, which returns a body
//   whose answer was 429 to the pool (the rate limiter refuses before the body is read, so that
//   body never reached the replay cache). When the pool runs out the phase stops early and says
//   so (poolExhausted). Pools keep their position across phases. A `repeat` pool cycles through
//   its records forever (to send the same replayed onion again and again).
// - rate (optional) is autocannon's overallRate (requests per second over all connections);
//   without it each connection sends its next request as soon as the previous one is answered.
// - group (optional): phases with the same group (the interleaved rounds of one route) also get
//   latency summaries over all their answers together (`groups` in the output).
// - ranges (optional): [[fromMs, toMs], …] of the phase for which the ok latency is summarised
//   separately (besides the whole phase and its one-second windows).
// - raw (optional): the phase also reports every answer's latency, by status (`raw`), so that the
//   caller can pool percentiles over phases of several generator processes.
// - paced (optional, with rate): instead of autocannon, send one request every 1/rate s from a
//   timer (node:http, keep-alive, at most `connections` requests outstanding: a request due while
//   that many are outstanding is skipped and counted). Unlike autocannon's rate mode, which sends
//   each connection's quota for the second back to back, this is a steady stream. When the sending
//   time is over, answers still outstanding are awaited for at most drainMs (default 0), then the
//   rest are abandoned (counted). With stopOnStdin, the paced phase also stops sending as soon as
//   this process's stdin ends (the caller ends the stream when its own measurement is over).
// - pids (optional): CPU time of these processes (and of this generator) is read from
//   /proc/<pid>/stat and /proc/<pid>/task/<pid>/stat (the main thread) around every phase, and
//   the busy time of the whole machine from /proc/stat (to see what other processes took).
//
// Latency is taken from autocannon's per-response event (fractional ms, hrtime based), so it has
// sub-millisecond resolution (autocannon's own histogram rounds to whole ms). Responses are grouped
// as ok (2xx), shed (429 and 503) and other. Everything is bounded: each phase by its seconds, the
// whole run by hardDeadlineMs, the records by maxRecords.

import { readFileSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import process from "node:process";
import autocannon from "autocannon";

const AUTOCANNON_VERSION = createRequire(import.meta.url)("autocannon/package.json").version;

/** Autocannon's per-request timeout, seconds. */
const REQUEST_TIMEOUT_S = 10;
/** Linux USER_HZ: the unit of utime/stime in /proc/<pid>/stat. */
const CLOCK_TICKS_PER_S = 100;
/** Timer interval of a paced phase, ms. */
const PACE_TICK_MS = 2;

const plan = JSON.parse(readFileSync(process.argv[2], "utf8"));

const deadline = setTimeout(() => {
  process.stderr.write(`driver: hard deadline of ${plan.hardDeadlineMs} ms passed, exiting\n`);
  process.exit(3);
}, plan.hardDeadlineMs);
deadline.unref();

/** Set when stdin ends (plan.stopOnStdin): paced phases stop sending. */
let stopRequested = false;
if (plan.stopOnStdin) {
  process.stdin.on("data", () => {});
  process.stdin.on("end", () => (stopRequested = true));
  process.stdin.on("error", () => (stopRequested = true));
}

const pools = new Map();
for (const [name, p] of Object.entries(plan.pools ?? {})) {
  const bytes = readFileSync(p.file);
  if (bytes.length !== p.recordBytes * p.count) {
    throw new Error(`pool ${name} has ${bytes.length} bytes, expected ${p.recordBytes * p.count}`);
  }
  pools.set(name, { bytes, record: p.recordBytes, count: p.count, repeat: p.repeat === true, cursor: 0, free: [] });
}

const maxRecords = plan.maxRecords;
/** Latencies of phases sharing a `group`, for pooled percentiles over interleaved rounds. */
const groups = new Map();
const recT = new Float64Array(maxRecords);
const recLatency = new Float64Array(maxRecords);
const recStatus = new Uint16Array(maxRecords);

/** CPU seconds (user + system) of a process or thread, or null when it cannot be read. */
function cpuSeconds(path) {
  try {
    const fields = readFileSync(path, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
  } catch {
    return null;
  }
}

/** Busy CPU seconds of the whole machine (all cores), from /proc/stat, or null. */
function machineBusySeconds() {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const [user, nice, system, _idle, _iowait, irq, softirq] = f;
    return (user + nice + system + irq + softirq) / CLOCK_TICKS_PER_S;
  } catch {
    return null;
  }
}

function cpuSnapshot() {
  const own = process.cpuUsage();
  const snap = { generator: (own.user + own.system) / 1e6, machine: machineBusySeconds() };
  for (const [name, pid] of Object.entries(plan.pids ?? {})) {
    snap[name] = cpuSeconds(`/proc/${pid}/stat`);
    snap[`${name}MainThread`] = cpuSeconds(`/proc/${pid}/task/${pid}/stat`);
  }
  return snap;
}

function percentile(sorted, q) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

const round3 = (v) => (v === null ? null : Math.round(v * 1000) / 1000);

function summary(values) {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    mean: round3(sorted.length === 0 ? null : sum / sorted.length),
    min: round3(sorted.length === 0 ? null : sorted[0]),
    p50: round3(percentile(sorted, 0.5)),
    p90: round3(percentile(sorted, 0.9)),
    p99: round3(percentile(sorted, 0.99)),
    max: round3(sorted.length === 0 ? null : sorted[sorted.length - 1]),
  };
}

const isOk = (s) => s >= 200 && s < 300;
const isShed = (s) => s === 429 || s === 503;

function takeBody(pool) {
  if (pool.repeat) return pool.cursor++ % pool.count;
  if (pool.free.length > 0) return pool.free.pop();
  if (pool.cursor < pool.count) return pool.cursor++;
  return -1;
}

function bodyOf(pool, i) {
  return pool.bytes.subarray(i * pool.record, (i + 1) * pool.record);
}

/** One phase with autocannon: closed loop, or autocannon's per-connection rate. */
async function runAutocannon(phase, pool) {
  let n = 0;
  let dropped = 0;
  let poolExhausted = false;
  let instance;

  const request = { method: phase.method, path: phase.path };
  if (pool !== undefined) {
    request.headers = { "content-type": "application/octet-stream" };
    request.setupRequest = (req, context) => {
      const i = takeBody(pool);
      context.idx = i;
      if (i < 0) {
        // Out of distinct bodies: stop, and send an empty body (answered 400, counted as other).
        if (!poolExhausted) {
          poolExhausted = true;
          setImmediate(() => instance?.stop());
        }
        req.body = Buffer.alloc(0);
        return req;
      }
      req.body = bodyOf(pool, i);
      return req;
    };
    if (phase.recycle429) {
      request.onResponse = (status, _body, context) => {
        if (status === 429 && context.idx >= 0) pool.free.push(context.idx);
      };
    }
  }

  const options = {
    url: plan.url,
    connections: phase.connections,
    duration: phase.seconds,
    timeout: REQUEST_TIMEOUT_S,
    requests: [request],
  };
  if (phase.rate !== undefined && phase.rate !== null) options.overallRate = phase.rate;

  const cpuBefore = cpuSnapshot();
  const startedEpochMs = Date.now();
  const started = performance.now();
  const result = await new Promise((resolve, reject) => {
    instance = autocannon(options, (err, res) => (err ? reject(err) : resolve(res)));
    instance.on("response", (_client, statusCode, _resBytes, responseTime) => {
      if (n >= maxRecords) {
        dropped++;
        return;
      }
      recT[n] = performance.now() - started;
      recLatency[n] = responseTime;
      recStatus[n] = statusCode;
      n++;
    });
  });
  const elapsedMs = performance.now() - started;
  return {
    n,
    dropped,
    poolExhausted,
    started,
    startedEpochMs,
    elapsedMs,
    cpuBefore,
    cpuAfter: cpuSnapshot(),
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

/** One paced phase: a request every 1/rate s from a timer, at most `connections` outstanding. */
async function runPaced(phase, pool) {
  const target = new URL(plan.url);
  const maxOutstanding = phase.connections;
  const agent = new http.Agent({ keepAlive: true, maxSockets: maxOutstanding, maxFreeSockets: maxOutstanding });
  let n = 0;
  let dropped = 0;
  let poolExhausted = false;
  let errors = 0;
  let timeouts = 0;
  let sent = 0;
  let skipped = 0;
  let outstanding = 0;
  let sending = true;
  let stoppedAt = 0;
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));

  const cpuBefore = cpuSnapshot();
  const startedEpochMs = Date.now();
  const started = performance.now();
  const endAt = started + phase.seconds * 1000;

  const maybeFinish = () => {
    if (!sending && outstanding === 0) finish();
  };
  const send = () => {
    let i = -1;
    if (pool !== undefined) {
      i = takeBody(pool);
      if (i < 0) return false;
    }
    const body = pool === undefined ? undefined : bodyOf(pool, i);
    const headers = body === undefined
      ? {}
      : { "content-type": "application/octet-stream", "content-length": String(body.length) };
    const t0 = performance.now();
    outstanding++;
    let settled = false;
    const settle = (status) => {
      if (settled) return;
      settled = true;
      outstanding--;
      if (status === undefined) errors++;
      else if (n >= maxRecords) dropped++;
      else {
        const now = performance.now();
        recT[n] = now - started;
        recLatency[n] = now - t0;
        recStatus[n] = status;
        n++;
      }
      maybeFinish();
    };
    const req = http.request({
      agent,
      hostname: target.hostname,
      port: target.port,
      path: phase.path,
      method: phase.method,
      headers,
    }, (res) => {
      res.resume();
      res.on("end", () => settle(res.statusCode));
      res.on("error", () => settle());
      res.on("close", () => settle(res.complete ? res.statusCode : undefined));
    });
    req.setTimeout(REQUEST_TIMEOUT_S * 1000, () => {
      if (!settled) timeouts++;
      req.destroy();
    });
    req.on("error", () => settle());
    req.end(body);
    return true;
  };

  const tick = () => {
    if (!sending) return;
    const now = performance.now();
    const due = Math.floor(((Math.min(now, endAt) - started) / 1000) * phase.rate);
    while (sent + skipped < due) {
      if (outstanding >= maxOutstanding) {
        skipped += due - sent - skipped;
        break;
      }
      if (!send()) {
        poolExhausted = true;
        break;
      }
      sent++;
    }
    if (now >= endAt || poolExhausted || stopRequested) {
      sending = false;
      stoppedAt = now;
      clearInterval(timer);
      maybeFinish();
    }
  };
  const timer = setInterval(tick, PACE_TICK_MS);
  tick();
  // Sending ends (time, pool, stdin); then answers still outstanding get at most drainMs.
  await new Promise((resolve) => {
    const check = setInterval(() => {
      if (sending) return;
      clearInterval(check);
      resolve();
    }, PACE_TICK_MS);
  });
  let drainTimer;
  await Promise.race([finished, new Promise((resolve) => (drainTimer = setTimeout(resolve, phase.drainMs ?? 0)))]);
  clearTimeout(drainTimer);
  const abandoned = outstanding;
  agent.destroy();
  return {
    n,
    dropped,
    poolExhausted,
    started,
    startedEpochMs,
    elapsedMs: stoppedAt - started,
    cpuBefore,
    cpuAfter: cpuSnapshot(),
    errors: errors + abandoned,
    timeouts,
    paced: { sent, skipped, abandoned, drainedMs: Math.round((performance.now() - stoppedAt) * 10) / 10 },
  };
}

async function runPhase(phase) {
  const pool = phase.pool === undefined ? undefined : pools.get(phase.pool);
  if (phase.pool !== undefined && pool === undefined) throw new Error(`unknown pool ${phase.pool}`);
  const run = phase.paced ? await runPaced(phase, pool) : await runAutocannon(phase, pool);
  const { n, started, elapsedMs, cpuBefore, cpuAfter } = run;
  const cpu = {};
  for (const key of Object.keys(cpuAfter)) {
    cpu[key] = cpuAfter[key] === null || cpuBefore[key] === null ? null : round3(cpuAfter[key] - cpuBefore[key]);
  }

  const statusCounts = {};
  const ok = [];
  const shed = [];
  const other = [];
  const byStatus = {};
  for (let i = 0; i < n; i++) {
    const s = recStatus[i];
    statusCounts[s] = (statusCounts[s] ?? 0) + 1;
    (isOk(s) ? ok : isShed(s) ? shed : other).push(recLatency[i]);
    if (phase.raw) (byStatus[s] ??= []).push(round3(recLatency[i]));
  }
  if (phase.group !== undefined) {
    const g = groups.get(phase.group) ?? { ok: [], shed: [], other: [] };
    groups.set(phase.group, g);
    for (const v of ok) g.ok.push(v);
    for (const v of shed) g.shed.push(v);
    for (const v of other) g.other.push(v);
  }

  // One-second windows: answers by class, and the ok latency p50/p99.
  const windowCount = Math.max(1, Math.ceil(elapsedMs / 1000));
  const buckets = Array.from({ length: windowCount }, () => ({ ok: [], shed: 0, other: 0 }));
  for (let i = 0; i < n; i++) {
    const b = buckets[Math.min(windowCount - 1, Math.floor(recT[i] / 1000))];
    const s = recStatus[i];
    if (isOk(s)) b.ok.push(recLatency[i]);
    else if (isShed(s)) b.shed++;
    else b.other++;
  }
  const windows = buckets.map((b, w) => {
    const s = summary(b.ok);
    return { startMs: w * 1000, ok: b.ok.length, shed: b.shed, other: b.other, okP50: s.p50, okP99: s.p99 };
  });
  // Latency of the ok answers in the requested time ranges of the phase.
  const ranges = (phase.ranges ?? []).map(([fromMs, toMs]) => {
    const values = [];
    for (let i = 0; i < n; i++) {
      if (isOk(recStatus[i]) && recT[i] >= fromMs && recT[i] < toMs) values.push(recLatency[i]);
    }
    return { fromMs, toMs, ok: summary(values) };
  });

  const out = {
    name: phase.name,
    method: phase.method,
    path: phase.path,
    pool: phase.pool ?? null,
    connections: phase.connections,
    rate: phase.rate ?? null,
    plannedSeconds: phase.seconds,
    startedAtMs: started,
    startedAtEpochMs: run.startedEpochMs,
    elapsedMs: Math.round(elapsedMs * 10) / 10,
    responses: n,
    recordsDropped: run.dropped,
    errors: run.errors,
    timeouts: run.timeouts,
    statusCounts,
    poolExhausted: run.poolExhausted,
    cpuSeconds: cpu,
    latency: { ok: summary(ok), shed: summary(shed), other: summary(other) },
    windows,
    ranges,
  };
  if (run.paced !== undefined) out.paced = run.paced;
  if (phase.raw) out.raw = byStatus;
  return out;
}

const origin = performance.now();
const phases = [];
for (const phase of plan.phases) {
  process.stderr.write(
    `driver: ${phase.name} (${phase.method} ${phase.path}, ${phase.connections} conns, ${
      phase.rate ?? "max"
    } req/s, ${phase.seconds} s)\n`,
  );
  const r = await runPhase(phase);
  r.startedAtMs = Math.round((r.startedAtMs - origin) * 10) / 10;
  phases.push(r);
}
clearTimeout(deadline);
if (plan.stopOnStdin) process.stdin.destroy();
const poolsUsed = Object.fromEntries([...pools].map(([name, p]) => [name, p.cursor]));
const groupLatency = Object.fromEntries(
  [...groups].map(([name, g]) => [name, { ok: summary(g.ok), shed: summary(g.shed), other: summary(g.other) }]),
);
process.stdout.write(
  JSON.stringify({
    generator: `autocannon ${AUTOCANNON_VERSION}`,
    node: process.version,
    poolsUsed,
    groups: groupLatency,
    phases,
  }) + "\n",
);
