import assert from "node:assert/strict";
import { allProviders, defaultProvider, providerByName } from "./default.ts";
import { nobleProvider } from "./noble.ts";
import type { ProviderName } from "./provider.ts";
import { loadSodiumProvider } from "./sodium.ts";
import { loadWebcryptoProvider } from "./webcrypto.ts";

Deno.test("defaultProvider() picks sodium where the addon loads, else webcrypto, else noble", async () => {
  const sodium = await loadSodiumProvider();
  const webcrypto = await loadWebcryptoProvider();
  const expected = sodium?.name ?? webcrypto?.name ?? "noble";
  assert.equal((await defaultProvider()).name, expected);
});

Deno.test("defaultProvider() returns the same provider on every call", async () => {
  assert.equal(await defaultProvider(), await defaultProvider());
});

Deno.test("allProviders() lists the noble reference first and each provider once", async () => {
  const providers = await allProviders();
  assert.equal(providers[0], nobleProvider);
  const names = providers.map((p) => p.name);
  assert.equal(new Set(names).size, names.length);
  assert.ok(names.includes((await defaultProvider()).name));
});

Deno.test("providerByName() returns each loadable provider by its name", async () => {
  for (const p of await allProviders()) assert.equal(await providerByName(p.name), p);
});

Deno.test("providerByName() throws RangeError for an unknown name", async () => {
  await assert.rejects(() => providerByName("openssl" as ProviderName), RangeError);
  await assert.rejects(() => providerByName("toString" as ProviderName), RangeError);
});

Deno.test("every provider's backends map names a library for each family", async () => {
  for (const p of await allProviders()) {
    assert.ok(Object.isFrozen(p) && Object.isFrozen(p.backends), p.name);
    for (const family of ["x25519", "ed25519", "aesGcm", "xchacha", "hmac", "blake2b"]) {
      assert.equal(typeof p.backends[family], "string", `${p.name}.backends.${family}`);
    }
  }
});
