import assert from "node:assert/strict";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ed25519 } from "@noble/curves/ed25519.js";
import { toHex } from "../../bytes.ts";
import { isProtocolError } from "../../errors.ts";
import { nobleProvider as provider } from "../../crypto/noble.ts";
import { seededRng } from "../../_testing/seeded_rng.ts";
import { Envelope_Type, EnvelopeSchema } from "../gen/session_protos_pb.ts";
import { WebSocketMessage_Type, WebSocketMessageSchema } from "../gen/session_websocket_pb.ts";
import {
  buildEnvelope,
  parseEnvelope,
  uint64Timestamp,
  unwrapWebSocketMessage,
  wrapWebSocketMessage,
} from "./envelope.ts";

const invalid = (e: unknown) => isProtocolError(e, "MESSAGE_INVALID");
const envelopeBytes = (init: Parameters<typeof create<typeof EnvelopeSchema>>[1]) =>
  toBinary(EnvelopeSchema, create(EnvelopeSchema, init));

Deno.test("buildEnvelope() sets type, sourceDevice 1, timestamp, content and a decoy proSig", async () => {
  const bytes = await buildEnvelope(Envelope_Type.SESSION_MESSAGE, new Uint8Array([1, 2]), {
    timestampMs: 1_700_000_000_123n,
    rng: seededRng("decoy"),
    provider,
  });
  const env = fromBinary(EnvelopeSchema, bytes);
  assert.equal(env.type, Envelope_Type.SESSION_MESSAGE);
  assert.equal(env.sourceDevice, 1);
  assert.equal(env.timestamp, 1_700_000_000_123n);
  assert.deepEqual(env.content, new Uint8Array([1, 2]));
  assert.equal(env.proSig.length, 64);
  const r = ed25519.Point.fromBytes(env.proSig.subarray(0, 32), false);
  assert.ok(r.isTorsionFree() && !r.isSmallOrder(), "R is a prime-order point like a real signature's");
  // Field order on the wire is by number, as libsession's C++ serializer writes it: 1, 5, 7, 8, 11.
  assert.equal(toHex(bytes.subarray(0, 2)), "0806");
  assert.equal(bytes[2], 0x28);
});

Deno.test("buildEnvelope() with a Pro rotating key signs the content with it", async () => {
  const pro = new Uint8Array(32).fill(5);
  const content = new Uint8Array([9, 8, 7]);
  const bytes = await buildEnvelope(Envelope_Type.CLOSED_GROUP_MESSAGE, content, {
    timestampMs: 1,
    proRotatingSecret: pro,
    provider,
  });
  const { info } = parseEnvelope(bytes, "test");
  assert.equal(info.type, Envelope_Type.CLOSED_GROUP_MESSAGE);
  assert.ok(ed25519.verify(info.proSig!, content, ed25519.getPublicKey(pro)));
});

Deno.test("parseEnvelope() accepts an absent, empty or 66-hex source and a missing proSig (old clients)", () => {
  const base = { type: Envelope_Type.SESSION_MESSAGE, timestamp: 5n, content: new Uint8Array([1]) };
  assert.equal(parseEnvelope(envelopeBytes(base), "t").info.source, undefined);
  assert.equal(parseEnvelope(envelopeBytes({ ...base, source: "" }), "t").info.source, undefined);
  const source = "05" + "AB".repeat(32);
  const { info } = parseEnvelope(envelopeBytes({ ...base, source, serverTimestamp: 9n, sourceDevice: 1 }), "t");
  assert.equal(info.source, source.toLowerCase());
  assert.equal(info.serverTimestampMs, 9n);
  assert.equal(info.sourceDevice, 1);
  assert.equal(info.proSig, undefined);
});

Deno.test("parseEnvelope() refuses a bad source, a proSig that is not 64 bytes, no content, no timestamp", () => {
  const base = { type: Envelope_Type.SESSION_MESSAGE, timestamp: 5n, content: new Uint8Array([1]) };
  assert.throws(() => parseEnvelope(envelopeBytes({ ...base, source: "05ab" }), "t"), invalid);
  assert.throws(() => parseEnvelope(envelopeBytes({ ...base, source: "zz".repeat(33) }), "t"), invalid);
  assert.throws(() => parseEnvelope(envelopeBytes({ ...base, proSig: new Uint8Array(63) }), "t"), invalid);
  assert.throws(
    () => parseEnvelope(envelopeBytes({ type: Envelope_Type.SESSION_MESSAGE, timestamp: 5n }), "t"),
    invalid,
  );
  assert.throws(() => parseEnvelope(new Uint8Array([0x08, 0x06, 0x42, 0x01, 0x01]), "t"), invalid);
});

Deno.test("wrapWebSocketMessage() writes REQUEST with an explicit empty verb and path and requestId 0", () => {
  const wire = wrapWebSocketMessage(new Uint8Array([0xaa]));
  // type=1 | request{ verb="" path="" body=aa requestId=0 }
  assert.equal(toHex(wire), "0801" + "1209" + "0a00" + "1200" + "1a01aa" + "2000");
  const msg = fromBinary(WebSocketMessageSchema, wire);
  assert.equal(msg.type, WebSocketMessage_Type.REQUEST);
  assert.deepEqual(unwrapWebSocketMessage(wire, "t"), new Uint8Array([0xaa]));
});

Deno.test("unwrapWebSocketMessage() refuses a message without request or body, and garbage", () => {
  assert.throws(() => unwrapWebSocketMessage(new Uint8Array([0x08, 0x01]), "t"), invalid);
  assert.throws(() => unwrapWebSocketMessage(new Uint8Array([0x08, 0x01, 0x12, 0x02, 0x0a, 0x00]), "t"), invalid);
  assert.throws(() => unwrapWebSocketMessage(new Uint8Array([0x12, 0x09]), "t"), invalid);
});

Deno.test("uint64Timestamp() takes safe integers and uint64 bigints only", () => {
  assert.equal(uint64Timestamp(0, "t"), 0n);
  assert.equal(uint64Timestamp((1n << 64n) - 1n, "t"), (1n << 64n) - 1n);
  assert.throws(() => uint64Timestamp(-1, "t"), RangeError);
  assert.throws(() => uint64Timestamp(1.5, "t"), RangeError);
  assert.throws(() => uint64Timestamp(1n << 64n, "t"), RangeError);
  assert.throws(() => uint64Timestamp("1" as never, "t"), TypeError);
});
