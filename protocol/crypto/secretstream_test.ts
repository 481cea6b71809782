import assert from "node:assert/strict";
import { isProtocolError } from "../errors.ts";
import { seededRng } from "../_testing/seeded_rng.ts";
import {
  SECRETSTREAM_ABYTES,
  SECRETSTREAM_TAG_FINAL,
  SECRETSTREAM_TAG_MESSAGE,
  SECRETSTREAM_TAG_PUSH,
  SECRETSTREAM_TAG_REKEY,
  secretstreamInitPull,
  secretstreamInitPush,
  secretstreamPull,
  secretstreamPush,
  secretstreamRekey,
} from "./secretstream.ts";

const rng = seededRng("secretstream_test");
const bytes = (n: number) => rng.fill(new Uint8Array(n));

/** The part of sodium-native's API these tests call (the package ships no types). */
interface SodiumSecretstream {
  crypto_secretstream_xchacha20poly1305_STATEBYTES: number;
  crypto_secretstream_xchacha20poly1305_init_push(state: Uint8Array, header: Uint8Array, key: Uint8Array): void;
  crypto_secretstream_xchacha20poly1305_init_pull(state: Uint8Array, header: Uint8Array, key: Uint8Array): void;
  crypto_secretstream_xchacha20poly1305_push(
    state: Uint8Array,
    c: Uint8Array,
    m: Uint8Array,
    ad: Uint8Array | null,
    tag: number,
  ): number;
  crypto_secretstream_xchacha20poly1305_pull(
    state: Uint8Array,
    m: Uint8Array,
    tag: Uint8Array,
    c: Uint8Array,
    ad: Uint8Array | null,
  ): number;
  crypto_secretstream_xchacha20poly1305_rekey(state: Uint8Array): void;
}

async function loadSodium(): Promise<SodiumSecretstream | undefined> {
  try {
    const mod = await import("sodium-native");
    const native = (mod.default ?? mod) as SodiumSecretstream;
    return typeof native.crypto_secretstream_xchacha20poly1305_push === "function" ? native : undefined;
  } catch {
    return undefined;
  }
}

const sodium = await loadSodium();

/** A message schedule: lengths, tags, ad and explicit rekeys, covering every branch. */
const SCHEDULE: { len: number; tag: number; ad?: number; rekeyAfter?: boolean }[] = [
  { len: 0, tag: SECRETSTREAM_TAG_MESSAGE },
  { len: 1, tag: SECRETSTREAM_TAG_MESSAGE, ad: 3 },
  { len: 15, tag: SECRETSTREAM_TAG_PUSH },
  { len: 16, tag: SECRETSTREAM_TAG_MESSAGE, ad: 16 },
  { len: 63, tag: SECRETSTREAM_TAG_REKEY },
  { len: 64, tag: SECRETSTREAM_TAG_MESSAGE, rekeyAfter: true },
  { len: 65, tag: SECRETSTREAM_TAG_MESSAGE, ad: 17 },
  { len: 1000, tag: 0x7f },
  { len: 32 * 1024, tag: SECRETSTREAM_TAG_MESSAGE },
  { len: 77, tag: SECRETSTREAM_TAG_FINAL },
];

Deno.test({
  name: "secretstreamPush() matches sodium-native byte for byte over tags, ad, rekeys and sizes",
  ignore: sodium === undefined,
  fn: () => {
    const s = sodium!;
    for (let run = 0; run < 4; run++) {
      const key = bytes(32);
      const header = new Uint8Array(24);
      const nativeState = new Uint8Array(s.crypto_secretstream_xchacha20poly1305_STATEBYTES);
      s.crypto_secretstream_xchacha20poly1305_init_push(nativeState, header, key); // draws the header
      const ours = secretstreamInitPush(key, header);
      const nativePull = new Uint8Array(s.crypto_secretstream_xchacha20poly1305_STATEBYTES);
      s.crypto_secretstream_xchacha20poly1305_init_pull(nativePull, header, key);
      const oursPull = secretstreamInitPull(key, header);
      for (const step of SCHEDULE) {
        const m = bytes(step.len);
        const ad = step.ad === undefined ? undefined : bytes(step.ad);
        const expected = new Uint8Array(m.length + SECRETSTREAM_ABYTES);
        s.crypto_secretstream_xchacha20poly1305_push(nativeState, expected, m, ad ?? null, step.tag);
        const got = secretstreamPush(ours, m, { tag: step.tag, ad });
        assert.deepEqual(got, expected, `push of ${step.len} bytes, run ${run}`);
        // libsodium pulls ours; we pull libsodium's (the same bytes, through the other state).
        const pt = new Uint8Array(m.length);
        const tag = new Uint8Array(1);
        s.crypto_secretstream_xchacha20poly1305_pull(nativePull, pt, tag, got, ad ?? null);
        assert.deepEqual(pt, m);
        assert.equal(tag[0], step.tag);
        const pulled = secretstreamPull(oursPull, expected, { ad });
        assert.deepEqual(pulled.message, m);
        assert.equal(pulled.tag, step.tag);
        if (step.rekeyAfter) {
          s.crypto_secretstream_xchacha20poly1305_rekey(nativeState);
          s.crypto_secretstream_xchacha20poly1305_rekey(nativePull);
          secretstreamRekey(ours);
          secretstreamRekey(oursPull);
        }
      }
    }
  },
});

Deno.test({
  name: "secretstreamPush() matches sodium-native for 200 one-byte messages and a 1 MiB message",
  ignore: sodium === undefined,
  fn: () => {
    const s = sodium!;
    const key = bytes(32);
    const header = new Uint8Array(24);
    const nativeState = new Uint8Array(s.crypto_secretstream_xchacha20poly1305_STATEBYTES);
    s.crypto_secretstream_xchacha20poly1305_init_push(nativeState, header, key);
    const ours = secretstreamInitPush(key, header);
    for (const len of [...Array(200).fill(1), 1024 * 1024]) {
      const m = bytes(len);
      const expected = new Uint8Array(len + SECRETSTREAM_ABYTES);
      s.crypto_secretstream_xchacha20poly1305_push(nativeState, expected, m, null, SECRETSTREAM_TAG_MESSAGE);
      assert.deepEqual(secretstreamPush(ours, m), expected);
    }
  },
});

Deno.test("secretstreamPull() rejects every single-bit flip, truncation, reordering, wrong ad and wrong key, state unchanged", () => {
  const key = bytes(32), header = bytes(24);
  const tx = secretstreamInitPush(key, header);
  const c1 = secretstreamPush(tx, bytes(40), { ad: Uint8Array.of(1) });
  const c2 = secretstreamPush(tx, bytes(5), { tag: SECRETSTREAM_TAG_FINAL });
  const failed = (e: unknown) => isProtocolError(e, "DECRYPT_FAILED");
  const rx = secretstreamInitPull(key, header);
  for (let i = 0; i < c1.length * 8; i += 7) {
    const bad = c1.slice();
    bad[i >> 3] ^= 1 << (i & 7);
    assert.throws(() => secretstreamPull(rx, bad, { ad: Uint8Array.of(1) }), failed, `bit ${i}`);
  }
  assert.throws(() => secretstreamPull(rx, c1.subarray(0, c1.length - 1), { ad: Uint8Array.of(1) }), failed);
  assert.throws(() => secretstreamPull(rx, c1.subarray(0, 16)), failed);
  assert.throws(() => secretstreamPull(rx, c1), failed); // ad missing
  assert.throws(() => secretstreamPull(rx, c2), failed); // out of order
  assert.throws(() => secretstreamPull(secretstreamInitPull(bytes(32), header), c1, { ad: Uint8Array.of(1) }), failed);
  // None of the failures moved the state.
  assert.equal(secretstreamPull(rx, c1, { ad: Uint8Array.of(1) }).message.length, 40);
  assert.equal(secretstreamPull(rx, c2).tag, SECRETSTREAM_TAG_FINAL);
});

Deno.test("secretstreamPush() writes into out, and checks sizes and tags", () => {
  const key = bytes(32), header = bytes(24);
  const m = bytes(100);
  const out = new Uint8Array(117);
  const c = secretstreamPush(secretstreamInitPush(key, header), m, { out });
  assert.equal(c, out);
  assert.deepEqual(c, secretstreamPush(secretstreamInitPush(key, header), m));
  const into = new Uint8Array(100);
  assert.equal(secretstreamPull(secretstreamInitPull(key, header), c, { out: into }).message, into);
  assert.deepEqual(into, m);
  assert.throws(() => secretstreamPush(secretstreamInitPush(key, header), m, { out: new Uint8Array(116) }), RangeError);
  assert.throws(() => secretstreamPush(secretstreamInitPush(key, header), m, { tag: 256 }), RangeError);
  assert.throws(() => secretstreamInitPush(key, header.subarray(1)), RangeError);
  assert.throws(() => secretstreamPush({} as never, m), TypeError);
  const state = secretstreamInitPush(key, header);
  assert.equal(JSON.stringify({ state }), '{"state":"[SecretstreamState]"}');
  assert.equal(Deno.inspect(state), "[SecretstreamState]");
});
