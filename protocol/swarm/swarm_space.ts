/**
 * Account id → swarm-space position → swarm (swarms-and-storage.md §2): how a storage server
 * (or a client with a node list) decides which swarm holds an account's messages.
 *
 * @module
 */

import { ProtocolError } from "../errors.ts";

/** Bytes of an account id: one prefix byte and a 32-byte key (swarms-and-storage.md §1.1). */
const ACCOUNT_ID_BYTES = 33;
/** Hex digits of an account id on the wire (swarms-and-storage.md §1.1). */
const ACCOUNT_ID_HEX_CHARS = 2 * ACCOUNT_ID_BYTES;
/** Prefix bytes skipped before the key; the prefix does not affect the position (swarms-and-storage.md §2.1). */
const ACCOUNT_PREFIX_BYTES = 1;
/** Bytes per big-endian word XORed into the position (swarms-and-storage.md §2.1). */
const SWARM_SPACE_WORD_BYTES = 8;
/** Words XORed into the position: 32 key bytes / 8 (swarms-and-storage.md §2.1). */
const SWARM_SPACE_WORDS = 4;
/** Size of the swarm-space ring, 2^64 (swarms-and-storage.md §2.2). */
const RING = 1n << 64n;
/** Mask for wrapping u64 subtraction on the ring. */
const U64_MASK = RING - 1n;
/** Reserved "no swarm / unassigned" id, never a real swarm (swarms-and-storage.md §1.3). */
const INVALID_SWARM_ID = U64_MASK;

const LOOKUP = "Cannot choose swarm";
const MAP = "Cannot map account id to swarm space";

/**
 * Swarm-space position of an account (swarms-and-storage.md §2.1): the XOR of the four
 * big-endian 64-bit words of the 32 key bytes. The prefix byte is ignored, so `05ab…` and
 * `03ab…` share a position; any prefix value is accepted, as the reference does.
 *
 * @param accountId 66 hex digits (either case), or the 33 raw bytes
 * @returns the position, an integer in `[0, 2^64)`
 * @throws {ProtocolError} `KEY_INVALID` when the id is not a string/Uint8Array, has the wrong
 *   length, or is not hex
 * @example Position of a Session ID
 * ```ts
 * import { swarmSpacePosition } from "./swarm_space.ts";
 * const id = "05000000000000000000000000000000000000000000000000" + "0123456789abcdef";
 * if (swarmSpacePosition(id) !== 0x0123456789abcdefn) throw new Error("bad");
 * ```
 */
export function swarmSpacePosition(accountId: string | Uint8Array): bigint {
  let pos = 0n;
  if (typeof accountId === "string") {
    if (accountId.length !== ACCOUNT_ID_HEX_CHARS) {
      throw new ProtocolError(
        "KEY_INVALID",
        `${MAP}: ${accountId.length} characters, expected ${ACCOUNT_ID_HEX_CHARS} hex digits (${ACCOUNT_ID_BYTES} bytes)`,
      );
    }
    const bad = accountId.search(/[^0-9a-fA-F]/);
    if (bad >= 0) {
      throw new ProtocolError("KEY_INVALID", `${MAP}: non-hex character at offset ${bad}`);
    }
    const wordChars = 2 * SWARM_SPACE_WORD_BYTES;
    for (let w = 0; w < SWARM_SPACE_WORDS; w++) {
      const at = 2 * ACCOUNT_PREFIX_BYTES + w * wordChars;
      pos ^= BigInt("0x" + accountId.slice(at, at + wordChars));
    }
    return pos;
  }
  if (!(accountId instanceof Uint8Array)) {
    throw new ProtocolError("KEY_INVALID", `${MAP}: account id is not a string or Uint8Array`);
  }
  if (accountId.length !== ACCOUNT_ID_BYTES) {
    throw new ProtocolError("KEY_INVALID", `${MAP}: ${accountId.length} bytes, expected ${ACCOUNT_ID_BYTES}`);
  }
  const view = new DataView(accountId.buffer, accountId.byteOffset, accountId.byteLength);
  for (let w = 0; w < SWARM_SPACE_WORDS; w++) {
    pos ^= view.getBigUint64(ACCOUNT_PREFIX_BYTES + w * SWARM_SPACE_WORD_BYTES, false);
  }
  return pos;
}

/**
 * The swarm that owns an account (swarms-and-storage.md §2.2): the swarm id nearest to the
 * account's position on the 2^64 ring; on an exact tie the left neighbour wins (across the
 * wrap-around point that is the highest id). One swarm owns everything; no swarm gives `undefined`.
 *
 * @param accountId 66 hex digits (either case), or the 33 raw bytes
 * @param swarmIds the active swarm ids in any order (ascending input avoids a sort)
 * @returns the owning swarm id, or `undefined` when `swarmIds` is empty
 * @throws {ProtocolError} `KEY_INVALID` for a malformed account id
 * @throws {TypeError} when `swarmIds` is not an array of bigints
 * @throws {RangeError} when a swarm id is outside `[0, 2^64-1)` (2^64-1 marks "no swarm")
 * @example Nearest swarm, tie to the left
 * ```ts
 * import { swarmFor } from "./swarm_space.ts";
 * const at = (n: number) => "05" + "00".repeat(24) + n.toString(16).padStart(16, "0");
 * if (swarmFor(at(140), [100n, 200n]) !== 100n) throw new Error("bad");
 * if (swarmFor(at(150), [100n, 200n]) !== 100n) throw new Error("bad"); // tie
 * if (swarmFor(at(151), [100n, 200n]) !== 200n) throw new Error("bad");
 * if (swarmFor(at(1), []) !== undefined) throw new Error("bad");
 * ```
 */
export function swarmFor(accountId: string | Uint8Array, swarmIds: readonly bigint[]): bigint | undefined {
  const position = swarmSpacePosition(accountId);
  const ids = ascendingIds(swarmIds);
  const n = ids.length;
  if (n === 0) return undefined;
  if (n === 1) return ids[0];
  // R = first id >= P (lower_bound), wrapping to ids[0]; L = its predecessor, wrapping to ids[n-1].
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid] < position) lo = mid + 1;
    else hi = mid;
  }
  const r = lo === n ? 0 : lo;
  const l = r === 0 ? n - 1 : r - 1;
  const dRight = (ids[r] - position) & U64_MASK;
  const dLeft = (position - ids[l]) & U64_MASK;
  return dRight < dLeft ? ids[r] : ids[l];
}

/** Validate swarm ids and return them ascending (the input itself when already ascending). */
function ascendingIds(swarmIds: readonly bigint[]): readonly bigint[] {
  if (!Array.isArray(swarmIds)) throw new TypeError(`${LOOKUP}: swarm ids are not an array`);
  let sorted = true;
  for (let i = 0; i < swarmIds.length; i++) {
    const id = swarmIds[i];
    if (typeof id !== "bigint") throw new TypeError(`${LOOKUP}: swarm id at index ${i} is not a bigint`);
    if (id < 0n || id >= INVALID_SWARM_ID) {
      throw new RangeError(`${LOOKUP}: swarm id ${id} at index ${i} is outside [0, 2^64-1)`);
    }
    if (i > 0 && swarmIds[i - 1] > id) sorted = false;
  }
  return sorted ? swarmIds : [...swarmIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
