/**
 * Start-up I/O shared by the Node 20 and Bun entry points (node.ts, bun.ts): settings from the
 * command line and the environment (as main.ts: `ALLIUM_*`, flags win), the node key file (created
 * with mode 0600 on first start, refused when group or others may read it) and the directory file,
 * through `node:fs`, which both runtimes have. Deno's main.ts keeps its own `Deno.*` versions.
 *
 * @module
 */

import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import type { Context, Hono } from "hono";
import type { CryptoProvider } from "../../mod.ts";
import { createApp } from "../app.ts";
import { bootstrapDeps, chooseProvider } from "../bootstrap.ts";
import { type Config, configFlagNames, configHelp, parseConfig } from "../config.ts";
import type { GatewayEnv } from "../context.ts";
import type { Deps } from "../deps.ts";
import { createJsonLogger, type Logger } from "../logger.ts";
import { formatNodeKeyFile, type NodeIdentityKeys, parseNodeKeyFile } from "../node_keys.ts";
import { HttpServerRelay, serverRelayOptions } from "../relay/http_server_relay.ts";

/** Permission bits that must be clear on the key file: nothing for group or others. */
const KEY_FILE_FORBIDDEN_MODE = 0o077;
/** Mode of a newly created key file. */
const KEY_FILE_MODE = 0o600;
/** Mode of a newly created key directory. */
const KEY_DIR_MODE = 0o700;
/** Bytes of a node seed. */
const SEED_BYTES = 32;
/** Exit status for a configuration or start-up error (as main.ts). */
export const EXIT_CONFIG = 2;

/**
 * Parse flags (`--max-body 1024`) and the environment (`ALLIUM_MAX_BODY`); flags win.
 *
 * @param args the command-line arguments after the script
 * @param env the environment
 * @returns the configuration, or `undefined` when `--help` was given
 * @throws {TypeError} for an unknown flag or a positional argument
 * @throws {RangeError} naming the setting for a bad value
 * @example
 * ```ts
 * import { readProcessConfig } from "./process.ts";
 * const config = readProcessConfig(["--port", "0"], { ALLIUM_MAX_BODY: "1024" });
 * if (config?.port !== 0 || config.maxBody !== 1024 || readProcessConfig(["--help"], {}) !== undefined) {
 *   throw new Error("bad");
 * }
 * ```
 */
export function readProcessConfig(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Config | undefined {
  const options: Record<string, { type: "string" } | { type: "boolean" }> = { help: { type: "boolean" } };
  for (const name of configFlagNames()) options[name] = { type: "string" };
  const { values } = parseArgs({ args: [...args], options, strict: true, allowPositionals: false });
  if (values.help) return undefined;
  const { help: _help, ...flags } = values;
  return parseConfig(env, flags as Record<string, string | undefined>);
}

/**
 * The `--help` text of an entry point.
 *
 * @param command how the entry point is started, e.g. `node .allium/build/node.mjs`
 * @returns the usage line and every setting
 * @example
 * ```ts
 * import { usage } from "./process.ts";
 * if (!usage("bun gateway/runtimes/bun.ts").includes("ALLIUM_MAX_BODY")) throw new Error("bad");
 * ```
 */
export function usage(command: string): string {
  return `Usage: ${command} [--flag value …]\n\nSettings (flag, environment, default):\n${configHelp()}`;
}

/**
 * Read the node keys from `path`, or create the key file (mode 0600, directory 0700) on first
 * start, as main.ts does on Deno.
 *
 * @param path the key file (`keyFile`)
 * @param provider crypto provider deriving the keys
 * @param logger logs `node_key_created`
 * @returns the node keys
 * @throws {RangeError} when the path is not a file, is readable by group or others, or is malformed
 * @example A key file created, then read again
 * ```ts
 * import { loadOrCreateKeyFile } from "./process.ts";
 * import { nobleProvider } from "../../mod.ts";
 * const dir = await Deno.makeTempDir();
 * const logger = { log: () => {} };
 * const a = await loadOrCreateKeyFile(`${dir}/k/node_key.json`, nobleProvider, logger);
 * const b = await loadOrCreateKeyFile(`${dir}/k/node_key.json`, nobleProvider, logger);
 * await Deno.remove(dir, { recursive: true });
 * if (a.ed25519Public.join() !== b.ed25519Public.join()) throw new Error("bad");
 * ```
 */
export async function loadOrCreateKeyFile(
  path: string,
  provider: CryptoProvider,
  logger: Logger,
): Promise<NodeIdentityKeys> {
  let info: Awaited<ReturnType<typeof stat>> | undefined;
  try {
    info = await stat(path);
  } catch (err) {
    if ((err as { code?: string }).code !== "ENOENT") throw err;
  }
  if (info !== undefined) {
    if (!info.isFile()) throw new RangeError(`Cannot load node keys: "${path}" is not a file`);
    if ((Number(info.mode) & KEY_FILE_FORBIDDEN_MODE) !== 0) {
      throw new RangeError(
        `Cannot load node keys: "${path}" is readable by group or others (mode ${
          (Number(info.mode) & 0o777).toString(8)
        }); run chmod 600`,
      );
    }
    return await parseNodeKeyFile(await readFile(path, "utf8"), provider);
  }
  await mkdir(dirname(path), { recursive: true, mode: KEY_DIR_MODE });
  const seed = provider.randomBytes(SEED_BYTES);
  const text = formatNodeKeyFile(seed);
  seed.fill(0);
  await writeFile(path, text, { flag: "wx", mode: KEY_FILE_MODE });
  await chmod(path, KEY_FILE_MODE); // the umask may have narrowed `mode`
  logger.log("info", "node_key_created");
  return await parseNodeKeyFile(text, provider);
}

/**
 * The directory file's text, or `undefined` when no file is configured (an empty directory).
 *
 * @param path the directory file (`directoryFile`)
 * @returns the text
 * @throws {Error} when the file cannot be read
 * @example
 * ```ts
 * import { readDirectoryFile } from "./process.ts";
 * if ((await readDirectoryFile(undefined)) !== undefined) throw new Error("bad");
 * ```
 */
export async function readDirectoryFile(path: string | undefined): Promise<string | undefined> {
  return path === undefined ? undefined : await readFile(path, "utf8");
}

/**
 * A start-up error as one line for stderr: the operator's own configuration, so the message and
 * not a stack (as main.ts).
 *
 * @param err what was thrown
 * @returns `Name: message`
 * @example
 * ```ts
 * import { startupErrorLine } from "./process.ts";
 * if (startupErrorLine(new RangeError("x")) !== "RangeError: x") throw new Error("bad");
 * ```
 */
export function startupErrorLine(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** What {@link startProcessApp} builds. */
export interface ProcessApp {
  /** The dependencies the app was built from. */
  deps: Deps;
  /** The gateway app. */
  app: Hono<GatewayEnv>;
  /** The JSON logger on stdout. */
  logger: Logger;
}

/**
 * The start-up both node.ts and bun.ts run: clock, JSON logger, provider, key file, directory
 * file, the SSRF-checked server relay, then `createApp`. Only serving differs per runtime.
 *
 * @param config the parsed settings
 * @param clientAddress how this runtime's server tells Hono the peer address
 * @returns the deps, the app and the logger
 */
export async function startProcessApp(
  config: Config,
  clientAddress: (c: Context<GatewayEnv>) => string | undefined,
): Promise<ProcessApp> {
  const clock = { now: () => performance.timeOrigin + performance.now() };
  const logger = createJsonLogger((line) => console.log(line), { minLevel: config.logLevel, now: clock.now });
  const provider = await chooseProvider(config);
  const nodeKeys = await loadOrCreateKeyFile(config.keyFile, provider, logger);
  const directory = await readDirectoryFile(config.directoryFile);
  const deps = await bootstrapDeps(config, {
    serverRelay: new HttpServerRelay(serverRelayOptions(config)),
    nodeKeys,
    directory,
    provider,
    clock,
    logger,
    clientAddress,
  });
  return { deps, app: createApp(deps), logger };
}

/**
 * On SIGINT / SIGTERM: log `stopping`, run `close` (stop accepting, finish in-flight requests),
 * then log `stopped` and exit; exit anyway once `graceMs` has passed. The Node and Bun entries'
 * shared shutdown.
 *
 * @param close stops the server; resolves once it has
 * @param options grace period and logger
 */
export function exitOnSignals(close: () => Promise<void>, options: { graceMs: number; logger: Logger }): void {
  const { graceMs, logger } = options;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log("info", "stopping", { signal });
    const forced = setTimeout(() => {
      logger.log("warn", "shutdown_grace_expired");
      process.exit(0);
    }, graceMs);
    close().finally(() => {
      clearTimeout(forced);
      logger.log("info", "stopped");
      process.exit(0);
    });
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => stop(signal));
}
