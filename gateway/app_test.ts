import assert from "node:assert/strict";
import { buildOnionRequest, decryptOnionReply, type EncType } from "../mod.ts";
import {
  assertPlain,
  bytes,
  FakeClock,
  makeGateway,
  nextRng,
  provider,
  relayBody,
  type TestNode,
  testNode,
  text,
} from "./_testing/fixtures.ts";
import { createApp } from "./app.ts";
import { createConfig } from "./config.ts";
import { createDirectory } from "./directory.ts";
import { memoryLogger } from "./logger.ts";
import { HttpForwarder } from "./relay/forwarder.ts";
import { BODY_TOO_LARGE, RATE_LIMITED, UNSUPPORTED_ENCODING } from "./responses.ts";
import { createInfoHandler } from "./routes/info.ts";

Deno.test("createApp() runs body-limit header checks before the rate limiter, and the rate limiter before reading", async () => {
  const gw = makeGateway({ config: { rateLimitBurst: 1 } });
  await (await gw.request("/health")).body?.cancel(); // bucket now empty
  // Header refusals come first (they cost nothing and read nothing) …
  await assertPlain(await gw.post(bytes("x"), { headers: { "content-encoding": "gzip" } }), 415, UNSUPPORTED_ENCODING);
  await assertPlain(
    await gw.post(bytes("x"), { headers: { "content-length": String(gw.deps.config.maxBody + 1) } }),
    413,
    BODY_TOO_LARGE,
  );
  // … then the rate limiter, before the body is read or any onion check runs.
  await assertPlain(await gw.post(new Uint8Array(0)), 429, RATE_LIMITED);
});

Deno.test("createApp() keeps all state per app (no module-level state)", async () => {
  const a = makeGateway({ config: { rateLimitBurst: 1 } });
  const b = makeGateway({ config: { rateLimitBurst: 1 } });
  await (await a.request("/health")).body?.cancel();
  assert.equal((await a.request("/health")).status, 429);
  assert.equal((await b.request("/health")).status, 200);
  const body = await relayBody();
  assert.equal((await a.post(body, {}, "203.0.113.1")).status, 200);
  assert.equal((await b.post(body, {}, "203.0.113.1")).status, 200, "replay caches are separate");
});

/** An in-memory network: node origins map to apps, HttpForwarder reaches them through fetch. */
function network(nodes: TestNode[], clock: FakeClock) {
  const byOrigin = new Map<string, ReturnType<typeof createApp>>();
  const fetchImpl = (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const app = byOrigin.get(new URL(req.url).origin);
    if (app === undefined) return Promise.reject(new TypeError("connection refused"));
    return Promise.resolve(app.fetch(req, { remoteAddr: { hostname: "127.0.0.1" } }));
  };
  const config = createConfig();
  for (const node of nodes) {
    const app = createApp({
      config,
      nodeKeys: node.keys,
      directory: createDirectory(nodes.map((n) => n.record)),
      forwarder: new HttpForwarder({
        timeoutMs: config.forwardTimeoutMs,
        maxResponseBytes: config.forwardMaxResponse,
        maxInFlight: config.forwardMaxInFlight,
        maxInFlightPerHop: config.forwardMaxInFlightPerHop,
        fetch: fetchImpl as typeof fetch,
      }),
      clock,
      provider,
      logger: memoryLogger(),
      handlers: { info: createInfoHandler({ version: config.reportedVersion, hf: config.networkVersion }) },
    });
    byOrigin.set(node.record.http, app);
  }
  return byOrigin;
}

Deno.test("createApp() serves a 3-hop onion across three gateways and the client reads the answer", async () => {
  const clock = new FakeClock();
  const [a, b, c, d] = await Promise.all([11, 12, 13, 14].map((n) => testNode(n)));
  const apps = network([a, b, c, d], clock);
  for (const encType of ["aes-gcm", "xchacha20"] as EncType[]) {
    const built = await buildOnionRequest({
      path: [a.node, b.node, c.node],
      destination: d.node,
      payload: bytes('{"method":"info","params":{}}'),
      encType,
      provider,
      rng: nextRng(),
    });
    const res = await apps.get(a.record.http)!.request("/onion_req/v2", {
      method: "POST",
      body: built.body as Uint8Array<ArrayBuffer>,
    }, { remoteAddr: { hostname: "198.51.100.1" } });
    assert.equal(res.status, 200);
    const answer = await decryptOnionReply(built.reply, await res.text(), { provider });
    assert.equal(answer.status, 200);
    assert.match(text(answer.body), /^\{"hf":\[19,3\],"t":\d+,"timestamp":\d+,"version":\[2,8,0\]\}$/);
  }
  // An unknown method at the destination comes back encrypted, through every hop unchanged.
  const built = await buildOnionRequest({
    path: [a.node, b.node],
    destination: d.node,
    payload: bytes('{"method":"retrieve","params":{}}'),
    provider,
    rng: nextRng(),
  });
  const res = await apps.get(a.record.http)!.request("/onion_req/v2", {
    method: "POST",
    body: built.body as Uint8Array<ArrayBuffer>,
  });
  const answer = await decryptOnionReply(built.reply, await res.text(), { provider });
  assert.deepEqual([answer.status, text(answer.body)], [400, "no method retrieve"]);
});

Deno.test("createApp() passes a failure deep in the path back as the plain answer of the failing hop", async () => {
  const clock = new FakeClock();
  const [a, b, c] = await Promise.all([21, 22, 23].map((n) => testNode(n)));
  const missing = await testNode(24); // in nobody's directory
  const apps = network([a, b, c], clock);
  const built = await buildOnionRequest({
    path: [a.node, b.node, c.node],
    destination: missing.node,
    payload: bytes('{"method":"info","params":{}}'),
    provider,
    rng: nextRng(),
  });
  const res = await apps.get(a.record.http)!.request("/onion_req/v2", {
    method: "POST",
    body: built.body as Uint8Array<ArrayBuffer>,
  });
  await assertPlain(res, 502, `Next node not found: ${missing.ed25519}`);
});
