/**
 * Shared fixtures of the E2EE fuzz targets: fixed identities (Ed25519 seeds `0x01…`), the
 * refusal check every target uses (a `ProtocolError` whose code is not one the decoder documents
 * is a finding, not a refusal), the providers for differential oracles, hostile keys (small-order,
 * mixed-order and non-canonical Ed25519 points, low-order X25519 keys), signature malleation and
 * hand-framed byte strings. Everything is deterministic (seeded rngs, fixed keys) and built
 * through the synchronous `noble` primitives where an arbitrary needs it (fast-check cannot
 * await).
 *
 * @module
 */

import fc from "fast-check";
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha512 } from "@noble/hashes/sha2.js";
import {
  type CryptoProvider,
  fromHex,
  type Identity,
  identityFromSeed,
  nobleProvider,
  ProtocolError,
  type ProtocolErrorCode,
  providerByName,
  type ProviderName,
  type Rng,
} from "../mod.ts";
import { seededRng } from "../protocol/_testing/seeded_rng.ts";
import { LOW_ORDER_KEYS, NON_CANONICAL_KEYS } from "./_fixtures.ts";
import { InvariantError } from "./_harness.ts";

export { seededRng };

/** Unwrap a provider answer that `noble` gives synchronously. */
export function sync<T>(v: T | Promise<T>): T {
  if (v instanceof Promise) throw new TypeError("Cannot use provider: expected a synchronous answer");
  return v;
}

/**
 * Turn a caught error into what the target throws: a `ProtocolError` whose code is not in
 * `allowed` becomes an {@link InvariantError} (a finding); anything else is returned unchanged
 * (a `ProtocolError` with an allowed code is the expected refusal, any other error a finding).
 *
 * @param err what was caught
 * @param allowed the codes the decoder documents for bad input
 * @param what the call, for the message
 * @returns the error to throw
 */
export function refusal(err: unknown, allowed: readonly ProtocolErrorCode[], what: string): unknown {
  if (err instanceof ProtocolError && !allowed.includes(err.code)) {
    return new InvariantError(`${what} refused with ${err.code} (${err.message}), expected ${allowed.join(" / ")}`);
  }
  return err;
}

/** The outcome of a call: its value, or the `ProtocolError` it refused with. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ProtocolError };

/**
 * Run `fn`; a `ProtocolError` with an allowed code is returned as a refusal, one with another code
 * is an {@link InvariantError}, anything else propagates.
 *
 * @param what the call, for messages
 * @param allowed the documented refusal codes
 * @param fn the call
 * @returns value or refusal
 */
export async function attempt<T>(
  what: string,
  allowed: readonly ProtocolErrorCode[],
  fn: () => T | Promise<T>,
): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    const e = refusal(err, allowed, what);
    if (e instanceof ProtocolError) return { ok: false, error: e };
    throw e;
  }
}

/** Synchronous {@link attempt}. */
export function attemptSync<T>(what: string, allowed: readonly ProtocolErrorCode[], fn: () => T): Outcome<T> {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    const e = refusal(err, allowed, what);
    if (e instanceof ProtocolError) return { ok: false, error: e };
    throw e;
  }
}

/** A short description of an outcome, for differential messages. */
export function describeOutcome(o: Outcome<unknown>): string {
  return o.ok ? "accepted" : `refused ${o.error.code}`;
}

/** Every crypto provider that loads here (noble first), for differential oracles. */
export const PROVIDERS: readonly CryptoProvider[] = await (async () => {
  const out: CryptoProvider[] = [];
  for (const name of ["noble", "sodium", "webcrypto"] as ProviderName[]) {
    try {
      out.push(await providerByName(name));
    } catch {
      // not available on this runtime
    }
  }
  return out;
})();

/** sodium-native's sealed box and secretstream, where the addon loads (the reference implementation). */
export interface SodiumReference {
  crypto_box_seal_open(m: Uint8Array, c: Uint8Array, pk: Uint8Array, sk: Uint8Array): boolean;
  crypto_secretstream_xchacha20poly1305_STATEBYTES: number;
  crypto_secretstream_xchacha20poly1305_init_pull(state: Uint8Array, header: Uint8Array, key: Uint8Array): void;
  crypto_secretstream_xchacha20poly1305_pull(
    state: Uint8Array,
    m: Uint8Array,
    tag: Uint8Array,
    c: Uint8Array,
    ad: Uint8Array | null,
  ): number;
}

/** sodium-native, or undefined where it does not load (the differential oracles are then skipped). */
export const SODIUM: SodiumReference | undefined = await (async () => {
  try {
    const mod = await import("sodium-native");
    const s = (mod.default ?? mod) as SodiumReference;
    return typeof s.crypto_box_seal_open === "function" ? s : undefined;
  } catch {
    return undefined;
  }
})();

/** A fixed identity from a 32-byte seed of `fill`. */
export function fixedIdentity(fill: number): Promise<Identity> {
  return identityFromSeed(new Uint8Array(32).fill(fill), { provider: nobleProvider });
}

/** The sender of the 1:1, group and blinded messages. */
export const ALICE: Identity = await fixedIdentity(0x01);
/** The recipient. */
export const BOB: Identity = await fixedIdentity(0x02);
/** Bob's second key (a message is tried with each). */
export const CAROL: Identity = await fixedIdentity(0x03);
/** Another sender, who signs messages with his own key. */
export const MALLORY: Identity = await fixedIdentity(0x04);

/** A seeded rng for the named fixture. */
export function rngFor(name: string): Rng {
  return seededRng(`fuzz-e2ee-${name}`);
}

const te = new TextEncoder();
/** UTF-8 bytes of a string. */
export function u8(s: string): Uint8Array {
  return te.encode(s);
}

/** Concatenate byte strings. */
export function cat(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Whether two byte strings are equal (not constant time: fuzz oracles only). */
export function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Little-endian u32 at `at`, or 0 past the end. */
export function u32At(b: Uint8Array, at: number): number {
  if (at + 4 > b.length) return 0;
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

/** Little-endian u32 bytes. */
export function u32le(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n >>> 0, true);
  return out;
}

/** X25519 keys whose agreement is all zero (Wycheproof), and non-canonical u-coordinates. */
export const BAD_X25519_KEYS: readonly Uint8Array[] = [...LOW_ORDER_KEYS, ...NON_CANONICAL_KEYS].map(fromHex);

/** The order-8 torsion point used to make mixed-order keys. */
const TORSION_8 = "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a";

/**
 * Ed25519 public keys no verifier should accept as a sender: the small-order points (both sign
 * bits), non-canonical encodings (y ≥ p), bytes that are no point, and `A + T` (mixed order) for
 * Alice's key.
 */
export const BAD_ED25519_KEYS: readonly Uint8Array[] = [
  "0100000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000080",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0000000000000000000000000000000000000000000000000000000000000080",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
  TORSION_8,
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
  "0200000000000000000000000000000000000000000000000000000000000000",
].map(fromHex).concat([mixedOrder(ALICE.ed25519Public)]);

/** `A + T8`: a point of mixed order whose prime-order part is `A`. */
export function mixedOrder(publicKey: Uint8Array): Uint8Array {
  return ed25519.Point.fromBytes(publicKey).add(ed25519.Point.fromBytes(fromHex(TORSION_8))).toBytes();
}

/** The group order L of Ed25519. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

/**
 * A malleated Ed25519 signature: `S + L` in place of `S` (the same signature for a lax verifier).
 *
 * @param sig a 64-byte signature
 * @returns the signature with S + L, or a copy when S + L does not fit
 */
export function plusL(sig: Uint8Array): Uint8Array {
  const out = sig.slice();
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]);
  s += L;
  if (s >> 256n) return out;
  for (let i = 32; i < 64; i++) {
    out[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  return out;
}

/** Ed25519 signature with noble (synchronous). */
export function sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  return ed25519.sign(message, seed);
}

function leToBig(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]);
  return n;
}

/**
 * An Ed25519 signature by `seed` that claims the public key `claimed` in its hash
 * (`S = r + H(R ‖ claimed ‖ M)·a`): valid under `claimed` for a cofactored verifier when `claimed`
 * is the signer's key plus torsion, and for every verifier when `claimed` is the signer's key.
 *
 * @param seed the signer's 32-byte seed
 * @param claimed the public key to put in the hash
 * @param message the message
 * @returns R ‖ S
 */
export function signAs(seed: Uint8Array, claimed: Uint8Array, message: Uint8Array): Uint8Array {
  const { prefix, scalar } = ed25519.utils.getExtendedPublicKey(seed);
  const r = leToBig(sha512(cat(prefix, message))) % L;
  const R = ed25519.Point.BASE.multiply(r === 0n ? 1n : r).toBytes();
  const h = leToBig(sha512(cat(R, claimed, message))) % L;
  let S = (r + h * scalar) % L;
  const out = new Uint8Array(64);
  out.set(R);
  for (let i = 32; i < 64; i++) {
    out[i] = Number(S & 0xffn);
    S >>= 8n;
  }
  return out;
}

/** Strict Ed25519 verification (canonical S and A, cofactorless), the reference for oracles. */
export function strictVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** Whether an Ed25519 public key is a point of the prime-order subgroup (a usable sender key). */
export function primeOrderPoint(publicKey: Uint8Array): boolean {
  try {
    const p = ed25519.Point.fromBytes(publicKey, false);
    return !p.isSmallOrder() && p.isTorsionFree();
  } catch {
    return false;
  }
}

/** Signature edits: bit flips, S + L, zero, truncated, extended, the sign bit. */
export const signatureEditArb: fc.Arbitrary<(sig: Uint8Array) => Uint8Array> = fc.oneof(
  fc.tuple(fc.nat(63), fc.nat(7)).map(([i, b]) => (sig: Uint8Array) => {
    const out = sig.slice();
    out[i % out.length] ^= 1 << b;
    return out;
  }),
  fc.constant((sig: Uint8Array) => plusL(sig)),
  fc.constant((sig: Uint8Array) => new Uint8Array(sig.length)),
  fc.constant((sig: Uint8Array) => sig.subarray(0, sig.length - 1).slice()),
  fc.constant((sig: Uint8Array) => cat(sig, Uint8Array.of(0))),
  fc.constant((sig: Uint8Array) => {
    const out = sig.slice();
    out[63] ^= 0x80;
    return out;
  }),
  fc.constant((sig: Uint8Array) => {
    const out = sig.slice();
    out[63] |= 0x60;
    return out;
  }),
);
