/**
 * Test-only access to the shared vectors (`../shared/vectors` beside the checkout, or
 * `ALLIUM_VECTORS`). Vectors are read at run time and never copied into the repository.
 *
 * When the folder is missing, tests that need it are skipped with a reason — except under
 * `CI=true`, where a missing folder is a failure (the CI contract of `.ci/run`).
 *
 * @module
 */

import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Absolute path of the shared vectors folder (it may not exist). */
export const VECTORS_DIR: string = process.env.ALLIUM_VECTORS
  ? resolve(process.env.ALLIUM_VECTORS)
  : resolve(REPO_ROOT, "..", "shared", "vectors");

/** Whether the shared vectors are present. */
export const HAVE_VECTORS: boolean = existsSync(VECTORS_DIR);

if (!HAVE_VECTORS && process.env.CI === "true") {
  throw new Error(`Cannot run tests: shared vectors not found at "${VECTORS_DIR}" and CI=true`);
}

/** Reason printed in the name of a skipped test. */
export const SKIP_REASON = `skipped: shared vectors not found at ${VECTORS_DIR}`;

/**
 * Parse a JSON vector file relative to the shared vectors folder.
 *
 * @param relPath e.g. `"session/hop-encryption.json"`
 * @returns the parsed JSON
 */
// deno-lint-ignore no-explicit-any
export function loadVectors(relPath: string): any {
  return JSON.parse(readFileSync(join(VECTORS_DIR, relPath), "utf8"));
}

/**
 * Print how many cases a vector file ran, in one greppable line.
 *
 * @param file vector file name
 * @param counts counts by outcome
 */
export function reportCases(file: string, counts: Record<string, number>): void {
  const parts = Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(" ");
  console.log(`vectors ${file}: ${parts}`);
}
