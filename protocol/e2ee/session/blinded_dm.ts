/**
 * Community direct messages between blinded IDs (e2ee.md §5.4 "DM encryption"; libsession
 * `encrypt_for_blinded_recipient`, `decrypt_from_blinded_recipient`):
 *
 * - `Q = (a·k)·P_peer` for 25-blinding, `Q = a·P_peer` for 15-blinding;
 * - `key = BLAKE2b-256(Q ‖ kA_sender ‖ jB_recipient)` — sender first on both sides;
 * - `0x00 ‖ XChaCha20-Poly1305(key, nonce, M ‖ A_sender) ‖ nonce`;
 * - the recipient re-blinds the inner `A_sender` and requires the outer sender ID.
 *
 * @module
 */

import { concat, wipe } from "../../bytes.ts";
import { ED25519_KEY_BYTES, XCHACHA_NONCE_BYTES, XCHACHA_TAG_BYTES } from "../../constants.ts";
import { isProtocolError, ProtocolError } from "../../errors.ts";
import { type Rng, systemRng } from "../../rng.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import { defaultProvider } from "../../crypto/default.ts";
import { ed25519SecretScalar, scalarMul, scalarMultPoint } from "../../crypto/ed25519_blinding.ts";
import { blindedIdFromEd25519, blindedKeyPair, sameBlindedId } from "./blinding.ts";
import { BLINDED_DM_VERSION, PREFIX_BLIND15, PREFIX_BLIND25 } from "./constants.ts";
import { ed25519KeyPair, type Ed25519Secret, parsePrefixedId, prefixedId, sessionIdOfEd25519 } from "./keys.ts";

/** BLAKE2b-256 output: the XChaCha20-Poly1305 key. */
const KEY_BYTES = 32;
/** Version byte ‖ tag ‖ nonce around the inner data. */
const BLINDED_DM_OVERHEAD_BYTES = 1 + XCHACHA_TAG_BYTES + XCHACHA_NONCE_BYTES;
/** Bit 7 of the last byte of a point: flipping it negates the point (15-IDs, e2ee.md §5.4). */
const SIGN_BIT = 0x80;

/** Options of {@link encryptForBlindedRecipient}. */
export interface EncryptForBlindedOptions {
  /** The community server's 32-byte Ed25519 public key. */
  serverPublicKey: Uint8Array;
  /** The recipient's `15…` or `25…` blinded ID. */
  recipient: string;
  /** Source of the nonce; defaults to the system CSPRNG. */
  rng?: Rng;
  /** Crypto provider; defaults to the fastest available. */
  provider?: CryptoProvider;
}

/** Options of {@link decryptFromBlindedRecipient}. */
export interface DecryptFromBlindedOptions {
  /** The community server's 32-byte Ed25519 public key. */
  serverPublicKey: Uint8Array;
  /** The sender's blinded ID as the server reports it. */
  sender: string;
  /** The recipient's blinded ID as the server reports it. */
  recipient: string;
  /** Crypto provider; defaults to the fastest available. */
  provider?: CryptoProvider;
}

/** A decrypted blinded DM. */
export interface BlindedMessage {
  /** The plaintext (for the live network: a padded Content, §5.2). */
  plaintext: Uint8Array;
  /** The sender's real Ed25519 public key. */
  senderEd25519: Uint8Array;
  /** The sender's real Session ID. */
  senderSessionId: string;
}

/**
 * `BLAKE2b-256((a[·k])·jB ‖ sender ‖ recipient)` for own seed `seed`, own blinded ID `kA` and the
 * peer's `jB` (libsession `blinded_shared_secret`).
 */
async function sharedKey(
  seed: Uint8Array,
  kA: string,
  jB: string,
  serverPublicKey: Uint8Array,
  sending: boolean,
  provider: CryptoProvider,
): Promise<Uint8Array> {
  const action = "derive blinded DM key";
  const ownId = parsePrefixedId(kA, [PREFIX_BLIND15, PREFIX_BLIND25], action);
  const peerId = parsePrefixedId(jB, [PREFIX_BLIND15, PREFIX_BLIND25], action);
  if (ownId.prefix !== peerId.prefix) {
    throw new ProtocolError("KEY_INVALID", `Cannot ${action}: both IDs must be 15- or both 25-blinded`);
  }
  const a = ed25519SecretScalar(seed);
  let scalar = a;
  let pair;
  let q: Uint8Array | undefined;
  try {
    // 25-blinding multiplies by our own (sign-adjusted) k so both sides reach k·j·a·b·B (§5.4).
    if (ownId.prefix === PREFIX_BLIND25) {
      pair = await blindedKeyPair(seed, PREFIX_BLIND25, { serverPublicKey, provider });
      scalar = scalarMul(a, pair.factor);
    }
    q = scalarMultPoint(scalar, peerId.key);
    const [sender, recipient] = sending ? [ownId.key, peerId.key] : [peerId.key, ownId.key];
    return await provider.blake2b(concat(q, sender, recipient), KEY_BYTES);
  } finally {
    wipe(a, scalar, q, pair?.secretScalar);
  }
}

/**
 * Encrypt a DM to a blinded community ID (e2ee.md §5.4).
 *
 * @param message the plaintext (for the live network: a padded Content)
 * @param senderSecret the sender's Ed25519 secret (32-byte seed or 64-byte `seed ‖ public`)
 * @param options `serverPublicKey`, `recipient`, `rng`, `provider`
 * @returns `0x00 ‖ ciphertext ‖ tag ‖ nonce`
 * @throws {TypeError | RangeError} for arguments of the wrong type or length
 * @throws {ProtocolError} `KEY_INVALID` for a malformed or unusable recipient ID
 * @example Round trip over 25-blinded IDs
 * ```ts
 * import { decryptFromBlindedRecipient, encryptForBlindedRecipient } from "./blinded_dm.ts";
 * import { blind25Id } from "./blinding.ts";
 * import { identityFromSeed } from "../../identity.ts";
 * const serverPublicKey = new Uint8Array(32).fill(7);
 * const alice = await identityFromSeed(new Uint8Array(32).fill(1));
 * const bob = await identityFromSeed(new Uint8Array(32).fill(2));
 * const sender = await blind25Id(alice.sessionId, serverPublicKey);
 * const recipient = await blind25Id(bob.sessionId, serverPublicKey);
 * const ct = await encryptForBlindedRecipient(new Uint8Array([5]), alice.ed25519Seed, { serverPublicKey, recipient });
 * const got = await decryptFromBlindedRecipient(ct, bob.ed25519Seed, { serverPublicKey, sender, recipient });
 * if (got.plaintext[0] !== 5 || got.senderSessionId !== alice.sessionId) throw new Error("bad");
 * ```
 */
export async function encryptForBlindedRecipient(
  message: Uint8Array,
  senderSecret: Ed25519Secret,
  options: EncryptForBlindedOptions,
): Promise<Uint8Array> {
  const action = "encrypt for blinded recipient";
  if (!(message instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: message is not a Uint8Array`);
  const { prefix } = parsePrefixedId(options.recipient, [PREFIX_BLIND15, PREFIX_BLIND25], action);
  const provider = options.provider ?? await defaultProvider();
  const own = await ed25519KeyPair(senderSecret, provider, action);
  const pair = await blindedKeyPair(own.seed, prefix, { serverPublicKey: options.serverPublicKey, provider });
  wipe(pair.secretScalar);
  let key: Uint8Array | undefined;
  const inner = concat(message, own.publicKey);
  try {
    key = await sharedKey(
      own.seed,
      prefixedId(prefix, pair.publicKey),
      options.recipient,
      options.serverPublicKey,
      true,
      provider,
    );
    const nonce = (options.rng ?? systemRng).fill(new Uint8Array(XCHACHA_NONCE_BYTES));
    return concat(new Uint8Array([BLINDED_DM_VERSION]), await provider.xchachaSeal(key, nonce, inner), nonce);
  } finally {
    wipe(own.seed, key, inner);
  }
}

/**
 * Decrypt a blinded DM, as its recipient or as its sender (e2ee.md §5.4).
 *
 * @param ciphertext `0x00 ‖ ciphertext ‖ tag ‖ nonce`
 * @param ownSecret own Ed25519 secret (32-byte seed or 64-byte `seed ‖ public`)
 * @param options `serverPublicKey`, `sender`, `recipient`, `provider`
 * @returns the plaintext and the sender's real identity
 * @throws {TypeError | RangeError} for arguments of the wrong type or length
 * @throws {ProtocolError} `MESSAGE_INVALID` when too short; `MESSAGE_UNSUPPORTED` for another
 *   version byte; `DECRYPT_FAILED` when it does not authenticate; `SENDER_MISMATCH` when the
 *   inner sender key does not blind to `sender`; `KEY_INVALID` for malformed IDs or keys
 * @example A flipped byte is refused
 * ```ts
 * import { decryptFromBlindedRecipient, encryptForBlindedRecipient } from "./blinded_dm.ts";
 * import { blind25Id } from "./blinding.ts";
 * import { identityFromSeed } from "../../identity.ts";
 * import { isProtocolError } from "../../errors.ts";
 * const serverPublicKey = new Uint8Array(32).fill(7);
 * const alice = await identityFromSeed(new Uint8Array(32).fill(1));
 * const bob = await identityFromSeed(new Uint8Array(32).fill(2));
 * const sender = await blind25Id(alice.sessionId, serverPublicKey);
 * const recipient = await blind25Id(bob.sessionId, serverPublicKey);
 * const ct = await encryptForBlindedRecipient(new Uint8Array([5]), alice.ed25519Seed, { serverPublicKey, recipient });
 * ct[5] ^= 1;
 * try {
 *   await decryptFromBlindedRecipient(ct, bob.ed25519Seed, { serverPublicKey, sender, recipient });
 *   throw new Error("accepted");
 * } catch (e) {
 *   if (!isProtocolError(e, "DECRYPT_FAILED")) throw e;
 * }
 * ```
 */
export async function decryptFromBlindedRecipient(
  ciphertext: Uint8Array,
  ownSecret: Ed25519Secret,
  options: DecryptFromBlindedOptions,
): Promise<BlindedMessage> {
  const action = "decrypt blinded message";
  if (!(ciphertext instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: ciphertext is not a Uint8Array`);
  const senderId = parsePrefixedId(options.sender, [PREFIX_BLIND15, PREFIX_BLIND25], action);
  const recipientId = parsePrefixedId(options.recipient, [PREFIX_BLIND15, PREFIX_BLIND25], action);
  const provider = options.provider ?? await defaultProvider();
  const own = await ed25519KeyPair(ownSecret, provider, action);
  if (ciphertext.length < BLINDED_DM_OVERHEAD_BYTES + ED25519_KEY_BYTES) {
    wipe(own.seed);
    throw new ProtocolError(
      "MESSAGE_INVALID",
      `Cannot ${action}: ${ciphertext.length} bytes, shorter than ${BLINDED_DM_OVERHEAD_BYTES + ED25519_KEY_BYTES}`,
    );
  }
  if (ciphertext[0] !== BLINDED_DM_VERSION) {
    wipe(own.seed);
    throw new ProtocolError(
      "MESSAGE_UNSUPPORTED",
      `Cannot ${action}: version ${ciphertext[0]}, supported ${BLINDED_DM_VERSION}`,
    );
  }
  let key: Uint8Array | undefined;
  let inner: Uint8Array | undefined;
  try {
    const serverPublicKey = options.serverPublicKey;
    const ownBlinded = await blindedIdFromEd25519(own.publicKey, recipientId.prefix, { serverPublicKey, provider });
    // Our own outgoing message (we are the sender), or one sent to us.
    key = sameBlindedId(options.sender, ownBlinded)
      ? await sharedKey(own.seed, options.sender, options.recipient, serverPublicKey, true, provider)
      : await sharedKey(own.seed, options.recipient, options.sender, serverPublicKey, false, provider);
    const nonce = ciphertext.subarray(ciphertext.length - XCHACHA_NONCE_BYTES);
    inner = await provider.xchachaOpen(key, nonce, ciphertext.subarray(1, ciphertext.length - XCHACHA_NONCE_BYTES));
    const messageLength = inner.length - ED25519_KEY_BYTES;
    const senderEd25519 = inner.slice(messageLength);
    let senderSessionId: string;
    let extracted: string;
    try {
      senderSessionId = await sessionIdOfEd25519(senderEd25519, provider);
      extracted = await blindedIdFromEd25519(senderEd25519, recipientId.prefix, { serverPublicKey, provider });
    } catch (cause) {
      if (!isProtocolError(cause)) throw cause;
      throw new ProtocolError("SENDER_MISMATCH", `Cannot ${action}: inner sender key is not a usable Ed25519 key`, {
        cause,
      });
    }
    let matched = sameBlindedId(options.sender, extracted);
    if (!matched && senderId.prefix === PREFIX_BLIND15) {
      // A 15-ID may name the negative of the key (§5.4): compare with the sign bit flipped.
      const flipped = parsePrefixedId(extracted, [PREFIX_BLIND15], action).key.slice();
      flipped[ED25519_KEY_BYTES - 1] ^= SIGN_BIT;
      matched = sameBlindedId(options.sender, prefixedId(PREFIX_BLIND15, flipped));
    }
    if (!matched) {
      throw new ProtocolError("SENDER_MISMATCH", `Cannot ${action}: blinded sender ID does not match the sender`);
    }
    return { plaintext: inner.slice(0, messageLength), senderEd25519, senderSessionId };
  } finally {
    wipe(own.seed, key, inner);
  }
}
