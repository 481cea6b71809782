import assert from "node:assert/strict";
import { createCipheriv, createHash, createHmac } from "node:crypto";
import { isProtocolError } from "../../errors.ts";
import { seededRng } from "../../_testing/seeded_rng.ts";
import { allProviders } from "../../crypto/default.ts";
import {
  decryptLegacyAttachment,
  encryptLegacyAttachment,
  LEGACY_ATTACHMENT_MAX_BYTES,
  legacyPaddedSize,
} from "./legacy_attachment.ts";

const rng = seededRng("legacy_attachment_test");

/** session-desktop's `addAttachmentPadding` size, verbatim. */
function desktopPaddedSize(n: number): number {
  let paddedSize = Math.max(541, Math.floor(Math.pow(1.05, Math.ceil(Math.log(n) / Math.log(1.05)))));
  if (paddedSize > LEGACY_ATTACHMENT_MAX_BYTES && n <= LEGACY_ATTACHMENT_MAX_BYTES) {
    paddedSize = LEGACY_ATTACHMENT_MAX_BYTES;
  }
  return paddedSize;
}

Deno.test("legacyPaddedSize() equals session-desktop's padding and never truncates", () => {
  for (let n = 0; n < 12_000_000; n = n < 5000 ? n + 1 : Math.ceil(n * 1.013)) {
    const p = legacyPaddedSize(n);
    assert.equal(p, Math.max(desktopPaddedSize(n), n), `length ${n}`);
    assert.ok(p >= n);
  }
  assert.equal(legacyPaddedSize(9_999_999), 10_000_000);
  assert.equal(legacyPaddedSize(10_000_001), 10_319_484); // over the cap: desktop pads on
});

Deno.test("encryptLegacyAttachment() output is node:crypto's AES-256-CBC and HMAC-SHA256 over the padded file", async () => {
  for (const n of [0, 1, 540, 541, 542, 5000, 100_000]) {
    const data = rng.fill(new Uint8Array(n));
    const a = await encryptLegacyAttachment(data, { rng });
    const iv = a.blob.subarray(0, 16);
    const padded = new Uint8Array(legacyPaddedSize(n));
    padded.set(data);
    const c = createCipheriv("aes-256-cbc", a.key.subarray(0, 32), iv);
    const ct = new Uint8Array([...c.update(padded), ...c.final()]);
    const mac = createHmac("sha256", a.key.subarray(32)).update(iv).update(ct).digest();
    assert.deepEqual(a.blob, new Uint8Array([...iv, ...ct, ...mac]), `blob of ${n}`);
    assert.deepEqual(a.digest, new Uint8Array(createHash("sha256").update(a.blob).digest()));
    assert.equal(a.size, n);
  }
});

Deno.test("decryptLegacyAttachment() round trips with every provider, truncating to size", async () => {
  for (const provider of await allProviders()) {
    for (const n of [0, 1, 541, 32 * 1024, 1_000_000]) {
      const data = rng.fill(new Uint8Array(n));
      const a = await encryptLegacyAttachment(data, { rng, provider });
      const pt = await decryptLegacyAttachment(a.blob, a.key, { size: a.size, digest: a.digest, provider });
      assert.deepEqual(pt, data, `${provider.name} ${n}`);
      const whole = await decryptLegacyAttachment(a.blob, a.key, { provider });
      assert.equal(whole.length, legacyPaddedSize(n));
    }
  }
  const unpadded = await encryptLegacyAttachment(new Uint8Array(5), { rng, pad: false });
  assert.equal(unpadded.blob.length, 16 + 16 + 32);
  assert.deepEqual(await decryptLegacyAttachment(unpadded.blob, unpadded.key), new Uint8Array(5));
});

Deno.test("decryptLegacyAttachment() checks the MAC before anything else and rejects every tampering", async () => {
  const a = await encryptLegacyAttachment(rng.fill(new Uint8Array(2000)), { rng });
  const failed = (e: unknown) => isProtocolError(e, "DECRYPT_FAILED");
  for (const at of [0, 15, 16, 100, a.blob.length - 33, a.blob.length - 32, a.blob.length - 1]) {
    const bad = a.blob.slice();
    bad[at] ^= 0x80;
    await assert.rejects(decryptLegacyAttachment(bad, a.key, { size: a.size }), failed, `byte ${at}`);
  }
  await assert.rejects(decryptLegacyAttachment(a.blob.subarray(0, a.blob.length - 1), a.key), failed);
  await assert.rejects(decryptLegacyAttachment(a.blob.subarray(0, 63), a.key), failed);
  const wrongMacKey = a.key.slice();
  wrongMacKey[40] ^= 1;
  await assert.rejects(decryptLegacyAttachment(a.blob, wrongMacKey), failed);
  // A wrong AES key with the right MAC key passes the MAC and fails the padding (or yields garbage).
  const digest = a.digest.slice();
  digest[0] ^= 1;
  await assert.rejects(decryptLegacyAttachment(a.blob, a.key, { digest }), failed);
  await assert.rejects(
    decryptLegacyAttachment(a.blob, a.key, { size: 1_000_000 }),
    (e) => isProtocolError(e, "ATTACHMENT_INVALID"),
  );
  await assert.rejects(decryptLegacyAttachment(a.blob, a.key.subarray(0, 32)), RangeError);
});
