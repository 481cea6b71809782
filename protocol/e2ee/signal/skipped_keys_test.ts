import assert from "node:assert/strict";
import { SecretKey } from "../../crypto/secret_key.ts";
import {
  addSkippedKeys,
  dropSkippedChain,
  emptySkippedKeys,
  type SkippedKey,
  skippedKeyCount,
  takeSkippedKey,
} from "./skipped_keys.ts";
import { MAX_SKIPPED_KEYS_PER_CHAIN, MAX_SKIPPED_KEYS_TOTAL } from "./constants.ts";

const chainA = new Uint8Array(32).fill(0xa);
const chainB = new Uint8Array(32).fill(0xb);

function keys(ratchetKey: Uint8Array, from: number, to: number): SkippedKey[] {
  const out: SkippedKey[] = [];
  for (let counter = from; counter < to; counter++) {
    out.push({ ratchetKey, counter, seed: new SecretKey(new Uint8Array(32).fill(counter & 0xff)) });
  }
  return out;
}

Deno.test("takeSkippedKey() returns a key once and leaves the original store unchanged", () => {
  const store = addSkippedKeys(emptySkippedKeys(), keys(chainA, 0, 3));
  const [after, seed] = takeSkippedKey(store, { ratchetKey: chainA, counter: 1 });
  assert.equal(seed?.bytes()[0], 1);
  assert.equal(skippedKeyCount(after), 2);
  assert.equal(skippedKeyCount(store), 3, "the input store is not modified");
  assert.equal(takeSkippedKey(after, { ratchetKey: chainA, counter: 1 })[1], undefined, "a key is used once");
  assert.equal(takeSkippedKey(store, { ratchetKey: chainB, counter: 1 })[1], undefined, "keys are per chain");
});

Deno.test("addSkippedKeys() keeps at most MAX_SKIPPED_KEYS_PER_CHAIN per chain, evicting the oldest", () => {
  assert.equal(MAX_SKIPPED_KEYS_PER_CHAIN, 2000);
  let store = addSkippedKeys(emptySkippedKeys(), keys(chainA, 0, 1500));
  store = addSkippedKeys(store, keys(chainA, 1500, 2100));
  store = addSkippedKeys(store, keys(chainB, 0, 10));
  assert.equal(skippedKeyCount(store, chainA), 2000);
  assert.equal(skippedKeyCount(store, chainB), 10);
  assert.equal(takeSkippedKey(store, { ratchetKey: chainA, counter: 99 })[1], undefined, "oldest evicted");
  assert.ok(takeSkippedKey(store, { ratchetKey: chainA, counter: 100 })[1] !== undefined);
  assert.ok(takeSkippedKey(store, { ratchetKey: chainA, counter: 2099 })[1] !== undefined);
});

Deno.test("addSkippedKeys() keeps at most MAX_SKIPPED_KEYS_TOTAL across chains, evicting the oldest overall", () => {
  assert.equal(MAX_SKIPPED_KEYS_TOTAL, 10_000);
  let store = emptySkippedKeys();
  for (let c = 0; c < 6; c++) store = addSkippedKeys(store, keys(new Uint8Array(32).fill(c), 0, 2000));
  assert.equal(skippedKeyCount(store), 10_000);
  assert.equal(skippedKeyCount(store, new Uint8Array(32).fill(0)), 0, "the oldest chain went first");
  assert.equal(skippedKeyCount(store, new Uint8Array(32).fill(5)), 2000);
});

Deno.test("addSkippedKeys() honours smaller limits and rejects bad input", () => {
  const store = addSkippedKeys(emptySkippedKeys(), keys(chainA, 0, 10), { maxPerChain: 4, maxTotal: 3 });
  assert.equal(skippedKeyCount(store), 3);
  assert.throws(() => addSkippedKeys(emptySkippedKeys(), keys(new Uint8Array(31), 0, 1)), RangeError);
  assert.throws(() => addSkippedKeys(emptySkippedKeys(), keys(chainA, 0, 1), { maxTotal: -1 }), RangeError);
  assert.throws(
    () => addSkippedKeys(emptySkippedKeys(), [{ ratchetKey: chainA, counter: -1, seed: keys(chainA, 0, 1)[0].seed }]),
    RangeError,
  );
});

Deno.test("dropSkippedChain() removes every key of one chain only", () => {
  let store = addSkippedKeys(emptySkippedKeys(), keys(chainA, 0, 5));
  store = addSkippedKeys(store, keys(chainB, 0, 5));
  const dropped = dropSkippedChain(store, chainA);
  assert.equal(skippedKeyCount(dropped, chainA), 0);
  assert.equal(skippedKeyCount(dropped, chainB), 5);
  assert.equal(dropSkippedChain(dropped, chainA), dropped, "nothing to drop: same store");
});

Deno.test("addSkippedKeys() stores seeds that never print", () => {
  const store = addSkippedKeys(emptySkippedKeys(), keys(chainA, 7, 8));
  assert.ok(JSON.stringify([...store.entries.values()]).includes("[SecretKey]"));
});
