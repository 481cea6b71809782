import assert from "node:assert/strict";
import { toHex } from "../../bytes.ts";
import { isProtocolError } from "../../errors.ts";
import { allProviders } from "../../crypto/default.ts";
import { ratchetDecrypt, ratchetEncrypt } from "./double_ratchet.ts";
import type { RatchetState } from "./ratchet_state.ts";
import { skippedKeyCount } from "./skipped_keys.ts";
import { decodeSignalMessage } from "./wire.ts";
import { ratchetPair } from "./_test_pair.ts";
import { MAX_FORWARD_JUMPS, MAX_RECEIVER_CHAINS } from "./constants.ts";

const text = (s: string) => new TextEncoder().encode(s);
const untext = (b: Uint8Array) => new TextDecoder().decode(b);

async function sendMany(state: RatchetState, n: number, label: string): Promise<[RatchetState, Uint8Array[]]> {
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const [next, wire] = await ratchetEncrypt(state, text(`${label} ${i}`));
    state = next;
    out.push(wire);
  }
  return [state, out];
}

Deno.test("ratchetEncrypt() / ratchetDecrypt() carry a conversation with a DH ratchet step per turn, every provider", async () => {
  for (const provider of await allProviders()) {
    let { alice, bob, rng } = await ratchetPair(`conversation ${provider.name}`);
    const aliceKeys = new Set<string>();
    for (let turn = 0; turn < 4; turn++) {
      let wire: Uint8Array, out;
      [alice, wire] = await ratchetEncrypt(alice, text(`a${turn}`), { provider });
      aliceKeys.add(toHex(decodeSignalMessage(wire).ratchetKey));
      [bob, out] = await ratchetDecrypt(bob, wire, { rng, provider });
      assert.equal(untext(out.plaintext), `a${turn}`);
      [bob, wire] = await ratchetEncrypt(bob, text(`b${turn}`), { provider });
      [alice, out] = await ratchetDecrypt(alice, wire, { rng, provider });
      assert.equal(untext(out.plaintext), `b${turn}`);
    }
    assert.equal(aliceKeys.size, 4, `${provider.name}: a new ratchet key each turn`);
  }
});

Deno.test("ratchetDecrypt() decrypts any delivery order within a chain and uses each skipped key once", async () => {
  let { alice, bob, rng } = await ratchetPair("out of order");
  let wires: Uint8Array[];
  [alice, wires] = await sendMany(alice, 6, "m");
  for (const i of [5, 0, 3, 1, 4, 2]) {
    let out;
    [bob, out] = await ratchetDecrypt(bob, wires[i], { rng });
    assert.equal(untext(out.plaintext), `m ${i}`);
    assert.equal(out.counter, i);
  }
  assert.equal(skippedKeyCount(bob.skipped), 0, "every skipped key was used");
  for (const i of [0, 5, 2]) {
    await assert.rejects(
      () => ratchetDecrypt(bob, wires[i], { rng }),
      (e) => isProtocolError(e, "SIGNAL_DUPLICATE_MESSAGE"),
    );
  }
});

Deno.test("ratchetDecrypt() decrypts a late message of an old chain after the ratchet has turned", async () => {
  let { alice, bob, rng } = await ratchetPair("old chain");
  let first: Uint8Array[], wire: Uint8Array, out;
  [alice, first] = await sendMany(alice, 3, "old");
  [bob] = await ratchetDecrypt(bob, first[0], { rng });
  [bob, wire] = await ratchetEncrypt(bob, text("reply"));
  [alice] = await ratchetDecrypt(alice, wire, { rng });
  [alice, wire] = await ratchetEncrypt(alice, text("new chain"));
  const header = decodeSignalMessage(wire);
  assert.equal(header.previousCounter, 2, "libsignal's previous counter: index of the last message of the old chain");
  [bob, out] = await ratchetDecrypt(bob, wire, { rng });
  assert.equal(untext(out.plaintext), "new chain");
  [bob, out] = await ratchetDecrypt(bob, first[2], { rng });
  assert.equal(untext(out.plaintext), "old 2");
  [bob, out] = await ratchetDecrypt(bob, first[1], { rng });
  assert.equal(untext(out.plaintext), "old 1");
});

Deno.test("ratchetDecrypt() leaves the state unchanged when a message fails (bad MAC, then the real one decrypts)", async () => {
  let { alice, bob, rng } = await ratchetPair("failure keeps state");
  let wires: Uint8Array[];
  [alice, wires] = await sendMany(alice, 3, "x");
  const before = bob;
  for (const i of [2, 0]) {
    const tampered = wires[i].slice();
    tampered[tampered.length - 1] ^= 1;
    await assert.rejects(() => ratchetDecrypt(bob, tampered, { rng }), (e) => isProtocolError(e, "DECRYPT_FAILED"));
    const body = wires[i].slice();
    body[body.length - 12] ^= 1; // inside the ciphertext: the MAC catches it too
    await assert.rejects(() => ratchetDecrypt(bob, body, { rng }));
  }
  assert.equal(bob, before);
  assert.equal(bob.receivers.length, 0, "no chain was created by the failures");
  for (const i of [2, 0, 1]) {
    const [next, out] = await ratchetDecrypt(bob, wires[i], { rng });
    bob = next;
    assert.equal(untext(out.plaintext), `x ${i}`);
  }
});

Deno.test("ratchetDecrypt() refuses a message whose identities differ (the MAC binds IK_sender ‖ IK_receiver)", async () => {
  const { alice, bob, rng } = await ratchetPair("identities");
  const other = await ratchetPair("identities other");
  const [, wire] = await ratchetEncrypt(alice, text("x"));
  await assert.rejects(
    () => ratchetDecrypt({ ...bob, remoteIdentityKey: other.alice.localIdentityKey }, wire, { rng }),
    (e) => isProtocolError(e, "DECRYPT_FAILED"),
  );
});

Deno.test("ratchetDecrypt() refuses a jump over MAX_FORWARD_JUMPS (25,000) and honours a smaller limit", async () => {
  assert.equal(MAX_FORWARD_JUMPS, 25_000);
  let { alice, bob, rng } = await ratchetPair("too far");
  let wires: Uint8Array[];
  [alice, wires] = await sendMany(alice, 4, "j");
  await assert.rejects(
    () => ratchetDecrypt(bob, wires[3], { rng, limits: { maxForwardJumps: 2 } }),
    (e) => isProtocolError(e, "SIGNAL_TOO_FAR_AHEAD"),
  );
  const [, out] = await ratchetDecrypt(bob, wires[3], { rng, limits: { maxForwardJumps: 3 } });
  assert.equal(untext(out.plaintext), "j 3");
  // A forged far counter is refused before any key is derived for it.
  const far = { ...decodeSignalMessage(wires[0]), counter: MAX_FORWARD_JUMPS + 1 };
  await assert.rejects(() => ratchetDecrypt(bob, far, { rng }), (e) => isProtocolError(e, "SIGNAL_TOO_FAR_AHEAD"));
});

Deno.test("ratchetDecrypt() keeps only the newest skipped keys of a chain: older messages become duplicates", async () => {
  let { alice, bob, rng } = await ratchetPair("eviction");
  let wires: Uint8Array[];
  [alice, wires] = await sendMany(alice, 8, "e");
  const limits = { maxSkippedPerChain: 3 };
  [bob] = await ratchetDecrypt(bob, wires[7], { rng, limits });
  assert.equal(skippedKeyCount(bob.skipped), 3);
  for (const i of [0, 3]) {
    await assert.rejects(
      () => ratchetDecrypt(bob, wires[i], { rng, limits }),
      (e) => isProtocolError(e, "SIGNAL_DUPLICATE_MESSAGE"),
    );
  }
  for (const i of [4, 5, 6]) [bob] = await ratchetDecrypt(bob, wires[i], { rng, limits });
});

Deno.test("ratchetDecrypt() keeps MAX_RECEIVER_CHAINS (5) receiving chains and drops the oldest with its skipped keys", async () => {
  assert.equal(MAX_RECEIVER_CHAINS, 5);
  let { alice, bob, rng } = await ratchetPair("chains");
  let wires: Uint8Array[], wire: Uint8Array;
  const lateFromFirstChain: Uint8Array[] = [];
  for (let turn = 0; turn < 7; turn++) {
    [alice, wires] = await sendMany(alice, 2, `t${turn}`);
    if (turn === 0) lateFromFirstChain.push(wires[0]);
    [bob] = await ratchetDecrypt(bob, wires[1], { rng });
    [bob, wire] = await ratchetEncrypt(bob, text("ack"));
    [alice] = await ratchetDecrypt(alice, wire, { rng });
  }
  assert.equal(bob.receivers.length, 5);
  assert.equal(skippedKeyCount(bob.skipped), 5, "one skipped key per kept chain");
  assert.equal(skippedKeyCount(bob.skipped, decodeSignalMessage(lateFromFirstChain[0]).ratchetKey), 0);
  // The chain the late message belongs to was dropped: its ratchet key is new again to Bob, so he
  // steps the DH ratchet with the wrong secret and the MAC fails; libsignal answers the same.
  await assert.rejects(() => ratchetDecrypt(bob, lateFromFirstChain[0], { rng }));
});

Deno.test("ratchetDecrypt() refuses a message of another session version", async () => {
  const { alice, bob, rng } = await ratchetPair("version");
  const [, wire] = await ratchetEncrypt(alice, text("v"));
  await assert.rejects(
    () => ratchetDecrypt({ ...bob, sessionVersion: 4 }, wire, { rng }),
    (e) => isProtocolError(e, "SIGNAL_VERSION_UNSUPPORTED"),
  );
});

Deno.test("ratchetEncrypt() sends the state's version byte and never changes its input state", async () => {
  const { alice, bob, rng } = await ratchetPair("version byte");
  const [a2, wire] = await ratchetEncrypt({ ...alice, versionByte: 0x34 }, text("v"));
  assert.equal(wire[0], 0x34);
  assert.equal(alice.sender.index, 0);
  assert.equal(a2.sender.index, 1);
  const [, out] = await ratchetDecrypt(bob, wire, { rng });
  assert.equal(untext(out.plaintext), "v");
  await assert.rejects(() => ratchetEncrypt(alice, "text" as unknown as Uint8Array), TypeError);
  await assert.rejects(() => ratchetDecrypt(bob, wire, {} as never), TypeError);
});
