/**
 * Client-side construction of an onion request (onion-requests.md §9).
 *
 * Layers are built from the inside out. Each layer gets a fresh ephemeral X25519 key pair and a
 * fresh nonce, drawn from the rng in this order per layer, innermost first: 32-byte ephemeral
 * secret, then the nonce. (The published golden onions replay exactly that sequence.) Routing
 * JSON is compact with sorted keys, as libsession's builder emits it.
 *
 * The whole onion is built in one array: every layer is framed in place, then sealed in place
 * (`provider.ts` output arrays), so no layer is copied; providers are awaited only when they answer
 * with a promise.
 *
 * @module
 */

import {
  AES_GCM_KDF_KEY,
  DEFAULT_SERVER_METHOD,
  DEFAULT_SERVER_PORT,
  DEFAULT_SERVER_PROTOCOL,
  ENC_TYPE_XCHACHA20,
  HOP_KEY_BYTES,
  KEY_HEX_CHARS,
  LAYER_LENGTH_PREFIX_BYTES,
  MAX_HOP_NO,
  MAX_PATH_HOPS,
  X25519_KEY_BYTES,
} from "../constants.ts";
import { hexInto, isHex, toHex, utf8, wipe, writeAscii, writeU32le } from "../bytes.ts";
import { ProtocolError } from "../errors.ts";
import type { Rng } from "../rng.ts";
import type { CryptoProvider } from "../crypto/provider.ts";
import { SecretKey } from "../crypto/secret_key.ts";
import { defaultProvider } from "../crypto/default.ts";
import { hmacSha256Into, type Pending, x25519Into, x25519PublicKeyInto } from "../crypto/into.ts";
import { DELIVER_ROUTE, relayRouteLength, trailerLength, writeRelayRoute, writeTrailer } from "./canonical_json.ts";
import { type EncType, isEncType } from "./enc_type.ts";
import {
  fillFrom,
  hopKeyInto,
  KDF_CLIENT_AT,
  KDF_INPUT_BYTES,
  KDF_SERVER_AT,
  KDF_SHARED_AT,
  nonceBytes,
  sealInto,
  tagBytes,
} from "./hop.ts";
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

/** Largest blob length the u32 length prefix can express (onion-requests.md §1). */
const MAX_BLOB_BYTES = 0xffffffff;

/**
 * Where everything of one build lives. Layers are numbered innermost first: layer 0 is sealed to
 * the destination, layer `n − 1` to the guard. The whole onion is one array: layer j's blob
 * `nonce ‖ ciphertext ‖ tag` sits inside layer j + 1's plaintext `u32le N ‖ blob ‖ routing JSON`,
 * so each layer is framed and then sealed in place, and nothing is copied between layers.
 */
interface Plan {
  /** Cipher per layer. */
  enc: EncType[];
  /** Offset of layer j's blob (its nonce) in the body. */
  blobAt: number[];
  /** Length of layer j's plaintext. */
  plainLength: number[];
  /** Length of layer j's blob: nonce + plaintext + tag. */
  blobLength: number[];
  /** The whole request body. */
  body: Uint8Array;
}

/** Sizes and offsets of every layer, given each routing JSON's length; allocates the body. */
function plan(enc: EncType[], innermostLength: number, routeLength: number[], trailerBytes: number): Plan {
  const n = enc.length;
  const plainLength: number[] = [], blobLength: number[] = [], blobAt: number[] = new Array(n);
  for (let j = 0; j < n; j++) {
    plainLength.push(j === 0 ? innermostLength : LAYER_LENGTH_PREFIX_BYTES + blobLength[j - 1] + routeLength[j - 1]);
    blobLength.push(nonceBytes(enc[j]) + plainLength[j] + tagBytes(enc[j]));
    if (blobLength[j] > MAX_BLOB_BYTES) {
      throw new RangeError(`Cannot encode layer: blob is ${blobLength[j]} bytes, limit ${MAX_BLOB_BYTES}`);
    }
  }
  blobAt[n - 1] = LAYER_LENGTH_PREFIX_BYTES;
  for (let j = n - 2; j >= 0; j--) blobAt[j] = blobAt[j + 1] + nonceBytes(enc[j + 1]) + LAYER_LENGTH_PREFIX_BYTES;
  const body = new Uint8Array(LAYER_LENGTH_PREFIX_BYTES + blobLength[n - 1] + trailerBytes);
  return { enc, blobAt, plainLength, blobLength, body };
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
  const server = isServer(destination);
  // Layer j (innermost first) is sealed to recipients[j] with enc[j].
  const n = path.length + 1;
  const recipients = [destination, ...[...path].reverse()];
  const enc = [...ciphers].reverse();

  // Randomness, drawn in the documented order: per layer, innermost first, the 32-byte ephemeral
  // secret, then the nonce (the published golden onions replay this sequence).
  const randomAt: number[] = [];
  let randomLength = 0;
  for (let j = 0; j < n; j++) {
    randomAt.push(randomLength);
    randomLength += X25519_KEY_BYTES + nonceBytes(enc[j]);
  }
  const random = rng === undefined ? provider.randomBytes(randomLength) : new Uint8Array(randomLength);
  // The layer key, one KDF input `S ‖ E ‖ R` reused by every layer (hop.ts), the ephemeral public
  // keys; the reply keys the caller keeps get their own array.
  const work = new Uint8Array(HOP_KEY_BYTES + KDF_INPUT_BYTES + n * X25519_KEY_BYTES);
  const layerKey = work.subarray(0, HOP_KEY_BYTES);
  const kdf = work.subarray(HOP_KEY_BYTES, HOP_KEY_BYTES + KDF_INPUT_BYTES);
  const shared = kdf.subarray(KDF_SHARED_AT, KDF_CLIENT_AT);
  const recipientKey = kdf.subarray(KDF_SERVER_AT, KDF_INPUT_BYTES);
  const publicAt = HOP_KEY_BYTES + KDF_INPUT_BYTES;
  const withFallback = enc[0] === ENC_TYPE_XCHACHA20;
  const replyKeys = new Uint8Array(withFallback ? 2 * HOP_KEY_BYTES : HOP_KEY_BYTES);
  const replyKey = replyKeys.subarray(0, HOP_KEY_BYTES);
  const fallbackKey = withFallback ? replyKeys.subarray(HOP_KEY_BYTES) : undefined;
  const secretOf = (j: number) => random.subarray(randomAt[j], randomAt[j] + X25519_KEY_BYTES);
  const nonceOf = (j: number) =>
    random.subarray(randomAt[j] + X25519_KEY_BYTES, randomAt[j] + X25519_KEY_BYTES + nonceBytes(enc[j]));
  const publicOf = (j: number) => work.subarray(publicAt + j * X25519_KEY_BYTES, publicAt + (j + 1) * X25519_KEY_BYTES);
  let pending: Pending;
  let kept = false;
  try {
    if (rng !== undefined) {
      for (let j = 0; j < n; j++) {
        fillFrom(rng, secretOf(j));
        fillFrom(rng, nonceOf(j));
      }
    }
    // Every provider call below awaits only when the provider answered with a promise.
    for (let j = 0; j < n; j++) {
      if ((pending = x25519PublicKeyInto(provider, publicOf(j), secretOf(j))) !== undefined) await pending;
    }

    // Step 1 of onion-requests.md §9: the destination's routing JSON; then one per path node.
    // Node routes and the trailer are canonical JSON written straight into the body.
    const serverRoute = server ? utf8(destinationRoute(destination, enc[0], toHex(publicOf(0)))) : undefined;
    const routeLength = enc.slice(0, n - 1).map((e, j) =>
      j === 0 && serverRoute ? serverRoute.length : relayRouteLength(e)
    );
    // hop_no goes into the guard's trailer only when the caller set it.
    const trailerHopNo = options.hopNo === undefined ? undefined : hopNo;
    const innermost = server ? payload.length : LAYER_LENGTH_PREFIX_BYTES + payload.length + DELIVER_ROUTE.length;
    const p = plan(enc, innermost, routeLength, trailerLength(enc[n - 1], trailerHopNo));
    const body = p.body;

    // The destination's plaintext: the payload, framed with {"headers":""} for a service node.
    let at = p.blobAt[0] + nonceBytes(enc[0]);
    if (server) {
      body.set(payload, at);
    } else {
      writeU32le(body, at, payload.length);
      body.set(payload, at + LAYER_LENGTH_PREFIX_BYTES);
      writeAscii(body, at + LAYER_LENGTH_PREFIX_BYTES + payload.length, DELIVER_ROUTE);
    }

    for (let j = 0; j < n; j++) {
      const nLen = nonceBytes(enc[j]);
      at = p.blobAt[j] + nLen;
      if (j > 0) {
        // Step 2: frame the inner blob with the routing JSON that names its recipient.
        const innerEnd = at + LAYER_LENGTH_PREFIX_BYTES + p.blobLength[j - 1];
        writeU32le(body, at, p.blobLength[j - 1]);
        if (j === 1 && serverRoute) body.set(serverRoute, innerEnd);
        else writeRelayRoute(body, innerEnd, nodeKey(recipients[j - 1]), enc[j - 1], publicOf(j - 1));
      }
      // Key agreement with a fresh ephemeral key, then the hop key (onion-requests.md §2).
      hexInto(recipients[j].x25519, recipientKey);
      try {
        if ((pending = x25519Into(provider, shared, secretOf(j), recipientKey)) !== undefined) await pending;
      } catch {
        throw invalid("a node's X25519 key is a low-order point");
      }
      kdf.set(publicOf(j), KDF_CLIENT_AT);
      const key = j === 0 ? replyKey : layerKey;
      if ((pending = hopKeyInto(provider, enc[j], kdf, key)) !== undefined) await pending;
      if (j === 0 && fallbackKey !== undefined) {
        // libsession's retry key for a legacy server answering in aes-gcm (onion-requests.md §9).
        if ((pending = hmacSha256Into(provider, fallbackKey, AES_GCM_KDF_KEY, shared)) !== undefined) await pending;
      }
      wipe(shared);
      // Seal in place: the ciphertext and tag overwrite the plaintext, the nonce goes before it.
      const nonce = nonceOf(j);
      body.set(nonce, p.blobAt[j]);
      const plaintext = body.subarray(at, at + p.plainLength[j]);
      const sealed = body.subarray(at, at + p.plainLength[j] + tagBytes(enc[j]));
      if ((pending = sealInto(provider, enc[j], sealed, key, nonce, plaintext)) !== undefined) await pending;
    }

    // Step 3: the guard's outer framing and trailer.
    writeU32le(body, 0, p.blobLength[n - 1]);
    writeTrailer(body, LAYER_LENGTH_PREFIX_BYTES + p.blobLength[n - 1], enc[n - 1], publicOf(n - 1), trailerHopNo);
    const kind = server ? (/\/v4\/lsrpc$/.test(destination.target) ? "v4" : "v3") : "node";
    const reply: OnionReplyKey = { kind, encType: enc[0], key: new SecretKey(replyKey) };
    if (fallbackKey !== undefined) reply.fallbackKey = new SecretKey(fallbackKey);
    kept = true;
    return { body, guard: { ed25519: path[0].ed25519, x25519: path[0].x25519 }, reply };
  } finally {
    wipe(random, layerKey, kdf);
    if (!kept) wipe(replyKeys);
  }
}

/** A node's Ed25519 key as written in routing JSON: lower-case hex. */
function nodeKey(node: OnionNode | OnionServer): string {
  return (node as OnionNode).ed25519.toLowerCase();
}
