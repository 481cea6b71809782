/**
 * The output-array contract of `provider.ts` through `into.ts`, on every provider that loads
 * (sodium writes into `out`; noble and webcrypto return fresh arrays that `into.ts` copies) and on
 * wrappers that drop the `out` argument: the same bytes as without `out`, writes into views of
 * larger arrays, seals in place, and the same errors.
 */

import assert from "node:assert/strict";
import { fromHex, toHex } from "../bytes.ts";
import { isProtocolError } from "../errors.ts";
import { seededRng } from "../_testing/seeded_rng.ts";
import { allProviders } from "./default.ts";
import {
  aesGcmSealInto,
  blake2bInto,
  hmacSha256Into,
  type Pending,
  x25519Into,
  x25519PublicKeyInto,
  xchachaSealInto,
} from "./into.ts";
import type { CryptoProvider } from "./provider.ts";
import { DENO_WEBCRYPTO_GCM_MIN_BYTES } from "./sodium.ts";

const rng = seededRng("into_test");
const bytes = (n: number) => rng.fill(new Uint8Array(n));

/** A wrapper that forwards only the arguments it knows, as instrumentation might (drops `out`). */
function droppingOut(p: CryptoProvider): CryptoProvider {
  return {
    ...p,
    x25519PublicKey: (secret) => p.x25519PublicKey(secret),
    x25519: (secret, publicKey) => p.x25519(secret, publicKey),
    hmacSha256: (key, message) => p.hmacSha256(key, message),
    blake2b: (message, outLength, key) => p.blake2b(message, outLength, key),
    aesGcmSeal: (key, iv, plaintext, aad) => p.aesGcmSeal(key, iv, plaintext, aad),
    xchachaSeal: (key, nonce, plaintext, aad) => p.xchachaSeal(key, nonce, plaintext, aad),
  };
}

const loaded = await allProviders();
const providers = loaded.flatMap((p) => [{ p, label: p.name }, { p: droppingOut(p), label: `${p.name} wrapped` }]);

/** A 32-byte window in the middle of a larger array, with the bytes around it checked untouched. */
function window(length: number): { view: Uint8Array; untouched: () => boolean } {
  const whole = new Uint8Array(length + 16).fill(0xee);
  return {
    view: whole.subarray(8, 8 + length),
    untouched: () => [...whole.subarray(0, 8), ...whole.subarray(8 + length)].every((b) => b === 0xee),
  };
}

async function settle(p: Pending): Promise<void> {
  if (p !== undefined) await p;
}

for (const { p, label } of providers) {
  Deno.test(`x25519PublicKeyInto(), x25519Into(), hmacSha256Into() and blake2bInto() write the plain results into views (${label})`, async () => {
    const secret = bytes(32), other = bytes(32);
    const otherPublic = await p.x25519PublicKey(other);
    let w = window(32);
    await settle(x25519PublicKeyInto(p, w.view, secret));
    assert.equal(toHex(w.view), toHex(await p.x25519PublicKey(secret)));
    assert.ok(w.untouched());

    w = window(32);
    await settle(x25519Into(p, w.view, secret, otherPublic));
    assert.equal(toHex(w.view), toHex(await p.x25519(secret, otherPublic)));
    assert.ok(w.untouched());

    for (const [key, message] of [[fromHex("4c4f4b49"), bytes(32)], [bytes(100), bytes(3)], [bytes(0), bytes(200)]]) {
      w = window(32);
      await settle(hmacSha256Into(p, w.view, key, message));
      assert.equal(toHex(w.view), toHex(await p.hmacSha256(key, message)));
      assert.ok(w.untouched());
    }

    for (const length of [8, 16, 32, 64]) {
      const message = bytes(96);
      w = window(length);
      await settle(blake2bInto(p, w.view, message));
      assert.equal(toHex(w.view), toHex(await p.blake2b(message, length)));
      assert.ok(w.untouched());
    }
  });

  Deno.test(`x25519Into() refuses a low-order key with KEY_AGREEMENT_FAILED (${label})`, async () => {
    await assert.rejects(
      async () => await settle(x25519Into(p, new Uint8Array(32), bytes(32), new Uint8Array(32))),
      (e) => isProtocolError(e, "KEY_AGREEMENT_FAILED"),
    );
  });

  Deno.test(`aesGcmSealInto() and xchachaSealInto() match the plain seals, in place and not (${label})`, async () => {
    const key = bytes(32);
    for (const size of [0, 1, 1000, DENO_WEBCRYPTO_GCM_MIN_BYTES + 5]) {
      for (
        const [name, nonceLength, sealInto, seal] of [
          ["aes-gcm", 12, aesGcmSealInto, p.aesGcmSeal],
          ["xchacha20", 24, xchachaSealInto, p.xchachaSeal],
        ] as const
      ) {
        const nonce = bytes(nonceLength), plaintext = bytes(size);
        const expected = toHex(await seal(key, nonce, plaintext));
        const w = window(size + 16);
        await settle(sealInto(p, w.view, key, nonce, plaintext));
        assert.equal(toHex(w.view), expected, `${name} ${size}`);
        assert.ok(w.untouched());
        // In place: the plaintext sits at the start of `out`, inside a larger array.
        const inPlace = window(size + 16);
        inPlace.view.set(plaintext);
        await settle(sealInto(p, inPlace.view, key, nonce, inPlace.view.subarray(0, size)));
        assert.equal(toHex(inPlace.view), expected, `${name} ${size} in place`);
        assert.ok(inPlace.untouched());
      }
    }
  });
}

Deno.test("sodiumProvider writes into `out` itself (no copy) for the hot-path primitives, in place for seals", async () => {
  const p = loaded.find((x) => x.name === "sodium");
  if (p === undefined) return;
  const out = new Uint8Array(64);
  const at = (n: number) => out.subarray(8, 8 + n);
  let o: Uint8Array = at(32);
  assert.equal(await p.x25519PublicKey(bytes(32), o), o);
  o = at(32);
  assert.equal(await p.x25519(bytes(32), await p.x25519PublicKey(bytes(32)), o), o);
  o = at(32);
  assert.equal(await p.hmacSha256(bytes(4), bytes(32), o), o);
  o = at(32);
  assert.equal(await p.blake2b(bytes(96), 32, undefined, o), o);
  const buf = bytes(100 + 16);
  o = buf.subarray(0, 116);
  assert.equal(await p.xchachaSeal(bytes(32), bytes(24), buf.subarray(0, 100), undefined, o), o);
  assert.equal(await p.aesGcmSeal(bytes(32), bytes(12), buf.subarray(0, 100), undefined, o), o);
});
