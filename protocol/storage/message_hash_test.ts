import assert from "node:assert/strict";
import { fromBase64, fromHex, toHex } from "../bytes.ts";
import { allProviders } from "../crypto/default.ts";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../_testing/vectors.ts";
import { MESSAGE_HASH_CHARS, messageHash, messageHashInput } from "./message_hash.ts";

const FILE = "session/storage-message-hash.json";
const providers = await allProviders();

Deno.test({
  name: `messageHash() matches every storage-message-hash vector, every provider${
    HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
  }`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const v = loadVectors(FILE);
    for (const provider of providers) {
      let passed = 0;
      for (const c of v.cases) {
        const accountId = fromHex(c.pubkey);
        const data = fromBase64(c.data_b64);
        assert.equal(toHex(messageHashInput(accountId, c.namespace, data)), c.hash_input_hex, c.id);
        const hash = await messageHash(accountId, c.namespace, data, { provider });
        assert.equal(hash, c.expected_hash, c.id);
        assert.equal(hash.length, MESSAGE_HASH_CHARS);
        passed++;
      }
      reportCases(`${FILE} [${provider.name}]`, { passed });
    }
  },
});

Deno.test("messageHash() depends on namespace and data, the namespace entering as text (§8)", async () => {
  const account = new Uint8Array(33).fill(5);
  const base = await messageHash(account, 2, new Uint8Array([1]));
  assert.notEqual(await messageHash(account, 3, new Uint8Array([1])), base);
  assert.notEqual(await messageHash(account, 2, new Uint8Array([2])), base);
  assert.notEqual(
    await messageHash(account, 0, new Uint8Array([0x32, 1])),
    await messageHash(account, 0, new Uint8Array([1])),
  );
  // Namespace 2 contributes "2" (0x32), so ns 2 + [1] and ns 0 + ["2", 1] collide by design (§8).
  assert.equal(await messageHash(account, 0, new Uint8Array([0x32, 1])), base);
});

Deno.test("messageHashInput() rejects a wrong account-id length, a bad namespace and non-bytes", () => {
  assert.throws(() => messageHashInput(new Uint8Array(32), 0, new Uint8Array(0)), {
    name: "RangeError",
    message: "Cannot hash message: account id is 32 bytes, expected 33",
  });
  assert.throws(() => messageHashInput(new Uint8Array(33), 32768, new Uint8Array(0)), RangeError);
  assert.throws(() => messageHashInput("05" as unknown as Uint8Array, 0, new Uint8Array(0)), {
    name: "TypeError",
    message: "Cannot hash message: account id is not a Uint8Array",
  });
  assert.throws(() => messageHashInput(new Uint8Array(33), 0, [1] as unknown as Uint8Array), {
    name: "TypeError",
    message: "Cannot hash message: data is not a Uint8Array",
  });
});
