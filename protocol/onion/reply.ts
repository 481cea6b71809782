/**
 * Replies to onion requests (onion-requests.md §6, §7, §9; hardening.md §6).
 *
 * The destination encrypts its answer with the key of the layer it peeled (server role) and a
 * fresh nonce; the answer travels back along the path unchanged. The client decrypts it with the
 * key it kept when building: a service node's `{"body","status"}` JSON (base64), a v3 server's
 * base64 body, or a v4 server's raw bencoded list.
 *
 * @module
 */

import { ENC_TYPE_AES_GCM, ENC_TYPE_XCHACHA20, REPLY_PAD_MIN_BUCKET, REPLY_PAD_STEP_BUCKET } from "../constants.ts";
import { fromBase64, fromUtf8, toBase64, utf8 } from "../bytes.ts";
import { isProtocolError, ProtocolError } from "../errors.ts";
import type { Rng } from "../rng.ts";
import type { CryptoProvider } from "../crypto/provider.ts";
import { SecretKey } from "../crypto/secret_key.ts";
import { defaultProvider } from "../crypto/default.ts";
import type { EncType } from "./enc_type.ts";
import { openWithKey, sealWithKey } from "./hop.ts";
import { decodeV4Response, type ServerResponse } from "./v4.ts";

/** What a node needs to encrypt its answer to a peeled layer (server role). */
export interface ReplyContext {
  /** Cipher of the layer, reused for the reply. */
  encType: EncType;
  /** The layer's symmetric key. */
  key: SecretKey;
  /** Embed a JSON handler result as a JSON value (`"json": true`). */
  json: boolean;
  /** Base64-encode the encrypted reply (`"base64"`, default true). */
  base64: boolean;
}

/** What the client keeps to decrypt the answer (client role). */
export interface OnionReplyKey {
  /** Destination kind: a service node (`{"body","status"}` JSON), a v3 or a v4 server. */
  kind: "node" | "v3" | "v4";
  /** Cipher of the destination layer. */
  encType: EncType;
  /** Key of the destination layer. */
  key: SecretKey;
  /**
   * For xchacha20 layers, the aes-gcm key of the same shared secret: libsession retries with it
   * because a legacy push server answers errors in aes-gcm (onion-requests.md §9).
   */
  fallbackKey?: SecretKey;
}

/** An answer as the destination produced it. */
export interface FinalReply {
  /** Status code of the storage RPC (travels inside the encryption). */
  status: number;
  /** Body text: usually JSON produced by the handler. */
  body: string;
  /** `body` is JSON text and may be embedded as a value when the layer set `"json": true`. */
  bodyIsJson?: boolean;
}

/** A decrypted answer at the client. */
export interface OnionResponse extends ServerResponse {
  /** For service-node destinations: the body as a parsed JSON value when it was embedded or is JSON text. */
  json?: unknown;
}

/** Options for encrypting replies. */
export interface ReplyOptions {
  /** Crypto provider; defaults to {@link defaultProvider}. */
  provider?: CryptoProvider;
  /** Randomness for the nonce; defaults to the provider's CSPRNG. */
  rng?: Rng;
  /** Pad the JSON plaintext with spaces to a bucket size (hardening.md §6). Default false. */
  pad?: boolean;
}

/**
 * Size a padded reply plaintext is raised to: 512 B, 1 KiB, 2 KiB … 64 KiB, then multiples of
 * 64 KiB (hardening.md §6).
 *
 * @param length plaintext length
 * @returns the bucket size ≥ length
 * @example
 * ```ts
 * import { paddedLength } from "./reply.ts";
 * if (paddedLength(1) !== 512 || paddedLength(513) !== 1024 || paddedLength(65537) !== 131072) throw new Error("bad");
 * ```
 */
export function paddedLength(length: number): number {
  if (length > REPLY_PAD_STEP_BUCKET) return Math.ceil(length / REPLY_PAD_STEP_BUCKET) * REPLY_PAD_STEP_BUCKET;
  let bucket = REPLY_PAD_MIN_BUCKET;
  while (bucket < length) bucket *= 2;
  return bucket;
}

/**
 * The plaintext a service node encrypts: compact JSON with sorted keys `{"body":B,"status":S}`;
 * B is a JSON string, or the handler's JSON embedded as a value when `embed` (onion-requests.md §6).
 *
 * @param reply status and body
 * @param embed the layer set `"json": true` and the body is JSON
 * @returns the JSON text
 * @throws {RangeError} for a status outside 100…599
 * @example
 * ```ts
 * import { wrapFinalReply } from "./reply.ts";
 * if (wrapFinalReply({ status: 200, body: '{"hi":"123"}', bodyIsJson: true }, false) !== '{"body":"{\\"hi\\":\\"123\\"}","status":200}') throw new Error("bad");
 * ```
 */
export function wrapFinalReply(reply: FinalReply, embed: boolean): string {
  if (!Number.isInteger(reply.status) || reply.status < 100 || reply.status > 599) {
    throw new RangeError(`Cannot wrap reply: status ${reply.status} is not in 100…599`);
  }
  if (typeof reply.body !== "string") throw new TypeError("Cannot wrap reply: body is not a string");
  const body = embed && reply.bodyIsJson ? reply.body : JSON.stringify(reply.body);
  return `{"body":${body},"status":${reply.status}}`;
}

/**
 * Encrypt raw reply bytes for the client with the layer's key, then base64 when the context asks.
 *
 * @param reply the context from peeling
 * @param plaintext the reply bytes
 * @param options provider and rng
 * @returns the HTTP response body
 * @example
 * ```ts
 * import { sealReply } from "./reply.ts";
 * import { SecretKey } from "../crypto/secret_key.ts";
 * import { nobleProvider } from "../crypto/noble.ts";
 * const out = await sealReply({ encType: "aes-gcm", key: new SecretKey(new Uint8Array(32)), json: false, base64: false },
 *   new Uint8Array(13), { provider: nobleProvider });
 * if (out.length !== 13 + 28) throw new Error("bad");
 * ```
 */
export async function sealReply(
  reply: ReplyContext,
  plaintext: Uint8Array,
  options: ReplyOptions = {},
): Promise<Uint8Array> {
  const provider = options.provider ?? await defaultProvider();
  const sealed = await sealWithKey(provider, options.rng, reply.encType, reply.key.bytes(), plaintext);
  return reply.base64 ? utf8(toBase64(sealed)) : sealed;
}

/**
 * Encrypt a service node's answer to a delivered onion (onion-requests.md §6): wrap as
 * `{"body","status"}`, optionally pad with spaces (hardening.md §6), encrypt, base64.
 *
 * @param reply the context from peeling (`PeelDeliver.reply`, or `context.reply` of an
 *   `ONION_INNER_INVALID` error)
 * @param response status and body
 * @param options provider, rng, padding
 * @returns the HTTP response body (HTTP status is always 200)
 * @throws {RangeError | TypeError} for a malformed response
 * @example
 * ```ts
 * import { encryptOnionReply } from "./reply.ts";
 * import { SecretKey } from "../crypto/secret_key.ts";
 * const ctx = { encType: "xchacha20" as const, key: new SecretKey(new Uint8Array(32)), json: false, base64: true };
 * const body = await encryptOnionReply(ctx, { status: 400, body: "Invalid json" }, { pad: true });
 * if (body.length !== Math.ceil((512 + 40) / 3) * 4) throw new Error("bad");
 * ```
 */
export async function encryptOnionReply(
  reply: ReplyContext,
  response: FinalReply,
  options: ReplyOptions = {},
): Promise<Uint8Array> {
  let plaintext = utf8(wrapFinalReply(response, reply.json));
  if (options.pad) {
    const target = paddedLength(plaintext.length);
    if (target > plaintext.length) {
      const padded = new Uint8Array(target).fill(0x20);
      padded.set(plaintext);
      plaintext = padded;
    }
  }
  return await sealReply(reply, plaintext, options);
}

/** Options for {@link decryptOnionReply}. */
export interface DecryptReplyOptions {
  /** Crypto provider; defaults to {@link defaultProvider}. */
  provider?: CryptoProvider;
}

function replyInvalid(message: string, cause?: unknown): ProtocolError {
  return new ProtocolError("REPLY_INVALID", `Cannot decrypt onion reply: ${message}`, { cause });
}

/** Base64 text, or the legacy `{"result": "<base64>"}` form (onion-requests.md §9). */
function decodeBase64Body(body: Uint8Array): Uint8Array {
  let text: string;
  try {
    text = fromUtf8(body).trim();
  } catch (cause) {
    throw replyInvalid("body is not text", cause);
  }
  if (text.startsWith("{")) {
    try {
      const legacy = JSON.parse(text);
      if (typeof legacy?.result === "string") text = legacy.result;
    } catch {
      // not the legacy form: fall through to plain base64, which will refuse it
    }
  }
  try {
    return fromBase64(text);
  } catch (cause) {
    throw replyInvalid("body is not base64", cause);
  }
}

async function openReply(provider: CryptoProvider, reply: OnionReplyKey, sealed: Uint8Array): Promise<Uint8Array> {
  try {
    return await openWithKey(provider, reply.encType, reply.key.bytes(), sealed);
  } catch (cause) {
    if (!isProtocolError(cause) || !reply.fallbackKey) throw replyInvalid("authentication failed", cause);
    try {
      return await openWithKey(provider, ENC_TYPE_AES_GCM, reply.fallbackKey.bytes(), sealed);
    } catch (cause2) {
      throw replyInvalid("authentication failed", cause2);
    }
  }
}

/**
 * Decrypt the answer to an onion request at the client (onion-requests.md §6–§7, §9).
 * Call only for HTTP 200: any other status is a failure on the path with a plain-text body
 * (onion-requests.md §8).
 *
 * @param reply `reply` from `buildOnionRequest`
 * @param httpBody the HTTP response body (bytes, or text for base64 replies)
 * @param options provider
 * @returns status, headers and body; for service nodes also `json`
 * @throws {ProtocolError} `REPLY_INVALID` when the body cannot be decoded or authenticated
 * @example See `buildOnionRequest` for the full round trip.
 * ```ts
 * import { decryptOnionReply } from "./reply.ts";
 * import { SecretKey } from "../crypto/secret_key.ts";
 * let refused = false;
 * try { await decryptOnionReply({ kind: "node", encType: "xchacha20", key: new SecretKey(new Uint8Array(32)) }, "AAAA"); } catch { refused = true; }
 * if (!refused) throw new Error("garbage accepted");
 * ```
 */
export async function decryptOnionReply(
  reply: OnionReplyKey,
  httpBody: Uint8Array | string,
  options: DecryptReplyOptions = {},
): Promise<OnionResponse> {
  if (reply === null || typeof reply !== "object" || !(reply.key instanceof SecretKey)) {
    throw new TypeError("Cannot decrypt onion reply: reply is not an OnionReplyKey");
  }
  if (reply.encType !== ENC_TYPE_AES_GCM && reply.encType !== ENC_TYPE_XCHACHA20) {
    throw new TypeError(`Cannot decrypt onion reply: unknown enc_type "${reply.encType}"`);
  }
  const provider = options.provider ?? await defaultProvider();
  const body = typeof httpBody === "string" ? utf8(httpBody) : httpBody;
  if (!(body instanceof Uint8Array)) throw new TypeError("Cannot decrypt onion reply: body is not bytes or text");

  if (reply.kind === "v4") {
    const plaintext = await openReply(provider, reply, body);
    try {
      return decodeV4Response(plaintext);
    } catch (cause) {
      throw replyInvalid("v4 reply is not a bencoded list", cause);
    }
  }

  const plaintext = await openReply(provider, reply, decodeBase64Body(body));
  if (reply.kind === "v3") {
    // v3: the subrequest body on 200, else {"status_code": N} (onion-requests.md §7)
    let status = 200;
    try {
      const parsed = JSON.parse(fromUtf8(plaintext));
      const code = parsed?.status_code ?? parsed?.status;
      if (Number.isInteger(code) && Object.keys(parsed).length === 1) status = code;
    } catch {
      // not JSON: a plain 200 body
    }
    return { status, headers: {}, body: plaintext };
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(plaintext));
  } catch (cause) {
    throw replyInvalid("service-node reply is not JSON", cause);
  }
  const obj = parsed as { status?: unknown; body?: unknown };
  if (parsed === null || typeof parsed !== "object" || !Number.isInteger(obj.status)) {
    throw replyInvalid('service-node reply lacks an integer "status"');
  }
  const status = obj.status as number;
  if (typeof obj.body === "string") {
    let json: unknown;
    try {
      json = JSON.parse(obj.body);
    } catch {
      json = undefined;
    }
    return { status, headers: {}, body: utf8(obj.body), json };
  }
  return { status, headers: {}, body: utf8(JSON.stringify(obj.body ?? null)), json: obj.body };
}
