import assert from "node:assert/strict";
import { fromHex, toHex } from "../../bytes.ts";
import { isProtocolError } from "../../errors.ts";
import { nobleProvider } from "../../crypto/noble.ts";
import { ed25519KeyPair, parsePrefixedId, prefixedId, recipientX25519, sessionIdOfEd25519 } from "./keys.ts";

const SEED = fromHex("0123456789abcdef0123456789abcdef00000000000000000000000000000000");
const PUBLIC = "4cb76fdc6d32278e3f83dbf608360ecc6b65727934b85d2fb86862ff98c46ab7";

Deno.test("ed25519KeyPair() takes the 32-byte seed or libsodium's 64-byte seed ‖ public key", async () => {
  const a = await ed25519KeyPair(SEED, nobleProvider, "test");
  assert.equal(toHex(a.publicKey), PUBLIC);
  const b = await ed25519KeyPair(fromHex(toHex(SEED) + PUBLIC), nobleProvider, "test");
  assert.deepEqual(b.seed, SEED);
  assert.notEqual(b.seed.buffer, SEED.buffer, "a copy the caller may wipe");
});

Deno.test("ed25519KeyPair() refuses a 64-byte secret whose public half is not its seed's, and wrong lengths", async () => {
  await assert.rejects(
    ed25519KeyPair(fromHex(toHex(SEED) + "00".repeat(32)), nobleProvider, "test"),
    (e) => isProtocolError(e, "KEY_INVALID"),
  );
  await assert.rejects(ed25519KeyPair(new Uint8Array(33), nobleProvider, "test"), RangeError);
  await assert.rejects(ed25519KeyPair("x" as never, nobleProvider, "test"), TypeError);
});

Deno.test("parsePrefixedId() accepts either hex case and refuses other prefixes, lengths and non-hex", () => {
  const { prefix, key } = parsePrefixedId("15" + "AB".repeat(32), [0x15], "test");
  assert.equal(prefix, 0x15);
  assert.equal(key[0], 0xab);
  for (const bad of ["05" + "ab".repeat(32), "15" + "ab".repeat(31), "15" + "zz".repeat(32), 5 as never]) {
    assert.throws(() => parsePrefixedId(bad, [0x15], "test"), (e) => isProtocolError(e, "KEY_INVALID"));
  }
  assert.equal(prefixedId(0x03, new Uint8Array(32).fill(1)), "03" + "01".repeat(32));
});

Deno.test("recipientX25519() takes a 05 Session ID or 32 raw bytes", () => {
  assert.equal(recipientX25519("05" + "11".repeat(32), "test")[31], 0x11);
  assert.equal(recipientX25519(new Uint8Array(32).fill(2), "test")[0], 2);
  assert.throws(() => recipientX25519("15" + "11".repeat(32), "test"), (e) => isProtocolError(e, "KEY_INVALID"));
  assert.throws(() => recipientX25519(new Uint8Array(33), "test"), RangeError);
  assert.throws(() => recipientX25519(7 as never, "test"), TypeError);
});

Deno.test("sessionIdOfEd25519() is 05 ‖ toMontgomery(A) and refuses a non-point", async () => {
  assert.equal(
    await sessionIdOfEd25519(fromHex(PUBLIC), nobleProvider),
    "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72",
  );
  await assert.rejects(sessionIdOfEd25519(new Uint8Array(32), nobleProvider), (e) => isProtocolError(e, "KEY_INVALID"));
});
