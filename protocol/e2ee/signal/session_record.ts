/**
 * The sessions kept for one peer (libsignal `SessionRecord`): the current session state and up to
 * {@link MAX_ARCHIVED_SESSIONS} previous ones, newest first, each a Double Ratchet state plus the
 * X3DH facts that identify it (Alice's base key, registration ids, and — while the initiator has
 * not heard back — the prekey ids to repeat in every PreKeySignalMessage, e2ee.md §2.3).
 *
 * Records are immutable values and serialize to bytes starting with a format version byte.
 *
 * @module
 */

import { djbPublicKey, parseDjbPublicKey } from "../../crypto/xeddsa.ts";
import { ProtocolError } from "../../errors.ts";
import { X25519_KEY_BYTES } from "../../constants.ts";
import { Reader, Writer } from "./_codec.ts";
import { MAX_ARCHIVED_SESSIONS, MAX_SESSION_RECORD_BYTES } from "./constants.ts";
import { deserializeRatchetState, type RatchetState, serializeRatchetState } from "./ratchet_state.ts";

/** Format version of {@link serializeSessionRecord}'s output: its first byte. */
export const SESSION_RECORD_FORMAT_VERSION = 1;

/** What the initiator repeats in each PreKeySignalMessage until the responder answers. */
export interface PendingPreKey {
  /** The one-time prekey id used, when one was. */
  readonly preKeyId?: number;
  /** The signed prekey id used. */
  readonly signedPreKeyId: number;
  /** The initiator's 32-byte base public key. */
  readonly baseKey: Uint8Array;
}

/** One session with a peer. */
export interface SessionState {
  /** The Double Ratchet state. */
  readonly ratchet: RatchetState;
  /** Alice's 32-byte base key: identifies the X3DH run (libsignal `alice_base_key`). */
  readonly aliceBaseKey: Uint8Array;
  /** Our registration id. */
  readonly localRegistrationId: number;
  /** The peer's registration id. */
  readonly remoteRegistrationId: number;
  /** Set on the initiator until a message from the responder decrypts. */
  readonly pendingPreKey?: PendingPreKey;
}

/** Which session of a record to replace, and with what. */
export interface SessionUpdate {
  /** -1 for the current session, else the index in `previous`. */
  readonly index: number;
  /** The updated session. */
  readonly state: SessionState;
}

/** All sessions with one peer. */
export interface SessionRecord {
  /** The session used to send, if any. */
  readonly current?: SessionState;
  /** Older sessions, newest first, still tried when receiving. */
  readonly previous: readonly SessionState[];
}

const EMPTY: SessionRecord = Object.freeze({ previous: Object.freeze([]) });

/**
 * A record with no session.
 *
 * @returns the empty record
 * @example
 * ```ts
 * import { emptySessionRecord } from "./session_record.ts";
 * if (emptySessionRecord().current !== undefined) throw new Error("bad");
 * ```
 */
export function emptySessionRecord(): SessionRecord {
  return EMPTY;
}

/**
 * A record whose current session is `state`, the old current one archived first in `previous`
 * (libsignal `promote_state`); at most {@link MAX_ARCHIVED_SESSIONS} are kept.
 *
 * @param record the record (not modified)
 * @param state the new current session
 * @returns the new record
 * @example A new session archives the current one
 * ```ts
 * import { emptySessionRecord, promoteSession, type SessionState } from "./session_record.ts";
 * const first = { localRegistrationId: 1 } as SessionState, second = { localRegistrationId: 2 } as SessionState;
 * const record = promoteSession(promoteSession(emptySessionRecord(), first), second);
 * if (record.current !== second || record.previous[0] !== first) throw new Error("bad");
 * ```
 */
export function promoteSession(record: SessionRecord, state: SessionState): SessionRecord {
  const previous = record.current === undefined ? [...record.previous] : [record.current, ...record.previous];
  return Object.freeze({ current: state, previous: Object.freeze(previous.slice(0, MAX_ARCHIVED_SESSIONS)) });
}

/**
 * A record with `state` replacing the session at position `index` (-1 = current); an archived
 * session that decrypted a message becomes current (libsignal `promote_old_session`).
 *
 * @param record the record (not modified)
 * @param update `index` (-1 for the current session, else the index in `previous`) and the `state`
 * @returns the new record
 * @example An archived session that decrypted becomes current
 * ```ts
 * import { emptySessionRecord, promoteSession, type SessionState, withUpdatedSession } from "./session_record.ts";
 * const old = { localRegistrationId: 1 } as SessionState, cur = { localRegistrationId: 2 } as SessionState;
 * const record = promoteSession(promoteSession(emptySessionRecord(), old), cur);
 * const next = withUpdatedSession(record, { index: 0, state: old });
 * if (next.current !== old || next.previous[0] !== cur || next.previous.length !== 1) throw new Error("bad");
 * ```
 */
export function withUpdatedSession(record: SessionRecord, update: SessionUpdate): SessionRecord {
  const { index, state } = update;
  if (index === -1) return Object.freeze({ current: state, previous: record.previous });
  const rest = record.previous.filter((_, i) => i !== index);
  return promoteSession(Object.freeze({ current: record.current, previous: Object.freeze(rest) }), state);
}

function writeState(w: Writer, s: SessionState): void {
  w.bytes(serializeRatchetState(s.ratchet)).fixed(djbPublicKey(s.aliceBaseKey));
  w.u32(s.localRegistrationId).u32(s.remoteRegistrationId);
  if (s.pendingPreKey === undefined) {
    w.u8(0);
  } else {
    w.u8(1).optionalU32(s.pendingPreKey.preKeyId).u32(s.pendingPreKey.signedPreKeyId);
    w.fixed(djbPublicKey(s.pendingPreKey.baseKey));
  }
}

function readState(r: Reader): SessionState {
  const ratchet = deserializeRatchetState(r.bytes());
  const key = (): Uint8Array => {
    try {
      return parseDjbPublicKey(r.fixed(X25519_KEY_BYTES + 1));
    } catch (e) {
      if (e instanceof ProtocolError && e.code === "KEY_INVALID") return r.fail("bad public key");
      throw e;
    }
  };
  const aliceBaseKey = key();
  const localRegistrationId = r.u32();
  const remoteRegistrationId = r.u32();
  const flag = r.u8();
  if (flag > 1) r.fail(`pending flag ${flag}`);
  let pendingPreKey: PendingPreKey | undefined;
  if (flag === 1) {
    const preKeyId = r.optionalU32();
    const signedPreKeyId = r.u32();
    pendingPreKey = Object.freeze({ ...(preKeyId === undefined ? {} : { preKeyId }), signedPreKeyId, baseKey: key() });
  }
  return Object.freeze({
    ratchet,
    aliceBaseKey,
    localRegistrationId,
    remoteRegistrationId,
    ...(pendingPreKey === undefined ? {} : { pendingPreKey }),
  });
}

/**
 * Serialize a record: format version byte {@link SESSION_RECORD_FORMAT_VERSION}, then the
 * sessions. It contains secrets: store it as such.
 *
 * @param record the record
 * @returns the bytes
 * @example The empty record
 * ```ts
 * import { deserializeSessionRecord, emptySessionRecord, serializeSessionRecord } from "./session_record.ts";
 * const bytes = serializeSessionRecord(emptySessionRecord());
 * if (bytes[0] !== 1 || deserializeSessionRecord(bytes).current !== undefined) throw new Error("bad");
 * ```
 */
export function serializeSessionRecord(record: SessionRecord): Uint8Array {
  const w = new Writer().u8(SESSION_RECORD_FORMAT_VERSION);
  if (record.current === undefined) w.u8(0);
  else writeState(w.u8(1), record.current);
  w.u32(record.previous.length);
  for (const s of record.previous) writeState(w, s);
  return w.finish();
}

/**
 * Parse the output of {@link serializeSessionRecord}.
 *
 * @param bytes serialized record
 * @returns the record
 * @throws {TypeError} when `bytes` is not a Uint8Array
 * @throws {ProtocolError} `SIGNAL_STATE_INVALID` for an unknown format version, malformed data or
 *   a record over {@link MAX_SESSION_RECORD_BYTES}
 * @example
 * ```ts
 * import { deserializeSessionRecord } from "./session_record.ts";
 * import { isProtocolError } from "../../errors.ts";
 * try {
 *   deserializeSessionRecord(new Uint8Array([1, 1]));
 *   throw new Error("accepted");
 * } catch (e) {
 *   if (!isProtocolError(e, "SIGNAL_STATE_INVALID")) throw e;
 * }
 * ```
 */
export function deserializeSessionRecord(bytes: Uint8Array): SessionRecord {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("Cannot parse session record: value is not a Uint8Array");
  const r = new Reader(bytes, "session record");
  if (bytes.length > MAX_SESSION_RECORD_BYTES) r.fail(`${bytes.length} bytes is over the limit`);
  const format = r.u8();
  if (format !== SESSION_RECORD_FORMAT_VERSION) r.fail(`unknown format version ${format}`);
  const flag = r.u8();
  if (flag > 1) r.fail(`current flag ${flag}`);
  const current = flag === 1 ? readState(r) : undefined;
  const count = r.u32();
  if (count > MAX_ARCHIVED_SESSIONS) r.fail(`${count} archived sessions`);
  const previous: SessionState[] = [];
  for (let i = 0; i < count; i++) previous.push(readState(r));
  r.end();
  return Object.freeze({ ...(current === undefined ? {} : { current }), previous: Object.freeze(previous) });
}
