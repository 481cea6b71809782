import assert from "node:assert/strict";
import { createCipheriv } from "node:crypto";
import { aes256CbcDecrypt, aes256CbcEncrypt } from "./aes_cbc.ts";
import { isProtocolError } from "../errors.ts";

Deno.test("aes256CbcEncrypt() matches node:crypto's aes-256-cbc with PKCS#7 for every length 0…48", () => {
  const key = new Uint8Array(32).map((_, i) => i * 7);
  const iv = new Uint8Array(16).map((_, i) => 255 - i);
  for (let n = 0; n <= 48; n++) {
    const pt = new Uint8Array(n).map((_, i) => i ^ n);
    const c = createCipheriv("aes-256-cbc", key, iv);
    const expected = new Uint8Array([...c.update(pt), ...c.final()]);
    const got = aes256CbcEncrypt(key, iv, pt);
    assert.deepEqual(got, expected, `length ${n}`);
    assert.deepEqual(aes256CbcDecrypt(key, iv, got), pt);
  }
});

Deno.test("aes256CbcDecrypt() refuses partial blocks and bad padding with DECRYPT_FAILED", () => {
  const key = new Uint8Array(32), iv = new Uint8Array(16);
  const ct = aes256CbcEncrypt(key, iv, new Uint8Array(5));
  assert.throws(() => aes256CbcDecrypt(key, iv, ct.subarray(0, 15)), (e) => isProtocolError(e, "DECRYPT_FAILED"));
  const bad = ct.slice();
  bad[15] ^= 0x01; // corrupts the last block's padding after decryption
  assert.throws(() => aes256CbcDecrypt(key, iv, bad), (e) => isProtocolError(e, "DECRYPT_FAILED"));
  assert.throws(() => aes256CbcEncrypt(new Uint8Array(16), iv, ct), RangeError);
});
