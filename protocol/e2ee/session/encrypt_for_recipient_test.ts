import assert from "node:assert/strict";
import fc from "fast-check";
import { concat, toHex } from "../../bytes.ts";
import { isProtocolError } from "../../errors.ts";
import { allProviders } from "../../crypto/default.ts";
import { nobleProvider as provider } from "../../crypto/noble.ts";
import { sealBox } from "../../crypto/sealed_box.ts";
import { identityFromSeed } from "../../identity.ts";
import { seededRng } from "../../_testing/seeded_rng.ts";
import { decryptIncoming, encryptForRecipient, RECIPIENT_ENCRYPT_OVERHEAD_BYTES } from "./encrypt_for_recipient.ts";

const alice = await identityFromSeed(new Uint8Array(32).fill(1), { provider });
const bob = await identityFromSeed(new Uint8Array(32).fill(2), { provider });
const code = (c: string) => (e: unknown) => isProtocolError(e) && e.code === c;

Deno.test("encryptForRecipient() round trips any message on every provider, |ct| = |M| + 144", async () => {
  for (const p of await allProviders()) {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.boolean(), async (m, deterministic) => {
        const ct = await encryptForRecipient(m, alice.ed25519Seed, {
          recipient: bob.sessionId,
          deterministic,
          rng: seededRng(toHex(m)),
          provider: p,
        });
        assert.equal(ct.length, m.length + RECIPIENT_ENCRYPT_OVERHEAD_BYTES);
        const got = await decryptIncoming(ct, bob.ed25519Seed, { provider: p });
        assert.deepEqual(got.plaintext, m);
        assert.deepEqual(got.senderEd25519, alice.ed25519Public);
        assert.equal(got.senderSessionId, alice.sessionId);
      }),
      { numRuns: 25 },
    );
  }
});

Deno.test("decryptIncoming() refuses any single bit flip of the sealed message", async () => {
  const ct = await encryptForRecipient(new TextEncoder().encode("flip me"), alice.ed25519Seed, {
    recipient: bob.x25519Public,
    rng: seededRng("flip"),
    provider,
  });
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: ct.length * 8 - 1 }), async (bit) => {
      const tampered = ct.slice();
      tampered[bit >> 3] ^= 1 << (bit & 7);
      await assert.rejects(
        decryptIncoming(tampered, bob.ed25519Seed, { provider }),
        (e) => code("DECRYPT_FAILED")(e) || code("KEY_AGREEMENT_FAILED")(e),
      );
    }),
    { numRuns: 300 },
  );
});

Deno.test("encryptForRecipient({ deterministic }) repeats for the same input and changes with the message", async () => {
  const opts = { recipient: bob.sessionId, deterministic: true, provider };
  const a = await encryptForRecipient(new Uint8Array([1]), alice.ed25519Seed, opts);
  assert.deepEqual(a, await encryptForRecipient(new Uint8Array([1]), alice.ed25519Seed, opts));
  assert.notDeepEqual(
    a.subarray(0, 32),
    (await encryptForRecipient(new Uint8Array([2]), alice.ed25519Seed, opts)).subarray(0, 32),
  );
});

Deno.test("decryptIncoming() refuses an opened box shorter than A ‖ SIG", async () => {
  const sealed = sealBox(new Uint8Array(95), bob.x25519Public, { rng: seededRng("short") });
  await assert.rejects(decryptIncoming(sealed, bob.ed25519Seed, { provider }), code("MESSAGE_INVALID"));
});

Deno.test("decryptIncoming() refuses a signature made for another recipient (no forwarding) or by another key", async () => {
  const m = new Uint8Array([9, 9]);
  // Signed for Alice's own key, sealed to Bob: the recipient key inside the signature differs.
  const forwarded = concat(
    m,
    alice.ed25519Public,
    await provider.ed25519Sign(alice.ed25519Seed, concat(m, alice.ed25519Public, alice.x25519Public)),
  );
  await assert.rejects(
    decryptIncoming(sealBox(forwarded, bob.x25519Public), bob.ed25519Seed, { provider }),
    code("SIGNATURE_INVALID"),
  );
  // Signed by Alice but claiming Bob's key as A.
  const impostor = concat(
    m,
    bob.ed25519Public,
    await provider.ed25519Sign(alice.ed25519Seed, concat(m, bob.ed25519Public, bob.x25519Public)),
  );
  await assert.rejects(
    decryptIncoming(sealBox(impostor, bob.x25519Public), bob.ed25519Seed, { provider }),
    code("SIGNATURE_INVALID"),
  );
});

Deno.test("decryptIncoming() accepts the recipient's 64-byte secret; both sides check their arguments", async () => {
  const ct = await encryptForRecipient(new Uint8Array([3]), concat(alice.ed25519Seed, alice.ed25519Public), {
    recipient: bob.sessionId,
    provider,
  });
  const got = await decryptIncoming(ct, concat(bob.ed25519Seed, bob.ed25519Public), { provider });
  assert.equal(got.senderSessionId, alice.sessionId);
  await assert.rejects(
    encryptForRecipient("x" as never, alice.ed25519Seed, { recipient: bob.sessionId, provider }),
    TypeError,
  );
  await assert.rejects(
    encryptForRecipient(new Uint8Array(), alice.ed25519Seed, { recipient: "05", provider }),
    code("KEY_INVALID"),
  );
  await assert.rejects(
    encryptForRecipient(new Uint8Array(), alice.ed25519Seed, { recipient: new Uint8Array(32), provider }),
    code("KEY_AGREEMENT_FAILED"),
  );
  await assert.rejects(decryptIncoming(new Uint8Array(10), bob.ed25519Seed, { provider }), code("DECRYPT_FAILED"));
  await assert.rejects(decryptIncoming(ct, new Uint8Array(31), { provider }), RangeError);
});
