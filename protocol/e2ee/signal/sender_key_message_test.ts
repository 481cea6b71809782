import assert from "node:assert/strict";
import { fromHex, toHex } from "../../bytes.ts";
import { isProtocolError } from "../../errors.ts";
import { seededRng } from "../../_testing/seeded_rng.ts";
import { HAVE_VECTORS, loadVectors, SKIP_REASON } from "../../_testing/vectors.ts";
import { xeddsaVerify } from "../../crypto/xeddsa.ts";
import {
  distributionIdFromUuid,
  distributionIdToUuid,
  encodeSenderKeyDistributionMessage,
  encodeSenderKeyMessage,
  parseSenderKeyDistributionMessage,
  parseSenderKeyMessage,
} from "./sender_key_message.ts";

const rng = seededRng("sender_key_message_test");
const invalid = (e: unknown) => isProtocolError(e, "SENDER_KEY_MESSAGE_INVALID");

Deno.test({
  name: `parseSenderKeyDistributionMessage() reads libsignal's message and encode reproduces it byte for byte${
    HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
  }`,
  ignore: !HAVE_VECTORS,
  fn: () => {
    const v = loadVectors("e2ee/sender_keys_libsignal.json");
    const bytes = fromHex(v.distribution_message_hex);
    const d = parseSenderKeyDistributionMessage(bytes);
    assert.equal(d.version, 3);
    assert.equal(distributionIdToUuid(d.distributionId), v.distribution_id);
    assert.equal(d.chainId, v.chain_id);
    assert.equal(d.iteration, v.iteration);
    assert.equal(toHex(d.chainKey), v.chain_key_hex);
    assert.equal(toHex(encodeSenderKeyDistributionMessage(d)), v.distribution_message_hex);
    for (const [i, m] of v.messages.entries()) {
      const p = parseSenderKeyMessage(fromHex(m.wire_hex));
      assert.equal(p.iteration, i);
      assert.equal(p.chainId, v.chain_id);
      assert.ok(xeddsaVerify(d.signingKey, p.signed, p.signature));
    }
  },
});

Deno.test("encodeSenderKeyMessage() output parses back and its signature covers version ‖ protobuf", () => {
  const secret = rng.fill(new Uint8Array(32));
  const fields = {
    distributionId: rng.fill(new Uint8Array(16)),
    chainId: 0,
    iteration: 0,
    ciphertext: new Uint8Array(0),
  };
  const wire = encodeSenderKeyMessage(fields, secret, { rng });
  assert.equal(wire[0], 0x33);
  const p = parseSenderKeyMessage(wire);
  assert.deepEqual(p.distributionId, fields.distributionId);
  assert.equal(p.chainId, 0);
  assert.equal(p.iteration, 0);
  assert.deepEqual(p.ciphertext, new Uint8Array(0));
  assert.deepEqual(p.signed, wire.subarray(0, wire.length - 64));
});

Deno.test("parseSenderKeyDistributionMessage() refuses missing fields, bad sizes, bad key type and garbage", () => {
  const good = {
    distributionId: new Uint8Array(16),
    chainId: 1,
    iteration: 2,
    chainKey: new Uint8Array(32),
    signingKey: new Uint8Array(32).fill(9),
  };
  const wire = encodeSenderKeyDistributionMessage(good);
  assert.throws(() => parseSenderKeyDistributionMessage(new Uint8Array(0)), invalid);
  assert.throws(() => parseSenderKeyDistributionMessage(Uint8Array.of(0x33)), invalid); // every field missing
  assert.throws(() => parseSenderKeyDistributionMessage(Uint8Array.of(0x33, 0xff, 0xff)), invalid);
  assert.throws(() => parseSenderKeyDistributionMessage(wire.subarray(0, wire.length - 1)), invalid);
  const badType = wire.slice();
  badType[wire.length - 33] = 0x06;
  assert.throws(() => parseSenderKeyDistributionMessage(badType), invalid);
  const v2 = wire.slice();
  v2[0] = 0x23;
  assert.throws(() => parseSenderKeyDistributionMessage(v2), invalid);
  // The low nibble is not checked (libsignal writes 3, older code may differ).
  const low = wire.slice();
  low[0] = 0x3f;
  assert.equal(parseSenderKeyDistributionMessage(low).chainId, 1);
  assert.throws(() => encodeSenderKeyDistributionMessage({ ...good, chainKey: new Uint8Array(31) }), RangeError);
  assert.throws(() => encodeSenderKeyDistributionMessage({ ...good, chainId: 2 ** 32 }), RangeError);
});

Deno.test("parseSenderKeyMessage() refuses a missing ciphertext and a short distribution id", () => {
  const secret = rng.fill(new Uint8Array(32));
  // Field 1 (distribution id) of 15 bytes, then 2, 3, 4.
  const body = Uint8Array.of(0x0a, 15, ...new Uint8Array(15), 0x10, 1, 0x18, 0, 0x22, 0);
  assert.throws(() => parseSenderKeyMessage(Uint8Array.of(0x33, ...body, ...new Uint8Array(64))), invalid);
  const noCiphertext = Uint8Array.of(0x0a, 16, ...new Uint8Array(16), 0x10, 1, 0x18, 0);
  assert.throws(() => parseSenderKeyMessage(Uint8Array.of(0x33, ...noCiphertext, ...new Uint8Array(64))), invalid);
  const ok = encodeSenderKeyMessage(
    { distributionId: new Uint8Array(16), chainId: 1, iteration: 0, ciphertext: new Uint8Array(16) },
    secret,
    { rng },
  );
  assert.equal(parseSenderKeyMessage(ok).ciphertext.length, 16);
});

Deno.test("distributionIdFromUuid() refuses text that is not a UUID", () => {
  assert.throws(() => distributionIdFromUuid("d1b2c3d4-0000-4000-8000-00000000bee"), SyntaxError);
  assert.deepEqual(distributionIdFromUuid("D1B2C3D4-0000-4000-8000-00000000BEEF")[0], 0xd1);
});
