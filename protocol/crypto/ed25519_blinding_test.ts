/** Scalar and point arithmetic against libsodium's own `crypto_core_ed25519_*` / `crypto_scalarmult_ed25519_*`. */
import assert from "node:assert/strict";
import fc from "fast-check";
import { ed25519 } from "@noble/curves/ed25519.js";
import { fromHex } from "../bytes.ts";
import { isProtocolError } from "../errors.ts";
import { seededRng } from "../_testing/seeded_rng.ts";
import {
  decoySignature,
  ed25519SecretScalar,
  randomScalar,
  scalarAdd,
  scalarMul,
  scalarMultBase,
  scalarMultPoint,
  scalarNegate,
  scalarReduce,
} from "./ed25519_blinding.ts";

/** The part of sodium-native the cross-check calls. */
interface SodiumCore {
  crypto_core_ed25519_scalar_reduce(r: Uint8Array, s: Uint8Array): void;
  crypto_core_ed25519_scalar_add(z: Uint8Array, x: Uint8Array, y: Uint8Array): void;
  crypto_core_ed25519_scalar_negate(r: Uint8Array, s: Uint8Array): void;
  crypto_scalarmult_ed25519_noclamp(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  crypto_scalarmult_ed25519_base_noclamp(q: Uint8Array, n: Uint8Array): void;
  crypto_sign_ed25519_sk_to_curve25519(x: Uint8Array, ed: Uint8Array): void;
  crypto_sign_seed_keypair(pk: Uint8Array, sk: Uint8Array, seed: Uint8Array): void;
}

async function loadSodium(): Promise<SodiumCore | undefined> {
  try {
    const mod = await import("sodium-native");
    const native = (mod.default ?? mod) as SodiumCore;
    return typeof native.crypto_core_ed25519_scalar_reduce === "function" ? native : undefined;
  } catch {
    return undefined;
  }
}
const sodium = await loadSodium();
const NO_SODIUM = sodium === undefined ? " (skipped: sodium-native did not load)" : "";
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

function sodiumOut(fn: (out: Uint8Array) => void): Uint8Array {
  const out = new Uint8Array(32);
  fn(out);
  return out;
}

Deno.test({
  name:
    `scalarReduce/Add/Negate() equal libsodium's crypto_core_ed25519_scalar_*, scalarMul() its point form${NO_SODIUM}`,
  ignore: sodium === undefined,
  fn: () => {
    const s = sodium!;
    fc.assert(
      fc.property(bytes(64), bytes(64), (w1, w2) => {
        const a = scalarReduce(w1), b = scalarReduce(w2);
        assert.deepEqual(a, sodiumOut((o) => s.crypto_core_ed25519_scalar_reduce(o, w1)));
        // sodium-native lacks scalar_mul: check (a·b)·B = b·(a·B) with libsodium's multiplications.
        const aB = sodiumOut((o) => s.crypto_scalarmult_ed25519_base_noclamp(o, a));
        assert.deepEqual(
          sodiumOut((o) => s.crypto_scalarmult_ed25519_base_noclamp(o, scalarMul(a, b))),
          sodiumOut((o) => s.crypto_scalarmult_ed25519_noclamp(o, b, aB)),
        );
        assert.deepEqual(scalarAdd(a, b), sodiumOut((o) => s.crypto_core_ed25519_scalar_add(o, a, b)));
        assert.deepEqual(scalarNegate(a), sodiumOut((o) => s.crypto_core_ed25519_scalar_negate(o, a)));
      }),
      { numRuns: 100 },
    );
  },
});

Deno.test({
  name: `scalarMultBase() and scalarMultPoint() equal libsodium's noclamp multiplications${NO_SODIUM}`,
  ignore: sodium === undefined,
  fn: () => {
    const s = sodium!;
    fc.assert(
      fc.property(bytes(32), bytes(32), (n, seed) => {
        const point = ed25519.getPublicKey(seed);
        assert.deepEqual(scalarMultBase(n), sodiumOut((o) => s.crypto_scalarmult_ed25519_base_noclamp(o, n)));
        assert.deepEqual(scalarMultPoint(n, point), sodiumOut((o) => s.crypto_scalarmult_ed25519_noclamp(o, n, point)));
      }),
      { numRuns: 50 },
    );
  },
});

Deno.test({
  name: `ed25519SecretScalar() equals libsodium's crypto_sign_ed25519_sk_to_curve25519${NO_SODIUM}`,
  ignore: sodium === undefined,
  fn: () => {
    fc.assert(
      fc.property(bytes(32), (seed) => {
        const pk = new Uint8Array(32), sk = new Uint8Array(64);
        sodium!.crypto_sign_seed_keypair(pk, sk, seed);
        assert.deepEqual(
          ed25519SecretScalar(seed),
          sodiumOut((o) => sodium!.crypto_sign_ed25519_sk_to_curve25519(o, sk)),
        );
      }),
      { numRuns: 30 },
    );
  },
});

Deno.test("scalarMultPoint() refuses small-order, mixed-order and non-canonical points and a zero scalar", () => {
  const one = new Uint8Array(32);
  one[0] = 1;
  const identity = new Uint8Array(32);
  identity[0] = 1;
  const order2 = fromHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  const nonCanonical = fromHex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  const base = ed25519.Point.BASE;
  const torsion = ed25519.Point.fromBytes(fromHex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"));
  const mixed = base.add(torsion).toBytes();
  for (const p of [identity, order2, nonCanonical, mixed]) {
    assert.throws(() => scalarMultPoint(one, p), (e) => isProtocolError(e, "KEY_INVALID"));
  }
  assert.throws(() => scalarMultPoint(new Uint8Array(32), base.toBytes()), (e) => isProtocolError(e, "KEY_INVALID"));
  assert.throws(() => scalarMultBase(new Uint8Array(32)), (e) => isProtocolError(e, "KEY_INVALID"));
  assert.throws(() => scalarMultBase(new Uint8Array(31)), RangeError);
  assert.throws(() => scalarReduce(new Uint8Array(65)), RangeError);
  assert.throws(() => scalarMul(new Uint8Array(32), new Uint8Array(1)), RangeError);
});

Deno.test("decoySignature() is a canonical R and a reduced S, fresh per call, reproducible per rng", () => {
  const a = decoySignature(seededRng("decoy"));
  const b = decoySignature(seededRng("decoy"));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, decoySignature(seededRng("other")));
  const r = ed25519.Point.fromBytes(a.subarray(0, 32), false);
  assert.ok(r.isTorsionFree() && !r.isSmallOrder());
  assert.deepEqual(scalarReduce(a.subarray(32)), a.subarray(32));
  assert.notDeepEqual(randomScalar(seededRng("s")), new Uint8Array(32));
});
