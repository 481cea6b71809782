/**
 * The bad-input catalogue of hardening.md §7 against `POST /onion_req/v2`, each row asserting
 * the exact status and body of hardening.md §3, no 5xx, nothing forwarded. Rows about the body
 * limits and the rate limiter live beside those middlewares; SSRF rows beside server_target.ts.
 */

import assert from "node:assert/strict";
import { decodeLayer, encodeLayer } from "../../mod.ts";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../../protocol/_testing/vectors.ts";
import {
  assertPlain,
  bytes,
  deliverBody,
  makeGateway,
  NEXT,
  rawLayer,
  readEncrypted,
  relayBody,
  trailerOf,
  withTrailer,
} from "../_testing/fixtures.ts";
import { INVALID_CIPHERTEXT, INVALID_JSON, NOT_FOUND, PARSE_ERROR_PREFIX, PATH_TOO_LONG } from "../responses.ts";

const KEY = "ab".repeat(32);
const framing = PARSE_ERROR_PREFIX + "framing";
const trailer = PARSE_ERROR_PREFIX + "trailer";
const key = PARSE_ERROR_PREFIX + "key";
const encType = PARSE_ERROR_PREFIX + "enc_type";
const hopNo = PARSE_ERROR_PREFIX + "hop_no";

/** A body with a valid-looking trailer around an arbitrary blob. */
const framed = (blob: Uint8Array, json = `{"ephemeral_key":"${KEY}","enc_type":"xchacha20"}`) =>
  encodeLayer(blob, json);

/** A valid trailer padded to exactly `n` bytes. */
function trailerOfSize(n: number): string {
  const head = `{"ephemeral_key":"${KEY}","p":"`;
  const out = head + "x".repeat(n - head.length - 2) + '"}';
  assert.equal(out.length, n);
  return out;
}

/** Run rows against one gateway, asserting each answer and that nothing was forwarded. */
async function runRows(rows: [string, Uint8Array, number, string][]): Promise<void> {
  const gw = makeGateway();
  for (const [name, body, status, text] of rows) {
    await assertPlain(await gw.post(body), status, text, name);
  }
  assert.equal(gw.forwarder.calls.length, 0);
  assert.ok(!gw.logger.lines.some((l) => l.includes("unexpected_error")), "no unexpected error");
}

Deno.test("POST /onion_req/v2 refuses framing errors with 400 Error parsing onion request: framing", async () => {
  const big = new Uint8Array(8);
  new DataView(big.buffer).setUint32(0, 0xffffffff, true);
  await runRows([
    ["empty body", new Uint8Array(0), 400, framing],
    ["1-byte prefix", new Uint8Array([1]), 400, framing],
    ["2-byte prefix", new Uint8Array([1, 0]), 400, framing],
    ["3-byte prefix", new Uint8Array([1, 0, 0]), 400, framing],
    ["N > remaining", new Uint8Array([10, 0, 0, 0, 1, 2, 3]), 400, framing],
    ["N = 0xffffffff", big, 400, framing],
    ["N one past the end", encodeLayer(new Uint8Array(40), "{}").map((b, i) => (i === 0 ? b + 3 : b)), 400, framing],
  ]);
});

Deno.test("POST /onion_req/v2 refuses blobs too short to authenticate with 400 Invalid ciphertext", async () => {
  await runRows([
    ["N = 0", framed(new Uint8Array(0)), 400, INVALID_CIPHERTEXT],
    ["N < xchacha20 minimum (39)", framed(new Uint8Array(39)), 400, INVALID_CIPHERTEXT],
    ["N < aes-gcm minimum (27)", framed(new Uint8Array(27), `{"ephemeral_key":"${KEY}"}`), 400, INVALID_CIPHERTEXT],
    ["N at the minimum, garbage", framed(new Uint8Array(40)), 400, INVALID_CIPHERTEXT],
  ]);
});

Deno.test("POST /onion_req/v2 refuses malformed trailers with 400 Error parsing onion request: trailer", async () => {
  const gw = makeGateway();
  const blob = new Uint8Array(64);
  await runRows([
    ["non-JSON trailer", framed(blob, "not json"), 400, trailer],
    ["empty trailer", framed(blob, ""), 400, trailer],
    ["array trailer", framed(blob, "[]"), 400, trailer],
    ["string trailer", framed(blob, '"x"'), 400, trailer],
    ["number trailer", framed(blob, "1"), 400, trailer],
    ["null trailer", framed(blob, "null"), 400, trailer],
    ["nested object", framed(blob, `{"ephemeral_key":"${KEY}","x":{}}`), 400, trailer],
    ["depth bomb", framed(blob, `{"x":${"[".repeat(100_000)}${"]".repeat(100_000)}}`), 400, trailer],
    ["1 MiB trailer", framed(blob, `{"ephemeral_key":"${KEY}","pad":"${"x".repeat(1024 * 1024)}"}`), 400, trailer],
    [
      "trailer one byte over maxOuterTrailer",
      framed(blob, trailerOfSize(gw.deps.config.maxOuterTrailer + 1)),
      400,
      trailer,
    ],
    [
      "trailer at maxOuterTrailer (passes; the blob fails)",
      framed(blob, trailerOfSize(gw.deps.config.maxOuterTrailer)),
      400,
      INVALID_CIPHERTEXT,
    ],
    ["duplicate keys", framed(blob, `{"ephemeral_key":"${KEY}","ephemeral_key":"${KEY}"}`), 400, trailer],
    ["invalid UTF-8", encodeLayer(blob, new Uint8Array([0x7b, 0xff, 0x7d])), 400, trailer],
    ["trailing garbage", framed(blob, `{"ephemeral_key":"${KEY}"} x`), 400, trailer],
  ]);
});

Deno.test("POST /onion_req/v2 refuses bad ephemeral keys with 400 Error parsing onion request: key", async () => {
  const blob = new Uint8Array(64);
  await runRows([
    ["missing", framed(blob, "{}"), 400, key],
    ["62 hex", framed(blob, `{"ephemeral_key":"${"ab".repeat(31)}"}`), 400, key],
    ["66 hex", framed(blob, `{"ephemeral_key":"${"ab".repeat(33)}"}`), 400, key],
    ["non-hex", framed(blob, `{"ephemeral_key":"${"zz".repeat(32)}"}`), 400, key],
    ["0x prefix", framed(blob, `{"ephemeral_key":"0x${"ab".repeat(31)}"}`), 400, key],
    ["whitespace", framed(blob, `{"ephemeral_key":" ${"ab".repeat(31)}a"}`), 400, key],
    ["number", framed(blob, `{"ephemeral_key":1}`), 400, key],
    ["null", framed(blob, `{"ephemeral_key":null}`), 400, key],
  ]);
});

Deno.test("POST /onion_req/v2 refuses unknown, mistyped and CBC enc_type with 400 Error parsing onion request: enc_type", async () => {
  const blob = new Uint8Array(64);
  await runRows([
    ["unknown", framed(blob, `{"ephemeral_key":"${KEY}","enc_type":"rot13"}`), 400, encType],
    ["aes-cbc", framed(blob, `{"ephemeral_key":"${KEY}","enc_type":"aes-cbc"}`), 400, encType],
    ["cbc", framed(blob, `{"ephemeral_key":"${KEY}","enc_type":"cbc"}`), 400, encType],
    ["upper case", framed(blob, `{"ephemeral_key":"${KEY}","enc_type":"AES-GCM"}`), 400, encType],
    ["number", framed(blob, `{"ephemeral_key":"${KEY}","enc_type":1}`), 400, encType],
    ["__proto__", framed(blob, `{"ephemeral_key":"${KEY}","enc_type":"__proto__"}`), 400, encType],
  ]);
});

Deno.test("POST /onion_req/v2 checks hop_no: −1 accepted, 16 and 2^31 too long, 1.5 and strings malformed", async () => {
  const gw = makeGateway();
  const body = await relayBody();
  const t = trailerOf(body);
  const rows: [unknown, number, string][] = [
    [16, 400, PATH_TOO_LONG],
    [2 ** 31, 400, PATH_TOO_LONG],
    [1e300, 400, PATH_TOO_LONG],
    [1.5, 400, hopNo],
    ["1", 400, hopNo],
    [null, 400, hopNo],
    [true, 400, hopNo],
  ];
  for (const [value, status, text] of rows) {
    await assertPlain(
      await gw.post(withTrailer(body, JSON.stringify({ ...t, hop_no: value }))),
      status,
      text,
      String(value),
    );
  }
  assert.equal(gw.forwarder.calls.length, 0);
  const ok = await gw.post(withTrailer(body, JSON.stringify({ ...t, hop_no: -1 })));
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
  assert.equal(gw.forwarder.calls.length, 1);
});

Deno.test({
  name: `POST /onion_req/v2 refuses every Wycheproof low-order X25519 key with 400 Invalid ciphertext${
    HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
  }`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const v = loadVectors("wycheproof/x25519_test.json");
    const gw = makeGateway();
    const valid = await relayBody(NEXT, "aes-gcm");
    const blob = decodeLayer(valid).blob;
    let refused = 0;
    for (const g of v.testGroups) {
      for (const t of g.tests) {
        if (!t.flags.includes("ZeroSharedSecret") && !t.flags.includes("LowOrderPublic")) continue;
        for (const enc of ["aes-gcm", "xchacha20"]) {
          const body = encodeLayer(blob, `{"ephemeral_key":"${t.public}","enc_type":"${enc}"}`);
          await assertPlain(await gw.post(body), 400, INVALID_CIPHERTEXT, `tcId ${t.tcId}`);
          refused++;
        }
      }
    }
    assert.ok(refused >= 60, `only ${refused} low-order cases`);
    assert.equal(gw.forwarder.calls.length, 0);
    reportCases("wycheproof/x25519_test.json [gateway low-order keys]", { refusedAsRequired: refused });
  },
});

Deno.test("POST /onion_req/v2 refuses non-canonical encodings of a valid ephemeral key (no replay by re-encoding)", async () => {
  const gw = makeGateway();
  const body = await relayBody(NEXT, "aes-gcm");
  const t = trailerOf(body);
  const ek = t.ephemeral_key as string;
  // Top bit set: RFC 7748 receivers mask it, so the shared secret (and the AES-GCM key) would be unchanged.
  const topBit = ek.slice(0, 62) + (parseInt(ek.slice(62), 16) | 0x80).toString(16).padStart(2, "0");
  const p = "ed" + "ff".repeat(30) + "7f";
  await assertPlain(
    await gw.post(withTrailer(body, JSON.stringify({ ...t, ephemeral_key: topBit }))),
    400,
    INVALID_CIPHERTEXT,
  );
  await assertPlain(
    await gw.post(withTrailer(body, JSON.stringify({ ...t, ephemeral_key: p }))),
    400,
    INVALID_CIPHERTEXT,
  );
  assert.equal(gw.forwarder.calls.length, 0);
  // Upper-case hex is the same canonical key: accepted.
  const res = await gw.post(withTrailer(body, JSON.stringify({ ...t, ephemeral_key: ek.toUpperCase() })));
  assert.equal(res.status, 200);
  await res.body?.cancel();
});

Deno.test("POST /onion_req/v2 refuses tag, IV and ciphertext bit flips, a truncated tag and a mismatched enc_type", async () => {
  for (const enc of ["aes-gcm", "xchacha20"] as const) {
    const gw = makeGateway();
    const body = await relayBody(NEXT, enc);
    const { blob, json } = decodeLayer(body);
    const nonce = enc === "aes-gcm" ? 12 : 24;
    const flip = (i: number, bit = 0) => {
      const b = blob.slice();
      b[i] ^= 1 << bit;
      return encodeLayer(b, json);
    };
    const rows: [string, Uint8Array][] = [
      ["IV/nonce first bit", flip(0)],
      ["IV/nonce last byte", flip(nonce - 1, 7)],
      ["ciphertext first byte", flip(nonce)],
      ["ciphertext middle", flip(Math.floor(blob.length / 2), 3)],
      ["tag first byte", flip(blob.length - 16)],
      ["tag last bit", flip(blob.length - 1, 7)],
      ["truncated tag", encodeLayer(blob.subarray(0, blob.length - 1), json)],
      ["tag removed", encodeLayer(blob.subarray(0, blob.length - 16), json)],
      [
        "mismatched enc_type",
        withTrailer(
          body,
          JSON.stringify({ ...trailerOf(body), enc_type: enc === "aes-gcm" ? "xchacha20" : "aes-gcm" }),
        ),
      ],
      ["other node's key", withTrailer(body, JSON.stringify({ ...trailerOf(body), ephemeral_key: NEXT.node.x25519 }))],
    ];
    for (const [name, b] of rows) await assertPlain(await gw.post(b), 400, INVALID_CIPHERTEXT, `${enc} ${name}`);
    assert.equal(gw.forwarder.calls.length, 0);
    // Failed layers are not remembered: the untouched onion still goes through afterwards.
    const ok = await gw.post(body);
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
  }
});

Deno.test("POST /onion_req/v2 keeps garbage out of the replay cache (tags are inserted only after decryption)", async () => {
  const gw = makeGateway();
  const garbage = framed(new Uint8Array(64).fill(9), `{"ephemeral_key":"${NEXT.node.x25519}","enc_type":"xchacha20"}`);
  for (let i = 0; i < 3; i++) await assertPlain(await gw.post(garbage), 400, INVALID_CIPHERTEXT);
  const metrics = await (await gw.request("/metrics", {}, "127.0.0.1")).text();
  assert.match(metrics, /^allium_replay_tags 0$/m);
});

Deno.test("POST /onion_req/v2 answers decrypts-to-garbage and ambiguous layers with the encrypted Invalid json", async () => {
  const gw = makeGateway();
  const rows: [string, Uint8Array][] = [
    ["not a layer", bytes("garbage")],
    ["empty plaintext", new Uint8Array(0)],
    ["N past the end", new Uint8Array([200, 0, 0, 0, 1])],
    ["no action", new Uint8Array([...[0, 0, 0, 0], ...bytes("{}")])],
    [
      "ambiguous",
      new Uint8Array([
        ...[0, 0, 0, 0],
        ...bytes(`{"headers":"","destination":"${NEXT.ed25519}","ephemeral_key":"${KEY}"}`),
      ]),
    ],
  ];
  for (const [name, plaintext] of rows) {
    const { body, reply } = await rawLayer(plaintext);
    const answer = await readEncrypted(reply, await gw.post(body));
    assert.equal(answer.status, 400, name);
    assert.equal(answer.text, INVALID_JSON, name);
  }
  assert.equal(gw.forwarder.calls.length, 0);
});

Deno.test("POST /onion_req/v2 ignores unknown trailer keys (forward compatibility)", async () => {
  const gw = makeGateway();
  const body = await relayBody();
  const res = await gw.post(withTrailer(body, JSON.stringify({ ...trailerOf(body), future: "x", n: 1 })));
  assert.equal(res.status, 200);
  await res.body?.cancel();
  const { body: d, reply } = await deliverBody('{"method":"info","params":{}}');
  const answer = await readEncrypted(
    reply,
    await gw.post(withTrailer(d, JSON.stringify({ ...trailerOf(d), extra: true }))),
  );
  assert.equal(answer.status, 200);
});

Deno.test("gateway answers wrong methods and paths with 404 Not Found", async () => {
  const gw = makeGateway();
  const body = await relayBody();
  const rows: [string, RequestInit][] = [
    ["/onion_req/v2", { method: "GET" }],
    ["/onion_req/v2", { method: "PUT", body: body as Uint8Array<ArrayBuffer> }],
    ["/onion_req/v2", { method: "DELETE" }],
    ["/onion_req/v3", { method: "POST", body: body as Uint8Array<ArrayBuffer> }],
    ["/onion_req/v2/", { method: "POST", body: body as Uint8Array<ArrayBuffer> }],
    ["/storage_rpc/v1", { method: "POST", body: "{}" }],
    ["/", { method: "GET" }],
    ["/health", { method: "POST" }],
  ];
  for (const [path, init] of rows) {
    await assertPlain(await gw.request(path, init), 404, NOT_FOUND, `${init.method} ${path}`);
  }
  assert.equal(gw.forwarder.calls.length, 0);
});
