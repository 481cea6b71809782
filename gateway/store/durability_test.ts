import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SqliteStore } from "./sqlite_store.ts";

/** Stores the child attempts (hardening.md §7: SIGKILL durability). */
const STORES = 1_000;
/** Acknowledged stores after which the parent kills the child. */
const KILL_AFTER = 300;
/** Upper bound on the whole child run (ms). */
const CHILD_DEADLINE_MS = 15_000;
/** Reopen after the crash must take less than this (ms). */
const MAX_REOPEN_MS = 5_000;

const CHILD = fileURLToPath(new URL("./_testing/crash_writer.ts", import.meta.url));

Deno.test("SqliteStore keeps every acknowledged store across a SIGKILL and reopens quickly", async () => {
  const dir = await Deno.makeTempDir({ prefix: "allium-crash-" });
  const path = join(dir, "store.db");
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-config", `--allow-read=${dir}`, `--allow-write=${dir}`, CHILD, path, String(STORES)],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  let exited = false;
  const status = child.status.then((s) => (exited = true, s));
  const acknowledged: string[] = [];
  let killedAfter = -1;
  let finished = false;
  const deadline = setTimeout(() => {
    if (!exited) child.kill("SIGKILL");
  }, CHILD_DEADLINE_MS);
  try {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of child.stdout) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop()!; // an unterminated line is not an acknowledgement
      for (const line of lines) {
        if (line === "done") finished = true;
        else acknowledged.push(line);
      }
      if (killedAfter < 0 && acknowledged.length >= KILL_AFTER) {
        killedAfter = acknowledged.length;
        child.kill("SIGKILL");
      }
    }
  } finally {
    clearTimeout(deadline);
    if (!exited) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
    await status;
  }
  const { signal } = await status;
  const childErrors = await stderr;
  try {
    assert.ok(killedAfter >= KILL_AFTER, `child acknowledged only ${acknowledged.length}: ${childErrors}`);
    assert.equal(finished, false, "the child finished before the kill; the test proved nothing");
    assert.equal(signal, "SIGKILL");

    const started = performance.now();
    const store = SqliteStore.open(path, { check: "full" }); // integrity_check must say "ok"
    const reopenMs = performance.now() - started;
    try {
      const all = [...store.allMessages()].flat();
      const hashes = new Set(all.map((m) => m.hash));
      assert.equal(hashes.size, all.length, "duplicate hashes after reopen");
      const byAccount = Map.groupBy(acknowledged.map((l) => l.split(" ")), ([account]) => account);
      let found = 0;
      for (const [account, pairs] of byAccount) {
        found += store.getExpiries(account!, pairs.map(([, hash]) => hash!)).size;
      }
      assert.equal(found, acknowledged.length, "an acknowledged store was lost");
      assert.ok(reopenMs < MAX_REOPEN_MS, `reopen took ${reopenMs.toFixed(0)} ms`);
      console.log(
        `crash test: acknowledged=${acknowledged.length} (kill sent after ${killedAfter}) ` +
          `rows after reopen=${all.length} reopen+integrity_check=${reopenMs.toFixed(1)} ms`,
      );
    } finally {
      store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
