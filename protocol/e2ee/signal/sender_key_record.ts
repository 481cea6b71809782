/**
 * Sender Key state (e2ee.md §4) as plain data, and its serialization.
 *
 * A {@link SenderKeyRecord} holds everything one member knows about one sender's chains for one
 * distribution id: up to {@link MAX_SENDER_KEY_STATES} states, newest first, each with its chain
 * id, chain key and iteration, the signature key (the private half only on the sender's own
 * states) and the cached keys of skipped messages. Records are values: the functions of
 * `sender_keys.ts` return a new record and never modify the one they are given.
 *
 * Serialized form (allium's own, little-endian; not libsignal's storage protobuf):
 * ```
 * format(1) = 1 ‖ distributionId(16) ‖ stateCount(1) ‖ state*
 * state = version(1) ‖ chainId(u32) ‖ iteration(u32) ‖ chainKey(32) ‖ signingPublic(32)
 *         ‖ hasPrivate(1) ‖ [signingPrivate(32)] ‖ skippedCount(u32) ‖ (iteration(u32) ‖ seed(32))*
 * ```
 * The serialized bytes contain secrets: store them encrypted.
 *
 * @module
 */

import { readU32le, writeU32le } from "../../bytes.ts";
import { X25519_KEY_BYTES } from "../../constants.ts";
import { ProtocolError } from "../../errors.ts";
import {
  DISTRIBUTION_ID_BYTES,
  MAX_SENDER_KEY_RECORD_BYTES,
  MAX_SENDER_KEY_STATES,
  SENDER_CHAIN_KEY_BYTES,
  SENDER_KEY_MAX_SKIPPED_KEYS,
  SENDER_KEY_RECORD_FORMAT,
  SENDER_KEY_VERSION,
} from "./sender_key_constants.ts";

/** The cached seed of a skipped message's keys (e2ee.md §4). */
export interface SkippedSenderKey {
  /** Iteration of the skipped message. */
  readonly iteration: number;
  /** 32-byte message-key seed `HMAC(ck, 0x01)` of that iteration. */
  readonly seed: Uint8Array;
}

/** One sender chain (libsignal `SenderKeyState`). */
export interface SenderKeyState {
  /** Message version of the chain (3). */
  readonly version: number;
  /** Chain id (u32). */
  readonly chainId: number;
  /** Iteration of `chainKey`: the next message to send, or the next expected one. */
  readonly iteration: number;
  /** 32-byte chain key at `iteration`. */
  readonly chainKey: Uint8Array;
  /** 32-byte X25519 public key that verifies the chain's messages. */
  readonly signingPublic: Uint8Array;
  /** 32-byte X25519 secret that signs them; present on the sender's own states only. */
  readonly signingPrivate?: Uint8Array;
  /** Cached keys of skipped iterations, oldest first, at most {@link SENDER_KEY_MAX_SKIPPED_KEYS}. */
  readonly skipped: readonly SkippedSenderKey[];
}

/** All states of one sender for one distribution id, newest first. */
export interface SenderKeyRecord {
  /** Format version of this shape and of its serialization ({@link SENDER_KEY_RECORD_FORMAT}). */
  readonly format: typeof SENDER_KEY_RECORD_FORMAT;
  /** 16-byte distribution id. */
  readonly distributionId: Uint8Array;
  /** The states, newest first, at most {@link MAX_SENDER_KEY_STATES}. */
  readonly states: readonly SenderKeyState[];
}

/** Bytes of format ‖ distributionId ‖ stateCount. */
const RECORD_HEADER_BYTES = 1 + DISTRIBUTION_ID_BYTES + 1;
/** Bytes of a u32 field. */
const U32_BYTES = 4;
/** Bytes of a state before its optional private key: version, chainId, iteration, chainKey, signingPublic, flag. */
const STATE_FIXED_BYTES = 1 + U32_BYTES + U32_BYTES + SENDER_CHAIN_KEY_BYTES + X25519_KEY_BYTES + 1;
/** Bytes of one cached skipped key: iteration ‖ seed. */
const SKIPPED_ENTRY_BYTES = U32_BYTES + SENDER_CHAIN_KEY_BYTES;

function stateBytes(s: SenderKeyState): number {
  return STATE_FIXED_BYTES + (s.signingPrivate ? X25519_KEY_BYTES : 0) + U32_BYTES +
    s.skipped.length * SKIPPED_ENTRY_BYTES;
}

function checkBytes(value: unknown, length: number, what: string): void {
  if (!(value instanceof Uint8Array)) throw new TypeError(`Cannot serialize sender key record: ${what} is not bytes`);
  if (value.length !== length) {
    throw new RangeError(`Cannot serialize sender key record: ${what} is ${value.length} bytes, expected ${length}`);
  }
}

function checkU32(value: unknown, what: string): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`Cannot serialize sender key record: ${what} "${String(value)}" is not a u32`);
  }
}

/**
 * Serialize a record (format in the module documentation). The result holds secrets.
 *
 * @param record the record
 * @returns the bytes, starting with the format byte
 * @throws {TypeError | RangeError} when a field has the wrong type, length or range, or there are
 *   too many states or skipped keys
 * @example Round trip of an empty record
 * ```ts
 * import { deserializeSenderKeyRecord, serializeSenderKeyRecord } from "./sender_key_record.ts";
 * const bytes = serializeSenderKeyRecord({ format: 1, distributionId: new Uint8Array(16), states: [] });
 * if (bytes[0] !== 1 || deserializeSenderKeyRecord(bytes).states.length !== 0) throw new Error("bad");
 * ```
 */
export function serializeSenderKeyRecord(record: SenderKeyRecord): Uint8Array {
  if (record.format !== SENDER_KEY_RECORD_FORMAT) {
    throw new RangeError(`Cannot serialize sender key record: format "${String(record.format)}" is unknown`);
  }
  checkBytes(record.distributionId, DISTRIBUTION_ID_BYTES, "distribution id");
  if (record.states.length > MAX_SENDER_KEY_STATES) {
    throw new RangeError(
      `Cannot serialize sender key record: ${record.states.length} states, limit ${MAX_SENDER_KEY_STATES}`,
    );
  }
  let length = RECORD_HEADER_BYTES;
  for (const s of record.states) {
    checkU32(s.chainId, "chain id");
    checkU32(s.iteration, "iteration");
    checkBytes(s.chainKey, SENDER_CHAIN_KEY_BYTES, "chain key");
    checkBytes(s.signingPublic, X25519_KEY_BYTES, "signing key");
    if (s.signingPrivate !== undefined) checkBytes(s.signingPrivate, X25519_KEY_BYTES, "signing secret");
    if (s.skipped.length > SENDER_KEY_MAX_SKIPPED_KEYS) {
      throw new RangeError(
        `Cannot serialize sender key record: ${s.skipped.length} skipped keys, limit ${SENDER_KEY_MAX_SKIPPED_KEYS}`,
      );
    }
    for (const k of s.skipped) {
      checkU32(k.iteration, "skipped iteration");
      checkBytes(k.seed, SENDER_CHAIN_KEY_BYTES, "skipped seed");
    }
    length += stateBytes(s);
  }
  const out = new Uint8Array(length);
  out[0] = SENDER_KEY_RECORD_FORMAT;
  out.set(record.distributionId, 1);
  out[1 + DISTRIBUTION_ID_BYTES] = record.states.length;
  let at = RECORD_HEADER_BYTES;
  for (const s of record.states) {
    out[at++] = s.version;
    writeU32le(out, at, s.chainId);
    writeU32le(out, at + U32_BYTES, s.iteration);
    at += 2 * U32_BYTES;
    out.set(s.chainKey, at);
    at += SENDER_CHAIN_KEY_BYTES;
    out.set(s.signingPublic, at);
    at += X25519_KEY_BYTES;
    out[at++] = s.signingPrivate ? 1 : 0;
    if (s.signingPrivate) {
      out.set(s.signingPrivate, at);
      at += X25519_KEY_BYTES;
    }
    writeU32le(out, at, s.skipped.length);
    at += U32_BYTES;
    for (const k of s.skipped) {
      writeU32le(out, at, k.iteration);
      out.set(k.seed, at + U32_BYTES);
      at += SKIPPED_ENTRY_BYTES;
    }
  }
  return out;
}

/** A bounds-checked cursor over serialized record bytes. */
class Reader {
  #bytes: Uint8Array;
  #at = 0;
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }
  take(n: number): Uint8Array {
    if (this.#at + n > this.#bytes.length) throw stateInvalid("truncated");
    const out = this.#bytes.slice(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }
  byte(): number {
    return this.take(1)[0];
  }
  u32(): number {
    if (this.#at + U32_BYTES > this.#bytes.length) throw stateInvalid("truncated");
    const v = readU32le(this.#bytes, this.#at);
    this.#at += U32_BYTES;
    return v;
  }
  done(): boolean {
    return this.#at === this.#bytes.length;
  }
}

function stateInvalid(detail: string): ProtocolError {
  return new ProtocolError("SENDER_KEY_STATE_INVALID", `Cannot parse sender key record: ${detail}`);
}

/**
 * Parse a serialized record, checking the format byte, every length and limit, that skipped
 * iterations are increasing and below the chain's iteration, and that nothing trails.
 *
 * @param bytes output of {@link serializeSenderKeyRecord}
 * @returns the record (fresh arrays)
 * @throws {TypeError} when `bytes` is not a Uint8Array
 * @throws {ProtocolError} `SENDER_KEY_STATE_INVALID` for anything malformed or an unknown format
 * @example An unknown format byte is refused
 * ```ts
 * import { deserializeSenderKeyRecord } from "./sender_key_record.ts";
 * import { isProtocolError } from "../../errors.ts";
 * try { deserializeSenderKeyRecord(new Uint8Array(18).fill(2)); throw new Error("accepted"); }
 * catch (e) { if (!isProtocolError(e, "SENDER_KEY_STATE_INVALID")) throw e; }
 * ```
 */
export function deserializeSenderKeyRecord(bytes: Uint8Array): SenderKeyRecord {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("Cannot parse sender key record: value is not a Uint8Array");
  if (bytes.length > MAX_SENDER_KEY_RECORD_BYTES) {
    throw stateInvalid(`${bytes.length} bytes, limit ${MAX_SENDER_KEY_RECORD_BYTES}`);
  }
  const r = new Reader(bytes);
  const format = r.byte();
  if (format !== SENDER_KEY_RECORD_FORMAT) throw stateInvalid(`format ${format} is unknown`);
  const distributionId = r.take(DISTRIBUTION_ID_BYTES);
  const count = r.byte();
  if (count > MAX_SENDER_KEY_STATES) throw stateInvalid(`${count} states, limit ${MAX_SENDER_KEY_STATES}`);
  const states: SenderKeyState[] = [];
  for (let i = 0; i < count; i++) {
    const version = r.byte();
    if (version !== SENDER_KEY_VERSION) throw stateInvalid(`state version ${version}, expected ${SENDER_KEY_VERSION}`);
    const chainId = r.u32();
    const iteration = r.u32();
    const chainKey = r.take(SENDER_CHAIN_KEY_BYTES);
    const signingPublic = r.take(X25519_KEY_BYTES);
    const flag = r.byte();
    if (flag > 1) throw stateInvalid(`private-key flag ${flag}`);
    const signingPrivate = flag === 1 ? r.take(X25519_KEY_BYTES) : undefined;
    const skippedCount = r.u32();
    if (skippedCount > SENDER_KEY_MAX_SKIPPED_KEYS) {
      throw stateInvalid(`${skippedCount} skipped keys, limit ${SENDER_KEY_MAX_SKIPPED_KEYS}`);
    }
    const skipped: SkippedSenderKey[] = [];
    for (let j = 0; j < skippedCount; j++) {
      const it = r.u32();
      if (it >= iteration || (j > 0 && it <= skipped[j - 1].iteration)) {
        throw stateInvalid(`skipped iteration ${it} out of order`);
      }
      skipped.push({ iteration: it, seed: r.take(SENDER_CHAIN_KEY_BYTES) });
    }
    states.push(
      signingPrivate === undefined
        ? { version, chainId, iteration, chainKey, signingPublic, skipped }
        : { version, chainId, iteration, chainKey, signingPublic, signingPrivate, skipped },
    );
  }
  if (!r.done()) throw stateInvalid("trailing bytes");
  return { format: SENDER_KEY_RECORD_FORMAT, distributionId, states };
}
