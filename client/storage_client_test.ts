import assert from "node:assert/strict";
import {
  fromBase64,
  fromHex,
  generateIdentity,
  nobleProvider as provider,
  requestSigningBytes,
  systemRng as rng,
} from "../mod.ts";
import type { ClientNode, NodeAnswer, OnionClient } from "./onion_client.ts";
import { OnionPathError } from "./onion_client.ts";
import { StorageClient } from "./storage_client.ts";

const node = (i: number): ClientNode => ({
  ed25519: String(i).repeat(64),
  x25519: "00".repeat(32),
  http: `http://n${i}`,
});
const NODES = [1, 2, 3, 4, 5].map(node);

/** A fake onion transport: records requests, answers with `answer`. */
function fakeOnion(answer: (dest: ClientNode, req: { method: string; params: Record<string, unknown> }) => unknown) {
  const seen: { dest: ClientNode; method: string; params: Record<string, unknown> }[] = [];
  const onion = {
    request(dest: ClientNode, req: { method: string; params: Record<string, unknown> }): Promise<NodeAnswer> {
      seen.push({ dest, ...req });
      try {
        const body = answer(dest, req);
        return Promise.resolve({ status: 200, body, path: [], ms: 0, attempts: 1 });
      } catch (e) {
        return Promise.reject(e);
      }
    },
  } as unknown as OnionClient;
  return { onion, seen };
}

const swarm = {
  swarm: "00",
  snodes: NODES.map((n) => ({ pubkey_ed25519: n.ed25519, pubkey_x25519: n.x25519, ip: "127.0.0.1", port_https: 1 })),
};

Deno.test('StorageClient.store() with auth signs "store" ‖ ns ‖ timestamp and sends pubkey_ed25519', async () => {
  const id = await generateIdentity({ provider });
  const { onion, seen } = fakeOnion((_d, r) => r.method === "get_swarm" ? swarm : { hash: "h", swarm: {} });
  const client = new StorageClient({ onion, nodes: () => NODES, provider, rng, now: () => 1_700_000_000_000 });
  await client.store(id.sessionId, new Uint8Array([1]), {
    namespace: -21,
    auth: { ed25519Seed: id.ed25519Seed, ed25519Public: id.ed25519Public },
  });
  const p = seen.find((s) => s.method === "store")!.params;
  assert.equal(p.namespace, -21);
  assert.equal(p.pubkey_ed25519, Array.from(id.ed25519Public, (b) => b.toString(16).padStart(2, "0")).join(""));
  const signed = requestSigningBytes({ method: "store", namespace: -21, sigTimestamp: 1_700_000_000_000 });
  assert.ok(await provider.ed25519Verify(id.ed25519Public, signed, fromBase64(p.signature as string)));
});

Deno.test("StorageClient.retrieveFrom(): unsigned without auth; a 03 account signs with the group key alone", async () => {
  const { onion, seen } = fakeOnion((_d, r) => r.method === "get_swarm" ? swarm : { messages: [], more: false });
  const client = new StorageClient({ onion, nodes: () => NODES, provider, rng, now: () => 1_700_000_000_000 });
  const account = "05" + "ab".repeat(32);
  await client.retrieveFrom(account, { namespace: -21 });
  const open = seen.find((s) => s.method === "retrieve")!.params;
  assert.deepEqual(Object.keys(open).sort(), ["namespace", "pubkey"]);
  const seed = new Uint8Array(32).fill(4);
  const groupKey = await provider.ed25519PublicKey(seed);
  const group = "03" + Array.from(groupKey, (b) => b.toString(16).padStart(2, "0")).join("");
  await client.retrieveFrom(group, { auth: { ed25519Seed: seed }, lastHash: "x".repeat(43) });
  const p = seen.filter((s) => s.method === "retrieve")[1].params;
  assert.equal(p.pubkey_ed25519, undefined);
  assert.equal(p.last_hash, "x".repeat(43));
  const signed = requestSigningBytes({ method: "retrieve", namespace: 0, timestamp: p.timestamp as number });
  assert.ok(await provider.ed25519Verify(fromHex(group.slice(2)), signed, fromBase64(p.signature as string)));
});

Deno.test("StorageClient.getSwarm() asks another node when one cannot be reached", async () => {
  let failures = 0;
  const { onion, seen } = fakeOnion((_d, r) => {
    if (r.method === "get_swarm" && failures++ < 2) throw new OnionPathError(502, "down");
    return swarm;
  });
  const client = new StorageClient({ onion, nodes: () => NODES, provider, rng, now: Date.now });
  const s = await client.getSwarm("05" + "cd".repeat(32));
  assert.equal(s.members.length, 5);
  const asked = seen.map((x) => x.dest.ed25519);
  assert.equal(new Set(asked).size, 3, "three different nodes");
});
