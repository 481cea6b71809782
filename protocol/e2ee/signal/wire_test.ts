import assert from "node:assert/strict";
import { create, toBinary } from "@bufbuild/protobuf";
import { concat, fromHex, toHex } from "../../bytes.ts";
import { djbPublicKey } from "../../crypto/xeddsa.ts";
import { isProtocolError } from "../../errors.ts";
import { HAVE_VECTORS, loadVectors, SKIP_REASON } from "../../_testing/vectors.ts";
import { PreKeySignalMessageSchema, SignalMessageSchema } from "../gen/whisper_text_protocol_pb.ts";
import {
  decodePreKeySignalMessage,
  decodeSignalMessage,
  encodePreKeySignalMessage,
  encodeSignalMessage,
  signalMessageMac,
  verifySignalMessageMac,
} from "./wire.ts";

const k = (n: number) => new Uint8Array(32).fill(n);
const ctx = { macKey: k(1), senderIdentityKey: k(2), receiverIdentityKey: k(3) };
const fields = { versionByte: 0x33, ratchetKey: k(4), counter: 7, previousCounter: 3, ciphertext: new Uint8Array(32) };

Deno.test({
  name: `decodePreKeySignalMessage() parses libsignal 0.65.4's messages (version byte 0x34)${
    HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
  }`,
  ignore: !HAVE_VECTORS,
  fn: () => {
    const v = loadVectors("e2ee/x3dh_dr_libsignal.json");
    v.messages_alice_to_bob.forEach((m: { wire_hex: string }, i: number) => {
      const p = decodePreKeySignalMessage(fromHex(m.wire_hex));
      assert.equal(p.versionByte, 0x34);
      assert.equal(p.registrationId, v.alice.registration_id);
      assert.equal(p.preKeyId, v.bob.one_time_prekey_id);
      assert.equal(p.signedPreKeyId, v.bob.signed_prekey_id);
      assert.equal("05" + toHex(p.identityKey), v.alice.identity_public_hex);
      assert.equal(p.signalMessage.counter, i);
      assert.equal(p.signalMessage.versionByte, 0x34);
    });
  },
});

Deno.test("encodeSignalMessage() frames version ‖ protobuf ‖ 8-byte MAC over IK_sender ‖ IK_receiver ‖ version ‖ protobuf", async () => {
  const wire = await encodeSignalMessage(fields, ctx);
  assert.equal(wire[0], 0x33);
  const p = decodeSignalMessage(wire);
  assert.deepEqual(
    { v: p.versionByte, r: toHex(p.ratchetKey), c: p.counter, pc: p.previousCounter, ct: toHex(p.ciphertext) },
    { v: 0x33, r: toHex(k(4)), c: 7, pc: 3, ct: toHex(new Uint8Array(32)) },
  );
  assert.equal(toHex(p.macInput), toHex(wire.subarray(0, wire.length - 8)));
  const expected = await signalMessageMac(p.macInput, ctx);
  assert.equal(toHex(p.mac), toHex(expected));
  assert.ok(await verifySignalMessageMac(p, ctx));
  assert.ok(!(await verifySignalMessageMac(p, { ...ctx, senderIdentityKey: k(3), receiverIdentityKey: k(2) })));
});

Deno.test("signalMessageMac() is HMAC-SHA256 truncated to 8 bytes over the 33-byte encoded identities", async () => {
  const { nobleProvider } = await import("../../crypto/noble.ts");
  const input = new Uint8Array([0x34, 1, 2]);
  const full = await nobleProvider.hmacSha256(ctx.macKey, concat(djbPublicKey(k(2)), djbPublicKey(k(3)), input));
  assert.equal(toHex(await signalMessageMac(input, ctx)), toHex(full.slice(0, 8)));
});

Deno.test("decodeSignalMessage() checks only the high nibble: 0x33 and 0x34 parse, 0x23 and 0x44 do not", async () => {
  for (const versionByte of [0x33, 0x34]) {
    assert.equal(
      decodeSignalMessage(await encodeSignalMessage({ ...fields, versionByte }, ctx)).versionByte,
      versionByte,
    );
  }
  const wire = await encodeSignalMessage(fields, ctx);
  for (const bad of [0x23, 0x44]) {
    const tampered = wire.slice();
    tampered[0] = bad;
    assert.throws(() => decodeSignalMessage(tampered), (e) => isProtocolError(e, "SIGNAL_VERSION_UNSUPPORTED"));
  }
  // Low nibble 5..15 still parses (libsignal reads only the high nibble); the MAC then decides.
  const odd = wire.slice();
  odd[0] = 0x3f;
  assert.equal(decodeSignalMessage(odd).versionByte, 0x3f);
  assert.ok(!(await verifySignalMessageMac(decodeSignalMessage(odd), ctx)), "the MAC covers the version byte");
});

Deno.test("decodeSignalMessage() accepts fields in any order (protobuf rules)", async () => {
  const head = toBinary(SignalMessageSchema, create(SignalMessageSchema, { ciphertext: new Uint8Array(16) }));
  const tail = toBinary(
    SignalMessageSchema,
    create(SignalMessageSchema, { previousCounter: 1, counter: 9, ratchetKey: djbPublicKey(k(4)) }),
  );
  const macInput = concat(new Uint8Array([0x33]), head, tail);
  const wire = concat(macInput, await signalMessageMac(macInput, ctx));
  const p = decodeSignalMessage(wire);
  assert.equal(p.counter, 9);
  assert.equal(p.ciphertext.length, 16);
  assert.ok(await verifySignalMessageMac(p, ctx));
});

Deno.test("decodeSignalMessage() rejects truncated input, bad protobuf, missing fields and bad keys", () => {
  const code = (e: unknown) => isProtocolError(e, "SIGNAL_MESSAGE_INVALID");
  assert.throws(() => decodeSignalMessage(new Uint8Array(0)), code);
  assert.throws(() => decodeSignalMessage(new Uint8Array([0x33, 1, 2, 3])), code);
  assert.throws(() => decodeSignalMessage(concat(new Uint8Array([0x33, 0xff, 0xff]), new Uint8Array(8))), code);
  const noCounter = toBinary(
    SignalMessageSchema,
    create(SignalMessageSchema, { ratchetKey: djbPublicKey(k(4)), ciphertext: new Uint8Array(16) }),
  );
  assert.throws(() => decodeSignalMessage(concat(new Uint8Array([0x33]), noCounter, new Uint8Array(8))), code);
  const badKey = toBinary(
    SignalMessageSchema,
    create(SignalMessageSchema, { ratchetKey: k(4), counter: 0, ciphertext: new Uint8Array(16) }),
  );
  assert.throws(() => decodeSignalMessage(concat(new Uint8Array([0x33]), badKey, new Uint8Array(8))), code);
  assert.throws(() => decodeSignalMessage(new Uint8Array(300 * 1024).fill(0x33)), code);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => decodeSignalMessage("33" as any), TypeError);
});

Deno.test("encodePreKeySignalMessage() round-trips with and without a one-time prekey id", async () => {
  const inner = await encodeSignalMessage(fields, ctx);
  for (const preKeyId of [undefined, 0, 31]) {
    const wire = encodePreKeySignalMessage({
      versionByte: 0x33,
      registrationId: 1111,
      ...(preKeyId === undefined ? {} : { preKeyId }),
      signedPreKeyId: 17,
      baseKey: k(5),
      identityKey: k(6),
      message: inner,
    });
    const p = decodePreKeySignalMessage(wire);
    assert.equal(p.preKeyId, preKeyId);
    assert.equal(p.signedPreKeyId, 17);
    assert.equal(p.registrationId, 1111);
    assert.equal(toHex(p.baseKey), toHex(k(5)));
    assert.equal(toHex(p.message), toHex(inner));
  }
  assert.throws(
    () =>
      encodePreKeySignalMessage({
        versionByte: 0x44,
        registrationId: 1,
        signedPreKeyId: 1,
        baseKey: k(5),
        identityKey: k(6),
        message: inner,
      }),
    RangeError,
  );
});

Deno.test("decodePreKeySignalMessage() rejects a missing field or a bad inner message", async () => {
  const inner = await encodeSignalMessage(fields, ctx);
  const full = { registrationId: 1, signedPreKeyId: 2, baseKey: djbPublicKey(k(5)), identityKey: djbPublicKey(k(6)) };
  const noMessage = toBinary(PreKeySignalMessageSchema, create(PreKeySignalMessageSchema, full));
  assert.throws(
    () => decodePreKeySignalMessage(concat(new Uint8Array([0x33]), noMessage)),
    (e) => isProtocolError(e, "SIGNAL_MESSAGE_INVALID"),
  );
  const badInner = toBinary(
    PreKeySignalMessageSchema,
    create(PreKeySignalMessageSchema, { ...full, message: inner.subarray(0, 5) }),
  );
  assert.throws(
    () => decodePreKeySignalMessage(concat(new Uint8Array([0x33]), badInner)),
    (e) => isProtocolError(e, "SIGNAL_MESSAGE_INVALID"),
  );
  const v4Inner = inner.slice();
  v4Inner[0] = 0x44;
  const wrongVersion = toBinary(
    PreKeySignalMessageSchema,
    create(PreKeySignalMessageSchema, { ...full, message: v4Inner }),
  );
  assert.throws(
    () => decodePreKeySignalMessage(concat(new Uint8Array([0x33]), wrongVersion)),
    (e) => isProtocolError(e, "SIGNAL_VERSION_UNSUPPORTED"),
  );
});
