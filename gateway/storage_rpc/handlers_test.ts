import assert from "node:assert/strict";
import { fromBase64, fromHex, toBase64, toHex, utf8 } from "../../protocol/bytes.ts";
import { bdecode, bencode } from "../../protocol/onion/bencode.ts";
import { responseSigningBytes, type SignedResponse } from "../../protocol/storage/signatures.ts";
import { messageHash } from "../../protocol/storage/message_hash.ts";
import { NOW, provider, signB64, type TestSwarm, testSwarm } from "./_testing.ts";

const DAY = 86_400_000;
// deno-lint-ignore no-explicit-any
type Json = any;

/** A signed store params object for the swarm's account. */
async function storeParams(s: TestSwarm, data: string, extra: Record<string, unknown> = {}) {
  const namespace = (extra.namespace as number | undefined) ?? 0;
  const params: Record<string, unknown> = {
    pubkey: s.account.hex,
    timestamp: s.clock.now,
    ttl: DAY,
    data: toBase64(utf8(data)),
    ...extra,
  };
  if (namespace % 10 !== 0) {
    params.signature = await signB64(s.account.seed, `store${namespace}${s.clock.now}`);
  }
  return params;
}

/** Check a per-node signature with that node's Ed25519 key. */
async function assertNodeSig(s: TestSwarm, ed: string, sigB64: string, response: SignedResponse) {
  const ok = await provider.ed25519Verify(fromHex(ed), responseSigningBytes(response), fromBase64(sigB64));
  assert.ok(ok, `signature of ${ed.slice(0, 8)} over ${response.method}`);
  assert.ok(s.nodes.some((n) => n.ed25519 === ed));
}

Deno.test("store is replicated to every swarm member and each member signs the hash", async () => {
  const s = await testSwarm();
  const r = await s.call(0, "store", await storeParams(s, "hello"));
  assert.equal(r.status, 200, r.body);
  const body: Json = r.json;
  const hash = await messageHash(fromHex(s.account.hex), 0, utf8("hello"), { provider });
  assert.equal(body.hash, hash);
  assert.equal(body.t, NOW);
  assert.deepEqual(body.hf, [19, 3]);
  assert.deepEqual(Object.keys(body.swarm).sort(), s.nodes.map((n) => n.ed25519).sort());
  for (const [ed, entry] of Object.entries<Json>(body.swarm)) {
    assert.equal(entry.hash, hash);
    assert.equal(entry.expiry, NOW + DAY);
    await assertNodeSig(s, ed, entry.signature, { method: "store", hash });
  }
  assert.equal(body.swarm[s.nodes[0].ed25519].t, NOW, "the entry node's own entry carries t");
  assert.equal(body.swarm[s.nodes[1].ed25519].t, undefined);
  for (const store of s.stores) assert.equal(store.counts().messages, 1);
  // Keys are sorted at every level, as the reference's JSON library writes them.
  assert.ok(r.body.startsWith('{"hash":'), r.body.slice(0, 20));

  const again = await s.call(0, "store", await storeParams(s, "hello"));
  const b2: Json = again.json;
  assert.equal(b2.swarm[s.nodes[0].ed25519].already, true);
  assert.equal(b2.swarm[s.nodes[1].ed25519].already, 1, "peers' booleans come back as bencoded integers");
});

Deno.test("retrieve returns stored messages with authentication and refuses it without", async () => {
  const s = await testSwarm();
  await s.call(0, "store", await storeParams(s, "m1", { namespace: 2 }));
  const sig = await signB64(s.account.seed, `retrieve2${NOW}`);
  const r = await s.call(1, "retrieve", { pubkey: s.account.hex, namespace: 2, timestamp: NOW, signature: sig });
  assert.equal(r.status, 200, r.body);
  const body: Json = r.json;
  assert.equal(body.messages.length, 1);
  assert.deepEqual(Object.keys(body.messages[0]), ["data", "expiration", "hash", "timestamp"]);
  assert.equal(body.messages[0].data, toBase64(utf8("m1")));
  assert.equal(body.messages[0].expiration, NOW + DAY);
  assert.equal(body.more, false);
  assert.equal(body.t, NOW);
  assert.deepEqual(body.hf, [19, 3]);

  const noAuth = await s.call(1, "retrieve", { pubkey: s.account.hex });
  assert.deepEqual([noAuth.status, noAuth.body], [401, "retrieve: request signature required"]);
  const nsNoSig = await s.call(1, "retrieve", { pubkey: s.account.hex, namespace: 2 });
  assert.deepEqual([nsNoSig.status, nsNoSig.body], [400, "invalid request: Required field 'signature' missing"]);
  const badSig = await s.call(1, "retrieve", { pubkey: s.account.hex, namespace: 3, timestamp: NOW, signature: sig });
  assert.deepEqual([badSig.status, badSig.body], [401, "retrieve signature verification failed"]);
  const outbox = await s.call(1, "retrieve", { pubkey: s.account.hex, namespace: -1 });
  assert.equal(outbox.status, 200, "public outboxes need no signature");
});

Deno.test("a request for an account of another swarm is answered 421 with that swarm", async () => {
  const s = await testSwarm();
  const r = await s.call(0, "retrieve", { pubkey: s.foreign.hex, namespace: -10 });
  assert.equal(r.status, 421, r.body);
  const body: Json = r.json;
  assert.equal(body.swarm, s.foreign.swarmId.toString(16));
  assert.equal(body.t, NOW);
  assert.deepEqual(body.hf, [19, 3]);
  assert.equal(body.snodes.length, 1);
  const n = s.foreign.node;
  assert.deepEqual(body.snodes[0], {
    address: body.snodes[0].address,
    ip: n.ip,
    port: String(n.httpsPort),
    port_https: n.httpsPort,
    port_omq: n.omqPort,
    port_quic: n.omqPort,
    pubkey_ed25519: n.ed25519,
    pubkey_legacy: n.legacy,
    pubkey_x25519: n.x25519,
  });
  assert.match(body.snodes[0].address, /^[ybndrfg8ejkmcpqxot1uwisza345h769]{52}\.snode$/);
  const store = await s.call(0, "store", { ...(await storeParams(s, "x")), pubkey: s.foreign.hex });
  assert.equal(store.status, 421);
  assert.equal(s.stores[0].counts().messages, 0);
  const gs = await s.call(2, "get_snodes_for_pubkey", { pubKey: s.foreign.hex });
  assert.equal(gs.status, 200);
  assert.equal((gs.json as Json).swarm, s.foreign.swarmId.toString(16));
});

Deno.test("clock skew beyond the tolerance is answered 406 with the node time", async () => {
  const s = await testSwarm();
  const retrieve = async (ts: number) =>
    await s.call(0, "retrieve", {
      pubkey: s.account.hex,
      namespace: 5,
      timestamp: ts,
      signature: await signB64(s.account.seed, `retrieve5${ts}`),
    });
  for (const skew of [61_000, -61_000]) {
    const r = await retrieve(NOW + skew);
    assert.deepEqual([r.status, r.body], [406, `retrieve timestamp too far from current time (t=${NOW})`]);
  }
  for (const skew of [59_000, -59_000]) assert.equal((await retrieve(NOW + skew)).status, 200);
  const store = await s.call(0, "store", { ...(await storeParams(s, "x")), timestamp: NOW + 11_000 });
  assert.deepEqual([store.status, store.body], [406, `Timestamp error: check your clock (t=${NOW})`]);
  const ok = await s.call(0, "store", { ...(await storeParams(s, "x")), timestamp: NOW + 9_000 });
  assert.equal(ok.status, 200);
  const ts = NOW - 71_000;
  const da = await s.call(0, "delete_all", {
    pubkey: s.account.hex,
    timestamp: ts,
    signature: await signB64(s.account.seed, `delete_all${ts}`),
  });
  assert.deepEqual([da.status, da.body], [406, `delete_all timestamp too far from current time (t=${NOW})`]);
});

Deno.test("missing or bad signatures are answered 401 and TTLs out of range 403", async () => {
  const s = await testSwarm();
  const unsigned = { pubkey: s.account.hex, timestamp: NOW, ttl: DAY, data: "aGk=", namespace: 2 };
  const r1 = await s.call(0, "store", unsigned);
  assert.deepEqual([r1.status, r1.body], [401, "store: signature required to store to namespace 2"]);
  const wrong = await signB64(s.account.seed, `store3${NOW}`);
  const r2 = await s.call(0, "store", { ...unsigned, signature: wrong });
  assert.deepEqual([r2.status, r2.body], [401, "store signature verification failed"]);
  const sig = await signB64(s.account.seed, `delete_all${NOW}`);
  const flipped = fromBase64(sig);
  flipped[0] ^= 1;
  const r3 = await s.call(0, "delete_all", { pubkey: s.account.hex, timestamp: NOW, signature: toBase64(flipped) });
  assert.deepEqual([r3.status, r3.body], [401, "delete_all signature verification failed"]);
  const other = await signB64(s.foreign.seed, `delete_all${NOW}`);
  const r4 = await s.call(0, "delete_all", { pubkey: s.account.hex, timestamp: NOW, signature: other });
  assert.equal(r4.status, 401);

  for (const ttl of [9_999, 14 * DAY + 1]) {
    const r = await s.call(0, "store", { ...(await storeParams(s, "x")), ttl });
    assert.deepEqual([r.status, r.body], [403, "Provided expiry/TTL is not valid."], `ttl ${ttl}`);
  }
  const longPrivate = await s.call(0, "store", await storeParams(s, "x", { namespace: 2, ttl: 30 * DAY }));
  assert.equal(longPrivate.status, 200, longPrivate.body);
  const tooLong = await s.call(0, "store", await storeParams(s, "x", { namespace: 2, ttl: 30 * DAY + 1 }));
  assert.equal(tooLong.status, 403);
  assert.equal(s.stores[1].counts().messages, 1, "refused stores were not forwarded");
});

/** Store messages and return their hashes. */
async function storeAll(s: TestSwarm, items: [string, number][]): Promise<string[]> {
  const hashes: string[] = [];
  for (const [data, namespace] of items) {
    const r = await s.call(0, "store", await storeParams(s, data, { namespace }));
    assert.equal(r.status, 200, r.body);
    hashes.push((r.json as Json).hash);
  }
  return hashes;
}

Deno.test("delete, delete_all and delete_before are applied by every member and signed by each", async () => {
  const s = await testSwarm();
  const accountId = fromHex(s.account.hex);
  const [h1, h2, h3] = await storeAll(s, [["a", 0], ["b", 0], ["c", 2]]);
  const del = await s.call(1, "delete", {
    pubkey: s.account.hex,
    messages: [h1],
    signature: await signB64(s.account.seed, `delete${h1}`),
  });
  assert.equal(del.status, 200, del.body);
  for (const [ed, e] of Object.entries<Json>((del.json as Json).swarm)) {
    assert.deepEqual(e.deleted, [h1]);
    await assertNodeSig(s, ed, e.signature, { method: "delete", accountId, requested: [h1], deleted: [h1] });
  }
  const again = await s.call(1, "delete", {
    pubkey: s.account.hex,
    messages: h1,
    required: true,
    signature: await signB64(s.account.seed, `delete${h1}`),
  });
  assert.equal(again.status, 404, "required and nothing deleted");

  const before = await s.call(2, "delete_before", {
    pubkey: s.account.hex,
    before: NOW,
    namespace: 2,
    signature: await signB64(s.account.seed, `delete_before2${NOW}`),
  });
  assert.equal(before.status, 200, before.body);
  for (const [ed, e] of Object.entries<Json>((before.json as Json).swarm)) {
    assert.deepEqual(e.deleted, [h3]);
    await assertNodeSig(s, ed, e.signature, { method: "delete_before", accountId, before: NOW, deleted: [h3] });
  }

  await storeAll(s, [["d", 2]]);
  const all = await s.call(0, "delete_all", {
    pubkey: s.account.hex,
    timestamp: NOW,
    namespace: "all",
    signature: await signB64(s.account.seed, `delete_allall${NOW}`),
  });
  assert.equal(all.status, 200, all.body);
  const h4 = await messageHash(accountId, 2, utf8("d"), { provider });
  const sorted = [h2, h4].sort();
  for (const [ed, e] of Object.entries<Json>((all.json as Json).swarm)) {
    assert.deepEqual(e.deleted, { "0": [h2], "2": [h4] });
    await assertNodeSig(s, ed, e.signature, { method: "delete_all", accountId, timestamp: NOW, deleted: sorted });
  }
  for (const store of s.stores) assert.equal(store.counts().messages, 0);
});

Deno.test("expire_all, expire and get_expiries are signed over the exact strings", async () => {
  const s = await testSwarm({ limits: { hf: [19, 4] } });
  const accountId = fromHex(s.account.hex);
  const [h1, h2] = await storeAll(s, [["a", 0], ["b", 0]]);
  const target = NOW + DAY / 2;
  const ea = await s.call(0, "expire_all", {
    pubkey: s.account.hex,
    expiry: target,
    signature: await signB64(s.account.seed, `expire_all${target}`),
  });
  assert.equal(ea.status, 200, ea.body);
  const both = [h1, h2].sort();
  for (const [ed, e] of Object.entries<Json>((ea.json as Json).swarm)) {
    assert.deepEqual(e.updated, both);
    await assertNodeSig(s, ed, e.signature, { method: "expire_all", accountId, expiry: target, updated: both });
  }

  const ext = NOW + DAY;
  const extend = await s.call(1, "expire", {
    pubkey: s.account.hex,
    messages: [h1],
    expiry: ext,
    extend: true,
    signature: await signB64(s.account.seed, `expireextend${ext}${h1}`),
  });
  assert.equal(extend.status, 200, extend.body);
  for (const [ed, e] of Object.entries<Json>((extend.json as Json).swarm)) {
    assert.deepEqual([e.updated, e.expiry, e.unchanged], [[h1], ext, {}]);
    await assertNodeSig(s, ed, e.signature, {
      method: "expire",
      accountId,
      expiry: ext,
      requested: [h1],
      updated: [h1],
      unchanged: {},
    });
  }
  const shorter = NOW + DAY / 4;
  const noShorten = await s.call(1, "expire", {
    pubkey: s.account.hex,
    messages: [h1],
    expiry: NOW + DAY / 4,
    extend: true,
    signature: await signB64(s.account.seed, `expireextend${shorter}${h1}`),
  });
  for (const e of Object.values<Json>((noShorten.json as Json).swarm)) {
    assert.deepEqual([e.updated, e.unchanged], [[], { [h1]: ext }]);
  }

  const multi = [NOW + 1000, NOW + 2000];
  const m = await s.call(2, "expire", {
    pubkey: s.account.hex,
    messages: [h1, h2],
    expiry: multi,
    signature: await signB64(s.account.seed, `expire${multi.join("")}${h1}${h2}`),
  });
  assert.equal(m.status, 200, m.body);
  for (const [ed, e] of Object.entries<Json>((m.json as Json).swarm)) {
    const pairs = [[h1, multi[0]], [h2, multi[1]]].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    assert.deepEqual(e.updated, pairs.map((p) => p[0]));
    assert.deepEqual(e.expiry, pairs.map((p) => p[1]));
    await assertNodeSig(s, ed, e.signature, {
      method: "expire",
      accountId,
      expiry: e.expiry,
      requested: [h1, h2],
      updated: e.updated,
    });
  }
  const past = NOW - 61_000;
  const late = await s.call(2, "expire", {
    pubkey: s.account.hex,
    messages: [h1],
    expiry: past,
    signature: await signB64(s.account.seed, `expire${past}${h1}`),
  });
  assert.deepEqual([late.status, late.body], [401, "expire: timestamp should be >= current time"]);

  const ge = await s.call(0, "get_expiries", {
    pubkey: s.account.hex,
    messages: [h1, h2],
    timestamp: NOW,
    signature: await signB64(s.account.seed, `get_expiries${NOW}${h1}${h2}`),
  });
  assert.equal(ge.status, 200, ge.body);
  assert.deepEqual(ge.json, { expiries: { [h1]: multi[0], [h2]: multi[1] } }, "no t / hf on get_expiries");
});

Deno.test("multi-expiry is refused with 403 before network version 19.4", async () => {
  const s = await testSwarm();
  const [h1, h2] = await storeAll(s, [["a", 0], ["b", 0]]);
  const multi = [NOW + 1000, NOW + 2000];
  const r = await s.call(0, "expire", {
    pubkey: s.account.hex,
    messages: [h1, h2],
    expiry: multi,
    signature: await signB64(s.account.seed, `expire${multi.join("")}${h1}${h2}`),
  });
  assert.deepEqual([r.status, r.body], [403, "expire: multi-expiry requests are not yet active on the network"]);
});

Deno.test("revoke_subaccount and unrevoke_subaccount change what a subaccount may do", async () => {
  const s = await testSwarm();
  await storeAll(s, [["a", 0]]);
  const accountId = fromHex(s.account.hex);
  const member = await provider.ed25519PublicKey(new Uint8Array(32).fill(7));
  const token = new Uint8Array([0x03, 0x03, 0, 0, ...member]); // Read | Write
  const tokenSig = await signB64(s.account.seed, token);
  const retrieve = async () =>
    await s.call(1, "retrieve", {
      pubkey: s.account.hex,
      timestamp: NOW,
      signature: await signB64(new Uint8Array(32).fill(7), `retrieve${NOW}`),
      subaccount: toBase64(token),
      subaccount_sig: tokenSig,
    });
  assert.equal((await retrieve()).status, 200);
  const del = await s.call(1, "delete_all", {
    pubkey: s.account.hex,
    timestamp: NOW,
    signature: await signB64(new Uint8Array(32).fill(7), `delete_all${NOW}`),
    subaccount: toHex(token),
    subaccount_sig: tokenSig,
  });
  assert.equal(del.status, 401, "no Delete flag");

  const revokeMsg = new Uint8Array([...utf8(`revoke_subaccount${NOW}`), ...token]);
  const rv = await s.call(0, "revoke_subaccount", {
    pubkey: s.account.hex,
    timestamp: NOW,
    revoke: [toBase64(token)],
    signature: await signB64(s.account.seed, revokeMsg),
  });
  assert.equal(rv.status, 200, rv.body);
  const respBytes = new Uint8Array([...utf8(`${s.account.hex}${NOW}`), ...token]);
  for (const [ed, e] of Object.entries<Json>((rv.json as Json).swarm)) {
    assert.ok(await provider.ed25519Verify(fromHex(ed), respBytes, fromBase64(e.signature)));
    assert.ok(responseSigningBytes({ method: "revoke_subaccount", accountId, timestamp: NOW, tokens: [token] }).length);
  }
  for (const store of s.stores) assert.ok(store.isSubaccountRevoked(s.account.hex, token));
  assert.equal((await retrieve()).status, 401, "revoked");

  const unMsg = new Uint8Array([...utf8(`unrevoke_subaccount${NOW}`), ...token]);
  const un = await s.call(2, "unrevoke_subaccount", {
    pubkey: s.account.hex,
    timestamp: NOW,
    unrevoke: toHex(token),
    signature: await signB64(s.account.seed, unMsg),
  });
  assert.equal(un.status, 200, un.body);
  for (const e of Object.values<Json>((un.json as Json).swarm)) assert.equal(e.count, 1);
  assert.equal((await retrieve()).status, 200, "unrevoked");
});

Deno.test("batch runs every sub-request and sequence stops after the first failure", async () => {
  const s = await testSwarm();
  const sig = await signB64(s.account.seed, `retrieve${NOW}`);
  const b = await s.call(0, "batch", {
    requests: [
      { method: "store", params: await storeParams(s, "x") },
      { method: "retrieve", params: { pubkey: s.account.hex, timestamp: NOW, signature: sig } },
      { method: "info", params: {} },
      { method: "retrieve", params: { pubkey: s.account.hex } },
    ],
  });
  assert.equal(b.status, 200, b.body);
  const results: Json[] = (b.json as Json).results;
  assert.deepEqual(results.map((r) => r.code), [200, 200, 200, 401]);
  assert.equal(Object.keys(results[0].body.swarm).length, 3, "sub-requests recurse");
  assert.equal(results[0].body.t, NOW);
  assert.equal(results[3].body, "retrieve: request signature required");
  assert.equal((b.json as Json).t, undefined, "no t on batch itself");

  const q = await s.call(0, "sequence", {
    requests: [
      { method: "info", params: {} },
      { method: "retrieve", params: { pubkey: s.account.hex } },
      { method: "info", params: {} },
    ],
  });
  assert.deepEqual((q.json as Json).results.map((r: Json) => r.code), [200, 401]);

  const tooMany = await s.call(0, "batch", { requests: Array(21).fill({ method: "info", params: {} }) });
  assert.deepEqual([tooMany.status, tooMany.body], [
    400,
    "invalid request: Invalid batch request: subrequest limit exceeded",
  ]);
  const nested = await s.call(0, "batch", {
    requests: [{ method: "batch", params: { requests: [{ method: "info", params: {} }] } }],
  });
  assert.deepEqual(
    [nested.status, nested.body],
    [400, "invalid request: Invalid batch subrequest: subrequests may not contain meta-requests"],
  );
});

Deno.test("a recursive request is sent to every peer before the entry node applies it", async () => {
  const s = await testSwarm();
  const seen: number[] = [];
  for (const i of [1, 2]) {
    s.peers.register(s.nodes[i].ed25519, (method, params) => {
      seen.push(s.stores[0].counts().messages);
      return s.rpcs[i].handleForwarded(method, params);
    });
  }
  const r = await s.call(0, "store", await storeParams(s, "first"));
  assert.equal(r.status, 200);
  assert.deepEqual(seen, [0, 0], "the entry node had not stored yet when each peer was called");
  assert.deepEqual(s.stores.map((st) => st.counts().messages), [1, 1, 1]);
});

Deno.test("a peer that does not answer is reported as a timeout and the store still succeeds", async () => {
  const s = await testSwarm({ limits: { peerTimeoutMs: 30 } });
  s.peers.register(s.nodes[2].ed25519, () => new Promise(() => {}));
  const r = await s.call(0, "store", await storeParams(s, "x"));
  assert.equal(r.status, 200, r.body);
  const swarm: Json = (r.json as Json).swarm;
  assert.deepEqual(swarm[s.nodes[2].ed25519], { failed: true, timeout: true });
  assert.ok(swarm[s.nodes[1].ed25519].hash);
  s.peers.unregister(s.nodes[1].ed25519);
  const r2 = await s.call(0, "store", await storeParams(s, "y"));
  assert.equal(r2.status, 200);
  assert.deepEqual((r2.json as Json).swarm[s.nodes[1].ed25519], { failed: true, timeout: true });
});

Deno.test("a store that every member fails is 507 when storage is full, 500 otherwise", async () => {
  const full = await testSwarm({ maxBytes: [0, 0, 0] });
  const r = await full.call(0, "store", await storeParams(full, "x"));
  assert.equal(r.status, 507, r.body);
  for (const e of Object.values<Json>((r.json as Json).swarm)) assert.deepEqual(e.failed, e.failed === 1 ? 1 : true);
  assert.equal((r.json as Json).hash, undefined);

  const down = await testSwarm({ maxBytes: [0, 1000, 1000] });
  down.peers.unregister(down.nodes[1].ed25519);
  down.peers.unregister(down.nodes[2].ed25519);
  const r2 = await down.call(0, "store", await storeParams(down, "x"));
  assert.equal(r2.status, 507, "self full, peers unreachable");

  const refused = await testSwarm();
  refused.peers.register(
    refused.nodes[1].ed25519,
    () => Promise.resolve({ status: 500, body: utf8("request failed") }),
  );
  refused.peers.unregister(refused.nodes[2].ed25519);
  const sig = await signB64(refused.account.seed, `delete_all${NOW}`);
  const d = await refused.call(0, "delete_all", { pubkey: refused.account.hex, timestamp: NOW, signature: sig });
  assert.equal(d.status, 200, "self succeeded");
  assert.deepEqual((d.json as Json).swarm[refused.nodes[1].ed25519], {
    failed: true,
    code: "500",
    reason: "request failed",
  });
});

Deno.test("handleForwarded() re-validates, applies without forwarding, and answers in bencode", async () => {
  const s = await testSwarm();
  const params = bencode({
    pubkey: fromHex(s.account.hex),
    timestamp: NOW,
    expiry: NOW + DAY,
    data: utf8("fw"),
  });
  const r = await s.rpcs[1].handleForwarded("store", params);
  assert.equal(r.status, 200);
  const d = bdecode(r.body) as Record<string, unknown>;
  assert.equal((d.signature as Uint8Array).length, 64, "raw signature");
  assert.equal(s.peers.calls.length, 0, "never re-forwarded");
  assert.equal(s.stores[1].counts().messages, 1);
  assert.equal(s.stores[0].counts().messages, 0);

  const nonRecursive = await s.rpcs[1].handleForwarded("retrieve", bencode({ pubkey: fromHex(s.account.hex) }));
  assert.deepEqual(
    [nonRecursive.status, new TextDecoder().decode(nonRecursive.body)],
    [400, "invalid request: received invalid forwarded non-forwardable request"],
  );
  const wrong = await s.rpcs[1].handleForwarded("store", bencode({ pubkey: fromHex(s.foreign.hex) }));
  assert.equal(wrong.status, 400, "parse errors first");
  const foreign = await s.rpcs[1].handleForwarded(
    "store",
    bencode({ pubkey: fromHex(s.foreign.hex), timestamp: NOW, expiry: NOW + DAY, data: utf8("x") }),
  );
  assert.equal(foreign.status, 421);
  assert.ok((bdecode(foreign.body) as Record<string, unknown>).snodes, "421 body bencoded like the request");
  const unknown = await s.rpcs[1].handleForwarded("nope", new Uint8Array(0));
  assert.deepEqual([unknown.status, new TextDecoder().decode(unknown.body)], [400, "no method nope"]);
});

Deno.test("info and unknown methods answer as the reference does", async () => {
  const s = await testSwarm();
  const info = await s.call(0, "info", {});
  assert.deepEqual([info.status, info.body], [200, `{"hf":[19,3],"t":${NOW},"timestamp":${NOW},"version":[2,8,0]}`]);
  const nope = await s.call(0, "ifelse", {});
  assert.deepEqual([nope.status, nope.body], [400, "no method ifelse"]);
  const big = await s.call(0, "batch", {
    requests: [{ method: "store", params: { ...(await storeParams(s, "x")), data: toBase64(new Uint8Array(76_801)) } }],
  });
  assert.deepEqual([big.status, big.body], [413, "Message too large"]);
});
