/**
 * The messenger on a local network (6 service-node processes and the file app; every request on
 * a 3-hop onion path): a 50-message ratcheted conversation read out of order with one message
 * lost; a tampered ciphertext rejected with nothing stored; a recipient without a bundle; a
 * one-time prekey used by two senders; and an unreachable network. One network for all steps,
 * stopped in `finally`.
 */

import assert from "node:assert/strict";
import { generateIdentity, systemRng as rng } from "../mod.ts";
import type { MessengerEvent } from "./content.ts";
import { PreKeyReusedError, SwarmUnreachableError, TamperedMessageError, UnknownRecipientError } from "./errors.ts";
import { identityOf } from "./identity_keys.ts";
import type { Messenger } from "./messenger.ts";
import { OnionPathError } from "./onion_client.ts";
import type { MessageStorage } from "./transport.ts";
import { openDirect, sealDirect } from "./wire.ts";
import { person, shuffled, startNetwork, stopNetwork } from "./_network_testing.ts";

function texts(events: readonly MessengerEvent[]): string[] {
  return events.flatMap((e) => e.type === "message" ? [e.text] : []);
}

function errorsOf(events: readonly MessengerEvent[]) {
  return events.flatMap((e) => e.type === "error" ? [e.error] : []);
}

/** A storage that silently drops the stores `drop` selects (the message is "lost" in transit). */
function lossy(inner: MessageStorage, drop: (account: string, namespace: number) => boolean): MessageStorage {
  return {
    store: (account, data, options) =>
      drop(account, options?.namespace ?? 0) ? Promise.resolve({ hash: "lost" }) : inner.store(account, data, options),
    retrieveFrom: (account, options) => inner.retrieveFrom(account, options),
  };
}

/** Read the inbox with the raw hook: fetch, process shuffled, then advance the cursor in order. */
async function readShuffled(m: Messenger): Promise<MessengerEvent[]> {
  const items = await m.fetchMailbox();
  const events = await m.processMailbox(m.sessionId, shuffled(items));
  await m.processMailbox(m.sessionId, items, { advanceCursor: true }); // all processed: only moves the cursor
  return events;
}

Deno.test({
  name: "Messenger over onion paths: conversation, tampering, unknown recipient, prekey reuse, unreachable swarm",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const net = await startNetwork();
    try {
      await t.step("a 50-message ratcheted conversation, read reordered, with one message lost", async () => {
        let toBob = 0;
        const LOST = 20; // Alice's 21st message to Bob: the first of her second sending chain
        const bob = await person(net, "bob");
        const alice = await person(net, "alice", {
          wrapStorage: (s) =>
            lossy(s, (account, ns) => account === bob.messenger.sessionId && ns === 0 && toBob++ === LOST),
        });
        const a = alice.messenger, b = bob.messenger;
        const sent = { toBob: [] as string[], toAlice: [] as string[] };
        const say = async (from: Messenger, to: Messenger, list: string[], n: number) => {
          for (let i = 0; i < n; i++) {
            const text = `${from.name} #${list.length + 1}`;
            list.push(text);
            await from.send(to.sessionId, text);
          }
        };
        await say(a, b, sent.toBob, 20); // chain A1 (prekey messages)
        const r1 = await readShuffled(b);
        await say(b, a, sent.toAlice, 10); // chain B1
        const r2 = await readShuffled(a);
        await say(a, b, sent.toBob, 15); // chain A2, its first message lost
        await say(b, a, sent.toAlice, 5); // still B1: Bob has not seen A2 yet
        const r3 = await readShuffled(a);
        const r4 = await readShuffled(b);
        assert.equal(sent.toBob.length + sent.toAlice.length, 50);
        for (const r of [r1, r2, r3, r4]) assert.deepEqual(errorsOf(r), []);
        const lost = sent.toBob[LOST];
        assert.deepEqual(
          [...texts(r1), ...texts(r4)].sort(),
          sent.toBob.filter((x) => x !== lost).sort(),
          "Bob read every message but the lost one, exactly once",
        );
        assert.deepEqual([...texts(r2), ...texts(r3)].sort(), [...sent.toAlice].sort());
        assert.equal(bob.state.messages(b.sessionId).filter((m) => m.direction === "in").length, 34);
        assert.deepEqual(await b.receive(), [], "nothing is read twice");
        // The conversation goes on after the loss.
        await a.send(b.sessionId, "still there?");
        assert.deepEqual(texts(await b.receive()), ["still there?"]);
      });

      await t.step("a tampered ciphertext is rejected with a clear error and nothing is stored", async () => {
        // Alice's first (prekey) message to Bob is held back, then a copy with a flipped ciphertext byte is stored.
        let hold = true;
        let held: Uint8Array | undefined;
        const alice = await person(net, "alice2", {
          wrapStorage: (inner) => ({
            store: (account, data, options) => {
              if (!hold || (options?.namespace ?? 0) !== 0) return inner.store(account, data, options);
              held = data;
              hold = false;
              return Promise.resolve({ hash: "held" });
            },
            retrieveFrom: (account, options) => inner.retrieveFrom(account, options),
          }),
        });
        const bob = await person(net, "bob2");
        const a = alice.messenger, b = bob.messenger;
        const bobKeys = await identityOf(bob.state.identity("bob2")!, net.provider);
        const real = alice.options.storage;
        await a.send(b.sessionId, "the real text");
        const env = openDirect(held!, bobKeys);
        const body = env.body.slice();
        body[body.length - 12] ^= 0x01; // inside the SignalMessage's AES-CBC ciphertext
        await real.store(b.sessionId, sealDirect({ ...env, body }, { recipient: bobKeys.x25519Public, rng }));

        const before = bob.state.snapshot();
        const events = await b.receive();
        assert.deepEqual(texts(events), []);
        const [err] = errorsOf(events);
        assert.ok(err instanceof TamperedMessageError);
        assert.match(err.message, /^Cannot read message \S+ from 05[0-9a-f]{8}….*does not verify.*nothing was kept$/);
        assert.deepEqual(bob.state.snapshot(), before, "no session, prekey, message or cursor changed");

        await real.store(b.sessionId, held!); // the genuine message still decrypts
        const again = await b.receive();
        assert.deepEqual(texts(again), ["the real text"]);
        assert.ok(errorsOf(again).every((e) => e instanceof TamperedMessageError));
      });

      await t.step("a Session ID that published no bundle is an UnknownRecipientError", async () => {
        const { messenger } = await person(net, "alice3");
        const stranger = await generateIdentity({ provider: net.provider });
        await assert.rejects(messenger.send(stranger.sessionId, "hello?"), (e) => {
          assert.ok(e instanceof UnknownRecipientError);
          assert.match(e.message, /has published no pre-key bundle/);
          return true;
        });
        await assert.rejects(messenger.send("nobody", "hello?"), UnknownRecipientError);
      });

      await t.step("two senders using the same one-time prekey: within the grace period both are read", async () => {
        const first = (b: { oneTimePreKeys: readonly unknown[] }) => b.oneTimePreKeys.length > 0 ? 0 : undefined;
        const alice = (await person(net, "alice6", { choosePreKey: first })).messenger;
        const carol = (await person(net, "carol6", { choosePreKey: first })).messenger;
        const bob = (await person(net, "bob6")).messenger;
        await alice.send(bob.sessionId, "from alice");
        await carol.send(bob.sessionId, "from carol");
        const r = await bob.receive();
        assert.deepEqual(texts(r).sort(), ["from alice", "from carol"]);
        assert.deepEqual(errorsOf(r), []);
      });

      await t.step("…and after it (here: none) the second is asked to resend", async () => {
        const first = (b: { oneTimePreKeys: readonly unknown[] }) => b.oneTimePreKeys.length > 0 ? 0 : undefined;
        const alice = (await person(net, "alice4", { choosePreKey: first })).messenger;
        const carol = (await person(net, "carol4", { choosePreKey: first })).messenger;
        const bob = (await person(net, "bob4", { preKeyGraceMs: 0 })).messenger;
        await alice.send(bob.sessionId, "from alice");
        await carol.send(bob.sessionId, "from carol");
        const r1 = await bob.receive();
        assert.deepEqual(texts(r1), ["from alice"]);
        const [err] = errorsOf(r1);
        assert.ok(err instanceof PreKeyReusedError && err.resendRequested && err.sender === carol.sessionId);
        assert.equal((await carol.receive()).filter((e) => e.type === "resent").length, 1);
        const r2 = await bob.receive();
        assert.deepEqual(texts(r2), ["from carol"]);
        assert.deepEqual(errorsOf(r2), []);
      });

      await t.step("an unreachable network is a SwarmUnreachableError", async () => {
        const { messenger } = await person(net, "alice5");
        const bob = (await person(net, "bob5")).messenger;
        await net.net.stop();
        await assert.rejects(messenger.send(bob.sessionId, "anyone?"), (e) => {
          assert.ok(e instanceof SwarmUnreachableError);
          assert.ok(e.cause instanceof OnionPathError);
          return true;
        });
      });
    } finally {
      await stopNetwork(net);
    }
  },
});
