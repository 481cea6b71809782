/**
 * The storage message hash (swarms-and-storage.md §8): unpadded standard base64 of
 * BLAKE2b-256(prefix ‖ key32 ‖ namespace text ‖ data). Timestamp and expiry do not enter it, so
 * re-storing identical data in the same mailbox is idempotent.
 *
 * @module
 */

import { BLAKE2B_256_BYTES } from "../constants.ts";
import { toBase64, utf8 } from "../bytes.ts";
import type { CryptoProvider } from "../crypto/provider.ts";
import { defaultProvider } from "../crypto/default.ts";
import { namespaceText } from "./namespace.ts";

/** Account id length: prefix byte ‖ 32-byte key (swarms-and-storage.md §1.1). */
export const ACCOUNT_ID_BYTES = 33;
/** Message hash length as unpadded base64 text (swarms-and-storage.md §8). */
export const MESSAGE_HASH_CHARS = 43;

/** Options: provider. */
export interface MessageHashOptions {
  /** Crypto provider; defaults to {@link defaultProvider}. */
  provider?: CryptoProvider;
}

/**
 * The exact BLAKE2b input of a message hash: account id ‖ namespace text ‖ data
 * (swarms-and-storage.md §8).
 *
 * @param accountId 33-byte account id (prefix byte ‖ 32-byte key)
 * @param namespace signed 16-bit namespace; 0 contributes nothing
 * @param data message data (its size limit is checked where a store is parsed, §7.1)
 * @returns a fresh array
 * @throws {TypeError} when an argument has the wrong type
 * @throws {RangeError} on a wrong account-id length or an out-of-range namespace
 * @example
 * ```ts
 * import { messageHashInput } from "./message_hash.ts";
 * const input = messageHashInput(new Uint8Array(33), -10, new Uint8Array([0x78]));
 * if (input.length !== 33 + 3 + 1 || input[33] !== 0x2d) throw new Error("bad");
 * ```
 */
export function messageHashInput(accountId: Uint8Array, namespace: number, data: Uint8Array): Uint8Array {
  if (!(accountId instanceof Uint8Array)) throw new TypeError("Cannot hash message: account id is not a Uint8Array");
  if (accountId.length !== ACCOUNT_ID_BYTES) {
    throw new RangeError(`Cannot hash message: account id is ${accountId.length} bytes, expected ${ACCOUNT_ID_BYTES}`);
  }
  if (!(data instanceof Uint8Array)) throw new TypeError("Cannot hash message: data is not a Uint8Array");
  const ns = utf8(namespaceText(namespace));
  const input = new Uint8Array(accountId.length + ns.length + data.length);
  input.set(accountId, 0);
  input.set(ns, accountId.length);
  input.set(data, accountId.length + ns.length);
  return input;
}

/**
 * The message hash: unpadded standard base64 of BLAKE2b-256 over {@link messageHashInput}
 * (swarms-and-storage.md §8).
 *
 * @param accountId 33-byte account id (prefix byte ‖ 32-byte key)
 * @param namespace signed 16-bit namespace
 * @param data message data (its size limit is checked where a store is parsed, §7.1)
 * @param options provider
 * @returns the 43-character hash
 * @throws {TypeError | RangeError} as {@link messageHashInput}
 * @example Hashing an empty message in namespace 0
 * ```ts
 * import { messageHash } from "./message_hash.ts";
 * const hash = await messageHash(new Uint8Array(33), 0, new Uint8Array(0));
 * if (hash !== "2JCMFl3ueFkk50IaD9BBihnV2u7Dlf1QWpKg/TEX5Cg") throw new Error("bad");
 * ```
 */
export async function messageHash(
  accountId: Uint8Array,
  namespace: number,
  data: Uint8Array,
  options: MessageHashOptions = {},
): Promise<string> {
  const input = messageHashInput(accountId, namespace, data);
  const provider = options.provider ?? await defaultProvider();
  const digest = await provider.blake2b(input, BLAKE2B_256_BYTES);
  // 32 bytes give 44 base64 characters ending in one "=", which the hash drops.
  return toBase64(digest).slice(0, MESSAGE_HASH_CHARS);
}
