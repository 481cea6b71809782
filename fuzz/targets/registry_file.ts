/**
 * Fuzz target: registry file bytes → `parseRegistry` (gateway/registry.ts, `allium-registry/1`),
 * the file every service node re-reads to derive swarms. The bytes are decoded as
 * `Deno.readTextFile` does (UTF-8, invalid sequences replaced, a leading BOM dropped).
 *
 * Expected refusal: a `SyntaxError`, `TypeError` or `RangeError` (exactly these classes) whose
 * message starts with `Cannot load registry: ` — the parser's documented refusals. A bare
 * `TypeError` / `RangeError` from a bug (`Cannot read properties …`, `Maximum call stack size
 * exceeded`, `Invalid array length`) is a finding. Oracles:
 *
 * - accepted nodes are sorted by lower-case Ed25519 key without duplicates, with lower-case hex keys;
 * - `parseRegistry(formatRegistry(r))` equals `r`;
 * - what the node does next does not throw: `registrySwarms`, `registryDirectory`, and the directory
 *   of the registry written as an `allium-directory/1` file is accepted by `loadDirectory`;
 * - `advanceRegistry(r, {})` (small registries) keeps the same nodes; its `RangeError` "no swarm
 *   left to place node" on a hand-made registry whose swarms are all below the minimum size is
 *   the reference's behaviour (oxen-core throws `std::out_of_range` there), not a finding.
 *
 * @module
 */

import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import { toHex, UNASSIGNED_SWARM_ID } from "../../mod.ts";
import { loadDirectory } from "../../gateway/directory.ts";
import {
  advanceRegistry,
  formatRegistry,
  parseRegistry,
  REGISTRY_FORMAT,
  registryDirectory,
  registrySwarms,
} from "../../gateway/registry.ts";
import { currentProvider, type FuzzTarget, invariant, InvariantError, type OpenFinding } from "../_harness.ts";
import { mutatedArb } from "../_mutate.ts";
import { fileTextArb, HEX_KEYS, jsonFileText } from "../_files.ts";

const PREFIX = "Cannot load registry: ";
/** What `Deno.readTextFile` does with the bytes. */
const decoder = new TextDecoder();

/**
 * Whether `err` is one of the parser's documented refusals.
 *
 * @param err anything thrown
 * @returns true for SyntaxError / TypeError / RangeError with the registry message prefix
 */
export function isRefusal(err: unknown): boolean {
  return err instanceof Error &&
    (err.constructor === SyntaxError || err.constructor === TypeError || err.constructor === RangeError) &&
    err.message.startsWith(PREFIX);
}

/**
 * Parse `input` as a registry file and check the oracles.
 *
 * @param input any bytes
 */
export async function fuzz(input: Uint8Array): Promise<void> {
  const reg = parseRegistry(decoder.decode(input));
  const keys = reg.nodes.map((n) => n.ed25519);
  for (let i = 0; i < reg.nodes.length; i++) {
    const n = reg.nodes[i];
    invariant(
      /^[0-9a-f]{64}$/.test(n.ed25519) && /^[0-9a-f]{64}$/.test(n.x25519),
      `node ${i}: keys not lower-case hex`,
    );
    invariant(i === 0 || keys[i - 1] < keys[i], `node ${i}: not sorted or a duplicate`);
    invariant(n.swarm >= 0n && n.swarm <= UNASSIGNED_SWARM_ID, `node ${i}: swarm ${n.swarm}`);
  }
  invariant(reg.seed.length === 32 && Number.isSafeInteger(reg.height) && reg.height >= 0, "height or seed");
  let again;
  try {
    again = parseRegistry(formatRegistry(reg));
  } catch (err) {
    throw new InvariantError(`parseRegistry() refuses what formatRegistry() wrote: ${String(err)}`);
  }
  // JSON writes -0 as 0: a height of -0 (accepted, harmless) comes back as 0.
  invariant(
    isDeepStrictEqual(again, { ...reg, height: reg.height + 0 }),
    "parseRegistry(formatRegistry(r)) differs from r",
  );

  const swarms = registrySwarms(reg);
  let members = 0;
  for (const list of swarms.values()) members += list.length;
  invariant(members === reg.nodes.filter((n) => n.swarm !== UNASSIGNED_SWARM_ID).length, "registrySwarms() lost nodes");
  const dir = registryDirectory(reg);
  invariant(dir.size === reg.nodes.length, "registryDirectory() lost nodes");
  const file: Record<string, unknown> = {};
  for (const n of reg.nodes) {
    const r = dir.get(n.ed25519);
    invariant(r !== undefined, "registryDirectory() lost a node");
    file[n.ed25519] = { x25519: toHex(r.x25519), http: r.http, zmq: r.zmq, swarm: r.swarm };
  }
  try {
    loadDirectory(JSON.stringify({ format: "allium-directory/1", nodes: file }));
  } catch (err) {
    throw new InvariantError(`loadDirectory() refuses the registry's own directory: ${String(err)}`);
  }
  if (reg.nodes.length <= 40) {
    let next;
    try {
      next = await advanceRegistry(reg, {}, currentProvider());
    } catch (err) {
      // Faithful to oxen-core (std::out_of_range): two or more swarms all below the minimum size
      // dissolve into nothing. Only a hand-edited registry gets there.
      if (err instanceof RangeError && err.message.includes("no swarm left to place node")) return;
      throw new InvariantError(`advanceRegistry() throws on a parsed registry: ${String(err)}`);
    }
    invariant(next.height === reg.height + 1, "advanceRegistry() height");
    invariant(isDeepStrictEqual(next.nodes.map((n) => n.ed25519), keys), "advanceRegistry() changed the node set");
  }
}

function registryNode(i: number): Record<string, unknown> {
  return {
    ed25519: HEX_KEYS[i % HEX_KEYS.length],
    x25519: "11".repeat(32),
    ip: `127.0.0.${1 + i}`,
    https_port: 22021 + i,
    omq_port: 22020 + i,
    swarm: i % 3 === 0 ? "ffffffffffffffff" : (i % 2).toString(16),
  };
}

/** A valid registry of `n` nodes. */
function validRegistry(n: number): Record<string, unknown> {
  const nodes = Array.from({ length: n }, (_, i) => registryNode(i)).sort((a, b) =>
    (a.ed25519 as string) < (b.ed25519 as string) ? -1 : 1
  );
  return { format: REGISTRY_FORMAT, height: 7, seed: "ab".repeat(32), nodes };
}

const VALID: Uint8Array[] = [0, 1, 3, 7].map((n) =>
  new TextEncoder().encode(JSON.stringify(validRegistry(n), null, 2))
);

/** Field values for registry nodes, valid and not. */
const FIELD_VALUES: Readonly<Record<string, readonly unknown[]>> = {
  ed25519: [...HEX_KEYS, "AB".repeat(32), "ab".repeat(31), "zz".repeat(32), 5, null],
  x25519: ["11".repeat(32), "00".repeat(32), "FF".repeat(32), "1".repeat(63), [], "0x" + "1".repeat(62)],
  ip: ["127.0.0.1", "0.0.0.0", "255.255.255.255", "256.0.0.1", "01.2.3.4", "1.2.3", "::1", " 1.2.3.4", "1.2.3.4\n", 7],
  https_port: [1, 0, 65535, 65536, 1.5, -1, "80", 2 ** 53, null],
  omq_port: [22020, 0, 65536, "1", true],
  swarm: ["0", "1", "ffffffffffffffff", "fffffffffffffffe", "10000000000000000", "", "FF", "g", 1, "-1", " 1"],
};

const TOP_VALUES: Readonly<Record<string, readonly unknown[]>> = {
  format: [REGISTRY_FORMAT, "allium-registry/2", "", null, 1],
  height: [0, 1, -1, 1.5, 2 ** 53, 2 ** 53 - 1, "1", null],
  seed: ["ab".repeat(32), "AB".repeat(32), "ab".repeat(31), "", 0],
  nodes: [[], {}, null, [null], [1], [[]]],
};

/** Structured inputs for {@link fuzz}. */
export const structured: fc.Arbitrary<Uint8Array> = fc.oneof(
  {
    arbitrary: fileTextArb(fc.integer({ min: 0, max: 8 }).map(validRegistry), {
      top: TOP_VALUES,
      item: FIELD_VALUES,
      items: (doc) => doc.nodes,
    }),
    weight: 6,
  },
  { arbitrary: mutatedArb(VALID, ['"ed25519":', '"swarm":', '"ip":', '"nodes":', "ffffffffffffffff"]), weight: 3 },
  { arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => jsonFileText(v)), weight: 1 },
);

function seeds(): { name: string; input: Uint8Array }[] {
  const te = new TextEncoder();
  const many = validRegistry(0);
  many.nodes = Array.from(
    { length: 10_001 },
    (_, i) => ({ ...registryNode(i), ed25519: i.toString(16).padStart(64, "0") }),
  );
  return [
    { name: "seed:10001-nodes", input: te.encode(JSON.stringify(many)) },
    { name: "seed:depth-100k", input: te.encode("[".repeat(100_000) + "]".repeat(100_000)) },
    { name: "seed:string-1MiB", input: te.encode(`{"format":"${"a".repeat(1 << 20)}"}`) },
  ];
}

/** Reported, not fixed yet (fuzz/README.md "Open findings"). */
const OPEN: readonly OpenFinding[] = []; // every finding so far is fixed; its reproducer stays in the corpus

/** The `registry_file` target. */
export const target: FuzzTarget = {
  name: "registry_file",
  open: OPEN,
  fuzz,
  structured,
  isRefusal,
  seeds,
};
