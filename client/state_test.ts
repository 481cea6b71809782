import assert from "node:assert/strict";
import { DatabaseSync } from "../gateway/store/node_sqlite.ts";
import { ClientState, type IdentityRow, STATE_SCHEMA_VERSION } from "./state.ts";

const owner = "05" + "ab".repeat(32);

function identity(name = "alice", sessionId = owner): IdentityRow {
  return {
    name,
    sessionId,
    seed: new Uint8Array(32).fill(1),
    registrationId: 7,
    signedPreKeyId: 1,
    signedPreKeySecret: new Uint8Array(32).fill(2),
    signedPreKeySignature: new Uint8Array(64).fill(3),
    nextPreKeyId: 1,
    createdAt: 5,
  };
}

Deno.test("ClientState.open() creates a WAL file with mode 0600 at the current schema, and reopens it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "allium-state-" });
  try {
    const path = `${dir}/sub/client.db`;
    const s = ClientState.open(path);
    assert.equal(s.schemaVersion, STATE_SCHEMA_VERSION);
    assert.equal(s.journalMode, "wal");
    s.addIdentity(identity());
    s.close();
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(`${dir}/sub`)).mode! & 0o777, 0o700);
    const again = ClientState.open(path);
    assert.deepEqual(again.identity("alice"), identity());
    assert.deepEqual(again.identity(owner)?.name, "alice");
    again.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ClientState.open() migrates step by step and refuses a newer schema", async () => {
  const dir = await Deno.makeTempDir({ prefix: "allium-state-" });
  try {
    const path = `${dir}/c.db`;
    const old = ClientState.open(path, { migrateTo: 0 });
    assert.equal(old.schemaVersion, 0);
    old.close();
    const cur = ClientState.open(path);
    assert.equal(cur.schemaVersion, STATE_SCHEMA_VERSION);
    cur.close();
    assert.throws(() => ClientState.open(path, { migrateTo: STATE_SCHEMA_VERSION + 1 }), RangeError);
    const raw = new DatabaseSync(path);
    raw.exec(`PRAGMA user_version = ${STATE_SCHEMA_VERSION + 1}`);
    raw.close();
    assert.throws(() => ClientState.open(path), /newer than this client/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ClientState.transaction() rolls every change back when the work throws", () => {
  const s = ClientState.open(":memory:");
  try {
    s.addIdentity(identity());
    const before = s.snapshot();
    assert.throws(() =>
      s.transaction(() => {
        s.putSession(owner, "05" + "cd".repeat(32), { bytes: new Uint8Array([1]), at: 1 });
        s.addPreKeys(owner, [{ id: 1, secret: new Uint8Array(32) }]);
        s.addMessage(owner, { conversation: "x", direction: "in", sender: "x", timestamp: 1, recordedAt: 1 });
        throw new Error("boom");
      }), /boom/);
    assert.deepEqual(s.snapshot(), before);
  } finally {
    s.close();
  }
});

Deno.test("ClientState keeps prekeys, sessions, groups, sender keys, cursors and processed hashes per owner", () => {
  const s = ClientState.open(":memory:");
  try {
    const other = "05" + "ef".repeat(32);
    s.addIdentity(identity());
    s.addIdentity(identity("bob", other));
    assert.throws(() => s.addIdentity(identity("alice", "05" + "11".repeat(32))), /UNIQUE/);
    s.addPreKeys(owner, [{ id: 3, secret: new Uint8Array(32).fill(3) }, { id: 4, secret: new Uint8Array(32).fill(4) }]);
    s.markPreKeyUsed(owner, 3, 1_000);
    s.markPreKeyUsed(owner, 3, 5_000); // the first use counts
    assert.deepEqual([...s.preKeys(owner).keys()], [4], "a used prekey leaves the bundle");
    assert.deepEqual(s.preKeyForResponder(owner, 3, 999), new Uint8Array(32).fill(3), "…but serves within grace");
    assert.equal(s.preKeyForResponder(owner, 3, 1_000), undefined, "…and not after it (a grace of 0 serves none)");
    assert.equal(s.purgeUsedPreKeys(owner, 999), 0);
    assert.equal(s.purgeUsedPreKeys(owner, 1_000), 1);
    assert.equal(s.preKeyForResponder(owner, 3, 0), undefined, "purged");
    assert.equal(s.preKeys(other).size, 0);
    s.putSession(owner, other, { bytes: new Uint8Array([1]), at: 1 });
    s.putSession(owner, other, { bytes: new Uint8Array([2]), at: 2 });
    assert.deepEqual(s.session(owner, other), new Uint8Array([2]));
    assert.equal(s.session(other, owner), undefined);
    const g = { groupId: "03" + "12".repeat(32), seed: new Uint8Array(32), name: "friends", createdAt: 1 };
    assert.ok(s.addGroup(owner, g));
    assert.ok(!s.addGroup(owner, g));
    assert.deepEqual(s.addMembers(owner, g.groupId, [owner, other, owner]), [owner, other]);
    assert.deepEqual(s.group(owner, "friends")?.groupId, g.groupId);
    assert.equal(s.group(other, "friends"), undefined);
    s.markShared(owner, g.groupId, { member: other, chainId: 9 });
    assert.deepEqual([...s.sharedWith(owner, g.groupId, 9)], [other]);
    assert.equal(s.sharedWith(owner, g.groupId, 10).size, 0, "a new chain is shared again");
    const box = { account: owner, namespace: 0 };
    s.markProcessed(owner, box, { hash: "h1", expiry: 100 });
    assert.ok(s.isProcessed(owner, box, "h1"));
    assert.ok(!s.isProcessed(other, box, "h1"));
    assert.equal(s.pruneProcessed(101), 1);
    s.setCursor(owner, box, "h2");
    assert.equal(s.cursor(owner, box), "h2");
    s.addSent(owner, other, { timestamp: 50, plaintext: new Uint8Array([9]) });
    assert.deepEqual(s.sent(owner, other, 50), new Uint8Array([9]));
    assert.equal(s.lastSentTimestamp(owner), 50);
    s.addResendRequest(owner, { peer: other, timestamp: 50, hash: "h3" }, 1);
    assert.equal(s.resendRequest(owner, other, 50)?.hash, "h3");
    s.deleteResendRequest(owner, other, 50);
    assert.equal(s.resendRequest(owner, other, 50), undefined);
  } finally {
    s.close();
  }
});
