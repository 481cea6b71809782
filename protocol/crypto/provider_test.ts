/**
 * The shared contract of `provider.ts`, checked on every provider that loads on this runtime: edge
 * cases the published vectors do not reach (empty inputs, short blobs, over-long signatures, the
 * output and key lengths where sodium-native hands BLAKE2b to noble, both sides of the Deno
 * AES-GCM WebCrypto threshold).
 */

import assert from "node:assert/strict";
import { fromHex, toHex } from "../bytes.ts";
import { isProtocolError } from "../errors.ts";
import { seededRng } from "../_testing/seeded_rng.ts";
import { allProviders } from "./default.ts";
import { nobleProvider } from "./noble.ts";
import type { CryptoProvider } from "./provider.ts";
import { DENO_WEBCRYPTO_GCM_MIN_BYTES } from "./sodium.ts";

const providers = await allProviders();
const rng = seededRng("provider_test");
const bytes = (n: number) => rng.fill(new Uint8Array(n));

/** An Ed25519 encoding with no curve point: y = 2 gives a non-square x² (RFC 8032 §5.1.3 step 3). */
const NOT_A_POINT = fromHex("0200000000000000000000000000000000000000000000000000000000000000");

type Seal = (k: Uint8Array, n: Uint8Array, m: Uint8Array, aad?: Uint8Array) => Promise<Uint8Array> | Uint8Array;
type Open = (k: Uint8Array, n: Uint8Array, s: Uint8Array, aad?: Uint8Array) => Promise<Uint8Array> | Uint8Array;

/** The three AEADs of a provider with their nonce lengths. */
function aeads(p: CryptoProvider): { name: string; nonceBytes: number; seal: Seal; open: Open }[] {
  return [
    { name: "aesGcm", nonceBytes: 12, seal: p.aesGcmSeal, open: p.aesGcmOpen },
    { name: "chacha", nonceBytes: 12, seal: p.chachaSeal, open: p.chachaOpen },
    { name: "xchacha", nonceBytes: 24, seal: p.xchachaSeal, open: p.xchachaOpen },
  ];
}

for (const p of providers) {
  const P = `${p.name}Provider`;

  Deno.test(`${P} x25519() rejects the all-zero shared secret`, async () => {
    // u = 0 and u = 1 are low-order points (RFC 7748 §7): every scalar gives the all-zero secret.
    for (const u of ["00", "01"]) {
      const publicKey = fromHex(u.padEnd(64, "0"));
      await assert.rejects(
        async () => await p.x25519(bytes(32), publicKey),
        (e) => isProtocolError(e, "KEY_AGREEMENT_FAILED"),
        `u = ${u}`,
      );
    }
  });

  Deno.test(`${P} x25519() agrees in both directions for fresh keys`, async () => {
    const a = bytes(32);
    const b = bytes(32);
    const ab = await p.x25519(a, await p.x25519PublicKey(b));
    const ba = await p.x25519(b, await p.x25519PublicKey(a));
    assert.equal(toHex(ab), toHex(ba));
  });

  Deno.test(`${P} AEAD opens reject a blob shorter than the tag with DECRYPT_FAILED`, async () => {
    for (const { name, nonceBytes, open } of aeads(p)) {
      for (const length of [0, 1, 15]) {
        await assert.rejects(
          async () => await open(bytes(32), bytes(nonceBytes), bytes(length)),
          (e) => isProtocolError(e, "DECRYPT_FAILED"),
          `${name} with ${length} bytes`,
        );
      }
    }
  });

  Deno.test(`${P} AEADs seal empty plaintexts and treat a missing aad as empty`, async () => {
    for (const { name, nonceBytes, seal, open } of aeads(p)) {
      const key = bytes(32);
      const nonce = bytes(nonceBytes);
      const empty = new Uint8Array(0);
      const sealed = await seal(key, nonce, empty);
      assert.equal(sealed.length, 16, name);
      assert.equal(toHex(await seal(key, nonce, empty, empty)), toHex(sealed), `${name} aad [] vs undefined`);
      assert.equal((await open(key, nonce, sealed)).length, 0, name);
      assert.equal((await open(key, nonce, sealed, empty)).length, 0, name);
      await assert.rejects(
        async () => await open(key, nonce, sealed, new Uint8Array([0])),
        (e) => isProtocolError(e, "DECRYPT_FAILED"),
        `${name} with a different aad`,
      );
    }
  });

  Deno.test(`${P} aesGcmSeal()/aesGcmOpen() match noble on both sides of the Deno WebCrypto threshold`, async () => {
    const key = bytes(32);
    const iv = bytes(12);
    const aad = bytes(7);
    for (const size of [DENO_WEBCRYPTO_GCM_MIN_BYTES - 1, DENO_WEBCRYPTO_GCM_MIN_BYTES, 64 * 1024]) {
      const plaintext = bytes(size);
      const sealed = await p.aesGcmSeal(key, iv, plaintext, aad);
      assert.equal(toHex(sealed), toHex(await nobleProvider.aesGcmSeal(key, iv, plaintext, aad)), `seal ${size}`);
      assert.equal(toHex(await p.aesGcmOpen(key, iv, sealed, aad)), toHex(plaintext), `open ${size}`);
      sealed[size >> 1] ^= 1;
      await assert.rejects(
        async () => await p.aesGcmOpen(key, iv, sealed, aad),
        (e) => isProtocolError(e, "DECRYPT_FAILED"),
        `flipped bit at ${size}`,
      );
    }
  });

  Deno.test(`${P} ed25519Verify() returns false for over-long, short and keyless signatures`, async () => {
    const seed = bytes(32);
    const message = bytes(40);
    const publicKey = await p.ed25519PublicKey(seed);
    const signature = await p.ed25519Sign(seed, message);
    assert.equal(await p.ed25519Verify(publicKey, message, signature), true);
    const garbage = new Uint8Array(65);
    garbage.set(signature);
    assert.equal(await p.ed25519Verify(publicKey, message, garbage), false, "64 good bytes + 1");
    assert.equal(await p.ed25519Verify(publicKey, message, signature.subarray(0, 63)), false, "63 bytes");
    assert.equal(await p.ed25519Verify(NOT_A_POINT, message, signature), false, "key not on the curve");
    assert.equal(await p.ed25519Verify(publicKey.subarray(0, 31), message, signature), false, "31-byte key");
  });

  Deno.test(`${P} ed25519PublicToX25519() throws KEY_INVALID for an encoding that is not a point`, async () => {
    await assert.rejects(
      async () => await p.ed25519PublicToX25519(NOT_A_POINT),
      (e) => isProtocolError(e, "KEY_INVALID"),
    );
  });

  Deno.test(`${P} ed25519SeedToX25519Secret() pairs with ed25519PublicToX25519()`, async () => {
    const seed = bytes(32);
    const secret = await p.ed25519SeedToX25519Secret(seed);
    assert.equal(secret[0] & 7, 0, "clamped low bits");
    assert.equal(secret[31] & 0xc0, 0x40, "clamped high bits");
    const fromEd = await p.ed25519PublicToX25519(await p.ed25519PublicKey(seed));
    assert.equal(toHex(await p.x25519PublicKey(secret)), toHex(fromEd));
  });

  Deno.test(`${P} blake2b() matches noble for every output length and short keys`, async () => {
    const message = bytes(100);
    for (const outLength of [1, 15, 16, 32, 64]) {
      for (const keyLength of [0, 1, 15, 16, 64]) {
        const key = keyLength === 0 ? undefined : bytes(keyLength);
        const want = toHex(await nobleProvider.blake2b(message, outLength, key));
        assert.equal(toHex(await p.blake2b(message, outLength, key)), want, `out ${outLength}, key ${keyLength}`);
      }
    }
    assert.equal(
      toHex(await p.blake2b(message, 32, new Uint8Array(0))),
      toHex(await p.blake2b(message, 32)),
      "an empty key is no key",
    );
  });

  Deno.test(`${P} hmacSha256() and hkdfSha256() accept empty keys and inputs`, async () => {
    const empty = new Uint8Array(0);
    assert.equal(toHex(await p.hmacSha256(empty, empty)), toHex(await nobleProvider.hmacSha256(empty, empty)));
    assert.equal(
      toHex(await p.hkdfSha256(empty, empty, empty, 42)),
      toHex(await nobleProvider.hkdfSha256(empty, empty, empty, 42)),
    );
    assert.equal((await p.hkdfSha256(bytes(32), empty, empty, 255 * 32)).length, 255 * 32);
    await assert.rejects(async () => await p.hkdfSha256(bytes(32), empty, empty, 255 * 32 + 1));
  });

  Deno.test(`${P} randomBytes() returns fresh arrays of the requested length`, () => {
    const a = p.randomBytes(32);
    const b = p.randomBytes(32);
    assert.equal(a.length, 32);
    assert.notEqual(toHex(a), toHex(b));
    assert.equal(p.randomBytes(0).length, 0);
  });
}

Deno.test("ed25519PublicToX25519() refuses small-order and mixed-order points on every provider", async () => {
  const crafted = [
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
    "0100000000000000000000000000000000000000000000000000000000000000", // identity
    "0300000000000000000000000000000000000000000000000000000000000000", // y = 3, not prime order
  ];
  for (const provider of await allProviders()) {
    for (const hex of crafted) {
      await assert.rejects(
        Promise.resolve().then(() => provider.ed25519PublicToX25519(fromHex(hex))),
        (e) => isProtocolError(e, "KEY_INVALID"),
        `${provider.name} ${hex.slice(0, 8)}`,
      );
    }
  }
});
