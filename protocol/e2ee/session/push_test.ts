import assert from "node:assert/strict";
import { concat, fromHex } from "../../bytes.ts";
import { isProtocolError } from "../../errors.ts";
import { nobleProvider as provider } from "../../crypto/noble.ts";
import { decryptPushNotification } from "./push.ts";

const KEY = fromHex("0123456789abcdef0123456789abcdeffedcba9876543210fedcba9876543210");
const PAYLOAD = fromHex(
  "00112233445566778899aabbccddeeff00ffeeddccbbaa991bcba42892762dbeecbfb1a375fab4aca5f0991e99eb0344ceeafa",
);

Deno.test("decryptPushNotification() opens the libsession test payload", async () => {
  assert.equal(new TextDecoder().decode(await decryptPushNotification(PAYLOAD, KEY, { provider })), "TestMessage");
});

Deno.test("decryptPushNotification() strips trailing zero padding", async () => {
  const nonce = new Uint8Array(24).fill(9);
  const padded = new Uint8Array([1, 0, 2, 0, 0, 0]);
  const payload = concat(nonce, await provider.xchachaSeal(KEY, nonce, padded));
  assert.deepEqual(await decryptPushNotification(payload, KEY, { provider }), new Uint8Array([1, 0, 2]));
});

Deno.test("decryptPushNotification() refuses a flipped byte, a short payload and a key of the wrong length", async () => {
  const flipped = PAYLOAD.slice();
  flipped[30] ^= 4;
  await assert.rejects(
    decryptPushNotification(flipped, KEY, { provider }),
    (e) => isProtocolError(e, "DECRYPT_FAILED"),
  );
  await assert.rejects(
    decryptPushNotification(PAYLOAD.subarray(0, 39), KEY, { provider }),
    (e) => isProtocolError(e, "DECRYPT_FAILED"),
  );
  await assert.rejects(decryptPushNotification(PAYLOAD, KEY.subarray(1), { provider }), RangeError);
});
