/**
 * Fuzz target: `secretstreamPull` (protocol/crypto/secretstream.ts, libsodium's
 * `crypto_secretstream_xchacha20poly1305`) on streams under a fixed key. Input:
 * `header(24) ‖ frame*`, each frame `length(u16 le) ‖ flags ‖ ciphertext` (a short last frame takes
 * what is left); `flags & 1` passes the additional data `"ad"`, `flags & 2` pulls into a
 * caller-sized output array. The frames are pulled in order from `secretstreamInitPull(key, header)`.
 *
 * Expected refusal: a pull refused with `ProtocolError` code `DECRYPT_FAILED` (the only code it
 * documents); the target pulls on past it and reports the input refused when any pull was.
 * Oracles:
 *
 * - a refused pull leaves the state unchanged: pulling only the accepted frames from a fresh state
 *   (with the other output mode) gives exactly the same messages and tags;
 * - libsodium agrees (sodium-native, where the addon loads): it accepts the same frames, in the
 *   same state, with the same messages and tags;
 * - an accepted message is 17 bytes shorter than its frame and its tag is a byte.
 *
 * Structured inputs: streams pushed with the fixed key (every tag, with and without additional
 * data, empty and 1 KiB messages, REKEY in the middle) whose frames are then delivered genuine,
 * bit-flipped, cut, extended, replayed, reordered, dropped, with the wrong additional data, or
 * replaced by garbage — with the genuine frame following a refused one, so that a state changed
 * by the refusal shows; a wrong header; byte mutations.
 *
 * @module
 */

import fc from "fast-check";
import {
  type ProtocolErrorCode,
  SECRETSTREAM_TAG_FINAL,
  SECRETSTREAM_TAG_MESSAGE,
  SECRETSTREAM_TAG_PUSH,
  SECRETSTREAM_TAG_REKEY,
  secretstreamInitPull,
  secretstreamInitPush,
  secretstreamPull,
  secretstreamPush,
} from "../../mod.ts";
import { type FuzzTarget, invariant } from "../_harness.ts";
import { mutatedArb } from "../_mutate.ts";
import { attemptSync, cat, type Outcome, same, SODIUM, u8 } from "../_e2ee.ts";

/** The code `secretstreamPull` documents. */
export const CODES: readonly ProtocolErrorCode[] = ["DECRYPT_FAILED"];
const KEY = new Uint8Array(32).fill(0x71);
const AD = u8("ad");
const MAX_FRAMES = 64;

interface Frame {
  flags: number;
  ciphertext: Uint8Array;
}

/** Split the input into the header and its frames. */
export function readFrames(input: Uint8Array): { header: Uint8Array; frames: Frame[] } | undefined {
  if (input.length < 24) return undefined;
  const frames: Frame[] = [];
  let at = 24;
  while (at < input.length && frames.length < MAX_FRAMES) {
    const len = input[at] | ((input[at + 1] ?? 0) << 8);
    const flags = input[at + 2] ?? 0;
    at += 3;
    frames.push({ flags, ciphertext: input.subarray(Math.min(at, input.length), Math.min(at + len, input.length)) });
    at += len;
  }
  return { header: input.subarray(0, 24), frames };
}

/** Write a header and frames. */
export function writeFrames(header: Uint8Array, frames: readonly Frame[]): Uint8Array {
  return cat(
    header,
    ...frames.flatMap((
      f,
    ) => [Uint8Array.of(f.ciphertext.length & 0xff, f.ciphertext.length >> 8, f.flags), f.ciphertext]),
  );
}

type Pulled = Outcome<{ message: Uint8Array; tag: number }>;

function pullAll(header: Uint8Array, frames: readonly Frame[], flipOut: boolean): Pulled[] {
  const state = secretstreamInitPull(KEY, header);
  return frames.map((f) =>
    attemptSync("secretstreamPull()", CODES, () => {
      const useOut = ((f.flags & 2) !== 0) !== flipOut && f.ciphertext.length >= 17;
      const r = secretstreamPull(state, f.ciphertext, {
        ...(f.flags & 1 ? { ad: AD } : {}),
        ...(useOut ? { out: new Uint8Array(f.ciphertext.length - 17) } : {}),
      });
      return { message: r.message.slice(), tag: r.tag };
    })
  );
}

function sodiumPulls(
  header: Uint8Array,
  frames: readonly Frame[],
): ({ message: Uint8Array; tag: number } | undefined)[] {
  const s = SODIUM!;
  const state = new Uint8Array(s.crypto_secretstream_xchacha20poly1305_STATEBYTES);
  s.crypto_secretstream_xchacha20poly1305_init_pull(state, header, KEY);
  return frames.map((f) => {
    if (f.ciphertext.length < 17) return undefined;
    const m = new Uint8Array(f.ciphertext.length - 17);
    const tag = new Uint8Array(1);
    try {
      const r = s.crypto_secretstream_xchacha20poly1305_pull(state, m, tag, f.ciphertext, f.flags & 1 ? AD : null);
      return typeof r === "number" && r < 0 ? undefined : { message: m, tag: tag[0] };
    } catch {
      return undefined;
    }
  });
}

/**
 * Pull every frame of `input` and check the oracles.
 *
 * @param input `header ‖ frames`
 * @returns `"refused"` when a pull was refused
 */
export function fuzz(input: Uint8Array): "refused" | void {
  const read = readFrames(input);
  if (read === undefined) return;
  const { header, frames } = read;
  const first = pullAll(header, frames, false);
  for (const [i, p] of first.entries()) {
    if (p.ok) {
      invariant(p.value.message.length === frames[i].ciphertext.length - 17, `frame ${i}: message length`);
      invariant(
        Number.isInteger(p.value.tag) && p.value.tag >= 0 && p.value.tag <= 255,
        `frame ${i}: tag ${p.value.tag}`,
      );
    }
  }
  const accepted = frames.filter((_, i) => first[i].ok);
  const again = pullAll(header, accepted, true);
  const firstOk = first.filter((p) => p.ok);
  again.forEach((p, i) => {
    const q = firstOk[i];
    invariant(
      p.ok && q.ok && same(p.value.message, q.value.message) && p.value.tag === q.value.tag,
      `without the refused frames, accepted frame ${i} pulls differently: a refused pull changed the state`,
    );
  });
  if (SODIUM !== undefined) {
    sodiumPulls(header, frames).forEach((r, i) => {
      const p = first[i];
      invariant(
        (r !== undefined) === p.ok,
        `frame ${i}: libsodium ${r ? "accepts" : "refuses"}, this ${p.ok ? "accepts" : "refuses"}`,
      );
      if (r !== undefined && p.ok) {
        invariant(
          same(r.message, p.value.message) && r.tag === p.value.tag,
          `frame ${i}: libsodium pulls another message or tag`,
        );
      }
    });
  }
  if (first.some((p) => !p.ok)) return "refused";
}

// ---------------------------------------------------------------------------------------------
// Structured inputs
// ---------------------------------------------------------------------------------------------

const TAGS = [
  SECRETSTREAM_TAG_MESSAGE,
  SECRETSTREAM_TAG_PUSH,
  SECRETSTREAM_TAG_REKEY,
  SECRETSTREAM_TAG_FINAL,
  0x80,
  0xff,
];

/** Push messages under the fixed key; returns the header and the genuine frames. */
export function pushed(
  header: Uint8Array,
  messages: readonly { message: Uint8Array; tag: number; ad: boolean }[],
): Frame[] {
  const st = secretstreamInitPush(KEY, header);
  return messages.map((m) => ({
    flags: m.ad ? 1 : 0,
    ciphertext: secretstreamPush(st, m.message, { tag: m.tag, ...(m.ad ? { ad: AD } : {}) }),
  }));
}

const messagesArb = fc.array(
  fc.record({
    message: fc.oneof({ arbitrary: fc.uint8Array({ maxLength: 40 }), weight: 6 }, {
      arbitrary: fc.constant(new Uint8Array(1024)),
      weight: 1,
    }),
    tag: fc.oneof({ arbitrary: fc.constant(SECRETSTREAM_TAG_MESSAGE), weight: 4 }, {
      arbitrary: fc.constantFrom(...TAGS),
      weight: 2,
    }),
    ad: fc.boolean(),
  }),
  { minLength: 1, maxLength: 8 },
);

type Op = (genuine: Frame[], i: number) => Frame[];
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant<Op>((g, i) => [g[i]]), weight: 6 },
  {
    arbitrary: fc.tuple(fc.nat(), fc.nat(7)).map(([p, b]): Op => (g, i) => {
      const c = g[i].ciphertext.slice();
      c[p % c.length] ^= 1 << b;
      return [{ ...g[i], ciphertext: c }, g[i]];
    }),
    weight: 3,
  },
  {
    arbitrary: fc.nat().map(
      (p): Op => (g, i) => [{ ...g[i], ciphertext: g[i].ciphertext.subarray(0, p % g[i].ciphertext.length) }, g[i]],
    ),
    weight: 1,
  },
  {
    arbitrary: fc.constant<Op>((g, i) => [{ ...g[i], ciphertext: cat(g[i].ciphertext, Uint8Array.of(0)) }, g[i]]),
    weight: 1,
  },
  { arbitrary: fc.constant<Op>((g, i) => [{ ...g[i], flags: g[i].flags ^ 1 }, g[i]]), weight: 1 },
  { arbitrary: fc.constant<Op>((g, i) => (i > 0 ? [g[i - 1], g[i]] : [g[i], g[i]])), weight: 1 },
  { arbitrary: fc.constant<Op>((g, i) => (i + 1 < g.length ? [g[i + 1], g[i]] : [g[i]])), weight: 1 },
  { arbitrary: fc.constant<Op>(() => []), weight: 1 },
  {
    arbitrary: fc.uint8Array({ maxLength: 40 }).map((b): Op => (g, i) => [{ flags: 0, ciphertext: b }, g[i]]),
    weight: 1,
  },
);

const streamArb = fc.tuple(
  fc.uint8Array({ minLength: 24, maxLength: 24 }),
  messagesArb,
  fc.array(opArb, { minLength: 8, maxLength: 8 }),
  fc.option(fc.nat(23), { freq: 10 }),
).map(([header, messages, ops, badHeader]) => {
  const genuine = pushed(header, messages);
  const frames = genuine.flatMap((_, i) => ops[i](genuine, i));
  const h = header.slice();
  if (badHeader !== null) h[badHeader] ^= 1;
  return writeFrames(h, frames);
});

const H = new Uint8Array(24).fill(0x72);
const VALID = [
  writeFrames(
    H,
    pushed(H, [{ message: u8("one"), tag: 0, ad: false }, {
      message: u8("two"),
      tag: SECRETSTREAM_TAG_FINAL,
      ad: true,
    }]),
  ),
  writeFrames(
    H,
    pushed(H, [{ message: new Uint8Array(0), tag: SECRETSTREAM_TAG_REKEY, ad: false }, {
      message: u8("after rekey"),
      tag: 0,
      ad: false,
    }]),
  ),
];

/** Structured inputs for {@link fuzz}. */
export const structured: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: streamArb, weight: 8 },
  { arbitrary: mutatedArb(VALID), weight: 2 },
);

/**
 * The committed corpus (written by `_seed_corpus.ts`).
 *
 * @returns name, bytes and comment of each seed
 */
export function corpus(): [string, Uint8Array, string][] {
  const g = pushed(H, [
    { message: u8("first"), tag: 0, ad: false },
    { message: u8("second"), tag: SECRETSTREAM_TAG_PUSH, ad: true },
    { message: new Uint8Array(0), tag: SECRETSTREAM_TAG_REKEY, ad: false },
    { message: u8("last"), tag: SECRETSTREAM_TAG_FINAL, ad: false },
  ]);
  const flip = (f: Frame, i: number) => {
    const c = f.ciphertext.slice();
    c[i % c.length] ^= 1;
    return { ...f, ciphertext: c };
  };
  const s: [string, Uint8Array, string][] = [
    ["valid", writeFrames(H, g), "four messages: MESSAGE, PUSH with ad, REKEY (empty), FINAL"],
    ["valid-two", VALID[0], "two messages"],
    ["header-only", H, "header, no frame"],
    ["short-header", H.subarray(0, 23), "23 bytes: no header"],
    ["tag-byte-flip-then-genuine", writeFrames(H, [flip(g[0], 0), ...g]), "tampered tag byte, then the genuine stream"],
    [
      "mac-flip-then-genuine",
      writeFrames(H, [flip(g[1], g[1].ciphertext.length - 1), ...g]),
      "tampered MAC first, then the genuine stream",
    ],
    [
      "cut-then-genuine",
      writeFrames(H, [{ ...g[0], ciphertext: g[0].ciphertext.subarray(0, 16) }, ...g]),
      "16-byte frame, then the genuine stream",
    ],
    [
      "wrong-ad-then-genuine",
      writeFrames(H, [g[0], { ...g[1], flags: 0 }, ...g.slice(1)]),
      "frame 2 without its ad, then with it",
    ],
    ["replay", writeFrames(H, [g[0], g[0], g[1]]), "frame 1 twice"],
    ["skip", writeFrames(H, [g[0], g[2], g[1], g[2]]), "frame 3 before frame 2"],
    ["after-rekey-replay", writeFrames(H, [g[0], g[1], g[2], g[2], g[3]]), "the REKEY frame twice"],
    ["wrong-header", writeFrames(new Uint8Array(24), g), "another header"],
    ["empty-frame", writeFrames(H, [{ flags: 0, ciphertext: new Uint8Array(0) }, ...g]), "a zero-length frame first"],
    ["out-array", writeFrames(H, g.map((f) => ({ ...f, flags: f.flags | 2 }))), "every pull into an output array"],
  ];
  return s;
}

/** The `secretstream` target. */
export const target: FuzzTarget = { name: "secretstream", fuzz, structured };
