/**
 * Onion-request endpoints for self-hosted services (onion-requests.md §7): mount
 * {@link onionServer} on a Hono app and Session-style clients can reach it through an onion path
 * (`/oxen/v4/lsrpc`, `/loki/v3/lsrpc`, `/oxen/v3/lsrpc`). Portable: Deno, Node, Bun and workerd.
 *
 * @example Mounting the middleware
 * ```ts
 * import { Hono } from "hono";
 * import { nobleProvider as provider } from "../../mod.ts";
 * import { onionServer } from "./mod.ts";
 * const x25519Secret = new Uint8Array(32).fill(9);
 * const app = new Hono();
 * app.use(onionServer({ x25519Secret, x25519Public: await provider.x25519PublicKey(x25519Secret), provider, app }));
 * app.get("/hello", (c) => c.text("hello"));
 * if ((await app.request("/hello")).status !== 200) throw new Error("bad");
 * ```
 *
 * @module
 */

export {
  INVALID_V4_REQUEST,
  LSRPC_V3_PATHS,
  LSRPC_V4_PATH,
  onionServer,
  type OnionServerApp,
  type OnionServerOptions,
} from "./onion_server.ts";
export {
  checkServerKeys,
  type OpenedServerLayer,
  openServerLayer,
  type OpenServerLayerOptions,
  type ServerKeys,
} from "./server_layer.ts";
