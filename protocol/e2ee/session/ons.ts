/**
 * Decryption of an Oxen Name Service (ONS) lookup response (e2ee.md §5.5; libsession
 * `decrypt_ons_response`): `key = BLAKE2b-256(key = BLAKE2b-256(name))(name)`, then
 * XChaCha20-Poly1305 with the 24-byte nonce the record carries; the plaintext is a 33-byte
 * Session ID.
 *
 * Records from before the nonce existed (Argon2id with a zero salt and `crypto_secretbox` with a
 * zero nonce) are not supported: they are refused with `MESSAGE_UNSUPPORTED`.
 *
 * @module
 */

import { toHex, utf8, wipe } from "../../bytes.ts";
import { XCHACHA_NONCE_BYTES, XCHACHA_TAG_BYTES } from "../../constants.ts";
import { ProtocolError } from "../../errors.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import { defaultProvider } from "../../crypto/default.ts";
import { ONS_SESSION_ID_BYTES } from "./constants.ts";

/** BLAKE2b-256 output: the key and the key's key. */
const HASH_BYTES = 32;

/** Options of {@link decryptOnsResponse}. */
export interface DecryptOnsOptions {
  /** The record's 24-byte nonce; a record without one is the legacy Argon2 format (unsupported). */
  nonce?: Uint8Array;
  /** Crypto provider; defaults to the fastest available. */
  provider?: CryptoProvider;
}

/**
 * Decrypt an ONS lookup response into the Session ID it names (e2ee.md §5.5).
 *
 * @param name the ONS name, lower-case
 * @param ciphertext the encrypted value (ciphertext ‖ tag)
 * @param options `nonce` (required for current records), `provider`
 * @returns the Session ID (66 hex characters)
 * @throws {TypeError | RangeError} for arguments of the wrong type or length
 * @throws {ProtocolError} `MESSAGE_UNSUPPORTED` without a nonce (legacy record); `DECRYPT_FAILED`
 *   when it does not authenticate; `MESSAGE_INVALID` when the value is not 33 bytes
 * @example
 * ```ts
 * import { decryptOnsResponse } from "./ons.ts";
 * import { fromHex } from "../../bytes.ts";
 * const id = await decryptOnsResponse(
 *   "test",
 *   fromHex("3575802dd9bfea72672a208840f37ca289ceade5d3ffacabe2d231f109d204329fc33e28c331580d9a8c9b8a64cacfec97"),
 *   { nonce: fromHex("00112233445566778899aabbccddeeff00ffeeddccbbaa99") },
 * );
 * if (id !== "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72") throw new Error(id);
 * ```
 */
export async function decryptOnsResponse(
  name: string,
  ciphertext: Uint8Array,
  options: DecryptOnsOptions = {},
): Promise<string> {
  const action = "decrypt ONS response";
  if (typeof name !== "string") throw new TypeError(`Cannot ${action}: name is not a string`);
  if (!(ciphertext instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: ciphertext is not a Uint8Array`);
  if (options.nonce === undefined) {
    throw new ProtocolError(
      "MESSAGE_UNSUPPORTED",
      `Cannot ${action}: legacy records without a nonce (Argon2id) are not supported`,
    );
  }
  if (!(options.nonce instanceof Uint8Array) || options.nonce.length !== XCHACHA_NONCE_BYTES) {
    throw new RangeError(`Cannot ${action}: nonce is not ${XCHACHA_NONCE_BYTES} bytes`);
  }
  if (ciphertext.length < XCHACHA_TAG_BYTES) {
    throw new ProtocolError("DECRYPT_FAILED", `Cannot ${action}: ${ciphertext.length} bytes, shorter than the tag`);
  }
  const provider = options.provider ?? await defaultProvider();
  const nameBytes = utf8(name);
  const nameHash = await provider.blake2b(nameBytes, HASH_BYTES);
  const key = await provider.blake2b(nameBytes, HASH_BYTES, nameHash);
  try {
    const value = await provider.xchachaOpen(key, options.nonce, ciphertext);
    if (value.length !== ONS_SESSION_ID_BYTES) {
      throw new ProtocolError(
        "MESSAGE_INVALID",
        `Cannot ${action}: value is ${value.length} bytes, expected ${ONS_SESSION_ID_BYTES}`,
      );
    }
    return toHex(value);
  } finally {
    wipe(nameHash, key);
  }
}
