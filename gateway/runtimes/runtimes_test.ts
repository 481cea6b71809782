/**
 * Smoke tests of the gateway on Node 20, Bun and workerd (style.md rule 11): for each runtime, an
 * entry node on that runtime plus the other hops as in-process Deno servers, all on 127.0.0.1. The
 * same real onion (path entry → middle → exit, destination `info`) goes to each entry node,
 * which relays it with HttpForwarder; the decrypted `info` answer is checked. Bad input, a replay
 * and unknown paths must be answered exactly as the Deno app answers them, and `GET /metrics`
 * (loopback only) shows whether the runtime passes the peer address.
 *
 * Server limits (hardening.md §5, §7 "slowloris headers; slow body; > 100 connections from one
 * address"): Node must close a slowloris connection at `headerTimeoutMs` (408) and the 101st
 * connection of one address at once; Bun closes slowloris at its own fixed 10 s; both cut a slow
 * body with the app's 408, and keep answering others meanwhile. Deno.serve's part is in
 * ../server_limits_test.ts.
 *
 * The bundles are built once per run into a temporary folder under `.allium/` (inside the
 * repository, so the Node bundle finds `sodium-native` in node_modules). Every process and server
 * started here is stopped in `finally`; every wait is bounded.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildOnionRequest, decryptOnionReply, toHex } from "../../mod.ts";
import { provider, type TestNode, testNode, text } from "../_testing/fixtures.ts";
import { createApp } from "../app.ts";
import { bootstrapDeps } from "../bootstrap.ts";
import { createConfig, DEFAULT_CONFIG } from "../config.ts";
import type { GatewayBindings } from "../context.ts";
import { DIRECTORY_FORMAT, type NodeRecord } from "../directory.ts";
import { formatNodeKeyFile } from "../node_keys.ts";
import { type RawAnswer, rawGet, readAnswer, slowBody, slowHeaders } from "../_testing/raw_http.ts";
import { REQUEST_TIMED_OUT } from "../responses.ts";
import { nodeHttpLimits } from "../server_limits.ts";
import { buildGateway, type GatewayBuild } from "./build.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BUN = join(ROOT, "node_modules/.bin/bun");
const WORKERD = join(ROOT, "node_modules/.bin/workerd");
const HOST = "127.0.0.1";
/** Longest wait for a runtime to answer `/health`. */
const READY_TIMEOUT_MS = 15_000;
/** Pause between two `/health` polls. */
const READY_POLL_MS = 50;
/** Longest wait for a process to exit after SIGTERM before SIGKILL. */
const STOP_TIMEOUT_MS = 5_000;
/** Longest wait for one request to a runtime. */
const REQUEST_TIMEOUT_MS = 10_000;

const ENTRY_SEED = 0x31;
const INFO_REQUEST = '{"method":"info","params":{}}';

type Runtime = "node" | "bun" | "workerd";

/** A background reader keeping everything a stream produced. */
function collect(stream: ReadableStream<Uint8Array>): { text: () => string; done: Promise<void> } {
  let buffered = "";
  const done = (async () => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) buffered += chunk;
  })().catch(() => {});
  return { text: () => buffered, done };
}

/** Resolve after `ms`, or never when cleared; returns the clear function. */
function timer(ms: number): { promise: Promise<"timeout">; clear: () => void } {
  let id: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<"timeout">((resolve) => (id = setTimeout(() => resolve("timeout"), ms)));
  return { promise, clear: () => clearTimeout(id) };
}

/** A free TCP port on 127.0.0.1 (released before the runtime binds it). */
function freePort(): number {
  const listener = Deno.listen({ hostname: HOST, port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** The text of a directory file listing `nodes`. */
function directoryJson(nodes: readonly NodeRecord[]): string {
  const entries = Object.fromEntries(nodes.map((n) => [n.ed25519, { x25519: toHex(n.x25519), http: n.http }]));
  return JSON.stringify({ format: DIRECTORY_FORMAT, nodes: entries });
}

/** One in-process Deno hop: createApp + Deno.serve on a free port. */
interface DenoHop {
  node: TestNode;
  server: Deno.HttpServer<Deno.NetAddr>;
}

/**
 * Start middle → exit → destination as in-process Deno servers, each knowing the next.
 *
 * @returns the hops, destination last
 */
async function startDenoHops(): Promise<DenoHop[]> {
  const hops: DenoHop[] = [];
  const apps: ((req: Request, env: GatewayBindings) => Response | Promise<Response>)[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const server = Deno.serve(
        { hostname: HOST, port: 0, onListen: () => {} },
        (req, info) => apps[i](req, { remoteAddr: info.remoteAddr }),
      );
      hops.push({ node: await testNode(ENTRY_SEED + 1 + i, `http://${HOST}:${server.addr.port}`), server });
    }
    for (let i = 0; i < 3; i++) {
      const deps = await bootstrapDeps(createConfig({ logLevel: "error" }), {
        seed: new Uint8Array(32).fill(ENTRY_SEED + 1 + i),
        directory: directoryJson(i < 2 ? [hops[i + 1].node.record] : []),
        provider,
        logger: { log: () => {} },
      });
      const app = createApp(deps);
      apps[i] = (req, env) => app.fetch(req, env);
    }
    return hops;
  } catch (err) {
    await Promise.all(hops.map((h) => h.server.shutdown()));
    throw err;
  }
}

/** A runtime process under test. */
interface RuntimeProcess {
  child: Deno.ChildProcess;
  base: string;
  stdout: { text: () => string; done: Promise<void> };
  stderr: { text: () => string; done: Promise<void> };
}

/** How to start a runtime for a test. */
interface StartOptions {
  /** The entry's only directory entry. */
  next: NodeRecord;
  /** Mode of the key file (Node, Bun); default 0600. */
  keyFileMode?: number;
  /** Whether to give workerd its `NODE_SEED` binding; default true. */
  seed?: boolean;
  /** Extra environment (`ALLIUM_*` settings). */
  env?: Record<string, string>;
}

/**
 * Spawn the entry node on `runtime` (not waiting for it).
 *
 * @param runtime which runtime
 * @param build the bundles
 * @param dir a temporary folder for the key and directory files
 * @param options directory entry, key file mode, seed binding
 * @returns the process
 */
async function spawnRuntime(
  runtime: Runtime,
  build: GatewayBuild,
  dir: string,
  options: StartOptions,
): Promise<RuntimeProcess> {
  const port = freePort();
  const keyFile = join(dir, `${runtime}_key.json`);
  const dirFile = join(dir, `${runtime}_nodes.json`);
  const mode = options.keyFileMode ?? 0o600;
  await Deno.writeTextFile(keyFile, formatNodeKeyFile(new Uint8Array(32).fill(ENTRY_SEED)), { mode });
  await Deno.chmod(keyFile, mode);
  await Deno.writeTextFile(dirFile, directoryJson([options.next]));
  const flags = ["--hostname", HOST, "--port", String(port), "--key-file", keyFile, "--directory-file", dirFile];
  const env: Record<string, string> = { ...options.env, PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" };
  let command: string;
  let args: string[];
  switch (runtime) {
    case "node":
      [command, args] = ["node", [build.node, ...flags]];
      break;
    case "bun":
      [command, args] = [BUN, [join(ROOT, "gateway/runtimes/bun.ts"), ...flags]];
      break;
    case "workerd":
      [command, args] = [WORKERD, ["serve", build.workerdConfig, "--socket-addr", `http=${HOST}:${port}`]];
      if (options.seed ?? true) env.NODE_SEED = toHex(new Uint8Array(32).fill(ENTRY_SEED));
      env.DIRECTORY_JSON = directoryJson([options.next]);
      break;
  }
  const child = new Deno.Command(command, { args, env, clearEnv: true, stdout: "piped", stderr: "piped" }).spawn();
  return { child, base: `http://${HOST}:${port}`, stdout: collect(child.stdout), stderr: collect(child.stderr) };
}

/**
 * Poll `path` until it answers `status` (bounded), or the process exits.
 *
 * @param proc the process
 * @param path the path to poll
 * @param status the status that means ready
 * @returns the answer's body, or undefined when the process exited or the time ran out
 */
async function pollUntil(proc: RuntimeProcess, path: string, status: number): Promise<string | undefined> {
  let exited = false;
  proc.child.status.then(() => (exited = true));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!exited && Date.now() < deadline) {
    try {
      const res = await fetch(`${proc.base}${path}`, { signal: AbortSignal.timeout(1000) });
      const body = await res.text();
      if (res.status === status) return body;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
  return undefined;
}

/**
 * Start the entry node on `runtime` and wait until `/health` answers `ok`.
 *
 * @param runtime which runtime
 * @param build the bundles
 * @param dir a temporary folder for the key and directory files
 * @param next the entry's only directory entry
 * @returns the running process
 */
async function startRuntime(
  runtime: Runtime,
  build: GatewayBuild,
  dir: string,
  next: NodeRecord,
): Promise<RuntimeProcess> {
  const proc = await spawnRuntime(runtime, build, dir, { next });
  if ((await pollUntil(proc, "/health", 200)) === "ok") return proc;
  await stopRuntime(proc);
  throw new Error(`${runtime} did not become ready: ${proc.stderr.text()}${proc.stdout.text()}`);
}

/**
 * Stop a runtime: SIGTERM, then SIGKILL after a bounded wait; drain its output.
 *
 * @param proc the process
 * @returns its exit status
 */
async function stopRuntime(proc: RuntimeProcess): Promise<Deno.CommandStatus> {
  try {
    proc.child.kill("SIGTERM");
  } catch {
    // already exited
  }
  const wait = timer(STOP_TIMEOUT_MS);
  const first = await Promise.race([proc.child.status, wait.promise]);
  wait.clear();
  if (first === "timeout") proc.child.kill("SIGKILL");
  const status = await proc.child.status;
  await Promise.all([proc.stdout.done, proc.stderr.done]);
  return status;
}

/** What a client sees of a plain answer. */
interface PlainAnswer {
  status: number;
  type: string | null;
  body: string;
}

async function plain(res: Response): Promise<PlainAnswer> {
  return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
}

/** Bad inputs and plain requests whose answers must match the Deno app's byte for byte. */
function badInputs(base: string): [string, Request][] {
  const post = (body: BodyInit | null, headers: Record<string, string> = {}) =>
    new Request(`${base}/onion_req/v2`, { method: "POST", body, headers });
  return [
    ["empty body", post(new Uint8Array(0))],
    ["two bytes", post(new Uint8Array([1, 2]))],
    ["gzip body", post(new Uint8Array(8), { "content-encoding": "gzip" })],
    ["unknown path", new Request(`${base}/nope`)],
    ["GET onion path", new Request(`${base}/onion_req/v2`)],
    ["health", new Request(`${base}/health`)],
  ];
}

/** The onion every runtime gets: built once, sent unchanged to each entry node. */
async function buildInfoOnion(entry: TestNode, hops: readonly TestNode[]) {
  return await buildOnionRequest({
    path: [entry.node, hops[0].node, hops[1].node],
    destination: hops[2].node,
    payload: new TextEncoder().encode(INFO_REQUEST),
    provider,
  });
}

/** Short limits for the server-limit checks (hardening.md §5 numbers scaled down). */
const SHORT_LIMITS = {
  headerTimeoutMs: 1500,
  requestDeadlineMs: 4000,
  bodyGraceMs: 500,
  forwardTimeoutMs: 1000,
  serverRelayTimeoutMs: 1000,
};
/** The same as `ALLIUM_*` environment variables. */
const SHORT_LIMITS_ENV: Record<string, string> = {
  ALLIUM_HEADER_TIMEOUT_MS: String(SHORT_LIMITS.headerTimeoutMs),
  ALLIUM_REQUEST_DEADLINE_MS: String(SHORT_LIMITS.requestDeadlineMs),
  ALLIUM_BODY_GRACE_MS: String(SHORT_LIMITS.bodyGraceMs),
  ALLIUM_FORWARD_TIMEOUT_MS: String(SHORT_LIMITS.forwardTimeoutMs),
  ALLIUM_SERVER_RELAY_TIMEOUT_MS: String(SHORT_LIMITS.serverRelayTimeoutMs),
};
/** Lateness allowed for a cut seen from a client on loopback. */
const CUT_SLACK_MS = 1000;
/** Bun's own header timeout (uWebSockets, not configurable) and its timer tick, measured on Bun 1.4. */
const BUN_HEADER_TIMEOUT_MS = 10_000;
const BUN_TIMER_TICK_MS = 4_000;

/**
 * Start a runtime and wait until `/health` answers over raw `Connection: close` requests, so no
 * pooled `fetch` connection stays open and counts against 127.0.0.1's connections.
 */
async function startRaw(runtime: Runtime, build: GatewayBuild, dir: string, options: StartOptions) {
  const proc = await spawnRuntime(runtime, build, dir, options);
  const port = Number(new URL(proc.base).port);
  let exited = false;
  proc.child.status.then(() => (exited = true));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!exited && Date.now() < deadline) {
    const answer = await rawGet(port, "/health", 1000).catch(() => undefined);
    if (answer?.status === 200 && answer.body === "ok") return { proc, port };
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
  await stopRuntime(proc);
  throw new Error(`${runtime} did not become ready: ${proc.stderr.text()}${proc.stdout.text()}`);
}

/** Assert that a slow body was cut by the app with 408 after the grace period. */
function assertSlowBodyCut(runtime: string, answer: RawAnswer): void {
  assert.deepEqual([answer.status, answer.body], [408, REQUEST_TIMED_OUT], `${runtime}: slow body`);
  const { bodyGraceMs } = SHORT_LIMITS;
  assert.ok(
    answer.ms >= bodyGraceMs && answer.ms < bodyGraceMs + CUT_SLACK_MS,
    `${runtime}: slow body cut at ${answer.ms} ms`,
  );
}

/** Node: slowloris closed at the header timeout with 408, slow body 408, 101st connection closed. */
async function checkNodeLimits(port: number): Promise<void> {
  const { headersTimeout, connectionsCheckingInterval } = nodeHttpLimits(SHORT_LIMITS);
  const loris = slowHeaders(port, 100, headersTimeout + 5_000);
  const body = slowBody(port, 50, 100, 5_000); // ≈ 500 B/s, half the minimum
  const health = await rawGet(port, "/health", 2_000);
  assert.deepEqual([health.status, health.body], [200, "ok"], "node: served while slowloris runs");
  assertSlowBodyCut("node", await body);
  const l = await loris;
  assert.equal(l.status, 408, `node: slowloris answered ${l.status}`);
  assert.ok(
    l.ms >= headersTimeout - 50 && l.ms < headersTimeout + connectionsCheckingInterval + CUT_SLACK_MS,
    `node: slowloris cut at ${l.ms} ms`,
  );

  // Connections per client: 100 open (idle, within the header timeout), the 101st closed on accept.
  await new Promise((resolve) => setTimeout(resolve, 200)); // let the server see the closes above
  const max = DEFAULT_CONFIG.maxConnectionsPerClient;
  const conns: Deno.Conn[] = [];
  try {
    for (let i = 0; i < max; i++) conns.push(await Deno.connect({ hostname: HOST, port }));
    const extra = await Deno.connect({ hostname: HOST, port });
    conns.push(extra);
    const over = await readAnswer(extra, performance.now(), 1_000);
    assert.ok(
      over.closed && over.status === 0 && over.ms < 500,
      `node: connection ${max + 1}: ${JSON.stringify(over)}`,
    );
    // The 100th is open and served.
    const last = conns[max - 1];
    const started = performance.now();
    await last.write(new TextEncoder().encode(`GET /health HTTP/1.1\r\nHost: ${HOST}\r\nConnection: close\r\n\r\n`));
    const served = await readAnswer(last, started, 1_000);
    assert.deepEqual([served.status, served.body], [200, "ok"], `node: connection ${max}`);
  } finally {
    for (const c of conns) c.close();
  }
  // The closed connections free their places (bounded wait for the server to see the closes).
  let again: RawAnswer | undefined;
  for (let i = 0; i < 20 && again?.status !== 200; i++) {
    again = await rawGet(port, "/health", 1_000).catch(() => undefined);
    if (again?.status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(again?.status, 200, "node: served again after the connections closed");
}

/** Bun: slowloris closed by Bun's own header timeout, slow body 408, others served meanwhile. */
async function checkBunLimits(port: number): Promise<void> {
  const loris = slowHeaders(port, 500, BUN_HEADER_TIMEOUT_MS + BUN_TIMER_TICK_MS + 5_000);
  const body = slowBody(port, 50, 100, 5_000);
  const health = await rawGet(port, "/health", 2_000);
  assert.deepEqual([health.status, health.body], [200, "ok"], "bun: served while slowloris runs");
  assertSlowBodyCut("bun", await body);
  const l = await loris;
  assert.ok(l.closed, `bun: slowloris not closed after ${l.ms} ms`);
  assert.ok(
    l.ms >= BUN_HEADER_TIMEOUT_MS - BUN_TIMER_TICK_MS &&
      l.ms < BUN_HEADER_TIMEOUT_MS + BUN_TIMER_TICK_MS + CUT_SLACK_MS,
    `bun: slowloris cut at ${l.ms} ms`,
  );
}

/** The provider each runtime must choose on its own (`auto`). */
const EXPECTED_PROVIDER: Readonly<Record<Runtime, string>> = { node: "sodium", bun: "sodium", workerd: "webcrypto" };

Deno.test("createApp on Node 20, Bun and workerd relays a 3-hop onion and answers bad input like Deno", async (t) => {
  // The Node bundle must sit inside the repository to find sodium-native; .allium/ is gitignored.
  await Deno.mkdir(join(ROOT, ".allium"), { recursive: true });
  const dir = await Deno.makeTempDir({ dir: join(ROOT, ".allium"), prefix: "runtimes-test-" });
  try {
    const build = await buildGateway({ outDir: dir, outbound: ["local"] });
    const entry = await testNode(ENTRY_SEED);
    // Hop keys are fixed, so one onion serves every runtime (each runs with fresh replay caches).
    const hopKeys = await Promise.all([1, 2, 3].map((i) => testNode(ENTRY_SEED + i)));
    const onion = await buildInfoOnion(entry, hopKeys);

    // The reference: the same entry app in this Deno process, its forwarder answering a stub.
    const reference = createApp(
      await bootstrapDeps(createConfig({ logLevel: "error" }), {
        seed: new Uint8Array(32).fill(ENTRY_SEED),
        directory: directoryJson([hopKeys[0].record]),
        provider,
        logger: { log: () => {} },
        fetch: () => Promise.resolve(new Response("stub", { status: 200 })),
      }),
    );
    const refEnv = { remoteAddr: { hostname: HOST } };
    const expected: PlainAnswer[] = [];
    for (const [, req] of badInputs("http://localhost")) {
      expected.push(await plain(await reference.request(req, {}, refEnv)));
    }
    const onionInit = () => ({ method: "POST", body: onion.body as Uint8Array<ArrayBuffer> });
    await (await reference.request("/onion_req/v2", onionInit(), refEnv)).body?.cancel();
    const expectedReplay = await plain(await reference.request("/onion_req/v2", onionInit(), refEnv));
    assert.deepEqual([expected[0].status, expected[0].body], [400, "Error parsing onion request: framing"]);

    for (const runtime of ["node", "bun", "workerd"] as const) {
      await t.step(`${runtime}: onion relayed to the destination's info, bad input answered as on Deno`, async () => {
        const hops = await startDenoHops();
        let proc: RuntimeProcess | undefined;
        try {
          proc = await startRuntime(runtime, build, dir, hops[0].node.record);
          const signal = () => AbortSignal.timeout(REQUEST_TIMEOUT_MS);

          const res = await fetch(`${proc.base}/onion_req/v2`, { ...onionInit(), signal: signal() });
          assert.equal(res.status, 200, `${runtime}: onion status`);
          const answer = await decryptOnionReply(onion.reply, new Uint8Array(await res.arrayBuffer()), { provider });
          assert.equal(answer.status, 200);
          const info = JSON.parse(text(answer.body));
          assert.deepEqual([info.version, info.hf], [DEFAULT_CONFIG.reportedVersion, DEFAULT_CONFIG.networkVersion]);
          assert.ok(Math.abs(info.timestamp - Date.now()) < 60_000, "destination clock");

          const replay = await fetch(`${proc.base}/onion_req/v2`, { ...onionInit(), signal: signal() });
          assert.deepEqual(await plain(replay), expectedReplay, `${runtime}: replay`);
          const cases = badInputs(proc.base);
          for (let i = 0; i < cases.length; i++) {
            const got = await plain(await fetch(new Request(cases[i][1], { signal: signal() })));
            assert.deepEqual(got, expected[i], `${runtime}: ${cases[i][0]}`);
          }

          // /metrics is loopback-only: served where the runtime passes the peer address (127.0.0.1).
          const metrics = await fetch(`${proc.base}/metrics`, { signal: signal() });
          await metrics.body?.cancel();
          assert.equal(metrics.status, runtime === "workerd" ? 404 : 200, `${runtime}: /metrics`);

          const started = proc.stdout.text().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
            .find((l) => l.event === "listening" || l.event === "started");
          assert.equal(started?.provider, EXPECTED_PROVIDER[runtime], `${runtime}: provider`);
          assert.equal(started?.ed25519, entry.ed25519);
        } finally {
          if (proc !== undefined) {
            const status = await stopRuntime(proc);
            assert.equal(status.code, 0, `${runtime} exit after SIGTERM: ${proc.stderr.text()}`);
          }
          await Promise.all(hops.map((h) => h.server.shutdown()));
        }
      });
    }

    await t.step(
      "server limits: Node's header timeout and connection cap, Bun's header timeout, slow bodies 408",
      async () => {
        const next = hopKeys[0].record;
        const started: { proc: RuntimeProcess; port: number }[] = [];
        try {
          for (const runtime of ["node", "bun"] as const) {
            started.push(await startRaw(runtime, build, dir, { next, env: SHORT_LIMITS_ENV }));
          }
          await Promise.all([checkNodeLimits(started[0].port), checkBunLimits(started[1].port)]);
        } finally {
          for (const { proc } of started) {
            const status = await stopRuntime(proc);
            assert.equal(status.code, 0, `exit after SIGTERM: ${proc.stderr.text()}`);
          }
        }
      },
    );

    await t.step("start-up errors: Node and Bun exit 2 with one line, workerd answers 500 and logs it", async () => {
      const next = hopKeys[0].record;
      for (const runtime of ["node", "bun"] as const) {
        const proc = await spawnRuntime(runtime, build, dir, { next, keyFileMode: 0o644 });
        let status: Deno.CommandStatus | "timeout";
        const wait = timer(READY_TIMEOUT_MS);
        try {
          status = await Promise.race([proc.child.status, wait.promise]);
        } finally {
          wait.clear();
          await stopRuntime(proc);
        }
        assert.notEqual(status, "timeout", `${runtime} kept running with a group-readable key file`);
        assert.equal((status as Deno.CommandStatus).code, 2, runtime);
        const stderr = proc.stderr.text().trim();
        assert.match(stderr, /readable by group or others/, runtime);
        assert.equal(stderr.split("\n").length, 1, `${runtime}: no stack trace`);
      }
      const proc = await spawnRuntime("workerd", build, dir, { next, seed: false });
      try {
        assert.equal(await pollUntil(proc, "/health", 500), "Internal server error");
      } finally {
        await stopRuntime(proc);
      }
      assert.match(proc.stdout.text() + proc.stderr.text(), /binding NODE_SEED is not 64 hex digits/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
