/**
 * The Double Ratchet of libsignal's version-3 sessions (e2ee.md §3) as pure state transitions:
 * `ratchetEncrypt(state, plaintext) → [nextState, wire]` and
 * `ratchetDecrypt(state, wire) → [nextState, plaintext]`. The state given is never changed, so a
 * message that fails (bad MAC, bad padding, replay, too far ahead) leaves the caller's state as it
 * was (e2ee.md §3.4 step 5).
 *
 * Receiving follows libsignal's `decrypt_message_with_state`: a known ratchet key selects its
 * receiving chain (the last {@link MAX_RECEIVER_CHAINS} are kept), an unknown one triggers a DH
 * ratchet step; a counter behind the chain uses a skipped key once or is a duplicate; a counter
 * ahead stores the keys in between (bounded) and refuses jumps over {@link MAX_FORWARD_JUMPS}.
 *
 * @module
 */

import { ctEqual, wipe } from "../../bytes.ts";
import { aes256CbcDecrypt, aes256CbcEncrypt } from "../../crypto/aes_cbc.ts";
import { defaultProvider } from "../../crypto/default.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import { SecretKey } from "../../crypto/secret_key.ts";
import { ProtocolError } from "../../errors.ts";
import type { Rng } from "../../rng.ts";
import {
  MAX_FORWARD_JUMPS,
  MAX_MESSAGE_COUNTER,
  MAX_RECEIVER_CHAINS,
  MAX_SKIPPED_KEYS_PER_CHAIN,
  MAX_SKIPPED_KEYS_TOTAL,
} from "./constants.ts";
import { deriveMessageKeys, kdfChainKey, kdfRootKey, wipeMessageKeys } from "./kdf.ts";
import { generateKeyPair } from "./keys.ts";
import type { RatchetState, ReceiverChain } from "./ratchet_state.ts";
import { addSkippedKeys, dropSkippedChain, type SkippedKey, takeSkippedKey } from "./skipped_keys.ts";
import { decodeSignalMessage, encodeSignalMessage, type ParsedSignalMessage, verifySignalMessageMac } from "./wire.ts";

/** Options of {@link ratchetEncrypt}. */
export interface RatchetEncryptOptions {
  /** Crypto provider; defaults to {@link defaultProvider}. */
  provider?: CryptoProvider;
}

/** Bounds of receiving; the defaults are libsignal's (e2ee.md §3.4). */
export interface RatchetLimits {
  /** Largest forward jump in one chain; {@link MAX_FORWARD_JUMPS}. */
  maxForwardJumps?: number;
  /** Skipped keys kept per chain; {@link MAX_SKIPPED_KEYS_PER_CHAIN}. */
  maxSkippedPerChain?: number;
  /** Skipped keys kept in all; {@link MAX_SKIPPED_KEYS_TOTAL}. */
  maxSkippedTotal?: number;
}

/** Options of {@link ratchetDecrypt}. */
export interface RatchetDecryptOptions extends RatchetEncryptOptions {
  /** Source of the new ratchet key pair of a DH ratchet step. */
  rng: Rng;
  /** Bounds; libsignal's by default. */
  limits?: RatchetLimits;
}

/** Which chain a decrypted message came from. */
export interface DecryptedMessage {
  /** The plaintext. */
  plaintext: Uint8Array;
  /** The sender's ratchet key and counter of the message. */
  ratchetKey: Uint8Array;
  /** Counter of the message on its chain. */
  counter: number;
}

function checkState(state: RatchetState, action: string): void {
  if (!(state?.rootKey instanceof SecretKey) || !(state.sender?.chainKey instanceof SecretKey)) {
    throw new TypeError(`Cannot ${action}: state is not a RatchetState`);
  }
}

function limit(value: number | undefined, fallback: number, what: string): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new RangeError(`Cannot decrypt message: limit ${what} "${v}" is invalid`);
  }
  return v;
}

/**
 * Encrypt one message on the sending chain (e2ee.md §3.3, §3.5): KDF_CK, the message keys,
 * AES-256-CBC, and the SignalMessage with its MAC over `IK_ours ‖ IK_theirs ‖ version ‖ protobuf`.
 *
 * @param state the current state (not modified)
 * @param plaintext the message
 * @param options provider
 * @returns the next state and the serialized SignalMessage
 * @throws {TypeError} for a malformed state or plaintext
 * @throws {RangeError} when the sending chain is exhausted (2^32 messages)
 * @example Alice sends, Bob receives
 * ```ts
 * import { ratchetDecrypt, ratchetEncrypt } from "./double_ratchet.ts";
 * import { initializeAliceRatchet, initializeBobRatchet } from "./x3dh.ts";
 * import { generateKeyPair } from "./keys.ts";
 * import { systemRng as rng } from "../../rng.ts";
 * const [ika, eka, ikb, spkb] = await Promise.all([1, 2, 3, 4].map(() => generateKeyPair({ rng })));
 * const alice = await initializeAliceRatchet(
 *   { ourIdentityKeyPair: ika, ourBaseKeyPair: eka, theirIdentityKey: ikb.publicKey, theirSignedPreKey: spkb.publicKey },
 *   { rng },
 * );
 * const bob = await initializeBobRatchet({
 *   ourIdentityKeyPair: ikb, ourSignedPreKeyPair: spkb, theirIdentityKey: ika.publicKey, theirBaseKey: eka.publicKey,
 * });
 * const [, wire] = await ratchetEncrypt(alice, new TextEncoder().encode("hi"));
 * const [, out] = await ratchetDecrypt(bob, wire, { rng });
 * if (new TextDecoder().decode(out.plaintext) !== "hi") throw new Error("bad");
 * ```
 */
export async function ratchetEncrypt(
  state: RatchetState,
  plaintext: Uint8Array,
  options: RatchetEncryptOptions = {},
): Promise<[RatchetState, Uint8Array]> {
  const action = "encrypt message";
  checkState(state, action);
  if (!(plaintext instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: plaintext is not a Uint8Array`);
  if (state.sender.index >= MAX_MESSAGE_COUNTER) throw new RangeError(`Cannot ${action}: sending chain is exhausted`);
  const provider = options.provider ?? await defaultProvider();
  const step = await kdfChainKey(state.sender.chainKey.bytes(), { provider });
  const keys = await deriveMessageKeys(step.messageKeySeed, { provider });
  try {
    const ciphertext = aes256CbcEncrypt(keys.cipherKey, keys.iv, plaintext);
    const wire = await encodeSignalMessage(
      {
        versionByte: state.versionByte,
        ratchetKey: state.sender.ratchetKeyPair.publicKey,
        counter: state.sender.index,
        previousCounter: state.previousCounter,
        ciphertext,
      },
      { macKey: keys.macKey, senderIdentityKey: state.localIdentityKey, receiverIdentityKey: state.remoteIdentityKey },
      { provider },
    );
    const sender = Object.freeze({
      ratchetKeyPair: state.sender.ratchetKeyPair,
      chainKey: new SecretKey(step.nextChainKey),
      index: state.sender.index + 1,
    });
    return [Object.freeze({ ...state, sender }), wire];
  } finally {
    wipeMessageKeys(keys);
    wipe(step.messageKeySeed);
  }
}

/** libsignal `get_or_create_chain_key`: the receiving chain of `theirRatchetKey`, stepping the DH ratchet if new. */
async function chainFor(
  state: RatchetState,
  theirRatchetKey: Uint8Array,
  rng: Rng,
  provider: CryptoProvider,
): Promise<[RatchetState, ReceiverChain]> {
  const known = state.receivers.find((c) => ctEqual(c.ratchetKey, theirRatchetKey));
  if (known !== undefined) return [state, known];
  // e2ee.md §3.4 step 2: RK, CKr = KDF_RK(RK, DH(DHs, DHr)); new DHs; RK, CKs = KDF_RK(RK, DH(DHs, DHr)).
  const dhReceive = await provider.x25519(state.sender.ratchetKeyPair.secretKey.bytes(), theirRatchetKey);
  const receiving = await kdfRootKey(state.rootKey.bytes(), dhReceive, { provider });
  wipe(dhReceive);
  const ratchetKeyPair = await generateKeyPair({ rng, provider });
  const dhSend = await provider.x25519(ratchetKeyPair.secretKey.bytes(), theirRatchetKey);
  const sending = await kdfRootKey(receiving.rootKey, dhSend, { provider });
  wipe(dhSend, receiving.rootKey);
  const chain: ReceiverChain = Object.freeze({
    ratchetKey: theirRatchetKey.slice(),
    chainKey: new SecretKey(receiving.chainKey),
    index: 0,
  });
  let receivers = [...state.receivers, chain];
  let skipped = state.skipped;
  while (receivers.length > MAX_RECEIVER_CHAINS) {
    skipped = dropSkippedChain(skipped, receivers[0].ratchetKey);
    receivers = receivers.slice(1);
  }
  const next: RatchetState = Object.freeze({
    ...state,
    rootKey: new SecretKey(sending.rootKey),
    // libsignal: previous_counter = max(index − 1, 0) of the sending chain being replaced.
    previousCounter: Math.max(state.sender.index - 1, 0),
    sender: Object.freeze({ ratchetKeyPair, chainKey: new SecretKey(sending.chainKey), index: 0 }),
    receivers: Object.freeze(receivers),
    skipped,
  });
  return [next, chain];
}

/** libsignal `get_or_create_message_key`: the seed of message `counter`, advancing the chain. */
async function seedFor(
  state: RatchetState,
  chain: ReceiverChain,
  counter: number,
  limits: Required<RatchetLimits>,
  provider: CryptoProvider,
): Promise<[RatchetState, Uint8Array]> {
  if (counter < chain.index) {
    const [skipped, seed] = takeSkippedKey(state.skipped, { ratchetKey: chain.ratchetKey, counter });
    if (seed === undefined) {
      throw new ProtocolError(
        "SIGNAL_DUPLICATE_MESSAGE",
        `Cannot decrypt message: counter ${counter} is behind the chain (${chain.index}) and its key is gone`,
      );
    }
    return [Object.freeze({ ...state, skipped }), seed.bytes().slice()];
  }
  // The chain index is stored as a u32: a message at the last counter would leave a state that
  // cannot be serialized (fuzz finding fuzz/corpus/ratchet_state/finding-receiver-index-max).
  if (counter >= MAX_MESSAGE_COUNTER) {
    throw new ProtocolError("SIGNAL_TOO_FAR_AHEAD", `Cannot decrypt message: counter ${counter} ends the chain`);
  }
  const jump = counter - chain.index;
  if (jump > limits.maxForwardJumps) {
    throw new ProtocolError(
      "SIGNAL_TOO_FAR_AHEAD",
      `Cannot decrypt message: counter ${counter} is ${jump} ahead of the chain, limit ${limits.maxForwardJumps}`,
    );
  }
  let chainKey = chain.chainKey.bytes();
  const keep: SkippedKey[] = [];
  const firstKept = counter - Math.min(jump, limits.maxSkippedPerChain);
  for (let i = chain.index; i < counter; i++) {
    const step = await kdfChainKey(chainKey, { provider });
    if (chainKey !== chain.chainKey.bytes()) wipe(chainKey);
    chainKey = step.nextChainKey;
    if (i >= firstKept) {
      keep.push({ ratchetKey: chain.ratchetKey, counter: i, seed: new SecretKey(step.messageKeySeed) });
    } else wipe(step.messageKeySeed);
  }
  const step = await kdfChainKey(chainKey, { provider });
  if (chainKey !== chain.chainKey.bytes()) wipe(chainKey);
  const advanced: ReceiverChain = Object.freeze({
    ratchetKey: chain.ratchetKey,
    chainKey: new SecretKey(step.nextChainKey),
    index: counter + 1,
  });
  const skipped = addSkippedKeys(state.skipped, keep, {
    maxPerChain: limits.maxSkippedPerChain,
    maxTotal: limits.maxSkippedTotal,
  });
  const receivers = Object.freeze(state.receivers.map((c) => c === chain ? advanced : c));
  return [Object.freeze({ ...state, receivers, skipped }), step.messageKeySeed];
}

/**
 * Decrypt one SignalMessage (e2ee.md §3.4): pick or create the receiving chain, take or derive the
 * message key, verify the MAC over `IK_theirs ‖ IK_ours ‖ version ‖ protobuf`, then decrypt.
 *
 * @param state the current state (not modified)
 * @param message the serialized SignalMessage, or one already parsed with `decodeSignalMessage`
 * @param options `rng` for a DH ratchet step, provider, limits
 * @returns the next state and the plaintext with the message's chain position
 * @throws {TypeError} for a malformed state or message type
 * @throws {ProtocolError} `SIGNAL_MESSAGE_INVALID` / `SIGNAL_VERSION_UNSUPPORTED` for bad framing;
 *   `SIGNAL_DUPLICATE_MESSAGE` for a replay or an evicted key; `SIGNAL_TOO_FAR_AHEAD` past the jump
 *   limit; `DECRYPT_FAILED` for a bad MAC or padding; `KEY_AGREEMENT_FAILED` for a low-order key
 * @example A replay is refused
 * ```ts
 * import { ratchetDecrypt, ratchetEncrypt } from "./double_ratchet.ts";
 * import { initializeAliceRatchet, initializeBobRatchet } from "./x3dh.ts";
 * import { generateKeyPair } from "./keys.ts";
 * import { isProtocolError } from "../../errors.ts";
 * import { systemRng as rng } from "../../rng.ts";
 * const [ika, eka, ikb, spkb] = await Promise.all([1, 2, 3, 4].map(() => generateKeyPair({ rng })));
 * const alice = await initializeAliceRatchet(
 *   { ourIdentityKeyPair: ika, ourBaseKeyPair: eka, theirIdentityKey: ikb.publicKey, theirSignedPreKey: spkb.publicKey },
 *   { rng },
 * );
 * const bob = await initializeBobRatchet({
 *   ourIdentityKeyPair: ikb, ourSignedPreKeyPair: spkb, theirIdentityKey: ika.publicKey, theirBaseKey: eka.publicKey,
 * });
 * const [, wire] = await ratchetEncrypt(alice, new Uint8Array([1]));
 * const [bob2] = await ratchetDecrypt(bob, wire, { rng });
 * try {
 *   await ratchetDecrypt(bob2, wire, { rng });
 *   throw new Error("replay accepted");
 * } catch (e) {
 *   if (!isProtocolError(e, "SIGNAL_DUPLICATE_MESSAGE")) throw e;
 * }
 * ```
 */
export async function ratchetDecrypt(
  state: RatchetState,
  message: Uint8Array | ParsedSignalMessage,
  options: RatchetDecryptOptions,
): Promise<[RatchetState, DecryptedMessage]> {
  const action = "decrypt message";
  checkState(state, action);
  if (typeof options?.rng?.fill !== "function") throw new TypeError(`Cannot ${action}: rng is missing`);
  const limits: Required<RatchetLimits> = {
    maxForwardJumps: limit(options.limits?.maxForwardJumps, MAX_FORWARD_JUMPS, "maxForwardJumps"),
    maxSkippedPerChain: limit(options.limits?.maxSkippedPerChain, MAX_SKIPPED_KEYS_PER_CHAIN, "maxSkippedPerChain"),
    maxSkippedTotal: limit(options.limits?.maxSkippedTotal, MAX_SKIPPED_KEYS_TOTAL, "maxSkippedTotal"),
  };
  const parsed = message instanceof Uint8Array ? decodeSignalMessage(message) : message;
  if (parsed?.macInput === undefined) throw new TypeError(`Cannot ${action}: message is not a SignalMessage`);
  if (parsed.versionByte >> 4 !== state.sessionVersion) {
    throw new ProtocolError(
      "SIGNAL_VERSION_UNSUPPORTED",
      `Cannot ${action}: message version ${parsed.versionByte >> 4}, session version ${state.sessionVersion}`,
    );
  }
  const provider = options.provider ?? await defaultProvider();
  const [withChain, chain] = await chainFor(state, parsed.ratchetKey, options.rng, provider);
  const [next, seed] = await seedFor(withChain, chain, parsed.counter, limits, provider);
  const keys = await deriveMessageKeys(seed, { provider });
  try {
    const macOk = await verifySignalMessageMac(parsed, {
      macKey: keys.macKey,
      senderIdentityKey: state.remoteIdentityKey,
      receiverIdentityKey: state.localIdentityKey,
    }, { provider });
    if (!macOk) throw new ProtocolError("DECRYPT_FAILED", `Cannot ${action}: MAC verification failed`);
    const plaintext = aes256CbcDecrypt(keys.cipherKey, keys.iv, parsed.ciphertext);
    return [next, { plaintext, ratchetKey: parsed.ratchetKey, counter: parsed.counter }];
  } finally {
    wipeMessageKeys(keys);
    wipe(seed);
  }
}
