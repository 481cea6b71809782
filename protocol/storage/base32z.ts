/**
 * z-base-32 encoding as oxenc's `to_base32z` writes it: bits taken most significant first, five
 * at a time, the last group zero-padded, no padding characters. Used for the deprecated
 * `address` field of get_swarm (`<base32z of the legacy key>.snode`, swarms-and-storage.md §7.4).
 *
 * @module
 */

/** The z-base-32 alphabet. */
export const BASE32Z_ALPHABET = "ybndrfg8ejkmcpqxot1uwisza345h769";
/** Bits per z-base-32 character. */
const BITS_PER_CHAR = 5;
const CHAR_MASK = 0x1f;

/**
 * Encode bytes as z-base-32.
 *
 * @param bytes input
 * @returns `ceil(8n / 5)` characters
 * @throws {TypeError} when `bytes` is not a Uint8Array
 * @example Five zero bytes (an oxenmq test value)
 * ```ts
 * import { toBase32z } from "./base32z.ts";
 * if (toBase32z(new Uint8Array(5)) !== "yyyyyyyy") throw new Error("bad");
 * ```
 */
export function toBase32z(bytes: Uint8Array): string {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("Cannot encode base32z: input is not a Uint8Array");
  let out = "";
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= BITS_PER_CHAR) {
      bits -= BITS_PER_CHAR;
      out += BASE32Z_ALPHABET[(acc >> bits) & CHAR_MASK];
    }
  }
  if (bits > 0) out += BASE32Z_ALPHABET[(acc << (BITS_PER_CHAR - bits)) & CHAR_MASK];
  return out;
}
