/**
 * Family `layer`: the framing of one layer, `u32le N ‖ blob ‖ trailer` (onion-requests.md §1),
 * with `layer.decode`, from `layer_v1.json` and seeded property cases.
 *
 * @module
 */

import { toHex, utf8 } from "../../../protocol/bytes.ts";
import { encodeLayer } from "../../../protocol/onion/codec.ts";
import { type ConformanceCase, fieldsEqual } from "../case.ts";
import type { Operation } from "../protocol.ts";
import { type Json, testsOf, type VectorFiles } from "../vector_files.ts";
import { propertyRng } from "./_property_rng.ts";

const OPS: readonly Operation[] = ["layer.decode"];
/** Longest random blob of a property case. */
const MAX_BLOB = 200;
/** Bytes of the length prefix. */
const PREFIX_BYTES = 4;

/**
 * The tests of `layer_v1.json`.
 *
 * @param files the parsed vector files
 * @returns one test per tcId
 * @example
 * ```ts
 * import { layerVectorCases } from "./layer.ts";
 * import { loadVectorFiles } from "../vector_files.ts";
 * if (layerVectorCases(await loadVectorFiles()).length !== 13) throw new Error("bad");
 * ```
 */
export function layerVectorCases(files: VectorFiles): ConformanceCase[] {
  return testsOf(files["layer_v1.json"]).map(({ test: t }: { test: Json }): ConformanceCase => ({
    id: `layer/layer_v1/${t.tcId}`,
    family: "layer",
    ops: OPS,
    run: async (run) => {
      const expected = fieldsEqual({ blob: t.blob, trailer: t.trailer });
      if (t.result === "valid") await run.expectResult("layer.decode", { body: t.body }, expected);
      else if (t.result === "invalid") await run.expectRefusal("layer.decode", { body: t.body });
      else await run.expectEither("layer.decode", { body: t.body }, undefined, expected);
    },
  }));
}

/**
 * Seeded property cases: a random blob and trailer framed by `protocol/` must split back; the
 * same body cut short inside the blob must be refused.
 *
 * @param seed the run's seed
 * @param count how many
 * @returns the tests `layer/property/0` …
 * @example
 * ```ts
 * import { layerPropertyCases } from "./layer.ts";
 * const tests = await layerPropertyCases(1, 2);
 * if (tests.map((t) => t.id).join() !== "layer/property/0,layer/property/1") throw new Error("bad");
 * ```
 */
export function layerPropertyCases(seed: number, count: number): ConformanceCase[] {
  const rng = propertyRng("layer", seed);
  const out: ConformanceCase[] = [];
  for (let i = 0; i < count; i++) {
    const blob = rng.bytes(rng.int(MAX_BLOB + 1));
    const trailer = utf8(JSON.stringify({ ephemeral_key: toHex(rng.bytes(32)), enc_type: "xchacha20", hop_no: i }));
    const body = encodeLayer(blob, trailer);
    const short = body.subarray(0, PREFIX_BYTES + rng.int(blob.length));
    out.push({
      id: `layer/property/${i}`,
      family: "layer",
      ops: OPS,
      run: async (run) => {
        await run.expectResult(
          "layer.decode",
          { body: toHex(body) },
          fieldsEqual({ blob: toHex(blob), trailer: toHex(trailer) }),
        );
        if (blob.length > 0) await run.expectRefusal("layer.decode", { body: toHex(short) });
      },
    });
  }
  return out;
}
