/**
 * Shared pieces of the vector generator: the Wycheproof-style file envelope, its serialisation,
 * a recording rng and byte tampering helpers. Private to `conformance/vectors/`.
 *
 * @module
 */

import type { Rng } from "../../protocol/rng.ts";

/** Version of the generator written to every file; bump when the generator's output changes. */
export const GENERATOR_VERSION = "allium-vectors 1";

/** One entry of a file's `notes`: what a flag means. */
export interface Note {
  /** Wycheproof bug class (`BASIC`, `AUTH_BYPASS`, `EDGE_CASE`, `MISSING_STEP`, …). */
  bugType: string;
  /** What the flag marks and what an implementation must do. */
  description: string;
}

/** `valid` = must succeed with the recorded output; `invalid` = must be refused; `acceptable` = either. */
export type Result = "valid" | "invalid" | "acceptable";

/** Fields every test case has. */
export interface CaseBase {
  /** Identifier, unique in the file and never reused for another meaning. */
  tcId: number;
  /** One line on what the case is. */
  comment: string;
  /** Names of entries in the file's `notes`. */
  flags: string[];
}

/** A vector file in the Wycheproof layout (style.md rule 9). */
export interface VectorFile<G> {
  algorithm: string;
  schema: string;
  generatorVersion: string;
  numberOfTests: number;
  header: string[];
  notes: Record<string, Note>;
  testGroups: G[];
}

/**
 * Wrap groups in the file envelope, counting the tests and keeping only the notes whose flag is
 * used (in the order of `notes`).
 *
 * @param head algorithm, schema, header and all candidate notes
 * @param groups the test groups, each with a `tests` array
 * @returns the file object
 * @throws {Error} when a case uses a flag that has no note, or a tcId repeats
 */
export function vectorFile<G extends { tests: CaseBase[] }>(
  head: { algorithm: string; schema: string; header: string[]; notes: Record<string, Note> },
  groups: G[],
): VectorFile<G> {
  const used = new Set<string>();
  const ids = new Set<number>();
  let count = 0;
  for (const g of groups) {
    for (const t of g.tests) {
      if (ids.has(t.tcId)) throw new Error(`Cannot assemble ${head.schema}: tcId ${t.tcId} is used twice`);
      ids.add(t.tcId);
      for (const f of t.flags) {
        if (!Object.hasOwn(head.notes, f)) throw new Error(`Cannot assemble ${head.schema}: flag "${f}" has no note`);
        used.add(f);
      }
      count++;
    }
  }
  const notes: Record<string, Note> = {};
  for (const [flag, note] of Object.entries(head.notes)) if (used.has(flag)) notes[flag] = note;
  return {
    algorithm: head.algorithm,
    schema: head.schema,
    generatorVersion: GENERATOR_VERSION,
    numberOfTests: count,
    header: head.header,
    notes,
    testGroups: groups,
  };
}

/**
 * The exact text written to disk: two-space JSON and a final newline. Key order is insertion
 * order, so the text depends only on the generator's code, never on the runtime.
 *
 * @param file the file object
 * @returns the file text
 */
export function serialize(file: unknown): string {
  return JSON.stringify(file, null, 2) + "\n";
}

/**
 * An {@link Rng} that remembers every chunk it hands out, so a build's ephemeral keys and nonces
 * can be published and replayed with `scriptedRng`.
 *
 * @param inner the source of the bytes
 * @returns the rng and the recorded chunks, in call order
 */
export function recordingRng(inner: Rng): Rng & { draws: Uint8Array[] } {
  const draws: Uint8Array[] = [];
  return {
    draws,
    fill(bytes: Uint8Array): Uint8Array {
      inner.fill(bytes);
      draws.push(bytes.slice());
      return bytes;
    },
  };
}

/** Fresh bytes from an rng. */
export function draw(rng: Rng, n: number): Uint8Array {
  return rng.fill(new Uint8Array(n));
}

/**
 * A copy of `bytes` with one bit flipped.
 *
 * @param bytes input (not modified)
 * @param index byte offset
 * @param bit bit 0 (least significant) … 7
 * @returns the modified copy
 */
export function flipBit(bytes: Uint8Array, index: number, bit: number): Uint8Array {
  if (index < 0 || index >= bytes.length) {
    throw new RangeError(`Cannot flip bit: offset ${index} outside ${bytes.length} bytes`);
  }
  const out = bytes.slice();
  out[index] ^= 1 << bit;
  return out;
}

/**
 * Low-order X25519 public keys, each giving the all-zero shared secret for every secret scalar.
 * Hard-coded from the `ZeroSharedSecret` cases of Wycheproof `x25519_test.json` (tcIds 32, 33, 63,
 * 64, 65, 66, 83, 85); `vectors_test.ts` checks each one is still listed there.
 */
export const LOW_ORDER_POINTS: readonly { hex: string; what: string }[] = [
  { hex: "0000000000000000000000000000000000000000000000000000000000000000", what: "u = 0" },
  { hex: "0100000000000000000000000000000000000000000000000000000000000000", what: "u = 1" },
  { hex: "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", what: "a point of order 8" },
  { hex: "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157", what: "the other point of order 8" },
  { hex: "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", what: "u = p - 1" },
  { hex: "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880", what: "order 8, top bit set" },
  { hex: "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", what: "u = p (non-canonical 0)" },
  { hex: "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", what: "u = p + 1 (non-canonical 1)" },
];
