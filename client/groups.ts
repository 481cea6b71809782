/**
 * Group identities (client/README.md "Groups"): a group is an Ed25519 key pair whose public key,
 * after `03`, is the group id and the swarm account its messages are stored under (e2ee.md §1.1,
 * swarms-and-storage.md §6.2: for `03` accounts the 32 bytes are the group's Ed25519 key). Every
 * member holds the seed: it signs retrieves from the group's mailbox and derives the key that
 * seals group envelopes. Each member sends with its own Sender Key chain (e2ee.md §4), whose
 * distribution id is derived from the group id.
 *
 * @module
 */

import { type CryptoProvider, fromHex, toHex } from "../mod.ts";
import { DISTRIBUTION_ID_BYTES } from "../protocol/e2ee/signal/sender_key_constants.ts";

/** Prefix of a group id (e2ee.md §1.1: `03` = group Ed25519 public key). */
export const GROUP_ID_PREFIX = "03";
/** Bytes of a group seed. */
export const GROUP_SEED_BYTES = 32;
/** What a group id looks like. */
const GROUP_ID_RE = /^03[0-9a-f]{64}$/;

/**
 * Whether `text` is a group id (`03` + 64 lower-case hex).
 *
 * @param text candidate
 * @returns true for a group id
 * @example
 * ```ts
 * import { isGroupId } from "./groups.ts";
 * if (!isGroupId("03" + "ab".repeat(32)) || isGroupId("05" + "ab".repeat(32))) throw new Error("bad");
 * ```
 */
export function isGroupId(text: string): boolean {
  return GROUP_ID_RE.test(text);
}

/**
 * The group id of a group seed: `03` + its Ed25519 public key.
 *
 * @param seed the 32-byte group seed
 * @param provider crypto provider
 * @returns the group id
 * @throws {RangeError} when the seed is not 32 bytes
 * @example
 * ```ts
 * import { groupIdFromSeed, isGroupId } from "./groups.ts";
 * import { nobleProvider } from "../mod.ts";
 * if (!isGroupId(await groupIdFromSeed(new Uint8Array(32), nobleProvider))) throw new Error("bad");
 * ```
 */
export async function groupIdFromSeed(seed: Uint8Array, provider: CryptoProvider): Promise<string> {
  if (seed.length !== GROUP_SEED_BYTES) {
    throw new RangeError(`Cannot derive group id: seed is ${seed.length} bytes, expected ${GROUP_SEED_BYTES}`);
  }
  return GROUP_ID_PREFIX + toHex(await provider.ed25519PublicKey(seed));
}

/**
 * The Sender Key distribution id of a group: the first 16 bytes of its Ed25519 public key (one
 * distribution per group, as libsignal's clients use one per group).
 *
 * @param groupId the group id
 * @returns 16 bytes
 * @example
 * ```ts
 * import { distributionIdFor } from "./groups.ts";
 * if (distributionIdFor("03" + "ab".repeat(32)).length !== 16) throw new Error("bad");
 * ```
 */
export function distributionIdFor(groupId: string): Uint8Array {
  return fromHex(groupId).slice(1, 1 + DISTRIBUTION_ID_BYTES);
}
