/**
 * What a node does with an onion layer (onion-requests.md §3–§7): read the trailer, agree a key
 * with the sender's ephemeral key, decrypt, and classify the decrypted layer.
 *
 * All cheap checks (framing, trailer, blob length) run before the X25519 operation
 * (hardening.md §1). Bad input throws `ProtocolError`; a layer that decrypts but holds garbage
 * throws `ONION_INNER_INVALID` carrying the reply context, so the node can answer the encrypted
 * `Invalid json` of onion-requests.md §8.
 *
 * The hot path (performance.md): one promise per peel and no `await` unless the provider answers
 * with a promise; two allocations (the key buffer below, and the plaintext the AEAD returns); the
 * canonical trailer and routing JSON are read straight from the bytes (`canonical_json.ts`, with
 * the strict reader for anything else); a relay's next request body is built in place inside the
 * decrypted layer.
 *
 * @module
 */

import { HOP_KEY_BYTES, LAYER_LENGTH_PREFIX_BYTES, X25519_KEY_BYTES } from "../constants.ts";
import { wipe } from "../bytes.ts";
import { isProtocolError, ProtocolError } from "../errors.ts";
import type { CryptoProvider } from "../crypto/provider.ts";
import { SecretKey } from "../crypto/secret_key.ts";
import { defaultProvider } from "../crypto/default.ts";
import { x25519Into } from "../crypto/into.ts";
import { decodeLayer, type Layer } from "./codec.ts";
import type { EncType } from "./enc_type.ts";
import {
  hopKeyInto,
  KDF_CLIENT_AT,
  KDF_INPUT_BYTES,
  KDF_SERVER_AT,
  KDF_SHARED_AT,
  minBlobBytes,
  openWithKey,
} from "./hop.ts";
import {
  type InnerRoute,
  type InnerRouteOptions,
  isCanonicalX25519,
  readInnerRouteInto,
  readOuterTrailerInto,
} from "./routing.ts";
import { trailerLength, writeTrailer } from "./canonical_json.ts";
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
  /** The inner blob for the next hop (forwarded unchanged); a view into `nextRequestBody`. */
  blob: Uint8Array;
  /** Hop number to send to the next node: ours + 1. */
  hopNo: number;
  /**
   * Exact bytes to POST to the next node's `/onion_req/v2`. A view of the start of the decrypted
   * layer, whose buffer is longer (`ephemeralKey`, then zeros): send the view, not its `.buffer`.
   */
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
  checkKey(keys.x25519Secret, "x25519Secret");
  checkKey(keys.x25519Public, "x25519Public");
}

function checkKey(k: Uint8Array, name: string): void {
  if (!(k instanceof Uint8Array)) throw new TypeError(`Cannot peel onion: ${name} is not a Uint8Array`);
  if (k.length !== X25519_KEY_BYTES) {
    throw new RangeError(`Cannot peel onion: ${name} is ${k.length} bytes, expected ${X25519_KEY_BYTES}`);
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
export function peelOnionLayer(body: Uint8Array, keys: NodeKeys, options: PeelOptions = {}): Promise<PeelResult> {
  return peel(body, undefined, keys, options);
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
export function peelReceived(
  layer: ReceivedLayer,
  keys: NodeKeys,
  options: PeelOptions = {},
): Promise<PeelResult> {
  return peel(undefined, layer, keys, options);
}

/**
 * Layout of the per-peel key buffer: the xchacha20 KDF input `S ‖ E ‖ R` (shared secret, the
 * sender's ephemeral key, this node's public key; hop.ts), then the layer key K, which the reply's
 * SecretKey wraps as a view. Once S is wiped the buffer holds only public keys and K; its S slot
 * then briefly holds the next hop's key while the routing JSON is read.
 */
const SHARED_AT = KDF_SHARED_AT;
const EPHEMERAL_AT = KDF_CLIENT_AT;
const NODE_PUBLIC_AT = KDF_SERVER_AT;
const KEY_AT = KDF_INPUT_BYTES;
const WORK_BYTES = KEY_AT + HOP_KEY_BYTES;

/**
 * Both entry points: `body` from {@link peelOnionLayer}, or `layer` from {@link peelReceived}.
 * One async function, so a peel allocates one promise; the provider is awaited only when it
 * answers with a promise (sodium answers synchronously at onion sizes).
 */
async function peel(
  body: Uint8Array | undefined,
  layer: ReceivedLayer | undefined,
  keys: NodeKeys,
  options: PeelOptions,
): Promise<PeelResult> {
  const work = new Uint8Array(WORK_BYTES);
  const ephemeralKey = work.subarray(EPHEMERAL_AT, NODE_PUBLIC_AT);
  let blob: Uint8Array, encType: EncType, hopNo: number;
  if (layer === undefined) {
    if (!(body instanceof Uint8Array)) throw new TypeError("Cannot peel onion: body is not a Uint8Array");
    checkNodeKeys(keys);
    const outer = decodeLayer(body, "onion");
    ({ encType, hopNo } = readOuterTrailerInto(outer.json, options, ephemeralKey));
    blob = outer.blob;
  } else {
    checkNodeKeys(keys);
    ({ blob, encType, hopNo } = layer);
  }
  if (blob.length < minBlobBytes(encType)) {
    throw new ProtocolError(
      "ONION_AUTH_FAILED",
      `Cannot peel onion: blob is ${blob.length} bytes, ${encType} needs at least ${minBlobBytes(encType)}`,
    );
  }
  if (layer !== undefined) {
    const received = layer.ephemeralKey;
    if (!(received instanceof Uint8Array) || received.length !== X25519_KEY_BYTES) {
      throw new ProtocolError("ONION_KEY", `Cannot peel onion: ephemeral key is not ${X25519_KEY_BYTES} bytes`);
    }
    ephemeralKey.set(received);
  }
  if (!isCanonicalX25519(ephemeralKey)) {
    // Same answer as a low-order key: the layer cannot be authenticated (hardening.md §3).
    throw new ProtocolError("ONION_AUTH_FAILED", "Cannot peel onion: ephemeral key is not a canonical X25519 encoding");
  }
  const provider = options.provider ?? await defaultProvider();

  const shared = work.subarray(SHARED_AT, EPHEMERAL_AT);
  const key = work.subarray(KEY_AT, WORK_BYTES);
  let plaintext: Uint8Array;
  try {
    try {
      try {
        const agreeing = x25519Into(provider, shared, keys.x25519Secret, ephemeralKey);
        if (agreeing !== undefined) await agreeing;
      } catch (cause) {
        if (isProtocolError(cause)) {
          throw new ProtocolError("ONION_AUTH_FAILED", "Cannot peel onion: key agreement failed", { cause });
        }
        throw cause;
      }
      work.set(keys.x25519Public, NODE_PUBLIC_AT);
      const deriving = hopKeyInto(provider, encType, work, key);
      if (deriving !== undefined) await deriving;
    } finally {
      wipe(shared);
    }
    const opened = openWithKey(provider, encType, key, blob);
    plaintext = opened instanceof Promise ? await opened : opened;
  } catch (err) {
    wipe(key);
    throw err;
  }
  const replyKey = new SecretKey(key);

  let inner: Layer;
  let route: InnerRoute;
  try {
    inner = decodeLayer(plaintext, "inner layer");
    route = readInnerRouteInto(inner.json, options, shared);
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
      const next = relayInPlace(plaintext, inner.blob.length, route.encType, route.ephemeralKey, nextHopNo);
      wipe(shared);
      return {
        kind: "relay",
        destination: route.destination,
        ephemeralKey: next.ephemeralKey,
        encType: route.encType,
        blob: inner.blob,
        hopNo: nextHopNo,
        nextRequestBody: next.body,
        reply: { encType, key: replyKey, json: false, base64: true },
      };
    }
  }
}

/**
 * The next hop's request body `u32le N ‖ blob ‖ trailer` (onion-requests.md §5) and its ephemeral
 * key, made in place from the decrypted layer `u32le N ‖ blob ‖ routing JSON`: the trailer is
 * written over the routing JSON, so the prefix and the blob are already where the body needs them
 * and nothing is copied; the next key (public: the trailer carries it in hex) goes right after the
 * trailer, the rest of the old routing JSON is zeroed, and both results are views of the layer.
 *
 * Both always fit. The trailer is at most 119 bytes,
 * `{"enc_type":"xchacha20","ephemeral_key":"<64 digits>","hop_no":16}` (hop_no ≤ 15 + 1), so
 * with the 32-byte key at most 151 bytes. A routing JSON read as a relay holds the keys
 * `destination` and `ephemeral_key`, each with a string of exactly 64 hex digits (routing.ts), so
 * it is at least 165 bytes, `{"destination":"<64>","ephemeral_key":"<64>"}`; more keys,
 * whitespace and escapes only make it longer (peel_test.ts checks both numbers). The copy below is
 * a guard for a future, looser reader, never taken today.
 */
function relayInPlace(
  plaintext: Uint8Array,
  blobLength: number,
  encType: EncType,
  ephemeralKey: Uint8Array,
  hopNo: number,
): { body: Uint8Array; ephemeralKey: Uint8Array } {
  const jsonAt = LAYER_LENGTH_PREFIX_BYTES + blobLength;
  const end = jsonAt + trailerLength(encType, hopNo);
  const keyEnd = end + X25519_KEY_BYTES;
  let out = plaintext;
  if (keyEnd > plaintext.length) {
    out = new Uint8Array(keyEnd);
    out.set(plaintext.subarray(0, jsonAt));
  }
  writeTrailer(out, jsonAt, encType, ephemeralKey, hopNo);
  out.set(ephemeralKey, end);
  out.fill(0, keyEnd);
  return { body: out.subarray(0, end), ephemeralKey: out.subarray(end, keyEnd) };
}
