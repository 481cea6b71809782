/**
 * Re-encoding a recursive request as the bencoded params dict an entry node sends to the other
 * swarm members over `sn.storage_cc` (swarms-and-storage.md §4.3; the reference's `to_bt()` in
 * `oxenss/rpc/client_rpc_endpoints.cpp`): raw 33-byte `pubkey`, raw 64-byte signatures, raw
 * tokens, integer timestamps, namespace as an integer or `"all"`; `store` carries `timestamp`,
 * `expiry` (never `ttl`), `data`, `sig_timestamp` when signed and `namespace` only when non-zero.
 *
 * @module
 */

import { type BDict, bencode, type BValue } from "../onion/bencode.ts";
import { utf8 } from "../bytes.ts";
import { ALL_NAMESPACES } from "./namespace.ts";
import type { AccountRequest, NamespaceSelector, RecursiveRequest } from "./params_types.ts";

/** The fields every forwarded request carries (`to_bt_common`). */
function common(r: AccountRequest | RecursiveRequest): BDict {
  const d: BDict = { pubkey: r.pubkey.bytes };
  if (r.signature) d.signature = r.signature;
  if ("subaccount" in r && r.subaccount) {
    d.subaccount = r.subaccount.token;
    d.subaccount_sig = r.subaccount.signature;
  }
  if (r.pubkeyEd25519) d.pubkey_ed25519 = r.pubkeyEd25519;
  return d;
}

/** A namespace selector as bencode (`set_variant`). */
function namespaceValue(ns: NamespaceSelector): BValue {
  return ns === ALL_NAMESPACES ? utf8(ALL_NAMESPACES) : ns;
}

/**
 * The bencoded params dict of a forwarded request.
 *
 * @param request a parsed recursive request
 * @returns the dict (keys are sorted by {@link bencode})
 * @throws {TypeError} for a method that is not recursive
 * @example Forwarding a delete
 * ```ts
 * import { forwardParams } from "./params_encode.ts";
 * import { parseRequest } from "./params.ts";
 * const r = parseRequest("delete", { pubkey: "03" + "00".repeat(32), signature: "A".repeat(86), messages: "A".repeat(43) });
 * if (r.method !== "delete") throw new Error("bad");
 * const d = forwardParams(r);
 * if ((d.pubkey as Uint8Array).length !== 33 || (d.messages as unknown[]).length !== 1) throw new Error("bad");
 * ```
 */
export function forwardParams(request: RecursiveRequest): BDict {
  const r = request;
  const d = common(r);
  switch (r.method) {
    case "store":
      d.timestamp = r.timestamp;
      d.expiry = r.expiry;
      d.data = r.data;
      if (r.sigTimestamp !== undefined) d.sig_timestamp = r.sigTimestamp;
      if (r.namespace !== 0) d.namespace = r.namespace;
      return d;
    case "delete":
      d.messages = r.messages.map(utf8);
      return d;
    case "delete_all":
      d.timestamp = r.timestamp;
      d.namespace = namespaceValue(r.namespace);
      return d;
    case "delete_before":
      d.before = r.before;
      d.namespace = namespaceValue(r.namespace);
      return d;
    case "expire_all":
      d.expiry = r.expiry;
      d.namespace = namespaceValue(r.namespace);
      return d;
    case "expire":
      d.expiry = r.expiry.length === 1 ? r.expiry[0] : [...r.expiry];
      if (r.shorten) d.shorten = 1;
      if (r.extend) d.extend = 1;
      d.messages = r.messages.map(utf8);
      return d;
    case "revoke_subaccount":
      d.revoke = [...r.tokens];
      d.timestamp = r.timestamp;
      return d;
    case "unrevoke_subaccount":
      d.timestamp = r.timestamp;
      d.unrevoke = [...r.tokens];
      return d;
    default:
      throw new TypeError(`Cannot forward request: "${(r as { method: string }).method}" is not recursive`);
  }
}

/**
 * {@link forwardParams}, bencoded: the second frame of `sn.storage_cc`.
 *
 * @param request a parsed recursive request
 * @returns the bencoded dict
 * @throws {TypeError} for a method that is not recursive
 * @example
 * ```ts
 * import { encodeForwardParams } from "./params_encode.ts";
 * import { parseRequest } from "./params.ts";
 * const r = parseRequest("expire_all", { pubkey: "03" + "00".repeat(32), signature: "A".repeat(86), expiry: 1700000000000, namespace: "all" });
 * if (r.method !== "expire_all") throw new Error("bad");
 * const text = new TextDecoder().decode(encodeForwardParams(r));
 * if (!text.startsWith("d6:expiryi1700000000000e9:namespace3:all6:pubkey33:")) throw new Error(text);
 * ```
 */
export function encodeForwardParams(request: RecursiveRequest): Uint8Array {
  return bencode(forwardParams(request));
}
