/**
 * Property: every crypto provider that loads on this runtime gives byte-identical outputs for every
 * primitive on random keys, nonces and messages (up to 64 KiB), `open(seal(x)) == x`, and a flipped
 * bit anywhere in a sealed blob or signature is refused by every provider (performance.md: "every
 * provider run against the same vectors and cross-checked against the others").
 *
 * Fixed seed (printed), bounded runs: the whole file stays well under 20 s.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { fromHex, toHex } from "../../protocol/bytes.ts";
import { isProtocolError } from "../../protocol/errors.ts";
import { seededRng } from "../../protocol/_testing/seeded_rng.ts";
import { allProviders } from "../../protocol/crypto/default.ts";
import type { CryptoProvider } from "../../protocol/crypto/provider.ts";

/** Fixed fast-check seed, printed so a failure can be replayed. */
const SEED = 20_240_611;
/** Largest random message: 64 KiB covers both sides of the Deno AES-GCM WebCrypto threshold. */
const MAX_MESSAGE_BYTES = 64 * 1024;
/** Runs per property: enough for every size class, bounded for CI time. */
const AEAD_RUNS = 200;
const HASH_RUNS = 200;
const CURVE_RUNS = 60;

const providers = await allProviders();
const names = providers.map((p) => p.name).join(", ");
console.log(`providers_property_test: seed=${SEED} providers=[${names}]`);

/**
 * Bytes from a (length, seed) pair: fast to generate at 64 KiB and to shrink (fast-check would
 * otherwise build large arrays one element at a time).
 */
function sizedBytes(maxLength: number): fc.Arbitrary<Uint8Array> {
  const length = fc.oneof(
    fc.integer({ min: 0, max: 64 }),
    fc.integer({ min: 0, max: maxLength }),
  );
  return fc.tuple(length, fc.integer()).map(([n, seed]) => seededRng(`bytes:${seed}`).fill(new Uint8Array(n)));
}

const fixed = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

/** Every provider's result for `f`, as hex; asserts they are all equal and returns it. */
async function agree(what: string, f: (p: CryptoProvider) => Promise<Uint8Array> | Uint8Array): Promise<string> {
  const outputs = await Promise.all(providers.map(async (p) => toHex(await f(p))));
  for (let i = 1; i < outputs.length; i++) {
    assert.equal(outputs[i], outputs[0], `${providers[i].name} differs from ${providers[0].name} on ${what}`);
  }
  return outputs[0];
}

type Seal = (k: Uint8Array, n: Uint8Array, m: Uint8Array, aad?: Uint8Array) => Promise<Uint8Array> | Uint8Array;
type Open = (k: Uint8Array, n: Uint8Array, s: Uint8Array, aad?: Uint8Array) => Promise<Uint8Array> | Uint8Array;

const AEADS: {
  name: string;
  nonceBytes: number;
  seal: (p: CryptoProvider) => Seal;
  open: (p: CryptoProvider) => Open;
}[] = [
  { name: "aesGcm", nonceBytes: 12, seal: (p) => p.aesGcmSeal, open: (p) => p.aesGcmOpen },
  { name: "chacha", nonceBytes: 12, seal: (p) => p.chachaSeal, open: (p) => p.chachaOpen },
  { name: "xchacha", nonceBytes: 24, seal: (p) => p.xchachaSeal, open: (p) => p.xchachaOpen },
];

for (const aead of AEADS) {
  Deno.test(`allProviders() ${aead.name}Seal() agree byte for byte, open(seal(x)) == x, a flipped bit is refused`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fixed(32),
        fixed(aead.nonceBytes),
        sizedBytes(MAX_MESSAGE_BYTES),
        fc.option(sizedBytes(64), { nil: undefined }),
        fc.nat(),
        async (key, nonce, message, aad, flipAt) => {
          const sealed = await agree("seal", (p) => aead.seal(p)(key, nonce, message, aad));
          const blob = fromHex(sealed);
          await agree("open", async (p) => {
            const opened = await aead.open(p)(key, nonce, blob, aad);
            assert.equal(toHex(opened), toHex(message), `${p.name} open(seal(x))`);
            return opened;
          });
          const bit = flipAt % (blob.length * 8);
          const tampered = blob.slice();
          tampered[bit >> 3] ^= 1 << (bit & 7);
          for (const p of providers) {
            await assert.rejects(
              async () => await aead.open(p)(key, nonce, tampered, aad),
              (e) => isProtocolError(e, "DECRYPT_FAILED"),
              `${p.name} accepted a flipped bit ${bit}`,
            );
          }
        },
      ),
      { seed: SEED, numRuns: AEAD_RUNS },
    );
  });
}

Deno.test("allProviders() agree byte for byte on hmacSha256(), hkdfSha256(), sha512() and blake2b()", async () => {
  await fc.assert(
    fc.asyncProperty(
      sizedBytes(200),
      sizedBytes(MAX_MESSAGE_BYTES),
      sizedBytes(100),
      fc.integer({ min: 0, max: 255 * 32 }),
      fc.integer({ min: 1, max: 64 }),
      fc.option(sizedBytes(64), { nil: undefined }),
      async (key, message, info, length, outLength, blakeKey) => {
        await agree("hmacSha256", (p) => p.hmacSha256(key, message));
        await agree("hkdfSha256", (p) => p.hkdfSha256(message.subarray(0, 256), key, info, length));
        await agree("sha512", (p) => p.sha512(message));
        await agree("blake2b", (p) => p.blake2b(message, outLength, blakeKey));
      },
    ),
    { seed: SEED, numRuns: HASH_RUNS },
  );
});

Deno.test("allProviders() agree byte for byte on x25519PublicKey() and x25519() both ways", async () => {
  await fc.assert(
    fc.asyncProperty(fixed(32), fixed(32), async (a, b) => {
      const aPublic = await agree("x25519PublicKey", (p) => p.x25519PublicKey(a));
      const bPublic = await agree("x25519PublicKey", (p) => p.x25519PublicKey(b));
      const ab = await agree("x25519", (p) => p.x25519(a, fromHex(bPublic)));
      const ba = await agree("x25519", (p) => p.x25519(b, fromHex(aPublic)));
      assert.equal(ab, ba);
    }),
    { seed: SEED, numRuns: CURVE_RUNS },
  );
});

Deno.test("allProviders() agree on Ed25519 keys, signatures and conversions; a flipped bit fails everywhere", async () => {
  await fc.assert(
    fc.asyncProperty(fixed(32), sizedBytes(4096), fc.nat(), async (seed, message, flipAt) => {
      const publicKey = fromHex(await agree("ed25519PublicKey", (p) => p.ed25519PublicKey(seed)));
      const signature = fromHex(await agree("ed25519Sign", (p) => p.ed25519Sign(seed, message)));
      await agree("ed25519PublicToX25519", (p) => p.ed25519PublicToX25519(publicKey));
      await agree("ed25519SeedToX25519Secret", (p) => p.ed25519SeedToX25519Secret(seed));
      const bit = flipAt % (signature.length * 8);
      const bad = signature.slice();
      bad[bit >> 3] ^= 1 << (bit & 7);
      for (const p of providers) {
        assert.equal(await p.ed25519Verify(publicKey, message, signature), true, `${p.name} good signature`);
        assert.equal(await p.ed25519Verify(publicKey, message, bad), false, `${p.name} flipped bit ${bit}`);
      }
    }),
    { seed: SEED, numRuns: CURVE_RUNS },
  );
});
