import assert from "node:assert/strict";
import { utf8 } from "../../mod.ts";
import { verifyPadding } from "./checks_padding.ts";

/** A reply plaintext: JSON then `pad` spaces. */
function plaintext(json: string, total: number): Uint8Array {
  const out = new Uint8Array(total).fill(0x20);
  out.set(utf8(json));
  return out;
}

const JSON_REPLY = '{"body":"Invalid json","status":400}';
const wire = (n: number, overhead: number) => 4 * Math.ceil((n + overhead) / 3);

Deno.test("verifyPadding() accepts a reply padded to its bucket with the matching base64 length", () => {
  assert.equal(
    verifyPadding(plaintext(JSON_REPLY, 512), { wireLength: wire(512, 28), encType: "aes-gcm" }).outcome,
    "pass",
  );
  assert.equal(
    verifyPadding(plaintext("x".repeat(600), 1024), { wireLength: wire(1024, 40), encType: "xchacha20" }).outcome,
    "pass",
  );
  assert.equal(
    verifyPadding(plaintext("x".repeat(70_000), 131_072), { wireLength: wire(131_072, 40), encType: "xchacha20" })
      .outcome,
    "pass",
  );
});

Deno.test("verifyPadding() refuses unpadded, over-padded and mis-sized replies", () => {
  const unpadded = verifyPadding(utf8(JSON_REPLY), { wireLength: wire(JSON_REPLY.length, 28), encType: "aes-gcm" });
  assert.equal(unpadded.outcome, "fail");
  assert.match(unpadded.outcome === "fail" ? unpadded.detail : "", /padded to 512 bytes, got 36 bytes \(not padded\)/);
  assert.equal(
    verifyPadding(plaintext(JSON_REPLY, 1024), { wireLength: wire(1024, 28), encType: "aes-gcm" }).outcome,
    "fail",
  );
  assert.equal(
    verifyPadding(plaintext(JSON_REPLY, 768), { wireLength: wire(768, 28), encType: "aes-gcm" }).outcome,
    "fail",
  );
  const wrongWire = verifyPadding(plaintext(JSON_REPLY, 512), { wireLength: wire(512, 28) + 4, encType: "aes-gcm" });
  assert.match(wrongWire.outcome === "fail" ? wrongWire.detail : "", /expected 720 bytes on the wire/);
});
