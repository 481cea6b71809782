/**
 * Byte-level mutations for the fuzz targets: bit flips, interesting bytes, insertions, deletions,
 * truncations, duplicated ranges, u32 length-prefix edits, dictionary tokens and splices. Used on
 * corpus entries by every target and on golden inputs by the structured arbitraries.
 *
 * @module
 */

import fc from "fast-check";

/** One mutation: a pure function of the input. */
export type Mutation = (input: Uint8Array, others: readonly Uint8Array[]) => Uint8Array;

const te = new TextEncoder();

/** Bytes that often matter to JSON, bencode and framing parsers. */
const INTERESTING_BYTES = [
  0x00,
  0x01,
  0x7f,
  0x80,
  0xff,
  0xfe,
  0xef,
  0xbb,
  0xbf,
  0xc0,
  0xed,
  0x22,
  0x7b,
  0x7d,
  0x5b,
  0x5d,
  0x2c,
  0x3a,
  0x5c,
  0x20,
  0x09,
  0x0a,
  0x0d,
  0x30,
  0x31,
  0x39,
  0x2d,
  0x2b,
  0x2e,
  0x65,
  0x45,
  0x69,
  0x6c,
  0x64,
  0x75,
];

/** u32 values for length prefixes; `len`-relative ones are filled in at mutation time. */
const INTERESTING_U32 = [
  0,
  1,
  2,
  3,
  4,
  11,
  12,
  15,
  16,
  27,
  28,
  29,
  39,
  40,
  41,
  0x7fffffff,
  0x80000000,
  0xfffffffe,
  0xffffffff,
];

/** Tokens shared by the JSON and bencode dictionaries. */
export const GENERIC_TOKENS: readonly string[] = [
  "{}",
  "[]",
  '""',
  "null",
  "true",
  "false",
  "-0",
  "1e400",
  "\\u0000",
  "\\ud800",
  "\uFEFF",
  "e",
  "i0e",
  "le",
  "de",
  "0:",
  "4294967295:",
];

function at(len: number, pick: number): number {
  return len === 0 ? 0 : pick % (len + 1);
}

function replaceRange(input: Uint8Array, start: number, end: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(input.length - (end - start) + insert.length);
  out.set(input.subarray(0, start));
  out.set(insert, start);
  out.set(input.subarray(end), start + insert.length);
  return out;
}

/**
 * An arbitrary mutation.
 *
 * @param tokens extra dictionary tokens for this target (JSON keys, bencode fragments…)
 * @returns the arbitrary
 */
export function mutationArb(tokens: readonly string[] = []): fc.Arbitrary<Mutation> {
  const dictionary = [...GENERIC_TOKENS, ...tokens].map((t) => te.encode(t));
  const pos = fc.nat();
  return fc.oneof(
    // flip one bit
    fc.tuple(pos, fc.nat(7)).map(([p, bit]): Mutation => (input) => {
      if (input.length === 0) return input;
      const out = input.slice();
      out[p % input.length] ^= 1 << bit;
      return out;
    }),
    // set one byte to an interesting or random value
    fc.tuple(pos, fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.nat(255))).map(([p, v]): Mutation => (input) => {
      if (input.length === 0) return Uint8Array.of(v);
      const out = input.slice();
      out[p % input.length] = v;
      return out;
    }),
    // insert random bytes
    fc.tuple(pos, fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([p, b]): Mutation => (input) =>
      replaceRange(input, at(input.length, p), at(input.length, p), b)
    ),
    // delete a range
    fc.tuple(pos, fc.integer({ min: 1, max: 64 })).map(([p, n]): Mutation => (input) => {
      const s = at(input.length, p);
      return replaceRange(input, s, Math.min(input.length, s + n), new Uint8Array(0));
    }),
    // truncate
    pos.map((p): Mutation => (input) => input.subarray(0, at(input.length, p)).slice()),
    // duplicate a range somewhere
    fc.tuple(pos, fc.integer({ min: 1, max: 64 }), pos).map(([p, n, q]): Mutation => (input) => {
      const s = at(input.length, p);
      const chunk = input.slice(s, Math.min(input.length, s + n));
      const d = at(input.length, q);
      return replaceRange(input, d, d, chunk);
    }),
    // overwrite the u32 length prefix (or another u32) with an interesting value
    fc.tuple(
      fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: pos, weight: 1 }),
      fc.oneof(fc.constantFrom(...INTERESTING_U32), fc.integer({ min: -6, max: 6 }), fc.nat()),
      fc.boolean(),
    ).map(([p, v, relative]): Mutation => (input) => {
      if (input.length < 4) return input;
      const o = p % (input.length - 3);
      const out = input.slice();
      const dv = new DataView(out.buffer);
      const value = relative ? dv.getUint32(o, true) + (v | 0) : v;
      dv.setUint32(o, value >>> 0, true);
      return out;
    }),
    // set the prefix to exactly the bytes left (± small), the classic off-by-one
    fc.integer({ min: -3, max: 3 }).map((d): Mutation => (input) => {
      if (input.length < 4) return input;
      const out = input.slice();
      new DataView(out.buffer).setUint32(0, Math.max(0, input.length - 4 + d), true);
      return out;
    }),
    // insert or overwrite a dictionary token
    fc.tuple(pos, fc.nat(dictionary.length - 1), fc.boolean()).map(([p, t, overwrite]): Mutation => (input) => {
      const s = at(input.length, p);
      const tok = dictionary[t];
      return replaceRange(input, s, overwrite ? Math.min(input.length, s + tok.length) : s, tok);
    }),
    // splice: this input's head with another's tail
    fc.tuple(pos, pos, fc.nat()).map(([p, q, o]): Mutation => (input, others) => {
      if (others.length === 0) return input;
      const other = others[o % others.length];
      const head = input.subarray(0, at(input.length, p));
      const tail = other.subarray(at(other.length, q));
      const out = new Uint8Array(head.length + tail.length);
      out.set(head);
      out.set(tail, head.length);
      return out;
    }),
  );
}

/**
 * Inputs made by applying 1…`maxMutations` mutations to one of `bases`.
 *
 * @param bases inputs to start from (non-empty)
 * @param tokens dictionary tokens for this target
 * @param maxMutations most mutations stacked on one input
 * @returns the arbitrary
 */
export function mutatedArb(
  bases: readonly Uint8Array[],
  tokens: readonly string[] = [],
  maxMutations = 4,
): fc.Arbitrary<Uint8Array> {
  if (bases.length === 0) return fc.uint8Array({ maxLength: 256 });
  return fc.tuple(
    fc.nat(bases.length - 1),
    fc.array(mutationArb(tokens), { minLength: 1, maxLength: maxMutations }),
  ).map(([i, ms]) => ms.reduce((acc, m) => m(acc, bases), bases[i]));
}
