import assert from "node:assert/strict";
import fc from "fast-check";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ed25519 } from "@noble/curves/ed25519.js";
import { isProtocolError } from "../../errors.ts";
import { nobleProvider as provider } from "../../crypto/noble.ts";
import { identityFromSeed } from "../../identity.ts";
import { seededRng } from "../../_testing/seeded_rng.ts";
import { ContentSchema, Envelope_Type, EnvelopeSchema } from "../gen/session_protos_pb.ts";
import { WebSocketMessageSchema } from "../gen/session_websocket_pb.ts";
import { encryptForRecipient } from "./encrypt_for_recipient.ts";
import { buildEnvelope, unwrapWebSocketMessage, wrapWebSocketMessage } from "./envelope.ts";
import { padMessage } from "./padding.ts";
import {
  decodeGroupMessage,
  decodeSessionMessage,
  encodeGroupMessage,
  encodeSessionMessage,
} from "./session_message.ts";
import { loadZstd } from "./zstd.ts";

const alice = await identityFromSeed(new Uint8Array(32).fill(1), { provider });
const bob = await identityFromSeed(new Uint8Array(32).fill(2), { provider });
const carol = await identityFromSeed(new Uint8Array(32).fill(3), { provider });
const code = (c: string) => (e: unknown) => isProtocolError(e) && e.code === c;

function hello(body: string) {
  return create(ContentSchema, { dataMessage: { body, timestamp: 7n }, sigTimestamp: 7n });
}

/** Rebuild a stored message with its Envelope changed by `edit`. */
function editEnvelope(wire: Uint8Array, edit: (env: ReturnType<typeof fromBinary<typeof EnvelopeSchema>>) => void) {
  const env = fromBinary(EnvelopeSchema, unwrapWebSocketMessage(wire, "test"));
  edit(env);
  return wrapWebSocketMessage(toBinary(EnvelopeSchema, env));
}

Deno.test("encodeSessionMessage() → decodeSessionMessage() returns the Content, sender and Envelope fields", async () => {
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 300 }), fc.nat(), async (body, ts) => {
      const wire = await encodeSessionMessage(hello(body), alice.ed25519Seed, {
        recipient: bob.sessionId,
        timestampMs: ts,
        rng: seededRng(body),
        provider,
      });
      const got = await decodeSessionMessage(wire, bob.ed25519Seed, { expectedSender: alice.sessionId, provider });
      assert.equal(got.content.dataMessage?.body, body);
      assert.deepEqual(got.contentBytes, toBinary(ContentSchema, hello(body)));
      assert.equal(got.senderSessionId, alice.sessionId);
      assert.deepEqual(got.senderEd25519, alice.ed25519Public);
      assert.equal(got.envelope.type, Envelope_Type.SESSION_MESSAGE);
      assert.equal(got.envelope.timestampMs, BigInt(ts));
      assert.equal(got.envelope.sourceDevice, 1);
      assert.equal(got.envelope.proSig?.length, 64);
      assert.equal(got.keyIndex, 0);
    }),
    { numRuns: 30 },
  );
});

Deno.test("encodeSessionMessage() pads the Content to 160 bytes before sealing: ciphertext is 160k + 144", async () => {
  for (const body of ["", "x".repeat(150), "y".repeat(400)]) {
    const wire = await encodeSessionMessage(hello(body), alice.ed25519Seed, {
      recipient: bob.sessionId,
      timestampMs: 1,
      provider,
    });
    const env = fromBinary(EnvelopeSchema, unwrapWebSocketMessage(wire, "t"));
    assert.equal((env.content.length - 144) % 160, 0);
    assert.equal(env.content.length - 144, padMessage(toBinary(ContentSchema, hello(body))).length);
  }
});

Deno.test("encodeSessionMessage() signs the sealed content with a Pro rotating key when given one", async () => {
  const pro = new Uint8Array(32).fill(8);
  const wire = await encodeSessionMessage(hello("pro"), alice.ed25519Seed, {
    recipient: bob.sessionId,
    timestampMs: 1,
    proRotatingSecret: pro,
    provider,
  });
  const env = fromBinary(EnvelopeSchema, unwrapWebSocketMessage(wire, "t"));
  assert.ok(ed25519.verify(env.proSig, env.content, ed25519.getPublicKey(pro)));
});

Deno.test("decodeSessionMessage() tries each key in order and reports which one opened it", async () => {
  const wire = await encodeSessionMessage(hello("k"), alice.ed25519Seed, {
    recipient: bob.sessionId,
    timestampMs: 1,
    provider,
  });
  const got = await decodeSessionMessage(wire, [carol.ed25519Seed, bob.ed25519Seed], { provider });
  assert.equal(got.keyIndex, 1);
  await assert.rejects(
    decodeSessionMessage(wire, [carol.ed25519Seed, alice.ed25519Seed], { provider }),
    code("DECRYPT_FAILED"),
  );
  await assert.rejects(decodeSessionMessage(wire, [], { provider }), TypeError);
});

Deno.test("decodeSessionMessage() refuses a sender other than the conversation's (SENDER_MISMATCH)", async () => {
  const wire = await encodeSessionMessage(hello("m"), carol.ed25519Seed, {
    recipient: bob.sessionId,
    timestampMs: 1,
    provider,
  });
  await assert.rejects(
    decodeSessionMessage(wire, bob.ed25519Seed, { expectedSender: alice.sessionId, provider }),
    code("SENDER_MISMATCH"),
  );
  const ok = await decodeSessionMessage(wire, bob.ed25519Seed, {
    expectedSender: carol.sessionId.toUpperCase(),
    provider,
  });
  assert.equal(ok.senderSessionId, carol.sessionId);
});

Deno.test("decodeSessionMessage() refuses any single bit flip of the sealed content", async () => {
  const wire = await encodeSessionMessage(hello("tamper"), alice.ed25519Seed, {
    recipient: bob.sessionId,
    timestampMs: 1,
    provider,
  });
  const length = fromBinary(EnvelopeSchema, unwrapWebSocketMessage(wire, "t")).content.length;
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: length * 8 - 1 }), async (bit) => {
      const tampered = editEnvelope(wire, (env) => {
        env.content[bit >> 3] ^= 1 << (bit & 7);
      });
      await assert.rejects(
        decodeSessionMessage(tampered, bob.ed25519Seed, { provider }),
        (e) => code("DECRYPT_FAILED")(e) || code("KEY_AGREEMENT_FAILED")(e),
      );
    }),
    { numRuns: 150 },
  );
});

Deno.test("decodeSessionMessage() only ever throws ProtocolError for arbitrary bytes", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
      await assert.rejects(decodeSessionMessage(bytes, bob.ed25519Seed, { provider }), (e) => isProtocolError(e));
    }),
    { numRuns: 200 },
  );
});

Deno.test("decodeSessionMessage() only ever throws ProtocolError for arbitrary Envelopes and sealed contents", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), async (body, content) => {
      await assert.rejects(
        decodeSessionMessage(wrapWebSocketMessage(body), bob.ed25519Seed, { provider }),
        (e) => isProtocolError(e),
      );
      const envelope = toBinary(
        EnvelopeSchema,
        create(EnvelopeSchema, { type: Envelope_Type.SESSION_MESSAGE, timestamp: 1n, content }),
      );
      await assert.rejects(
        decodeSessionMessage(wrapWebSocketMessage(envelope), bob.ed25519Seed, { provider }),
        (e) => isProtocolError(e),
      );
    }),
    { numRuns: 150 },
  );
});

Deno.test("decodeSessionMessage() accepts unpadded Content from old clients and an Envelope without proSig", async () => {
  const content = toBinary(ContentSchema, hello("old client"));
  const sealed = await encryptForRecipient(content, alice.ed25519Seed, { recipient: bob.sessionId, provider });
  const wire = wrapWebSocketMessage(toBinary(
    EnvelopeSchema,
    create(EnvelopeSchema, {
      type: Envelope_Type.SESSION_MESSAGE,
      timestamp: 3n,
      content: sealed,
      source: "",
    }),
  ));
  const got = await decodeSessionMessage(wire, bob.ed25519Seed, { provider });
  assert.equal(got.content.dataMessage?.body, "old client");
  assert.equal(got.envelope.proSig, undefined);
});

Deno.test("decodeSessionMessage() refuses a decrypted Content that lacks a required field", async () => {
  // Content.typingMessage = TypingMessage{timestamp = 1} without its required action (test fixture bytes).
  const padded = padMessage(new Uint8Array([0x32, 0x02, 0x08, 0x01]));
  const sealed = await encryptForRecipient(padded, alice.ed25519Seed, { recipient: bob.sessionId, provider });
  const wire = wrapWebSocketMessage(
    await buildEnvelope(Envelope_Type.SESSION_MESSAGE, sealed, { timestampMs: 1, provider }),
  );
  await assert.rejects(decodeSessionMessage(wire, bob.ed25519Seed, { provider }), code("MESSAGE_INVALID"));
});

Deno.test("encodeSessionMessage() takes serialized Content too and refuses non-Content input", async () => {
  const bytes = toBinary(ContentSchema, hello("bytes"));
  const wire = await encodeSessionMessage(bytes, alice.ed25519Seed, {
    recipient: bob.sessionId,
    timestampMs: 1,
    provider,
  });
  assert.equal((await decodeSessionMessage(wire, bob.ed25519Seed, { provider })).content.dataMessage?.body, "bytes");
  await assert.rejects(
    encodeSessionMessage({} as never, alice.ed25519Seed, { recipient: bob.sessionId, timestampMs: 1, provider }),
    TypeError,
  );
  await assert.rejects(
    encodeSessionMessage(bytes, alice.ed25519Seed, { recipient: bob.sessionId, timestampMs: -1, provider }),
    RangeError,
  );
  assert.equal(fromBinary(WebSocketMessageSchema, wire).request?.verb, "");
});

Deno.test("encodeGroupMessage() → decodeGroupMessage() returns Content, sender and the authenticated timestamp", async () => {
  const group = ed25519.getPublicKey(new Uint8Array(32).fill(9));
  const keys = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)];
  const zstd = await loadZstd();
  for (const codec of zstd === undefined ? [undefined] : [undefined, zstd]) {
    const ct = await encodeGroupMessage(hello("g".repeat(500)), alice.ed25519Seed, {
      group,
      encryptionKey: keys[1],
      timestampMs: 42,
      zstd: codec,
      provider,
    });
    assert.equal(ct.length % 256, 0);
    const got = await decodeGroupMessage(ct, keys, { group, provider });
    assert.equal(got.content.dataMessage?.body, "g".repeat(500));
    assert.equal(got.senderSessionId, alice.sessionId);
    assert.equal(got.envelope.type, Envelope_Type.CLOSED_GROUP_MESSAGE);
    assert.equal(got.envelope.timestampMs, 42n);
    assert.equal(got.envelope.proSig?.length, 64);
    assert.equal(got.keyIndex, 1);
  }
});
