/**
 * Types of the Hono context the gateway's middleware and routes share: the bindings a runtime
 * passes (the peer address) and the per-request variables middleware sets for later stages.
 *
 * @module
 */

import type { ReceivedLayer } from "../mod.ts";

/** What the runtime passes as Hono's `env`: on Deno, `Deno.serve`'s handler info. */
export interface GatewayBindings {
  /** The peer's transport address (`Deno.ServeHandlerInfo.remoteAddr`); absent under `app.request()`. */
  remoteAddr?: { hostname?: string; port?: number; transport?: string };
}

/** An onion request that passed the cheap checks and the replay lookup (set by the replay guard). */
export interface CheckedOnion {
  /** Blob, ephemeral key, cipher and hop number from the request body and its trailer. */
  layer: ReceivedLayer;
  /** Its replay tag, to insert once the layer has decrypted. */
  tag: Uint8Array;
}

/** Per-request variables. */
export interface GatewayVariables {
  /** Correlation id for log lines (request_id.ts). */
  requestId: string;
  /** Reads the request body under the size limits, once (body_limit.ts). */
  body: () => Promise<Uint8Array>;
  /** The checked onion (replay_guard.ts), on `POST /onion_req/v2` only. */
  onion: CheckedOnion;
}

/** The Hono environment of the gateway app. */
export interface GatewayEnv {
  /** Runtime bindings. */
  Bindings: GatewayBindings;
  /** Per-request variables. */
  Variables: GatewayVariables;
}
