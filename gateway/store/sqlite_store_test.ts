import assert from "node:assert/strict";
import { join } from "node:path";
import { StoreCorruptError, type StoredMessage, StoreFullError } from "./message_store.ts";
import { messageStoreContract } from "./message_store_contract.ts";
import { DEFAULT_MAX_BYTES, SCHEMA_VERSION, SqliteStore } from "./sqlite_store.ts";

messageStoreContract("SqliteStore", () => SqliteStore.open(":memory:"));

const ACCOUNT = "05" + "ab".repeat(32);
/** Byte offset of `user_version` in the SQLite file header (sqlite.org/fileformat.html §1.3). */
const USER_VERSION_OFFSET = 60;
/** The smallest accepted size cap (64 KiB = 16 pages of 4 KiB). */
const TINY_MAX_BYTES = 64 * 1024;

function msg(hash: string, bytes = 8, fields: Partial<StoredMessage> = {}): StoredMessage {
  return {
    account: ACCOUNT,
    namespace: 0,
    hash,
    timestamp: 1,
    expiry: 1_000,
    data: new Uint8Array(bytes).fill(hash.length),
    ...fields,
  };
}

async function withTempDir(fn: (dir: string) => void | Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "allium-sqlite-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("SqliteStore.open() uses WAL, synchronous FULL by default and the 3.5 GiB page cap", async () => {
  await withTempDir((dir) => {
    const s = SqliteStore.open(join(dir, "store.db"));
    try {
      const info = s.info();
      assert.equal(info.journalMode, "wal");
      assert.equal(info.synchronous, 2);
      assert.equal(info.schemaVersion, SCHEMA_VERSION);
      assert.equal(info.maxPageCount, Math.floor(DEFAULT_MAX_BYTES / info.pageSize));
    } finally {
      s.close();
    }
    const n = SqliteStore.open(join(dir, "store.db"), { synchronous: "normal", check: "full" });
    assert.equal(n.info().synchronous, 1);
    n.close();
  });
});

Deno.test("SqliteStore.open() rejects out-of-range options", () => {
  assert.throws(() => SqliteStore.open(":memory:", { maxBytes: 1024 }), RangeError);
  assert.throws(() => SqliteStore.open(":memory:", { maxBytes: NaN }), RangeError);
  assert.throws(() => SqliteStore.open(":memory:", { migrateTo: SCHEMA_VERSION + 1 }), RangeError);
  assert.throws(() => SqliteStore.open(":memory:", { busyTimeoutMs: -1 }), RangeError);
});

Deno.test("SqliteStore keeps messages and revocations across close and reopen", async () => {
  await withTempDir((dir) => {
    const path = join(dir, "store.db");
    const s = SqliteStore.open(path);
    s.store(msg("a"));
    s.storeMany([msg("b", 20), msg("c", 30, { namespace: 5 })]);
    s.revokeSubaccounts(ACCOUNT, [new Uint8Array([7])], 5);
    s.close();
    const r = SqliteStore.open(path);
    try {
      assert.deepEqual([...r.allMessages()].flat(), [msg("a"), msg("b", 20), msg("c", 30, { namespace: 5 })]);
      assert.equal(r.isSubaccountRevoked(ACCOUNT, new Uint8Array([7])), true);
      assert.deepEqual(r.counts(), { messages: 3, owners: 1 });
    } finally {
      r.close();
    }
  });
});

Deno.test("SqliteStore.open() migrates an empty file and an older schema version", async () => {
  await withTempDir((dir) => {
    const empty = join(dir, "empty.db");
    Deno.writeFileSync(empty, new Uint8Array(0));
    const e = SqliteStore.open(empty);
    assert.equal(e.info().schemaVersion, SCHEMA_VERSION);
    e.close();

    const old = join(dir, "old.db");
    const v1 = SqliteStore.open(old, { migrateTo: 1 });
    assert.equal(v1.info().schemaVersion, 1);
    v1.store(msg("a"));
    v1.close();
    const up = SqliteStore.open(old);
    try {
      assert.equal(up.info().schemaVersion, SCHEMA_VERSION);
      assert.deepEqual(up.retrieve(ACCOUNT, 0, { now: 0 }).messages.map((m) => m.hash), ["a"]);
      up.revokeSubaccounts(ACCOUNT, [new Uint8Array([1])], 0);
      up.deleteAll(ACCOUNT, "all");
      assert.equal(up.isSubaccountRevoked(ACCOUNT, new Uint8Array([1])), true, "v2 trigger replaced v1's");
    } finally {
      up.close();
    }
  });
});

Deno.test("SqliteStore.open() refuses a schema newer than the code knows", async () => {
  await withTempDir((dir) => {
    const path = join(dir, "new.db");
    SqliteStore.open(path).close();
    const bytes = Deno.readFileSync(path);
    new DataView(bytes.buffer).setUint32(USER_VERSION_OFFSET, SCHEMA_VERSION + 7);
    Deno.writeFileSync(path, bytes);
    assert.throws(() => SqliteStore.open(path), {
      name: "RangeError",
      message: `Cannot open SQLite store: schema version ${
        SCHEMA_VERSION + 7
      } is newer than this code knows (${SCHEMA_VERSION})`,
    });
  });
});

Deno.test("SqliteStore.open() refuses a file that is not a SQLite database", async () => {
  await withTempDir((dir) => {
    const path = join(dir, "text.db");
    Deno.writeTextFileSync(path, "not a database\n".repeat(100));
    assert.throws(() => SqliteStore.open(path), StoreCorruptError);
    assert.throws(() => SqliteStore.open(path, { check: "none" }), StoreCorruptError);
  });
});

Deno.test("SqliteStore.open() refuses a database whose pages were overwritten", async () => {
  await withTempDir((dir) => {
    const path = join(dir, "corrupt.db");
    const s = SqliteStore.open(path);
    for (let i = 0; i < 200; i++) s.store(msg(`hash-${i}`, 500));
    const { pageSize, pageCount } = s.info();
    s.close();
    assert.ok(pageCount > 8);
    const bytes = Deno.readFileSync(path);
    // Scribble over pages 2..5 (page 1 holds the header and schema, which stay readable).
    for (let i = pageSize; i < 5 * pageSize; i++) bytes[i] = (i * 131) & 0xff;
    Deno.writeFileSync(path, bytes);
    assert.throws(() => SqliteStore.open(path), StoreCorruptError);
    assert.throws(() => SqliteStore.open(path, { check: "full" }), StoreCorruptError);
  });
});

Deno.test("SqliteStore at maxBytes: writes throw StoreFullError and change nothing, reads work, freeing resumes", async () => {
  await withTempDir((dir) => {
    const s = SqliteStore.open(join(dir, "full.db"), { maxBytes: TINY_MAX_BYTES });
    try {
      let stored = 0;
      let full: unknown;
      for (; stored < 1000; stored++) {
        try {
          s.store(msg(`m${stored}`, 1000, { expiry: 100 + stored }));
        } catch (e) {
          full = e;
          break;
        }
      }
      assert.ok(full instanceof StoreFullError, String(full));
      assert.equal(full.message, "Cannot store message: database is full");
      assert.ok(stored > 10 && stored < 100, `stored ${stored}`);
      const before = s.counts();
      assert.equal(before.messages, stored);
      // Nothing half-written: a batch fails whole; an outbox replacement keeps the old message.
      assert.throws(() => s.storeMany([msg("x1", 10), msg("x2", 30_000)]), StoreFullError);
      assert.equal(s.getExpiries(ACCOUNT, ["x1"]).size, 0);
      assert.deepEqual(s.counts(), before);
      assert.throws(() => s.store(msg("out2", 60_000, { namespace: -1 }), { replaceNamespace: true }), StoreFullError);
      assert.deepEqual(s.counts(), before);
      // Reads keep working.
      assert.equal(s.retrieve(ACCOUNT, 0, { now: 0 }).messages.length, stored);
      assert.equal([...s.allMessages()].flat().length, stored);
      // Expiring frees pages; writes resume.
      assert.ok(s.deleteExpired(100 + Math.floor(stored / 2)) > 0);
      s.store(msg("after-expiry", 1000));
      // Deleting frees pages too.
      for (let i = 0;; i++) {
        try {
          s.store(msg(`n${i}`, 1000));
        } catch (e) {
          assert.ok(e instanceof StoreFullError);
          break;
        }
      }
      assert.ok(s.deleteAll(ACCOUNT, 0).length > 0);
      s.store(msg("after-delete", 1000));
      assert.deepEqual(s.counts(), { messages: 1, owners: 1 });
    } finally {
      s.close();
    }
  });
});

Deno.test("SqliteStore.close() is idempotent and later calls say the store is closed", () => {
  const s = SqliteStore.open(":memory:");
  s.close();
  s.close();
  assert.throws(() => s.info(), { message: "Cannot use SQLite store: it is closed" });
  assert.throws(() => s.isSubaccountRevoked(ACCOUNT, new Uint8Array(1)), /closed/);
});
