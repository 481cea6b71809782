/**
 * Ed25519 scalar and point arithmetic for Session's blinded IDs and blinded signatures
 * (e2ee.md §5.4) and the decoy Pro signature (§5.2), with the semantics of the libsodium calls
 * libsession makes (`crypto_core_ed25519_scalar_*`, `crypto_scalarmult_ed25519_noclamp`,
 * `crypto_scalarmult_ed25519_base_noclamp`). Scalars are 32-byte little-endian values mod
 * L = 2²⁵² + 27742317777372353535851937790883648493; points are 32-byte RFC 8032 encodings.
 *
 * @module
 */

import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToNumberLE, numberToBytesLE } from "@noble/curves/utils.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { wipe } from "../bytes.ts";
import { ED25519_KEY_BYTES, ED25519_SIGNATURE_BYTES } from "../constants.ts";
import { ProtocolError } from "../errors.ts";
import type { Rng } from "../rng.ts";
import { clampX25519 } from "./noble.ts";

/** Length of an encoded scalar (`crypto_core_ed25519_SCALARBYTES`). */
export const ED25519_SCALAR_BYTES = 32;
/** Longest input of {@link scalarReduce} (`crypto_core_ed25519_NONREDUCEDSCALARBYTES`). */
export const ED25519_WIDE_SCALAR_BYTES = 64;
/** Bit 7 of the last byte: the sign of x in a point encoding, ignored in a scalar (RFC 8032 §5.1.2). */
const HIGH_BIT = 0x80;
/** Offset of S in a signature `R ‖ S`. */
const SIGNATURE_S_OFFSET = 32;

const Point = ed25519.Point;
const Fn = Point.Fn;

function checkBytes(value: unknown, length: number, what: string, action: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: ${what} is not a Uint8Array`);
  if (value.length !== length) {
    throw new RangeError(`Cannot ${action}: ${what} is ${value.length} bytes, expected ${length}`);
  }
}

/** A 32-byte scalar as libsodium's noclamp multiplications read it: bit 255 cleared, then mod L. */
function readScalar(scalar: Uint8Array): bigint {
  const t = scalar.slice();
  t[ED25519_SCALAR_BYTES - 1] &= ~HIGH_BIT;
  const n = Fn.create(bytesToNumberLE(t));
  wipe(t);
  return n;
}

function toBytes(n: bigint): Uint8Array {
  return numberToBytesLE(n, ED25519_SCALAR_BYTES);
}

/**
 * Reduce up to 64 little-endian bytes mod L (`crypto_core_ed25519_scalar_reduce`).
 *
 * @param bytes 1–64 bytes, typically a SHA-512 or BLAKE2b-512 digest
 * @returns the 32-byte scalar
 * @throws {TypeError | RangeError} when `bytes` is not 1–64 bytes
 * @example L reduces to zero
 * ```ts
 * import { scalarReduce } from "./ed25519_blinding.ts";
 * import { fromHex } from "../bytes.ts";
 * const l = fromHex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
 * if (scalarReduce(l).some((b) => b !== 0)) throw new Error("bad");
 * ```
 */
export function scalarReduce(bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("Cannot reduce scalar: input is not a Uint8Array");
  if (bytes.length < 1 || bytes.length > ED25519_WIDE_SCALAR_BYTES) {
    throw new RangeError(
      `Cannot reduce scalar: input is ${bytes.length} bytes, expected 1–${ED25519_WIDE_SCALAR_BYTES}`,
    );
  }
  return toBytes(Fn.create(bytesToNumberLE(bytes)));
}

/**
 * `a · b mod L` (`crypto_core_ed25519_scalar_mul`).
 *
 * @param a 32-byte scalar
 * @param b 32-byte scalar
 * @returns the 32-byte product
 * @throws {TypeError | RangeError} when a scalar is not 32 bytes
 * @example
 * ```ts
 * import { scalarMul } from "./ed25519_blinding.ts";
 * const two = new Uint8Array(32); two[0] = 2;
 * if (scalarMul(two, two)[0] !== 4) throw new Error("bad");
 * ```
 */
export function scalarMul(a: Uint8Array, b: Uint8Array): Uint8Array {
  checkBytes(a, ED25519_SCALAR_BYTES, "scalar", "multiply scalars");
  checkBytes(b, ED25519_SCALAR_BYTES, "scalar", "multiply scalars");
  return toBytes(Fn.mul(Fn.create(bytesToNumberLE(a)), Fn.create(bytesToNumberLE(b))));
}

/**
 * `a + b mod L` (`crypto_core_ed25519_scalar_add`).
 *
 * @param a 32-byte scalar
 * @param b 32-byte scalar
 * @returns the 32-byte sum
 * @throws {TypeError | RangeError} when a scalar is not 32 bytes
 * @example
 * ```ts
 * import { scalarAdd } from "./ed25519_blinding.ts";
 * const one = new Uint8Array(32); one[0] = 1;
 * if (scalarAdd(one, one)[0] !== 2) throw new Error("bad");
 * ```
 */
export function scalarAdd(a: Uint8Array, b: Uint8Array): Uint8Array {
  checkBytes(a, ED25519_SCALAR_BYTES, "scalar", "add scalars");
  checkBytes(b, ED25519_SCALAR_BYTES, "scalar", "add scalars");
  return toBytes(Fn.add(Fn.create(bytesToNumberLE(a)), Fn.create(bytesToNumberLE(b))));
}

/**
 * `−a mod L` (`crypto_core_ed25519_scalar_negate`).
 *
 * @param a 32-byte scalar
 * @returns the 32-byte negation
 * @throws {TypeError | RangeError} when the scalar is not 32 bytes
 * @example Negating twice is the identity
 * ```ts
 * import { scalarNegate } from "./ed25519_blinding.ts";
 * const a = new Uint8Array(32); a[0] = 9;
 * if (scalarNegate(scalarNegate(a))[0] !== 9) throw new Error("bad");
 * ```
 */
export function scalarNegate(a: Uint8Array): Uint8Array {
  checkBytes(a, ED25519_SCALAR_BYTES, "scalar", "negate scalar");
  return toBytes(Fn.neg(Fn.create(bytesToNumberLE(a))));
}

/**
 * The Ed25519 secret scalar of a seed: the first half of SHA-512(seed), clamped (RFC 8032
 * §5.1.5; what libsodium's `crypto_sign_ed25519_sk_to_curve25519` returns, e2ee.md §1.1).
 *
 * @param seed 32-byte Ed25519 seed
 * @returns the 32-byte clamped scalar (secret: wipe it after use)
 * @throws {TypeError | RangeError} when the seed is not 32 bytes
 * @example Its base multiple is the Ed25519 public key
 * ```ts
 * import { ed25519SecretScalar, scalarMultBase } from "./ed25519_blinding.ts";
 * import { ed25519 } from "@noble/curves/ed25519.js";
 * const seed = new Uint8Array(32).fill(3);
 * if (scalarMultBase(ed25519SecretScalar(seed)).join() !== ed25519.getPublicKey(seed).join()) throw new Error("bad");
 * ```
 */
export function ed25519SecretScalar(seed: Uint8Array): Uint8Array {
  checkBytes(seed, ED25519_KEY_BYTES, "seed", "derive Ed25519 scalar");
  const digest = sha512(seed);
  const scalar = clampX25519(digest.slice(0, ED25519_SCALAR_BYTES));
  wipe(digest);
  return scalar;
}

/**
 * `n · B` for the Ed25519 base point, without clamping (`crypto_scalarmult_ed25519_base_noclamp`:
 * bit 255 of `n` is ignored).
 *
 * @param scalar 32-byte scalar
 * @returns the 32-byte point
 * @throws {TypeError | RangeError} when the scalar is not 32 bytes
 * @throws {ProtocolError} `KEY_INVALID` when the scalar is 0 mod L (the result would be the identity)
 * @example
 * ```ts
 * import { scalarMultBase } from "./ed25519_blinding.ts";
 * import { ed25519 } from "@noble/curves/ed25519.js";
 * const one = new Uint8Array(32); one[0] = 1;
 * if (scalarMultBase(one).join() !== ed25519.Point.BASE.toBytes().join()) throw new Error("bad");
 * ```
 */
export function scalarMultBase(scalar: Uint8Array): Uint8Array {
  checkBytes(scalar, ED25519_SCALAR_BYTES, "scalar", "multiply base point");
  const n = readScalar(scalar);
  if (n === 0n) throw new ProtocolError("KEY_INVALID", "Cannot multiply base point: scalar is zero mod L");
  return Point.BASE.multiply(n).toBytes();
}

/**
 * `n · P` without clamping (`crypto_scalarmult_ed25519_noclamp`): `P` must be a canonical
 * encoding of a point in the prime-order subgroup, and the result must not be the identity.
 *
 * @param scalar 32-byte scalar (bit 255 ignored)
 * @param point 32-byte point encoding
 * @returns the 32-byte product
 * @throws {TypeError | RangeError} when an argument is not 32 bytes
 * @throws {ProtocolError} `KEY_INVALID` for a non-canonical, small-order or mixed-order point, or a
 *   zero result
 * @example Multiplying by one is the identity map
 * ```ts
 * import { scalarMultPoint } from "./ed25519_blinding.ts";
 * import { ed25519 } from "@noble/curves/ed25519.js";
 * const one = new Uint8Array(32); one[0] = 1;
 * const p = ed25519.getPublicKey(new Uint8Array(32).fill(5));
 * if (scalarMultPoint(one, p).join() !== p.join()) throw new Error("bad");
 * ```
 */
export function scalarMultPoint(scalar: Uint8Array, point: Uint8Array): Uint8Array {
  const action = "multiply point";
  checkBytes(scalar, ED25519_SCALAR_BYTES, "scalar", action);
  checkBytes(point, ED25519_KEY_BYTES, "point", action);
  let p;
  try {
    p = Point.fromBytes(point, false);
  } catch (cause) {
    throw new ProtocolError("KEY_INVALID", `Cannot ${action}: not a canonical curve point`, { cause });
  }
  if (p.isSmallOrder() || !p.isTorsionFree()) {
    throw new ProtocolError("KEY_INVALID", `Cannot ${action}: not a point of the prime-order subgroup`);
  }
  const n = readScalar(scalar);
  if (n === 0n) throw new ProtocolError("KEY_INVALID", `Cannot ${action}: scalar is zero mod L`);
  return p.multiply(n).toBytes();
}

/**
 * A uniformly random non-zero scalar (`crypto_core_ed25519_scalar_random`): 64 bytes from `rng`
 * reduced mod L (bias below 2⁻²⁵⁹), drawn again in the 2⁻²⁵² case of zero.
 *
 * @param rng source of randomness
 * @returns a 32-byte scalar in [1, L)
 * @example
 * ```ts
 * import { randomScalar } from "./ed25519_blinding.ts";
 * import { systemRng } from "../rng.ts";
 * if (randomScalar(systemRng)[31] > 0x10) throw new Error("not reduced");
 * ```
 */
export function randomScalar(rng: Rng): Uint8Array {
  for (;;) {
    const wide = rng.fill(new Uint8Array(ED25519_WIDE_SCALAR_BYTES));
    const n = Fn.create(bytesToNumberLE(wide));
    wipe(wide);
    if (n !== 0n) return toBytes(n);
  }
}

/**
 * The decoy Session Pro signature of an Envelope without a Pro key (e2ee.md §5.2): `R = r·B` for a
 * random scalar `r` and `S` a second random scalar. Validly encoded, verifies under nothing, and
 * indistinguishable on the wire from a real signature.
 *
 * @param rng source of randomness (128 bytes are drawn)
 * @returns the 64-byte `R ‖ S`
 * @example A canonical encoding
 * ```ts
 * import { decoySignature } from "./ed25519_blinding.ts";
 * import { systemRng } from "../rng.ts";
 * import { ed25519 } from "@noble/curves/ed25519.js";
 * const sig = decoySignature(systemRng);
 * ed25519.Point.fromBytes(sig.subarray(0, 32));
 * if (sig.length !== 64 || sig[63] > 0x10) throw new Error("bad");
 * ```
 */
export function decoySignature(rng: Rng): Uint8Array {
  const r = randomScalar(rng);
  const signature = new Uint8Array(ED25519_SIGNATURE_BYTES);
  signature.set(scalarMultBase(r), 0);
  signature.set(randomScalar(rng), SIGNATURE_S_OFFSET);
  wipe(r);
  return signature;
}
