/**
 * `POST /onion_req/v2` (onion-requests.md §3–§8; hardening.md §1–§3): the body arrives already
 * size-limited, cheap-checked and replay-looked-up (`c.var.onion`, replay_guard.ts). This route
 * peels the layer, inserts its replay tag, and acts on the result:
 *
 * | peeled | answer |
 * | --- | --- |
 * | `relay` | forward to the next node; its status and body pass through unchanged. Unknown (or this node itself) → 502 `Next node not found: <hex>`; timeout → 504; refused, reset, redirect, garbage, oversize → 502; in-flight cap → 503 |
 * | `deliver` | dispatch `{"method","params"}` to the handler table; HTTP 200 with the encrypted `{"body","status"}` (padded per config) |
 * | `server` | check the target (hardening.md §4); without a `ServerRelay`, or when refused: encrypted 400 `Invalid url` |
 * | decrypted but malformed inside | encrypted 400 `Invalid json` |
 *
 * Every other failure is thrown to the error funnel. The layer key is wiped once the answer is
 * encrypted.
 *
 * @module
 */

import type { Context, Handler } from "hono";
import {
  encryptOnionReply,
  type FinalReply,
  isProtocolError,
  peelReceived,
  type PeelResult,
  type ReplyContext,
  toHex,
} from "../../mod.ts";
import type { GatewayEnv } from "../context.ts";
import type { Deps } from "../deps.ts";
import { HttpError } from "../middleware/error_handler.ts";
import { replayError } from "../middleware/replay_guard.ts";
import type { ForwardResult } from "../relay/forwarder.ts";
import { checkServerTarget } from "../relay/server_target.ts";
import type { ReplayFilter } from "../replay/replay_filter.ts";
import { INVALID_JSON, INVALID_URL, NEXT_NODE_NOT_FOUND_PREFIX, SERVER_BUSY } from "../responses.ts";
import { dispatchRpc } from "./rpc.ts";

/** Options of {@link onionRoute}. */
export interface OnionRouteOptions {
  /** The app's dependencies. */
  deps: Deps;
  /** The replay cache the guard looked the tag up in. */
  replay: ReplayFilter;
}

/** Statuses whose responses must not carry a body (Fetch spec "null body status"). */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/**
 * A response passing a next hop's (or server's) answer through unchanged.
 *
 * @param result the upstream answer
 * @returns the response
 */
function passThrough(result: ForwardResult): Response {
  const body = NULL_BODY_STATUS.has(result.status) ? null : result.body as Uint8Array<ArrayBuffer>;
  return new Response(body, { status: result.status, headers: { "content-type": result.contentType } });
}

/**
 * The onion handler.
 *
 * @param options dependencies and the replay cache
 * @returns the route handler
 * @example Mounted by `createApp`; see app.ts for a full round trip.
 * ```ts
 * import { onionRoute } from "./onion.ts";
 * if (typeof onionRoute !== "function") throw new Error("bad");
 * ```
 */
export function onionRoute(options: OnionRouteOptions): Handler<GatewayEnv> {
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

  /** HTTP 200 with the encrypted `{"body","status"}` envelope (onion-requests.md §6). */
  async function encrypted(c: Context<GatewayEnv>, ctx: ReplyContext, reply: FinalReply): Promise<Response> {
    const bytes = await encryptOnionReply(ctx, reply, replyOptions);
    const type = ctx.base64 ? "text/plain; charset=utf-8" : "application/octet-stream";
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { "content-type": type });
  }

  /** Remember the tag now that the layer decrypted; a concurrent copy that got there first is a replay. */
  function commit(tag: Uint8Array): void {
    if (!replay.add(tag)) throw replayError();
  }

  return async (c) => {
    const checked = c.get("onion");
    if (checked === undefined) throw new Error("onion route mounted without the replay guard");

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
        return await encrypted(c, ctx, { status: 400, body: INVALID_JSON });
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
          return await encrypted(c, result.reply, reply);
        }
        case "server": {
          const check = checkServerTarget(result, serverPolicy);
          if (!check.ok || deps.serverRelay === undefined) {
            return await encrypted(c, result.reply, { status: 400, body: INVALID_URL });
          }
          const relayed = await deps.serverRelay.relay(check.target, result.forwardBody);
          if (relayed.kind === "refused") return await encrypted(c, result.reply, { status: 400, body: INVALID_URL });
          return passThrough(relayed.response);
        }
      }
    } finally {
      result.reply.key.wipe();
    }
  };
}
