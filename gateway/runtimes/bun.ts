/**
 * The gateway on Bun: the same `createApp` served by `Bun.serve`. Bun runs this TypeScript
 * directly. Settings, key file and directory file as on Deno (main.ts); the client address is the
 * TCP peer, `server.requestIP(request)` (Hono passes the Bun server as `env`).
 *
 * ```sh
 * node_modules/.bin/bun gateway/runtimes/bun.ts --port 22021 --directory-file nodes.json
 * ```
 *
 * Prints the same `{"event":"listening",…}` line as main.ts and stops gracefully on SIGINT/SIGTERM.
 *
 * Server-level limits (hardening.md §5; server_limits.ts): Bun closes a connection that has not
 * sent complete headers within its own fixed 10 s (`headerTimeoutMs` is not configurable here);
 * `idleTimeout` is the request deadline + 5 s, a backstop behind the app's own deadline (Bun's
 * default 10 s would cut requests waiting on a 20 s next-hop timeout). `Bun.serve` has no
 * connection hook, so connections per client are not capped by the server; the app caps requests
 * in flight per client.
 *
 * @module
 */

import process from "node:process";
import type { Context } from "hono";
import { listeningFields } from "../bootstrap.ts";
import { bunIdleTimeoutSeconds } from "../server_limits.ts";
import type { GatewayEnv } from "../context.ts";
import { EXIT_CONFIG, exitOnSignals, readProcessConfig, startProcessApp, startupErrorLine, usage } from "./process.ts";

/** The part of Bun's server this entry point uses (Deno has no Bun types). */
interface BunServer {
  readonly port: number;
  requestIP(request: Request): { address: string } | null;
  stop(closeActiveConnections?: boolean): Promise<void>;
}

/** The part of the `Bun` global this entry point uses. */
interface BunGlobal {
  serve(options: {
    hostname: string;
    port: number;
    development: boolean;
    /** Seconds; see {@link bunIdleTimeoutSeconds}. */
    idleTimeout: number;
    fetch: (request: Request, server: BunServer) => Response | Promise<Response>;
  }): BunServer;
}

/** The peer address of a request: Hono's `env` is the Bun server. */
function bunClientAddress(c: Context<GatewayEnv>): string | undefined {
  const server = c.env as unknown as BunServer | undefined;
  return typeof server?.requestIP === "function" ? server.requestIP(c.req.raw)?.address : undefined;
}

async function main(): Promise<void> {
  const config = readProcessConfig(process.argv.slice(2), process.env);
  if (config === undefined) {
    console.log(usage("bun gateway/runtimes/bun.ts"));
    return;
  }
  const bun = (globalThis as unknown as { Bun?: BunGlobal }).Bun;
  if (bun === undefined) throw new Error("Cannot start gateway: bun.ts runs on Bun only");
  const { deps, app, logger } = await startProcessApp(config, bunClientAddress);

  const server = bun.serve({
    hostname: config.hostname,
    port: config.port,
    development: false,
    idleTimeout: bunIdleTimeoutSeconds(config),
    fetch: (request, srv) => app.fetch(request, srv as unknown as GatewayEnv["Bindings"]),
  });
  logger.log("info", "listening", listeningFields(deps, server.port));

  exitOnSignals(() => server.stop(), { graceMs: config.shutdownGraceMs, logger });
}

try {
  await main();
} catch (err) {
  console.error(startupErrorLine(err));
  process.exit(EXIT_CONFIG);
}
