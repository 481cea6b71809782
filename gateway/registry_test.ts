import assert from "node:assert/strict";
import {
  advanceRegistry,
  blockSeed,
  formatRegistry,
  type NewRegistryNode,
  parseRegistry,
  type Registry,
  registryDirectory,
  registrySwarms,
} from "./registry.ts";
import { providerByName, toHex, UNASSIGNED_SWARM_ID } from "../mod.ts";

const provider = await providerByName("noble");
const empty: Registry = { height: 0, seed: new Uint8Array(32).fill(9), nodes: [] };

function newNode(i: number): NewRegistryNode {
  const key = new Uint8Array(32).fill(i + 1);
  return {
    ed25519: toHex(key),
    x25519: toHex(key.map((b) => b ^ 0x55)),
    ip: "127.0.0.1",
    httpsPort: 20000 + i,
    omqPort: 30000 + i,
  };
}

Deno.test("advanceRegistry() places 13 nodes in one swarm and splits it when a 14th joins (§3.4 step 3)", async () => {
  const r13 = await advanceRegistry(empty, { add: Array.from({ length: 13 }, (_, i) => newNode(i)) }, provider);
  assert.equal(r13.height, 1);
  assert.equal(registrySwarms(r13).size, 1);
  assert.ok(r13.nodes.every((n) => n.swarm !== UNASSIGNED_SWARM_ID));
  const r14 = await advanceRegistry(r13, { add: [newNode(13)] }, provider);
  const swarms = registrySwarms(r14);
  assert.equal(r14.height, 2);
  assert.equal(swarms.size, 2);
  assert.deepEqual([...swarms.values()].map((m) => m.length).sort(), [7, 7]);
});

Deno.test("advanceRegistry() is deterministic for the same seed and height, and depends on the seed", async () => {
  const add = Array.from({ length: 30 }, (_, i) => newNode(i));
  const a = await advanceRegistry(empty, { add }, provider);
  const b = await advanceRegistry(empty, { add: [...add].reverse() }, provider);
  assert.equal(formatRegistry(a), formatRegistry(b));
  const c = await advanceRegistry({ ...empty, seed: new Uint8Array(32).fill(8) }, { add }, provider);
  assert.notEqual(formatRegistry(a), formatRegistry(c));
});

Deno.test("advanceRegistry() removes nodes and refuses unknown or duplicate changes", async () => {
  const r = await advanceRegistry(empty, { add: Array.from({ length: 7 }, (_, i) => newNode(i)) }, provider);
  const smaller = await advanceRegistry(r, { remove: [newNode(0).ed25519] }, provider);
  assert.equal(smaller.nodes.length, 6);
  await assert.rejects(advanceRegistry(r, { remove: ["ff".repeat(32)] }, provider), /is not listed/);
  await assert.rejects(advanceRegistry(r, { add: [newNode(1)] }, provider), /already listed/);
});

Deno.test("parseRegistry() round-trips formatRegistry() and feeds the directory", async () => {
  const r = await advanceRegistry(empty, { add: Array.from({ length: 8 }, (_, i) => newNode(i)) }, provider);
  const back = parseRegistry(formatRegistry(r));
  assert.deepEqual(back, r);
  const dir = registryDirectory(back, { exclude: newNode(0).ed25519 });
  assert.equal(dir.size, 7);
  assert.equal(dir.get(newNode(1).ed25519)?.zmq, "tcp://127.0.0.1:30001");
  assert.equal(dir.get(newNode(1).ed25519)?.http, "http://127.0.0.1:20001");
});

Deno.test("parseRegistry() names what is wrong", () => {
  const good = JSON.parse(formatRegistry({ ...empty, nodes: [{ ...newNode(0), swarm: 5n }] }));
  // deno-lint-ignore no-explicit-any
  const bad = (edit: (doc: any) => void) => {
    const doc = structuredClone(good);
    edit(doc);
    return JSON.stringify(doc);
  };
  assert.throws(() => parseRegistry("{"), SyntaxError);
  assert.throws(() => parseRegistry(bad((d) => (d.format = "x"))), /format is "x"/);
  assert.throws(() => parseRegistry(bad((d) => (d.height = -1))), /height is -1/);
  assert.throws(() => parseRegistry(bad((d) => (d.nodes[0].ip = "::1"))), /not a dotted-quad/);
  assert.throws(() => parseRegistry(bad((d) => (d.nodes[0].omq_port = 70000))), /omq_port is 70000/);
  assert.throws(() => parseRegistry(bad((d) => (d.nodes[0].swarm = "0x5"))), /swarm "0x5"/);
  assert.throws(() => parseRegistry(bad((d) => (d.nodes[0].x25519 = "00".repeat(32)))), /all zero/);
  assert.throws(() => parseRegistry(bad((d) => (d.nodes[0].extra = 1))), /unknown field "extra"/);
  assert.throws(() => parseRegistry(bad((d) => d.nodes.push(d.nodes[0]))), /listed twice/);
});

Deno.test("blockSeed() refuses a bad seed or height", async () => {
  await assert.rejects(blockSeed(new Uint8Array(31), 0, provider), RangeError);
  await assert.rejects(blockSeed(new Uint8Array(32), -1, provider), RangeError);
});
