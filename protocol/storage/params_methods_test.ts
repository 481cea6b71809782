import assert from "node:assert/strict";
import { utf8 } from "../bytes.ts";
import { paramSource } from "./params_fields.ts";
import {
  parseBulk,
  parseDelete,
  parseExpire,
  parseGetExpiries,
  parseGetSwarm,
  parseRetrieve,
  parseRevoke,
  parseStore,
} from "./params_methods.ts";
import { isStorageRpcError } from "./rpc_error.ts";

const PK = "03" + "ab".repeat(32);
const SIG = "A".repeat(86);
const HASH = "C".repeat(43);
const TS = 1_700_000_000_000;
const j = (o: Record<string, unknown>) => paramSource(o, "json");

Deno.test("parseStore() computes the expiry from ttl and honours the data limit it is given", () => {
  const r = parseStore(j({ pubkey: PK, timestamp: TS, ttl: 10, data: "" }), 3);
  assert.deepEqual([r.expiry, r.data.length, r.namespace], [TS + 10, 0, 0]);
  assert.throws(
    () => parseStore(j({ pubkey: PK, timestamp: TS, ttl: 10, data: "AAAAAA==" }), 3),
    (e) => isStorageRpcError(e, "DATA_TOO_LARGE") && e.body.endsWith("maximum allowed length of 3 bytes"),
  );
  const bt = parseStore(paramSource({ pubkey: new Uint8Array(33), timestamp: 1, ttl: 2, data: utf8("abc") }, "bt"), 3);
  assert.equal(bt.expiry, 3);
});

Deno.test("parseRetrieve() requires a signature when a non-public namespace is named", () => {
  assert.equal(parseRetrieve(j({ pubkey: PK })).checkSignature, false);
  assert.equal(parseRetrieve(j({ pubkey: PK, namespace: -21 })).checkSignature, false);
  assert.throws(() => parseRetrieve(j({ pubkey: PK, namespace: 0 })), isStorageRpcError);
  assert.equal(parseRetrieve(j({ pubkey: PK, signature: SIG, timestamp: TS })).checkSignature, true);
});

Deno.test("parseDelete(), parseBulk(), parseExpire(), parseGetExpiries() read their fields", () => {
  assert.deepEqual(parseDelete(j({ pubkey: PK, signature: SIG, messages: [HASH] })).messages, [HASH]);
  const da = parseBulk(j({ pubkey: PK, signature: SIG, timestamp: TS }), "delete_all");
  assert.equal(da.namespace, 0, "omitted namespace = 0");
  const db = parseBulk(j({ pubkey: PK, signature: SIG, before: TS, namespace: "all" }), "delete_before");
  assert.equal(db.namespace, "all");
  const ea = parseBulk(j({ pubkey: PK, signature: SIG, expiry: TS, namespace: 4 }), "expire_all");
  assert.equal(ea.method === "expire_all" && ea.expiry, TS);
  const ex = parseExpire(j({ pubkey: PK, signature: SIG, messages: [HASH, HASH], expiry: [TS, TS + 1], extend: true }));
  assert.deepEqual([ex.expiry, ex.extend], [[TS, TS + 1], true]);
  assert.equal(parseGetExpiries(j({ pubkey: PK, signature: SIG, messages: "x", timestamp: TS })).messages[0], "x");
});

Deno.test("parseGetSwarm() and parseRevoke() read accounts and tokens", () => {
  assert.equal(parseGetSwarm(j({ pubKey: PK })).pubkey.hex, PK);
  const un = parseRevoke(j({ pubkey: PK, signature: SIG, timestamp: TS, unrevoke: [] }), "unrevoke_subaccount");
  assert.deepEqual(un.tokens, [], "an empty list is accepted, as the reference");
});
