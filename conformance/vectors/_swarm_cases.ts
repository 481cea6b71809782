/**
 * Generator of `swarm_assign_v1.json`: an account's swarm-space position and the swarm that owns
 * it (swarms-and-storage.md §2). Unsigned 64-bit values are decimal strings. Private to
 * `conformance/vectors/`.
 *
 * @module
 */

import { toHex } from "../../protocol/bytes.ts";
import { isProtocolError } from "../../protocol/errors.ts";
import { swarmFor, swarmSpacePosition } from "../../protocol/swarm/swarm_space.ts";
import { seededRng } from "../../protocol/_testing/seeded_rng.ts";
import type { Rng } from "../../protocol/rng.ts";
import { type CaseBase, draw, type Result, type VectorFile, vectorFile } from "./_common.ts";
import { SWARM_NOTES } from "./_storage_notes.ts";

/** One position case. */
export interface SwarmSpaceTest extends CaseBase {
  /** The account id as given (66 hex digits when valid). */
  accountId: string;
  /** Its position, a decimal u64 (valid), else null. */
  position: string | null;
  result: Result;
}

/** One lookup case: the owner of an account among the group's swarms. */
export interface SwarmLookupTest extends CaseBase {
  accountId: string;
  /** The owning swarm id (decimal), or null when there is no swarm. */
  swarmId: string | null;
  result: Result;
}

/** The groups of `swarm_assign_v1.json`. */
export type SwarmGroup =
  | { type: "SwarmSpaceTest"; tests: SwarmSpaceTest[] }
  | { type: "SwarmLookupTest"; swarmIds: string[]; tests: SwarmLookupTest[] };

/** 2^64: the size of the ring (swarms-and-storage.md §2.2). */
const RING = 1n << 64n;
/** Largest usable swarm id, 2^64 - 2 (swarms-and-storage.md §1.3). */
const MAX_ID = RING - 2n;
/** Hex digits of one 64-bit word. */
const WORD_HEX = 16;

/**
 * The position of an account id with this repository's code, as published (decimal).
 *
 * @param accountId 66 hex digits
 * @returns the decimal position
 * @throws {ProtocolError} `KEY_INVALID`
 */
export function positionOf(accountId: string): string {
  return swarmSpacePosition(accountId).toString();
}

/**
 * The owner of an account among swarm ids (decimal strings), as published.
 *
 * @param accountId 66 hex digits
 * @param swarmIds decimal swarm ids in any order
 * @returns the decimal owner, or null
 */
export function ownerOf(accountId: string, swarmIds: readonly string[]): string | null {
  return swarmFor(accountId, swarmIds.map((s) => BigInt(s)))?.toString() ?? null;
}

function word(n: bigint): string {
  return n.toString(16).padStart(WORD_HEX, "0");
}

function randomWord(rng: Rng): bigint {
  return BigInt("0x" + toHex(draw(rng, 8)));
}

/** An account id whose position is `position`: three random words, the fourth making the XOR. */
function accountAt(rng: Rng, position: bigint, prefix = "05"): string {
  const a = randomWord(rng), b = randomWord(rng), c = randomWord(rng);
  return prefix + word(a) + word(b) + word(c) + word(a ^ b ^ c ^ position);
}

function spaceCases(): SwarmSpaceTest[] {
  const out: SwarmSpaceTest[] = [];
  const add = (tcId: number, comment: string, flags: string[], accountId: string, result: Result) => {
    let position: string | null = null;
    try {
      position = positionOf(accountId);
      if (result === "invalid") throw new Error(`Cannot generate swarm case ${tcId}: accepted`);
    } catch (e) {
      if (!isProtocolError(e, "KEY_INVALID")) throw e;
      if (result !== "invalid") throw new Error(`Cannot generate swarm case ${tcId}: ${e.message}`);
    }
    out.push({ tcId, comment, flags, accountId, position, result });
  };
  const rng = seededRng("allium/conformance/swarm/space");
  const prefixes = ["05", "03", "15", "05", "03", "00"];
  for (const [i, prefix] of prefixes.entries()) {
    add(1 + i, `random key with prefix ${prefix}`, ["Pseudorandom"], prefix + toHex(draw(rng, 32)), "valid");
  }
  const key = toHex(draw(rng, 32));
  add(10, "a key under prefix 05", ["PrefixIgnored"], "05" + key, "valid");
  add(11, "the same key under prefix 03", ["PrefixIgnored"], "03" + key, "valid");
  add(12, "the same key under prefix ff", ["PrefixIgnored"], "ff" + key, "valid");
  add(13, "all-zero key", ["XorCancels"], "05" + "00".repeat(32), "valid");
  const w = word(randomWord(rng));
  add(14, "four equal words: position 0", ["XorCancels"], "05" + w.repeat(4), "valid");
  add(15, "words XOR to 2^64-1", ["XorCancels", "LargeIds"], accountAt(rng, RING - 1n), "valid");
  add(
    16,
    "last word 0000000000000001: position 1 (little-endian would give 2^56)",
    ["BigEndianWords"],
    "05" + "00".repeat(24) + "0000000000000001",
    "valid",
  );
  add(17, "upper-case hex", ["UppercaseHex"], ("05" + toHex(draw(rng, 32))).toUpperCase(), "valid");

  add(100, "64 hex digits: no prefix byte", ["BadAccountId"], toHex(draw(rng, 32)), "invalid");
  add(101, "68 hex digits: one byte too many", ["BadAccountId"], "05" + toHex(draw(rng, 33)), "invalid");
  add(102, "a 'g' among the hex digits", ["BadAccountId"], "05" + "0g" + toHex(draw(rng, 31)), "invalid");
  add(103, "empty", ["BadAccountId"], "", "invalid");
  return out;
}

interface LookupSpec {
  swarmIds: bigint[];
  /** Base tcId; accounts get base, base + 1, … */
  base: number;
  cases: { comment: string; flags: string[]; position: bigint; prefix?: string }[];
}

function lookupGroups(): SwarmGroup[] {
  const rng = seededRng("allium/conformance/swarm/lookup");
  const randomIds: bigint[] = [];
  while (randomIds.length < 8) {
    const id = randomWord(rng);
    if (id <= MAX_ID && !randomIds.includes(id)) randomIds.push(id);
  }
  randomIds.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const specs: LookupSpec[] = [
    { swarmIds: [], base: 200, cases: [{ comment: "no swarms", flags: ["NoSwarm"], position: 12345n }] },
    {
      swarmIds: [1234567n],
      base: 210,
      cases: [
        { comment: "the only swarm, far away", flags: ["SingleSwarm"], position: RING - 1n },
        { comment: "the only swarm, position 0", flags: ["SingleSwarm"], position: 0n },
      ],
    },
    {
      swarmIds: randomIds,
      base: 220,
      cases: [
        ...Array.from({ length: 8 }, (_, i) => ({
          comment: `random account ${i + 1}`,
          flags: ["Pseudorandom", "LargeIds"],
          position: randomWord(rng),
          prefix: ["05", "03"][i % 2],
        })),
        { comment: "position equal to the third swarm id", flags: ["ExactMatch", "LargeIds"], position: randomIds[2] },
        {
          comment: "the midpoint (rounded down) of the fourth and fifth swarm ids",
          flags: ["Tie", "LargeIds"],
          position: randomIds[3] + (randomIds[4] - randomIds[3]) / 2n,
        },
      ],
    },
    {
      swarmIds: [100n, 200n, 300n],
      base: 240,
      cases: [
        { comment: "150: tie between 100 and 200", flags: ["Tie"], position: 150n },
        { comment: "151: nearer 200", flags: ["Tie"], position: 151n },
        { comment: "149: nearer 100", flags: ["Tie"], position: 149n },
        { comment: "250: tie between 200 and 300", flags: ["Tie"], position: 250n },
        { comment: "200: exactly a swarm id", flags: ["ExactMatch"], position: 200n },
      ],
    },
    {
      swarmIds: [10n, RING - 12n],
      base: 250,
      cases: [
        {
          comment: "2^64-1: tie across the wrap goes to the highest id",
          flags: ["WrapAround", "Tie"],
          position: RING - 1n,
        },
        { comment: "0: nearer 10", flags: ["WrapAround"], position: 0n },
        { comment: "2^64-2: nearer the highest id", flags: ["WrapAround", "LargeIds"], position: RING - 2n },
        { comment: "5: below the lowest id", flags: ["WrapAround"], position: 5n },
      ],
    },
    {
      swarmIds: [0n, 1n << 63n, MAX_ID],
      base: 260,
      cases: [
        {
          comment: "2^64-1: 1 from swarm 0, 1 from 2^64-2: tie, left is 2^64-2",
          flags: ["WrapAround", "Tie", "LargeIds"],
          position: RING - 1n,
        },
        {
          comment: "3·2^62 - 1: tie between 2^63 and 2^64-2, left is 2^63",
          flags: ["Tie", "LargeIds"],
          position: (3n << 62n) - 1n,
        },
        { comment: "2^62: nearer 0", flags: ["LargeIds"], position: 1n << 62n },
      ],
    },
    {
      swarmIds: [694n, 100n, 399n, 200n, 498n],
      base: 270,
      cases: [
        { comment: "unsorted ids: 250 goes to 200", flags: ["UnsortedIds"], position: 250n },
        { comment: "unsorted ids: 2^64-1 wraps to 100", flags: ["UnsortedIds", "WrapAround"], position: RING - 1n },
        { comment: "unsorted ids: 600 goes to 694", flags: ["UnsortedIds"], position: 600n },
      ],
    },
  ];
  return specs.map((s) => {
    const ids = s.swarmIds.map((x) => x.toString());
    const tests: SwarmLookupTest[] = s.cases.map((c, i) => {
      const accountId = accountAt(rng, c.position, c.prefix);
      if (swarmSpacePosition(accountId) !== c.position) throw new Error("Cannot generate swarm case: position");
      return {
        tcId: s.base + i,
        comment: c.comment,
        flags: c.flags,
        accountId,
        swarmId: ownerOf(accountId, ids),
        result: "valid",
      };
    });
    return { type: "SwarmLookupTest" as const, swarmIds: ids, tests };
  });
}

/**
 * Build `swarm_assign_v1.json`.
 *
 * @returns the file object
 */
export function swarmFile(): VectorFile<SwarmGroup> {
  return vectorFile<SwarmGroup>({
    algorithm: "SESSION-SWARM-ASSIGN",
    schema: "swarm_assign_schema_v1.json",
    header: [
      "Which swarm stores an account's messages (shared/spec/swarms-and-storage.md §2). Swarm ids and positions are unsigned 64-bit integers written as decimal strings.",
      "SwarmSpaceTest: the position of accountId (66 hex digits: prefix byte, 32-byte key) is the XOR of the four big-endian 64-bit words of the key; the prefix is ignored. valid: position exactly; invalid: refused.",
      "SwarmLookupTest: among the group's swarmIds, the owner is the id nearest the account's position on the 2^64 ring; on an exact tie the left neighbour (across the wrap: the highest id). swarmId null: no swarm exists.",
      "Generated by allium conformance/vectors/generate.ts from fixed seeds.",
    ],
    notes: SWARM_NOTES,
  }, [{ type: "SwarmSpaceTest", tests: spaceCases() }, ...lookupGroups()]);
}
