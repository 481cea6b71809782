/**
 * The whole adapter suite: every published vector of `conformance/vectors/` and a bounded number
 * of seeded property cases per family, in a fixed order (families in {@link FAMILIES} order,
 * vectors before properties), so the same options always give the same test ids.
 *
 * @module
 */

import type { ConformanceCase } from "./case.ts";
import { FAMILIES, type Family } from "./protocol.ts";
import type { VectorFiles } from "./vector_files.ts";
import { buildPropertyCases, buildVectorCases } from "./families/build.ts";
import { hopPropertyCases, hopVectorCases } from "./families/hop.ts";
import { layerPropertyCases, layerVectorCases } from "./families/layer.ts";
import { peelPropertyCases, peelVectorCases } from "./families/peel.ts";
import { replyPropertyCases, replyVectorCases } from "./families/reply.ts";
import { storageHashPropertyCases, storageHashVectorCases } from "./families/storage_hash.ts";
import { storageSigPropertyCases, storageSigVectorCases } from "./families/storage_sig.ts";
import { swarmPropertyCases, swarmVectorCases } from "./families/swarm.ts";

/** Default seed of the property cases (printed in every report). */
export const DEFAULT_SEED = 1;
/** Default number of property cases per family. */
export const DEFAULT_CASES = 20;
/** Most property cases per family, so a run stays bounded. */
export const MAX_CASES = 10_000;

/** Options of {@link buildSuite}. */
export interface SuiteOptions {
  /** Families to include; default all. */
  families?: readonly Family[];
  /** Property seed; default {@link DEFAULT_SEED}. */
  seed?: number;
  /** Property cases per family (0 = vectors only); default {@link DEFAULT_CASES}. */
  cases?: number;
}

const GENERATORS: Readonly<
  Record<Family, {
    vectors: (files: VectorFiles) => ConformanceCase[];
    properties: (seed: number, count: number) => ConformanceCase[] | Promise<ConformanceCase[]>;
  }>
> = {
  hop: { vectors: hopVectorCases, properties: hopPropertyCases },
  layer: { vectors: layerVectorCases, properties: layerPropertyCases },
  peel: { vectors: peelVectorCases, properties: peelPropertyCases },
  build: { vectors: buildVectorCases, properties: buildPropertyCases },
  reply: { vectors: replyVectorCases, properties: replyPropertyCases },
  swarm: { vectors: swarmVectorCases, properties: swarmPropertyCases },
  storage_hash: { vectors: storageHashVectorCases, properties: storageHashPropertyCases },
  storage_sig: { vectors: storageSigVectorCases, properties: storageSigPropertyCases },
};

/**
 * Every test of the selected families.
 *
 * @param files the parsed vector files
 * @param options families, seed, property cases per family
 * @returns the tests, ids unique
 * @throws {RangeError} for a negative or too large `cases`, or a seed that is not a safe integer
 * @example
 * ```ts
 * import { buildSuite } from "./suite.ts";
 * import { loadVectorFiles } from "./vector_files.ts";
 * const tests = await buildSuite(await loadVectorFiles(), { families: ["layer"], cases: 2 });
 * if (!tests.some((t) => t.id === "layer/layer_v1/1") || !tests.some((t) => t.id === "layer/property/1")) throw new Error("bad");
 * ```
 */
export async function buildSuite(files: VectorFiles, options: SuiteOptions = {}): Promise<ConformanceCase[]> {
  const seed = options.seed ?? DEFAULT_SEED, cases = options.cases ?? DEFAULT_CASES;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`Cannot build suite: seed "${seed}" is not an integer`);
  if (!Number.isInteger(cases) || cases < 0 || cases > MAX_CASES) {
    throw new RangeError(`Cannot build suite: cases "${cases}" is not in 0…${MAX_CASES}`);
  }
  const selected = new Set(options.families ?? FAMILIES);
  const out: ConformanceCase[] = [];
  for (const family of FAMILIES) {
    if (!selected.has(family)) continue;
    out.push(...GENERATORS[family].vectors(files));
    if (cases > 0) out.push(...await GENERATORS[family].properties(seed, cases));
  }
  return out;
}
