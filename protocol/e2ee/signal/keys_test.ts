import assert from "node:assert/strict";
import { toHex } from "../../bytes.ts";
import { allProviders } from "../../crypto/default.ts";
import { seededRng } from "../../_testing/seeded_rng.ts";
import { generateKeyPair, keyPairFromSecret } from "./keys.ts";

Deno.test("keyPairFromSecret() gives the X25519 public key on every provider and copies the secret", async () => {
  const secret = new Uint8Array(32).fill(9);
  const publics = new Set<string>();
  for (const provider of await allProviders()) {
    const pair = await keyPairFromSecret(secret, { provider });
    publics.add(toHex(pair.publicKey));
    assert.notEqual(pair.secretKey.bytes(), secret);
  }
  assert.equal(publics.size, 1);
  assert.equal(String((await keyPairFromSecret(secret)).secretKey), "[SecretKey]");
});

Deno.test("generateKeyPair() is reproducible with a seeded rng and requires one", async () => {
  const a = await generateKeyPair({ rng: seededRng("k") });
  const b = await generateKeyPair({ rng: seededRng("k") });
  assert.equal(toHex(a.publicKey), toHex(b.publicKey));
  await assert.rejects(() => generateKeyPair({} as never), TypeError);
  await assert.rejects(() => keyPairFromSecret(new Uint8Array(31)), RangeError);
});
