/**
 * The service-node network end to end, as separate processes on 127.0.0.1 (issue 4): 13 nodes
 * (one swarm), then a 14th joins and the chain's algorithm splits the swarm in two. Every client
 * request travels a 3-hop onion path over HTTP then ZeroMQ. Checks: store → replicate → retrieve
 * from every member; clock skew 406 with the node time; the join's rebalancing and hand-over;
 * wrong swarm 421 with the account's swarm and a client that follows it; a killed next hop (502,
 * fast) and a killed swarm member (the client retries another). Every process is stopped in
 * `finally`; every wait is bounded.
 */

import assert from "node:assert/strict";
import { buildOnionRequest, defaultProvider, generateIdentity, swarmFor, systemRng, toBase64, utf8 } from "../mod.ts";
import { type ClientNode, OnionClient } from "../client/onion_client.ts";
import { StorageClient } from "../client/storage_client.ts";
import { registrySwarms } from "../gateway/registry.ts";
import { LocalNetwork } from "./local_network.ts";
import { DAY, type Json, signedRetrieve } from "./_testing.ts";

const provider = await defaultProvider();
/** Bound on waiting for a hand-over to arrive. */
const HANDOVER_WAIT_MS = 15_000;

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

Deno.test({
  name: "service-node network: replicate, 406, join + hand-over, 421 + retry, dead hop and dead member",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const dataDir = await Deno.makeTempDir({ prefix: "allium-nettest-" });
    const net = await LocalNetwork.create({
      nodes: 13,
      dataDir,
      provider,
      nodeFlags: { "registry-poll-ms": "100" },
    });
    try {
      await net.startAll();
      const live = () => net.clientNodes().filter((n) => net.isRunning(net.node(n.ed25519)));
      const onion = new OnionClient({ nodes: live, provider, rng: systemRng, attempts: 5, timeoutMs: 10_000 });
      const storage = new StorageClient({ onion, nodes: live, provider, rng: systemRng, now: Date.now });
      const byKey = (ed: string): ClientNode => net.clientNodes().find((n) => n.ed25519 === ed)!;

      // 20 accounts, one message each, stored before the join.
      const people = await Promise.all(Array.from({ length: 20 }, () => generateIdentity({ provider })));
      const hashes = new Map<string, string>();

      await t.step("store is replicated to every member of the swarm and each one signs it", async () => {
        assert.equal(registrySwarms(net.registry).size, 1);
        for (const p of people) {
          const receipt = await storage.store(p.sessionId, utf8(`for ${p.sessionId}`));
          assert.equal(receipt.confirmedBy.length, 13, `failed at ${receipt.failedAt}`);
          assert.equal(receipt.answer.path.length, 3);
          hashes.set(p.sessionId, receipt.hash);
        }
        // Every member answers a retrieve with the message (ask each one directly).
        const bob = people[0];
        for (const member of net.clientNodes()) {
          const answer = await onion.request(member, await signedRetrieve(bob, { provider }));
          assert.equal(answer.status, 200, JSON.stringify(answer.body));
          assert.deepEqual((answer.body as Json).messages.map((m: Json) => m.hash), [hashes.get(bob.sessionId)]);
        }
      });

      await t.step("clock skew beyond the tolerance → 406 carrying the node time", async () => {
        const member = net.clientNodes()[0];
        const skew = 60_000 + 1_000; // signature window ±60 s (§6.3) + 1 s
        const late = await onion.request(
          member,
          await signedRetrieve(people[0], { provider, timestamp: Date.now() - skew }),
        );
        assert.equal(late.status, 406);
        const m = /\(t=(\d+)\)$/.exec(String(late.body));
        assert.ok(m, String(late.body));
        assert.ok(Math.abs(Number(m[1]) - Date.now()) < 5_000, "the node's time is in the body");
        const early = await onion.request(member, {
          method: "store",
          params: {
            pubkey: people[0].sessionId,
            timestamp: Date.now() + 10_000 + 1_000, // store tolerance now + 10 s (§7.1) + 1 s
            ttl: DAY,
            data: toBase64(utf8("from the future")),
          },
        });
        assert.equal(early.status, 406, JSON.stringify(early.body));
      });

      await t.step("a 14th node joins: the swarm splits and stored messages reach their new holders", async () => {
        await net.join();
        const swarms = registrySwarms(net.registry);
        assert.equal(net.registry.height, 2);
        assert.equal(swarms.size, 2);
        const ids = [...swarms.keys()];
        // Every member of each account's (new) swarm must hold that account's message.
        await waitFor("hand-over to every member", async () => {
          for (const p of people) {
            const owner = swarmFor(p.sessionId, ids)!;
            for (const member of swarms.get(owner)!) {
              const answer = await onion.request(byKey(member.ed25519), await signedRetrieve(p, { provider }));
              if (answer.status !== 200) return false;
              const got = (answer.body as Json).messages.map((m: Json) => m.hash);
              if (!got.includes(hashes.get(p.sessionId))) return false;
            }
          }
          return true;
        }, HANDOVER_WAIT_MS);
      });

      await t.step("wrong swarm → 421 naming the account's swarm; the client follows it", async () => {
        const swarms = registrySwarms(net.registry);
        const ids = [...swarms.keys()];
        const carol = people[1];
        const owner = swarmFor(carol.sessionId, ids)!;
        const other = ids.find((id) => id !== owner)!;
        const wrong = byKey(swarms.get(other)![0].ed25519);
        const answer = await onion.request(wrong, await signedRetrieve(carol, { provider }));
        assert.equal(answer.status, 421);
        const body = answer.body as Json;
        assert.equal(body.swarm, owner.toString(16));
        assert.deepEqual(
          body.snodes.map((s: Json) => s.pubkey_ed25519).sort(),
          swarms.get(owner)!.map((n) => n.ed25519).sort(),
        );
        // A client whose swarm view is stale (from before the split) follows the 421.
        const stale = new StorageClient({ onion, nodes: live, provider, rng: systemRng, now: Date.now });
        const otherMembers = swarms.get(other)!.map((n) => byKey(n.ed25519));
        stale.setSwarm(carol.sessionId, { id: other.toString(16), members: otherMembers });
        const got = await stale.retrieve(carol);
        assert.equal(got.redirects, 1);
        assert.ok(got.messages.some((m) => m.hash === hashes.get(carol.sessionId)));
        assert.ok(swarms.get(owner)!.some((n) => n.ed25519 === got.node.ed25519));
      });

      await t.step("a dead next hop answers 502 within a second; a dead member is skipped", async () => {
        const swarms = registrySwarms(net.registry);
        const dave = people[2];
        const owner = swarmFor(dave.sessionId, [...swarms.keys()])!;
        const members = swarms.get(owner)!;
        const victim = net.node(members[0].ed25519);
        await net.kill(victim);
        // A path with the dead node as the middle hop: the guard's relay to it fails fast.
        const others = live().filter((n) => n.ed25519 !== victim.ed25519);
        const built = await buildOnionRequest({
          path: [others[0], byKey(victim.ed25519), others[1]],
          destination: others[2],
          payload: utf8(JSON.stringify({ method: "info", params: {} })),
          provider,
        });
        const t0 = performance.now();
        const res = await fetch(`${others[0].http}/onion_req/v2`, {
          method: "POST",
          body: built.body as Uint8Array<ArrayBuffer>,
        });
        const took = performance.now() - t0;
        assert.equal(res.status, 502, await res.text());
        assert.ok(took < 1_000, `took ${took} ms`);
        // Dave still reads his message from the surviving members.
        for (let i = 0; i < 5; i++) {
          const got = await storage.retrieve(dave);
          assert.ok(got.messages.some((m) => m.hash === hashes.get(dave.sessionId)));
          assert.notEqual(got.node.ed25519, victim.ed25519);
        }
      });
    } finally {
      await net.stop();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
