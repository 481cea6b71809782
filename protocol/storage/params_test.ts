import assert from "node:assert/strict";
import { toBase64, utf8 } from "../bytes.ts";
import { type BDict, bencode } from "../onion/bencode.ts";
import { isRecursive, parseRequest, parseRequestBytes, STORAGE_METHODS, type StorageRequest } from "./params.ts";
import { isStorageRpcError } from "./rpc_error.ts";

const PK = "03" + "ab".repeat(32);
const PK05 = "05" + "cd".repeat(32);
const SIG = "A".repeat(86);
const HASH = "B".repeat(43);
const TS = 1_700_000_000_000;
const DAY = 86_400_000;

/** The body a parse is refused with, or "ok". */
function refusal(method: string, params: unknown, encoding: "json" | "bt" = "json"): string {
  try {
    parseRequest(method, params, { encoding });
    return "ok";
  } catch (e) {
    if (isStorageRpcError(e)) return e.body;
    throw e;
  }
}

Deno.test("parseRequest() refuses malformed JSON params with the reference's exact texts", () => {
  const store = { pubkey: PK, timestamp: TS, ttl: DAY, data: "aGk=" };
  const signed = { pubkey: PK, signature: SIG };
  const rows: [string, Record<string, unknown>, string][] = [
    ["store", { ...store, timestamp: undefined }, "Required field 'timestamp' missing"],
    ["store", { ...store, expiry: TS + DAY }, "Cannot specify both 'expiry' and 'ttl'"],
    ["store", { ...store, ttl: undefined }, "Required field 'expiry' or 'ttl' missing"],
    ["store", { ...store, pubKey: PK }, "Cannot specify both 'pubkey' and 'pubKey'"],
    ["store", { ...store, pubkey: undefined }, "Required field 'pubkey' missing"],
    ["store", { ...store, pubkey: "03" + "ab".repeat(31) }, "Pubkey must be 66 hex digits (33 bytes) long"],
    ["store", { ...store, pubkey: "zz" + "ab".repeat(32) }, "Pubkey must be 66 hex digits (33 bytes) long"],
    ["store", { ...store, pubkey: 5 }, "Invalid value given for 'pubkey': expected string"],
    ["store", { ...store, ttl: "abc" }, "Invalid value given for 'ttl': \"abc\""],
    ["store", { ...store, ttl: "-5" }, "Invalid value given for 'ttl': \"-5\""],
    ["store", { ...store, ttl: -5 }, "Invalid value given for 'ttl': expected positive integer"],
    ["store", { ...store, timestamp: 1.5 }, "Invalid value given for 'timestamp': expected integer"],
    ["store", { ...store, timestamp: "1e3" }, "Invalid value given for 'timestamp': \"1e3\""],
    [
      "store",
      { ...store, ttl: undefined, expiry: 5_000 },
      "Invalid timestamp for 'expiry': timestamp must be in milliseconds",
    ],
    [
      "store",
      { ...store, ttl: undefined, expiry: -1 },
      "Invalid value given for 'expiry': expected integer timestamp (in milliseconds)",
    ],
    ["store", { ...store, data: "!!!!" }, "Invalid 'data' value: not base64 encoded"],
    ["store", { ...store, data: "a" }, "Invalid 'data' value: not base64 encoded"],
    ["store", { ...store, data: undefined }, "Required field 'data' missing"],
    ["store", { ...store, data: "A".repeat(102_404) }, "Message body exceeds maximum allowed length of 76800 bytes"],
    ["store", { ...store, namespace: 40_000 }, "Invalid value given for 'namespace': value out of range"],
    ["store", { ...store, namespace: "1" }, "Invalid value given for 'namespace': expected 16-bit integer"],
    ["store", { ...store, signature: "A".repeat(87) }, "invalid signature: expected base64 encoded Ed25519 signature"],
    [
      "store",
      { ...store, signature: "A".repeat(86) + "=A" },
      "invalid signature: expected base64 encoded Ed25519 signature",
    ],
    [
      "store",
      { ...store, signature: SIG, pubkey_ed25519: "00".repeat(32) },
      "pubkey_ed25519 is only permitted for 05[...] pubkeys",
    ],
    [
      "store",
      { ...store, pubkey: PK05, signature: SIG, pubkey_ed25519: "zz".repeat(32) },
      "invalid pubkey_ed25519: value is not hex",
    ],
    [
      "store",
      { ...store, pubkey: PK05, signature: SIG, pubkey_ed25519: "00" },
      "Invalid pubkey_ed25519: expected 64 hex char or 32 byte pubkey",
    ],
    [
      "store",
      { ...store, signature: SIG, subaccount: "03".repeat(36) },
      "invalid subaccount: subaccount_sig is required when using subaccount",
    ],
    [
      "store",
      { ...store, signature: SIG, subaccount: "03".repeat(35), subaccount_sig: SIG },
      "invalid subaccount: expected base64 or hex-encoded subaccount token",
    ],
    [
      "store",
      { ...store, signature: SIG, subaccount: "03".repeat(36), subaccount_sig: "x" },
      "invalid subaccount signature: expected base64 encoded Ed25519 signature",
    ],
    ["retrieve", { pubkey: PK, namespace: -10, last_hash: "abc" }, "Invalid last_hash: expected base64 (43 chars)"],
    ["retrieve", { pubkey: PK, namespace: -10, last_hash: "!".repeat(43) }, "Invalid last_hash: not base64"],
    [
      "retrieve",
      { pubkey: PK, namespace: -10, last_hash: HASH, lastHash: HASH },
      "Cannot specify both 'last_hash' and 'lastHash'",
    ],
    [
      "retrieve",
      { pubkey: PK, namespace: -10, max_count: "5" },
      "Invalid value given for 'max_count': expected integer",
    ],
    [
      "retrieve",
      { ...signed, timestamp: 999_999_999 },
      "Invalid timestamp for 'timestamp': timestamp must be in milliseconds",
    ],
    ["retrieve", { pubkey: PK, namespace: 2 }, "Required field 'signature' missing"],
    ["retrieve", { ...signed }, "Required field 'timestamp' missing"],
    ["retrieve", {}, "Required field 'pubkey' missing"],
    ["delete", { ...signed, messages: [] }, "messages does not contain any message hashes"],
    ["delete", { ...signed, messages: ["x"] }, "invalid message hash: x"],
    ["delete", { ...signed, messages: 5 }, "Invalid value given for 'messages': expected string array"],
    ["delete", { ...signed, messages: [HASH, 5] }, "Invalid value given for 'messages': expected string array"],
    ["delete", { ...signed, messages: [HASH], required: 1 }, "Invalid value given for 'required': expected boolean"],
    ["delete", { pubkey: PK, messages: [HASH] }, "Required field 'signature' missing"],
    [
      "delete_all",
      { ...signed, timestamp: TS, namespace: "foo" },
      "Invalid value given for 'namespace': expected integer or \"all\"",
    ],
    [
      "delete_all",
      { ...signed, timestamp: TS, namespace: -40_000 },
      "Invalid value given for 'namespace': value out of range",
    ],
    ["delete_all", { ...signed }, "Required field 'timestamp' missing"],
    ["delete_before", { ...signed }, "Required field 'before' missing"],
    ["expire_all", { ...signed }, "Required field 'expiry' missing"],
    [
      "expire",
      { ...signed, messages: [HASH], expiry: TS, shorten: true, extend: true },
      "cannot specify both 'shorten' and 'extend'",
    ],
    ["expire", { ...signed, messages: [HASH], expiry: [] }, "'expiry' does not contain any expiration timestamps"],
    [
      "expire",
      { ...signed, messages: [HASH], expiry: [TS, TS, TS] },
      "'expiry' must be a single expiry, or the same length as 'messages'",
    ],
    [
      "expire",
      { ...signed, messages: [HASH], expiry: "x" },
      "Invalid value given for 'expiry': expected timestamp array",
    ],
    ["expire", { ...signed, messages: ["bad"], expiry: TS }, "invalid message hash: bad"],
    ["get_expiries", { ...signed, messages: [], timestamp: TS }, "messages does not contain any message hashes"],
    [
      "revoke_subaccount",
      { ...signed, timestamp: TS, revoke: Array(51).fill("03".repeat(36)) },
      "invalid revoke: cannot revoke more than 50 subaccounts at once",
    ],
    [
      "revoke_subaccount",
      { ...signed, timestamp: TS, revoke: ["x"] },
      "invalid revoke: expected base64 or hex-encoded subaccount tag",
    ],
    ["revoke_subaccount", { ...signed, revoke: ["03".repeat(36)] }, "Required field 'timestamp' missing"],
    [
      "unrevoke_subaccount",
      { ...signed, timestamp: TS, unrevoke: ["x"] },
      "invalid unrevoke: expected base64 or hex-encoded subaccount tag",
    ],
    ["unrevoke_subaccount", { ...signed, timestamp: TS }, "Required field 'unrevoke' missing"],
    ["get_swarm", { pubkey: "05" }, "Pubkey must be 66 hex digits/33 bytes long"],
    ["get_swarm", {}, "Required field 'pubkey' missing"],
    ["batch", {}, 'Invalid batch request: no valid "requests" field'],
    ["batch", { requests: [] }, 'Invalid batch request: no valid "requests" field'],
    ["batch", { requests: [5] }, "Invalid batch request: requests must be objects"],
    ["batch", { requests: [{ method: "info" }] }, "Invalid batch request: subrequests must have method/params keys"],
    ["batch", { requests: [{ method: "nope", params: {} }] }, 'Invalid batch subrequest: invalid method "nope"'],
    ["sequence", { requests: [{ method: "store", params: {} }] }, "Required field 'timestamp' missing"],
  ];
  for (const [method, params, detail] of rows) {
    const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
    assert.equal(
      refusal(method, clean),
      "invalid request: " + detail,
      `${method} ${JSON.stringify(clean).slice(0, 80)}`,
    );
  }
  assert.equal(refusal("nope", {}), "no method nope");
  assert.equal(refusal("store", null), "invalid request: params must be an object");
});

Deno.test("parseRequest() refuses malformed bencoded params with the reference's texts", () => {
  const pk = new Uint8Array(33).fill(3);
  const base: BDict = { pubkey: pk, signature: new Uint8Array(64) };
  const rows: [string, BDict, string][] = [
    [
      "store",
      { pubkey: pk, timestamp: TS, ttl: DAY, data: new Uint8Array(76_801) },
      "Message body exceeds maximum allowed length of 76800 bytes",
    ],
    [
      "store",
      { pubkey: pk, timestamp: TS, ttl: -1, data: new Uint8Array(1) },
      "Invalid value given for 'ttl': expected positive integer",
    ],
    [
      "store",
      { pubkey: pk, timestamp: utf8("1"), ttl: 1, data: new Uint8Array(1) },
      "Invalid value given for 'timestamp': expected integer timestamp (in milliseconds)",
    ],
    [
      "store",
      { pubkey: pk, timestamp: TS, ttl: DAY, data: new Uint8Array(1), namespace: 40_000 },
      "Invalid value given for 'namespace': expected 16-bit integer",
    ],
    [
      "delete",
      { ...base, signature: new Uint8Array(63), messages: [utf8(HASH)] },
      "invalid signature: expected 64-byte Ed25519 signature",
    ],
    [
      "delete",
      { ...base, messages: [utf8(HASH)], subaccount: new Uint8Array(35), subaccount_sig: new Uint8Array(64) },
      "invalid subaccount token: invalid token length",
    ],
    [
      "delete",
      { ...base, messages: [utf8(HASH)], required: 2 },
      "Invalid value given for 'required': expected boolean",
    ],
    ["delete", { ...base, messages: 5 }, "Invalid value given for 'messages': expected string array"],
    [
      "delete_all",
      { ...base, timestamp: TS, namespace: utf8("al") },
      "Invalid value given for 'namespace': expected integer or \"all\"",
    ],
    [
      "revoke_subaccount",
      { ...base, timestamp: TS, revoke: [new Uint8Array(35)] },
      "invalid revoke subaccount: invalid subaccount tag length",
    ],
    [
      "unrevoke_subaccount",
      { ...base, timestamp: TS, unrevoke: [new Uint8Array(35)] },
      "invalid unrevoke subaccount: invalid subaccount tag length",
    ],
    ["batch", { requests: 5 }, 'Invalid batch request: no valid "requests" field'],
    ["batch", { requests: [] }, 'Invalid batch request: empty "requests" list'],
    ["batch", { requests: [5] }, "Invalid batch request: requests must be dicts"],
    ["batch", { requests: [{ params: {} }] }, "Invalid batch request: subrequests must have a method"],
    ["batch", { requests: [{ method: utf8("info") }] }, "Invalid batch request: subrequests must have a params dict"],
  ];
  for (const [method, params, detail] of rows) {
    assert.equal(refusal(method, params, "bt"), "invalid request: " + detail, method);
  }
});

Deno.test("parseRequest() reads store in both encodings with the §5 rules", () => {
  const json = parseRequest("store", {
    pubKey: PK05.toUpperCase().replace("0X", "0x"),
    timestamp: String(TS),
    ttl: String(DAY),
    data: toBase64(utf8("hello")),
    namespace: 5,
    signature: SIG + "==",
    pubkey_ed25519: "11".repeat(32),
    subaccount: "",
    sig_timestamp: null,
  });
  assert.equal(json.method, "store");
  if (json.method !== "store") return;
  assert.equal(json.pubkey.hex, PK05);
  assert.equal(json.expiry, TS + DAY);
  assert.equal(json.sigTimestamp, TS, "sig_timestamp defaults to timestamp; null is absent");
  assert.equal(json.subaccount, undefined, "an empty subaccount is ignored");
  assert.equal(json.signature?.length, 64);
  assert.equal(new TextDecoder().decode(json.data), "hello");

  const bt = parseRequest("store", {
    pubkey: new Uint8Array(33).fill(3),
    timestamp: 5_000,
    expiry: 15_000,
    data: utf8("raw"),
  }, { encoding: "bt" });
  if (bt.method !== "store") throw new Error("bad");
  assert.deepEqual([bt.timestamp, bt.expiry, bt.namespace, bt.signature], [5_000, 15_000, 0, undefined]);
  assert.equal(bt.pubkey.hex, "03".repeat(33));

  // The reference takes a 33-byte JSON string as raw bytes (user_pubkey::load); so do we.
  const raw = parseRequest("get_swarm", { pubkey: "\x03" + "a".repeat(32) });
  if (raw.method !== "get_swarm") throw new Error("bad");
  assert.equal(raw.pubkey.prefix, 3);
  const ok = parseRequest("store", { pubkey: PK, timestamp: TS, ttl: DAY, data: "A".repeat(102_400) });
  assert.equal(ok.method, "store");
});

Deno.test("parseRequest() reads retrieve, expire and the aliases", () => {
  const r = parseRequest("retrieve", { pubKey: PK, namespace: -10, lastHash: "", max_count: 0, max_size: -5 });
  assert.deepEqual(
    { ...r, pubkey: undefined },
    { method: "retrieve", pubkey: undefined, checkSignature: false, namespace: -10, maxCount: 0, maxSize: -5 },
  );
  const signedR = parseRequest("retrieve", { pubkey: PK, timestamp: TS, signature: SIG, last_hash: HASH });
  if (signedR.method !== "retrieve") throw new Error("bad");
  assert.deepEqual([signedR.checkSignature, signedR.timestamp, signedR.lastHash, signedR.namespace], [
    true,
    TS,
    HASH,
    0,
  ]);

  const e = parseRequest("expire", { pubkey: PK, signature: SIG, messages: HASH, expiry: 5, shorten: true });
  if (e.method !== "expire") throw new Error("bad");
  assert.deepEqual([e.messages, e.expiry, e.shorten, e.extend], [[HASH], [5], true, false]);

  const ge = parseRequest("get_expiries", { pubkey: PK, signature: SIG, messages: ["not-a-hash"], timestamp: TS });
  assert.equal(ge.method, "get_expiries", "get_expiries does not validate hashes, as the reference");
  const gs = parseRequest("get_snodes_for_pubkey", { pubkey: PK });
  assert.equal(gs.method, "get_swarm");
  const tokens = parseRequest("revoke_subaccount", {
    pubkey: PK,
    signature: SIG,
    timestamp: TS,
    revoke: toBase64(new Uint8Array(36).fill(3)),
  });
  if (tokens.method !== "revoke_subaccount") throw new Error("bad");
  assert.deepEqual(tokens.tokens, [new Uint8Array(36).fill(3)], "a single token is one-element list");
});

Deno.test("parseRequest() parses batches with limits and refuses nesting", () => {
  const b = parseRequest("batch", {
    requests: [{ method: "info", params: {} }, { method: "get_swarm", params: { pubkey: PK } }],
  });
  if (b.method !== "batch") throw new Error("bad");
  assert.deepEqual(b.requests.map((r) => r.method), ["info", "get_swarm"]);
  assert.throws(
    () =>
      parseRequest("batch", { requests: [{ method: "info", params: {} }, { method: "info", params: {} }] }, {
        maxBatch: 1,
      }),
    (e) => isStorageRpcError(e) && e.body.endsWith("subrequest limit exceeded"),
  );
  const btOverLimit = { requests: [{ method: utf8("info"), params: {} }, { method: utf8("info"), params: {} }] };
  assert.throws(() => parseRequest("batch", btOverLimit, { encoding: "bt", maxBatch: 1 }), isStorageRpcError);
  assert.throws(
    () =>
      parseRequest("sequence", {
        requests: [{ method: "sequence", params: { requests: [{ method: "info", params: {} }] } }],
      }),
    (e) => isStorageRpcError(e) && e.body.endsWith("subrequests may not contain meta-requests"),
  );
});

Deno.test("parseRequestBytes() detects JSON, bencode and an empty body", () => {
  assert.equal(parseRequestBytes("info", new Uint8Array(0)).request.method, "info");
  const j = parseRequestBytes("get_swarm", utf8(JSON.stringify({ pubkey: PK })));
  assert.deepEqual([j.request.method, j.encoding], ["get_swarm", "json"]);
  const b = parseRequestBytes("get_swarm", bencode({ pubkey: new Uint8Array(33) }));
  assert.deepEqual([b.request.method, b.encoding], ["get_swarm", "bt"]);
  const bodyOf = (f: () => unknown) => {
    try {
      f();
      return "ok";
    } catch (e) {
      return isStorageRpcError(e) ? e.body : String(e);
    }
  };
  assert.equal(bodyOf(() => parseRequestBytes("info", utf8("{x"))), "invalid body: expected json or bt_dict");
  assert.equal(bodyOf(() => parseRequestBytes("info", utf8("d1:a"))), "invalid request: Invalid bencoded params");
});

Deno.test("isRecursive() and STORAGE_METHODS cover the §4.3 and §7 methods", () => {
  const recursive = [
    "store",
    "delete",
    "delete_all",
    "delete_before",
    "expire_all",
    "expire",
    "revoke_subaccount",
    "unrevoke_subaccount",
  ];
  for (const [name, method] of Object.entries(STORAGE_METHODS)) {
    assert.equal(isRecursive({ method } as StorageRequest), recursive.includes(method), name);
  }
  assert.equal(Object.keys(STORAGE_METHODS).length, 15);
});
