/**
 * Fuzz target: bytes → `deserializeRatchetState` (protocol/e2ee/signal/ratchet_state.ts): a
 * Double Ratchet state read back from storage. A corrupt file must be refused with a typed error.
 *
 * Expected refusal: `ProtocolError` with code `SIGNAL_STATE_INVALID` only. Oracles on an accepted
 * state:
 *
 * - it is canonical: `serializeRatchetState` gives the input back (the reader accepts only what
 *   the writer writes — no duplicate entries, no silently dropped data);
 * - it works: it decrypts a message its own first receiving chain produces at its next counter
 *   (made by the reference key schedule from the state's chain key), and the state after that is
 *   storable (serializes and reads back); a message of the conversation is refused only with a
 *   code `ratchetDecrypt` documents; `ratchetEncrypt` produces the message the reference expects
 *   from the sending chain, or refuses with its documented `RangeError` ("sending chain is
 *   exhausted") exactly when the index is 2^32 − 1;
 * - using it changes nothing (it serializes to the input afterwards).
 *
 * Structured inputs: the conversation's real states; states synthesized through the library's
 * writer with fields at their edges (u32 ends, the 25,000 skip limit, 6 receiving chains, other
 * session versions and version bytes, low-order keys, up to 12 skipped keys); layout-aware edits
 * (a receiving chain or skipped key duplicated with or without its count, counts and indices at
 * edge values); byte mutations (u32 edits hit the little-endian counts).
 *
 * @module
 */

import fc from "fast-check";
import {
  addSkippedKeys,
  deserializeRatchetState,
  emptySkippedKeys,
  MAX_MESSAGE_COUNTER,
  type ProtocolErrorCode,
  ratchetDecrypt,
  ratchetEncrypt,
  type RatchetState,
  SecretKey,
  serializeRatchetState,
} from "../../mod.ts";
import { currentProvider, type FuzzTarget, invariant, InvariantError, type OpenFinding } from "../_harness.ts";
import { mutatedArb } from "../_mutate.ts";
import { attempt, attemptSync, cat, rngFor, same, u32le } from "../_e2ee.ts";
import { innerOf, SIGNAL_MESSAGES } from "../_signal.ts";
import {
  PROBE_TEXT,
  probeFor,
  ratchetEditArb,
  ratchetLayout,
  ratchetStateArb,
  REAL_STATES,
  sentByState,
} from "../_state.ts";

/** Refusal codes of `ratchetDecrypt`. */
export const DECRYPT_CODES: readonly ProtocolErrorCode[] = [
  "SIGNAL_MESSAGE_INVALID",
  "SIGNAL_VERSION_UNSUPPORTED",
  "SIGNAL_DUPLICATE_MESSAGE",
  "SIGNAL_TOO_FAR_AHEAD",
  "DECRYPT_FAILED",
  "KEY_AGREEMENT_FAILED",
];
const EXHAUSTED = "Cannot encrypt message: sending chain is exhausted";
const MESSAGES = SIGNAL_MESSAGES.map((m) => (m.type === 3 ? innerOf(m.body) : m.body));
const rng = rngFor("ratchet-state-target");

/** The state after a step must be storable. */
function checkStorable(next: RatchetState, what: string): void {
  let bytes: Uint8Array;
  try {
    bytes = serializeRatchetState(next);
  } catch (err) {
    throw new InvariantError(`the state after ${what} cannot be serialized: ${(err as Error).message}`);
  }
  invariant(
    same(serializeRatchetState(deserializeRatchetState(bytes)), bytes),
    `the state after ${what} does not round-trip`,
  );
}

/**
 * An accepted state must serialize back to its bytes; a duplicated skipped key is named as such.
 *
 * @param state the state read
 * @param bytes the bytes it was read from
 * @param what the thing read, for the message
 */
export function checkCanonical(state: RatchetState, bytes: Uint8Array, what: string): void {
  if (same(serializeRatchetState(state), bytes)) return;
  const l = ratchetLayout(bytes);
  if (l !== undefined && l.skippedCount !== state.skipped.entries.size) {
    throw new InvariantError(
      `accepted a ${what} whose ${l.skippedCount} skipped keys hold ${state.skipped.entries.size} distinct ones (the rest dropped)`,
    );
  }
  throw new InvariantError(`an accepted ${what} does not serialize back to its bytes`);
}

/**
 * Read `input` as a stored ratchet state and check the oracles.
 *
 * @param input serialized state
 */
export async function fuzz(input: Uint8Array): Promise<void> {
  const got = attemptSync("deserializeRatchetState()", ["SIGNAL_STATE_INVALID"], () => deserializeRatchetState(input));
  if (!got.ok) throw got.error;
  const state = got.value;
  checkCanonical(state, input, "state");
  const provider = currentProvider();
  // A chain at the last counter is exhausted: it can be stored, but it takes no more messages.
  const probe = (state.receivers[0]?.index ?? 0) >= MAX_MESSAGE_COUNTER ? undefined : probeFor(state);
  if (probe !== undefined) {
    const out = await attempt(
      "ratchetDecrypt() of the state's own chain",
      DECRYPT_CODES,
      () => ratchetDecrypt(state, probe, { rng, provider }),
    );
    if (!out.ok) {
      throw new InvariantError(`a state read back refuses a message of its own receiving chain: ${out.error.message}`);
    }
    invariant(same(out.value[1].plaintext, PROBE_TEXT), "the probe decrypts to another plaintext");
    checkStorable(out.value[0], `decrypting counter ${state.receivers[0].index}`);
  }
  const message = MESSAGES[input.length % MESSAGES.length];
  const other = await attempt(
    "ratchetDecrypt()",
    DECRYPT_CODES,
    () => ratchetDecrypt(state, message, { rng, provider }),
  );
  if (other.ok) checkStorable(other.value[0], "decrypting a conversation message");
  try {
    const [next, wire] = await ratchetEncrypt(state, PROBE_TEXT, { provider });
    invariant(sentByState(state, wire, PROBE_TEXT), "ratchetEncrypt() wrote a message the reference does not expect");
    checkStorable(next, `encrypting at index ${state.sender.index}`);
  } catch (err) {
    if (!(err instanceof RangeError && err.message === EXHAUSTED)) throw err;
    invariant(state.sender.index === 0xffffffff, `"${EXHAUSTED}" at index ${state.sender.index}`);
  }
  invariant(same(serializeRatchetState(state), input), "using the state changed it");
}

// ---------------------------------------------------------------------------------------------
// Structured inputs
// ---------------------------------------------------------------------------------------------

const VALID = REAL_STATES.map(serializeRatchetState);

const synthesizedArb = ratchetStateArb.map(serializeRatchetState);

/** Structured inputs for {@link fuzz}. */
export const structured: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: fc.constantFrom(...VALID), weight: 1 },
  { arbitrary: synthesizedArb, weight: 4 },
  {
    arbitrary: fc.tuple(
      fc.oneof(fc.constantFrom(...VALID), synthesizedArb),
      fc.array(ratchetEditArb, { minLength: 1, maxLength: 2 }),
    )
      .map(([b, edits]) => edits.reduce((x, e) => e(x), b)),
    weight: 3,
  },
  { arbitrary: mutatedArb(VALID), weight: 2 },
);

function bigState(n: number): Uint8Array {
  const base = REAL_STATES[REAL_STATES.length - 1];
  const key = base.receivers[0]?.ratchetKey ?? new Uint8Array(32).fill(3);
  const keys = Array.from(
    { length: n },
    (_, i) => ({ ratchetKey: key, counter: i, seed: new SecretKey(new Uint8Array(32).fill(i & 0xff)) }),
  );
  const skipped = addSkippedKeys(emptySkippedKeys(), keys, { maxPerChain: n, maxTotal: n });
  return serializeRatchetState({ ...base, skipped });
}

/** Seeds too large to commit: the 10,000-key limit and one past it. */
function seeds(): { name: string; input: Uint8Array }[] {
  const max = bigState(10_000);
  const over = cat(max.subarray(0, max.length), new Uint8Array(69));
  const l = max.length - 10_000 * 69 - 4;
  new DataView(over.buffer).setUint32(l, 10_001, true);
  return [
    { name: "seed:skipped-10000", input: max },
    { name: "seed:skipped-10001", input: over },
  ];
}

/**
 * The committed corpus (written by `_seed_corpus.ts`).
 *
 * @returns name, bytes and comment of each seed
 */
export function corpus(): [string, Uint8Array, string][] {
  const s: [string, Uint8Array, string][] = VALID.map((b, i) => [`real-${i}`, b, "a state of the conversation"]);
  const b = VALID[VALID.length - 1];
  const set = (at: number, bytes: Uint8Array) => {
    const out = b.slice();
    out.set(bytes, at);
    return out;
  };
  const head = 1 + 1 + 1 + 33 + 33 + 32 + 4 + 33 + 32 + 32 + 4;
  s.push(["empty", new Uint8Array(0), "empty file"]);
  s.push(["format-2", set(0, Uint8Array.of(2)), "unknown format version"]);
  s.push(["session-version-4", set(1, Uint8Array.of(4)), "session version 4"]);
  s.push(["version-byte-0x35", set(2, Uint8Array.of(0x35)), "version byte 0x35"]);
  s.push(["key-type-6", set(3, Uint8Array.of(6)), "identity key with type byte 6"]);
  s.push(["receivers-6", set(head, u32le(6)), "6 receiving chains (limit 5)"]);
  s.push(["receivers-max", set(head, u32le(0xffffffff)), "receiving-chain count 2^32 − 1"]);
  s.push(["sender-index-max", set(head - 4, u32le(0xffffffff)), "sending chain exhausted"]);
  s.push(["sender-index-max-1", set(head - 4, u32le(0xfffffffe)), "one message left to send"]);
  s.push(["truncated", b.subarray(0, b.length - 1), "last byte cut"]);
  s.push(["trailing", cat(b, Uint8Array.of(0)), "a trailing byte"]);
  if (REAL_STATES.some((x) => x.receivers.length > 0)) {
    const withChain = VALID.find((x) => x[head] > 0)!;
    const setIn = (at: number, v: number) => {
      const out = withChain.slice();
      new DataView(out.buffer).setUint32(at, v, true);
      return out;
    };
    s.push(["receiver-index-max-1", setIn(head + 4 + 65, 0xfffffffe), "receiving chain at index 2^32 − 2"]);
    const dup = withChain.slice(head + 4, head + 4 + 69);
    const dupped = cat(withChain.subarray(0, head + 4 + 69), dup, withChain.subarray(head + 4 + 69));
    new DataView(dupped.buffer).setUint32(head, withChain[head] + 1, true);
    s.push(["receiver-duplicated", dupped, "a receiving chain twice"]);
  }
  const base = REAL_STATES[REAL_STATES.length - 1];
  const key = base.receivers[0]?.ratchetKey ?? new Uint8Array(32).fill(3);
  const one = serializeRatchetState({
    ...base,
    skipped: addSkippedKeys(emptySkippedKeys(), [{
      ratchetKey: key,
      counter: 0,
      seed: new SecretKey(new Uint8Array(32).fill(1)),
    }]),
  });
  const entry = one.subarray(one.length - 69);
  const two = cat(one, entry);
  new DataView(two.buffer).setUint32(one.length - 69 - 4, 2, true);
  s.push(["skipped-one", one, "one skipped key"]);
  return s;
}

/** Reported findings whose fix is pending: none (fixed ones keep their reproducers in the corpus). */
export const open: OpenFinding[] = [];

/** The `ratchet_state` target. */
export const target: FuzzTarget = { name: "ratchet_state", fuzz, structured, seeds, open };
