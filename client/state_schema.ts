/**
 * The client state's SQLite schema (client/state.ts), as migrations: identities and their
 * one-time prekeys, ratchet session records, groups with members and Sender Key records (and to
 * whom this identity's own chain was distributed), the message history, sent plaintexts kept for
 * resend requests, resend requests made, and what was fetched (retrieve cursors, processed
 * hashes). Every row belongs to one local identity (`owner`).
 *
 * @module
 */

/**
 * Schema migrations, in order: step `i` takes `PRAGMA user_version` from `i` to `i + 1`, in one
 * transaction. Append only; never edit a published step.
 */
export const STATE_MIGRATIONS: readonly string[] = [
  // 0 → 1: everything.
  `CREATE TABLE identities (
     session_id TEXT PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     seed BLOB NOT NULL,
     registration_id INTEGER NOT NULL,
     signed_pre_key_id INTEGER NOT NULL,
     signed_pre_key BLOB NOT NULL,
     signed_pre_key_signature BLOB NOT NULL,
     next_pre_key_id INTEGER NOT NULL,
     bundle_published_at INTEGER,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE prekeys (
     owner TEXT NOT NULL REFERENCES identities(session_id) ON DELETE CASCADE,
     id INTEGER NOT NULL,
     secret BLOB NOT NULL,
     PRIMARY KEY (owner, id)
   );
   CREATE TABLE sessions (
     owner TEXT NOT NULL REFERENCES identities(session_id) ON DELETE CASCADE,
     peer TEXT NOT NULL,
     record BLOB NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (owner, peer)
   );
   CREATE TABLE groups (
     owner TEXT NOT NULL REFERENCES identities(session_id) ON DELETE CASCADE,
     group_id TEXT NOT NULL,
     seed BLOB NOT NULL,
     name TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (owner, group_id)
   );
   CREATE TABLE group_members (
     owner TEXT NOT NULL,
     group_id TEXT NOT NULL,
     member TEXT NOT NULL,
     PRIMARY KEY (owner, group_id, member),
     FOREIGN KEY (owner, group_id) REFERENCES groups(owner, group_id) ON DELETE CASCADE
   );
   CREATE TABLE sender_keys (
     owner TEXT NOT NULL,
     group_id TEXT NOT NULL,
     sender TEXT NOT NULL,
     record BLOB NOT NULL,
     PRIMARY KEY (owner, group_id, sender),
     FOREIGN KEY (owner, group_id) REFERENCES groups(owner, group_id) ON DELETE CASCADE
   );
   CREATE TABLE sender_key_shared (
     owner TEXT NOT NULL,
     group_id TEXT NOT NULL,
     member TEXT NOT NULL,
     chain_id INTEGER NOT NULL,
     PRIMARY KEY (owner, group_id, member),
     FOREIGN KEY (owner, group_id) REFERENCES groups(owner, group_id) ON DELETE CASCADE
   );
   CREATE TABLE messages (
     id INTEGER PRIMARY KEY,
     owner TEXT NOT NULL REFERENCES identities(session_id) ON DELETE CASCADE,
     conversation TEXT NOT NULL,
     direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
     sender TEXT NOT NULL,
     timestamp INTEGER NOT NULL,
     body TEXT,
     content BLOB,
     hash TEXT,
     recorded_at INTEGER NOT NULL
   );
   CREATE INDEX messages_conversation ON messages(owner, conversation, id);
   CREATE TABLE sent (
     owner TEXT NOT NULL REFERENCES identities(session_id) ON DELETE CASCADE,
     peer TEXT NOT NULL,
     timestamp INTEGER NOT NULL,
     plaintext BLOB NOT NULL,
     PRIMARY KEY (owner, peer, timestamp)
   );
   CREATE TABLE resend_requests (
     owner TEXT NOT NULL REFERENCES identities(session_id) ON DELETE CASCADE,
     peer TEXT NOT NULL,
     timestamp INTEGER NOT NULL,
     hash TEXT NOT NULL,
     requested_at INTEGER NOT NULL,
     PRIMARY KEY (owner, peer, timestamp)
   );
   CREATE TABLE processed (
     owner TEXT NOT NULL REFERENCES identities(session_id) ON DELETE CASCADE,
     account TEXT NOT NULL,
     namespace INTEGER NOT NULL,
     hash TEXT NOT NULL,
     expiry INTEGER NOT NULL,
     PRIMARY KEY (owner, account, namespace, hash)
   );
   CREATE INDEX processed_expiry ON processed(expiry);
   CREATE TABLE cursors (
     owner TEXT NOT NULL REFERENCES identities(session_id) ON DELETE CASCADE,
     account TEXT NOT NULL,
     namespace INTEGER NOT NULL,
     last_hash TEXT NOT NULL,
     PRIMARY KEY (owner, account, namespace)
   );`,
  // 1 → 2: a consumed one-time prekey is kept for a grace period (e2ee.md §2.4: accept occasional
  // reuse), marked with when it was first used.
  `ALTER TABLE prekeys ADD COLUMN consumed_at INTEGER;`,
];
