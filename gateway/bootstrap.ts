/**
 * Runtime-agnostic start-up: from a plain {@link Config}, the node's key (a seed or keys already
 * derived) and the directory (its JSON text or a ready {@link NodeDirectory}) to the gateway's
 * {@link Deps}. No file system, environment, signals or server here, so every runtime shares it:
 * Deno (main.ts), Node 20 and Bun (runtimes/node.ts, runtimes/bun.ts) and Cloudflare workerd
 * (runtimes/worker.ts). Each entry point does its own I/O, then calls {@link bootstrapDeps} and
 * `createApp(deps)`.
 *
 * @module
 */

import { type CryptoProvider, defaultProvider, providerByName, toHex } from "../mod.ts";
import type { Config } from "./config.ts";
import type { Clock, Deps } from "./deps.ts";
import { createDirectory, loadDirectory, type NodeDirectory } from "./directory.ts";
import { createJsonLogger, type LogFields, type Logger } from "./logger.ts";
import { type NodeIdentityKeys, nodeKeysFromSeed } from "./node_keys.ts";
import { HttpForwarder } from "./relay/forwarder.ts";
import type { ServerRelay } from "./relay/server_relay.ts";
import { createInfoHandler } from "./routes/info.ts";

/** Sources and optional replacements for {@link bootstrapDeps}. Give exactly one of `seed` and `nodeKeys`. */
export interface BootstrapOptions {
  /** The node's 32-byte Ed25519 seed (e.g. a worker secret); the keys are derived and checked. */
  seed?: Uint8Array;
  /** The node's keys, already derived (e.g. from the key file by `parseNodeKeyFile`). */
  nodeKeys?: NodeIdentityKeys;
  /** The directory: its file text (format in directory.ts) or a ready directory. Default empty. */
  directory?: string | NodeDirectory;
  /** Crypto provider; default {@link chooseProvider}(config). */
  provider?: CryptoProvider;
  /** Clock; default `Date.now`. */
  clock?: Clock;
  /** Logger; default JSON lines on `console.log` at `config.logLevel`. */
  logger?: Logger;
  /** The peer address of a request; default Deno.serve's `remoteAddr` (see deps.ts). */
  clientAddress?: Deps["clientAddress"];
  /** Relay to external servers; default none (every relay-to-server request: encrypted `Invalid url`). */
  serverRelay?: ServerRelay;
  /** The `fetch` the node-to-node forwarder uses; default the runtime's. */
  fetch?: typeof fetch;
}

/**
 * The crypto provider the configuration asks for: the fastest that loads for `auto`
 * (performance.md: sodium, else webcrypto, else noble), else the named one.
 *
 * @param config the configuration (`cryptoProvider`)
 * @returns the provider
 * @throws {Error} when the named provider cannot load on this runtime
 * @example The reference provider by name
 * ```ts
 * import { chooseProvider } from "./bootstrap.ts";
 * import { createConfig } from "./config.ts";
 * const provider = await chooseProvider(createConfig({ cryptoProvider: "noble" }));
 * if (provider.name !== "noble") throw new Error("bad");
 * ```
 */
export function chooseProvider(config: Config): Promise<CryptoProvider> {
  return config.cryptoProvider === "auto" ? defaultProvider() : providerByName(config.cryptoProvider);
}

/**
 * Build the gateway's dependencies: provider, keys, directory, the fetch-based forwarder with the
 * configured limits, the clock, logger and the `info` handler.
 *
 * @param config the frozen configuration
 * @param options the node's key, the directory and optional replacements
 * @returns the dependencies for `createApp`
 * @throws {TypeError} unless exactly one of `seed` and `nodeKeys` is given
 * @throws {RangeError} for a bad seed or directory (the message names the problem)
 * @throws {SyntaxError} when the directory text is not strict JSON
 * @example Deps for a node from a seed and a directory text, served in memory
 * ```ts
 * import { bootstrapDeps } from "./bootstrap.ts";
 * import { createApp } from "./app.ts";
 * import { createConfig } from "./config.ts";
 * const deps = await bootstrapDeps(createConfig({ cryptoProvider: "noble" }), {
 *   seed: new Uint8Array(32).fill(7),
 *   directory: '{"format":"allium-directory/1","nodes":{}}',
 *   logger: { log: () => {} },
 * });
 * const res = await createApp(deps).request("/health");
 * if (res.status !== 200 || deps.directory.size !== 0 || deps.provider.name !== "noble") throw new Error("bad");
 * ```
 */
export async function bootstrapDeps(config: Config, options: BootstrapOptions): Promise<Deps> {
  if ((options.seed === undefined) === (options.nodeKeys === undefined)) {
    throw new TypeError("Cannot start gateway: give exactly one of seed and nodeKeys");
  }
  const clock = options.clock ?? { now: () => Date.now() };
  const logger = options.logger ??
    createJsonLogger((line) => console.log(line), { minLevel: config.logLevel, now: clock.now });
  const provider = options.provider ?? await chooseProvider(config);
  const nodeKeys = options.nodeKeys ?? await nodeKeysFromSeed(options.seed!, provider);
  const source = options.directory;
  const directory = source === undefined
    ? createDirectory([])
    : typeof source === "string"
    ? loadDirectory(source)
    : source;
  return {
    config,
    nodeKeys,
    directory,
    forwarder: new HttpForwarder({
      timeoutMs: config.forwardTimeoutMs,
      maxResponseBytes: config.forwardMaxResponse,
      maxInFlight: config.forwardMaxInFlight,
      maxInFlightPerHop: config.forwardMaxInFlightPerHop,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    }),
    clock,
    provider,
    logger,
    handlers: { info: createInfoHandler({ version: config.reportedVersion, hf: config.networkVersion }) },
    serverRelay: options.serverRelay,
    clientAddress: options.clientAddress,
  };
}

/**
 * The fields of the `listening` log line every runtime prints once it serves: the port, the
 * provider, the directory size and the node's public keys (so other nodes can list it).
 *
 * @param deps the running node's dependencies
 * @param port the port it listens on
 * @returns the log fields
 * @example
 * ```ts
 * import { bootstrapDeps, listeningFields } from "./bootstrap.ts";
 * import { createConfig } from "./config.ts";
 * const deps = await bootstrapDeps(createConfig({ cryptoProvider: "noble" }), {
 *   seed: new Uint8Array(32).fill(7), logger: { log: () => {} },
 * });
 * const fields = listeningFields(deps, 22021);
 * if (fields.port !== 22021 || fields.provider !== "noble" || String(fields.x25519).length !== 64) throw new Error("bad");
 * ```
 */
export function listeningFields(deps: Deps, port: number): LogFields {
  return {
    port,
    provider: deps.provider.name,
    nodes: deps.directory.size,
    ed25519: toHex(deps.nodeKeys.ed25519Public),
    x25519: toHex(deps.nodeKeys.x25519Public),
  };
}
