/**
 * What a node does with one onion layer, whichever transport brought it (onion-requests.md
 * §3–§8; hardening.md §1–§5): the HTTP route `POST /onion_req/v2` (onion.ts) and the node-to-node
 * OxenMQ command `sn.onion_request` (gateway/zmq/onion_request_handler.ts) both run the cheap
 * checks and the replay lookup first, then hand the checked layer to {@link onionLayerHandler},
 * which peels it, inserts its replay tag, and acts on the result:
 *
 * | peeled | answer |
 * | --- | --- |
 * | `relay` | forward to the next node; its status and body pass through unchanged. Unknown (or this node itself) → 502 `Next node not found: <hex>`; timeout → 504; refused, reset, redirect, garbage, oversize → 502; in-flight cap → 503 |
 * | `deliver` | dispatch `{"method","params"}` to the handler table; 200 with the encrypted `{"body","status"}` (padded per config) |
 * | `server` | check the target (hardening.md §4); without a `ServerRelay`, or when refused: encrypted 400 `Invalid url` |
 * | decrypted but malformed inside | encrypted 400 `Invalid json` |
 *
 * Every other failure is thrown (`HttpError`, `ProtocolError`, `ForwardError`), for the caller
 * to map with `toWireError` (error_handler.ts) — the HTTP error funnel, or the OxenMQ reply. The
 * layer key is wiped once the answer is encrypted.
 *
 * @module
 */

import {
  encryptOnionReply,
  type FinalReply,
  isProtocolError,
  peelReceived,
  type PeelResult,
  type ReplyContext,
  toHex,
} from "../../mod.ts";
import type { CheckedOnion } from "../context.ts";
import type { Deps } from "../deps.ts";
import { HttpError } from "../middleware/error_handler.ts";
import { replayError } from "../middleware/replay_guard.ts";
import type { ForwardResult } from "../relay/forwarder.ts";
import { checkServerTarget } from "../relay/server_target.ts";
import type { ReplayFilter } from "../replay/replay_filter.ts";
import { INVALID_JSON, INVALID_URL, NEXT_NODE_NOT_FOUND_PREFIX, SERVER_BUSY } from "../responses.ts";
import { dispatchRpc } from "./rpc.ts";

/** A node's answer to one onion layer, transport-neutral. */
export interface OnionAnswer {
  /** Status (HTTP status on HTTP; the decimal first part of an OxenMQ reply). */
  status: number;
  /** The complete body. */
  body: Uint8Array;
  /** Content-Type for HTTP: `text/plain; charset=utf-8`, `application/json` or `application/octet-stream`. */
  contentType: string;
}

/** Options of {@link onionLayerHandler}. */
export interface OnionLayerOptions {
  /** The node's dependencies. */
  deps: Deps;
  /** The replay cache the tag was looked up in. */
  replay: ReplayFilter;
}

/** Handles one checked layer; see the module documentation. */
export type OnionLayerHandler = (checked: CheckedOnion) => Promise<OnionAnswer>;

/**
 * An answer passing a next hop's (or server's) answer through unchanged.
 *
 * @param result the upstream answer
 * @returns the answer
 */
function passThrough(result: ForwardResult): OnionAnswer {
  return { status: result.status, body: result.body, contentType: result.contentType };
}

/**
 * The layer handler of one node.
 *
 * @param options dependencies and the replay cache
 * @returns the handler: checked layer → answer; throws `HttpError`, `ProtocolError` or `ForwardError`
 * @example A relay to a node the directory does not know
 * ```ts
 * import { onionLayerHandler } from "./onion_layer.ts";
 * import { createConfig } from "../config.ts";
 * import { createDirectory } from "../directory.ts";
 * import { memoryLogger } from "../logger.ts";
 * import { nodeKeysFromSeed } from "../node_keys.ts";
 * import { HttpForwarder } from "../relay/forwarder.ts";
 * import { ReplayFilter, replayTag } from "../replay/replay_filter.ts";
 * import { readOnionRequest } from "./onion_request.ts";
 * import { buildOnionRequest, nobleProvider as provider, toHex } from "../../mod.ts";
 * const me = await nodeKeysFromSeed(new Uint8Array(32).fill(1), provider);
 * const stranger = await nodeKeysFromSeed(new Uint8Array(32).fill(2), provider);
 * const clock = { now: () => 0 };
 * const replay = new ReplayFilter({ maxTags: 10, generationMs: 1000, clock });
 * const handle = onionLayerHandler({
 *   deps: {
 *     config: createConfig(), nodeKeys: me, directory: createDirectory([]), provider, logger: memoryLogger(), clock,
 *     forwarder: new HttpForwarder({ timeoutMs: 1000, maxResponseBytes: 1024, maxInFlight: 1, maxInFlightPerHop: 1 }),
 *     handlers: {},
 *   },
 *   replay,
 * });
 * const node = (k: typeof me) => ({ ed25519: toHex(k.ed25519Public), x25519: toHex(k.x25519Public) });
 * const { body } = await buildOnionRequest({ path: [node(me)], destination: node(stranger), payload: new Uint8Array(1), provider });
 * const layer = readOnionRequest(body, { maxOuterTrailer: 4096 });
 * let status = 0;
 * try {
 *   await handle({ layer, tag: await replayTag(provider, layer) });
 * } catch (err) {
 *   status = (err as { status: number }).status;
 * }
 * if (status !== 502 || replay.size !== 1) throw new Error("bad");
 * ```
 */
export function onionLayerHandler(options: OnionLayerOptions): OnionLayerHandler {
  const { deps, replay } = options;
  const { config, nodeKeys, directory, forwarder, provider, clock, logger, handlers } = deps;
  const self = toHex(nodeKeys.ed25519Public);
  const peelOptions = {
    provider,
    maxInnerJsonBytes: config.maxInnerJson,
    rejectAmbiguous: config.rejectAmbiguousRoutes,
  };
  const replyOptions = { provider, rng: deps.rng, pad: config.padReplies };
  const serverPolicy = { ports: config.serverRelayPorts, loopbackPorts: config.serverRelayLoopbackPorts };
  const rpcLimits = { maxRequestBytes: config.maxRpcRequest, maxMessageData: config.maxMessageData };

  /** 200 with the encrypted `{"body","status"}` envelope (onion-requests.md §6). */
  async function encrypted(ctx: ReplyContext, reply: FinalReply): Promise<OnionAnswer> {
    const body = await encryptOnionReply(ctx, reply, replyOptions);
    return { status: 200, body, contentType: ctx.base64 ? "text/plain; charset=utf-8" : "application/octet-stream" };
  }

  /** Remember the tag now that the layer decrypted; a concurrent copy that got there first is a replay. */
  function commit(tag: Uint8Array): void {
    if (!replay.add(tag)) throw replayError();
  }

  return async (checked) => {
    // Every forward slot taken: the node is saturated, so shed now, before the key agreement,
    // without consuming the onion's replay tag (hardening.md §5: beyond the cap → 503 immediately).
    if (forwarder.inFlight !== undefined && forwarder.inFlight >= config.forwardMaxInFlight) {
      throw new HttpError(503, SERVER_BUSY);
    }

    let result: PeelResult;
    try {
      result = await peelReceived(checked.layer, nodeKeys, peelOptions);
    } catch (err) {
      if (!isProtocolError(err, "ONION_INNER_INVALID")) throw err;
      const ctx = (err.context as { reply: ReplyContext }).reply;
      try {
        commit(checked.tag); // it did decrypt: remember it
        return await encrypted(ctx, { status: 400, body: INVALID_JSON });
      } finally {
        ctx.key.wipe();
      }
    }

    try {
      commit(checked.tag);
      switch (result.kind) {
        case "relay": {
          const next = result.destination === self ? undefined : directory.get(result.destination);
          if (next === undefined) throw new HttpError(502, NEXT_NODE_NOT_FOUND_PREFIX + result.destination);
          return passThrough(await forwarder.forward(next, result.nextRequestBody));
        }
        case "deliver": {
          const reply = await dispatchRpc(result.payload, {
            handlers,
            limits: rpcLimits,
            ctx: { now: Math.floor(clock.now()) },
            logger,
          });
          return await encrypted(result.reply, reply);
        }
        case "server": {
          const check = checkServerTarget(result, serverPolicy);
          if (!check.ok || deps.serverRelay === undefined) {
            return await encrypted(result.reply, { status: 400, body: INVALID_URL });
          }
          const relayed = await deps.serverRelay.relay(check.target, result.forwardBody);
          if (relayed.kind === "refused") return await encrypted(result.reply, { status: 400, body: INVALID_URL });
          return passThrough(relayed.response);
        }
      }
    } finally {
      result.reply.key.wipe();
    }
  };
}
