/**
 * The contract suite every {@link MessageStore} passes (style.md rule 10): the semantics of
 * swarms-and-storage.md §4, §7, §8 and §10 as the interface states them, plus every case of the
 * shared `session/storage-database-scenarios.json`. Test-only: `memory_store_test.ts` and
 * `sqlite_store_test.ts` call {@link messageStoreContract} with their factory.
 *
 * @module
 */

import assert from "node:assert/strict";
import { utf8 } from "../../protocol/bytes.ts";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../../protocol/_testing/vectors.ts";
import type { MessageStore, StoredMessage } from "./message_store.ts";

const FILE = "session/storage-database-scenarios.json";
/** The "now" the scenario offsets are relative to (any fixed ms timestamp). */
const T0 = 1_700_000_000_000;
/** Scenario accounts P1 and P2 (storage-database-scenarios.json). */
const P1 = "050123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const P2 = "050123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdee";
/** Per-message overhead of the retrieve size budget (swarms-and-storage.md §7.2). */
const RETRIEVE_MESSAGE_OVERHEAD = 100;
/** Revocations kept per account (§7.11). */
const MAX_REVOCATIONS = 50;

/**
 * Register the contract tests for one implementation. Each test gets a fresh store from `factory`
 * and closes it.
 *
 * @param name implementation name, the prefix of every test name
 * @param factory makes an empty store
 * @example Registering the suite (in a `_test.ts` file)
 * ```ts
 * import { messageStoreContract } from "./message_store_contract.ts";
 * // messageStoreContract("MemoryStore", () => new MemoryStore());
 * if (typeof messageStoreContract !== "function") throw new Error("bad");
 * ```
 */
export function messageStoreContract(name: string, factory: () => MessageStore): void {
  function test(title: string, fn: (store: MessageStore) => void): void {
    Deno.test(`${name} ${title}`, () => {
      const store = factory();
      try {
        fn(store);
      } finally {
        store.close();
      }
    });
  }

  Deno.test({
    name: `${name} passes every storage-database-scenarios case${HAVE_VECTORS ? "" : ` (${SKIP_REASON})`}`,
    ignore: !HAVE_VECTORS,
    fn: () => {
      const vectors = loadVectors(FILE);
      let passed = 0, ops = 0;
      for (const c of vectors.cases) {
        const store = factory();
        try {
          ops += runScenario(store, c);
          passed++;
        } finally {
          store.close();
        }
      }
      assert.equal(passed, vectors.cases.length);
      reportCases(`${FILE} [${name}]`, { passed, ops });
    },
  });

  test("store() reports new, then extended for a later expiry, then exists, with the stored expiry", (s) => {
    assert.deepEqual(s.store(msg(P1, "h", { expiry: T0 + 100 })), { outcome: "new", expiry: T0 + 100 });
    assert.deepEqual(s.store(msg(P1, "h", { expiry: T0 + 200 })), { outcome: "extended", expiry: T0 + 200 });
    assert.deepEqual(s.store(msg(P1, "h", { expiry: T0 + 200 })), { outcome: "exists", expiry: T0 + 200 });
    assert.deepEqual(s.store(msg(P1, "h", { expiry: T0 + 50 })), { outcome: "exists", expiry: T0 + 200 });
    assert.deepEqual(s.counts(), { messages: 1, owners: 1 });
  });

  test("store() keeps every field, empty data included, and copies the bytes", (s) => {
    const data = new Uint8Array([0, 1, 2, 255]);
    const m = msg(P1, "h", { namespace: -32768, timestamp: T0 - 5, expiry: T0 + 9, data });
    s.store(m);
    data[0] = 7;
    s.store(msg(P1, "e", { namespace: 32767, data: new Uint8Array(0) }));
    const [got] = s.retrieve(P1, -32768, { now: T0 }).messages;
    assert.deepEqual(got, { ...m, data: new Uint8Array([0, 1, 2, 255]) });
    assert.equal(s.retrieve(P1, 32767, { now: T0 }).messages[0].data.length, 0);
  });

  test("store() of an existing hash keeps its insertion position", (s) => {
    for (const h of ["a", "b", "c"]) s.store(msg(P1, h));
    s.store(msg(P1, "a", { expiry: T0 + 10 ** 9 }));
    assert.deepEqual(hashes(s.retrieve(P1, 0, { now: T0 }).messages), ["a", "b", "c"]);
  });

  test("store() with replaceNamespace leaves only the new message in that mailbox", (s) => {
    s.store(msg(P1, "out1", { namespace: -1 }));
    s.store(msg(P1, "out2", { namespace: -1 }));
    s.store(msg(P1, "keep0", { namespace: 0 }));
    s.store(msg(P2, "other", { namespace: -1 }));
    assert.equal(s.store(msg(P1, "out3", { namespace: -1 }), { replaceNamespace: true }).outcome, "new");
    assert.deepEqual(hashes(s.retrieve(P1, -1, { now: T0 }).messages), ["out3"]);
    assert.deepEqual(hashes(s.retrieve(P1, 0, { now: T0 }).messages), ["keep0"]);
    assert.deepEqual(hashes(s.retrieve(P2, -1, { now: T0 }).messages), ["other"]);
    // Re-storing the same message does not delete it (reference: `hash != ?`).
    const again = s.store(msg(P1, "out3", { namespace: -1, expiry: T0 + 10 ** 8 }), { replaceNamespace: true });
    assert.equal(again.outcome, "extended");
    assert.deepEqual(hashes(s.retrieve(P1, -1, { now: T0 }).messages), ["out3"]);
  });

  test("store() with replaceNamespace works when the replaced message was the account's only one", (s) => {
    s.store(msg(P1, "a", { namespace: -21 }));
    s.store(msg(P1, "b", { namespace: -21 }), { replaceNamespace: true });
    assert.deepEqual(hashes(s.retrieve(P1, -21, { now: T0 }).messages), ["b"]);
    assert.deepEqual(s.counts(), { messages: 1, owners: 1 });
  });

  test("storeMany() inserts in order, skips stored and repeated hashes and does not extend", (s) => {
    s.store(msg(P1, "b", { expiry: T0 + 5 }));
    assert.equal(s.storeMany([]), 0);
    const n = s.storeMany([
      msg(P1, "a"),
      msg(P1, "b", { expiry: T0 + 10 ** 9 }),
      msg(P2, "c"),
      msg(P1, "a"),
      msg(P1, "d", { namespace: 3 }),
    ]);
    assert.equal(n, 3);
    assert.deepEqual(hashes(s.retrieve(P1, 0, { now: T0 }).messages), ["b", "a"]);
    assert.equal(s.getExpiries(P1, ["b"]).get("b"), T0 + 5);
    assert.deepEqual(s.counts(), { messages: 4, owners: 2 });
    assert.equal(s.storeMany([msg(P2, "c"), msg(P2, "c")]), 0);
    assert.deepEqual(s.counts(), { messages: 4, owners: 2 });
  });

  test("retrieve() returns one mailbox in insertion order after lastHash", (s) => {
    s.store(msg(P1, "z"));
    s.store(msg(P1, "x1", { namespace: 1 }));
    s.store(msg(P1, "a"));
    s.store(msg(P2, "y"));
    s.store(msg(P1, "m"));
    assert.deepEqual(s.retrieve(P1, 0, { now: T0 }), {
      messages: [msg(P1, "z"), msg(P1, "a"), msg(P1, "m")],
      more: false,
    });
    assert.deepEqual(hashes(s.retrieve(P1, 0, { lastHash: "z", now: T0 }).messages), ["a", "m"]);
    assert.deepEqual(hashes(s.retrieve(P1, 0, { lastHash: "m", now: T0 }).messages), []);
    // Unknown, other-namespace and other-account hashes restart from the beginning (§7.2).
    for (const lastHash of ["nope", "x1", "y"]) {
      assert.deepEqual(hashes(s.retrieve(P1, 0, { lastHash, now: T0 }).messages), ["z", "a", "m"], lastHash);
    }
    assert.deepEqual(s.retrieve(P2, 5, { now: T0 }), { messages: [], more: false });
    assert.deepEqual(s.retrieve("05" + "77".repeat(32), 0, { now: T0 }), { messages: [], more: false });
  });

  test("retrieve() leaves out messages with expiry <= now but pages past them", (s) => {
    s.store(msg(P1, "a", { expiry: T0 + 10 }));
    s.store(msg(P1, "b", { expiry: T0 + 20 }));
    s.store(msg(P1, "c", { expiry: T0 + 30 }));
    assert.deepEqual(hashes(s.retrieve(P1, 0, { now: T0 + 9 }).messages), ["a", "b", "c"]);
    assert.deepEqual(hashes(s.retrieve(P1, 0, { now: T0 + 10 }).messages), ["b", "c"]);
    assert.deepEqual(hashes(s.retrieve(P1, 0, { now: T0 + 20, lastHash: "a" }).messages), ["c"]);
    assert.deepEqual(s.retrieve(P1, 0, { now: T0 + 20, maxCount: 1 }), {
      messages: [msg(P1, "c", { expiry: T0 + 30 })],
      more: false,
    });
    assert.deepEqual(s.retrieve(P1, 0, { now: T0 + 30 }), { messages: [], more: false });
  });

  test("retrieve() stops at maxCount and says whether more follow", (s) => {
    for (let i = 0; i < 5; i++) s.store(msg(P1, `h${i}`));
    s.store(msg(P1, "expired", { expiry: T0 }));
    const page = (maxCount: number, lastHash?: string) => {
      const r = s.retrieve(P1, 0, { maxCount, lastHash, now: T0 });
      return [hashes(r.messages).join(), r.more];
    };
    assert.deepEqual(page(2), ["h0,h1", true]);
    assert.deepEqual(page(2, "h1"), ["h2,h3", true]);
    assert.deepEqual(page(2, "h3"), ["h4", false]);
    assert.deepEqual(page(5), ["h0,h1,h2,h3,h4", false]);
    assert.deepEqual(page(4, "h0"), ["h1,h2,h3,h4", false]);
    assert.deepEqual(page(0), ["h0", true], "a maxCount below 1 counts as 1 (reference)");
  });

  test("retrieve() keeps within maxSize by the base64 estimate and always returns one message", (s) => {
    const sizes = [30, 31, 0, 76_800];
    sizes.forEach((n, i) => s.store(msg(P1, `h${i}`, { data: new Uint8Array(n) })));
    const cost = sizes.map((n, i) => RETRIEVE_MESSAGE_OVERHEAD + `h${i}`.length + Math.floor(n * 4 / 3));
    assert.deepEqual(cost.slice(0, 3), [142, 143, 102]);
    const get = (maxSize: number, maxCount?: number) => {
      const r = s.retrieve(P1, 0, { maxSize, maxCount, now: T0 });
      return [hashes(r.messages).join(), r.more];
    };
    assert.deepEqual(get(1), ["h0", true]);
    assert.deepEqual(get(142), ["h0", true]);
    assert.deepEqual(get(142 + 142), ["h0", true]);
    assert.deepEqual(get(142 + 143), ["h0,h1", true]);
    assert.deepEqual(get(142 + 143 + 102), ["h0,h1,h2", true]);
    assert.deepEqual(get(cost.reduce((a, b) => a + b)), ["h0,h1,h2,h3", false]);
    assert.deepEqual(get(10 ** 9, 2), ["h0,h1", true]);
    assert.deepEqual(get(142 + 143, 3), ["h0,h1", true]);
    const last = s.retrieve(P1, 0, { maxSize: 1, lastHash: "h2", now: T0 });
    assert.deepEqual([hashes(last.messages), last.more], [["h3"], false]);
  });

  test("delete() removes the account's hashes in any namespace and returns them sorted", (s) => {
    s.store(msg(P1, "c", { namespace: 0 }));
    s.store(msg(P1, "a", { namespace: 5 }));
    s.store(msg(P1, "b", { namespace: -10 }));
    s.store(msg(P2, "d"));
    assert.deepEqual(s.delete(P1, ["c", "a", "d", "zz", "a", "b"]), ["a", "b", "c"]);
    assert.deepEqual(s.delete(P1, ["c"]), []);
    assert.deepEqual(s.delete(P1, []), []);
    assert.deepEqual(s.counts(), { messages: 1, owners: 1 });
    assert.deepEqual(hashes(s.retrieve(P2, 0, { now: T0 }).messages), ["d"]);
  });

  test("deleteAll() empties one namespace or all of them, sorted by hash", (s) => {
    s.store(msg(P1, "q", { namespace: 0 }));
    s.store(msg(P1, "b", { namespace: 2 }));
    s.store(msg(P1, "a", { namespace: 0 }));
    s.store(msg(P1, "c", { namespace: -11 }));
    s.store(msg(P2, "d", { namespace: 0 }));
    assert.deepEqual(s.deleteAll(P1, 0), [{ namespace: 0, hash: "a" }, { namespace: 0, hash: "q" }]);
    assert.deepEqual(s.deleteAll(P1, 0), []);
    assert.deepEqual(s.deleteAll(P1, "all"), [{ namespace: 2, hash: "b" }, { namespace: -11, hash: "c" }]);
    assert.deepEqual(s.deleteAll(P1, "all"), []);
    assert.deepEqual(s.counts(), { messages: 1, owners: 1 });
  });

  test("deleteBefore() removes messages with timestamp <= before, per namespace or all", (s) => {
    s.store(msg(P1, "t10", { timestamp: T0 + 10 }));
    s.store(msg(P1, "t20", { timestamp: T0 + 20 }));
    s.store(msg(P1, "n20", { namespace: 4, timestamp: T0 + 20 }));
    s.store(msg(P1, "n30", { namespace: 4, timestamp: T0 + 30 }));
    s.store(msg(P2, "o10", { timestamp: T0 + 10 }));
    assert.deepEqual(s.deleteBefore(P1, 0, T0 + 9), []);
    assert.deepEqual(s.deleteBefore(P1, 0, T0 + 20), [{ namespace: 0, hash: "t10" }, { namespace: 0, hash: "t20" }]);
    assert.deepEqual(s.deleteBefore(P1, "all", T0 + 20), [{ namespace: 4, hash: "n20" }]);
    assert.deepEqual(hashes(s.retrieve(P1, 4, { now: T0 }).messages), ["n30"]);
    assert.deepEqual(hashes(s.retrieve(P2, 0, { now: T0 }).messages), ["o10"]);
  });

  test("expireAll() only shortens, per namespace or all, sorted by hash", (s) => {
    s.store(msg(P1, "late", { expiry: T0 + 500 }));
    s.store(msg(P1, "early", { expiry: T0 + 50 }));
    s.store(msg(P1, "equal", { expiry: T0 + 100 }));
    s.store(msg(P1, "ns7", { namespace: 7, expiry: T0 + 900 }));
    s.store(msg(P2, "other", { expiry: T0 + 900 }));
    assert.deepEqual(s.expireAll(P1, 0, T0 + 100), [{ namespace: 0, hash: "late" }]);
    assert.deepEqual(s.expireAll(P1, "all", T0 + 80), [
      { namespace: 0, hash: "equal" },
      { namespace: 0, hash: "late" },
      { namespace: 7, hash: "ns7" },
    ]);
    const all = s.getExpiries(P1, ["late", "early", "equal", "ns7"]);
    assert.deepEqual(Object.fromEntries(all), { late: T0 + 80, early: T0 + 50, equal: T0 + 80, ns7: T0 + 80 });
    assert.equal(s.getExpiries(P2, ["other"]).get("other"), T0 + 900);
  });

  test("expire() sets, shortens or extends the requested hashes of the account only", (s) => {
    s.store(msg(P1, "b", { expiry: T0 + 100 }));
    s.store(msg(P1, "a", { namespace: 3, expiry: T0 + 100 }));
    s.store(msg(P2, "c", { expiry: T0 + 100 }));
    const upd = (mode: "set" | "shorten" | "extend", entries: [string, number][]) =>
      s.expire(P1, new Map(entries), mode);
    assert.deepEqual(upd("shorten", [["b", T0 + 200], ["a", T0 + 50]]), [{ hash: "a", expiry: T0 + 50 }]);
    assert.deepEqual(upd("extend", [["b", T0 + 200], ["a", T0 + 20]]), [{ hash: "b", expiry: T0 + 200 }]);
    assert.deepEqual(upd("extend", [["b", T0 + 200]]), [], "equal is not an extension");
    assert.deepEqual(upd("shorten", [["b", T0 + 200]]), [], "equal is not a shortening");
    assert.deepEqual(upd("set", [["b", T0 + 70], ["a", T0 + 50], ["c", T0 + 1], ["zz", T0 + 1]]), [
      { hash: "a", expiry: T0 + 50 },
      { hash: "b", expiry: T0 + 70 },
    ], "set reports every existing hash, changed or equal (reference)");
    assert.equal(s.getExpiries(P2, ["c"]).get("c"), T0 + 100);
    assert.deepEqual(Object.fromEntries(s.getExpiries(P1, ["a", "b"])), { a: T0 + 50, b: T0 + 70 });
  });

  test("getExpiries() returns the account's existing hashes only, expired ones included", (s) => {
    s.store(msg(P1, "a", { expiry: T0 + 1 }));
    s.store(msg(P1, "b", { namespace: 9, expiry: T0 + 2 }));
    s.store(msg(P2, "c", { expiry: T0 + 3 }));
    assert.deepEqual(Object.fromEntries(s.getExpiries(P1, ["a", "b", "c", "d"])), { a: T0 + 1, b: T0 + 2 });
    assert.equal(s.getExpiries(P1, []).size, 0);
    assert.equal(s.getExpiries("05" + "11".repeat(32), ["a"]).size, 0);
  });

  test("allMessages() pages every message of every account in insertion order", (s) => {
    assert.deepEqual([...s.allMessages()], []);
    const stored: StoredMessage[] = [];
    for (let i = 0; i < 7; i++) {
      const m = msg(i % 2 ? P1 : P2, `m${i}`, { namespace: i % 3, expiry: T0 + i });
      s.store(m);
      stored.push(m);
    }
    s.store(msg(P2, "m0", { expiry: T0 + 99 }));
    stored[0] = { ...stored[0], expiry: T0 + 99 };
    assert.deepEqual([...s.allMessages(3)].map((p) => p.length), [3, 3, 1]);
    assert.deepEqual([...s.allMessages(3)].flat(), stored);
    assert.deepEqual([...s.allMessages(7)].map((p) => p.length), [7]);
    assert.deepEqual([...s.allMessages()].flat(), stored);
    for (const bad of [0, -1, 1.5]) assert.throws(() => [...s.allMessages(bad)], RangeError);
  });

  test("allMessages() skips messages deleted while paging", (s) => {
    for (let i = 0; i < 6; i++) s.store(msg(P1, `m${i}`));
    const seen: string[] = [];
    for (const page of s.allMessages(2)) {
      seen.push(...hashes(page));
      if (seen.length === 2) s.delete(P1, ["m2", "m4"]);
    }
    assert.deepEqual(seen, ["m0", "m1", "m3", "m5"]);
  });

  test("deleteExpired() removes expiry <= now and forgets empty owners", (s) => {
    s.store(msg(P1, "a", { expiry: T0 + 10 }));
    s.store(msg(P1, "b", { expiry: T0 + 11 }));
    s.store(msg(P2, "c", { expiry: T0 + 10 }));
    assert.equal(s.deleteExpired(T0 + 9), 0);
    assert.equal(s.deleteExpired(T0 + 10), 2);
    assert.deepEqual(s.counts(), { messages: 1, owners: 1 });
    assert.equal(s.deleteExpired(T0 + 10 ** 6), 1);
    assert.deepEqual(s.counts(), { messages: 0, owners: 0 });
    s.store(msg(P2, "c", { expiry: T0 + 10 }));
    assert.deepEqual(s.counts(), { messages: 1, owners: 1 });
  });

  test("revokeSubaccounts() records tokens per account and unrevokeSubaccounts() counts removals", (s) => {
    const t1 = new Uint8Array(36).fill(1), t2 = new Uint8Array(36).fill(2), t3 = new Uint8Array(36).fill(3);
    assert.equal(s.isSubaccountRevoked(P1, t1), false);
    s.revokeSubaccounts(P1, [t1, t2], T0);
    s.revokeSubaccounts(P1, [], T0);
    assert.equal(s.isSubaccountRevoked(P1, t1), true);
    assert.equal(s.isSubaccountRevoked(P1, new Uint8Array(t2)), true);
    assert.equal(s.isSubaccountRevoked(P1, t3), false);
    assert.equal(s.isSubaccountRevoked(P2, t1), false);
    assert.equal(s.unrevokeSubaccounts(P1, [t1, t1, t3]), 1);
    assert.equal(s.unrevokeSubaccounts(P2, [t2]), 0);
    assert.equal(s.isSubaccountRevoked(P1, t1), false);
    assert.equal(s.isSubaccountRevoked(P1, t2), true);
    assert.deepEqual(s.counts(), { messages: 0, owners: 0 }, "revocations are not messages");
  });

  test("revokeSubaccounts() outlives the account's messages (unlike the reference quirk)", (s) => {
    const t = new Uint8Array([9, 9]);
    s.store(msg(P1, "a"));
    s.revokeSubaccounts(P1, [t], T0);
    s.deleteAll(P1, "all");
    assert.equal(s.isSubaccountRevoked(P1, t), true);
    s.store(msg(P1, "b"));
    assert.equal(s.isSubaccountRevoked(P1, t), true);
    assert.deepEqual(s.counts(), { messages: 1, owners: 1 });
  });

  test("revokeSubaccounts() keeps the 50 most recent revocations of an account", (s) => {
    const token = (i: number) => new Uint8Array([i >> 8, i & 0xff]);
    for (let i = 0; i < 60; i++) s.revokeSubaccounts(P1, [token(i)], T0 + i);
    s.revokeSubaccounts(P2, [token(0)], T0);
    const revoked = (a: string) => range(0, 60).filter((i) => s.isSubaccountRevoked(a, token(i)));
    assert.deepEqual(revoked(P1), range(10, 60));
    assert.deepEqual(revoked(P2), [0]);
    // Re-revoking refreshes a token; within one call, later tokens are the more recent.
    s.revokeSubaccounts(P1, [token(10)], T0 + 100);
    s.revokeSubaccounts(P1, range(100, 100 + MAX_REVOCATIONS).map(token), T0 + 100);
    assert.deepEqual(
      range(0, 200).filter((i) => s.isSubaccountRevoked(P1, token(i))),
      range(100, 100 + MAX_REVOCATIONS),
    );
    s.revokeSubaccounts(P1, [token(1)], T0 + 101);
    assert.equal(s.isSubaccountRevoked(P1, token(1)), true);
    assert.equal(s.isSubaccountRevoked(P1, token(100)), false);
  });

  Deno.test(`${name} close() is idempotent and later calls throw`, () => {
    const s = factory();
    s.store(msg(P1, "a"));
    s.close();
    s.close();
    assert.throws(() => s.store(msg(P1, "b")), /closed/);
    assert.throws(() => s.retrieve(P1, 0, { now: T0 }), /closed/);
    assert.throws(() => s.counts(), /closed/);
    assert.throws(() => s.allMessages(), /closed/);
    assert.throws(() => s.deleteExpired(T0), /closed/);
  });
}

/** Build a message; data defaults to the UTF-8 of `data-<hash>`. */
function msg(account: string, hash: string, fields: Partial<StoredMessage> = {}): StoredMessage {
  return {
    account,
    namespace: 0,
    hash,
    timestamp: T0,
    expiry: T0 + 3_600_000,
    data: utf8(`data-${hash}`),
    ...fields,
  };
}

function hashes(messages: readonly StoredMessage[]): string[] {
  return messages.map((m) => m.hash);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/**
 * Run one storage-database-scenarios case. Retrieves run at the time of the last `clean_expired`
 * (before any: just before T0): the reference's retrieve does not filter expired rows, ours does
 * (message_store.ts), so a retrieve "before cleaning" is one at a time when nothing has expired.
 *
 * @returns how many ops ran (setup included)
 */
// deno-lint-ignore no-explicit-any
function runScenario(store: MessageStore, c: any): number {
  let now = T0 - 1;
  let ops = 0;
  if (c.setup !== undefined) {
    const setup = String(c.setup);
    let m: RegExpMatchArray | null;
    if ((m = setup.match(/^store hash0\.\.hash(\d+) for P1, ns 0, in order$/))) {
      for (let i = 0; i <= Number(m[1]); i++) store.store(msg(P1, `hash${i}`));
    } else if ((m = setup.match(/^(\d+) messages for P1, (\d+) for P2$/))) {
      for (let i = 0; i < Number(m[1]); i++) store.store(msg(P1, `p1-${i}`));
      for (let i = 0; i < Number(m[2]); i++) store.store(msg(P2, `p2-${i}`));
    } else {
      throw new Error(`Cannot run scenario "${c.name}": unknown setup "${setup}"`);
    }
    ops++;
  }
  for (const op of c.ops) {
    const where = `${c.name}: op ${ops} (${op.op})`;
    switch (op.op) {
      case "store": {
        const result = store.store(msg(op.pubkey, op.hash, {
          namespace: op.ns ?? 0,
          timestamp: T0 + (op.t ?? 0),
          expiry: T0 + op.exp,
          data: op.data_utf8 === undefined ? utf8(`data-${op.hash}`) : utf8(op.data_utf8),
        }));
        if (op.expect !== undefined) assert.equal(result.outcome, op.expect, where);
        break;
      }
      case "bulk_store": {
        const m = String(op.hashes).match(/^'(\d+)'\.\.'(\d+)'$/);
        if (m === null) throw new Error(`Cannot run ${where}: hashes "${op.hashes}"`);
        const batch = range(Number(m[1]), Number(m[2]) + 1).map((i) =>
          msg(op.pubkey, String(i), { expiry: T0 + op.exp })
        );
        store.storeMany(batch);
        break;
      }
      case "retrieve": {
        const { messages } = store.retrieve(op.pubkey, op.ns ?? 0, {
          lastHash: op.last_hash,
          maxCount: op.max_count ?? undefined,
          now,
        });
        if (op.expect_hashes !== undefined) assert.deepEqual(hashes(messages), op.expect_hashes, where);
        if (op.expect_count !== undefined) assert.equal(messages.length, op.expect_count, where);
        if (op.expect_first !== undefined) assert.equal(messages[0]?.hash, op.expect_first, where);
        if (op.expect_expiry_minus_timestamp !== undefined) {
          assert.equal(messages[0].expiry - messages[0].timestamp, op.expect_expiry_minus_timestamp, where);
        }
        break;
      }
      case "count":
        assert.deepEqual(store.counts(), { messages: op.expect_messages, owners: op.expect_owners }, where);
        break;
      case "clean_expired":
        now = T0 + op.at;
        store.deleteExpired(now);
        break;
      default:
        throw new Error(`Cannot run ${where}: unknown op`);
    }
    ops++;
  }
  return ops;
}
