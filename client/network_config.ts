/**
 * Finding and describing the network a client talks to: the data directory of a local network
 * (demo/local_network.ts) holds `network.json` — `{format: "allium-network/1", registry:
 * "registry.json", fileServer: {host, port, x25519}}` — and the registry it names, whose nodes
 * are the onion-path candidates and `get_swarm` entry points.
 *
 * Which directory: `--network DIR`, else `$ALLIUM_NETWORK`, else the path written in
 * `.allium/last-network` (by `npm start`).
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CryptoProvider, Rng } from "../mod.ts";
import { parseRegistry } from "../gateway/registry.ts";
import { MessengerError } from "./errors.ts";
import { FileClient, type FileServerAddress } from "./file_client.ts";
import { type ClientNode, OnionClient } from "./onion_client.ts";
import { StorageClient } from "./storage_client.ts";

/** The `format` of network.json this client reads. */
export const NETWORK_FORMAT = "allium-network/1";
/** Where `npm start` records the data directory of the network it runs. */
export const LAST_NETWORK_FILE = ".allium/last-network";
/** The environment variable naming the network directory. */
export const NETWORK_ENV = "ALLIUM_NETWORK";

/** A network as the client sees it. */
export interface NetworkConfig {
  /** The data directory. */
  readonly dir: string;
  /** The registry's nodes. */
  readonly nodes: readonly ClientNode[];
  /** The file app, when the network has one. */
  readonly fileServer?: FileServerAddress;
}

function invalid(message: string, cause?: unknown): MessengerError {
  return new MessengerError("INVALID_INPUT", message, { cause });
}

/**
 * Which network directory to use: the flag, else `$ALLIUM_NETWORK`, else `.allium/last-network`
 * (relative to `cwd`).
 *
 * @param sources the `--network` flag, the environment, the working directory
 * @returns the directory
 * @throws {MessengerError} `INVALID_INPUT` when none of them names one
 * @example
 * ```ts
 * import { networkDir } from "./network_config.ts";
 * if (networkDir({ flag: "/tmp/net", env: {}, cwd: "/" }) !== "/tmp/net") throw new Error("bad");
 * if (networkDir({ env: { ALLIUM_NETWORK: "/n" }, cwd: "/" }) !== "/n") throw new Error("bad");
 * ```
 */
export function networkDir(
  sources: { flag?: string; env: Readonly<Record<string, string | undefined>>; cwd: string },
): string {
  if (sources.flag !== undefined && sources.flag !== "") return resolve(sources.cwd, sources.flag);
  const env = sources.env[NETWORK_ENV];
  if (env !== undefined && env !== "") return resolve(sources.cwd, env);
  let last: string;
  try {
    last = readFileSync(join(sources.cwd, LAST_NETWORK_FILE), "utf8").trim();
  } catch {
    last = "";
  }
  if (last === "") {
    throw invalid(
      `Cannot find the network: pass --network DIR, set ${NETWORK_ENV}, or start one with "npm start" (it writes ${LAST_NETWORK_FILE})`,
    );
  }
  return resolve(sources.cwd, last);
}

/**
 * Read `network.json` and its registry.
 *
 * @param dir the network's data directory
 * @returns the nodes and the file app
 * @throws {MessengerError} `INVALID_INPUT` when the files are missing or malformed
 * @example A directory without network.json
 * ```ts
 * import { loadNetwork } from "./network_config.ts";
 * try { loadNetwork("/nonexistent"); throw new Error("loaded"); }
 * catch (e) { if (!(e instanceof Error) || !e.message.includes("network.json")) throw e; }
 * ```
 */
export function loadNetwork(dir: string): NetworkConfig {
  const file = join(dir, "network.json");
  let descriptor: { format?: unknown; registry?: unknown; fileServer?: Record<string, unknown> };
  try {
    descriptor = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw invalid(`Cannot read ${file}: ${(cause as Error).message}`, cause);
  }
  if (descriptor?.format !== NETWORK_FORMAT || typeof descriptor.registry !== "string") {
    throw invalid(`Cannot read ${file}: format is not "${NETWORK_FORMAT}" or the registry is missing`);
  }
  let nodes: ClientNode[];
  try {
    const registry = parseRegistry(readFileSync(join(dir, descriptor.registry), "utf8"));
    nodes = registry.nodes.map((n) => ({
      ed25519: n.ed25519,
      x25519: n.x25519,
      http: `http://${n.ip}:${n.httpsPort}`,
    }));
  } catch (cause) {
    throw invalid(`Cannot read the registry of ${dir}: ${(cause as Error).message}`, cause);
  }
  const fs = descriptor.fileServer;
  let fileServer: FileServerAddress | undefined;
  if (fs !== undefined) {
    if (typeof fs.host !== "string" || typeof fs.port !== "number" || typeof fs.x25519 !== "string") {
      throw invalid(`Cannot read ${file}: fileServer needs host, port and x25519`);
    }
    fileServer = { host: fs.host, port: fs.port, x25519: fs.x25519 };
  }
  return { dir, nodes, ...(fileServer === undefined ? {} : { fileServer }) };
}

/** The clients built for a network. */
export interface Connection {
  /** Onion transport. */
  readonly onion: OnionClient;
  /** Swarm storage. */
  readonly storage: StorageClient;
  /** The file app, when the network has one. */
  readonly files?: FileClient;
  /** The file app's origin and key, for attachment URLs. */
  readonly fileServer?: { readonly origin: string; readonly x25519: string };
}

/**
 * Build the onion, storage and file clients for a network (reusing a path while it works).
 *
 * @param network the network
 * @param options `provider`, `rng`, `now` (wall clock), `timeoutMs` per onion attempt
 * @returns the clients
 * @example
 * ```ts
 * import { connect } from "./network_config.ts";
 * import { nobleProvider as provider, systemRng as rng } from "../mod.ts";
 * const c = connect({ dir: "/x", nodes: [] }, { provider, rng, now: Date.now });
 * if (c.files !== undefined) throw new Error("bad");
 * ```
 */
export function connect(
  network: NetworkConfig,
  options: { provider: CryptoProvider; rng: Rng; now: () => number; timeoutMs?: number },
): Connection {
  const nodes = () => network.nodes;
  const onion = new OnionClient({
    nodes,
    provider: options.provider,
    rng: options.rng,
    reusePaths: true,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  const storage = new StorageClient({ onion, nodes, provider: options.provider, rng: options.rng, now: options.now });
  const fs = network.fileServer;
  if (fs === undefined) return { onion, storage };
  return {
    onion,
    storage,
    files: new FileClient(onion, fs),
    fileServer: { origin: `http://${fs.host}:${fs.port}`, x25519: fs.x25519 },
  };
}
