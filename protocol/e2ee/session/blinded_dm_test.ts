import assert from "node:assert/strict";
import fc from "fast-check";
import { concat, fromHex, toHex } from "../../bytes.ts";
import { ed25519SecretScalar, scalarMul, scalarMultPoint } from "../../crypto/ed25519_blinding.ts";
import { isProtocolError } from "../../errors.ts";
import { nobleProvider as provider } from "../../crypto/noble.ts";
import { identityFromSeed } from "../../identity.ts";
import { seededRng } from "../../_testing/seeded_rng.ts";
import { blind15Ids, blind25Id, blindedIdFromEd25519, blindedKeyPair } from "./blinding.ts";
import { decryptFromBlindedRecipient, encryptForBlindedRecipient } from "./blinded_dm.ts";
import { PREFIX_BLIND15, PREFIX_BLIND25 } from "./constants.ts";

const serverPublicKey = new Uint8Array(32).fill(7);
const alice = await identityFromSeed(new Uint8Array(32).fill(1), { provider });
const bob = await identityFromSeed(new Uint8Array(32).fill(2), { provider });
const carol = await identityFromSeed(new Uint8Array(32).fill(3), { provider });
const code = (c: string) => (e: unknown) => isProtocolError(e) && e.code === c;
const blinded = (id: typeof alice, prefix: number) =>
  blindedIdFromEd25519(id.ed25519Public, prefix, { serverPublicKey, provider });

Deno.test("encryptForBlindedRecipient() round trips for 15- and 25-blinding; both parties can decrypt", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 300 }),
      fc.constantFrom(PREFIX_BLIND15, PREFIX_BLIND25),
      async (m, prefix) => {
        const sender = await blinded(alice, prefix), recipient = await blinded(bob, prefix);
        const ct = await encryptForBlindedRecipient(m, alice.ed25519Seed, {
          serverPublicKey,
          recipient,
          rng: seededRng(toHex(m)),
          provider,
        });
        assert.equal(ct[0], 0);
        assert.equal(ct.length, 1 + m.length + 32 + 16 + 24);
        for (const own of [bob.ed25519Seed, alice.ed25519Seed]) {
          const got = await decryptFromBlindedRecipient(ct, own, { serverPublicKey, sender, recipient, provider });
          assert.deepEqual(got.plaintext, m);
          assert.equal(got.senderSessionId, alice.sessionId);
          assert.deepEqual(got.senderEd25519, alice.ed25519Public);
        }
        await assert.rejects(
          decryptFromBlindedRecipient(ct, carol.ed25519Seed, { serverPublicKey, sender, recipient, provider }),
          code("DECRYPT_FAILED"),
        );
      },
    ),
    { numRuns: 20 },
  );
});

Deno.test("a sender's 15-blinded ID is one of the two its Session ID gives; only that one opens the message", async () => {
  // The sender blinds its real A (either sign); a reader holding only the Session ID gets both forms (§5.4).
  const recipient = await blinded(bob, PREFIX_BLIND15);
  const ct = await encryptForBlindedRecipient(new Uint8Array([1]), alice.ed25519Seed, {
    serverPublicKey,
    recipient,
    provider,
  });
  const forms = await blind15Ids(alice.sessionId, serverPublicKey, { provider });
  const actual = await blinded(alice, PREFIX_BLIND15);
  assert.ok(forms.includes(actual));
  const got = await decryptFromBlindedRecipient(ct, bob.ed25519Seed, {
    serverPublicKey,
    sender: actual,
    recipient,
    provider,
  });
  assert.equal(got.senderSessionId, alice.sessionId);
  const other = forms.find((f) => f !== actual)!;
  await assert.rejects(
    decryptFromBlindedRecipient(ct, bob.ed25519Seed, { serverPublicKey, sender: other, recipient, provider }),
    code("DECRYPT_FAILED"),
  );
});

Deno.test("decryptFromBlindedRecipient() refuses any single bit flip", async () => {
  const recipient = await blind25Id(bob.sessionId, serverPublicKey, { provider });
  const sender = await blinded(alice, PREFIX_BLIND25);
  const ct = await encryptForBlindedRecipient(new Uint8Array([1, 2, 3]), alice.ed25519Seed, {
    serverPublicKey,
    recipient,
    provider,
  });
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: ct.length * 8 - 1 }), async (bit) => {
      const tampered = ct.slice();
      tampered[bit >> 3] ^= 1 << (bit & 7);
      await assert.rejects(
        decryptFromBlindedRecipient(tampered, bob.ed25519Seed, { serverPublicKey, sender, recipient, provider }),
        (e) => code("DECRYPT_FAILED")(e) || code("MESSAGE_UNSUPPORTED")(e),
      );
    }),
    { numRuns: 150 },
  );
});

Deno.test("decryptFromBlindedRecipient() refuses an inner sender key that does not blind to the outer sender ID", async () => {
  // Another sender's message under a claimed ID does not even open: the key binds the sender's blinded key.
  const recipient = await blinded(bob, PREFIX_BLIND25);
  const aliceId = await blinded(alice, PREFIX_BLIND25);
  const fromCarol = await encryptForBlindedRecipient(new Uint8Array([1]), carol.ed25519Seed, {
    serverPublicKey,
    recipient,
    provider,
  });
  await assert.rejects(
    decryptFromBlindedRecipient(fromCarol, bob.ed25519Seed, { serverPublicKey, sender: aliceId, recipient, provider }),
    code("DECRYPT_FAILED"),
  );
  // Alice's key schedule (as encryptForBlindedRecipient derives it) with Carol's key inside: the ID check fires.
  const pair = await blindedKeyPair(alice.ed25519Seed, PREFIX_BLIND25, { serverPublicKey, provider });
  const bobKey = fromHex(recipient.slice(2));
  const q = scalarMultPoint(scalarMul(ed25519SecretScalar(alice.ed25519Seed), pair.factor), bobKey);
  const key = await provider.blake2b(concat(q, pair.publicKey, bobKey), 32);
  const nonce = new Uint8Array(24).fill(1);
  const inner = concat(new Uint8Array([1]), carol.ed25519Public);
  const forged = concat(new Uint8Array([0]), await provider.xchachaSeal(key, nonce, inner), nonce);
  await assert.rejects(
    decryptFromBlindedRecipient(forged, bob.ed25519Seed, { serverPublicKey, sender: aliceId, recipient, provider }),
    code("SENDER_MISMATCH"),
  );
  // The same construction with Alice's own key inside is accepted: the forgery differs only in A.
  const genuine = concat(
    new Uint8Array([0]),
    await provider.xchachaSeal(key, nonce, concat(new Uint8Array([1]), alice.ed25519Public)),
    nonce,
  );
  const got = await decryptFromBlindedRecipient(genuine, bob.ed25519Seed, {
    serverPublicKey,
    sender: aliceId,
    recipient,
    provider,
  });
  assert.equal(got.senderSessionId, alice.sessionId);
});

Deno.test("decryptFromBlindedRecipient() refuses another version, short input and mixed 15/25 IDs", async () => {
  const recipient = await blinded(bob, PREFIX_BLIND25), sender = await blinded(alice, PREFIX_BLIND25);
  const ct = await encryptForBlindedRecipient(new Uint8Array([1]), alice.ed25519Seed, {
    serverPublicKey,
    recipient,
    provider,
  });
  const v1 = ct.slice();
  v1[0] = 1;
  const o = { serverPublicKey, sender, recipient, provider };
  await assert.rejects(decryptFromBlindedRecipient(v1, bob.ed25519Seed, o), code("MESSAGE_UNSUPPORTED"));
  await assert.rejects(decryptFromBlindedRecipient(ct.subarray(0, 72), bob.ed25519Seed, o), code("MESSAGE_INVALID"));
  await assert.rejects(
    decryptFromBlindedRecipient(ct, bob.ed25519Seed, { ...o, sender: await blinded(alice, PREFIX_BLIND15) }),
    code("KEY_INVALID"),
  );
  await assert.rejects(
    encryptForBlindedRecipient(new Uint8Array(), alice.ed25519Seed, {
      serverPublicKey,
      recipient: alice.sessionId,
      provider,
    }),
    code("KEY_INVALID"),
  );
});
