/**
 * Child process of `durability_test.ts`: opens a {@link SqliteStore} on the given file and runs
 * `count` stores from several interleaved async tasks, printing `<account> <hash>` on stdout only
 * after `store()` returned — the "answered 200" acknowledgement. The parent SIGKILLs it midway.
 *
 * Usage: `deno run --allow-read --allow-write crash_writer.ts <db path> <count> [tasks] [pause ms]`
 *
 * @module
 */

import { SqliteStore } from "../sqlite_store.ts";

/** Accounts the messages are spread over. */
const ACCOUNTS = 8;
/** Length of a real message hash (swarms-and-storage.md §8). */
const HASH_CHARS = 43;

const [path, countArg, tasksArg = "8", pauseArg = "4"] = Deno.args;
const count = Number(countArg);
const tasks = Number(tasksArg);
const pauseMs = Number(pauseArg);
if (path === undefined || !(count > 0) || !(tasks > 0) || !(pauseMs >= 0)) {
  console.error("usage: crash_writer.ts <db path> <count> [tasks] [pause ms]");
  Deno.exit(2);
}

const store = SqliteStore.open(path);
const encoder = new TextEncoder();
const now = Date.now();
let next = 0;

/** Write one whole line to stdout synchronously (no buffering between store and acknowledgement). */
function acknowledge(line: string): void {
  const bytes = encoder.encode(line + "\n");
  for (let off = 0; off < bytes.length;) off += Deno.stdout.writeSync(bytes.subarray(off));
}

async function worker(task: number): Promise<void> {
  while (next < count) {
    const i = next++;
    const account = "05" + (i % ACCOUNTS).toString(16).padStart(2, "0").repeat(32);
    const hash = `t${task}-m${i}-`.padEnd(HASH_CHARS, "x");
    const data = new Uint8Array(64 + (i * 37) % 2000).fill(i & 0xff);
    store.store({ account, namespace: i % 3, hash, timestamp: now, expiry: now + 3_600_000, data });
    acknowledge(`${account} ${hash}`);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

await Promise.all(Array.from({ length: tasks }, (_, t) => worker(t)));
store.close();
acknowledge("done");
