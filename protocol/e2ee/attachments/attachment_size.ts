/**
 * Sizes of the libsession deterministic attachment format (e2ee.md §6.2; libsession-util
 * `src/attachments.cpp` `encrypted_padding`, `encrypted_size`, `decrypted_max_size`):
 * `'S' ‖ header(24) ‖ secretstream chunks`, each chunk 32 KiB of plaintext + 17 bytes, over the
 * plaintext stream `0x00 × (p−1) ‖ 0x01 ‖ data`. The padding p (at least one byte) rounds the
 * whole encrypted size up to a multiple of `bit_floor(max(size, 128 KiB)) / 32`, counting any chunk
 * overhead the padding itself adds as padding.
 *
 * @module
 */

import { SECRETSTREAM_ABYTES, SECRETSTREAM_HEADER_BYTES } from "../../crypto/secretstream.ts";

/** Plaintext bytes per secretstream chunk, `ENCRYPT_CHUNK_SIZE` (e2ee.md §6.2). */
export const ATTACHMENT_CHUNK_BYTES = 32 * 1024;
/** Encrypted bytes per full chunk, `ENCRYPTED_CHUNK_TOTAL`: 32 KiB + 17. */
export const ATTACHMENT_ENCRYPTED_CHUNK_BYTES: number = ATTACHMENT_CHUNK_BYTES + SECRETSTREAM_ABYTES;
/** The format byte `'S'` that starts a blob (e2ee.md §6.2). */
export const ATTACHMENT_FORMAT_BYTE = 0x53;
/** Bytes before the first chunk: `'S'` ‖ secretstream header. */
export const ATTACHMENT_PREFIX_BYTES: number = 1 + SECRETSTREAM_HEADER_BYTES;
/** Largest plaintext libsession encrypts without `allow_large`, `MAX_REGULAR_SIZE` (10 223 616 B encrypted). */
export const ATTACHMENT_MAX_REGULAR_BYTES = 10_218_286;

/** At least one byte of padding: the `0x01` marker (e2ee.md §6.2). */
const MIN_PADDING = 1;
/** The padding quantum is `bit_floor(max(size, 128 KiB)) >> 5`. */
const PAD_FLOOR_BYTES = 128 * 1024;
const PAD_FACTOR_SHIFT = 5;

function checkSize(size: unknown, what: string): number {
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`Cannot size attachment: ${what} "${String(size)}" is not a non-negative integer`);
  }
  return size;
}

/** `std::bit_floor`: the largest power of two ≤ n (n ≥ 1). */
function bitFloor(n: number): number {
  return 2 ** Math.floor(Math.log2(n));
}

/**
 * The padding p for `dataSize` bytes of plaintext (libsession `encrypted_padding`): zeros
 * `p − 1` then `0x01`, before the data.
 *
 * @param dataSize plaintext length
 * @returns p, at least 1
 * @throws {RangeError} when `dataSize` is not a non-negative safe integer
 * @example
 * ```ts
 * import { attachmentPadding, encryptedAttachmentSize } from "./attachment_size.ts";
 * if (attachmentPadding(0) < 1 || encryptedAttachmentSize(0) !== 4096) throw new Error("bad");
 * ```
 */
export function attachmentPadding(dataSize: number): number {
  checkSize(dataSize, "data size");
  const streamChunks = Math.ceil(dataSize / ATTACHMENT_CHUNK_BYTES);
  const encSize = dataSize + ATTACHMENT_PREFIX_BYTES + MIN_PADDING + streamChunks * SECRETSTREAM_ABYTES;
  const padFactor = bitFloor(Math.max(encSize, PAD_FLOOR_BYTES)) / 2 ** PAD_FACTOR_SHIFT;
  const paddedSize = Math.ceil(encSize / padFactor) * padFactor;
  let padding = paddedSize - encSize + MIN_PADDING;
  // Each whole chunk of padding brings its own 17-byte tag: count it as padding.
  let implicit = 0;
  if (padding >= ATTACHMENT_ENCRYPTED_CHUNK_BYTES) {
    implicit = Math.floor(padding / ATTACHMENT_ENCRYPTED_CHUNK_BYTES) * SECRETSTREAM_ABYTES;
  }
  // Padding that spills into one more chunk brings one more tag.
  const freePadding = streamChunks * ATTACHMENT_CHUNK_BYTES - dataSize;
  if (padding % ATTACHMENT_ENCRYPTED_CHUNK_BYTES > freePadding) implicit += SECRETSTREAM_ABYTES;
  padding -= implicit;
  return padding;
}

/**
 * The blob size for `dataSize` bytes of plaintext (libsession `encrypted_size`).
 *
 * @param dataSize plaintext length
 * @returns `1 + 24 + dataSize + padding + 17 × chunks`
 * @throws {RangeError} when `dataSize` is not a non-negative safe integer
 * @example libsession's largest regular attachment
 * ```ts
 * import { encryptedAttachmentSize } from "./attachment_size.ts";
 * if (encryptedAttachmentSize(10_218_286) !== 10_223_616) throw new Error("bad");
 * ```
 */
export function encryptedAttachmentSize(dataSize: number): number {
  const padded = dataSize + attachmentPadding(dataSize);
  return ATTACHMENT_PREFIX_BYTES + padded + Math.ceil(padded / ATTACHMENT_CHUNK_BYTES) * SECRETSTREAM_ABYTES;
}

/**
 * An upper bound of the plaintext in a blob of `encryptedSize` bytes (libsession
 * `decrypted_max_size`), or undefined when the blob is too short to hold any.
 *
 * @param encryptedSize blob length
 * @returns the bound, or undefined
 * @throws {RangeError} when `encryptedSize` is not a non-negative safe integer
 * @example
 * ```ts
 * import { decryptedAttachmentMaxSize } from "./attachment_size.ts";
 * if (decryptedAttachmentMaxSize(10) !== undefined || decryptedAttachmentMaxSize(4096)! < 4000) throw new Error("bad");
 * ```
 */
export function decryptedAttachmentMaxSize(encryptedSize: number): number | undefined {
  checkSize(encryptedSize, "encrypted size");
  const sz = encryptedSize - ATTACHMENT_PREFIX_BYTES - MIN_PADDING;
  if (sz < 0) return undefined;
  const max = sz - Math.ceil(sz / ATTACHMENT_ENCRYPTED_CHUNK_BYTES) * SECRETSTREAM_ABYTES;
  return max < 0 ? undefined : max;
}
