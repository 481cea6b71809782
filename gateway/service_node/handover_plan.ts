/**
 * What a node hands over when the registry changes (swarms-and-storage.md §4.1): compare the
 * node's swarm in the previous and the next registry and decide which stored messages go to whom.
 *
 * | change seen by this node | hand-over |
 * | --- | --- |
 * | same swarm, new members | every stored message to each new member |
 * | same swarm, new swarm ids appeared | each message whose owner is a new swarm, to that swarm's members |
 * | own swarm id no longer exists (dissolved) | every message to the members of its current owning swarm |
 * | moved to another existing swarm, or not in a swarm | nothing |
 *
 * Messages are not deleted after a hand-over; they expire as usual.
 *
 * @module
 */

import { UNASSIGNED_SWARM_ID } from "../../mod.ts";
import { type Registry, type RegistryNode, registrySwarms } from "../registry.ts";

/** The hand-over a registry change calls for. */
export type HandoverPlan =
  /** Nothing to send. */
  | { readonly kind: "none" }
  /**
   * Still in the same swarm: send everything to `newMembers`, and messages owned by one of
   * `newSwarms` to that swarm's members.
   */
  | { readonly kind: "same_swarm"; readonly newMembers: readonly RegistryNode[]; readonly newSwarms: readonly bigint[] }
  /** The node's swarm was dissolved: send every message to its current owning swarm. */
  | { readonly kind: "dissolved" };

/**
 * Decide the hand-over for `self` when the registry goes from `previous` to `next` (§4.1).
 *
 * @param previous the registry before the change
 * @param next the registry after it
 * @param self this node's Ed25519 key (lower-case hex)
 * @returns the plan
 * @example A new member joins my swarm
 * ```ts
 * import { planHandover } from "./handover_plan.ts";
 * const node = (k: string, swarm: bigint) => ({ ed25519: k.repeat(64), x25519: "11".repeat(32), ip: "127.0.0.1", httpsPort: 1, omqPort: 2, swarm });
 * const before = { height: 1, seed: new Uint8Array(32), nodes: [node("a", 5n), node("b", 5n)] };
 * const after = { height: 2, seed: new Uint8Array(32), nodes: [node("a", 5n), node("b", 5n), node("c", 5n)] };
 * const plan = planHandover(before, after, "a".repeat(64));
 * if (plan.kind !== "same_swarm" || plan.newMembers[0].ed25519 !== "c".repeat(64)) throw new Error("bad");
 * ```
 */
export function planHandover(previous: Registry, next: Registry, self: string): HandoverPlan {
  const before = previous.nodes.find((n) => n.ed25519 === self)?.swarm ?? UNASSIGNED_SWARM_ID;
  const after = next.nodes.find((n) => n.ed25519 === self)?.swarm ?? UNASSIGNED_SWARM_ID;
  if (before === UNASSIGNED_SWARM_ID) return { kind: "none" }; // nothing of ours to protect
  const oldSwarms = registrySwarms(previous);
  const newSwarms = registrySwarms(next);
  if (!newSwarms.has(before)) return { kind: "dissolved" };
  if (after !== before) return { kind: "none" }; // moved to a swarm that still exists
  const oldMembers = new Set((oldSwarms.get(before) ?? []).map((n) => n.ed25519));
  const newMembers = (newSwarms.get(after) ?? []).filter((n) => !oldMembers.has(n.ed25519) && n.ed25519 !== self);
  const appeared = [...newSwarms.keys()].filter((id) => !oldSwarms.has(id));
  if (newMembers.length === 0 && appeared.length === 0) return { kind: "none" };
  return { kind: "same_swarm", newMembers, newSwarms: appeared };
}
