/**
 * The storage-RPC methods of a service node (swarms-and-storage.md §4.3, §7): the handler table
 * the onion route's `dispatchRpc` calls with JSON params, and the receiving side of
 * `sn.storage_cc` for requests other swarm members forward.
 *
 * Per request: parse (400 with the reference's text; oversize `data` 413 for clients), swarm
 * ownership (421 with the account's swarm, `t`, `hf`), the method's admission checks (401 / 403 /
 * 406, the 406 body carrying the node time, hardening.md §3), then — for recursive methods —
 * forward to every other member before applying locally and merge the results under `"swarm"`.
 * Every top-level success carries `t` and `hf`, except get_expiries, batch and sequence.
 *
 * Not implemented: `ifelse`, `oxend_request` (answered `no method …`).
 *
 * @module
 */

import { utf8 } from "../../protocol/bytes.ts";
import type { CryptoProvider } from "../../protocol/crypto/provider.ts";
import type { FinalReply } from "../../protocol/onion/reply.ts";
import { type Admission, authenticate } from "../../protocol/storage/auth.ts";
import { ED25519_KEY_BYTES } from "../../protocol/constants.ts";
import { encodeForwardParams } from "../../protocol/storage/params_encode.ts";
import {
  isRecursive,
  parseRequest,
  parseRequestBytes,
  type RecursiveRequest,
  STORAGE_METHODS,
  type StorageRequest,
  type SubRequest,
} from "../../protocol/storage/params.ts";
import { isStorageRpcError, StorageRpcError } from "../../protocol/storage/rpc_error.ts";
import type { Logger } from "../logger.ts";
import { MESSAGE_TOO_LARGE, REQUEST_FAILED } from "../responses.ts";
import type { RpcContext, RpcHandler, RpcHandlers } from "../routes/rpc.ts";
import type { MessageStore } from "../store/message_store.ts";
import { type ApplyContext, applyRecursive, getExpiriesResult, retrieveResult } from "./apply.ts";
import { resolveLimits, type StorageRpcLimits } from "./limits.ts";
import type { SwarmPeers } from "./peers.ts";
import { forwardToSwarm, peerResult, requiredDeleteStatus, STATUS_OK, swarmStatus } from "./recursive.ts";
import { type ResultObject, type ResultValue, toBencoded, toJsonText } from "./result_value.ts";
import { isAccountForUs, type SwarmSnapshot, swarmToJson } from "./swarm_view.ts";

/** What the storage RPC needs. */
export interface StorageRpcDeps {
  /** The message store. */
  store: MessageStore;
  /** The current view of the network (called once per request). */
  swarm: () => SwarmSnapshot;
  /** Transport to the other swarm members. */
  peers: SwarmPeers;
  /** Crypto provider. */
  provider: CryptoProvider;
  /** The node's 32-byte Ed25519 seed (signs per-node results). */
  nodeEd25519Seed: Uint8Array;
  /** Clock for forwarded requests (client requests use `RpcContext.now`). */
  clock: { now(): number };
  /** Where unexpected failures are logged (no payloads). */
  logger?: Logger;
  /** Overrides of the defaults ({@link StorageRpcLimits}). */
  limits?: Partial<StorageRpcLimits>;
}

/** The storage RPC of one node. */
export interface StorageRpc {
  /** Methods for `dispatchRpc` (JSON params from clients and onion requests). */
  handlers: RpcHandlers;
  /**
   * The `sn.storage_cc` receiving side: re-validates, applies, never forwards again; rejects
   * non-recursive methods with 400. The body is bencoded when the params were.
   */
  handleForwarded(method: string, params: Uint8Array): Promise<{ status: number; body: Uint8Array }>;
}

/** An answer before encoding: text, or a JSON result. */
interface Reply {
  readonly status: number;
  readonly body: string | ResultObject;
}

/** HTTP status of a wrong-swarm answer (§7). */
const STATUS_MISDIRECTED = 421;
/** HTTP status of a parse error (§12). */
const STATUS_BAD_REQUEST = 400;
/** HTTP status of an unexpected failure (§12). */
const STATUS_INTERNAL = 500;
/** HTTP status of a too-large message at the final destination (hardening.md §3). */
const STATUS_TOO_LARGE = 413;
/** HTTP status of a timestamp outside tolerance (§12). */
const STATUS_NOT_ACCEPTABLE = 406;
/** First byte of a bencoded dict: forwarded params starting with it are bencoded (§5). */
const BENCODE_DICT_BYTE = 0x64;
/** Range of the statuses after which a sequence continues (§7.12). */
const SUCCESS_MIN = 200;
const SUCCESS_MAX = 299;
/** Body of a non-recursive method arriving over `sn.storage_cc` (reference wording). */
const NOT_FORWARDABLE = "invalid request: received invalid forwarded non-forwardable request";

/**
 * The body of a 406: the reference's text followed by the node time, so the client can correct
 * its clock (hardening.md §3): `"<text> (t=<ms>)"`.
 *
 * @param text the reference's 406 text
 * @param now node time (ms)
 * @returns the body
 * @example
 * ```ts
 * import { clockErrorBody } from "./handlers.ts";
 * if (clockErrorBody("Timestamp error: check your clock", 5) !== "Timestamp error: check your clock (t=5)") throw new Error("bad");
 * ```
 */
export function clockErrorBody(text: string, now: number): string {
  return `${text} (t=${now})`;
}

/**
 * Build a node's storage RPC.
 *
 * @param deps store, swarm view, peers, keys, clock, limits
 * @returns the handler table and the forwarded-request handler
 * @throws {RangeError} for invalid limits or a seed that is not 32 bytes
 * @example Asking a one-node swarm for an account's swarm
 * ```ts
 * import { createStorageRpc } from "./handlers.ts";
 * import { LoopbackPeers } from "./peers.ts";
 * import { snapshotFromMap } from "./swarm_view.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import { nobleProvider } from "../../protocol/crypto/noble.ts";
 * const self = { ed25519: "aa".repeat(32), x25519: "bb".repeat(32), legacy: "cc".repeat(32), ip: "1.2.3.4", httpsPort: 443, omqPort: 22020 };
 * const rpc = createStorageRpc({
 *   store: new MemoryStore(), swarm: () => snapshotFromMap(new Map([[1n, [self]]]), self), peers: new LoopbackPeers(),
 *   provider: nobleProvider, nodeEd25519Seed: new Uint8Array(32), clock: { now: () => 1700000000000 },
 * });
 * const r = await rpc.handlers.get_swarm({ pubkey: "05" + "00".repeat(32) }, { now: 1700000000000 });
 * if (r.status !== 200 || !r.body.includes('"swarm":"1"')) throw new Error(r.body);
 * ```
 */
export function createStorageRpc(deps: StorageRpcDeps): StorageRpc {
  const limits = resolveLimits(deps.limits);
  const seed = deps.nodeEd25519Seed;
  if (!(seed instanceof Uint8Array) || seed.length !== ED25519_KEY_BYTES) {
    throw new RangeError("Cannot create storage RPC: nodeEd25519Seed is not 32 bytes");
  }
  const { store, provider } = deps;
  const misc = (now: number) => ({ t: now, hf: [...limits.hf] });

  /** Map a refusal to its answer (406 gains the node time). */
  const refusal = (e: StorageRpcError, now: number): Reply => ({
    status: e.status,
    body: e.status === STATUS_NOT_ACCEPTABLE ? clockErrorBody(e.body, now) : e.body,
  });

  /** Run one parsed request (not batch) at `now`. */
  async function execute(request: SubRequest, now: number, forwarded: boolean): Promise<Reply> {
    if (request.method === "info") {
      return { status: STATUS_OK, body: { version: [...limits.version], timestamp: now, ...misc(now) } };
    }
    const snapshot = deps.swarm();
    if (request.method === "get_swarm") {
      return { status: STATUS_OK, body: { ...swarmToJson(snapshot, request.pubkey.hex), ...misc(now) } };
    }
    if (!isAccountForUs(snapshot, request.pubkey.hex)) {
      return { status: STATUS_MISDIRECTED, body: { ...swarmToJson(snapshot, request.pubkey.hex), ...misc(now) } };
    }
    let admission: Admission;
    try {
      admission = await authenticate(request, {
        now,
        forwarded,
        provider,
        hf: limits.hf,
        limits,
        isRevoked: (account, token) => store.isSubaccountRevoked(account.hex, token),
      });
    } catch (e) {
      if (isStorageRpcError(e)) return refusal(e, now);
      throw e;
    }
    const ctx: ApplyContext = { store, provider, seed, now, retrieveMaxSize: limits.retrieveMaxSize };
    if (request.method === "retrieve") {
      return { status: STATUS_OK, body: { ...retrieveResult(ctx, request), ...misc(now) } };
    }
    if (request.method === "get_expiries") return { status: STATUS_OK, body: getExpiriesResult(store, request) };
    if (!isRecursive(request)) throw new TypeError("Cannot run storage request: unexpected method");
    if (forwarded) return { status: STATUS_OK, body: await applyRecursive(ctx, request, { admission }) };
    return await recurse(request, admission, ctx, snapshot);
  }

  /** §4.3: forward to every other member first, apply locally, merge. */
  async function recurse(
    request: RecursiveRequest,
    admission: Admission,
    ctx: ApplyContext,
    snapshot: SwarmSnapshot,
  ): Promise<Reply> {
    const members = snapshot.ownSwarmId === undefined ? [] : snapshot.members(snapshot.ownSwarmId);
    const pending = forwardToSwarm(deps.peers, {
      members,
      self: snapshot.self,
      method: request.method,
      params: encodeForwardParams(request),
      timeoutMs: limits.peerTimeoutMs,
    });
    let own: ResultObject;
    try {
      own = await applyRecursive(ctx, request, { admission });
    } finally {
      // Peers must not be left unawaited even if the local apply throws.
      await Promise.allSettled(pending);
    }
    const swarm: Record<string, ResultObject> = {};
    if (request.method === "store") own = { ...own, t: ctx.now };
    swarm[snapshot.self.ed25519] = own;
    for (const [peer, reply] of await Promise.all(pending)) {
      const entry = peerResult(reply);
      if (entry.failed === true) {
        deps.logger?.log("warn", "storage_peer_failed", { method: request.method, timeout: entry.timeout === true });
      }
      swarm[peer.ed25519] = entry;
    }
    const body: ResultObject = { swarm, ...misc(ctx.now) };
    if (request.method === "store" && typeof own.hash === "string") body.hash = own.hash;
    let status = swarmStatus(swarm, request.method);
    if (request.method === "delete" && request.required) status = requiredDeleteStatus(status, swarm);
    return { status, body };
  }

  /** §7.12: batch runs all sub-requests concurrently; sequence stops after the first non-2xx. */
  async function executeBatch(request: StorageRequest, now: number): Promise<Reply> {
    if (!("requests" in request)) return await execute(request, now, false);
    const results: ResultValue[] = [];
    const entry = (r: Reply): ResultObject => ({ code: r.status, body: r.body });
    if (request.method === "batch") {
      const replies = await Promise.all(request.requests.map((sub) => execute(sub, now, false)));
      results.push(...replies.map(entry));
    } else {
      for (const sub of request.requests) {
        const r = await execute(sub, now, false);
        results.push(entry(r));
        if (r.status < SUCCESS_MIN || r.status > SUCCESS_MAX) break;
      }
    }
    return { status: STATUS_OK, body: { results } };
  }

  /** A client (JSON) request by method name. */
  async function clientRequest(method: string, params: unknown, now: number): Promise<FinalReply> {
    let request: StorageRequest;
    try {
      request = parseRequest(method, params, { maxDataBytes: limits.maxMessageData, maxBatch: limits.maxBatch });
    } catch (e) {
      if (isStorageRpcError(e, "DATA_TOO_LARGE")) return { status: STATUS_TOO_LARGE, body: MESSAGE_TOO_LARGE };
      if (isStorageRpcError(e)) return { status: e.status, body: e.body };
      throw e;
    }
    const reply = await executeBatch(request, now);
    return typeof reply.body === "string"
      ? { status: reply.status, body: reply.body }
      : { status: reply.status, body: toJsonText(reply.body), bodyIsJson: true };
  }

  const handlers: Record<string, RpcHandler> = {};
  for (const name of Object.keys(STORAGE_METHODS)) {
    handlers[name] = (params: Readonly<Record<string, unknown>>, ctx: RpcContext) =>
      clientRequest(name, params, ctx.now);
  }

  async function handleForwarded(method: string, params: Uint8Array): Promise<{ status: number; body: Uint8Array }> {
    const now = deps.clock.now();
    let encoding: "json" | "bt" = params.length > 0 && params[0] === BENCODE_DICT_BYTE ? "bt" : "json";
    const encode = (r: Reply) => ({
      status: r.status,
      body: typeof r.body === "string"
        ? utf8(r.body)
        : encoding === "bt"
        ? toBencoded(r.body)
        : utf8(toJsonText(r.body)),
    });
    try {
      let request: StorageRequest;
      try {
        const parsed = parseRequestBytes(method, params, {
          maxDataBytes: limits.maxMessageData,
          maxBatch: limits.maxBatch,
        });
        request = parsed.request;
        encoding = parsed.encoding;
      } catch (e) {
        if (isStorageRpcError(e)) return encode({ status: e.status, body: e.body });
        throw e;
      }
      if (!isRecursive(request)) return encode({ status: STATUS_BAD_REQUEST, body: NOT_FORWARDABLE });
      return encode(await execute(request, now, true));
    } catch (e) {
      deps.logger?.log("error", "storage_forwarded_failed", { name: e instanceof Error ? e.name : typeof e });
      return encode({ status: STATUS_INTERNAL, body: REQUEST_FAILED });
    }
  }

  return { handlers: Object.freeze(handlers), handleForwarded };
}
