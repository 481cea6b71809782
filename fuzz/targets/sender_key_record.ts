/**
 * Fuzz target: bytes → `deserializeSenderKeyRecord` (protocol/e2ee/signal/sender_key_record.ts):
 * one sender's Sender Key states, read back from storage. A corrupt file must be refused with a
 * typed error.
 *
 * Expected refusal: `ProtocolError` with code `SENDER_KEY_STATE_INVALID` only. Oracles on an
 * accepted record:
 *
 * - it is canonical: `serializeSenderKeyRecord` gives the input back;
 * - it works: a state whose signing key is one the fuzzer holds decrypts a message signed with it
 *   on its own chain at its next iteration and at a cached (skipped) iteration (reference keys
 *   from the stored chain key and seed); an own state (with its signing secret) encrypts with
 *   `senderKeyEncrypt`, and the record decrypts that message when the stored public key matches
 *   the secret; `senderKeyEncrypt` refuses with `SENDER_KEY_NO_STATE` exactly when the first state
 *   is not its own and `SENDER_KEY_TOO_FAR_AHEAD` exactly at iteration 2^32 − 1; conversation
 *   messages and distribution messages are refused only with documented codes; every next record
 *   is storable;
 * - using it changes nothing (it serializes to the input afterwards).
 *
 * Structured inputs: the conversation's records; records synthesized through the library's writer
 * (0–5 states, chain ids and iterations at the u32 edges, signing keys with and without their
 * secret, mismatched pairs, cached keys in and out of order); edits of the state count, flags and
 * version bytes; 2,000 and 2,001 cached keys per state and the 1 MiB size limit (seeds); byte
 * mutations.
 *
 * @module
 */

import fc from "fast-check";
import { x25519 } from "@noble/curves/ed25519.js";
import { cbc } from "@noble/ciphers/aes.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  deserializeSenderKeyRecord,
  encodeSenderKeyMessage,
  processSenderKeyDistributionMessage,
  senderKeyDecrypt,
  senderKeyEncrypt,
  type SenderKeyRecord,
  type SenderKeyState,
  serializeSenderKeyRecord,
  toHex,
} from "../../mod.ts";
import { currentProvider, type FuzzTarget, invariant, InvariantError } from "../_harness.ts";
import { mutatedArb } from "../_mutate.ts";
import { attempt, attemptSync, cat, rngFor, same, u32le, u8 } from "../_e2ee.ts";
import { DISTRIBUTION_ID, SK_CHAINS, SK_MESSAGES, SK_RECORDS, SKDM_1, SKDM_2 } from "../_signal.ts";
import { DECRYPT_CODES } from "./sender_key_message.ts";

const PROBE = u8("probe");
/** Signing key pairs the fuzzer holds: the conversation's and two fixed ones. */
const SIGNERS = [
  ...SK_CHAINS.map((c) => c.signingSecret),
  new Uint8Array(32).fill(0x51),
  new Uint8Array(32).fill(0x52),
].map((secret) => ({ secret, public: x25519.getPublicKey(secret) }));
const SECRET_OF = new Map(SIGNERS.map((s) => [toHex(s.public), s.secret] as const));

function storable(next: SenderKeyRecord, what: string): void {
  let bytes: Uint8Array;
  try {
    bytes = serializeSenderKeyRecord(next);
  } catch (err) {
    throw new InvariantError(`the record after ${what} cannot be serialized: ${(err as Error).message}`);
  }
  invariant(
    same(serializeSenderKeyRecord(deserializeSenderKeyRecord(bytes)), bytes),
    `the record after ${what} does not round-trip`,
  );
}

/** AES keys of a message-key seed (e2ee.md §4): iv ‖ cipherKey. */
function keysOf(seed: Uint8Array): { iv: Uint8Array; cipherKey: Uint8Array } {
  const okm = hkdf(sha256, seed, new Uint8Array(32), u8("WhisperGroup"), 48);
  return { iv: okm.slice(0, 16), cipherKey: okm.slice(16, 48) };
}

/** A message on `state`'s chain at `iteration` with message-key seed `seed`, signed with `secret`. */
function probe(
  record: SenderKeyRecord,
  state: SenderKeyState,
  iteration: number,
  seed: Uint8Array,
  secret: Uint8Array,
) {
  const k = keysOf(seed);
  return encodeSenderKeyMessage(
    {
      distributionId: record.distributionId,
      chainId: state.chainId,
      iteration,
      ciphertext: cbc(k.cipherKey, k.iv).encrypt(PROBE),
    },
    secret,
    { rng: rngFor("sk-record-probe") },
  );
}

async function mustDecrypt(record: SenderKeyRecord, message: Uint8Array, what: string): Promise<void> {
  const out = await attempt(
    "senderKeyDecrypt()",
    DECRYPT_CODES,
    () => senderKeyDecrypt(record, message, { provider: currentProvider() }),
  );
  if (!out.ok) throw new InvariantError(`a record read back refuses ${what}: ${out.error.message}`);
  invariant(same(out.value[1], PROBE), `${what} decrypts to another plaintext`);
  storable(out.value[0], `decrypting ${what}`);
}

/**
 * Read `input` as a stored Sender Key record and check the oracles.
 *
 * @param input serialized record
 */
export async function fuzz(input: Uint8Array): Promise<void> {
  const got = attemptSync(
    "deserializeSenderKeyRecord()",
    ["SENDER_KEY_STATE_INVALID"],
    () => deserializeSenderKeyRecord(input),
  );
  if (!got.ok) throw got.error;
  const record = got.value;
  invariant(same(serializeSenderKeyRecord(record), input), "an accepted record does not serialize back to its bytes");
  const provider = currentProvider();
  // Probes on the first state of each chain id whose signing secret we hold.
  const seen = new Set<number>();
  for (const state of record.states) {
    if (seen.has(state.chainId)) continue;
    seen.add(state.chainId);
    const secret = SECRET_OF.get(toHex(state.signingPublic));
    if (secret === undefined) continue;
    if (state.iteration < 0xffffffff) {
      const seed = hmac(sha256, state.chainKey, Uint8Array.of(1));
      await mustDecrypt(
        record,
        probe(record, state, state.iteration, seed, secret),
        `its own chain's next message (${state.iteration})`,
      );
    }
    const cached = state.skipped[0];
    if (cached !== undefined) {
      await mustDecrypt(
        record,
        probe(record, state, cached.iteration, cached.seed, secret),
        `a message of a cached iteration (${cached.iteration})`,
      );
    }
  }
  const first = record.states[0];
  const enc = await attempt(
    "senderKeyEncrypt()",
    ["SENDER_KEY_NO_STATE", "SENDER_KEY_TOO_FAR_AHEAD"],
    () => senderKeyEncrypt(record, PROBE, { rng: rngFor("sk-record-encrypt"), provider }),
  );
  if (!enc.ok) {
    const expected = first?.signingPrivate === undefined ? "SENDER_KEY_NO_STATE" : "SENDER_KEY_TOO_FAR_AHEAD";
    invariant(enc.error.code === expected, `senderKeyEncrypt() refused with ${enc.error.code}, expected ${expected}`);
    if (expected === "SENDER_KEY_TOO_FAR_AHEAD") {
      invariant(first.iteration === 0xffffffff, `exhausted at ${first.iteration}`);
    }
  } else {
    invariant(
      first?.signingPrivate !== undefined && first.iteration < 0xffffffff,
      "encrypted without an own, open chain",
    );
    storable(enc.value[0], "encrypting");
    if (
      same(x25519.getPublicKey(first.signingPrivate), first.signingPublic) &&
      record.states.findIndex((s) => s.chainId === first.chainId) === 0
    ) {
      await mustDecrypt(record, enc.value[1], "its own message");
    }
  }
  const m = SK_MESSAGES[input.length % SK_MESSAGES.length];
  const other = await attempt(
    "senderKeyDecrypt()",
    DECRYPT_CODES,
    () => senderKeyDecrypt(record, m.body, { provider }),
  );
  if (other.ok) storable(other.value[0], "decrypting a conversation message");
  const skdm = attemptSync(
    "processSenderKeyDistributionMessage()",
    ["SENDER_KEY_MESSAGE_INVALID"],
    () => processSenderKeyDistributionMessage(record, input.length & 1 ? SKDM_1 : SKDM_2),
  );
  if (skdm.ok) storable(skdm.value, "processing a distribution message");
  invariant(same(serializeSenderKeyRecord(record), input), "using the record changed it");
}

// ---------------------------------------------------------------------------------------------
// Structured inputs
// ---------------------------------------------------------------------------------------------

const VALID = SK_RECORDS.map(serializeSenderKeyRecord);
const EDGE = [0, 1, 2, 25_000, 0x7fffffff, 0xfffffffe, 0xffffffff];
const u32Arb = fc.oneof({ arbitrary: fc.nat(30), weight: 3 }, { arbitrary: fc.constantFrom(...EDGE), weight: 1 });

const stateArb: fc.Arbitrary<SenderKeyState> = fc.record({
  chainId: fc.oneof(fc.constantFrom(...SK_CHAINS.map((c) => c.chainId)), u32Arb),
  iteration: u32Arb,
  chainKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  signer: fc.nat(SIGNERS.length),
  own: fc.constantFrom("public", "own", "own", "mismatched"),
  skipped: fc.array(
    fc.record({ back: fc.integer({ min: 1, max: 30 }), seed: fc.uint8Array({ minLength: 32, maxLength: 32 }) }),
    { maxLength: 4 },
  ),
  ordered: fc.constantFrom(true, true, true, false),
}).map((r) => {
  const pair = SIGNERS[r.signer % SIGNERS.length];
  const signingPublic = r.signer === SIGNERS.length ? new Uint8Array(32).fill(0x77) : pair.public;
  let iterations = [...new Set(r.skipped.map((k) => r.iteration - k.back).filter((i) => i >= 0))];
  iterations = r.ordered ? iterations.sort((a, b) => a - b) : iterations.reverse();
  return {
    version: 3,
    chainId: r.chainId,
    iteration: r.iteration,
    chainKey: r.chainKey,
    signingPublic,
    ...(r.own === "public" ? {} : { signingPrivate: r.own === "own" ? pair.secret : new Uint8Array(32).fill(0x53) }),
    skipped: iterations.map((iteration, i) => ({ iteration, seed: r.skipped[i % r.skipped.length].seed })),
  };
});

const recordArb: fc.Arbitrary<Uint8Array> = fc.tuple(
  fc.oneof({ arbitrary: fc.constant(DISTRIBUTION_ID), weight: 4 }, {
    arbitrary: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    weight: 1,
  }),
  fc.array(stateArb, { maxLength: 5 }),
).map(([distributionId, states]) => serializeSenderKeyRecord({ format: 1, distributionId, states }));

/** Edits at known offsets: state count, the first state's version and private-key flag. */
const headerEditArb = fc.tuple(
  fc.oneof(fc.constantFrom(...VALID), recordArb),
  fc.constantFrom("count", "version", "flag"),
  fc.nat(255),
)
  .map(([b, where, v]) => {
    const out = b.slice();
    const at = where === "count" ? 17 : where === "version" ? 18 : 18 + 1 + 4 + 4 + 32 + 32;
    if (at < out.length) out[at] = where === "count" ? [0, 5, 6, 255, v][v % 5] : v;
    return out;
  });

/** Structured inputs for {@link fuzz}. */
export const structured: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: fc.constantFrom(...VALID), weight: 1 },
  { arbitrary: recordArb, weight: 5 },
  { arbitrary: headerEditArb, weight: 2 },
  { arbitrary: mutatedArb(VALID), weight: 2 },
);

function bigRecord(perState: number, states: number): Uint8Array {
  const skipped = Array.from(
    { length: perState },
    (_, i) => ({ iteration: i, seed: new Uint8Array(32).fill(i & 0xff) }),
  );
  const state = {
    version: 3,
    chainId: 9,
    iteration: perState,
    chainKey: new Uint8Array(32),
    signingPublic: SIGNERS[0].public,
    skipped,
  };
  return serializeSenderKeyRecord({ format: 1, distributionId: DISTRIBUTION_ID, states: Array(states).fill(state) });
}

/** Seeds too large to commit: 2,000 cached keys in 5 states, 2,001 in one, a record over 1 MiB. */
function seeds(): { name: string; input: Uint8Array }[] {
  const max = bigRecord(2000, 5);
  const one = bigRecord(2000, 1);
  const over = cat(one, new Uint8Array(36));
  new DataView(over.buffer).setUint32(one.length - 2000 * 36 - 4, 2001, true);
  over.set(u32le(2000), over.length - 36);
  return [
    { name: "seed:skipped-2000-x5", input: max },
    { name: "seed:skipped-2001", input: over },
    { name: "seed:over-1MiB", input: cat(max, new Uint8Array(1024 * 1024)) },
  ];
}

/**
 * The committed corpus (written by `_seed_corpus.ts`).
 *
 * @returns name, bytes and comment of each seed
 */
export function corpus(): [string, Uint8Array, string][] {
  const s: [string, Uint8Array, string][] = VALID.map((b, i) => [`real-${i}`, b, "a record of the conversation"]);
  const b = VALID[0];
  const set = (at: number, bytes: Uint8Array) => {
    const out = b.slice();
    out.set(bytes, at);
    return out;
  };
  s.push(["empty", new Uint8Array(0), "empty file"]);
  s.push(["format-2", set(0, Uint8Array.of(2)), "format 2"]);
  s.push(["states-6", set(17, Uint8Array.of(6)), "6 states (limit 5)"]);
  s.push([
    "no-states",
    serializeSenderKeyRecord({ format: 1, distributionId: DISTRIBUTION_ID, states: [] }),
    "no state",
  ]);
  s.push(["version-4", set(18, Uint8Array.of(4)), "state version 4"]);
  s.push(["flag-2", set(18 + 1 + 4 + 4 + 32 + 32, Uint8Array.of(2)), "private-key flag 2"]);
  s.push(["truncated", b.subarray(0, b.length - 1), "last byte cut"]);
  s.push(["trailing", cat(b, Uint8Array.of(0)), "a trailing byte"]);
  const st = (over: Partial<SenderKeyState>): SenderKeyState => ({
    version: 3,
    chainId: 7,
    iteration: 5,
    chainKey: new Uint8Array(32).fill(1),
    signingPublic: SIGNERS[2].public,
    skipped: [],
    ...over,
  });
  const rec = (...states: SenderKeyState[]) =>
    serializeSenderKeyRecord({ format: 1, distributionId: DISTRIBUTION_ID, states });
  s.push([
    "iteration-max-own",
    rec(st({ iteration: 0xffffffff, signingPrivate: SIGNERS[2].secret })),
    "own chain at 2^32 − 1 (exhausted)",
  ]);
  s.push([
    "iteration-max-1-own",
    rec(st({ iteration: 0xfffffffe, signingPrivate: SIGNERS[2].secret })),
    "one message left",
  ]);
  s.push([
    "skipped-unordered",
    rec(st({ skipped: [{ iteration: 3, seed: new Uint8Array(32) }, { iteration: 1, seed: new Uint8Array(32) }] })),
    "cached keys out of order",
  ]);
  s.push([
    "skipped-at-iteration",
    rec(st({ skipped: [{ iteration: 5, seed: new Uint8Array(32) }] })),
    "a cached key at the chain's own iteration",
  ]);
  s.push([
    "skipped-duplicate",
    rec(st({ skipped: [{ iteration: 2, seed: new Uint8Array(32) }, { iteration: 2, seed: new Uint8Array(32) }] })),
    "the same iteration cached twice",
  ]);
  s.push(["duplicate-chain-ids", rec(st({}), st({ iteration: 9 })), "two states with one chain id"]);
  s.push([
    "mismatched-own-key",
    rec(st({ signingPrivate: new Uint8Array(32).fill(9) })),
    "signing secret of another public key",
  ]);
  s.push([
    "cached-probe",
    rec(st({ skipped: [{ iteration: 1, seed: new Uint8Array(32).fill(4) }] })),
    "a cached key the fuzzer can probe",
  ]);
  return s;
}

/** The `sender_key_record` target. */
export const target: FuzzTarget = { name: "sender_key_record", fuzz, structured, seeds };
