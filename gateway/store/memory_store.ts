/**
 * An in-memory {@link MessageStore} for tests and development (swarms-and-storage.md §7). It keeps
 * the same semantics as `sqlite_store.ts` (the contract suite in `message_store_contract.ts` runs
 * against both) but nothing survives the process.
 *
 * @module
 */

import { toHex } from "../../protocol/bytes.ts";
import {
  type ExpireMode,
  type MessageStore,
  type NamespacedHash,
  type NamespaceSelector,
  type RetrieveOptions,
  type RetrieveResult,
  type StoreCounts,
  type StoredMessage,
  StoreFullError,
  type StoreOptions,
  type StoreResult,
  type UpdatedExpiry,
} from "./message_store.ts";

/** Per-message overhead of the retrieve size budget (swarms-and-storage.md §7.2). */
const RETRIEVE_MESSAGE_OVERHEAD = 100;
/** Most recent subaccount revocations kept per account (swarms-and-storage.md §7.11, §10). */
const MAX_REVOCATIONS_PER_ACCOUNT = 50;
/** Messages per page of {@link MemoryStore.allMessages} when no page size is given. */
const DEFAULT_PAGE_SIZE = 500;

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Cap on the total message data bytes held (sum of `data.length`); a write that would pass it
   * throws {@link StoreFullError} and changes nothing. Absent = no cap.
   */
  readonly maxBytes?: number;
}

interface Row {
  readonly id: number;
  readonly account: string;
  readonly namespace: number;
  readonly hash: string;
  readonly timestamp: number;
  expiry: number;
  readonly data: Uint8Array;
}

interface Revocation {
  readonly at: number;
  readonly seq: number;
}

/**
 * An in-memory message store: a map of rows in insertion order plus per-mailbox indexes.
 *
 * @example Store and retrieve
 * ```ts
 * import { MemoryStore } from "./memory_store.ts";
 * const store = new MemoryStore();
 * const account = "05" + "ab".repeat(32);
 * store.store({ account, namespace: 0, hash: "h1", timestamp: 1, expiry: 100, data: new Uint8Array([1]) });
 * const { messages } = store.retrieve(account, 0, { now: 50 });
 * if (messages.length !== 1 || messages[0].hash !== "h1") throw new Error("bad");
 * store.close();
 * ```
 */
export class MemoryStore implements MessageStore {
  /** Every row by hash, in insertion order (JS maps keep it). */
  #rows = new Map<string, Row>();
  /** account → namespace → hash → row, each in insertion order. */
  #mailboxes = new Map<string, Map<number, Map<string, Row>>>();
  /** account → token hex → revocation. */
  #revocations = new Map<string, Map<string, Revocation>>();
  #nextId = 1;
  #nextRevocationSeq = 1;
  #bytes = 0;
  #maxBytes: number;
  #closed = false;

  /**
   * @param options size cap
   * @throws {RangeError} if `maxBytes` is negative or not a number
   * @example Size cap
   * ```ts
   * import { MemoryStore } from "./memory_store.ts";
   * import { StoreFullError } from "./message_store.ts";
   * const store = new MemoryStore({ maxBytes: 4 });
   * const msg = { account: "05" + "00".repeat(32), namespace: 0, hash: "h", timestamp: 0, expiry: 9, data: new Uint8Array(5) };
   * try { store.store(msg); throw new Error("stored"); } catch (e) { if (!(e instanceof StoreFullError)) throw e; }
   * ```
   */
  constructor(options: MemoryStoreOptions = {}) {
    const maxBytes = options.maxBytes ?? Infinity;
    if (typeof maxBytes !== "number" || Number.isNaN(maxBytes) || maxBytes < 0) {
      throw new RangeError(`Cannot create memory store: maxBytes is ${String(options.maxBytes)}`);
    }
    this.#maxBytes = maxBytes;
  }

  /**
   * Store one message (§7.1 effect).
   *
   * @param message the message
   * @param options `replaceNamespace` for public outboxes
   * @returns outcome and stored expiry
   * @throws {StoreFullError} at the size cap (nothing changed)
   * @example
   * ```ts
   * import { MemoryStore } from "./memory_store.ts";
   * const s = new MemoryStore();
   * const m = { account: "05" + "00".repeat(32), namespace: 0, hash: "h", timestamp: 0, expiry: 9, data: new Uint8Array(1) };
   * if (s.store(m).outcome !== "new" || s.store({ ...m, expiry: 10 }).outcome !== "extended") throw new Error("bad");
   * ```
   */
  store(message: StoredMessage, options: StoreOptions = {}): StoreResult {
    this.#open();
    const existing = this.#rows.get(message.hash);
    // §7.1: a public outbox keeps one message; the duplicate itself is not deleted (reference).
    const replaced = options.replaceNamespace
      ? [...(this.#mailbox(message.account, message.namespace)?.values() ?? [])].filter((r) => r.hash !== message.hash)
      : [];
    if (existing === undefined) {
      const freed = replaced.reduce((n, r) => n + r.data.length, 0);
      if (this.#bytes - freed + message.data.length > this.#maxBytes) {
        throw new StoreFullError("Cannot store message: store is full");
      }
    }
    for (const r of replaced) this.#remove(r);
    if (existing !== undefined) {
      if (existing.expiry < message.expiry) {
        existing.expiry = message.expiry;
        return { outcome: "extended", expiry: existing.expiry };
      }
      return { outcome: "exists", expiry: existing.expiry };
    }
    this.#insert(message);
    return { outcome: "new", expiry: message.expiry };
  }

  /**
   * Insert many messages, all or nothing, skipping hashes already stored (§4.2).
   *
   * @param messages the messages
   * @returns how many were inserted
   * @throws {StoreFullError} at the size cap (nothing changed)
   * @example
   * ```ts
   * import { MemoryStore } from "./memory_store.ts";
   * const s = new MemoryStore();
   * const m = { account: "05" + "00".repeat(32), namespace: 0, hash: "h", timestamp: 0, expiry: 9, data: new Uint8Array(1) };
   * if (s.storeMany([m, m, { ...m, hash: "g" }]) !== 2) throw new Error("bad");
   * ```
   */
  storeMany(messages: readonly StoredMessage[]): number {
    this.#open();
    const fresh = new Map<string, StoredMessage>();
    for (const m of messages) {
      if (!this.#rows.has(m.hash) && !fresh.has(m.hash)) fresh.set(m.hash, m);
    }
    let added = 0;
    for (const m of fresh.values()) added += m.data.length;
    if (this.#bytes + added > this.#maxBytes) {
      throw new StoreFullError("Cannot store messages: store is full");
    }
    for (const m of fresh.values()) this.#insert(m);
    return fresh.size;
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
   * import { MemoryStore } from "./memory_store.ts";
   * const s = new MemoryStore();
   * const a = "05" + "00".repeat(32);
   * for (const hash of ["a", "b", "c"]) s.store({ account: a, namespace: 0, hash, timestamp: 0, expiry: 9, data: new Uint8Array(1) });
   * const r = s.retrieve(a, 0, { lastHash: "a", maxCount: 1, now: 0 });
   * if (r.messages[0].hash !== "b" || !r.more) throw new Error("bad");
   * ```
   */
  retrieve(account: string, namespace: number, options: RetrieveOptions): RetrieveResult {
    this.#open();
    const box = this.#mailbox(account, namespace);
    if (box === undefined) return { messages: [], more: false };
    const maxCount = options.maxCount === undefined ? Infinity : Math.max(1, options.maxCount);
    const startAfter = options.lastHash !== undefined && box.has(options.lastHash) ? options.lastHash : undefined;
    let started = startAfter === undefined;
    const messages: StoredMessage[] = [];
    let size = 0;
    for (const row of box.values()) {
      if (!started) {
        started = row.hash === startAfter;
        continue;
      }
      if (row.expiry <= options.now) continue;
      if (messages.length >= maxCount) return { messages, more: true };
      if (options.maxSize !== undefined) {
        // §7.2: the budget counts the base64 estimate; at least one message is returned.
        size += RETRIEVE_MESSAGE_OVERHEAD + row.hash.length + Math.floor(row.data.length * 4 / 3);
        if (messages.length > 0 && size > options.maxSize) return { messages, more: true };
      }
      messages.push(toMessage(row));
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
   * import { MemoryStore } from "./memory_store.ts";
   * const s = new MemoryStore();
   * const a = "05" + "00".repeat(32);
   * s.store({ account: a, namespace: 3, hash: "h", timestamp: 0, expiry: 9, data: new Uint8Array(1) });
   * if (s.delete(a, ["h", "x"]).join() !== "h") throw new Error("bad");
   * ```
   */
  delete(account: string, hashes: readonly string[]): string[] {
    this.#open();
    const deleted: string[] = [];
    for (const hash of new Set(hashes)) {
      const row = this.#rows.get(hash);
      if (row !== undefined && row.account === account) {
        this.#remove(row);
        deleted.push(hash);
      }
    }
    return deleted.sort(compareStrings);
  }

  /**
   * Delete every message of the account in a namespace or in all of them (§7.6).
   *
   * @param account account id
   * @param namespace a namespace or `"all"`
   * @returns what was deleted, sorted by hash
   * @example
   * ```ts
   * import { MemoryStore } from "./memory_store.ts";
   * const s = new MemoryStore();
   * const a = "05" + "00".repeat(32);
   * s.store({ account: a, namespace: 3, hash: "h", timestamp: 0, expiry: 9, data: new Uint8Array(1) });
   * if (s.deleteAll(a, "all")[0].namespace !== 3) throw new Error("bad");
   * ```
   */
  deleteAll(account: string, namespace: NamespaceSelector): NamespacedHash[] {
    this.#open();
    return this.#removeWhere(account, namespace, () => true);
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
   * import { MemoryStore } from "./memory_store.ts";
   * const s = new MemoryStore();
   * const a = "05" + "00".repeat(32);
   * s.store({ account: a, namespace: 0, hash: "h", timestamp: 5, expiry: 9, data: new Uint8Array(1) });
   * if (s.deleteBefore(a, 0, 4).length !== 0 || s.deleteBefore(a, 0, 5).length !== 1) throw new Error("bad");
   * ```
   */
  deleteBefore(account: string, namespace: NamespaceSelector, before: number): NamespacedHash[] {
    this.#open();
    return this.#removeWhere(account, namespace, (r) => r.timestamp <= before);
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
   * import { MemoryStore } from "./memory_store.ts";
   * const s = new MemoryStore();
   * const a = "05" + "00".repeat(32);
   * s.store({ account: a, namespace: 0, hash: "h", timestamp: 0, expiry: 9, data: new Uint8Array(1) });
   * if (s.expireAll(a, 0, 5).length !== 1 || s.expireAll(a, 0, 7).length !== 0) throw new Error("bad");
   * ```
   */
  expireAll(account: string, namespace: NamespaceSelector, expiry: number): NamespacedHash[] {
    this.#open();
    const updated: NamespacedHash[] = [];
    for (const row of this.#accountRows(account, namespace)) {
      if (row.expiry > expiry) {
        row.expiry = expiry;
        updated.push({ namespace: row.namespace, hash: row.hash });
      }
    }
    return updated.sort((a, b) => compareStrings(a.hash, b.hash));
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
   * import { MemoryStore } from "./memory_store.ts";
   * const s = new MemoryStore();
   * const a = "05" + "00".repeat(32);
   * s.store({ account: a, namespace: 0, hash: "h", timestamp: 0, expiry: 9, data: new Uint8Array(1) });
   * if (s.expire(a, new Map([["h", 20]]), "shorten").length !== 0) throw new Error("bad");
   * if (s.expire(a, new Map([["h", 20]]), "extend")[0].expiry !== 20) throw new Error("bad");
   * ```
   */
  expire(account: string, updates: ReadonlyMap<string, number>, mode: ExpireMode): UpdatedExpiry[] {
    this.#open();
    const updated: UpdatedExpiry[] = [];
    for (const [hash, expiry] of updates) {
      const row = this.#rows.get(hash);
      if (row === undefined || row.account !== account) continue;
      if (mode === "shorten" && !(row.expiry > expiry)) continue;
      if (mode === "extend" && !(row.expiry < expiry)) continue;
      row.expiry = expiry;
      updated.push({ hash, expiry });
    }
    return updated.sort((a, b) => compareStrings(a.hash, b.hash));
  }

  /**
   * Current expiries of those hashes of the account that exist (§7.10).
   *
   * @param account account id
   * @param hashes requested hashes
   * @returns hash → expiry (ms), found hashes only
   * @example
   * ```ts
   * import { MemoryStore } from "./memory_store.ts";
   * const s = new MemoryStore();
   * const a = "05" + "00".repeat(32);
   * s.store({ account: a, namespace: 0, hash: "h", timestamp: 0, expiry: 9, data: new Uint8Array(1) });
   * if (s.getExpiries(a, ["h", "x"]).get("h") !== 9) throw new Error("bad");
   * ```
   */
  getExpiries(account: string, hashes: readonly string[]): Map<string, number> {
    this.#open();
    const found = new Map<string, number>();
    for (const hash of hashes) {
      const row = this.#rows.get(hash);
      if (row !== undefined && row.account === account) found.set(hash, row.expiry);
    }
    return found;
  }

  /**
   * Every stored message in insertion order, in pages (§4.1). Rows deleted while iterating are
   * skipped; rows added while iterating are not visited.
   *
   * @param pageSize messages per page (default 500)
   * @returns an iterable of non-empty pages
   * @throws {RangeError} if `pageSize` is not a positive integer
   * @example
   * ```ts
   * import { MemoryStore } from "./memory_store.ts";
   * const s = new MemoryStore();
   * const a = "05" + "00".repeat(32);
   * for (const hash of ["a", "b", "c"]) s.store({ account: a, namespace: 0, hash, timestamp: 0, expiry: 9, data: new Uint8Array(1) });
   * if ([...s.allMessages(2)].map((p) => p.length).join() !== "2,1") throw new Error("bad");
   * ```
   */
  allMessages(pageSize: number = DEFAULT_PAGE_SIZE): Iterable<StoredMessage[]> {
    this.#open();
    checkPageSize(pageSize);
    const snapshot = [...this.#rows.values()];
    const rows = this.#rows;
    return (function* () {
      let page: StoredMessage[] = [];
      for (const row of snapshot) {
        if (rows.get(row.hash) !== row) continue;
        page.push(toMessage(row));
        if (page.length === pageSize) {
          yield page;
          page = [];
        }
      }
      if (page.length > 0) yield page;
    })();
  }

  /**
   * Delete messages with `expiry <= now` (§10).
   *
   * @param now current time (ms)
   * @returns how many were deleted
   * @example
   * ```ts
   * import { MemoryStore } from "./memory_store.ts";
   * const s = new MemoryStore();
   * const a = "05" + "00".repeat(32);
   * s.store({ account: a, namespace: 0, hash: "h", timestamp: 0, expiry: 9, data: new Uint8Array(1) });
   * if (s.deleteExpired(8) !== 0 || s.deleteExpired(9) !== 1) throw new Error("bad");
   * ```
   */
  deleteExpired(now: number): number {
    this.#open();
    let n = 0;
    for (const row of [...this.#rows.values()]) {
      if (row.expiry <= now) {
        this.#remove(row);
        n++;
      }
    }
    return n;
  }

  /**
   * Message and owner counts.
   *
   * @returns the counts
   * @example
   * ```ts
   * import { MemoryStore } from "./memory_store.ts";
   * if (new MemoryStore().counts().messages !== 0) throw new Error("bad");
   * ```
   */
  counts(): StoreCounts {
    this.#open();
    return { messages: this.#rows.size, owners: this.#mailboxes.size };
  }

  /**
   * Record subaccount token revocations (§7.11), keeping the 50 most recent per account. Unlike
   * the reference, revocations persist when the account has no stored message.
   *
   * @param account account id
   * @param tokens revoked tokens
   * @param now current time (ms), the revocation time
   * @example
   * ```ts
   * import { MemoryStore } from "./memory_store.ts";
   * const s = new MemoryStore();
   * const a = "05" + "00".repeat(32);
   * s.revokeSubaccounts(a, [new Uint8Array([1])], 0);
   * if (!s.isSubaccountRevoked(a, new Uint8Array([1]))) throw new Error("bad");
   * ```
   */
  revokeSubaccounts(account: string, tokens: readonly Uint8Array[], now: number): void {
    this.#open();
    if (tokens.length === 0) return;
    let revoked = this.#revocations.get(account);
    if (revoked === undefined) this.#revocations.set(account, revoked = new Map());
    for (const token of tokens) {
      const key = toHex(token);
      const at = Math.max(now, revoked.get(key)?.at ?? -Infinity);
      revoked.delete(key);
      revoked.set(key, { at, seq: this.#nextRevocationSeq++ });
    }
    if (revoked.size > MAX_REVOCATIONS_PER_ACCOUNT) {
      const keep = [...revoked].sort(([, a], [, b]) => b.at - a.at || b.seq - a.seq)
        .slice(0, MAX_REVOCATIONS_PER_ACCOUNT);
      this.#revocations.set(account, new Map(keep.sort(([, a], [, b]) => a.seq - b.seq)));
    }
  }

  /**
   * Remove revocations (§7.11).
   *
   * @param account account id
   * @param tokens tokens to un-revoke
   * @returns how many were removed
   * @example
   * ```ts
   * import { MemoryStore } from "./memory_store.ts";
   * const s = new MemoryStore();
   * const a = "05" + "00".repeat(32);
   * s.revokeSubaccounts(a, [new Uint8Array([1])], 0);
   * if (s.unrevokeSubaccounts(a, [new Uint8Array([1]), new Uint8Array([2])]) !== 1) throw new Error("bad");
   * ```
   */
  unrevokeSubaccounts(account: string, tokens: readonly Uint8Array[]): number {
    this.#open();
    const revoked = this.#revocations.get(account);
    if (revoked === undefined) return 0;
    let n = 0;
    for (const token of tokens) if (revoked.delete(toHex(token))) n++;
    if (revoked.size === 0) this.#revocations.delete(account);
    return n;
  }

  /**
   * Whether the token is revoked for the account (§6.2 step 3).
   *
   * @param account account id
   * @param token subaccount token
   * @returns whether it is revoked
   * @example
   * ```ts
   * import { MemoryStore } from "./memory_store.ts";
   * if (new MemoryStore().isSubaccountRevoked("05" + "00".repeat(32), new Uint8Array([1]))) throw new Error("bad");
   * ```
   */
  isSubaccountRevoked(account: string, token: Uint8Array): boolean {
    this.#open();
    return this.#revocations.get(account)?.has(toHex(token)) ?? false;
  }

  /**
   * Release the store (idempotent); later calls throw.
   *
   * @example
   * ```ts
   * import { MemoryStore } from "./memory_store.ts";
   * const s = new MemoryStore();
   * s.close();
   * s.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#rows.clear();
    this.#mailboxes.clear();
    this.#revocations.clear();
  }

  #open(): void {
    if (this.#closed) throw new Error("Cannot use memory store: it is closed");
  }

  #mailbox(account: string, namespace: number): Map<string, Row> | undefined {
    return this.#mailboxes.get(account)?.get(namespace);
  }

  *#accountRows(account: string, namespace: NamespaceSelector): Generator<Row> {
    const boxes = this.#mailboxes.get(account);
    if (boxes === undefined) return;
    if (namespace === "all") {
      for (const box of [...boxes.values()]) yield* [...box.values()];
    } else {
      yield* [...(boxes.get(namespace)?.values() ?? [])];
    }
  }

  #removeWhere(account: string, namespace: NamespaceSelector, match: (row: Row) => boolean): NamespacedHash[] {
    const deleted: NamespacedHash[] = [];
    for (const row of this.#accountRows(account, namespace)) {
      if (match(row)) {
        this.#remove(row);
        deleted.push({ namespace: row.namespace, hash: row.hash });
      }
    }
    return deleted.sort((a, b) => compareStrings(a.hash, b.hash));
  }

  #insert(m: StoredMessage): void {
    const row: Row = {
      id: this.#nextId++,
      account: m.account,
      namespace: m.namespace,
      hash: m.hash,
      timestamp: m.timestamp,
      expiry: m.expiry,
      data: m.data.slice(),
    };
    this.#rows.set(row.hash, row);
    let boxes = this.#mailboxes.get(row.account);
    if (boxes === undefined) this.#mailboxes.set(row.account, boxes = new Map());
    let box = boxes.get(row.namespace);
    if (box === undefined) boxes.set(row.namespace, box = new Map());
    box.set(row.hash, row);
    this.#bytes += row.data.length;
  }

  #remove(row: Row): void {
    this.#rows.delete(row.hash);
    const boxes = this.#mailboxes.get(row.account);
    const box = boxes?.get(row.namespace);
    box?.delete(row.hash);
    if (box?.size === 0) boxes!.delete(row.namespace);
    if (boxes?.size === 0) this.#mailboxes.delete(row.account);
    this.#bytes -= row.data.length;
  }
}

function toMessage(row: Row): StoredMessage {
  return {
    account: row.account,
    namespace: row.namespace,
    hash: row.hash,
    timestamp: row.timestamp,
    expiry: row.expiry,
    data: row.data.slice(),
  };
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkPageSize(pageSize: number): void {
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new RangeError(`Cannot page messages: page size is ${pageSize}, expected a positive integer`);
  }
}
