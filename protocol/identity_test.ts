import assert from "node:assert/strict";
import { fromHex, toHex } from "./bytes.ts";
import { isProtocolError } from "./errors.ts";
import { allProviders } from "./crypto/default.ts";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "./_testing/vectors.ts";
import { seededRng } from "./_testing/seeded_rng.ts";
import { generateIdentity, identityFromSeed, parseSessionId, sessionIdFor } from "./identity.ts";

const providers = await allProviders();

Deno.test({
  name: `identityFromSeed() matches the libsession identity vectors, every provider${
    HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
  }`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const keys = loadVectors("e2ee/identity_keys.json");
    const storage = loadVectors("session/storage-signatures.json");
    for (const provider of providers) {
      let passed = 0;
      for (const k of keys.keypairs) {
        const id = await identityFromSeed(fromHex(k.ed25519_seed_hex), { provider });
        assert.equal(toHex(id.ed25519Public), k.ed25519_public_hex);
        if (k.x25519_public_hex) assert.equal(toHex(id.x25519Public), k.x25519_public_hex);
        if (k.session_id) assert.equal(id.sessionId, k.session_id);
        if (k.x25519_secret_hex) assert.equal(toHex(id.x25519Secret), k.x25519_secret_hex);
        // The X25519 secret really is the secret of the X25519 public key.
        assert.equal(toHex(await provider.x25519PublicKey(id.x25519Secret)), toHex(id.x25519Public));
        passed++;
      }
      for (const c of storage.ed_to_x_cases) {
        assert.equal((await identityFromSeed(fromHex(c.ed25519_seed), { provider })).sessionId, c.session_id, c.id);
        passed++;
      }
      assert.equal(
        (await identityFromSeed(fromHex(storage.keys.user.seed), { provider })).sessionId,
        storage.keys.user.session_id,
      );
      passed++;
      reportCases(`e2ee/identity_keys.json + storage ed_to_x [${provider.name}]`, { passed });
    }
  },
});

Deno.test("parseSessionId() names the exact problem", () => {
  const good = "05" + "ab".repeat(32);
  assert.equal(toHex(parseSessionId(good.toUpperCase())), "ab".repeat(32));
  const bad: [unknown, RegExp][] = [
    [undefined, /not a string/],
    ["05" + "ab".repeat(31), /64 characters, expected 66/],
    ["05" + "zz".repeat(32), /not hex/],
    ["03" + "ab".repeat(32), /prefix "03"/],
    ["15" + "ab".repeat(32), /prefix "15"/],
  ];
  for (const [input, message] of bad) {
    assert.throws(
      () => parseSessionId(input as string),
      (e) => isProtocolError(e, "KEY_INVALID") && message.test((e as Error).message),
    );
  }
});

Deno.test("generateIdentity() is reproducible from an rng and round-trips through the Session ID", async () => {
  const a = await generateIdentity({ rng: seededRng("id") });
  const b = await generateIdentity({ rng: seededRng("id") });
  assert.equal(a.sessionId, b.sessionId);
  assert.equal(toHex(parseSessionId(a.sessionId)), toHex(a.x25519Public));
  assert.equal(sessionIdFor(a.x25519Public), a.sessionId);
  await assert.rejects(identityFromSeed(new Uint8Array(31)), RangeError);
});
