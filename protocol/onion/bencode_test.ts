import assert from "node:assert/strict";
import { utf8 } from "../bytes.ts";
import { isProtocolError } from "../errors.ts";
import { bdecode, bencode } from "./bencode.ts";

Deno.test("bencode() sorts dict keys and round-trips through bdecode()", () => {
  const v = { hop_no: 2, data: utf8("xyz"), enc_type: utf8("aes-gcm"), ephemeral_key: new Uint8Array(32) };
  const enc = bencode(v);
  assert.ok(new TextDecoder().decode(enc).startsWith("d4:data3:xyz8:enc_type7:aes-gcm13:ephemeral_key32:"));
  const back = bdecode(enc) as Record<string, unknown>;
  assert.equal(back.hop_no, 2);
  assert.deepEqual(back.data, utf8("xyz"));
});

Deno.test("bdecode() refuses malformed and non-canonical input", () => {
  const bad = [
    "",
    "i01e",
    "i-0e",
    "ie",
    "i1",
    "5:abc",
    "l",
    "d1:bi1e1:ai2ee",
    "d1:ai1e1:ai2ee",
    "x",
    "1:ab",
    "03:abc",
    "i9007199254740993e",
    "l".repeat(100) + "e".repeat(100),
  ];
  for (const s of bad) {
    assert.throws(() => bdecode(utf8(s)), (e) => isProtocolError(e, "BENCODE_INVALID"), s.slice(0, 20));
  }
  assert.deepEqual(bdecode(utf8("i-7e")), -7);
  // Fuzz finding: a key with a leading byte-order mark must stay distinct from the bare key.
  const bom = bdecode(Uint8Array.of(...utf8("d6:hop_noi1e9:"), 0xef, 0xbb, 0xbf, ...utf8("hop_noi99ee"))) as Record<
    string,
    number
  >;
  assert.equal(bom.hop_no, 1);
  assert.equal(bom["\ufeffhop_no"], 99);
  assert.deepEqual(bdecode(utf8("le")), []);
});
