/**
 * Request bodies the black-box checks send, built from the public protocol API only
 * (onion-requests.md §1, §2, §9), and the reading of the node's encrypted answers (§6).
 *
 * Most checks talk to the node under test as the *last hop before* it would: they seal one layer
 * to the node's X25519 key with a fresh ephemeral key, so they can put anything inside (a
 * deliver layer, a relay or server route, garbage) and, keeping the ephemeral secret, decrypt
 * whatever the node answers with that layer's key — including the `Invalid json` and
 * `Invalid url` errors, which a real client could not read (onion-requests.md §8).
 *
 * @module
 */

import {
  type CryptoProvider,
  decodeLayer,
  encodeLayer,
  type EncType,
  fromBase64,
  fromHex,
  fromUtf8,
  hopDecrypt,
  hopEncrypt,
  type HopKeys,
  isProtocolError,
  type OnionNode,
  toHex,
  utf8,
} from "../../mod.ts";

/** The storage-RPC request every valid check sends (swarms-and-storage.md §7.3). */
export const INFO_REQUEST = '{"method":"info","params":{}}';
/** Both ciphers, in the order checks are listed. */
export const ENC_TYPES: readonly EncType[] = ["aes-gcm", "xchacha20"];
/** A well-formed X25519 public key for bodies that never reach key agreement. */
export const DUMMY_KEY = "ab".repeat(32);

/** One layer sealed by the checker to the node under test. */
export interface SealedLayer {
  /** The request body: `[u32le N][blob]{trailer}`. */
  body: Uint8Array;
  /** The sealed blob (nonce ‖ ciphertext ‖ tag). */
  blob: Uint8Array;
  /** The trailer as an object (`ephemeral_key`, `enc_type`). */
  trailer: Record<string, unknown>;
  /** Cipher of the layer. */
  encType: EncType;
  /** The checker's keys for this layer (client role): they open the node's answer. */
  keys: HopKeys;
}

/** Options of {@link sealLayer}. */
export interface SealOptions {
  /** Crypto provider. */
  provider: CryptoProvider;
  /** Cipher of the layer. */
  encType: EncType;
}

/**
 * Seal `plaintext` to `node` with a fresh ephemeral key, in the trailer
 * `{"ephemeral_key": …, "enc_type": …}`.
 *
 * @param node the node (its X25519 key)
 * @param plaintext what the node finds after decrypting
 * @param options provider and cipher
 * @returns the sealed layer
 * @example
 * ```ts
 * import { sealLayer } from "./onions.ts";
 * import { nobleProvider as p, toHex } from "../../mod.ts";
 * const x = await p.x25519PublicKey(new Uint8Array(32).fill(3));
 * const node = { ed25519: "aa".repeat(32), x25519: toHex(x) };
 * const layer = await sealLayer(node, new Uint8Array(5), { provider: p, encType: "aes-gcm" });
 * if (layer.blob.length !== 5 + 28 || layer.trailer.enc_type !== "aes-gcm") throw new Error("bad");
 * ```
 */
export async function sealLayer(node: OnionNode, plaintext: Uint8Array, options: SealOptions): Promise<SealedLayer> {
  const { provider, encType } = options;
  const ourSecret = provider.randomBytes(32);
  const ourPublic = await provider.x25519PublicKey(ourSecret);
  const keys: HopKeys = { ourSecret, ourPublic, theirPublic: fromHex(node.x25519), role: "client" };
  const blob = await hopEncrypt(encType, plaintext, keys, { provider });
  const trailer = { ephemeral_key: toHex(ourPublic), enc_type: encType };
  return { body: encodeLayer(blob, JSON.stringify(trailer)), blob, trailer, encType, keys };
}

/**
 * The plaintext of a final-destination layer: `[N][payload]{"headers":""}` (onion-requests.md §4.1).
 *
 * @param payload the storage-RPC request
 * @param route routing JSON, default `{"headers":""}`
 * @returns the plaintext
 */
export function deliverPlaintext(payload: string | Uint8Array, route = '{"headers":""}'): Uint8Array {
  return encodeLayer(typeof payload === "string" ? utf8(payload) : payload, route);
}

/**
 * A layer's body with another trailer text (the blob kept).
 *
 * @param body a request body
 * @param trailer the new trailer text
 * @returns the new body
 */
export function replaceTrailer(body: Uint8Array, trailer: string): Uint8Array {
  return encodeLayer(decodeLayer(body).blob, trailer);
}

/**
 * The trailer of a body, parsed.
 *
 * @param body a request body
 * @returns the trailer object
 */
export function trailerOf(body: Uint8Array): Record<string, unknown> {
  return JSON.parse(fromUtf8(decodeLayer(body).json));
}

/**
 * A layer's body with the blob changed by `edit` (the trailer kept).
 *
 * @param layer the layer
 * @param edit gets a copy of the blob, returns the new blob
 * @returns the new body
 */
export function editBlob(layer: SealedLayer, edit: (blob: Uint8Array) => Uint8Array): Uint8Array {
  return encodeLayer(edit(layer.blob.slice()), JSON.stringify(layer.trailer));
}

/** A decrypted final-destination answer. */
export interface OpenedReply {
  /** The plaintext exactly as sealed (padding included). */
  plaintext: Uint8Array;
  /** Bytes of the sealed reply (nonce ‖ ciphertext ‖ tag), before base64. */
  sealedLength: number;
  /** `status` of the `{"body","status"}` envelope. */
  status: number;
  /** `body` of the envelope as text (a JSON value is re-serialised). */
  text: string;
}

/** Why an answer could not be read. */
export interface Unreadable {
  /** One line. */
  problem: string;
}

/**
 * Decrypt a node's HTTP 200 answer to a layer sealed with {@link sealLayer}: base64 text →
 * sealed bytes → plaintext → `{"body","status"}` JSON (trailing spaces of padding allowed).
 *
 * @param layer the layer the answer is for
 * @param wire the HTTP body
 * @param options the crypto provider
 * @returns the reply, or what was wrong with it
 */
export async function openReply(
  layer: SealedLayer,
  wire: Uint8Array,
  options: { provider: CryptoProvider },
): Promise<OpenedReply | Unreadable> {
  const { provider } = options;
  let sealed: Uint8Array;
  try {
    sealed = fromBase64(fromUtf8(wire).trim());
  } catch {
    return { problem: "reply is not base64 text" };
  }
  let plaintext: Uint8Array;
  try {
    plaintext = await hopDecrypt(layer.encType, sealed, layer.keys, { provider });
  } catch (err) {
    if (!isProtocolError(err)) throw err;
    return { problem: `reply does not decrypt with the layer's ${layer.encType} key` };
  }
  let envelope: unknown;
  try {
    envelope = JSON.parse(fromUtf8(plaintext));
  } catch {
    return { problem: "decrypted reply is not JSON" };
  }
  const e = envelope as { status?: unknown; body?: unknown };
  if (envelope === null || typeof envelope !== "object" || !Number.isInteger(e.status)) {
    return { problem: 'decrypted reply lacks an integer "status"' };
  }
  const text = typeof e.body === "string" ? e.body : JSON.stringify(e.body ?? null);
  return { plaintext, sealedLength: sealed.length, status: e.status as number, text };
}

/**
 * Whether {@link openReply} failed.
 *
 * @param r its result
 * @returns true for {@link Unreadable}
 */
export function isUnreadable(r: OpenedReply | Unreadable): r is Unreadable {
  return "problem" in r;
}

/**
 * A fresh, valid X25519 public key as hex (for destinations that must not exist).
 *
 * @param provider crypto provider
 * @returns 64 hex digits
 */
export async function randomPublicKey(provider: CryptoProvider): Promise<string> {
  return toHex(await provider.x25519PublicKey(provider.randomBytes(32)));
}
