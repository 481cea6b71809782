/**
 * `GET /health`: liveness only. Answers 200 `ok` while the process serves requests; it reveals
 * no configuration, version, key or load figure.
 *
 * @module
 */

import type { Handler } from "hono";
import type { GatewayEnv } from "../context.ts";

/** The path of the liveness check. */
export const HEALTH_PATH = "/health";

/**
 * The liveness handler.
 *
 * @returns a handler answering 200 `ok`
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { healthRoute } from "./health.ts";
 * const app = new Hono();
 * app.get("/health", healthRoute());
 * if ((await (await app.request("/health")).text()) !== "ok") throw new Error("bad");
 * ```
 */
export function healthRoute(): Handler<GatewayEnv> {
  return (c) => c.text("ok", 200, { "cache-control": "no-store" });
}
