import assert from "node:assert/strict";
import { assertPlain, FakeClock, makeGateway, relayBody } from "../_testing/fixtures.ts";
import { RATE_LIMITED } from "../responses.ts";
import { clientKey, RateLimiter, SWEEP_MIN_INTERVAL_MS, UNKNOWN_CLIENT_KEY } from "./rate_limit.ts";

Deno.test("clientKey() keys IPv4 by address and IPv6 by /64", () => {
  const rows: [string | undefined, string][] = [
    ["192.0.2.1", "4:192.0.2.1"],
    ["::ffff:192.0.2.1", "4:192.0.2.1"],
    ["[::ffff:c000:201]", "4:192.0.2.1"],
    ["2001:db8:1:2:3:4:5:6", "6:20010db800010002"],
    ["2001:db8:1:2::", "6:20010db800010002"],
    ["2001:DB8:1:2:ffff::1", "6:20010db800010002"],
    ["2001:db8:1:3::1", "6:20010db800010003"],
    ["fe80::1%eth0", "6:fe80000000000000"],
    ["::1", "6:0000000000000000"],
    [undefined, UNKNOWN_CLIENT_KEY],
    ["", UNKNOWN_CLIENT_KEY],
    ["not an address", UNKNOWN_CLIENT_KEY],
    ["127.1", UNKNOWN_CLIENT_KEY],
    ["1.2.3.4:80", UNKNOWN_CLIENT_KEY],
  ];
  for (const [address, key] of rows) assert.equal(clientKey(address), key, String(address));
});

Deno.test("RateLimiter.take() allows a burst, then refills at the configured rate", () => {
  const clock = new FakeClock(0);
  const limiter = new RateLimiter({ burst: 600, perSecond: 300, maxClients: 10, clock });
  for (let i = 0; i < 600; i++) assert.equal(limiter.take("a"), "allowed", `request ${i}`);
  assert.equal(limiter.take("a"), "limited");
  clock.advance(1000 / 300); // one token
  assert.equal(limiter.take("a"), "allowed");
  assert.equal(limiter.take("a"), "limited");
  clock.advance(1000); // 300 tokens
  let allowed = 0;
  while (limiter.take("a") === "allowed") allowed++;
  assert.equal(allowed, 300);
  assert.equal(limiter.take("b"), "allowed", "other clients are unaffected");
});

Deno.test("RateLimiter.take() never lets a bucket exceed its burst, nor go back in time", () => {
  const clock = new FakeClock(0);
  const limiter = new RateLimiter({ burst: 3, perSecond: 1, maxClients: 10, clock });
  limiter.take("a");
  clock.advance(3_600_000); // an hour idle: still only 3
  const seq = [1, 2, 3, 4].map(() => limiter.take("a"));
  assert.deepEqual(seq, ["allowed", "allowed", "allowed", "limited"]);
  clock.t -= 10_000; // a clock step backwards refills nothing
  assert.equal(limiter.take("a"), "limited");
});

Deno.test("RateLimiter.take() refuses unknown clients when the table is full, known ones unaffected", () => {
  const clock = new FakeClock(0);
  const limiter = new RateLimiter({ burst: 10, perSecond: 5, maxClients: 3, clock });
  for (const k of ["a", "b", "c"]) assert.equal(limiter.take(k), "allowed");
  assert.equal(limiter.take("d"), "table_full");
  assert.equal(limiter.take("a"), "allowed");
  assert.equal(limiter.size, 3);
  // Once buckets have refilled completely they hold nothing and are dropped: room again.
  clock.advance(2000);
  assert.equal(limiter.take("d"), "allowed");
  assert.ok(limiter.size <= 3);
});

Deno.test("RateLimiter.sweep() drops refilled buckets, at most every SWEEP_MIN_INTERVAL_MS", () => {
  const clock = new FakeClock(0);
  const limiter = new RateLimiter({ burst: 2, perSecond: 1, maxClients: 100, clock });
  for (let i = 0; i < 50; i++) limiter.take(`c${i}`);
  assert.equal(limiter.size, 50);
  assert.equal(limiter.sweep(), 0, "nothing refilled yet");
  clock.advance(1000);
  assert.equal(limiter.sweep(), 50);
  assert.equal(limiter.size, 0);
  limiter.take("x");
  clock.advance(1000);
  limiter.take("y"); // take() sweeps: x is gone
  assert.equal(limiter.size, 1);
  clock.advance(1000);
  assert.equal(limiter.sweep(), 1);
  limiter.take("z");
  clock.advance(SWEEP_MIN_INTERVAL_MS - 1);
  assert.equal(limiter.sweep(), 0);
});

Deno.test("RateLimiter() refuses non-positive limits", () => {
  for (const bad of [{ burst: 0 }, { perSecond: -1 }, { maxClients: 1.5 }]) {
    assert.throws(
      () => new RateLimiter({ burst: 1, perSecond: 1, maxClients: 1, clock: new FakeClock(), ...bad }),
      RangeError,
    );
  }
});

Deno.test("rateLimit() answers 429 when a client's bucket is empty (default burst from the config)", async () => {
  const gw = makeGateway();
  const burst = gw.deps.config.rateLimitBurst;
  for (let i = 0; i < burst; i++) {
    const res = await gw.request("/health");
    assert.equal(res.status, 200, `request ${i}`);
    await res.body?.cancel();
  }
  await assertPlain(await gw.request("/health"), 429, RATE_LIMITED);
  await assertPlain(await gw.post(await relayBody()), 429, RATE_LIMITED, "the onion endpoint too");
  const other = await gw.request("/health", {}, "203.0.113.9");
  assert.equal(other.status, 200, "another client is unaffected");
  await other.body?.cancel();
  gw.clock.advance(1000 / gw.deps.config.rateLimitPerSecond);
  assert.equal((await gw.request("/health")).status, 200, "refilled");
  assert.equal(gw.forwarder.calls.length, 0);
});

Deno.test("rateLimit() shares one bucket across an IPv6 /64 and across requests with no address", async () => {
  const gw = makeGateway({ config: { rateLimitBurst: 2 } });
  assert.equal((await gw.request("/health", {}, "2001:db8::1")).status, 200);
  assert.equal((await gw.request("/health", {}, "2001:db8::ffff:2")).status, 200);
  assert.equal((await gw.request("/health", {}, "2001:db8:0:0:1::3")).status, 429);
  assert.equal((await gw.request("/health", {}, "2001:db8:0:1::1")).status, 200, "next /64");
  const anonymous = () => gw.app.request("/health");
  assert.equal((await anonymous()).status, 200);
  assert.equal((await anonymous()).status, 200);
  assert.equal((await anonymous()).status, 429, "unknown peers share one bucket (fail closed)");
});

Deno.test("rateLimit() refuses unknown clients with 429 once the client table is full", async () => {
  const gw = makeGateway({ config: { rateLimitMaxClients: 20 } });
  const max = gw.deps.config.rateLimitMaxClients;
  for (let i = 0; i < max; i++) assert.equal((await gw.request("/health", {}, `192.0.2.${i}`)).status, 200);
  await assertPlain(await gw.request("/health", {}, "192.0.2.200"), 429, RATE_LIMITED);
  assert.equal((await gw.request("/health", {}, "192.0.2.0")).status, 200, "known clients unaffected");
  const burst = gw.deps.config.rateLimitBurst, rate = gw.deps.config.rateLimitPerSecond;
  gw.clock.advance((1000 * burst) / rate);
  assert.equal((await gw.request("/health", {}, "192.0.2.200")).status, 200, "room once buckets refilled");
});

Deno.test("rateLimit() refuses before the body is read", async () => {
  const gw = makeGateway({ config: { rateLimitBurst: 1 } });
  await (await gw.request("/health")).body?.cancel();
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      pulled++;
      c.enqueue(new Uint8Array(1024));
    },
  }, { highWaterMark: 0 });
  await assertPlain(await gw.post(stream), 429, RATE_LIMITED);
  assert.equal(pulled, 0);
});
