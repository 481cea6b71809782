/**
 * Incremental keyed BLAKE2b with a personalisation (RFC 7693; libsodium
 * `crypto_generichash_blake2b_init_salt_personal`), for the attachment key and nonce of e2ee.md
 * §6.2. The crypto providers offer one-shot BLAKE2b without personalisation only, and the
 * attachment is hashed in chunks, so this wraps @noble/hashes directly.
 *
 * @module
 */

import { blake2b } from "@noble/hashes/blake2.js";

/** An incremental hash: feed chunks, then take the digest once. */
export interface IncrementalHash {
  /** Hash more bytes. */
  update(data: Uint8Array): void;
  /** The digest; the hasher is finished afterwards. */
  digest(): Uint8Array;
}

/**
 * A BLAKE2b hasher with the given output length, key and 16-byte personalisation.
 *
 * @param outLength 1–64
 * @param key 0–64 bytes
 * @param personalization 16 bytes
 * @returns the hasher
 * @example Output length and personalisation change the digest
 * ```ts
 * import { blake2bPersonal } from "./blake2b_personal.ts";
 * const pers = new TextEncoder().encode("SessionAttachmnt");
 * const h = blake2bPersonal(56, new Uint8Array(32), pers);
 * h.update(new Uint8Array([1, 2, 3]));
 * if (h.digest().length !== 56) throw new Error("bad");
 * ```
 */
export function blake2bPersonal(outLength: number, key: Uint8Array, personalization: Uint8Array): IncrementalHash {
  const h = blake2b.create({ dkLen: outLength, key, personalization });
  return {
    update(data: Uint8Array): void {
      h.update(data);
    },
    digest(): Uint8Array {
      return h.digest();
    },
  };
}
