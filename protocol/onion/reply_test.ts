import assert from "node:assert/strict";
import { fromBase64, fromHex, utf8 } from "../bytes.ts";
import { isProtocolError } from "../errors.ts";
import { allProviders } from "../crypto/default.ts";
import { SecretKey } from "../crypto/secret_key.ts";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../_testing/vectors.ts";
import { deriveHopKey } from "./hop.ts";
import { bdecode } from "./bencode.ts";
import { decryptOnionReply, encryptOnionReply, paddedLength, sealReply, wrapFinalReply } from "./reply.ts";
import { decodeV4Request, decodeV4Response } from "./v4.ts";

const FILE = "session/response-parser.json";
const providers = await allProviders();

Deno.test({
  name: `v4 encodings, {body,status} wrapping and client reply decryption match response-parser.json, every provider${
    HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
  }`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const v = loadVectors(FILE);
    let passed = 0, rejected = 0;
    const dec = (b: Uint8Array) => new TextDecoder().decode(b);
    for (const c of v.v4_examples) {
      const bytes = utf8(c.encoded_utf8);
      const parts = (bdecode(bytes) as Uint8Array[]).map(dec);
      assert.deepEqual(parts, c.expect_parts_utf8, c.name);
      if (c.kind === "request") {
        const r = decodeV4Request(bytes);
        assert.equal(
          JSON.stringify({ method: r.method, endpoint: r.endpoint, headers: r.headers }),
          c.expect_parts_utf8[0],
        );
        if (c.expect_parts_utf8[1]) assert.equal(dec(r.body!), c.expect_parts_utf8[1]);
      } else {
        const r = decodeV4Response(bytes);
        assert.equal(r.status, JSON.parse(c.expect_parts_utf8[0]).code);
        assert.equal(dec(r.body), c.expect_parts_utf8[1]);
      }
      passed++;
    }
    for (const c of v.v4_must_fail) {
      assert.throws(() => decodeV4Request(utf8(c.encoded_utf8)), (e) => isProtocolError(e, "BENCODE_INVALID"), c.name);
      rejected++;
    }
    for (const c of v.snode_final_destination_wrapping.cases) {
      const wrapped = wrapFinalReply({
        status: c.status,
        body: JSON.stringify(c.handler_returned_json),
        bodyIsJson: true,
      }, c.inner_json_flag);
      assert.equal(wrapped, c.wrapped_utf8);
      passed++;
    }
    for (const provider of providers) {
      const sizes = v.libsession_reply_sizes;
      for (const [encType, len] of [["aes-gcm", sizes.aes_gcm_len], ["xchacha20", sizes.xchacha20_len]] as const) {
        const ctx = { encType, key: new SecretKey(new Uint8Array(32).fill(3)), json: false, base64: false };
        assert.equal((await sealReply(ctx, utf8(sizes.reply_plaintext_utf8), { provider })).length, len);
        passed++;
      }
      for (const c of v.client_response_decrypt) {
        const key = await deriveHopKey(c.enc_type, {
          ourSecret: fromHex(c.client_ephemeral_x25519_sec),
          ourPublic: fromHex(c.client_ephemeral_x25519_pub),
          theirPublic: fromHex(c.destination_x25519_pub),
          role: "client",
        }, { provider });
        if (c.http_body_base64) {
          const res = await decryptOnionReply({ kind: "node", encType: c.enc_type, key }, c.http_body_base64, {
            provider,
          });
          const expected = JSON.parse(c.expect_plaintext_utf8);
          assert.equal(res.status, expected.status);
          assert.equal(dec(res.body), expected.body);
          // The legacy {"result": "<base64>"} form decodes the same.
          const legacy = await decryptOnionReply(
            { kind: "node", encType: c.enc_type, key },
            JSON.stringify({ result: c.http_body_base64 }),
            { provider },
          );
          assert.equal(dec(legacy.body), expected.body);
          assert.ok(fromBase64(c.http_body_base64).length > 0);
        } else {
          const res = await decryptOnionReply({ kind: "v4", encType: c.enc_type, key }, fromHex(c.http_body), {
            provider,
          });
          assert.equal(res.status, JSON.parse(c.expect_parts_utf8[0]).code);
          assert.equal(dec(res.body), c.expect_parts_utf8[1]);
        }
        passed++;
      }
    }
    reportCases(FILE, { passed, rejectedAsRequired: rejected });
  },
});

Deno.test("paddedLength() follows the bucket set of hardening.md §6", () => {
  assert.equal(paddedLength(0), 512);
  assert.equal(paddedLength(512), 512);
  assert.equal(paddedLength(1025), 2048);
  assert.equal(paddedLength(65536), 65536);
  assert.equal(paddedLength(65537), 131072);
  assert.equal(paddedLength(200000), 262144);
});

Deno.test("encryptOnionReply() pads with JSON-safe spaces and the client still parses it", async () => {
  const provider = providers[0];
  const key = new SecretKey(new Uint8Array(32).fill(9));
  for (const encType of ["aes-gcm", "xchacha20"] as const) {
    const http = await encryptOnionReply({ encType, key, json: true, base64: true }, {
      status: 200,
      body: '{"a":1}',
      bodyIsJson: true,
    }, { provider, pad: true });
    const overhead = encType === "aes-gcm" ? 28 : 40;
    assert.equal(fromBase64(new TextDecoder().decode(http)).length, 512 + overhead);
    const res = await decryptOnionReply({ kind: "node", encType, key }, http, { provider });
    assert.deepEqual(res.json, { a: 1 });
  }
});

Deno.test("decryptOnionReply() refuses a tampered reply with REPLY_INVALID", async () => {
  const provider = providers[0];
  const key = new SecretKey(new Uint8Array(32).fill(9));
  const http = await encryptOnionReply({ encType: "xchacha20", key, json: false, base64: false }, {
    status: 200,
    body: "x",
  }, { provider });
  http[http.length - 1] ^= 1;
  await assert.rejects(
    decryptOnionReply({ kind: "v4", encType: "xchacha20", key }, http, { provider }),
    (e) => isProtocolError(e, "REPLY_INVALID"),
  );
});
