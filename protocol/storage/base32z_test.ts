import assert from "node:assert/strict";
import { fromHex } from "../bytes.ts";
import { BASE32Z_ALPHABET, toBase32z } from "./base32z.ts";

Deno.test("toBase32z() matches the oxenmq encoding test values", () => {
  assert.equal(toBase32z(new Uint8Array(5)), "yyyyyyyy");
  // oxenmq test_encoding.cpp: 0123456789abcdef repeated to 32 bytes
  assert.equal(
    toBase32z(fromHex("0123456789abcdef".repeat(4))),
    "yrtwk3hjixg66yjdeiuauk6p7hy1gtm8tgih55abrpnsxnpm3zzo",
  );
});

Deno.test("toBase32z() encodes each 5-bit group most significant first and pads the tail", () => {
  assert.equal(toBase32z(new Uint8Array(0)), "");
  assert.equal(toBase32z(new Uint8Array([0xff])), "9h"); // 11111 111(00)
  assert.equal(toBase32z(new Uint8Array([0xf8])), "9y");
  assert.equal(toBase32z(new Uint8Array(32)).length, 52);
  assert.equal(BASE32Z_ALPHABET.length, 32);
});

Deno.test("toBase32z() rejects non-bytes", () => {
  assert.throws(() => toBase32z("x" as unknown as Uint8Array), TypeError);
});
