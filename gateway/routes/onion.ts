/**
 * `POST /onion_req/v2` (onion-requests.md §3–§8; hardening.md §1–§3): the body arrives already
 * size-limited, cheap-checked and replay-looked-up (`c.var.onion`, replay_guard.ts). The layer is
 * handled by the transport-neutral {@link onionLayerHandler} (onion_layer.ts, shared with the
 * node-to-node `sn.onion_request`), whose answer becomes the HTTP response; what it throws goes to
 * the error funnel (error_handler.ts).
 *
 * @module
 */

import type { Handler } from "hono";
import type { GatewayEnv } from "../context.ts";
import type { Deps } from "../deps.ts";
import type { ReplayFilter } from "../replay/replay_filter.ts";
import { onionLayerHandler } from "./onion_layer.ts";

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
  const handle = onionLayerHandler(options);
  return async (c) => {
    const checked = c.get("onion");
    if (checked === undefined) throw new Error("onion route mounted without the replay guard");
    const answer = await handle(checked);
    const body = NULL_BODY_STATUS.has(answer.status) ? null : answer.body as Uint8Array<ArrayBuffer>;
    return new Response(body, { status: answer.status, headers: { "content-type": answer.contentType } });
  };
}
