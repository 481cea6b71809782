/**
 * XEdDSA / XEd25519 (e2ee.md §1.3): Ed25519-verifiable signatures made with an X25519 secret, in
 * Signal's construction (hash prefix `0xFE ‖ 0xFF×31`, SHA-512, 64 random bytes Z), plus the
 * X25519 ↔ Ed25519 public-key conversions of §1.1–§1.2 and libsignal's 33-byte `0x05`-prefixed
 * ("djb") public-key encoding (§2.1).
 *
 * Two signing conventions exist and {@link xeddsaVerify} accepts both:
 * - `"libsignal"` (the default): the scalar is used as is and the sign bit of the Ed25519 public
 *   key is copied into bit 7 of signature byte 63, which libsignal's verifier reads back;
 * - `"negate"` (the XEdDSA paper, libsession): the scalar is negated when its public key has the
 *   sign bit set, so the signature verifies as plain Ed25519 under the sign-bit-0 key of §1.2.
 *
 * This is the only file that imports @noble/curves for Edwards arithmetic on X25519 keys.
 *
 * @module
 */

import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToNumberLE, numberToBytesLE } from "@noble/curves/utils.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { wipe } from "../bytes.ts";
import { ED25519_KEY_BYTES, ED25519_SIGNATURE_BYTES, X25519_KEY_BYTES } from "../constants.ts";
import { ProtocolError } from "../errors.ts";
import type { Rng } from "../rng.ts";
import { clampX25519 } from "./noble.ts";

/** Type byte of libsignal's serialized Curve25519 public key, `DJB_TYPE` (e2ee.md §2.1 Encode). */
export const DJB_KEY_TYPE = 0x05;
/** Length of a libsignal public key: type byte ‖ 32-byte key (e2ee.md §2.1). */
export const DJB_PUBLIC_KEY_BYTES: number = 1 + X25519_KEY_BYTES;
/** Length of the random input Z of XEdDSA signing (XEdDSA spec §5, e2ee.md §1.3). */
export const XEDDSA_RANDOM_BYTES = 64;
/** XEdDSA `hash_1` domain prefix `0xFE ‖ 0xFF×31` (XEdDSA spec §2.5, e2ee.md §1.3). */
const XEDDSA_HASH1_PREFIX: Uint8Array = (() => {
  const prefix = new Uint8Array(32).fill(0xff);
  prefix[0] = 0xfe;
  return prefix;
})();
/** Bit 7 of the last byte: the sign of x in an Ed25519 point encoding (RFC 8032 §5.1.2). */
const SIGN_BIT = 0x80;
/** Index of the byte that carries the sign bit in a 32-byte point encoding. */
const POINT_SIGN_BYTE = ED25519_KEY_BYTES - 1;
/** Index of the signature byte where libsignal stores the key's sign bit (e2ee.md §1.3). */
const SIGNATURE_SIGN_BYTE = ED25519_SIGNATURE_BYTES - 1;
/** Offset of S in `R ‖ S`. */
const SIGNATURE_S_OFFSET = 32;

const Point = ed25519.Point;
const Fp = Point.Fp;
const Fn = Point.Fn;

/** Signing convention; see the module documentation. */
export type XeddsaVariant = "libsignal" | "negate";

/** Options of {@link xeddsaSign}. */
export interface XeddsaSignOptions {
  /** Source of the 64 random bytes Z. */
  rng: Rng;
  /** Signing convention; defaults to `"libsignal"`. */
  variant?: XeddsaVariant;
}

function checkBytes(value: unknown, length: number, what: string, action: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: ${what} is not a Uint8Array`);
  if (value.length !== length) {
    throw new RangeError(`Cannot ${action}: ${what} is ${value.length} bytes, expected ${length}`);
  }
}

/** SHA-512 of the parts, reduced mod L (RFC 8032 §5.1.6 step 2/4). */
function hashToScalar(...parts: Uint8Array[]): bigint {
  const h = sha512.create();
  for (const p of parts) h.update(p);
  const digest = h.digest();
  const scalar = Fn.create(bytesToNumberLE(digest));
  wipe(digest);
  return scalar;
}

/**
 * Encode a 32-byte Curve25519 public key as libsignal does: `0x05 ‖ key` (e2ee.md §2.1).
 *
 * @param key 32-byte X25519 public key
 * @returns the 33-byte encoding
 * @throws {TypeError | RangeError} when `key` is not 32 bytes
 * @example Prefixing a key
 * ```ts
 * import { djbPublicKey } from "./xeddsa.ts";
 * const encoded = djbPublicKey(new Uint8Array(32).fill(9));
 * if (encoded.length !== 33 || encoded[0] !== 0x05) throw new Error("bad");
 * ```
 */
export function djbPublicKey(key: Uint8Array): Uint8Array {
  checkBytes(key, X25519_KEY_BYTES, "key", "encode public key");
  const out = new Uint8Array(DJB_PUBLIC_KEY_BYTES);
  out[0] = DJB_KEY_TYPE;
  out.set(key, 1);
  return out;
}

/**
 * Parse libsignal's 33-byte `0x05 ‖ key` public key (e2ee.md §2.1) from the wire.
 *
 * @param bytes the encoded key
 * @returns a fresh copy of the 32-byte key
 * @throws {TypeError} when `bytes` is not a Uint8Array
 * @throws {ProtocolError} `KEY_INVALID` for a wrong length or type byte
 * @example Round trip
 * ```ts
 * import { djbPublicKey, parseDjbPublicKey } from "./xeddsa.ts";
 * const key = new Uint8Array(32).fill(7);
 * if (parseDjbPublicKey(djbPublicKey(key))[31] !== 7) throw new Error("bad");
 * ```
 */
export function parseDjbPublicKey(bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("Cannot parse public key: value is not a Uint8Array");
  if (bytes.length !== DJB_PUBLIC_KEY_BYTES) {
    throw new ProtocolError(
      "KEY_INVALID",
      `Cannot parse public key: ${bytes.length} bytes, expected ${DJB_PUBLIC_KEY_BYTES}`,
    );
  }
  if (bytes[0] !== DJB_KEY_TYPE) {
    throw new ProtocolError("KEY_INVALID", `Cannot parse public key: type byte ${bytes[0]}, expected ${DJB_KEY_TYPE}`);
  }
  return bytes.slice(1);
}

/**
 * The Ed25519 public key with the given sign bit for an X25519 public key (e2ee.md §1.2):
 * `y = (u − 1) / (u + 1) mod p`, little-endian, bit 255 = `signBit`. Bit 255 of `u` is ignored
 * (RFC 7748 §5).
 *
 * @param x25519Public 32-byte Montgomery u-coordinate
 * @param signBit sign of x to encode, 0 (the default, §1.2) or 1
 * @returns the 32-byte Ed25519 public key
 * @throws {TypeError | RangeError} when the key is not 32 bytes or `signBit` is not 0 or 1
 * @throws {ProtocolError} `KEY_INVALID` when `u` has no Edwards point (u = −1, or on the twist)
 * @example The Ed25519 key of a Session ID whose real key has sign bit 1
 * ```ts
 * import { x25519PublicToEd25519 } from "./xeddsa.ts";
 * import { fromHex, toHex } from "../bytes.ts";
 * const u = fromHex("d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72");
 * if (toHex(x25519PublicToEd25519(u)) !== "4cb76fdc6d32278e3f83dbf608360ecc6b65727934b85d2fb86862ff98c46a37") throw new Error("bad");
 * const ed = x25519PublicToEd25519(u, 1);
 * if (toHex(ed) !== "4cb76fdc6d32278e3f83dbf608360ecc6b65727934b85d2fb86862ff98c46ab7") throw new Error("bad");
 * ```
 */
export function x25519PublicToEd25519(x25519Public: Uint8Array, signBit: 0 | 1 = 0): Uint8Array {
  const action = "convert X25519 key";
  checkBytes(x25519Public, X25519_KEY_BYTES, "key", action);
  if (signBit !== 0 && signBit !== 1) throw new RangeError(`Cannot ${action}: sign bit "${signBit}" is not 0 or 1`);
  const uBytes = x25519Public.slice();
  uBytes[POINT_SIGN_BYTE] &= ~SIGN_BIT;
  const u = Fp.create(bytesToNumberLE(uBytes));
  const denominator = Fp.add(u, Fp.ONE);
  if (Fp.is0(denominator)) throw new ProtocolError("KEY_INVALID", `Cannot ${action}: u = -1 has no Edwards point`);
  const out = Fp.toBytes(Fp.div(Fp.sub(u, Fp.ONE), denominator));
  out[POINT_SIGN_BYTE] |= signBit << 7;
  try {
    Point.fromBytes(out, false);
  } catch (cause) {
    throw new ProtocolError("KEY_INVALID", `Cannot ${action}: not a point on Curve25519`, { cause });
  }
  return out;
}

/**
 * The X25519 public key (Montgomery u) of an Ed25519 public key (e2ee.md §1.1):
 * `u = (1 + y) / (1 − y) mod p`.
 *
 * @param ed25519Public 32-byte Ed25519 public key
 * @returns the 32-byte X25519 public key
 * @throws {TypeError | RangeError} when the key is not 32 bytes
 * @throws {ProtocolError} `KEY_INVALID` when the bytes are not a canonical curve point
 * @example
 * ```ts
 * import { ed25519PublicToX25519 } from "./xeddsa.ts";
 * import { fromHex, toHex } from "../bytes.ts";
 * const x = ed25519PublicToX25519(fromHex("4cb76fdc6d32278e3f83dbf608360ecc6b65727934b85d2fb86862ff98c46ab7"));
 * if (toHex(x) !== "d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72") throw new Error("bad");
 * ```
 */
export function ed25519PublicToX25519(ed25519Public: Uint8Array): Uint8Array {
  checkBytes(ed25519Public, ED25519_KEY_BYTES, "key", "convert Ed25519 key");
  try {
    Point.fromBytes(ed25519Public, false);
    return ed25519.utils.toMontgomery(ed25519Public);
  } catch (cause) {
    throw new ProtocolError("KEY_INVALID", "Cannot convert Ed25519 key: not a canonical curve point", { cause });
  }
}

/**
 * The Ed25519 public key `A = a·B` of an X25519 secret `a` (clamped as RFC 7748 §5), with its
 * real sign bit: what libsignal hashes into XEdDSA signatures (e2ee.md §1.3).
 *
 * @param x25519Secret 32-byte X25519 secret
 * @returns the 32-byte Ed25519 public key
 * @throws {TypeError | RangeError} when the secret is not 32 bytes
 * @example Its Montgomery form is the X25519 public key
 * ```ts
 * import { ed25519PublicToX25519, xeddsaEd25519Public } from "./xeddsa.ts";
 * import { x25519 } from "@noble/curves/ed25519.js";
 * const secret = new Uint8Array(32).fill(3);
 * const u = ed25519PublicToX25519(xeddsaEd25519Public(secret));
 * if (u.join() !== x25519.getPublicKey(secret).join()) throw new Error("bad");
 * ```
 */
export function xeddsaEd25519Public(x25519Secret: Uint8Array): Uint8Array {
  checkBytes(x25519Secret, X25519_KEY_BYTES, "secret", "derive XEdDSA key");
  const k = clampX25519(x25519Secret.slice());
  try {
    return Point.BASE.multiply(Fn.create(bytesToNumberLE(k))).toBytes();
  } finally {
    wipe(k);
  }
}

/**
 * Sign with an X25519 secret (XEd25519, e2ee.md §1.3): `r = SHA-512(0xFE ‖ 0xFF×31 ‖ a ‖ M ‖ Z)`,
 * `R = r·B`, `S = r + SHA-512(R ‖ A ‖ M)·a mod L`. With the default `"libsignal"` variant the sign
 * bit of A goes into bit 7 of byte 63, so libsignal's `PublicKey.verifySignature` accepts it.
 *
 * @param x25519Secret 32-byte X25519 secret (clamped here as RFC 7748 §5)
 * @param message the bytes to sign
 * @param options `rng` for Z, and the `variant`
 * @returns the 64-byte signature `R ‖ S`
 * @throws {TypeError | RangeError} when the secret is not 32 bytes or the message is not bytes
 * @example Sign and verify
 * ```ts
 * import { xeddsaSign, xeddsaVerify } from "./xeddsa.ts";
 * import { systemRng } from "../rng.ts";
 * import { x25519 } from "@noble/curves/ed25519.js";
 * const secret = systemRng.fill(new Uint8Array(32));
 * const msg = new TextEncoder().encode("hello");
 * const sig = xeddsaSign(secret, msg, { rng: systemRng });
 * if (!xeddsaVerify(x25519.getPublicKey(secret), msg, sig)) throw new Error("bad");
 * ```
 */
export function xeddsaSign(x25519Secret: Uint8Array, message: Uint8Array, options: XeddsaSignOptions): Uint8Array {
  const action = "sign with XEdDSA";
  checkBytes(x25519Secret, X25519_KEY_BYTES, "secret", action);
  if (!(message instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: message is not a Uint8Array`);
  const variant = options.variant ?? "libsignal";
  if (variant !== "libsignal" && variant !== "negate") {
    throw new RangeError(`Cannot ${action}: unknown variant "${String(variant)}"`);
  }
  const k = clampX25519(x25519Secret.slice());
  const z = options.rng.fill(new Uint8Array(XEDDSA_RANDOM_BYTES));
  let keyBytes = k;
  try {
    let a = Fn.create(bytesToNumberLE(k));
    let aPoint = Point.BASE.multiply(a);
    const signBit = aPoint.toBytes()[POINT_SIGN_BYTE] & SIGN_BIT;
    if (variant === "negate" && signBit !== 0) {
      // XEdDSA spec §2.3 calculate_key_pair: use −a so that A has sign bit 0.
      a = Fn.neg(a);
      aPoint = aPoint.negate();
      keyBytes = numberToBytesLE(a, X25519_KEY_BYTES);
    }
    const aEncoded = aPoint.toBytes();
    const r = hashToScalar(XEDDSA_HASH1_PREFIX, keyBytes, message, z);
    const rEncoded = Point.BASE.multiply(r).toBytes();
    const h = hashToScalar(rEncoded, aEncoded, message);
    const signature = new Uint8Array(ED25519_SIGNATURE_BYTES);
    signature.set(rEncoded, 0);
    signature.set(numberToBytesLE(Fn.add(r, Fn.mul(h, a)), X25519_KEY_BYTES), SIGNATURE_S_OFFSET);
    // S < L < 2^253, so bit 7 of byte 63 is free; the "negate" variant leaves it 0.
    if (variant === "libsignal") signature[SIGNATURE_SIGN_BYTE] |= signBit;
    return signature;
  } finally {
    wipe(k, z, keyBytes === k ? undefined : keyBytes);
  }
}

/**
 * Verify an XEd25519 signature with an X25519 public key (e2ee.md §1.3): take bit 7 of byte 63
 * as the sign of the Ed25519 key (libsignal's convention; 0 for the "negate" variant), clear it,
 * and run strict RFC 8032 verification under the converted key (§1.2).
 *
 * @param x25519Public 32-byte X25519 public key
 * @param message the signed bytes
 * @param signature 64-byte signature
 * @returns whether the signature is valid; false (never throws) for a bad signature or key
 * @throws {TypeError | RangeError} when the key is not 32 bytes or an argument is not bytes
 * @example A flipped bit fails
 * ```ts
 * import { xeddsaSign, xeddsaVerify } from "./xeddsa.ts";
 * import { systemRng } from "../rng.ts";
 * import { x25519 } from "@noble/curves/ed25519.js";
 * const secret = systemRng.fill(new Uint8Array(32));
 * const sig = xeddsaSign(secret, new Uint8Array([1]), { rng: systemRng });
 * sig[0] ^= 1;
 * if (xeddsaVerify(x25519.getPublicKey(secret), new Uint8Array([1]), sig)) throw new Error("bad");
 * ```
 */
export function xeddsaVerify(x25519Public: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const action = "verify XEdDSA signature";
  checkBytes(x25519Public, X25519_KEY_BYTES, "key", action);
  if (!(message instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: message is not a Uint8Array`);
  if (!(signature instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: signature is not a Uint8Array`);
  if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
  const signBit = (signature[SIGNATURE_SIGN_BYTE] & SIGN_BIT) === 0 ? 0 : 1;
  let edPublic: Uint8Array;
  try {
    edPublic = x25519PublicToEd25519(x25519Public, signBit);
  } catch {
    return false;
  }
  const sig = signature.slice();
  sig[SIGNATURE_SIGN_BYTE] &= ~SIGN_BIT;
  try {
    return ed25519.verify(sig, message, edPublic, { zip215: false });
  } catch {
    return false;
  }
}
