/**
 * Client-side construction of an onion request (onion-requests.md §9).
 *
 * Layers are built from the inside out. Each layer gets a fresh ephemeral X25519 key pair and a
 * fresh nonce, drawn from the rng in this order per layer, innermost first: 32-byte ephemeral
 * secret, then the nonce. (The published golden onions replay exactly that sequence.) Routing
 * JSON is compact with sorted keys, as libsession's builder emits it.
 *
 * @module
 */

import {
  AES_GCM_KDF_KEY,
  DEFAULT_SERVER_METHOD,
  DEFAULT_SERVER_PORT,
  DEFAULT_SERVER_PROTOCOL,
  ENC_TYPE_XCHACHA20,
  KEY_HEX_CHARS,
  MAX_HOP_NO,
  MAX_PATH_HOPS,
  X25519_KEY_BYTES,
} from "../constants.ts";
import { fromHex, isHex, toHex, wipe } from "../bytes.ts";
import { ProtocolError } from "../errors.ts";
import type { Rng } from "../rng.ts";
import type { CryptoProvider } from "../crypto/provider.ts";
import { SecretKey } from "../crypto/secret_key.ts";
import { defaultProvider } from "../crypto/default.ts";
import { encodeLayer } from "./codec.ts";
import { type EncType, isEncType } from "./enc_type.ts";
import { deriveHopKeyFromShared, sealWithKey } from "./hop.ts";
import type { OnionReplyKey } from "./reply.ts";

/** A service node on the path or as destination: its keys as 64-digit hex. */
export interface OnionNode {
  /** Ed25519 identity key (the address used in routing JSON). */
  ed25519: string;
  /** X25519 key the layer is encrypted to. */
  x25519: string;
}

/** An external server reached through the exit node (onion-requests.md §7). */
export interface OnionServer {
  /** Host name or IP literal. */
  host: string;
  /** Path ending in `/lsrpc`, e.g. `/oxen/v4/lsrpc` (v4) or `/loki/v3/lsrpc` (v3). */
  target: string;
  /** The server's X25519 key as 64-digit hex. */
  x25519: string;
  /** Port, default 443. */
  port?: number;
  /** `https` (default) or `http`. */
  protocol?: "http" | "https";
  /** Method written to the routing JSON, default `POST`. */
  method?: string;
}

/** Arguments of {@link buildOnionRequest}. */
export interface BuildOnionOptions {
  /** The path, guard first: 1 to 15 nodes. */
  path: readonly OnionNode[];
  /** A service node (storage RPC) or an external server (v3/v4 request). */
  destination: OnionNode | OnionServer;
  /** The request: storage-RPC JSON for a node; a v3 JSON or v4 bencoded request for a server. */
  payload: Uint8Array;
  /**
   * Cipher per layer: one for all, or one per layer in path order with the destination's last
   * (`path.length + 1` entries). Default `xchacha20`, as libsession.
   */
  encType?: EncType | readonly EncType[];
  /** Fake starting hop count written to the guard's trailer (0–15), so hops cannot infer position. */
  hopNo?: number;
  /** Crypto provider; defaults to {@link defaultProvider}. */
  provider?: CryptoProvider;
  /** Randomness for ephemeral keys and nonces; defaults to the provider's CSPRNG. */
  rng?: Rng;
}

/** A built onion. */
export interface BuiltOnion {
  /** Exact bytes to POST to the guard's `/onion_req/v2`. */
  body: Uint8Array;
  /** The guard node (first hop) to send `body` to. */
  guard: OnionNode;
  /** What {@link decryptOnionReply} needs to read the answer. */
  reply: OnionReplyKey;
}

function invalid(message: string): ProtocolError {
  return new ProtocolError("BUILD_INVALID", `Cannot build onion: ${message}`);
}

function checkNode(node: OnionNode, what: string): void {
  if (node === null || typeof node !== "object") throw invalid(`${what} is not an object`);
  if (!isHex(node.ed25519, KEY_HEX_CHARS)) throw invalid(`${what}.ed25519 is not ${KEY_HEX_CHARS} hex digits`);
  if (!isHex(node.x25519, KEY_HEX_CHARS)) throw invalid(`${what}.x25519 is not ${KEY_HEX_CHARS} hex digits`);
}

function isServer(d: OnionNode | OnionServer): d is OnionServer {
  return "host" in d;
}

/** Routing JSON for the destination, compact with sorted keys (onion-requests.md §9 step 1). */
function destinationRoute(d: OnionNode | OnionServer, encType: EncType, ephemeralHex: string): string {
  if (!isServer(d)) {
    return `{"destination":"${d.ed25519.toLowerCase()}","enc_type":"${encType}","ephemeral_key":"${ephemeralHex}"}`;
  }
  return `{"enc_type":"${encType}","ephemeral_key":"${ephemeralHex}","host":${JSON.stringify(d.host)},"method":${
    JSON.stringify(d.method ?? DEFAULT_SERVER_METHOD)
  },"port":${d.port ?? DEFAULT_SERVER_PORT},"protocol":"${d.protocol ?? DEFAULT_SERVER_PROTOCOL}","target":${
    JSON.stringify(d.target)
  }}`;
}

function checkDestination(d: OnionNode | OnionServer): void {
  if (d === null || typeof d !== "object") throw invalid("destination is not an object");
  if (!isServer(d)) return checkNode(d, "destination");
  if (typeof d.host !== "string" || d.host.length === 0) throw invalid("destination.host is not a non-empty string");
  if (typeof d.target !== "string" || !d.target.startsWith("/")) {
    throw invalid('destination.target must start with "/"');
  }
  if (!isHex(d.x25519, KEY_HEX_CHARS)) throw invalid(`destination.x25519 is not ${KEY_HEX_CHARS} hex digits`);
  if (d.port !== undefined && (!Number.isInteger(d.port) || d.port < 1 || d.port > 65535)) {
    throw invalid("destination.port is not an integer in 1…65535");
  }
  if (d.protocol !== undefined && d.protocol !== "http" && d.protocol !== "https") {
    throw invalid('destination.protocol must be "http" or "https"');
  }
  if (d.method !== undefined && (typeof d.method !== "string" || d.method.length === 0)) {
    throw invalid("destination.method is not a non-empty string");
  }
}

function cipherList(encType: EncType | readonly EncType[] | undefined, layers: number): EncType[] {
  if (encType === undefined) return new Array(layers).fill(ENC_TYPE_XCHACHA20);
  if (typeof encType === "string") {
    if (!isEncType(encType)) throw invalid(`encType "${encType}" is not aes-gcm or xchacha20`);
    return new Array(layers).fill(encType);
  }
  if (!Array.isArray(encType) || encType.length !== layers) {
    throw invalid(`encType list must have ${layers} entries (path + destination)`);
  }
  for (const e of encType) if (!isEncType(e)) throw invalid(`encType "${e}" is not aes-gcm or xchacha20`);
  return [...encType];
}

/** One layer: fresh ephemeral key, key agreement, seal. Returns the blob and the ephemeral public key. */
async function sealLayer(
  provider: CryptoProvider,
  rng: Rng | undefined,
  encType: EncType,
  recipient: Uint8Array,
  plaintext: Uint8Array,
  keepKey: boolean,
): Promise<{ blob: Uint8Array; ephemeralPublic: Uint8Array; key?: Uint8Array; fallbackKey?: Uint8Array }> {
  const secret = rng ? rng.fill(new Uint8Array(X25519_KEY_BYTES)) : provider.randomBytes(X25519_KEY_BYTES);
  let shared: Uint8Array | undefined;
  try {
    const ephemeralPublic = await provider.x25519PublicKey(secret);
    try {
      shared = await provider.x25519(secret, recipient);
    } catch {
      throw invalid("a node's X25519 key is a low-order point");
    }
    const key = await deriveHopKeyFromShared(provider, encType, shared, ephemeralPublic, recipient);
    const blob = await sealWithKey(provider, rng, encType, key, plaintext);
    if (!keepKey) {
      wipe(key);
      return { blob, ephemeralPublic };
    }
    const fallbackKey = encType === ENC_TYPE_XCHACHA20 ? await provider.hmacSha256(AES_GCM_KDF_KEY, shared) : undefined;
    return { blob, ephemeralPublic, key, fallbackKey };
  } finally {
    wipe(secret, shared);
  }
}

/**
 * Build an onion request over `path` to `destination` (onion-requests.md §9).
 *
 * @param options path, destination, payload, ciphers, starting hop number, provider, rng
 * @returns `{ body, guard, reply }`: POST `body` to `guard`, then pass the 200 response body
 *   and `reply` to `decryptOnionReply`
 * @throws {ProtocolError} `BUILD_INVALID` for a path of the wrong length, malformed keys or
 *   destination fields, a bad cipher list or hop number
 * @example Three hops to a service node, and the answer read back
 * ```ts
 * import { buildOnionRequest, decryptOnionReply, encryptOnionReply, peelOnionLayer } from "../../mod.ts";
 * import { nobleProvider as p } from "../crypto/noble.ts";
 * const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
 * const nodes = await Promise.all([1, 2, 3, 4].map(async (n) => {
 *   const x25519Secret = new Uint8Array(32).fill(n);
 *   const x25519Public = await p.x25519PublicKey(x25519Secret);
 *   return { ed25519: hex(new Uint8Array(32).fill(n)), x25519: hex(x25519Public), x25519Secret, x25519Public };
 * }));
 * const { body, reply } = await buildOnionRequest({
 *   path: nodes.slice(0, 3), destination: nodes[3],
 *   payload: new TextEncoder().encode('{"method":"info","params":{}}'),
 * });
 * let layer = await peelOnionLayer(body, nodes[0]);
 * for (const hop of [nodes[1], nodes[2], nodes[3]]) {
 *   if (layer.kind !== "relay") throw new Error("expected relay");
 *   layer = await peelOnionLayer(layer.nextRequestBody, hop);
 * }
 * if (layer.kind !== "deliver") throw new Error("expected deliver");
 * const answer = await encryptOnionReply(layer.reply, { status: 200, body: '{"ok":true}' });
 * const res = await decryptOnionReply(reply, answer);
 * if (res.status !== 200 || new TextDecoder().decode(res.body) !== '{"ok":true}') throw new Error("bad");
 * ```
 */
export async function buildOnionRequest(options: BuildOnionOptions): Promise<BuiltOnion> {
  if (options === null || typeof options !== "object") {
    throw new TypeError("Cannot build onion: options is not an object");
  }
  const { path, destination, payload } = options;
  if (!Array.isArray(path) || path.length < 1 || path.length > MAX_PATH_HOPS) {
    throw invalid(`path must have 1…${MAX_PATH_HOPS} nodes`);
  }
  path.forEach((node, i) => checkNode(node, `path[${i}]`));
  checkDestination(destination);
  if (!(payload instanceof Uint8Array)) throw new TypeError("Cannot build onion: payload is not a Uint8Array");
  const hopNo = options.hopNo ?? 0;
  if (!Number.isInteger(hopNo) || hopNo < 0 || hopNo + path.length > MAX_HOP_NO) {
    // The destination receives hopNo + path.length and refuses anything above 15 (onion-requests.md §5).
    throw invalid(`hopNo must be an integer in 0…${MAX_HOP_NO - path.length} for a ${path.length}-node path`);
  }
  const ciphers = cipherList(options.encType, path.length + 1);
  const provider = options.provider ?? await defaultProvider();
  const rng = options.rng;

  // Step 1: the destination layer.
  const destEnc = ciphers[path.length];
  const server = isServer(destination);
  const destPlain = server ? payload : encodeLayer(payload, '{"headers":""}');
  const dest = await sealLayer(provider, rng, destEnc, fromHex(destination.x25519), destPlain, true);
  let route = destinationRoute(destination, destEnc, toHex(dest.ephemeralPublic));
  let blob = dest.blob;
  let ephemeral = dest.ephemeralPublic;

  // Step 2: path layers, exit first.
  for (let i = path.length - 1; i >= 0; i--) {
    const layer = await sealLayer(provider, rng, ciphers[i], fromHex(path[i].x25519), encodeLayer(blob, route), false);
    blob = layer.blob;
    ephemeral = layer.ephemeralPublic;
    route = `{"destination":"${path[i].ed25519.toLowerCase()}","enc_type":"${ciphers[i]}","ephemeral_key":"${
      toHex(ephemeral)
    }"}`;
  }

  // Step 3: the guard's trailer.
  const hop = options.hopNo === undefined ? "" : `,"hop_no":${hopNo}`;
  const body = encodeLayer(blob, `{"enc_type":"${ciphers[0]}","ephemeral_key":"${toHex(ephemeral)}"${hop}}`);
  const kind = server ? (/\/v4\/lsrpc$/.test(destination.target) ? "v4" : "v3") : "node";
  const reply: OnionReplyKey = { kind, encType: destEnc, key: new SecretKey(dest.key!) };
  if (dest.fallbackKey) reply.fallbackKey = new SecretKey(dest.fallbackKey);
  return { body, guard: { ed25519: path[0].ed25519, x25519: path[0].x25519 }, reply };
}
