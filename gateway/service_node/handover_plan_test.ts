import assert from "node:assert/strict";
import { planHandover } from "./handover_plan.ts";
import type { Registry, RegistryNode } from "../registry.ts";
import { UNASSIGNED_SWARM_ID } from "../../mod.ts";

function node(k: string, swarm: bigint): RegistryNode {
  return { ed25519: k.repeat(64), x25519: "11".repeat(32), ip: "127.0.0.1", httpsPort: 1, omqPort: 2, swarm };
}
function reg(height: number, nodes: RegistryNode[]): Registry {
  return { height, seed: new Uint8Array(32), nodes };
}
const A = "a".repeat(64);

Deno.test("planHandover() sends everything to members that joined my swarm", () => {
  const plan = planHandover(
    reg(1, [node("a", 5n), node("b", 5n)]),
    reg(2, [node("a", 5n), node("b", 5n), node("c", 5n)]),
    A,
  );
  assert.equal(plan.kind, "same_swarm");
  if (plan.kind !== "same_swarm") return;
  assert.deepEqual(plan.newMembers.map((n) => n.ed25519), ["c".repeat(64)]);
  assert.deepEqual(plan.newSwarms, []);
});

Deno.test("planHandover() lists swarms that appeared while I stayed", () => {
  const plan = planHandover(
    reg(1, [node("a", 5n), node("b", 5n)]),
    reg(2, [node("a", 5n), node("b", 9n), node("c", 9n)]),
    A,
  );
  assert.equal(plan.kind, "same_swarm");
  if (plan.kind !== "same_swarm") return;
  assert.deepEqual(plan.newMembers, []);
  assert.deepEqual(plan.newSwarms, [9n]);
});

Deno.test("planHandover() sees a dissolved swarm", () => {
  const plan = planHandover(reg(1, [node("a", 5n), node("b", 7n)]), reg(2, [node("a", 7n), node("b", 7n)]), A);
  assert.deepEqual(plan, { kind: "dissolved" });
});

Deno.test("planHandover() does nothing when I moved to a swarm that still exists, or had none", () => {
  assert.deepEqual(
    planHandover(reg(1, [node("a", 5n), node("b", 7n)]), reg(2, [node("a", 7n), node("b", 5n)]), A),
    { kind: "none" },
  );
  assert.deepEqual(
    planHandover(reg(1, [node("a", UNASSIGNED_SWARM_ID)]), reg(2, [node("a", 5n)]), A),
    { kind: "none" },
  );
  assert.deepEqual(planHandover(reg(1, [node("a", 5n)]), reg(2, [node("a", 5n)]), A), { kind: "none" });
});
