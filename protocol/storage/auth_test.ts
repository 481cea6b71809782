import assert from "node:assert/strict";
import { fromBase64, fromHex, toBase64, utf8 } from "../bytes.ts";
import { defaultProvider } from "../crypto/default.ts";
import { type BDict, bencode } from "../onion/bencode.ts";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../_testing/vectors.ts";
import {
  authenticate,
  DEFAULT_AUTH_LIMITS,
  requiredAccess,
  SUBACCOUNT_ANY_PREFIX,
  SUBACCOUNT_DELETE,
  SUBACCOUNT_READ,
  SUBACCOUNT_WRITE,
  verifyRequestSignature,
} from "./auth.ts";
import { parseRequest, parseRequestBytes, type StorageRequest } from "./params.ts";
import { accountId } from "./params_keys.ts";
import { requestSigningBytes, type SignedRequest } from "./signatures.ts";
import { isStorageRpcError } from "./rpc_error.ts";

const provider = await defaultProvider();
const FILE = "session/storage-signatures.json";
const NOW = 1_700_000_000_000;
const DAY = 86_400_000;

/** Status and body of a refused admission, or "ok". */
async function outcome(request: StorageRequest, options: Parameters<typeof authenticate>[1]): Promise<string> {
  try {
    await authenticate(request, { provider, ...options });
    return "ok";
  } catch (e) {
    if (isStorageRpcError(e)) return `${e.status} ${e.body}`;
    throw e;
  }
}

// deno-lint-ignore no-explicit-any
type Case = any;

/** The bencoded params of a request-signature vector case (raw bytes, no ms check). */
function caseParams(c: Case): BDict | undefined {
  const d: BDict = { pubkey: fromHex(c.account), signature: fromBase64(c.signature_b64) };
  if (c.account.startsWith("05")) d.pubkey_ed25519 = fromHex(c.signer_ed25519_pubkey);
  const ns = (v: unknown) => (v === "all" ? utf8("all") : (v as number));
  switch (c.method) {
    case "store":
      d.timestamp = c.sig_timestamp ?? c.timestamp;
      d.ttl = DAY;
      d.data = utf8("x");
      if (c.namespace) d.namespace = c.namespace;
      return d;
    case "retrieve":
      d.timestamp = c.timestamp;
      if (c.namespace !== null && c.namespace !== undefined) d.namespace = c.namespace;
      return d;
    case "delete":
      d.messages = c.messages.map(utf8);
      return d;
    case "delete_all":
      d.timestamp = c.timestamp;
      if (c.namespace !== null) d.namespace = ns(c.namespace);
      return d;
    case "delete_before":
      d.before = c.before;
      d.namespace = ns(c.namespace);
      return d;
    case "expire_all":
      d.expiry = c.expiry;
      d.namespace = ns(c.namespace);
      return d;
    case "expire":
      d.expiry = c.expiry;
      d.messages = c.messages.map(utf8);
      if (c.shorten) d.shorten = 1;
      if (c.extend) d.extend = 1;
      return d;
    case "get_expiries":
      d.timestamp = c.timestamp;
      d.messages = c.messages.map(utf8);
      return d;
    case "revoke_subaccount":
      d.timestamp = c.timestamp;
      d.revoke = c.revoke.map(fromHex);
      return d;
    case "unrevoke_subaccount":
      d.timestamp = c.timestamp;
      d.unrevoke = c.unrevoke.map(fromHex);
      return d;
    default:
      return undefined;
  }
}

/** The time a case's request is valid at. */
function caseNow(c: Case): number {
  if (c.method === "expire") return Math.min(...[c.expiry].flat()) - 1000;
  if (c.method === "expire_all") return c.expiry;
  return c.sig_timestamp ?? c.timestamp ?? c.before;
}

/** The signed bytes of a case, for the signature-only check. */
function caseMessage(c: Case): Uint8Array {
  return c.message_hex ? fromHex(c.message_hex) : utf8(c.message_utf8);
}

Deno.test({
  name: `authenticate() admits every request-signature vector and refuses each with a flipped bit${
    HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
  }`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const v = loadVectors(FILE);
    const counts = { end_to_end: 0, signature_only: 0, tampered_rejected: 0, node_responses_skipped: 0 };
    for (const c of v.cases as Case[]) {
      if (String(c.method).endsWith("-response")) {
        counts.node_responses_skipped++; // node signatures: gateway/storage_rpc/apply_test.ts
        continue;
      }
      const params = caseParams(c);
      let parsed: StorageRequest | undefined;
      try {
        parsed = params && parseRequestBytes(c.method, bencode(params), { maxBatch: 20 }).request;
      } catch (e) {
        // upstream client strings ("hash4321") or a bare 32-byte key are not valid requests
        if (!isStorageRpcError(e, "PARAMS_INVALID")) throw e;
      }
      if (parsed) {
        assert.equal(await outcome(parsed, { now: caseNow(c), hf: [19, 4] }), "ok", c.id);
        const bad = fromBase64(c.signature_b64);
        bad[5] ^= 0x10;
        const tampered = parseRequestBytes(c.method, bencode({ ...params!, signature: bad })).request;
        assert.match(await outcome(tampered, { now: caseNow(c), hf: [19, 4] }), /^401 /, c.id);
        counts.end_to_end++;
        counts.tampered_rejected++;
        continue;
      }
      // Signature-only: key selection of §6.2 over the vector's exact bytes.
      const account = c.account.length === 66 ? fromHex(c.account) : fromHex("03" + c.account);
      const creds = {
        pubkey: accountId(account),
        signature: fromBase64(c.signature_b64),
        ...(c.account.startsWith("05") && { pubkeyEd25519: fromHex(c.signer_ed25519_pubkey) }),
      };
      assert.ok(await verifyRequestSignature(creds, caseMessage(c), { provider }), c.id);
      if (c.message_utf8 && c.method !== "subaccount_sig" && c.method !== "monitor.messages") {
        const req = { ...c, timestampSeconds: c.t_seconds } as unknown as SignedRequest;
        assert.deepEqual(requestSigningBytes(req), caseMessage(c), c.id);
      }
      counts.signature_only++;
    }
    reportCases(FILE, counts);
    assert.equal(counts.end_to_end + counts.signature_only + counts.node_responses_skipped, v.cases.length);
  },
});

Deno.test({
  name: `authenticate() checks the upstream group subaccount case${HAVE_VECTORS ? "" : ` (${SKIP_REASON})`}`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const v = loadVectors(FILE);
    let n = 0;
    for (const c of v.subaccount_cases as Case[]) {
      const token = fromBase64(c.subaccount_b64);
      assert.equal(token[0], c.expected.token_prefix);
      assert.equal(token[1], c.expected.token_flags);
      const params = {
        pubkey: c.account_id,
        namespace: c.request.namespace,
        timestamp: c.request.timestamp,
        signature: c.signature_b64,
        subaccount: c.subaccount_b64,
        subaccount_sig: c.subaccount_sig_b64,
      };
      const req = parseRequest("retrieve", params);
      assert.equal(await outcome(req, { now: c.request.timestamp }), "ok");
      // The same token for the other access kinds.
      const access = c.expected.allowed_for_required_access;
      const creds = { pubkey: accountId(fromHex(c.account_id)), signature: fromBase64(c.signature_b64) };
      const subaccount = { token, signature: fromBase64(c.subaccount_sig_b64) };
      const msg = utf8(c.message_utf8);
      for (
        const [flag, want] of [[SUBACCOUNT_READ, access.read], [SUBACCOUNT_WRITE, access.write], [
          SUBACCOUNT_DELETE,
          access.delete,
        ]] as const
      ) {
        const ok = await verifyRequestSignature({ ...creds, subaccount }, msg, { provider, requiredAccess: flag });
        assert.equal(ok, want, `flag ${flag}`);
      }
      // Revoked → 401; skipped for an unrevocable namespace; a flipped token signature → 401.
      const revoked = { now: c.request.timestamp, isRevoked: () => true };
      assert.equal(await outcome(req, revoked), "401 retrieve signature verification failed");
      const badSub = fromBase64(c.subaccount_sig_b64);
      badSub[0] ^= 1;
      const tampered = parseRequest("retrieve", { ...params, subaccount_sig: toBase64(badSub) });
      assert.match(await outcome(tampered, { now: c.request.timestamp }), /^401 /);
      n++;
    }
    reportCases(FILE + " subaccount_cases", { passed: n });
    assert.equal(n, v.subaccount_cases.length);
  },
});

Deno.test({
  name: `verifyRequestSignature() converts pubkey_ed25519 to the Session ID key${
    HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
  }`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const v = loadVectors(FILE);
    let n = 0;
    for (const c of v.ed_to_x_cases as Case[]) {
      const seed = fromHex(c.ed25519_seed);
      const ed = await provider.ed25519PublicKey(seed);
      const msg = utf8(`retrieve${NOW}`);
      const signature = await provider.ed25519Sign(seed, msg);
      const pubkey = accountId(fromHex(c.session_id));
      assert.ok(await verifyRequestSignature({ pubkey, signature, pubkeyEd25519: ed }, msg, { provider }), c.id);
      const other = accountId(fromHex("05" + "11".repeat(32)));
      assert.ok(!await verifyRequestSignature({ pubkey: other, signature, pubkeyEd25519: ed }, msg, { provider }));
      n++;
    }
    reportCases(FILE + " ed_to_x_cases", { passed: n });
  },
});

/** A signed request for a fresh `03` account, parsed from JSON. */
async function signed(method: string, params: Record<string, unknown>, message: string | Uint8Array, seedByte = 9) {
  const seed = new Uint8Array(32).fill(seedByte);
  const key = await provider.ed25519PublicKey(seed);
  const sig = await provider.ed25519Sign(seed, typeof message === "string" ? utf8(message) : message);
  return parseRequest(method, {
    pubkey: "03" + Array.from(key, (b) => b.toString(16).padStart(2, "0")).join(""),
    signature: toBase64(sig),
    ...params,
  });
}

Deno.test("authenticate() applies the §6.3 windows with the reference's statuses and texts", async () => {
  const s = 1000;
  const rows: [string, Promise<StorageRequest>, number, boolean, string][] = [
    ["retrieve +60s", signed("retrieve", { timestamp: NOW + 60 * s }, `retrieve${NOW + 60 * s}`), NOW, false, "ok"],
    [
      "retrieve +61s",
      signed("retrieve", { timestamp: NOW + 61 * s }, `retrieve${NOW + 61 * s}`),
      NOW,
      false,
      "406 retrieve timestamp too far from current time",
    ],
    [
      "get_expiries -61s",
      signed("get_expiries", { timestamp: NOW - 61 * s, messages: ["a"] }, `get_expiries${NOW - 61 * s}a`),
      NOW,
      false,
      "406 get_expiries timestamp too far from current time",
    ],
    [
      "delete_all -65s forwarded",
      signed("delete_all", { timestamp: NOW - 65 * s }, `delete_all${NOW - 65 * s}`),
      NOW,
      true,
      "ok",
    ],
    [
      "delete_all -65s client",
      signed("delete_all", { timestamp: NOW - 65 * s }, `delete_all${NOW - 65 * s}`),
      NOW,
      false,
      "406 delete_all timestamp too far from current time",
    ],
    [
      "delete_all -71s forwarded",
      signed("delete_all", { timestamp: NOW - 71 * s }, `delete_all${NOW - 71 * s}`),
      NOW,
      true,
      "406 delete_all timestamp too far from current time",
    ],
    [
      "delete_before far past",
      signed("delete_before", { before: NOW - DAY }, `delete_before${NOW - DAY}`),
      NOW,
      false,
      "ok",
    ],
    [
      "delete_before +61s",
      signed("delete_before", { before: NOW + 61 * s }, `delete_before${NOW + 61 * s}`),
      NOW,
      false,
      "401 delete_before timestamp too far in the future",
    ],
    [
      "expire_all -65s forwarded",
      signed("expire_all", { expiry: NOW - 65 * s }, `expire_all${NOW - 65 * s}`),
      NOW,
      true,
      "ok",
    ],
    [
      "expire_all -61s client",
      signed("expire_all", { expiry: NOW - 61 * s }, `expire_all${NOW - 61 * s}`),
      NOW,
      false,
      "406 expire_all timestamp should be >= current time",
    ],
    [
      "revoke +61s",
      signed(
        "revoke_subaccount",
        { timestamp: NOW + 61 * s, revoke: ["03".repeat(36)] },
        new Uint8Array([...utf8(`revoke_subaccount${NOW + 61 * s}`), ...new Uint8Array(36).fill(3)]),
      ),
      NOW,
      false,
      "406 revoke_subaccount timestamp too far from current time",
    ],
    [
      "store sig_timestamp -61s",
      signed(
        "store",
        { timestamp: NOW, sig_timestamp: NOW - 61 * s, ttl: DAY, data: "", namespace: 1 },
        `store1${NOW - 61 * s}`,
      ),
      NOW,
      false,
      "406 store signature timestamp too far from current time",
    ],
    [
      "store expiry in the past",
      signed("store", { timestamp: NOW - DAY, ttl: DAY - 11 * s, data: "", namespace: 1 }, `store1${NOW - DAY}`),
      NOW,
      false,
      "406 Timestamp error: check your clock",
    ],
    [
      "store public inbox ignores the signature",
      signed("store", { timestamp: NOW, ttl: DAY, data: "", namespace: 10 }, "anything"),
      NOW,
      false,
      "ok",
    ],
  ];
  for (const [name, req, now, forwarded, want] of rows) {
    assert.equal(await outcome(await req, { now, forwarded }), want, name);
  }
  assert.equal(DEFAULT_AUTH_LIMITS.signatureToleranceMs, 60_000);
});

Deno.test("authenticate() caps expire at 30 days and limits subaccounts without Delete to extending", async () => {
  const hash = "A".repeat(43);
  const far = NOW + 40 * DAY;
  const r = await signed("expire", { expiry: far, messages: [hash] }, `expire${far}${hash}`);
  const a = await authenticate(r, { now: NOW, provider });
  assert.deepEqual(a, { expiry: [NOW + 30 * DAY], extendOnly: false });

  const ownerSeed = new Uint8Array(32).fill(9);
  const memberSeed = new Uint8Array(32).fill(4);
  const member = await provider.ed25519PublicKey(memberSeed);
  const token = new Uint8Array([0x03, SUBACCOUNT_WRITE, 0, 0, ...member]);
  const tokenSig = toBase64(await provider.ed25519Sign(ownerSeed, token));
  const owner = await provider.ed25519PublicKey(ownerSeed);
  const base = { pubkey: "03" + Array.from(owner, (b) => b.toString(16).padStart(2, "0")).join("") };
  const exp = NOW + DAY;
  const sub = async (mode: string) =>
    parseRequest("expire", {
      ...base,
      expiry: exp,
      messages: [hash],
      ...(mode && { [mode]: true }),
      subaccount: toBase64(token),
      subaccount_sig: tokenSig,
      signature: toBase64(await provider.ed25519Sign(memberSeed, utf8(`expire${mode}${exp}${hash}`))),
    });
  assert.deepEqual(await authenticate(await sub(""), { now: NOW, provider }), { expiry: [exp], extendOnly: true });
  assert.equal(
    await outcome(await sub("shorten"), { now: NOW }),
    "400 expire: shorten parameter cannot be used with this subaccount token (missing delete access)",
  );
  // AnyPrefix: the same token (prefix 03) for a 0x99-prefixed account.
  const anyToken = new Uint8Array([0x03, SUBACCOUNT_READ | SUBACCOUNT_ANY_PREFIX, 0, 0, ...member]);
  const msg = utf8(`retrieve${NOW}`);
  const creds = {
    pubkey: accountId(new Uint8Array([0x99, ...owner])),
    signature: await provider.ed25519Sign(memberSeed, msg),
  };
  const withToken = async (t: Uint8Array) => ({ token: t, signature: await provider.ed25519Sign(ownerSeed, t) });
  assert.ok(await verifyRequestSignature({ ...creds, subaccount: await withToken(anyToken) }, msg, { provider }));
  const plain = new Uint8Array([0x03, SUBACCOUNT_READ, 0, 0, ...member]);
  assert.ok(!await verifyRequestSignature({ ...creds, subaccount: await withToken(plain) }, msg, { provider }));
});

Deno.test("requiredAccess() and the retrieve signature requirement follow §6.2 and §7.2", async () => {
  const rows: [string, Record<string, unknown>, number][] = [
    ["store", { namespace: 1 }, SUBACCOUNT_WRITE],
    ["store", { namespace: -21 }, SUBACCOUNT_WRITE | SUBACCOUNT_DELETE],
    ["retrieve", {}, SUBACCOUNT_READ],
    ["get_expiries", {}, SUBACCOUNT_READ],
    ["delete", {}, SUBACCOUNT_DELETE],
    ["expire_all", {}, SUBACCOUNT_DELETE],
    ["expire", {}, SUBACCOUNT_WRITE],
    ["revoke_subaccount", {}, 0],
    ["info", {}, 0],
  ];
  for (const [method, extra, want] of rows) {
    assert.equal(requiredAccess({ method, ...extra } as unknown as StorageRequest), want, method);
  }
  const unsigned = parseRequest("retrieve", { pubkey: "03" + "00".repeat(32) });
  assert.equal(await outcome(unsigned, { now: NOW }), "401 retrieve: request signature required");
  const legacy = parseRequest("retrieve", { pubkey: "03" + "00".repeat(32), namespace: -10 });
  assert.equal(await outcome(legacy, { now: NOW }), "ok");
  const unsignedStore = parseRequest("store", {
    pubkey: "03" + "00".repeat(32),
    timestamp: NOW,
    ttl: DAY,
    data: "",
    namespace: 3,
  });
  assert.equal(await outcome(unsignedStore, { now: NOW }), "401 store: signature required to store to namespace 3");
  const ttl = parseRequest("store", { pubkey: "03" + "00".repeat(32), timestamp: NOW, ttl: 9_999, data: "" });
  assert.equal(await outcome(ttl, { now: NOW }), "403 Provided expiry/TTL is not valid.");
});
