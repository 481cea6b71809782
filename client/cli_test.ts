/**
 * The `allium` CLI: usage errors in process, and the README walk-through as subprocesses against a
 * local network (two-person conversation, a file, a group of three, an unknown recipient).
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { EXIT_ERROR, EXIT_OK, EXIT_USAGE, main } from "./cli.ts";
import { startNetwork, stopNetwork } from "./_network_testing.ts";

const CLI = fileURLToPath(new URL("./cli.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../deno.json", import.meta.url));

function captureIo(cwd = "/") {
  const out: string[] = [], err: string[] = [];
  return { io: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l), env: {}, cwd }, out, err };
}

Deno.test("main() answers --help everywhere and exits 2 on usage errors", async () => {
  for (const argv of [["--help"], ["send", "--help"], ["group", "--help"], ["group", "add", "--help"], ["id", "-h"]]) {
    const c = captureIo();
    assert.equal(await main(argv, c.io), EXIT_OK, argv.join(" "));
    assert.match(c.out.join("\n"), /Usage:/);
  }
  const cases: [string[], RegExp][] = [
    [[], /Usage:/],
    [["frobnicate"], /unknown command "frobnicate"/],
    [["send", "bob"], /expected <session-id\|name> <text>/],
    [["send", "bob", "hi"], /--as NAME/],
    [["receive", "--as", "bob", "--name", "x"], /--name does not apply here/],
    [["group", "create", "--as", "bob"], /expected group create <name>/],
    [["id", "new"], /--name NAME is required/],
    [["send", "--bogus"], /Unknown option '--bogus'/],
  ];
  for (const [argv, pattern] of cases) {
    const c = captureIo();
    assert.equal(await main(argv, c.io), EXIT_USAGE, argv.join(" "));
    assert.match([...c.out, ...c.err].join("\n"), pattern, argv.join(" "));
  }
});

Deno.test("main() without a network to use exits 1 with one line saying how to get one", async () => {
  const dir = await Deno.makeTempDir({ prefix: "allium-cli-" });
  try {
    const c = captureIo(dir);
    assert.equal(await main(["id", "new", "--name", "alice"], c.io), EXIT_ERROR);
    assert.equal(c.err.length, 1);
    assert.match(c.err[0], /^allium: Cannot find the network: pass --network DIR, set ALLIUM_NETWORK/);
    const d = captureIo(dir);
    assert.equal(await main(["send", "bob", "hi", "--as", "alice", "--state", "s.db"], d.io), EXIT_ERROR);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "allium CLI: the README walk-through against a local network",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const net = await startNetwork();
    const cwd = await Deno.makeTempDir({ prefix: "allium-cli-" });
    const run = async (...args: string[]) => {
      const r = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--config", CONFIG, CLI, ...args],
        cwd,
        env: { ALLIUM_NETWORK: net.dataDir, NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const dec = new TextDecoder();
      return { code: r.code, out: dec.decode(r.stdout).trim(), err: dec.decode(r.stderr).trim() };
    };
    const ok = async (...args: string[]) => {
      const r = await run(...args);
      assert.equal(r.code, 0, `allium ${args.join(" ")}: ${r.err}`);
      return r.out;
    };
    try {
      const alice = await ok("id", "new", "--name", "alice");
      const bob = await ok("id", "new", "--name", "bob");
      assert.match(alice, /^05[0-9a-f]{64}$/);
      assert.match(await ok("id", "list"), new RegExp(`alice\\t${alice}\\nbob\\t${bob}`));

      assert.match(await ok("send", bob, "Hi Bob, it's Alice", "--as", "alice"), /^sent to bob at /);
      assert.match(await ok("receive", "--as", "bob"), /alice: Hi Bob, it's Alice$/);
      await ok("send", "alice", "Hi Alice!", "--as", "bob");
      assert.match(await ok("receive", "--as", "alice"), /bob: Hi Alice!$/);
      assert.equal(await ok("receive", "--as", "alice"), "no new messages");

      await Deno.writeTextFile(`${cwd}/notes.txt`, "meeting at noon\n".repeat(1000));
      assert.match(
        await ok("send", "--file", "notes.txt", "bob", "the notes", "--as", "alice"),
        /sent notes.txt \(16000 bytes\)/,
      );
      const got = await ok("receive", "--as", "bob", "--out", "downloads");
      assert.match(got, /alice: the notes\n {2}file notes.txt \(16000 bytes\) saved to .*downloads\/notes.txt/);
      assert.equal(await Deno.readTextFile(`${cwd}/downloads/notes.txt`), "meeting at noon\n".repeat(1000));

      await ok("id", "new", "--name", "carol");
      const group = await ok("group", "create", "friends", "--as", "alice");
      assert.match(group, /^03[0-9a-f]{64}$/);
      assert.equal(await ok("group", "add", "friends", "bob", "--as", "alice"), "added bob to friends");
      assert.equal(await ok("group", "add", group, "carol", "--as", "alice"), "added carol to friends");
      assert.match(await ok("receive", "--as", "bob"), /alice added you to group "friends"/);
      assert.match(await ok("receive", "--as", "carol"), /alice added you to group "friends"/);
      await ok("group", "send", "friends", "Hello, friends", "--as", "alice");
      await ok("group", "send", "friends", "Hi all, Carol here", "--as", "carol");
      assert.match(
        await ok("receive", "--as", "bob"),
        /\[friends\] alice: Hello, friends\n.*\[friends\] carol: Hi all, Carol here/,
      );
      assert.match(await ok("receive", "--as", "alice"), /\[friends\] carol: Hi all, Carol here$/);

      const unknown = await run("send", "05" + "ab".repeat(32), "hello?", "--as", "alice");
      assert.equal(unknown.code, 1);
      assert.match(unknown.err, /^allium: Cannot send to 05abababab…: it has published no pre-key bundle/);
      const usage = await run("group", "send", "friends", "--as", "alice");
      assert.equal(usage.code, 2);
    } finally {
      await stopNetwork(net);
      await Deno.remove(cwd, { recursive: true }).catch(() => {});
    }
  },
});
