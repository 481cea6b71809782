/**
 * The external server's side of an onion request (onion-requests.md §7): the exit node POSTs its
 * whole decrypted layer `[u32le N][blob for the server]{json}`, whose JSON (the same object that
 * held `host`/`target`) carries the client's `ephemeral_key` and `enc_type`. The server decrypts
 * the blob in the server role and answers with the same key and cipher.
 *
 * Cheap checks (framing, trailer, blob length, canonical key) run before the X25519 operation,
 * as at a node (hardening.md §1); one key agreement yields both the request plaintext and the
 * reply key.
 *
 * @module
 */

import {
  AES_GCM_IV_BYTES,
  type CryptoProvider,
  decodeLayer,
  deriveHopKey,
  ENC_TYPE_AES_GCM,
  isCanonicalX25519,
  isProtocolError,
  minBlobBytes,
  parseOuterTrailer,
  ProtocolError,
  type ReplyContext,
  type SecretKey,
  X25519_KEY_BYTES,
  XCHACHA_NONCE_BYTES,
} from "../../mod.ts";

/** The server's X25519 key pair. */
export interface ServerKeys {
  /** X25519 secret (32 bytes). */
  x25519Secret: Uint8Array;
  /** X25519 public key (32 bytes), the one clients build onions to. */
  x25519Public: Uint8Array;
}

/** Options of {@link openServerLayer}. */
export interface OpenServerLayerOptions {
  /** Crypto provider. */
  provider: CryptoProvider;
  /** Largest JSON part in bytes (default 4 KiB, as an outer trailer). */
  maxJsonBytes?: number;
}

/** A decrypted request to the server. */
export interface OpenedServerLayer {
  /** The v3 JSON or v4 bencoded request. */
  plaintext: Uint8Array;
  /** Key and cipher for the answer (raw, not base64; callers wipe `reply.key` when done). */
  reply: ReplyContext;
}

/** The uniform authentication failure (hardening.md §3: one code for every cause). */
function authFailed(cause?: unknown): ProtocolError {
  return new ProtocolError("ONION_AUTH_FAILED", "Cannot open server layer: authentication failed", { cause });
}

/**
 * Check the server's key pair's shape.
 *
 * @param keys candidate keys
 * @param action what is being done, for the message
 * @throws {TypeError} when a key is not a Uint8Array
 * @throws {RangeError} when a key is not 32 bytes
 * @example
 * ```ts
 * import { checkServerKeys } from "./server_layer.ts";
 * checkServerKeys({ x25519Secret: new Uint8Array(32), x25519Public: new Uint8Array(32) }, "start");
 * let message = "";
 * try {
 *   checkServerKeys({ x25519Secret: new Uint8Array(31), x25519Public: new Uint8Array(32) }, "start");
 * } catch (e) { message = (e as Error).message; }
 * if (message !== "Cannot start: x25519Secret is 31 bytes, expected 32") throw new Error(message);
 * ```
 */
export function checkServerKeys(keys: ServerKeys, action: string): void {
  if (keys === null || typeof keys !== "object") throw new TypeError(`Cannot ${action}: keys is not an object`);
  for (const name of ["x25519Secret", "x25519Public"] as const) {
    const k = keys[name];
    if (!(k instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: ${name} is not a Uint8Array`);
    if (k.length !== X25519_KEY_BYTES) {
      throw new RangeError(`Cannot ${action}: ${name} is ${k.length} bytes, expected ${X25519_KEY_BYTES}`);
    }
  }
}

/**
 * Decrypt the layer an exit node relayed to this server (onion-requests.md §7, server role).
 *
 * @param body the POST body: `[u32le N][blob]{"ephemeral_key", "enc_type"?, …}`
 * @param keys the server's X25519 key pair
 * @param options provider and JSON size limit
 * @returns the plaintext request and the reply context (`base64: false`)
 * @throws {ProtocolError} `ONION_FRAMING`, `ONION_TRAILER`, `ONION_KEY`, `ONION_ENC_TYPE`,
 *   `ONION_HOP_NO`, `ONION_PATH_TOO_LONG` (before any key agreement); `ONION_AUTH_FAILED` for
 *   every decryption failure (short blob, non-canonical or low-order key, bad tag, wrong key)
 * @throws {TypeError | RangeError} for malformed server keys
 * @example A v4 request built for a server, opened by it
 * ```ts
 * import { buildOnionRequest, encodeV4Request, nobleProvider as provider, peelOnionLayer, toHex } from "../../mod.ts";
 * import { openServerLayer } from "./server_layer.ts";
 * const x25519Secret = new Uint8Array(32).fill(9);
 * const server = { x25519Secret, x25519Public: await provider.x25519PublicKey(x25519Secret) };
 * const nodeSecret = new Uint8Array(32).fill(3);
 * const node = { x25519Secret: nodeSecret, x25519Public: await provider.x25519PublicKey(nodeSecret) };
 * const { body } = await buildOnionRequest({
 *   path: [{ ed25519: "aa".repeat(32), x25519: toHex(node.x25519Public) }],
 *   destination: { host: "example.org", target: "/oxen/v4/lsrpc", x25519: toHex(server.x25519Public) },
 *   payload: encodeV4Request({ method: "GET", endpoint: "/hello" }), provider,
 * });
 * const exit = await peelOnionLayer(body, node, { provider }); // what the exit node does
 * if (exit.kind !== "server") throw new Error("bad");
 * const opened = await openServerLayer(exit.forwardBody, server, { provider });
 * if (!new TextDecoder().decode(opened.plaintext).includes('"endpoint":"/hello"')) throw new Error("bad");
 * opened.reply.key.wipe();
 * ```
 */
export async function openServerLayer(
  body: Uint8Array,
  keys: ServerKeys,
  options: OpenServerLayerOptions,
): Promise<OpenedServerLayer> {
  if (!(body instanceof Uint8Array)) throw new TypeError("Cannot open server layer: body is not a Uint8Array");
  checkServerKeys(keys, "open server layer");
  const { provider } = options;
  const { blob, json } = decodeLayer(body, "onion");
  const { ephemeralKey, encType } = parseOuterTrailer(json, { maxOuterTrailerBytes: options.maxJsonBytes });
  if (blob.length < minBlobBytes(encType) || !isCanonicalX25519(ephemeralKey)) throw authFailed();

  let key: SecretKey;
  try {
    key = await deriveHopKey(encType, {
      ourSecret: keys.x25519Secret,
      ourPublic: keys.x25519Public,
      theirPublic: ephemeralKey,
      role: "server",
    }, { provider });
  } catch (cause) {
    if (isProtocolError(cause)) throw authFailed(cause); // low-order key
    throw cause;
  }
  try {
    const aes = encType === ENC_TYPE_AES_GCM;
    const nonceLength = aes ? AES_GCM_IV_BYTES : XCHACHA_NONCE_BYTES;
    const nonce = blob.subarray(0, nonceLength);
    const sealed = blob.subarray(nonceLength);
    const plaintext = aes
      ? await provider.aesGcmOpen(key.bytes(), nonce, sealed)
      : await provider.xchachaOpen(key.bytes(), nonce, sealed);
    return { plaintext, reply: { encType, key, json: false, base64: false } };
  } catch (cause) {
    key.wipe();
    if (isProtocolError(cause)) throw authFailed(cause);
    throw cause;
  }
}
