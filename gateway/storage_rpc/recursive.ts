/**
 * The entry node's side of a recursive request (swarms-and-storage.md §4.3; the reference's
 * `distribute_command` and `reply_or_fail`): send the request to every other member of the swarm
 * before applying it locally, turn each peer's reply into its entry of `"swarm"`, and pick the
 * overall status.
 *
 * | peer reply | entry |
 * | --- | --- |
 * | one frame, a bencoded dict | the dict as JSON (byte strings as text, `signature` base64) |
 * | one frame, anything else | `{"failed": true, "bad_peer_response": true}` |
 * | two frames `[code, reason]` | `{"failed": true, "code": "<code>", "reason": "<reason>"}` (both strings, as the reference) |
 * | any other frame count | `{"failed": true, "bad_peer_response": true}` |
 * | no reply in time / unreachable | `{"failed": true, "timeout": true}` |
 *
 * @module
 */

import { bdecode } from "../../protocol/onion/bencode.ts";
import { isBDict } from "../../protocol/storage/params_fields.ts";
import { fromPeerDict, type ResultObject } from "./result_value.ts";
import type { PeerReply, SwarmPeers } from "./peers.ts";
import type { SwarmNode } from "./swarm_view.ts";

/** HTTP status when at least one member succeeded (§4.3). */
export const STATUS_OK = 200;
/** HTTP status when every member failed (§4.3, §12). */
export const STATUS_ALL_FAILED = 500;
/** HTTP status of a store that every member failed, at least one for lack of space (hardening.md §3). */
export const STATUS_STORAGE_FULL = 507;
/** HTTP status of `delete` with `required` when no member deleted anything (§7.5). */
export const STATUS_NOT_FOUND = 404;

const LENIENT_UTF8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/**
 * Start forwarding to every member of the swarm except this node (all requests are sent before
 * the caller applies the request locally).
 *
 * @param peers transport
 * @param request the swarm's `members`, `self` (skipped), `method`, bencoded `params` and per-peer `timeoutMs`
 * @returns one pending `[peer, reply]` per other member
 * @example
 * ```ts
 * import { forwardToSwarm } from "./recursive.ts";
 * import { LoopbackPeers } from "./peers.ts";
 * const n = (k: string) => ({ ed25519: k, x25519: "", legacy: "", ip: "", httpsPort: 0, omqPort: 0 });
 * const pending = forwardToSwarm(new LoopbackPeers(), {
 *   members: [n("a"), n("b")], self: n("a"), method: "store", params: new Uint8Array(0), timeoutMs: 10,
 * });
 * const [[peer, reply]] = await Promise.all(pending);
 * if (pending.length !== 1 || peer.ed25519 !== "b" || reply.kind !== "timeout") throw new Error("bad");
 * ```
 */
export function forwardToSwarm(
  peers: SwarmPeers,
  request: {
    members: readonly SwarmNode[];
    self: SwarmNode;
    method: string;
    params: Uint8Array;
    timeoutMs: number;
  },
): Promise<[SwarmNode, PeerReply]>[] {
  return request.members
    .filter((m) => m.ed25519 !== request.self.ed25519)
    .map(async (peer): Promise<[SwarmNode, PeerReply]> => {
      let reply: PeerReply;
      try {
        reply = await peers.forward(peer, request.method, request.params, { timeoutMs: request.timeoutMs });
      } catch {
        reply = { kind: "timeout" }; // a transport that rejects is treated as unreachable
      }
      return [peer, reply];
    });
}

/**
 * A peer's entry in the merged `"swarm"` object (see the module table).
 *
 * @param reply what the forward produced
 * @returns the entry
 * @example
 * ```ts
 * import { peerResult } from "./recursive.ts";
 * const e = peerResult({ kind: "reply", parts: [new TextEncoder().encode("406"), new TextEncoder().encode("late")] });
 * if (e.failed !== true || e.code !== "406" || e.reason !== "late") throw new Error("bad");
 * ```
 */
export function peerResult(reply: PeerReply): ResultObject {
  if (reply.kind === "timeout") return { failed: true, timeout: true };
  if (reply.parts.length === 1) {
    try {
      const v = bdecode(reply.parts[0]);
      if (isBDict(v)) return fromPeerDict(v);
    } catch {
      // unparsable: reported below
    }
    return { failed: true, bad_peer_response: true };
  }
  if (reply.parts.length === 2) {
    return { failed: true, code: LENIENT_UTF8.decode(reply.parts[0]), reason: LENIENT_UTF8.decode(reply.parts[1]) };
  }
  return { failed: true, bad_peer_response: true };
}

/**
 * The overall status of a recursive request: 200 when at least one member's entry has no
 * `failed` key; otherwise 507 for a store where some member reported `query_failure` (storage
 * full, hardening.md §3), else 500.
 *
 * @param swarm entries by Ed25519 key
 * @param method the request's method
 * @returns the status
 * @example
 * ```ts
 * import { swarmStatus } from "./recursive.ts";
 * if (swarmStatus({ a: { failed: true, timeout: true }, b: { hash: "h" } }, "store") !== 200) throw new Error("bad");
 * if (swarmStatus({ a: { failed: true, query_failure: true } }, "store") !== 507) throw new Error("bad");
 * if (swarmStatus({ a: { failed: true, timeout: true } }, "delete") !== 500) throw new Error("bad");
 * ```
 */
export function swarmStatus(swarm: Readonly<Record<string, ResultObject>>, method: string): number {
  const entries = Object.values(swarm);
  if (entries.some((e) => !Object.hasOwn(e, "failed"))) return STATUS_OK;
  if (method === "store" && entries.some((e) => e.query_failure === true)) return STATUS_STORAGE_FULL;
  return STATUS_ALL_FAILED;
}

/**
 * `delete` with `required: true`: 404 instead of 200 when no entry has a non-empty `deleted`.
 *
 * @param status the status so far
 * @param swarm entries by Ed25519 key
 * @returns the status to answer with
 * @example
 * ```ts
 * import { requiredDeleteStatus } from "./recursive.ts";
 * if (requiredDeleteStatus(200, { a: { deleted: [] } }) !== 404) throw new Error("bad");
 * if (requiredDeleteStatus(200, { a: { deleted: ["h"] } }) !== 200) throw new Error("bad");
 * ```
 */
export function requiredDeleteStatus(status: number, swarm: Readonly<Record<string, ResultObject>>): number {
  if (status !== STATUS_OK) return status;
  const deletedSome = Object.values(swarm).some((e) => Array.isArray(e.deleted) && e.deleted.length > 0);
  return deletedSome ? status : STATUS_NOT_FOUND;
}
