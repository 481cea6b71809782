/**
 * The pure-JS sealed box against libsodium itself (sodium-native's `crypto_box_seal`,
 * `crypto_box_seal_open`, `crypto_box_seed_keypair`), both directions, plus tamper rejection.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { x25519 } from "@noble/curves/ed25519.js";
import { isProtocolError } from "../errors.ts";
import { seededRng } from "../_testing/seeded_rng.ts";
import {
  BOX_SEED_BYTES,
  boxSeedKeyPair,
  deterministicEphemeralSeed,
  openSealedBox,
  sealBox,
  SEALED_BOX_OVERHEAD_BYTES,
} from "./sealed_box.ts";

/** The part of sodium-native the cross-check calls (the package ships no types). */
interface SodiumBox {
  crypto_box_seal(c: Uint8Array, m: Uint8Array, pk: Uint8Array): void;
  crypto_box_seal_open(m: Uint8Array, c: Uint8Array, pk: Uint8Array, sk: Uint8Array): boolean;
  crypto_box_seed_keypair(pk: Uint8Array, sk: Uint8Array, seed: Uint8Array): void;
  crypto_box_keypair(pk: Uint8Array, sk: Uint8Array): void;
}

/** sodium-native, loaded as `sodium.ts` loads it; undefined where the addon cannot load. */
async function loadSodium(): Promise<SodiumBox | undefined> {
  try {
    const mod = await import("sodium-native");
    const native = (mod.default ?? mod) as SodiumBox;
    return typeof native.crypto_box_seal === "function" ? native : undefined;
  } catch {
    return undefined;
  }
}
const sodium = await loadSodium();
const NO_SODIUM = sodium === undefined ? " (skipped: sodium-native did not load)" : "";

function keyPair(seed: Uint8Array) {
  const secretKey = seed.slice();
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) };
}

Deno.test({
  name: `sealBox() output opens with libsodium's crypto_box_seal_open, and libsodium's boxes open here${NO_SODIUM}`,
  ignore: sodium === undefined,
  fn: () => {
    const s = sodium!;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (m, seed) => {
        const pk = new Uint8Array(32), sk = new Uint8Array(32);
        s.crypto_box_seed_keypair(pk, sk, seed);
        const ours = sealBox(m, pk, { rng: seededRng(`box ${m.length}`) });
        assert.equal(ours.length, m.length + SEALED_BOX_OVERHEAD_BYTES);
        const opened = new Uint8Array(m.length);
        assert.ok(s.crypto_box_seal_open(opened, ours, pk, sk), "libsodium refused our box");
        assert.deepEqual(opened, m);
        const theirs = new Uint8Array(m.length + SEALED_BOX_OVERHEAD_BYTES);
        s.crypto_box_seal(theirs, m, pk);
        assert.deepEqual(openSealedBox(theirs, sk, pk), m);
        assert.deepEqual(openSealedBox(theirs, sk), m);
      }),
      { numRuns: 60 },
    );
  },
});

Deno.test({
  name: `boxSeedKeyPair() equals libsodium's crypto_box_seed_keypair${NO_SODIUM}`,
  ignore: sodium === undefined,
  fn: () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: BOX_SEED_BYTES, maxLength: BOX_SEED_BYTES }), (seed) => {
        const pk = new Uint8Array(32), sk = new Uint8Array(32);
        sodium!.crypto_box_seed_keypair(pk, sk, seed);
        const ours = boxSeedKeyPair(seed);
        assert.deepEqual(ours.publicKey, pk);
        assert.deepEqual(ours.secretKey, sk);
      }),
      { numRuns: 50 },
    );
  },
});

Deno.test("sealBox() with a fixed ephemeral secret is deterministic and embeds its public key", () => {
  const recipient = keyPair(new Uint8Array(32).fill(3));
  const eph = boxSeedKeyPair(deterministicEphemeralSeed(new Uint8Array(32), recipient.publicKey, new Uint8Array([1])));
  const a = sealBox(new Uint8Array([1, 2]), recipient.publicKey, { ephemeralSecret: eph.secretKey });
  const b = sealBox(new Uint8Array([1, 2]), recipient.publicKey, { ephemeralSecret: eph.secretKey });
  assert.deepEqual(a, b);
  assert.deepEqual(a.subarray(0, 32), eph.publicKey);
});

Deno.test("openSealedBox() refuses any single bit flip", () => {
  const recipient = keyPair(new Uint8Array(32).fill(9));
  const sealed = sealBox(new Uint8Array([1, 2, 3, 4, 5]), recipient.publicKey, { rng: seededRng("flip") });
  fc.assert(
    fc.property(fc.nat({ max: sealed.length * 8 - 1 }), (bit) => {
      const tampered = sealed.slice();
      tampered[bit >> 3] ^= 1 << (bit & 7);
      // A flip in E can also land on a low-order point, which X25519 refuses.
      assert.throws(
        () => openSealedBox(tampered, recipient.secretKey),
        (e) => isProtocolError(e, "DECRYPT_FAILED") || isProtocolError(e, "KEY_AGREEMENT_FAILED"),
      );
    }),
    { numRuns: 200 },
  );
});

Deno.test("openSealedBox() refuses a box shorter than its overhead, another key, and an all-zero ephemeral key", () => {
  const recipient = keyPair(new Uint8Array(32).fill(9));
  assert.throws(
    () => openSealedBox(new Uint8Array(47), recipient.secretKey),
    (e) => isProtocolError(e, "DECRYPT_FAILED"),
  );
  const sealed = sealBox(new Uint8Array([1]), recipient.publicKey);
  assert.throws(() => openSealedBox(sealed, new Uint8Array(32).fill(8)), (e) => isProtocolError(e, "DECRYPT_FAILED"));
  assert.throws(
    () => openSealedBox(new Uint8Array(60), recipient.secretKey),
    (e) => isProtocolError(e, "KEY_AGREEMENT_FAILED"),
  );
});

Deno.test("sealBox() refuses a low-order recipient key and keys of the wrong length", () => {
  assert.throws(
    () => sealBox(new Uint8Array(1), new Uint8Array(32)),
    (e) => isProtocolError(e, "KEY_AGREEMENT_FAILED"),
  );
  assert.throws(() => sealBox(new Uint8Array(1), new Uint8Array(31)), RangeError);
  assert.throws(
    () => sealBox(new Uint8Array(1), new Uint8Array(32).fill(9), { ephemeralSecret: new Uint8Array(3) }),
    RangeError,
  );
  assert.throws(() => openSealedBox(new Uint8Array(60), new Uint8Array(32), new Uint8Array(2)), RangeError);
  assert.throws(() => boxSeedKeyPair(new Uint8Array(31)), RangeError);
  assert.throws(() => deterministicEphemeralSeed(new Uint8Array(32), new Uint8Array(32), "x" as never), TypeError);
});
