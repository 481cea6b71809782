import assert from "node:assert/strict";
import { Hono } from "hono";
import { assertPlain, CLIENT_ADDRESS, makeGateway, provider } from "../_testing/fixtures.ts";
import type { GatewayEnv } from "../context.ts";
import { memoryLogger } from "../logger.ts";
import { RATE_LIMITED } from "../responses.ts";
import { ClientConcurrency, clientConcurrency } from "./client_concurrency.ts";
import { errorHandler } from "./error_handler.ts";

/** Longest wait for the held requests to finish once released. */
const RELEASE_TIMEOUT_MS = 5_000;

Deno.test("ClientConcurrency caps requests in flight per key and forgets idle keys (table)", () => {
  type Op = ["acquire", string, boolean] | ["release", string];
  const rows: [string, number, Op[], Record<string, number>][] = [
    ["up to the cap, then refused", 2, [["acquire", "a", true], ["acquire", "a", true], ["acquire", "a", false]], {
      a: 2,
    }],
    ["keys are independent", 1, [["acquire", "a", true], ["acquire", "b", true], ["acquire", "a", false]], {
      a: 1,
      b: 1,
    }],
    ["a release frees a slot", 1, [["acquire", "a", true], ["release", "a"], ["acquire", "a", true]], { a: 1 }],
    ["a refused acquire takes nothing", 1, [["acquire", "a", true], ["acquire", "a", false], ["release", "a"]], {
      a: 0,
    }],
    ["releasing an unknown key is harmless", 1, [["release", "x"], ["acquire", "x", true]], { x: 1 }],
  ];
  for (const [name, max, ops, want] of rows) {
    const table = new ClientConcurrency({ maxPerClient: max });
    for (const op of ops) {
      if (op[0] === "acquire") assert.equal(table.tryAcquire(op[1]), op[2], `${name}: acquire ${op[1]}`);
      else table.release(op[1]);
    }
    let total = 0;
    for (const [key, n] of Object.entries(want)) {
      assert.equal(table.inFlight(key), n, `${name}: ${key}`);
      total += n;
    }
    assert.equal(table.total, total, `${name}: total`);
    assert.equal(table.clients, Object.values(want).filter((n) => n > 0).length, `${name}: clients`);
  }
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => new ClientConcurrency({ maxPerClient: bad }), RangeError, String(bad));
  }
});

/** An app whose `GET /` waits until the test releases it; `GET /boom` throws. */
function heldApp(maxPerClient: number) {
  const table = new ClientConcurrency({ maxPerClient });
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const app = new Hono<GatewayEnv>();
  app.use(clientConcurrency({ table, provider, hashKey: new Uint8Array(32).fill(7) }));
  app.get("/", async (c) => (await gate, c.text("ok")));
  app.get("/boom", () => {
    throw new Error("boom");
  });
  app.onError(errorHandler({ logger: memoryLogger() }));
  const get = (path: string, address: string) =>
    Promise.resolve(app.request(path, {}, { remoteAddr: { hostname: address } }));
  return { table, get, release };
}

Deno.test("clientConcurrency() refuses a client's request over the cap at once, per IPv4 address and IPv6 /64", async () => {
  const { table, get, release } = heldApp(2);
  const held = [get("/", "192.0.2.1"), get("/", "192.0.2.1"), get("/", "2001:db8:1:2::1"), get("/", "2001:db8:1:2::2")];
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(table.total, 4);
  await assertPlain(await get("/", "192.0.2.1"), 429, RATE_LIMITED, "third from one IPv4 address");
  await assertPlain(await get("/", "::ffff:192.0.2.1"), 429, RATE_LIMITED, "the same address, IPv4-mapped");
  await assertPlain(await get("/", "2001:db8:1:2:ffff::9"), 429, RATE_LIMITED, "third from one /64");
  const other = [get("/", "192.0.2.2"), get("/", "2001:db8:1:3::1")]; // other address, other /64
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(table.total, 6, "other clients are unaffected");
  release();
  for (const res of [...held, ...other]) await assertPlain(await res, 200, "ok");
  assert.equal(table.total, 0);
  assert.equal(table.clients, 0);
});

Deno.test("clientConcurrency() gives the slot back when the request fails", async () => {
  const { table, get } = heldApp(1);
  for (let i = 0; i < 3; i++) {
    const res = await get("/boom", "192.0.2.1");
    assert.equal(res.status, 500);
    await res.body?.cancel();
  }
  assert.equal(table.total, 0);
});

Deno.test("createApp refuses the 101st concurrent slow request from one address with 429, others unaffected", async () => {
  const gw = makeGateway();
  const max = gw.deps.config.maxConnectionsPerClient;
  // Bodies that send nothing until released: each request holds its slot while its body is read.
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const stalled = () =>
    new ReadableStream<Uint8Array>({
      async pull(controller) {
        await gate;
        controller.close();
      },
    });
  const held = Array.from({ length: max }, () => gw.post(stalled()));
  try {
    await new Promise((resolve) => setTimeout(resolve, 50));
    await assertPlain(await gw.post(new Uint8Array(10)), 429, RATE_LIMITED, `request ${max + 1}`);
    const health = await gw.request("/health", {}, "198.51.100.8");
    await assertPlain(health, 200, "ok", "another client");
    const metrics = await (await gw.request("/metrics", {}, "127.0.0.1")).text();
    assert.match(metrics, /^allium_clients_in_flight 2$/m, "the held client and the metrics reader");
  } finally {
    release();
    const timeout = AbortSignal.timeout(RELEASE_TIMEOUT_MS);
    const all = Promise.all(held.map(async (p) => await (await p).body?.cancel()));
    await Promise.race([
      all,
      new Promise((_, reject) => timeout.addEventListener("abort", () => reject(timeout.reason))),
    ]);
  }
  // Every slot is back: the client gets through again.
  const after = await gw.post(new Uint8Array(10), {}, CLIENT_ADDRESS);
  assert.equal(after.status, 400, "an empty-ish body fails framing, not the concurrency check");
  await after.body?.cancel();
});
