/**
 * The key schedule of libsignal's version-3 sessions (e2ee.md §2.2, §3.1): the X3DH secret
 * derivation, KDF_RK (the root ratchet), KDF_CK (the symmetric chain step) and the 80-byte
 * message-key split.
 *
 * @module
 */

import { concat, utf8, wipe } from "../../bytes.ts";
import { defaultProvider } from "../../crypto/default.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import {
  CHAIN_MESSAGE_KEY_SEED,
  CHAIN_NEXT_KEY_SEED,
  MESSAGE_KEYS_BYTES,
  MESSAGE_KEYS_INFO,
  MESSAGE_KEYS_IV_OFFSET,
  MESSAGE_KEYS_MAC_OFFSET,
  RATCHET_INFO,
  ROOT_KDF_OUTPUT_BYTES,
  SIGNAL_KEY_BYTES,
  X3DH_DISCONTINUITY_BYTES,
  X3DH_INFO,
} from "./constants.ts";

/** Options shared by the key-schedule functions. */
export interface KdfOptions {
  /** Crypto provider; defaults to {@link defaultProvider}. */
  provider?: CryptoProvider;
}

/** A root key and the chain key derived with it (e2ee.md §2.2, §3.1). */
export interface RootAndChainKey {
  /** The new 32-byte root key. */
  rootKey: Uint8Array;
  /** The new 32-byte chain key. */
  chainKey: Uint8Array;
}

/** One step of a symmetric chain (e2ee.md §3.1 KDF_CK). */
export interface ChainStep {
  /** `HMAC(ck, 0x01)`: the seed of this message's keys. */
  messageKeySeed: Uint8Array;
  /** `HMAC(ck, 0x02)`: the chain key of the next message. */
  nextChainKey: Uint8Array;
}

/** The keys of one message (e2ee.md §3.1): views into one 80-byte array. */
export interface MessageKeys {
  /** AES-256-CBC key, bytes [0, 32). */
  cipherKey: Uint8Array;
  /** HMAC-SHA256 key of the message MAC, bytes [32, 64). */
  macKey: Uint8Array;
  /** AES-CBC IV, bytes [64, 80). */
  iv: Uint8Array;
}

/** HKDF "no salt" (RFC 5869 §2.2): HashLen zero bytes. */
const NO_SALT = new Uint8Array(SIGNAL_KEY_BYTES);
const X3DH_INFO_BYTES = utf8(X3DH_INFO);
const RATCHET_INFO_BYTES = utf8(RATCHET_INFO);
const MESSAGE_KEYS_INFO_BYTES = utf8(MESSAGE_KEYS_INFO);
const MESSAGE_KEY_SEED_INPUT = new Uint8Array([CHAIN_MESSAGE_KEY_SEED]);
const NEXT_CHAIN_KEY_INPUT = new Uint8Array([CHAIN_NEXT_KEY_SEED]);

function checkKey(value: unknown, what: string, action: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: ${what} is not a Uint8Array`);
  if (value.length !== SIGNAL_KEY_BYTES) {
    throw new RangeError(`Cannot ${action}: ${what} is ${value.length} bytes, expected ${SIGNAL_KEY_BYTES}`);
  }
}

function split(okm: Uint8Array): RootAndChainKey {
  const out = { rootKey: okm.slice(0, SIGNAL_KEY_BYTES), chainKey: okm.slice(SIGNAL_KEY_BYTES) };
  wipe(okm);
  return out;
}

/**
 * Derive the first root and chain keys from the X3DH agreements (e2ee.md §2.2):
 * `HKDF(salt = none, ikm = 0xFF×32 ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4], info = "WhisperText", L = 64)`.
 *
 * @param agreements the three or four 32-byte DH outputs, in the spec's order
 * @param options provider
 * @returns the root key and the first chain key
 * @throws {RangeError} when there are not three or four 32-byte agreements
 * @example Two parties with the same agreements get the same keys
 * ```ts
 * import { deriveX3dhKeys } from "./kdf.ts";
 * const dh = [1, 2, 3].map((n) => new Uint8Array(32).fill(n));
 * const a = await deriveX3dhKeys(dh), b = await deriveX3dhKeys(dh);
 * if (a.chainKey.join() !== b.chainKey.join()) throw new Error("bad");
 * ```
 */
export async function deriveX3dhKeys(
  agreements: readonly Uint8Array[],
  options: KdfOptions = {},
): Promise<RootAndChainKey> {
  const action = "derive X3DH keys";
  if (!Array.isArray(agreements) || agreements.length < 3 || agreements.length > 4) {
    throw new RangeError(`Cannot ${action}: expected 3 or 4 agreements`);
  }
  agreements.forEach((dh, i) => checkKey(dh, `agreement ${i + 1}`, action));
  const provider = options.provider ?? await defaultProvider();
  const ikm = concat(new Uint8Array(X3DH_DISCONTINUITY_BYTES).fill(0xff), ...agreements);
  try {
    return split(await provider.hkdfSha256(ikm, NO_SALT, X3DH_INFO_BYTES, ROOT_KDF_OUTPUT_BYTES));
  } finally {
    wipe(ikm);
  }
}

/**
 * KDF_RK (e2ee.md §3.1): `HKDF(salt = rootKey, ikm = dhOutput, info = "WhisperRatchet", L = 64)`.
 *
 * @param rootKey the current 32-byte root key
 * @param dhOutput the 32-byte X25519 output of the ratchet step
 * @param options provider
 * @returns the next root key and the new chain key
 * @throws {TypeError | RangeError} when an argument is not 32 bytes
 * @example
 * ```ts
 * import { kdfRootKey } from "./kdf.ts";
 * const { rootKey, chainKey } = await kdfRootKey(new Uint8Array(32), new Uint8Array(32).fill(1));
 * if (rootKey.length !== 32 || chainKey.length !== 32) throw new Error("bad");
 * ```
 */
export async function kdfRootKey(
  rootKey: Uint8Array,
  dhOutput: Uint8Array,
  options: KdfOptions = {},
): Promise<RootAndChainKey> {
  checkKey(rootKey, "root key", "run KDF_RK");
  checkKey(dhOutput, "DH output", "run KDF_RK");
  const provider = options.provider ?? await defaultProvider();
  return split(await provider.hkdfSha256(dhOutput, rootKey, RATCHET_INFO_BYTES, ROOT_KDF_OUTPUT_BYTES));
}

/**
 * KDF_CK (e2ee.md §3.1): message-key seed `HMAC(ck, 0x01)`, next chain key `HMAC(ck, 0x02)`.
 *
 * @param chainKey the 32-byte chain key
 * @param options provider
 * @returns the seed of this message's keys and the next chain key
 * @throws {TypeError | RangeError} when the chain key is not 32 bytes
 * @example
 * ```ts
 * import { kdfChainKey } from "./kdf.ts";
 * const step = await kdfChainKey(new Uint8Array(32).fill(7));
 * if (step.messageKeySeed.join() === step.nextChainKey.join()) throw new Error("bad");
 * ```
 */
export async function kdfChainKey(chainKey: Uint8Array, options: KdfOptions = {}): Promise<ChainStep> {
  checkKey(chainKey, "chain key", "run KDF_CK");
  const provider = options.provider ?? await defaultProvider();
  const messageKeySeed = await provider.hmacSha256(chainKey, MESSAGE_KEY_SEED_INPUT);
  const nextChainKey = await provider.hmacSha256(chainKey, NEXT_CHAIN_KEY_INPUT);
  return { messageKeySeed, nextChainKey };
}

/**
 * The keys of one message (e2ee.md §3.1): `HKDF(salt = none, ikm = seed, info = "WhisperMessageKeys",
 * L = 80)` split as cipher key [0, 32), MAC key [32, 64), IV [64, 80). The three are views of one
 * array; wipe `cipherKey.buffer` (or each) when done.
 *
 * @param messageKeySeed the 32-byte seed from {@link kdfChainKey}
 * @param options provider
 * @returns the cipher key, MAC key and IV
 * @throws {TypeError | RangeError} when the seed is not 32 bytes
 * @example
 * ```ts
 * import { deriveMessageKeys } from "./kdf.ts";
 * const keys = await deriveMessageKeys(new Uint8Array(32));
 * if (keys.cipherKey.length !== 32 || keys.macKey.length !== 32 || keys.iv.length !== 16) throw new Error("bad");
 * ```
 */
export async function deriveMessageKeys(messageKeySeed: Uint8Array, options: KdfOptions = {}): Promise<MessageKeys> {
  checkKey(messageKeySeed, "message-key seed", "derive message keys");
  const provider = options.provider ?? await defaultProvider();
  const okm = await provider.hkdfSha256(messageKeySeed, NO_SALT, MESSAGE_KEYS_INFO_BYTES, MESSAGE_KEYS_BYTES);
  return {
    cipherKey: okm.subarray(0, MESSAGE_KEYS_MAC_OFFSET),
    macKey: okm.subarray(MESSAGE_KEYS_MAC_OFFSET, MESSAGE_KEYS_IV_OFFSET),
    iv: okm.subarray(MESSAGE_KEYS_IV_OFFSET, MESSAGE_KEYS_BYTES),
  };
}

/**
 * Overwrite message keys with zeros once used (style.md rule 7).
 *
 * @param keys keys from {@link deriveMessageKeys}
 * @example
 * ```ts
 * import { deriveMessageKeys, wipeMessageKeys } from "./kdf.ts";
 * const keys = await deriveMessageKeys(new Uint8Array(32));
 * wipeMessageKeys(keys);
 * if (keys.macKey.some((b) => b !== 0)) throw new Error("bad");
 * ```
 */
export function wipeMessageKeys(keys: MessageKeys): void {
  wipe(keys.cipherKey, keys.macKey, keys.iv);
}
