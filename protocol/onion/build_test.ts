import assert from "node:assert/strict";
import { fromHex, toHex, utf8 } from "../bytes.ts";
import { isProtocolError } from "../errors.ts";
import { allProviders } from "../crypto/default.ts";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../_testing/vectors.ts";
import { scriptedRng } from "../_testing/seeded_rng.ts";
import { buildOnionRequest, type OnionNode } from "./build.ts";
import { peelOnionLayer } from "./peel.ts";
import { decryptOnionReply, sealReply } from "./reply.ts";

const FILE = "session/onion-builder.json";
const providers = await allProviders();

Deno.test({
  name: `buildOnionRequest() reproduces the golden onions byte for byte and every hop peels them, every provider${
    HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
  }`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const v = loadVectors(FILE);
    const path: OnionNode[] = v.path.map((h: { ed25519_pub: string; x25519_pub: string }) => ({
      ed25519: h.ed25519_pub,
      x25519: h.x25519_pub,
    }));
    for (const provider of providers) {
      let passed = 0;
      for (const c of v.vectors) {
        const d = c.destination;
        const destination = d.kind === "snode"
          ? { ed25519: d.ed25519_pub, x25519: d.x25519_pub }
          : { host: d.host, target: d.target, protocol: d.protocol, port: d.port, x25519: d.x25519_pub };
        // Replay the vector's ephemeral keys and nonces in the builder's documented order.
        const script = c.layers_innermost_first.flatMap((l: { ephemeral_x25519_sec: string; nonce: string }) => [
          fromHex(l.ephemeral_x25519_sec),
          fromHex(l.nonce),
        ]);
        const rng = scriptedRng(script);
        const built = await buildOnionRequest({
          path,
          destination,
          payload: utf8(c.payload_utf8),
          encType: c.enc_type,
          provider,
          rng,
        });
        assert.equal(rng.remaining(), 0);
        assert.equal(toHex(built.body), c.request_body, `${provider.name}: ${c.name}`);
        assert.equal(built.guard.ed25519, path[0].ed25519);

        // Peel hop by hop with the published secrets; each hop sees only its successor.
        let body = built.body;
        const layers = [...c.layers_innermost_first].reverse();
        for (let i = 0; i < 3; i++) {
          const hop = v.path[i];
          const r = await peelOnionLayer(body, {
            x25519Secret: fromHex(hop.x25519_sec),
            x25519Public: fromHex(hop.x25519_pub),
          }, { provider });
          if (i < 2) {
            assert.equal(r.kind, "relay");
            if (r.kind !== "relay") return;
            assert.equal(r.destination, v.path[i + 1].ed25519_pub);
            assert.equal(toHex(r.blob), layers[i + 1].ciphertext);
            assert.equal(r.hopNo, i + 1);
            body = r.nextRequestBody;
          } else if (d.kind === "snode") {
            assert.equal(r.kind, "relay");
            if (r.kind !== "relay") return;
            assert.equal(r.destination, d.ed25519_pub);
            body = r.nextRequestBody;
            const last = await peelOnionLayer(body, {
              x25519Secret: fromHex(d.x25519_sec),
              x25519Public: fromHex(d.x25519_pub),
            }, { provider });
            assert.equal(last.kind, "deliver");
            if (last.kind !== "deliver") return;
            assert.equal(new TextDecoder().decode(last.payload), c.payload_utf8);
            // The destination's reply, with the vector's nonce, is the published body.
            const http = await sealReply(last.reply, utf8(c.response.plaintext_utf8), {
              provider,
              rng: scriptedRng([fromHex(c.response.nonce)]),
            });
            assert.equal(new TextDecoder().decode(http), c.response.http_body_base64);
            const res = await decryptOnionReply(built.reply, http, { provider });
            assert.equal(res.status, 200);
            assert.deepEqual(res.json, { hf: [19, 3], version: [2, 8, 0] });
          } else {
            assert.equal(r.kind, "server");
            if (r.kind !== "server") return;
            assert.equal(r.host, d.host);
            assert.equal(r.target, d.target);
            assert.equal(r.port, d.port);
            assert.equal(r.protocol, d.protocol);
            // The server reply (raw v4, no base64) decrypts at the client.
            const res = await decryptOnionReply(built.reply, fromHex(c.response.ciphertext), { provider });
            assert.equal(res.status, 200);
            assert.equal(res.headers["content-type"], "application/json");
            assert.equal(new TextDecoder().decode(res.body), '{"ok":true}');
          }
        }
        passed++;
      }
      reportCases(`${FILE} [${provider.name}]`, { passed });
    }
  },
});

function node(n: number): OnionNode {
  return { ed25519: toHex(new Uint8Array(32).fill(n)), x25519: "09" + "00".repeat(31) };
}

Deno.test("buildOnionRequest() refuses bad paths, destinations, ciphers and hop numbers", async () => {
  const payload = new Uint8Array(1);
  const bad: Record<string, unknown>[] = [
    { path: [], destination: node(1) },
    { path: Array.from({ length: 16 }, (_, i) => node(i)), destination: node(1) },
    { path: [{ ed25519: "ab", x25519: node(1).x25519 }], destination: node(1) },
    { path: [node(1)], destination: { ed25519: node(1).ed25519, x25519: "zz".repeat(32) } },
    { path: [node(1)], destination: { host: "", target: "/oxen/v4/lsrpc", x25519: node(1).x25519 } },
    { path: [node(1)], destination: { host: "h", target: "oxen", x25519: node(1).x25519 } },
    { path: [node(1)], destination: { host: "h", target: "/oxen/v4/lsrpc", x25519: node(1).x25519, port: 0 } },
    { path: [node(1)], destination: { host: "h", target: "/oxen/v4/lsrpc", x25519: node(1).x25519, protocol: "ftp" } },
    { path: [node(1)], destination: node(2), encType: "aes-cbc" },
    { path: [node(1)], destination: node(2), encType: ["aes-gcm"] },
    { path: [node(1)], destination: node(2), hopNo: 16 },
    { path: [node(1), node(2), node(3)], destination: node(4), hopNo: 13 },
    { path: [node(1)], destination: node(2), hopNo: -1 },
  ];
  for (const b of bad) {
    await assert.rejects(
      buildOnionRequest({ payload, ...b } as unknown as Parameters<typeof buildOnionRequest>[0]),
      (e) => isProtocolError(e, "BUILD_INVALID"),
      JSON.stringify(b).slice(0, 80),
    );
  }
});

Deno.test("buildOnionRequest() writes hop_no to the guard trailer and mixes ciphers per layer", async () => {
  const provider = providers[0];
  const secrets = [1, 2, 3].map((n) => new Uint8Array(32).fill(n + 10));
  const pubs = await Promise.all(secrets.map((s) => provider.x25519PublicKey(s)));
  const path = pubs.slice(0, 2).map((p, i) => ({ ed25519: node(i + 1).ed25519, x25519: toHex(p) }));
  const dest = { ed25519: node(3).ed25519, x25519: toHex(pubs[2]) };
  const built = await buildOnionRequest({
    path,
    destination: dest,
    payload: utf8("hi"),
    encType: ["aes-gcm", "xchacha20", "aes-gcm"],
    hopNo: 7,
    provider,
  });
  const trailer = new TextDecoder().decode(built.body.subarray(4 + new DataView(built.body.buffer).getUint32(0, true)));
  assert.match(trailer, /^\{"enc_type":"aes-gcm","ephemeral_key":"[0-9a-f]{64}","hop_no":7\}$/);
  const r1 = await peelOnionLayer(built.body, { x25519Secret: secrets[0], x25519Public: pubs[0] }, { provider });
  assert.equal(r1.kind === "relay" && r1.encType, "xchacha20");
  assert.equal(r1.kind === "relay" && r1.hopNo, 8);
  if (r1.kind !== "relay") return;
  const r2 = await peelOnionLayer(r1.nextRequestBody, { x25519Secret: secrets[1], x25519Public: pubs[1] }, {
    provider,
  });
  assert.equal(r2.kind === "relay" && r2.encType, "aes-gcm");
  if (r2.kind !== "relay") return;
  const r3 = await peelOnionLayer(r2.nextRequestBody, { x25519Secret: secrets[2], x25519Public: pubs[2] }, {
    provider,
  });
  assert.equal(r3.kind, "deliver");
  assert.equal(built.reply.kind, "node");
});
