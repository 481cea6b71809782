/**
 * Fuzz target: bytes → `deserializeSessionRecord` (protocol/e2ee/signal/session_record.ts): the
 * sessions kept for one peer, read back from storage. A corrupt file must be refused with a typed
 * error.
 *
 * Expected refusal: `ProtocolError` with code `SIGNAL_STATE_INVALID` only. Oracles on an accepted
 * record:
 *
 * - it is canonical: `serializeSessionRecord` gives the input back (each ratchet state inside is
 *   checked as in `ratchet_state`, so a duplicated skipped key is named);
 * - it works: when it has a current session with a receiving chain, it decrypts a message that
 *   chain produces at its next counter (reference key schedule) and the next record is storable;
 *   messages of the conversation (both wire types, Bob's prekeys) are refused only with codes
 *   `decryptSignalMessage` / `decryptPreKeySignalMessage` document; `encryptMessage` produces the
 *   message the reference expects (inside a PreKeySignalMessage while a prekey is pending), or
 *   refuses with `SIGNAL_NO_SESSION` exactly when there is no current session, or with the
 *   ratchet's documented `RangeError` ("sending chain is exhausted") at index 2^32 − 1;
 * - using it changes nothing (it serializes to the input afterwards).
 *
 * Structured inputs: the conversation's records; records synthesized through the library's writer
 * (0–3 archived sessions, pending prekeys with and without a one-time id, registration ids at the
 * u32 edges, ratchet states as in `ratchet_state`); edits of a ratchet state inside a record with
 * its length prefix kept right; 40 and 41 archived sessions (seeds); byte mutations.
 *
 * @module
 */

import fc from "fast-check";
import {
  decodePreKeySignalMessage,
  decryptPreKeySignalMessage,
  decryptSignalMessage,
  deserializeSessionRecord,
  encryptMessage,
  MAX_MESSAGE_COUNTER,
  serializeSessionRecord,
  type SessionRecord,
  type SessionState,
} from "../../mod.ts";
import { currentProvider, type FuzzTarget, invariant, InvariantError, type OpenFinding } from "../_harness.ts";
import { mutatedArb } from "../_mutate.ts";
import { attempt, attemptSync, BAD_X25519_KEYS, cat, rngFor, same, u32le } from "../_e2ee.ts";
import { BOB_KEYS, CHAINS, innerOf, keySecrets, SESSION_RECORDS, SIGNAL_MESSAGES } from "../_signal.ts";
import { EDGE_U32, PROBE_TEXT, probeFor, ratchetEditArb, ratchetStateArb, sentByState } from "../_state.ts";
import { checkCanonical, open as ratchetOpen } from "./ratchet_state.ts";
import { DECRYPT_CODES } from "./signal_message.ts";

const EXHAUSTED = "Cannot encrypt message: sending chain is exhausted";
const rng = rngFor("session-record-target");
const KEYS_SNAPSHOT = keySecrets(BOB_KEYS);

/** The ratchet-state blobs of a serialized record (its layout), for the canonical check. */
export function ratchetBlobs(b: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  let at = 1;
  const state = (): boolean => {
    if (at + 4 > b.length) return false;
    const n = dv.getUint32(at, true);
    if (at + 4 + n > b.length) return false;
    out.push(b.subarray(at + 4, at + 4 + n));
    at += 4 + n + 33 + 8;
    if (at >= b.length) return false;
    const pending = b[at++];
    if (pending === 1) at += (b[at] === 1 ? 5 : 1) + 4 + 33;
    return at <= b.length;
  };
  if (b[at++] === 1 && !state()) return out;
  if (at + 4 > b.length) return out;
  const count = dv.getUint32(at, true);
  at += 4;
  for (let i = 0; i < count && i < 64; i++) if (!state()) break;
  return out;
}

function checkStorable(next: SessionRecord, what: string): void {
  let bytes: Uint8Array;
  try {
    bytes = serializeSessionRecord(next);
  } catch (err) {
    throw new InvariantError(`the record after ${what} cannot be serialized: ${(err as Error).message}`);
  }
  invariant(
    same(serializeSessionRecord(deserializeSessionRecord(bytes)), bytes),
    `the record after ${what} does not round-trip`,
  );
}

const SIGNALS = SIGNAL_MESSAGES.map((m) => (m.type === 3 ? innerOf(m.body) : m.body));
const PREKEYS = SIGNAL_MESSAGES.filter((m) => m.type === 3).map((m) => m.body);

/**
 * Read `input` as a stored session record and check the oracles.
 *
 * @param input serialized record
 */
export async function fuzz(input: Uint8Array): Promise<void> {
  const got = attemptSync(
    "deserializeSessionRecord()",
    ["SIGNAL_STATE_INVALID"],
    () => deserializeSessionRecord(input),
  );
  if (!got.ok) throw got.error;
  const record = got.value;
  if (!same(serializeSessionRecord(record), input)) {
    const states = [record.current, ...record.previous].filter((s): s is SessionState => s !== undefined);
    ratchetBlobs(input).forEach((blob, i) => states[i] && checkCanonical(states[i].ratchet, blob, "session's state"));
    throw new InvariantError("an accepted record does not serialize back to its bytes");
  }
  const provider = currentProvider();
  const current = record.current;
  // A chain at the last counter is exhausted: it can be stored, but it takes no more messages.
  const exhausted = (current?.ratchet.receivers[0]?.index ?? 0) >= MAX_MESSAGE_COUNTER;
  const probe = current === undefined || exhausted ? undefined : probeFor(current.ratchet);
  if (probe !== undefined) {
    const out = await attempt(
      "decryptSignalMessage() of the current session's chain",
      DECRYPT_CODES,
      () => decryptSignalMessage(record, probe, { rng, provider }),
    );
    if (!out.ok) {
      throw new InvariantError(
        `a record read back refuses a message of its current receiving chain: ${out.error.message}`,
      );
    }
    invariant(same(out.value[1], PROBE_TEXT), "the probe decrypts to another plaintext");
    checkStorable(out.value[0], `decrypting counter ${current!.ratchet.receivers[0].index}`);
  }
  const k = input.length;
  const signal = await attempt(
    "decryptSignalMessage()",
    DECRYPT_CODES,
    () => decryptSignalMessage(record, SIGNALS[k % SIGNALS.length], { rng, provider }),
  );
  if (signal.ok) checkStorable(signal.value[0], "decrypting a conversation message");
  const pre = await attempt(
    "decryptPreKeySignalMessage()",
    DECRYPT_CODES,
    () => decryptPreKeySignalMessage(record, PREKEYS[k % PREKEYS.length], { keys: BOB_KEYS, rng, provider }),
  );
  if (pre.ok) checkStorable(pre.value[0], "decrypting a prekey message");
  invariant(same(keySecrets(BOB_KEYS), KEYS_SNAPSHOT), "decrypting changed a prekey secret");
  try {
    const enc = await attempt(
      "encryptMessage()",
      ["SIGNAL_NO_SESSION"],
      () => encryptMessage(record, PROBE_TEXT, { provider }),
    );
    invariant(
      enc.ok === (current !== undefined),
      `encryptMessage() ${enc.ok ? "encrypts without" : "refuses with"} a session`,
    );
    if (enc.ok) {
      const [next, m] = enc.value;
      const wire = m.type === 3 ? decodePreKeySignalMessage(m.body).message : m.body;
      invariant(m.type === (current!.pendingPreKey === undefined ? 2 : 3), `message type ${m.type}`);
      invariant(
        sentByState(current!.ratchet, wire, PROBE_TEXT),
        "encryptMessage() wrote a message the reference does not expect",
      );
      checkStorable(next, `encrypting at index ${current!.ratchet.sender.index}`);
    }
  } catch (err) {
    if (!(err instanceof RangeError && err.message === EXHAUSTED)) throw err;
    invariant(current?.ratchet.sender.index === 0xffffffff, `"${EXHAUSTED}" at index ${current?.ratchet.sender.index}`);
  }
  invariant(same(serializeSessionRecord(record), input), "using the record changed it");
}

// ---------------------------------------------------------------------------------------------
// Structured inputs
// ---------------------------------------------------------------------------------------------

const VALID = SESSION_RECORDS.map(serializeSessionRecord);
const REAL_SESSIONS: SessionState[] = SESSION_RECORDS.flatMap((r) =>
  [r.current, ...r.previous].filter((s): s is SessionState => s !== undefined)
);
const u32Arb = fc.oneof(fc.nat(20), fc.constantFrom(...EDGE_U32));
const keyArb = fc.oneof(fc.constantFrom(...CHAINS.map((c) => c.ratchetKey)), fc.constantFrom(...BAD_X25519_KEYS));

const sessionArb: fc.Arbitrary<SessionState> = fc.record({
  base: fc.constantFrom(...REAL_SESSIONS),
  ratchet: fc.option(ratchetStateArb, { freq: 2 }),
  aliceBaseKey: fc.option(keyArb, { freq: 3 }),
  ids: fc.option(fc.tuple(u32Arb, u32Arb), { freq: 3 }),
  pending: fc.option(
    fc.record({ preKeyId: fc.option(u32Arb), signedPreKeyId: u32Arb, baseKey: keyArb }),
    { freq: 2 },
  ),
  dropPending: fc.boolean(),
}).map((r) => {
  const { pendingPreKey: _, ...rest } = r.base;
  const pending = r.pending === null ? (r.dropPending ? undefined : r.base.pendingPreKey) : {
    ...(r.pending.preKeyId === null ? {} : { preKeyId: r.pending.preKeyId }),
    signedPreKeyId: r.pending.signedPreKeyId,
    baseKey: r.pending.baseKey,
  };
  return {
    ...rest,
    ...(r.ratchet === null ? {} : { ratchet: r.ratchet }),
    ...(r.aliceBaseKey === null ? {} : { aliceBaseKey: r.aliceBaseKey }),
    ...(r.ids === null ? {} : { localRegistrationId: r.ids[0], remoteRegistrationId: r.ids[1] }),
    ...(pending === undefined ? {} : { pendingPreKey: pending }),
  };
});

const recordArb: fc.Arbitrary<Uint8Array> = fc.tuple(
  fc.option(sessionArb, { freq: 6 }),
  fc.array(sessionArb, { maxLength: 3 }),
)
  .map(([current, previous]) => serializeSessionRecord({ ...(current === null ? {} : { current }), previous }));

/** Edit one ratchet state inside a record, keeping its length prefix right. */
const nestedEditArb = fc.tuple(fc.oneof(fc.constantFrom(...VALID), recordArb), fc.nat(), ratchetEditArb).map(
  ([b, p, edit]) => {
    const blobs = ratchetBlobs(b);
    if (blobs.length === 0) return b;
    const blob = blobs[p % blobs.length];
    const start = blob.byteOffset - b.byteOffset;
    const edited = edit(blob.slice());
    return cat(b.subarray(0, start - 4), u32le(edited.length), edited, b.subarray(start + blob.length));
  },
);

/** Structured inputs for {@link fuzz}. */
export const structured: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: fc.constantFrom(...VALID), weight: 1 },
  { arbitrary: recordArb, weight: 4 },
  { arbitrary: nestedEditArb, weight: 3 },
  { arbitrary: mutatedArb(VALID), weight: 2 },
);

/** Seeds too large to commit: 40 archived sessions (the limit) and 41. */
function seeds(): { name: string; input: Uint8Array }[] {
  const forty = serializeSessionRecord({ current: REAL_SESSIONS[0], previous: Array(40).fill(REAL_SESSIONS[1]) });
  const fortyOne = serializeSessionRecord({ current: REAL_SESSIONS[0], previous: Array(41).fill(REAL_SESSIONS[1]) });
  return [{ name: "seed:archived-40", input: forty }, { name: "seed:archived-41", input: fortyOne }];
}

/**
 * The committed corpus (written by `_seed_corpus.ts`).
 *
 * @returns name, bytes and comment of each seed
 */
export function corpus(): [string, Uint8Array, string][] {
  const s: [string, Uint8Array, string][] = VALID.map((b, i) => [`real-${i}`, b, "a record of the conversation"]);
  const b = VALID[1];
  const set = (at: number, bytes: Uint8Array) => {
    const out = b.slice();
    out.set(bytes, at);
    return out;
  };
  s.push(["empty", new Uint8Array(0), "empty file"]);
  s.push(["format-0", set(0, Uint8Array.of(0)), "format version 0"]);
  s.push(["current-flag-2", set(1, Uint8Array.of(2)), "current-session flag 2"]);
  s.push(["state-length-max", set(2, u32le(0xffffffff)), "ratchet state length 2^32 − 1"]);
  s.push(["state-length-short", set(2, u32le(10)), "ratchet state length 10"]);
  s.push(["archived-count-max", cat(b.subarray(0, b.length - 4), u32le(0xffffffff)), "archived count 2^32 − 1"]);
  s.push(["truncated", b.subarray(0, b.length - 1), "last byte cut"]);
  s.push(["trailing", cat(b, Uint8Array.of(0)), "a trailing byte"]);
  const pending = REAL_SESSIONS.find((x) => x.pendingPreKey !== undefined)!;
  s.push([
    "pending-no-one-time",
    serializeSessionRecord({
      current: { ...pending, pendingPreKey: { signedPreKeyId: 1, baseKey: pending.aliceBaseKey } },
      previous: [],
    }),
    "pending prekey without a one-time id",
  ]);
  s.push([
    "registration-max",
    serializeSessionRecord({ current: { ...pending, localRegistrationId: 0xffffffff }, previous: [] }),
    "registration id 2^32 − 1 (sent in PreKeySignalMessages)",
  ]);
  s.push([
    "no-current-archived",
    serializeSessionRecord({ previous: [REAL_SESSIONS[1], REAL_SESSIONS[2]] }),
    "archived sessions, no current one",
  ]);
  const withState = serializeSessionRecord({ current: REAL_SESSIONS[1], previous: [] });
  const blob = ratchetBlobs(withState)[0];
  const bad = blob.slice();
  bad[1] = 4;
  s.push([
    "inner-session-version-4",
    cat(withState.subarray(0, 2), u32le(bad.length), bad, withState.subarray(2 + 4 + blob.length)),
    "ratchet state with session version 4",
  ]);
  return s;
}

/** Reported findings whose fix is pending: the ratchet state's, reached through a record. */
export const open: OpenFinding[] = ratchetOpen.map((o) => ({
  ...o,
  pattern: new RegExp(o.pattern.source.replace("^the state after", "^the (state|record) after")),
  reproducer: o.reproducer.replace("finding-", "finding-record-"),
}));

/** The `session_record` target. */
export const target: FuzzTarget = { name: "session_record", fuzz, structured, seeds, open };
