/**
 * The messenger against in-memory swarms (client/_memory_storage.ts): fast checks of every path
 * the network tests also take, plus the failure cases that are awkward to stage on a network.
 */

import assert from "node:assert/strict";
import { defaultProvider, systemRng as rng } from "../mod.ts";
import { MemoryFiles, MemoryStorage } from "./_memory_storage.ts";
import { Messenger, type MessengerOptions } from "./messenger.ts";
import { ClientState } from "./state.ts";
import type { MessengerEvent } from "./content.ts";
import {
  MessengerError,
  PreKeyReusedError,
  SwarmUnreachableError,
  TamperedMessageError,
  UnknownRecipientError,
} from "./errors.ts";
import { OnionPathError } from "./onion_client.ts";
import { openDirect, sealDirect } from "./wire.ts";
import { identityOf } from "./identity_keys.ts";
import { PREKEY_BUNDLE_NAMESPACE } from "./bundle.ts";

const provider = await defaultProvider();

interface World {
  storage: MemoryStorage;
  files: MemoryFiles;
  states: ClientState[];
}

function world(): World {
  return { storage: new MemoryStorage(), files: new MemoryFiles(), states: [] };
}

async function person(w: World, name: string, extra: Partial<MessengerOptions> = {}): Promise<Messenger> {
  const state = ClientState.open(":memory:");
  w.states.push(state);
  const options: MessengerOptions = {
    state,
    storage: w.storage,
    files: w.files,
    fileServer: { origin: "http://127.0.0.1:1", x25519: "11".repeat(32) },
    provider,
    rng,
    now: Date.now,
    oneTimePreKeys: 5,
    ...extra,
  };
  const m = await Messenger.create(options, name);
  await m.publishBundle();
  return m;
}

function close(w: World): void {
  for (const s of w.states) s.close();
}

function texts(events: readonly MessengerEvent[]): string[] {
  return events.flatMap((e) => e.type === "message" || e.type === "group-message" ? [e.text] : []);
}

function errors(events: readonly MessengerEvent[]): MessengerError[] {
  return events.flatMap((e) => e.type === "error" ? [e.error] : []);
}

Deno.test("Messenger: a ratcheted conversation both ways, each message read once", async () => {
  const w = world();
  try {
    const alice = await person(w, "alice");
    const bob = await person(w, "bob");
    await alice.send(bob.sessionId, "hello bob");
    await alice.send(bob.sessionId, "are you there?");
    const got = await bob.receive();
    assert.deepEqual(texts(got), ["hello bob", "are you there?"]);
    assert.ok(got.every((e) => e.type !== "message" || e.from === alice.sessionId));
    await bob.send(alice.sessionId, "hi alice");
    assert.deepEqual(texts(await alice.receive()), ["hi alice"]);
    await alice.send(bob.sessionId, "great");
    assert.deepEqual(texts(await bob.receive()), ["great"]);
    assert.deepEqual(await bob.receive(), [], "nothing is read twice");
    assert.deepEqual(w.states[1].messages(bob.sessionId).map((m) => `${m.direction}:${m.body}`), [
      "in:hello bob",
      "in:are you there?",
      "out:hi alice",
      "in:great",
    ]);
  } finally {
    close(w);
  }
});

Deno.test("Messenger.receive() consumes a one-time prekey once and republishes the bundle", async () => {
  const w = world();
  try {
    const alice = await person(w, "alice");
    const bob = await person(w, "bob");
    const before = await alice.fetchBundle(bob.sessionId);
    assert.equal(before.oneTimePreKeys.length, 5);
    await alice.send(bob.sessionId, "one");
    await bob.receive();
    assert.equal(w.states[1].preKeys(bob.sessionId).size, 5, "topped up again");
    const after = await alice.fetchBundle(bob.sessionId);
    const used = before.oneTimePreKeys.filter((k) => !after.oneTimePreKeys.some((a) => a.id === k.id));
    assert.equal(used.length, 1, "exactly the consumed prekey left the bundle");
  } finally {
    close(w);
  }
});

Deno.test("Messenger.send() to a Session ID without a bundle, or an unknown name, is UnknownRecipientError", async () => {
  const w = world();
  try {
    const alice = await person(w, "alice");
    const nobody = "05" + "ab".repeat(32);
    await assert.rejects(alice.send(nobody, "hi"), (e) => {
      assert.ok(e instanceof UnknownRecipientError);
      assert.match(e.message, /has published no pre-key bundle/);
      return true;
    });
    await assert.rejects(alice.send("carol", "hi"), UnknownRecipientError);
    await assert.rejects(alice.sendGroup("nope", "hi"), UnknownRecipientError);
    assert.deepEqual(w.states[0].messages(alice.sessionId), [], "nothing recorded");
  } finally {
    close(w);
  }
});

Deno.test("Messenger: an unreachable swarm is SwarmUnreachableError wrapping the OnionPathError", async () => {
  const w = world();
  try {
    const alice = await person(w, "alice");
    const bob = await person(w, "bob");
    w.storage.failWith = new OnionPathError(0, "Cannot reach guard http://127.0.0.1:1: TypeError");
    await assert.rejects(alice.send(bob.sessionId, "hi"), (e) => {
      assert.ok(e instanceof SwarmUnreachableError);
      assert.ok(e.cause instanceof OnionPathError);
      assert.match(e.message, /swarm is unreachable/);
      return true;
    });
    await assert.rejects(bob.receive(), SwarmUnreachableError);
  } finally {
    close(w);
  }
});

Deno.test("Messenger.receive() rejects a tampered ciphertext with a clear error and changes nothing", async () => {
  const w = world();
  try {
    const alice = await person(w, "alice");
    const bob = await person(w, "bob");
    const bobState = w.states[1];
    const bobKeys = await identityOf(bobState.identity("bob")!, provider);
    // Alice's first message is held back; a copy with one flipped ciphertext byte goes in its place.
    let held: Uint8Array | undefined;
    w.storage.filter = (account, _ns, data) => {
      if (account !== bob.sessionId || held !== undefined) return true;
      held = data;
      return false;
    };
    await alice.send(bob.sessionId, "secret");
    const env = openDirect(held!, bobKeys);
    const body = env.body.slice();
    body[body.length - 12] ^= 0x01; // inside the SignalMessage ciphertext
    await w.storage.store(bob.sessionId, sealDirect({ ...env, body }, { recipient: bobKeys.x25519Public, rng }));
    const flipped = held!.slice();
    flipped[flipped.length - 1] ^= 0x80; // the sealed box's own bytes
    await w.storage.store(bob.sessionId, flipped);

    const before = bobState.snapshot();
    const events = await bob.receive();
    assert.deepEqual(texts(events), []);
    const errs = errors(events);
    assert.equal(errs.length, 2);
    assert.ok(errs.every((e) => e instanceof TamperedMessageError));
    assert.match(errs[0].message, /authentication code does not verify.*nothing was kept/);
    assert.match(errs[1].message, /sealed envelope does not open/);
    assert.deepEqual(bobState.snapshot(), before, "no session, prekey, message, cursor or hash changed");

    // The genuine message still decrypts: the failure did not advance or consume anything.
    await w.storage.store(bob.sessionId, held!);
    const again = await bob.receive();
    assert.deepEqual(texts(again), ["secret"]);
    assert.equal(errors(again).length, 2, "the tampered copies are still there and still rejected");
  } finally {
    close(w);
  }
});

Deno.test("Messenger: two senders on the same one-time prekey within the grace period are both read (e2ee.md §2.4)", async () => {
  const w = world();
  try {
    const first = (b: { oneTimePreKeys: readonly unknown[] }) => b.oneTimePreKeys.length > 0 ? 0 : undefined;
    const alice = await person(w, "alice", { choosePreKey: first });
    const carol = await person(w, "carol", { choosePreKey: first });
    const bob = await person(w, "bob");
    const aliceBundle = await alice.fetchBundle(bob.sessionId);
    const carolBundle = await carol.fetchBundle(bob.sessionId);
    assert.equal(aliceBundle.oneTimePreKeys[0].id, carolBundle.oneTimePreKeys[0].id);
    await alice.send(bob.sessionId, "from alice");
    await carol.send(bob.sessionId, "from carol");
    const got = await bob.receive();
    assert.deepEqual(texts(got).sort(), ["from alice", "from carol"]);
    assert.deepEqual(errors(got), []);
    // The used prekey left the republished bundle.
    const after = await alice.fetchBundle(bob.sessionId);
    assert.ok(!after.oneTimePreKeys.some((k) => k.id === aliceBundle.oneTimePreKeys[0].id));
  } finally {
    close(w);
  }
});

Deno.test("Messenger: a one-time prekey reused after its grace period fails once, the sender resends, and it arrives", async () => {
  const w = world();
  try {
    const first = (b: { oneTimePreKeys: readonly unknown[] }) => b.oneTimePreKeys.length > 0 ? 0 : undefined;
    const alice = await person(w, "alice", { choosePreKey: first });
    const carol = await person(w, "carol", { choosePreKey: first });
    const bob = await person(w, "bob", { preKeyGraceMs: 0 }); // a used prekey is gone at once
    // Both fetch Bob's bundle before he reads anything: both pick the same one-time prekey.
    const aliceBundle = await alice.fetchBundle(bob.sessionId);
    const carolBundle = await carol.fetchBundle(bob.sessionId);
    assert.equal(aliceBundle.oneTimePreKeys[0].id, carolBundle.oneTimePreKeys[0].id);
    await alice.send(bob.sessionId, "from alice");
    await carol.send(bob.sessionId, "from carol");

    const first1 = await bob.receive();
    assert.deepEqual(texts(first1), ["from alice"]);
    const [err] = errors(first1);
    assert.ok(err instanceof PreKeyReusedError);
    assert.equal(err.sender, carol.sessionId);
    assert.ok(err.resendRequested);
    assert.match(err.message, /one-time prekey that another sender had already used; the sender was asked/);

    const onCarol = await carol.receive();
    assert.deepEqual(onCarol.filter((e) => e.type === "resent").length, 1);

    const second = await bob.receive();
    assert.deepEqual(texts(second), ["from carol"]);
    assert.deepEqual(errors(second), [], "the undecryptable original is settled by its resent copy");
    assert.deepEqual(await bob.receive(), []);
    // And the conversation goes on over the session Bob started.
    await carol.send(bob.sessionId, "thanks");
    assert.deepEqual(texts(await bob.receive()), ["thanks"]);
    await bob.send(carol.sessionId, "welcome");
    assert.deepEqual(texts(await carol.receive()), ["welcome"]);
  } finally {
    close(w);
  }
});

Deno.test("Messenger: a group of three; a member added later reads what follows", async () => {
  const w = world();
  try {
    const [a, b, c] = [await person(w, "a"), await person(w, "b"), await person(w, "c")];
    const { groupId } = await a.createGroup("friends");
    await a.addMember(groupId, b.sessionId);
    assert.deepEqual((await b.receive()).map((e) => e.type), ["group-invite"]);
    await a.sendGroup(groupId, "hi b");
    await b.sendGroup(groupId, "hi a");
    assert.deepEqual(texts(await b.receive()), ["hi b"]);
    assert.deepEqual(texts(await a.receive()), ["hi a"]);
    await b.addMember(groupId, c.sessionId);
    const cFirst = await c.receive();
    assert.equal(cFirst[0].type, "group-invite");
    assert.deepEqual((await a.receive()).map((e) => e.type), ["group-update"]);
    await a.sendGroup("friends", "welcome c");
    await c.sendGroup(groupId, "thanks");
    assert.deepEqual(texts(await c.receive()), ["welcome c"]);
    assert.deepEqual(texts(await b.receive()), ["welcome c", "thanks"]);
    assert.deepEqual(texts(await a.receive()), ["thanks"]);
  } finally {
    close(w);
  }
});

Deno.test("Messenger.sendFile() and downloadAttachment(): a file round-trips; a wrong digest is refused", async () => {
  const w = world();
  try {
    const alice = await person(w, "alice");
    const bob = await person(w, "bob");
    const data = rng.fill(new Uint8Array(200_000));
    const sent = await alice.sendFile("05" + bob.sessionId.slice(2), { data, fileName: "photo.bin", text: "look" });
    assert.match(sent.fileId, /^[0-9a-f]{64}$/);
    const [event] = await bob.receive();
    assert.ok(event.type === "message");
    assert.equal(event.text, "look");
    assert.equal(event.attachments[0].fileName, "photo.bin");
    assert.deepEqual(await bob.downloadAttachment(event.attachments[0]), data);
    const pointer = { ...event.attachments[0].pointer, digest: new Uint8Array(32) };
    await assert.rejects(bob.downloadAttachment({ ...event.attachments[0], pointer }), /digest mismatch/);
  } finally {
    close(w);
  }
});

Deno.test("Messenger.publishBundle() stores one signed bundle in the public outbox namespace", async () => {
  const w = world();
  try {
    const alice = await person(w, "alice");
    await alice.publishBundle();
    const r = await w.storage.retrieveFrom(alice.sessionId, { namespace: PREKEY_BUNDLE_NAMESPACE });
    assert.equal(r.messages.length, 1, "a public outbox keeps one message");
    assert.equal(w.storage.log.filter((l) => l.namespace === PREKEY_BUNDLE_NAMESPACE).length, 2);
    await assert.rejects(
      Messenger.create({ state: w.states[0], storage: w.storage, provider, rng, now: Date.now }, "alice"),
      /name "alice" is taken/,
    );
  } finally {
    close(w);
  }
});
