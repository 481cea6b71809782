import assert from "node:assert/strict";
import { ed25519 } from "@noble/curves/ed25519.js";
import { toHex, utf8 } from "../../bytes.ts";
import { nobleProvider as provider } from "../../crypto/noble.ts";
import { versionKeyPair, versionSignRequest } from "./version_key.ts";

Deno.test('versionKeyPair() is the Ed25519 key of BLAKE2b-256(key = "VersionCheckKey_sig")(seed), same for 32- or 64-byte secrets', async () => {
  const seed = new Uint8Array(32).fill(4);
  const kp = await versionKeyPair(seed, { provider });
  assert.deepEqual(kp.seed, await provider.blake2b(seed, 32, utf8("VersionCheckKey_sig")));
  assert.deepEqual(kp.publicKey, ed25519.getPublicKey(kp.seed));
  const full = new Uint8Array([...seed, ...ed25519.getPublicKey(seed)]);
  assert.equal(toHex((await versionKeyPair(full, { provider })).publicKey), toHex(kp.publicKey));
  await assert.rejects(versionKeyPair(new Uint8Array(31), { provider }), RangeError);
});

Deno.test("versionSignRequest() signs timestamp ‖ method ‖ path ‖ body with the version-check key", async () => {
  const seed = new Uint8Array(32).fill(4);
  const { publicKey } = await versionKeyPair(seed, { provider });
  const body = new Uint8Array([1, 2]);
  const sig = await versionSignRequest(seed, { timestamp: 17, method: "POST", path: "/p", body, provider });
  assert.ok(ed25519.verify(sig, new Uint8Array([...new TextEncoder().encode("17POST/p"), 1, 2]), publicKey));
  await assert.rejects(versionSignRequest(seed, { timestamp: -1, method: "GET", path: "/", provider }), RangeError);
  await assert.rejects(versionSignRequest(seed, { timestamp: 1, method: 1 as never, path: "/", provider }), TypeError);
});
