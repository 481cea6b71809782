/**
 * The node registry: the local stand-in for the chain's service-node list (swarms-and-storage.md
 * §2.3, §3). One JSON file lists every service node with its keys, address, ports and swarm; the
 * swarms are computed by the chain's rebalancing algorithm (`calcSwarmChanges`, §3.4) seeded per
 * "block", so every node that reads the same file agrees on every swarm.
 *
 * ## File format (`allium-registry/1`)
 *
 * ```json
 * {
 *   "format": "allium-registry/1",
 *   "height": 1,
 *   "seed": "<64 hex digits: the network seed>",
 *   "nodes": [
 *     {
 *       "ed25519": "<64 hex>",
 *       "x25519": "<64 hex>",
 *       "ip": "127.0.0.1",
 *       "https_port": 22021,
 *       "omq_port": 22020,
 *       "swarm": "1a2b3c4d5e6f7a8b"
 *     }
 *   ]
 * }
 * ```
 *
 * - `height` counts registry changes, like block heights; nodes re-read the file and act only when
 *   it grew (swarm changes and hand-over, §4.1);
 * - the block seed of height `h` is the first 8 bytes, little-endian, of
 *   `BLAKE2b-256(seed ‖ u64le(h))` — the chain uses the block hash the same way (§3.2);
 * - nodes are sorted by Ed25519 key (the chain's pubkey order, §3.2); the Ed25519 key stands in
 *   for the legacy primary key, as it does for every node registered since the Ed25519 switch;
 * - `swarm` is 1–16 hex digits; `ffffffffffffffff` means not in a swarm (§1.3).
 *
 * Everything here is pure; `demo/` and the service node read and write the file.
 *
 * @module
 */

import {
  calcSwarmChanges,
  type CryptoProvider,
  fromHex,
  isAllZero,
  isHex,
  KEY_HEX_CHARS,
  parseStrictJson,
  toHex,
  UNASSIGNED_SWARM_ID,
} from "../mod.ts";
import { createDirectory, type NodeDirectory, type NodeRecord } from "./directory.ts";

/** The `format` value of a registry file. */
export const REGISTRY_FORMAT = "allium-registry/1";
/** Most nodes a registry may hold. */
export const MAX_REGISTRY_NODES = 10_000;
/** Bytes of the network seed. */
export const REGISTRY_SEED_BYTES = 32;
/** Largest registry text accepted, in characters. */
const MAX_REGISTRY_CHARS = 16 * 1024 * 1024;
/** Nesting of a registry: document → nodes → node. */
const REGISTRY_DEPTH = 3;
/** Bytes of the block-seed hash input's height (u64 little-endian). */
const HEIGHT_BYTES = 8;
/** Bytes of the BLAKE2b digest the block seed is taken from. */
const BLOCK_HASH_BYTES = 32;
/** Bytes of the block hash read as the seed (swarms-and-storage.md §3.2). */
const SEED_PREFIX_BYTES = 8;
/** Largest TCP port. */
const MAX_PORT = 65_535;
/** A dotted-quad IPv4 address (the chain lists IPv4 only, §7.15). */
const IPV4_RE = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
/** A swarm id: 1–16 hex digits. */
const SWARM_RE = /^[0-9a-f]{1,16}$/;
const NODE_FIELDS = ["ed25519", "x25519", "ip", "https_port", "omq_port", "swarm"];

/** One service node in the registry. */
export interface RegistryNode {
  /** Ed25519 identity key, 64 lower-case hex digits (also the legacy primary key). */
  readonly ed25519: string;
  /** X25519 key, 64 lower-case hex digits (onion layers and CurveZMQ). */
  readonly x25519: string;
  /** IPv4 address. */
  readonly ip: string;
  /** HTTP port (`/onion_req/v2`); the chain calls it the https port. */
  readonly httpsPort: number;
  /** ZeroMQ (OxenMQ) port. */
  readonly omqPort: number;
  /** Swarm id; {@link UNASSIGNED_SWARM_ID} when not in a swarm. */
  readonly swarm: bigint;
}

/** A node before the registry places it. */
export type NewRegistryNode = Omit<RegistryNode, "swarm">;

/** A parsed registry. */
export interface Registry {
  /** Number of changes so far. */
  readonly height: number;
  /** The network seed (32 bytes). */
  readonly seed: Uint8Array;
  /** Nodes sorted by Ed25519 key. */
  readonly nodes: readonly RegistryNode[];
}

function fail(kind: ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor, message: string): never {
  throw new kind(`Cannot load registry: ${message}`);
}

function checkPort(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_PORT) {
    fail(RangeError, `${what} is ${JSON.stringify(value)}, expected an integer port 1…${MAX_PORT}`);
  }
  return value;
}

function readNode(value: unknown, index: number): RegistryNode {
  const where = `node ${index}`;
  if (value === null || typeof value !== "object" || Array.isArray(value)) fail(TypeError, `${where} is not an object`);
  const node = value as Record<string, unknown>;
  for (const field of Object.keys(node)) {
    if (!NODE_FIELDS.includes(field)) fail(RangeError, `${where} has unknown field ${JSON.stringify(field)}`);
  }
  for (const field of ["ed25519", "x25519"]) {
    if (typeof node[field] !== "string" || !isHex(node[field] as string, KEY_HEX_CHARS)) {
      fail(RangeError, `${where} ${field} is not ${KEY_HEX_CHARS} hex digits`);
    }
  }
  const x25519 = (node.x25519 as string).toLowerCase();
  if (isAllZero(fromHex(x25519))) fail(RangeError, `${where} x25519 is all zero`);
  if (typeof node.ip !== "string" || !IPV4_RE.test(node.ip)) {
    fail(RangeError, `${where} ip ${JSON.stringify(node.ip)} is not a dotted-quad IPv4 address`);
  }
  if (typeof node.swarm !== "string" || !SWARM_RE.test(node.swarm)) {
    fail(RangeError, `${where} swarm ${JSON.stringify(node.swarm)} is not 1–16 lower-case hex digits`);
  }
  return {
    ed25519: (node.ed25519 as string).toLowerCase(),
    x25519,
    ip: node.ip,
    httpsPort: checkPort(node.https_port, `${where} https_port`),
    omqPort: checkPort(node.omq_port, `${where} omq_port`),
    swarm: BigInt(`0x${node.swarm}`),
  };
}

/**
 * Parse and check a registry file.
 *
 * @param text the file's text
 * @returns the registry
 * @throws {SyntaxError} when the text is not strict JSON
 * @throws {TypeError} when a value has the wrong JSON type
 * @throws {RangeError} for a wrong format, bad key, address, port or swarm, an unknown field, a
 *   node listed twice or out of order; the message names the node
 * @example Reading an empty registry
 * ```ts
 * import { parseRegistry } from "./registry.ts";
 * const reg = parseRegistry(JSON.stringify({ format: "allium-registry/1", height: 0, seed: "00".repeat(32), nodes: [] }));
 * if (reg.height !== 0 || reg.nodes.length !== 0) throw new Error("bad");
 * ```
 */
export function parseRegistry(text: string): Registry {
  if (typeof text !== "string") fail(TypeError, "text is not a string");
  if (text.length > MAX_REGISTRY_CHARS) {
    fail(RangeError, `file has ${text.length} characters, limit ${MAX_REGISTRY_CHARS}`);
  }
  let doc: unknown;
  try {
    doc = parseStrictJson(text, { maxLength: MAX_REGISTRY_CHARS, maxDepth: REGISTRY_DEPTH });
  } catch (cause) {
    throw new SyntaxError(`Cannot load registry: not strict JSON: ${(cause as Error).message}`, { cause });
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) fail(TypeError, "top level is not an object");
  const top = doc as Record<string, unknown>;
  for (const field of Object.keys(top)) {
    if (!["format", "height", "seed", "nodes"].includes(field)) {
      fail(RangeError, `unknown top-level field ${JSON.stringify(field)}`);
    }
  }
  if (top.format !== REGISTRY_FORMAT) {
    fail(RangeError, `format is ${JSON.stringify(top.format) ?? "missing"}, expected "${REGISTRY_FORMAT}"`);
  }
  // Below MAX_SAFE_INTEGER so the registry can still advance (fuzz finding
  // fuzz/corpus/registry_file/finding-height-max-safe-integer).
  if (
    typeof top.height !== "number" || !Number.isSafeInteger(top.height) || top.height < 0 ||
    top.height >= Number.MAX_SAFE_INTEGER
  ) {
    fail(RangeError, `height is ${JSON.stringify(top.height)}, expected an integer 0…2^53-2`);
  }
  if (typeof top.seed !== "string" || !isHex(top.seed, REGISTRY_SEED_BYTES * 2)) {
    fail(RangeError, `seed is not ${REGISTRY_SEED_BYTES * 2} hex digits`);
  }
  if (!Array.isArray(top.nodes)) fail(TypeError, '"nodes" is not an array');
  if (top.nodes.length > MAX_REGISTRY_NODES) fail(RangeError, `${top.nodes.length} nodes, limit ${MAX_REGISTRY_NODES}`);
  const nodes = top.nodes.map(readNode);
  for (let i = 1; i < nodes.length; i++) {
    if (nodes[i - 1].ed25519 === nodes[i].ed25519) fail(RangeError, `node ${nodes[i].ed25519} is listed twice`);
    if (nodes[i - 1].ed25519 > nodes[i].ed25519) fail(RangeError, `node ${i} is out of order (sort by ed25519)`);
  }
  return { height: top.height, seed: fromHex(top.seed), nodes };
}

/**
 * The registry file text (pretty-printed, one node per object, sorted by Ed25519 key).
 *
 * @param registry the registry
 * @returns JSON text ending in a newline
 * @example Round trip
 * ```ts
 * import { formatRegistry, parseRegistry } from "./registry.ts";
 * const reg = { height: 2, seed: new Uint8Array(32), nodes: [] };
 * if (parseRegistry(formatRegistry(reg)).height !== 2) throw new Error("bad");
 * ```
 */
export function formatRegistry(registry: Registry): string {
  const nodes = [...registry.nodes].sort((a, b) => (a.ed25519 < b.ed25519 ? -1 : 1)).map((n) => ({
    ed25519: n.ed25519,
    x25519: n.x25519,
    ip: n.ip,
    https_port: n.httpsPort,
    omq_port: n.omqPort,
    swarm: n.swarm.toString(16),
  }));
  return JSON.stringify(
    { format: REGISTRY_FORMAT, height: registry.height, seed: toHex(registry.seed), nodes },
    null,
    2,
  ) +
    "\n";
}

/**
 * The block seed of a height: the first 8 bytes, little-endian, of `BLAKE2b-256(seed ‖ u64le(height))`
 * (the chain reads its block hash the same way, swarms-and-storage.md §3.2).
 *
 * @param seed the network seed (32 bytes)
 * @param height the height
 * @param provider crypto provider (BLAKE2b)
 * @returns the u64 seed for `calcSwarmChanges`
 * @throws {RangeError} for a seed that is not 32 bytes or a negative height
 * @example Deterministic
 * ```ts
 * import { blockSeed } from "./registry.ts";
 * import { providerByName } from "../mod.ts";
 * const provider = await providerByName("noble");
 * const a = await blockSeed(new Uint8Array(32), 1, provider);
 * if (a !== await blockSeed(new Uint8Array(32), 1, provider) || a === await blockSeed(new Uint8Array(32), 2, provider)) throw new Error("bad");
 * ```
 */
export async function blockSeed(seed: Uint8Array, height: number, provider: CryptoProvider): Promise<bigint> {
  if (!(seed instanceof Uint8Array) || seed.length !== REGISTRY_SEED_BYTES) {
    throw new RangeError(`Cannot derive block seed: seed must be ${REGISTRY_SEED_BYTES} bytes`);
  }
  if (!Number.isSafeInteger(height) || height < 0) {
    throw new RangeError(`Cannot derive block seed: height ${height} is not a non-negative integer`);
  }
  const input = new Uint8Array(REGISTRY_SEED_BYTES + HEIGHT_BYTES);
  input.set(seed);
  new DataView(input.buffer).setBigUint64(REGISTRY_SEED_BYTES, BigInt(height), true);
  const hash = await provider.blake2b(input, BLOCK_HASH_BYTES);
  return new DataView(hash.buffer, hash.byteOffset, SEED_PREFIX_BYTES).getBigUint64(0, true);
}

/** Changes applied by {@link advanceRegistry}. */
export interface RegistryChange {
  /** Nodes joining (placed by the rebalancing algorithm). */
  readonly add?: readonly NewRegistryNode[];
  /** Ed25519 keys of nodes leaving. */
  readonly remove?: readonly string[];
}

/**
 * The next registry: apply joins and departures, then recompute swarms with the chain's
 * algorithm seeded by the new height's block seed (swarms-and-storage.md §3.2, §3.4).
 *
 * @param registry the current registry
 * @param change nodes to add and remove
 * @param provider crypto provider (for the block seed)
 * @returns the registry at `height + 1`
 * @throws {RangeError} when an added node is already listed or a removed one is unknown
 * @example Seven new nodes form the first swarm
 * ```ts
 * import { advanceRegistry } from "./registry.ts";
 * import { providerByName } from "../mod.ts";
 * const provider = await providerByName("noble");
 * const add = Array.from({ length: 7 }, (_, i) => ({
 *   ed25519: i.toString(16).padStart(64, "a"), x25519: "11".repeat(32), ip: "127.0.0.1", httpsPort: 1000 + i, omqPort: 2000 + i,
 * }));
 * const reg = await advanceRegistry({ height: 0, seed: new Uint8Array(32), nodes: [] }, { add }, provider);
 * if (reg.height !== 1 || new Set(reg.nodes.map((n) => n.swarm)).size !== 1) throw new Error("bad");
 * ```
 */
export async function advanceRegistry(
  registry: Registry,
  change: RegistryChange,
  provider: CryptoProvider,
): Promise<Registry> {
  const byKey = new Map(registry.nodes.map((n) => [n.ed25519, n]));
  for (const key of change.remove ?? []) {
    if (!byKey.delete(key.toLowerCase())) throw new RangeError(`Cannot advance registry: node ${key} is not listed`);
  }
  for (const node of change.add ?? []) {
    const key = node.ed25519.toLowerCase();
    if (byKey.has(key)) throw new RangeError(`Cannot advance registry: node ${key} is already listed`);
    byKey.set(key, { ...node, ed25519: key, x25519: node.x25519.toLowerCase(), swarm: UNASSIGNED_SWARM_ID });
  }
  const sorted = [...byKey.values()].sort((a, b) => (a.ed25519 < b.ed25519 ? -1 : 1));
  // §3.2: the input map lists members in ascending pubkey order under their current swarm id.
  const input = new Map<bigint, string[]>();
  for (const node of sorted) {
    const list = input.get(node.swarm);
    if (list === undefined) input.set(node.swarm, [node.ed25519]);
    else list.push(node.ed25519);
  }
  const height = registry.height + 1;
  const output = calcSwarmChanges(input, await blockSeed(registry.seed, height, provider));
  const swarmOf = new Map<string, bigint>();
  for (const [id, members] of output) for (const key of members) swarmOf.set(key, id);
  const nodes = sorted.map((n) => ({ ...n, swarm: swarmOf.get(n.ed25519) ?? UNASSIGNED_SWARM_ID }));
  return { height, seed: registry.seed, nodes };
}

/**
 * Active swarms of a registry: swarm id → members (in registry order); unassigned nodes are left out.
 *
 * @param registry the registry
 * @returns the swarms, ids ascending
 * @example
 * ```ts
 * import { registrySwarms } from "./registry.ts";
 * const swarms = registrySwarms({ height: 1, seed: new Uint8Array(32), nodes: [] });
 * if (swarms.size !== 0) throw new Error("bad");
 * ```
 */
export function registrySwarms(registry: Registry): Map<bigint, RegistryNode[]> {
  const swarms = new Map<bigint, RegistryNode[]>();
  const ids = [...new Set(registry.nodes.map((n) => n.swarm))].filter((id) => id !== UNASSIGNED_SWARM_ID)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const id of ids) swarms.set(id, []);
  for (const node of registry.nodes) swarms.get(node.swarm)?.push(node);
  return swarms;
}

/**
 * The node directory of a registry (onion relays look next hops up in it).
 *
 * @param registry the registry
 * @param options `exclude`: an Ed25519 key to leave out (the node itself)
 * @returns the directory
 * @example
 * ```ts
 * import { registryDirectory } from "./registry.ts";
 * const dir = registryDirectory({ height: 0, seed: new Uint8Array(32), nodes: [] });
 * if (dir.size !== 0) throw new Error("bad");
 * ```
 */
export function registryDirectory(registry: Registry, options: { exclude?: string } = {}): NodeDirectory {
  const records: NodeRecord[] = registry.nodes.filter((n) => n.ed25519 !== options.exclude).map((n) => ({
    ed25519: n.ed25519,
    x25519: fromHex(n.x25519),
    http: `http://${n.ip}:${n.httpsPort}`,
    zmq: `tcp://${n.ip}:${n.omqPort}`,
    swarm: n.swarm.toString(16),
  }));
  return createDirectory(records);
}
