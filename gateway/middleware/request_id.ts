/**
 * A random correlation id per request, for log lines (style.md layout). It is never logged
 * together with payloads, and it is not sent to the client (a response header would add a
 * per-request value that observers could correlate).
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import { type Rng, toHex } from "../../mod.ts";
import type { GatewayEnv } from "../context.ts";

/** Bytes of randomness in a request id (64 bits: collisions are irrelevant at log scale). */
const REQUEST_ID_BYTES = 8;

/** Options of {@link requestId}. */
export interface RequestIdOptions {
  /** Randomness for the ids. */
  rng: Rng;
}

/**
 * Middleware setting `c.var.requestId` to 16 random hex digits.
 *
 * @param options the rng
 * @returns the middleware
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { requestId } from "./request_id.ts";
 * import { systemRng } from "../../mod.ts";
 * import type { GatewayEnv } from "../context.ts";
 * const app = new Hono<GatewayEnv>();
 * app.use(requestId({ rng: systemRng }));
 * app.get("/", (c) => c.text(c.var.requestId));
 * const id = await (await app.request("/")).text();
 * if (!/^[0-9a-f]{16}$/.test(id)) throw new Error("bad");
 * ```
 */
export function requestId(options: RequestIdOptions): MiddlewareHandler<GatewayEnv> {
  const { rng } = options;
  return async (c, next) => {
    c.set("requestId", toHex(rng.fill(new Uint8Array(REQUEST_ID_BYTES))));
    await next();
  };
}
