/**
 * The service-node process: the only file of the service node that touches `Deno.serve`, the
 * environment, files, signals and the system clock. It reads the configuration (environment
 * `ALLIUM_*`, then flags), the node key file and the registry, opens the SQLite store under
 * `--data-dir`, starts the {@link ServiceNode} (ZeroMQ child included), serves its app on the
 * registry's HTTP port, polls the registry file for new heights, and on SIGINT / SIGTERM stops
 * serving, closes the link (the ZeroMQ child exits) and closes the store.
 *
 * ```sh
 * node_modules/.bin/deno run -A gateway/service_node/main.ts \
 *   --key-file net/node-00/key.json --registry-file net/registry.json --data-dir net/node-00/data
 * ```
 *
 * Prints one JSON log line `{"event":"listening",…}` once it serves, like the gateway.
 *
 * @module
 */

import process from "node:process";
import { toHex } from "../../mod.ts";
import { chooseProvider } from "../bootstrap.ts";
import { createJsonLogger } from "../logger.ts";
import { loadOrCreateNodeKeys, readConfig, stopOnSignals } from "../main.ts";
import { parseRegistry } from "../registry.ts";
import { SqliteStore } from "../store/sqlite_store.ts";
import { ServiceNode } from "./service_node.ts";

/** Exit status for a configuration or start-up error. */
const EXIT_CONFIG = 2;
/** The store's file name inside the data directory. */
const STORE_FILE = "storage.db";

async function main(): Promise<void> {
  const config = readConfig(
    "Usage: deno run -A gateway/service_node/main.ts --registry-file FILE [--flag value …]\n\n" +
      "A full service node: onion requests over HTTP, storage RPC over SQLite, ZeroMQ between nodes.\n" +
      "It serves on the HTTP and ZeroMQ ports the registry lists for its key (--port is ignored).",
  );
  if (config.registryFile === undefined) {
    throw new RangeError("Cannot start service node: --registry-file (ALLIUM_REGISTRY_FILE) is required");
  }
  const registryFile = config.registryFile;
  const clock = { now: () => performance.timeOrigin + performance.now() };
  const logger = createJsonLogger((line) => console.log(line), { minLevel: config.logLevel, now: clock.now });
  const provider = await chooseProvider(config);
  const nodeKeys = await loadOrCreateNodeKeys(config.keyFile, provider, logger);
  const registry = parseRegistry(await Deno.readTextFile(registryFile));
  const self = toHex(nodeKeys.ed25519Public);
  const me = registry.nodes.find((n) => n.ed25519 === self);
  if (me === undefined) throw new RangeError(`Cannot start service node: ${self} is not in ${registryFile}`);

  await Deno.mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const t0 = performance.now();
  const store = SqliteStore.open(`${config.dataDir}/${STORE_FILE}`, {
    maxBytes: config.storeMaxBytes,
    synchronous: config.storeSync,
    check: "full",
  });
  logger.log("info", "store_opened", { ms: Math.round(performance.now() - t0), messages: store.counts().messages });
  const node = await ServiceNode.start({ config, nodeKeys, registry, store, provider, clock, logger });

  // Poll the registry file: a new height means new swarms (§4.1). A bad file is logged and skipped.
  let polling = false;
  const poll = setInterval(async () => {
    if (polling) return;
    polling = true;
    try {
      const next = parseRegistry(await Deno.readTextFile(registryFile));
      if (next.height > node.registry.height) node.applyRegistry(next);
    } catch (err) {
      logger.log("warn", "registry_unreadable", { name: (err as Error)?.name ?? "?" });
    } finally {
      polling = false;
    }
  }, config.registryPollMs);

  const server = Deno.serve({
    hostname: config.hostname,
    port: me.httpsPort,
    onListen: ({ port }) =>
      logger.log("info", "listening", {
        port,
        zmq: node.zmqEndpoint ?? "",
        provider: provider.name,
        ed25519: self,
        x25519: toHex(nodeKeys.x25519Public),
        swarm: me.swarm.toString(16),
      }),
    onError: () => new Response("Internal server error", { status: 500 }),
  }, node.app.fetch);

  stopOnSignals(server, { graceMs: config.shutdownGraceMs, logger, onStop: () => clearInterval(poll) });
  await server.finished;
  await node.close();
  logger.log("info", "stopped");
}

if (import.meta.main) {
  try {
    await main();
  } catch (err) {
    console.error(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    process.exit(EXIT_CONFIG);
  }
}
