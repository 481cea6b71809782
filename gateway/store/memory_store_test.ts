import assert from "node:assert/strict";
import { MemoryStore } from "./memory_store.ts";
import { type StoredMessage, StoreFullError } from "./message_store.ts";
import { messageStoreContract } from "./message_store_contract.ts";

messageStoreContract("MemoryStore", () => new MemoryStore());

const ACCOUNT = "05" + "ab".repeat(32);

function msg(hash: string, bytes: number, namespace = 0): StoredMessage {
  return { account: ACCOUNT, namespace, hash, timestamp: 0, expiry: 100, data: new Uint8Array(bytes) };
}

Deno.test("MemoryStore store() throws StoreFullError past maxBytes and changes nothing", () => {
  const s = new MemoryStore({ maxBytes: 100 });
  s.store(msg("a", 60));
  assert.throws(() => s.store(msg("b", 41)), StoreFullError);
  assert.deepEqual(s.counts(), { messages: 1, owners: 1 });
  s.store(msg("b", 40));
  assert.equal(s.store(msg("a", 60)).outcome, "exists", "a duplicate needs no room");
  assert.throws(() => s.store(msg("c", 1)), StoreFullError);
  // Reads keep working; deleting frees room.
  assert.equal(s.retrieve(ACCOUNT, 0, { now: 0 }).messages.length, 2);
  s.delete(ACCOUNT, ["a"]);
  s.store(msg("c", 60));
  assert.equal(s.deleteExpired(100), 2);
  s.store(msg("d", 100));
});

Deno.test("MemoryStore store() with replaceNamespace counts the room the replaced messages free", () => {
  const s = new MemoryStore({ maxBytes: 100 });
  s.store(msg("a", 80, -1));
  s.store(msg("b", 90, -1), { replaceNamespace: true });
  assert.throws(() => s.store(msg("c", 95, -1)), StoreFullError);
  assert.deepEqual(s.retrieve(ACCOUNT, -1, { now: 0 }).messages.map((m) => m.hash), ["b"]);
});

Deno.test("MemoryStore storeMany() is all or nothing at the size cap", () => {
  const s = new MemoryStore({ maxBytes: 100 });
  s.store(msg("a", 50));
  assert.throws(() => s.storeMany([msg("b", 30), msg("c", 30)]), StoreFullError);
  assert.deepEqual(s.counts(), { messages: 1, owners: 1 });
  assert.equal(s.storeMany([msg("a", 50), msg("b", 30), msg("b", 30)]), 1);
});

Deno.test("MemoryStore rejects a negative or NaN maxBytes", () => {
  assert.throws(() => new MemoryStore({ maxBytes: -1 }), RangeError);
  assert.throws(() => new MemoryStore({ maxBytes: NaN }), RangeError);
});
