/**
 * Family `swarm`: which swarm stores an account (swarms-and-storage.md §2) with `swarm.position`
 * and `swarm.for_pubkey`, from `swarm_assign_v1.json` and seeded property cases checked against
 * this repository's `protocol/`. Unsigned 64-bit values travel as decimal strings.
 *
 * @module
 */

import { toHex } from "../../../protocol/bytes.ts";
import { swarmFor, swarmSpacePosition } from "../../../protocol/swarm/swarm_space.ts";
import { type ConformanceCase, fieldsEqual } from "../case.ts";
import type { Operation } from "../protocol.ts";
import { type Json, testsOf, type VectorFiles } from "../vector_files.ts";
import { propertyRng } from "./_property_rng.ts";

const OPS: readonly Operation[] = ["swarm.position", "swarm.for_pubkey"];
/** Largest usable swarm id, 2^64 - 2 (swarms-and-storage.md §1.3). */
const MAX_SWARM_ID = (1n << 64n) - 2n;
/** Most swarms of a property case. */
const MAX_SWARMS = 12;

/**
 * The tests of `swarm_assign_v1.json`.
 *
 * @param files the parsed vector files
 * @returns one test per tcId
 * @example
 * ```ts
 * import { swarmVectorCases } from "./swarm.ts";
 * import { loadVectorFiles } from "../vector_files.ts";
 * if (swarmVectorCases(await loadVectorFiles()).length !== 46) throw new Error("bad");
 * ```
 */
export function swarmVectorCases(files: VectorFiles): ConformanceCase[] {
  return testsOf(files["swarm_assign_v1.json"]).map((
    { group: g, test: t }: { group: Json; test: Json },
  ): ConformanceCase => ({
    id: `swarm/swarm_assign_v1/${t.tcId}`,
    family: "swarm",
    ops: g.type === "SwarmSpaceTest" ? ["swarm.position"] : ["swarm.for_pubkey"],
    run: async (run) => {
      if (g.type === "SwarmLookupTest") {
        await run.expectResult(
          "swarm.for_pubkey",
          { accountId: t.accountId, swarmIds: g.swarmIds },
          fieldsEqual({ swarmId: t.swarmId }),
        );
      } else if (t.result === "valid") {
        await run.expectResult("swarm.position", { accountId: t.accountId }, fieldsEqual({ position: t.position }));
      } else {
        await run.expectRefusal("swarm.position", { accountId: t.accountId });
      }
    },
  }));
}

/**
 * Seeded property cases: a random account among 1–12 random swarm ids.
 *
 * @param seed the run's seed
 * @param count how many
 * @returns the tests `swarm/property/0` …
 * @example
 * ```ts
 * import { swarmPropertyCases } from "./swarm.ts";
 * const tests = await swarmPropertyCases(1, 2);
 * if (tests.map((t) => t.id).join() !== "swarm/property/0,swarm/property/1") throw new Error("bad");
 * ```
 */
export function swarmPropertyCases(seed: number, count: number): ConformanceCase[] {
  const rng = propertyRng("swarm", seed);
  const out: ConformanceCase[] = [];
  for (let i = 0; i < count; i++) {
    const accountId = rng.pick(["05", "03"]) + toHex(rng.bytes(32));
    const ids: bigint[] = [];
    const n = 1 + rng.int(MAX_SWARMS);
    while (ids.length < n) {
      const id = rng.u64();
      if (id <= MAX_SWARM_ID && !ids.includes(id)) ids.push(id);
    }
    const swarmIds = ids.map(String);
    const position = swarmSpacePosition(accountId).toString();
    const swarmId = swarmFor(accountId, ids)?.toString() ?? null;
    out.push({
      id: `swarm/property/${i}`,
      family: "swarm",
      ops: OPS,
      run: async (run) => {
        await run.expectResult("swarm.position", { accountId }, fieldsEqual({ position }));
        await run.expectResult("swarm.for_pubkey", { accountId, swarmIds }, fieldsEqual({ swarmId }));
      },
    });
  }
  return out;
}
