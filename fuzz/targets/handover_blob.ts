/**
 * Fuzz target: bytes → `decodeHandoverBlob`, the `sn.data` bulk hand-over decoder
 * (swarms-and-storage.md §4.2). Expected refusal: `ProtocolError` with code `HANDOVER_INVALID`
 * only (another code escaping is a finding). Oracles:
 *
 * - accepted messages are typed: 66 lower-case hex account, string hash, safe-integer times,
 *   `data` a copy (not a view of the blob);
 * - decode → encode is the identity: `encodeHandoverBlobs(decoded)` with an unbounded batch is
 *   exactly the input (the decoder is strict, so it must only accept the canonical form);
 * - encode → decode is the identity under any batch size: the messages split into blobs by a
 *   small batch size decode back, in order, to the same messages.
 *
 * @module
 */

import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import {
  bencode,
  type BValue,
  ctEqual,
  decodeHandoverBlob,
  encodeHandoverBlobs,
  type HandoverMessage,
  isProtocolError,
  toHex,
} from "../../mod.ts";
import { BENCODE_DICTIONARY, bencodeSoupArb } from "../_grammar.ts";
import { type FuzzTarget, invariant, InvariantError } from "../_harness.ts";
import { mutatedArb } from "../_mutate.ts";

const te = new TextEncoder();
const ACCOUNT_RE = /^[0-9a-f]{66}$/;

/**
 * Decode `input` and check the round trips.
 *
 * @param input any bytes
 */
export function fuzz(input: Uint8Array): void {
  let messages: HandoverMessage[];
  try {
    messages = decodeHandoverBlob(input);
  } catch (err) {
    if (isProtocolError(err) && err.code !== "HANDOVER_INVALID") {
      throw new InvariantError(`decodeHandoverBlob() refused with ${err.code}, expected HANDOVER_INVALID`);
    }
    throw err;
  }
  for (const m of messages) {
    invariant(ACCOUNT_RE.test(m.account), "account is not 66 lower-case hex digits");
    invariant(typeof m.hash === "string", "hash is not a string");
    invariant(Number.isSafeInteger(m.timestamp) && Number.isSafeInteger(m.expiry), "times are not safe integers");
    invariant(m.data instanceof Uint8Array && m.data.buffer !== input.buffer, "data is a view of the blob");
  }
  let again: Uint8Array[];
  try {
    again = encodeHandoverBlobs(messages, { batchSize: Number.MAX_SAFE_INTEGER });
  } catch (err) {
    throw new InvariantError(`encodeHandoverBlobs() refused what decodeHandoverBlob() returned: ${String(err)}`);
  }
  invariant(again.length === 1, "one unbounded batch became several blobs");
  invariant(ctEqual(again[0], input), "encodeHandoverBlobs(decodeHandoverBlob(x)) differs from x");

  // Encode → decode under a small batch size: the blobs carry the same messages in order.
  const batchSize = 1 + (input.length % 300);
  const blobs = encodeHandoverBlobs(messages, { batchSize });
  invariant(blobs.length >= 1 && blobs.length <= Math.max(1, messages.length), `${blobs.length} blobs`);
  const decoded = blobs.flatMap((b) => decodeHandoverBlob(b));
  invariant(isDeepStrictEqual(decoded, messages), `split into ${blobs.length} blobs, the messages change`);
}

const messageArb: fc.Arbitrary<HandoverMessage> = fc.record({
  account: fc.oneof(
    fc.uint8Array({ minLength: 33, maxLength: 33 }).map(toHex),
    fc.constantFrom("05" + "ab".repeat(32), "03" + "00".repeat(32), "ff".repeat(33)),
  ),
  hash: fc.oneof(
    { arbitrary: fc.base64String({ minLength: 43, maxLength: 44 }).map((s) => s.slice(0, 43)), weight: 4 },
    { arbitrary: fc.string({ maxLength: 50, unit: "binary" }), weight: 2 },
    { arbitrary: fc.constantFrom("", "\uFEFF", "\uFEFFabc", "\u0000", "é"), weight: 1 },
  ),
  timestamp: fc.oneof(fc.constantFrom(0, -1, 1_700_000_000_000, Number.MAX_SAFE_INTEGER), fc.maxSafeInteger()),
  expiry: fc.oneof(fc.constantFrom(0, -1, 1_700_086_400_000, Number.MIN_SAFE_INTEGER), fc.maxSafeInteger()),
  data: fc.uint8Array({ maxLength: 80 }),
});

/** Blobs made by the encoder (valid), one of the blobs of a split. */
const encodedArb: fc.Arbitrary<Uint8Array> = fc.tuple(
  fc.array(messageArb, { maxLength: 6 }),
  fc.integer({ min: 1, max: 2000 }),
  fc.nat(),
).map(([msgs, batchSize, pick]) => {
  const blobs = encodeHandoverBlobs(msgs, { batchSize });
  return blobs[pick % blobs.length];
});

/** Hand-made elements: wrong field counts and types, short accounts. */
const elementArb: fc.Arbitrary<BValue> = fc.oneof(
  fc.tuple(
    fc.oneof(fc.uint8Array({ minLength: 31, maxLength: 35 }), fc.constant(0 as BValue)),
    fc.oneof(fc.uint8Array({ maxLength: 8 }), fc.constant(Uint8Array.of(0xc0, 0xaf)), fc.constant(7 as BValue)),
    fc.oneof(fc.integer(), fc.constant(te.encode("1") as BValue)),
    fc.oneof(fc.integer(), fc.constant([] as BValue)),
    fc.oneof(fc.uint8Array({ maxLength: 8 }), fc.constant(1 as BValue)),
  ).chain((fields) => fc.integer({ min: 0, max: 6 }).map((n) => fields.slice(0, n).concat(n > 5 ? [0] : []))),
  fc.constant({ a: 1 } as BValue),
  fc.constant(te.encode("x") as BValue),
);

function withVersion(body: Uint8Array, version = 0x01): Uint8Array {
  const out = new Uint8Array(body.length + 1);
  out[0] = version;
  out.set(body, 1);
  return out;
}

/** Valid blobs the byte mutations start from. */
const VALID: Uint8Array[] = [
  withVersion(te.encode("le")),
  ...encodeHandoverBlobs([
    {
      account: "05" + "ab".repeat(32),
      hash: "A".repeat(43),
      timestamp: 1_700_000_000_000,
      expiry: 1_700_086_400_000,
      data: te.encode("hello"),
    },
    { account: "03" + "cd".repeat(32), hash: "h", timestamp: 0, expiry: -1, data: new Uint8Array(0) },
  ]),
];

/** Structured inputs for {@link fuzz}. */
export const structured: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: encodedArb, weight: 4 },
  { arbitrary: mutatedArb(VALID, BENCODE_DICTIONARY), weight: 3 },
  {
    arbitrary: fc.tuple(fc.array(elementArb, { maxLength: 3 }), fc.constantFrom(0x01, 0x01, 0x01, 0x00, 0x02, 0x64))
      .map(([els, v]) => withVersion(bencode(els), v)),
    weight: 2,
  },
  { arbitrary: bencodeSoupArb.map((b) => withVersion(b)), weight: 2 },
);

function seeds(): { name: string; input: Uint8Array }[] {
  const big = { account: "05" + "00".repeat(32), hash: "h", timestamp: 1, expiry: 2, data: new Uint8Array(1 << 20) };
  return [
    { name: "seed:message-1MiB", input: encodeHandoverBlobs([big])[0] },
    {
      name: "seed:10k-messages",
      input: encodeHandoverBlobs(
        Array.from({ length: 10_000 }, (_, i) => ({ ...big, hash: String(i), data: Uint8Array.of(i) })),
      )[0],
    },
    { name: "seed:nesting-100k", input: withVersion(te.encode("l".repeat(100_000) + "e".repeat(100_000))) },
  ];
}

/** The `handover_blob` target. */
export const target: FuzzTarget = { name: "handover_blob", fuzz, structured, tokens: BENCODE_DICTIONARY, seeds };
