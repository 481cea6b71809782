import assert from "node:assert/strict";
import { toBase64 } from "../bytes.ts";
import {
  accountId,
  isBase64,
  parseAccountId,
  parsePubkeyEd25519,
  parseSignature,
  parseSignedAccount,
  parseSubaccount,
  parseToken,
} from "./params_keys.ts";
import { isStorageRpcError } from "./rpc_error.ts";

function body(f: () => unknown): string {
  try {
    f();
    return "ok";
  } catch (e) {
    if (isStorageRpcError(e)) return e.body;
    throw e;
  }
}

Deno.test("isBase64() follows oxenc: padding only to a multiple of 4, no 1-mod-4 lengths", () => {
  for (const ok of ["", "aGk", "aGk=", "aA==", "A".repeat(86)]) assert.ok(isBase64(ok), ok);
  for (const bad of ["a", "aGk=a", "a===", "aG-k", "aG k", "=AAA"]) assert.ok(!isBase64(bad), bad);
});

Deno.test("parseAccountId() accepts 66 hex digits or 33 raw bytes only", () => {
  assert.equal(parseAccountId("05" + "AA".repeat(32)).hex, "05" + "aa".repeat(32));
  assert.equal(parseAccountId(new Uint8Array(33).fill(0x42)).prefix, 0x42);
  assert.equal(parseAccountId(new TextEncoder().encode("05" + "aa".repeat(32))).hex, "05" + "aa".repeat(32));
  assert.equal(
    body(() => parseAccountId("aa".repeat(32))),
    "invalid request: Pubkey must be 66 hex digits (33 bytes) long",
  );
  assert.equal(
    body(() => parseAccountId(new Uint8Array(32))),
    "invalid request: Pubkey must be 66 hex digits (33 bytes) long",
  );
  const a = accountId(new Uint8Array(33).fill(7));
  assert.equal(a.key.length, 32);
  assert.throws(() => accountId(new Uint8Array(32)), RangeError);
});

Deno.test("parsePubkeyEd25519() and parseSignature() take hex/base64 in JSON and raw bytes in bencode", () => {
  const s05 = parseAccountId("05" + "00".repeat(32));
  assert.equal(parsePubkeyEd25519(s05, new Uint8Array(32).fill(1))[0], 1);
  assert.equal(parsePubkeyEd25519(s05, "x".repeat(32))[0], 0x78, "a 32-character JSON string is raw, as the reference");
  assert.equal(parseSignature(new Uint8Array(64).fill(9), "bt")[0], 9);
  assert.equal(parseSignature(toBase64(new Uint8Array(64).fill(9)), "json")[63], 9, "88 chars ending ==");
  assert.equal(
    body(() => parseSignature(new Uint8Array(65), "bt")),
    "invalid request: invalid signature: expected 64-byte Ed25519 signature",
  );
});

Deno.test("parseToken() and parseSubaccount() read 36-byte tokens", () => {
  const t = new Uint8Array(36).fill(3);
  assert.deepEqual(parseToken(toBase64(t), { encoding: "json", errors: ["j", "b"] }), t);
  assert.deepEqual(parseToken("03".repeat(36), { encoding: "json", errors: ["j", "b"] }), t);
  assert.equal(body(() => parseToken(t.subarray(1), { encoding: "bt", errors: ["j", "b"] })), "invalid request: b");
  assert.equal(parseSubaccount({ token: undefined, signature: "x" }, "json"), undefined);
  const sa = parseSubaccount({ token: t, signature: new Uint8Array(64) }, "bt");
  assert.deepEqual(sa?.token, t);
});

Deno.test("parseSignedAccount() requires pubkey then signature", () => {
  assert.equal(
    body(() => parseSignedAccount({ pubkey: undefined, pubkeyEd25519: undefined, signature: undefined }, "json")),
    "invalid request: Required field 'pubkey' missing",
  );
  assert.equal(
    body(() =>
      parseSignedAccount({ pubkey: "03" + "00".repeat(32), pubkeyEd25519: undefined, signature: undefined }, "json")
    ),
    "invalid request: Required field 'signature' missing",
  );
});
