/**
 * Encryption of one onion layer (onion-requests.md §2).
 *
 * | enc_type  | key                                      | blob                        |
 * |-----------|------------------------------------------|-----------------------------|
 * | aes-gcm   | HMAC-SHA256(key="LOKI", msg=S)           | IV(12) ‖ ciphertext ‖ tag   |
 * | xchacha20 | BLAKE2b-256(S ‖ client_pub ‖ server_pub) | nonce(24) ‖ ciphertext ‖ tag |
 *
 * where `S = X25519(own_secret, other_public)`. The xchacha20 key depends on roles, not direction:
 * `client_pub` is always the onion builder's ephemeral key. Replies use the same key.
 *
 * @module
 */

import {
  AES_GCM_IV_BYTES,
  AES_GCM_KDF_KEY,
  AES_GCM_TAG_BYTES,
  ENC_TYPE_AES_GCM,
  HOP_KEY_BYTES,
  X25519_KEY_BYTES,
  XCHACHA_NONCE_BYTES,
  XCHACHA_TAG_BYTES,
} from "../constants.ts";
import { wipe } from "../bytes.ts";
import { isProtocolError, ProtocolError } from "../errors.ts";
import type { Rng } from "../rng.ts";
import type { CryptoProvider, MaybePromise } from "../crypto/provider.ts";
import { aesGcmSealInto, blake2bInto, hmacSha256Into, type Pending, xchachaSealInto } from "../crypto/into.ts";
import { nobleProvider } from "../crypto/noble.ts";
import { SecretKey } from "../crypto/secret_key.ts";
import { type EncType, isEncType, parseEncType } from "./enc_type.ts";

/** Which side of the onion a party is on; decides the xchacha20 key order. */
export type HopRole = "client" | "server";

/** The X25519 keys of one hop, from one party's point of view. */
export interface HopKeys {
  /** Our X25519 secret (32 bytes). */
  ourSecret: Uint8Array;
  /** Our X25519 public key (32 bytes). */
  ourPublic: Uint8Array;
  /** The other party's X25519 public key (32 bytes). */
  theirPublic: Uint8Array;
  /** `client` = the onion builder (ephemeral key); `server` = the node or server. */
  role: HopRole;
}

/** Options shared by the hop functions. */
export interface HopOptions {
  /** Crypto provider; defaults to the portable `noble` provider. */
  provider?: CryptoProvider;
  /** Randomness for the nonce; defaults to the provider's CSPRNG. */
  rng?: Rng;
}

/** Nonce length for a cipher. */
export function nonceBytes(encType: EncType): number {
  return encType === ENC_TYPE_AES_GCM ? AES_GCM_IV_BYTES : XCHACHA_NONCE_BYTES;
}

/** Tag length for a cipher. */
export function tagBytes(encType: EncType): number {
  return encType === ENC_TYPE_AES_GCM ? AES_GCM_TAG_BYTES : XCHACHA_TAG_BYTES;
}

/**
 * Smallest valid blob for a cipher: nonce + tag (hardening.md §1).
 *
 * @param encType the cipher
 * @returns 28 for aes-gcm, 40 for xchacha20
 * @example
 * ```ts
 * import { minBlobBytes } from "./hop.ts";
 * if (minBlobBytes("aes-gcm") !== 28 || minBlobBytes("xchacha20") !== 40) throw new Error("bad");
 * ```
 */
export function minBlobBytes(encType: EncType): number {
  return encType === ENC_TYPE_AES_GCM ? AES_GCM_IV_BYTES + AES_GCM_TAG_BYTES : XCHACHA_NONCE_BYTES + XCHACHA_TAG_BYTES;
}

function checkKeys(keys: HopKeys, action: string): void {
  if (keys === null || typeof keys !== "object") throw new TypeError(`Cannot ${action}: keys is not an object`);
  for (const name of ["ourSecret", "ourPublic", "theirPublic"] as const) {
    const k = keys[name];
    if (!(k instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: ${name} is not a Uint8Array`);
    if (k.length !== X25519_KEY_BYTES) {
      throw new RangeError(`Cannot ${action}: ${name} is ${k.length} bytes, expected ${X25519_KEY_BYTES}`);
    }
  }
  if (keys.role !== "client" && keys.role !== "server") {
    throw new TypeError(`Cannot ${action}: role must be "client" or "server"`);
  }
}

function checkEncType(encType: unknown, action: string): EncType {
  if (isEncType(encType)) return encType;
  try {
    return parseEncType(encType);
  } catch (err) {
    if (isProtocolError(err)) throw new ProtocolError("ONION_ENC_TYPE", `Cannot ${action}: ${err.message}`);
    throw err;
  }
}

/** Offset of the shared secret S in a KDF input (onion-requests.md §2). */
export const KDF_SHARED_AT = 0;
/** Offset of the client's (the onion builder's ephemeral) public key in a KDF input. */
export const KDF_CLIENT_AT = X25519_KEY_BYTES;
/** Offset of the server's (the node's) public key in a KDF input. */
export const KDF_SERVER_AT = 2 * X25519_KEY_BYTES;
/** Length of a KDF input `S ‖ client_pub ‖ server_pub`. */
export const KDF_INPUT_BYTES = 3 * X25519_KEY_BYTES;

/**
 * Derive the symmetric key of one hop from an X25519 shared secret (onion-requests.md §2).
 * Internal fast path: arguments are trusted.
 */
export async function deriveHopKeyFromShared(
  provider: CryptoProvider,
  encType: EncType,
  shared: Uint8Array,
  clientPublic: Uint8Array,
  serverPublic: Uint8Array,
): Promise<Uint8Array> {
  const input = new Uint8Array(KDF_INPUT_BYTES);
  input.set(shared, KDF_SHARED_AT);
  input.set(clientPublic, KDF_CLIENT_AT);
  input.set(serverPublic, KDF_SERVER_AT);
  const key = new Uint8Array(HOP_KEY_BYTES);
  try {
    const pending = hopKeyInto(provider, encType, input, key);
    if (pending !== undefined) await pending;
    return key;
  } finally {
    wipe(input);
  }
}

/**
 * Derive a hop key into `out` (32 bytes) from a KDF input laid out as `S ‖ client_pub ‖
 * server_pub` (onion-requests.md §2): HMAC-SHA256("LOKI", S) for aes-gcm, BLAKE2b-256 of all 96
 * bytes for xchacha20. Internal fast path: arguments are trusted; the caller wipes the input.
 */
export function hopKeyInto(provider: CryptoProvider, encType: EncType, input: Uint8Array, out: Uint8Array): Pending {
  return encType === ENC_TYPE_AES_GCM
    ? hmacSha256Into(provider, out, AES_GCM_KDF_KEY, input.subarray(KDF_SHARED_AT, KDF_CLIENT_AT))
    : blake2bInto(provider, out, input.subarray(0, KDF_INPUT_BYTES));
}

/**
 * Derive the symmetric key one hop uses, from one party's keys.
 *
 * @param encType cipher (`aes-gcm` or `xchacha20`)
 * @param keys our key pair, their public key and our role
 * @param options provider
 * @returns the 32-byte key, wrapped so it never prints
 * @throws {ProtocolError} `KEY_AGREEMENT_FAILED` for a low-order public key; `ONION_ENC_TYPE`
 * @throws {TypeError | RangeError} for malformed keys
 * @example Both sides derive the same key
 * ```ts
 * import { deriveHopKey } from "./hop.ts";
 * import { nobleProvider as p } from "../crypto/noble.ts";
 * const c = new Uint8Array(32).fill(1), s = new Uint8Array(32).fill(2);
 * const C = await p.x25519PublicKey(c), S = await p.x25519PublicKey(s);
 * const k1 = await deriveHopKey("xchacha20", { ourSecret: c, ourPublic: C, theirPublic: S, role: "client" });
 * const k2 = await deriveHopKey("xchacha20", { ourSecret: s, ourPublic: S, theirPublic: C, role: "server" });
 * if (k1.bytes().join() !== k2.bytes().join()) throw new Error("bad");
 * ```
 */
export async function deriveHopKey(encType: EncType, keys: HopKeys, options: HopOptions = {}): Promise<SecretKey> {
  const action = "derive hop key";
  const enc = checkEncType(encType, action);
  checkKeys(keys, action);
  const provider = options.provider ?? nobleProvider;
  const shared = await provider.x25519(keys.ourSecret, keys.theirPublic);
  try {
    const [clientPub, serverPub] = keys.role === "client"
      ? [keys.ourPublic, keys.theirPublic]
      : [keys.theirPublic, keys.ourPublic];
    return new SecretKey(await deriveHopKeyFromShared(provider, enc, shared, clientPub, serverPub));
  } finally {
    wipe(shared);
  }
}

/**
 * Seal `plaintext` under a hop key into `out` (`plaintext.length + 16` bytes; `out` may start
 * where `plaintext` starts). Internal fast path.
 */
export function sealInto(
  provider: CryptoProvider,
  encType: EncType,
  out: Uint8Array,
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
): Pending {
  return encType === ENC_TYPE_AES_GCM
    ? aesGcmSealInto(provider, out, key, nonce, plaintext)
    : xchachaSealInto(provider, out, key, nonce, plaintext);
}

/**
 * Seal `plaintext` under a hop key: `nonce ‖ ciphertext ‖ tag`, in one array. Internal fast path.
 */
export async function sealWithKey(
  provider: CryptoProvider,
  rng: Rng | undefined,
  encType: EncType,
  key: Uint8Array,
  plaintext: Uint8Array,
): Promise<Uint8Array> {
  const nLen = nonceBytes(encType);
  const out = new Uint8Array(nLen + plaintext.length + tagBytes(encType));
  const nonce = out.subarray(0, nLen);
  if (rng) fillFrom(rng, nonce);
  else nonce.set(provider.randomBytes(nLen));
  const pending = sealInto(provider, encType, out.subarray(nLen), key, nonce, plaintext);
  if (pending !== undefined) await pending;
  return out;
}

/** Fill `bytes` from `rng`, also for an rng that returns a new array instead of filling in place. */
export function fillFrom(rng: Rng, bytes: Uint8Array): void {
  const filled = rng.fill(bytes);
  if (filled !== bytes) bytes.set(filled);
}

/** `ONION_AUTH_FAILED` for a failed AEAD open. */
function authFailed(cause: unknown): ProtocolError {
  return new ProtocolError("ONION_AUTH_FAILED", "Cannot decrypt layer: authentication failed", { cause });
}

/**
 * Open `nonce ‖ ciphertext ‖ tag` under a hop key. Internal fast path: the plaintext itself for a
 * synchronous provider, else a promise of it.
 * Throws (or rejects with) `ONION_AUTH_FAILED` for a short blob or failed authentication.
 */
export function openWithKey(
  provider: CryptoProvider,
  encType: EncType,
  key: Uint8Array,
  blob: Uint8Array,
): MaybePromise<Uint8Array> {
  const nLen = nonceBytes(encType);
  if (blob.length < minBlobBytes(encType)) {
    throw new ProtocolError(
      "ONION_AUTH_FAILED",
      `Cannot decrypt layer: ${blob.length} bytes, ${encType} needs at least ${minBlobBytes(encType)}`,
    );
  }
  const nonce = blob.subarray(0, nLen);
  const sealed = blob.subarray(nLen);
  let opened: MaybePromise<Uint8Array>;
  try {
    opened = encType === ENC_TYPE_AES_GCM
      ? provider.aesGcmOpen(key, nonce, sealed)
      : provider.xchachaOpen(key, nonce, sealed);
  } catch (cause) {
    throw authFailed(cause);
  }
  return opened instanceof Promise
    ? opened.catch((cause) => {
      throw authFailed(cause);
    })
    : opened;
}

/**
 * Encrypt one layer for the other party (onion-requests.md §2).
 *
 * @param encType `aes-gcm` or `xchacha20` (`aes-cbc` is refused)
 * @param plaintext bytes to encrypt
 * @param keys our key pair, their public key and our role
 * @param options provider and rng (for the nonce)
 * @returns `nonce ‖ ciphertext ‖ tag`
 * @throws {ProtocolError} `ONION_ENC_TYPE`, `KEY_AGREEMENT_FAILED`
 * @throws {TypeError | RangeError} for malformed keys
 * @example Client encrypts, server decrypts
 * ```ts
 * import { hopDecrypt, hopEncrypt } from "./hop.ts";
 * import { nobleProvider as p } from "../crypto/noble.ts";
 * const c = new Uint8Array(32).fill(1), s = new Uint8Array(32).fill(2);
 * const C = await p.x25519PublicKey(c), S = await p.x25519PublicKey(s);
 * const blob = await hopEncrypt("xchacha20", new Uint8Array([42]), { ourSecret: c, ourPublic: C, theirPublic: S, role: "client" });
 * const back = await hopDecrypt("xchacha20", blob, { ourSecret: s, ourPublic: S, theirPublic: C, role: "server" });
 * if (back[0] !== 42) throw new Error("bad");
 * ```
 */
export async function hopEncrypt(
  encType: EncType,
  plaintext: Uint8Array,
  keys: HopKeys,
  options: HopOptions = {},
): Promise<Uint8Array> {
  if (!(plaintext instanceof Uint8Array)) throw new TypeError("Cannot encrypt layer: plaintext is not a Uint8Array");
  const enc = checkEncType(encType, "encrypt layer");
  const provider = options.provider ?? nobleProvider;
  const key = await deriveHopKey(enc, keys, { provider });
  try {
    return await sealWithKey(provider, options.rng, enc, key.bytes(), plaintext);
  } finally {
    key.wipe();
  }
}

/**
 * Decrypt one layer from the other party (onion-requests.md §2).
 *
 * @param encType `aes-gcm` or `xchacha20` (`aes-cbc` is refused)
 * @param ciphertext `nonce ‖ ciphertext ‖ tag`
 * @param keys our key pair, their public key and our role
 * @param options provider
 * @returns the plaintext
 * @throws {ProtocolError} `ONION_AUTH_FAILED` for any authentication failure (short blob, bad
 *   tag, wrong key, low-order key), `ONION_ENC_TYPE`
 * @throws {TypeError | RangeError} for malformed keys
 * @example A flipped bit is refused
 * ```ts
 * import { hopDecrypt, hopEncrypt } from "./hop.ts";
 * import { nobleProvider as p } from "../crypto/noble.ts";
 * const c = new Uint8Array(32).fill(1), s = new Uint8Array(32).fill(2);
 * const C = await p.x25519PublicKey(c), S = await p.x25519PublicKey(s);
 * const blob = await hopEncrypt("aes-gcm", new Uint8Array([42]), { ourSecret: c, ourPublic: C, theirPublic: S, role: "client" });
 * blob[blob.length - 1] ^= 1;
 * let refused = false;
 * try { await hopDecrypt("aes-gcm", blob, { ourSecret: s, ourPublic: S, theirPublic: C, role: "server" }); } catch { refused = true; }
 * if (!refused) throw new Error("tampered blob accepted");
 * ```
 */
export async function hopDecrypt(
  encType: EncType,
  ciphertext: Uint8Array,
  keys: HopKeys,
  options: HopOptions = {},
): Promise<Uint8Array> {
  if (!(ciphertext instanceof Uint8Array)) throw new TypeError("Cannot decrypt layer: ciphertext is not a Uint8Array");
  const enc = checkEncType(encType, "decrypt layer");
  const provider = options.provider ?? nobleProvider;
  let key: SecretKey;
  try {
    key = await deriveHopKey(enc, keys, { provider });
  } catch (cause) {
    if (isProtocolError(cause, "KEY_AGREEMENT_FAILED")) {
      throw new ProtocolError("ONION_AUTH_FAILED", "Cannot decrypt layer: key agreement failed", { cause });
    }
    throw cause;
  }
  try {
    return await openWithKey(provider, enc, key.bytes(), ciphertext);
  } finally {
    key.wipe();
  }
}
