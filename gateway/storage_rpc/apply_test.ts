import assert from "node:assert/strict";
import { fromBase64, fromHex, toBase64, utf8 } from "../../protocol/bytes.ts";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../../protocol/_testing/vectors.ts";
import { parseRequest, type RecursiveRequest, type RetrieveRequest } from "../../protocol/storage/params.ts";
import { isRecursive } from "../../protocol/storage/params.ts";
import { MemoryStore } from "../store/memory_store.ts";
import { type ApplyContext, applyRecursive, getExpiriesResult, retrieveResult } from "./apply.ts";
import { NOW, provider } from "./_testing.ts";

const FILE = "session/storage-signatures.json";
const SIG = "A".repeat(86);

/** Parse JSON params as a recursive request. */
function recursive(method: string, params: Record<string, unknown>): RecursiveRequest {
  const r = parseRequest(method, { signature: SIG, ...params });
  if (!isRecursive(r)) throw new Error("not recursive");
  return r;
}

function ctx(store: MemoryStore, seed: Uint8Array, now = NOW): ApplyContext {
  return { store, provider, seed, now, retrieveMaxSize: 7_800_000 };
}

Deno.test({
  name: `applyRecursive() reproduces the node response signatures of the vectors${
    HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
  }`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const v = loadVectors(FILE);
    const seed = fromHex(v.keys.node.seed);
    const counts = { end_to_end: 0, signature_only: 0 };
    for (const c of v.cases.filter((c: { method: string }) => c.method.endsWith("-response"))) {
      const want = fromBase64(c.signature_b64);
      const store = new MemoryStore();
      const row = (hash: string) => ({
        account: c.account,
        namespace: 0,
        hash,
        timestamp: NOW - 1,
        expiry: NOW + 1000,
        data: new Uint8Array(1),
      });
      let got: Uint8Array | undefined;
      if (c.method === "delete-response") {
        for (const h of c.deleted) store.store(row(h));
        const r = await applyRecursive(
          ctx(store, seed),
          recursive("delete", { pubkey: c.account, pubkey_ed25519: undefined, messages: c.requested }),
        );
        assert.deepEqual(r.deleted, c.deleted);
        got = r.signature as Uint8Array;
      } else if (c.method === "delete_all-response") {
        for (const h of c.deleted) store.store(row(h));
        const r = await applyRecursive(
          ctx(store, seed),
          recursive("delete_all", { pubkey: c.account, timestamp: c.timestamp }),
        );
        got = r.signature as Uint8Array;
      } else if (c.method === "revoke_subaccount-response") {
        const r = await applyRecursive(
          ctx(store, seed),
          recursive("revoke_subaccount", {
            pubkey: c.account,
            timestamp: c.timestamp,
            revoke: [v.subaccount_token_example_hex],
          }),
        );
        got = r.signature as Uint8Array;
      }
      const message = c.message_hex ? fromHex(c.message_hex) : utf8(c.message_utf8);
      if (got) {
        assert.deepEqual(got, want, c.id);
        counts.end_to_end++;
      } else {
        // store (the hash's data is not given) and expire-extend (a synthetic unchanged map): signer only
        assert.deepEqual(await provider.ed25519Sign(seed, message), want, c.id);
        counts.signature_only++;
      }
    }
    reportCases(FILE + " node responses", counts);
    assert.equal(counts.end_to_end, 3);
  },
});

Deno.test({
  name: `applyRecursive() stores under the message hash of the vectors${HAVE_VECTORS ? "" : ` (${SKIP_REASON})`}`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const v = loadVectors("session/storage-message-hash.json");
    let n = 0;
    for (const c of v.cases) {
      if (c.pubkey.length !== 66) continue;
      const store = new MemoryStore();
      const seed = new Uint8Array(32).fill(1);
      const r = await applyRecursive(
        ctx(store, seed),
        recursive("store", {
          pubkey: c.pubkey,
          timestamp: NOW,
          ttl: 86_400_000,
          data: c.data_b64,
          namespace: c.namespace,
          signature: undefined,
        }),
      );
      assert.equal(r.hash, c.expected_hash, c.id);
      const pk = await provider.ed25519PublicKey(seed);
      assert.ok(await provider.ed25519Verify(pk, utf8(c.expected_hash), r.signature as Uint8Array));
      n++;
    }
    reportCases("session/storage-message-hash.json via store", { passed: n });
    assert.ok(n > 0);
  },
});

Deno.test("applyRecursive() reports a full store as a query failure and replaces a public outbox", async () => {
  const account = "03" + "ab".repeat(32);
  const base = { pubkey: account, timestamp: NOW, ttl: 86_400_000, signature: undefined };
  const full = await applyRecursive(
    ctx(new MemoryStore({ maxBytes: 0 }), new Uint8Array(32)),
    recursive("store", { ...base, data: toBase64(utf8("x")) }),
  );
  assert.deepEqual(full, { failed: true, query_failure: true });

  const store = new MemoryStore();
  for (const d of ["one", "two"]) {
    await applyRecursive(
      ctx(store, new Uint8Array(32)),
      recursive("store", { ...base, namespace: -1, data: toBase64(utf8(d)) }),
    );
  }
  assert.equal(store.retrieve(account, -1, { now: NOW }).messages.length, 1);
  const again = await applyRecursive(
    ctx(store, new Uint8Array(32)),
    recursive("store", { ...base, namespace: -1, data: toBase64(utf8("two")) }),
  );
  assert.equal(again.already, true);
});

Deno.test("retrieveResult() applies the §7.2 budget rules", () => {
  const account = "03" + "cd".repeat(32);
  const store = new MemoryStore();
  for (let i = 0; i < 5; i++) {
    store.store({
      account,
      namespace: -10,
      hash: `h${i}`.padEnd(43, "A"),
      timestamp: NOW,
      expiry: NOW + 1000,
      data: new Uint8Array(300),
    });
  }
  const req = (extra: Record<string, unknown>) =>
    parseRequest("retrieve", { pubkey: account, namespace: -10, ...extra }) as RetrieveRequest;
  const count = (extra: Record<string, unknown>, budget = 7_800_000) =>
    (retrieveResult({ store, now: NOW, retrieveMaxSize: budget }, req(extra)).messages as unknown[]).length;
  // each message costs 100 + 43 + 400 = 543 bytes
  assert.equal(count({}), 5);
  assert.equal(count({ max_count: 2 }), 2);
  assert.equal(count({ max_size: 1100 }), 2);
  assert.equal(count({ max_size: -2 }, 2200), 2, "−2 = half of the budget");
  assert.equal(count({}, 5 * 1100), 2, "neither limit = a fifth of the budget");
  assert.equal(count({ max_count: 0, max_size: 0 }, 5 * 1100), 2, "0 = unset");
  assert.equal(count({ max_size: 1 }), 1, "at least one message");
  const r = retrieveResult({ store, now: NOW, retrieveMaxSize: 7_800_000 }, req({ max_count: 1 }));
  assert.equal(r.more, true);
  const last = (r.messages as { hash: string }[])[0].hash;
  assert.equal(count({ last_hash: last }), 4);
});

Deno.test("getExpiriesResult() lists only hashes that exist", () => {
  const account = "03" + "ef".repeat(32);
  const store = new MemoryStore();
  store.store({
    account,
    namespace: 3,
    hash: "x".repeat(43),
    timestamp: NOW,
    expiry: NOW + 5,
    data: new Uint8Array(0),
  });
  const r = getExpiriesResult(store, { pubkey: { hex: account }, messages: ["x".repeat(43), "y"] } as never);
  assert.deepEqual(r, { expiries: { ["x".repeat(43)]: NOW + 5 } });
});
