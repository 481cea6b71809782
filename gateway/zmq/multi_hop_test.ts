/**
 * Three nodes whose node-to-node hops travel over real ZeroMQ (CurveZMQ, OxenMQ framing, one Node
 * child per node), HTTP only to the entry: real onions built with `buildOnionRequest`, answered
 * by the exit's `info` and decrypted at the client; then the failures of onion-requests.md §5/§8
 * and hardening.md §3: a silent next hop (504 `Request time out`, relayed back unchanged), a
 * dead next hop (502 in < 1 s) and a dead hop further down (its predecessor's 502 passed through).
 * Everything on 127.0.0.1; every child and the HTTP server stopped in `finally`. About 2 s.
 */

import assert from "node:assert/strict";
import { buildOnionRequest, type CryptoProvider, decryptOnionReply, type OnionNode } from "../../mod.ts";
import { NEXT_HOP_FAILED, REQUEST_TIMED_OUT } from "../responses.ts";
import { startZmqNetwork, type ZmqTestNetwork } from "./_testing/zmq_network.ts";

const INFO = new TextEncoder().encode('{"method":"info","params":{}}');
/** Bound on one client request, ms. */
const REQUEST_TIMEOUT_MS = 10_000;
/** hardening.md §7: next hop refused → 502 in < 1 s. */
const DEAD_HOP_BOUND_MS = 1_000;
/** The middle node's node→node timeout: short, so the silent-hop case is quick. */
const MIDDLE_TIMEOUT_MS = 500;

/** POST an onion over `path` to `destination` to the entry's `/onion_req/v2`. */
async function post(url: string, provider: CryptoProvider, path: OnionNode[], destination: OnionNode) {
  const built = await buildOnionRequest({ path, destination, payload: INFO, provider });
  const started = performance.now();
  const res = await fetch(url, {
    method: "POST",
    body: built.body as Uint8Array<ArrayBuffer>,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, bytes, text: new TextDecoder().decode(bytes), ms: performance.now() - started, built };
}

Deno.test("three nodes relay real onions over ZeroMQ (HTTP only to the entry) and fail as specified", async (t) => {
  let network: ZmqTestNetwork | undefined;
  let server: Deno.HttpServer | undefined;
  try {
    network = await startZmqNetwork(["a", "b", "c"], { forwardTimeoutMs: { a: 5_000, b: MIDDLE_TIMEOUT_MS } });
    const { provider } = network;
    const [a, b, c] = network.nodes;
    server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, a.app.fetch);
    const url = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}/onion_req/v2`;

    await t.step("3 hops: a (HTTP) → b → c over ZeroMQ; c answers info, decrypted at the client", async () => {
      const res = await post(url, provider, [a.onion, b.onion], c.onion);
      assert.equal(res.status, 200, res.text.slice(0, 120));
      const answer = await decryptOnionReply(res.built.reply, res.bytes, { provider });
      assert.equal(answer.status, 200);
      assert.deepEqual(JSON.parse(new TextDecoder().decode(answer.body)).version, [9, 1, 2], "c answered");
    });

    await t.step("4 layers: a → b → c → b, b answering as destination (a node twice on the path)", async () => {
      const res = await post(url, provider, [a.onion, b.onion, c.onion], b.onion);
      assert.equal(res.status, 200, res.text.slice(0, 120));
      const answer = await decryptOnionReply(res.built.reply, res.bytes, { provider });
      assert.deepEqual(JSON.parse(new TextDecoder().decode(answer.body)).version, [9, 1, 1], "b answered");
    });

    await t.step("a silent hop: b times out on c → 504 Request time out, passed back through a", async () => {
      c.silent = true;
      try {
        const res = await post(url, provider, [a.onion, b.onion], c.onion);
        assert.deepEqual([res.status, res.text], [504, REQUEST_TIMED_OUT]);
        assert.ok(res.ms >= MIDDLE_TIMEOUT_MS - 50 && res.ms < 3_000, `answered after ${res.ms.toFixed(0)} ms`);
        assert.equal(b.link.pending, 0, "b's link slot released");
        assert.equal(b.deps.forwarder.inFlight, 0, "b's forward slot released");
      } finally {
        c.silent = false;
      }
    });

    await t.step("the hop after next killed: b cannot reach c → b's 502 passed back through a", async () => {
      await c.link.close();
      const res = await post(url, provider, [a.onion, b.onion], c.onion);
      assert.deepEqual([res.status, res.text], [502, NEXT_HOP_FAILED]);
      assert.ok(res.ms < DEAD_HOP_BOUND_MS, `answered after ${res.ms.toFixed(0)} ms`);
    });

    await t.step("the next hop killed: a cannot reach b → 502 in < 1 s; a is unharmed", async () => {
      await b.link.close();
      const res = await post(url, provider, [a.onion, b.onion], c.onion);
      assert.deepEqual([res.status, res.text], [502, NEXT_HOP_FAILED]);
      assert.ok(res.ms < DEAD_HOP_BOUND_MS, `answered after ${res.ms.toFixed(0)} ms`);
      const health = await fetch(url.replace("/onion_req/v2", "/health"), {
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      assert.deepEqual([health.status, await health.text()], [200, "ok"]);
      assert.equal(a.link.state, "running");
    });
  } finally {
    await server?.shutdown();
    await network?.close();
  }
});
