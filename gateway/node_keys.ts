/**
 * The node's long-term keys and their file (hardening.md §2 "Node keys"). One Ed25519 seed is
 * stored; the Ed25519 public key and the X25519 key pair derive from it, as on the Session
 * network (the X25519 key is the Montgomery form of the Ed25519 key).
 *
 * File format (`ALLIUM_KEY_FILE`, written with mode 0600 by main.ts on first start):
 *
 * ```json
 * {"format":"allium-node-key/1","ed25519_seed":"<64 hex digits>"}
 * ```
 *
 * Loading refuses a malformed file, an all-zero seed, and derived keys that are all zero. This
 * module is pure; main.ts does the file I/O and the permission checks.
 *
 * @module
 */

import {
  type CryptoProvider,
  ED25519_KEY_BYTES,
  fromHex,
  identityFromSeed,
  isAllZero,
  isHex,
  toHex,
  wipe,
} from "../mod.ts";

/** The keys a node runs with. Secrets are raw bytes: keep them out of logs. */
export interface NodeIdentityKeys {
  /** X25519 secret (32 bytes): decrypts onion layers. */
  readonly x25519Secret: Uint8Array;
  /** X25519 public key (32 bytes): what clients encrypt layers to. */
  readonly x25519Public: Uint8Array;
  /** Ed25519 public key (32 bytes): the node's identity and address in routing JSON. */
  readonly ed25519Public: Uint8Array;
  /** Ed25519 seed (32 bytes, a copy): signs the storage RPC's per-node results (swarms-and-storage.md §7). */
  readonly ed25519Seed: Uint8Array;
}

/** The `format` value of a node key file. */
export const NODE_KEY_FORMAT = "allium-node-key/1";

/**
 * Derive and check the node keys from an Ed25519 seed.
 *
 * @param seed 32-byte seed (copied into the result; the caller may wipe its own)
 * @param provider crypto provider
 * @returns the node keys
 * @throws {RangeError} for a seed of the wrong length, an all-zero seed or all-zero derived keys
 * @example
 * ```ts
 * import { nodeKeysFromSeed } from "./node_keys.ts";
 * import { nobleProvider } from "../mod.ts";
 * const keys = await nodeKeysFromSeed(new Uint8Array(32).fill(1), nobleProvider);
 * if (keys.x25519Public.length !== 32 || keys.ed25519Public.length !== 32) throw new Error("bad");
 * ```
 */
export async function nodeKeysFromSeed(seed: Uint8Array, provider: CryptoProvider): Promise<NodeIdentityKeys> {
  if (!(seed instanceof Uint8Array) || seed.length !== ED25519_KEY_BYTES) {
    throw new RangeError(`Cannot load node keys: the seed is not ${ED25519_KEY_BYTES} bytes`);
  }
  if (isAllZero(seed)) throw new RangeError("Cannot load node keys: the seed is all zero");
  const id = await identityFromSeed(seed, { provider });
  for (
    const [name, key] of [["x25519 secret", id.x25519Secret], ["x25519 public key", id.x25519Public], [
      "ed25519 public key",
      id.ed25519Public,
    ]] as const
  ) {
    if (isAllZero(key)) throw new RangeError(`Cannot load node keys: the derived ${name} is all zero`);
  }
  return Object.freeze({
    x25519Secret: id.x25519Secret,
    x25519Public: id.x25519Public,
    ed25519Public: id.ed25519Public,
    ed25519Seed: id.ed25519Seed,
  });
}

/**
 * Parse a node key file and derive the keys.
 *
 * @param text the file's text
 * @param provider crypto provider
 * @returns the node keys
 * @throws {SyntaxError} when the text is not JSON
 * @throws {RangeError} for a wrong format tag, a malformed or all-zero seed, or unknown fields
 * @example
 * ```ts
 * import { formatNodeKeyFile, parseNodeKeyFile } from "./node_keys.ts";
 * import { nobleProvider } from "../mod.ts";
 * const text = formatNodeKeyFile(new Uint8Array(32).fill(3));
 * const keys = await parseNodeKeyFile(text, nobleProvider);
 * if (keys.ed25519Public.length !== 32) throw new Error("bad");
 * ```
 */
export async function parseNodeKeyFile(text: string, provider: CryptoProvider): Promise<NodeIdentityKeys> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new SyntaxError("Cannot load node keys: the key file is not JSON", { cause });
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new RangeError("Cannot load node keys: the key file is not a JSON object");
  }
  const obj = doc as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (k !== "format" && k !== "ed25519_seed") {
      throw new RangeError(`Cannot load node keys: unknown field ${JSON.stringify(k)} in the key file`);
    }
  }
  if (obj.format !== NODE_KEY_FORMAT) {
    throw new RangeError(`Cannot load node keys: format is not ${JSON.stringify(NODE_KEY_FORMAT)}`);
  }
  if (!isHex(obj.ed25519_seed, 2 * ED25519_KEY_BYTES)) {
    throw new RangeError(`Cannot load node keys: ed25519_seed is not ${2 * ED25519_KEY_BYTES} hex digits`);
  }
  const seed = fromHex(obj.ed25519_seed);
  try {
    return await nodeKeysFromSeed(seed, provider);
  } finally {
    wipe(seed);
  }
}

/**
 * The text of a node key file for `seed`.
 *
 * @param seed 32-byte Ed25519 seed
 * @returns the JSON text, with a final newline
 * @throws {RangeError} for a seed of the wrong length or all zero
 * @example
 * ```ts
 * import { formatNodeKeyFile } from "./node_keys.ts";
 * if (!formatNodeKeyFile(new Uint8Array(32).fill(1)).includes('"ed25519_seed":"0101')) throw new Error("bad");
 * ```
 */
export function formatNodeKeyFile(seed: Uint8Array): string {
  if (!(seed instanceof Uint8Array) || seed.length !== ED25519_KEY_BYTES) {
    throw new RangeError(`Cannot write node keys: the seed is not ${ED25519_KEY_BYTES} bytes`);
  }
  if (isAllZero(seed)) throw new RangeError("Cannot write node keys: the seed is all zero");
  return `${JSON.stringify({ format: NODE_KEY_FORMAT, ed25519_seed: toHex(seed) })}\n`;
}
