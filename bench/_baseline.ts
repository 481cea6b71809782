/**
 * The raw baseline of `bench/run.ts`: the crypto steps of one onion hop and of a 3-hop build as
 * direct primitive calls, with no allium code between them. This file imports "sodium-native" and
 * "node:crypto" directly on purpose: the baseline must not go through `protocol/`, so that the
 * ratio subject / baseline prices exactly what allium adds around the primitives.
 *
 * Per-hop peel (onion-requests.md §2):
 * - xchacha20: `crypto_scalarmult` → `crypto_generichash` (BLAKE2b-256 over S ‖ E ‖ R) →
 *   `crypto_aead_xchacha20poly1305_ietf_decrypt`;
 * - aes-gcm: `crypto_scalarmult` → HMAC-SHA256(key "LOKI", S) → AES-256-GCM decrypt, each with the
 *   fastest native implementation on this runtime: HMAC picked by {@link calibrateHmac}, GCM
 *   (`node:crypto` or WebCrypto) picked per case by `run.ts`, which times the whole baseline
 *   operation with each and keeps the faster, in the same run.
 *
 * 3-hop build: 4 layers × (random 32-byte secret, `crypto_scalarmult_base`, `crypto_scalarmult`,
 * KDF, random nonce, AEAD encrypt) over the real plaintext of each layer. The framing (length
 * prefix, nonce ‖ ciphertext concatenation, routing JSON) is not included: primitives only.
 *
 * Scratch buffers for secrets, shared secrets, KDF input and keys are allocated once per case and
 * reused (the fastest honest use of each API); outputs a caller keeps (public keys, nonces,
 * ciphertexts, plaintexts) are allocated per call. Inputs are pre-split into views outside the
 * timed loop.
 *
 * @module
 */

import { createCipheriv, createDecipheriv, createHmac } from "node:crypto";
import sodiumModule from "sodium-native";
import {
  AES_GCM_IV_BYTES,
  AES_GCM_KDF_KEY,
  AES_GCM_TAG_BYTES,
  HOP_KEY_BYTES,
  X25519_KEY_BYTES,
  XCHACHA_NONCE_BYTES,
  XCHACHA_TAG_BYTES,
} from "../protocol/constants.ts";
import { measureInterleaved, type Op, type Timing } from "./_harness.ts";

/** The part of sodium-native the baseline calls (the package ships no types). */
interface SodiumNative {
  randombytes_buf(buf: Uint8Array): void;
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): void;
  crypto_scalarmult_base(q: Uint8Array, n: Uint8Array): void;
  crypto_generichash(out: Uint8Array, input: Uint8Array, key?: Uint8Array): void;
  crypto_hash_sha256(out: Uint8Array, input: Uint8Array): void;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
    c: Uint8Array,
    m: Uint8Array,
    ad: Uint8Array | null,
    nsec: null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
  crypto_aead_xchacha20poly1305_ietf_decrypt(
    m: Uint8Array,
    nsec: null,
    c: Uint8Array,
    ad: Uint8Array | null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
}

const sn = sodiumModule as unknown as SodiumNative;

/** Cipher names as in the routing JSON. */
export type Cipher = "aes-gcm" | "xchacha20";
/** Native AES-256-GCM implementations on Deno. */
export type GcmImpl = "node:crypto" | "webcrypto";
/** Native HMAC-SHA256 implementations on Deno. */
export type HmacImpl = "node:crypto" | "webcrypto" | "sodium-sha256";

/** The native implementations an AES-GCM baseline uses. */
export interface Primitives {
  /** HMAC-SHA256 with key "LOKI" over the 32-byte shared secret. */
  hmac: HmacImpl;
  /** AES-256-GCM. */
  gcm: GcmImpl;
}

/** The HMAC pick, with the numbers behind it. */
export interface HmacCalibration {
  /** The fastest. */
  hmac: HmacImpl;
  /** Median ops/s per implementation. */
  opsPerSec: Record<HmacImpl, number>;
}

const SHA256_BLOCK_BYTES = 64;
const HMAC_IPAD = 0x36;
const HMAC_OPAD = 0x5c;
/** The HMAC key of the aes-gcm hop KDF (onion-requests.md §2). */
const LOKI = new Uint8Array(AES_GCM_KDF_KEY);
const NODE_GCM = "aes-256-gcm";

/** Nonce length of a cipher. */
export function nonceLength(cipher: Cipher): number {
  return cipher === "aes-gcm" ? AES_GCM_IV_BYTES : XCHACHA_NONCE_BYTES;
}

/** Tag length of a cipher. */
export function tagLength(cipher: Cipher): number {
  return cipher === "aes-gcm" ? AES_GCM_TAG_BYTES : XCHACHA_TAG_BYTES;
}

/** HMAC-SHA256("LOKI", ·) over a 32-byte message: the message goes into `slot`, the key comes back. */
interface Hmac {
  /** Where the caller writes the 32-byte message (lets X25519 write into it directly). */
  slot: Uint8Array;
  /** MAC the bytes in `slot`. */
  run(): Uint8Array | Promise<Uint8Array>;
}

async function webcryptoHmacKey(): Promise<CryptoKey> {
  return await crypto.subtle.importKey("raw", LOKI, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

/** Build an HMAC-SHA256("LOKI", ·) runner for one case. */
async function makeHmac(impl: HmacImpl): Promise<Hmac> {
  if (impl === "sodium-sha256") {
    // RFC 2104 over two one-shot SHA-256 calls; the padded key blocks are fixed (key = "LOKI").
    const inner = new Uint8Array(SHA256_BLOCK_BYTES + HOP_KEY_BYTES);
    const outer = new Uint8Array(SHA256_BLOCK_BYTES + HOP_KEY_BYTES);
    inner.set(LOKI);
    outer.set(LOKI);
    for (let i = 0; i < SHA256_BLOCK_BYTES; i++) {
      inner[i] ^= HMAC_IPAD;
      outer[i] ^= HMAC_OPAD;
    }
    const slot = inner.subarray(SHA256_BLOCK_BYTES);
    const innerHash = outer.subarray(SHA256_BLOCK_BYTES);
    const key = new Uint8Array(HOP_KEY_BYTES);
    return {
      slot,
      run() {
        sn.crypto_hash_sha256(innerHash, inner);
        sn.crypto_hash_sha256(key, outer);
        return key;
      },
    };
  }
  const slot = new Uint8Array(X25519_KEY_BYTES);
  if (impl === "node:crypto") {
    return { slot, run: () => createHmac("sha256", LOKI).update(slot).digest() };
  }
  const k = await webcryptoHmacKey();
  return { slot, run: () => crypto.subtle.sign("HMAC", k, slot).then((mac) => new Uint8Array(mac)) };
}

/** AES-256-GCM open of pre-split `iv ‖ ct ‖ tag` (key read at call time). */
function gcmOpen(impl: GcmImpl, blob: Uint8Array): (key: Uint8Array) => Uint8Array | Promise<Uint8Array> {
  const iv = blob.subarray(0, AES_GCM_IV_BYTES);
  const sealed = blob.subarray(AES_GCM_IV_BYTES);
  const ct = blob.subarray(AES_GCM_IV_BYTES, blob.length - AES_GCM_TAG_BYTES);
  const tag = blob.subarray(blob.length - AES_GCM_TAG_BYTES);
  if (impl === "node:crypto") {
    return (key) => {
      const d = createDecipheriv(NODE_GCM, key, iv, { authTagLength: AES_GCM_TAG_BYTES });
      d.setAuthTag(tag);
      const pt = d.update(ct);
      d.final();
      return pt;
    };
  }
  const ivB = iv as Uint8Array<ArrayBuffer>, sealedB = sealed as Uint8Array<ArrayBuffer>;
  return (key) =>
    crypto.subtle.importKey("raw", key as Uint8Array<ArrayBuffer>, "AES-GCM", false, ["decrypt"])
      .then((k) => crypto.subtle.decrypt({ name: "AES-GCM", iv: ivB }, k, sealedB))
      .then((pt) => new Uint8Array(pt));
}

/** AES-256-GCM seal: `[ciphertext, tag]` or `[ciphertext ‖ tag]` (no concatenation: framing is excluded). */
function gcmSeal(
  impl: GcmImpl,
): (key: Uint8Array, iv: Uint8Array, pt: Uint8Array) => Uint8Array[] | Promise<Uint8Array[]> {
  if (impl === "node:crypto") {
    return (key, iv, pt) => {
      const c = createCipheriv(NODE_GCM, key, iv, { authTagLength: AES_GCM_TAG_BYTES });
      const ct = c.update(pt);
      c.final();
      return [ct, c.getAuthTag()];
    };
  }
  return (key, iv, pt) =>
    crypto.subtle.importKey("raw", key as Uint8Array<ArrayBuffer>, "AES-GCM", false, ["encrypt"])
      .then((k) =>
        crypto.subtle.encrypt({ name: "AES-GCM", iv: iv as Uint8Array<ArrayBuffer> }, k, pt as Uint8Array<ArrayBuffer>)
      )
      .then((sealed) => [new Uint8Array(sealed)]);
}

/** One received layer, already split out of its framing. */
export interface PeelInput {
  cipher: Cipher;
  /** `nonce ‖ ciphertext ‖ tag`. */
  blob: Uint8Array;
  /** The builder's ephemeral X25519 public key E. */
  ephemeralKey: Uint8Array;
  /** The node's X25519 secret. */
  nodeSecret: Uint8Array;
  /** The node's X25519 public key R. */
  nodePublic: Uint8Array;
}

/**
 * The raw per-hop peel: X25519, KDF, AEAD decrypt. Returns the plaintext (a promise only where a
 * WebCrypto step was chosen). Throws if the tag does not verify.
 *
 * @param input the layer and the node's keys
 * @param prims the native HMAC and GCM to use (unused for xchacha20)
 * @returns the operation
 */
export async function makePeelBaseline(input: PeelInput, prims: Primitives): Promise<Op> {
  const { blob, ephemeralKey, nodeSecret, nodePublic } = input;
  if (input.cipher === "xchacha20") {
    const kdfIn = new Uint8Array(3 * X25519_KEY_BYTES);
    kdfIn.set(ephemeralKey, X25519_KEY_BYTES);
    kdfIn.set(nodePublic, 2 * X25519_KEY_BYTES);
    const shared = kdfIn.subarray(0, X25519_KEY_BYTES);
    const key = new Uint8Array(HOP_KEY_BYTES);
    const nonce = blob.subarray(0, XCHACHA_NONCE_BYTES);
    const sealed = blob.subarray(XCHACHA_NONCE_BYTES);
    return () => {
      sn.crypto_scalarmult(shared, nodeSecret, ephemeralKey);
      sn.crypto_generichash(key, kdfIn);
      const pt = new Uint8Array(sealed.length - XCHACHA_TAG_BYTES);
      sn.crypto_aead_xchacha20poly1305_ietf_decrypt(pt, null, sealed, null, nonce, key);
      return pt;
    };
  }
  const hmac = await makeHmac(prims.hmac);
  const open = gcmOpen(prims.gcm, blob);
  return () => {
    sn.crypto_scalarmult(hmac.slot, nodeSecret, ephemeralKey);
    const key = hmac.run();
    return key instanceof Promise ? key.then(open) : open(key);
  };
}

/** One layer the build baseline seals: its recipient and its real plaintext. */
export interface BuildLayer {
  /** The recipient's X25519 public key. */
  recipient: Uint8Array;
  /** The plaintext of this layer, as allium's builder produces it. */
  plaintext: Uint8Array;
}

/** What the build baseline produces per layer (kept only for verification). */
export interface SealedLayer {
  ephemeralKey: Uint8Array;
  nonce: Uint8Array;
  /** `ciphertext ‖ tag` as one or two arrays. */
  sealed: Uint8Array[];
}

/**
 * The raw 3-hop build: 4 layers (innermost first) of secret, public key, X25519, KDF, nonce, AEAD.
 *
 * @param cipher the cipher of every layer
 * @param layers the layers, innermost first
 * @param prims the native HMAC and GCM to use (unused for xchacha20)
 * @returns the operation; it returns the sealed layers (innermost first)
 */
export async function makeBuildBaseline(
  cipher: Cipher,
  layers: readonly BuildLayer[],
  prims: Primitives,
): Promise<() => SealedLayer[] | Promise<SealedLayer[]>> {
  const secret = new Uint8Array(X25519_KEY_BYTES);
  if (cipher === "xchacha20") {
    const kdfIn = new Uint8Array(3 * X25519_KEY_BYTES);
    const shared = kdfIn.subarray(0, X25519_KEY_BYTES);
    const key = new Uint8Array(HOP_KEY_BYTES);
    return () => {
      const out: SealedLayer[] = [];
      for (const { recipient, plaintext } of layers) {
        sn.randombytes_buf(secret);
        const ephemeralKey = new Uint8Array(X25519_KEY_BYTES);
        sn.crypto_scalarmult_base(ephemeralKey, secret);
        sn.crypto_scalarmult(shared, secret, recipient);
        kdfIn.set(ephemeralKey, X25519_KEY_BYTES);
        kdfIn.set(recipient, 2 * X25519_KEY_BYTES);
        sn.crypto_generichash(key, kdfIn);
        const nonce = new Uint8Array(XCHACHA_NONCE_BYTES);
        sn.randombytes_buf(nonce);
        const sealed = new Uint8Array(plaintext.length + XCHACHA_TAG_BYTES);
        sn.crypto_aead_xchacha20poly1305_ietf_encrypt(sealed, plaintext, null, null, nonce, key);
        out.push({ ephemeralKey, nonce, sealed: [sealed] });
      }
      return out;
    };
  }
  const hmac = await makeHmac(prims.hmac);
  const seal = gcmSeal(prims.gcm);
  const syncPath = prims.hmac !== "webcrypto" && prims.gcm !== "webcrypto";
  function start(recipient: Uint8Array): { ephemeralKey: Uint8Array; nonce: Uint8Array } {
    sn.randombytes_buf(secret);
    const ephemeralKey = new Uint8Array(X25519_KEY_BYTES);
    sn.crypto_scalarmult_base(ephemeralKey, secret);
    sn.crypto_scalarmult(hmac.slot, secret, recipient);
    const nonce = new Uint8Array(AES_GCM_IV_BYTES);
    sn.randombytes_buf(nonce);
    return { ephemeralKey, nonce };
  }
  if (syncPath) {
    return () => {
      const out: SealedLayer[] = [];
      for (const { recipient, plaintext } of layers) {
        const { ephemeralKey, nonce } = start(recipient);
        const sealed = seal(hmac.run() as Uint8Array, nonce, plaintext) as Uint8Array[];
        out.push({ ephemeralKey, nonce, sealed });
      }
      return out;
    };
  }
  return async () => {
    const out: SealedLayer[] = [];
    for (const { recipient, plaintext } of layers) {
      const { ephemeralKey, nonce } = start(recipient);
      const sealed = await seal(await hmac.run(), nonce, plaintext);
      out.push({ ephemeralKey, nonce, sealed });
    }
    return out;
  };
}

/** `ciphertext ‖ tag` as one array (verification only). */
export function joinSealed(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Random bytes from libsodium (setup only). */
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  sn.randombytes_buf(out);
  return out;
}

/** X25519 public key for a secret (setup only). */
export function publicKeyOf(secret: Uint8Array): Uint8Array {
  const pk = new Uint8Array(X25519_KEY_BYTES);
  sn.crypto_scalarmult_base(pk, secret);
  return pk;
}

/** Whether two byte strings are equal (verification only; not constant time). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Time the native HMAC-SHA256 candidates for the aes-gcm KDF (interleaved, in this run) and pick
 * the fastest. Each is first checked against `node:crypto`. The message is always 32 bytes, so one
 * pick serves every payload size.
 *
 * Candidates: `node:crypto` `createHmac`; WebCrypto `sign` (key imported once: "LOKI" is fixed);
 * RFC 2104 over two sodium-native `crypto_hash_sha256` calls with the padded key blocks prepared
 * once (sodium-native exposes no HMAC-SHA256; this is what the sodium provider does too).
 *
 * @param timing time boxes
 * @returns the pick and the numbers
 */
export async function calibrateHmac(timing: Timing): Promise<HmacCalibration> {
  const impls: HmacImpl[] = ["sodium-sha256", "node:crypto", "webcrypto"];
  const message = randomBytes(X25519_KEY_BYTES);
  const expected = createHmac("sha256", LOKI).update(message).digest();
  const cases = [];
  for (const impl of impls) {
    const h = await makeHmac(impl);
    h.slot.set(message);
    if (!sameBytes(await h.run(), expected)) throw new Error(`Cannot calibrate: HMAC "${impl}" gave a wrong MAC`);
    cases.push({ name: impl, op: h.run });
  }
  const m = await measureInterleaved(cases, timing);
  const opsPerSec = Object.fromEntries(impls.map((i) => [i, Math.round(m.get(i)!.opsPerSec)])) as Record<
    HmacImpl,
    number
  >;
  return { hmac: impls.reduce((a, b) => opsPerSec[a] >= opsPerSec[b] ? a : b), opsPerSec };
}
