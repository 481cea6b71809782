import assert from "node:assert/strict";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { fromHex, toHex, utf8 } from "../bytes.ts";
import { isProtocolError } from "../errors.ts";
import { seededRng } from "../_testing/seeded_rng.ts";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../_testing/vectors.ts";
import {
  djbPublicKey,
  ed25519PublicToX25519,
  parseDjbPublicKey,
  x25519PublicToEd25519,
  xeddsaEd25519Public,
  xeddsaSign,
  xeddsaVerify,
} from "./xeddsa.ts";

const rng = seededRng("xeddsa_test");

Deno.test("djbPublicKey() and parseDjbPublicKey() round trip and reject bad type bytes and lengths", () => {
  const key = rng.fill(new Uint8Array(32));
  const encoded = djbPublicKey(key);
  assert.equal(encoded[0], 0x05);
  assert.deepEqual(parseDjbPublicKey(encoded), key);
  const bad = encoded.slice();
  bad[0] = 0x06;
  assert.throws(() => parseDjbPublicKey(bad), (e) => isProtocolError(e, "KEY_INVALID"));
  assert.throws(() => parseDjbPublicKey(encoded.subarray(0, 32)), (e) => isProtocolError(e, "KEY_INVALID"));
  assert.throws(() => djbPublicKey(new Uint8Array(33)), RangeError);
});

Deno.test(
  {
    name: `x25519PublicToEd25519() recovers the sign-bit-0 key of every identity vector${
      HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
    }`,
    ignore: !HAVE_VECTORS,
  },
  () => {
    const v = loadVectors("e2ee/identity_keys.json");
    let n = 0;
    for (const kp of v.keypairs) {
      if (kp.x25519_public_hex === undefined) continue;
      const ed = fromHex(kp.ed25519_public_hex);
      const u = fromHex(kp.x25519_public_hex);
      assert.equal(toHex(ed25519PublicToX25519(ed)), kp.x25519_public_hex);
      const signBit = (ed[31] >> 7) as 0 | 1;
      assert.equal(toHex(x25519PublicToEd25519(u, signBit)), kp.ed25519_public_hex);
      const positive = ed.slice();
      positive[31] &= 0x7f;
      assert.equal(toHex(x25519PublicToEd25519(u)), kp.ed25519_public_from_x25519_hex ?? toHex(positive));
      n++;
    }
    reportCases("identity_keys.json (x25519 → ed25519)", { pass: n });
  },
);

Deno.test("x25519PublicToEd25519() refuses u = -1 and a point on the twist with KEY_INVALID", () => {
  const minusOne = fromHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  assert.throws(() => x25519PublicToEd25519(minusOne), (e) => isProtocolError(e, "KEY_INVALID"));
  // u = 2 lies on the quadratic twist of Curve25519.
  const two = new Uint8Array(32);
  two[0] = 2;
  assert.throws(() => x25519PublicToEd25519(two), (e) => isProtocolError(e, "KEY_INVALID"));
});

Deno.test("xeddsaEd25519Public() equals the Ed25519 key of the seed for an Ed25519-derived X25519 secret", () => {
  const seed = rng.fill(new Uint8Array(32));
  const secret = ed25519.utils.toMontgomerySecret(seed);
  assert.deepEqual(xeddsaEd25519Public(secret), ed25519.getPublicKey(seed));
});

Deno.test(
  {
    name: `xeddsaSign() "negate" signatures verify as plain Ed25519 per the xeddsa_notes${
      HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
    }`,
    ignore: !HAVE_VECTORS,
  },
  () => {
    const v = loadVectors("e2ee/identity_keys.json");
    const msg = utf8(v.xeddsa_notes.message_utf8);
    const [k4, k5] = [v.keypairs[4], v.keypairs[5]];
    for (const kp of [k4, k5]) {
      const secret = ed25519.utils.toMontgomerySecret(fromHex(kp.ed25519_seed_hex));
      for (let i = 0; i < 8; i++) {
        const sig = xeddsaSign(secret, msg, { rng, variant: "negate" });
        assert.equal(sig[63] & 0x80, 0);
        const positive = kp === k4 ? kp.ed25519_public_hex : kp.ed25519_public_from_x25519_hex;
        assert.ok(ed25519.verify(sig, msg, fromHex(positive), { zip215: false }));
        if (kp === k5) assert.ok(!ed25519.verify(sig, msg, fromHex(kp.ed25519_public_hex), { zip215: false }));
        assert.ok(xeddsaVerify(fromHex(kp.x25519_public_hex), msg, sig));
      }
    }
    reportCases("identity_keys.json (xeddsa_notes)", { pass: 2 });
  },
);

Deno.test('xeddsaSign() "libsignal" stores the key\'s sign bit in byte 63 and verifies under the real key', () => {
  let seen = 0;
  for (let i = 0; i < 16; i++) {
    const secret = rng.fill(new Uint8Array(32));
    const edPublic = xeddsaEd25519Public(secret);
    const msg = rng.fill(new Uint8Array(i * 5));
    const sig = xeddsaSign(secret, msg, { rng });
    assert.equal(sig[63] & 0x80, edPublic[31] & 0x80);
    seen |= 1 << (edPublic[31] >> 7);
    const cleared = sig.slice();
    cleared[63] &= 0x7f;
    assert.ok(ed25519.verify(cleared, msg, edPublic, { zip215: false }));
    assert.ok(xeddsaVerify(x25519.getPublicKey(secret), msg, sig));
  }
  assert.equal(seen, 3, "both sign bits exercised");
});

Deno.test("xeddsaSign() is randomized by Z and deterministic for a fixed Z", () => {
  const secret = rng.fill(new Uint8Array(32));
  const msg = utf8("m");
  assert.notDeepEqual(xeddsaSign(secret, msg, { rng }), xeddsaSign(secret, msg, { rng }));
  const a = xeddsaSign(secret, msg, { rng: seededRng("z") });
  const b = xeddsaSign(secret, msg, { rng: seededRng("z") });
  assert.deepEqual(a, b);
});

Deno.test("xeddsaVerify() rejects a flipped bit, the wrong message, the wrong key, a flipped sign bit and bad lengths", () => {
  const secret = rng.fill(new Uint8Array(32));
  const pub = x25519.getPublicKey(secret);
  const msg = utf8("group message");
  const sig = xeddsaSign(secret, msg, { rng });
  assert.ok(xeddsaVerify(pub, msg, sig));
  for (const i of [0, 31, 32, 62, 63]) {
    const bad = sig.slice();
    bad[i] ^= i === 63 ? 0x80 : 0x01;
    assert.ok(!xeddsaVerify(pub, msg, bad), `byte ${i}`);
  }
  assert.ok(!xeddsaVerify(pub, utf8("group messagE"), sig));
  assert.ok(!xeddsaVerify(x25519.getPublicKey(rng.fill(new Uint8Array(32))), msg, sig));
  assert.ok(!xeddsaVerify(pub, msg, sig.subarray(0, 63)));
  assert.throws(() => xeddsaVerify(pub.subarray(0, 31), msg, sig), RangeError);
});

Deno.test(
  {
    name: `xeddsaVerify() accepts libsignal 0.103.0's Sender Key signatures${HAVE_VECTORS ? "" : ` (${SKIP_REASON})`}`,
    ignore: !HAVE_VECTORS,
  },
  () => {
    const v = loadVectors("e2ee/sender_keys_libsignal.json");
    const skdm = fromHex(v.distribution_message_hex);
    const signingKey = parseDjbPublicKey(skdm.subarray(skdm.length - 33));
    for (const m of v.messages) {
      const wire = fromHex(m.wire_hex);
      const body = wire.subarray(0, wire.length - 64), sig = wire.subarray(wire.length - 64);
      assert.ok(xeddsaVerify(signingKey, body, sig));
      const bad = sig.slice();
      bad[63] ^= 0x80;
      assert.ok(!xeddsaVerify(signingKey, body, bad));
    }
    reportCases("sender_keys_libsignal.json (signatures)", { pass: v.messages.length });
  },
);
