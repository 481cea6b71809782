import assert from "node:assert/strict";
import { create, toBinary } from "@bufbuild/protobuf";
import { isProtocolError } from "../../errors.ts";
import { ContentSchema, DataMessage_QuoteSchema, EnvelopeSchema } from "../gen/session_protos_pb.ts";
import { decodeProto, encodeProto } from "./protobuf.ts";

const invalid = (e: unknown) => isProtocolError(e, "MESSAGE_INVALID");

Deno.test("decodeProto() refuses malformed wire data", () => {
  assert.throws(() => decodeProto(ContentSchema, new Uint8Array([0xff, 0xff, 0xff]), "test"), invalid);
  assert.throws(() => decodeProto(ContentSchema, new Uint8Array([0x0a, 0x05, 0x01]), "test"), invalid);
});

Deno.test("decodeProto() refuses a missing required field at any depth, as libsession's ParseFromArray does", () => {
  // Envelope without its required type and timestamp.
  assert.throws(() => decodeProto(EnvelopeSchema, new Uint8Array([0x42, 0x01, 0x00]), "test"), invalid);
  // Content.typingMessage (6) = TypingMessage{timestamp = 1} without the required action.
  assert.throws(() => decodeProto(ContentSchema, new Uint8Array([0x32, 0x02, 0x08, 0x01]), "test"), invalid);
  // ...and with it, accepted.
  const ok = decodeProto(ContentSchema, new Uint8Array([0x32, 0x04, 0x08, 0x01, 0x10, 0x01]), "test");
  assert.equal(ok.typingMessage?.timestamp, 1n);
});

Deno.test("decodeProto() keeps unknown fields, so a re-encoded message loses nothing", () => {
  const bytes = new Uint8Array([0xf8, 0x07, 0x05]); // field 127, varint 5: not in Content
  const content = decodeProto(ContentSchema, bytes, "test");
  assert.deepEqual(toBinary(ContentSchema, content), bytes);
});

Deno.test("encodeProto() refuses a message with an unset required field", () => {
  const content = create(ContentSchema, { dataMessage: { quote: create(DataMessage_QuoteSchema, { text: "x" }) } });
  assert.throws(() => encodeProto(ContentSchema, content, "test"), TypeError);
  assert.equal(encodeProto(ContentSchema, create(ContentSchema), "test").length, 0);
});
