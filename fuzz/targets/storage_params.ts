/**
 * Fuzz target: storage-RPC parameters → `parseRequestBytes` and `parseRequest` (swarms-and-storage.md
 * §5, §7) for every method, JSON objects and bencoded dicts. Input format: `_storage.ts`
 * (`<method> …\n<params bytes>`).
 *
 * Expected refusal: `StorageRpcError` with status 400 and a parse body (`invalid request: …`,
 * `no method …` or `invalid body: expected json or bt_dict`) and code `PARAMS_INVALID` or
 * `DATA_TOO_LARGE`. Anything else escaping is a finding. Oracles:
 *
 * - strict JSON agrees with `JSON.parse`: when `parseStrictJson` reads the params (the route's
 *   reader, routes/rpc.ts), `parseRequest` on its value gives the same request or the same refusal;
 * - accepted requests are typed: 33-byte account, 64-byte signatures, 36-byte tokens, 43-character
 *   base64 hashes, safe-integer times, namespaces in range, data within the limit, 1–20 batch
 *   sub-requests and none of them a batch;
 * - a recursive request re-encoded for the swarm (`encodeForwardParams`) parses back to the same
 *   request (`required` of delete is not forwarded, as in the reference).
 *
 * @module
 */

import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import {
  ALL_NAMESPACES,
  encodeForwardParams,
  fromUtf8,
  isRecursive,
  isStorageRpcError,
  MAX_BATCH_REQUESTS,
  MAX_MESSAGE_DATA_BYTES,
  NAMESPACE_MAX,
  NAMESPACE_MIN,
  parseRequest,
  parseRequestBytes,
  parseStrictJson,
  STORAGE_METHODS,
  type StorageRequest,
  StorageRpcError,
  type SubRequest,
  toHex,
} from "../../mod.ts";
import { type FuzzTarget, invariant, InvariantError, type OpenFinding } from "../_harness.ts";
import { mutatedArb } from "../_mutate.ts";
import {
  isParseRefusalBody,
  readStorageInput,
  STORAGE_TOKENS,
  storageInput,
  storageInputArb,
  validExamples,
} from "../_storage.ts";

/**
 * Whether `err` is an expected refusal of the parser (see the module documentation).
 *
 * @param err anything thrown
 * @returns true for a 400 StorageRpcError with a parse body
 */
export function isRefusal(err: unknown): boolean {
  return err instanceof StorageRpcError && err.status === 400 && isParseRefusalBody(err.body) &&
    (err.code === "PARAMS_INVALID" || err.code === "DATA_TOO_LARGE");
}

type Outcome = { ok: true; request: StorageRequest } | { ok: false; body: string };

function outcome(fn: () => StorageRequest): Outcome {
  try {
    return { ok: true, request: fn() };
  } catch (err) {
    if (!isStorageRpcError(err)) throw err;
    invariant(isRefusal(err), `refusal outside the parse set: ${err.status} ${err.code} ${err.body}`);
    return { ok: false, body: err.body };
  }
}

const safe = Number.isSafeInteger;
const HASH_RE = /^[A-Za-z0-9+/]{43}$/;

function checkNamespace(ns: unknown, all: boolean, what: string): void {
  invariant(
    (all && ns === ALL_NAMESPACES) || (safe(ns) && (ns as number) >= NAMESPACE_MIN && (ns as number) <= NAMESPACE_MAX),
    `${what}: namespace ${String(ns)} out of range`,
  );
}

/**
 * Check that an accepted request is well typed.
 *
 * @param r the request
 * @param sentMethod the method name as sent
 */
export function checkRequest(r: StorageRequest, sentMethod: string): void {
  const m = r.method;
  invariant(STORAGE_METHODS[sentMethod] === m, `method ${sentMethod} parsed as ${m}`);
  const any = r as unknown as Record<string, unknown> & SubRequest;
  if ("pubkey" in r) {
    const pk = r.pubkey;
    invariant(pk.bytes.length === 33 && pk.hex === toHex(pk.bytes) && pk.prefix === pk.bytes[0], `${m}: pubkey`);
  }
  if ("signature" in any && any.signature !== undefined) {
    invariant((any.signature as Uint8Array).length === 64, `${m}: signature is not 64 bytes`);
  }
  if ("pubkeyEd25519" in any && any.pubkeyEd25519 !== undefined) {
    invariant((any.pubkeyEd25519 as Uint8Array).length === 32, `${m}: pubkey_ed25519 is not 32 bytes`);
    invariant((r as { pubkey: { prefix: number } }).pubkey.prefix === 5, `${m}: pubkey_ed25519 on a non-05 account`);
  }
  if ("subaccount" in any && any.subaccount !== undefined) {
    const s = any.subaccount as { token: Uint8Array; signature: Uint8Array };
    invariant(s.token.length === 36 && s.signature.length === 64, `${m}: subaccount sizes`);
  }
  const hashes = (list: readonly string[], strict: boolean) => {
    invariant(list.length > 0, `${m}: empty messages`);
    if (strict) invariant(list.every((h) => HASH_RE.test(h)), `${m}: a message hash is not 43 base64`);
  };
  switch (r.method) {
    case "store":
      invariant(safe(r.timestamp), `store: timestamp ${r.timestamp} is not a safe integer`);
      invariant(safe(r.expiry), `store: expiry ${r.expiry} is not a safe integer (timestamp + ttl overflows)`);
      invariant(r.data.length <= MAX_MESSAGE_DATA_BYTES, "store: data over the limit");
      checkNamespace(r.namespace, false, m);
      invariant(
        (r.signature === undefined) === (r.sigTimestamp === undefined),
        "store: sigTimestamp without signature",
      );
      if (r.sigTimestamp !== undefined) invariant(safe(r.sigTimestamp), "store: sig_timestamp");
      return;
    case "retrieve":
      checkNamespace(r.namespace, false, m);
      if (r.lastHash !== undefined) invariant(HASH_RE.test(r.lastHash), "retrieve: last_hash");
      if (r.checkSignature) {
        invariant(r.signature !== undefined && safe(r.timestamp), "retrieve: checked without fields");
      }
      if (r.maxCount !== undefined) invariant(safe(r.maxCount), "retrieve: max_count");
      if (r.maxSize !== undefined) invariant(safe(r.maxSize), "retrieve: max_size");
      return;
    case "info":
    case "get_swarm":
      return;
    case "delete":
      hashes(r.messages, true);
      invariant(typeof r.required === "boolean", "delete: required");
      return;
    case "delete_all":
      checkNamespace(r.namespace, true, m);
      invariant(safe(r.timestamp), "delete_all: timestamp");
      return;
    case "delete_before":
      checkNamespace(r.namespace, true, m);
      invariant(safe(r.before), "delete_before: before");
      return;
    case "expire_all":
      checkNamespace(r.namespace, true, m);
      invariant(safe(r.expiry), "expire_all: expiry");
      return;
    case "expire":
      hashes(r.messages, true);
      invariant(r.expiry.length === 1 || r.expiry.length === r.messages.length, "expire: expiry count");
      invariant(r.expiry.every(safe), "expire: expiry not safe integers");
      invariant(!(r.shorten && r.extend), "expire: shorten and extend");
      return;
    case "get_expiries":
      hashes(r.messages, false);
      invariant(safe(r.timestamp), "get_expiries: timestamp");
      return;
    case "revoke_subaccount":
    case "unrevoke_subaccount":
      invariant(r.tokens.every((t) => t.length === 36), `${m}: token not 36 bytes`);
      if (m === "revoke_subaccount") invariant(r.tokens.length <= 50, "revoke: over 50 tokens");
      invariant(safe(r.timestamp), `${m}: timestamp`);
      return;
    case "batch":
    case "sequence":
      invariant(r.requests.length >= 1 && r.requests.length <= MAX_BATCH_REQUESTS, `${m}: ${r.requests.length} subs`);
      for (const sub of r.requests) {
        invariant(!("requests" in sub), `${m}: nested meta-request`);
        checkRequest(sub, sub.method);
      }
      return;
  }
}

/** A recursive request without the fields that are not forwarded. */
function forwardable(r: StorageRequest): unknown {
  if (r.method === "delete") return { ...r, required: false };
  return r;
}

/**
 * Parse `input` as the parser's callers do and check the oracles.
 *
 * @param input any bytes (format in `_storage.ts`)
 */
export function fuzz(input: Uint8Array): void {
  const { method, params } = readStorageInput(input);
  let first: Outcome;
  let refusal: StorageRpcError | undefined;
  try {
    first = { ok: true, request: parseRequestBytes(method, params).request };
  } catch (err) {
    if (!isStorageRpcError(err)) throw err;
    invariant(isRefusal(err), `refusal outside the parse set: ${err.status} ${err.code} ${err.body}`);
    refusal = err;
    first = { ok: false, body: err.body };
  }

  // The onion route reads params with the strict JSON reader: it must agree with JSON.parse.
  if (params.length > 0 && params[0] !== 0x64) {
    let value: unknown;
    let strictOk = true;
    try {
      value = parseStrictJson(fromUtf8(params), { maxLength: 1 << 24, maxDepth: 64 });
    } catch {
      strictOk = false;
    }
    if (strictOk) {
      const second = outcome(() => parseRequest(method, value));
      if (!isDeepStrictEqual(first, second)) {
        throw new InvariantError(
          `parseRequest() on strict JSON and parseRequestBytes() disagree: ${first.ok ? "accepted" : first.body} vs ${
            second.ok ? "accepted" : second.body
          }`,
        );
      }
    }
  }
  if (refusal !== undefined) throw refusal;
  if (!first.ok) return;
  const r = first.request;
  checkRequest(r, method);

  if (isRecursive(r)) {
    let again: Outcome;
    try {
      again = outcome(() => parseRequestBytes(r.method, encodeForwardParams(r)).request);
    } catch (err) {
      throw new InvariantError(`encodeForwardParams() failed on an accepted ${r.method}: ${String(err)}`);
    }
    invariant(again.ok, `the forwarded ${r.method} is refused by the swarm: ${again.ok ? "" : again.body}`);
    invariant(
      isDeepStrictEqual(forwardable(again.request), forwardable(r)),
      `the forwarded ${r.method} parses to another request`,
    );
  }
}

const VALID = validExamples().map((e) => e.input);

/** Structured inputs for {@link fuzz}. */
export const structured: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: storageInputArb(false), weight: 6 },
  { arbitrary: mutatedArb(VALID, STORAGE_TOKENS), weight: 3 },
  {
    arbitrary: fc.tuple(fc.constantFrom(...Object.keys(STORAGE_METHODS)), fc.jsonValue({ maxDepth: 3 })).map((
      [m, v],
    ) => storageInput(m, new TextEncoder().encode(JSON.stringify(v)))),
    weight: 1,
  },
);

function seeds(): { name: string; input: Uint8Array }[] {
  const te = new TextEncoder();
  const deep = "[".repeat(100_000) + "]".repeat(100_000);
  return [
    { name: "seed:deep-json-params", input: storageInput("store", te.encode(`{"data":${deep}}`)) },
    { name: "seed:deep-bt-params", input: storageInput("store", te.encode("d4:data" + "l".repeat(50_000))) },
    {
      name: "seed:batch-10k-requests",
      input: storageInput("batch", te.encode(`{"requests":[${'{"method":"info","params":{}},'.repeat(9_999)}{}]}`)),
    },
    {
      name: "seed:data-1MiB",
      input: storageInput(
        "store",
        te.encode(`{"pubkey":"03${"00".repeat(32)}","timestamp":1,"ttl":1,"data":"${"A".repeat(1 << 20)}"}`),
      ),
    },
  ];
}

/** Reported, not fixed yet (fuzz/README.md "Open findings"). */
const OPEN: readonly OpenFinding[] = []; // every finding so far is fixed; its reproducer stays in the corpus

/** The `storage_params` target. */
export const target: FuzzTarget = {
  name: "storage_params",
  open: OPEN,
  fuzz,
  structured,
  isRefusal,
  tokens: STORAGE_TOKENS,
  seeds,
};
