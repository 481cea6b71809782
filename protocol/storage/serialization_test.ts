import assert from "node:assert/strict";
import fc from "fast-check";
import { fromHex, fromUtf8, toHex, utf8 } from "../bytes.ts";
import { isProtocolError } from "../errors.ts";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../_testing/vectors.ts";
import { decodeHandoverBlob, encodeHandoverBlobs, HANDOVER_BATCH_SIZE, type HandoverMessage } from "./serialization.ts";

const FILE = "session/storage-serialization.json";
const skip = HAVE_VECTORS ? "" : ` (${SKIP_REASON})`;
const ACCOUNT = "05" + "ab".repeat(32);

function vectorMessage(m: {
  pubkey: string;
  hash_hex?: string;
  hash_utf8?: string;
  timestamp_ms: number;
  expiry_ms: number;
  data_hex?: string;
}): HandoverMessage {
  return {
    account: m.pubkey,
    hash: m.hash_hex !== undefined ? fromUtf8(fromHex(m.hash_hex)) : m.hash_utf8!,
    timestamp: m.timestamp_ms,
    expiry: m.expiry_ms,
    data: m.data_hex !== undefined ? fromHex(m.data_hex) : new Uint8Array(),
  };
}

function assertRejected(blob: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => decodeHandoverBlob(blob),
    (err) => isProtocolError(err, "HANDOVER_INVALID") && pattern.test(err.message),
    toHex(blob.subarray(0, 40)),
  );
}

Deno.test({
  name: `encodeHandoverBlobs() and decodeHandoverBlob() match every storage-serialization case${skip}`,
  ignore: !HAVE_VECTORS,
  fn() {
    const v = loadVectors(FILE);
    let passed = 0;
    let first: HandoverMessage[] = [];
    for (const c of v.cases) {
      const messages = c.messages === "same message twice" ? [first[0], first[0]] : c.messages.map(vectorMessage);
      if (passed === 0) first = messages;
      const blobs = encodeHandoverBlobs(messages);
      assert.deepEqual(blobs.map(toHex), c.expected_batches_hex, c.id);
      const decoded = c.expected_batches_hex.flatMap((hex: string) => decodeHandoverBlob(fromHex(hex)));
      assert.deepEqual(decoded, messages, c.id);
      passed++;
    }
    reportCases(`${FILE} cases`, { passed });
  },
});

Deno.test({
  name: `encodeHandoverBlobs() batches exactly as storage-serialization batching says${skip}`,
  ignore: !HAVE_VECTORS,
  fn() {
    const b = loadVectors(FILE).batching;
    assert.equal(b.SERIALIZATION_BATCH_SIZE, HANDOVER_BATCH_SIZE);
    const base = b.cases[0].message;
    assert.equal(base.data, "100000 x 'x' bytes");
    const msg: HandoverMessage = {
      account: base.pubkey,
      hash: base.hash_utf8,
      timestamp: base.timestamp_ms,
      expiry: base.expiry_ms,
      data: new Uint8Array(100_000).fill(0x78),
    };
    assert.equal(encodeHandoverBlobs([msg])[0].length, b.cases[0].single_serialized_length);
    let passed = 0;
    for (const c of b.cases) {
      const blobs = encodeHandoverBlobs(Array.from({ length: c.count }, () => msg));
      assert.equal(blobs.length, c.expected_batches, `count ${c.count}`);
      assert.equal(blobs.flatMap(decodeHandoverBlob).length, c.count);
      passed++;
    }
    reportCases(`${FILE} batching`, { passed });
  },
});

Deno.test("encodeHandoverBlobs() closes a blob when the estimate passes the batch size", () => {
  // Estimate per message: 1 + 2 + 36 + 30 + (4 + 1) + (6 + 10) = 90; running total starts at 2.
  const msg = { account: ACCOUNT, hash: "h", timestamp: 1, expiry: 2, data: new Uint8Array(10) };
  const counts = (batchSize: number, n: number) =>
    encodeHandoverBlobs(Array.from({ length: n }, () => msg), { batchSize }).map((b) => decodeHandoverBlob(b).length);
  assert.deepEqual(counts(182, 2), [2]); // 2 + 90 + 90 = 182, not above
  assert.deepEqual(counts(181, 2), [1, 1]);
  // After a split the estimate restarts at 3 + 90 = 93, so the next blob fits one more at 183.
  assert.deepEqual(counts(181, 4), [1, 1, 1, 1]);
  assert.deepEqual(counts(183, 5), [2, 2, 1]);
  // A single message above the batch size still goes out, alone.
  assert.deepEqual(counts(10, 2), [1, 1]);
  // No messages: one blob holding an empty list.
  assert.deepEqual(encodeHandoverBlobs([]).map(toHex), ["016c65"]);
});

Deno.test("decodeHandoverBlob() inverts encodeHandoverBlobs()", () => {
  const message = fc.record({
    account: fc.uint8Array({ minLength: 33, maxLength: 33 }).map(toHex),
    hash: fc.string({ maxLength: 50, unit: "grapheme" }),
    timestamp: fc.maxSafeNat(),
    expiry: fc.integer({ min: -1e15, max: 1e15 }),
    data: fc.uint8Array({ maxLength: 200 }),
  }).map((m): HandoverMessage => ({ ...m }));
  fc.assert(
    fc.property(fc.array(message, { maxLength: 20 }), fc.integer({ min: 1, max: 2000 }), (messages, batchSize) => {
      const blobs = encodeHandoverBlobs(messages, { batchSize });
      assert.deepEqual(blobs.flatMap(decodeHandoverBlob), messages);
    }),
  );
});

Deno.test("decodeHandoverBlob() only ever throws ProtocolError for arbitrary bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
      try {
        decodeHandoverBlob(Uint8Array.of(1, ...bytes));
      } catch (err) {
        assert.ok(isProtocolError(err, "HANDOVER_INVALID"), String(err));
      }
    }),
  );
});

Deno.test("decodeHandoverBlob() rejects every malformed blob", () => {
  const ok = (body: string) => Uint8Array.of(1, ...utf8(body));
  const acct = (n: number) => `${n}:${"a".repeat(n)}`;
  const el = (fields: string) => ok(`l${fields}e`);
  assertRejected(new Uint8Array(), /empty/);
  assertRejected(Uint8Array.of(0x02, ...utf8("le")), /version byte is 0x02/);
  assertRejected(utf8("le"), /version byte is 0x6c/);
  assertRejected(ok(""), /Cannot decode sn.data blob: Cannot decode bencode/);
  assertRejected(ok("l"), /Cannot decode bencode/);
  assertRejected(ok("lex"), /trailing data/);
  assertRejected(ok("de"), /not a list/);
  assertRejected(ok("i1e"), /not a list/);
  assertRejected(el("i1e"), /element 0 is not a list/);
  assertRejected(el(`l${acct(33)}1:hi1ei2ee`), /not a list of 5/);
  assertRejected(el(`l${acct(33)}1:hi1ei2e1:x1:ye`), /not a list of 5/);
  assertRejected(el(`l${acct(32)}1:hi1ei2e1:xe`), /account id is not a 33-byte/);
  assertRejected(el(`l${acct(66)}1:hi1ei2e1:xe`), /account id/);
  assertRejected(el(`li1e1:hi1ei2e1:xe`), /account id/);
  assertRejected(el(`l${acct(33)}i5ei1ei2e1:xe`), /hash is not a byte string/);
  assertRejected(el(`l${acct(33)}1:h2:12i2e1:xe`), /timestamp is not an integer/);
  assertRejected(el(`l${acct(33)}1:hi1eli2ee1:xe`), /expiry is not an integer/);
  assertRejected(el(`l${acct(33)}1:hi1ei2ei3ee`), /data is not a byte string/);
  assertRejected(el(`l${acct(33)}1:hi1ei99999999999999999ee1:xe`), /number too large/);
  const badUtf8 = Uint8Array.of(1, ...utf8(`ll${acct(33)}1:`), 0xff, ...utf8("i1ei2e1:xee"));
  assertRejected(badUtf8, /hash is not UTF-8/);
  assert.throws(() => decodeHandoverBlob("01" as unknown as Uint8Array), TypeError);
});

Deno.test("encodeHandoverBlobs() rejects malformed messages and options", () => {
  const good: HandoverMessage = { account: ACCOUNT, hash: "h", timestamp: 1, expiry: 2, data: new Uint8Array() };
  const bad = (patch: Record<string, unknown>) => [{ ...good, ...patch } as HandoverMessage];
  assert.throws(() => encodeHandoverBlobs(bad({ account: ACCOUNT.toUpperCase() })), RangeError);
  assert.throws(() => encodeHandoverBlobs(bad({ account: ACCOUNT.slice(2) })), RangeError);
  assert.throws(() => encodeHandoverBlobs(bad({ account: 5 })), TypeError);
  assert.throws(() => encodeHandoverBlobs(bad({ hash: new Uint8Array() })), TypeError);
  assert.throws(() => encodeHandoverBlobs(bad({ data: "x" })), TypeError);
  assert.throws(() => encodeHandoverBlobs(bad({ timestamp: 1.5 })), RangeError);
  assert.throws(() => encodeHandoverBlobs(bad({ expiry: 2n })), TypeError);
  assert.throws(() => encodeHandoverBlobs([null as unknown as HandoverMessage]), TypeError);
  assert.throws(() => encodeHandoverBlobs(5 as unknown as HandoverMessage[]), TypeError);
  assert.throws(() => encodeHandoverBlobs([good], { batchSize: 0 }), RangeError);
});
