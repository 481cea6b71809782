/**
 * A small example service behind onion requests: a Hono app with three routes, wrapped with the
 * lsrpc middleware (onion-requests.md §7), so a Session-style client can reach it through an
 * onion path at `/oxen/v4/lsrpc` (v4) or `/loki/v3/lsrpc`, `/oxen/v3/lsrpc` (v3).
 *
 * | route | answer |
 * | --- | --- |
 * | `GET /hello` | 200 `{"hello":"onion"}` |
 * | `POST /echo` | 200, the request body and its `Content-Type` (default `application/octet-stream`) |
 * | `GET /status/:code` | that status (200…599) with body `status <code>`; other codes → 400 |
 * | anything else | 404 `Not Found` |
 *
 * The routes are reachable over plain HTTP as well; run it with serve_echo.ts. Portable: no
 * `node:` imports (Deno, Node, Bun, workerd).
 *
 * @module
 */

import { Hono } from "hono";
import type { CryptoProvider, Rng } from "../../mod.ts";
import { onionServer } from "../lsrpc/mod.ts";

/** Options of {@link createEchoApp}. */
export interface EchoAppOptions {
  /** The server's X25519 secret (32 bytes). */
  x25519Secret: Uint8Array;
  /** The server's X25519 public key (32 bytes), which clients build onions to. */
  x25519Public: Uint8Array;
  /** Crypto provider. */
  provider: CryptoProvider;
  /** Largest onion request body in bytes; default 10 MiB. */
  maxBody?: number;
  /** Randomness for reply nonces; default the provider's CSPRNG. */
  rng?: Rng;
}

/** The body of `GET /hello`. */
export const HELLO_BODY = '{"hello":"onion"}';
/** Statuses whose responses carry no body (Fetch spec "null body status"). */
const NULL_BODY_STATUS: ReadonlySet<number> = new Set([204, 205, 304]);

/**
 * The example app: `GET /hello`, `POST /echo`, `GET /status/:code`, behind the lsrpc middleware.
 *
 * @param options the server's keys, provider, body limit and rng
 * @returns the Hono app; serve it with `Deno.serve(app.fetch)` or any runtime's adapter
 * @throws {TypeError | RangeError} for malformed keys or options (from `onionServer`)
 * @example Plain HTTP and an onion request, in process
 * ```ts
 * import {
 *   buildOnionRequest, decryptOnionReply, encodeV4Request, nobleProvider as provider, peelOnionLayer, toHex,
 * } from "../../mod.ts";
 * import { createEchoApp } from "./echo_server.ts";
 * const x25519Secret = new Uint8Array(32).fill(9);
 * const x25519Public = await provider.x25519PublicKey(x25519Secret);
 * const app = createEchoApp({ x25519Secret, x25519Public, provider });
 * if ((await app.request("/status/418")).status !== 418) throw new Error("bad");
 *
 * const nodeSecret = new Uint8Array(32).fill(3);
 * const node = { x25519Secret: nodeSecret, x25519Public: await provider.x25519PublicKey(nodeSecret) };
 * const { body, reply } = await buildOnionRequest({
 *   path: [{ ed25519: "aa".repeat(32), x25519: toHex(node.x25519Public) }],
 *   destination: { host: "echo.example", target: "/oxen/v4/lsrpc", x25519: toHex(x25519Public) },
 *   payload: encodeV4Request({ method: "POST", endpoint: "/echo", body: new Uint8Array([0, 255]) }), provider,
 * });
 * const exit = await peelOnionLayer(body, node, { provider }); // the exit node's part
 * if (exit.kind !== "server") throw new Error("bad");
 * const res = await app.request("/oxen/v4/lsrpc", { method: "POST", body: exit.forwardBody as Uint8Array<ArrayBuffer> });
 * const answer = await decryptOnionReply(reply, new Uint8Array(await res.arrayBuffer()), { provider });
 * if (answer.status !== 200 || answer.body.join() !== "0,255") throw new Error("bad");
 * ```
 */
export function createEchoApp(options: EchoAppOptions): Hono {
  const app = new Hono();
  app.use(onionServer({ ...options, app }));
  app.get("/hello", (c) => c.body(HELLO_BODY, 200, { "content-type": "application/json" }));
  app.post("/echo", async (c) => {
    const type = c.req.header("content-type") ?? "application/octet-stream";
    return c.body(await c.req.arrayBuffer(), 200, { "content-type": type });
  });
  app.get("/status/:code", (c) => {
    const text = c.req.param("code");
    const code = /^[2-5][0-9]{2}$/.test(text) ? Number(text) : 0;
    if (code === 0) return c.text("status must be 200…599", 400);
    return new Response(NULL_BODY_STATUS.has(code) ? null : `status ${code}`, {
      status: code,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  });
  app.notFound((c) => c.text("Not Found", 404));
  return app;
}
