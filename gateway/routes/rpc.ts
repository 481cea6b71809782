/**
 * The final destination's storage-RPC dispatch (onion-requests.md §6; swarms-and-storage.md §7):
 * the delivered payload is `{"method": "<name>", "params": {…}}`; the method is looked up in the
 * handler table and its result is what the onion route encrypts back.
 *
 * | situation | status | body (inside the encrypted reply) |
 * | --- | --- | --- |
 * | payload over `maxRpcRequest`, or a `params.data` string decoding to more than `maxMessageData` bytes | 413 | `Message too large` |
 * | not strict JSON, not an object, `method` not a short name, `params` not an object | 400 | `Invalid json` |
 * | unknown method | 400 | `no method <name>` (the storage server's wording) |
 * | a handler throws | 500 | `request failed`, and one log line with the error class |
 *
 * The message-data limit is checked here, before the method lookup, because every method that
 * carries a message (`store`) names it `data`; a handler never sees an oversize message.
 *
 * @module
 */

import { type FinalReply, fromUtf8, parseStrictJson } from "../../mod.ts";
import type { Logger } from "../logger.ts";
import { INVALID_JSON, MESSAGE_TOO_LARGE, REQUEST_FAILED } from "../responses.ts";

/** What a handler gets besides its params. */
export interface RpcContext {
  /** Current time, integer ms since the epoch (from the injected clock). */
  now: number;
}

/** One storage-RPC method. */
export type RpcHandler = (
  params: Readonly<Record<string, unknown>>,
  ctx: RpcContext,
) => FinalReply | Promise<FinalReply>;

/** The final destination's method table: method name → handler. */
export type RpcHandlers = Readonly<Record<string, RpcHandler>>;

/** Limits of {@link dispatchRpc}; config names in parentheses. */
export interface RpcLimits {
  /** Largest request in bytes (`maxRpcRequest`). */
  maxRequestBytes: number;
  /** Largest decoded `params.data` in bytes (`maxMessageData`, 76,800). */
  maxMessageData: number;
}

/** Deepest nesting accepted in an RPC request (`batch` / `sequence` nest requests). */
const MAX_RPC_DEPTH = 16;
/** A method name: what the storage server's methods look like, bounded. */
const METHOD_RE = /^[a-z][a-z0-9_.]{0,63}$/i;
/** Base64 padding character. */
const PAD = 0x3d;

/**
 * Bytes a base64 text decodes to (standard alphabet, optional padding), without decoding it.
 *
 * @param text base64 text
 * @returns the decoded length
 */
function base64DecodedLength(text: string): number {
  let n = text.length;
  if (n > 0 && text.charCodeAt(n - 1) === PAD) n--;
  if (n > 0 && text.charCodeAt(n - 1) === PAD) n--;
  return Math.floor((n * 3) / 4);
}

/**
 * Parse a delivered payload as a storage-RPC request and run its handler.
 *
 * @param payload the delivered payload
 * @param options handlers, limits, handler context and logger
 * @returns the reply to encrypt (never throws for bad input)
 * @example
 * ```ts
 * import { dispatchRpc } from "./rpc.ts";
 * import { memoryLogger } from "../logger.ts";
 * const handlers = { ping: () => ({ status: 200, body: "pong" }) };
 * const opts = { handlers, limits: { maxRequestBytes: 1000, maxMessageData: 10 }, ctx: { now: 0 }, logger: memoryLogger() };
 * const ok = await dispatchRpc(new TextEncoder().encode('{"method":"ping","params":{}}'), opts);
 * const unknown = await dispatchRpc(new TextEncoder().encode('{"method":"nope","params":{}}'), opts);
 * if (ok.body !== "pong" || unknown.status !== 400 || unknown.body !== "no method nope") throw new Error("bad");
 * ```
 */
export async function dispatchRpc(
  payload: Uint8Array,
  options: { handlers: RpcHandlers; limits: RpcLimits; ctx: RpcContext; logger: Logger },
): Promise<FinalReply> {
  const { handlers, limits, ctx, logger } = options;
  if (payload.length > limits.maxRequestBytes) return { status: 413, body: MESSAGE_TOO_LARGE };
  let request: unknown;
  try {
    request = parseStrictJson(fromUtf8(payload), { maxLength: limits.maxRequestBytes, maxDepth: MAX_RPC_DEPTH });
  } catch {
    return { status: 400, body: INVALID_JSON };
  }
  if (request === null || typeof request !== "object" || Array.isArray(request)) {
    return { status: 400, body: INVALID_JSON };
  }
  const { method, params = {} } = request as { method?: unknown; params?: unknown };
  if (typeof method !== "string" || !METHOD_RE.test(method)) return { status: 400, body: INVALID_JSON };
  if (params === null || typeof params !== "object" || Array.isArray(params)) {
    return { status: 400, body: INVALID_JSON };
  }
  const data = (params as Record<string, unknown>).data;
  if (typeof data === "string" && base64DecodedLength(data) > limits.maxMessageData) {
    return { status: 413, body: MESSAGE_TOO_LARGE };
  }
  if (!Object.hasOwn(handlers, method)) return { status: 400, body: `no method ${method}` };
  try {
    return await handlers[method](params as Record<string, unknown>, ctx);
  } catch (err) {
    logger.log("error", "rpc_handler_failed", { name: err instanceof Error ? err.name : typeof err });
    return { status: 500, body: REQUEST_FAILED };
  }
}
