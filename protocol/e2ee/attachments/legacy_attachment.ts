/**
 * The legacy Signal-style attachment format, still decodable (e2ee.md §6.1; session-desktop
 * `ts/session/crypto/BufferPadding.ts`, `encryptAttachmentData` / `decryptAttachmentData`):
 *
 * - a random 64-byte key: AES-256 key `key[0..32)`, HMAC-SHA256 key `key[32..64)`; a random IV;
 * - the plaintext is padded with zeros to `max(541, floor(1.05^ceil(log_1.05(len))))`, capped at
 *   the 10 MB maximum attachment size for files within it (larger ones pad on, as session-desktop);
 * - blob = `iv(16) ‖ AES-256-CBC-PKCS7(padded) ‖ HMAC(macKey, iv ‖ ct)(32)`;
 *   digest = SHA-256(blob); `AttachmentPointer.size` is the unpadded length;
 * - decryption verifies the MAC (constant time), then the digest, then decrypts and truncates
 *   to `size`.
 *
 * @module
 */

import { ctEqual, wipe } from "../../bytes.ts";
import { ProtocolError } from "../../errors.ts";
import type { Rng } from "../../rng.ts";
import { aes256CbcDecrypt, aes256CbcEncrypt, AES_BLOCK_BYTES } from "../../crypto/aes_cbc.ts";
import { defaultProvider } from "../../crypto/default.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";

/** Length of the attachment key: AES key ‖ MAC key (e2ee.md §6.1). */
export const LEGACY_ATTACHMENT_KEY_BYTES = 64;
/** Length of the IV that starts the blob (e2ee.md §6.1). */
export const LEGACY_ATTACHMENT_IV_BYTES = 16;
/** Length of the HMAC-SHA256 that ends the blob (e2ee.md §6.1). */
export const LEGACY_ATTACHMENT_MAC_BYTES = 32;
/** Smallest padded size (session-desktop `addAttachmentPadding`). */
export const LEGACY_ATTACHMENT_MIN_PADDED_BYTES = 541;
/** Session's maximum attachment size, `MAX_ATTACHMENT_FILESIZE_BYTES`: padding never exceeds it. */
export const LEGACY_ATTACHMENT_MAX_BYTES = 10 * 1000 * 1000;
/** Growth factor of the padding buckets (e2ee.md §6.1). */
const PADDING_BASE = 1.05;
/** Offset of the MAC key in the 64-byte key. */
const MAC_KEY_OFFSET = 32;
/** SHA-256 output length. */
const SHA256_BYTES = 32;
/** Smallest blob: IV, one AES block, MAC. */
const MIN_BLOB_BYTES = LEGACY_ATTACHMENT_IV_BYTES + AES_BLOCK_BYTES + LEGACY_ATTACHMENT_MAC_BYTES;

/** Options of {@link encryptLegacyAttachment}. */
export interface LegacyEncryptOptions {
  /** Source of the key and IV. */
  rng: Rng;
  /** Pad the plaintext (files: yes, the default; session-desktop does not pad quotes and link previews). */
  pad?: boolean;
  /** Crypto provider for the HMAC; defaults to {@link defaultProvider}. */
  provider?: CryptoProvider;
}

/** Options of {@link decryptLegacyAttachment}. */
export interface LegacyDecryptOptions {
  /** `AttachmentPointer.size`: the unpadded length to truncate to; without it the padded plaintext is returned. */
  size?: number;
  /** `AttachmentPointer.digest`: SHA-256 of the blob, checked when given. */
  digest?: Uint8Array;
  /** Crypto provider for the HMAC; defaults to {@link defaultProvider}. */
  provider?: CryptoProvider;
}

/** A legacy encryption: what goes into the `AttachmentPointer` and what is uploaded. */
export interface LegacyAttachment {
  /** `iv ‖ ciphertext ‖ mac`, to upload. */
  blob: Uint8Array;
  /** The 64-byte key (`AttachmentPointer.key`). */
  key: Uint8Array;
  /** SHA-256 of the blob (`AttachmentPointer.digest`). */
  digest: Uint8Array;
  /** Unpadded length (`AttachmentPointer.size`). */
  size: number;
}

function failed(detail: string): ProtocolError {
  return new ProtocolError("DECRYPT_FAILED", `Cannot decrypt attachment: ${detail}`);
}

async function sha256(data: Uint8Array): Promise<Uint8Array> {
  const view = data.buffer instanceof ArrayBuffer ? data as Uint8Array<ArrayBuffer> : new Uint8Array(data);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", view));
}

/**
 * The padded size of a `length`-byte attachment (session-desktop `addAttachmentPadding`),
 * computed with the same floating-point formula so sizes match byte for byte.
 *
 * @param length plaintext length
 * @returns the padded length, at least {@link LEGACY_ATTACHMENT_MIN_PADDED_BYTES} and at least `length`
 * @throws {RangeError} when `length` is not a non-negative safe integer
 * @example
 * ```ts
 * import { legacyPaddedSize } from "./legacy_attachment.ts";
 * if (legacyPaddedSize(0) !== 541 || legacyPaddedSize(1000) !== 1020) throw new Error("bad");
 * ```
 */
export function legacyPaddedSize(length: number): number {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`Cannot pad attachment: length "${String(length)}" is not a non-negative integer`);
  }
  let padded = Math.max(
    LEGACY_ATTACHMENT_MIN_PADDED_BYTES,
    Math.floor(Math.pow(PADDING_BASE, Math.ceil(Math.log(length) / Math.log(PADDING_BASE)))),
  );
  if (padded > LEGACY_ATTACHMENT_MAX_BYTES && length <= LEGACY_ATTACHMENT_MAX_BYTES) {
    padded = LEGACY_ATTACHMENT_MAX_BYTES;
  }
  return Math.max(padded, length);
}

/**
 * Encrypt an attachment in the legacy format (e2ee.md §6.1).
 *
 * @param data the file
 * @param options `rng` for key and IV, `pad` (default true), provider
 * @returns blob, key, digest and the unpadded size
 * @throws {TypeError} when `data` is not a Uint8Array
 * @example Round trip
 * ```ts
 * import { decryptLegacyAttachment, encryptLegacyAttachment } from "./legacy_attachment.ts";
 * import { systemRng as rng } from "../../rng.ts";
 * const a = await encryptLegacyAttachment(new TextEncoder().encode("file"), { rng });
 * const pt = await decryptLegacyAttachment(a.blob, a.key, { size: a.size, digest: a.digest });
 * if (new TextDecoder().decode(pt) !== "file" || a.blob.length !== 16 + 544 + 32) throw new Error("bad");
 * ```
 */
export async function encryptLegacyAttachment(
  data: Uint8Array,
  options: LegacyEncryptOptions,
): Promise<LegacyAttachment> {
  if (!(data instanceof Uint8Array)) throw new TypeError("Cannot encrypt attachment: data is not a Uint8Array");
  const provider = options.provider ?? await defaultProvider();
  const key = options.rng.fill(new Uint8Array(LEGACY_ATTACHMENT_KEY_BYTES));
  const iv = options.rng.fill(new Uint8Array(LEGACY_ATTACHMENT_IV_BYTES));
  let padded = data;
  if (options.pad !== false) {
    padded = new Uint8Array(legacyPaddedSize(data.length));
    padded.set(data);
  }
  const ct = aes256CbcEncrypt(key.subarray(0, MAC_KEY_OFFSET), iv, padded);
  if (padded !== data) wipe(padded);
  const blob = new Uint8Array(LEGACY_ATTACHMENT_IV_BYTES + ct.length + LEGACY_ATTACHMENT_MAC_BYTES);
  blob.set(iv);
  blob.set(ct, LEGACY_ATTACHMENT_IV_BYTES);
  const macInput = blob.subarray(0, LEGACY_ATTACHMENT_IV_BYTES + ct.length);
  blob.set(await provider.hmacSha256(key.subarray(MAC_KEY_OFFSET), macInput), macInput.length);
  return { blob, key, digest: await sha256(blob), size: data.length };
}

/**
 * Decrypt a legacy attachment (e2ee.md §6.1): MAC first (constant time), then the digest, then
 * AES-CBC, then truncation to `size`.
 *
 * @param blob `iv ‖ ciphertext ‖ mac`
 * @param key the 64-byte key
 * @param options `size`, `digest`, provider
 * @returns the plaintext (truncated to `size` when given)
 * @throws {TypeError | RangeError} for a key of the wrong length or a bad `size`
 * @throws {ProtocolError} `DECRYPT_FAILED` (short blob, bad MAC or digest, bad padding),
 *   `ATTACHMENT_INVALID` (`size` larger than the plaintext)
 * @example A flipped bit fails the MAC
 * ```ts
 * import { decryptLegacyAttachment, encryptLegacyAttachment } from "./legacy_attachment.ts";
 * import { isProtocolError } from "../../errors.ts";
 * import { systemRng as rng } from "../../rng.ts";
 * const a = await encryptLegacyAttachment(new Uint8Array(3), { rng });
 * a.blob[20] ^= 1;
 * try { await decryptLegacyAttachment(a.blob, a.key); throw new Error("accepted"); }
 * catch (e) { if (!isProtocolError(e, "DECRYPT_FAILED")) throw e; }
 * ```
 */
export async function decryptLegacyAttachment(
  blob: Uint8Array,
  key: Uint8Array,
  options: LegacyDecryptOptions = {},
): Promise<Uint8Array> {
  const action = "decrypt attachment";
  if (!(blob instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: blob is not a Uint8Array`);
  if (!(key instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: key is not a Uint8Array`);
  if (key.length !== LEGACY_ATTACHMENT_KEY_BYTES) {
    throw new RangeError(`Cannot ${action}: key is ${key.length} bytes, expected ${LEGACY_ATTACHMENT_KEY_BYTES}`);
  }
  const size = options.size;
  if (size !== undefined && (!Number.isSafeInteger(size) || size < 0)) {
    throw new RangeError(`Cannot ${action}: size "${String(size)}" is not a non-negative integer`);
  }
  if (options.digest !== undefined && !(options.digest instanceof Uint8Array)) {
    throw new TypeError(`Cannot ${action}: digest is not a Uint8Array`);
  }
  if (blob.length < MIN_BLOB_BYTES) throw failed(`blob of ${blob.length} bytes is too short`);
  const provider = options.provider ?? await defaultProvider();
  const macInput = blob.subarray(0, blob.length - LEGACY_ATTACHMENT_MAC_BYTES);
  const mac = await provider.hmacSha256(key.subarray(MAC_KEY_OFFSET), macInput);
  if (!ctEqual(mac, blob.subarray(macInput.length))) throw failed("bad MAC");
  if (options.digest !== undefined) {
    if (options.digest.length !== SHA256_BYTES || !ctEqual(await sha256(blob), options.digest)) {
      throw failed("digest does not match");
    }
  }
  const plaintext = aes256CbcDecrypt(
    key.subarray(0, MAC_KEY_OFFSET),
    blob.subarray(0, LEGACY_ATTACHMENT_IV_BYTES),
    blob.subarray(LEGACY_ATTACHMENT_IV_BYTES, macInput.length),
  );
  if (size === undefined) return plaintext;
  if (size > plaintext.length) {
    throw new ProtocolError(
      "ATTACHMENT_INVALID",
      `Cannot ${action}: size ${size} is larger than the ${plaintext.length}-byte plaintext`,
    );
  }
  return plaintext.subarray(0, size);
}
