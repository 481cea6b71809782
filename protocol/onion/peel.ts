/**
 * What a node does with an onion layer (onion-requests.md §3–§7): read the trailer, agree a key
 * with the sender's ephemeral key, decrypt, and classify the decrypted layer.
 *
 * All cheap checks (framing, trailer, blob length) run before the X25519 operation
 * (hardening.md §1). Bad input throws `ProtocolError`; a layer that decrypts but holds garbage
 * throws `ONION_INNER_INVALID` carrying the reply context, so the node can answer the encrypted
 * `Invalid json` of onion-requests.md §8.
 *
 * @module
 */

import { X25519_KEY_BYTES } from "../constants.ts";
import { toHex, wipe } from "../bytes.ts";
import { isProtocolError, ProtocolError } from "../errors.ts";
import type { CryptoProvider } from "../crypto/provider.ts";
import { SecretKey } from "../crypto/secret_key.ts";
import { defaultProvider } from "../crypto/default.ts";
import { decodeLayer, encodeLayer } from "./codec.ts";
import type { EncType } from "./enc_type.ts";
import { deriveHopKeyFromShared, minBlobBytes, openWithKey } from "./hop.ts";
import { type InnerRouteOptions, isCanonicalX25519, parseInnerRoute, parseOuterTrailer } from "./routing.ts";
import type { ReplyContext } from "./reply.ts";

/** A node's X25519 key pair. */
export interface NodeKeys {
  /** X25519 secret (32 bytes). */
  x25519Secret: Uint8Array;
  /** X25519 public key (32 bytes). */
  x25519Public: Uint8Array;
}

/** Options for peeling. */
export interface PeelOptions extends InnerRouteOptions {
  /** Crypto provider; defaults to {@link defaultProvider}. */
  provider?: CryptoProvider;
}

/** This node relays the inner blob to the next node. */
export interface PeelRelay {
  /** Discriminant. */
  kind: "relay";
  /** Ed25519 key of the next node (lower-case hex). */
  destination: string;
  /** Ephemeral X25519 key for the next hop (32 raw bytes, as `sn.onion_request` carries it). */
  ephemeralKey: Uint8Array;
  /** Cipher of the inner blob. */
  encType: EncType;
  /** The inner blob for the next hop (forwarded unchanged). */
  blob: Uint8Array;
  /** Hop number to send to the next node: ours + 1. */
  hopNo: number;
  /** Exact bytes to POST to the next node's `/onion_req/v2`. */
  nextRequestBody: Uint8Array;
  /** Key material to encrypt this node's own error replies. */
  reply: ReplyContext;
}

/** This node is the final destination: `payload` is the storage-RPC request. */
export interface PeelDeliver {
  /** Discriminant. */
  kind: "deliver";
  /** The request body (a JSON storage RPC for service nodes). */
  payload: Uint8Array;
  /** Embed a JSON handler result as a JSON value in the reply (`"json": true`). */
  json: boolean;
  /** Base64-encode the encrypted reply (`"base64"`, default true). */
  base64: boolean;
  /** Hop number this layer arrived with. */
  hopNo: number;
  /** Key material to encrypt the reply. */
  reply: ReplyContext;
}

/** This node relays to an external server (onion-requests.md §7). */
export interface PeelServer {
  /** Discriminant. */
  kind: "server";
  /** Host name or IP literal, unvalidated (the gateway applies the SSRF rules). */
  host: string;
  /** Path on the server, unvalidated. */
  target: string;
  /** Port (default 443). */
  port: number;
  /** `http` or `https` as sent (default `https`), unvalidated. */
  protocol: string;
  /** Exact bytes to POST to the server: this node's entire decrypted layer. */
  forwardBody: Uint8Array;
  /** Hop number this layer arrived with. */
  hopNo: number;
  /** Key material to encrypt this node's own error replies (`Invalid url`). */
  reply: ReplyContext;
}

/** Outcome of peeling one layer. */
export type PeelResult = PeelRelay | PeelDeliver | PeelServer;

/** The parts of a received layer, however it arrived (HTTP trailer or `sn.onion_request`). */
export interface ReceivedLayer {
  /** The encrypted blob. */
  blob: Uint8Array;
  /** The sender's ephemeral X25519 key (32 bytes). */
  ephemeralKey: Uint8Array;
  /** Cipher of the blob. */
  encType: EncType;
  /** Hop number it arrived with. */
  hopNo: number;
}

function checkNodeKeys(keys: NodeKeys): void {
  if (keys === null || typeof keys !== "object") throw new TypeError("Cannot peel onion: keys is not an object");
  for (const name of ["x25519Secret", "x25519Public"] as const) {
    const k = keys[name];
    if (!(k instanceof Uint8Array)) throw new TypeError(`Cannot peel onion: ${name} is not a Uint8Array`);
    if (k.length !== X25519_KEY_BYTES) {
      throw new RangeError(`Cannot peel onion: ${name} is ${k.length} bytes, expected ${X25519_KEY_BYTES}`);
    }
  }
}

/**
 * Peel one onion layer as received on `POST /onion_req/v2`.
 *
 * @param body the exact request body: `u32le N ‖ blob ‖ {"ephemeral_key", "enc_type"?, "hop_no"?}`
 * @param keys this node's X25519 key pair
 * @param options provider, limits, ambiguity policy
 * @returns a {@link PeelResult}: relay to the next node, deliver here, or relay to a server
 * @throws {ProtocolError} `ONION_FRAMING`, `ONION_TRAILER`, `ONION_KEY`, `ONION_ENC_TYPE`,
 *   `ONION_HOP_NO` (before any key agreement); `ONION_AUTH_FAILED` (any decryption failure);
 *   `ONION_INNER_INVALID` with `context.reply` (decrypted but malformed)
 * @throws {TypeError | RangeError} for malformed node keys
 * @example Build, then peel the first hop
 * ```ts
 * import { buildOnionRequest, peelOnionLayer } from "../../mod.ts";
 * import { nobleProvider as p } from "../crypto/noble.ts";
 * const node = async (n: number) => {
 *   const x25519Secret = new Uint8Array(32).fill(n);
 *   return { ed25519: String(n).repeat(64), x25519Secret, x25519Public: await p.x25519PublicKey(x25519Secret) };
 * };
 * const hop = await node(1), dest = await node(2);
 * const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
 * const { body } = await buildOnionRequest({
 *   path: [{ ed25519: hop.ed25519, x25519: hex(hop.x25519Public) }],
 *   destination: { ed25519: dest.ed25519, x25519: hex(dest.x25519Public) },
 *   payload: new TextEncoder().encode('{"method":"info","params":{}}'),
 * });
 * const r = await peelOnionLayer(body, hop);
 * if (r.kind !== "relay" || r.destination !== dest.ed25519) throw new Error("bad");
 * ```
 */
export async function peelOnionLayer(body: Uint8Array, keys: NodeKeys, options: PeelOptions = {}): Promise<PeelResult> {
  if (!(body instanceof Uint8Array)) throw new TypeError("Cannot peel onion: body is not a Uint8Array");
  checkNodeKeys(keys);
  const { blob, json } = decodeLayer(body, "onion");
  const trailer = parseOuterTrailer(json, options);
  return await peelReceived({ blob, ...trailer }, keys, options);
}

/**
 * Peel a layer whose parts arrived separately — the node-to-node `sn.onion_request` dict
 * (onion-requests.md §5) — or were already read by {@link peelOnionLayer}.
 *
 * @param layer blob, ephemeral key, cipher and hop number
 * @param keys this node's X25519 key pair
 * @param options provider, limits, ambiguity policy
 * @returns a {@link PeelResult}
 * @throws {ProtocolError} `ONION_AUTH_FAILED`, `ONION_INNER_INVALID` (with `context.reply`)
 * @example
 * ```ts
 * import { peelReceived } from "./peel.ts";
 * let refused = false;
 * try {
 *   await peelReceived(
 *     { blob: new Uint8Array(10), ephemeralKey: new Uint8Array(32).fill(9), encType: "aes-gcm", hopNo: 1 },
 *     { x25519Secret: new Uint8Array(32).fill(1), x25519Public: new Uint8Array(32) },
 *   );
 * } catch { refused = true; }
 * if (!refused) throw new Error("short blob accepted");
 * ```
 */
export async function peelReceived(
  layer: ReceivedLayer,
  keys: NodeKeys,
  options: PeelOptions = {},
): Promise<PeelResult> {
  checkNodeKeys(keys);
  const { blob, ephemeralKey, encType, hopNo } = layer;
  if (blob.length < minBlobBytes(encType)) {
    throw new ProtocolError(
      "ONION_AUTH_FAILED",
      `Cannot peel onion: blob is ${blob.length} bytes, ${encType} needs at least ${minBlobBytes(encType)}`,
    );
  }
  if (!(ephemeralKey instanceof Uint8Array) || ephemeralKey.length !== X25519_KEY_BYTES) {
    throw new ProtocolError("ONION_KEY", `Cannot peel onion: ephemeral key is not ${X25519_KEY_BYTES} bytes`);
  }
  if (!isCanonicalX25519(ephemeralKey)) {
    // Same answer as a low-order key: the layer cannot be authenticated (hardening.md §3).
    throw new ProtocolError("ONION_AUTH_FAILED", "Cannot peel onion: ephemeral key is not a canonical X25519 encoding");
  }
  const provider = options.provider ?? await defaultProvider();

  let shared: Uint8Array;
  try {
    shared = await provider.x25519(keys.x25519Secret, ephemeralKey);
  } catch (cause) {
    if (isProtocolError(cause)) {
      throw new ProtocolError("ONION_AUTH_FAILED", "Cannot peel onion: key agreement failed", { cause });
    }
    throw cause;
  }
  let key: Uint8Array;
  try {
    key = await deriveHopKeyFromShared(provider, encType, shared, ephemeralKey, keys.x25519Public);
  } finally {
    wipe(shared);
  }
  const plaintext = await openWithKey(provider, encType, key, blob);
  const replyKey = new SecretKey(key);

  let inner;
  let route;
  try {
    inner = decodeLayer(plaintext, "inner layer");
    route = parseInnerRoute(inner.json, options);
  } catch (cause) {
    if (!isProtocolError(cause)) throw cause;
    const reply: ReplyContext = { encType, key: replyKey, json: false, base64: true };
    throw new ProtocolError("ONION_INNER_INVALID", "Cannot peel onion: decrypted layer is not a valid request", {
      cause,
      context: { reply },
    });
  }

  switch (route.kind) {
    case "deliver":
      return {
        kind: "deliver",
        payload: inner.blob,
        json: route.json,
        base64: route.base64,
        hopNo,
        reply: { encType, key: replyKey, json: route.json, base64: route.base64 },
      };
    case "server":
      return {
        kind: "server",
        host: route.host,
        target: route.target,
        port: route.port,
        protocol: route.protocol,
        forwardBody: plaintext,
        hopNo,
        reply: { encType, key: replyKey, json: false, base64: true },
      };
    case "relay": {
      const nextHopNo = hopNo + 1;
      const trailer = `{"enc_type":"${route.encType}","ephemeral_key":"${
        toHex(route.ephemeralKey)
      }","hop_no":${nextHopNo}}`;
      return {
        kind: "relay",
        destination: route.destination,
        ephemeralKey: route.ephemeralKey,
        encType: route.encType,
        blob: inner.blob,
        hopNo: nextHopNo,
        nextRequestBody: encodeLayer(inner.blob, trailer),
        reply: { encType, key: replyKey, json: false, base64: true },
      };
    }
  }
}
