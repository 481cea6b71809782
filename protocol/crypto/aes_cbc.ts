/**
 * AES-256-CBC with PKCS#7 padding, for the two E2EE formats that use it (e2ee.md §3.5 Signal
 * message keys, §4 Sender Keys, §6.1 legacy attachments). Both are encrypt-then-MAC: callers
 * verify the HMAC (constant time) before calling {@link aes256CbcDecrypt}, so a padding error here
 * is never an oracle. Pure @noble/ciphers, so it runs on every runtime.
 *
 * @module
 */

import { cbc } from "@noble/ciphers/aes.js";
import { ProtocolError } from "../errors.ts";

/** AES-256 key length (bytes). */
export const AES_256_KEY_BYTES = 32;
/** AES block and CBC IV length (bytes). */
export const AES_BLOCK_BYTES = 16;

function check(key: Uint8Array, iv: Uint8Array, action: string): void {
  if (!(key instanceof Uint8Array) || key.length !== AES_256_KEY_BYTES) {
    throw new RangeError(`Cannot ${action}: key is not ${AES_256_KEY_BYTES} bytes`);
  }
  if (!(iv instanceof Uint8Array) || iv.length !== AES_BLOCK_BYTES) {
    throw new RangeError(`Cannot ${action}: IV is not ${AES_BLOCK_BYTES} bytes`);
  }
}

/**
 * Encrypt with AES-256-CBC and PKCS#7 padding.
 *
 * @param key 32-byte key
 * @param iv 16-byte IV
 * @param plaintext any length
 * @returns the ciphertext, a multiple of 16 bytes (at least one block)
 * @throws {RangeError} for a key or IV of the wrong length
 * @example Round trip
 * ```ts
 * import { aes256CbcDecrypt, aes256CbcEncrypt } from "./aes_cbc.ts";
 * const key = new Uint8Array(32).fill(1), iv = new Uint8Array(16).fill(2);
 * const ct = aes256CbcEncrypt(key, iv, new TextEncoder().encode("hi"));
 * if (ct.length !== 16 || new TextDecoder().decode(aes256CbcDecrypt(key, iv, ct)) !== "hi") throw new Error("bad");
 * ```
 */
export function aes256CbcEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  check(key, iv, "encrypt with AES-CBC");
  return cbc(key, iv).encrypt(plaintext);
}

/**
 * Decrypt AES-256-CBC and remove PKCS#7 padding.
 *
 * @param key 32-byte key
 * @param iv 16-byte IV
 * @param ciphertext a non-empty multiple of 16 bytes
 * @returns the plaintext
 * @throws {RangeError} for a key or IV of the wrong length
 * @throws {ProtocolError} `DECRYPT_FAILED` for a ciphertext of the wrong length or bad padding
 * @example Bad padding is refused
 * ```ts
 * import { aes256CbcDecrypt } from "./aes_cbc.ts";
 * let refused = false;
 * try { aes256CbcDecrypt(new Uint8Array(32), new Uint8Array(16), new Uint8Array(16)); } catch { refused = true; }
 * if (!refused) throw new Error("bad");
 * ```
 */
export function aes256CbcDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  check(key, iv, "decrypt with AES-CBC");
  if (ciphertext.length === 0 || ciphertext.length % AES_BLOCK_BYTES !== 0) {
    throw new ProtocolError(
      "DECRYPT_FAILED",
      `Cannot decrypt with AES-CBC: ${ciphertext.length} bytes is not whole blocks`,
    );
  }
  try {
    return cbc(key, iv).decrypt(ciphertext);
  } catch (cause) {
    throw new ProtocolError("DECRYPT_FAILED", "Cannot decrypt with AES-CBC: bad padding", { cause });
  }
}
