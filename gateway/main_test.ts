/**
 * Smoke test of the gateway process (main.ts) on 127.0.0.1: key file creation with mode 0600,
 * refusal of unsafe or invalid key files and of bad settings, serving, and graceful shutdown on
 * SIGTERM. Every process started is stopped in `finally`.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { formatNodeKeyFile, NODE_KEY_FORMAT } from "./node_keys.ts";
import { DIRECTORY_FORMAT } from "./directory.ts";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const DENO = Deno.execPath();

function start(args: string[], env: Record<string, string> = {}) {
  return new Deno.Command(DENO, {
    args: ["run", "-A", MAIN, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Read JSON log lines from stdout until one has `event`. */
async function waitFor(stdout: ReadableStream<Uint8Array>, event: string): Promise<Record<string, unknown>> {
  const reader = stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`process ended before "${event}"`);
      buffered += value;
      for (const line of buffered.split("\n").slice(0, -1)) {
        const parsed = JSON.parse(line);
        if (parsed.event === event) return parsed;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

Deno.test("main.ts creates a 0600 key file, serves on 127.0.0.1 and stops on SIGTERM", async () => {
  const dir = await Deno.makeTempDir();
  const keyFile = `${dir}/keys/node_key.json`;
  const directoryFile = `${dir}/nodes.json`;
  await Deno.writeTextFile(directoryFile, JSON.stringify({ format: DIRECTORY_FORMAT, nodes: {} }));
  const child = start(["--port", "0", "--key-file", keyFile, "--directory-file", directoryFile]);
  let stopped = false;
  try {
    const listening = await waitFor(child.stdout, "listening");
    assert.equal(((await Deno.stat(keyFile)).mode ?? 0) & 0o777, 0o600);
    assert.equal(((await Deno.stat(`${dir}/keys`)).mode ?? 0) & 0o777, 0o700);
    assert.match(String(listening.ed25519), /^[0-9a-f]{64}$/);
    const base = `http://127.0.0.1:${listening.port}`;
    const health = await fetch(`${base}/health`);
    assert.equal(await health.text(), "ok");
    const bad = await fetch(`${base}/onion_req/v2`, { method: "POST", body: new Uint8Array([1, 2]) });
    assert.deepEqual([bad.status, await bad.text()], [400, "Error parsing onion request: framing"]);
    child.kill("SIGTERM");
    const status = await child.status;
    stopped = true;
    assert.equal(status.code, 0);
    // A restart reuses the key file: same identity.
    const again = start(["--port", "0", "--key-file", keyFile]);
    try {
      assert.equal((await waitFor(again.stdout, "listening")).ed25519, listening.ed25519);
    } finally {
      again.kill("SIGTERM");
      await again.status;
      await again.stderr.cancel();
    }
  } finally {
    if (!stopped) {
      child.kill("SIGKILL");
      await child.status;
    }
    await child.stderr.cancel();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main.ts refuses a group-readable or zero key file and bad settings, exiting 2 with a one-line reason", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const open = `${dir}/open.json`;
    await Deno.writeTextFile(open, formatNodeKeyFile(new Uint8Array(32).fill(1)), { mode: 0o644 });
    await Deno.chmod(open, 0o644);
    const zero = `${dir}/zero.json`;
    await Deno.writeTextFile(zero, JSON.stringify({ format: NODE_KEY_FORMAT, ed25519_seed: "00".repeat(32) }), {
      mode: 0o600,
    });
    const rows: [string[], Record<string, string>, RegExp][] = [
      [["--port", "0", "--key-file", open], {}, /readable by group or others/],
      [["--port", "0", "--key-file", zero], {}, /the seed is all zero/],
      [["--port", "0"], { ALLIUM_MAX_BODY: "abc" }, /ALLIUM_MAX_BODY "abc" is not a positive integer/],
      [["--port", "0", "--directory-file", `${dir}/missing.json`, "--key-file", `${dir}/k.json`], {}, /NotFound/],
    ];
    for (const [args, env, message] of rows) {
      const out = await new Deno.Command(DENO, {
        args: ["run", "-A", MAIN, ...args],
        env,
        stdout: "null",
        stderr: "piped",
      })
        .output();
      assert.equal(out.code, 2, args.join(" "));
      const stderr = new TextDecoder().decode(out.stderr).trim();
      assert.match(stderr, message);
      assert.equal(stderr.split("\n").length, 1, "no stack trace");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
