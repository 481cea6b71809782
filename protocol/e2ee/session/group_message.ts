/**
 * Groups v2 message encryption (e2ee.md §5.3; libsession `encrypt_for_group`,
 * `decrypt_group_message`): a signed bencoded dict
 * `{"": 1, "a": sender Ed25519 key, "d"|"z": data, "s": sig(data ‖ group key)}`, zero-padded so
 * nonce, ciphertext and tag fill a multiple of 256 bytes, under XChaCha20-Poly1305 with the
 * group's symmetric encryption key.
 *
 * Compression (`z`, zstd) is optional: encryption writes `d` unless a {@link ZstdCodec} is passed
 * and makes the data smaller; decryption of `z` needs a codec (passed, or {@link loadZstd}) and is
 * refused with `MESSAGE_UNSUPPORTED` where there is none.
 *
 * @module
 */

import { concat, wipe } from "../../bytes.ts";
import { ED25519_KEY_BYTES, ED25519_SIGNATURE_BYTES, XCHACHA_NONCE_BYTES, XCHACHA_TAG_BYTES } from "../../constants.ts";
import { isProtocolError, ProtocolError } from "../../errors.ts";
import { type Rng, systemRng } from "../../rng.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import { defaultProvider } from "../../crypto/default.ts";
import { bdecode, type BDict, bencode } from "../../onion/bencode.ts";
import {
  GROUP_MAX_PLAINTEXT_BYTES,
  GROUP_MESSAGE_PADDING_BYTES,
  GROUP_MESSAGE_VERSION,
  PREFIX_GROUP_V2,
} from "./constants.ts";
import { ed25519KeyPair, type Ed25519Secret, parsePrefixedId, sessionIdOfEd25519 } from "./keys.ts";
import { loadZstd, type ZstdCodec } from "./zstd.ts";

/** XChaCha20-Poly1305 key length. */
const GROUP_KEY_BYTES = 32;
/** Nonce and tag around the dict (libsession `GROUPS_ENCRYPT_OVERHEAD`). */
const GROUP_ENCRYPT_OVERHEAD_BYTES = XCHACHA_NONCE_BYTES + XCHACHA_TAG_BYTES;
/** First and last byte of a bencoded dict. */
const CH_D = 0x64, CH_E = 0x65;

/** Options of {@link encryptForGroup}. */
export interface EncryptForGroupOptions {
  /** The group: its `03…` ID or its 32-byte Ed25519 public key. */
  group: string | Uint8Array;
  /** The group's current 32-byte symmetric encryption key (from the group keys config). */
  encryptionKey: Uint8Array;
  /** Compress with this codec when that makes the data smaller (key `z`); without it, `d` is written. */
  zstd?: ZstdCodec;
  /** Pad so that nonce ‖ ciphertext ‖ tag is a multiple of this; defaults to 256, 1 or 0 disables. */
  padding?: number;
  /** Source of the nonce; defaults to the system CSPRNG. */
  rng?: Rng;
  /** Crypto provider; defaults to the fastest available. */
  provider?: CryptoProvider;
}

/** Options of {@link decryptGroupMessage}. */
export interface DecryptGroupMessageOptions {
  /** The group: its `03…` ID or its 32-byte Ed25519 public key. */
  group: string | Uint8Array;
  /** zstd decompressor for `z` messages; defaults to {@link loadZstd}; `null` means none. */
  zstd?: ZstdCodec | null;
  /** Crypto provider; defaults to the fastest available. */
  provider?: CryptoProvider;
}

/** A decrypted, authenticated group message. */
export interface GroupMessage {
  /** The plaintext (for the live network: a serialized Envelope of type 7). */
  plaintext: Uint8Array;
  /** The sender's Ed25519 public key, which signed the data. */
  senderEd25519: Uint8Array;
  /** The sender's Session ID `05 ‖ toMontgomery(a)`. */
  senderSessionId: string;
  /** Index of the key in `encryptionKeys` that decrypted it. */
  keyIndex: number;
  /** Whether the data was zstd-compressed (`z`). */
  compressed: boolean;
}

/** The group's 32-byte Ed25519 public key from an `03…` ID or raw bytes. */
function groupKey(group: string | Uint8Array, action: string): Uint8Array {
  if (typeof group === "string") return parsePrefixedId(group, [PREFIX_GROUP_V2], action).key.slice();
  if (!(group instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: group is not a string or Uint8Array`);
  if (group.length !== ED25519_KEY_BYTES) {
    throw new RangeError(`Cannot ${action}: group key is ${group.length} bytes, expected ${ED25519_KEY_BYTES}`);
  }
  return group.slice();
}

function checkEncryptionKey(key: unknown, action: string): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: encryption key is not a Uint8Array`);
  if (key.length !== GROUP_KEY_BYTES) {
    throw new RangeError(`Cannot ${action}: encryption key is ${key.length} bytes, expected ${GROUP_KEY_BYTES}`);
  }
}

function invalid(action: string, detail: string, cause?: unknown): ProtocolError {
  return new ProtocolError(
    "MESSAGE_INVALID",
    `Cannot ${action}: ${detail}`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Sign, (optionally) compress, pad and encrypt a group message (e2ee.md §5.3).
 *
 * @param plaintext the data (for the live network: a serialized Envelope of type 7), at most 1 MB
 * @param senderSecret the sender's Ed25519 secret (32-byte seed or 64-byte `seed ‖ public`)
 * @param options `group`, `encryptionKey`, `zstd`, `padding`, `rng`, `provider`
 * @returns `nonce ‖ XChaCha20-Poly1305(dict ‖ zeros)`
 * @throws {TypeError | RangeError} for arguments of the wrong type, length or size
 * @throws {ProtocolError} `KEY_INVALID` for a malformed group ID
 * @example Round trip
 * ```ts
 * import { decryptGroupMessage, encryptForGroup } from "./group_message.ts";
 * import { ed25519 } from "@noble/curves/ed25519.js";
 * import { toHex } from "../../bytes.ts";
 * const group = "03" + toHex(ed25519.getPublicKey(new Uint8Array(32).fill(4)));
 * const key = new Uint8Array(32).fill(9);
 * const ct = await encryptForGroup(new Uint8Array([1, 2]), new Uint8Array(32).fill(1), { group, encryptionKey: key });
 * if (ct.length % 256 !== 0) throw new Error("not padded");
 * const msg = await decryptGroupMessage(ct, [key], { group });
 * if (msg.plaintext.join() !== "1,2") throw new Error("bad");
 * ```
 */
export async function encryptForGroup(
  plaintext: Uint8Array,
  senderSecret: Ed25519Secret,
  options: EncryptForGroupOptions,
): Promise<Uint8Array> {
  const action = "encrypt for group";
  if (!(plaintext instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: plaintext is not a Uint8Array`);
  if (plaintext.length > GROUP_MAX_PLAINTEXT_BYTES) {
    throw new RangeError(
      `Cannot ${action}: plaintext is ${plaintext.length} bytes, limit ${GROUP_MAX_PLAINTEXT_BYTES}`,
    );
  }
  checkEncryptionKey(options.encryptionKey, action);
  const padding = options.padding ?? GROUP_MESSAGE_PADDING_BYTES;
  if (!Number.isSafeInteger(padding) || padding < 0) {
    throw new RangeError(`Cannot ${action}: padding ${padding} is not a non-negative integer`);
  }
  const group = groupKey(options.group, action);
  const provider = options.provider ?? await defaultProvider();
  const sender = await ed25519KeyPair(senderSecret, provider, action);
  let data = plaintext;
  let compressed = false;
  if (options.zstd !== undefined) {
    const z = options.zstd.compress(plaintext);
    if (z.length < plaintext.length) [data, compressed] = [z, true];
  }
  let dict: Uint8Array | undefined;
  try {
    // The signature covers the stored (possibly compressed) bytes followed by the group key.
    const signature = await provider.ed25519Sign(sender.seed, concat(data, group));
    const fields: BDict = { "": GROUP_MESSAGE_VERSION, a: sender.publicKey, s: signature };
    fields[compressed ? "z" : "d"] = data;
    const encoded = bencode(fields);
    let length = encoded.length;
    const total = GROUP_ENCRYPT_OVERHEAD_BYTES + length;
    if (padding > 1 && total % padding !== 0) length += padding - (total % padding);
    dict = new Uint8Array(length);
    dict.set(encoded);
    wipe(encoded);
    const nonce = (options.rng ?? systemRng).fill(new Uint8Array(XCHACHA_NONCE_BYTES));
    return concat(nonce, await provider.xchachaSeal(options.encryptionKey, nonce, dict));
  } finally {
    wipe(sender.seed, dict);
  }
}

/**
 * Decrypt and authenticate a group message (e2ee.md §5.3 "To receive"), trying each key.
 *
 * @param ciphertext `nonce ‖ ciphertext ‖ tag`
 * @param encryptionKeys the group's known 32-byte encryption keys, newest first
 * @param options `group`, `zstd`, `provider`
 * @returns the plaintext and the sender
 * @throws {TypeError | RangeError} for arguments of the wrong type or length
 * @throws {ProtocolError} `DECRYPT_FAILED` when no key opens it; `MESSAGE_INVALID` for a malformed
 *   dict (not bencode, both or neither of `d`/`z`, empty data, wrong sizes, bad zstd);
 *   `MESSAGE_UNSUPPORTED` for another version or `z` without a decompressor; `SIGNATURE_INVALID`
 *   when `s` does not verify; `KEY_INVALID` when `a` is not a usable key
 * @example A message for another group is refused
 * ```ts
 * import { decryptGroupMessage, encryptForGroup } from "./group_message.ts";
 * import { isProtocolError } from "../../errors.ts";
 * import { ed25519 } from "@noble/curves/ed25519.js";
 * const key = new Uint8Array(32).fill(9);
 * const g1 = ed25519.getPublicKey(new Uint8Array(32).fill(4)), g2 = ed25519.getPublicKey(new Uint8Array(32).fill(5));
 * const ct = await encryptForGroup(new Uint8Array([1]), new Uint8Array(32).fill(1), { group: g1, encryptionKey: key });
 * try {
 *   await decryptGroupMessage(ct, [key], { group: g2 });
 *   throw new Error("accepted");
 * } catch (e) {
 *   if (!isProtocolError(e, "SIGNATURE_INVALID")) throw e;
 * }
 * ```
 */
export async function decryptGroupMessage(
  ciphertext: Uint8Array,
  encryptionKeys: readonly Uint8Array[],
  options: DecryptGroupMessageOptions,
): Promise<GroupMessage> {
  const action = "decrypt group message";
  if (!(ciphertext instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: ciphertext is not a Uint8Array`);
  if (!Array.isArray(encryptionKeys)) throw new TypeError(`Cannot ${action}: encryption keys are not an array`);
  for (const key of encryptionKeys) checkEncryptionKey(key, action);
  const group = groupKey(options.group, action);
  const provider = options.provider ?? await defaultProvider();
  if (ciphertext.length < GROUP_ENCRYPT_OVERHEAD_BYTES) {
    throw new ProtocolError(
      "DECRYPT_FAILED",
      `Cannot ${action}: ${ciphertext.length} bytes, shorter than nonce and tag (${GROUP_ENCRYPT_OVERHEAD_BYTES})`,
    );
  }
  const nonce = ciphertext.subarray(0, XCHACHA_NONCE_BYTES);
  const sealed = ciphertext.subarray(XCHACHA_NONCE_BYTES);
  let plain: Uint8Array | undefined;
  let keyIndex = -1;
  for (let i = 0; i < encryptionKeys.length && plain === undefined; i++) {
    try {
      plain = await provider.xchachaOpen(encryptionKeys[i], nonce, sealed);
      keyIndex = i;
    } catch (e) {
      if (!isProtocolError(e, "DECRYPT_FAILED")) throw e;
    }
  }
  if (plain === undefined) {
    throw new ProtocolError(
      "DECRYPT_FAILED",
      `Cannot ${action}: none of ${encryptionKeys.length} group key(s) opens it`,
    );
  }
  try {
    // Strip the zero padding, then require one bencoded dict.
    let end = plain.length;
    while (end > 0 && plain[end - 1] === 0) end--;
    const body = plain.subarray(0, end);
    if (body.length === 0 || body[0] !== CH_D || body[body.length - 1] !== CH_E) {
      throw invalid(action, "decrypted data is not a bencoded dict");
    }
    let dict: BDict;
    try {
      dict = bdecode(body) as BDict;
    } catch (cause) {
      throw invalid(action, "decrypted data is not a bencoded dict", cause);
    }
    const version = dict[""];
    if (typeof version !== "number") throw invalid(action, 'version "" is missing or not an integer');
    if (version !== GROUP_MESSAGE_VERSION) {
      throw new ProtocolError(
        "MESSAGE_UNSUPPORTED",
        `Cannot ${action}: version ${version}, supported ${GROUP_MESSAGE_VERSION}`,
      );
    }
    const senderEd25519 = bytesField(dict, "a", ED25519_KEY_BYTES, action);
    const signature = bytesField(dict, "s", ED25519_SIGNATURE_BYTES, action);
    const d = optionalData(dict, "d", action);
    const z = optionalData(dict, "z", action);
    if (d !== undefined && z !== undefined) throw invalid(action, 'dict has both "d" and "z" data');
    const data = d ?? z;
    if (data === undefined) throw invalid(action, 'dict has neither "d" nor "z" data');
    let senderSessionId: string;
    try {
      senderSessionId = await sessionIdOfEd25519(senderEd25519, provider);
    } catch (cause) {
      throw new ProtocolError("KEY_INVALID", `Cannot ${action}: sender key has no X25519 form`, { cause });
    }
    if (!await provider.ed25519Verify(senderEd25519, concat(data, group), signature)) {
      throw new ProtocolError("SIGNATURE_INVALID", `Cannot ${action}: sender signature does not verify`);
    }
    let plaintext: Uint8Array;
    if (z !== undefined) {
      const zstd = options.zstd === undefined ? await loadZstd() : options.zstd;
      if (zstd === undefined || zstd === null) {
        throw new ProtocolError(
          "MESSAGE_UNSUPPORTED",
          `Cannot ${action}: data is zstd-compressed and no decompressor is available`,
        );
      }
      try {
        plaintext = zstd.decompress(z, GROUP_MAX_PLAINTEXT_BYTES);
      } catch (cause) {
        throw invalid(action, `zstd data is malformed or exceeds ${GROUP_MAX_PLAINTEXT_BYTES} bytes`, cause);
      }
    } else {
      plaintext = data.slice();
    }
    return { plaintext, senderEd25519: senderEd25519.slice(), senderSessionId, keyIndex, compressed: z !== undefined };
  } finally {
    wipe(plain);
  }
}

/** A byte-string field of exactly `length` bytes. */
function bytesField(dict: BDict, key: string, length: number, action: string): Uint8Array {
  const value = dict[key];
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw invalid(action, `"${key}" is missing or not ${length} bytes`);
  }
  return value;
}

/** An optional non-empty byte-string field. */
function optionalData(dict: BDict, key: string, action: string): Uint8Array | undefined {
  const value = dict[key];
  if (value === undefined) return undefined;
  if (!(value instanceof Uint8Array)) throw invalid(action, `"${key}" is not a byte string`);
  if (value.length === 0) throw invalid(action, `"${key}" data is empty`);
  return value;
}
