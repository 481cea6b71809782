import assert from "node:assert/strict";
import { generateIdentity, isProtocolError, nobleProvider as provider, systemRng as rng, toHex } from "../mod.ts";
import {
  encodeSignedBundle,
  parseSignedBundle,
  pickOneTimePreKey,
  type PublishedBundle,
  x3dhBundle,
} from "./bundle.ts";
import { generateOneTimePreKeys, generateSignedPreKey } from "../protocol/e2ee/signal/prekeys.ts";
import { x3dhIdentity } from "./identity_keys.ts";

async function signed() {
  const id = await generateIdentity({ provider });
  const spk = await generateSignedPreKey(await x3dhIdentity(id, provider), 1, { rng, provider });
  const otks = await generateOneTimePreKeys(10, 3, { rng, provider });
  const bundle: PublishedBundle = {
    sessionId: id.sessionId,
    ed25519Public: id.ed25519Public,
    registrationId: 77,
    signedPreKeyId: spk.id,
    signedPreKey: spk.keyPair.publicKey,
    signedPreKeySignature: spk.signature,
    oneTimePreKeys: otks.map((k) => ({ id: k.id, publicKey: k.keyPair.publicKey })),
    timestamp: 1000,
  };
  return { id, bundle, bytes: await encodeSignedBundle(bundle, { ed25519Seed: id.ed25519Seed, provider }) };
}

Deno.test("parseSignedBundle() returns what was signed, for the Session ID it belongs to", async () => {
  const { id, bundle, bytes } = await signed();
  const back = await parseSignedBundle(bytes, { sessionId: id.sessionId, provider });
  assert.deepEqual(back, bundle);
  const x = x3dhBundle(back, 2);
  assert.equal(x.preKeyId, 12);
  assert.equal("05" + toHex(x.identityKey), id.sessionId, "the X3DH identity key is the Session ID's key");
  assert.ok([0, 1, 2].includes(pickOneTimePreKey(back, rng)!));
});

Deno.test("parseSignedBundle() rejects another Session ID, a flipped byte and a forged signed prekey", async () => {
  const { id, bundle, bytes } = await signed();
  const other = await generateIdentity({ provider });
  const invalid = (e: unknown) => isProtocolError(e, "SIGNATURE_INVALID");
  await assert.rejects(parseSignedBundle(bytes, { sessionId: other.sessionId, provider }), invalid);
  for (const i of [5, 40, bytes.length - 70, bytes.length - 1]) {
    const bad = bytes.slice();
    bad[i] ^= 1;
    await assert.rejects(parseSignedBundle(bad, { sessionId: id.sessionId, provider }), invalid, `byte ${i}`);
  }
  // Signed by the owner, but the signed prekey's XEdDSA signature is not the identity key's.
  const forged = { ...bundle, signedPreKey: new Uint8Array(32).fill(9) };
  const forgedBytes = await encodeSignedBundle(forged, { ed25519Seed: id.ed25519Seed, provider });
  await assert.rejects(parseSignedBundle(forgedBytes, { sessionId: id.sessionId, provider }), invalid);
  // Someone else's identity signing a bundle that names this Session ID.
  const stolen = await encodeSignedBundle({ ...bundle, ed25519Public: other.ed25519Public }, {
    ed25519Seed: other.ed25519Seed,
    provider,
  });
  await assert.rejects(parseSignedBundle(stolen, { sessionId: id.sessionId, provider }), /belongs to/);
});
