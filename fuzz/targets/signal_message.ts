/**
 * Fuzz target: libsignal's 1:1 wire messages (e2ee.md §3.5) → `decodeSignalMessage` /
 * `decodePreKeySignalMessage` (protocol/e2ee/signal/wire.ts), then `decryptSignalMessage` /
 * `decryptPreKeySignalMessage` (session_cipher.ts) against a real session. Input:
 * `selector ‖ body`; `selector & 0x80` picks the PreKeySignalMessage path (wire type 3, else type
 * 2) and `(selector & 0x7f) % 5` the receiver (`_signal.ts`: Bob with no session, Bob after the
 * first message, Alice waiting for a reply, Alice with an archived session, Alice after a reply).
 *
 * Expected refusal: `ProtocolError` with a code the functions document — the decoders
 * `SIGNAL_MESSAGE_INVALID`, `SIGNAL_VERSION_UNSUPPORTED`; decryption also `SIGNAL_DUPLICATE_MESSAGE`,
 * `SIGNAL_TOO_FAR_AHEAD`, `SIGNAL_NO_SESSION`, `DECRYPT_FAILED`, `KEY_AGREEMENT_FAILED`,
 * `PREKEY_NOT_FOUND`, `SIGNED_PREKEY_NOT_FOUND`. Oracles:
 *
 * - the record passed in is unchanged, accepted or refused (its serialization is byte-identical,
 *   so no secret was wiped either), and so are the responder's identity and prekey secrets;
 * - decryption refuses what the decoder refuses, with the same code, and never with a framing
 *   code for a message the decoder read;
 * - an accepted message is authentic: its ratchet key names a chain of the conversation, its MAC
 *   is the one the reference key schedule computes for its counter, and its plaintext is what the
 *   reference keys decrypt;
 * - for a PreKeySignalMessage, the reported identity is the one the session authenticated and a
 *   consumed one-time prekey is reported only for a new session that used one;
 * - the returned record survives serialization, refuses a replay with
 *   `SIGNAL_DUPLICATE_MESSAGE`, and still decrypts another valid message of the receiver (a
 *   different chain position).
 *
 * Structured inputs: the conversation's real messages; protobuf field edits of the SignalMessage
 * and the PreKeySignalMessage around it (keys of the wrong size or type, low-order ratchet and base
 * keys, counters at the u32 edges and past the skip limit, duplicated and unknown fields, wrong
 * wire types); version bytes; messages crafted and MACed by the reference key schedule (so edits
 * of the ciphertext, counter jumps and padding errors get past the MAC); byte mutations.
 *
 * @module
 */

import fc from "fast-check";
import { cbc } from "@noble/ciphers/aes.js";
import {
  decodePreKeySignalMessage,
  decodeSignalMessage,
  decryptPreKeySignalMessage,
  decryptSignalMessage,
  deserializeSessionRecord,
  type ParsedSignalMessage,
  type ProtocolErrorCode,
  type ResponderKeys,
  serializeSessionRecord,
  type SessionRecord,
  toHex,
} from "../../mod.ts";
import { currentProvider, type FuzzTarget, invariant, InvariantError, type OpenFinding } from "../_harness.ts";
import { mutatedArb } from "../_mutate.ts";
import { type FieldHint, lastField, parseFields, protoEditArb, type ProtoField, writeFields } from "../_proto.ts";
import { attempt, attemptSync, BAD_X25519_KEYS, cat, describeOutcome, rngFor, same } from "../_e2ee.ts";
import {
  ALICE_IK,
  type Chain,
  chainOf,
  CHAINS,
  craftSignal,
  innerOf,
  keySecrets,
  REF_COUNTERS,
  refMac,
  remac,
  SIGNAL_CONTEXTS,
  type SignalContext,
  VERSION_BYTES,
  withInner,
} from "../_signal.ts";

/** Refusal codes of the decoders. */
export const WIRE_CODES: readonly ProtocolErrorCode[] = ["SIGNAL_MESSAGE_INVALID", "SIGNAL_VERSION_UNSUPPORTED"];
/** Refusal codes of decryption. */
export const DECRYPT_CODES: readonly ProtocolErrorCode[] = [
  ...WIRE_CODES,
  "SIGNAL_DUPLICATE_MESSAGE",
  "SIGNAL_TOO_FAR_AHEAD",
  "SIGNAL_NO_SESSION",
  "SIGNAL_IDENTITY_MISMATCH",
  "DECRYPT_FAILED",
  "KEY_AGREEMENT_FAILED",
  "PREKEY_NOT_FOUND",
  "SIGNED_PREKEY_NOT_FOUND",
];

/** Alice's "responder keys": no prekeys, so a PreKeySignalMessage to her names none she holds. */
const ALICE_KEYS: ResponderKeys = {
  identityKeyPair: ALICE_IK,
  registrationId: 1,
  signedPreKeys: new Map(),
  oneTimePreKeys: new Map(),
};
const KEY_SNAPSHOTS = new Map(
  SIGNAL_CONTEXTS.map((c) => [c.name, keySecrets(c.keys ?? ALICE_KEYS)] as const),
);
const rng = rngFor("signal-target");

/** `hex(ratchet key):counter` of a SignalMessage: its chain position. */
function positionOf(m: ParsedSignalMessage): string {
  return `${toHex(m.ratchetKey)}:${m.counter}`;
}

function decode(type: 2 | 3, body: Uint8Array) {
  return type === 2
    ? attemptSync("decodeSignalMessage()", WIRE_CODES, () => ({ inner: decodeSignalMessage(body), pre: undefined }))
    : attemptSync("decodePreKeySignalMessage()", WIRE_CODES, () => {
      const pre = decodePreKeySignalMessage(body);
      return { inner: pre.signalMessage, pre };
    });
}

function decrypt(ctx: SignalContext, record: SessionRecord, type: 2 | 3, body: Uint8Array) {
  const provider = currentProvider();
  return type === 2
    ? attempt("decryptSignalMessage()", DECRYPT_CODES, async () => {
      const [next, plaintext] = await decryptSignalMessage(record, body, { rng, provider });
      return { next, plaintext, result: undefined };
    })
    : attempt("decryptPreKeySignalMessage()", DECRYPT_CODES, async () => {
      const [next, result] = await decryptPreKeySignalMessage(record, body, {
        keys: ctx.keys ?? ALICE_KEYS,
        rng,
        provider,
      });
      return { next, plaintext: result.plaintext, result };
    });
}

function checkDecoded(m: ParsedSignalMessage, body: Uint8Array): void {
  invariant(m.ratchetKey.length === 32, "ratchet key is not 32 bytes");
  invariant(Number.isInteger(m.counter) && m.counter >= 0 && m.counter <= 0xffffffff, `counter ${m.counter}`);
  invariant(
    Number.isInteger(m.previousCounter) && m.previousCounter >= 0 && m.previousCounter <= 0xffffffff,
    `previous counter ${m.previousCounter}`,
  );
  invariant(m.mac.length === 8 && same(m.mac, body.subarray(body.length - 8)), "mac is not the last 8 bytes");
  invariant(same(m.macInput, body.subarray(0, body.length - 8)), "mac input is not the rest");
  invariant(m.versionByte >> 4 === 3, `version byte ${m.versionByte}`);
}

/** An accepted SignalMessage must be one the conversation's key schedule MACs and encrypts. */
function checkAuthentic(m: ParsedSignalMessage, plaintext: Uint8Array): void {
  const chain: Chain | undefined = chainOf(m.ratchetKey, CHAINS);
  invariant(chain !== undefined, "accepted a message on a ratchet key nobody in the conversation sent with");
  invariant(m.counter < REF_COUNTERS, `accepted counter ${m.counter}, which no sender reached`);
  invariant(same(refMac(chain, m.counter, m.macInput), m.mac), "accepted a MAC the key schedule does not give");
  const k = chain.keys[m.counter];
  let expected: Uint8Array | undefined;
  try {
    expected = cbc(k.cipherKey, k.iv).decrypt(m.ciphertext);
  } catch {
    expected = undefined;
  }
  invariant(expected !== undefined && same(expected, plaintext), "the plaintext is not what the message keys decrypt");
}

/**
 * Decode and decrypt `input` as the selected receiver, checking the oracles.
 *
 * @param input `selector ‖ body`
 */
export async function fuzz(input: Uint8Array): Promise<void> {
  if (input.length === 0) return;
  const ctx = SIGNAL_CONTEXTS[(input[0] & 0x7f) % SIGNAL_CONTEXTS.length];
  const type: 2 | 3 = input[0] & 0x80 ? 3 : 2;
  const body = input.subarray(1);
  const dec = decode(type, body);
  if (dec.ok) {
    checkDecoded(dec.value.inner, type === 2 ? body : dec.value.pre!.message);
    if (dec.value.pre !== undefined) {
      const p = dec.value.pre;
      invariant(p.baseKey.length === 32 && p.identityKey.length === 32, "prekey message keys not 32 bytes");
      invariant(Number.isInteger(p.registrationId) && p.registrationId >= 0, `registration id ${p.registrationId}`);
    }
  }
  const out = await decrypt(ctx, ctx.record, type, body);
  invariant(
    same(serializeSessionRecord(ctx.record), ctx.snapshot),
    `decrypting (${describeOutcome(out)}) changed the record it was given (${ctx.name})`,
  );
  invariant(
    same(keySecrets(ctx.keys ?? ALICE_KEYS), KEY_SNAPSHOTS.get(ctx.name)!),
    "decrypting changed a prekey secret",
  );
  if (!dec.ok) {
    invariant(
      !out.ok && out.error.code === dec.error.code,
      `the decoder refused with ${dec.error.code}, decryption ${describeOutcome(out)}`,
    );
  } else if (!out.ok) {
    invariant(!WIRE_CODES.includes(out.error.code), `decryption refused a message the decoder read: ${out.error.code}`);
  }
  if (!out.ok) throw out.error;
  if (!dec.ok) throw new InvariantError("unreachable: decrypted what the decoder refused");

  const { next, plaintext, result } = out.value;
  const inner = dec.value.inner;
  checkAuthentic(inner, plaintext);
  if (result !== undefined) {
    const session = next.current;
    invariant(session !== undefined, "a prekey message left no current session");
    invariant(
      same(result.remoteIdentityKey, session.ratchet.remoteIdentityKey),
      "decryptPreKeySignalMessage() reports an identity key other than the one its session authenticated",
    );
    const pre = dec.value.pre!;
    invariant(
      result.consumedPreKeyId === (result.newSession ? pre.preKeyId : undefined),
      `consumedPreKeyId ${result.consumedPreKeyId} (new session ${result.newSession}, prekey id ${pre.preKeyId})`,
    );
    invariant(
      result.remoteRegistrationId === session.remoteRegistrationId,
      "decryptPreKeySignalMessage() reports a registration id other than its session's",
    );
  }
  // The next record is storable and behaves.
  const bytes = serializeSessionRecord(next);
  invariant(
    same(serializeSessionRecord(deserializeSessionRecord(bytes)), bytes),
    "the next record does not round-trip",
  );
  const replay = await decrypt(ctx, next, type, body);
  invariant(
    !replay.ok && replay.error.code === "SIGNAL_DUPLICATE_MESSAGE",
    `a replay with the next record is ${describeOutcome(replay)}`,
  );
  const position = positionOf(inner);
  const others = OTHERS.get(ctx.name)!.filter((o) => o.position !== position);
  if (others.length > 0) {
    const other = others[body.length % others.length];
    const again = await decrypt(ctx, next, other.type, other.body);
    invariant(
      again.ok && same(again.value.plaintext, other.plaintext),
      `after this message, another valid one (${other.position}) is ${describeOutcome(again)}`,
    );
  }
}

/** Each context's valid messages with their chain positions. */
const OTHERS = new Map(
  SIGNAL_CONTEXTS.map((c) =>
    [
      c.name,
      c.valid.map((m) => ({
        ...m,
        position: positionOf(
          m.type === 2 ? decodeSignalMessage(m.body) : decodePreKeySignalMessage(m.body).signalMessage,
        ),
      })),
    ] as const
  ),
);

// ---------------------------------------------------------------------------------------------
// Structured inputs
// ---------------------------------------------------------------------------------------------

function selector(ctx: number, type: 2 | 3): number {
  return (ctx % SIGNAL_CONTEXTS.length) | (type === 3 ? 0x80 : 0);
}

function input(ctx: number, type: 2 | 3, body: Uint8Array): Uint8Array {
  return cat(Uint8Array.of(selector(ctx, type)), body);
}

const djb = (k: Uint8Array) => cat(Uint8Array.of(5), k);
const RATCHET_KEYS = CHAINS.map((c) => djb(c.ratchetKey));

const signalHints: FieldHint[] = [
  {
    no: 1,
    values: [
      ...RATCHET_KEYS,
      ...BAD_X25519_KEYS.slice(0, 8).map(djb),
      CHAINS[0].ratchetKey,
      cat(Uint8Array.of(6), CHAINS[0].ratchetKey),
      cat(RATCHET_KEYS[0], Uint8Array.of(0)),
    ],
  },
  { no: 2, varint: true },
  { no: 3, varint: true },
  {
    no: 4,
    values: [new Uint8Array(0), new Uint8Array(15), new Uint8Array(16), new Uint8Array(17), new Uint8Array(48)],
  },
  { no: 5, values: [new Uint8Array(1), new Uint8Array(32)] },
  { no: 6, values: [new Uint8Array(2)] },
];

const preKeyBodies = SIGNAL_CONTEXTS.flatMap((c) => c.valid.filter((m) => m.type === 3).map((m) => m.body));
const baseKeys = preKeyBodies.map((b) => lastField(parseFields(b.subarray(1)) ?? [], 2)?.value as Uint8Array);
const preKeyHints: FieldHint[] = [
  { no: 5, varint: true },
  { no: 1, varint: true },
  { no: 6, varint: true },
  { no: 2, values: [...baseKeys, ...BAD_X25519_KEYS.slice(0, 8).map(djb), baseKeys[0].subarray(1)] },
  {
    no: 3,
    values: [
      ...CHAINS.slice(0, 1).map((c) => djb(c.senderIdentity)),
      djb(CHAINS[3].senderIdentity),
      djb(new Uint8Array(32).fill(9)),
    ],
  },
  { no: 4, values: SIGNAL_CONTEXTS.flatMap((c) => c.valid.map((m) => (m.type === 3 ? innerOf(m.body) : m.body))) },
  { no: 7, varint: true },
  { no: 8, values: [new Uint8Array(1568)] },
];

/** Valid (context, message) pairs. */
const VALID: { ctx: number; type: 2 | 3; body: Uint8Array }[] = SIGNAL_CONTEXTS.flatMap((c, ctx) =>
  [...c.valid, ...c.replays].map((m) => ({ ctx, type: m.type, body: m.body }))
);

const splitSignal = (b: Uint8Array) => ({
  version: b[0],
  fields: parseFields(b.subarray(1, b.length - 8)) ?? [],
  mac: b.subarray(b.length - 8),
});

/** A SignalMessage (alone or inside its PreKeySignalMessage) with field edits, maybe re-MACed. */
const signalEditArb: fc.Arbitrary<Uint8Array> = fc.tuple(
  fc.nat(VALID.length - 1),
  fc.array(protoEditArb(signalHints), { minLength: 1, maxLength: 3 }),
  fc.option(fc.constantFrom(...VERSION_BYTES), { freq: 4 }),
  fc.boolean(),
).map(([i, edits, version, mac]) => {
  const v = VALID[i];
  const sm = v.type === 3 ? innerOf(v.body) : v.body;
  const { version: ver, fields, mac: oldMac } = splitSignal(sm);
  let edited = cat(Uint8Array.of(version ?? ver), writeFields(edits.reduce((f, e) => e(f), fields)), oldMac);
  if (mac) edited = remac(edited, CHAINS);
  return input(v.ctx, v.type, v.type === 3 ? withInner(v.body, edited) : edited);
});

/** A PreKeySignalMessage with edits of its own fields (not MACed: these reach the session lookup and X3DH). */
const preKeyEditArb: fc.Arbitrary<Uint8Array> = fc.tuple(
  fc.nat(),
  fc.array(protoEditArb(preKeyHints), { minLength: 1, maxLength: 3 }),
  fc.option(fc.constantFrom(...VERSION_BYTES), { freq: 5 }),
).map(([i, edits, version]) => {
  const pre = VALID.filter((v) => v.type === 3);
  const v = pre[i % pre.length];
  const fields = edits.reduce((f, e) => e(f), parseFields(v.body.subarray(1)) ?? []);
  return input(v.ctx, 3, cat(Uint8Array.of(version ?? v.body[0]), writeFields(fields)));
});

/** A PreKeySignalMessage of each (context, chain) to wrap crafted messages in. */
const PREKEY_OF = new Map<string, Uint8Array>();
SIGNAL_CONTEXTS.forEach((c, ci) => {
  for (const m of c.valid) {
    if (m.type !== 3) continue;
    const key = `${ci}:${toHex(decodePreKeySignalMessage(m.body).signalMessage.ratchetKey)}`;
    if (!PREKEY_OF.has(key)) PREKEY_OF.set(key, m.body);
  }
});

/** Messages crafted by the reference key schedule, on a chain the receiver can or cannot read. */
const craftedArb: fc.Arbitrary<Uint8Array> = fc.record({
  ctx: fc.nat(SIGNAL_CONTEXTS.length - 1),
  chain: fc.nat(CHAINS.length - 1),
  ownChain: fc.boolean(),
  counter: fc.oneof(
    { arbitrary: fc.nat(REF_COUNTERS - 1), weight: 8 },
    { arbitrary: fc.constantFrom(25_000, 25_001, 25_048, 0x7fffffff, 0xfffffffe, 0xffffffff), weight: 1 },
  ),
  previousCounter: fc.oneof(fc.constant(0), fc.nat(50), fc.constant(0xffffffff)),
  body: fc.oneof(
    { arbitrary: fc.uint8Array({ maxLength: 80 }).map((p) => ({ plaintext: p })), weight: 3 },
    {
      arbitrary: fc.oneof(
        fc.uint8Array({ maxLength: 64 }),
        fc.constantFrom(0, 15, 16, 31, 32).map((n) => new Uint8Array(n)),
      )
        .map((c) => ({ ciphertext: c })),
      weight: 2,
    },
  ),
  version: fc.oneof({ arbitrary: fc.constantFrom(0x33, 0x34), weight: 5 }, {
    arbitrary: fc.constantFrom(...VERSION_BYTES),
    weight: 1,
  }),
  extra: fc.option(
    fc.constantFrom<ProtoField[]>(
      [{ no: 5, wt: 2, value: new Uint8Array(32) }],
      [{ no: 2, wt: 0, value: 1n }],
      [{ no: 15, wt: 0, value: 3n }],
    ),
    { freq: 6 },
  ),
  asPreKey: fc.nat(3),
}).map((r) => {
  const ctx = SIGNAL_CONTEXTS[r.ctx];
  const chain = r.ownChain ? ctx.chains[r.chain % ctx.chains.length] : CHAINS[r.chain];
  const sm = craftSignal(chain, {
    counter: r.counter,
    previousCounter: r.previousCounter,
    versionByte: r.version,
    ...r.body,
    ...(r.extra === null ? {} : { extra: r.extra }),
  });
  // Wrap in the PreKeySignalMessage of the same session where there is one (Alice's sessions).
  const pre = PREKEY_OF.get(`${r.ctx}:${toHex(chain.ratchetKey)}`);
  if (pre !== undefined && r.asPreKey !== 0) return input(r.ctx, 3, withInner(pre, sm));
  return input(r.ctx, 2, sm);
});

/** Structured inputs for {@link fuzz}. */
export const structured: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: fc.constantFrom(...VALID).map((v) => input(v.ctx, v.type, v.body)), weight: 1 },
  {
    arbitrary: fc.tuple(fc.constantFrom(...VALID), fc.nat(SIGNAL_CONTEXTS.length - 1), fc.boolean()).map(([v, c, t]) =>
      input(c, t ? 3 : 2, v.body)
    ),
    weight: 1,
  },
  { arbitrary: signalEditArb, weight: 4 },
  { arbitrary: preKeyEditArb, weight: 3 },
  { arbitrary: craftedArb, weight: 5 },
  { arbitrary: mutatedArb(VALID.map((v) => input(v.ctx, v.type, v.body))), weight: 2 },
);

/**
 * The committed corpus (written by `_seed_corpus.ts`).
 *
 * @returns name, bytes and comment of each seed
 */
export function corpus(): [string, Uint8Array, string][] {
  const s: [string, Uint8Array, string][] = [];
  SIGNAL_CONTEXTS.forEach((c, ci) => {
    c.valid.forEach((m, i) =>
      s.push([`${c.name}-valid-${i}`, input(ci, m.type, m.body), `type ${m.type} message that decrypts`])
    );
    c.replays.forEach((m, i) =>
      s.push([`${c.name}-replay-${i}`, input(ci, m.type, m.body), "already decrypted: a replay"])
    );
  });
  const bob = 1, pending = 2;
  const m1 = SIGNAL_CONTEXTS[bob].valid[0].body; // PreKeySignalMessage m1
  const b1 = SIGNAL_CONTEXTS[pending].valid[1].body; // SignalMessage b1
  const chain = SIGNAL_CONTEXTS[pending].chains[0];
  const edit = (b: Uint8Array, f: (fs: ProtoField[]) => ProtoField[]) => {
    const { version, fields, mac } = splitSignal(b);
    return cat(Uint8Array.of(version), writeFields(f(fields)), mac);
  };
  const set = (no: number, value: bigint | Uint8Array) => (fs: ProtoField[]) =>
    fs.map((f) => f.no === no ? { ...f, value, wt: typeof value === "bigint" ? 0 : 2 } : f);
  const add = (name: string, ctx: number, type: 2 | 3, body: Uint8Array, comment: string) =>
    s.push([name, input(ctx, type, body), comment]);
  add("version-0x44", pending, 2, cat(Uint8Array.of(0x44), b1.subarray(1)), "version 4 (PQ) byte");
  add("version-0x23", pending, 2, cat(Uint8Array.of(0x23), b1.subarray(1)), "version 2 byte");
  add("version-0x3f-remac", pending, 2, remac(cat(Uint8Array.of(0x3f), b1.subarray(1)), [chain]), "0x3f, MAC fixed");
  add("empty", pending, 2, new Uint8Array(0), "empty");
  add("only-version", pending, 2, Uint8Array.of(0x33), "version byte only");
  add("eight-bytes", pending, 2, b1.subarray(0, 8), "8 bytes: shorter than version and MAC");
  add("nine-bytes", pending, 2, cat(Uint8Array.of(0x33), new Uint8Array(8)), "version and MAC, empty protobuf");
  add("mac-flip", pending, 2, cat(b1.subarray(0, b1.length - 1), Uint8Array.of(b1[b1.length - 1] ^ 1)), "MAC bit flip");
  add("ratchet-key-32", pending, 2, edit(b1, set(1, chain.ratchetKey)), "ratchet key without 0x05");
  add(
    "ratchet-key-low-order",
    pending,
    2,
    remac(edit(b1, set(1, djb(BAD_X25519_KEYS[0]))), [chain]),
    "zero ratchet key",
  );
  add("counter-max", pending, 2, edit(b1, set(2, 0xffffffffn)), "counter 2^32 − 1");
  add("counter-2pow32", pending, 2, edit(b1, set(2, 0x100000000n)), "counter 2^32 (uint32 overflow on the wire)");
  add(
    "counter-jump-25001",
    pending,
    2,
    craftSignal(chain, { counter: 25_001, plaintext: new Uint8Array(1) }),
    "jump past the limit",
  );
  add(
    "counter-40",
    pending,
    2,
    craftSignal(chain, { counter: 40, plaintext: new Uint8Array(3) }),
    "skip 38 keys (MAC valid)",
  );
  add(
    "ciphertext-15-remac",
    pending,
    2,
    craftSignal(chain, { counter: 1, ciphertext: new Uint8Array(15) }),
    "MAC valid, 15-byte ciphertext",
  );
  add(
    "ciphertext-empty-remac",
    pending,
    2,
    craftSignal(chain, { counter: 1, ciphertext: new Uint8Array(0) }),
    "MAC valid, empty ciphertext",
  );
  add(
    "bad-padding-remac",
    pending,
    2,
    craftSignal(chain, { counter: 1, ciphertext: new Uint8Array(16) }),
    "MAC valid, bad padding",
  );
  add(
    "no-ciphertext",
    pending,
    2,
    remac(edit(b1, (fs) => fs.filter((f) => f.no !== 4)), [chain]),
    "ciphertext field missing",
  );
  add(
    "no-counter",
    pending,
    2,
    remac(edit(b1, (fs) => fs.filter((f) => f.no !== 2)), [chain]),
    "counter field missing",
  );
  add(
    "pq-ratchet",
    pending,
    2,
    remac(edit(b1, (fs) => [...fs, { no: 5, wt: 2, value: new Uint8Array(32) }]), [chain]),
    "pq_ratchet set on a v3 session",
  );
  add(
    "duplicate-counter",
    pending,
    2,
    remac(edit(b1, (fs) => [...fs, { no: 2, wt: 0, value: 2n }]), [chain]),
    "counter twice (last wins)",
  );
  add(
    "deep-groups",
    pending,
    2,
    cat(Uint8Array.of(0x33), new Uint8Array(2000).fill(0x0b), new Uint8Array(8)),
    "2,000 nested start groups",
  );
  const preFields = parseFields(m1.subarray(1)) ?? [];
  const pre = (f: (fs: ProtoField[]) => ProtoField[]) => cat(m1.subarray(0, 1), writeFields(f(preFields)));
  add("prekey-unknown-signed-prekey", 0, 3, pre(set(6, 9n)), "signed prekey id 9 (not held)");
  add("prekey-unknown-one-time", 0, 3, pre(set(1, 8n)), "one-time prekey id 8 (not held)");
  add(
    "prekey-no-one-time",
    0,
    3,
    pre((fs) => fs.filter((f) => f.no !== 1)),
    "one-time prekey id dropped (X3DH differs)",
  );
  add("prekey-base-key-low-order", 0, 3, pre(set(2, djb(BAD_X25519_KEYS[2]))), "low-order base key");
  add("prekey-inner-version-differs", 0, 3, cat(Uint8Array.of(0x34), m1.subarray(1)), "outer 0x34, inner 0x33");
  add("prekey-no-message", 0, 3, pre((fs) => fs.filter((f) => f.no !== 4)), "no inner message");
  add(
    "prekey-kyber",
    0,
    3,
    pre((fs) => [...fs, { no: 7, wt: 0, value: 1n }, { no: 8, wt: 2, value: new Uint8Array(4) }]),
    "PQXDH fields on v3",
  );
  add("prekey-to-alice", pending, 3, m1, "a PreKeySignalMessage to Alice (no prekeys)");
  add("signal-as-prekey", pending, 3, b1, "a SignalMessage read as a PreKeySignalMessage");
  return s;
}

/** Reported findings whose fix is pending: none (fixed ones keep their reproducers in the corpus). */
export const open: OpenFinding[] = [];

/** The `signal_message` target. */
export const target: FuzzTarget = { name: "signal_message", fuzz, structured, open };
