import assert from "node:assert/strict";
import { toHex } from "../../bytes.ts";
import { isProtocolError } from "../../errors.ts";
import { ratchetDecrypt, ratchetEncrypt } from "./double_ratchet.ts";
import {
  deserializeRatchetState,
  isV3VersionByte,
  RATCHET_STATE_FORMAT_VERSION,
  type RatchetState,
  serializeRatchetState,
} from "./ratchet_state.ts";
import { skippedKeyCount } from "./skipped_keys.ts";
import { ratchetPair } from "./_test_pair.ts";

const text = (s: string) => new TextEncoder().encode(s);
const untext = (b: Uint8Array) => new TextDecoder().decode(b);

function sameState(a: RatchetState, b: RatchetState): void {
  assert.equal(toHex(serializeRatchetState(a)), toHex(serializeRatchetState(b)));
  assert.equal(a.versionByte, b.versionByte);
  assert.equal(a.receivers.length, b.receivers.length);
  assert.equal(skippedKeyCount(a.skipped), skippedKeyCount(b.skipped));
}

Deno.test("serializeRatchetState() round-trips mid-conversation, with skipped keys, and the restored state carries on", async () => {
  let { alice, bob, rng } = await ratchetPair("state round trip");
  const wires: Uint8Array[] = [];
  for (let i = 0; i < 5; i++) {
    let wire: Uint8Array;
    [alice, wire] = await ratchetEncrypt(alice, text(`m${i}`));
    wires.push(wire);
  }
  [bob] = await ratchetDecrypt(bob, wires[4], { rng });
  let reply: Uint8Array;
  [bob, reply] = await ratchetEncrypt(bob, text("reply"));
  const bytes = serializeRatchetState(bob);
  assert.equal(bytes[0], RATCHET_STATE_FORMAT_VERSION);
  const restored = deserializeRatchetState(bytes);
  sameState(bob, restored);
  assert.equal(skippedKeyCount(restored.skipped), 4);
  let out;
  let state = restored;
  for (const i of [1, 3, 0, 2]) {
    [state, out] = await ratchetDecrypt(state, wires[i], { rng });
    assert.equal(untext(out.plaintext), `m${i}`);
  }
  const aliceRestored = deserializeRatchetState(serializeRatchetState(alice));
  sameState(alice, aliceRestored);
  [, out] = await ratchetDecrypt(aliceRestored, reply, { rng });
  assert.equal(untext(out.plaintext), "reply");
});

Deno.test("deserializeRatchetState() keeps the version byte to send", async () => {
  const { alice } = await ratchetPair("state version byte");
  const restored = deserializeRatchetState(serializeRatchetState({ ...alice, versionByte: 0x34 }));
  assert.equal(restored.versionByte, 0x34);
  const [, wire] = await ratchetEncrypt(restored, text("x"));
  assert.equal(wire[0], 0x34);
});

Deno.test("deserializeRatchetState() refuses another format version, truncation, trailing bytes and bad fields", async () => {
  const { alice } = await ratchetPair("state bad");
  const bytes = serializeRatchetState(alice);
  const code = (e: unknown) => isProtocolError(e, "SIGNAL_STATE_INVALID");
  const other = bytes.slice();
  other[0] = RATCHET_STATE_FORMAT_VERSION + 1;
  assert.throws(() => deserializeRatchetState(other), code);
  for (const cut of [1, 2, 40, bytes.length - 1]) {
    assert.throws(() => deserializeRatchetState(bytes.slice(0, cut)), code);
  }
  assert.throws(() => deserializeRatchetState(new Uint8Array([...bytes, 0])), code);
  const badVersion = bytes.slice();
  badVersion[2] = 0x44;
  assert.throws(() => deserializeRatchetState(badVersion), code);
  const badKey = bytes.slice();
  badKey[3] = 0x06; // type byte of the local identity key
  assert.throws(() => deserializeRatchetState(badKey), code);
  assert.throws(() => deserializeRatchetState([1] as unknown as Uint8Array), TypeError);
});

Deno.test("isV3VersionByte() accepts 0x33 and 0x34 only", () => {
  assert.deepEqual([0x32, 0x33, 0x34, 0x35, 0x43, 0x44].map(isV3VersionByte), [false, true, true, false, false, false]);
});

Deno.test("initializeAliceRatchet() returns a state that never prints its secrets", async () => {
  const { alice } = await ratchetPair("state print");
  const json = JSON.stringify(alice, (_k, v) => v instanceof Uint8Array ? "bytes" : v);
  assert.ok(!json.includes(toHex(alice.rootKey.bytes())));
  assert.ok(json.includes("[SecretKey]"));
});
