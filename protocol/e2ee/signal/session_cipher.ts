/**
 * One-to-one sessions as libsignal runs them (`session.rs`, `session_cipher.rs`), without stores
 * or I/O: the caller passes the peer's {@link SessionRecord} in and stores the one returned.
 *
 * - {@link startSession}: the initiator processes a fetched bundle (X3DH, e2ee.md §2.2); until a
 *   reply decrypts, every message is a PreKeySignalMessage (§2.3).
 * - {@link encryptMessage}: a SignalMessage (type 2) or PreKeySignalMessage (type 3).
 * - {@link decryptSignalMessage}: tries the current session, then archived ones (libsignal
 *   `decrypt_message_with_record`).
 * - {@link decryptPreKeySignalMessage}: the responder's side. A message whose base key matches a
 *   session already in the record uses it (so repeated PreKeySignalMessages from one X3DH run all
 *   decrypt, in any order); otherwise it runs X3DH with the named signed and one-time prekeys.
 *
 * **One-time prekey reuse** (libsignal behaviour, e2ee.md §2.2 "must delete the OPK after use"):
 * the result of a PreKeySignalMessage that created a session names the one-time prekey it
 * consumed (`consumedPreKeyId`); the caller must delete it from its prekey store, as libsignal's
 * `message_decrypt_prekey` calls `remove_pre_key` after the message decrypts. A later
 * PreKeySignalMessage naming that id then fails with `PREKEY_NOT_FOUND` — unless its base key
 * matches a session already in the record (the same initiator's X3DH run), which needs no prekey.
 * A caller that keeps the key (the swarm setting of §2.4, "Bob must be able to handle two
 * sessions that used the same OPK") gets a second, independent session.
 *
 * @module
 */

import { ctEqual } from "../../bytes.ts";
import { SecretKey } from "../../crypto/secret_key.ts";
import { defaultProvider } from "../../crypto/default.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import { ProtocolError } from "../../errors.ts";
import type { Rng } from "../../rng.ts";
import { PREKEY_SIGNAL_MESSAGE_TYPE, SIGNAL_MESSAGE_TYPE } from "./constants.ts";
import { ratchetDecrypt, ratchetEncrypt, type RatchetLimits } from "./double_ratchet.ts";
import { generateKeyPair, type KeyPair } from "./keys.ts";
import { type PreKeyBundle, verifyPreKeyBundle } from "./prekeys.ts";
import {
  emptySessionRecord,
  promoteSession,
  type SessionRecord,
  type SessionState,
  withUpdatedSession,
} from "./session_record.ts";
import {
  decodePreKeySignalMessage,
  decodeSignalMessage,
  encodePreKeySignalMessage,
  type ParsedSignalMessage,
} from "./wire.ts";
import { initializeAliceRatchet, initializeBobRatchet } from "./x3dh.ts";

/** Our long-term identity. */
export interface LocalIdentity {
  /** Our identity key pair. */
  readonly identityKeyPair: KeyPair;
  /** Our registration id (sent in PreKeySignalMessages). */
  readonly registrationId: number;
}

/** The responder's keys, looked up by the ids a PreKeySignalMessage names. */
export interface ResponderKeys extends LocalIdentity {
  /** Signed prekeys by id. */
  readonly signedPreKeys: ReadonlyMap<number, KeyPair>;
  /** One-time prekeys by id; delete each one reported as consumed. */
  readonly oneTimePreKeys: ReadonlyMap<number, KeyPair>;
}

/** An encrypted message and its wire type. */
export interface CiphertextMessage {
  /** 2 = SignalMessage, 3 = PreKeySignalMessage (e2ee.md §3.5). */
  readonly type: typeof SIGNAL_MESSAGE_TYPE | typeof PREKEY_SIGNAL_MESSAGE_TYPE;
  /** The serialized message. */
  readonly body: Uint8Array;
}

/** Options of {@link startSession}. */
export interface StartSessionOptions {
  /** Source of the base key and the first ratchet key. */
  rng: Rng;
  /** The record to add the session to; empty by default. */
  record?: SessionRecord;
  /** Version byte to send: `0x33` (default) or `0x34`. */
  versionByte?: number;
  /** Crypto provider; defaults to {@link defaultProvider}. */
  provider?: CryptoProvider;
}

/** Options of {@link encryptMessage}. */
export interface EncryptOptions {
  /** Crypto provider; defaults to {@link defaultProvider}. */
  provider?: CryptoProvider;
}

/** Options of {@link decryptSignalMessage}. */
export interface DecryptOptions {
  /** Source of ratchet keys for DH ratchet steps. */
  rng: Rng;
  /** Receiving bounds; libsignal's by default. */
  limits?: RatchetLimits;
  /** Crypto provider; defaults to {@link defaultProvider}. */
  provider?: CryptoProvider;
}

/** Options of {@link decryptPreKeySignalMessage}. */
export interface DecryptPreKeyOptions extends DecryptOptions {
  /** Our identity and prekeys. */
  keys: ResponderKeys;
  /** Version byte a new session sends: `0x33` (default) or `0x34`. */
  versionByte?: number;
}

/** What decrypting a PreKeySignalMessage tells the caller. */
export interface PreKeyDecryptResult {
  /** The plaintext. */
  readonly plaintext: Uint8Array;
  /** The one-time prekey this message consumed: delete it from the store. */
  readonly consumedPreKeyId?: number;
  /** Whether the message created a new session (false: it matched one in the record). */
  readonly newSession: boolean;
  /** The initiator's 32-byte identity key: check it is the peer expected (e2ee.md §2.4). */
  readonly remoteIdentityKey: Uint8Array;
  /** The initiator's registration id. */
  readonly remoteRegistrationId: number;
}

function checkRecord(record: SessionRecord, action: string): void {
  if (!Array.isArray(record?.previous)) throw new TypeError(`Cannot ${action}: record is not a SessionRecord`);
}

/**
 * Start a session from a peer's bundle (libsignal `process_prekey_bundle`, e2ee.md §2.2): verify
 * the signed prekey's signature, generate the base key, run X3DH and make the new session current.
 *
 * @param local our identity and registration id
 * @param bundle the peer's bundle
 * @param options `rng`, the existing record, version byte, provider
 * @returns the record with the new session current
 * @throws {TypeError | RangeError} for malformed arguments
 * @throws {ProtocolError} `SIGNATURE_INVALID` for a bad signed-prekey signature;
 *   `KEY_AGREEMENT_FAILED` for a low-order key
 * @example A session, two messages and a reply
 * ```ts
 * import { decryptPreKeySignalMessage, decryptSignalMessage, encryptMessage, startSession } from "./session_cipher.ts";
 * import { createPreKeyBundle, generateOneTimePreKeys, generateSignedPreKey } from "./prekeys.ts";
 * import { generateKeyPair } from "./keys.ts";
 * import { emptySessionRecord } from "./session_record.ts";
 * import { systemRng as rng } from "../../rng.ts";
 * const text = (s: string) => new TextEncoder().encode(s);
 * const bobIdentity = await generateKeyPair({ rng });
 * const spk = await generateSignedPreKey(bobIdentity, 1, { rng });
 * const [opk] = await generateOneTimePreKeys(7, 1, { rng });
 * const bundle = createPreKeyBundle({ registrationId: 2, deviceId: 1, identityKey: bobIdentity, signedPreKey: spk, oneTimePreKey: opk });
 * const alice = { identityKeyPair: await generateKeyPair({ rng }), registrationId: 1 };
 * let aliceRecord = await startSession(alice, bundle, { rng });
 * let m;
 * [aliceRecord, m] = await encryptMessage(aliceRecord, text("hello"));
 * const keys = { identityKeyPair: bobIdentity, registrationId: 2, signedPreKeys: new Map([[1, spk.keyPair]]), oneTimePreKeys: new Map([[7, opk.keyPair]]) };
 * let [bobRecord, got] = await decryptPreKeySignalMessage(emptySessionRecord(), m.body, { keys, rng });
 * if (m.type !== 3 || got.consumedPreKeyId !== 7) throw new Error("bad");
 * [bobRecord, m] = await encryptMessage(bobRecord, text("hi"));
 * const [, reply] = await decryptSignalMessage(aliceRecord, m.body, { rng });
 * if (new TextDecoder().decode(reply) !== "hi") throw new Error("bad");
 * ```
 */
export async function startSession(
  local: LocalIdentity,
  bundle: PreKeyBundle,
  options: StartSessionOptions,
): Promise<SessionRecord> {
  const action = "start session";
  if (typeof options?.rng?.fill !== "function") throw new TypeError(`Cannot ${action}: rng is missing`);
  const record = options.record ?? emptySessionRecord();
  checkRecord(record, action);
  verifyPreKeyBundle(bundle);
  const provider = options.provider ?? await defaultProvider();
  const baseKeyPair = await generateKeyPair({ rng: options.rng, provider });
  const ratchet = await initializeAliceRatchet({
    ourIdentityKeyPair: local.identityKeyPair,
    ourBaseKeyPair: baseKeyPair,
    theirIdentityKey: bundle.identityKey,
    theirSignedPreKey: bundle.signedPreKey,
    ...(bundle.preKey === undefined ? {} : { theirOneTimePreKey: bundle.preKey }),
  }, {
    rng: options.rng,
    provider,
    ...(options.versionByte === undefined ? {} : { versionByte: options.versionByte }),
  });
  const state: SessionState = Object.freeze({
    ratchet,
    aliceBaseKey: baseKeyPair.publicKey,
    localRegistrationId: local.registrationId,
    remoteRegistrationId: bundle.registrationId,
    pendingPreKey: Object.freeze({
      ...(bundle.preKeyId === undefined ? {} : { preKeyId: bundle.preKeyId }),
      signedPreKeyId: bundle.signedPreKeyId,
      baseKey: baseKeyPair.publicKey,
    }),
  });
  baseKeyPair.secretKey.wipe();
  return promoteSession(record, state);
}

/**
 * Encrypt with the current session (libsignal `message_encrypt`): a PreKeySignalMessage while the
 * initiator has not heard back, else a SignalMessage.
 *
 * @param record the peer's record (not modified)
 * @param plaintext the message
 * @param options provider
 * @returns the next record and the message with its type
 * @throws {TypeError} for a malformed record or plaintext
 * @throws {ProtocolError} `SIGNAL_NO_SESSION` when the record has no current session
 * @example No session, no encryption
 * ```ts
 * import { encryptMessage } from "./session_cipher.ts";
 * import { emptySessionRecord } from "./session_record.ts";
 * import { isProtocolError } from "../../errors.ts";
 * try {
 *   await encryptMessage(emptySessionRecord(), new Uint8Array([1]));
 *   throw new Error("encrypted");
 * } catch (e) {
 *   if (!isProtocolError(e, "SIGNAL_NO_SESSION")) throw e;
 * }
 * ```
 */
export async function encryptMessage(
  record: SessionRecord,
  plaintext: Uint8Array,
  options: EncryptOptions = {},
): Promise<[SessionRecord, CiphertextMessage]> {
  const action = "encrypt message";
  checkRecord(record, action);
  const state = record.current;
  if (state === undefined) throw new ProtocolError("SIGNAL_NO_SESSION", `Cannot ${action}: no session with this peer`);
  const [ratchet, signalMessage] = await ratchetEncrypt(state.ratchet, plaintext, options);
  const next = withUpdatedSession(record, { index: -1, state: Object.freeze({ ...state, ratchet }) });
  const pending = state.pendingPreKey;
  if (pending === undefined) return [next, Object.freeze({ type: SIGNAL_MESSAGE_TYPE, body: signalMessage })];
  const body = encodePreKeySignalMessage({
    versionByte: state.ratchet.versionByte,
    registrationId: state.localRegistrationId,
    ...(pending.preKeyId === undefined ? {} : { preKeyId: pending.preKeyId }),
    signedPreKeyId: pending.signedPreKeyId,
    baseKey: pending.baseKey,
    identityKey: state.ratchet.localIdentityKey,
    message: signalMessage,
  });
  return [next, Object.freeze({ type: PREKEY_SIGNAL_MESSAGE_TYPE, body })];
}

/** libsignal `decrypt_message_with_record`: current session first, then archived ones. */
async function decryptWithRecord(
  record: SessionRecord,
  message: ParsedSignalMessage,
  options: DecryptOptions,
): Promise<[SessionRecord, Uint8Array]> {
  const candidates: [number, SessionState][] = [];
  if (record.current !== undefined) candidates.push([-1, record.current]);
  record.previous.forEach((s, i) => candidates.push([i, s]));
  if (candidates.length === 0) {
    throw new ProtocolError("SIGNAL_NO_SESSION", "Cannot decrypt message: no session with this peer");
  }
  const errors: unknown[] = [];
  for (const [index, state] of candidates) {
    try {
      const [ratchet, out] = await ratchetDecrypt(state.ratchet, message, options);
      // A message from the peer acknowledges our prekey message (libsignal clear_unacknowledged_pre_key_message).
      const { pendingPreKey: _, ...rest } = state;
      return [withUpdatedSession(record, { index, state: Object.freeze({ ...rest, ratchet }) }), out.plaintext];
    } catch (e) {
      if (e instanceof ProtocolError && e.code === "SIGNAL_DUPLICATE_MESSAGE") throw e;
      if (!(e instanceof ProtocolError)) throw e;
      errors.push(e);
    }
  }
  if (errors.length === 1) throw errors[0];
  throw new ProtocolError(
    "DECRYPT_FAILED",
    `Cannot decrypt message: no session of ${candidates.length} could decrypt it`,
    { cause: errors[0] },
  );
}

/**
 * Decrypt a SignalMessage (type 2) with the peer's record.
 *
 * @param record the peer's record (not modified)
 * @param body the serialized SignalMessage
 * @param options `rng`, limits, provider
 * @returns the next record and the plaintext
 * @throws {TypeError} for a malformed record or body
 * @throws {ProtocolError} `SIGNAL_NO_SESSION` without a session; `SIGNAL_DUPLICATE_MESSAGE` for a
 *   replay; otherwise the session's error (one session) or `DECRYPT_FAILED` (several)
 * @example Without a session
 * ```ts
 * import { decryptSignalMessage } from "./session_cipher.ts";
 * import { emptySessionRecord } from "./session_record.ts";
 * import { systemRng as rng } from "../../rng.ts";
 * import { isProtocolError } from "../../errors.ts";
 * try {
 *   await decryptSignalMessage(emptySessionRecord(), new Uint8Array([0x33, 0, 0, 0, 0, 0, 0, 0, 0]), { rng });
 *   throw new Error("decrypted");
 * } catch (e) {
 *   if (!isProtocolError(e)) throw e;
 * }
 * ```
 */
export async function decryptSignalMessage(
  record: SessionRecord,
  body: Uint8Array,
  options: DecryptOptions,
): Promise<[SessionRecord, Uint8Array]> {
  checkRecord(record, "decrypt message");
  return await decryptWithRecord(record, decodeSignalMessage(body), options);
}

/**
 * Decrypt a PreKeySignalMessage (type 3): reuse the session its base key names, or run X3DH as the
 * responder (libsignal `process_prekey` + `message_decrypt_prekey`). See the module documentation
 * for one-time prekey reuse.
 *
 * @param record the initiator's record on our side (not modified); empty for a new peer
 * @param body the serialized PreKeySignalMessage
 * @param options our `keys`, `rng`, limits, version byte, provider
 * @returns the next record and the result (plaintext, consumed one-time prekey id, peer identity)
 * @throws {TypeError} for malformed arguments
 * @throws {ProtocolError} `SIGNED_PREKEY_NOT_FOUND` / `PREKEY_NOT_FOUND` for an id we do not hold;
 *   `SIGNAL_MESSAGE_INVALID` / `SIGNAL_VERSION_UNSUPPORTED` for bad framing;
 *   `SIGNAL_IDENTITY_MISMATCH` when it matches a session set up with another identity key; the
 *   decryption errors of {@link decryptSignalMessage}
 * @example An unknown signed prekey id
 * ```ts
 * import { decryptPreKeySignalMessage, encryptMessage, startSession } from "./session_cipher.ts";
 * import { createPreKeyBundle, generateSignedPreKey } from "./prekeys.ts";
 * import { generateKeyPair } from "./keys.ts";
 * import { emptySessionRecord } from "./session_record.ts";
 * import { isProtocolError } from "../../errors.ts";
 * import { systemRng as rng } from "../../rng.ts";
 * const bob = await generateKeyPair({ rng });
 * const spk = await generateSignedPreKey(bob, 1, { rng });
 * const bundle = createPreKeyBundle({ registrationId: 2, deviceId: 1, identityKey: bob, signedPreKey: spk });
 * const record = await startSession({ identityKeyPair: await generateKeyPair({ rng }), registrationId: 1 }, bundle, { rng });
 * const [, m] = await encryptMessage(record, new Uint8Array([1]));
 * const keys = { identityKeyPair: bob, registrationId: 2, signedPreKeys: new Map(), oneTimePreKeys: new Map() };
 * try {
 *   await decryptPreKeySignalMessage(emptySessionRecord(), m.body, { keys, rng });
 *   throw new Error("decrypted");
 * } catch (e) {
 *   if (!isProtocolError(e, "SIGNED_PREKEY_NOT_FOUND")) throw e;
 * }
 * ```
 */
export async function decryptPreKeySignalMessage(
  record: SessionRecord,
  body: Uint8Array,
  options: DecryptPreKeyOptions,
): Promise<[SessionRecord, PreKeyDecryptResult]> {
  const action = "decrypt prekey message";
  checkRecord(record, action);
  const keys = options?.keys;
  if (!(keys?.identityKeyPair?.secretKey instanceof SecretKey)) {
    throw new TypeError(`Cannot ${action}: keys.identityKeyPair is not a key pair`);
  }
  if (!(keys.signedPreKeys instanceof Map) || !(keys.oneTimePreKeys instanceof Map)) {
    throw new TypeError(`Cannot ${action}: keys.signedPreKeys and keys.oneTimePreKeys must be Maps`);
  }
  const message = decodePreKeySignalMessage(body);
  const version = message.versionByte >> 4;
  const matches = (s: SessionState) => s.ratchet.sessionVersion === version && ctEqual(s.aliceBaseKey, message.baseKey);
  let working: SessionRecord;
  let consumedPreKeyId: number | undefined;
  let newSession = false;
  // The identity a matched session was set up with must be the one the message names: otherwise a
  // tampered copy would decrypt under the old session yet report any identity (fuzz finding
  // fuzz/corpus/signal_message/finding-prekey-unauthenticated-identity).
  const sameIdentity = (s: SessionState) => {
    if (!ctEqual(s.ratchet.remoteIdentityKey, message.identityKey)) {
      throw new ProtocolError("SIGNAL_IDENTITY_MISMATCH", `Cannot ${action}: identity key differs from its session's`);
    }
  };
  // libsignal promote_matching_session: this X3DH run already has a session; no prekey needed.
  if (record.current !== undefined && matches(record.current)) {
    sameIdentity(record.current);
    working = record;
  } else if (record.previous.some(matches)) {
    const index = record.previous.findIndex(matches);
    const state = record.previous[index];
    sameIdentity(state);
    working = withUpdatedSession(record, { index, state });
  } else {
    const signedPreKeyPair = keys.signedPreKeys.get(message.signedPreKeyId);
    if (signedPreKeyPair === undefined) {
      throw new ProtocolError(
        "SIGNED_PREKEY_NOT_FOUND",
        `Cannot ${action}: no signed prekey with id ${message.signedPreKeyId}`,
      );
    }
    let oneTimePreKeyPair: KeyPair | undefined;
    if (message.preKeyId !== undefined) {
      oneTimePreKeyPair = keys.oneTimePreKeys.get(message.preKeyId);
      if (oneTimePreKeyPair === undefined) {
        throw new ProtocolError("PREKEY_NOT_FOUND", `Cannot ${action}: no one-time prekey with id ${message.preKeyId}`);
      }
    }
    const ratchet = await initializeBobRatchet({
      ourIdentityKeyPair: keys.identityKeyPair,
      ourSignedPreKeyPair: signedPreKeyPair,
      ...(oneTimePreKeyPair === undefined ? {} : { ourOneTimePreKeyPair: oneTimePreKeyPair }),
      theirIdentityKey: message.identityKey,
      theirBaseKey: message.baseKey,
    }, {
      ...(options.provider === undefined ? {} : { provider: options.provider }),
      ...(options.versionByte === undefined ? {} : { versionByte: options.versionByte }),
    });
    working = promoteSession(
      record,
      Object.freeze({
        ratchet,
        aliceBaseKey: message.baseKey,
        localRegistrationId: keys.registrationId,
        remoteRegistrationId: message.registrationId,
      }),
    );
    consumedPreKeyId = message.preKeyId;
    newSession = true;
  }
  const [next, plaintext] = await decryptWithRecord(working, message.signalMessage, options);
  return [
    next,
    Object.freeze({
      plaintext,
      ...(consumedPreKeyId === undefined ? {} : { consumedPreKeyId }),
      newSession,
      // The session that decrypted (decryptWithRecord makes it current): its identity is the one the
      // MAC authenticated, whatever the message claims.
      remoteIdentityKey: next.current!.ratchet.remoteIdentityKey,
      remoteRegistrationId: next.current!.remoteRegistrationId,
    }),
  ];
}
