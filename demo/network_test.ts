/**
 * `npm start` itself (demo/network.ts) as a user runs it: the whole exchange on a small network,
 * with `--exit` so it stops after the kill-and-retrieve step, and `--help`.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("./network.ts", import.meta.url));
/** Bound on the whole run. */
const RUN_TIMEOUT_MS = 90_000;

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT, ...args],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
  try {
    const { code, stdout, stderr } = await child.output();
    return { code, out: new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr) };
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("npm start: Alice's message reaches Bob through the swarm and survives a member's death", async () => {
  const { code, out } = await run(["--nodes", "6", "--exit"]);
  assert.equal(code, 0, out);
  assert.match(out, /started 6 nodes/);
  assert.match(out, /replicas {2}6 members signed the hash/);
  assert.match(out, /message {3}"Hello Bob, it's Alice/);
  assert.match(out, /killing node-\d\d/);
  assert.match(out, /Bob retrieved again .*: 1 message\(s\), "Hello Bob, it's Alice/);
  assert.match(out, /stopped\./);
});

Deno.test("npm start -- --help explains the options; a bad option is refused", async () => {
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  for (const flag of ["--nodes", "--data-dir", "--status-every", "--exit"]) assert.ok(help.out.includes(flag), flag);
  const bad = await run(["--nodes", "3"]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.out, /--nodes must be an integer 5…200/);
});
