/**
 * Family `storage_sig`: storage-RPC signatures (swarms-and-storage.md §6.1, §7) with
 * `storage.signature_check`: build the signed string of a request or response from its fields,
 * and verify an Ed25519 signature over it. From `storage_signatures_v1.json` and seeded property
 * cases signed by this repository's `protocol/`.
 *
 * @module
 */

import { toBase64, toHex } from "../../../protocol/bytes.ts";
import { nobleProvider as provider } from "../../../protocol/crypto/noble.ts";
import { type SignatureFields, type SignedKind, signedMessageOf } from "../../vectors/signature_fields.ts";
import { type ConformanceCase, fieldsEqual } from "../case.ts";
import type { JsonObject, Operation } from "../protocol.ts";
import { type Json, testsOf, type VectorFiles } from "../vector_files.ts";
import { flipRandomBit, type PropertyRng, propertyRng } from "./_property_rng.ts";

const OPS: readonly Operation[] = ["storage.signature_check"];

function signatureCase(id: string, args: JsonObject, valid: boolean, message: string): ConformanceCase {
  return {
    id,
    family: "storage_sig",
    ops: OPS,
    run: async (run) => {
      if (valid) await run.expectResult("storage.signature_check", args, fieldsEqual({ message, valid: true }));
      else await run.expectRefusal("storage.signature_check", args, undefined, (v) => v.valid === false);
    },
  };
}

/**
 * The tests of `storage_signatures_v1.json`.
 *
 * @param files the parsed vector files
 * @returns one test per tcId
 * @example
 * ```ts
 * import { storageSigVectorCases } from "./storage_sig.ts";
 * import { loadVectorFiles } from "../vector_files.ts";
 * if (storageSigVectorCases(await loadVectorFiles()).length !== 104) throw new Error("bad");
 * ```
 */
export function storageSigVectorCases(files: VectorFiles): ConformanceCase[] {
  return testsOf(files["storage_signatures_v1.json"]).map(({ group: g, test: t }: { group: Json; test: Json }) =>
    signatureCase(
      `storage_sig/storage_signatures_v1/${t.tcId}`,
      { signed: g.signed, fields: t.fields, publicKey: t.publicKey, signature: t.signature },
      t.result === "valid",
      t.message,
    )
  );
}

/** Around the vectors' timestamps, in milliseconds. */
const BASE_TIME = 1_700_000_000_000;
/** Message hashes are 43 base64 characters (swarms-and-storage.md §8). */
const HASH_CHARS = 43;

function randomFields(rng: PropertyRng): [SignedKind, SignatureFields] {
  const time = () => BASE_TIME + rng.int(1_000_000_000);
  const ns = () => rng.pick([0, 1, 2, 5, 11, 13, -10, -11, -21, 999]);
  const nsOrAll = () => rng.pick<number | string | null>([null, "all", 0, 3, 13, -10]);
  const hashes = (min = 1) =>
    Array.from({ length: min + rng.int(3) }, () => toBase64(rng.bytes(32)).slice(0, HASH_CHARS));
  const token = () => "03" + rng.pick(["01", "03", "07", "0f"]) + "0000" + toHex(rng.bytes(32));
  const account = () => rng.pick(["05", "03"]) + toHex(rng.bytes(32));
  const requests: (() => SignatureFields)[] = [
    () => ({ method: "store", namespace: ns(), sigTimestamp: time() }),
    () => ({ method: "retrieve", namespace: ns(), timestamp: time() }),
    () => ({ method: "delete", messages: hashes() }),
    () => ({ method: "delete_all", namespace: nsOrAll(), timestamp: time() }),
    () => ({ method: "delete_before", namespace: nsOrAll(), before: time() }),
    () => ({ method: "expire_all", namespace: nsOrAll(), expiry: time() }),
    () => ({ method: "expire", mode: rng.pick(["shorten", "extend"]), expiry: time(), messages: hashes() }),
    () => {
      const messages = hashes();
      return { method: "expire", expiry: messages.map(() => time()), messages };
    },
    () => ({ method: "get_expiries", timestamp: time(), messages: hashes() }),
    () => ({
      method: rng.pick(["revoke_subaccount", "unrevoke_subaccount"]),
      timestamp: time(),
      tokens: [token(), token()],
    }),
    () => ({
      method: "monitor.messages",
      accountId: account(),
      timestampSeconds: Math.floor(time() / 1000),
      wantData: rng.int(2) === 1,
      namespaces: [ns(), 13],
    }),
    () => ({ method: "subaccount_sig", token: token() }),
  ];
  const responses: (() => SignatureFields)[] = [
    () => ({ method: "store", hash: hashes()[0] }),
    () => ({ method: "delete", accountId: account(), requested: hashes(), deleted: hashes(0) }),
    () => ({ method: "delete_all", accountId: account(), timestamp: time(), deleted: hashes(0) }),
    () => ({ method: "delete_before", accountId: account(), before: time(), deleted: hashes(0) }),
    () => ({ method: "expire_all", accountId: account(), expiry: time(), updated: hashes(0) }),
    () => {
      const [a, b, c] = hashes(3);
      return {
        method: "expire",
        accountId: account(),
        expiry: time(),
        requested: [a, b, c],
        updated: [a],
        unchanged: { [c]: time(), [b]: time() },
      };
    },
    () => ({
      method: rng.pick(["revoke_subaccount", "unrevoke_subaccount"]),
      accountId: account(),
      timestamp: time(),
      tokens: [token()],
    }),
  ];
  return rng.int(3) < 2 ? ["request", rng.pick(requests)()] : ["response", rng.pick(responses)()];
}

/**
 * Seeded property cases: a random request or response signed with a random key must give the
 * recorded signed string and verify; the signature with one bit flipped must not.
 *
 * @param seed the run's seed
 * @param count how many
 * @returns the tests `storage_sig/property/0` …
 * @example
 * ```ts
 * import { storageSigPropertyCases } from "./storage_sig.ts";
 * const tests = await storageSigPropertyCases(1, 2);
 * if (tests.map((t) => t.id).join() !== "storage_sig/property/0,storage_sig/property/1") throw new Error("bad");
 * ```
 */
export async function storageSigPropertyCases(seed: number, count: number): Promise<ConformanceCase[]> {
  const rng = propertyRng("storage_sig", seed);
  const out: ConformanceCase[] = [];
  for (let i = 0; i < count; i++) {
    const [signed, fields] = randomFields(rng);
    const seedBytes = rng.bytes(32);
    const publicKey = toHex(await provider.ed25519PublicKey(seedBytes));
    const message = signedMessageOf(signed, fields);
    const signature = await provider.ed25519Sign(seedBytes, message);
    const args = { signed, fields, publicKey };
    const id = `storage_sig/property/${i}`;
    const good = signatureCase(id, { ...args, signature: toHex(signature) }, true, toHex(message));
    const bad = signatureCase(id, { ...args, signature: toHex(flipRandomBit(rng, signature)) }, false, toHex(message));
    out.push({
      ...good,
      run: async (run) => {
        await good.run(run);
        await bad.run(run);
      },
    });
  }
  return out;
}
