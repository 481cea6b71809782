import assert from "node:assert/strict";
import { encryptOnionReply, fromUtf8, nobleProvider as provider, peelOnionLayer, toHex, utf8 } from "../../mod.ts";
import { deliverPlaintext, INFO_REQUEST, isUnreadable, openReply, sealLayer } from "./onions.ts";

const x25519Secret = new Uint8Array(32).fill(21);
const x25519Public = await provider.x25519PublicKey(x25519Secret);
const NODE = { ed25519: "cd".repeat(32), x25519: toHex(x25519Public) };

Deno.test("sealLayer() seals a layer the node peels, and openReply() reads the node's padded answer", async () => {
  for (const enc of ["aes-gcm", "xchacha20"] as const) {
    const layer = await sealLayer(NODE, deliverPlaintext(INFO_REQUEST), { provider, encType: enc });
    const peeled = await peelOnionLayer(layer.body, { x25519Secret, x25519Public }, { provider });
    assert.equal(peeled.kind, "deliver");
    if (peeled.kind !== "deliver") return;
    assert.equal(fromUtf8(peeled.payload), INFO_REQUEST);
    const wire = await encryptOnionReply(peeled.reply, { status: 400, body: "Invalid json" }, { provider, pad: true });
    const reply = await openReply(layer, wire, { provider });
    assert.ok(!isUnreadable(reply));
    if (isUnreadable(reply)) return;
    assert.deepEqual([reply.status, reply.text, reply.plaintext.length], [400, "Invalid json", 512]);
    assert.equal(reply.sealedLength, 512 + (enc === "aes-gcm" ? 28 : 40));
  }
});

Deno.test("openReply() says what is wrong with an unreadable answer", async () => {
  const layer = await sealLayer(NODE, new Uint8Array(1), { provider, encType: "xchacha20" });
  const problem = async (wire: string) => {
    const r = await openReply(layer, utf8(wire), { provider });
    return isUnreadable(r) ? r.problem : "readable";
  };
  assert.equal(await problem("not base64 !"), "reply is not base64 text");
  assert.equal(await problem("A".repeat(80)), "reply does not decrypt with the layer's xchacha20 key");
});
