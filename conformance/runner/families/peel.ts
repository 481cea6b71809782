/**
 * Family `peel`: a node receiving one layer (onion-requests.md §3–§5) with `onion.peel`: the
 * relay / deliver / server outcome, or the class of the refusal. From `onion_peel_v1.json` (every
 * hop of every full onion, and every single-layer case) and seeded property onions built and
 * peeled by this repository's `protocol/`.
 *
 * @module
 */

import { fromHex, toHex } from "../../../protocol/bytes.ts";
import { decodeLayer } from "../../../protocol/onion/codec.ts";
import { type ConformanceCase, fieldsEqual } from "../case.ts";
import type { Operation } from "../protocol.ts";
import { type Json, testsOf, type VectorFiles } from "../vector_files.ts";
import { type OnionSpec, peelArgs, type PeelRecord, randomOnionSpec, recipients, referenceOnion } from "./_onions.ts";
import { propertyRng } from "./_property_rng.ts";

const OPS: readonly Operation[] = ["onion.peel"];
/** Bytes of the length prefix. */
const PREFIX_BYTES = 4;

/**
 * The tests of `onion_peel_v1.json`: one per full onion (every hop peeled) and one per single layer.
 *
 * @param files the parsed vector files
 * @returns one test per tcId
 * @example
 * ```ts
 * import { peelVectorCases } from "./peel.ts";
 * import { loadVectorFiles } from "../vector_files.ts";
 * if (peelVectorCases(await loadVectorFiles()).length !== 75) throw new Error("bad");
 * ```
 */
export function peelVectorCases(files: VectorFiles): ConformanceCase[] {
  return testsOf(files["onion_peel_v1.json"]).map((
    { group: g, test: t }: { group: Json; test: Json },
  ): ConformanceCase => ({
    id: `peel/onion_peel_v1/${t.tcId}`,
    family: "peel",
    ops: OPS,
    run: g.type === "OnionPeelTest"
      ? async (run) => {
        const nodes = recipients(t as OnionSpec);
        let body: string = t.guardBody;
        for (const [i, node] of nodes.entries()) {
          await run.expectResult("onion.peel", peelArgs(node, body), fieldsEqual(t.hops[i]));
          body = t.hops[i].nextRequestBody;
        }
      }
      : async (run) => {
        const args = peelArgs({ x25519Secret: t.nodeX25519Secret, x25519Public: t.nodeX25519Public }, t.body);
        if (t.result === "valid") await run.expectResult("onion.peel", args, fieldsEqual(t.peel));
        else if (t.result === "invalid") await run.expectRefusal("onion.peel", args, t.errorCode);
        else await run.expectEither("onion.peel", args, t.errorCode, fieldsEqual(t.peel));
      },
  }));
}

/**
 * Seeded property cases: a random onion built by `protocol/` is peeled by the adapter at every
 * hop (each result must equal the reference's), and the guard layer with one blob bit flipped
 * must be refused with `ONION_AUTH_FAILED`.
 *
 * @param seed the run's seed
 * @param count how many
 * @returns the tests `peel/property/0` …
 * @example
 * ```ts
 * import { peelPropertyCases } from "./peel.ts";
 * const tests = await peelPropertyCases(1, 2);
 * if (tests.map((t) => t.id).join() !== "peel/property/0,peel/property/1") throw new Error("bad");
 * ```
 */
export async function peelPropertyCases(seed: number, count: number): Promise<ConformanceCase[]> {
  const rng = propertyRng("peel", seed);
  const out: ConformanceCase[] = [];
  for (let i = 0; i < count; i++) {
    const spec = await randomOnionSpec(rng);
    const { guardBody, hops } = await referenceOnion(spec);
    const guard = fromHex(guardBody);
    const blobLength = decodeLayer(guard).blob.length;
    const tampered = guard.slice();
    tampered[PREFIX_BYTES + rng.int(blobLength)] ^= 1 << rng.int(8);
    out.push({
      id: `peel/property/${i}`,
      family: "peel",
      ops: OPS,
      run: async (run) => {
        let body = guardBody;
        for (const [h, node] of recipients(spec).entries()) {
          await run.expectResult("onion.peel", peelArgs(node, body), fieldsEqual(hops[h] as PeelRecord));
          body = hops[h].nextRequestBody as string;
        }
        await run.expectRefusal("onion.peel", peelArgs(spec.path[0], toHex(tampered)), "ONION_AUTH_FAILED");
      },
    });
  }
  return out;
}
