import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  concat,
  ctEqual,
  fromBase64,
  fromHex,
  fromUtf8,
  isAllZero,
  isHex,
  readU32le,
  toBase64,
  toHex,
  writeU32le,
} from "./bytes.ts";
import { seededRng } from "./_testing/seeded_rng.ts";

Deno.test("toHex()/fromHex() and toBase64()/fromBase64() agree with node:buffer for every length 0…300", () => {
  const rng = seededRng("bytes");
  for (let n = 0; n <= 300; n++) {
    const b = rng.fill(new Uint8Array(n));
    const hex = Buffer.from(b).toString("hex");
    const b64 = Buffer.from(b).toString("base64");
    assert.equal(toHex(b), hex);
    assert.deepEqual(fromHex(hex.toUpperCase()), b);
    assert.equal(toBase64(b), b64);
    assert.deepEqual(fromBase64(b64), b);
    assert.deepEqual(fromBase64(b64.replace(/=+$/, "")), b);
  }
});

Deno.test("toBase64() handles inputs larger than the argument-spread limit", () => {
  const big = seededRng("big").fill(new Uint8Array(300_000));
  assert.equal(toBase64(big), Buffer.from(big).toString("base64"));
});

Deno.test("fromHex() and fromBase64() refuse malformed text", () => {
  for (const s of ["0", "0g", "0x00", " 00"]) assert.throws(() => fromHex(s), SyntaxError, s);
  for (const s of ["A", "AA=A", "A-B_", "AAA*", "Zm9v\n"]) assert.throws(() => fromBase64(s), SyntaxError, s);
  assert.throws(() => fromHex(1 as unknown as string), TypeError);
});

Deno.test("ctEqual(), isAllZero(), isHex() and the u32 helpers behave", () => {
  assert.ok(ctEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2)));
  assert.ok(!ctEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3)));
  assert.ok(!ctEqual(Uint8Array.of(1), Uint8Array.of(1, 0)));
  assert.ok(isAllZero(new Uint8Array(4)) && !isAllZero(Uint8Array.of(0, 1)));
  assert.ok(isHex("aF09", 4) && !isHex("aF0", 4) && !isHex(12, 2));
  const b = new Uint8Array(4);
  writeU32le(b, 0, 0xfffffffe);
  assert.equal(readU32le(b, 0), 0xfffffffe);
  assert.deepEqual(concat(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3)), Uint8Array.of(1, 2, 3));
});

Deno.test("fromUtf8() keeps a leading byte-order mark instead of dropping it", () => {
  assert.equal(fromUtf8(Uint8Array.of(0xef, 0xbb, 0xbf, 0x61)), "\ufeffa");
  assert.throws(() => fromUtf8(Uint8Array.of(0xff)), TypeError);
});
