import assert from "node:assert/strict";
import { blake2b } from "@noble/hashes/blake2.js";
import { hchacha } from "@noble/ciphers/chacha.js";
import { fromHex, readU32le, utf8, writeU32le } from "../../bytes.ts";
import { isProtocolError, type ProtocolErrorCode } from "../../errors.ts";
import { seededRng } from "../../_testing/seeded_rng.ts";
import {
  SECRETSTREAM_TAG_FINAL,
  SECRETSTREAM_TAG_MESSAGE,
  secretstreamInitPush,
  secretstreamPush,
} from "../../crypto/secretstream.ts";
import { attachmentPadding, encryptedAttachmentSize } from "./attachment_size.ts";
import {
  AttachmentDecryptor,
  type AttachmentDomain,
  AttachmentEncryptor,
  decryptAttachment,
  encryptAttachment,
} from "./deterministic_attachment.ts";

const CHUNK = 32 * 1024;
const rng = seededRng("deterministic_attachment_test");
/** libsession's test data: byte i is i·7 mod 256. */
const makeData = (n: number) => new Uint8Array(n).map((_, i) => (i * 7) & 0xff);
const SEED = fromHex("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");

function rejects(code: ProtocolErrorCode) {
  return (e: unknown) => isProtocolError(e, code);
}

/** The part of sodium-native's secretstream API the reference calls. */
interface SodiumSecretstream {
  crypto_secretstream_xchacha20poly1305_push(
    state: Uint8Array,
    c: Uint8Array,
    m: Uint8Array,
    ad: Uint8Array | null,
    tag: number,
  ): number;
}

async function loadSodium(): Promise<SodiumSecretstream | undefined> {
  try {
    const mod = await import("sodium-native");
    return (mod.default ?? mod) as SodiumSecretstream;
  } catch {
    return undefined;
  }
}

const sodium = await loadSodium();

/**
 * An independent reference of e2ee.md §6.2 over libsodium: BLAKE2b from @noble/hashes, the
 * secretstream from sodium-native (its state set from the derived header: HChaCha20 subkey ‖
 * counter 1 ‖ inonce ‖ 8 zero bytes), the plaintext stream built whole and cut into 32 KiB chunks.
 */
function referenceEncrypt(s: SodiumSecretstream, seed: Uint8Array, data: Uint8Array, domain: AttachmentDomain) {
  const pers = utf8(domain === "attachment" ? "SessionAttachmnt" : "Session_Prof_Pic");
  const nk = blake2b(data, { dkLen: 56, key: seed.subarray(0, 32), personalization: pers });
  const header = nk.subarray(0, 24), key = nk.subarray(24);
  const k32 = new Uint32Array(8), i32 = new Uint32Array(4), o32 = new Uint32Array(8);
  for (let j = 0; j < 8; j++) k32[j] = readU32le(key, 4 * j);
  for (let j = 0; j < 4; j++) i32[j] = readU32le(header, 4 * j);
  hchacha(new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]), k32, i32, o32);
  const state = new Uint8Array(52);
  for (let j = 0; j < 8; j++) writeU32le(state, 4 * j, o32[j]);
  state[32] = 1;
  state.set(header.subarray(16), 36);
  const p = attachmentPadding(data.length);
  const stream = new Uint8Array(p + data.length);
  stream[p - 1] = 0x01;
  stream.set(data, p);
  const parts = [Uint8Array.of(0x53), header.slice()];
  for (let at = 0; at < stream.length; at += CHUNK) {
    const m = stream.subarray(at, at + CHUNK);
    const c = new Uint8Array(m.length + 17);
    const tag = at + CHUNK >= stream.length ? SECRETSTREAM_TAG_FINAL : SECRETSTREAM_TAG_MESSAGE;
    s.crypto_secretstream_xchacha20poly1305_push(state, c, m, null, tag);
    parts.push(c);
  }
  const blob = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  parts.reduce((at, x) => (blob.set(x, at), at + x.length), 0);
  return { blob, key: key.slice() };
}

/** A blob from chosen plaintext chunks and tags, for malformed-stream cases. */
function craft(key: Uint8Array, chunks: [Uint8Array, number][]): Uint8Array {
  const header = rng.fill(new Uint8Array(24));
  const st = secretstreamInitPush(key, header);
  const parts = [Uint8Array.of(0x53), header, ...chunks.map(([m, tag]) => secretstreamPush(st, m, { tag }))];
  const blob = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  parts.reduce((at, x) => (blob.set(x, at), at + x.length), 0);
  return blob;
}

function concat(pieces: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((n, x) => n + x.length, 0));
  pieces.reduce((at, x) => (out.set(x, at), at + x.length), 0);
  return out;
}

const SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 4053, 4054, 33333, 261983];

Deno.test({
  name: "encryptAttachment() equals a sodium-native reference byte for byte, for both domains",
  ignore: sodium === undefined,
  fn: () => {
    for (const n of SIZES) {
      const data = makeData(n);
      for (const domain of ["attachment", "profile-pic"] as const) {
        const ref = referenceEncrypt(sodium!, SEED, data, domain);
        const got = encryptAttachment(SEED, data, { domain });
        assert.deepEqual(got.key, ref.key, `key of ${n}`);
        assert.equal(got.blob.length, ref.blob.length, `length of ${n}`);
        assert.ok(got.blob.every((b, i) => b === ref.blob[i]), `blob of ${n} (${domain})`);
      }
    }
  },
});

Deno.test("encryptAttachment() round trips 0, 1, 32 KiB − 1, 32 KiB, 32 KiB + 1 and 5 MB, with libsession's sizes", () => {
  for (const n of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * 1024 * 1024]) {
    const data = rng.fill(new Uint8Array(n));
    const { blob, key } = encryptAttachment(SEED, data);
    assert.equal(blob.length, encryptedAttachmentSize(n));
    assert.equal(blob[0], 0x53);
    const pt = decryptAttachment(blob, key);
    assert.equal(pt.length, n);
    assert.ok(pt.every((b, i) => b === data[i]), `round trip of ${n}`);
  }
  assert.equal(encryptAttachment(SEED, makeData(4054)).blob.length, 8192);
  assert.equal(encryptAttachment(SEED, makeData(33333)).blob.length, 36864);
});

Deno.test("AttachmentEncryptor and AttachmentDecryptor stream in pieces of any size, matching the one-shot blob", () => {
  for (const n of [0, 5, CHUNK, 3 * CHUNK + 7, 100_000]) {
    const data = rng.fill(new Uint8Array(n));
    const oneShot = encryptAttachment(SEED, data);
    for (const piece of [1, 41, 4096, CHUNK + 17, 1 << 20]) {
      if (piece === 1 && n > CHUNK) continue; // byte-at-a-time only for the small ones
      const enc = new AttachmentEncryptor(SEED);
      for (let i = 0; i < n; i += 999) enc.update(data.subarray(i, i + 999));
      const key = enc.start();
      const out: Uint8Array[] = [];
      for (let i = 0; i < n; i += piece) out.push(...enc.push(data.subarray(i, i + piece)));
      out.push(...enc.finish());
      const blob = concat(out);
      assert.deepEqual(key, oneShot.key);
      assert.ok(
        blob.length === oneShot.blob.length && blob.every((b, i) => b === oneShot.blob[i]),
        `n ${n} piece ${piece}`,
      );
      const dec = new AttachmentDecryptor(key);
      const pt: Uint8Array[] = [];
      for (let i = 0; i < blob.length; i += piece) pt.push(...dec.update(blob.subarray(i, i + piece)));
      pt.push(...dec.finish());
      assert.deepEqual(concat(pt), data, `decrypt n ${n} piece ${piece}`);
    }
  }
});

Deno.test("decryptAttachment() rejects tampering, truncation, extension, a wrong key, domain or seed, with typed errors", () => {
  const data = makeData(3 * CHUNK);
  const { blob, key } = encryptAttachment(SEED, data);
  const cases: [string, Uint8Array, Uint8Array, ProtocolErrorCode][] = [];
  const flip = (at: number) => {
    const b = blob.slice();
    b[at] ^= 1;
    return b;
  };
  cases.push(["format byte", flip(0), key, "ATTACHMENT_INVALID"]);
  cases.push(["header", flip(5), key, "DECRYPT_FAILED"]);
  cases.push(["first chunk tag byte", flip(25), key, "DECRYPT_FAILED"]);
  cases.push(["middle", flip(blob.length >> 1), key, "DECRYPT_FAILED"]);
  cases.push(["last MAC byte", flip(blob.length - 1), key, "DECRYPT_FAILED"]);
  cases.push(["truncated by one byte", blob.subarray(0, blob.length - 1), key, "DECRYPT_FAILED"]);
  cases.push(["last chunk dropped", blob.subarray(0, 25 + 3 * (CHUNK + 17)), key, "ATTACHMENT_INVALID"]);
  cases.push(["header only", blob.subarray(0, 25), key, "ATTACHMENT_INVALID"]);
  cases.push(["shorter than the header", blob.subarray(0, 20), key, "ATTACHMENT_INVALID"]);
  cases.push(["extra byte", Uint8Array.of(...blob, 0), key, "DECRYPT_FAILED"]);
  cases.push(["wrong key", blob, rng.fill(new Uint8Array(32)), "DECRYPT_FAILED"]);
  cases.push(["profile-pic key", blob, encryptAttachment(SEED, data, { domain: "profile-pic" }).key, "DECRYPT_FAILED"]);
  const seed2 = SEED.slice();
  seed2[31] ^= 1;
  cases.push(["other uploader's key", blob, encryptAttachment(seed2, data).key, "DECRYPT_FAILED"]);
  for (const [name, b, k, code] of cases) {
    assert.throws(() => decryptAttachment(b, k), rejects(code), name);
  }
  assert.deepEqual(decryptAttachment(blob, key), data);
});

Deno.test("AttachmentDecryptor refuses bad padding, no padding end, data after FINAL and a missing FINAL", () => {
  const key = rng.fill(new Uint8Array(32));
  const M = SECRETSTREAM_TAG_MESSAGE, F = SECRETSTREAM_TAG_FINAL;
  const invalid = rejects("ATTACHMENT_INVALID");
  assert.throws(() => decryptAttachment(craft(key, [[Uint8Array.of(0, 0, 2, 7), F]]), key), invalid, "0x02 in padding");
  assert.throws(() => decryptAttachment(craft(key, [[new Uint8Array(10), F]]), key), invalid, "padding never ends");
  // Chunks are cut every 32 KiB + 17 bytes, so a chunk after FINAL needs a full first chunk.
  const full = new Uint8Array(CHUNK);
  full[0] = 0x01;
  assert.throws(() => decryptAttachment(craft(key, [[full, F], [Uint8Array.of(6), F]]), key), invalid, "after FINAL");
  assert.throws(() => decryptAttachment(craft(key, [[Uint8Array.of(1, 5), M]]), key), invalid, "no FINAL");
  assert.throws(() => decryptAttachment(craft(key, [[full, M], [new Uint8Array(0), F]]), key), invalid, "empty");
  // Well-formed crafted streams decrypt: data right after 0x01, padding over several chunks.
  assert.deepEqual(decryptAttachment(craft(key, [[Uint8Array.of(1, 5, 6), F]]), key), Uint8Array.of(5, 6));
  const padEnd = new Uint8Array(CHUNK);
  padEnd[CHUNK - 1] = 0x01;
  assert.deepEqual(
    decryptAttachment(craft(key, [[new Uint8Array(CHUNK), M], [padEnd, M], [Uint8Array.of(9), F]]), key),
    Uint8Array.of(9),
  );
  // After a failure the decryptor stays failed.
  const dec = new AttachmentDecryptor(key);
  const bad = craft(key, [[Uint8Array.of(3), F]]);
  assert.deepEqual(dec.update(bad), []); // under a whole chunk: buffered until finish()
  assert.throws(() => dec.finish(), invalid);
  assert.throws(() => dec.update(bad), invalid);
  assert.throws(() => dec.finish(), invalid);
});

Deno.test("AttachmentEncryptor refuses data over the regular limit, and a second pass that differs in length", () => {
  const enc = new AttachmentEncryptor(SEED);
  enc.update(new Uint8Array(10));
  enc.start();
  assert.throws(() => enc.push(new Uint8Array(11)), RangeError);
  enc.push(new Uint8Array(4));
  assert.throws(() => enc.finish(), RangeError);
  const big = new AttachmentEncryptor(SEED);
  big.update(new Uint8Array(10_218_287));
  assert.throws(() => big.start(), RangeError);
  assert.throws(() => new AttachmentEncryptor(new Uint8Array(31)), RangeError);
});
