/**
 * serve_echo.ts as a real process: it prints one JSON line with its port and key, answers an
 * onion request over a socket, and exits 0 on SIGTERM. Bad flags exit 2. Every process started
 * here is stopped and awaited.
 */

import assert from "node:assert/strict";
import { buildOnionRequest, decryptOnionReply, encodeV4Request, fromHex, peelOnionLayer, toHex } from "../../mod.ts";
import { nextRng, provider, SELF, text } from "../_testing/fixtures.ts";
import { readFirstLine } from "../_testing/processes.ts";
import { HELLO_BODY } from "./echo_server.ts";

const SCRIPT = new URL("./serve_echo.ts", import.meta.url).pathname;
const SEED = "15".repeat(32);
/** Upper bound for the child to start listening. */
const START_TIMEOUT_MS = 30_000;

/** Read the first stdout line, bounded in bytes and time. */

Deno.test("serve_echo.ts prints its port and key, answers an onion request over a socket, and stops on SIGTERM", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT, "--seed", SEED, "--port", "0"],
    stdout: "piped",
    stderr: "null",
    stdin: "null",
  }).spawn();
  try {
    const line = JSON.parse(await readFirstLine(child.stdout, START_TIMEOUT_MS));
    assert.equal(line.event, "listening");
    assert.equal(line.hostname, "127.0.0.1");
    assert.ok(Number.isInteger(line.port) && line.port > 0);
    assert.equal(line.x25519, toHex(await provider.x25519PublicKey(fromHex(SEED))), "the key comes from the seed");

    const { body, reply } = await buildOnionRequest({
      path: [SELF.node],
      destination: {
        host: "127.0.0.1",
        port: line.port,
        protocol: "http",
        target: "/oxen/v4/lsrpc",
        x25519: line.x25519,
      },
      payload: encodeV4Request({ method: "GET", endpoint: "/hello" }),
      provider,
      rng: nextRng(),
    });
    const exit = await peelOnionLayer(body, SELF.keys, { provider });
    if (exit.kind !== "server") throw new Error("expected a server layer");
    const res = await fetch(`http://127.0.0.1:${line.port}/oxen/v4/lsrpc`, {
      method: "POST",
      body: exit.forwardBody as Uint8Array<ArrayBuffer>,
    });
    const answer = await decryptOnionReply(reply, new Uint8Array(await res.arrayBuffer()), { provider });
    assert.deepEqual([answer.status, text(answer.body)], [200, HELLO_BODY]);
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    assert.equal(status.code, 0, "clean exit on SIGTERM");
  }
});

Deno.test("serve_echo.ts exits 2 on a bad seed", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT, "--seed", "abc"],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 2);
  assert.ok(new TextDecoder().decode(out.stderr).includes("--seed is not 64 hex digits"));
});
