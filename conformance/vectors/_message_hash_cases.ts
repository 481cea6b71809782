/**
 * Generator of `storage_message_hash_v1.json`: the storage message hash, unpadded base64 of
 * BLAKE2b-256(account id ‖ namespace text ‖ data) (swarms-and-storage.md §8). Private to
 * `conformance/vectors/`.
 *
 * @module
 */

import { fromHex, toHex, utf8 } from "../../protocol/bytes.ts";
import type { CryptoProvider } from "../../protocol/crypto/provider.ts";
import { messageHash, messageHashInput } from "../../protocol/storage/message_hash.ts";
import { seededRng } from "../../protocol/_testing/seeded_rng.ts";
import { type CaseBase, draw, type Result, type VectorFile, vectorFile } from "./_common.ts";
import { HASH_NOTES } from "./_storage_notes.ts";

/** One message-hash case. */
export interface MessageHashTest extends CaseBase {
  /** The account id (33 bytes when valid). */
  accountId: string;
  /** The namespace as given (a signed 16-bit integer when valid). */
  namespace: number;
  data: string;
  /** The exact BLAKE2b-256 input (valid), else null. */
  hashInput: string | null;
  /** The 43-character hash (valid), else null. */
  hash: string | null;
  result: Result;
}

/** The one group of `storage_message_hash_v1.json`. */
export interface MessageHashGroup {
  type: "MessageHashTest";
  tests: MessageHashTest[];
}

/**
 * The hash input and hash with this repository's code, as published.
 *
 * @param provider crypto provider
 * @param accountId 33 bytes as hex
 * @param namespace the namespace
 * @param data the data as hex
 * @returns hex input and hash
 * @throws {TypeError | RangeError} for a malformed account id or namespace
 */
export async function hashOf(
  provider: CryptoProvider,
  accountId: string,
  namespace: number,
  data: string,
): Promise<{ hashInput: string; hash: string }> {
  const input = messageHashInput(fromHex(accountId), namespace, fromHex(data));
  return {
    hashInput: toHex(input),
    hash: await messageHash(fromHex(accountId), namespace, fromHex(data), { provider }),
  };
}

async function cases(provider: CryptoProvider): Promise<MessageHashTest[]> {
  const out: MessageHashTest[] = [];
  const add = async (
    tcId: number,
    comment: string,
    flags: string[],
    accountId: string,
    namespace: number,
    data: string,
    result: Result,
  ) => {
    let h: { hashInput: string; hash: string } | null = null;
    try {
      h = await hashOf(provider, accountId, namespace, data);
      if (result === "invalid") throw new Error(`Cannot generate message hash case ${tcId}: accepted`);
    } catch (e) {
      if (!(e instanceof RangeError) && !(e instanceof TypeError)) throw e;
      if (result !== "invalid") throw new Error(`Cannot generate message hash case ${tcId}: ${e.message}`);
    }
    out.push({
      tcId,
      comment,
      flags,
      accountId,
      namespace,
      data,
      hashInput: h?.hashInput ?? null,
      hash: h?.hash ?? null,
      result,
    });
  };
  const rng = seededRng("allium/conformance/storage/message-hash");
  const account = (prefix: string) => prefix + toHex(draw(rng, 32));
  const data = (n: number) => toHex(draw(rng, n));
  const user = account("05"), group = account("03");
  await add(1, "Session ID, namespace 0, 7 bytes", ["Pseudorandom", "DefaultNamespace"], user, 0, data(7), "valid");
  await add(2, "Session ID, namespace 2", ["Pseudorandom"], user, 2, data(64), "valid");
  await add(3, "Session ID, namespace -10", ["Pseudorandom", "NegativeNamespace"], user, -10, data(33), "valid");
  await add(4, "group, namespace 11", ["Pseudorandom"], group, 11, data(100), "valid");
  await add(5, "group, namespace -21", ["Pseudorandom", "NegativeNamespace"], group, -21, data(16), "valid");
  await add(
    6,
    "prefix 00, namespace 0, empty data",
    ["AnyPrefix", "EmptyData", "DefaultNamespace"],
    account("00"),
    0,
    "",
    "valid",
  );
  await add(7, "namespace 32767, empty data", ["NamespaceLimits", "EmptyData"], user, 32767, "", "valid");
  await add(8, "namespace -32768, 1 byte", ["NamespaceLimits", "NegativeNamespace"], user, -32768, data(1), "valid");
  await add(9, "1000 bytes", ["Pseudorandom", "LongData"], group, 13, data(1000), "valid");
  await add(10, "prefix 15", ["AnyPrefix"], account("15"), 5, data(20), "valid");
  await add(11, 'namespace 1, data "23"', ["NamespaceConcatenation"], user, 1, toHex(utf8("23")), "valid");
  await add(
    12,
    'namespace 12, data "3": same input as tcId 11',
    ["NamespaceConcatenation"],
    user,
    12,
    toHex(utf8("3")),
    "valid",
  );

  await add(100, "account id of 32 bytes", ["BadAccountId"], toHex(draw(rng, 32)), 0, data(7), "invalid");
  await add(101, "account id of 34 bytes", ["BadAccountId"], "05" + toHex(draw(rng, 33)), 0, data(7), "invalid");
  await add(102, "namespace 32768", ["BadNamespace"], user, 32768, data(7), "invalid");
  await add(103, "namespace -32769", ["BadNamespace"], user, -32769, data(7), "invalid");
  await add(104, "namespace 1.5", ["BadNamespace"], user, 1.5, data(7), "invalid");
  return out;
}

/**
 * Build `storage_message_hash_v1.json`.
 *
 * @param provider the reference provider
 * @returns the file object
 */
export async function messageHashFile(provider: CryptoProvider): Promise<VectorFile<MessageHashGroup>> {
  return vectorFile<MessageHashGroup>({
    algorithm: "SESSION-STORAGE-MESSAGE-HASH",
    schema: "storage_message_hash_schema_v1.json",
    header: [
      "The storage message hash (shared/spec/swarms-and-storage.md §8): unpadded standard base64 of BLAKE2b-256(accountId || nsText || data), 43 characters.",
      "accountId is 33 bytes (prefix byte, 32-byte key); nsText is empty for namespace 0, else the signed decimal namespace in ASCII. Timestamp and expiry do not enter the hash.",
      "valid: the hash input is hashInput and the hash is hash exactly. invalid: refused (the account id is not 33 bytes, or the namespace is not an integer in -32768…32767).",
      "Generated by allium conformance/vectors/generate.ts from fixed seeds with the noble provider.",
    ],
    notes: HASH_NOTES,
  }, [{ type: "MessageHashTest", tests: await cases(provider) }]);
}
