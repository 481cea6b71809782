import assert from "node:assert/strict";
import fc from "fast-check";
import { ed25519 } from "@noble/curves/ed25519.js";
import { concat, toHex, utf8 } from "../../bytes.ts";
import { isProtocolError } from "../../errors.ts";
import { nobleProvider as provider } from "../../crypto/noble.ts";
import { identityFromSeed } from "../../identity.ts";
import { seededRng } from "../../_testing/seeded_rng.ts";
import { type BDict, bencode } from "../../onion/bencode.ts";
import { decryptGroupMessage, encryptForGroup } from "./group_message.ts";
import { loadZstd, type ZstdCodec } from "./zstd.ts";

const alice = await identityFromSeed(new Uint8Array(32).fill(1), { provider });
const groupSeed = new Uint8Array(32).fill(7);
const group = ed25519.getPublicKey(groupSeed);
const groupId = "03" + toHex(group);
const key = new Uint8Array(32).fill(5);
const zstd = await loadZstd();
const NO_ZSTD = zstd === undefined ? " (skipped: no zstd in node:zlib here)" : "";
const code = (c: string) => (e: unknown) => isProtocolError(e) && e.code === c;

/** Encrypt a hand-made dict the way encryptForGroup does, to test the receiver's checks. */
async function sealDict(fields: BDict | Uint8Array): Promise<Uint8Array> {
  const nonce = new Uint8Array(24).fill(3);
  const dict = fields instanceof Uint8Array ? fields : bencode(fields);
  return concat(nonce, await provider.xchachaSeal(key, nonce, dict));
}

async function signed(data: Uint8Array, over: Uint8Array = group): Promise<Uint8Array> {
  return await provider.ed25519Sign(alice.ed25519Seed, concat(data, over));
}

Deno.test("encryptForGroup() → decryptGroupMessage() round trips, padded to 256, sender recovered", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 1200 }), async (m) => {
      const ct = await encryptForGroup(m, alice.ed25519Seed, {
        group: groupId,
        encryptionKey: key,
        rng: seededRng(toHex(m)),
        provider,
      });
      assert.equal(ct.length % 256, 0);
      const got = await decryptGroupMessage(ct, [new Uint8Array(32), key], { group, provider });
      assert.deepEqual(got.plaintext, m);
      assert.equal(got.senderSessionId, alice.sessionId);
      assert.deepEqual(got.senderEd25519, alice.ed25519Public);
      assert.equal(got.keyIndex, 1);
      assert.equal(got.compressed, false);
    }),
    { numRuns: 25 },
  );
});

Deno.test("encryptForGroup({ padding }) pads to the given multiple, or not at all with 0 or 1", async () => {
  const m = new Uint8Array(10);
  const unpadded = await encryptForGroup(m, alice.ed25519Seed, { group, encryptionKey: key, padding: 0, provider });
  // nonce 24 + tag 16 + d1:i1e1:a32:…1:d10:…1:s64:…e
  assert.equal(unpadded.length, 40 + bencode({ "": 1, a: alice.ed25519Public, d: m, s: new Uint8Array(64) }).length);
  const by100 = await encryptForGroup(m, alice.ed25519Seed, { group, encryptionKey: key, padding: 100, provider });
  assert.equal(by100.length % 100, 0);
  await assert.rejects(
    encryptForGroup(m, alice.ed25519Seed, { group, encryptionKey: key, padding: -1, provider }),
    RangeError,
  );
});

Deno.test("decryptGroupMessage() refuses any single bit flip", async () => {
  const ct = await encryptForGroup(utf8("group"), alice.ed25519Seed, {
    group,
    encryptionKey: key,
    rng: seededRng("f"),
    provider,
  });
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: ct.length * 8 - 1 }), async (bit) => {
      const tampered = ct.slice();
      tampered[bit >> 3] ^= 1 << (bit & 7);
      await assert.rejects(decryptGroupMessage(tampered, [key], { group, provider }), code("DECRYPT_FAILED"));
    }),
    { numRuns: 200 },
  );
});

Deno.test("decryptGroupMessage() refuses another group's key (signature binds the group) and unknown keys", async () => {
  const ct = await encryptForGroup(utf8("x"), alice.ed25519Seed, { group, encryptionKey: key, provider });
  const other = ed25519.getPublicKey(new Uint8Array(32).fill(8));
  await assert.rejects(decryptGroupMessage(ct, [key], { group: other, provider }), code("SIGNATURE_INVALID"));
  await assert.rejects(decryptGroupMessage(ct, [new Uint8Array(32)], { group, provider }), code("DECRYPT_FAILED"));
  await assert.rejects(decryptGroupMessage(ct.subarray(0, 39), [key], { group, provider }), code("DECRYPT_FAILED"));
});

Deno.test("decryptGroupMessage() checks the dict: version, a, s, exactly one non-empty d or z", async () => {
  const d = utf8("data");
  const s = await signed(d);
  const a = alice.ed25519Public;
  const cases: [BDict | Uint8Array, string][] = [
    [utf8("l1:xe"), "MESSAGE_INVALID"],
    [utf8("d1:xe"), "MESSAGE_INVALID"],
    [{ "": 2, a, d, s }, "MESSAGE_UNSUPPORTED"],
    [{ "": utf8("1"), a, d, s }, "MESSAGE_INVALID"],
    [{ a, d, s }, "MESSAGE_INVALID"],
    [{ "": 1, a: a.subarray(1), d, s }, "MESSAGE_INVALID"],
    [{ "": 1, a, d, s: s.subarray(1) }, "MESSAGE_INVALID"],
    [{ "": 1, a, s }, "MESSAGE_INVALID"],
    [{ "": 1, a, d: new Uint8Array(), s: await signed(new Uint8Array()) }, "MESSAGE_INVALID"],
    [{ "": 1, a, d, s, z: d }, "MESSAGE_INVALID"],
    [{ "": 1, a: new Uint8Array(32), d, s }, "KEY_INVALID"],
    [{ "": 1, a, d, s: await signed(utf8("other")) }, "SIGNATURE_INVALID"],
  ];
  for (const [dict, expected] of cases) {
    await assert.rejects(
      decryptGroupMessage(await sealDict(dict), [key], { group, provider }),
      code(expected),
      JSON.stringify(dict),
    );
  }
  // Extra keys are ignored, as libsession's dict consumer skips them.
  const ok = await decryptGroupMessage(await sealDict({ "": 1, a, d, s, x: 5 }), [key], { group, provider });
  assert.deepEqual(ok.plaintext, d);
});

Deno.test({
  name: `encryptForGroup({ zstd }) writes z when smaller, d when not; decryptGroupMessage() inflates z${NO_ZSTD}`,
  ignore: zstd === undefined,
  fn: async () => {
    const compressible = new Uint8Array(5000).fill(65);
    const ct = await encryptForGroup(compressible, alice.ed25519Seed, { group, encryptionKey: key, zstd, provider });
    assert.ok(ct.length < 1000);
    const got = await decryptGroupMessage(ct, [key], { group, provider });
    assert.deepEqual(got.plaintext, compressible);
    assert.equal(got.compressed, true);
    const random = seededRng("rand").fill(new Uint8Array(300));
    const raw = await decryptGroupMessage(
      await encryptForGroup(random, alice.ed25519Seed, { group, encryptionKey: key, zstd, provider }),
      [key],
      { group, provider },
    );
    assert.equal(raw.compressed, false);
    // Without a decompressor, z is refused with a clear code.
    await assert.rejects(decryptGroupMessage(ct, [key], { group, zstd: null, provider }), code("MESSAGE_UNSUPPORTED"));
  },
});

Deno.test({
  name: `decryptGroupMessage() refuses z that is not zstd or inflates past the 1 MB cap${NO_ZSTD}`,
  ignore: zstd === undefined,
  fn: async () => {
    const a = alice.ed25519Public;
    const garbage = utf8("not zstd");
    await assert.rejects(
      decryptGroupMessage(await sealDict({ "": 1, a, s: await signed(garbage), z: garbage }), [key], {
        group,
        provider,
      }),
      code("MESSAGE_INVALID"),
    );
    const bomb = (zstd as ZstdCodec).compress(new Uint8Array(1_000_001));
    await assert.rejects(
      decryptGroupMessage(await sealDict({ "": 1, a, s: await signed(bomb), z: bomb }), [key], { group, provider }),
      code("MESSAGE_INVALID"),
    );
  },
});

Deno.test("encryptForGroup() checks its arguments", async () => {
  const opts = { group, encryptionKey: key, provider };
  await assert.rejects(encryptForGroup(new Uint8Array(1_000_001), alice.ed25519Seed, opts), RangeError);
  await assert.rejects(
    encryptForGroup(new Uint8Array(1), alice.ed25519Seed, { ...opts, encryptionKey: new Uint8Array(31) }),
    RangeError,
  );
  await assert.rejects(
    encryptForGroup(new Uint8Array(1), alice.ed25519Seed, { ...opts, group: alice.sessionId }),
    code("KEY_INVALID"),
  );
  await assert.rejects(
    encryptForGroup(new Uint8Array(1), alice.ed25519Seed, { ...opts, group: new Uint8Array(31) }),
    RangeError,
  );
  await assert.rejects(decryptGroupMessage(new Uint8Array(64), "k" as never, opts), TypeError);
});
