/**
 * The Double Ratchet state of one session (e2ee.md §3.2), shaped like libsignal's `SessionState`
 * so that it behaves the same on the wire, and its versioned binary serialization.
 *
 * Differences from the textbook state of §3.2, all libsignal's:
 * - instead of copying an old receiving chain's remaining keys into MKSKIPPED at a DH ratchet step,
 *   the last {@link MAX_RECEIVER_CHAINS} receiving chains are kept, so late messages of an old
 *   chain derive their keys from it; keys skipped *within* a chain go to the bounded store of
 *   `skipped_keys.ts`;
 * - `previousCounter` is the index of the last message of the previous sending chain (libsignal's
 *   `index − 1`, 0 when none), which is what libsignal sends as `previousCounter`.
 *
 * States are immutable values: the ratchet functions return a new state and never change the one
 * they were given.
 *
 * @module
 */

import { djbPublicKey, parseDjbPublicKey } from "../../crypto/xeddsa.ts";
import { SecretKey } from "../../crypto/secret_key.ts";
import { X25519_KEY_BYTES } from "../../constants.ts";
import { ProtocolError } from "../../errors.ts";
import { toHex } from "../../bytes.ts";
import { Reader, Writer } from "./_codec.ts";
import {
  MAX_RECEIVER_CHAINS,
  MAX_SKIPPED_KEYS_TOTAL,
  SIGNAL_KEY_BYTES,
  SIGNAL_MAX_CURRENT_VERSION,
  SIGNAL_SESSION_VERSION,
} from "./constants.ts";
import type { KeyPair } from "./keys.ts";
import { addSkippedKeys, emptySkippedKeys, type SkippedKey, type SkippedKeys } from "./skipped_keys.ts";

/** Format version of {@link serializeRatchetState}'s output: its first byte. */
export const RATCHET_STATE_FORMAT_VERSION = 1;

/** Our sending chain (e2ee.md §3.2 DHs, CKs, Ns). */
export interface SenderChain {
  /** Our current ratchet key pair, DHs. */
  readonly ratchetKeyPair: KeyPair;
  /** Chain key of the next message, CKs. */
  readonly chainKey: SecretKey;
  /** Counter of the next message, Ns. */
  readonly index: number;
}

/** One receiving chain (e2ee.md §3.2 DHr, CKr, Nr). */
export interface ReceiverChain {
  /** The peer's 32-byte ratchet public key of this chain, DHr. */
  readonly ratchetKey: Uint8Array;
  /** Chain key of the next expected message, CKr. */
  readonly chainKey: SecretKey;
  /** Counter of the next expected message, Nr. */
  readonly index: number;
}

/** The Double Ratchet state of one session. */
export interface RatchetState {
  /** Session version, the high nibble of every version byte: 3 for X3DH (e2ee.md §3.5). */
  readonly sessionVersion: number;
  /** The version byte this side sends, `(3 << 4) | current` with current 3 or 4 (e2ee.md §3.5). */
  readonly versionByte: number;
  /** Our 32-byte identity public key (first in the MAC of messages we send, e2ee.md §3.5). */
  readonly localIdentityKey: Uint8Array;
  /** The peer's 32-byte identity public key. */
  readonly remoteIdentityKey: Uint8Array;
  /** Root key RK. */
  readonly rootKey: SecretKey;
  /** PN as libsignal sends it: the index of the last message of our previous sending chain. */
  readonly previousCounter: number;
  /** Our sending chain. */
  readonly sender: SenderChain;
  /** Receiving chains, oldest first, at most {@link MAX_RECEIVER_CHAINS}. */
  readonly receivers: readonly ReceiverChain[];
  /** Keys skipped within receiving chains. */
  readonly skipped: SkippedKeys;
}

/**
 * Whether a version byte is one this implementation can send on a v3 session: `0x33` or `0x34`.
 *
 * @param value the byte
 * @returns true for `0x33` and `0x34`
 * @example
 * ```ts
 * import { isV3VersionByte } from "./ratchet_state.ts";
 * if (!isV3VersionByte(0x34) || isV3VersionByte(0x44)) throw new Error("bad");
 * ```
 */
export function isV3VersionByte(value: number): boolean {
  const current = value & 0x0f;
  return Number.isInteger(value) && value >> 4 === SIGNAL_SESSION_VERSION && current >= SIGNAL_SESSION_VERSION &&
    current <= SIGNAL_MAX_CURRENT_VERSION;
}

/**
 * Serialize a state (for storage between runs). Output: format version byte
 * {@link RATCHET_STATE_FORMAT_VERSION}, then the fields; it contains secrets: store it as such.
 *
 * @param state the state
 * @returns the bytes
 * @example Round trip
 * ```ts
 * import { deserializeRatchetState, serializeRatchetState } from "./ratchet_state.ts";
 * import { SecretKey } from "../../crypto/secret_key.ts";
 * import { emptySkippedKeys } from "./skipped_keys.ts";
 * const k = () => new SecretKey(new Uint8Array(32).fill(1));
 * const state = {
 *   sessionVersion: 3, versionByte: 0x33, localIdentityKey: new Uint8Array(32), remoteIdentityKey: new Uint8Array(32),
 *   rootKey: k(), previousCounter: 0, receivers: [], skipped: emptySkippedKeys(),
 *   sender: { ratchetKeyPair: { publicKey: new Uint8Array(32), secretKey: k() }, chainKey: k(), index: 5 },
 * };
 * const bytes = serializeRatchetState(state);
 * if (bytes[0] !== 1 || deserializeRatchetState(bytes).sender.index !== 5) throw new Error("bad");
 * ```
 */
export function serializeRatchetState(state: RatchetState): Uint8Array {
  const w = new Writer();
  w.u8(RATCHET_STATE_FORMAT_VERSION).u8(state.sessionVersion).u8(state.versionByte);
  w.fixed(djbPublicKey(state.localIdentityKey)).fixed(djbPublicKey(state.remoteIdentityKey));
  w.fixed(state.rootKey.bytes()).u32(state.previousCounter);
  w.fixed(djbPublicKey(state.sender.ratchetKeyPair.publicKey)).fixed(state.sender.ratchetKeyPair.secretKey.bytes());
  w.fixed(state.sender.chainKey.bytes()).u32(state.sender.index);
  w.u32(state.receivers.length);
  for (const chain of state.receivers) {
    w.fixed(djbPublicKey(chain.ratchetKey)).fixed(chain.chainKey.bytes()).u32(chain.index);
  }
  w.u32(state.skipped.entries.size);
  for (const key of state.skipped.entries.values()) {
    w.fixed(djbPublicKey(key.ratchetKey)).u32(key.counter).fixed(key.seed.bytes());
  }
  return w.finish();
}

/**
 * Parse the output of {@link serializeRatchetState}.
 *
 * @param bytes serialized state
 * @returns the state
 * @throws {TypeError} when `bytes` is not a Uint8Array
 * @throws {ProtocolError} `SIGNAL_STATE_INVALID` for an unknown format version or malformed data
 * @example An unknown format version is refused
 * ```ts
 * import { deserializeRatchetState } from "./ratchet_state.ts";
 * import { isProtocolError } from "../../errors.ts";
 * try {
 *   deserializeRatchetState(new Uint8Array([9]));
 *   throw new Error("accepted");
 * } catch (e) {
 *   if (!isProtocolError(e, "SIGNAL_STATE_INVALID")) throw e;
 * }
 * ```
 */
export function deserializeRatchetState(bytes: Uint8Array): RatchetState {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("Cannot parse ratchet state: value is not a Uint8Array");
  const r = new Reader(bytes, "ratchet state");
  const format = r.u8();
  if (format !== RATCHET_STATE_FORMAT_VERSION) r.fail(`unknown format version ${format}`);
  const fail = (detail: string): never => r.fail(detail);
  const publicKey = (): Uint8Array => {
    try {
      return parseDjbPublicKey(r.fixed(X25519_KEY_BYTES + 1));
    } catch (e) {
      if (e instanceof ProtocolError && e.code === "KEY_INVALID") return fail("bad public key");
      throw e;
    }
  };
  const secret = (): SecretKey => new SecretKey(r.fixed(SIGNAL_KEY_BYTES));
  const sessionVersion = r.u8();
  if (sessionVersion !== SIGNAL_SESSION_VERSION) fail(`session version ${sessionVersion}`);
  const versionByte = r.u8();
  if (!isV3VersionByte(versionByte)) fail(`version byte ${versionByte}`);
  const localIdentityKey = publicKey();
  const remoteIdentityKey = publicKey();
  const rootKey = secret();
  const previousCounter = r.u32();
  const ratchetKeyPair = Object.freeze({ publicKey: publicKey(), secretKey: secret() });
  const sender = Object.freeze({ ratchetKeyPair, chainKey: secret(), index: r.u32() });
  const chainCount = r.u32();
  if (chainCount > MAX_RECEIVER_CHAINS) fail(`${chainCount} receiving chains`);
  const receivers: ReceiverChain[] = [];
  for (let i = 0; i < chainCount; i++) {
    receivers.push(Object.freeze({ ratchetKey: publicKey(), chainKey: secret(), index: r.u32() }));
  }
  const skippedCount = r.u32();
  if (skippedCount > MAX_SKIPPED_KEYS_TOTAL) fail(`${skippedCount} skipped keys`);
  const keys: SkippedKey[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < skippedCount; i++) {
    const key = { ratchetKey: publicKey(), counter: r.u32(), seed: secret() };
    // A serialized state never lists one key twice (fuzz finding
    // fuzz/corpus/ratchet_state/finding-duplicate-skipped-key).
    const id = `${toHex(key.ratchetKey)}:${key.counter}`;
    if (seen.has(id)) fail(`skipped key ${key.counter} is listed twice`);
    seen.add(id);
    keys.push(key);
  }
  r.end();
  return Object.freeze({
    sessionVersion,
    versionByte,
    localIdentityKey,
    remoteIdentityKey,
    rootKey,
    previousCounter,
    sender,
    receivers: Object.freeze(receivers),
    // No per-chain eviction here: a serialized state already respected its bounds.
    skipped: addSkippedKeys(emptySkippedKeys(), keys, { maxPerChain: MAX_SKIPPED_KEYS_TOTAL }),
  });
}
