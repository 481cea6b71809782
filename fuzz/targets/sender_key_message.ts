/**
 * Fuzz target: Sender Key messages (e2ee.md §4, protocol/e2ee/signal/sender_key_message.ts and
 * sender_keys.ts). Input: `selector ‖ body`; `(selector & 0x7f) % 3` picks Bob's record
 * (`_signal.ts`: fresh, after reading iteration 3, with Alice's two chains after a rekey), and
 * `selector & 0x80` the decoder:
 *
 * - clear: `parseSenderKeyMessage(body)`, then `senderKeyDecrypt(record, body)`;
 * - set: `parseSenderKeyDistributionMessage(body)`, then `processSenderKeyDistributionMessage(record, body)`.
 *
 * Expected refusal: `ProtocolError` with a code the functions document — parsing and processing
 * `SENDER_KEY_MESSAGE_INVALID`; decryption also `SENDER_KEY_NO_STATE`, `SIGNATURE_INVALID`,
 * `SENDER_KEY_DUPLICATE_MESSAGE`, `SENDER_KEY_TOO_FAR_AHEAD`, `DECRYPT_FAILED`. Oracles:
 *
 * - the record passed in is unchanged, accepted or refused (serialization byte-identical);
 * - decryption / processing refuse what the parser refuses, with the same code;
 * - an accepted message is authentic: its chain id names one of Alice's chains and its plaintext
 *   is what that chain's reference keys decrypt at its iteration;
 * - the returned record serializes, round-trips, holds at most 5 states, refuses a replay with
 *   `SENDER_KEY_DUPLICATE_MESSAGE` and still decrypts another valid message (another iteration);
 * - a processed distribution message puts its chain first and keeps an existing state with the
 *   same chain id and signing key as it was (no rewind).
 *
 * Structured inputs: real messages; protobuf field edits (distribution id, chain id, iteration at
 * the u32 edges, ciphertext sizes, unknown / duplicated fields), re-signed with Alice's real
 * signing key so that they pass the signature and reach the chain logic; messages crafted with
 * the library's encoder and the reference keys (iteration jumps, cached and evicted keys, bad
 * padding, other version nibbles); signature edits (S + L, the sign bit); distribution-message
 * edits (chain key and signing key sizes and types); byte mutations.
 *
 * @module
 */

import fc from "fast-check";
import { cbc } from "@noble/ciphers/aes.js";
import {
  deserializeSenderKeyRecord,
  parseSenderKeyDistributionMessage,
  parseSenderKeyMessage,
  processSenderKeyDistributionMessage,
  type ProtocolErrorCode,
  senderKeyDecrypt,
  type SenderKeyRecord,
  serializeSenderKeyRecord,
  xeddsaSign,
} from "../../mod.ts";
import { currentProvider, type FuzzTarget, invariant } from "../_harness.ts";
import { mutatedArb } from "../_mutate.ts";
import { type FieldHint, parseFields, protoEditArb, type ProtoField, writeFields } from "../_proto.ts";
import {
  attempt,
  attemptSync,
  BAD_X25519_KEYS,
  cat,
  describeOutcome,
  rngFor,
  same,
  signatureEditArb,
} from "../_e2ee.ts";
import {
  craftSenderKey,
  DISTRIBUTION_ID,
  REF_COUNTERS,
  type SenderKeyContext,
  SK_CHAINS,
  SK_CONTEXTS,
  SKDM_1,
  SKDM_2,
} from "../_signal.ts";

/** Refusal code of the parsers and of processing a distribution message. */
export const PARSE_CODES: readonly ProtocolErrorCode[] = ["SENDER_KEY_MESSAGE_INVALID"];
/** Refusal codes of decryption. */
export const DECRYPT_CODES: readonly ProtocolErrorCode[] = [
  "SENDER_KEY_MESSAGE_INVALID",
  "SENDER_KEY_NO_STATE",
  "SIGNATURE_INVALID",
  "SENDER_KEY_DUPLICATE_MESSAGE",
  "SENDER_KEY_TOO_FAR_AHEAD",
  "DECRYPT_FAILED",
];

function decrypt(record: SenderKeyRecord, body: Uint8Array) {
  return attempt(
    "senderKeyDecrypt()",
    DECRYPT_CODES,
    () => senderKeyDecrypt(record, body, { provider: currentProvider() }),
  );
}

function checkStorable(next: SenderKeyRecord): void {
  invariant(next.states.length <= 5, `${next.states.length} states`);
  const bytes = serializeSenderKeyRecord(next);
  invariant(
    same(serializeSenderKeyRecord(deserializeSenderKeyRecord(bytes)), bytes),
    "the next record does not round-trip",
  );
}

async function fuzzMessage(ctx: SenderKeyContext, body: Uint8Array): Promise<void> {
  const parsed = attemptSync("parseSenderKeyMessage()", PARSE_CODES, () => parseSenderKeyMessage(body));
  if (parsed.ok) {
    const m = parsed.value;
    invariant(m.distributionId.length === 16 && m.signature.length === 64, "parsed sizes");
    invariant(same(cat(m.signed, m.signature), body), "signed ‖ signature is not the message");
    invariant(m.version === 3, `version ${m.version}`);
  }
  const out = await decrypt(ctx.record, body);
  invariant(
    same(serializeSenderKeyRecord(ctx.record), ctx.snapshot),
    `senderKeyDecrypt() (${describeOutcome(out)}) changed the record it was given (${ctx.name})`,
  );
  if (!parsed.ok) {
    invariant(!out.ok && out.error.code === parsed.error.code, `parse refused, decrypt ${describeOutcome(out)}`);
  }
  if (!out.ok) throw out.error;
  if (!parsed.ok) return;
  const m = parsed.value;
  const [next, plaintext] = out.value;
  const chain = SK_CHAINS.find((c) => c.chainId === m.chainId);
  invariant(chain !== undefined, `accepted chain id ${m.chainId}, which Alice never used`);
  invariant(same(m.distributionId, DISTRIBUTION_ID), "accepted another distribution id");
  invariant(m.iteration < REF_COUNTERS, `accepted iteration ${m.iteration}, which Alice never reached`);
  const k = chain.keys[m.iteration];
  let expected: Uint8Array | undefined;
  try {
    expected = cbc(k.cipherKey, k.iv).decrypt(m.ciphertext);
  } catch {
    expected = undefined;
  }
  invariant(expected !== undefined && same(expected, plaintext), "the plaintext is not what the chain's keys decrypt");
  checkStorable(next);
  const replay = await decrypt(next, body);
  invariant(
    !replay.ok && replay.error.code === "SENDER_KEY_DUPLICATE_MESSAGE",
    `a replay with the next record is ${describeOutcome(replay)}`,
  );
  const others = ctx.valid.filter((v) => v.chainId !== m.chainId || v.iteration !== m.iteration);
  if (others.length > 0) {
    const other = others[body.length % others.length];
    const again = await decrypt(next, other.body);
    invariant(
      again.ok && same(again.value[1], other.plaintext),
      `after this message, iteration ${other.iteration} of chain ${other.chainId} is ${describeOutcome(again)}`,
    );
  }
}

function fuzzDistribution(ctx: SenderKeyContext, body: Uint8Array): void {
  const parsed = attemptSync(
    "parseSenderKeyDistributionMessage()",
    PARSE_CODES,
    () => parseSenderKeyDistributionMessage(body),
  );
  if (parsed.ok) {
    const d = parsed.value;
    invariant(d.distributionId.length === 16 && d.chainKey.length === 32 && d.signingKey.length === 32, "parsed sizes");
    invariant(d.version === 3, `version ${d.version}`);
  }
  const out = attemptSync(
    "processSenderKeyDistributionMessage()",
    PARSE_CODES,
    () => processSenderKeyDistributionMessage(ctx.record, body),
  );
  invariant(
    same(serializeSenderKeyRecord(ctx.record), ctx.snapshot),
    `processSenderKeyDistributionMessage() (${describeOutcome(out)}) changed the record it was given`,
  );
  if (!parsed.ok) {
    invariant(!out.ok && out.error.code === parsed.error.code, `parse refused, processing ${describeOutcome(out)}`);
  }
  if (!out.ok) throw out.error;
  if (!parsed.ok) return;
  const d = parsed.value;
  const next = out.value;
  checkStorable(next);
  invariant(next.states[0].chainId === d.chainId, "the distributed chain is not first");
  const existing = ctx.record.states.find((s) => s.chainId === d.chainId && same(s.signingPublic, d.signingKey));
  if (existing !== undefined) {
    invariant(
      next.states[0].iteration === existing.iteration && same(next.states[0].chainKey, existing.chainKey),
      "a repeated distribution message rewound the chain",
    );
  } else {
    invariant(
      next.states[0].iteration === d.iteration && same(next.states[0].chainKey, d.chainKey),
      "state is not the message's",
    );
  }
  invariant(next.states.filter((s) => s.chainId === d.chainId).length === 1, "two states with one chain id");
}

/**
 * Parse and decrypt (or process) `input` with the selected record, checking the oracles.
 *
 * @param input `selector ‖ body`
 */
export async function fuzz(input: Uint8Array): Promise<void> {
  if (input.length === 0) return;
  const ctx = SK_CONTEXTS[(input[0] & 0x7f) % SK_CONTEXTS.length];
  const body = input.subarray(1);
  if (input[0] & 0x80) fuzzDistribution(ctx, body);
  else await fuzzMessage(ctx, body);
}

// ---------------------------------------------------------------------------------------------
// Structured inputs
// ---------------------------------------------------------------------------------------------

const input = (ctx: number, skdm: boolean, body: Uint8Array) =>
  cat(Uint8Array.of((ctx % SK_CONTEXTS.length) | (skdm ? 0x80 : 0)), body);

const djb = (k: Uint8Array) => cat(Uint8Array.of(5), k);
const VERSION_BYTES = [0x33, 0x3f, 0x30, 0x34, 0x23, 0x43, 0x00, 0xff];
const IDS = [DISTRIBUTION_ID, new Uint8Array(16), new Uint8Array(15), new Uint8Array(17)];

const messageHints: FieldHint[] = [
  { no: 1, values: IDS },
  { no: 2, varint: true },
  { no: 3, varint: true },
  { no: 4, values: [new Uint8Array(0), new Uint8Array(15), new Uint8Array(16), new Uint8Array(17)] },
];
const distributionHints: FieldHint[] = [
  { no: 1, values: IDS },
  { no: 2, varint: true },
  { no: 3, varint: true },
  { no: 4, values: [new Uint8Array(32).fill(1), new Uint8Array(31), new Uint8Array(33)] },
  {
    no: 5,
    values: [
      djb(new Uint8Array(32).fill(2)),
      new Uint8Array(32).fill(2),
      cat(Uint8Array.of(6), new Uint8Array(32)),
      ...BAD_X25519_KEYS.slice(0, 4).map(djb),
    ],
  },
];

const VALID_MESSAGES = SK_CONTEXTS.flatMap((c, ctx) => [...c.valid, ...c.replays].map((m) => ({ ctx, m })));

/** Re-sign `version ‖ protobuf` with the signing key of the chain the message names (or the first). */
function resign(signed: Uint8Array): Uint8Array {
  const fields = parseFields(signed.subarray(1)) ?? [];
  const chainId = fields.filter((f) => f.no === 2).map((f) => f.value).pop();
  const chain = SK_CHAINS.find((c) => BigInt(c.chainId) === chainId) ?? SK_CHAINS[0];
  return cat(signed, xeddsaSign(chain.signingSecret, signed, { rng: rngFor("sk-resign") }));
}

const messageEditArb = fc.tuple(
  fc.nat(VALID_MESSAGES.length - 1),
  fc.array(protoEditArb(messageHints), { maxLength: 3 }),
  fc.option(fc.constantFrom(...VERSION_BYTES), { freq: 4 }),
  fc.oneof(fc.constant("resign" as const), fc.constant("keep" as const), signatureEditArb),
  fc.nat(SK_CONTEXTS.length - 1),
).map(([i, edits, version, sig, ctx]) => {
  const { m } = VALID_MESSAGES[i];
  const signed = m.body.subarray(0, m.body.length - 64);
  const fields = edits.reduce((f, e) => e(f), parseFields(signed.subarray(1)) ?? []);
  const newSigned = cat(Uint8Array.of(version ?? signed[0]), writeFields(fields));
  const body = sig === "resign"
    ? resign(newSigned)
    : sig === "keep"
    ? cat(newSigned, m.body.subarray(m.body.length - 64))
    : cat(newSigned, sig(m.body.subarray(m.body.length - 64)));
  return input(ctx, false, body);
});

const craftedArb = fc.record({
  ctx: fc.nat(SK_CONTEXTS.length - 1),
  chain: fc.nat(SK_CHAINS.length - 1),
  iteration: fc.oneof(
    { arbitrary: fc.nat(REF_COUNTERS - 1), weight: 8 },
    { arbitrary: fc.constantFrom(25_000, 25_001, 25_004, 0xfffffffe, 0xffffffff), weight: 1 },
  ),
  body: fc.oneof(
    { arbitrary: fc.uint8Array({ maxLength: 64 }).map((p) => ({ plaintext: p })), weight: 3 },
    { arbitrary: fc.constantFrom(0, 15, 16, 32).map((n) => ({ ciphertext: new Uint8Array(n) })), weight: 1 },
  ),
  version: fc.oneof({ arbitrary: fc.constant(3), weight: 8 }, { arbitrary: fc.constantFrom(0, 2, 4, 15), weight: 1 }),
  chainId: fc.option(fc.constantFrom(0, 1, 0x7fffffff, 0xffffffff), { freq: 8 }),
  distributionId: fc.option(fc.constantFrom(...IDS.slice(1, 2)), { freq: 10 }),
}).map((r) =>
  input(
    r.ctx,
    false,
    craftSenderKey({
      chain: r.chain,
      iteration: r.iteration,
      version: r.version,
      ...r.body,
      ...(r.chainId === null ? {} : { chainId: r.chainId }),
      ...(r.distributionId === null ? {} : { distributionId: r.distributionId }),
    }, rngFor("sk-craft")),
  )
);

const distributionEditArb = fc.tuple(
  fc.constantFrom(SKDM_1, SKDM_2),
  fc.array(protoEditArb(distributionHints), { minLength: 1, maxLength: 3 }),
  fc.option(fc.constantFrom(...VERSION_BYTES), { freq: 4 }),
  fc.nat(SK_CONTEXTS.length - 1),
).map(([skdm, edits, version, ctx]) => {
  const fields: ProtoField[] = edits.reduce((f, e) => e(f), parseFields(skdm.subarray(1)) ?? []);
  return input(ctx, true, cat(Uint8Array.of(version ?? skdm[0]), writeFields(fields)));
});

const VALID: Uint8Array[] = [
  ...VALID_MESSAGES.map(({ ctx, m }) => input(ctx, false, m.body)),
  ...SK_CONTEXTS.flatMap((_, ctx) => [input(ctx, true, SKDM_1), input(ctx, true, SKDM_2)]),
];

/** Structured inputs for {@link fuzz}. */
export const structured: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: fc.constantFrom(...VALID), weight: 1 },
  { arbitrary: messageEditArb, weight: 4 },
  { arbitrary: craftedArb, weight: 4 },
  { arbitrary: distributionEditArb, weight: 2 },
  { arbitrary: mutatedArb(VALID), weight: 2 },
);

/**
 * The committed corpus (written by `_seed_corpus.ts`).
 *
 * @returns name, bytes and comment of each seed
 */
export function corpus(): [string, Uint8Array, string][] {
  const s: [string, Uint8Array, string][] = [];
  SK_CONTEXTS.forEach((c, ctx) => {
    c.valid.forEach((m) =>
      s.push([
        `${c.name}-chain${m.chainId === SK_CHAINS[0].chainId ? 1 : 2}-it${m.iteration}`,
        input(ctx, false, m.body),
        "message that decrypts",
      ])
    );
    c.replays.forEach((m) =>
      s.push([`${c.name}-replay-it${m.iteration}`, input(ctx, false, m.body), "already read: a replay"])
    );
  });
  s.push(["skdm-1", input(0, true, SKDM_1), "distribution message of the first chain"]);
  s.push(["skdm-2-after-rekey", input(1, true, SKDM_2), "distribution message after the rekey"]);
  const sign = rngFor("sk-corpus");
  const craft = (name: string, f: Parameters<typeof craftSenderKey>[0], comment: string, ctx = 1) =>
    s.push([name, input(ctx, false, craftSenderKey(f, sign)), comment]);
  craft(
    "jump-25000",
    { chain: 0, iteration: 25_004 },
    "iteration 25,004 from 4: a jump of exactly the limit (ciphertext not from the chain)",
  );
  craft("jump-25001", { chain: 0, iteration: 25_005 }, "one past the jump limit");
  craft("iteration-max", { chain: 0, iteration: 0xffffffff }, "iteration 2^32 − 1");
  craft("bad-padding", { chain: 0, iteration: 10, ciphertext: new Uint8Array(16) }, "signed, bad padding");
  craft("not-whole-blocks", { chain: 0, iteration: 10, ciphertext: new Uint8Array(15) }, "signed, 15-byte ciphertext");
  craft("empty-ciphertext", { chain: 0, iteration: 10, ciphertext: new Uint8Array(0) }, "signed, empty ciphertext");
  craft(
    "version-4",
    { chain: 0, iteration: 10, plaintext: new Uint8Array(1), version: 4 },
    "signed with version byte 0x43",
  );
  craft("unknown-chain", { chain: 0, iteration: 1, chainId: 1, plaintext: new Uint8Array(1) }, "chain id no state has");
  craft("other-distribution", {
    chain: 0,
    iteration: 1,
    distributionId: new Uint8Array(16),
    plaintext: new Uint8Array(1),
  }, "another distribution id");
  craft(
    "cached-key",
    { chain: 0, iteration: 1, plaintext: new Uint8Array(1) },
    "an iteration whose key is cached (other plaintext)",
  );
  craft(
    "second-chain-skip",
    { chain: 1, iteration: 20, plaintext: new Uint8Array(33) },
    "skip 18 on the second chain",
    2,
  );
  const g = VALID_MESSAGES[0].m.body;
  s.push([
    "sig-flip",
    input(0, false, cat(g.subarray(0, g.length - 1), Uint8Array.of(g[g.length - 1] ^ 1))),
    "signature bit flip",
  ]);
  s.push([
    "sig-sign-bit",
    input(0, false, cat(g.subarray(0, g.length - 1), Uint8Array.of(g[g.length - 1] ^ 0x80))),
    "XEdDSA sign bit flipped",
  ]);
  s.push(["short-64", input(0, false, g.subarray(0, 64)), "64 bytes: shorter than version and signature"]);
  s.push(["version-0x23", input(0, false, cat(Uint8Array.of(0x23), g.subarray(1))), "version 2 high nibble"]);
  s.push([
    "no-ciphertext",
    input(
      0,
      false,
      resign(
        cat(g.subarray(0, 1), writeFields((parseFields(g.subarray(1, g.length - 64)) ?? []).filter((f) => f.no !== 4))),
      ),
    ),
    "signed, ciphertext field missing",
  ]);
  const skdmFields = parseFields(SKDM_1.subarray(1)) ?? [];
  const skdm = (f: (x: ProtoField[]) => ProtoField[]) => cat(SKDM_1.subarray(0, 1), writeFields(f(skdmFields)));
  const set = (no: number, value: Uint8Array | bigint) => (x: ProtoField[]) =>
    x.map((f) => f.no === no ? { ...f, value } : f);
  s.push(["skdm-chain-key-31", input(0, true, skdm(set(4, new Uint8Array(31)))), "chain key of 31 bytes"]);
  s.push(["skdm-signing-key-raw", input(0, true, skdm(set(5, new Uint8Array(32)))), "signing key without 0x05"]);
  s.push([
    "skdm-other-distribution",
    input(0, true, skdm(set(1, new Uint8Array(16)))),
    "another distribution id than the record's",
  ]);
  s.push(["skdm-iteration-max", input(0, true, skdm(set(3, 0xffffffffn))), "iteration 2^32 − 1"]);
  s.push([
    "skdm-repeat-rewind",
    input(1, true, skdm(set(3, 0n))),
    "the known chain again at iteration 0 (must not rewind)",
  ]);
  s.push(["skdm-no-signing-key", input(0, true, skdm((x) => x.filter((f) => f.no !== 5))), "signing key missing"]);
  s.push(["skdm-version-0x43", input(0, true, cat(Uint8Array.of(0x43), SKDM_1.subarray(1))), "version 4 high nibble"]);
  return s;
}

/** The `sender_key_message` target. */
export const target: FuzzTarget = { name: "sender_key_message", fuzz, structured };
