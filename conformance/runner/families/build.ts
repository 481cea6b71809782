/**
 * Family `build`: the adapter builds an onion (onion-requests.md §9) with `onion.build`, and the
 * runner peels it with this repository's `protocol/` at every hop: each hop must route to the
 * next node with the requested cipher and hop number, and the payload must reach the destination.
 * From the full onions of `onion_peel_v1.json` (their keys, ciphers, payloads and builder
 * randomness) and seeded property onions.
 *
 * @module
 */

import type { ConformanceCase } from "../case.ts";
import type { Operation } from "../protocol.ts";
import { type Json, testsOf, type VectorFiles } from "../vector_files.ts";
import {
  buildArgs,
  type OnionSpec,
  type PeelRecord,
  randomOnionSpec,
  referenceOnion,
  verifyBuiltOnion,
} from "./_onions.ts";
import { propertyRng } from "./_property_rng.ts";

const OPS: readonly Operation[] = ["onion.build"];

function buildCase(id: string, spec: OnionSpec, expected: readonly PeelRecord[]): ConformanceCase {
  return {
    id,
    family: "build",
    ops: OPS,
    run: async (run) => {
      const result = await run.expectResult(
        "onion.build",
        buildArgs(spec),
        (v) => typeof v.body === "string" ? undefined : 'result has no "body"',
      );
      if (result !== undefined && typeof result.body === "string") {
        run.check("onion.build", await verifyBuiltOnion(spec, expected, result.body));
      }
    },
  };
}

/**
 * The tests of the full onions of `onion_peel_v1.json`.
 *
 * @param files the parsed vector files
 * @returns one test per onion
 * @example
 * ```ts
 * import { buildVectorCases } from "./build.ts";
 * import { loadVectorFiles } from "../vector_files.ts";
 * if (buildVectorCases(await loadVectorFiles()).length !== 10) throw new Error("bad");
 * ```
 */
export function buildVectorCases(files: VectorFiles): ConformanceCase[] {
  return testsOf(files["onion_peel_v1.json"])
    .filter(({ group }: { group: Json }) => group.type === "OnionPeelTest")
    .map(({ test: t }: { test: Json }) => buildCase(`build/onion_peel_v1/${t.tcId}`, t as OnionSpec, t.hops));
}

/**
 * Seeded property cases: random onions (1–4 hops, node / v3 / v4 destinations, mixed ciphers).
 *
 * @param seed the run's seed
 * @param count how many
 * @returns the tests `build/property/0` …
 * @example
 * ```ts
 * import { buildPropertyCases } from "./build.ts";
 * const tests = await buildPropertyCases(1, 2);
 * if (tests.map((t) => t.id).join() !== "build/property/0,build/property/1") throw new Error("bad");
 * ```
 */
export async function buildPropertyCases(seed: number, count: number): Promise<ConformanceCase[]> {
  const rng = propertyRng("build", seed);
  const out: ConformanceCase[] = [];
  for (let i = 0; i < count; i++) {
    const spec = await randomOnionSpec(rng);
    out.push(buildCase(`build/property/${i}`, spec, (await referenceOnion(spec)).hops));
  }
  return out;
}
