/**
 * Decryption of a push-notification payload (e2ee.md §5.5; libsession
 * `decrypt_push_notification`): `nonce(24) ‖ XChaCha20-Poly1305(encKey, nonce, data ‖ zeros)`,
 * with the trailing zero padding stripped after decryption.
 *
 * @module
 */

import { XCHACHA_NONCE_BYTES, XCHACHA_TAG_BYTES } from "../../constants.ts";
import { ProtocolError } from "../../errors.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import { defaultProvider } from "../../crypto/default.ts";

/** XChaCha20-Poly1305 key length. */
const KEY_BYTES = 32;

/** Options of {@link decryptPushNotification}. */
export interface DecryptPushOptions {
  /** Crypto provider; defaults to the fastest available. */
  provider?: CryptoProvider;
}

/**
 * Decrypt a push-notification payload and strip its zero padding (e2ee.md §5.5).
 *
 * @param payload `nonce ‖ ciphertext ‖ tag`
 * @param encryptionKey the 32-byte key registered with the push server
 * @param options `provider`
 * @returns the plaintext without trailing zero bytes
 * @throws {TypeError | RangeError} for arguments of the wrong type or length
 * @throws {ProtocolError} `DECRYPT_FAILED` when it is too short or does not authenticate
 * @example
 * ```ts
 * import { decryptPushNotification } from "./push.ts";
 * import { fromHex } from "../../bytes.ts";
 * const out = await decryptPushNotification(
 *   fromHex("00112233445566778899aabbccddeeff00ffeeddccbbaa991bcba42892762dbeecbfb1a375fab4aca5f0991e99eb0344ceeafa"),
 *   fromHex("0123456789abcdef0123456789abcdeffedcba9876543210fedcba9876543210"),
 * );
 * if (new TextDecoder().decode(out) !== "TestMessage") throw new Error("bad");
 * ```
 */
export async function decryptPushNotification(
  payload: Uint8Array,
  encryptionKey: Uint8Array,
  options: DecryptPushOptions = {},
): Promise<Uint8Array> {
  const action = "decrypt push notification";
  if (!(payload instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: payload is not a Uint8Array`);
  if (!(encryptionKey instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: key is not a Uint8Array`);
  if (encryptionKey.length !== KEY_BYTES) {
    throw new RangeError(`Cannot ${action}: key is ${encryptionKey.length} bytes, expected ${KEY_BYTES}`);
  }
  if (payload.length < XCHACHA_NONCE_BYTES + XCHACHA_TAG_BYTES) {
    throw new ProtocolError("DECRYPT_FAILED", `Cannot ${action}: ${payload.length} bytes, shorter than nonce and tag`);
  }
  const provider = options.provider ?? await defaultProvider();
  const plain = await provider.xchachaOpen(
    encryptionKey,
    payload.subarray(0, XCHACHA_NONCE_BYTES),
    payload.subarray(XCHACHA_NONCE_BYTES),
  );
  let end = plain.length;
  while (end > 0 && plain[end - 1] === 0) end--;
  return plain.slice(0, end);
}
