/**
 * Fuzz target: bytes → `openSealedBox` (protocol/crypto/sealed_box.ts, libsodium's
 * `crypto_box_seal_open`, e2ee.md §5.1) with Bob's fixed X25519 key. Input: the box
 * `E ‖ tag ‖ ciphertext`.
 *
 * Expected refusal: `ProtocolError` with code `DECRYPT_FAILED` (short, tampered, not ours) or
 * `KEY_AGREEMENT_FAILED` (low-order ephemeral key); another code is a finding. Oracles:
 *
 * - libsodium agrees (sodium-native's `crypto_box_seal_open`, where the addon loads): it opens
 *   exactly the boxes this opens, to the same plaintext;
 * - passing the recipient's public key or letting it be derived gives the same answer;
 * - an opened box is 48 bytes longer than its plaintext; neither the input nor the key change.
 *
 * Structured inputs: boxes sealed by `sealBox` (random ephemeral keys, 0–400-byte messages) and
 * boxes sealed by an independent construction for chosen ephemeral keys (low-order,
 * non-canonical u ≥ p, the top bit set), then edited: bit flips in E / tag / ciphertext,
 * truncation at and around the 48-byte overhead, extension.
 *
 * @module
 */

import fc from "fast-check";
import { x25519 } from "@noble/curves/ed25519.js";
import { blake2b } from "@noble/hashes/blake2.js";
import { hsalsa, xsalsa20poly1305 } from "@noble/ciphers/salsa.js";
import { ctEqual, type ProtocolErrorCode } from "../../mod.ts";
import { openSealedBox, sealBox } from "../../protocol/crypto/sealed_box.ts";
import { type FuzzTarget, invariant, InvariantError } from "../_harness.ts";
import { mutatedArb } from "../_mutate.ts";
import { attemptSync, BAD_X25519_KEYS, BOB, cat, describeOutcome, rngFor, same, SODIUM, u8 } from "../_e2ee.ts";

/** The codes `openSealedBox` documents for bad input. */
export const REFUSALS: readonly ProtocolErrorCode[] = ["DECRYPT_FAILED", "KEY_AGREEMENT_FAILED"];
/** Sealed-box overhead: E ‖ tag. */
const OVERHEAD = 48;

const SECRET = BOB.x25519Secret;
const PUBLIC = BOB.x25519Public;
const SECRET_COPY = SECRET.slice();

/**
 * Open `input` with Bob's key and check the oracles.
 *
 * @param input the box
 */
export function fuzz(input: Uint8Array): void {
  const copy = input.slice();
  const derived = attemptSync("openSealedBox()", REFUSALS, () => openSealedBox(input, SECRET));
  const given = attemptSync(
    "openSealedBox() with the public key",
    REFUSALS,
    () => openSealedBox(input, SECRET, PUBLIC),
  );
  invariant(ctEqual(SECRET, SECRET_COPY), "opening changed the recipient's secret");
  invariant(same(input, copy), "opening changed the box");
  invariant(
    derived.ok === given.ok && (!derived.ok || !given.ok || same(derived.value, given.value)),
    `with the public key ${describeOutcome(given)}, derived ${describeOutcome(derived)}`,
  );
  if (derived.ok) invariant(derived.value.length === input.length - OVERHEAD, "plaintext length is not |box| − 48");
  if (SODIUM !== undefined && input.length >= OVERHEAD) {
    const m = new Uint8Array(input.length - OVERHEAD);
    let theirs: boolean;
    try {
      theirs = SODIUM.crypto_box_seal_open(m, input, PUBLIC, SECRET);
    } catch {
      theirs = false;
    }
    if (theirs !== derived.ok) {
      throw new InvariantError(`libsodium ${theirs ? "opens" : "refuses"} a box this ${describeOutcome(derived)}`);
    }
    if (derived.ok) invariant(same(m, derived.value), "libsodium opens the box to another plaintext");
  }
  if (!derived.ok) throw derived.error;
}

// ---------------------------------------------------------------------------------------------
// Structured inputs
// ---------------------------------------------------------------------------------------------

/** HSalsa20 constants "expand 32-byte k" (Salsa20 spec §9). */
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);

/**
 * A box to Bob under ephemeral public key `e` (any 32 bytes), built independently of
 * sealed_box.ts from Bob's side of the agreement: `k = HSalsa20(X25519(y, e))`,
 * `nonce = BLAKE2b-192(e ‖ Y)`. Where the agreement is all zero, the box is `e ‖ random`.
 */
export function boxFor(e: Uint8Array, message: Uint8Array): Uint8Array {
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(SECRET, e);
  } catch {
    return cat(e, new Uint8Array(16 + message.length).fill(0xa5));
  }
  if (shared.every((b) => b === 0)) return cat(e, new Uint8Array(16 + message.length).fill(0xa5));
  const out = new Uint32Array(8);
  hsalsa(SIGMA, new Uint32Array(shared.slice().buffer), new Uint32Array(4), out);
  const nonce = blake2b.create({ dkLen: 24 }).update(e).update(PUBLIC).digest();
  return cat(e, xsalsa20poly1305(new Uint8Array(out.buffer), nonce).encrypt(message));
}

const messageArb = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 64 }), weight: 3 },
  { arbitrary: fc.uint8Array({ minLength: 100, maxLength: 400 }), weight: 1 },
);

/** Boxes sealBox makes. */
const sealedArb = fc.tuple(messageArb, fc.uint8Array({ minLength: 32, maxLength: 32 })).map(([m, eph]) =>
  sealBox(m, PUBLIC, { ephemeralSecret: eph })
);

/** Ephemeral keys worth a box: low-order and non-canonical ones, random ones with the top bit set, u + p. */
const ephemeralArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constantFrom(...BAD_X25519_KEYS),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((k) => {
    const out = k.slice();
    out[31] |= 0x80;
    return out;
  }),
  fc.integer({ min: 0, max: 18 }).map((u) => {
    // p + u for small u: a non-canonical encoding of u
    const out = new Uint8Array(32).fill(0xff);
    out[0] = 0xed + u;
    out[31] = 0x7f;
    return out;
  }),
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
);

const craftedArb = fc.tuple(ephemeralArb, messageArb).map(([e, m]) => boxFor(e, m));

/** Edits that respect the layout: a bit in E, the tag or the ciphertext; a cut near the overhead. */
const layoutEditArb = fc.tuple(
  fc.constantFrom("E", "tag", "ct", "cut", "extend"),
  fc.nat(),
  fc.nat(7),
).map(([where, p, bit]) => (box: Uint8Array): Uint8Array => {
  const out = box.slice();
  switch (where) {
    case "E":
      out[p % 32] ^= 1 << bit;
      return out;
    case "tag":
      out[32 + (p % 16)] ^= 1 << bit;
      return out;
    case "ct":
      if (box.length > OVERHEAD) out[OVERHEAD + (p % (box.length - OVERHEAD))] ^= 1 << bit;
      return out;
    case "cut":
      return box.subarray(0, Math.max(0, [0, 31, 32, 47, 48, 49, box.length - 1][p % 7])).slice();
    default:
      return cat(box, new Uint8Array(1 + (p % 16)));
  }
});

const VALID: Uint8Array[] = [
  sealBox(new Uint8Array(0), PUBLIC, { rng: rngFor("box-empty") }),
  sealBox(u8("hello"), PUBLIC, { rng: rngFor("box-hello") }),
  sealBox(new Uint8Array(160).fill(7), PUBLIC, { rng: rngFor("box-160") }),
];

/** Structured inputs for {@link fuzz}. */
export const structured: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: sealedArb, weight: 2 },
  { arbitrary: craftedArb, weight: 3 },
  {
    arbitrary: fc.tuple(fc.oneof(sealedArb, craftedArb), fc.array(layoutEditArb, { minLength: 1, maxLength: 2 }))
      .map(([box, edits]) => edits.reduce((b, e) => e(b), box)),
    weight: 4,
  },
  { arbitrary: mutatedArb(VALID), weight: 2 },
);

/**
 * The committed corpus (written by `_seed_corpus.ts`).
 *
 * @returns name, bytes and comment of each seed
 */
export function corpus(): [string, Uint8Array, string][] {
  const hello = VALID[1];
  const flip = (b: Uint8Array, i: number) => {
    const out = b.slice();
    out[i] ^= 1;
    return out;
  };
  const msg = u8("hello");
  const e = (hex: string) => Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
  const seeds: [string, Uint8Array, string][] = [
    ["valid-empty", VALID[0], "sealed empty message (48 bytes)"],
    ["valid-hello", hello, "sealed 'hello'"],
    ["valid-160", VALID[2], "sealed 160-byte padded message"],
    ["empty", new Uint8Array(0), "empty input"],
    ["short-47", hello.subarray(0, 47), "47 bytes, one short of the overhead"],
    ["overhead-only", hello.subarray(0, 48), "exactly the overhead of a non-empty box (tag fails)"],
    ["flip-ephemeral", flip(hello, 3), "bit flip in E"],
    ["flip-tag", flip(hello, 40), "bit flip in the tag"],
    ["flip-ciphertext", flip(hello, 50), "bit flip in the ciphertext"],
    ["truncated", hello.subarray(0, hello.length - 1), "last byte cut"],
    ["extended", cat(hello, new Uint8Array(1)), "one byte appended"],
    ["ephemeral-top-bit", boxFor(flipTop(VALID[1].subarray(0, 32)), msg), "E with bit 255 set, sealed to that E"],
    [
      "ephemeral-u-plus-p",
      boxFor(e("efffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), msg),
      "E = p + 2",
    ],
  ];
  BAD_X25519_KEYS.slice(0, 14).forEach((k, i) =>
    seeds.push([`ephemeral-low-order-${String(i).padStart(2, "0")}`, boxFor(k, msg), "low-order E (zero agreement)"])
  );
  return seeds;
}

function flipTop(k: Uint8Array): Uint8Array {
  const out = k.slice();
  out[31] |= 0x80;
  return out;
}

/** The `sealed_box` target. */
export const target: FuzzTarget = { name: "sealed_box", fuzz, structured };
