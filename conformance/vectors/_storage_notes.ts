/**
 * The flags of the swarm and storage vector files (`swarm_assign_v1.json`,
 * `storage_message_hash_v1.json`, `storage_signatures_v1.json`) and what each means. Private to
 * `conformance/vectors/`.
 *
 * @module
 */

import type { Note } from "./_common.ts";

/** The flags of `swarm_assign_v1.json`. */
export const SWARM_NOTES: Readonly<Record<string, Note>> = {
  Pseudorandom: { bugType: "BASIC", description: "An account id (and swarm ids) from a fixed seed." },
  PrefixIgnored: {
    bugType: "EDGE_CASE",
    description:
      "Only the 32 key bytes count: the same key under another prefix byte has the same position (swarms-and-storage.md §2.1).",
  },
  XorCancels: {
    bugType: "EDGE_CASE",
    description: "The four 64-bit words XOR to 0 or to 2^64-1: an extreme position.",
  },
  BigEndianWords: {
    bugType: "MODIFIED_PARAMETER",
    description: "The words are read big-endian; a little-endian reader gets another position.",
  },
  UppercaseHex: { bugType: "EDGE_CASE", description: "The account id is upper-case hex, which is accepted." },
  BadAccountId: {
    bugType: "EDGE_CASE",
    description: "Not 66 hex digits (no prefix byte, too long, a non-hex character, empty): refused.",
  },
  NoSwarm: { bugType: "EDGE_CASE", description: "No swarm exists: there is no owner (swarmId null)." },
  SingleSwarm: { bugType: "EDGE_CASE", description: "One swarm owns every account." },
  ExactMatch: { bugType: "EDGE_CASE", description: "The position equals a swarm id: that swarm." },
  Tie: {
    bugType: "EDGE_CASE",
    description:
      "The position is exactly halfway between two swarm ids: the left (lower) neighbour wins (swarms-and-storage.md §2.2).",
  },
  WrapAround: {
    bugType: "EDGE_CASE",
    description:
      "The position lies above the highest or below the lowest swarm id, so distances wrap around 2^64; on a tie across the wrap the left neighbour is the highest id.",
  },
  UnsortedIds: {
    bugType: "EDGE_CASE",
    description: "The swarm ids are listed out of order; the owner does not depend on the order.",
  },
  LargeIds: {
    bugType: "EDGE_CASE",
    description: "Swarm ids and positions above 2^53: they must be handled as unsigned 64-bit integers, not doubles.",
  },
};

/** The flags of `storage_message_hash_v1.json`. */
export const HASH_NOTES: Readonly<Record<string, Note>> = {
  Pseudorandom: { bugType: "BASIC", description: "Account id and data from a fixed seed." },
  DefaultNamespace: {
    bugType: "EDGE_CASE",
    description: 'Namespace 0 contributes nothing to the hash input, not the text "0" (swarms-and-storage.md §8).',
  },
  NegativeNamespace: { bugType: "EDGE_CASE", description: "A negative namespace contributes its '-' sign." },
  NamespaceLimits: {
    bugType: "EDGE_CASE",
    description: "Namespace -32768 or 32767, the ends of the signed 16-bit range.",
  },
  EmptyData: { bugType: "EDGE_CASE", description: "The message data is empty." },
  LongData: { bugType: "EDGE_CASE", description: "1000 bytes of data." },
  AnyPrefix: { bugType: "EDGE_CASE", description: "The prefix byte is part of the hash input, whatever it is." },
  NamespaceConcatenation: {
    bugType: "EDGE_CASE",
    description:
      'Namespace text and data are concatenated without a separator, so namespace 1 with data "23" hashes like namespace 12 with data "3".',
  },
  BadAccountId: { bugType: "EDGE_CASE", description: "The account id is not 33 bytes: refused." },
  BadNamespace: {
    bugType: "EDGE_CASE",
    description: "The namespace is outside -32768…32767 or not an integer: refused.",
  },
};

/** The flags of `storage_signatures_v1.json`. */
export const SIGNATURE_NOTES: Readonly<Record<string, Note>> = {
  Pseudorandom: {
    bugType: "BASIC",
    description:
      "Fields and keys from fixed seeds: the signed string must be message exactly, and signature (Ed25519 by the key) must verify over it.",
  },
  DefaultNamespace: {
    bugType: "EDGE_CASE",
    description: "Namespace 0 or omitted contributes nothing to the signed string (swarms-and-storage.md §6.1).",
  },
  AllNamespaces: { bugType: "EDGE_CASE", description: 'The all-namespaces form contributes "all".' },
  NegativeNamespace: { bugType: "EDGE_CASE", description: "A negative namespace contributes its '-' sign." },
  ExpiryList: {
    bugType: "EDGE_CASE",
    description: "expire with one expiry per message: the expiries are concatenated before the hashes.",
  },
  RawTokens: {
    bugType: "EDGE_CASE",
    description: "Subaccount tokens enter the signed string as their 36 raw bytes, not hex.",
  },
  MonitorSeconds: {
    bugType: "EDGE_CASE",
    description:
      'monitor.messages signs "MONITOR", the account id in hex, the timestamp in seconds, "1"/"0" and the namespaces joined by ",".',
  },
  EmptyList: { bugType: "EDGE_CASE", description: "A response list is empty and contributes nothing." },
  Unchanged: {
    bugType: "EDGE_CASE",
    description: "An expire response's unchanged entries are hash then expiry, sorted by hash.",
  },
  ModifiedSignature: { bugType: "AUTH_BYPASS", description: "One bit of the signature is flipped: must not verify." },
  TruncatedSignature: { bugType: "AUTH_BYPASS", description: "The signature is 63 bytes: must not verify." },
  WrongKey: { bugType: "BASIC", description: "Verified with another Ed25519 key: must not verify." },
  ModifiedField: {
    bugType: "AUTH_BYPASS",
    description:
      "One field differs from what was signed (message records the signed string of the fields as given): must not verify.",
  },
};
