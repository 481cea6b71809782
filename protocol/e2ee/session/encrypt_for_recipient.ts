/**
 * One-to-one Session encryption, the signed sealed box (e2ee.md §5.1; libsession
 * `encrypt_for_recipient`, `encrypt_for_recipient_deterministic`, `decrypt_incoming`):
 *
 * 1. `SIG = Ed25519-Sign(s, M ‖ A ‖ Y)`, binding the message to the recipient key `Y`;
 * 2. `inner = M ‖ A ‖ SIG` (96 bytes more);
 * 3. `crypto_box_seal(inner, Y)` (48 bytes more).
 *
 * Stateless: no forward secrecy at this layer.
 *
 * @module
 */

import { concat, wipe } from "../../bytes.ts";
import { ED25519_KEY_BYTES, ED25519_SIGNATURE_BYTES } from "../../constants.ts";
import { isProtocolError, ProtocolError } from "../../errors.ts";
import type { Rng } from "../../rng.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import { defaultProvider } from "../../crypto/default.ts";
import {
  boxSeedKeyPair,
  deterministicEphemeralSeed,
  openSealedBox,
  sealBox,
  SEALED_BOX_OVERHEAD_BYTES,
} from "../../crypto/sealed_box.ts";
import { SIGNED_INNER_OVERHEAD_BYTES } from "./constants.ts";
import { ed25519KeyPair, type Ed25519Secret, recipientX25519, sessionIdOfEd25519 } from "./keys.ts";

/** Total overhead of {@link encryptForRecipient}: A ‖ SIG inside a sealed box (e2ee.md §5.1). */
export const RECIPIENT_ENCRYPT_OVERHEAD_BYTES: number = SIGNED_INNER_OVERHEAD_BYTES + SEALED_BOX_OVERHEAD_BYTES;

/** Options of {@link encryptForRecipient}. */
export interface EncryptForRecipientOptions {
  /** The recipient: a `05…` Session ID, or the 32-byte X25519 public key it names. */
  recipient: string | Uint8Array;
  /** Derive the ephemeral key from the sender's seed, recipient and message (libsession's deterministic variant). */
  deterministic?: boolean;
  /** Source of the ephemeral key when not deterministic; defaults to the system CSPRNG. */
  rng?: Rng;
  /** Crypto provider; defaults to the fastest available. */
  provider?: CryptoProvider;
}

/** Options of {@link decryptIncoming}. */
export interface DecryptIncomingOptions {
  /** Crypto provider; defaults to the fastest available. */
  provider?: CryptoProvider;
}

/** A decrypted, authenticated 1:1 message. */
export interface IncomingMessage {
  /** The plaintext `M`. */
  plaintext: Uint8Array;
  /** The sender's Ed25519 public key `A`, which signed `M ‖ A ‖ Y`. */
  senderEd25519: Uint8Array;
  /** The sender's Session ID `05 ‖ toMontgomery(A)`. */
  senderSessionId: string;
}

/**
 * Sign and seal a message to one recipient (e2ee.md §5.1).
 *
 * @param message the plaintext `M` (for the live network: a padded Content, §5.2)
 * @param senderSecret the sender's Ed25519 secret (32-byte seed or 64-byte `seed ‖ public`)
 * @param options `recipient`, `deterministic`, `rng`, `provider`
 * @returns the ciphertext, {@link RECIPIENT_ENCRYPT_OVERHEAD_BYTES} longer than `message`
 * @throws {TypeError | RangeError} for arguments of the wrong type or length
 * @throws {ProtocolError} `KEY_INVALID` for a malformed Session ID; `KEY_AGREEMENT_FAILED` for a
 *   low-order recipient key
 * @example "hello" becomes 149 bytes
 * ```ts
 * import { encryptForRecipient } from "./encrypt_for_recipient.ts";
 * const ct = await encryptForRecipient(new TextEncoder().encode("hello"), new Uint8Array(32).fill(1), {
 *   recipient: "05aa654f00fc39fc69fd0db829410ca38177d7732a8d2f0934ab3872ac56d5aa74",
 * });
 * if (ct.length !== 149) throw new Error("bad");
 * ```
 */
export async function encryptForRecipient(
  message: Uint8Array,
  senderSecret: Ed25519Secret,
  options: EncryptForRecipientOptions,
): Promise<Uint8Array> {
  const action = "encrypt for recipient";
  if (!(message instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: message is not a Uint8Array`);
  const provider = options.provider ?? await defaultProvider();
  const sender = await ed25519KeyPair(senderSecret, provider, action);
  const recipient = recipientX25519(options.recipient, action);
  // Step 1–2 (§5.1): SIG over M ‖ A ‖ Y; inner = M ‖ A ‖ SIG.
  const signature = await provider.ed25519Sign(sender.seed, concat(message, sender.publicKey, recipient));
  const inner = concat(message, sender.publicKey, signature);
  let ephemeral: { secretKey: Uint8Array } | undefined;
  try {
    // Step 3 (§5.1): the sealed box; the deterministic variant derives its ephemeral key from M.
    if (options.deterministic) {
      const seed = deterministicEphemeralSeed(sender.seed, recipient, message);
      ephemeral = boxSeedKeyPair(seed);
      wipe(seed);
      return sealBox(inner, recipient, { ephemeralSecret: ephemeral.secretKey });
    }
    return sealBox(inner, recipient, { rng: options.rng });
  } finally {
    wipe(sender.seed, inner, ephemeral?.secretKey);
  }
}

/**
 * Open and authenticate a 1:1 message (e2ee.md §5.1 "Decryption"): open the box with the
 * recipient's X25519 key (§1.1), split `M ‖ A ‖ SIG`, verify SIG over `M ‖ A ‖ Y_own`.
 *
 * @param ciphertext the sealed message
 * @param recipientSecret the recipient's Ed25519 secret (32-byte seed or 64-byte `seed ‖ public`)
 * @param options `provider`
 * @returns the plaintext and the sender's keys
 * @throws {TypeError | RangeError} for arguments of the wrong type or length
 * @throws {ProtocolError} `DECRYPT_FAILED` when the box does not open (short, tampered, not ours);
 *   `MESSAGE_INVALID` when the opened box is shorter than 96 bytes; `SIGNATURE_INVALID` when SIG
 *   does not verify; `KEY_INVALID` when A is not a usable Ed25519 key
 * @example Round trip
 * ```ts
 * import { decryptIncoming, encryptForRecipient } from "./encrypt_for_recipient.ts";
 * import { identityFromSeed } from "../../identity.ts";
 * const alice = new Uint8Array(32).fill(1), bob = await identityFromSeed(new Uint8Array(32).fill(2));
 * const ct = await encryptForRecipient(new Uint8Array([42]), alice, { recipient: bob.sessionId });
 * const msg = await decryptIncoming(ct, bob.ed25519Seed);
 * if (msg.plaintext[0] !== 42 || !msg.senderSessionId.startsWith("05")) throw new Error("bad");
 * ```
 */
export async function decryptIncoming(
  ciphertext: Uint8Array,
  recipientSecret: Ed25519Secret,
  options: DecryptIncomingOptions = {},
): Promise<IncomingMessage> {
  const action = "decrypt incoming message";
  if (!(ciphertext instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: ciphertext is not a Uint8Array`);
  const provider = options.provider ?? await defaultProvider();
  const own = await ed25519KeyPair(recipientSecret, provider, action);
  const x25519Secret = await provider.ed25519SeedToX25519Secret(own.seed);
  let inner: Uint8Array | undefined;
  try {
    const x25519Public = await provider.ed25519PublicToX25519(own.publicKey);
    try {
      inner = openSealedBox(ciphertext, x25519Secret, x25519Public);
    } catch (cause) {
      // A low-order ephemeral key is just a box this key cannot open: the same DECRYPT_FAILED as a
      // bad tag, so callers trying several keys move on (fuzz finding
      // fuzz/corpus/session_message/finding-low-order-ephemeral-key).
      if (isProtocolError(cause, "KEY_AGREEMENT_FAILED")) {
        throw new ProtocolError("DECRYPT_FAILED", `Cannot ${action}: the box does not open with this key`, { cause });
      }
      throw cause;
    }
    // Step 2 (§5.1): |inner| ≥ 96, then M ‖ A ‖ SIG.
    if (inner.length < SIGNED_INNER_OVERHEAD_BYTES) {
      throw new ProtocolError(
        "MESSAGE_INVALID",
        `Cannot ${action}: opened box is ${inner.length} bytes, shorter than A and SIG (${SIGNED_INNER_OVERHEAD_BYTES})`,
      );
    }
    const messageLength = inner.length - SIGNED_INNER_OVERHEAD_BYTES;
    const plaintext = inner.slice(0, messageLength);
    const senderEd25519 = inner.slice(messageLength, messageLength + ED25519_KEY_BYTES);
    const signature = inner.subarray(
      messageLength + ED25519_KEY_BYTES,
      messageLength + ED25519_KEY_BYTES + ED25519_SIGNATURE_BYTES,
    );
    // Step 3 (§5.1): SIG over M ‖ A ‖ Y_own.
    const signed = concat(plaintext, senderEd25519, x25519Public);
    if (!await provider.ed25519Verify(senderEd25519, signed, signature)) {
      wipe(plaintext);
      throw new ProtocolError("SIGNATURE_INVALID", `Cannot ${action}: sender signature does not verify`);
    }
    // Step 4 (§5.1): the sender's Session ID; A must map to an X25519 key (libsodium's conversion).
    let senderSessionId: string;
    try {
      senderSessionId = await sessionIdOfEd25519(senderEd25519, provider);
    } catch (cause) {
      wipe(plaintext);
      if (isProtocolError(cause)) {
        throw new ProtocolError("KEY_INVALID", `Cannot ${action}: sender key has no X25519 form`, { cause });
      }
      throw cause;
    }
    return { plaintext, senderEd25519, senderSessionId };
  } finally {
    wipe(own.seed, x25519Secret, inner);
  }
}
