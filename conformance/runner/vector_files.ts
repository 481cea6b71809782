/**
 * The published vector files as the runner reads them: every file of `conformance/vectors/`, by
 * name, parsed. The runner runs all of them; which family each file feeds is decided by the
 * family modules under `families/`.
 *
 * @module
 */

import { VECTOR_FILES, type VectorFileName, VECTORS_DIR } from "../vectors/generate.ts";

// deno-lint-ignore no-explicit-any
export type Json = any;

/** Parsed vector files by name. */
export type VectorFiles = Readonly<Record<VectorFileName, Json>>;

/**
 * Read and parse every published vector file.
 *
 * @param dir the folder (default `conformance/vectors/`)
 * @returns name → parsed file
 * @throws {Error} when a file is missing or is not JSON
 * @example
 * ```ts
 * import { loadVectorFiles } from "./vector_files.ts";
 * const files = await loadVectorFiles();
 * if (files["hop_aesgcm_v1.json"].numberOfTests < 1) throw new Error("bad");
 * ```
 */
export async function loadVectorFiles(dir: URL = VECTORS_DIR): Promise<VectorFiles> {
  const out: Partial<Record<VectorFileName, Json>> = {};
  for (const name of VECTOR_FILES) {
    const url = new URL(name, dir);
    try {
      out[name] = JSON.parse(await Deno.readTextFile(url));
    } catch (e) {
      throw new Error(`Cannot load vectors: ${url.pathname}: ${(e as Error).message}`);
    }
  }
  return out as VectorFiles;
}

/**
 * The stem used in test ids: `hop_aesgcm_v1.json` → `hop_aesgcm_v1`.
 *
 * @param name file name
 * @returns the name without `.json`
 * @example
 * ```ts
 * import { stem } from "./vector_files.ts";
 * if (stem("onion_peel_v1.json") !== "onion_peel_v1") throw new Error("bad");
 * ```
 */
export function stem(name: string): string {
  return name.replace(/\.json$/, "");
}

/**
 * Every test of a file with its group, in file order.
 *
 * @param file a parsed vector file
 * @returns `{group, test}` pairs
 * @example
 * ```ts
 * import { testsOf } from "./vector_files.ts";
 * const pairs = testsOf({ testGroups: [{ type: "T", tests: [{ tcId: 1 }, { tcId: 2 }] }] });
 * if (pairs.length !== 2 || pairs[1].group.type !== "T") throw new Error("bad");
 * ```
 */
export function testsOf(file: Json): { group: Json; test: Json }[] {
  return file.testGroups.flatMap((group: Json) => group.tests.map((test: Json) => ({ group, test })));
}
