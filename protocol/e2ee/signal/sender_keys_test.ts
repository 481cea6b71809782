import assert from "node:assert/strict";
import { fromHex, fromUtf8, toHex, utf8 } from "../../bytes.ts";
import { isProtocolError, type ProtocolErrorCode } from "../../errors.ts";
import { seededRng } from "../../_testing/seeded_rng.ts";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../../_testing/vectors.ts";
import { allProviders } from "../../crypto/default.ts";
import {
  deriveSenderMessageKeys,
  generateSenderKey,
  processSenderKeyDistributionMessage,
  senderKeyDecrypt,
  senderKeyDistributionMessage,
  senderKeyEncrypt,
} from "./sender_keys.ts";
import { deserializeSenderKeyRecord, type SenderKeyRecord, serializeSenderKeyRecord } from "./sender_key_record.ts";
import { parseSenderKeyMessage } from "./sender_key_message.ts";

const rng = seededRng("sender_keys_test");

function rejects(code: ProtocolErrorCode) {
  return (e: unknown) => isProtocolError(e, code);
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((p) => [x, ...p]));
}

const vectorTest = { ignore: !HAVE_VECTORS, suffix: HAVE_VECTORS ? "" : ` (${SKIP_REASON})` };

Deno.test({
  name:
    `senderKeyDecrypt() decrypts libsignal 0.103.0's messages in every order, with every provider${vectorTest.suffix}`,
  ignore: vectorTest.ignore,
  fn: async () => {
    const v = loadVectors("e2ee/sender_keys_libsignal.json");
    const providers = await allProviders();
    let pass = 0;
    for (const provider of providers) {
      for (const order of permutations([0, 1, 2])) {
        let bob = processSenderKeyDistributionMessage(undefined, fromHex(v.distribution_message_hex));
        assert.equal(bob.states[0].chainId, v.chain_id);
        assert.equal(bob.states[0].iteration, v.iteration);
        assert.equal(toHex(bob.states[0].chainKey), v.chain_key_hex);
        for (const i of order) {
          let pt: Uint8Array;
          [bob, pt] = await senderKeyDecrypt(bob, fromHex(v.messages[i].wire_hex), { provider });
          assert.equal(fromUtf8(pt), v.messages[i].plaintext_utf8);
          // Through serialization, as a client would store it between messages.
          bob = deserializeSenderKeyRecord(serializeSenderKeyRecord(bob));
        }
        assert.equal(bob.states[0].iteration, 3);
        assert.equal(bob.states[0].skipped.length, 0);
        for (const m of v.messages) {
          await assert.rejects(
            senderKeyDecrypt(bob, fromHex(m.wire_hex), { provider }),
            rejects("SENDER_KEY_DUPLICATE_MESSAGE"),
          );
        }
        pass++;
      }
    }
    reportCases("sender_keys_libsignal.json", { orders: 6, providers: providers.length, pass });
  },
});

Deno.test({
  name: `senderKeyDecrypt() rejects tampered libsignal messages and leaves the record unchanged${vectorTest.suffix}`,
  ignore: vectorTest.ignore,
  fn: async () => {
    const v = loadVectors("e2ee/sender_keys_libsignal.json");
    const bob = processSenderKeyDistributionMessage(undefined, fromHex(v.distribution_message_hex));
    const before = serializeSenderKeyRecord(bob);
    const wire = fromHex(v.messages[2].wire_hex);
    const cases: [string, Uint8Array, ProtocolErrorCode][] = [];
    const flips: [number, ProtocolErrorCode][] = [
      [2, "SENDER_KEY_MESSAGE_INVALID"], // distribution id length 17
      [10, "SENDER_KEY_NO_STATE"], // distribution id
      [20, "SENDER_KEY_NO_STATE"], // chain id
      [26, "SIGNATURE_INVALID"], // iteration
      [wire.length - 70, "SIGNATURE_INVALID"], // ciphertext
      [wire.length - 64, "SIGNATURE_INVALID"], // R
      [wire.length - 1, "SIGNATURE_INVALID"], // S and the sign bit's byte
    ];
    for (const [at, code] of flips) {
      const bad = wire.slice();
      bad[at] ^= 0x01;
      cases.push([`bit flip at ${at}`, bad, code]);
    }
    cases.push(["truncated by a byte", wire.subarray(0, wire.length - 1), "SENDER_KEY_MESSAGE_INVALID"]);
    cases.push(["version 2", Uint8Array.of(0x23, ...wire.subarray(1)), "SENDER_KEY_MESSAGE_INVALID"]);
    cases.push(["version 4", Uint8Array.of(0x43, ...wire.subarray(1)), "SENDER_KEY_MESSAGE_INVALID"]);
    cases.push(["too short", wire.subarray(0, 64), "SENDER_KEY_MESSAGE_INVALID"]);
    for (const [name, bad, code] of cases) {
      await assert.rejects(senderKeyDecrypt(bob, bad), (e) => {
        assert.ok(isProtocolError(e), `${name}: ${e}`);
        return true;
      }, name);
      await assert.rejects(senderKeyDecrypt(bob, bad), rejects(code), name);
    }
    // Before any of these, the record still decrypts everything.
    assert.deepEqual(serializeSenderKeyRecord(bob), before);
    const [, pt] = await senderKeyDecrypt(bob, wire);
    assert.equal(fromUtf8(pt), v.messages[2].plaintext_utf8);
  },
});

Deno.test("senderKeyEncrypt() round trips 50 messages to two members in shuffled order", async () => {
  const id = rng.fill(new Uint8Array(16));
  let alice = await generateSenderKey(id, { rng });
  const skdm = senderKeyDistributionMessage(alice);
  let bob = processSenderKeyDistributionMessage(undefined, skdm);
  let carol = processSenderKeyDistributionMessage(undefined, skdm);
  const wires: Uint8Array[] = [];
  for (let i = 0; i < 50; i++) {
    let w: Uint8Array;
    [alice, w] = await senderKeyEncrypt(alice, utf8(`message ${i}`), { rng });
    assert.equal(parseSenderKeyMessage(w).iteration, i);
    wires.push(w);
  }
  const order = wires.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.fill(new Uint8Array(1))[0] % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (const i of order) {
    let pt: Uint8Array;
    [bob, pt] = await senderKeyDecrypt(bob, wires[i]);
    assert.equal(fromUtf8(pt), `message ${i}`);
  }
  for (let i = 0; i < 50; i++) {
    let pt: Uint8Array;
    [carol, pt] = await senderKeyDecrypt(carol, wires[i]);
    assert.equal(fromUtf8(pt), `message ${i}`);
  }
  assert.equal(bob.states[0].skipped.length, 0);
  assert.equal(bob.states[0].iteration, 50);
});

Deno.test("senderKeyDecrypt() bounds skipped keys, evicting the oldest, and refuses jumps over the limit", async () => {
  let alice = await generateSenderKey(rng.fill(new Uint8Array(16)), { rng });
  const bob0 = processSenderKeyDistributionMessage(undefined, senderKeyDistributionMessage(alice));
  const wires: Uint8Array[] = [];
  for (let i = 0; i < 12; i++) {
    let w: Uint8Array;
    [alice, w] = await senderKeyEncrypt(alice, utf8(`m${i}`), { rng });
    wires.push(w);
  }
  const limits = { maxSkippedKeys: 4, maxForwardJump: 10 };
  await assert.rejects(senderKeyDecrypt(bob0, wires[11], limits), rejects("SENDER_KEY_TOO_FAR_AHEAD"));
  let [bob] = await senderKeyDecrypt(bob0, wires[10], limits);
  assert.deepEqual(bob.states[0].skipped.map((k) => k.iteration), [6, 7, 8, 9]);
  await assert.rejects(senderKeyDecrypt(bob, wires[5], limits), rejects("SENDER_KEY_DUPLICATE_MESSAGE"));
  let pt: Uint8Array;
  [bob, pt] = await senderKeyDecrypt(bob, wires[7], limits);
  assert.equal(fromUtf8(pt), "m7");
  assert.deepEqual(bob.states[0].skipped.map((k) => k.iteration), [6, 8, 9]);
  [bob] = await senderKeyDecrypt(bob, wires[11], limits);
  assert.deepEqual(bob.states[0].skipped.map((k) => k.iteration), [6, 8, 9]);
  // Default limits: a jump of 2 500 keeps the newest 2 000.
  const { hmac } = await import("@noble/hashes/hmac.js");
  const { sha256 } = await import("@noble/hashes/sha2.js");
  let chainKey = alice.states[0].chainKey;
  for (let i = 12; i < 2_512; i++) chainKey = hmac(sha256, chainKey, Uint8Array.of(0x02));
  const far: SenderKeyRecord = { ...alice, states: [{ ...alice.states[0], iteration: 2_512, chainKey }] };
  const [, last] = await senderKeyEncrypt(far, utf8("last"), { rng });
  const [bobFar, lastPt] = await senderKeyDecrypt(bob0, last);
  assert.equal(fromUtf8(lastPt), "last");
  assert.equal(bobFar.states[0].skipped.length, 2_000);
  assert.equal(bobFar.states[0].skipped[0].iteration, 512);
  const [, old] = await senderKeyDecrypt(bobFar, wires[0]).then(
    () => [undefined, "accepted"],
    (e) => [e, isProtocolError(e, "SENDER_KEY_DUPLICATE_MESSAGE") ? "evicted" : String(e)],
  );
  assert.equal(old, "evicted");
});

Deno.test("processSenderKeyDistributionMessage() keeps a known chain, replaces a reused chain id, and caps states at 5", async () => {
  const id = rng.fill(new Uint8Array(16));
  let alice = await generateSenderKey(id, { rng });
  const skdm0 = senderKeyDistributionMessage(alice);
  let bob = processSenderKeyDistributionMessage(undefined, skdm0);
  let w: Uint8Array;
  [alice, w] = await senderKeyEncrypt(alice, utf8("a"), { rng });
  [bob] = await senderKeyDecrypt(bob, w);
  // The same distribution message again does not rewind the chain (no replay window reopens).
  bob = processSenderKeyDistributionMessage(bob, skdm0);
  assert.equal(bob.states[0].iteration, 1);
  await assert.rejects(senderKeyDecrypt(bob, w), rejects("SENDER_KEY_DUPLICATE_MESSAGE"));
  // Rekeys: old chains stay decryptable until pushed out.
  const oldWire = w;
  for (let i = 0; i < 6; i++) {
    alice = await generateSenderKey(id, { rng, previous: alice });
    bob = processSenderKeyDistributionMessage(bob, senderKeyDistributionMessage(alice));
  }
  assert.equal(alice.states.length, 5);
  assert.equal(bob.states.length, 5);
  await assert.rejects(senderKeyDecrypt(bob, oldWire), rejects("SENDER_KEY_NO_STATE"));
  [alice, w] = await senderKeyEncrypt(alice, utf8("new chain"), { rng });
  const [, pt] = await senderKeyDecrypt(bob, w);
  assert.equal(fromUtf8(pt), "new chain");
  // Another group's distribution message does not go into this record.
  const other = await generateSenderKey(rng.fill(new Uint8Array(16)), { rng });
  assert.throws(
    () => processSenderKeyDistributionMessage(bob, senderKeyDistributionMessage(other)),
    rejects("SENDER_KEY_MESSAGE_INVALID"),
  );
  const [, otherWire] = await senderKeyEncrypt(other, utf8("x"), { rng });
  await assert.rejects(senderKeyDecrypt(bob, otherWire), rejects("SENDER_KEY_NO_STATE"));
});

Deno.test("senderKeyEncrypt() refuses a record without an own sending state", async () => {
  const alice = await generateSenderKey(new Uint8Array(16), { rng });
  const bob = processSenderKeyDistributionMessage(undefined, senderKeyDistributionMessage(alice));
  await assert.rejects(senderKeyEncrypt(bob, utf8("x"), { rng }), rejects("SENDER_KEY_NO_STATE"));
  const empty: SenderKeyRecord = { format: 1, distributionId: new Uint8Array(16), states: [] };
  await assert.rejects(senderKeyEncrypt(empty, utf8("x"), { rng }), rejects("SENDER_KEY_NO_STATE"));
  assert.throws(() => senderKeyDistributionMessage(empty), rejects("SENDER_KEY_NO_STATE"));
});

Deno.test("senderKeyEncrypt() is deterministic for a seeded rng and generateSenderKey() makes 31-bit chain ids", async () => {
  const a = await generateSenderKey(new Uint8Array(16), { rng: seededRng("det") });
  const b = await generateSenderKey(new Uint8Array(16), { rng: seededRng("det") });
  assert.deepEqual(serializeSenderKeyRecord(a), serializeSenderKeyRecord(b));
  for (let i = 0; i < 32; i++) {
    const r = await generateSenderKey(new Uint8Array(16), { rng });
    assert.ok(r.states[0].chainId >= 0 && r.states[0].chainId <= 0x7fffffff);
  }
});

Deno.test("deriveSenderMessageKeys() puts the IV first: HKDF(seed, 'WhisperGroup', 48)", async () => {
  const { hkdf } = await import("@noble/hashes/hkdf.js");
  const { sha256 } = await import("@noble/hashes/sha2.js");
  const seed = rng.fill(new Uint8Array(32));
  const okm = hkdf(sha256, seed, undefined, utf8("WhisperGroup"), 48);
  const { iv, cipherKey } = await deriveSenderMessageKeys(seed);
  assert.deepEqual(iv, okm.subarray(0, 16));
  assert.deepEqual(cipherKey, okm.subarray(16));
});
