import assert from "node:assert/strict";
import { fromHex, toHex } from "../../bytes.ts";
import { djbPublicKey, parseDjbPublicKey, xeddsaVerify } from "../../crypto/xeddsa.ts";
import { isProtocolError } from "../../errors.ts";
import { seededRng } from "../../_testing/seeded_rng.ts";
import { HAVE_VECTORS, loadVectors, SKIP_REASON } from "../../_testing/vectors.ts";
import { generateKeyPair, keyPairFromSecret } from "./keys.ts";
import {
  createPreKeyBundle,
  generateOneTimePreKeys,
  generateRegistrationId,
  generateSignedPreKey,
  type PreKeyBundle,
  verifyPreKeyBundle,
} from "./prekeys.ts";

Deno.test({
  name: `verifyPreKeyBundle() accepts libsignal 0.65.4's signed-prekey signature${
    HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
  }`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const { bob } = loadVectors("e2ee/x3dh_dr_libsignal.json");
    const identity = await keyPairFromSecret(fromHex(bob.identity_private_hex));
    assert.equal("05" + toHex(identity.publicKey), bob.identity_public_hex);
    const bundle: PreKeyBundle = {
      registrationId: bob.registration_id,
      deviceId: bob.device_id,
      identityKey: identity.publicKey,
      signedPreKeyId: bob.signed_prekey_id,
      signedPreKey: parseDjbPublicKey(fromHex(bob.signed_prekey_public_hex)),
      signedPreKeySignature: fromHex(bob.signed_prekey_signature_hex),
      preKeyId: bob.one_time_prekey_id,
      preKey: parseDjbPublicKey(fromHex(bob.one_time_prekey_public_hex)),
    };
    verifyPreKeyBundle(bundle);
    const flipped = bundle.signedPreKeySignature.slice();
    flipped[10] ^= 1;
    assert.throws(
      () => verifyPreKeyBundle({ ...bundle, signedPreKeySignature: flipped }),
      (e) => isProtocolError(e, "SIGNATURE_INVALID"),
    );
  },
});

Deno.test("generateSignedPreKey() signs the 33-byte 0x05-prefixed key with XEdDSA", async () => {
  const rng = seededRng("spk");
  const identity = await generateKeyPair({ rng });
  const spk = await generateSignedPreKey(identity, 17, { rng });
  assert.equal(spk.id, 17);
  assert.ok(xeddsaVerify(identity.publicKey, djbPublicKey(spk.keyPair.publicKey), spk.signature));
  assert.ok(!xeddsaVerify(identity.publicKey, spk.keyPair.publicKey, spk.signature), "not over the raw 32 bytes");
  await assert.rejects(() => generateSignedPreKey(identity, -1, { rng }), RangeError);
  await assert.rejects(() => generateSignedPreKey(identity, 2 ** 32, { rng }), RangeError);
});

Deno.test("createPreKeyBundle() carries ids and public keys only; verifyPreKeyBundle() checks shape and signature", async () => {
  const rng = seededRng("bundle");
  const identity = await generateKeyPair({ rng });
  const signedPreKey = await generateSignedPreKey(identity, 1, { rng });
  const [opk] = await generateOneTimePreKeys(9, 1, { rng });
  const bundle = createPreKeyBundle({
    registrationId: 42,
    deviceId: 1,
    identityKey: identity,
    signedPreKey,
    oneTimePreKey: opk,
  });
  assert.equal(bundle.preKeyId, 9);
  assert.equal(toHex(bundle.preKey!), toHex(opk.keyPair.publicKey));
  assert.ok(!JSON.stringify(bundle).includes("SecretKey"));
  verifyPreKeyBundle(bundle);
  const noOpk = createPreKeyBundle({ registrationId: 42, deviceId: 1, identityKey: identity.publicKey, signedPreKey });
  assert.equal(noOpk.preKeyId, undefined);
  verifyPreKeyBundle(noOpk);
  const other = await generateKeyPair({ rng });
  assert.throws(
    () => verifyPreKeyBundle({ ...bundle, identityKey: other.publicKey }),
    (e) => isProtocolError(e, "SIGNATURE_INVALID"),
  );
  assert.throws(() => verifyPreKeyBundle({ ...bundle, signedPreKeySignature: new Uint8Array(63) }), isProtocolError);
  assert.throws(() => verifyPreKeyBundle({ ...bundle, preKey: undefined }), RangeError);
  assert.throws(() => verifyPreKeyBundle({ ...bundle, signedPreKey: new Uint8Array(33) }), RangeError);
});

Deno.test("generateOneTimePreKeys() numbers keys consecutively and bounds the ids", async () => {
  const rng = seededRng("opk");
  const keys = await generateOneTimePreKeys(2 ** 32 - 3, 3, { rng });
  assert.deepEqual(keys.map((k) => k.id), [2 ** 32 - 3, 2 ** 32 - 2, 2 ** 32 - 1]);
  assert.equal(new Set(keys.map((k) => toHex(k.keyPair.publicKey))).size, 3);
  await assert.rejects(() => generateOneTimePreKeys(2 ** 32 - 3, 4, { rng }), RangeError);
  assert.deepEqual(await generateOneTimePreKeys(1, 0, { rng }), []);
});

Deno.test("generateRegistrationId() stays within 14 bits and is never 0", () => {
  const rng = seededRng("regid");
  for (let i = 0; i < 1000; i++) {
    const id = generateRegistrationId({ rng });
    assert.ok(id >= 1 && id <= 0x3fff);
  }
});
