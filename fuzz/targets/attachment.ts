/**
 * Fuzz target: attachment blobs (e2ee.md §6) → `decryptAttachment` and the streaming
 * `AttachmentDecryptor` (protocol/e2ee/attachments/deterministic_attachment.ts), and
 * `decryptLegacyAttachment` (legacy_attachment.ts). Input: `selector ‖ payload`.
 *
 * - `selector & 0x80` clear — deterministic format: payload = the blob; the key is the one of
 *   pool attachment `selector % n` (real uploads) or, for the last index, the fixed key of the
 *   hand-made streams.
 * - set — legacy format: payload = `size(u32 le; 2^32 − 1 = absent) ‖ digest flag ‖ blob` with the
 *   fixed 64-byte key; the flag passes no digest (0), the blob's SHA-256 (1), another one (2) or 31
 *   bytes (3).
 *
 * Expected refusal: `ProtocolError` with code `ATTACHMENT_INVALID` or `DECRYPT_FAILED` (both
 * formats document exactly these). Oracles:
 *
 * - deterministic: the streaming decryptor, fed the blob in pieces cut from the input (and again
 *   writing into one output array), gives the one-shot result or the same refusal; after a
 *   refusal it refuses every further call with `ATTACHMENT_INVALID`; an accepted blob decrypts to
 *   at most `decryptedAttachmentMaxSize(|blob|)` bytes, and, under an upload's key, re-encrypting
 *   the plaintext with the uploader's seed gives the blob back (the format is deterministic);
 * - legacy: an accepted blob carries the MAC the key gives, its digest when one was passed, and
 *   decrypts to the AES-CBC plaintext, truncated to `size` when given.
 *
 * Structured inputs: real blobs of both formats and byte edits of them; deterministic streams
 * made with `secretstreamPush` under a fixed key, chunk by chunk, with every plaintext and tag
 * rule broken in turn (padding that never ends, a non-zero byte before the 0x01, no FINAL tag,
 * data after FINAL, an empty last chunk, REKEY / PUSH / odd tags, full 32 KiB chunks, another
 * format byte); legacy blobs re-MACed with the fixed key around bad padding, partial blocks and
 * sizes around the plaintext length.
 *
 * @module
 */

import fc from "fast-check";
import { cbc } from "@noble/ciphers/aes.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  ATTACHMENT_CHUNK_BYTES,
  AttachmentDecryptor,
  type AttachmentDomain,
  decryptAttachment,
  decryptedAttachmentMaxSize,
  decryptLegacyAttachment,
  encryptAttachment,
  encryptLegacyAttachment,
  nobleProvider,
  type ProtocolErrorCode,
  SECRETSTREAM_TAG_FINAL,
  SECRETSTREAM_TAG_MESSAGE,
  SECRETSTREAM_TAG_PUSH,
  SECRETSTREAM_TAG_REKEY,
  secretstreamInitPush,
  secretstreamPush,
} from "../../mod.ts";
import { currentProvider, type FuzzTarget, invariant } from "../_harness.ts";
import { mutatedArb } from "../_mutate.ts";
import { attempt, attemptSync, cat, describeOutcome, type Outcome, rngFor, same, u32At, u32le, u8 } from "../_e2ee.ts";

/** The codes both formats document. */
export const CODES: readonly ProtocolErrorCode[] = ["ATTACHMENT_INVALID", "DECRYPT_FAILED"];

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const SEED = new Uint8Array(32).fill(0x61);
interface Upload {
  seed: Uint8Array;
  domain: AttachmentDomain;
  blob: Uint8Array;
  key: Uint8Array;
}
const FULL = ATTACHMENT_CHUNK_BYTES;
const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff);
/** Real uploads: four small ones (committed corpus) and five across the 32 KiB chunk boundaries (seeds). */
const UPLOADS: Upload[] = ([
  [new Uint8Array(0), "attachment"],
  [u8("hello"), "attachment"],
  [new Uint8Array(1000).fill(7), "profile-pic"],
  [pattern(300), "attachment"],
  [pattern(FULL - 30), "attachment"],
  [pattern(FULL), "attachment"],
  [pattern(FULL + 1), "attachment"],
  [pattern(3 * FULL + 5), "profile-pic"],
  [pattern(200_000), "attachment"],
] as const).map(([data, domain]) => ({ seed: SEED, domain, ...encryptAttachment(SEED, data, { domain }) }));
const SMALL_UPLOADS = 4;

/** The key of the hand-made streams. */
const STREAM_KEY = new Uint8Array(32).fill(0x62);
const KEYS = [...UPLOADS.map((u) => u.key), STREAM_KEY];

const LEGACY = await encryptLegacyAttachment(u8("legacy attachment"), {
  rng: rngFor("legacy"),
  provider: nobleProvider,
});
const LEGACY_KEY = LEGACY.key;
const LEGACY_UNPADDED = await encryptLegacyAttachment(u8("quote"), {
  rng: rngFor("legacy"),
  pad: false,
  provider: nobleProvider,
});
if (!same(LEGACY_UNPADDED.key, LEGACY_KEY)) throw new Error("fuzz fixture: legacy keys differ");

// ---------------------------------------------------------------------------------------------
// The target
// ---------------------------------------------------------------------------------------------

/** Piece sizes the streaming decryptor is fed, picked from the input. */
const PIECES = [
  1,
  7,
  24,
  25,
  26,
  100,
  1000,
  ATTACHMENT_CHUNK_BYTES + 16,
  ATTACHMENT_CHUNK_BYTES + 17,
  ATTACHMENT_CHUNK_BYTES + 18,
];

function streamed(blob: Uint8Array, key: Uint8Array, pick: number, out?: Uint8Array): Outcome<Uint8Array> {
  const dec = new AttachmentDecryptor(key, out === undefined ? {} : { out });
  const pieces: Uint8Array[] = [];
  const got = attemptSync("AttachmentDecryptor", CODES, () => {
    let at = 0;
    let i = pick;
    while (at < blob.length) {
      const n = PIECES[i++ % PIECES.length];
      pieces.push(...dec.update(blob.subarray(at, at + n)));
      at += n;
    }
    pieces.push(...dec.finish());
    return out === undefined ? cat(...pieces) : out.subarray(0, dec.written);
  });
  if (!got.ok) {
    for (const call of [() => dec.update(new Uint8Array(1)), () => dec.finish()]) {
      const again = attemptSync("AttachmentDecryptor after a refusal", CODES, call);
      invariant(
        !again.ok && again.error.code === "ATTACHMENT_INVALID",
        `after a refusal the decryptor ${describeOutcome(again)}`,
      );
    }
  }
  return got;
}

function agree(a: Outcome<Uint8Array>, b: Outcome<Uint8Array>, what: string): void {
  const ok = a.ok === b.ok && (a.ok && b.ok ? same(a.value, b.value) : !a.ok && !b.ok && a.error.code === b.error.code);
  invariant(ok, `${what} ${describeOutcome(b)}, decryptAttachment() ${describeOutcome(a)}`);
}

function fuzzDeterministic(sel: number, blob: Uint8Array): Outcome<unknown> {
  const k = sel % KEYS.length;
  const key = KEYS[k];
  const one = attemptSync("decryptAttachment()", CODES, () => decryptAttachment(blob, key));
  agree(one, streamed(blob, key, sel + blob.length), "streamed in pieces, the decryptor");
  const max = decryptedAttachmentMaxSize(blob.length);
  if (max !== undefined) {
    agree(one, streamed(blob, key, sel + 3, new Uint8Array(max)), "streamed into one array, the decryptor");
  }
  if (one.ok) {
    invariant(
      max !== undefined && one.value.length <= max,
      `${one.value.length} bytes from a ${blob.length}-byte blob`,
    );
    const upload = UPLOADS[k];
    if (upload !== undefined) {
      const again = encryptAttachment(upload.seed, one.value, { domain: upload.domain });
      invariant(same(again.blob, blob), "re-encrypting the plaintext of an upload gives another blob");
    }
  }
  return one;
}

async function fuzzLegacy(payload: Uint8Array): Promise<Outcome<unknown>> {
  const sizeField = u32At(payload, 0);
  const size = payload.length < 4 || sizeField === 0xffffffff ? undefined : sizeField;
  const flag = payload[4] ?? 0;
  const blob = payload.subarray(Math.min(5, payload.length));
  const digest = [undefined, sha256(blob), sha256(cat(blob, Uint8Array.of(0))), sha256(blob).subarray(0, 31)][flag % 4];
  const out = await attempt("decryptLegacyAttachment()", CODES, () =>
    decryptLegacyAttachment(blob, LEGACY_KEY, {
      ...(size === undefined ? {} : { size }),
      ...(digest === undefined ? {} : { digest }),
      provider: currentProvider(),
    }));
  if (out.ok) {
    const macInput = blob.subarray(0, blob.length - 32);
    invariant(
      same(hmac(sha256, LEGACY_KEY.subarray(32), macInput), blob.subarray(blob.length - 32)),
      "accepted a bad MAC",
    );
    invariant(digest === undefined || flag % 4 === 1, "accepted a wrong digest");
    const plain = cbc(LEGACY_KEY.subarray(0, 32), blob.subarray(0, 16)).decrypt(blob.subarray(16, blob.length - 32));
    invariant(
      same(out.value, size === undefined ? plain : plain.subarray(0, size)),
      "the plaintext is not the AES-CBC one",
    );
  }
  return out;
}

/**
 * Decrypt `input` in the selected format and check the oracles.
 *
 * @param input `selector ‖ payload`
 */
export async function fuzz(input: Uint8Array): Promise<void> {
  if (input.length === 0) return;
  const payload = input.subarray(1);
  const out = input[0] & 0x80 ? await fuzzLegacy(payload) : fuzzDeterministic(input[0], payload);
  if (!out.ok) throw out.error;
}

// ---------------------------------------------------------------------------------------------
// Structured inputs
// ---------------------------------------------------------------------------------------------

const DET = (keyIndex: number, blob: Uint8Array) => cat(Uint8Array.of(keyIndex), blob);
const STREAM_SEL = KEYS.length - 1;
const LEG = (size: number | undefined, flag: number, blob: Uint8Array) =>
  cat(Uint8Array.of(0x80), u32le(size ?? 0xffffffff), Uint8Array.of(flag), blob);

/** One chunk of a hand-made stream: its plaintext and tag. */
interface ChunkPlan {
  plaintext: Uint8Array;
  tag: number;
}

/** A stream under the fixed key: `format ‖ header ‖ secretstream chunks`. */
export function stream(
  chunks: readonly ChunkPlan[],
  header = new Uint8Array(24).fill(0x63),
  format = 0x53,
): Uint8Array {
  const st = secretstreamInitPush(STREAM_KEY, header);
  return cat(Uint8Array.of(format), header, ...chunks.map((c) => secretstreamPush(st, c.plaintext, { tag: c.tag })));
}

const padded = (pad: number, data: Uint8Array) => cat(new Uint8Array(Math.max(0, pad - 1)), Uint8Array.of(1), data);

const chunkArb: fc.Arbitrary<ChunkPlan[]> = fc.record({
  first: fc.oneof(
    { arbitrary: fc.tuple(fc.nat(40), fc.uint8Array({ maxLength: 60 })).map(([p, d]) => padded(p + 1, d)), weight: 6 },
    { arbitrary: fc.nat(60).map((n) => new Uint8Array(n)), weight: 1 }, // padding only
    {
      arbitrary: fc.tuple(fc.nat(10), fc.integer({ min: 2, max: 255 }), fc.uint8Array({ maxLength: 20 })).map((
        [p, b, d],
      ) => cat(new Uint8Array(p), Uint8Array.of(b), d)),
      weight: 1,
    },
    { arbitrary: fc.constant(new Uint8Array(0)), weight: 1 },
  ),
  full: fc.nat(2),
  tail: fc.array(fc.uint8Array({ maxLength: 30 }), { maxLength: 2 }),
  tags: fc.array(
    fc.oneof(
      { arbitrary: fc.constant(SECRETSTREAM_TAG_MESSAGE), weight: 5 },
      {
        arbitrary: fc.constantFrom(SECRETSTREAM_TAG_PUSH, SECRETSTREAM_TAG_REKEY, SECRETSTREAM_TAG_FINAL, 0x80, 0xff),
        weight: 1,
      },
    ),
    { minLength: 5, maxLength: 5 },
  ),
  last: fc.constantFrom(
    SECRETSTREAM_TAG_FINAL,
    SECRETSTREAM_TAG_FINAL,
    SECRETSTREAM_TAG_FINAL,
    SECRETSTREAM_TAG_MESSAGE,
    SECRETSTREAM_TAG_PUSH,
  ),
}).map((r) => {
  // Every chunk but the last must be exactly 32 KiB to line up with the decryptor's chunking.
  const plan: ChunkPlan[] = [];
  const body = r.full > 0 ? cat(r.first, new Uint8Array(FULL * r.full)).subarray(0, FULL * r.full) : r.first;
  for (let at = 0; at + FULL <= body.length; at += FULL) {
    plan.push({ plaintext: body.subarray(at, at + FULL), tag: r.tags[plan.length] });
  }
  const rest = r.full > 0 ? [] : [body];
  for (const p of [...rest, ...r.tail]) plan.push({ plaintext: p, tag: r.tags[plan.length % 5] });
  if (plan.length === 0) plan.push({ plaintext: r.first, tag: r.last });
  plan[plan.length - 1] = { ...plan[plan.length - 1], tag: r.last };
  return plan;
});

const streamArb = fc.tuple(
  chunkArb,
  fc.oneof({ arbitrary: fc.constant(0x53), weight: 10 }, { arbitrary: fc.constantFrom(0x00, 0x54, 0x73), weight: 1 }),
  fc.uint8Array({ minLength: 24, maxLength: 24 }),
).map(([plan, format, header]) => DET(STREAM_SEL, stream(plan, header, format)));

const uploadEditArb = fc.tuple(
  fc.nat(SMALL_UPLOADS - 1),
  fc.constantFrom("flip", "cut", "extend", "key"),
  fc.nat(),
  fc.nat(7),
).map(([i, kind, p, bit]) => {
  const b = UPLOADS[i].blob.slice();
  switch (kind) {
    case "flip":
      b[p % b.length] ^= 1 << bit;
      return DET(i, b);
    case "cut":
      return DET(i, b.subarray(0, p % (b.length + 1)));
    case "extend":
      return DET(i, cat(b, new Uint8Array(1 + (p % 40))));
    default:
      return DET((i + 1 + (p % (KEYS.length - 1))) % KEYS.length, b); // another key
  }
});

/** Legacy blobs re-MACed with the fixed key around chosen ciphertexts. */
function legacyBlob(iv: Uint8Array, ct: Uint8Array): Uint8Array {
  const macInput = cat(iv, ct);
  return cat(macInput, hmac(sha256, LEGACY_KEY.subarray(32), macInput));
}

const legacyArb = fc.record({
  iv: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  ct: fc.oneof(
    {
      arbitrary: fc.uint8Array({ maxLength: 600 }).map((p) =>
        cbc(LEGACY_KEY.subarray(0, 32), new Uint8Array(16)).encrypt(p)
      ),
      weight: 3,
    },
    { arbitrary: fc.nat(4).map((n) => new Uint8Array(16 * n).fill(0x21)), weight: 1 },
    { arbitrary: fc.uint8Array({ maxLength: 40 }), weight: 1 },
  ),
  size: fc.option(fc.oneof(fc.nat(700), fc.constantFrom(0, 0xfffffffe)), { freq: 2 }),
  flag: fc.nat(3),
  remac: fc.constantFrom(true, true, true, false),
  zeroIv: fc.boolean(),
}).map((r) => {
  const iv = r.zeroIv ? new Uint8Array(16) : r.iv; // the valid-padding ciphertexts were made with a zero IV
  const blob = r.remac ? legacyBlob(iv, r.ct) : cat(iv, r.ct, new Uint8Array(32));
  return LEG(r.size ?? undefined, r.flag, blob);
});

const VALID: Uint8Array[] = [
  ...UPLOADS.slice(0, SMALL_UPLOADS).map((u, i) => DET(i, u.blob)),
  DET(STREAM_SEL, stream([{ plaintext: padded(3, u8("data")), tag: SECRETSTREAM_TAG_FINAL }])),
  LEG(LEGACY.size, 1, LEGACY.blob),
  LEG(undefined, 0, LEGACY_UNPADDED.blob),
];

/** Structured inputs for {@link fuzz}. */
export const structured: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: fc.constantFrom(...VALID), weight: 1 },
  { arbitrary: streamArb, weight: 5 },
  { arbitrary: uploadEditArb, weight: 2 },
  { arbitrary: legacyArb, weight: 3 },
  { arbitrary: mutatedArb(VALID), weight: 2 },
);

/** Seeds too large to commit: uploads across the 32 KiB chunk boundaries, full-chunk streams. */
function seeds(): { name: string; input: Uint8Array }[] {
  const out = UPLOADS.slice(SMALL_UPLOADS).map((u, i) => ({
    name: `seed:upload-${["32k-30", "32k", "32k+1", "96k+5", "200000"][i]}-bytes`,
    input: DET(SMALL_UPLOADS + i, u.blob),
  }));
  const full = new Uint8Array(FULL);
  full[FULL - 1] = 1;
  const F = SECRETSTREAM_TAG_FINAL;
  const add = (name: string, plan: ChunkPlan[]) =>
    out.push({ name: `seed:stream-${name}`, input: DET(STREAM_SEL, stream(plan)) });
  add("padding-fills-first-chunk", [{ plaintext: full, tag: 0 }, { plaintext: u8("x"), tag: F }]);
  add("final-in-first-of-two", [{ plaintext: full, tag: F }, { plaintext: u8("x"), tag: F }]);
  add("all-padding-32k", [{ plaintext: new Uint8Array(FULL), tag: 0 }, { plaintext: new Uint8Array(5), tag: F }]);
  add("rekey-between-chunks", [{ plaintext: full, tag: SECRETSTREAM_TAG_REKEY }, { plaintext: u8("x"), tag: F }]);
  add("exactly-one-full-chunk", [{ plaintext: full, tag: F }]);
  return out;
}

/**
 * The committed corpus (written by `_seed_corpus.ts`).
 *
 * @returns name, bytes and comment of each seed
 */
export function corpus(): [string, Uint8Array, string][] {
  const F = SECRETSTREAM_TAG_FINAL;
  const s: [string, Uint8Array, string][] = UPLOADS.slice(0, SMALL_UPLOADS).map((
    u,
    i,
  ) => [`upload-${i}`, DET(i, u.blob), `encryptAttachment() blob (${u.domain})`]);
  const st = (name: string, plan: ChunkPlan[], comment: string, format?: number) =>
    s.push([`stream-${name}`, DET(STREAM_SEL, stream(plan, undefined, format)), comment]);
  st("valid", [{ plaintext: padded(3, u8("data")), tag: F }], "hand-made stream: 0 0 1 data, FINAL");
  st("no-padding-marker", [{ plaintext: cat(new Uint8Array(3), u8("data")), tag: F }], "zeros then data: no 0x01");
  st(
    "bad-padding",
    [{ plaintext: cat(new Uint8Array(2), Uint8Array.of(2), u8("x")), tag: F }],
    "a 0x02 ends the padding",
  );
  st("padding-only", [{ plaintext: new Uint8Array(10), tag: F }], "the stream ends inside the padding");
  st("no-final", [{ plaintext: padded(1, u8("x")), tag: 0 }], "no FINAL tag");
  st("push-tag", [{ plaintext: padded(1, u8("x")), tag: SECRETSTREAM_TAG_PUSH }], "last chunk tagged PUSH");
  st(
    "after-final",
    [{ plaintext: padded(1, u8("x")), tag: F }, { plaintext: u8("y"), tag: F }],
    "data after FINAL (chunks misaligned)",
  );
  st("empty-final", [{ plaintext: new Uint8Array(0), tag: F }], "FINAL chunk with no plaintext (17 bytes)");
  st("marker-only", [{ plaintext: Uint8Array.of(1), tag: F }], "just the 0x01 marker: an empty attachment");
  st("format-s-lower", [{ plaintext: padded(1, u8("x")), tag: F }], "format byte 's'", 0x73);
  st("tag-0xff", [{ plaintext: padded(1, u8("x")), tag: 0xff }], "last chunk with tag 0xff");
  const u = UPLOADS[1].blob;
  s.push(["short-25", DET(1, u.subarray(0, 25)), "format byte and header only"]);
  s.push(["short-42", DET(1, u.subarray(0, 42)), "header and 17 bytes: too short for a marker"]);
  s.push(["empty", DET(1, new Uint8Array(0)), "empty blob"]);
  s.push([
    "flip-header",
    DET(
      1,
      (() => {
        const b = u.slice();
        b[5] ^= 1;
        return b;
      })(),
    ),
    "header bit flip",
  ]);
  s.push(["wrong-key", DET(0, u), "another upload's key"]);
  s.push(["legacy-valid", LEG(LEGACY.size, 1, LEGACY.blob), "legacy blob, size and digest"]);
  s.push(["legacy-no-size", LEG(undefined, 0, LEGACY.blob), "legacy blob, padded plaintext returned"]);
  s.push(["legacy-unpadded", LEG(undefined, 0, LEGACY_UNPADDED.blob), "legacy blob without padding"]);
  s.push(["legacy-size-over", LEG(10_000, 0, LEGACY.blob), "size larger than the plaintext"]);
  s.push(["legacy-wrong-digest", LEG(LEGACY.size, 2, LEGACY.blob), "digest of other bytes"]);
  s.push(["legacy-short-digest", LEG(LEGACY.size, 3, LEGACY.blob), "31-byte digest"]);
  s.push([
    "legacy-mac-flip",
    LEG(
      undefined,
      0,
      (() => {
        const b = LEGACY.blob.slice();
        b[b.length - 1] ^= 1;
        return b;
      })(),
    ),
    "MAC bit flip",
  ]);
  s.push(["legacy-63", LEG(undefined, 0, LEGACY.blob.subarray(0, 63)), "shorter than IV, one block and MAC"]);
  s.push([
    "legacy-partial-block",
    LEG(undefined, 0, legacyBlob(new Uint8Array(16), new Uint8Array(17))),
    "re-MACed, 17-byte ciphertext",
  ]);
  s.push([
    "legacy-bad-padding",
    LEG(undefined, 0, legacyBlob(new Uint8Array(16), new Uint8Array(16).fill(0x21))),
    "re-MACed, bad padding",
  ]);
  return s;
}

/** The `attachment` target. */
export const target: FuzzTarget = { name: "attachment", fuzz, structured, seeds };
