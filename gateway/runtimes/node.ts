/**
 * The gateway on Node 20: the same `createApp` served by `@hono/node-server`. Settings, key file
 * and directory file as on Deno (main.ts); the client address is the TCP peer,
 * `c.env.incoming.socket.remoteAddress`. Node 20 cannot run TypeScript: build the bundle first.
 *
 * ```sh
 * node_modules/.bin/deno run -A gateway/runtimes/build.ts      # → .allium/build/node.mjs
 * node .allium/build/node.mjs --port 22021 --directory-file nodes.json
 * ```
 *
 * Prints the same `{"event":"listening",…}` line as main.ts and stops gracefully on SIGINT/SIGTERM.
 *
 * Server-level limits (hardening.md §5; server_limits.ts): `node:http` `headersTimeout` =
 * `headerTimeoutMs` and `requestTimeout` = `requestDeadlineMs` (Node answers 408 and closes),
 * checked every tenth of the header timeout, and at most `maxConnectionsPerClient` open
 * connections per client address (one more is closed on accept).
 *
 * @module
 */

import type { IncomingMessage } from "node:http";
import process from "node:process";
import { serve } from "@hono/node-server";
import type { Context } from "hono";
import { listeningFields } from "../bootstrap.ts";
import { limitConnectionsPerClient, nodeHttpLimits } from "../server_limits.ts";
import type { GatewayEnv } from "../context.ts";
import { EXIT_CONFIG, exitOnSignals, readProcessConfig, startProcessApp, startupErrorLine, usage } from "./process.ts";

/** The peer address @hono/node-server passes in Hono's `env` (`incoming.socket.remoteAddress`). */
function nodeClientAddress(c: Context<GatewayEnv>): string | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress;
}

async function main(): Promise<void> {
  const config = readProcessConfig(process.argv.slice(2), process.env);
  if (config === undefined) {
    console.log(usage("node .allium/build/node.mjs"));
    return;
  }
  const { deps, app, logger } = await startProcessApp(config, nodeClientAddress);

  const server = serve(
    { fetch: app.fetch, hostname: config.hostname, port: config.port, serverOptions: nodeHttpLimits(config) },
    (info) => logger.log("info", "listening", listeningFields(deps, info.port)),
  );
  limitConnectionsPerClient(server, { maxPerClient: config.maxConnectionsPerClient });
  server.on("error", (err) => {
    console.error(startupErrorLine(err));
    process.exit(EXIT_CONFIG);
  });

  exitOnSignals(() =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      if ("closeIdleConnections" in server) server.closeIdleConnections();
    }), { graceMs: config.shutdownGraceMs, logger });
}

try {
  await main();
} catch (err) {
  console.error(startupErrorLine(err));
  process.exit(EXIT_CONFIG);
}
