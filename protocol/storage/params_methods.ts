/**
 * Parsers of each storage-RPC method's params (swarms-and-storage.md §7.1–§7.11), field by field
 * in the reference's order with its exact error texts (`oxenss/rpc/client_rpc_endpoints.cpp`,
 * the `load(…)` functions). `params.ts` dispatches to these.
 *
 * @module
 */

import { fromBase64 } from "../bytes.ts";
import { StorageRpcError } from "./rpc_error.ts";
import { MESSAGE_HASH_CHARS } from "./message_hash.ts";
import { isNoauthRetrieve } from "./namespace.ts";
import {
  atMostOne,
  exactlyOne,
  fieldBool,
  fieldInt,
  fieldNamespace,
  fieldNamespaceOrAll,
  fieldString,
  fieldStringifiedInt,
  fieldStringList,
  fieldTimestamp,
  fieldTimestampList,
  type ParamSource,
  required,
  textOf,
} from "./params_fields.ts";
import { isBase64, parseAccountId, parseSignedAccount, parseSubaccount, parseToken } from "./params_keys.ts";
import {
  type AccountRequest,
  type DeleteAllRequest,
  type DeleteBeforeRequest,
  type DeleteRequest,
  type ExpireAllRequest,
  type ExpireRequest,
  type GetExpiriesRequest,
  type GetSwarmRequest,
  MAX_REVOKE_TOKENS,
  type RetrieveRequest,
  type RevokeRequest,
  type StoreRequest,
} from "./params_types.ts";

/** §7.1 (`load(store&)`). */
export function parseStore(src: ParamSource, maxData: number): StoreRequest {
  const data = fieldString(src, "data");
  const expiry = fieldTimestamp(src, "expiry");
  const namespace = fieldNamespace(src, "namespace");
  const pubKey = fieldString(src, "pubKey");
  const pubkey = fieldString(src, "pubkey");
  const pubkeyEd = fieldString(src, "pubkey_ed25519");
  const sigTs = fieldTimestamp(src, "sig_timestamp");
  const sig = fieldString(src, "signature");
  const subacc = fieldString(src, "subaccount");
  const subaccSig = fieldString(src, "subaccount_sig");
  const json = src.encoding === "json";
  const timestamp = json
    ? fieldStringifiedInt(src, "timestamp", { unsigned: false })
    : fieldTimestamp(src, "timestamp");
  const ttl = fieldStringifiedInt(src, "ttl", { unsigned: true });
  const ts = required("timestamp", timestamp);
  exactlyOne(["expiry", expiry], ["ttl", ttl]);
  exactlyOne(["pubkey", pubkey], ["pubKey", pubKey], { alias: true });
  const pk = pubkey ?? pubKey;
  let creds: Omit<StoreRequest, "method" | "namespace" | "timestamp" | "expiry" | "data">;
  if (sig !== undefined) {
    const signed = parseSignedAccount({ pubkey: pk, pubkeyEd25519: pubkeyEd, signature: sig }, src.encoding);
    const subaccount = parseSubaccount({ token: subacc, signature: subaccSig }, src.encoding);
    creds = { ...signed, ...(subaccount && { subaccount }), sigTimestamp: sigTs ?? ts };
  } else {
    creds = { pubkey: parseAccountId(required("pubkey", pk)) };
  }
  const d = required("data", data);
  let bytes: Uint8Array;
  const tooLarge = () =>
    StorageRpcError.invalid(`Message body exceeds maximum allowed length of ${maxData} bytes`, "DATA_TOO_LARGE");
  if (json) {
    const text = d as string;
    if (!isBase64(text)) throw StorageRpcError.invalid("Invalid 'data' value: not base64 encoded");
    if (text.length > Math.ceil(maxData / 3) * 4) throw tooLarge();
    bytes = fromBase64(text);
    if (bytes.length > maxData) throw tooLarge();
  } else {
    bytes = (d as Uint8Array).slice();
    if (bytes.length > maxData) throw tooLarge();
  }
  const absoluteExpiry = expiry ?? ts + (ttl as number);
  // Fuzz finding (fuzz/corpus/storage_params/finding-store-expiry-overflow): timestamp + ttl past
  // 2^53 would lose precision; the reference's int64 cannot get there with sane inputs either.
  if (!Number.isSafeInteger(absoluteExpiry)) throw StorageRpcError.invalid("'timestamp' + 'ttl' is out of range");
  return {
    method: "store",
    ...creds,
    namespace: namespace ?? 0,
    timestamp: ts,
    expiry: absoluteExpiry,
    data: bytes,
  };
}

/** §7.2 (`load(retrieve&)`). */
export function parseRetrieve(src: ParamSource): RetrieveRequest {
  const lastHashAlt = fieldString(src, "lastHash");
  const lastHashField = fieldString(src, "last_hash");
  const maxCount = fieldInt(src, "max_count");
  const maxSize = fieldInt(src, "max_size");
  const namespace = fieldNamespace(src, "namespace");
  const pubKey = fieldString(src, "pubKey");
  const pubkey = fieldString(src, "pubkey");
  const pubkeyEd = fieldString(src, "pubkey_ed25519");
  const sig = fieldString(src, "signature");
  const subacc = fieldString(src, "subaccount");
  const subaccSig = fieldString(src, "subaccount_sig");
  const ts = fieldTimestamp(src, "timestamp");
  exactlyOne(["pubkey", pubkey], ["pubKey", pubKey], { alias: true });
  const pk = pubkey ?? pubKey;
  let base: Omit<RetrieveRequest, "method" | "namespace" | "lastHash" | "maxCount" | "maxSize">;
  if (
    pubkeyEd !== undefined || sig !== undefined || ts !== undefined ||
    (namespace !== undefined && !isNoauthRetrieve(namespace))
  ) {
    const signed = parseSignedAccount({ pubkey: pk, pubkeyEd25519: pubkeyEd, signature: sig }, src.encoding);
    const subaccount = parseSubaccount({ token: subacc, signature: subaccSig }, src.encoding);
    // Deliberate: the reference reads an absent timestamp here (undefined behaviour, §14); we refuse it.
    base = { ...signed, ...(subaccount && { subaccount }), checkSignature: true, timestamp: required("timestamp", ts) };
  } else {
    base = { pubkey: parseAccountId(required("pubkey", pk)), checkSignature: false };
  }
  atMostOne(["last_hash", lastHashField], ["lastHash", lastHashAlt]);
  const lh = lastHashAlt ?? lastHashField;
  let lastHash: string | undefined;
  if (lh !== undefined && lh.length > 0) {
    const text = textOf(lh);
    if (lh.length !== MESSAGE_HASH_CHARS) {
      throw StorageRpcError.invalid("Invalid last_hash: expected base64 (43 chars)");
    }
    if (!isBase64(text)) throw StorageRpcError.invalid("Invalid last_hash: not base64");
    lastHash = text;
  }
  return {
    method: "retrieve",
    ...base,
    namespace: namespace ?? 0,
    ...(lastHash !== undefined && { lastHash }),
    ...(maxCount !== undefined && { maxCount }),
    ...(maxSize !== undefined && { maxSize }),
  };
}

/** §7.4 (`load(get_swarm&)`). */
export function parseGetSwarm(src: ParamSource): GetSwarmRequest {
  const pubKey = fieldString(src, "pubKey");
  const pubkey = fieldString(src, "pubkey");
  exactlyOne(["pubkey", pubkey], ["pubKey", pubKey], { alias: true });
  return {
    method: "get_swarm",
    pubkey: parseAccountId((pubkey ?? pubKey)!, "Pubkey must be 66 hex digits/33 bytes long"),
  };
}

/** The `messages` list as text: required, at least one entry. */
function parseHashes(list: readonly (string | Uint8Array)[] | undefined): string[] {
  const messages = required("messages", list).map(textOf);
  if (messages.length === 0) throw StorageRpcError.invalid("messages does not contain any message hashes");
  return messages;
}

/** Check every hash is 43 base64 characters (`is_valid_message_hash`). */
function validateHashes(messages: readonly string[]): readonly string[] {
  for (const m of messages) {
    if (m.length !== MESSAGE_HASH_CHARS || !isBase64(m)) throw StorageRpcError.invalid("invalid message hash: " + m);
  }
  return messages;
}

/** The signed-account fields plus an optional subaccount. */
function signedWithSubaccount(
  src: ParamSource,
  pubkey: string | Uint8Array | undefined,
  pubkeyEd: string | Uint8Array | undefined,
  sig: string | Uint8Array | undefined,
  subacc: string | Uint8Array | undefined,
  subaccSig: string | Uint8Array | undefined,
): AccountRequest & { signature: Uint8Array } {
  const signed = parseSignedAccount({ pubkey, pubkeyEd25519: pubkeyEd, signature: sig }, src.encoding);
  const subaccount = parseSubaccount({ token: subacc, signature: subaccSig }, src.encoding);
  return { ...signed, ...(subaccount && { subaccount }) };
}

/** §7.5 (`load(delete_msgs&)`). */
export function parseDelete(src: ParamSource): DeleteRequest {
  const messages = fieldStringList(src, "messages");
  const pubkey = fieldString(src, "pubkey");
  const pubkeyEd = fieldString(src, "pubkey_ed25519");
  const req = fieldBool(src, "required");
  const sig = fieldString(src, "signature");
  const subacc = fieldString(src, "subaccount");
  const subaccSig = fieldString(src, "subaccount_sig");
  const creds = signedWithSubaccount(src, pubkey, pubkeyEd, sig, subacc, subaccSig);
  return { method: "delete", ...creds, messages: validateHashes(parseHashes(messages)), required: req ?? false };
}

/** §7.6–§7.8 (`load(delete_all&)`, `load(delete_before&)`, `load(expire_all&)`). */
export function parseBulk(
  src: ParamSource,
  method: "delete_all" | "delete_before" | "expire_all",
): DeleteAllRequest | DeleteBeforeRequest | ExpireAllRequest {
  const before = method === "delete_before" ? fieldTimestamp(src, "before") : undefined;
  const expiry = method === "expire_all" ? fieldTimestamp(src, "expiry") : undefined;
  const ns = fieldNamespaceOrAll(src, "namespace");
  const pubkey = fieldString(src, "pubkey");
  const pubkeyEd = fieldString(src, "pubkey_ed25519");
  const sig = fieldString(src, "signature");
  const subacc = fieldString(src, "subaccount");
  const subaccSig = fieldString(src, "subaccount_sig");
  const timestamp = method === "delete_all" ? fieldTimestamp(src, "timestamp") : undefined;
  const creds = signedWithSubaccount(src, pubkey, pubkeyEd, sig, subacc, subaccSig);
  const namespace = ns ?? 0;
  if (method === "delete_all") return { method, ...creds, namespace, timestamp: required("timestamp", timestamp) };
  if (method === "delete_before") return { method, ...creds, namespace, before: required("before", before) };
  return { method, ...creds, namespace, expiry: required("expiry", expiry) };
}

/** §7.9 (`load(expire_msgs&)`). */
export function parseExpire(src: ParamSource): ExpireRequest {
  const expiry = fieldTimestampList(src, "expiry");
  const extend = fieldBool(src, "extend");
  const messages = fieldStringList(src, "messages");
  const pubkey = fieldString(src, "pubkey");
  const pubkeyEd = fieldString(src, "pubkey_ed25519");
  const shorten = fieldBool(src, "shorten");
  const sig = fieldString(src, "signature");
  const subacc = fieldString(src, "subaccount");
  const subaccSig = fieldString(src, "subaccount_sig");
  const creds = signedWithSubaccount(src, pubkey, pubkeyEd, sig, subacc, subaccSig);
  const expiries = required("expiry", expiry);
  if (expiries.length === 0) throw StorageRpcError.invalid("'expiry' does not contain any expiration timestamps");
  if (shorten && extend) throw StorageRpcError.invalid("cannot specify both 'shorten' and 'extend'");
  const hashes = parseHashes(messages);
  if (expiries.length > 1 && expiries.length !== hashes.length) {
    throw StorageRpcError.invalid("'expiry' must be a single expiry, or the same length as 'messages'");
  }
  validateHashes(hashes);
  return {
    method: "expire",
    ...creds,
    messages: hashes,
    expiry: expiries,
    shorten: shorten ?? false,
    extend: extend ?? false,
  };
}

/** §7.10 (`load(get_expiries&)`); the hashes are not validated, as the reference. */
export function parseGetExpiries(src: ParamSource): GetExpiriesRequest {
  const messages = fieldStringList(src, "messages");
  const pubkey = fieldString(src, "pubkey");
  const pubkeyEd = fieldString(src, "pubkey_ed25519");
  const sig = fieldString(src, "signature");
  const subacc = fieldString(src, "subaccount");
  const subaccSig = fieldString(src, "subaccount_sig");
  const timestamp = fieldTimestamp(src, "timestamp");
  const creds = signedWithSubaccount(src, pubkey, pubkeyEd, sig, subacc, subaccSig);
  const ts = required("timestamp", timestamp);
  return { method: "get_expiries", ...creds, timestamp: ts, messages: parseHashes(messages) };
}

/** §7.11 (`load(revoke_subaccount&)`, `load(unrevoke_subaccount&)`). */
export function parseRevoke(src: ParamSource, method: "revoke_subaccount" | "unrevoke_subaccount"): RevokeRequest {
  const pubkey = fieldString(src, "pubkey");
  const pubkeyEd = fieldString(src, "pubkey_ed25519");
  const revoke = method === "revoke_subaccount" ? fieldStringList(src, "revoke") : undefined;
  const sig = fieldString(src, "signature");
  const timestamp = fieldTimestamp(src, "timestamp");
  const unrevoke = method === "unrevoke_subaccount" ? fieldStringList(src, "unrevoke") : undefined;
  const signed = parseSignedAccount({ pubkey, pubkeyEd25519: pubkeyEd, signature: sig }, src.encoding);
  const word = method === "revoke_subaccount" ? "revoke" : "unrevoke";
  let ts: number;
  let list: readonly (string | Uint8Array)[];
  if (method === "revoke_subaccount") {
    list = required("revoke", revoke);
    if (list.length > MAX_REVOKE_TOKENS) {
      throw StorageRpcError.invalid(`invalid revoke: cannot revoke more than ${MAX_REVOKE_TOKENS} subaccounts at once`);
    }
    const tokens = list.map((t) => parseToken(t, { encoding: src.encoding, errors: tokenErrors(word) }));
    ts = required("timestamp", timestamp);
    return { method, ...signed, timestamp: ts, tokens };
  }
  ts = required("timestamp", timestamp);
  list = required("unrevoke", unrevoke);
  const tokens = list.map((t) => parseToken(t, { encoding: src.encoding, errors: tokenErrors(word) }));
  return { method, ...signed, timestamp: ts, tokens };
}

/** The reference's token error texts for revoke / unrevoke. */
function tokenErrors(word: "revoke" | "unrevoke"): [string, string] {
  return [
    `invalid ${word}: expected base64 or hex-encoded subaccount tag`,
    `invalid ${word} subaccount: invalid subaccount tag length`,
  ];
}
