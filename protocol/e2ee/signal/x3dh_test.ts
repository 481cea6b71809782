import assert from "node:assert/strict";
import { fromHex, toHex } from "../../bytes.ts";
import { allProviders } from "../../crypto/default.ts";
import { parseDjbPublicKey } from "../../crypto/xeddsa.ts";
import { isProtocolError } from "../../errors.ts";
import { seededRng } from "../../_testing/seeded_rng.ts";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../../_testing/vectors.ts";
import { generateKeyPair, keyPairFromSecret } from "./keys.ts";
import { aliceX3dhKeys, bobX3dhKeys, initializeAliceRatchet, initializeBobRatchet } from "./x3dh.ts";

const providers = await allProviders();
const key = (hex: string) => parseDjbPublicKey(fromHex(hex));

Deno.test({
  name: `initializeBobRatchet() gives libsignal's sender chain key (test_ratcheting_session_as_bob), every provider${
    HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
  }`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const v = loadVectors("e2ee/signal_kat.json").ratcheting_session_as_bob;
    assert.equal(v.one_time_prekey, null);
    for (const provider of providers) {
      const identity = await keyPairFromSecret(fromHex(v.bob_identity_private_hex), { provider });
      const signedPreKey = await keyPairFromSecret(fromHex(v.bob_signed_prekey_private_hex), { provider });
      const ratchet = await keyPairFromSecret(fromHex(v.bob_ratchet_private_hex), { provider });
      assert.equal(toHex(identity.publicKey), toHex(key(v.bob_identity_public_hex)));
      assert.equal(toHex(signedPreKey.publicKey), toHex(key(v.bob_signed_prekey_public_hex)));
      // The vector's ratchet (and Alice's base) pairs come from libsignal's test, which builds
      // KeyPair::new(public, private) without checking they match; only one half is used.
      const state = await initializeBobRatchet({
        ourIdentityKeyPair: identity,
        ourSignedPreKeyPair: signedPreKey,
        ourRatchetKeyPair: ratchet,
        theirIdentityKey: key(v.alice_identity_public_hex),
        theirBaseKey: key(v.alice_base_public_hex),
      }, { provider });
      assert.equal(toHex(state.sender.chainKey.bytes()), v.expected_bob_sender_chain_key_hex, provider.name);
      assert.equal(state.sessionVersion, v.session_version);
      assert.equal(toHex(state.localIdentityKey), toHex(key(v.bob_identity_public_hex)));
    }
    reportCases("signal_kat.json ratcheting_session_as_bob", { valid: providers.length });
  },
});

Deno.test({
  name:
    `initializeAliceRatchet() gives libsignal's receiver chain key (test_ratcheting_session_as_alice), every provider${
      HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
    }`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const v = loadVectors("e2ee/signal_kat.json").ratcheting_session_as_alice;
    assert.equal(v.one_time_prekey, null);
    for (const provider of providers) {
      const identity = await keyPairFromSecret(fromHex(v.alice_identity_private_hex), { provider });
      const base = await keyPairFromSecret(fromHex(v.alice_base_private_hex), { provider });
      const state = await initializeAliceRatchet({
        ourIdentityKeyPair: identity,
        ourBaseKeyPair: base,
        theirIdentityKey: key(v.bob_identity_public_hex),
        theirSignedPreKey: key(v.bob_signed_prekey_public_hex),
        theirRatchetKey: key(v.bob_ratchet_public_hex),
      }, { provider, rng: seededRng("alice kat") });
      assert.equal(state.receivers.length, 1);
      assert.equal(toHex(state.receivers[0].ratchetKey), toHex(key(v.bob_ratchet_public_hex)));
      assert.equal(
        toHex(state.receivers[0].chainKey.bytes()),
        v.expected_alice_receiver_chain_key_hex,
        provider.name,
      );
    }
    reportCases("signal_kat.json ratcheting_session_as_alice", { valid: providers.length });
  },
});

Deno.test("aliceX3dhKeys() and bobX3dhKeys() agree with and without a one-time prekey, and the OPK matters", async () => {
  const rng = seededRng("x3dh agree");
  const [ika, eka, ikb, spkb, opkb] = await Promise.all([1, 2, 3, 4, 5].map(() => generateKeyPair({ rng })));
  const alice = { ourIdentityKeyPair: ika, ourBaseKeyPair: eka, theirIdentityKey: ikb.publicKey };
  const bob = { ourIdentityKeyPair: ikb, ourSignedPreKeyPair: spkb, theirIdentityKey: ika.publicKey };
  const a3 = await aliceX3dhKeys({ ...alice, theirSignedPreKey: spkb.publicKey });
  const b3 = await bobX3dhKeys({ ...bob, theirBaseKey: eka.publicKey });
  assert.equal(toHex(a3.rootKey) + toHex(a3.chainKey), toHex(b3.rootKey) + toHex(b3.chainKey));
  const a4 = await aliceX3dhKeys({ ...alice, theirSignedPreKey: spkb.publicKey, theirOneTimePreKey: opkb.publicKey });
  const b4 = await bobX3dhKeys({ ...bob, ourOneTimePreKeyPair: opkb, theirBaseKey: eka.publicKey });
  assert.equal(toHex(a4.rootKey) + toHex(a4.chainKey), toHex(b4.rootKey) + toHex(b4.chainKey));
  assert.notEqual(toHex(a3.chainKey), toHex(a4.chainKey));
});

Deno.test("initializeAliceRatchet() steps the DH ratchet once: Bob's first receiving chain is Alice's sending chain", async () => {
  const rng = seededRng("x3dh chains");
  const [ika, eka, ikb, spkb] = await Promise.all([1, 2, 3, 4].map(() => generateKeyPair({ rng })));
  const alice = await initializeAliceRatchet({
    ourIdentityKeyPair: ika,
    ourBaseKeyPair: eka,
    theirIdentityKey: ikb.publicKey,
    theirSignedPreKey: spkb.publicKey,
  }, { rng });
  const bob = await initializeBobRatchet({
    ourIdentityKeyPair: ikb,
    ourSignedPreKeyPair: spkb,
    theirIdentityKey: ika.publicKey,
    theirBaseKey: eka.publicKey,
  });
  assert.equal(toHex(alice.receivers[0].chainKey.bytes()), toHex(bob.sender.chainKey.bytes()), "CK both ways");
  assert.equal(toHex(alice.receivers[0].ratchetKey), toHex(spkb.publicKey));
  assert.equal(bob.sender.ratchetKeyPair, spkb, "Bob's first ratchet key is his signed prekey");
  assert.equal(alice.versionByte, 0x33);
  assert.notEqual(toHex(alice.sender.ratchetKeyPair.publicKey), toHex(eka.publicKey), "T_A is not the base key");
});

Deno.test("X3DH rejects a low-order peer key, a bad version byte and a missing rng", async () => {
  const rng = seededRng("x3dh bad");
  const [ika, eka, ikb] = await Promise.all([1, 2, 3].map(() => generateKeyPair({ rng })));
  const lowOrder = new Uint8Array(32); // u = 0
  await assert.rejects(
    () =>
      aliceX3dhKeys({
        ourIdentityKeyPair: ika,
        ourBaseKeyPair: eka,
        theirIdentityKey: ikb.publicKey,
        theirSignedPreKey: lowOrder,
      }),
    (e) => isProtocolError(e, "KEY_AGREEMENT_FAILED"),
  );
  const params = {
    ourIdentityKeyPair: ika,
    ourBaseKeyPair: eka,
    theirIdentityKey: ikb.publicKey,
    theirSignedPreKey: ikb.publicKey,
  };
  await assert.rejects(() => initializeAliceRatchet(params, { rng, versionByte: 0x44 }), RangeError);
  // deno-lint-ignore no-explicit-any
  await assert.rejects(() => initializeAliceRatchet(params, {} as any), TypeError);
  await assert.rejects(() => aliceX3dhKeys({ ...params, theirIdentityKey: new Uint8Array(33) }), RangeError);
});
