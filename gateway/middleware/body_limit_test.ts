import assert from "node:assert/strict";
import { Hono } from "hono";
import { FakeTimers } from "../_testing/fake_timers.ts";
import { assertPlain, makeGateway, relayBody } from "../_testing/fixtures.ts";
import { DEFAULT_CONFIG } from "../config.ts";
import type { GatewayEnv } from "../context.ts";
import { memoryLogger } from "../logger.ts";
import {
  BODY_TOO_LARGE,
  INVALID_CONTENT_LENGTH,
  PARSE_ERROR_PREFIX,
  REQUEST_TIMED_OUT,
  SERVER_BUSY,
  UNSUPPORTED_ENCODING,
} from "../responses.ts";
import { bodyLimit, BufferBudget, checkContentLength } from "./body_limit.ts";
import { errorHandler, HttpError, type MiddlewareErrorHook } from "./error_handler.ts";

/** A stream producing `total` bytes in `chunk`-byte pieces on demand, counting what was pulled. */
function countingStream(total: number, chunk: number): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      const n = Math.min(chunk, total - sent);
      sent += n;
      controller.enqueue(new Uint8Array(n));
    },
  }, { highWaterMark: 0 });
  return { stream, pulled: () => sent };
}

Deno.test("checkContentLength() accepts one decimal value up to maxBody and refuses everything else", () => {
  const ok: [string | null, number | undefined][] = [[null, undefined], ["0", 0], ["100", 100], ["0100", 100]];
  for (const [v, want] of ok) assert.equal(checkContentLength(v, 100), want, String(v));
  const bad: [string, number][] = [
    ["abc", 400],
    ["-1", 400],
    ["+5", 400],
    ["1e3", 400],
    ["0x10", 400],
    [" 12", 400],
    ["12 ", 400],
    ["", 400],
    ["12, 12", 400],
    ["1.0", 400],
    ["101", 413],
    ["99999999999999999999999", 413],
  ];
  for (const [v, status] of bad) {
    assert.throws(() => checkContentLength(v, 100), (e) => e instanceof HttpError && e.status === status, v);
  }
});

Deno.test("bodyLimit() refuses an over-cap body with Content-Length before reading it (413)", async () => {
  const gw = makeGateway();
  const max = gw.deps.config.maxBody;
  const { stream, pulled } = countingStream(max + 1, 64 * 1024);
  await assertPlain(await gw.post(stream, { headers: { "content-length": String(max + 1) } }), 413, BODY_TOO_LARGE);
  assert.equal(pulled(), 0, "nothing read");
});

Deno.test("bodyLimit() refuses a real over-cap body with a matching Content-Length (413)", async () => {
  const gw = makeGateway();
  const body = new Uint8Array(gw.deps.config.maxBody + 1);
  await assertPlain(await gw.post(body), 413, BODY_TOO_LARGE);
});

Deno.test("bodyLimit() stops reading a chunked over-cap body at maxBody (413, no Content-Length)", async () => {
  const gw = makeGateway();
  const max = gw.deps.config.maxBody;
  const chunk = 64 * 1024;
  const { stream, pulled } = countingStream(4 * max, chunk);
  await assertPlain(await gw.post(stream), 413, BODY_TOO_LARGE);
  assert.ok(pulled() <= max + 2 * chunk, `read ${pulled()} bytes of a ${4 * max}-byte body`);
  assert.equal(gw.deps.config.maxBody, max);
});

Deno.test("bodyLimit() accepts a body of exactly maxBody (it then fails the onion checks, not the size check)", async () => {
  const gw = makeGateway({ config: { maxBody: 4096, maxBufferedBytes: 8192 } });
  // 4096 zero bytes: N = 0, then 4092 NUL bytes as the "trailer".
  await assertPlain(await gw.post(new Uint8Array(4096)), 400, PARSE_ERROR_PREFIX + "trailer");
});

Deno.test("bodyLimit() refuses lying, duplicate and non-decimal Content-Length with 400 invalid Content-Length", async () => {
  const gw = makeGateway();
  const body = await relayBody();
  const rows: [string, HeadersInit][] = [
    ["shorter than declared", { "content-length": String(body.length + 10) }],
    ["longer than declared", { "content-length": String(body.length - 10) }],
    ["duplicate", [["content-length", String(body.length)], ["content-length", String(body.length)]]],
    ["non-decimal", { "content-length": "abc" }],
    ["hex", { "content-length": "0x10" }],
    ["negative", { "content-length": "-1" }],
    ["signed", { "content-length": `+${body.length}` }],
  ];
  for (const [name, headers] of rows) {
    await assertPlain(await gw.post(body, { headers }), 400, INVALID_CONTENT_LENGTH, name);
  }
  assert.equal(gw.forwarder.calls.length, 0);
  // The same body with a truthful Content-Length goes through.
  const ok = await gw.post(body, { headers: { "content-length": String(body.length) } });
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
});

Deno.test("bodyLimit() refuses any Content-Encoding but identity with 415", async () => {
  const gw = makeGateway();
  const body = await relayBody();
  for (const enc of ["gzip", "deflate", "br", "x-gzip", "gzip, identity", "identity, gzip", "zstd"]) {
    await assertPlain(await gw.post(body, { headers: { "content-encoding": enc } }), 415, UNSUPPORTED_ENCODING, enc);
  }
  // A gzip body without the header is just bytes: it fails framing, not decompression.
  const gzip = new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4]);
  const res = await gw.post(gzip);
  assert.equal(res.status, 400);
  await res.body?.cancel();
  const ok = await gw.post(body, { headers: { "content-encoding": "identity" } });
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
});

Deno.test("bodyLimit() answers 503 when the shared buffer budget is exhausted, and releases it afterwards", async () => {
  const budget = new BufferBudget(100);
  const app = new Hono<GatewayEnv>();
  app.use(bodyLimit({ maxBody: 80, budget }));
  app.post("/", async (c) => c.text(String((await c.var.body()).length)));
  app.onError(errorHandler({ logger: memoryLogger() }));
  assert.ok(budget.tryReserve(50)); // another request holds half
  await assertPlain(await app.request("/", { method: "POST", body: new Uint8Array(60) }), 503, SERVER_BUSY);
  assert.equal(budget.used, 50, "a refused read gives back what it reserved");
  budget.release(50);
  await assertPlain(await app.request("/", { method: "POST", body: new Uint8Array(60) }), 200, "60");
  assert.equal(budget.used, 0, "released when the request ends");
});

Deno.test("bodyLimit() calls its onError hook for header refusals", async () => {
  const app = new Hono<GatewayEnv>();
  app.use(bodyLimit({ maxBody: 10, onError: (e, c) => c.text(`hooked ${(e as HttpError).status}`, 400) }));
  app.post("/", (c) => c.text("ok"));
  const res = await app.request("/", { method: "POST", body: "x", headers: { "content-encoding": "gzip" } });
  await assertPlain(res, 400, "hooked 415");
});

Deno.test("bodyLimit() gives an empty body for body-less requests", async () => {
  const app = new Hono<GatewayEnv>();
  app.use(bodyLimit({ maxBody: 10 }));
  app.get("/", async (c) => c.text(String((await c.var.body()).length)));
  await assertPlain(await app.request("/"), 200, "0");
});

Deno.test("bodyLimit() answers a body stream that fails mid-way with 400, not 500", async () => {
  const gw = makeGateway();
  let n = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (n++ < 2) c.enqueue(new Uint8Array(100));
      else c.error(new Error("connection reset"));
    },
  });
  await assertPlain(await gw.post(stream), 400, INVALID_CONTENT_LENGTH);
  assert.ok(!gw.logger.lines.some((l) => l.includes("unexpected_error")));
});

// --- Time limits (hardening.md §5), driven by fake timers -------------------------------------

const TIMING = {
  deadlineMs: DEFAULT_CONFIG.requestDeadlineMs,
  graceMs: DEFAULT_CONFIG.bodyGraceMs,
  minBytesPerSecond: DEFAULT_CONFIG.bodyMinBytesPerSecond,
};

/** Let streams and promises move (a few real macrotasks). */
async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** A body stream the test feeds by hand; says whether the reader cancelled it. */
function handFedStream(): {
  stream: ReadableStream<Uint8Array>;
  push: (n: number) => void;
  close: () => void;
  cancelled: () => boolean;
} {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    start: (c) => void (controller = c),
    cancel: () => void (cancelled = true),
  });
  return {
    stream,
    push: (n) => controller.enqueue(new Uint8Array(n)),
    close: () => controller.close(),
    cancelled: () => cancelled,
  };
}

/** An app with the time limits on fake timers: `POST /` answers the body length, `POST /held` waits for `release`. */
function timedApp(timers: FakeTimers, onError?: MiddlewareErrorHook) {
  const budget = new BufferBudget(4 * 1024 * 1024);
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const app = new Hono<GatewayEnv>();
  app.use(bodyLimit({ maxBody: 1024 * 1024, budget, timing: { ...TIMING, timers }, onError }));
  app.post("/", async (c) => c.text(String((await c.var.body()).length)));
  app.post("/held", async (c) => {
    const body = await c.var.body();
    await held;
    return c.text(String(body.length));
  });
  app.onError(errorHandler({ logger: memoryLogger() }));
  const post = (path: string, body: BodyInit) => Promise.resolve(app.request(path, { method: "POST", body }));
  return { app, budget, post, release };
}

Deno.test("bodyLimit() cuts a body below the minimum rate after the grace period: 408, read cancelled, budget released", async () => {
  const timers = new FakeTimers();
  const { budget, post } = timedApp(timers);
  const feed = handFedStream();
  const answer = post("/", feed.stream);
  feed.push(100);
  await flush();
  assert.equal(budget.used, 100, "bytes reserved while reading");
  timers.advance(TIMING.graceMs - 1);
  await flush();
  feed.push(100);
  await flush();
  timers.advance(1); // 200 bytes in 5 s: below 1 KiB/s
  await assertPlain(await answer, 408, REQUEST_TIMED_OUT);
  assert.ok(feed.cancelled(), "the read was cancelled");
  assert.equal(budget.used, 0, "the budget was given back");
  assert.equal(timers.pending, 0, "no timer left");
});

Deno.test("bodyLimit() cuts a body still arriving at the request deadline with 408, even above the minimum rate", async () => {
  const timers = new FakeTimers();
  const { budget, post } = timedApp(timers);
  const feed = handFedStream();
  const answer = post("/", feed.stream);
  const steps = TIMING.deadlineMs / 1000;
  for (let i = 0; i < steps; i++) {
    feed.push(4 * TIMING.minBytesPerSecond); // 4 KiB/s
    await flush();
    timers.advance(1000);
  }
  await assertPlain(await answer, 408, REQUEST_TIMED_OUT);
  assert.ok(feed.cancelled());
  assert.equal(budget.used, 0);
  assert.equal(timers.pending, 0);
});

Deno.test("bodyLimit() answers 504 when the body was read but the answer is not ready at the deadline", async () => {
  const timers = new FakeTimers();
  const { budget, post, release } = timedApp(timers);
  const answer = post("/held", new Uint8Array(500));
  await flush();
  assert.equal(budget.used, 500);
  timers.advance(TIMING.deadlineMs);
  await assertPlain(await answer, 504, REQUEST_TIMED_OUT);
  assert.equal(budget.used, 500, "the handler still holds the body");
  release();
  await flush();
  assert.equal(budget.used, 0, "given back when the handler ends");
  assert.equal(timers.pending, 0);
});

Deno.test("bodyLimit() leaves a timely body alone and stops its timers", async () => {
  const timers = new FakeTimers();
  const { budget, post } = timedApp(timers);
  const feed = handFedStream();
  const answer = post("/", feed.stream);
  for (let i = 0; i < 10; i++) {
    feed.push(TIMING.minBytesPerSecond);
    await flush();
    timers.advance(900); // a little above 1 KiB/s for 9 s
  }
  assert.equal(timers.pending, 2, "deadline and rate check run while the body is open");
  feed.close();
  await assertPlain(await answer, 200, String(10 * TIMING.minBytesPerSecond));
  assert.equal(budget.used, 0);
  assert.equal(timers.pending, 0);
});

Deno.test("bodyLimit() passes its 504 at the deadline to its onError hook; a cut read throws 408 to the funnel", async () => {
  const timers = new FakeTimers();
  const { post, release } = timedApp(timers, (e, c) => c.text(`hooked ${(e as HttpError).status}`, 400));
  const held = post("/held", new Uint8Array(10));
  await flush();
  const feed = handFedStream();
  const slow = post("/", feed.stream);
  await flush();
  timers.advance(TIMING.graceMs);
  await assertPlain(await slow, 408, REQUEST_TIMED_OUT);
  timers.advance(TIMING.deadlineMs);
  await assertPlain(await held, 400, "hooked 504");
  release();
  await flush();
  assert.equal(timers.pending, 0);
});
