/**
 * Family `hop`: one onion layer sealed and opened (onion-requests.md §2) with `hop.derive_key`,
 * `hop.encrypt` and `hop.decrypt`, from `hop_aesgcm_v1.json`, `hop_xchacha20_v1.json` and
 * seeded property cases checked against this repository's `protocol/`.
 *
 * @module
 */

import { fromHex, toHex } from "../../../protocol/bytes.ts";
import { nobleProvider as provider } from "../../../protocol/crypto/noble.ts";
import type { EncType } from "../../../protocol/onion/enc_type.ts";
import { deriveHopKey, hopEncrypt, type HopKeys, nonceBytes } from "../../../protocol/onion/hop.ts";
import { scriptedRng } from "../../../protocol/_testing/seeded_rng.ts";
import { type ConformanceCase, fieldsEqual } from "../case.ts";
import type { JsonObject, Operation } from "../protocol.ts";
import { type Json, stem, testsOf, type VectorFiles } from "../vector_files.ts";
import { flipRandomBit, type PropertyRng, propertyRng } from "./_property_rng.ts";

type Party = "client" | "server";
const OPS: readonly Operation[] = ["hop.derive_key", "hop.encrypt", "hop.decrypt"];
const FILES = ["hop_aesgcm_v1.json", "hop_xchacha20_v1.json"] as const;

/** The four keys of a case, as hex. */
interface PartiesHex {
  clientSecret: string;
  clientPublic: string;
  serverSecret: string;
  serverPublic: string;
}

/**
 * Arguments naming one party's keys and the role it derives with.
 *
 * @param p the four keys
 * @param who whose keys
 * @param role the role passed to the key derivation
 * @param encType cipher
 * @returns `{encType, role, ourSecret, ourPublic, theirPublic}`
 * @example
 * ```ts
 * import { partyArgs } from "./hop.ts";
 * const p = { clientSecret: "c1", clientPublic: "c2", serverSecret: "s1", serverPublic: "s2" };
 * const a = partyArgs(p, "server", "server", "aes-gcm");
 * if (a.ourSecret !== "s1" || a.theirPublic !== "c2") throw new Error("bad");
 * ```
 */
export function partyArgs(p: PartiesHex, who: Party, role: Party, encType: string): JsonObject {
  return who === "client"
    ? { encType, role, ourSecret: p.clientSecret, ourPublic: p.clientPublic, theirPublic: p.serverPublic }
    : { encType, role, ourSecret: p.serverSecret, ourPublic: p.serverPublic, theirPublic: p.clientPublic };
}

function other(p: Party): Party {
  return p === "client" ? "server" : "client";
}

/**
 * The tests of the hop vector files.
 *
 * @param files the parsed vector files
 * @returns one test per tcId
 * @example
 * ```ts
 * import { hopVectorCases } from "./hop.ts";
 * import { loadVectorFiles } from "../vector_files.ts";
 * if (hopVectorCases(await loadVectorFiles()).length !== 140) throw new Error("bad");
 * ```
 */
export function hopVectorCases(files: VectorFiles): ConformanceCase[] {
  return FILES.flatMap((name) =>
    testsOf(files[name]).map(({ group: g, test: t }: { group: Json; test: Json }): ConformanceCase => ({
      id: `hop/${stem(name)}/${t.tcId}`,
      family: "hop",
      ops: OPS,
      run: async (run) => {
        const opener = partyArgs(t, g.opener, g.openerRole, g.encType);
        if (t.result === "valid") {
          const sealer = partyArgs(t, g.sealer, g.sealer, g.encType);
          await run.expectResult("hop.derive_key", sealer, fieldsEqual({ sharedSecret: t.sharedSecret, key: t.key }));
          await run.expectResult(
            "hop.encrypt",
            { ...sealer, nonce: t.nonce, plaintext: t.plaintext },
            fieldsEqual({ blob: t.blob }),
          );
          await run.expectResult("hop.decrypt", { ...opener, blob: t.blob }, fieldsEqual({ plaintext: t.plaintext }));
          return;
        }
        if (t.flags.includes("LowOrderPublic")) await run.expectRefusal("hop.derive_key", opener);
        await run.expectRefusal("hop.decrypt", { ...opener, blob: t.blob });
      },
    }))
  );
}

async function keyPair(rng: PropertyRng): Promise<[string, string]> {
  const secret = rng.bytes(32);
  return [toHex(secret), toHex(await provider.x25519PublicKey(secret))];
}

/** Longest random plaintext of a property case. */
const MAX_PLAINTEXT = 300;

/**
 * Seeded property cases: random cipher, direction, keys, nonce and plaintext; `protocol/` gives
 * the expected key and blob; a one-bit change of the blob must be refused.
 *
 * @param seed the run's seed
 * @param count how many
 * @returns the tests `hop/property/0` …
 * @example
 * ```ts
 * import { hopPropertyCases } from "./hop.ts";
 * const tests = await hopPropertyCases(1, 2);
 * if (tests.map((t) => t.id).join() !== "hop/property/0,hop/property/1") throw new Error("bad");
 * ```
 */
export async function hopPropertyCases(seed: number, count: number): Promise<ConformanceCase[]> {
  const rng = propertyRng("hop", seed);
  const out: ConformanceCase[] = [];
  for (let i = 0; i < count; i++) {
    const encType: EncType = rng.pick(["aes-gcm", "xchacha20"]);
    const sealer: Party = rng.pick(["client", "server"]);
    const [clientSecret, clientPublic] = await keyPair(rng);
    const [serverSecret, serverPublic] = await keyPair(rng);
    const p: PartiesHex = { clientSecret, clientPublic, serverSecret, serverPublic };
    const nonce = rng.bytes(nonceBytes(encType));
    const plaintext = rng.bytes(rng.int(MAX_PLAINTEXT + 1));
    const sealerArgs = partyArgs(p, sealer, sealer, encType);
    const keys: HopKeys = {
      ourSecret: fromHex(sealerArgs.ourSecret as string),
      ourPublic: fromHex(sealerArgs.ourPublic as string),
      theirPublic: fromHex(sealerArgs.theirPublic as string),
      role: sealer,
    };
    const key = toHex((await deriveHopKey(encType, keys, { provider })).bytes());
    const shared = toHex(await provider.x25519(keys.ourSecret, keys.theirPublic));
    const blob = await hopEncrypt(encType, plaintext, keys, { provider, rng: scriptedRng([nonce]) });
    const tampered = flipRandomBit(rng, blob);
    const openerArgs = partyArgs(p, other(sealer), other(sealer), encType);
    out.push({
      id: `hop/property/${i}`,
      family: "hop",
      ops: OPS,
      run: async (run) => {
        await run.expectResult("hop.derive_key", sealerArgs, fieldsEqual({ sharedSecret: shared, key }));
        await run.expectResult(
          "hop.encrypt",
          { ...sealerArgs, nonce: toHex(nonce), plaintext: toHex(plaintext) },
          fieldsEqual({ blob: toHex(blob) }),
        );
        await run.expectResult(
          "hop.decrypt",
          { ...openerArgs, blob: toHex(blob) },
          fieldsEqual({ plaintext: toHex(plaintext) }),
        );
        await run.expectRefusal("hop.decrypt", { ...openerArgs, blob: toHex(tampered) });
      },
    });
  }
  return out;
}
