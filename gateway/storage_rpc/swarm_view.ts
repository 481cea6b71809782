/**
 * What the storage-RPC handlers know about the network (swarms-and-storage.md §2, §4.1, §7.4): the
 * active swarms and their members at one block, this node's own record and swarm, and the JSON
 * node list of `get_swarm` and of 421 answers (`swarm_to_json` in the reference's
 * `request_handler.cpp`).
 *
 * @module
 */

import { swarmFor } from "../../protocol/swarm/swarm_space.ts";
import { toBase32z } from "../../protocol/storage/base32z.ts";
import { fromHex } from "../../protocol/bytes.ts";

/** One service node as the swarm list describes it; keys are lower-case hex. */
export interface SwarmNode {
  /** Ed25519 key (64 hex): the node's identity in responses. */
  readonly ed25519: string;
  /** X25519 key (64 hex): the OxenMQ transport key. */
  readonly x25519: string;
  /** Legacy primary key (64 hex). */
  readonly legacy: string;
  /** IPv4 address; `0.0.0.0` when unknown. */
  readonly ip: string;
  /** HTTPS port. */
  readonly httpsPort: number;
  /** OxenMQ / QUIC port. */
  readonly omqPort: number;
}

/** The network at one block. */
export interface SwarmSnapshot {
  /** Active swarm ids, ascending. */
  readonly swarmIds: readonly bigint[];
  /** Members of a swarm (empty for an unknown id). */
  members(swarmId: bigint): readonly SwarmNode[];
  /** This node. */
  readonly self: SwarmNode;
  /** This node's swarm; undefined when it is in none (decommissioned / not yet assigned). */
  readonly ownSwarmId: bigint | undefined;
}

/** Swarm id the reference reports when there is no swarm (swarms-and-storage.md §1.3). */
export const INVALID_SWARM_ID: bigint = 0xffff_ffff_ffff_ffffn;
/** Suffix of the deprecated `address` field (swarms-and-storage.md §7.4). */
const SNODE_SUFFIX = ".snode";

/**
 * Build a snapshot from a map of swarm id → members. The node's own swarm is the one whose member
 * list contains a node with the same Ed25519 key (swarms-and-storage.md §4.1).
 *
 * @param swarms swarm id → members (ids `0 … 2^64-2`)
 * @param self this node
 * @returns the snapshot
 * @throws {RangeError} on a swarm id outside `0 … 2^64-2`
 * @example
 * ```ts
 * import { snapshotFromMap } from "./swarm_view.ts";
 * const node = { ed25519: "aa".repeat(32), x25519: "bb".repeat(32), legacy: "cc".repeat(32), ip: "1.2.3.4", httpsPort: 443, omqPort: 22020 };
 * const snap = snapshotFromMap(new Map([[5n, [node]]]), node);
 * if (snap.ownSwarmId !== 5n || snap.members(5n).length !== 1 || snap.members(6n).length !== 0) throw new Error("bad");
 * ```
 */
export function snapshotFromMap(swarms: ReadonlyMap<bigint, readonly SwarmNode[]>, self: SwarmNode): SwarmSnapshot {
  const copy = new Map<bigint, readonly SwarmNode[]>();
  let own: bigint | undefined;
  for (const [id, nodes] of swarms) {
    if (typeof id !== "bigint" || id < 0n || id >= INVALID_SWARM_ID) {
      throw new RangeError(`Cannot build swarm snapshot: swarm id "${String(id)}" is out of range`);
    }
    const members = Object.freeze([...nodes]);
    copy.set(id, members);
    if (members.some((n) => n.ed25519 === self.ed25519)) own = id;
  }
  const swarmIds = Object.freeze([...copy.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  const none: readonly SwarmNode[] = Object.freeze([]);
  return Object.freeze({
    swarmIds,
    members: (id: bigint) => copy.get(id) ?? none,
    self,
    ownSwarmId: own,
  });
}

/**
 * The swarm that owns an account in a snapshot (swarms-and-storage.md §2.2).
 *
 * @param snapshot the network
 * @param accountHex 66-hex account id
 * @returns the swarm id, or undefined when there are no swarms
 * @example
 * ```ts
 * import { snapshotFromMap, swarmOf } from "./swarm_view.ts";
 * const node = { ed25519: "aa".repeat(32), x25519: "bb".repeat(32), legacy: "cc".repeat(32), ip: "1.2.3.4", httpsPort: 443, omqPort: 22020 };
 * if (swarmOf(snapshotFromMap(new Map([[7n, [node]]]), node), "05" + "00".repeat(32)) !== 7n) throw new Error("bad");
 * ```
 */
export function swarmOf(snapshot: SwarmSnapshot, accountHex: string): bigint | undefined {
  return swarmFor(accountHex, snapshot.swarmIds);
}

/**
 * Whether this node's swarm owns the account (`is_pubkey_for_us`); false when the node is in no swarm.
 *
 * @param snapshot the network
 * @param accountHex 66-hex account id
 * @returns true when the account maps to this node's swarm
 * @example
 * ```ts
 * import { isAccountForUs, snapshotFromMap } from "./swarm_view.ts";
 * const node = { ed25519: "aa".repeat(32), x25519: "bb".repeat(32), legacy: "cc".repeat(32), ip: "1.2.3.4", httpsPort: 443, omqPort: 22020 };
 * if (!isAccountForUs(snapshotFromMap(new Map([[7n, [node]]]), node), "05" + "00".repeat(32))) throw new Error("bad");
 * ```
 */
export function isAccountForUs(snapshot: SwarmSnapshot, accountHex: string): boolean {
  return snapshot.ownSwarmId !== undefined && swarmOf(snapshot, accountHex) === snapshot.ownSwarmId;
}

/** One node of a get_swarm / 421 node list (keys as the reference emits them; a type, so it is a plain record). */
export type SwarmNodeJson = {
  address: string;
  ip: string;
  port: string;
  port_https: number;
  port_omq: number;
  port_quic: number;
  pubkey_ed25519: string;
  pubkey_legacy: string;
  pubkey_x25519: string;
};

/**
 * A node as get_swarm lists it (swarms-and-storage.md §7.4): `address` (z-base-32 of the legacy
 * key + `.snode`), the three keys, `port` (HTTPS port as a string), `port_https`, `port_omq`,
 * `port_quic` (= `port_omq`) and `ip`.
 *
 * @param node the node
 * @returns its JSON object
 * @example
 * ```ts
 * import { nodeToJson } from "./swarm_view.ts";
 * const j = nodeToJson({ ed25519: "aa".repeat(32), x25519: "bb".repeat(32), legacy: "00".repeat(32), ip: "1.2.3.4", httpsPort: 443, omqPort: 22020 });
 * if (j.address !== "y".repeat(52) + ".snode" || j.port !== "443" || j.port_quic !== 22020) throw new Error("bad");
 * ```
 */
export function nodeToJson(node: SwarmNode): SwarmNodeJson {
  return {
    address: toBase32z(fromHex(node.legacy)) + SNODE_SUFFIX,
    ip: node.ip,
    port: String(node.httpsPort),
    port_https: node.httpsPort,
    port_omq: node.omqPort,
    port_quic: node.omqPort,
    pubkey_ed25519: node.ed25519,
    pubkey_legacy: node.legacy,
    pubkey_x25519: node.x25519,
  };
}

/**
 * The `{"snodes", "swarm"}` part of get_swarm and 421 answers for the swarm that owns an
 * account: swarm id in lower-case hex without `0x`; `ffffffffffffffff` and an empty list when
 * there is no swarm.
 *
 * @param snapshot the network
 * @param accountHex 66-hex account id
 * @returns the object (the caller adds `t` and `hf`)
 * @example
 * ```ts
 * import { snapshotFromMap, swarmToJson } from "./swarm_view.ts";
 * const node = { ed25519: "aa".repeat(32), x25519: "bb".repeat(32), legacy: "cc".repeat(32), ip: "1.2.3.4", httpsPort: 443, omqPort: 22020 };
 * const none = swarmToJson(snapshotFromMap(new Map(), node), "05" + "00".repeat(32));
 * if (none.swarm !== "ffffffffffffffff" || none.snodes.length !== 0) throw new Error("bad");
 * const one = swarmToJson(snapshotFromMap(new Map([[255n, [node]]]), node), "05" + "00".repeat(32));
 * if (one.swarm !== "ff" || one.snodes.length !== 1) throw new Error("bad");
 * ```
 */
export function swarmToJson(
  snapshot: SwarmSnapshot,
  accountHex: string,
): { snodes: SwarmNodeJson[]; swarm: string } {
  const id = swarmOf(snapshot, accountHex);
  if (id === undefined) return { snodes: [], swarm: INVALID_SWARM_ID.toString(16) };
  return { snodes: snapshot.members(id).map(nodeToJson), swarm: id.toString(16) };
}
