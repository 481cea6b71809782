import assert from "node:assert/strict";
import { fromHex, toHex, utf8 } from "../bytes.ts";
import { isProtocolError, ProtocolError } from "../errors.ts";
import { allProviders } from "../crypto/default.ts";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../_testing/vectors.ts";
import { decodeLayer, encodeLayer } from "./codec.ts";
import { hopDecrypt, hopEncrypt } from "./hop.ts";
import { parseInnerRoute, parseOuterTrailer } from "./routing.ts";
import { peelOnionLayer, peelReceived } from "./peel.ts";
import { trailerLength } from "./canonical_json.ts";
import { MAX_HOP_NO } from "../constants.ts";
import { decryptOnionReply, encryptOnionReply, type ReplyContext, sealReply } from "./reply.ts";
import { SecretKey } from "../crypto/secret_key.ts";
import { deriveHopKey } from "./hop.ts";

const FILE = "session/onion-layer-parser.json";
const providers = await allProviders();

Deno.test({
  name: `received layers of onion-layer-parser.json decode, decrypt and answer, every provider${
    HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
  }`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const v = loadVectors(FILE);
    for (const provider of providers) {
      let passed = 0, rejected = 0;
      for (const c of v.vectors) {
        const recipient = { ourSecret: fromHex(c.recipient_x25519_sec), ourPublic: fromHex(c.recipient_x25519_pub) };
        const { blob, json } = decodeLayer(fromHex(c.layer));
        assert.equal(toHex(blob), c.expect.ciphertext);
        assert.equal(new TextDecoder().decode(json), c.expect.json_utf8);
        const t = parseOuterTrailer(json);
        assert.equal(t.encType, c.expect.enc_type);
        assert.equal(toHex(t.ephemeralKey), c.expect.remote_pubkey);
        const plain = await hopDecrypt(t.encType, blob, { ...recipient, theirPublic: t.ephemeralKey, role: "server" }, {
          provider,
        });
        assert.equal(toHex(plain), c.expect.payload);
        // Reply with the same key; the client decrypts with its ephemeral pair.
        const key = await deriveHopKey(t.encType, { ...recipient, theirPublic: t.ephemeralKey, role: "server" }, {
          provider,
        });
        const reply: ReplyContext = { encType: t.encType, key, json: false, base64: false };
        const sealed = await sealReply(reply, utf8(c.reply.plaintext_utf8), { provider });
        assert.equal(sealed.length, c.reply.expected_len);
        const back = await hopDecrypt(t.encType, sealed, {
          ourSecret: fromHex(c.client_ephemeral_x25519_sec),
          ourPublic: fromHex(c.client_ephemeral_x25519_pub),
          theirPublic: recipient.ourPublic,
          role: "client",
        }, { provider });
        assert.equal(new TextDecoder().decode(back), c.reply.plaintext_utf8);
        passed++;
      }
      const recipient = {
        ourSecret: fromHex(v.vectors[0].recipient_x25519_sec),
        ourPublic: fromHex(v.vectors[0].recipient_x25519_pub),
      };
      for (const c of v.must_fail) {
        const run = async () => {
          const { blob, json } = decodeLayer(fromHex(c.layer));
          const t = parseOuterTrailer(json);
          return await hopDecrypt(t.encType, blob, { ...recipient, theirPublic: t.ephemeralKey, role: "server" }, {
            provider,
          });
        };
        if (c.expect === "ok") {
          assert.equal(new TextDecoder().decode(await run()), c.payload_utf8, c.name);
          passed++;
        } else {
          await assert.rejects(run(), (e) => isProtocolError(e), c.name);
          rejected++;
        }
      }
      reportCases(`${FILE} [${provider.name}]`, { passed, rejectedAsRequired: rejected });
    }
  },
});

// A node and a client for the error-class tests below.
const provider = providers[0];
const nodeSecret = new Uint8Array(32).fill(42);
const nodePublic = await provider.x25519PublicKey(nodeSecret);
const nodeKeys = { x25519Secret: nodeSecret, x25519Public: nodePublic };
const clientSecret = new Uint8Array(32).fill(7);
const clientPublic = await provider.x25519PublicKey(clientSecret);

async function layerTo(
  inner: Uint8Array,
  encType: "aes-gcm" | "xchacha20" = "xchacha20",
  extra = "",
): Promise<Uint8Array> {
  const blob = await hopEncrypt(encType, inner, {
    ourSecret: clientSecret,
    ourPublic: clientPublic,
    theirPublic: nodePublic,
    role: "client",
  }, { provider });
  return encodeLayer(blob, `{"ephemeral_key":"${toHex(clientPublic)}","enc_type":"${encType}"${extra}}`);
}

Deno.test("peelOnionLayer() answers each failure class with its stable code", async () => {
  const good = await layerTo(encodeLayer(utf8("payload"), `{"headers":""}`));
  const cases: [string, Uint8Array, string][] = [
    ["empty", new Uint8Array(0), "ONION_FRAMING"],
    ["N past the end", Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1), "ONION_FRAMING"],
    ["non-JSON trailer", encodeLayer(new Uint8Array(40), "nope"), "ONION_TRAILER"],
    ["short key", encodeLayer(new Uint8Array(40), `{"ephemeral_key":"abcd"}`), "ONION_KEY"],
    [
      "cbc",
      encodeLayer(new Uint8Array(40), `{"ephemeral_key":"${toHex(clientPublic)}","enc_type":"aes-cbc"}`),
      "ONION_ENC_TYPE",
    ],
    ["hop_no 16", await layerTo(utf8("x"), "xchacha20", `,"hop_no":16`), "ONION_PATH_TOO_LONG"],
    ["hop_no 1.5", await layerTo(utf8("x"), "xchacha20", `,"hop_no":1.5`), "ONION_HOP_NO"],
    [
      "non-canonical key",
      encodeLayer(new Uint8Array(64), `{"ephemeral_key":"${"ff".repeat(31)}7f"}`),
      "ONION_AUTH_FAILED",
    ],
    ["N = 0", encodeLayer(new Uint8Array(0), `{"ephemeral_key":"${toHex(clientPublic)}"}`), "ONION_AUTH_FAILED"],
    ["low-order key", encodeLayer(new Uint8Array(64), `{"ephemeral_key":"${"00".repeat(32)}"}`), "ONION_AUTH_FAILED"],
    [
      "mismatched enc_type",
      await (async () => {
        const l = await layerTo(encodeLayer(utf8("p"), `{"headers":""}`), "xchacha20");
        const { blob } = decodeLayer(l);
        return encodeLayer(blob, `{"ephemeral_key":"${toHex(clientPublic)}","enc_type":"aes-gcm"}`);
      })(),
      "ONION_AUTH_FAILED",
    ],
  ];
  for (const [name, body, code] of cases) {
    await assert.rejects(
      peelOnionLayer(body, nodeKeys, { provider }),
      (e) => isProtocolError(e, code as "ONION_KEY"),
      name,
    );
  }
  // Every single-bit flip of the ciphertext region is an authentication failure.
  const { blob } = decodeLayer(good);
  for (let bit = 0; bit < blob.length * 8; bit += 7) {
    const copy = good.slice();
    copy[4 + (bit >> 3)] ^= 1 << (bit & 7);
    await assert.rejects(peelOnionLayer(copy, nodeKeys, { provider }), (e) => isProtocolError(e, "ONION_AUTH_FAILED"));
  }
});

Deno.test("peelOnionLayer() gives the reply key with ONION_INNER_INVALID, and the client can read the Invalid json answer", async () => {
  const body = await layerTo(utf8("garbage, not a layer"));
  let caught: ProtocolError | undefined;
  try {
    await peelOnionLayer(body, nodeKeys, { provider });
  } catch (e) {
    caught = e as ProtocolError;
  }
  assert.ok(caught && isProtocolError(caught, "ONION_INNER_INVALID"));
  const ctx = (caught.context as { reply: ReplyContext }).reply;
  const http = await encryptOnionReply(ctx, { status: 400, body: "Invalid json" }, { provider });
  const clientKey = await deriveHopKey("xchacha20", {
    ourSecret: clientSecret,
    ourPublic: clientPublic,
    theirPublic: nodePublic,
    role: "client",
  }, { provider });
  const res = await decryptOnionReply({ kind: "node", encType: "xchacha20", key: clientKey }, http, { provider });
  assert.equal(res.status, 400);
  assert.equal(new TextDecoder().decode(res.body), "Invalid json");
});

Deno.test("peelOnionLayer() never prints key material in its results", async () => {
  const r = await peelOnionLayer(await layerTo(encodeLayer(utf8("p"), `{"headers":""}`)), nodeKeys, { provider });
  assert.ok(r.reply.key instanceof SecretKey);
  assert.ok(!JSON.stringify(r).includes(toHex(r.reply.key.bytes()).slice(0, 16)));
});

Deno.test("peelOnionLayer() writes the next trailer in place for canonical and non-canonical routing JSON alike", async () => {
  const next = new Uint8Array(32).fill(9);
  const nextBlob = new Uint8Array(77).fill(5);
  const dest = "Ab".repeat(32);
  const routes = [
    // canonical (fast path), then variants only the strict reader takes
    `{"destination":"${dest.toLowerCase()}","enc_type":"aes-gcm","ephemeral_key":"${toHex(next)}"}`,
    `{"destination":"${dest}","enc_type":"aes-gcm","ephemeral_key":"${toHex(next).toUpperCase()}"}`,
    ` { "ephemeral_key" : "${toHex(next)}", "destination" : "${dest}", "enc_type" : "gcm", "x" : [1] } `,
    // the shortest text a relay can be: enc_type absent means aes-gcm
    `{"destination":"${dest}","ephemeral_key":"${toHex(next)}"}`,
  ];
  for (const p of providers) {
    for (const route of routes) {
      for (const hopNo of [0, 7, 15]) {
        const body = await layerTo(encodeLayer(nextBlob, route), "xchacha20", `,"hop_no":${hopNo}`);
        const r = await peelOnionLayer(body, nodeKeys, { provider: p });
        assert.equal(r.kind, "relay");
        if (r.kind !== "relay") return;
        const trailer = `{"enc_type":"aes-gcm","ephemeral_key":"${toHex(next)}","hop_no":${hopNo + 1}}`;
        assert.equal(toHex(r.nextRequestBody), toHex(encodeLayer(nextBlob, trailer)), `${p.name} ${route}`);
        assert.equal(r.destination, dest.toLowerCase());
        assert.equal(toHex(r.ephemeralKey), toHex(next));
        assert.equal(toHex(r.blob), toHex(nextBlob));
        // The body is a view; past it the layer's buffer holds only the (public) next key and zeros.
        const whole = new Uint8Array(r.nextRequestBody.buffer, r.nextRequestBody.byteOffset);
        const rest = whole.subarray(r.nextRequestBody.length);
        assert.ok(rest.length >= 32);
        assert.equal(toHex(rest.subarray(0, 32)), toHex(next));
        assert.ok(rest.subarray(32).every((b) => b === 0));
      }
    }
  }
});

Deno.test("peelOnionLayer() in-place relay: the longest next trailer plus key fits in the shortest relay routing JSON", () => {
  // The bound relayInPlace (peel.ts) relies on, with the numbers its comment states.
  const shortest = `{"destination":"${"a".repeat(64)}","ephemeral_key":"${"09".repeat(32)}"}`;
  assert.equal(utf8(shortest).length, 165);
  assert.equal(parseInnerRoute(utf8(shortest)).kind, "relay");
  assert.equal(trailerLength("xchacha20", MAX_HOP_NO + 1), 119);
  assert.ok(trailerLength("xchacha20", MAX_HOP_NO + 1) + 32 <= 165);
  // Removing any byte of the shortest text breaks it: nothing shorter reads as a relay.
  for (let i = 0; i < shortest.length; i++) {
    const cut = utf8(shortest.slice(0, i) + shortest.slice(i + 1));
    assert.throws(() => parseInnerRoute(cut), (e) => isProtocolError(e, "ONION_INNER_INVALID"));
  }
});

Deno.test("peelReceived() takes the layer's parts and gives the same result as peelOnionLayer()", async () => {
  const body = await layerTo(
    encodeLayer(
      new Uint8Array(50).fill(1),
      `{"destination":"${"cd".repeat(32)}","ephemeral_key":"${"09".repeat(32)}"}`,
    ),
  );
  const a = await peelOnionLayer(body.slice(), nodeKeys, { provider });
  const { blob, json } = decodeLayer(body);
  const t = parseOuterTrailer(json);
  const b = await peelReceived({ blob, ephemeralKey: t.ephemeralKey, encType: t.encType, hopNo: t.hopNo }, nodeKeys, {
    provider,
  });
  assert.ok(a.kind === "relay" && b.kind === "relay");
  assert.equal(toHex(a.nextRequestBody), toHex(b.nextRequestBody));
  assert.equal(toHex(a.reply.key.bytes()), toHex(b.reply.key.bytes()));
  await assert.rejects(
    peelReceived({ blob, ephemeralKey: new Uint8Array(31), encType: "xchacha20", hopNo: 0 }, nodeKeys, { provider }),
    (e) => isProtocolError(e, "ONION_KEY"),
  );
});
