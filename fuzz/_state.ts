/**
 * Shared parts of the stored-state fuzz targets (`ratchet_state`, `session_record`): synthesized
 * ratchet states with every field at its edges, the layout of a serialized ratchet state (to
 * duplicate entries and edit counts at the right offsets), and the probe that checks a state read
 * back still works — it decrypts a message its own receiving chain produces (made by the reference
 * key schedule of `_signal.ts` from the state's chain key) and encrypts one the reference reads.
 *
 * @module
 */

import fc from "fast-check";
import { cbc } from "@noble/ciphers/aes.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { addSkippedKeys, emptySkippedKeys, type RatchetState, SecretKey, type SkippedKey } from "../mod.ts";
import { BAD_X25519_KEYS, cat, u8 } from "./_e2ee.ts";
import { type Chain, CHAINS, craftSignal, SESSION_RECORDS } from "./_signal.ts";

/** u32 values at the edges the ratchet cares about (skip limit, u32 end). */
export const EDGE_U32: readonly number[] = [0, 1, 2, 24_999, 25_000, 25_001, 0x7fffffff, 0xfffffffe, 0xffffffff];

const u32Arb = fc.oneof(
  { arbitrary: fc.nat(40), weight: 4 },
  { arbitrary: fc.constantFrom(...EDGE_U32), weight: 2 },
  { arbitrary: fc.nat({ max: 0xffffffff }), weight: 1 },
);
const REAL_KEYS = CHAINS.map((c) => c.ratchetKey).concat(CHAINS.map((c) => c.senderIdentity));
const publicArb = fc.oneof(
  { arbitrary: fc.constantFrom(...REAL_KEYS), weight: 3 },
  { arbitrary: fc.uint8Array({ minLength: 32, maxLength: 32 }), weight: 2 },
  { arbitrary: fc.constantFrom(...BAD_X25519_KEYS), weight: 1 },
);
const secretArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => new SecretKey(b));

/** Real ratchet states of the conversation. */
export const REAL_STATES: readonly RatchetState[] = SESSION_RECORDS.flatMap((r) =>
  [r.current, ...r.previous].filter((s) => s !== undefined).map((s) => s!.ratchet)
);

/** Ratchet states with fields anywhere in their ranges (and a few out of them: 6 chains, version 4). */
export const ratchetStateArb: fc.Arbitrary<RatchetState> = fc.record({
  base: fc.constantFrom(...REAL_STATES),
  sessionVersion: fc.oneof({ arbitrary: fc.constant(3), weight: 20 }, { arbitrary: fc.constantFrom(2, 4), weight: 1 }),
  versionByte: fc.oneof(
    { arbitrary: fc.constantFrom(0x33, 0x34), weight: 20 },
    { arbitrary: fc.constantFrom(0x30, 0x35, 0x43), weight: 1 },
  ),
  identities: fc.option(fc.tuple(publicArb, publicArb), { freq: 3 }),
  rootKey: fc.option(secretArb, { freq: 3 }),
  previousCounter: fc.option(u32Arb, { freq: 2 }),
  senderIndex: fc.option(u32Arb, { freq: 2 }),
  senderKey: fc.option(fc.tuple(publicArb, secretArb), { freq: 4 }),
  receivers: fc.option(
    fc.array(fc.record({ ratchetKey: publicArb, chainKey: secretArb, index: u32Arb }), { maxLength: 6 }),
    { freq: 2 },
  ),
  skipped: fc.option(
    fc.array(fc.record({ which: fc.nat(6), counter: u32Arb, seed: secretArb }), { maxLength: 12 }),
    { freq: 2 },
  ),
}).map((r) => {
  const receivers = r.receivers === null
    ? r.base.receivers
    : r.receivers.map((c) => Object.freeze({ ratchetKey: c.ratchetKey, chainKey: c.chainKey, index: c.index }));
  let skipped = r.base.skipped;
  if (r.skipped !== null) {
    const keys: SkippedKey[] = r.skipped.map((k) => ({
      ratchetKey: receivers[k.which]?.ratchetKey ?? REAL_KEYS[k.which % REAL_KEYS.length],
      counter: k.counter,
      seed: k.seed,
    }));
    skipped = addSkippedKeys(emptySkippedKeys(), keys, { maxPerChain: 100, maxTotal: 100 });
  }
  const sender = r.senderKey === null && r.senderIndex === null ? r.base.sender : Object.freeze({
    ratchetKeyPair: r.senderKey === null
      ? r.base.sender.ratchetKeyPair
      : Object.freeze({ publicKey: r.senderKey[0], secretKey: r.senderKey[1] }),
    chainKey: r.base.sender.chainKey,
    index: r.senderIndex ?? r.base.sender.index,
  });
  return Object.freeze({
    ...r.base,
    sessionVersion: r.sessionVersion,
    versionByte: r.versionByte,
    ...(r.identities === null ? {} : { localIdentityKey: r.identities[0], remoteIdentityKey: r.identities[1] }),
    ...(r.rootKey === null ? {} : { rootKey: r.rootKey }),
    previousCounter: r.previousCounter ?? r.base.previousCounter,
    sender,
    receivers: Object.freeze(receivers),
    skipped,
  });
});

// Layout of serializeRatchetState's output (ratchet_state.ts).
const HEAD = 1 + 1 + 1 + 33 + 33 + 32 + 4 + 33 + 32 + 32 + 4;
const RECEIVER = 33 + 32 + 4;
const SKIPPED = 33 + 4 + 32;

function u32At(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset).getUint32(at, true);
}

/** Offsets of a serialized ratchet state's lists, or undefined when it does not have the layout. */
export function ratchetLayout(b: Uint8Array):
  | { receivers: number; receiverCount: number; skipped: number; skippedCount: number }
  | undefined {
  if (b.length < HEAD + 4) return undefined;
  const receiverCount = u32At(b, HEAD);
  const skippedAt = HEAD + 4 + receiverCount * RECEIVER;
  if (receiverCount > 16 || b.length < skippedAt + 4) return undefined;
  return { receivers: HEAD + 4, receiverCount, skipped: skippedAt + 4, skippedCount: u32At(b, skippedAt) };
}

/**
 * Layout-aware edits of a serialized ratchet state: duplicate a receiving chain or skipped key
 * (count adjusted, or not), set a count or an index to an edge value.
 */
export const ratchetEditArb: fc.Arbitrary<(b: Uint8Array) => Uint8Array> = fc.tuple(
  fc.constantFrom("dup-receiver", "dup-skipped", "count", "index", "skipped-counter"),
  fc.nat(),
  fc.boolean(),
  fc.constantFrom(...EDGE_U32, 5, 6, 10_000, 10_001),
).map(([kind, p, adjust, value]) => (b: Uint8Array): Uint8Array => {
  const l = ratchetLayout(b);
  if (l === undefined) return b;
  const out = b.slice();
  const dv = new DataView(out.buffer);
  switch (kind) {
    case "dup-receiver":
    case "dup-skipped": {
      const [start, count, size, countAt] = kind === "dup-receiver"
        ? [l.receivers, l.receiverCount, RECEIVER, HEAD]
        : [l.skipped, l.skippedCount, SKIPPED, l.skipped - 4];
      if (count === 0 || start + count * size > b.length) return b;
      const i = p % count;
      const entry = b.slice(start + i * size, start + (i + 1) * size);
      const at = start + count * size;
      const res = cat(b.subarray(0, at), entry, b.subarray(at));
      if (adjust) new DataView(res.buffer).setUint32(countAt, count + 1, true);
      return res;
    }
    case "count":
      dv.setUint32(p % 2 === 0 ? HEAD : l.skipped - 4, value, true);
      return out;
    case "index":
      if (l.receiverCount === 0) dv.setUint32(HEAD - 4, value, true);
      else dv.setUint32(l.receivers + (p % l.receiverCount) * RECEIVER + 65, value, true);
      return out;
    default:
      if (l.skippedCount === 0 || l.skipped + l.skippedCount * SKIPPED > b.length) return out;
      dv.setUint32(l.skipped + (p % l.skippedCount) * SKIPPED + 33, value, true);
      return out;
  }
});

// ---------------------------------------------------------------------------------------------
// The probe
// ---------------------------------------------------------------------------------------------

/** The plaintext of probe messages. */
export const PROBE_TEXT: Uint8Array = u8("probe");

/**
 * A message the state's first receiving chain produces at its next counter (the reference key
 * schedule from the state's own chain key), or undefined when the state has no receiving chain.
 *
 * @param state the state as read back
 * @returns the probe message
 */
export function probeFor(state: RatchetState): Uint8Array | undefined {
  const chain = state.receivers[0];
  if (chain === undefined) return undefined;
  const seed = hmac(sha256, chain.chainKey.bytes(), Uint8Array.of(1));
  const okm = hkdf(sha256, seed, new Uint8Array(32), u8("WhisperMessageKeys"), 80);
  const ref: Chain = {
    name: "probe",
    ratchetKey: chain.ratchetKey,
    senderIdentity: state.remoteIdentityKey,
    receiverIdentity: state.localIdentityKey,
    keys: [],
  };
  ref.keys[chain.index] = { cipherKey: okm.slice(0, 32), macKey: okm.slice(32, 64), iv: okm.slice(64, 80) };
  return craftSignal(ref, { counter: chain.index, plaintext: PROBE_TEXT, versionByte: 0x33 });
}

/**
 * Whether a message the state sent (`ratchetEncrypt`) is what the reference expects: MAC and
 * ciphertext under the state's sending chain key at its index, the state's ratchet key.
 *
 * @param state the state before encrypting
 * @param wire the message
 * @param plaintext what was encrypted
 * @returns true when the reference agrees
 */
export function sentByState(state: RatchetState, wire: Uint8Array, plaintext: Uint8Array): boolean {
  const seed = hmac(sha256, state.sender.chainKey.bytes(), Uint8Array.of(1));
  const okm = hkdf(sha256, seed, new Uint8Array(32), u8("WhisperMessageKeys"), 80);
  const ref: Chain = {
    name: "sent",
    ratchetKey: state.sender.ratchetKeyPair.publicKey,
    senderIdentity: state.localIdentityKey,
    receiverIdentity: state.remoteIdentityKey,
    keys: [],
  };
  ref.keys[state.sender.index] = { cipherKey: okm.slice(0, 32), macKey: okm.slice(32, 64), iv: okm.slice(64, 80) };
  const expected = craftSignal(ref, {
    counter: state.sender.index,
    previousCounter: state.previousCounter,
    versionByte: state.versionByte,
    ciphertext: cbc(okm.slice(0, 32), okm.slice(64, 80)).encrypt(plaintext),
  });
  return expected.length === wire.length && expected.every((v, i) => v === wire[i]);
}
