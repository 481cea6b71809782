/**
 * Family `storage_hash`: the storage message hash (swarms-and-storage.md §8) with
 * `storage.message_hash`, from `storage_message_hash_v1.json` and seeded property cases checked
 * against this repository's `protocol/`.
 *
 * @module
 */

import { toHex } from "../../../protocol/bytes.ts";
import { nobleProvider as provider } from "../../../protocol/crypto/noble.ts";
import { messageHash } from "../../../protocol/storage/message_hash.ts";
import { type ConformanceCase, fieldsEqual } from "../case.ts";
import type { Operation } from "../protocol.ts";
import { type Json, testsOf, type VectorFiles } from "../vector_files.ts";
import { propertyRng } from "./_property_rng.ts";

const OPS: readonly Operation[] = ["storage.message_hash"];
/** Longest random data of a property case. */
const MAX_DATA = 300;
/** Namespaces a property case draws from, besides a random one. */
const NAMESPACES = [0, 0, 1, 2, 3, 5, 11, 13, -10, -11, -21, 32767, -32768];

/**
 * The tests of `storage_message_hash_v1.json`.
 *
 * @param files the parsed vector files
 * @returns one test per tcId
 * @example
 * ```ts
 * import { storageHashVectorCases } from "./storage_hash.ts";
 * import { loadVectorFiles } from "../vector_files.ts";
 * if (storageHashVectorCases(await loadVectorFiles()).length !== 17) throw new Error("bad");
 * ```
 */
export function storageHashVectorCases(files: VectorFiles): ConformanceCase[] {
  return testsOf(files["storage_message_hash_v1.json"]).map(({ test: t }: { test: Json }): ConformanceCase => ({
    id: `storage_hash/storage_message_hash_v1/${t.tcId}`,
    family: "storage_hash",
    ops: OPS,
    run: async (run) => {
      const args = { accountId: t.accountId, namespace: t.namespace, data: t.data };
      if (t.result === "valid") await run.expectResult("storage.message_hash", args, fieldsEqual({ hash: t.hash }));
      else await run.expectRefusal("storage.message_hash", args);
    },
  }));
}

/**
 * Seeded property cases: random prefix, key, namespace and data.
 *
 * @param seed the run's seed
 * @param count how many
 * @returns the tests `storage_hash/property/0` …
 * @example
 * ```ts
 * import { storageHashPropertyCases } from "./storage_hash.ts";
 * const tests = await storageHashPropertyCases(1, 2);
 * if (tests.map((t) => t.id).join() !== "storage_hash/property/0,storage_hash/property/1") throw new Error("bad");
 * ```
 */
export async function storageHashPropertyCases(seed: number, count: number): Promise<ConformanceCase[]> {
  const rng = propertyRng("storage_hash", seed);
  const out: ConformanceCase[] = [];
  for (let i = 0; i < count; i++) {
    const account = rng.bytes(33);
    const namespace = rng.int(4) === 0 ? rng.int(65536) - 32768 : rng.pick(NAMESPACES);
    const data = rng.bytes(rng.int(MAX_DATA + 1));
    const hash = await messageHash(account, namespace, data, { provider });
    const args = { accountId: toHex(account), namespace, data: toHex(data) };
    out.push({
      id: `storage_hash/property/${i}`,
      family: "storage_hash",
      ops: OPS,
      run: async (run) => {
        await run.expectResult("storage.message_hash", args, fieldsEqual({ hash }));
      },
    });
  }
  return out;
}
