import assert from "node:assert/strict";
import { fromHex, toHex } from "../../bytes.ts";
import { allProviders } from "../../crypto/default.ts";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../../_testing/vectors.ts";
import { deriveMessageKeys, deriveX3dhKeys, kdfChainKey, kdfRootKey, wipeMessageKeys } from "./kdf.ts";

const providers = await allProviders();

Deno.test({
  name: `kdfChainKey() and deriveMessageKeys() match libsignal's chain-key vector, every provider${
    HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
  }`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const v = loadVectors("e2ee/signal_kat.json").chain_key_derivation;
    for (const provider of providers) {
      const step = await kdfChainKey(fromHex(v.chain_key_hex), { provider });
      const keys = await deriveMessageKeys(step.messageKeySeed, { provider });
      assert.equal(toHex(keys.cipherKey), v.message_cipher_key_hex, provider.name);
      assert.equal(toHex(keys.macKey), v.message_mac_key_hex, provider.name);
      assert.equal(toHex(step.nextChainKey), v.next_chain_key_hex, provider.name);
      assert.equal(keys.iv.length, 16);
    }
    reportCases("signal_kat.json chain_key_derivation", { valid: providers.length });
  },
});

Deno.test('kdfRootKey() is HKDF with the root key as salt and "WhisperRatchet"', async () => {
  const [p] = providers;
  const rk = new Uint8Array(32).fill(3), dh = new Uint8Array(32).fill(4);
  const okm = await p.hkdfSha256(dh, rk, new TextEncoder().encode("WhisperRatchet"), 64);
  const out = await kdfRootKey(rk, dh, { provider: p });
  assert.equal(toHex(out.rootKey), toHex(okm.slice(0, 32)));
  assert.equal(toHex(out.chainKey), toHex(okm.slice(32)));
});

Deno.test('deriveX3dhKeys() prefixes 0xFF×32 and uses "WhisperText" with no salt', async () => {
  const [p] = providers;
  const dh = [1, 2, 3, 4].map((n) => new Uint8Array(32).fill(n));
  const ikm = new Uint8Array(32 * 5).fill(0xff);
  dh.forEach((d, i) => ikm.set(d, 32 * (i + 1)));
  const okm = await p.hkdfSha256(ikm, new Uint8Array(0), new TextEncoder().encode("WhisperText"), 64);
  const out = await deriveX3dhKeys(dh, { provider: p });
  assert.equal(toHex(out.rootKey) + toHex(out.chainKey), toHex(okm));
  await assert.rejects(() => deriveX3dhKeys(dh.slice(0, 2)), RangeError);
  await assert.rejects(() => deriveX3dhKeys([...dh, dh[0]]), RangeError);
});

Deno.test("kdfChainKey() rejects a chain key of the wrong length", async () => {
  await assert.rejects(() => kdfChainKey(new Uint8Array(31)), RangeError);
  await assert.rejects(() => kdfRootKey(new Uint8Array(32), new Uint8Array(33)), RangeError);
  await assert.rejects(() => deriveMessageKeys(new Uint8Array(16)), RangeError);
});

Deno.test("wipeMessageKeys() zeroes all 80 bytes", async () => {
  const keys = await deriveMessageKeys(new Uint8Array(32).fill(1));
  wipeMessageKeys(keys);
  assert.ok([...keys.cipherKey, ...keys.macKey, ...keys.iv].every((b) => b === 0));
});
