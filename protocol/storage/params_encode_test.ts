import assert from "node:assert/strict";
import { toBase64, utf8 } from "../bytes.ts";
import { encodeForwardParams, forwardParams } from "./params_encode.ts";
import { isRecursive, parseRequest, parseRequestBytes, type RecursiveRequest } from "./params.ts";

const PK05 = "05" + "cd".repeat(32);
const PK = "03" + "ab".repeat(32);
const SIG = toBase64(new Uint8Array(64).fill(7));
const HASH = "C".repeat(43);
const TS = 1_700_000_000_000;
const TOKEN = "03".repeat(36);
const SUB = { subaccount: TOKEN, subaccount_sig: SIG };

function recursive(method: string, params: Record<string, unknown>): RecursiveRequest {
  const r = parseRequest(method, params);
  if (!isRecursive(r)) throw new Error("not recursive");
  return r;
}

Deno.test("encodeForwardParams() re-encodes every recursive method so a peer parses the same request", () => {
  const cases: [string, Record<string, unknown>][] = [
    ["store", {
      pubkey: PK05,
      pubkey_ed25519: "11".repeat(32),
      timestamp: TS,
      ttl: 86_400_000,
      data: "aGk=",
      namespace: 3,
      signature: SIG,
      ...SUB,
    }],
    ["store", { pubkey: PK, timestamp: TS, expiry: TS + 1, data: "" }],
    ["delete", { pubkey: PK, signature: SIG, messages: [HASH, HASH] }],
    ["delete_all", { pubkey: PK, signature: SIG, timestamp: TS, namespace: "all" }],
    ["delete_before", { pubkey: PK, signature: SIG, before: TS, namespace: -10, ...SUB }],
    ["expire_all", { pubkey: PK, signature: SIG, expiry: TS }],
    ["expire", { pubkey: PK, signature: SIG, messages: [HASH], expiry: TS, shorten: true }],
    ["expire", { pubkey: PK, signature: SIG, messages: [HASH, HASH], expiry: [TS, TS + 1], extend: true }],
    ["revoke_subaccount", { pubkey: PK, signature: SIG, timestamp: TS, revoke: [TOKEN] }],
    ["unrevoke_subaccount", { pubkey: PK, signature: SIG, timestamp: TS, unrevoke: [TOKEN, TOKEN] }],
  ];
  for (const [method, params] of cases) {
    const original = recursive(method, params);
    const { request, encoding } = parseRequestBytes(method, encodeForwardParams(original));
    assert.equal(encoding, "bt");
    assert.deepEqual(request, original, method);
  }
});

Deno.test("forwardParams() writes store's expiry (never ttl) and namespace only when non-zero", () => {
  const r = recursive("store", { pubkey: PK, timestamp: TS, ttl: 10_000, data: "" });
  const d = forwardParams(r);
  assert.deepEqual(Object.keys(d).sort(), ["data", "expiry", "pubkey", "timestamp"]);
  assert.equal(d.expiry, TS + 10_000);
  const text = new TextDecoder("latin1").decode(
    encodeForwardParams(recursive("delete_all", { pubkey: PK, signature: SIG, timestamp: TS })),
  );
  assert.ok(text.includes("9:namespacei0e"), "delete_all always carries its namespace");
  const signed = forwardParams(
    recursive("store", { pubkey: PK, timestamp: TS, ttl: 10_000, data: "", signature: SIG, namespace: 2 }),
  );
  assert.equal(signed.sig_timestamp, TS);
  assert.equal(signed.namespace, 2);
  assert.deepEqual(
    forwardParams(recursive("expire", { pubkey: PK, signature: SIG, messages: HASH, expiry: TS })).expiry,
    TS,
  );
  assert.deepEqual(forwardParams(recursive("delete", { pubkey: PK, signature: SIG, messages: HASH })).messages, [
    utf8(HASH),
  ]);
});

Deno.test("forwardParams() refuses a request that is not recursive", () => {
  assert.throws(() => forwardParams({ method: "info" } as unknown as RecursiveRequest), TypeError);
});
