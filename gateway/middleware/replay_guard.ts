/**
 * The replay guard (hardening.md §5): on `POST /onion_req/v2`, reads the body (under the body
 * limits), runs the cheap checks, computes the replay tag BLAKE2b-128(ephemeral_key ‖ blob) and
 * refuses a tag the {@link ReplayFilter} has seen — all before the X25519 operation. A replay is
 * refused with `ProtocolError("ONION_AUTH_FAILED")`, so it gets exactly the answer of every other
 * authentication failure (`400 Invalid ciphertext`, hardening.md §3).
 *
 * The tag is *not* inserted here: the route inserts it only after the layer decrypted (garbage
 * cannot fill the cache), with the filter's atomic check-and-insert so that two concurrent copies
 * of one onion cannot both pass.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { type CryptoProvider, isProtocolError, ProtocolError, type ReceivedLayer } from "../../mod.ts";
import type { GatewayEnv } from "../context.ts";
import { type ReplayFilter, replayTag } from "../replay/replay_filter.ts";
import { HttpError, type MiddlewareErrorHook } from "./error_handler.ts";

/** Options of {@link replayGuard}. */
export interface ReplayGuardOptions {
  /** The replay cache. */
  filter: ReplayFilter;
  /** Provider whose BLAKE2b computes tags. */
  provider: CryptoProvider;
  /** The cheap checks: body → received layer, throwing for bad input (routes/onion_request.ts). */
  parse: (body: Uint8Array) => ReceivedLayer;
  /** Answer refusals (bad input, replays) differently. */
  onError?: MiddlewareErrorHook;
}

/**
 * The error a replay is refused with: the same code as any authentication failure.
 *
 * @returns a fresh `ProtocolError("ONION_AUTH_FAILED")`
 * @example
 * ```ts
 * import { replayError } from "./replay_guard.ts";
 * if (replayError().code !== "ONION_AUTH_FAILED") throw new Error("bad");
 * ```
 */
export function replayError(): ProtocolError {
  return new ProtocolError("ONION_AUTH_FAILED", "Cannot peel onion: replayed layer");
}

/**
 * Middleware running the cheap checks and the replay lookup, and setting `c.var.onion`.
 *
 * @param options filter, provider, parser and optional error hook
 * @returns the middleware
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { replayGuard } from "./replay_guard.ts";
 * import { errorHandler } from "./error_handler.ts";
 * import { ReplayFilter } from "../replay/replay_filter.ts";
 * import { memoryLogger } from "../logger.ts";
 * import { nobleProvider } from "../../mod.ts";
 * import type { GatewayEnv } from "../context.ts";
 * const filter = new ReplayFilter({ maxTags: 10, generationMs: 1000, clock: { now: () => 0 } });
 * const layer = { blob: new Uint8Array(40), ephemeralKey: new Uint8Array(32), encType: "xchacha20" as const, hopNo: 0 };
 * const app = new Hono<GatewayEnv>();
 * app.use((c, next) => { c.set("body", () => Promise.resolve(new Uint8Array(0))); return next(); });
 * app.post("/", replayGuard({ filter, provider: nobleProvider, parse: () => layer }), (c) => {
 *   filter.add(c.var.onion.tag); // what the route does after decrypting
 *   return c.text("peeled");
 * });
 * app.onError(errorHandler({ logger: memoryLogger() }));
 * const first = await app.request("/", { method: "POST" });
 * const again = await app.request("/", { method: "POST" });
 * if (first.status !== 200 || again.status !== 400 || (await again.text()) !== "Invalid ciphertext") throw new Error("bad");
 * ```
 */
export function replayGuard(options: ReplayGuardOptions): MiddlewareHandler<GatewayEnv> {
  const { filter, provider, parse, onError } = options;
  return async (c, next) => {
    let layer: ReceivedLayer;
    let tag: Uint8Array;
    try {
      layer = parse(await c.var.body());
      tag = await replayTag(provider, layer);
      if (filter.has(tag)) throw replayError();
    } catch (err) {
      if (onError !== undefined && (err instanceof HttpError || isProtocolError(err))) return await onError(err, c);
      throw err;
    }
    c.set("onion", { layer, tag });
    await next();
  };
}
