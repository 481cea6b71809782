/**
 * Tests of the ZeroMQ link with real Node children on 127.0.0.1: round trips both ways, timeouts,
 * unreachable peers, ZAP refusals, a wrong server key, OxenMQ error replies, child crashes with
 * recovery, caps and close(). Every link is closed in `finally`; the file takes a few seconds.
 */

import assert from "node:assert/strict";
import { nobleProvider, toHex } from "../../mod.ts";
import { freePort } from "../_testing/processes.ts";
import { memoryLogger } from "../logger.ts";
import { ZmqLink, ZmqLinkError, type ZmqLinkOptions } from "./zmq_link.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

interface Keys {
  secret: Uint8Array;
  public: Uint8Array;
  hex: string;
}

async function keys(n: number): Promise<Keys> {
  const secret = new Uint8Array(32).fill(n);
  const pub = await nobleProvider.x25519PublicKey(secret);
  return { secret, public: pub, hex: toHex(pub) };
}

const A = await keys(11), B = await keys(12), C = await keys(13);

/** Start a link for `me` allowing `allowed`; registered in `links` for cleanup. */
async function start(
  links: ZmqLink[],
  me: Keys,
  allowed: Keys[],
  options: Partial<ZmqLinkOptions> = {},
): Promise<ZmqLink> {
  const link = await ZmqLink.start({
    bind: "tcp://127.0.0.1:0",
    x25519Secret: me.secret,
    x25519Public: me.public,
    allowedPeers: allowed.map((k) => k.public),
    timeoutMs: 5_000,
    ...options,
  });
  links.push(link);
  return link;
}

async function closeAll(links: ZmqLink[]): Promise<void> {
  await Promise.all(links.map((l) => l.close()));
}

/** The failure of a request that must fail, and how long it took. */
async function failure(p: Promise<unknown>): Promise<{ error: ZmqLinkError; ms: number }> {
  const t0 = performance.now();
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ZmqLinkError, `expected ZmqLinkError, got ${err}`);
    return { error: err, ms: performance.now() - t0 };
  }
  throw new Error("request succeeded");
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function processAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

function peer(link: ZmqLink, k: Keys) {
  return { zmq: link.endpoint, x25519: k.hex };
}

Deno.test("ZmqLink round-trips requests both ways and tells the handler the sender's key", async () => {
  const links: ZmqLink[] = [];
  try {
    const a = await start(links, A, [B]);
    const b = await start(links, B, [A]);
    assert.match(a.endpoint, /^tcp:\/\/127\.0\.0\.1:[0-9]+$/);
    const seen: string[] = [];
    b.onRequest((command, parts, from) => {
      seen.push(`${command} ${from}`);
      return Promise.resolve([utf8("200"), ...parts.map((p) => p.slice().reverse())]);
    });
    a.onRequest((command) => Promise.resolve([utf8(`a answers ${command}`)]));

    const reply = await a.request(peer(b, B), "sn.onion_request", [utf8("abc"), new Uint8Array(0), utf8("xy")]);
    assert.deepEqual(reply.map(text), ["200", "cba", "", "yx"]);
    assert.deepEqual(seen, [`sn.onion_request ${A.hex}`]);

    const big = crypto.getRandomValues(new Uint8Array(65536)).map((x, i) => x ^ i);
    const [, echoed] = await b.request(peer(a, A), "sn.data", [big]).then(async (r) => {
      assert.deepEqual(r.map(text), ["a answers sn.data"]);
      return await a.request(peer(b, B), "sn.data", [big]);
    });
    assert.deepEqual(echoed, big.slice().reverse());

    // Many at once share one connection and all come back.
    const many = await Promise.all(
      Array.from({ length: 500 }, (_, i) => a.request(peer(b, B), "sn.ping", [utf8(String(i))])),
    );
    assert.deepEqual(
      many.map((r) => text(r[1])),
      Array.from({ length: 500 }, (_, i) => [...String(i)].reverse().join("")),
    );
    assert.equal(a.pending, 0);
  } finally {
    await closeAll(links);
  }
});

Deno.test("ZmqLink.request() times out on a peer that never answers, and frees the slot", async () => {
  const links: ZmqLink[] = [];
  try {
    const a = await start(links, A, [B]);
    const b = await start(links, B, [A]);
    let calls = 0;
    b.onRequest(() => {
      calls++;
      return new Promise(() => {}); // never answers
    });
    const { error, ms } = await failure(a.request(peer(b, B), "sn.ping", [], { timeoutMs: 300 }));
    assert.equal(error.failure, "timeout");
    assert.ok(ms >= 290 && ms < 2_000, `timed out after ${ms.toFixed(0)} ms`);
    assert.equal(calls, 1, "the request did reach the peer");
    assert.equal(a.pending, 0);
  } finally {
    await closeAll(links);
  }
});

Deno.test("ZmqLink.request() fails fast with unreachable (connect) for a closed port", async () => {
  const links: ZmqLink[] = [];
  try {
    const a = await start(links, A, [B]);
    const { error, ms } = await failure(
      a.request({ zmq: `tcp://127.0.0.1:${freePort()}`, x25519: B.hex }, "sn.ping", []),
    );
    assert.deepEqual([error.failure, error.detail], ["unreachable", "connect"]);
    assert.ok(ms < 1_000, `failed after ${ms.toFixed(0)} ms`);
  } finally {
    await closeAll(links);
  }
});

Deno.test("ZAP refuses a peer whose key is not allow-listed: the client sees unreachable (auth) at once", async () => {
  const links: ZmqLink[] = [];
  const logger = memoryLogger();
  try {
    const a = await start(links, A, [B]);
    const b = await start(links, B, [C], { logger }); // A is not on B's list
    let calls = 0;
    b.onRequest(() => (calls++, Promise.resolve([utf8("no")])));
    // The ZAP handler answers 400 "Access denied"; libzmq reports a CURVE handshake failure
    // (ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, status 400) on the client's socket.
    const { error, ms } = await failure(a.request(peer(b, B), "sn.ping", []));
    assert.deepEqual([error.failure, error.detail], ["unreachable", "auth"]);
    assert.ok(ms < 1_000, `failed after ${ms.toFixed(0)} ms`);
    assert.equal(calls, 0, "the handler never ran");
    await waitFor("b to log the denial", () => logger.lines.some((l) => l.includes('"zmq_zap_denied"')));
    assert.ok(!logger.lines.some((l) => l.includes(A.hex)), "no key in the logs");

    // Once allow-listed, the same client gets through.
    b.setAllowedPeers([A.public]);
    assert.deepEqual((await a.request(peer(b, B), "sn.ping", [])).map(text), ["no"]);
  } finally {
    await closeAll(links);
  }
});

Deno.test("A wrong curveServerKey cannot talk: unreachable (handshake), the handler never runs", async () => {
  const links: ZmqLink[] = [];
  try {
    const a = await start(links, A, [B, C]);
    const b = await start(links, B, [A]);
    let calls = 0;
    b.onRequest(() => (calls++, Promise.resolve([])));
    // A believes B's address belongs to C: B cannot open A's CURVE HELLO (ERR_ZMTP_CRYPTOGRAPHIC).
    const { error, ms } = await failure(a.request({ zmq: b.endpoint, x25519: C.hex }, "sn.ping", []));
    assert.deepEqual([error.failure, error.detail], ["unreachable", "handshake"]);
    assert.ok(ms < 1_000, `failed after ${ms.toFixed(0)} ms`);
    assert.equal(calls, 0);
  } finally {
    await closeAll(links);
  }
});

Deno.test("ZmqLink answers OxenMQ errors: FORBIDDEN_SN once a connected peer leaves the allow-list", async () => {
  const links: ZmqLink[] = [];
  try {
    const a = await start(links, A, [B]);
    const b = await start(links, B, [A]);
    b.onRequest(() => Promise.resolve([utf8("ok")]));
    assert.deepEqual((await a.request(peer(b, B), "sn.ping", [])).map(text), ["ok"]);
    b.setAllowedPeers([]); // the open connection stays, but A is no longer a known node
    const { error } = await failure(a.request(peer(b, B), "sn.ping", []));
    assert.deepEqual([error.failure, error.detail], ["refused", "FORBIDDEN_SN"]);
  } finally {
    await closeAll(links);
  }
});

Deno.test("ZmqLink: a reply over 10 MiB (OxenMQ's MAX_MSG_SIZE) drops the connection: unreachable, not a partial reply", async () => {
  const links: ZmqLink[] = [];
  try {
    const a = await start(links, A, [B]);
    const b = await start(links, B, [A]);
    b.onRequest((_command, parts) =>
      Promise.resolve(parts.length === 0 ? [new Uint8Array(10 * 1024 * 1024 + 1)] : [utf8("small")])
    );
    const { error, ms } = await failure(a.request(peer(b, B), "sn.ping", []));
    assert.deepEqual([error.failure, error.detail], ["unreachable", "disconnect"]);
    assert.ok(ms < 2_000, `failed after ${ms.toFixed(0)} ms`);
    assert.deepEqual((await a.request(peer(b, B), "sn.ping", [utf8("x")])).map(text), ["small"], "reconnects");
  } finally {
    await closeAll(links);
  }
});

Deno.test("ZmqLink: a rejecting handler sends no reply (the sender times out, as with OxenMQ)", async () => {
  const links: ZmqLink[] = [];
  const logger = memoryLogger();
  try {
    const a = await start(links, A, [B]);
    const b = await start(links, B, [A], { logger });
    b.onRequest(() => Promise.reject(new TypeError("handler bug")));
    const { error } = await failure(a.request(peer(b, B), "sn.ping", [], { timeoutMs: 300 }));
    assert.equal(error.failure, "timeout");
    assert.ok(logger.lines.some((l) => l.includes('"zmq_handler_failed"') && l.includes("TypeError")));
    assert.ok(!logger.lines.some((l) => l.includes("handler bug")), "no exception text in the logs");
  } finally {
    await closeAll(links);
  }
});

Deno.test("ZmqLink bounds incoming work: beyond maxIncoming dropped; a handler past incomingTimeoutMs frees its slot", async () => {
  const links: ZmqLink[] = [];
  const logger = memoryLogger();
  try {
    const a = await start(links, A, [B]);
    const b = await start(links, B, [A], { maxIncoming: 1, incomingTimeoutMs: 800, logger });
    let stuck = true, calls = 0;
    b.onRequest(() => (calls++, stuck ? new Promise(() => {}) : Promise.resolve([utf8("free")])));
    const first = failure(a.request(peer(b, B), "sn.ping", [], { timeoutMs: 1_200 }));
    await waitFor("the first request to be handled", () => calls === 1);
    // The only slot is taken: the next request is dropped unanswered, as a full OxenMQ queue does.
    const second = await failure(a.request(peer(b, B), "sn.ping", [], { timeoutMs: 300 }));
    assert.equal(second.error.failure, "timeout");
    assert.equal(calls, 1);
    await waitFor("b to log the drop", () => logger.lines.some((l) => l.includes('"zmq_incoming_dropped"')));
    // The stuck handler is given up on: its request is dropped and the slot is free again.
    await waitFor("the handler to give up", () => logger.lines.some((l) => l.includes('"zmq_handler_timeout"')));
    stuck = false;
    assert.deepEqual((await a.request(peer(b, B), "sn.ping", [])).map(text), ["free"]);
    assert.equal((await first).error.failure, "timeout", "the dropped request never got an answer");
  } finally {
    await closeAll(links);
  }
});

Deno.test("ZmqLink: a killed child fails pending requests fast, restarts on the same endpoint and recovers", async () => {
  const links: ZmqLink[] = [];
  const logger = memoryLogger();
  try {
    const a = await start(links, A, [B], { logger });
    const b = await start(links, B, [A]);
    let silent = true;
    b.onRequest(() => silent ? new Promise(() => {}) : Promise.resolve([utf8("back")]));

    // The requester's own child dies: its pending request fails at once with link_down.
    const pendingA = a.request(peer(b, B), "sn.ping", [], { timeoutMs: 4_000 });
    await waitFor("the request to reach b", () => a.pending === 1);
    const pidA = a.pid!;
    Deno.kill(pidA, "SIGKILL");
    const lost = await failure(pendingA);
    assert.equal(lost.error.failure, "link_down");
    assert.ok(lost.ms < 1_000, `failed after ${lost.ms.toFixed(0)} ms`);
    await failure(a.request(peer(b, B), "sn.ping", [])).then(({ error }) => assert.equal(error.failure, "link_down"));
    await waitFor("a to restart", () => a.state === "running" && a.pid !== undefined && a.pid !== pidA);
    assert.ok(logger.lines.some((l) => l.includes('"zmq_child_exited"') && l.includes('"SIGKILL"')));
    assert.ok(logger.lines.some((l) => l.includes('"zmq_child_restarted"')));
    silent = false;
    assert.deepEqual((await a.request(peer(b, B), "sn.ping", [])).map(text), ["back"]);

    // The answering node's child dies: the requester sees the disconnect at once.
    silent = true;
    const endpointB = b.endpoint, pidB = b.pid!;
    const pendingB = a.request(peer(b, B), "sn.ping", [], { timeoutMs: 4_000 });
    await new Promise((r) => setTimeout(r, 100));
    Deno.kill(pidB, "SIGKILL");
    const cut = await failure(pendingB);
    assert.deepEqual([cut.error.failure, cut.error.detail], ["unreachable", "disconnect"]);
    assert.ok(cut.ms < 1_000, `failed after ${cut.ms.toFixed(0)} ms`);
    await waitFor("b to restart", () => b.state === "running" && b.pid !== undefined && b.pid !== pidB);
    assert.equal(b.endpoint, endpointB, "restarted on the same endpoint");
    silent = false;
    assert.deepEqual((await a.request(peer(b, B), "sn.ping", [])).map(text), ["back"]);
  } finally {
    await closeAll(links);
  }
});

Deno.test("ZmqLink stays down after maxRestarts restarts within the window", async () => {
  const links: ZmqLink[] = [];
  const logger = memoryLogger();
  try {
    const a = await start(links, A, [B], { maxRestarts: 1, logger });
    const first = a.pid!;
    Deno.kill(first, "SIGKILL");
    await waitFor("a to restart", () => a.state === "running" && a.pid !== undefined && a.pid !== first);
    Deno.kill(a.pid!, "SIGKILL");
    await waitFor("a to give up", () => a.state === "down");
    const { error } = await failure(a.request({ zmq: "tcp://127.0.0.1:1", x25519: B.hex }, "sn.ping", []));
    assert.deepEqual([error.failure, error.detail], ["link_down", "down"]);
    assert.ok(logger.lines.some((l) => l.includes('"zmq_link_down"')));
  } finally {
    await closeAll(links);
  }
});

Deno.test("ZmqLink refuses beyond maxPending with overloaded, sending nothing", async () => {
  const links: ZmqLink[] = [];
  try {
    const a = await start(links, A, [B], { maxPending: 2 });
    const b = await start(links, B, [A]);
    let calls = 0;
    b.onRequest(() => (calls++, new Promise(() => {})));
    const first = [1, 2].map(() => a.request(peer(b, B), "sn.ping", [], { timeoutMs: 500 }));
    const third = await failure(a.request(peer(b, B), "sn.ping", []));
    assert.deepEqual([third.error.failure, third.error.detail], ["overloaded", "pending"]);
    for (const p of first) assert.equal((await failure(p)).error.failure, "timeout");
    assert.equal(calls, 2);
  } finally {
    await closeAll(links);
  }
});

Deno.test("ZmqLink.close() fails pending requests, leaves no process behind and is idempotent", async () => {
  const links: ZmqLink[] = [];
  try {
    const a = await start(links, A, [B]);
    const b = await start(links, B, [A]);
    b.onRequest(() => new Promise(() => {}));
    const pids = [a.pid!, b.pid!];
    const pending = failure(a.request(peer(b, B), "sn.ping", []));
    await waitFor("the request to be in flight", () => a.pending === 1);
    const t0 = performance.now();
    await Promise.all([a.close(), a.close(), b.close()]);
    const closeMs = performance.now() - t0;
    assert.ok(closeMs < 1_500, `close took ${closeMs.toFixed(0)} ms: the children exit on stdin EOF, not SIGKILL`);
    const { error } = await pending;
    assert.deepEqual([error.failure, error.detail], ["link_down", "closed"]);
    for (const pid of pids) assert.ok(!processAlive(pid), `process ${pid} still exists`);
    assert.equal(a.state, "closed");
    assert.equal(a.pid, undefined);
    await failure(a.request(peer(b, B), "sn.ping", [])).then(({ error }) => assert.equal(error.failure, "link_down"));
  } finally {
    await closeAll(links);
  }
});

Deno.test("ZmqLink.start() checks its options and reports a bind failure with the child's reason", async () => {
  const base = { x25519Secret: A.secret, x25519Public: A.public, allowedPeers: [] };
  await assert.rejects(ZmqLink.start({ ...base, bind: "http://127.0.0.1:1" }), RangeError);
  await assert.rejects(
    ZmqLink.start({ ...base, bind: "tcp://127.0.0.1:0", x25519Secret: new Uint8Array(31) }),
    RangeError,
  );
  await assert.rejects(
    ZmqLink.start({ ...base, bind: "tcp://127.0.0.1:0", allowedPeers: [new Uint8Array(3)] }),
    RangeError,
  );
  const links: ZmqLink[] = [];
  try {
    const a = await start(links, A, []);
    // The same port again: the second child cannot bind and says so.
    await assert.rejects(ZmqLink.start({ ...base, bind: a.endpoint }), /bind failed: EADDRINUSE/);
  } finally {
    await closeAll(links);
  }
});
