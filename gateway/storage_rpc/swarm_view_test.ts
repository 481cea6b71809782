import assert from "node:assert/strict";
import {
  INVALID_SWARM_ID,
  isAccountForUs,
  nodeToJson,
  snapshotFromMap,
  type SwarmNode,
  swarmOf,
  swarmToJson,
} from "./swarm_view.ts";

const n = (k: string, ip = "10.1.1.1"): SwarmNode => ({
  ed25519: k.repeat(32),
  x25519: "ee".repeat(32),
  legacy: "0123456789abcdef".repeat(4),
  ip,
  httpsPort: 22021,
  omqPort: 22020,
});
const at = (pos: bigint) => "05" + "00".repeat(24) + pos.toString(16).padStart(16, "0");

Deno.test("snapshotFromMap() sorts swarm ids and finds the node's own swarm", () => {
  const self = n("aa");
  const snap = snapshotFromMap(new Map([[300n, [n("bb")]], [100n, [n("cc"), self]]]), self);
  assert.deepEqual(snap.swarmIds, [100n, 300n]);
  assert.equal(snap.ownSwarmId, 100n);
  assert.equal(snap.members(100n).length, 2);
  assert.deepEqual(snap.members(5n), []);
  const outside = snapshotFromMap(new Map([[300n, [n("bb")]]]), self);
  assert.equal(outside.ownSwarmId, undefined);
  assert.ok(!isAccountForUs(outside, at(300n)), "a node in no swarm owns nothing");
  assert.throws(() => snapshotFromMap(new Map([[INVALID_SWARM_ID, []]]), self), RangeError);
  assert.throws(() => snapshotFromMap(new Map([[-1n, []]]), self), RangeError);
});

Deno.test("swarmOf() and isAccountForUs() map accounts to the nearest swarm (§2.2)", () => {
  const self = n("aa");
  const snap = snapshotFromMap(new Map([[100n, [self]], [200n, [n("bb")]]]), self);
  assert.equal(swarmOf(snap, at(150n)), 100n, "a tie goes left");
  assert.equal(swarmOf(snap, at(151n)), 200n);
  assert.ok(isAccountForUs(snap, at(149n)));
  assert.ok(!isAccountForUs(snap, at(199n)));
});

Deno.test("nodeToJson() writes the §7.4 fields with the reference's types", () => {
  const j = nodeToJson(n("aa"));
  assert.deepEqual(j, {
    address: "yrtwk3hjixg66yjdeiuauk6p7hy1gtm8tgih55abrpnsxnpm3zzo.snode",
    ip: "10.1.1.1",
    port: "22021",
    port_https: 22021,
    port_omq: 22020,
    port_quic: 22020,
    pubkey_ed25519: "aa".repeat(32),
    pubkey_legacy: "0123456789abcdef".repeat(4),
    pubkey_x25519: "ee".repeat(32),
  });
});

Deno.test("swarmToJson() gives the account's swarm, or ffffffffffffffff and no nodes", () => {
  const self = n("aa");
  const snap = snapshotFromMap(new Map([[0n, [self]], [0xabcn, [n("bb"), n("cc")]]]), self);
  assert.deepEqual(swarmToJson(snap, at(0xabcn)).swarm, "abc");
  assert.equal(swarmToJson(snap, at(0xabcn)).snodes.length, 2);
  assert.equal(swarmToJson(snap, at(1n)).swarm, "0");
  const empty = swarmToJson(snapshotFromMap(new Map(), self), at(1n));
  assert.deepEqual(empty, { snodes: [], swarm: "ffffffffffffffff" });
});
