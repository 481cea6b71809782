/**
 * HttpForwarder against real loopback stubs (Deno.serve and raw TCP on 127.0.0.1, port 0), both
 * directly and through the app: refused → 502, silent → 504 at the (test) timeout with slots
 * released, reset mid-response → 502 with nothing partial relayed, oversize / garbage / redirect
 * → 502, in-flight caps → 503. Every test stops every server and connection it starts.
 */

import assert from "node:assert/strict";
import { peelOnionLayer } from "../../mod.ts";
import { assertPlain, makeGateway, NEXT, provider, relayBody, SELF, testNode } from "../_testing/fixtures.ts";
import type { NodeRecord } from "../directory.ts";
import { NEXT_HOP_FAILED, REQUEST_TIMED_OUT, SERVER_BUSY } from "../responses.ts";
import { ForwardError, type ForwardFailure, HttpForwarder } from "./forwarder.ts";

/** Test limits: short timeout, small response cap. */
const TEST_TIMEOUT_MS = 300;
const TEST_MAX_RESPONSE = 64 * 1024;

function forwarder(overrides: Partial<ConstructorParameters<typeof HttpForwarder>[0]> = {}): HttpForwarder {
  return new HttpForwarder({
    timeoutMs: TEST_TIMEOUT_MS,
    maxResponseBytes: TEST_MAX_RESPONSE,
    maxInFlight: 256,
    maxInFlightPerHop: 32,
    ...overrides,
  });
}

/** A Deno.serve stub on 127.0.0.1:0. */
function httpStub(handler: (req: Request) => Response | Promise<Response>) {
  const requests: { headers: Headers; body: Uint8Array; url: string }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    requests.push({ headers: req.headers, body: new Uint8Array(await req.arrayBuffer()), url: req.url });
    return await handler(req);
  });
  return {
    origin: `http://127.0.0.1:${server.addr.port}`,
    requests,
    close: () => server.shutdown(),
  };
}

/** A raw TCP stub on 127.0.0.1:0 running `onConn` for each connection; `stopped` resolves on close. */
function tcpStub(onConn: (conn: Deno.TcpConn, stopped: Promise<void>) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.TcpConn>();
  const tasks: Promise<void>[] = [];
  let stop = () => {};
  const stopped = new Promise<void>((r) => (stop = r));
  const loop = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      tasks.push(onConn(conn, stopped).catch(() => {}));
    }
  })().catch(() => {});
  return {
    origin: `http://127.0.0.1:${listener.addr.port}`,
    async close() {
      stop();
      listener.close();
      await loop;
      for (const c of conns) {
        try {
          c.close();
        } catch { /* already closed */ }
      }
      await Promise.all(tasks);
    },
  };
}

/** Read until the end of the request headers (enough for these stubs). */
async function readHead(conn: Deno.TcpConn): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  let text = "";
  while (!text.includes("\r\n\r\n")) {
    const n = await conn.read(buf);
    if (n === null) return;
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
}

const record = (http: string, n = 3): NodeRecord => ({
  ...NEXT.record,
  ed25519: n === 3 ? NEXT.ed25519 : "ab".repeat(32),
  http,
});

async function failureOf(p: Promise<unknown>): Promise<ForwardFailure | "none"> {
  try {
    await p;
    return "none";
  } catch (e) {
    assert.ok(e instanceof ForwardError, String(e));
    return e.failure;
  }
}

Deno.test("HttpForwarder relays through the app to a real next node and passes its answer through", async () => {
  const stub = httpStub(() =>
    new Response("from next hop", { status: 201, headers: { "content-type": "text/plain", "set-cookie": "x=1" } })
  );
  try {
    const gw = makeGateway({ forwarder: forwarder(), directory: [{ ...NEXT.record, http: stub.origin }] });
    const body = await relayBody();
    const res = await gw.post(body, {
      headers: { "x-forwarded-for": "10.9.9.9", cookie: "secret=1", "user-agent": "WhatsApp", "x-custom": "leak" },
    });
    await assertPlain(res, 201, "from next hop");
    assert.equal(res.headers.get("set-cookie"), null, "upstream headers are not passed through");
    assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(stub.requests.length, 1);
    const seen = stub.requests[0];
    assert.equal(new URL(seen.url).pathname, "/onion_req/v2");
    const peeled = await peelOnionLayer(body, SELF.keys, { provider });
    assert.ok(peeled.kind === "relay");
    assert.deepEqual(seen.body, peeled.nextRequestBody);
    assert.equal(seen.headers.get("user-agent"), "allium");
    assert.equal(seen.headers.get("content-type"), "application/octet-stream");
    for (const name of ["x-forwarded-for", "forwarded", "via", "cookie", "x-custom", "x-real-ip"]) {
      assert.equal(seen.headers.get(name), null, name);
    }
  } finally {
    await stub.close();
  }
});

Deno.test("HttpForwarder: next hop refused → 502 in under a second", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const origin = `http://127.0.0.1:${listener.addr.port}`;
  listener.close();
  const fwd = forwarder();
  assert.equal(await failureOf(fwd.forward(record(origin), new Uint8Array(10))), "unreachable");
  const gw = makeGateway({ forwarder: fwd, directory: [{ ...NEXT.record, http: origin }] });
  const t0 = performance.now();
  await assertPlain(await gw.post(await relayBody()), 502, NEXT_HOP_FAILED);
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(fwd.inFlight, 0);
});

Deno.test("HttpForwarder: silent next hop → 504 at the timeout, slots released", async () => {
  const stub = tcpStub(async (conn, stopped) => {
    await readHead(conn);
    await stopped; // never answers
  });
  try {
    const fwd = forwarder({ maxInFlightPerHop: 2 });
    const gw = makeGateway({ forwarder: fwd, directory: [{ ...NEXT.record, http: stub.origin }] });
    const t0 = performance.now();
    const pending = [gw.post(await relayBody()), gw.post(await relayBody())];
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(fwd.inFlight, 2);
    await assertPlain(await gw.post(await relayBody()), 503, SERVER_BUSY, "per-hop cap reached");
    for (const res of await Promise.all(pending)) await assertPlain(res, 504, REQUEST_TIMED_OUT);
    const took = performance.now() - t0;
    assert.ok(took >= TEST_TIMEOUT_MS - 20 && took < TEST_TIMEOUT_MS + 1000, `took ${took} ms`);
    assert.equal(fwd.inFlight, 0, "slots released");
  } finally {
    await stub.close();
  }
});

Deno.test("HttpForwarder: reset mid-response → 502 with nothing partial relayed", async () => {
  const stub = tcpStub(async (conn) => {
    await readHead(conn);
    await conn.write(new TextEncoder().encode("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nPARTIAL-CANARY"));
    conn.close();
  });
  try {
    const fwd = forwarder();
    assert.equal(await failureOf(fwd.forward(record(stub.origin), new Uint8Array(10))), "unreachable");
    const gw = makeGateway({ forwarder: fwd, directory: [{ ...NEXT.record, http: stub.origin }] });
    await assertPlain(await gw.post(await relayBody()), 502, NEXT_HOP_FAILED);
    assert.equal(fwd.inFlight, 0);
  } finally {
    await stub.close();
  }
});

Deno.test("HttpForwarder: garbage instead of HTTP → 502", async () => {
  const stub = tcpStub(async (conn) => {
    await readHead(conn);
    await conn.write(new TextEncoder().encode("garbage garbage\r\n\r\n"));
    conn.close();
  });
  try {
    const fwd = forwarder();
    const gw = makeGateway({ forwarder: fwd, directory: [{ ...NEXT.record, http: stub.origin }] });
    await assertPlain(await gw.post(await relayBody()), 502, NEXT_HOP_FAILED);
  } finally {
    await stub.close();
  }
});

Deno.test("HttpForwarder: oversize answers → 502, with and without Content-Length", async () => {
  // Odd requests get a declared oversize length, even ones an oversize chunked stream.
  const size = TEST_MAX_RESPONSE + 1;
  const stub = httpStub(() => {
    if (stub.requests.length % 2 === 1) return new Response(new Uint8Array(size));
    let sent = 0;
    return new Response(
      new ReadableStream({
        pull(c) {
          if (sent >= size) return c.close();
          sent += 4096;
          c.enqueue(new Uint8Array(4096));
        },
      }),
    );
  });
  try {
    const fwd = forwarder();
    assert.equal(await failureOf(fwd.forward(record(stub.origin), new Uint8Array(1))), "bad_response");
    assert.equal(await failureOf(fwd.forward(record(stub.origin), new Uint8Array(1))), "bad_response");
    const gw = makeGateway({ forwarder: fwd, directory: [{ ...NEXT.record, http: stub.origin }] });
    await assertPlain(await gw.post(await relayBody()), 502, NEXT_HOP_FAILED);
    assert.equal(fwd.inFlight, 0);
  } finally {
    await stub.close();
  }
});

Deno.test("HttpForwarder: a redirect is an error and is not followed", async () => {
  let targetHits = 0;
  const target = httpStub(() => {
    targetHits++;
    return new Response("followed");
  });
  const stub = httpStub(() =>
    new Response(null, { status: 307, headers: { location: `${target.origin}/onion_req/v2` } })
  );
  try {
    const fwd = forwarder();
    assert.equal(await failureOf(fwd.forward(record(stub.origin), new Uint8Array(1))), "bad_response");
    const gw = makeGateway({ forwarder: fwd, directory: [{ ...NEXT.record, http: stub.origin }] });
    await assertPlain(await gw.post(await relayBody()), 502, NEXT_HOP_FAILED);
    assert.equal(targetHits, 0);
  } finally {
    await stub.close();
    await target.close();
  }
});

Deno.test("HttpForwarder enforces the total in-flight cap across next hops", async () => {
  const stub = tcpStub(async (conn, stopped) => {
    await readHead(conn);
    await stopped;
  });
  try {
    const fwd = forwarder({ maxInFlight: 2, maxInFlightPerHop: 2 });
    const other = await testNode(5, stub.origin);
    const a = fwd.forward(record(stub.origin), new Uint8Array(1));
    const b = fwd.forward(other.record, new Uint8Array(1));
    assert.equal(await failureOf(fwd.forward(record(stub.origin), new Uint8Array(1))), "busy");
    assert.deepEqual(await Promise.all([failureOf(a), failureOf(b)]), ["timeout", "timeout"]);
    assert.equal(fwd.inFlight, 0);
  } finally {
    await stub.close();
  }
});

Deno.test("HttpForwarder() refuses non-positive limits", () => {
  assert.throws(() => forwarder({ timeoutMs: 0 }), RangeError);
  assert.throws(() => forwarder({ maxInFlightPerHop: -1 }), RangeError);
});
