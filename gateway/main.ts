/**
 * The gateway process: the only file that touches `Deno.serve`, the environment, the file system,
 * signals and the system clock (style.md rule 1). It parses the configuration (environment
 * `ALLIUM_*`, then flags), loads or creates the node key file, loads the directory, builds the
 * dependencies, serves `createApp(deps)` and shuts down gracefully on SIGINT / SIGTERM.
 *
 * ```sh
 * node_modules/.bin/deno run -A gateway/main.ts --port 22021 --directory-file nodes.json
 * node_modules/.bin/deno run -A gateway/main.ts --help
 * ```
 *
 * On start it prints one JSON log line `{"event":"listening","port":…,"ed25519":…,"x25519":…}`
 * (the node's own public keys, so other nodes can list it in their directory).
 *
 * Server-level limits (hardening.md §5): `Deno.serve` has no header read timeout and no option
 * for one, and no connection hook to count connections per client (server_limits.ts has the
 * measurements). The app enforces the body rate, the request deadline and requests in flight per
 * client; for the header timeout and connections per client put a reverse proxy in front or use
 * the Node entry. Bound to a non-loopback address, it logs `server_limits_not_enforced` (warn)
 * once at start so the operator knows.
 *
 * @module
 */

import { dirname } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import type { CryptoProvider } from "../mod.ts";
import { createApp } from "./app.ts";
import { bootstrapDeps, chooseProvider, listeningFields } from "./bootstrap.ts";
import { HttpServerRelay, serverRelayOptions } from "./relay/http_server_relay.ts";
import { type Config, configFlagNames, configHelp, parseConfig } from "./config.ts";
import { createDirectory, loadDirectory, type NodeDirectory } from "./directory.ts";
import { createJsonLogger, type Logger } from "./logger.ts";
import { isLoopbackAddress } from "./metrics.ts";
import { formatNodeKeyFile, type NodeIdentityKeys, parseNodeKeyFile } from "./node_keys.ts";

/** Permission bits that must be clear on the key file: nothing for group or others. */
const KEY_FILE_FORBIDDEN_MODE = 0o077;
/** Mode of a newly created key file. */
const KEY_FILE_MODE = 0o600;
/** Mode of a newly created key directory. */
const KEY_DIR_MODE = 0o700;
/** Bytes of a node seed. */
const SEED_BYTES = 32;
/** Exit status for a configuration or start-up error. */
const EXIT_CONFIG = 2;

/**
 * Read the node keys, or create the key file (mode 0600) on first start; a key file readable by
 * group or others is refused. Shared with the service node's entry (service_node/main.ts).
 *
 * @param path the key file
 * @param provider crypto provider
 * @param logger where `node_key_created` goes
 * @returns the node keys
 * @throws {RangeError} for a file that is not a regular file, is too open, or is malformed
 */
export async function loadOrCreateNodeKeys(
  path: string,
  provider: CryptoProvider,
  logger: Logger,
): Promise<NodeIdentityKeys> {
  let stat: Deno.FileInfo | undefined;
  try {
    stat = await Deno.stat(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  if (stat !== undefined) {
    if (!stat.isFile) throw new RangeError(`Cannot load node keys: "${path}" is not a file`);
    if (stat.mode !== null && (stat.mode & KEY_FILE_FORBIDDEN_MODE) !== 0) {
      throw new RangeError(
        `Cannot load node keys: "${path}" is readable by group or others (mode ${
          (stat.mode & 0o777).toString(8)
        }); run chmod 600`,
      );
    }
    return await parseNodeKeyFile(await Deno.readTextFile(path), provider);
  }
  await Deno.mkdir(dirname(path), { recursive: true, mode: KEY_DIR_MODE });
  const seed = provider.randomBytes(SEED_BYTES);
  const text = formatNodeKeyFile(seed);
  seed.fill(0);
  await Deno.writeTextFile(path, text, { createNew: true, mode: KEY_FILE_MODE });
  await Deno.chmod(path, KEY_FILE_MODE); // the umask may have narrowed or the platform ignored `mode`
  logger.log("info", "node_key_created");
  return await parseNodeKeyFile(text, provider);
}

/** The node directory from its file, or an empty one. */
async function loadDirectoryFile(path: string | undefined): Promise<NodeDirectory> {
  if (path === undefined) return createDirectory([]);
  return loadDirectory(await Deno.readTextFile(path));
}

/**
 * Parse flags and environment into the configuration; for `--help`, print `usage` and the
 * settings table and exit. Shared with the service node's entry (service_node/main.ts).
 *
 * @param usage the lines printed before the settings table
 * @returns the configuration
 * @throws {RangeError | SyntaxError} for an unknown flag or a bad value (the message names it)
 */
export function readConfig(usage: string): Config {
  const options: Record<string, { type: "string" } | { type: "boolean" }> = { help: { type: "boolean" } };
  for (const name of configFlagNames()) options[name] = { type: "string" };
  const { values } = parseArgs({ args: Deno.args, options, strict: true, allowPositionals: false });
  if (values.help) {
    console.log(`${usage}\n\nSettings (flag, environment, default):\n${configHelp()}`);
    Deno.exit(0);
  }
  const { help: _help, ...flags } = values;
  return parseConfig(Deno.env.toObject(), flags as Record<string, string | undefined>);
}

/**
 * On SIGINT / SIGTERM: log `stopping`, run `onStop`, and shut the server down gracefully, exiting
 * once `graceMs` has passed without it finishing. Shared with service_node/main.ts.
 *
 * @param server the running server
 * @param options grace period, logger, and what else to stop first
 */
export function stopOnSignals(
  server: Deno.HttpServer,
  options: { graceMs: number; logger: Logger; onStop?: () => void },
): void {
  const { graceMs, logger } = options;
  let stopping = false;
  const stop = (signal: Deno.Signal) => {
    if (stopping) return;
    stopping = true;
    logger.log("info", "stopping", { signal });
    options.onStop?.();
    const forced = setTimeout(() => {
      logger.log("warn", "shutdown_grace_expired");
      Deno.exit(0);
    }, graceMs);
    server.shutdown().finally(() => clearTimeout(forced));
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, () => stop(signal));
}

/** Start the gateway. */
async function main(): Promise<void> {
  const config = readConfig("Usage: deno run -A gateway/main.ts [--flag value …]");
  const clock = { now: () => performance.timeOrigin + performance.now() };
  const logger = createJsonLogger((line) => console.log(line), { minLevel: config.logLevel, now: clock.now });
  const provider = await chooseProvider(config);
  const nodeKeys = await loadOrCreateNodeKeys(config.keyFile, provider, logger);
  const directory = await loadDirectoryFile(config.directoryFile);

  const serverRelay = new HttpServerRelay(serverRelayOptions(config));
  const deps = await bootstrapDeps(config, { nodeKeys, directory, provider, clock, logger, serverRelay });
  const app = createApp(deps);

  const server = Deno.serve({
    hostname: config.hostname,
    port: config.port,
    onListen: ({ port }) => {
      logger.log("info", "listening", listeningFields(deps, port));
      if (!isLoopbackAddress(config.hostname) && config.hostname !== "localhost") {
        // Deno.serve offers neither: see server_limits.ts and gateway/runtimes/README.md.
        logger.log("warn", "server_limits_not_enforced", { headerTimeout: false, connectionsPerClient: false });
      }
    },
    onError: () => new Response("Internal server error", { status: 500 }),
  }, app.fetch);

  stopOnSignals(server, { graceMs: config.shutdownGraceMs, logger });
  await server.finished;
  logger.log("info", "stopped");
}

if (import.meta.main) {
  try {
    await main();
  } catch (err) {
    // Start-up errors are the operator's own configuration: print the message, not a stack.
    console.error(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    process.exit(EXIT_CONFIG);
  }
}
