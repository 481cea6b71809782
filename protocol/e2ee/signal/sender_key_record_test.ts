import assert from "node:assert/strict";
import { isProtocolError } from "../../errors.ts";
import { seededRng } from "../../_testing/seeded_rng.ts";
import { deserializeSenderKeyRecord, type SenderKeyRecord, serializeSenderKeyRecord } from "./sender_key_record.ts";

const rng = seededRng("sender_key_record_test");
const bytes = (n: number) => rng.fill(new Uint8Array(n));
const stateInvalid = (e: unknown) => isProtocolError(e, "SENDER_KEY_STATE_INVALID");

function sample(): SenderKeyRecord {
  return {
    format: 1,
    distributionId: bytes(16),
    states: [
      {
        version: 3,
        chainId: 0x7fffffff,
        iteration: 10,
        chainKey: bytes(32),
        signingPublic: bytes(32),
        signingPrivate: bytes(32),
        skipped: [],
      },
      {
        version: 3,
        chainId: 5,
        iteration: 0xffffffff,
        chainKey: bytes(32),
        signingPublic: bytes(32),
        skipped: [{ iteration: 3, seed: bytes(32) }, { iteration: 9, seed: bytes(32) }],
      },
    ],
  };
}

Deno.test("serializeSenderKeyRecord() round trips private and public states with skipped keys", () => {
  const record = sample();
  const wire = serializeSenderKeyRecord(record);
  assert.equal(wire[0], 1);
  assert.deepEqual(deserializeSenderKeyRecord(wire), record);
});

Deno.test("deserializeSenderKeyRecord() refuses every truncation, trailing bytes and an unknown format", () => {
  const wire = serializeSenderKeyRecord(sample());
  for (let n = 0; n < wire.length; n++) {
    assert.throws(() => deserializeSenderKeyRecord(wire.subarray(0, n)), stateInvalid, `length ${n}`);
  }
  assert.throws(() => deserializeSenderKeyRecord(Uint8Array.of(...wire, 0)), stateInvalid);
  const format = wire.slice();
  format[0] = 2;
  assert.throws(() => deserializeSenderKeyRecord(format), stateInvalid);
});

Deno.test("deserializeSenderKeyRecord() refuses skipped iterations out of order or not behind the chain", () => {
  const r = sample();
  const unordered: SenderKeyRecord = {
    ...r,
    states: [{ ...r.states[1], skipped: [r.states[1].skipped[1], r.states[1].skipped[0]] }],
  };
  assert.throws(() => deserializeSenderKeyRecord(serializeSenderKeyRecord(unordered)), stateInvalid);
  const ahead: SenderKeyRecord = { ...r, states: [{ ...r.states[1], iteration: 9 }] };
  assert.throws(() => deserializeSenderKeyRecord(serializeSenderKeyRecord(ahead)), stateInvalid);
});

Deno.test("serializeSenderKeyRecord() refuses more than 5 states and wrong key lengths", () => {
  const r = sample();
  assert.throws(() => serializeSenderKeyRecord({ ...r, states: Array(6).fill(r.states[0]) }), RangeError);
  assert.throws(
    () => serializeSenderKeyRecord({ ...r, states: [{ ...r.states[0], chainKey: new Uint8Array(31) }] }),
    RangeError,
  );
});
