import assert from "node:assert/strict";
import {
  buildOnionRequest,
  decryptOnionReply,
  encodeLayer,
  encodeV4Request,
  encodeV4Response,
  type EncType,
  isProtocolError,
  peelOnionLayer,
  type ProtocolErrorCode,
  sealReply,
  toHex,
  utf8,
} from "../../mod.ts";
import { nextRng, provider, SELF, text } from "../_testing/fixtures.ts";
import { openServerLayer } from "./server_layer.ts";

const SECRET = new Uint8Array(32).fill(9);
const SERVER = { x25519Secret: SECRET, x25519Public: await provider.x25519PublicKey(SECRET) };

async function forwardBodyFor(payload: Uint8Array, encType: EncType) {
  const { body, reply } = await buildOnionRequest({
    path: [SELF.node],
    destination: { host: "service.example", target: "/oxen/v4/lsrpc", x25519: toHex(SERVER.x25519Public) },
    payload,
    encType,
    provider,
    rng: nextRng(),
  });
  const exit = await peelOnionLayer(body, SELF.keys, { provider });
  if (exit.kind !== "server") throw new Error("expected a server layer");
  return { forwardBody: exit.forwardBody, reply };
}

async function codeOf(body: Uint8Array): Promise<ProtocolErrorCode | "none"> {
  try {
    (await openServerLayer(body, SERVER, { provider })).reply.key.wipe();
    return "none";
  } catch (e) {
    assert.ok(isProtocolError(e), String(e));
    return e.code;
  }
}

Deno.test("openServerLayer() opens the server's layer for both ciphers and its reply key is the client's", async () => {
  for (const encType of ["aes-gcm", "xchacha20"] as const) {
    const payload = encodeV4Request({ method: "GET", endpoint: "/hello" });
    const { forwardBody, reply } = await forwardBodyFor(payload, encType);
    const opened = await openServerLayer(forwardBody, SERVER, { provider });
    assert.deepEqual(opened.plaintext, payload);
    assert.deepEqual([opened.reply.encType, opened.reply.base64], [encType, false]);
    const answer = encodeV4Response({ status: 201, headers: {}, body: utf8("made") });
    const decrypted = await decryptOnionReply(reply, await sealReply(opened.reply, answer, { provider }), { provider });
    assert.deepEqual([decrypted.status, text(decrypted.body)], [201, "made"]);
    opened.reply.key.wipe();
  }
});

Deno.test("openServerLayer() maps every decryption failure to ONION_AUTH_FAILED and bad framing to its parse code", async () => {
  const { forwardBody } = await forwardBodyFor(utf8("x"), "xchacha20");
  const flipped = forwardBody.slice();
  flipped[4 + 30] ^= 0x80; // in the blob
  assert.equal(await codeOf(flipped), "ONION_AUTH_FAILED");
  const trailer = (key: string, enc = "xchacha20") => `{"ephemeral_key":"${key}","enc_type":"${enc}"}`;
  assert.equal(await codeOf(encodeLayer(new Uint8Array(64), trailer("00".repeat(32)))), "ONION_AUTH_FAILED");
  assert.equal(await codeOf(encodeLayer(new Uint8Array(64), trailer("ff".repeat(31) + "7f"))), "ONION_AUTH_FAILED");
  assert.equal(await codeOf(encodeLayer(new Uint8Array(27), trailer("11".repeat(32), "aes-gcm"))), "ONION_AUTH_FAILED");
  assert.equal(await codeOf(new Uint8Array(2)), "ONION_FRAMING");
  assert.equal(await codeOf(encodeLayer(new Uint8Array(64), "[]")), "ONION_TRAILER");
  assert.equal(await codeOf(encodeLayer(new Uint8Array(64), trailer("11".repeat(31)))), "ONION_KEY");
  assert.equal(await codeOf(encodeLayer(new Uint8Array(64), trailer("11".repeat(32), "cbc"))), "ONION_ENC_TYPE");
});

Deno.test("openServerLayer() rejects malformed server keys", async () => {
  await assert.rejects(
    openServerLayer(new Uint8Array(8), { x25519Secret: new Uint8Array(8), x25519Public: SERVER.x25519Public }, {
      provider,
    }),
    RangeError,
  );
  await assert.rejects(openServerLayer("x" as unknown as Uint8Array, SERVER, { provider }), TypeError);
});
