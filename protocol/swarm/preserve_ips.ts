/**
 * Keeping a node's last known address across swarm-list updates (swarms-and-storage.md §4.1,
 * oxen-storage-server `preserve_ips` in `snode/swarm.cpp`). oxend reports a node it has no
 * address for as `0.0.0.0` with both ports 0; the storage server then keeps the previous
 * address rather than forgetting how to reach the node.
 *
 * @module
 */

/** The address oxend reports for a node whose address it does not know (§4.1). */
const UNKNOWN_IP = "0.0.0.0";

/** Where a service node can be reached, as published by `get_service_nodes`. */
export interface NodeAddress {
  /** IPv4 address in dotted-quad text. */
  readonly ip: string;
  /** HTTPS storage port (`storage_port`). */
  readonly httpsPort: number;
  /** OxenMQ / QUIC port (`storage_lmq_port`, the reference's `omq_quic_port`). */
  readonly omqPort: number;
}

/**
 * The address to keep for a node after a swarm-list update (swarms-and-storage.md §4.1): the
 * incoming one, unless it is the "unknown" record (`0.0.0.0`, both ports 0) and the previous
 * record was complete (ip not `0.0.0.0` and both ports non-zero), in which case the previous one.
 *
 * @param previous the node's record in the previous list, or `undefined` when it was not listed
 * @param incoming the node's record in the new list
 * @returns `previous` or `incoming` (the object itself, not a copy)
 * @throws {TypeError} when a record lacks a string `ip` or numeric ports
 * @example
 * ```ts
 * import { preserveIps } from "./preserve_ips.ts";
 * const old = { ip: "1.1.1.1", httpsPort: 123, omqPort: 456 };
 * const kept = preserveIps(old, { ip: "0.0.0.0", httpsPort: 0, omqPort: 0 });
 * if (kept !== old) throw new Error("bad");
 * ```
 */
export function preserveIps<T extends NodeAddress>(previous: T | undefined, incoming: T): T {
  checkAddress(incoming, "incoming");
  if (previous === undefined || !isUnknown(incoming)) return incoming;
  checkAddress(previous, "previous");
  // The reference copies the old address only when none of its three fields is unset.
  const complete = previous.ip !== UNKNOWN_IP && previous.httpsPort !== 0 && previous.omqPort !== 0;
  return complete ? previous : incoming;
}

/** oxend's "no address known" record: ip `0.0.0.0` and both ports 0. */
function isUnknown(a: NodeAddress): boolean {
  return a.ip === UNKNOWN_IP && a.httpsPort === 0 && a.omqPort === 0;
}

function checkAddress(a: NodeAddress, what: string): void {
  if (
    a === null || typeof a !== "object" || typeof a.ip !== "string" || typeof a.httpsPort !== "number" ||
    typeof a.omqPort !== "number"
  ) {
    throw new TypeError(`Cannot preserve node address: ${what} record needs a string ip and numeric ports`);
  }
}
