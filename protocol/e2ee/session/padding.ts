/**
 * Padding of a serialized 1:1 (and community) `Content` (e2ee.md §5.2 step 2): append `0x80`,
 * then zeros up to a multiple of 160 bytes. Upstream (libsession `pad_message`, session-desktop
 * `BufferPadding.ts`) adds a further full block of zeros when `content ‖ 0x80` already fills a
 * block; this implementation reproduces that.
 *
 * @module
 */

import { SESSION_PADDING_BLOCK_BYTES, SESSION_PADDING_TERMINATOR } from "./constants.ts";

/**
 * Pad a serialized Content as libsession does (e2ee.md §5.2 step 2).
 *
 * @param content the serialized Content
 * @returns `content ‖ 0x80 ‖ 0x00…`, a multiple of 160 bytes, always at least 1 byte longer
 * @throws {TypeError} when `content` is not a Uint8Array
 * @example The upstream quirk: 159 bytes of content take two blocks
 * ```ts
 * import { padMessage } from "./padding.ts";
 * if (padMessage(new Uint8Array(5)).length !== 160) throw new Error("bad");
 * if (padMessage(new Uint8Array(159)).length !== 320) throw new Error("bad");
 * ```
 */
export function padMessage(content: Uint8Array): Uint8Array {
  if (!(content instanceof Uint8Array)) throw new TypeError("Cannot pad message: content is not a Uint8Array");
  const withTerminator = content.length + 1;
  // libsession: bytes_for_padding = 160 - (len % 160), which is a whole block when len % 160 == 0.
  const padded = withTerminator + SESSION_PADDING_BLOCK_BYTES - (withTerminator % SESSION_PADDING_BLOCK_BYTES);
  const out = new Uint8Array(padded);
  out.set(content, 0);
  out[content.length] = SESSION_PADDING_TERMINATOR;
  return out;
}

/**
 * Remove the padding of {@link padMessage}, tolerantly (e2ee.md §5.2 "unpad"): scan back over
 * `0x00` bytes and stop at, and remove, the first `0x80`. Unpadded content from old clients is
 * accepted: the scan stops at the first byte that is neither `0x00` nor `0x80`, and that byte and
 * everything before it is kept.
 *
 * @param padded the decrypted bytes
 * @returns a view of `padded` without its padding
 * @throws {TypeError} when `padded` is not a Uint8Array
 * @example
 * ```ts
 * import { padMessage, unpadMessage } from "./padding.ts";
 * const content = new Uint8Array([8, 6, 0]);
 * if (unpadMessage(padMessage(content)).join() !== "8,6,0") throw new Error("bad");
 * if (unpadMessage(new Uint8Array([8, 6])).join() !== "8,6") throw new Error("tolerant");
 * ```
 */
export function unpadMessage(padded: Uint8Array): Uint8Array {
  if (!(padded instanceof Uint8Array)) throw new TypeError("Cannot unpad message: input is not a Uint8Array");
  let end = padded.length;
  while (end > 0) {
    const byte = padded[end - 1];
    if (byte !== 0 && byte !== SESSION_PADDING_TERMINATOR) break;
    end--;
    if (byte === SESSION_PADDING_TERMINATOR) break;
  }
  return padded.subarray(0, end);
}
