/**
 * The default {@link MessageStore}: one SQLite file through `node:sqlite` (toolchain.md "Storage";
 * loaded through node_sqlite.ts). The schema follows the reference (oxen-storage-server
 * `database.cpp`): an `owners` table, a `messages` table whose integer primary key keeps insertion
 * order and whose `hash` is unique, indexes on (owner, namespace, id) and on expiry; plus
 * subaccount revocations.
 *
 * Durability: WAL journal with `synchronous = FULL` by default, so a commit that returned survives
 * a process kill and a power loss. `synchronous: "normal"` (what the reference uses) is faster but
 * a power loss or OS crash may lose the last commits (never corrupting the file); a process crash
 * (SIGKILL) loses nothing in either mode (hardening.md §7).
 *
 * Size: `PRAGMA max_page_count` caps the file at `maxBytes` (3.5 GiB by default,
 * swarms-and-storage.md §10); a write that would pass it fails with {@link StoreFullError} and
 * changes nothing, reads keep working, and writes resume once expired or deleted rows free pages.
 *
 * @module
 */

import { type Database, DatabaseSync, type StatementSync } from "./node_sqlite.ts";
import {
  type ExpireMode,
  type MessageStore,
  type NamespacedHash,
  type NamespaceSelector,
  type RetrieveOptions,
  type RetrieveResult,
  StoreCorruptError,
  type StoreCounts,
  type StoredMessage,
  StoreFullError,
  type StoreOptions,
  type StoreResult,
  type UpdatedExpiry,
} from "./message_store.ts";

/** Default size cap: 3.5 GiB (swarms-and-storage.md §10; reference `Database::SIZE_LIMIT`). */
export const DEFAULT_MAX_BYTES: number = 3.5 * 1024 ** 3;
/** Default wait for a lock held by another connection (ms); the reference waits 15 s, we block the event loop, so less. */
const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
/** Per-message overhead of the retrieve size budget (swarms-and-storage.md §7.2). */
const RETRIEVE_MESSAGE_OVERHEAD = 100;
/** Most recent subaccount revocations kept per account (swarms-and-storage.md §7.11, §10). */
const MAX_REVOCATIONS_PER_ACCOUNT = 50;
/** Messages per page of {@link SqliteStore.allMessages} when no page size is given. */
const DEFAULT_PAGE_SIZE = 500;
/** Smallest accepted `maxBytes`: room for the schema and a few rows (16 pages of 4 KiB). */
const MIN_MAX_BYTES = 64 * 1024;
/** SQLite primary result code SQLITE_FULL (sqlite3.h). */
const SQLITE_FULL = 13;
/** SQLite primary result codes SQLITE_CORRUPT and SQLITE_NOTADB (sqlite3.h). */
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

/**
 * Schema migrations, in order: step `i` takes `PRAGMA user_version` from `i` to `i + 1`, in one
 * transaction. Append only; never edit a published step.
 */
const MIGRATIONS: readonly string[] = [
  // 0 → 1: owners and messages (reference database.cpp `create_schema`, `views_triggers_indices`).
  `CREATE TABLE owners (
     id INTEGER PRIMARY KEY,
     account TEXT NOT NULL UNIQUE
   );
   CREATE TABLE messages (
     id INTEGER PRIMARY KEY,
     hash TEXT NOT NULL UNIQUE,
     owner INTEGER NOT NULL REFERENCES owners(id),
     namespace INTEGER NOT NULL,
     timestamp INTEGER NOT NULL,
     expiry INTEGER NOT NULL,
     data BLOB NOT NULL
   );
   CREATE INDEX messages_owner_namespace_id ON messages(owner, namespace, id);
   CREATE INDEX messages_expiry ON messages(expiry);
   CREATE TRIGGER owner_autoclean AFTER DELETE ON messages
     WHEN NOT EXISTS (SELECT 1 FROM messages WHERE owner = OLD.owner)
     BEGIN DELETE FROM owners WHERE id = OLD.owner; END;`,
  // 1 → 2: subaccount revocations (§7.11). Unlike the reference they outlive the account's
  // messages: an owner row is removed only when it has neither messages nor revocations.
  `CREATE TABLE revoked_subaccounts (
     id INTEGER PRIMARY KEY,
     owner INTEGER NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
     token BLOB NOT NULL,
     revoked_at INTEGER NOT NULL,
     UNIQUE (owner, token)
   );
   DROP TRIGGER owner_autoclean;
   CREATE TRIGGER owner_autoclean AFTER DELETE ON messages
     WHEN NOT EXISTS (SELECT 1 FROM messages WHERE owner = OLD.owner)
       AND NOT EXISTS (SELECT 1 FROM revoked_subaccounts WHERE owner = OLD.owner)
     BEGIN DELETE FROM owners WHERE id = OLD.owner; END;
   CREATE TRIGGER owner_autoclean_revocations AFTER DELETE ON revoked_subaccounts
     WHEN NOT EXISTS (SELECT 1 FROM messages WHERE owner = OLD.owner)
       AND NOT EXISTS (SELECT 1 FROM revoked_subaccounts WHERE owner = OLD.owner)
     BEGIN DELETE FROM owners WHERE id = OLD.owner; END;`,
];

/** The schema version this code writes (`PRAGMA user_version`). */
export const SCHEMA_VERSION: number = MIGRATIONS.length;

/** Options of {@link SqliteStore.open}. */
export interface SqliteStoreOptions {
  /** Size cap of the database file in bytes (default 3.5 GiB, §10); at least 64 KiB. */
  readonly maxBytes?: number;
  /** `"full"` (default): a returned commit survives power loss; `"normal"`: faster, may lose the last commits on power loss. */
  readonly synchronous?: "full" | "normal";
  /** How long to wait for another connection's lock (ms, default 5000). */
  readonly busyTimeoutMs?: number;
  /** Consistency check on open: `"quick"` (default, `PRAGMA quick_check`), `"full"` (`integrity_check`) or `"none"`. */
  readonly check?: "quick" | "full" | "none";
  /** Migrate only up to this schema version (tests of migrations); default {@link SCHEMA_VERSION}. */
  readonly migrateTo?: number;
}

/** Facts about an open {@link SqliteStore} (for tests, metrics and logs). */
export interface SqliteStoreInfo {
  /** `PRAGMA journal_mode`: `"wal"` for files, `"memory"` for `":memory:"`. */
  readonly journalMode: string;
  /** `PRAGMA synchronous`: 2 = FULL, 1 = NORMAL. */
  readonly synchronous: number;
  /** `PRAGMA user_version`. */
  readonly schemaVersion: number;
  /** Page size in bytes. */
  readonly pageSize: number;
  /** Pages in the file now. */
  readonly pageCount: number;
  /** Page cap from `maxBytes`. */
  readonly maxPageCount: number;
  /** Pages on the free list (reusable without growing the file). */
  readonly freePages: number;
}

interface MessageRow {
  id: number;
  account: string;
  namespace: number;
  hash: string;
  timestamp: number;
  expiry: number;
  data: Uint8Array;
}

/**
 * A message store in one SQLite file.
 *
 * @example Open, store, retrieve
 * ```ts
 * import { SqliteStore } from "./sqlite_store.ts";
 * const store = SqliteStore.open(":memory:");
 * const account = "05" + "ab".repeat(32);
 * store.store({ account, namespace: 0, hash: "h1", timestamp: 1, expiry: 100, data: new Uint8Array([1]) });
 * if (store.retrieve(account, 0, { now: 50 }).messages[0].hash !== "h1") throw new Error("bad");
 * store.close();
 * ```
 */
export class SqliteStore implements MessageStore {
  #db: Database;
  #statements = new Map<string, StatementSync>();
  #closed = false;

  private constructor(db: Database) {
    this.#db = db;
  }

  /**
   * Open (creating if needed) and migrate a store file; check it unless told not to.
   *
   * @param path file path, or `":memory:"`
   * @param options size cap, durability, checks
   * @returns the open store
   * @throws {StoreCorruptError} if the file is not a SQLite database or fails the check
   * @throws {RangeError} if the schema is newer than this code, or an option is out of range
   * @example Options
   * ```ts
   * import { SqliteStore } from "./sqlite_store.ts";
   * const store = SqliteStore.open(":memory:", { maxBytes: 1024 * 1024, synchronous: "normal", check: "full" });
   * if (store.info().synchronous !== 1) throw new Error("bad");
   * store.close();
   * ```
   */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (!Number.isFinite(maxBytes) || maxBytes < MIN_MAX_BYTES) {
      throw new RangeError(`Cannot open SQLite store: maxBytes is ${maxBytes}, expected at least ${MIN_MAX_BYTES}`);
    }
    const migrateTo = options.migrateTo ?? SCHEMA_VERSION;
    if (!Number.isInteger(migrateTo) || migrateTo < 0 || migrateTo > SCHEMA_VERSION) {
      throw new RangeError(`Cannot open SQLite store: migrateTo is ${migrateTo}, expected 0..${SCHEMA_VERSION}`);
    }
    const busyTimeout = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    if (!Number.isSafeInteger(busyTimeout) || busyTimeout < 0) {
      throw new RangeError(`Cannot open SQLite store: busyTimeoutMs is ${busyTimeout}`);
    }
    const db = new DatabaseSync(path);
    try {
      db.exec(`PRAGMA busy_timeout = ${busyTimeout}`);
      // Any first read of a non-SQLite file fails here with SQLITE_NOTADB.
      db.exec("PRAGMA journal_mode = WAL");
      const check = options.check ?? "quick";
      if (check !== "none") checkIntegrity(db, check === "quick" ? "quick_check" : "integrity_check");
      db.exec(`PRAGMA synchronous = ${options.synchronous === "normal" ? "NORMAL" : "FULL"}`);
      db.exec("PRAGMA foreign_keys = ON");
      if (pragma(db, "foreign_keys") !== 1) throw new Error("Cannot open SQLite store: foreign keys unsupported");
      migrate(db, migrateTo);
      // The page cap is per connection, so set it on every open (reference database.cpp).
      const pageSize = pragma(db, "page_size");
      db.exec(`PRAGMA max_page_count = ${Math.floor(maxBytes / pageSize)}`);
      return new SqliteStore(db);
    } catch (e) {
      db.close();
      throw translate(e, "open SQLite store");
    }
  }

  /**
   * Store one message (§7.1 effect) in one transaction.
   *
   * @param message the message
   * @param options `replaceNamespace` for public outboxes
   * @returns outcome and stored expiry
   * @throws {StoreFullError} at the size cap (nothing changed)
   * @example
   * ```ts
   * import { SqliteStore } from "./sqlite_store.ts";
   * const s = SqliteStore.open(":memory:");
   * const m = { account: "05" + "00".repeat(32), namespace: 0, hash: "h", timestamp: 0, expiry: 9, data: new Uint8Array(1) };
   * if (s.store(m).outcome !== "new" || s.store(m).outcome !== "exists") throw new Error("bad");
   * s.close();
   * ```
   */
  store(message: StoredMessage, options: StoreOptions = {}): StoreResult {
    return this.#transaction("store message", () => {
      if (options.replaceNamespace) {
        // §7.1 public outbox: clear the mailbox first, except the duplicate (reference). Done before
        // the owner lookup because emptying the account may remove its owner row.
        this.#run(
          "DELETE FROM messages WHERE owner = (SELECT id FROM owners WHERE account = ?) AND namespace = ? AND hash != ?",
          [message.account, message.namespace, message.hash],
        );
      }
      const owner = this.#ownerId(message.account, true)!;
      const existing = this.#get<{ id: number; expiry: number }>("SELECT id, expiry FROM messages WHERE hash = ?", [
        message.hash,
      ]);
      if (existing !== undefined) {
        if (existing.expiry >= message.expiry) return { outcome: "exists", expiry: existing.expiry };
        this.#run("UPDATE messages SET expiry = ? WHERE id = ?", [message.expiry, existing.id]);
        return { outcome: "extended", expiry: message.expiry };
      }
      this.#insert(owner, message);
      return { outcome: "new", expiry: message.expiry };
    });
  }

  /**
   * Insert many messages in one transaction, skipping hashes already stored (§4.2).
   *
   * @param messages the messages
   * @returns how many were inserted
   * @throws {StoreFullError} at the size cap (nothing changed)
   * @example
   * ```ts
   * import { SqliteStore } from "./sqlite_store.ts";
   * const s = SqliteStore.open(":memory:");
   * const m = { account: "05" + "00".repeat(32), namespace: 0, hash: "h", timestamp: 0, expiry: 9, data: new Uint8Array(1) };
   * if (s.storeMany([m, m, { ...m, hash: "g" }]) !== 2) throw new Error("bad");
   * s.close();
   * ```
   */
  storeMany(messages: readonly StoredMessage[]): number {
    return this.#transaction("store messages", () => {
      const owners = new Map<string, number>();
      let inserted = 0;
      for (const m of messages) {
        let owner = owners.get(m.account);
        if (owner === undefined) owners.set(m.account, owner = this.#ownerId(m.account, true)!);
        inserted += this.#insert(owner, m, true);
      }
      // Owners created for messages that were all duplicates are left without messages: drop them.
      for (const owner of owners.values()) {
        this.#run(
          `DELETE FROM owners WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM messages WHERE owner = ?1)
             AND NOT EXISTS (SELECT 1 FROM revoked_subaccounts WHERE owner = ?1)`,
          [owner],
        );
      }
      return inserted;
    });
  }

  /**
   * Messages of one mailbox after `lastHash`, in insertion order, within the limits (§7.2).
   *
   * @param account account id
   * @param namespace namespace
   * @param options paging, limits and the current time
   * @returns the messages and whether more follow
   * @example
   * ```ts
   * import { SqliteStore } from "./sqlite_store.ts";
   * const s = SqliteStore.open(":memory:");
   * const a = "05" + "00".repeat(32);
   * for (const hash of ["a", "b", "c"]) s.store({ account: a, namespace: 0, hash, timestamp: 0, expiry: 9, data: new Uint8Array(1) });
   * const r = s.retrieve(a, 0, { lastHash: "a", maxCount: 1, now: 0 });
   * if (r.messages[0].hash !== "b" || !r.more) throw new Error("bad");
   * s.close();
   * ```
   */
  retrieve(account: string, namespace: number, options: RetrieveOptions): RetrieveResult {
    this.#open();
    const owner = this.#ownerId(account, false);
    if (owner === undefined) return { messages: [], more: false };
    let afterId = 0;
    if (options.lastHash !== undefined) {
      afterId = this.#get<{ id: number }>("SELECT id FROM messages WHERE hash = ? AND owner = ? AND namespace = ?", [
        options.lastHash,
        owner,
        namespace,
      ])?.id ?? 0;
    }
    const maxCount = options.maxCount === undefined ? undefined : Math.max(1, options.maxCount);
    const rows = this.#statement(
      `SELECT hash, timestamp, expiry, data FROM messages
       WHERE owner = ? AND namespace = ? AND id > ? AND expiry > ? ORDER BY id LIMIT ?`,
    ).iterate(owner, namespace, afterId, options.now, maxCount === undefined ? -1 : maxCount + 1);
    const messages: StoredMessage[] = [];
    let size = 0;
    for (const r of rows as Iterable<Omit<MessageRow, "id" | "account" | "namespace">>) {
      if (maxCount !== undefined && messages.length >= maxCount) return done(messages, true, rows);
      if (options.maxSize !== undefined) {
        // §7.2: the budget counts the base64 estimate; at least one message is returned.
        size += RETRIEVE_MESSAGE_OVERHEAD + r.hash.length + Math.floor(r.data.length * 4 / 3);
        if (messages.length > 0 && size > options.maxSize) return done(messages, true, rows);
      }
      messages.push({ account, namespace, hash: r.hash, timestamp: r.timestamp, expiry: r.expiry, data: r.data });
    }
    return { messages, more: false };
  }

  /**
   * Delete these hashes of the account in any namespace (§7.5).
   *
   * @param account account id
   * @param hashes requested hashes
   * @returns the deleted hashes, sorted ascending
   * @example
   * ```ts
   * import { SqliteStore } from "./sqlite_store.ts";
   * const s = SqliteStore.open(":memory:");
   * const a = "05" + "00".repeat(32);
   * s.store({ account: a, namespace: 3, hash: "h", timestamp: 0, expiry: 9, data: new Uint8Array(1) });
   * if (s.delete(a, ["h", "x"]).join() !== "h") throw new Error("bad");
   * s.close();
   * ```
   */
  delete(account: string, hashes: readonly string[]): string[] {
    return this.#transaction("delete messages", () => {
      const owner = this.#ownerId(account, false);
      if (owner === undefined) return [];
      const deleted: string[] = [];
      for (const hash of new Set(hashes)) {
        if (this.#run("DELETE FROM messages WHERE hash = ? AND owner = ?", [hash, owner]) > 0) deleted.push(hash);
      }
      return deleted.sort(compareStrings);
    });
  }

  /**
   * Delete every message of the account in a namespace or in all of them (§7.6).
   *
   * @param account account id
   * @param namespace a namespace or `"all"`
   * @returns what was deleted, sorted by hash
   * @example
   * ```ts
   * import { SqliteStore } from "./sqlite_store.ts";
   * const s = SqliteStore.open(":memory:");
   * const a = "05" + "00".repeat(32);
   * s.store({ account: a, namespace: 3, hash: "h", timestamp: 0, expiry: 9, data: new Uint8Array(1) });
   * if (s.deleteAll(a, "all")[0].namespace !== 3) throw new Error("bad");
   * s.close();
   * ```
   */
  deleteAll(account: string, namespace: NamespaceSelector): NamespacedHash[] {
    return this.#accountChange("delete messages", account, namespace, "DELETE FROM messages", []);
  }

  /**
   * Delete the account's messages with `timestamp <= before` (§7.7).
   *
   * @param account account id
   * @param namespace a namespace or `"all"`
   * @param before timestamp bound (ms, inclusive)
   * @returns what was deleted, sorted by hash
   * @example
   * ```ts
   * import { SqliteStore } from "./sqlite_store.ts";
   * const s = SqliteStore.open(":memory:");
   * const a = "05" + "00".repeat(32);
   * s.store({ account: a, namespace: 0, hash: "h", timestamp: 5, expiry: 9, data: new Uint8Array(1) });
   * if (s.deleteBefore(a, 0, 4).length !== 0 || s.deleteBefore(a, 0, 5).length !== 1) throw new Error("bad");
   * s.close();
   * ```
   */
  deleteBefore(account: string, namespace: NamespaceSelector, before: number): NamespacedHash[] {
    return this.#accountChange("delete messages", account, namespace, "DELETE FROM messages", [], [
      "timestamp <= ?",
      before,
    ]);
  }

  /**
   * Shorten to `expiry` the account's messages whose expiry is later (§7.8).
   *
   * @param account account id
   * @param namespace a namespace or `"all"`
   * @param expiry new expiry (ms)
   * @returns what was updated, sorted by hash
   * @example
   * ```ts
   * import { SqliteStore } from "./sqlite_store.ts";
   * const s = SqliteStore.open(":memory:");
   * const a = "05" + "00".repeat(32);
   * s.store({ account: a, namespace: 0, hash: "h", timestamp: 0, expiry: 9, data: new Uint8Array(1) });
   * if (s.expireAll(a, 0, 5).length !== 1 || s.expireAll(a, 0, 7).length !== 0) throw new Error("bad");
   * s.close();
   * ```
   */
  expireAll(account: string, namespace: NamespaceSelector, expiry: number): NamespacedHash[] {
    return this.#accountChange("expire messages", account, namespace, "UPDATE messages SET expiry = ?", [expiry], [
      "expiry > ?",
      expiry,
    ]);
  }

  /**
   * Set the expiry of the account's messages with these hashes (§7.9). `set` reports every
   * existing hash as updated (as the reference does, even when the value was already equal);
   * `shorten` only lowers, `extend` only raises.
   *
   * @param account account id
   * @param updates hash → requested expiry (ms)
   * @param mode how the expiry may move
   * @returns the updated messages, sorted by hash
   * @example
   * ```ts
   * import { SqliteStore } from "./sqlite_store.ts";
   * const s = SqliteStore.open(":memory:");
   * const a = "05" + "00".repeat(32);
   * s.store({ account: a, namespace: 0, hash: "h", timestamp: 0, expiry: 9, data: new Uint8Array(1) });
   * if (s.expire(a, new Map([["h", 20]]), "shorten").length !== 0) throw new Error("bad");
   * if (s.expire(a, new Map([["h", 20]]), "extend")[0].expiry !== 20) throw new Error("bad");
   * s.close();
   * ```
   */
  expire(account: string, updates: ReadonlyMap<string, number>, mode: ExpireMode): UpdatedExpiry[] {
    const condition = mode === "shorten" ? " AND expiry > ?1" : mode === "extend" ? " AND expiry < ?1" : "";
    return this.#transaction("expire messages", () => {
      const owner = this.#ownerId(account, false);
      if (owner === undefined) return [];
      const updated: UpdatedExpiry[] = [];
      for (const [hash, expiry] of updates) {
        const n = this.#run(`UPDATE messages SET expiry = ?1 WHERE hash = ?2 AND owner = ?3${condition}`, [
          expiry,
          hash,
          owner,
        ]);
        if (n > 0) updated.push({ hash, expiry });
      }
      return updated.sort((a, b) => compareStrings(a.hash, b.hash));
    });
  }

  /**
   * Current expiries of those hashes of the account that exist (§7.10).
   *
   * @param account account id
   * @param hashes requested hashes
   * @returns hash → expiry (ms), found hashes only
   * @example
   * ```ts
   * import { SqliteStore } from "./sqlite_store.ts";
   * const s = SqliteStore.open(":memory:");
   * const a = "05" + "00".repeat(32);
   * s.store({ account: a, namespace: 0, hash: "h", timestamp: 0, expiry: 9, data: new Uint8Array(1) });
   * if (s.getExpiries(a, ["h", "x"]).get("h") !== 9) throw new Error("bad");
   * s.close();
   * ```
   */
  getExpiries(account: string, hashes: readonly string[]): Map<string, number> {
    this.#open();
    const found = new Map<string, number>();
    const owner = this.#ownerId(account, false);
    if (owner === undefined) return found;
    for (const hash of hashes) {
      const row = this.#get<{ expiry: number }>("SELECT expiry FROM messages WHERE hash = ? AND owner = ?", [
        hash,
        owner,
      ]);
      if (row !== undefined) found.set(hash, row.expiry);
    }
    return found;
  }

  /**
   * Every stored message in insertion order, one query per page (§4.1). Rows deleted while
   * iterating are skipped; rows added while iterating may or may not be visited.
   *
   * @param pageSize messages per page (default 500)
   * @returns an iterable of non-empty pages
   * @throws {RangeError} if `pageSize` is not a positive integer
   * @example
   * ```ts
   * import { SqliteStore } from "./sqlite_store.ts";
   * const s = SqliteStore.open(":memory:");
   * const a = "05" + "00".repeat(32);
   * for (const hash of ["a", "b", "c"]) s.store({ account: a, namespace: 0, hash, timestamp: 0, expiry: 9, data: new Uint8Array(1) });
   * if ([...s.allMessages(2)].map((p) => p.length).join() !== "2,1") throw new Error("bad");
   * s.close();
   * ```
   */
  allMessages(pageSize: number = DEFAULT_PAGE_SIZE): Iterable<StoredMessage[]> {
    this.#open();
    if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
      throw new RangeError(`Cannot page messages: page size is ${pageSize}, expected a positive integer`);
    }
    const page = (afterId: number) =>
      this.#all<MessageRow>(
        `SELECT m.id, o.account, m.namespace, m.hash, m.timestamp, m.expiry, m.data
         FROM messages m JOIN owners o ON o.id = m.owner WHERE m.id > ? ORDER BY m.id LIMIT ?`,
        [afterId, pageSize],
      );
    return (function* () {
      let afterId = 0;
      while (true) {
        const rows = page(afterId);
        if (rows.length === 0) return;
        afterId = rows[rows.length - 1].id;
        yield rows.map(({ account, namespace, hash, timestamp, expiry, data }) => ({
          account,
          namespace,
          hash,
          timestamp,
          expiry,
          data,
        }));
        if (rows.length < pageSize) return;
      }
    })();
  }

  /**
   * Delete messages with `expiry <= now` (§10), in one transaction.
   *
   * @param now current time (ms)
   * @returns how many were deleted
   * @example
   * ```ts
   * import { SqliteStore } from "./sqlite_store.ts";
   * const s = SqliteStore.open(":memory:");
   * const a = "05" + "00".repeat(32);
   * s.store({ account: a, namespace: 0, hash: "h", timestamp: 0, expiry: 9, data: new Uint8Array(1) });
   * if (s.deleteExpired(8) !== 0 || s.deleteExpired(9) !== 1) throw new Error("bad");
   * s.close();
   * ```
   */
  deleteExpired(now: number): number {
    return this.#transaction(
      "delete expired messages",
      () => this.#run("DELETE FROM messages WHERE expiry <= ?", [now]),
    );
  }

  /**
   * Message and owner counts.
   *
   * @returns the counts
   * @example
   * ```ts
   * import { SqliteStore } from "./sqlite_store.ts";
   * const s = SqliteStore.open(":memory:");
   * if (s.counts().owners !== 0) throw new Error("bad");
   * s.close();
   * ```
   */
  counts(): StoreCounts {
    this.#open();
    const messages = this.#get<{ n: number }>("SELECT COUNT(*) AS n FROM messages", [])!.n;
    const owners = this.#get<{ n: number }>(
      "SELECT COUNT(*) AS n FROM owners o WHERE EXISTS (SELECT 1 FROM messages WHERE owner = o.id)",
      [],
    )!.n;
    return { messages, owners };
  }

  /**
   * Record subaccount token revocations (§7.11), keeping the 50 most recent per account. Unlike
   * the reference, revocations persist when the account has no stored message.
   *
   * @param account account id
   * @param tokens revoked tokens
   * @param now current time (ms), the revocation time
   * @throws {StoreFullError} at the size cap (nothing changed)
   * @example
   * ```ts
   * import { SqliteStore } from "./sqlite_store.ts";
   * const s = SqliteStore.open(":memory:");
   * const a = "05" + "00".repeat(32);
   * s.revokeSubaccounts(a, [new Uint8Array([1])], 0);
   * if (!s.isSubaccountRevoked(a, new Uint8Array([1]))) throw new Error("bad");
   * s.close();
   * ```
   */
  revokeSubaccounts(account: string, tokens: readonly Uint8Array[], now: number): void {
    if (tokens.length === 0) return this.#open();
    this.#transaction("revoke subaccounts", () => {
      const owner = this.#ownerId(account, true)!;
      for (const token of tokens) {
        // A re-revocation becomes the most recent one (new id), never with an older time.
        const old = this.#get<{ revoked_at: number }>(
          "DELETE FROM revoked_subaccounts WHERE owner = ? AND token = ? RETURNING revoked_at",
          [owner, token],
        );
        this.#run("INSERT INTO revoked_subaccounts (owner, token, revoked_at) VALUES (?, ?, ?)", [
          owner,
          token,
          Math.max(now, old?.revoked_at ?? now),
        ]);
      }
      this.#run(
        `DELETE FROM revoked_subaccounts WHERE owner = ?1 AND id NOT IN (
           SELECT id FROM revoked_subaccounts WHERE owner = ?1 ORDER BY revoked_at DESC, id DESC LIMIT ?2)`,
        [owner, MAX_REVOCATIONS_PER_ACCOUNT],
      );
    });
  }

  /**
   * Remove revocations (§7.11).
   *
   * @param account account id
   * @param tokens tokens to un-revoke
   * @returns how many were removed
   * @example
   * ```ts
   * import { SqliteStore } from "./sqlite_store.ts";
   * const s = SqliteStore.open(":memory:");
   * const a = "05" + "00".repeat(32);
   * s.revokeSubaccounts(a, [new Uint8Array([1])], 0);
   * if (s.unrevokeSubaccounts(a, [new Uint8Array([1]), new Uint8Array([2])]) !== 1) throw new Error("bad");
   * s.close();
   * ```
   */
  unrevokeSubaccounts(account: string, tokens: readonly Uint8Array[]): number {
    return this.#transaction("unrevoke subaccounts", () => {
      const owner = this.#ownerId(account, false);
      if (owner === undefined) return 0;
      let n = 0;
      for (const token of new Map(tokens.map((t) => [t.join(), t])).values()) {
        n += this.#run("DELETE FROM revoked_subaccounts WHERE owner = ? AND token = ?", [owner, token]);
      }
      return n;
    });
  }

  /**
   * Whether the token is revoked for the account (§6.2 step 3).
   *
   * @param account account id
   * @param token subaccount token
   * @returns whether it is revoked
   * @example
   * ```ts
   * import { SqliteStore } from "./sqlite_store.ts";
   * const s = SqliteStore.open(":memory:");
   * if (s.isSubaccountRevoked("05" + "00".repeat(32), new Uint8Array([1]))) throw new Error("bad");
   * s.close();
   * ```
   */
  isSubaccountRevoked(account: string, token: Uint8Array): boolean {
    this.#open();
    return this.#get(
      `SELECT 1 AS x FROM revoked_subaccounts WHERE token = ? AND owner = (SELECT id FROM owners WHERE account = ?)`,
      [token, account],
    ) !== undefined;
  }

  /**
   * Pragmas and page figures of the open database.
   *
   * @returns journal mode, synchronous level, schema version and page figures
   * @example
   * ```ts
   * import { SCHEMA_VERSION, SqliteStore } from "./sqlite_store.ts";
   * const s = SqliteStore.open(":memory:");
   * if (s.info().schemaVersion !== SCHEMA_VERSION) throw new Error("bad");
   * s.close();
   * ```
   */
  info(): SqliteStoreInfo {
    this.#open();
    const db = this.#db;
    return {
      journalMode: String(db.prepare("PRAGMA journal_mode").get()!.journal_mode),
      synchronous: pragma(db, "synchronous"),
      schemaVersion: pragma(db, "user_version"),
      pageSize: pragma(db, "page_size"),
      pageCount: pragma(db, "page_count"),
      maxPageCount: pragma(db, "max_page_count"),
      freePages: pragma(db, "freelist_count"),
    };
  }

  /**
   * Close the database (idempotent); later calls throw.
   *
   * @example
   * ```ts
   * import { SqliteStore } from "./sqlite_store.ts";
   * const s = SqliteStore.open(":memory:");
   * s.close();
   * s.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#statements.clear();
    this.#db.close();
  }

  #open(): void {
    if (this.#closed) throw new Error("Cannot use SQLite store: it is closed");
  }

  /** Run `fn` in one IMMEDIATE transaction; roll back on any error; SQLITE_FULL → StoreFullError. */
  #transaction<T>(action: string, fn: () => T): T {
    this.#open();
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const result = fn();
      this.#db.exec("COMMIT");
      return result;
    } catch (e) {
      // SQLite may already have rolled back on SQLITE_FULL.
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw translate(e, action);
    }
  }

  /**
   * Shared body of deleteAll / deleteBefore / expireAll: `head` (with `headParams`) restricted to
   * the account's rows, the namespace and an optional extra condition; statements stay cacheable.
   */
  #accountChange(
    action: string,
    account: string,
    namespace: NamespaceSelector,
    head: string,
    headParams: SqlParam[],
    extra?: [string, SqlParam],
  ): NamespacedHash[] {
    return this.#transaction(action, () => {
      const owner = this.#ownerId(account, false);
      if (owner === undefined) return [];
      let sql = `${head} WHERE owner = ?`;
      const params: SqlParam[] = [...headParams, owner];
      if (namespace !== "all") {
        sql += " AND namespace = ?";
        params.push(namespace);
      }
      if (extra !== undefined) {
        sql += ` AND ${extra[0]}`;
        params.push(extra[1]);
      }
      const rows = this.#all<NamespacedHash>(`${sql} RETURNING namespace, hash`, params);
      return rows.map(({ namespace, hash }) => ({ namespace, hash })).sort((a, b) => compareStrings(a.hash, b.hash));
    });
  }

  #ownerId(account: string, create: boolean): number | undefined {
    const found = this.#get<{ id: number }>("SELECT id FROM owners WHERE account = ?", [account]);
    if (found !== undefined || !create) return found?.id;
    return this.#get<{ id: number }>("INSERT INTO owners (account) VALUES (?) RETURNING id", [account])!.id;
  }

  /** Insert one row; with `skipDuplicate`, an existing hash is left alone. @returns rows inserted */
  #insert(owner: number, m: StoredMessage, skipDuplicate = false): number {
    return this.#run(
      `INSERT INTO messages (owner, hash, namespace, timestamp, expiry, data) VALUES (?, ?, ?, ?, ?, ?)${
        skipDuplicate ? " ON CONFLICT (hash) DO NOTHING" : ""
      }`,
      [owner, m.hash, m.namespace, m.timestamp, m.expiry, m.data],
    );
  }

  #statement(sql: string): StatementSync {
    let st = this.#statements.get(sql);
    if (st === undefined) this.#statements.set(sql, st = this.#db.prepare(sql));
    return st;
  }

  #run(sql: string, params: SqlParam[]): number {
    return Number(this.#statement(sql).run(...params).changes);
  }

  #get<T>(sql: string, params: SqlParam[]): T | undefined {
    return this.#statement(sql).get(...params) as T | undefined;
  }

  #all<T>(sql: string, params: SqlParam[]): T[] {
    return this.#statement(sql).all(...params) as T[];
  }
}

type SqlParam = number | string | Uint8Array;

/** End a retrieve early: release the statement's read cursor and return. */
function done(messages: StoredMessage[], more: boolean, rows: Iterator<unknown>): RetrieveResult {
  rows.return?.();
  return { messages, more };
}

function pragma(db: Database, name: string): number {
  return Number(Object.values(db.prepare(`PRAGMA ${name}`).get()!)[0]);
}

function checkIntegrity(db: Database, check: "quick_check" | "integrity_check"): void {
  const rows = db.prepare(`PRAGMA ${check}`).all().map((r) => String(Object.values(r)[0]));
  if (rows.length !== 1 || rows[0] !== "ok") {
    throw new StoreCorruptError(`Cannot open SQLite store: ${check} failed: ${rows.slice(0, 3).join("; ")}`);
  }
}

/** Apply the migrations from the file's `user_version` up to `target`, each in its own transaction. */
function migrate(db: Database, target: number): void {
  const version = pragma(db, "user_version");
  if (version > SCHEMA_VERSION) {
    throw new RangeError(
      `Cannot open SQLite store: schema version ${version} is newer than this code knows (${SCHEMA_VERSION})`,
    );
  }
  for (let v = version; v < target; v++) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(MIGRATIONS[v]);
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec("COMMIT");
    } catch (e) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw e;
    }
  }
}

/** Map SQLite errors to store errors; pass anything else through. */
function translate(e: unknown, action: string): unknown {
  if (e instanceof StoreFullError || e instanceof StoreCorruptError || !(e instanceof Error)) return e;
  const errcode = (e as { errcode?: number }).errcode;
  if (errcode === SQLITE_FULL) return new StoreFullError(`Cannot ${action}: database is full`);
  if (
    errcode === SQLITE_CORRUPT || errcode === SQLITE_NOTADB ||
    /file is not a database|database disk image is malformed/.test(e.message)
  ) {
    return new StoreCorruptError(`Cannot ${action}: ${e.message}`);
  }
  return e;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
