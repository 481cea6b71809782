/**
 * Integration test of a real three-node network on 127.0.0.1 (style.md rule 11; hardening.md §3,
 * §7 "Fault injection"): three gateway processes (`deno run -A gateway/main.ts`), each with its
 * own key file and the same directory file, carry real onions built with `buildOnionRequest` and
 * answer with replies the client decrypts.
 *
 * - 3 hops: guard A → middle B → exit C = final destination (`info`), and back;
 * - 4 layers: A → B → C → B, where B answers as the final destination (a node can appear twice);
 * - an unknown next node → 502 `Next node not found: <hex>` from the guard;
 * - a byte-identical replay → 400 `Invalid ciphertext`;
 * - relay to an external server: a 3-hop onion whose exit relays to the example lsrpc app
 *   (gateway/examples/serve_echo.ts, its own process) and a v4 answer decrypted at the client;
 * - the next process killed → 502 from the guard in < 1 s.
 *
 * Each node reports a distinct `version` in `info`, so the test knows which node answered. Every
 * request has a time bound; every process is stopped in `finally` (SIGTERM, then SIGKILL after a
 * bound). Typical run: ~3 s.
 */

import assert from "node:assert/strict";
import { buildOnionRequest, decryptOnionReply, defaultProvider, encodeV4Request, type OnionNode } from "../mod.ts";
import {
  directoryText,
  type GatewayProcess,
  type PreparedNode,
  prepareNode,
  readFirstLine,
  startGateway,
  stopAll,
} from "./_testing/processes.ts";
import { INVALID_CIPHERTEXT, NEXT_HOP_FAILED, NEXT_NODE_NOT_FOUND_PREFIX } from "./responses.ts";

const provider = await defaultProvider();
const INFO = new TextEncoder().encode('{"method":"info","params":{}}');
/** Bound on one client request through the network, ms. */
const REQUEST_TIMEOUT_MS = 5_000;
/** hardening.md §7: next hop refused → 502 in < 1 s. */
const DEAD_HOP_BOUND_MS = 1_000;
/** Time a process gets between SIGTERM and SIGKILL in cleanup, ms. */
const STOP_GRACE_MS = 2_000;
/** `info` version each node reports: tells the test which node answered. */
const VERSIONS: Record<string, string> = { a: "9.0.1", b: "9.0.2", c: "9.0.3" };

/** The example lsrpc service, run as its own process. */
const ECHO_SCRIPT = new URL("./examples/serve_echo.ts", import.meta.url).pathname;

/** Start serve_echo.ts and read its `listening` line: port and X25519 key. */
async function startEcho(): Promise<{ child: Deno.ChildProcess; port: number; x25519: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ECHO_SCRIPT, "--port", "0"],
    stdout: "piped",
    stderr: "null",
    stdin: "null",
  }).spawn();
  const line = JSON.parse(await readFirstLine(child.stdout, REQUEST_TIMEOUT_MS));
  return { child, port: line.port, x25519: line.x25519 };
}

function asOnionNode(n: PreparedNode): OnionNode {
  return { ed25519: n.ed25519, x25519: n.x25519 };
}

/** POST an onion body to a node's `/onion_req/v2`; returns status, body bytes and the time taken. */
async function postOnion(
  url: string,
  body: Uint8Array,
): Promise<{ status: number; bytes: Uint8Array; text: string; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${url}/onion_req/v2`, {
    method: "POST",
    body: body as Uint8Array<ArrayBuffer>,
    headers: { "content-type": "application/octet-stream" },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, bytes, text: new TextDecoder().decode(bytes), ms: performance.now() - started };
}

/** Send an `info` onion over `path` to `destination` and return the decrypted answer. */
async function info(
  entry: GatewayProcess,
  path: OnionNode[],
  destination: OnionNode,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const { body, reply } = await buildOnionRequest({ path, destination, payload: INFO, provider });
  const res = await postOnion(entry.url, body);
  assert.equal(res.status, 200, `HTTP status (body ${JSON.stringify(res.text.slice(0, 120))})`);
  const answer = await decryptOnionReply(reply, res.bytes, { provider });
  return { status: answer.status, body: JSON.parse(new TextDecoder().decode(answer.body)) };
}

Deno.test("three gateway processes on 127.0.0.1 relay real onions and fail as hardening.md §3 says", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "allium_network_" });
  const processes: GatewayProcess[] = [];
  let echo: Awaited<ReturnType<typeof startEcho>> | undefined;
  try {
    echo = await startEcho();
    const nodes = await Promise.all(["a", "b", "c"].map((name) => prepareNode(dir, name)));
    const [a, b, c] = nodes;
    const directoryFile = `${dir}/nodes.json`;
    await Deno.writeTextFile(directoryFile, directoryText(nodes));
    for (const n of nodes) {
      processes.push(startGateway({
        name: n.name,
        keyFile: n.keyFile,
        port: n.port,
        directoryFile,
        flags: {
          "log-level": "warn",
          "shutdown-grace-ms": "1000",
          "reported-version": VERSIONS[n.name],
          // Tests run on loopback only, so the exit may relay to the echo app's port alone.
          "server-relay-loopback-ports": String(echo.port),
        },
      }));
    }
    await Promise.all(processes.map((p) => p.waitReady()));
    const [guard, middle] = processes;

    await t.step("3 hops: guard → middle → exit answers info, decrypted at the client", async () => {
      const before = Date.now();
      const answer = await info(guard, [a, b].map(asOnionNode), asOnionNode(c));
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body.version, [9, 0, 3], "the exit (c) answered");
      assert.deepEqual(answer.body.hf, [19, 3]);
      const t0 = answer.body.timestamp as number;
      assert.ok(Number.isInteger(t0) && t0 >= before - 1000 && t0 <= Date.now() + 1000, `timestamp ${t0}`);
    });

    await t.step("4 layers: guard → middle → exit → middle as destination", async () => {
      const answer = await info(guard, [a, b, c].map(asOnionNode), asOnionNode(b));
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body.version, [9, 0, 2], "the middle (b) answered as destination");
    });

    await t.step("an unknown next node → 502 Next node not found: <hex> from the guard", async () => {
      const stranger = await prepareNode(dir, "stranger"); // keys only: never started, not in the directory
      const { body } = await buildOnionRequest({
        path: [asOnionNode(a)],
        destination: asOnionNode(stranger),
        payload: INFO,
        provider,
      });
      const res = await postOnion(guard.url, body);
      assert.deepEqual([res.status, res.text], [502, NEXT_NODE_NOT_FOUND_PREFIX + stranger.ed25519]);
    });

    await t.step("a byte-identical replay → 400 Invalid ciphertext", async () => {
      const { body, reply } = await buildOnionRequest({
        path: [a, b].map(asOnionNode),
        destination: asOnionNode(c),
        payload: INFO,
        provider,
      });
      const first = await postOnion(guard.url, body);
      assert.equal(first.status, 200);
      assert.equal((await decryptOnionReply(reply, first.bytes, { provider })).status, 200);
      const again = await postOnion(guard.url, body);
      assert.deepEqual([again.status, again.text], [400, INVALID_CIPHERTEXT]);
    });

    await t.step("relay to a server: the exit relays to the lsrpc example app, v4 answer decrypted", async () => {
      const { body, reply } = await buildOnionRequest({
        path: [a, b, c].map(asOnionNode),
        destination: {
          host: "127.0.0.1",
          port: echo!.port,
          protocol: "http",
          target: "/oxen/v4/lsrpc",
          x25519: echo!.x25519,
        },
        payload: encodeV4Request({
          method: "POST",
          endpoint: "/echo",
          headers: { "content-type": "application/octet-stream" },
          body: new TextEncoder().encode("through three hops"),
        }),
        provider,
      });
      const res = await postOnion(guard.url, body);
      assert.equal(res.status, 200, `HTTP status (body ${JSON.stringify(res.text.slice(0, 120))})`);
      const answer = await decryptOnionReply(reply, res.bytes, { provider });
      assert.equal(answer.status, 200);
      assert.equal(new TextDecoder().decode(answer.body), "through three hops");
    });

    await t.step("the next process killed → 502 from the guard in < 1 s", async () => {
      middle.kill("SIGKILL");
      await middle.exited;
      const { body } = await buildOnionRequest({
        path: [a, b].map(asOnionNode),
        destination: asOnionNode(c),
        payload: INFO,
        provider,
      });
      const res = await postOnion(guard.url, body);
      assert.deepEqual([res.status, res.text], [502, NEXT_HOP_FAILED]);
      assert.ok(res.ms < DEAD_HOP_BOUND_MS, `answered after ${res.ms.toFixed(0)} ms`);
      // The guard itself is unharmed.
      const health = await fetch(`${guard.url}/health`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      assert.deepEqual([health.status, await health.text()], [200, "ok"]);
    });
  } catch (err) {
    for (const p of processes) console.error(`--- ${p.name} output ---\n${p.output()}`);
    throw err;
  } finally {
    await stopAll(processes, STOP_GRACE_MS);
    if (echo) {
      echo.child.kill("SIGTERM");
      await echo.child.status;
    }
    await Deno.remove(dir, { recursive: true });
  }
});
