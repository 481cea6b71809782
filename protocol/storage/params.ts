/**
 * Typed storage-RPC requests (swarms-and-storage.md §5, §7) parsed from a JSON object (client and
 * onion requests) or a bencoded dict (`sn.storage_cc`, OxenMQ), with the reference's checks in
 * the reference's order and its exact error texts (`oxenss/rpc/client_rpc_endpoints.cpp`).
 *
 * Not implemented: `ifelse` and `oxend_request` (they parse as unknown methods).
 *
 * @module
 */

import { bdecode } from "../onion/bencode.ts";
import { fromUtf8 } from "../bytes.ts";
import { ProtocolError } from "../errors.ts";
import { StorageRpcError } from "./rpc_error.ts";
import { isBDict, type ParamsEncoding, type ParamSource, paramSource, textOf } from "./params_fields.ts";
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
import {
  type BatchRequest,
  MAX_BATCH_REQUESTS,
  MAX_MESSAGE_DATA_BYTES,
  type RecursiveRequest,
  type StorageRequest,
  type SubRequest,
} from "./params_types.ts";

export * from "./params_types.ts";
export type { ParamsEncoding } from "./params_fields.ts";
export type { AccountId, RequestCredentials, SignedSubaccount } from "./params_keys.ts";

/** Method names (and aliases) → the request's `method` (swarms-and-storage.md §7). */
export const STORAGE_METHODS: Readonly<Record<string, StorageRequest["method"]>> = Object.freeze({
  store: "store",
  retrieve: "retrieve",
  info: "info",
  get_swarm: "get_swarm",
  get_snodes_for_pubkey: "get_swarm",
  delete: "delete",
  delete_all: "delete_all",
  delete_before: "delete_before",
  expire_all: "expire_all",
  expire: "expire",
  get_expiries: "get_expiries",
  revoke_subaccount: "revoke_subaccount",
  unrevoke_subaccount: "unrevoke_subaccount",
  batch: "batch",
  sequence: "sequence",
});

const RECURSIVE = new Set<string>([
  "store",
  "delete",
  "delete_all",
  "delete_before",
  "expire_all",
  "expire",
  "revoke_subaccount",
  "unrevoke_subaccount",
]);

/**
 * Whether a request is forwarded to the whole swarm (swarms-and-storage.md §4.3).
 *
 * @param request a parsed request
 * @returns true for store, delete, delete_all, delete_before, expire_all, expire, (un)revoke
 * @example
 * ```ts
 * import { isRecursive } from "./params.ts";
 * if (!isRecursive({ method: "delete_all" } as never) || isRecursive({ method: "info" })) throw new Error("bad");
 * ```
 */
export function isRecursive(request: StorageRequest): request is RecursiveRequest {
  return RECURSIVE.has(request.method);
}

/** Options of {@link parseRequest}. */
export interface ParseOptions {
  /** `json` (default) or `bt`. */
  encoding?: ParamsEncoding;
  /** Largest `data` in bytes; default {@link MAX_MESSAGE_DATA_BYTES}. */
  maxDataBytes?: number;
  /** Most batch sub-requests; default {@link MAX_BATCH_REQUESTS}. */
  maxBatch?: number;
}

/**
 * Parse one request's params.
 *
 * @param method the method name as sent (aliases allowed)
 * @param params a JSON object (`encoding: "json"`) or a decoded bencoded dict (`"bt"`)
 * @param options encoding and limits
 * @returns the typed request
 * @throws {StorageRpcError} 400 `no method <name>` for an unknown method, 400 `invalid request: …`
 *   for bad params (`DATA_TOO_LARGE` for oversize data)
 * @example Parsing a store with a TTL given as a string
 * ```ts
 * import { parseRequest } from "./params.ts";
 * const r = parseRequest("store", { pubkey: "05" + "00".repeat(32), timestamp: 1700000000000, ttl: "86400000", data: "aGk=" });
 * if (r.method !== "store" || r.expiry !== 1700086400000 || r.data.length !== 2) throw new Error("bad");
 * ```
 */
export function parseRequest(method: string, params: unknown, options: ParseOptions = {}): StorageRequest {
  const name = Object.hasOwn(STORAGE_METHODS, method) ? STORAGE_METHODS[method] : undefined;
  if (name === undefined) throw new StorageRpcError("PARAMS_INVALID", 400, `no method ${method}`);
  const src = paramSource(params, options.encoding ?? "json");
  switch (name) {
    case "store":
      return parseStore(src, options.maxDataBytes ?? MAX_MESSAGE_DATA_BYTES);
    case "retrieve":
      return parseRetrieve(src);
    case "info":
      return { method: "info" };
    case "get_swarm":
      return parseGetSwarm(src);
    case "delete":
      return parseDelete(src);
    case "delete_all":
    case "delete_before":
    case "expire_all":
      return parseBulk(src, name);
    case "expire":
      return parseExpire(src);
    case "get_expiries":
      return parseGetExpiries(src);
    case "revoke_subaccount":
    case "unrevoke_subaccount":
      return parseRevoke(src, name);
    case "batch":
    case "sequence":
      return parseBatch(src, name, options);
  }
}

/**
 * Parse `sn.storage_cc` / OxenMQ params bytes: empty = `{}`, a leading `d` = bencoded dict,
 * anything else = JSON (the reference's OxenMQ handler).
 *
 * @param method the method name
 * @param params the raw params frame
 * @param options limits (the encoding is detected)
 * @returns the request and the encoding that was detected
 * @throws {StorageRpcError} 400 as {@link parseRequest}, or `invalid body: expected json or bt_dict`
 * @example
 * ```ts
 * import { parseRequestBytes } from "./params.ts";
 * const { request, encoding } = parseRequestBytes("info", new Uint8Array(0));
 * if (request.method !== "info" || encoding !== "json") throw new Error("bad");
 * ```
 */
export function parseRequestBytes(
  method: string,
  params: Uint8Array,
  options: Omit<ParseOptions, "encoding"> = {},
): { request: StorageRequest; encoding: ParamsEncoding } {
  const BENCODE_DICT = 0x64; // "d"
  let value: unknown;
  let encoding: ParamsEncoding = "json";
  try {
    if (params.length === 0) value = {};
    else if (params[0] === BENCODE_DICT) {
      encoding = "bt";
      value = bdecode(params);
    } else value = JSON.parse(fromUtf8(params));
  } catch (err) {
    if (!(err instanceof ProtocolError || err instanceof SyntaxError || err instanceof TypeError)) throw err;
    if (encoding === "bt") throw StorageRpcError.invalid("Invalid bencoded params");
    throw new StorageRpcError("PARAMS_INVALID", 400, "invalid body: expected json or bt_dict");
  }
  return { request: parseRequest(method, value, { ...options, encoding }), encoding };
}

/** §7.12 (`batch::load_from`); sequence parses the same way. */
function parseBatch(src: ParamSource, method: "batch" | "sequence", options: ParseOptions): BatchRequest {
  const max = options.maxBatch ?? MAX_BATCH_REQUESTS;
  const list = src.get("requests");
  const json = src.encoding === "json";
  if (!Array.isArray(list) || (json && list.length === 0)) {
    throw StorageRpcError.invalid('Invalid batch request: no valid "requests" field');
  }
  if (json && list.length > max) throw StorageRpcError.invalid("Invalid batch request: subrequest limit exceeded");
  const requests: SubRequest[] = [];
  for (const item of list) {
    let name: string;
    let params: unknown;
    if (json) {
      if (item === null || typeof item !== "object" || Array.isArray(item)) {
        throw StorageRpcError.invalid("Invalid batch request: requests must be objects");
      }
      const { method: m, params: p } = item as { method?: unknown; params?: unknown };
      if (typeof m !== "string" || p === null || typeof p !== "object" || Array.isArray(p)) {
        throw StorageRpcError.invalid("Invalid batch request: subrequests must have method/params keys");
      }
      if (!Object.hasOwn(STORAGE_METHODS, m)) {
        throw StorageRpcError.invalid(`Invalid batch subrequest: invalid method "${m}"`);
      }
      [name, params] = [m, p];
    } else {
      if (!isBDict(item)) throw StorageRpcError.invalid("Invalid batch request: requests must be dicts");
      if (requests.length >= max) throw StorageRpcError.invalid("Invalid batch request: subrequest limit exceeded");
      const m = item.method;
      if (!(m instanceof Uint8Array)) {
        throw StorageRpcError.invalid("Invalid batch request: subrequests must have a method");
      }
      name = textOf(m);
      if (!Object.hasOwn(STORAGE_METHODS, name)) {
        throw StorageRpcError.invalid(`Invalid batch subrequest: invalid method "${name}"`);
      }
      if (!isBDict(item.params)) {
        throw StorageRpcError.invalid("Invalid batch request: subrequests must have a params dict");
      }
      params = item.params;
    }
    const sub = parseRequest(name, params, options);
    if ("requests" in sub) {
      throw StorageRpcError.invalid("Invalid batch subrequest: subrequests may not contain meta-requests");
    }
    requests.push(sub);
  }
  if (requests.length === 0) throw StorageRpcError.invalid('Invalid batch request: empty "requests" list');
  return { method, requests };
}
