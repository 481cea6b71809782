/**
 * The node directory: what this node knows about the other service nodes it may relay to,
 * keyed by Ed25519 identity (the `destination` of routing JSON, onion-requests.md §4–§5).
 *
 * ## File format (`ALLIUM_DIRECTORY_FILE`)
 *
 * One UTF-8 JSON object, strictly checked (no duplicate keys, no unknown fields):
 *
 * ```json
 * {
 *   "format": "allium-directory/1",
 *   "nodes": {
 *     "<ed25519 public key, 64 hex digits>": {
 *       "x25519": "<x25519 public key, 64 hex digits>",
 *       "http": "http://127.0.0.1:22021",
 *       "zmq": "tcp://127.0.0.1:22020",
 *       "swarm": "1a2b3c4d5e6f7a8b"
 *     }
 *   }
 * }
 * ```
 *
 * - keys are hex in either case and are stored lower-case; two spellings of one key are an error;
 * - `x25519` must not be all zero;
 * - `http` is the origin the node's `/onion_req/v2` is served on: `http://` or `https://`, a host
 *   name or IP literal (`[::1]` for IPv6) and an optional port, nothing else (no user info, path,
 *   query or fragment);
 * - `zmq` (optional) is `tcp://host:port` for the OxenMQ transport of a later slice;
 * - `swarm` (optional) is the swarm id as 1–16 hex digits (a u64).
 *
 * {@link loadDirectory} is pure; only `main.ts` reads the file.
 *
 * @module
 */

import { fromHex, isAllZero, isHex, KEY_HEX_CHARS, parseStrictJson } from "../mod.ts";

/** What the directory says about one node. */
export interface NodeRecord {
  /** Ed25519 identity key, 64 lower-case hex digits. */
  readonly ed25519: string;
  /** X25519 public key (32 bytes). */
  readonly x25519: Uint8Array;
  /** Origin of the node's HTTP endpoint, e.g. `http://127.0.0.1:22021` (no trailing slash). */
  readonly http: string;
  /** OxenMQ address `tcp://host:port`, when known. */
  readonly zmq?: string;
  /** Swarm id as lower-case hex, when known. */
  readonly swarm?: string;
}

/**
 * Whether the WHATWG URL parser accepts the text: the host pattern alone lets through forms such
 * as `[::1::]` or `999.999.999.999` that no fetch can use (fuzz finding
 * fuzz/corpus/directory_file/finding-http-invalid-ipv6).
 */
function isParsableUrl(text: string): boolean {
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}

/** Lookup of nodes by Ed25519 key. */
export interface NodeDirectory {
  /** Number of nodes. */
  readonly size: number;
  /**
   * The node with this Ed25519 key.
   *
   * @param ed25519 64 hex digits, either case
   * @returns the record, or undefined when the node is unknown
   */
  get(ed25519: string): NodeRecord | undefined;
}

/** The `format` value of a directory file. */
export const DIRECTORY_FORMAT = "allium-directory/1";
/** Most nodes a directory may hold (the Session network has a few thousand). */
export const MAX_DIRECTORY_NODES = 100_000;
/** Largest directory file text accepted, in characters. */
const MAX_DIRECTORY_CHARS = 64 * 1024 * 1024;
/** Deepest nesting in a directory file: document → nodes → node. */
const DIRECTORY_DEPTH = 3;

const NODE_FIELDS = new Set(["x25519", "http", "zmq", "swarm"]);
const HOST = String
  .raw`(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]{2,45}\])`;
const PORT = String.raw`(?:[1-9][0-9]{0,4})`;
const HTTP_RE = new RegExp(String.raw`^(https?)://(${HOST})(?::(${PORT}))?/?$`);
const ZMQ_RE = new RegExp(String.raw`^tcp://(${HOST}):(${PORT})$`);
const SWARM_RE = /^[0-9A-Fa-f]{1,16}$/;
const MAX_PORT = 65535;

class MapDirectory implements NodeDirectory {
  #nodes: ReadonlyMap<string, NodeRecord>;
  constructor(nodes: ReadonlyMap<string, NodeRecord>) {
    this.#nodes = nodes;
  }
  get size(): number {
    return this.#nodes.size;
  }
  get(ed25519: string): NodeRecord | undefined {
    return typeof ed25519 === "string" ? this.#nodes.get(ed25519.toLowerCase()) : undefined;
  }
}

function fail(ctor: typeof TypeError | typeof RangeError | typeof SyntaxError, message: string): never {
  throw new ctor(`Cannot load directory: ${message}`);
}

function readNode(key: string, value: unknown): NodeRecord {
  const where = `node ${JSON.stringify(key)}`;
  if (value === null || typeof value !== "object" || Array.isArray(value)) fail(TypeError, `${where} is not an object`);
  const obj = value as Record<string, unknown>;
  for (const field of Object.keys(obj)) {
    if (!NODE_FIELDS.has(field)) fail(RangeError, `${where} has unknown field ${JSON.stringify(field)}`);
  }
  if (!isHex(obj.x25519, KEY_HEX_CHARS)) fail(RangeError, `${where} x25519 is not ${KEY_HEX_CHARS} hex digits`);
  const x25519 = fromHex(obj.x25519);
  if (isAllZero(x25519)) fail(RangeError, `${where} x25519 is all zero`);

  if (typeof obj.http !== "string") fail(TypeError, `${where} http is not a string`);
  const http = HTTP_RE.exec(obj.http);
  if (http === null || (http[3] !== undefined && Number(http[3]) > MAX_PORT) || !isParsableUrl(obj.http)) {
    fail(
      RangeError,
      `${where} http ${JSON.stringify(obj.http)} is not an http(s) origin such as "http://127.0.0.1:22021"`,
    );
  }
  const origin = `${http[1]}://${http[2].toLowerCase()}${http[3] === undefined ? "" : `:${http[3]}`}`;

  const record: { ed25519: string; x25519: Uint8Array; http: string; zmq?: string; swarm?: string } = {
    ed25519: key.toLowerCase(),
    x25519,
    http: origin,
  };
  if (obj.zmq !== undefined) {
    if (typeof obj.zmq !== "string") fail(TypeError, `${where} zmq is not a string`);
    const m = ZMQ_RE.exec(obj.zmq);
    if (m === null || Number(m[2]) > MAX_PORT || !isParsableUrl(`http://${m[1]}:${m[2]}`)) {
      fail(RangeError, `${where} zmq ${JSON.stringify(obj.zmq)} is not an address such as "tcp://127.0.0.1:22020"`);
    }
    record.zmq = obj.zmq;
  }
  if (obj.swarm !== undefined) {
    if (typeof obj.swarm !== "string") fail(TypeError, `${where} swarm is not a string`);
    if (!SWARM_RE.test(obj.swarm)) {
      fail(RangeError, `${where} swarm ${JSON.stringify(obj.swarm)} is not 1…16 hex digits`);
    }
    record.swarm = obj.swarm.toLowerCase();
  }
  return Object.freeze(record);
}

/**
 * Parse and validate a directory file (format in the module documentation).
 *
 * @param text the file's text
 * @returns the directory
 * @throws {SyntaxError} when the text is not strict JSON (including duplicate keys)
 * @throws {TypeError} when a value has the wrong JSON type
 * @throws {RangeError} for a wrong format tag, a malformed key or address, an unknown field or
 *   too many nodes; the message names the node
 * @example
 * ```ts
 * import { loadDirectory } from "./directory.ts";
 * const key = "ab".repeat(32);
 * const dir = loadDirectory(JSON.stringify({
 *   format: "allium-directory/1",
 *   nodes: { [key]: { x25519: "cd".repeat(32), http: "http://127.0.0.1:22021/" } },
 * }));
 * if (dir.get(key.toUpperCase())?.http !== "http://127.0.0.1:22021") throw new Error("bad");
 * ```
 */
export function loadDirectory(text: string): NodeDirectory {
  if (typeof text !== "string") fail(TypeError, "text is not a string");
  if (text.length > MAX_DIRECTORY_CHARS) {
    fail(RangeError, `file has ${text.length} characters, limit ${MAX_DIRECTORY_CHARS}`);
  }
  let doc: unknown;
  try {
    doc = parseStrictJson(text, { maxLength: MAX_DIRECTORY_CHARS, maxDepth: DIRECTORY_DEPTH });
  } catch (cause) {
    throw new SyntaxError(`Cannot load directory: not strict JSON: ${(cause as Error).message}`, { cause });
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) fail(TypeError, "top level is not an object");
  const top = doc as Record<string, unknown>;
  for (const field of Object.keys(top)) {
    if (field !== "format" && field !== "nodes") fail(RangeError, `unknown top-level field ${JSON.stringify(field)}`);
  }
  if (top.format !== DIRECTORY_FORMAT) {
    fail(
      RangeError,
      `format is ${JSON.stringify(top.format) ?? "missing"}, expected ${JSON.stringify(DIRECTORY_FORMAT)}`,
    );
  }
  const nodes = top.nodes;
  if (nodes === null || typeof nodes !== "object" || Array.isArray(nodes)) fail(TypeError, '"nodes" is not an object');
  const entries = Object.entries(nodes as Record<string, unknown>);
  if (entries.length > MAX_DIRECTORY_NODES) fail(RangeError, `${entries.length} nodes, limit ${MAX_DIRECTORY_NODES}`);
  const map = new Map<string, NodeRecord>();
  for (const [key, value] of entries) {
    if (!isHex(key, KEY_HEX_CHARS)) {
      fail(RangeError, `node key ${JSON.stringify(key)} is not ${KEY_HEX_CHARS} hex digits`);
    }
    const record = readNode(key, value);
    if (map.has(record.ed25519)) fail(RangeError, `node ${JSON.stringify(key)} is listed twice`);
    map.set(record.ed25519, record);
  }
  return new MapDirectory(map);
}

/**
 * A directory from records already in memory (tests, embedding).
 *
 * @param records node records; keys are normalised to lower case
 * @returns the directory
 * @throws {RangeError} when a key is not 64 hex digits or appears twice
 * @example
 * ```ts
 * import { createDirectory } from "./directory.ts";
 * const dir = createDirectory([{ ed25519: "ab".repeat(32), x25519: new Uint8Array(32).fill(1), http: "http://127.0.0.1:1" }]);
 * if (dir.size !== 1) throw new Error("bad");
 * ```
 */
export function createDirectory(records: readonly NodeRecord[]): NodeDirectory {
  const map = new Map<string, NodeRecord>();
  for (const r of records) {
    if (!isHex(r.ed25519, KEY_HEX_CHARS)) {
      fail(RangeError, `node key ${JSON.stringify(r.ed25519)} is not ${KEY_HEX_CHARS} hex digits`);
    }
    const key = r.ed25519.toLowerCase();
    if (map.has(key)) fail(RangeError, `node ${JSON.stringify(r.ed25519)} is listed twice`);
    map.set(key, Object.freeze({ ...r, ed25519: key }));
  }
  return new MapDirectory(map);
}
