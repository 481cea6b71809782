import assert from "node:assert/strict";
import { concat, fromHex, toHex, utf8 } from "../../bytes.ts";
import { isProtocolError } from "../../errors.ts";
import { nobleProvider as provider } from "../../crypto/noble.ts";
import { decryptOnsResponse } from "./ons.ts";

const CIPHERTEXT = fromHex(
  "3575802dd9bfea72672a208840f37ca289ceade5d3ffacabe2d231f109d204329fc33e28c331580d9a8c9b8a64cacfec97",
);
const NONCE = fromHex("00112233445566778899aabbccddeeff00ffeeddccbbaa99");

Deno.test("decryptOnsResponse() recovers the Session ID of the libsession test record", async () => {
  const id = await decryptOnsResponse("test", CIPHERTEXT, { nonce: NONCE, provider });
  assert.equal(id, "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72");
});

Deno.test("decryptOnsResponse() refuses another name, a flipped byte, a legacy record and a bad nonce", async () => {
  await assert.rejects(
    decryptOnsResponse("tesT", CIPHERTEXT, { nonce: NONCE, provider }),
    (e) => isProtocolError(e, "DECRYPT_FAILED"),
  );
  const flipped = CIPHERTEXT.slice();
  flipped[0] ^= 1;
  await assert.rejects(
    decryptOnsResponse("test", flipped, { nonce: NONCE, provider }),
    (e) => isProtocolError(e, "DECRYPT_FAILED"),
  );
  await assert.rejects(
    decryptOnsResponse("test", CIPHERTEXT, { provider }),
    (e) => isProtocolError(e, "MESSAGE_UNSUPPORTED"),
  );
  await assert.rejects(decryptOnsResponse("test", CIPHERTEXT, { nonce: NONCE.subarray(1), provider }), RangeError);
  await assert.rejects(
    decryptOnsResponse("test", CIPHERTEXT.subarray(0, 15), { nonce: NONCE, provider }),
    (e) => isProtocolError(e, "DECRYPT_FAILED"),
  );
});

Deno.test("decryptOnsResponse() refuses a value that is not 33 bytes", async () => {
  const name = utf8("short");
  const key = await provider.blake2b(name, 32, await provider.blake2b(name, 32));
  const sealed = await provider.xchachaSeal(key, NONCE, new Uint8Array(32));
  await assert.rejects(
    decryptOnsResponse("short", sealed, { nonce: NONCE, provider }),
    (e) => isProtocolError(e, "MESSAGE_INVALID"),
  );
  const ok = await provider.xchachaSeal(key, NONCE, concat(new Uint8Array([5]), new Uint8Array(32).fill(1)));
  assert.equal(
    await decryptOnsResponse("short", ok, { nonce: NONCE, provider }),
    "05" + toHex(new Uint8Array(32).fill(1)),
  );
});
