import assert from "node:assert/strict";
import { fromHex, toHex } from "../../bytes.ts";
import { isProtocolError } from "../../errors.ts";
import { seededRng } from "../../_testing/seeded_rng.ts";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../../_testing/vectors.ts";
import type { Rng } from "../../rng.ts";
import { generateKeyPair, type KeyPair, keyPairFromSecret } from "./keys.ts";
import { createPreKeyBundle, generateOneTimePreKeys, generateSignedPreKey, type PreKeyBundle } from "./prekeys.ts";
import {
  type CiphertextMessage,
  decryptPreKeySignalMessage,
  decryptSignalMessage,
  encryptMessage,
  type LocalIdentity,
  type ResponderKeys,
  startSession,
} from "./session_cipher.ts";
import {
  deserializeSessionRecord,
  emptySessionRecord,
  serializeSessionRecord,
  type SessionRecord,
} from "./session_record.ts";
import { decodePreKeySignalMessage, encodePreKeySignalMessage } from "./wire.ts";

const text = (s: string) => new TextEncoder().encode(s);
const untext = (b: Uint8Array) => new TextDecoder().decode(b);

/** A responder with one signed prekey and a few one-time prekeys, and its bundle for one of them. */
async function responder(rng: Rng, registrationId: number) {
  const identityKeyPair = await generateKeyPair({ rng });
  const signedPreKey = await generateSignedPreKey(identityKeyPair, 1, { rng });
  const oneTime = await generateOneTimePreKeys(7, 3, { rng });
  const keys: ResponderKeys = {
    identityKeyPair,
    registrationId,
    signedPreKeys: new Map([[1, signedPreKey.keyPair]]),
    oneTimePreKeys: new Map(oneTime.map((k) => [k.id, k.keyPair])),
  };
  const bundle = (opk?: number): PreKeyBundle =>
    createPreKeyBundle({
      registrationId,
      deviceId: 1,
      identityKey: identityKeyPair,
      signedPreKey,
      ...(opk === undefined ? {} : { oneTimePreKey: oneTime.find((k) => k.id === opk)! }),
    });
  return { keys, bundle };
}

async function identity(rng: Rng, registrationId: number): Promise<LocalIdentity> {
  return { identityKeyPair: await generateKeyPair({ rng }), registrationId };
}

/** Delete a consumed one-time prekey, as libsignal's message_decrypt_prekey does. */
function withoutPreKey(keys: ResponderKeys, id: number | undefined): ResponderKeys {
  if (id === undefined) return keys;
  const oneTimePreKeys = new Map(keys.oneTimePreKeys);
  oneTimePreKeys.delete(id);
  return { ...keys, oneTimePreKeys };
}

Deno.test({
  name: `decryptPreKeySignalMessage() decrypts libsignal 0.65.4's three messages in orders 0,1,2, 0,2,1 and 2,1,0${
    HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
  }`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const v = loadVectors("e2ee/x3dh_dr_libsignal.json");
    const b = v.bob;
    const pair = (hex: string): Promise<KeyPair> => keyPairFromSecret(fromHex(hex));
    const initialKeys: ResponderKeys = {
      identityKeyPair: await pair(b.identity_private_hex),
      registrationId: b.registration_id,
      signedPreKeys: new Map([[b.signed_prekey_id, await pair(b.signed_prekey_private_hex)]]),
      oneTimePreKeys: new Map([[b.one_time_prekey_id, await pair(b.one_time_prekey_private_hex)]]),
    };
    assert.equal("05" + toHex(initialKeys.identityKeyPair.publicKey), b.identity_public_hex);
    const rng = seededRng("libsignal vector");
    let cases = 0;
    for (const order of [[0, 1, 2], [0, 2, 1], [2, 1, 0]]) {
      let record = emptySessionRecord();
      let keys = initialKeys;
      const consumed: (number | undefined)[] = [];
      for (const i of order) {
        const m = v.messages_alice_to_bob[i];
        assert.equal(m.type, 3);
        const [next, out] = await decryptPreKeySignalMessage(record, fromHex(m.wire_hex), { keys, rng });
        record = next;
        assert.equal(untext(out.plaintext), m.plaintext_utf8, `order ${order} message ${i}`);
        assert.equal("05" + toHex(out.remoteIdentityKey), v.alice.identity_public_hex);
        assert.equal(out.remoteRegistrationId, v.alice.registration_id);
        consumed.push(out.consumedPreKeyId);
        keys = withoutPreKey(keys, out.consumedPreKeyId);
        cases++;
      }
      assert.deepEqual(consumed, [b.one_time_prekey_id, undefined, undefined], "the OPK is consumed once");
      assert.equal(keys.oneTimePreKeys.size, 0);
      assert.equal(record.previous.length, 0, "one session");
      await assert.rejects(
        () => decryptPreKeySignalMessage(record, fromHex(v.messages_alice_to_bob[order[0]].wire_hex), { keys, rng }),
        (e) => isProtocolError(e, "SIGNAL_DUPLICATE_MESSAGE"),
      );
    }
    reportCases("x3dh_dr_libsignal.json", { valid: cases, replayRefused: 3 });
  },
});

Deno.test("decryptPreKeySignalMessage() refuses a deleted one-time prekey with PREKEY_NOT_FOUND unless the base key matches a session", async () => {
  const rng = seededRng("prekey reuse");
  const bob = await responder(rng, 2);
  const alice = await identity(rng, 1), carol = await identity(rng, 3);
  const bundle = bob.bundle(8);
  // Both fetched the same bundle (e2ee.md §2.4: a swarm cannot hand out an OPK only once).
  let aliceRecord = await startSession(alice, bundle, { rng });
  const carolRecord = await startSession(carol, bundle, { rng });
  let a1: CiphertextMessage, a2: CiphertextMessage;
  [aliceRecord, a1] = await encryptMessage(aliceRecord, text("a1"));
  [aliceRecord, a2] = await encryptMessage(aliceRecord, text("a2"));
  const [, c1] = await encryptMessage(carolRecord, text("c1"));

  let keys = bob.keys;
  const [bobForAlice, first] = await decryptPreKeySignalMessage(emptySessionRecord(), a1.body, { keys, rng });
  assert.equal(first.consumedPreKeyId, 8);
  assert.equal(first.newSession, true);
  keys = withoutPreKey(keys, first.consumedPreKeyId);

  // Carol's run names the deleted OPK: refused with a typed error.
  await assert.rejects(
    () => decryptPreKeySignalMessage(emptySessionRecord(), c1.body, { keys, rng }),
    (e) => isProtocolError(e, "PREKEY_NOT_FOUND"),
  );
  // Alice's second PreKeySignalMessage has the same base key: it uses the existing session.
  const [, second] = await decryptPreKeySignalMessage(bobForAlice, a2.body, { keys, rng });
  assert.equal(untext(second.plaintext), "a2");
  assert.equal(second.consumedPreKeyId, undefined);
  assert.equal(second.newSession, false);
  // A responder that keeps the OPK (swarm setting) gets a second, independent session.
  const [, kept] = await decryptPreKeySignalMessage(emptySessionRecord(), c1.body, { keys: bob.keys, rng });
  assert.equal(untext(kept.plaintext), "c1");
  // A fresh run by Alice with the deleted OPK fails too; without an OPK it works and archives the old session.
  const [, again] = await encryptMessage(await startSession(alice, bundle, { rng, record: aliceRecord }), text("x"));
  await assert.rejects(
    () => decryptPreKeySignalMessage(bobForAlice, again.body, { keys, rng }),
    (e) => isProtocolError(e, "PREKEY_NOT_FOUND"),
  );
  const [, noOpk] = await encryptMessage(await startSession(alice, bob.bundle(), { rng }), text("no opk"));
  const [bobAfter, third] = await decryptPreKeySignalMessage(bobForAlice, noOpk.body, { keys, rng });
  assert.equal(untext(third.plaintext), "no opk");
  assert.equal(third.consumedPreKeyId, undefined);
  assert.equal(bobAfter.previous.length, 1, "the first session is archived");
});

Deno.test("decryptPreKeySignalMessage() that fails consumes nothing: the genuine message still reports the OPK", async () => {
  const rng = seededRng("prekey failure");
  const bob = await responder(rng, 2);
  const [, m] = await encryptMessage(await startSession(await identity(rng, 1), bob.bundle(7), { rng }), text("hi"));
  const parsed = decodePreKeySignalMessage(m.body);
  const inner = parsed.message.slice();
  inner[inner.length - 1] ^= 1; // the inner SignalMessage's MAC
  const tampered = encodePreKeySignalMessage({ ...parsed, message: inner });
  await assert.rejects(
    () => decryptPreKeySignalMessage(emptySessionRecord(), tampered, { keys: bob.keys, rng }),
    (e) => isProtocolError(e, "DECRYPT_FAILED"),
  );
  const [, out] = await decryptPreKeySignalMessage(emptySessionRecord(), m.body, { keys: bob.keys, rng });
  assert.equal(out.consumedPreKeyId, 7);
});

Deno.test("encryptMessage() sends PreKeySignalMessages until a reply decrypts, then SignalMessages", async () => {
  const rng = seededRng("pending");
  const bob = await responder(rng, 2);
  let aliceRecord = await startSession(await identity(rng, 1), bob.bundle(9), { rng });
  let m: CiphertextMessage;
  const types: number[] = [];
  [aliceRecord, m] = await encryptMessage(aliceRecord, text("1"));
  types.push(m.type);
  let [bobRecord] = await decryptPreKeySignalMessage(emptySessionRecord(), m.body, { keys: bob.keys, rng });
  [aliceRecord, m] = await encryptMessage(aliceRecord, text("2"));
  types.push(m.type);
  let reply: CiphertextMessage;
  [bobRecord, reply] = await encryptMessage(bobRecord, text("reply"));
  assert.equal(reply.type, 2, "the responder never sends prekey messages");
  [aliceRecord] = await decryptSignalMessage(aliceRecord, reply.body, { rng });
  [aliceRecord, m] = await encryptMessage(aliceRecord, text("3"));
  types.push(m.type);
  assert.deepEqual(types, [3, 3, 2]);
  [bobRecord] = await decryptSignalMessage(bobRecord, m.body, { rng });
});

Deno.test("decryptSignalMessage() after simultaneous initiation: both sides keep both sessions and decrypt either", async () => {
  const rng = seededRng("simultaneous");
  const alice = await responder(rng, 1), bob = await responder(rng, 2);
  let aliceRecord = await startSession(alice.keys, bob.bundle(7), { rng });
  let bobRecord = await startSession(bob.keys, alice.bundle(7), { rng });
  let fromAlice: CiphertextMessage, fromBob: CiphertextMessage;
  [aliceRecord, fromAlice] = await encryptMessage(aliceRecord, text("hi bob"));
  [bobRecord, fromBob] = await encryptMessage(bobRecord, text("hi alice"));
  let out;
  [aliceRecord, out] = await decryptPreKeySignalMessage(aliceRecord, fromBob.body, { keys: alice.keys, rng });
  assert.equal(untext(out.plaintext), "hi alice");
  [bobRecord, out] = await decryptPreKeySignalMessage(bobRecord, fromAlice.body, { keys: bob.keys, rng });
  assert.equal(untext(out.plaintext), "hi bob");
  assert.equal(aliceRecord.previous.length, 1);
  for (let i = 0; i < 3; i++) {
    let plain;
    [aliceRecord, fromAlice] = await encryptMessage(aliceRecord, text(`a${i}`));
    [bobRecord, plain] = await decryptSignalMessage(bobRecord, fromAlice.body, { rng });
    assert.equal(untext(plain), `a${i}`);
    [bobRecord, fromBob] = await encryptMessage(bobRecord, text(`b${i}`));
    [aliceRecord, plain] = await decryptSignalMessage(aliceRecord, fromBob.body, { rng });
    assert.equal(untext(plain), `b${i}`);
  }
});

Deno.test("serializeSessionRecord() round-trips a record with a pending prekey and an archived session", async () => {
  const rng = seededRng("record round trip");
  const bob = await responder(rng, 2);
  const alice = await identity(rng, 1);
  let aliceRecord = await startSession(alice, bob.bundle(8), { rng });
  aliceRecord = await startSession(alice, bob.bundle(), { rng, record: aliceRecord, versionByte: 0x34 });
  const restored: SessionRecord = deserializeSessionRecord(serializeSessionRecord(aliceRecord));
  assert.equal(toHex(serializeSessionRecord(restored)), toHex(serializeSessionRecord(aliceRecord)));
  assert.equal(restored.previous.length, 1);
  assert.equal(restored.previous[0].pendingPreKey?.preKeyId, 8);
  assert.equal(restored.current?.pendingPreKey?.preKeyId, undefined);
  const [, m] = await encryptMessage(restored, text("after restore"));
  assert.equal(m.type, 3);
  assert.equal(m.body[0], 0x34);
  const [, out] = await decryptPreKeySignalMessage(emptySessionRecord(), m.body, { keys: bob.keys, rng });
  assert.equal(untext(out.plaintext), "after restore");
});

Deno.test("startSession(), encryptMessage() and decryptSignalMessage() refuse what they cannot use, with typed errors", async () => {
  const rng = seededRng("errors");
  const bob = await responder(rng, 2);
  const forged = { ...bob.bundle(7), signedPreKey: (await generateKeyPair({ rng })).publicKey };
  const carol = await identity(rng, 1);
  await assert.rejects(() => startSession(carol, forged, { rng }), (e) => isProtocolError(e, "SIGNATURE_INVALID"));
  await assert.rejects(
    () => encryptMessage(emptySessionRecord(), text("x")),
    (e) => isProtocolError(e, "SIGNAL_NO_SESSION"),
  );
  const record = await startSession(await identity(rng, 1), bob.bundle(7), { rng });
  const [, m] = await encryptMessage(record, text("x"));
  const [bobRecord] = await decryptPreKeySignalMessage(emptySessionRecord(), m.body, { keys: bob.keys, rng });
  const [, reply] = await encryptMessage(bobRecord, text("y"));
  await assert.rejects(
    () => decryptSignalMessage(emptySessionRecord(), reply.body, { rng }),
    (e) => isProtocolError(e, "SIGNAL_NO_SESSION"),
  );
  await assert.rejects(
    () => decryptSignalMessage(bobRecord, m.body, { rng }),
    (e) => isProtocolError(e, "SIGNAL_MESSAGE_INVALID") || isProtocolError(e, "DECRYPT_FAILED"),
    "a prekey message is not a SignalMessage",
  );
  await assert.rejects(
    () => decryptPreKeySignalMessage(emptySessionRecord(), m.body, { rng } as never),
    TypeError,
  );
});
