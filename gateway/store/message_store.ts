/**
 * The message store of a service node (swarms-and-storage.md §4, §7, §8): the contract every
 * implementation keeps (`sqlite_store.ts`, the default, and `memory_store.ts` for tests). The
 * storage-RPC handlers (`gateway/storage_rpc/`) call only this interface. Methods are synchronous
 * (node:sqlite is), take the time they need as an argument and never read a clock.
 *
 * Accounts are the 66-hex prefixed account id (lower case); hashes are the 43-character message
 * hashes (§8) and are globally unique keys in one store. Every list a method returns is in the
 * order its JSDoc states, so callers can sign it without sorting again.
 *
 * @module
 */

/** One stored message (swarms-and-storage.md §7.1, §7.2). */
export interface StoredMessage {
  /** 66-hex prefixed account id, lower case. */
  readonly account: string;
  /** Namespace, a signed 16-bit integer. */
  readonly namespace: number;
  /** 43-character message hash. */
  readonly hash: string;
  /** Client timestamp, ms since the epoch. */
  readonly timestamp: number;
  /** Expiry, ms since the epoch. */
  readonly expiry: number;
  /** The message bytes. */
  readonly data: Uint8Array;
}

/** What a store did with one message (storage-database-scenarios.json `expect`). */
export type StoreOutcome = "new" | "extended" | "exists";

/** Result of {@link MessageStore.store}. */
export interface StoreResult {
  /** `new`: inserted; `extended`: the hash existed and its expiry was raised; `exists`: unchanged. */
  readonly outcome: StoreOutcome;
  /** The expiry now stored for the hash (ms). */
  readonly expiry: number;
}

/** Options of {@link MessageStore.store}. */
export interface StoreOptions {
  /**
   * Public outbox (§9): delete every other message of this account in this namespace in the
   * same transaction before inserting.
   */
  readonly replaceNamespace?: boolean;
}

/** Options of {@link MessageStore.retrieve}; both limits are already resolved (§7.2). */
export interface RetrieveOptions {
  /** Return messages inserted after this hash; absent, or not found in this mailbox, = from the start. */
  readonly lastHash?: string;
  /** Most messages to return; absent = no count limit. */
  readonly maxCount?: number;
  /**
   * Byte budget, counted per message as `100 + len(hash) + floor(len(data) * 4 / 3)` (§7.2);
   * at least one message is always returned. Absent = no size limit.
   */
  readonly maxSize?: number;
  /** Current time (ms): messages with `expiry <= now` are not returned. */
  readonly now: number;
}

/** Result of {@link MessageStore.retrieve}. */
export interface RetrieveResult {
  /** Messages of that account and namespace, in insertion order. */
  readonly messages: readonly StoredMessage[];
  /** Whether more messages follow the last one returned. */
  readonly more: boolean;
}

/** A message a bulk method touched: its namespace and hash. */
export interface NamespacedHash {
  /** Namespace of the message. */
  readonly namespace: number;
  /** Its hash. */
  readonly hash: string;
}

/** The namespace selector of delete_all / delete_before / expire_all (§7.6–§7.8). */
export type NamespaceSelector = number | "all";

/** How {@link MessageStore.expire} may move an expiry (§7.9). */
export type ExpireMode = "set" | "shorten" | "extend";

/** One updated expiry. */
export interface UpdatedExpiry {
  /** The message hash. */
  readonly hash: string;
  /** Its new expiry (ms). */
  readonly expiry: number;
}

/** Message and owner counts (storage-database-scenarios.json `count`). */
export interface StoreCounts {
  /** Stored messages, expired or not. */
  readonly messages: number;
  /** Accounts with at least one stored message. */
  readonly owners: number;
}

/** The store refused a write because it reached its size cap (→ 507, hardening.md §3). */
export class StoreFullError extends Error {
  /**
   * @param message what was refused
   * @example
   * ```ts
   * import { StoreFullError } from "./message_store.ts";
   * if (new StoreFullError("Cannot store message: database is full").name !== "StoreFullError") throw new Error("bad");
   * ```
   */
  constructor(message: string) {
    super(message);
    this.name = "StoreFullError";
  }
}

/** The store's data failed a consistency check, or the file is not a store (refuse to start). */
export class StoreCorruptError extends Error {
  /**
   * @param message what was found
   * @example
   * ```ts
   * import { StoreCorruptError } from "./message_store.ts";
   * if (new StoreCorruptError("x").name !== "StoreCorruptError") throw new Error("bad");
   * ```
   */
  constructor(message: string) {
    super(message);
    this.name = "StoreCorruptError";
  }
}

/** The message store contract (swarms-and-storage.md §7; one contract suite runs against every implementation). */
export interface MessageStore {
  /**
   * Store one message (§7.1 effect). An existing hash keeps its row; its expiry is raised when
   * the new one is later (`extended`), else `exists`.
   *
   * @throws {StoreFullError} at the size cap (nothing changed)
   */
  store(message: StoredMessage, options?: StoreOptions): StoreResult;

  /**
   * Insert many messages in one transaction (hand-over, §4.2), silently skipping hashes already
   * stored.
   *
   * @returns how many were inserted
   * @throws {StoreFullError} at the size cap (nothing changed)
   */
  storeMany(messages: readonly StoredMessage[]): number;

  /** Messages of one mailbox (§7.2). */
  retrieve(account: string, namespace: number, options: RetrieveOptions): RetrieveResult;

  /**
   * Delete these hashes of the account in any namespace (§7.5).
   *
   * @returns the hashes deleted, sorted ascending
   */
  delete(account: string, hashes: readonly string[]): string[];

  /**
   * Delete every message of the account in a namespace, or in all of them (§7.6).
   *
   * @returns what was deleted, sorted by hash
   */
  deleteAll(account: string, namespace: NamespaceSelector): NamespacedHash[];

  /**
   * Delete the account's messages with `timestamp <= before` (§7.7).
   *
   * @returns what was deleted, sorted by hash
   */
  deleteBefore(account: string, namespace: NamespaceSelector, before: number): NamespacedHash[];

  /**
   * Shorten to `expiry` every message of the account (namespace or all) whose expiry is later (§7.8).
   *
   * @returns what was updated, sorted by hash
   */
  expireAll(account: string, namespace: NamespaceSelector, expiry: number): NamespacedHash[];

  /**
   * Set the expiry of the account's messages with these hashes (§7.9). `shorten` only lowers,
   * `extend` only raises, `set` does either.
   *
   * @param updates hash → requested expiry (ms), one entry per requested hash
   * @returns the messages whose expiry changed, sorted by hash
   */
  expire(account: string, updates: ReadonlyMap<string, number>, mode: ExpireMode): UpdatedExpiry[];

  /** Current expiries of those hashes of the account that exist (§7.10). */
  getExpiries(account: string, hashes: readonly string[]): Map<string, number>;

  /**
   * Every stored message, in insertion order, in pages (hand-over, §4.1).
   *
   * @param pageSize messages per page
   */
  allMessages(pageSize?: number): Iterable<StoredMessage[]>;

  /**
   * Delete messages with `expiry <= now` (§10: every 10 s).
   *
   * @returns how many were deleted
   */
  deleteExpired(now: number): number;

  /** Message and owner counts. */
  counts(): StoreCounts;

  /** Record subaccount token revocations (§7.11); keeps the 50 most recent per account. */
  revokeSubaccounts(account: string, tokens: readonly Uint8Array[], now: number): void;

  /**
   * Remove revocations (§7.11).
   *
   * @returns how many were removed
   */
  unrevokeSubaccounts(account: string, tokens: readonly Uint8Array[]): number;

  /** Whether the token is revoked for the account (§6.2 step 3). */
  isSubaccountRevoked(account: string, token: Uint8Array): boolean;

  /** Release the store (idempotent). */
  close(): void;
}
