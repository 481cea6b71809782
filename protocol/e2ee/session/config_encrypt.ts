/**
 * Encryption of config messages (e2ee.md §5.5; libsession `config/encrypt.cpp`): deterministic
 * XChaCha20-Poly1305, so that every client encrypting the same config produces the same bytes and
 * the swarm can deduplicate them.
 *
 * - `key = BLAKE2b-256(keyBase ‖ u64_be(len(plaintext)) ‖ domain)`;
 * - `nonce = BLAKE2b-192(key = "libsessionutil-config-encrypted-" ‖ domain)(plaintext)`;
 * - output `ciphertext ‖ tag ‖ nonce`.
 *
 * And the padding sizes configs are padded to before encryption (`padded_size`, `pad_message`).
 *
 * @module
 */

import { concat, utf8, wipe } from "../../bytes.ts";
import { XCHACHA_NONCE_BYTES } from "../../constants.ts";
import { ProtocolError } from "../../errors.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import { defaultProvider } from "../../crypto/default.ts";
import { CONFIG_DOMAIN_MAX_CHARS, CONFIG_ENCRYPT_OVERHEAD_BYTES, CONFIG_NONCE_KEY_PREFIX } from "./constants.ts";

/** Length of the key base and of the derived key. */
const KEY_BYTES = 32;
/** Bytes of the big-endian length in the key hash. */
const U64_BYTES = 8;
/** Padded-size steps of libsession `padded_size`: [limit, chunk] — below `limit`, round up to `chunk`. */
const PADDING_STEPS: readonly (readonly [number, number])[] = [[5120, 256], [20480, 1024], [40960, 2048]];
/** Chunk above the last step. */
const PADDING_LAST_CHUNK = 5120;

/** Options of {@link configEncrypt} and {@link configDecrypt}. */
export interface ConfigEncryptOptions {
  /** The config type, e.g. `"UserProfile"`: 1–24 characters. */
  domain: string;
  /** Crypto provider; defaults to the fastest available. */
  provider?: CryptoProvider;
}

function checkArgs(keyBase: unknown, domain: unknown, action: string): asserts keyBase is Uint8Array {
  if (!(keyBase instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: key base is not a Uint8Array`);
  if (keyBase.length !== KEY_BYTES) {
    throw new RangeError(`Cannot ${action}: key base is ${keyBase.length} bytes, expected ${KEY_BYTES}`);
  }
  if (typeof domain !== "string") throw new TypeError(`Cannot ${action}: domain is not a string`);
  const length = utf8(domain).length;
  if (length < 1 || length > CONFIG_DOMAIN_MAX_CHARS) {
    throw new RangeError(`Cannot ${action}: domain is ${length} bytes, expected 1–${CONFIG_DOMAIN_MAX_CHARS}`);
  }
}

/** `BLAKE2b-256(keyBase ‖ u64_be(length) ‖ domain)`. */
async function configKey(keyBase: Uint8Array, length: number, domain: Uint8Array, provider: CryptoProvider) {
  const size = new Uint8Array(U64_BYTES);
  new DataView(size.buffer).setBigUint64(0, BigInt(length), false);
  return await provider.blake2b(concat(keyBase, size, domain), KEY_BYTES);
}

/**
 * Encrypt a config message deterministically (e2ee.md §5.5).
 *
 * @param plaintext the (padded) config data
 * @param keyBase the 32-byte key every reader can compute
 * @param options `domain`, `provider`
 * @returns `ciphertext ‖ tag ‖ nonce`, 40 bytes longer than the plaintext
 * @throws {TypeError | RangeError} for arguments of the wrong type or length
 * @example Deterministic
 * ```ts
 * import { configEncrypt } from "./config_encrypt.ts";
 * const key = new Uint8Array(32).fill(1), msg = new TextEncoder().encode("x");
 * const a = await configEncrypt(msg, key, { domain: "test" });
 * const b = await configEncrypt(msg, key, { domain: "test" });
 * if (a.join() !== b.join() || a.length !== 41) throw new Error("bad");
 * ```
 */
export async function configEncrypt(
  plaintext: Uint8Array,
  keyBase: Uint8Array,
  options: ConfigEncryptOptions,
): Promise<Uint8Array> {
  const action = "encrypt config";
  if (!(plaintext instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: plaintext is not a Uint8Array`);
  checkArgs(keyBase, options.domain, action);
  const provider = options.provider ?? await defaultProvider();
  const domain = utf8(options.domain);
  const key = await configKey(keyBase, plaintext.length, domain, provider);
  try {
    const nonce = await provider.blake2b(plaintext, XCHACHA_NONCE_BYTES, concat(utf8(CONFIG_NONCE_KEY_PREFIX), domain));
    return concat(await provider.xchachaSeal(key, nonce, plaintext), nonce);
  } finally {
    wipe(key);
  }
}

/**
 * Decrypt a config message (e2ee.md §5.5).
 *
 * @param ciphertext `ciphertext ‖ tag ‖ nonce`
 * @param keyBase the 32-byte key base
 * @param options `domain`, `provider`
 * @returns the plaintext
 * @throws {TypeError | RangeError} for arguments of the wrong type or length
 * @throws {ProtocolError} `DECRYPT_FAILED` when it is too short or does not authenticate
 * @example Round trip
 * ```ts
 * import { configDecrypt, configEncrypt } from "./config_encrypt.ts";
 * const key = new Uint8Array(32).fill(1);
 * const ct = await configEncrypt(new Uint8Array([1, 2]), key, { domain: "test" });
 * if ((await configDecrypt(ct, key, { domain: "test" })).join() !== "1,2") throw new Error("bad");
 * ```
 */
export async function configDecrypt(
  ciphertext: Uint8Array,
  keyBase: Uint8Array,
  options: ConfigEncryptOptions,
): Promise<Uint8Array> {
  const action = "decrypt config";
  if (!(ciphertext instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: ciphertext is not a Uint8Array`);
  checkArgs(keyBase, options.domain, action);
  if (ciphertext.length < CONFIG_ENCRYPT_OVERHEAD_BYTES) {
    throw new ProtocolError(
      "DECRYPT_FAILED",
      `Cannot ${action}: ${ciphertext.length} bytes, shorter than the ${CONFIG_ENCRYPT_OVERHEAD_BYTES}-byte overhead`,
    );
  }
  const provider = options.provider ?? await defaultProvider();
  const sealedLength = ciphertext.length - XCHACHA_NONCE_BYTES;
  const key = await configKey(
    keyBase,
    ciphertext.length - CONFIG_ENCRYPT_OVERHEAD_BYTES,
    utf8(options.domain),
    provider,
  );
  try {
    return await provider.xchachaOpen(key, ciphertext.subarray(sealedLength), ciphertext.subarray(0, sealedLength));
  } finally {
    wipe(key);
  }
}

/**
 * The size a config message is padded to so that, with `overhead` more bytes, it fills a step of
 * 256 bytes below 5120, 1024 below 20480, 2048 below 40960 and 5120 above (libsession
 * `padded_size`).
 *
 * @param contentSize the unpadded size
 * @param overhead bytes added after padding; defaults to the 40 of {@link configEncrypt}
 * @returns the padded size, at least `contentSize`
 * @throws {RangeError} for negative or non-integer sizes
 * @example
 * ```ts
 * import { configPaddedSize } from "./config_encrypt.ts";
 * if (configPaddedSize(1, 0) !== 256 || configPaddedSize(247, 10) !== 502) throw new Error("bad");
 * ```
 */
export function configPaddedSize(contentSize: number, overhead: number = CONFIG_ENCRYPT_OVERHEAD_BYTES): number {
  for (const [name, value] of [["content size", contentSize], ["overhead", overhead]] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`Cannot compute padded size: ${name} ${value} is not a non-negative integer`);
    }
  }
  const total = contentSize + overhead;
  const chunk = PADDING_STEPS.find(([limit]) => total < limit)?.[1] ?? PADDING_LAST_CHUNK;
  return Math.ceil(total / chunk) * chunk - overhead;
}

/**
 * Pad a config message with leading zero bytes to {@link configPaddedSize} (libsession
 * `pad_message`: the padding goes in front).
 *
 * @param data the config data
 * @param overhead bytes added after padding; defaults to 40
 * @returns the padded data (a fresh array)
 * @throws {TypeError | RangeError} for arguments of the wrong type or range
 * @example
 * ```ts
 * import { padConfigMessage } from "./config_encrypt.ts";
 * const out = padConfigMessage(new Uint8Array([9]));
 * if (out.length !== 216 || out[215] !== 9 || out[0] !== 0) throw new Error("bad");
 * ```
 */
export function padConfigMessage(data: Uint8Array, overhead: number = CONFIG_ENCRYPT_OVERHEAD_BYTES): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError("Cannot pad config message: data is not a Uint8Array");
  const size = Math.max(configPaddedSize(data.length, overhead), data.length);
  const out = new Uint8Array(size);
  out.set(data, size - data.length);
  return out;
}
