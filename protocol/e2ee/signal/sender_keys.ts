/**
 * Sender Keys for groups, wire-compatible with libsignal's v3 (e2ee.md §4; libsignal
 * `sender_keys.rs`, `group_cipher.rs`, `group_session_builder.rs`).
 *
 * - Chain step: seed = `HMAC(ck, 0x01)`, next chain key = `HMAC(ck, 0x02)` (§3.1 KDF_CK).
 * - Message keys: `HKDF(salt = none, ikm = seed, info = "WhisperGroup", L = 48)` → IV [0, 16) ‖
 *   AES-256 key [16, 48); AES-256-CBC with PKCS#7.
 * - Each SenderKeyMessage is signed with the chain's XEdDSA key (libsignal sign-bit convention).
 * - Receivers keep skipped message keys (at most 2 000, oldest evicted) and refuse jumps over
 *   25 000; a message is decrypted only after its signature verifies, and a failed message
 *   leaves the record unchanged.
 *
 * Functional style: every operation takes a {@link SenderKeyRecord} and returns
 * `[nextRecord, output]`, never modifying its argument. Randomness is an argument.
 *
 * @example A sender and a member, through the distribution message
 * ```ts
 * import {
 *   generateSenderKey, processSenderKeyDistributionMessage, senderKeyDecrypt,
 *   senderKeyDistributionMessage, senderKeyEncrypt,
 * } from "./sender_keys.ts";
 * import { systemRng as rng } from "../../rng.ts";
 * let alice = await generateSenderKey(rng.fill(new Uint8Array(16)), { rng });
 * let bob = processSenderKeyDistributionMessage(undefined, senderKeyDistributionMessage(alice));
 * let wire: Uint8Array, pt: Uint8Array;
 * [alice, wire] = await senderKeyEncrypt(alice, new TextEncoder().encode("hi all"), { rng });
 * [bob, pt] = await senderKeyDecrypt(bob, wire);
 * if (new TextDecoder().decode(pt) !== "hi all") throw new Error("bad");
 * ```
 *
 * @module
 */

import { ctEqual, readU32le, utf8, wipe } from "../../bytes.ts";
import { X25519_KEY_BYTES } from "../../constants.ts";
import { ProtocolError } from "../../errors.ts";
import type { Rng } from "../../rng.ts";
import { aes256CbcDecrypt, aes256CbcEncrypt } from "../../crypto/aes_cbc.ts";
import { defaultProvider } from "../../crypto/default.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import { xeddsaVerify } from "../../crypto/xeddsa.ts";
import {
  DISTRIBUTION_ID_BYTES,
  MAX_GENERATED_CHAIN_ID,
  MAX_SENDER_KEY_ITERATION,
  MAX_SENDER_KEY_STATES,
  SENDER_CHAIN_KEY_BYTES,
  SENDER_KEY_MAX_FORWARD_JUMPS,
  SENDER_KEY_MAX_SKIPPED_KEYS,
  SENDER_KEY_RECORD_FORMAT,
  SENDER_KEY_VERSION,
  SENDER_MESSAGE_KEYS_BYTES,
  SENDER_MESSAGE_KEYS_CIPHER_OFFSET,
  SENDER_MESSAGE_KEYS_INFO,
} from "./sender_key_constants.ts";
import {
  encodeSenderKeyDistributionMessage,
  encodeSenderKeyMessage,
  parseSenderKeyDistributionMessage,
  parseSenderKeyMessage,
} from "./sender_key_message.ts";
import type { SenderKeyRecord, SenderKeyState, SkippedSenderKey } from "./sender_key_record.ts";

/** HKDF "no salt" (RFC 5869 §2.2): HashLen zero bytes. */
const NO_SALT = new Uint8Array(32);
const SENDER_MESSAGE_KEYS_INFO_BYTES = utf8(SENDER_MESSAGE_KEYS_INFO);
/** HMAC input of the message-key seed (e2ee.md §4, §3.1). */
const MESSAGE_KEY_SEED_INPUT = new Uint8Array([0x01]);
/** HMAC input of the next chain key (e2ee.md §4, §3.1). */
const NEXT_CHAIN_KEY_INPUT = new Uint8Array([0x02]);
/** Bytes of random input to a chain id: a u32 (libsignal `csprng.random::<u32>() >> 1`). */
const CHAIN_ID_RANDOM_BYTES = 4;

/** Options of the operations that read or advance a chain. */
export interface SenderKeyOptions {
  /** Crypto provider for HMAC, HKDF and X25519; defaults to {@link defaultProvider}. */
  provider?: CryptoProvider;
}

/** Options of {@link generateSenderKey} and {@link senderKeyEncrypt}. */
export interface SenderKeyRandomOptions extends SenderKeyOptions {
  /** Source of the chain id, chain key and signature keys, or of the signature's random input. */
  rng: Rng;
}

/** Options of {@link generateSenderKey}. */
export interface GenerateSenderKeyOptions extends SenderKeyRandomOptions {
  /** The sender's current record for this distribution id, to rekey (e2ee.md §4 Rekeying). */
  previous?: SenderKeyRecord;
}

/** Options of {@link senderKeyDecrypt}. */
export interface SenderKeyDecryptOptions extends SenderKeyOptions {
  /** Largest forward jump accepted; defaults to libsignal's {@link SENDER_KEY_MAX_FORWARD_JUMPS}. */
  maxForwardJump?: number;
  /** Skipped keys kept per state; defaults to libsignal's {@link SENDER_KEY_MAX_SKIPPED_KEYS}. */
  maxSkippedKeys?: number;
}

/** The two keys of one Sender Key message (e2ee.md §4): views into one 48-byte array. */
export interface SenderMessageKeys {
  /** AES-CBC IV, bytes [0, 16). */
  iv: Uint8Array;
  /** AES-256 key, bytes [16, 48). */
  cipherKey: Uint8Array;
}

function checkBytes(value: unknown, length: number, what: string, action: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: ${what} is not a Uint8Array`);
  if (value.length !== length) {
    throw new RangeError(`Cannot ${action}: ${what} is ${value.length} bytes, expected ${length}`);
  }
}

function checkRecord(record: unknown, action: string): asserts record is SenderKeyRecord {
  const r = record as SenderKeyRecord;
  if (typeof r !== "object" || r === null || r.format !== SENDER_KEY_RECORD_FORMAT || !Array.isArray(r.states)) {
    throw new TypeError(`Cannot ${action}: not a sender key record of format ${SENDER_KEY_RECORD_FORMAT}`);
  }
  checkBytes(r.distributionId, DISTRIBUTION_ID_BYTES, "distribution id", action);
}

function checkLimit(value: number, what: string, action: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`Cannot ${action}: ${what} "${String(value)}" is not a non-negative integer`);
  }
  return value;
}

/**
 * The keys of one Sender Key message (e2ee.md §4): `HKDF(salt = none, ikm = seed, info =
 * "WhisperGroup", L = 48)` split as IV [0, 16) ‖ cipher key [16, 48), IV first.
 *
 * @param seed 32-byte message-key seed `HMAC(ck, 0x01)`
 * @param options provider
 * @returns the IV and cipher key (views of one array; wipe both when done)
 * @throws {TypeError | RangeError} when the seed is not 32 bytes
 * @example
 * ```ts
 * import { deriveSenderMessageKeys } from "./sender_keys.ts";
 * const { iv, cipherKey } = await deriveSenderMessageKeys(new Uint8Array(32));
 * if (iv.length !== 16 || cipherKey.length !== 32) throw new Error("bad");
 * ```
 */
export async function deriveSenderMessageKeys(
  seed: Uint8Array,
  options: SenderKeyOptions = {},
): Promise<SenderMessageKeys> {
  checkBytes(seed, SENDER_CHAIN_KEY_BYTES, "seed", "derive sender message keys");
  const provider = options.provider ?? await defaultProvider();
  const okm = await provider.hkdfSha256(seed, NO_SALT, SENDER_MESSAGE_KEYS_INFO_BYTES, SENDER_MESSAGE_KEYS_BYTES);
  return {
    iv: okm.subarray(0, SENDER_MESSAGE_KEYS_CIPHER_OFFSET),
    cipherKey: okm.subarray(SENDER_MESSAGE_KEYS_CIPHER_OFFSET, SENDER_MESSAGE_KEYS_BYTES),
  };
}

/** One chain step (e2ee.md §4): this iteration's message-key seed and the next chain key. */
async function chainStep(provider: CryptoProvider, chainKey: Uint8Array): Promise<[Uint8Array, Uint8Array]> {
  return [
    await provider.hmacSha256(chainKey, MESSAGE_KEY_SEED_INPUT),
    await provider.hmacSha256(chainKey, NEXT_CHAIN_KEY_INPUT),
  ];
}

/** The next chain key only (skipped keys that would be evicted at once need no seed). */
function nextChainKey(provider: CryptoProvider, chainKey: Uint8Array) {
  return provider.hmacSha256(chainKey, NEXT_CHAIN_KEY_INPUT);
}

/**
 * A new sending chain for `distributionId` (libsignal `create_sender_key_distribution_message`
 * when no record exists): a random 31-bit chain id, a random chain key at iteration 0 and a fresh
 * X25519 signature key pair. With `options.previous` the new state is put in front of the
 * previous record's states (at most {@link MAX_SENDER_KEY_STATES} kept): the rekey that e2ee.md §4
 * asks for whenever membership changes.
 *
 * @param distributionId 16-byte distribution id (see `distributionIdFromUuid`)
 * @param options `rng`, optional `previous` record and provider
 * @returns the sender's record; send {@link senderKeyDistributionMessage} of it to every member
 * @throws {TypeError | RangeError} when the id is not 16 bytes or `previous` is for another id
 * @example
 * ```ts
 * import { generateSenderKey } from "./sender_keys.ts";
 * import { systemRng as rng } from "../../rng.ts";
 * const id = rng.fill(new Uint8Array(16));
 * const first = await generateSenderKey(id, { rng });
 * const rekeyed = await generateSenderKey(id, { rng, previous: first });
 * if (rekeyed.states.length !== 2 || rekeyed.states[1] !== first.states[0]) throw new Error("bad");
 * ```
 */
export async function generateSenderKey(
  distributionId: Uint8Array,
  options: GenerateSenderKeyOptions,
): Promise<SenderKeyRecord> {
  const action = "generate sender key";
  checkBytes(distributionId, DISTRIBUTION_ID_BYTES, "distribution id", action);
  const previous = options.previous;
  if (previous !== undefined) {
    checkRecord(previous, action);
    if (!ctEqual(previous.distributionId, distributionId)) {
      throw new RangeError(`Cannot ${action}: previous record is for another distribution id`);
    }
  }
  const provider = options.provider ?? await defaultProvider();
  const idBytes = options.rng.fill(new Uint8Array(CHAIN_ID_RANDOM_BYTES));
  const chainId = (readU32le(idBytes, 0) >>> 1) & MAX_GENERATED_CHAIN_ID;
  const chainKey = options.rng.fill(new Uint8Array(SENDER_CHAIN_KEY_BYTES));
  const signingPrivate = options.rng.fill(new Uint8Array(X25519_KEY_BYTES));
  const signingPublic = await provider.x25519PublicKey(signingPrivate);
  const state: SenderKeyState = {
    version: SENDER_KEY_VERSION,
    chainId,
    iteration: 0,
    chainKey,
    signingPublic,
    signingPrivate,
    skipped: [],
  };
  const older = (previous?.states ?? []).filter((s) => s.chainId !== chainId).slice(0, MAX_SENDER_KEY_STATES - 1);
  return { format: SENDER_KEY_RECORD_FORMAT, distributionId: distributionId.slice(), states: [state, ...older] };
}

/**
 * The SenderKeyDistributionMessage of the sender's current state (e2ee.md §4): its chain id,
 * current iteration and chain key, and signature public key. Members that process it can
 * decrypt this sender's messages from that iteration on.
 *
 * @param record the sender's own record (from {@link generateSenderKey})
 * @returns the message bytes, to send over a pairwise encrypted channel
 * @throws {TypeError} when `record` is not a record
 * @throws {ProtocolError} `SENDER_KEY_NO_STATE` when the record has no state of its own
 * @example
 * ```ts
 * import { generateSenderKey, senderKeyDistributionMessage } from "./sender_keys.ts";
 * import { systemRng as rng } from "../../rng.ts";
 * const skdm = senderKeyDistributionMessage(await generateSenderKey(new Uint8Array(16), { rng }));
 * if (skdm[0] !== 0x33) throw new Error("bad");
 * ```
 */
export function senderKeyDistributionMessage(record: SenderKeyRecord): Uint8Array {
  const action = "create sender key distribution message";
  checkRecord(record, action);
  const state = record.states[0];
  if (state === undefined) throw new ProtocolError("SENDER_KEY_NO_STATE", `Cannot ${action}: record has no state`);
  return encodeSenderKeyDistributionMessage({
    distributionId: record.distributionId,
    chainId: state.chainId,
    iteration: state.iteration,
    chainKey: state.chainKey,
    signingKey: state.signingPublic,
  });
}

/**
 * Take a member's SenderKeyDistributionMessage into the record of that sender (libsignal
 * `process_sender_key_distribution_message`): a state with the same chain id and signing key
 * is kept as it is (so a repeated message does not rewind the chain), other states with that
 * chain id are dropped, and the state goes in front; at most {@link MAX_SENDER_KEY_STATES} are
 * kept.
 *
 * @param record the record held for this sender and distribution id, or undefined for none yet
 * @param message the distribution message as received
 * @returns the new record
 * @throws {ProtocolError} `SENDER_KEY_MESSAGE_INVALID` for a malformed message or one for another
 *   distribution id than `record`
 * @example
 * ```ts
 * import { generateSenderKey, processSenderKeyDistributionMessage, senderKeyDistributionMessage } from "./sender_keys.ts";
 * import { systemRng as rng } from "../../rng.ts";
 * const alice = await generateSenderKey(new Uint8Array(16), { rng });
 * const bob = processSenderKeyDistributionMessage(undefined, senderKeyDistributionMessage(alice));
 * if (bob.states[0].signingPrivate !== undefined) throw new Error("bad");
 * ```
 */
export function processSenderKeyDistributionMessage(
  record: SenderKeyRecord | undefined,
  message: Uint8Array,
): SenderKeyRecord {
  const action = "process sender key distribution message";
  if (record !== undefined) checkRecord(record, action);
  const d = parseSenderKeyDistributionMessage(message);
  if (record !== undefined && !ctEqual(record.distributionId, d.distributionId)) {
    throw new ProtocolError(
      "SENDER_KEY_MESSAGE_INVALID",
      `Cannot ${action}: distribution id differs from the record's`,
    );
  }
  const states = record?.states ?? [];
  const existing = states.find((s) => s.chainId === d.chainId && ctEqual(s.signingPublic, d.signingKey));
  const state: SenderKeyState = existing ?? {
    version: d.version,
    chainId: d.chainId,
    iteration: d.iteration,
    chainKey: d.chainKey,
    signingPublic: d.signingKey,
    skipped: [],
  };
  const others = states.filter((s) => s.chainId !== d.chainId).slice(0, MAX_SENDER_KEY_STATES - 1);
  return { format: SENDER_KEY_RECORD_FORMAT, distributionId: d.distributionId, states: [state, ...others] };
}

/**
 * Encrypt a group message with the sender's current state (libsignal `group_encrypt`):
 * AES-256-CBC under this iteration's keys, wrapped in a SenderKeyMessage signed with the chain's
 * XEdDSA key; the chain then moves one step.
 *
 * @param record the sender's own record
 * @param plaintext the message (any length)
 * @param options `rng` for the signature, provider
 * @returns `[nextRecord, wire]`, the wire bytes being `0x33 ‖ protobuf ‖ signature(64)`
 * @throws {TypeError} when `record` or `plaintext` has the wrong type
 * @throws {ProtocolError} `SENDER_KEY_NO_STATE` when the record has no state or its current state
 *   has no signing secret (it is someone else's); `SENDER_KEY_TOO_FAR_AHEAD` at the end of the chain
 * @example See the module example.
 * ```ts
 * import { generateSenderKey, senderKeyEncrypt } from "./sender_keys.ts";
 * import { systemRng as rng } from "../../rng.ts";
 * const alice = await generateSenderKey(new Uint8Array(16), { rng });
 * const [next, wire] = await senderKeyEncrypt(alice, new Uint8Array(3), { rng });
 * if (next.states[0].iteration !== 1 || alice.states[0].iteration !== 0 || wire.length < 65) throw new Error("bad");
 * ```
 */
export async function senderKeyEncrypt(
  record: SenderKeyRecord,
  plaintext: Uint8Array,
  options: SenderKeyRandomOptions,
): Promise<[SenderKeyRecord, Uint8Array]> {
  const action = "encrypt with sender key";
  checkRecord(record, action);
  if (!(plaintext instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: plaintext is not a Uint8Array`);
  const state = record.states[0];
  if (state?.signingPrivate === undefined) {
    throw new ProtocolError("SENDER_KEY_NO_STATE", `Cannot ${action}: no own sending state`);
  }
  if (state.iteration >= MAX_SENDER_KEY_ITERATION) {
    throw new ProtocolError("SENDER_KEY_TOO_FAR_AHEAD", `Cannot ${action}: chain is exhausted`);
  }
  const provider = options.provider ?? await defaultProvider();
  const [seed, next] = await chainStep(provider, state.chainKey);
  const keys = await deriveSenderMessageKeys(seed, { provider });
  let ciphertext: Uint8Array;
  try {
    ciphertext = aes256CbcEncrypt(keys.cipherKey, keys.iv, plaintext);
  } finally {
    wipe(seed, keys.iv, keys.cipherKey);
  }
  const wire = encodeSenderKeyMessage(
    { distributionId: record.distributionId, chainId: state.chainId, iteration: state.iteration, ciphertext },
    state.signingPrivate,
    { rng: options.rng, version: state.version },
  );
  const nextState: SenderKeyState = { ...state, iteration: state.iteration + 1, chainKey: next };
  return [{ ...record, states: [nextState, ...record.states.slice(1)] }, wire];
}

/**
 * The message-key seed for `iteration` from `state` (libsignal `get_sender_key`), with the state
 * that results: a cached skipped key is taken out; a later iteration advances the chain,
 * caching the keys passed over (only the newest `maxSkipped` of old and new are kept).
 */
async function seedFor(
  provider: CryptoProvider,
  state: SenderKeyState,
  iteration: number,
  maxForwardJump: number,
  maxSkipped: number,
): Promise<[SenderKeyState, Uint8Array]> {
  const action = "decrypt with sender key";
  if (iteration < state.iteration) {
    const i = state.skipped.findIndex((k) => k.iteration === iteration);
    if (i < 0) {
      throw new ProtocolError(
        "SENDER_KEY_DUPLICATE_MESSAGE",
        `Cannot ${action}: iteration ${iteration} is behind the chain (${state.iteration}) and not cached`,
      );
    }
    const skipped = [...state.skipped.slice(0, i), ...state.skipped.slice(i + 1)];
    return [{ ...state, skipped }, state.skipped[i].seed.slice()];
  }
  const jump = iteration - state.iteration;
  if (jump > maxForwardJump) {
    throw new ProtocolError(
      "SENDER_KEY_TOO_FAR_AHEAD",
      `Cannot ${action}: iteration ${iteration} is ${jump} ahead of the chain, limit ${maxForwardJump}`,
    );
  }
  if (iteration >= MAX_SENDER_KEY_ITERATION) {
    throw new ProtocolError("SENDER_KEY_TOO_FAR_AHEAD", `Cannot ${action}: chain is exhausted`);
  }
  // Of the `jump` keys passed over, only the newest `maxSkipped` can survive eviction.
  const firstKept = iteration - Math.min(jump, maxSkipped);
  const added: SkippedSenderKey[] = [];
  let chainKey = state.chainKey;
  for (let it = state.iteration; it < iteration; it++) {
    if (it >= firstKept) {
      const [seed, next] = await chainStep(provider, chainKey);
      added.push({ iteration: it, seed });
      chainKey = next;
    } else {
      chainKey = await nextChainKey(provider, chainKey);
    }
  }
  const [seed, next] = await chainStep(provider, chainKey);
  const all = [...state.skipped, ...added];
  const skipped = all.length > maxSkipped ? all.slice(all.length - maxSkipped) : all;
  return [{ ...state, iteration: iteration + 1, chainKey: next, skipped }, seed];
}

/**
 * Decrypt a SenderKeyMessage (libsignal `group_decrypt`): find the state with the message's
 * chain id, verify the XEdDSA signature (before anything else), take the message key (cached,
 * or by advancing up to the forward-jump limit), then AES-256-CBC decrypt. On any failure the
 * given record stays the one to keep.
 *
 * @param record the record held for the sender and the message's distribution id
 * @param message the SenderKeyMessage as received
 * @param options provider and the skip limits
 * @returns `[nextRecord, plaintext]`
 * @throws {ProtocolError} `SENDER_KEY_MESSAGE_INVALID` (malformed), `SENDER_KEY_NO_STATE` (other
 *   distribution id, unknown chain id, version mismatch), `SIGNATURE_INVALID`,
 *   `SENDER_KEY_DUPLICATE_MESSAGE` (replayed or evicted), `SENDER_KEY_TOO_FAR_AHEAD`,
 *   `DECRYPT_FAILED` (bad padding)
 * @example A replay is refused
 * ```ts
 * import {
 *   generateSenderKey, processSenderKeyDistributionMessage, senderKeyDecrypt,
 *   senderKeyDistributionMessage, senderKeyEncrypt,
 * } from "./sender_keys.ts";
 * import { isProtocolError } from "../../errors.ts";
 * import { systemRng as rng } from "../../rng.ts";
 * const alice = await generateSenderKey(new Uint8Array(16), { rng });
 * let bob = processSenderKeyDistributionMessage(undefined, senderKeyDistributionMessage(alice));
 * const [, wire] = await senderKeyEncrypt(alice, new Uint8Array([1]), { rng });
 * [bob] = await senderKeyDecrypt(bob, wire);
 * try { await senderKeyDecrypt(bob, wire); throw new Error("accepted"); }
 * catch (e) { if (!isProtocolError(e, "SENDER_KEY_DUPLICATE_MESSAGE")) throw e; }
 * ```
 */
export async function senderKeyDecrypt(
  record: SenderKeyRecord,
  message: Uint8Array,
  options: SenderKeyDecryptOptions = {},
): Promise<[SenderKeyRecord, Uint8Array]> {
  const action = "decrypt with sender key";
  checkRecord(record, action);
  const maxForwardJump = checkLimit(options.maxForwardJump ?? SENDER_KEY_MAX_FORWARD_JUMPS, "forward jump", action);
  const maxSkipped = checkLimit(options.maxSkippedKeys ?? SENDER_KEY_MAX_SKIPPED_KEYS, "skipped keys", action);
  const m = parseSenderKeyMessage(message);
  if (!ctEqual(m.distributionId, record.distributionId)) {
    throw new ProtocolError("SENDER_KEY_NO_STATE", `Cannot ${action}: message is for another distribution id`);
  }
  const index = record.states.findIndex((s) => s.chainId === m.chainId);
  if (index < 0) throw new ProtocolError("SENDER_KEY_NO_STATE", `Cannot ${action}: no state for chain id ${m.chainId}`);
  const state = record.states[index];
  if (m.version !== state.version) {
    throw new ProtocolError(
      "SENDER_KEY_NO_STATE",
      `Cannot ${action}: version ${m.version}, state has ${state.version}`,
    );
  }
  // e2ee.md §4: do not advance past the message until its signature has verified.
  if (!xeddsaVerify(state.signingPublic, m.signed, m.signature)) {
    throw new ProtocolError("SIGNATURE_INVALID", `Cannot ${action}: bad signature`);
  }
  const provider = options.provider ?? await defaultProvider();
  const [nextState, seed] = await seedFor(provider, state, m.iteration, maxForwardJump, maxSkipped);
  const keys = await deriveSenderMessageKeys(seed, { provider });
  let plaintext: Uint8Array;
  try {
    plaintext = aes256CbcDecrypt(keys.cipherKey, keys.iv, m.ciphertext);
  } finally {
    wipe(seed, keys.iv, keys.cipherKey);
  }
  const states = record.states.slice();
  states[index] = nextState;
  return [{ ...record, states }, plaintext];
}
