/**
 * The messaging client's state in one SQLite file (`node:sqlite`, WAL, `synchronous = FULL`,
 * versioned migrations): identities with their prekeys, ratchet session records, groups with their
 * members and Sender Key records, the message history, and what has been fetched from swarms
 * (retrieve cursors and the hashes already processed). One file may hold several identities;
 * every row belongs to one (`owner` = its Session ID).
 *
 * The file holds private keys in the clear: it is created with mode 0600 and its directory 0700.
 * Every change the client makes for one message happens in one {@link ClientState.transaction}, so
 * a message either changes the state completely or not at all.
 *
 * @module
 */

import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import {
  type Database,
  DatabaseSync,
  type SQLInputValue,
  type SQLOutputValue,
  type StatementSync,
} from "../gateway/store/node_sqlite.ts";
import { STATE_MIGRATIONS } from "./state_schema.ts";

/** Wait for another connection's lock, ms. */
const BUSY_TIMEOUT_MS = 5_000;
/** Mode of the state file: it holds private keys. */
const FILE_MODE = 0o600;
/** Mode of a directory created for it. */
const DIR_MODE = 0o700;

/** The schema version this code writes (`PRAGMA user_version`). */
export const STATE_SCHEMA_VERSION: number = STATE_MIGRATIONS.length;

/** A local identity and its current signed prekey. */
export interface IdentityRow {
  /** Local name (`alice`). */
  readonly name: string;
  /** Session ID, `05` + X25519 public key (66 hex). */
  readonly sessionId: string;
  /** The 32-byte Ed25519 seed (secret). */
  readonly seed: Uint8Array;
  /** X3DH registration id. */
  readonly registrationId: number;
  /** Id of the signed prekey. */
  readonly signedPreKeyId: number;
  /** The signed prekey's 32-byte X25519 secret. */
  readonly signedPreKeySecret: Uint8Array;
  /** Its XEdDSA signature by the identity key. */
  readonly signedPreKeySignature: Uint8Array;
  /** The next unused one-time prekey id. */
  readonly nextPreKeyId: number;
  /** When the bundle was last published, ms; absent = never. */
  readonly bundlePublishedAt?: number;
  /** When the identity was created, ms. */
  readonly createdAt: number;
}

/** A group as one member sees it. */
export interface GroupRow {
  /** `03` + the group's Ed25519 public key (66 hex). */
  readonly groupId: string;
  /** The group's 32-byte Ed25519 seed (secret; every member holds it). */
  readonly seed: Uint8Array;
  /** Display name. */
  readonly name: string;
  /** When this member learnt of it, ms. */
  readonly createdAt: number;
}

/** One line of history. */
export interface MessageRow {
  /** Row id (assigned on insert). */
  readonly id?: number;
  /** Peer Session ID (1:1) or group id. */
  readonly conversation: string;
  /** Received or sent. */
  readonly direction: "in" | "out";
  /** Who wrote it (Session ID). */
  readonly sender: string;
  /** Sent, ms (the sender's clock). */
  readonly timestamp: number;
  /** Text, when there is any. */
  readonly body?: string;
  /** The serialized Session `Content` (attachments are kept here, to download again). */
  readonly content?: Uint8Array;
  /** Storage hash of the message it came in. */
  readonly hash?: string;
  /** When it was recorded, ms. */
  readonly recordedAt: number;
}

/** A resend request this identity sent (client/README.md "Pre-key reuse"). */
export interface ResendRequestRow {
  /** The peer asked. */
  readonly peer: string;
  /** Timestamp of the message asked for. */
  readonly timestamp: number;
  /** Storage hash of the undecryptable original. */
  readonly hash: string;
}

/** Options of {@link ClientState.open}. */
export interface ClientStateOptions {
  /** Migrate only up to this schema version (tests of migrations); default {@link STATE_SCHEMA_VERSION}. */
  readonly migrateTo?: number;
}

type Row = Record<string, SQLOutputValue>;

function bytes(value: SQLOutputValue): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError("Cannot read client state: a BLOB column holds another type");
  return value.slice();
}

function num(value: SQLOutputValue): number {
  return Number(value);
}

function identityFromRow(r: Row): IdentityRow {
  return {
    name: String(r.name),
    sessionId: String(r.session_id),
    seed: bytes(r.seed),
    registrationId: num(r.registration_id),
    signedPreKeyId: num(r.signed_pre_key_id),
    signedPreKeySecret: bytes(r.signed_pre_key),
    signedPreKeySignature: bytes(r.signed_pre_key_signature),
    nextPreKeyId: num(r.next_pre_key_id),
    ...(r.bundle_published_at === null ? {} : { bundlePublishedAt: num(r.bundle_published_at) }),
    createdAt: num(r.created_at),
  };
}

function migrate(db: Database, target: number): void {
  const current = num(db.prepare("PRAGMA user_version").get()!.user_version);
  if (current > STATE_SCHEMA_VERSION) {
    throw new RangeError(
      `Cannot open client state: schema version ${current} is newer than this client (${STATE_SCHEMA_VERSION})`,
    );
  }
  for (let v = current; v < target; v++) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(STATE_MIGRATIONS[v]);
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec("COMMIT");
    } catch (e) {
      db.exec("ROLLBACK");
      throw e;
    }
  }
}

/** Create the file (and its directory) with private modes before SQLite opens it. */
function prepareFile(path: string): void {
  if (path === ":memory:") return;
  mkdirSync(dirname(path), { recursive: true, mode: DIR_MODE });
  closeSync(openSync(path, "a", FILE_MODE));
  chmodSync(path, FILE_MODE);
}

/**
 * The client's SQLite state.
 *
 * @example Open in memory, add an identity, read it back
 * ```ts
 * import { ClientState } from "./state.ts";
 * const state = ClientState.open(":memory:");
 * state.addIdentity({
 *   name: "alice", sessionId: "05" + "ab".repeat(32), seed: new Uint8Array(32), registrationId: 1,
 *   signedPreKeyId: 1, signedPreKeySecret: new Uint8Array(32), signedPreKeySignature: new Uint8Array(64),
 *   nextPreKeyId: 1, createdAt: 0,
 * });
 * if (state.identity("alice")?.registrationId !== 1) throw new Error("bad");
 * state.close();
 * ```
 */
export class ClientState {
  #db: Database;
  #statements = new Map<string, StatementSync>();

  private constructor(db: Database) {
    this.#db = db;
  }

  /**
   * Open (creating if needed, mode 0600) and migrate a state file.
   *
   * @param path file path, or `":memory:"`
   * @param options `migrateTo`
   * @returns the open state
   * @throws {RangeError} when the file's schema is newer than this code
   * @throws {Error} when the file is not a SQLite database
   * @example
   * ```ts
   * import { ClientState, STATE_SCHEMA_VERSION } from "./state.ts";
   * const s = ClientState.open(":memory:");
   * if (s.schemaVersion !== STATE_SCHEMA_VERSION) throw new Error("bad");
   * s.close();
   * ```
   */
  static open(path: string, options: ClientStateOptions = {}): ClientState {
    const target = options.migrateTo ?? STATE_SCHEMA_VERSION;
    if (!Number.isInteger(target) || target < 0 || target > STATE_SCHEMA_VERSION) {
      throw new RangeError(`Cannot open client state: migrateTo is ${target}, expected 0…${STATE_SCHEMA_VERSION}`);
    }
    prepareFile(path);
    const db = new DatabaseSync(path);
    try {
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = FULL");
      db.exec("PRAGMA foreign_keys = ON");
      migrate(db, target);
      return new ClientState(db);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** `PRAGMA user_version`. */
  get schemaVersion(): number {
    return num(this.#get("PRAGMA user_version")!.user_version);
  }

  /** `PRAGMA journal_mode` (`wal` for files). */
  get journalMode(): string {
    return String(this.#get("PRAGMA journal_mode")!.journal_mode);
  }

  /** Close the file. */
  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  /**
   * Run `fn` in one transaction: all of its changes are committed, or none if it throws.
   * Nested calls join the outer transaction.
   *
   * @param fn synchronous work
   * @returns what `fn` returned
   * @throws whatever `fn` threw (after rolling back)
   */
  transaction<T>(fn: () => T): T {
    if (this.#db.isTransaction) return fn();
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const out = fn();
      this.#db.exec("COMMIT");
      return out;
    } catch (e) {
      this.#db.exec("ROLLBACK");
      throw e;
    }
  }

  #statement(sql: string): StatementSync {
    let s = this.#statements.get(sql);
    if (s === undefined) this.#statements.set(sql, s = this.#db.prepare(sql));
    return s;
  }

  #get(sql: string, ...params: SQLInputValue[]): Row | undefined {
    return this.#statement(sql).get(...params);
  }

  #all(sql: string, ...params: SQLInputValue[]): Row[] {
    return this.#statement(sql).all(...params);
  }

  #run(sql: string, ...params: SQLInputValue[]): number {
    return Number(this.#statement(sql).run(...params).changes);
  }

  // ---- identities -------------------------------------------------------------------------------

  /**
   * Add an identity.
   *
   * @param row the identity
   * @throws {Error} when the name or Session ID is taken (SQLite constraint)
   */
  addIdentity(row: IdentityRow): void {
    this.#run(
      `INSERT INTO identities (session_id, name, seed, registration_id, signed_pre_key_id, signed_pre_key,
         signed_pre_key_signature, next_pre_key_id, bundle_published_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      row.sessionId,
      row.name,
      row.seed,
      row.registrationId,
      row.signedPreKeyId,
      row.signedPreKeySecret,
      row.signedPreKeySignature,
      row.nextPreKeyId,
      row.bundlePublishedAt ?? null,
      row.createdAt,
    );
  }

  /**
   * An identity by name or Session ID.
   *
   * @param nameOrSessionId local name or Session ID
   * @returns the identity, or undefined
   */
  identity(nameOrSessionId: string): IdentityRow | undefined {
    const r = this.#get("SELECT * FROM identities WHERE name = ?1 OR session_id = ?1", nameOrSessionId);
    return r === undefined ? undefined : identityFromRow(r);
  }

  /**
   * Every identity, oldest first.
   *
   * @returns the identities
   */
  identities(): IdentityRow[] {
    return this.#all("SELECT * FROM identities ORDER BY created_at, name").map(identityFromRow);
  }

  /**
   * Record a publication of the bundle and the next one-time prekey id.
   *
   * @param owner Session ID
   * @param update when it was published and the next prekey id
   */
  updateBundleState(owner: string, update: { publishedAt?: number; nextPreKeyId?: number }): void {
    if (update.publishedAt !== undefined) {
      this.#run("UPDATE identities SET bundle_published_at = ? WHERE session_id = ?", update.publishedAt, owner);
    }
    if (update.nextPreKeyId !== undefined) {
      this.#run("UPDATE identities SET next_pre_key_id = ? WHERE session_id = ?", update.nextPreKeyId, owner);
    }
  }

  // ---- one-time prekeys -------------------------------------------------------------------------

  /**
   * Add one-time prekeys (their secrets).
   *
   * @param owner Session ID
   * @param keys ids and secrets
   */
  addPreKeys(owner: string, keys: readonly { id: number; secret: Uint8Array }[]): void {
    for (const k of keys) this.#run("INSERT INTO prekeys (owner, id, secret) VALUES (?, ?, ?)", owner, k.id, k.secret);
  }

  /**
   * Every one-time prekey not yet used, by id (what a bundle publishes).
   *
   * @param owner Session ID
   * @returns id → secret
   */
  preKeys(owner: string): Map<number, Uint8Array> {
    const rows = this.#all("SELECT id, secret FROM prekeys WHERE owner = ? AND consumed_at IS NULL ORDER BY id", owner);
    return new Map(rows.map((r) => [num(r.id), bytes(r.secret)]));
  }

  /**
   * The secret of a one-time prekey a PreKeySignalMessage names: unused, or first used after
   * `usedSince` (the grace period in which a second sender who fetched the same bundle is still
   * served, e2ee.md §2.4; `usedSince` = now means none).
   *
   * @param owner Session ID
   * @param id prekey id
   * @param usedSince first uses at or before this (ms) no longer serve
   * @returns the secret, or undefined
   */
  preKeyForResponder(owner: string, id: number, usedSince: number): Uint8Array | undefined {
    const r = this.#get(
      "SELECT secret FROM prekeys WHERE owner = ? AND id = ? AND (consumed_at IS NULL OR consumed_at > ?)",
      owner,
      id,
      usedSince,
    );
    return r === undefined ? undefined : bytes(r.secret);
  }

  /**
   * Mark a one-time prekey used (the first use counts); it leaves the published bundle and is
   * deleted once its grace period has passed ({@link ClientState.purgeUsedPreKeys}).
   *
   * @param owner Session ID
   * @param id prekey id
   * @param at time of use (ms)
   */
  markPreKeyUsed(owner: string, id: number, at: number): void {
    this.#run("UPDATE prekeys SET consumed_at = COALESCE(consumed_at, ?) WHERE owner = ? AND id = ?", at, owner, id);
  }

  /**
   * Delete one-time prekeys first used at or before `cutoff` (e2ee.md §2.2: the OPK is deleted after
   * use; §2.4: after a grace period for senders that fetched the same bundle).
   *
   * @param owner Session ID
   * @param cutoff first uses at or before this (ms) are deleted
   * @returns how many were deleted
   */
  purgeUsedPreKeys(owner: string, cutoff: number): number {
    const n = this.#all("SELECT id FROM prekeys WHERE owner = ? AND consumed_at <= ?", owner, cutoff).length;
    this.#run("DELETE FROM prekeys WHERE owner = ? AND consumed_at <= ?", owner, cutoff);
    return n;
  }

  // ---- ratchet sessions -------------------------------------------------------------------------

  /**
   * The serialized session record with a peer.
   *
   * @param owner Session ID
   * @param peer the peer's Session ID
   * @returns the record's bytes, or undefined
   */
  session(owner: string, peer: string): Uint8Array | undefined {
    const r = this.#get("SELECT record FROM sessions WHERE owner = ? AND peer = ?", owner, peer);
    return r === undefined ? undefined : bytes(r.record);
  }

  /**
   * Store the session record with a peer.
   *
   * @param owner Session ID
   * @param peer the peer's Session ID
   * @param record serialized record and time
   */
  putSession(owner: string, peer: string, record: { bytes: Uint8Array; at: number }): void {
    this.#run(
      `INSERT INTO sessions (owner, peer, record, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (owner, peer) DO UPDATE SET record = excluded.record, updated_at = excluded.updated_at`,
      owner,
      peer,
      record.bytes,
      record.at,
    );
  }

  // ---- groups -----------------------------------------------------------------------------------

  /**
   * Add a group (or do nothing if it is known).
   *
   * @param owner Session ID
   * @param group the group
   * @returns whether it was new
   */
  addGroup(owner: string, group: GroupRow): boolean {
    return this.#run(
      "INSERT OR IGNORE INTO groups (owner, group_id, seed, name, created_at) VALUES (?, ?, ?, ?, ?)",
      owner,
      group.groupId,
      group.seed,
      group.name,
      group.createdAt,
    ) === 1;
  }

  /**
   * A group by id or (unique) name.
   *
   * @param owner Session ID
   * @param idOrName group id, or its name when only one group has it
   * @returns the group, or undefined (also when the name is ambiguous)
   */
  group(owner: string, idOrName: string): GroupRow | undefined {
    const rows = this.#all(
      "SELECT * FROM groups WHERE owner = ?1 AND (group_id = ?2 OR name = ?2) ORDER BY group_id = ?2 DESC",
      owner,
      idOrName,
    );
    const r = rows.length === 1 || rows[0]?.group_id === idOrName ? rows[0] : undefined;
    return r === undefined
      ? undefined
      : { groupId: String(r.group_id), seed: bytes(r.seed), name: String(r.name), createdAt: num(r.created_at) };
  }

  /**
   * Every group of an identity.
   *
   * @param owner Session ID
   * @returns the groups, oldest first
   */
  groups(owner: string): GroupRow[] {
    return this.#all("SELECT * FROM groups WHERE owner = ? ORDER BY created_at, group_id", owner).map((r) => ({
      groupId: String(r.group_id),
      seed: bytes(r.seed),
      name: String(r.name),
      createdAt: num(r.created_at),
    }));
  }

  /**
   * Add members to a group (known ones are skipped).
   *
   * @param owner Session ID
   * @param groupId group id
   * @param members Session IDs
   * @returns the members that were new
   */
  addMembers(owner: string, groupId: string, members: readonly string[]): string[] {
    return members.filter((m) =>
      this.#run("INSERT OR IGNORE INTO group_members (owner, group_id, member) VALUES (?, ?, ?)", owner, groupId, m) ===
        1
    );
  }

  /**
   * A group's members, the owner included.
   *
   * @param owner Session ID
   * @param groupId group id
   * @returns Session IDs, sorted
   */
  members(owner: string, groupId: string): string[] {
    return this.#all(
      "SELECT member FROM group_members WHERE owner = ? AND group_id = ? ORDER BY member",
      owner,
      groupId,
    )
      .map((r) => String(r.member));
  }

  /**
   * The Sender Key record of one sender in a group (the owner's own chain when `sender` is the owner).
   *
   * @param owner Session ID
   * @param groupId group id
   * @param sender the sender's Session ID
   * @returns the serialized record, or undefined
   */
  senderKey(owner: string, groupId: string, sender: string): Uint8Array | undefined {
    const r = this.#get(
      "SELECT record FROM sender_keys WHERE owner = ? AND group_id = ? AND sender = ?",
      owner,
      groupId,
      sender,
    );
    return r === undefined ? undefined : bytes(r.record);
  }

  /**
   * Store a Sender Key record.
   *
   * @param owner Session ID
   * @param key group id, sender and serialized record
   */
  putSenderKey(owner: string, key: { groupId: string; sender: string; record: Uint8Array }): void {
    this.#run(
      `INSERT INTO sender_keys (owner, group_id, sender, record) VALUES (?, ?, ?, ?)
       ON CONFLICT (owner, group_id, sender) DO UPDATE SET record = excluded.record`,
      owner,
      key.groupId,
      key.sender,
      key.record,
    );
  }

  /**
   * The members that already have the owner's Sender Key distribution message for chain `chainId`.
   *
   * @param owner Session ID
   * @param groupId group id
   * @param chainId the owner's current chain id
   * @returns their Session IDs
   */
  sharedWith(owner: string, groupId: string, chainId: number): Set<string> {
    const rows = this.#all(
      "SELECT member FROM sender_key_shared WHERE owner = ? AND group_id = ? AND chain_id = ?",
      owner,
      groupId,
      chainId,
    );
    return new Set(rows.map((r) => String(r.member)));
  }

  /**
   * Record that a member got the owner's distribution message for chain `chainId`.
   *
   * @param owner Session ID
   * @param groupId group id
   * @param shared member and chain id
   */
  markShared(owner: string, groupId: string, shared: { member: string; chainId: number }): void {
    this.#run(
      `INSERT INTO sender_key_shared (owner, group_id, member, chain_id) VALUES (?, ?, ?, ?)
       ON CONFLICT (owner, group_id, member) DO UPDATE SET chain_id = excluded.chain_id`,
      owner,
      groupId,
      shared.member,
      shared.chainId,
    );
  }

  // ---- history ----------------------------------------------------------------------------------

  /**
   * Append a line of history.
   *
   * @param owner Session ID
   * @param row the message
   * @returns its row id
   */
  addMessage(owner: string, row: MessageRow): number {
    const r = this.#statement(
      `INSERT INTO messages (owner, conversation, direction, sender, timestamp, body, content, hash, recorded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      owner,
      row.conversation,
      row.direction,
      row.sender,
      row.timestamp,
      row.body ?? null,
      row.content ?? null,
      row.hash ?? null,
      row.recordedAt,
    );
    return Number(r.lastInsertRowid);
  }

  /**
   * History, oldest first.
   *
   * @param owner Session ID
   * @param conversation only this peer or group; all when absent
   * @returns the messages
   */
  messages(owner: string, conversation?: string): MessageRow[] {
    const rows = conversation === undefined
      ? this.#all("SELECT * FROM messages WHERE owner = ? ORDER BY id", owner)
      : this.#all("SELECT * FROM messages WHERE owner = ? AND conversation = ? ORDER BY id", owner, conversation);
    return rows.map((r) => ({
      id: num(r.id),
      conversation: String(r.conversation),
      direction: r.direction === "out" ? "out" : "in",
      sender: String(r.sender),
      timestamp: num(r.timestamp),
      ...(r.body === null ? {} : { body: String(r.body) }),
      ...(r.content === null ? {} : { content: bytes(r.content) }),
      ...(r.hash === null ? {} : { hash: String(r.hash) }),
      recordedAt: num(r.recorded_at),
    }));
  }

  // ---- sent ratchet plaintexts (for resend requests) --------------------------------------------

  /**
   * Keep a 1:1 plaintext sent at `timestamp`, so it can be sent again on request.
   *
   * @param owner Session ID
   * @param peer recipient
   * @param sent timestamp and plaintext
   */
  addSent(owner: string, peer: string, sent: { timestamp: number; plaintext: Uint8Array }): void {
    this.#run(
      "INSERT OR REPLACE INTO sent (owner, peer, timestamp, plaintext) VALUES (?, ?, ?, ?)",
      owner,
      peer,
      sent.timestamp,
      sent.plaintext,
    );
  }

  /**
   * A plaintext sent to `peer` at `timestamp`.
   *
   * @param owner Session ID
   * @param peer recipient
   * @param timestamp when it was sent
   * @returns the plaintext, or undefined
   */
  sent(owner: string, peer: string, timestamp: number): Uint8Array | undefined {
    const r = this.#get(
      "SELECT plaintext FROM sent WHERE owner = ? AND peer = ? AND timestamp = ?",
      owner,
      peer,
      timestamp,
    );
    return r === undefined ? undefined : bytes(r.plaintext);
  }

  /**
   * Forget sent plaintexts older than `before` (their messages have expired from the swarm, so
   * nobody can ask for them again).
   *
   * @param owner Session ID
   * @param before ms
   * @returns rows removed
   */
  pruneSent(owner: string, before: number): number {
    return this.#run("DELETE FROM sent WHERE owner = ? AND timestamp < ?", owner, before);
  }

  /**
   * The latest timestamp used by the owner for a 1:1 or group message (timestamps are kept unique).
   *
   * @param owner Session ID
   * @returns the largest timestamp, or 0
   */
  lastSentTimestamp(owner: string): number {
    const a = this.#get("SELECT max(timestamp) AS t FROM sent WHERE owner = ?", owner)?.t;
    const b = this.#get("SELECT max(timestamp) AS t FROM messages WHERE owner = ? AND direction = 'out'", owner)?.t;
    return Math.max(num(a ?? 0), num(b ?? 0));
  }

  // ---- resend requests --------------------------------------------------------------------------

  /**
   * Record a resend request sent to `peer`.
   *
   * @param owner Session ID
   * @param row peer, timestamp, hash of the undecryptable message
   * @param at when it was sent
   */
  addResendRequest(owner: string, row: ResendRequestRow, at: number): void {
    this.#run(
      "INSERT OR IGNORE INTO resend_requests (owner, peer, timestamp, hash, requested_at) VALUES (?, ?, ?, ?, ?)",
      owner,
      row.peer,
      row.timestamp,
      row.hash,
      at,
    );
  }

  /**
   * A resend request sent to `peer` for the message at `timestamp`.
   *
   * @param owner Session ID
   * @param peer the peer asked
   * @param timestamp the message's timestamp
   * @returns the request, or undefined
   */
  resendRequest(owner: string, peer: string, timestamp: number): ResendRequestRow | undefined {
    const r = this.#get(
      "SELECT hash FROM resend_requests WHERE owner = ? AND peer = ? AND timestamp = ?",
      owner,
      peer,
      timestamp,
    );
    return r === undefined ? undefined : { peer, timestamp, hash: String(r.hash) };
  }

  /**
   * Forget a resend request (it was answered).
   *
   * @param owner Session ID
   * @param peer the peer
   * @param timestamp the message's timestamp
   */
  deleteResendRequest(owner: string, peer: string, timestamp: number): void {
    this.#run("DELETE FROM resend_requests WHERE owner = ? AND peer = ? AND timestamp = ?", owner, peer, timestamp);
  }

  // ---- what was fetched -------------------------------------------------------------------------

  /**
   * Whether a stored message was already processed.
   *
   * @param owner Session ID
   * @param mailbox account and namespace
   * @param hash storage hash
   * @returns true when processed
   */
  isProcessed(owner: string, mailbox: { account: string; namespace: number }, hash: string): boolean {
    return this.#get(
      "SELECT 1 AS x FROM processed WHERE owner = ? AND account = ? AND namespace = ? AND hash = ?",
      owner,
      mailbox.account,
      mailbox.namespace,
      hash,
    ) !== undefined;
  }

  /**
   * Mark a stored message processed, until its expiry.
   *
   * @param owner Session ID
   * @param mailbox account and namespace
   * @param message hash and expiry (ms)
   */
  markProcessed(
    owner: string,
    mailbox: { account: string; namespace: number },
    message: { hash: string; expiry: number },
  ): void {
    this.#run(
      "INSERT OR IGNORE INTO processed (owner, account, namespace, hash, expiry) VALUES (?, ?, ?, ?, ?)",
      owner,
      mailbox.account,
      mailbox.namespace,
      message.hash,
      message.expiry,
    );
  }

  /**
   * Forget processed hashes whose messages have expired from the swarm.
   *
   * @param now ms
   * @returns rows removed
   */
  pruneProcessed(now: number): number {
    return this.#run("DELETE FROM processed WHERE expiry < ?", now);
  }

  /**
   * The retrieve cursor of a mailbox: the last hash of the settled prefix.
   *
   * @param owner Session ID
   * @param mailbox account and namespace
   * @returns the hash, or undefined
   */
  cursor(owner: string, mailbox: { account: string; namespace: number }): string | undefined {
    const r = this.#get(
      "SELECT last_hash FROM cursors WHERE owner = ? AND account = ? AND namespace = ?",
      owner,
      mailbox.account,
      mailbox.namespace,
    );
    return r === undefined ? undefined : String(r.last_hash);
  }

  /**
   * Move a mailbox's retrieve cursor.
   *
   * @param owner Session ID
   * @param mailbox account and namespace
   * @param lastHash the new cursor
   */
  setCursor(owner: string, mailbox: { account: string; namespace: number }, lastHash: string): void {
    this.#run(
      `INSERT INTO cursors (owner, account, namespace, last_hash) VALUES (?, ?, ?, ?)
       ON CONFLICT (owner, account, namespace) DO UPDATE SET last_hash = excluded.last_hash`,
      owner,
      mailbox.account,
      mailbox.namespace,
      lastHash,
    );
  }

  /**
   * Every row of every table, for tests that check a failure changed nothing.
   *
   * @returns table name → rows as JSON text
   */
  snapshot(): Record<string, string> {
    const tables = this.#all("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map((r) =>
      String(r.name)
    );
    const out: Record<string, string> = {};
    for (const t of tables) {
      const rows = this.#db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all();
      out[t] = JSON.stringify(rows, (_k, v) => v instanceof Uint8Array ? Array.from(v) : v);
    }
    return out;
  }
}
