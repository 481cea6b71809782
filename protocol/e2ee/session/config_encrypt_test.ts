import assert from "node:assert/strict";
import fc from "fast-check";
import { isProtocolError } from "../../errors.ts";
import { nobleProvider as provider } from "../../crypto/noble.ts";
import { configDecrypt, configEncrypt, configPaddedSize, padConfigMessage } from "./config_encrypt.ts";

const key = new Uint8Array(32).fill(3);
const failed = (e: unknown) => isProtocolError(e, "DECRYPT_FAILED");

Deno.test("configEncrypt() → configDecrypt() round trips any message; the output is deterministic", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (m) => {
      const ct = await configEncrypt(m, key, { domain: "UserProfile", provider });
      assert.equal(ct.length, m.length + 40);
      assert.deepEqual(ct, await configEncrypt(m, key, { domain: "UserProfile", provider }));
      assert.deepEqual(await configDecrypt(ct, key, { domain: "UserProfile", provider }), m);
    }),
    { numRuns: 40 },
  );
});

Deno.test("configDecrypt() refuses any single bit flip, another key or domain, and short input", async () => {
  const ct = await configEncrypt(new TextEncoder().encode("config"), key, { domain: "Contacts", provider });
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: ct.length * 8 - 1 }), async (bit) => {
      const tampered = ct.slice();
      tampered[bit >> 3] ^= 1 << (bit & 7);
      await assert.rejects(configDecrypt(tampered, key, { domain: "Contacts", provider }), failed);
    }),
    { numRuns: 200 },
  );
  await assert.rejects(configDecrypt(ct, new Uint8Array(32), { domain: "Contacts", provider }), failed);
  await assert.rejects(configDecrypt(ct, key, { domain: "Contact", provider }), failed);
  await assert.rejects(configDecrypt(ct.subarray(0, 39), key, { domain: "Contacts", provider }), failed);
});

Deno.test("configEncrypt() requires a 32-byte key base and a 1–24 byte domain", async () => {
  await assert.rejects(configEncrypt(new Uint8Array(), new Uint8Array(31), { domain: "x", provider }), RangeError);
  await assert.rejects(configEncrypt(new Uint8Array(), key, { domain: "", provider }), RangeError);
  await assert.rejects(configEncrypt(new Uint8Array(), key, { domain: "x".repeat(25), provider }), RangeError);
  await assert.rejects(configEncrypt(new Uint8Array(), key, { domain: 5 as never, provider }), TypeError);
  await configEncrypt(new Uint8Array(), key, { domain: "x".repeat(24), provider });
});

Deno.test("configPaddedSize() is never below the content and steps by 256/1024/2048/5120", () => {
  fc.assert(
    fc.property(fc.nat({ max: 200_000 }), fc.nat({ max: 300 }), (size, overhead) => {
      const padded = configPaddedSize(size, overhead);
      assert.ok(padded >= size);
      const total = padded + overhead;
      const chunk = size + overhead < 5120
        ? 256
        : size + overhead < 20480
        ? 1024
        : size + overhead < 40960
        ? 2048
        : 5120;
      assert.equal(total % chunk, 0);
      assert.ok(total - (size + overhead) < chunk);
    }),
  );
  assert.equal(configPaddedSize(0), 216);
  assert.throws(() => configPaddedSize(-1), RangeError);
  assert.throws(() => configPaddedSize(1, 0.5), RangeError);
});

Deno.test("padConfigMessage() puts the zero padding in front", () => {
  const out = padConfigMessage(new Uint8Array([1, 2, 3]), 0);
  assert.equal(out.length, 256);
  assert.deepEqual(out.subarray(253), new Uint8Array([1, 2, 3]));
  assert.ok(out.subarray(0, 253).every((b) => b === 0));
  assert.throws(() => padConfigMessage("x" as never), TypeError);
});
