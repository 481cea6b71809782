/**
 * Tests of server_limits.ts (the Node and Bun server options, connection counting), and the
 * hardening.md §7 rows "slow body" and "> 100 connections from one address" against the app
 * served by a real `Deno.serve` on 127.0.0.1 through raw TCP connections (`Deno.connect`).
 * Slowloris against Node and Bun, whose servers enforce a header timeout, is in
 * runtimes/runtimes_test.ts; Deno.serve has none (server_limits.ts). Every server and connection
 * started here is closed in `finally`; every wait is bounded.
 */

import assert from "node:assert/strict";
import { makeGateway } from "./_testing/fixtures.ts";
import { readAnswer, slowBody } from "./_testing/raw_http.ts";
import { type Config, createConfig, DEFAULT_CONFIG } from "./config.ts";
import type { GatewayBindings } from "./context.ts";
import { RATE_LIMITED, REQUEST_TIMED_OUT } from "./responses.ts";
import {
  bunIdleTimeoutSeconds,
  type ClientSocket,
  limitConnectionsPerClient,
  nodeHttpLimits,
} from "./server_limits.ts";
import { PACE_MIN_STEP_MS } from "./middleware/request_timing.ts";

const HOST = "127.0.0.1";
const enc = new TextEncoder();
/** Lateness allowed for a cut on a real socket: one rate-check step plus scheduling. */
const PACE_SLACK_MS = PACE_MIN_STEP_MS + 500;

Deno.test("nodeHttpLimits() maps the header timeout and deadline, checking every tenth of the header timeout (table)", () => {
  const rows: [Partial<Config>, number, number, number][] = [
    [{}, 10_000, 30_000, 1000],
    [
      {
        headerTimeoutMs: 1000,
        requestDeadlineMs: 2000,
        bodyGraceMs: 500,
        forwardTimeoutMs: 500,
        serverRelayTimeoutMs: 500,
      },
      1000,
      2000,
      100,
    ],
    [{ headerTimeoutMs: 100 }, 100, 30_000, 50],
    [{ headerTimeoutMs: 30_000 }, 30_000, 30_000, 1000],
  ];
  for (const [overrides, headers, request, interval] of rows) {
    const o = nodeHttpLimits(createConfig(overrides));
    assert.deepEqual(
      [o.headersTimeout, o.requestTimeout, o.connectionsCheckingInterval],
      [headers, request, interval],
      JSON.stringify(overrides),
    );
    assert.ok(o.headersTimeout <= o.requestTimeout, "Node requires headersTimeout ≤ requestTimeout");
  }
});

Deno.test("bunIdleTimeoutSeconds() is the request deadline plus a margin, within Bun's 255 s (table)", () => {
  const rows: [number, number][] = [[30_000, 35], [2_000, 7], [2_001, 8], [3_600_000, 255]];
  for (const [deadline, seconds] of rows) assert.equal(bunIdleTimeoutSeconds({ requestDeadlineMs: deadline }), seconds);
  assert.ok(bunIdleTimeoutSeconds(DEFAULT_CONFIG) * 1000 > DEFAULT_CONFIG.forwardTimeoutMs);
});

/** A fake `connection` source and sockets that record being destroyed and can be closed. */
function fakeServer() {
  let accept: (socket: ClientSocket) => void = () => {};
  const sockets: { address: string | undefined; destroyed: boolean; close: () => void }[] = [];
  const connect = (address: string | undefined) => {
    const closers: (() => void)[] = [];
    const s = { address, destroyed: false, close: () => closers.splice(0).forEach((f) => f()) }; // `close` fires once
    sockets.push(s);
    accept({ remoteAddress: address, destroy: () => (s.destroyed = true), once: (_e, l) => closers.push(l) });
    return s;
  };
  return { server: { on: (_e: "connection", l: (s: ClientSocket) => void) => (accept = l) }, connect, sockets };
}

Deno.test("limitConnectionsPerClient() destroys the 101st connection of a client at once, and counts closes", () => {
  const { server, connect } = fakeServer();
  const max = DEFAULT_CONFIG.maxConnectionsPerClient;
  const counts = limitConnectionsPerClient(server, { maxPerClient: max });
  const mine = Array.from({ length: max }, () => connect("192.0.2.1"));
  assert.ok(mine.every((s) => !s.destroyed));
  const over = connect("192.0.2.1");
  assert.equal(over.destroyed, true, `connection ${max + 1}`);
  assert.equal(connect("::ffff:192.0.2.1").destroyed, true, "the same address, IPv4-mapped");
  assert.equal(connect("192.0.2.2").destroyed, false, "another client");
  assert.deepEqual([counts.open, counts.clients, counts.refused], [max + 1, 2, 2]);
  mine[0].close();
  assert.equal(connect("192.0.2.1").destroyed, false, "a closed connection frees its place");
  for (const s of mine) s.close();
  assert.equal(counts.open, 2);
});

Deno.test("limitConnectionsPerClient() keys IPv6 by /64 and unknown peers together (table)", () => {
  const rows: [string, (string | undefined)[], boolean[]][] = [
    ["one /64", ["2001:db8:1:2::1", "2001:db8:1:2:ffff::1", "2001:db8:1:3::1"], [false, true, false]],
    ["no address", [undefined, undefined], [false, true]],
    ["zone ids ignored", ["fe80::1%eth0", "fe80::2%eth1"], [false, true]],
  ];
  for (const [name, addresses, destroyed] of rows) {
    const { server, connect } = fakeServer();
    limitConnectionsPerClient(server, { maxPerClient: 1 });
    assert.deepEqual(addresses.map((a) => connect(a).destroyed), destroyed, name);
  }
  assert.throws(() => limitConnectionsPerClient(fakeServer().server, { maxPerClient: 0 }), RangeError);
});

// --- The app on a real Deno.serve ---------------------------------------------------------------

/** Serve a test gateway's app on 127.0.0.1, any free port, passing the peer address as Deno does. */
function serveGateway(config: Partial<Config>) {
  const gw = makeGateway({ config });
  const server = Deno.serve(
    { hostname: HOST, port: 0, onListen: () => {} },
    (req, info) => gw.app.fetch(req, { remoteAddr: info.remoteAddr } satisfies GatewayBindings),
  );
  return { gw, server, base: `http://${HOST}:${server.addr.port}` };
}

Deno.test("Deno.serve + createApp: a slow body gets 408 after the grace period, a long one at the deadline; others are served meanwhile", async () => {
  const config = {
    bodyGraceMs: 500,
    bodyMinBytesPerSecond: 1024,
    requestDeadlineMs: 2000,
    headerTimeoutMs: 1000,
    forwardTimeoutMs: 1000,
    serverRelayTimeoutMs: 1000,
  };
  const { gw, server, base } = serveGateway(config);
  try {
    const port = server.addr.port;
    // 50 B every 100 ms ≈ 500 B/s, half the minimum; 1 KiB every 100 ms ≈ 10 KiB/s, well above.
    const slow = slowBody(port, 50, 100, 5_000);
    const long = slowBody(port, 1024, 100, 5_000);
    const health = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2_000) });
    assert.deepEqual([health.status, await health.text()], [200, "ok"], "served while the slow bodies arrive");

    const s = await slow;
    assert.deepEqual([s.status, s.body], [408, REQUEST_TIMED_OUT], "slow body");
    assert.ok(s.ms >= config.bodyGraceMs && s.ms < config.bodyGraceMs + PACE_SLACK_MS, `slow body cut at ${s.ms} ms`);
    const l = await long;
    assert.deepEqual([l.status, l.body], [408, REQUEST_TIMED_OUT], "body still arriving at the deadline");
    assert.ok(
      l.ms >= config.requestDeadlineMs - 50 && l.ms < config.requestDeadlineMs + PACE_SLACK_MS,
      `cut at ${l.ms} ms`,
    );

    const after = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2_000) });
    assert.deepEqual([after.status, await after.text()], [200, "ok"]);
    assert.match(
      await (await fetch(`${base}/metrics`)).text(),
      /^allium_buffered_request_bytes 0$/m,
      "budget released",
    );
  } finally {
    await server.shutdown();
  }
  assert.equal(gw.forwarder.calls.length, 0);
});

Deno.test("Deno.serve + createApp: the 101st concurrent slow request from one address gets 429 at once; the places come back", async () => {
  const { gw, server, base } = serveGateway({});
  const max = gw.deps.config.maxConnectionsPerClient;
  const conns: Deno.Conn[] = [];
  try {
    const port = server.addr.port;
    // `max` requests whose bodies have only begun: each holds its place while the body is read.
    for (let i = 0; i < max; i++) {
      const conn = await Deno.connect({ hostname: HOST, port });
      conns.push(conn);
      await conn.write(enc.encode(`POST /onion_req/v2 HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 1000\r\n\r\n..`));
    }
    // Wait (bounded) until the app holds them all; asked in process from ::1, another client.
    let held = 0;
    for (let i = 0; i < 100 && held < max; i++) {
      const m = await (await gw.request("/metrics", {}, "::1")).text();
      held = Number(/^allium_requests_in_flight ([0-9]+)$/m.exec(m)?.[1]) - 1; // less this one
      if (held < max) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(held, max, "requests held");
    const conn = await Deno.connect({ hostname: HOST, port });
    conns.push(conn);
    const started = performance.now();
    await conn.write(enc.encode(`POST /onion_req/v2 HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: 2\r\n\r\n..`));
    const over = await readAnswer(conn, started, 2_000);
    assert.deepEqual([over.status, over.body], [429, RATE_LIMITED], `request ${max + 1}`);
    assert.ok(over.ms < 500, `answered in ${over.ms} ms`);

    // Closing the held connections ends their requests (incomplete bodies) and frees the places.
    for (const c of conns.splice(0)) c.close();
    let res: Response | undefined;
    for (let i = 0; i < 100; i++) {
      res = await fetch(`${base}/onion_req/v2`, { method: "POST", body: new Uint8Array(2) });
      if (res.status !== 429) break;
      await res.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(res?.status, 400, "the client gets through again (a 2-byte body fails framing)");
    await res?.body?.cancel();
  } finally {
    for (const c of conns) c.close();
    await server.shutdown();
  }
});
