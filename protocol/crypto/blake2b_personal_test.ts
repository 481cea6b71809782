import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { blake2bPersonal } from "./blake2b_personal.ts";

const sodium = createRequire(import.meta.url)("sodium-native");
const data = new Uint8Array(100_000).map((_, i) => (i * 31) & 0xff);
const key = new Uint8Array(32).map((_, i) => i);

function chunked(outLength: number, pers: Uint8Array): Uint8Array {
  const h = blake2bPersonal(outLength, key, pers);
  for (let i = 0; i < data.length; i += 7_001) h.update(data.subarray(i, i + 7_001));
  return h.digest();
}

Deno.test("blake2bPersonal() with an all-zero personalisation equals libsodium's keyed crypto_generichash", () => {
  // A zero personalisation block leaves the BLAKE2b parameter block as plain keyed hashing sets it.
  const expected = new Uint8Array(56);
  sodium.crypto_generichash(expected, data, key);
  assert.deepEqual(chunked(56, new Uint8Array(16)), expected);
});

Deno.test("blake2bPersonal() depends on the personalisation and is the same fed in chunks or at once", () => {
  const pers = new TextEncoder().encode("SessionAttachmnt");
  const once = blake2bPersonal(56, key, pers);
  once.update(data);
  const a = chunked(56, pers);
  assert.deepEqual(a, once.digest());
  assert.notDeepEqual(a, chunked(56, new TextEncoder().encode("Session_Prof_Pic")));
});
