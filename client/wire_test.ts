import assert from "node:assert/strict";
import { generateIdentity, isProtocolError, nobleProvider as provider, systemRng as rng } from "../mod.ts";
import { groupEnvelopeKey, openDirect, openGroup, sealDirect, sealGroup } from "./wire.ts";

const source = "05" + "00".repeat(32);

Deno.test("sealDirect()/openDirect(): round trip; another identity, or any flipped byte, does not open", async () => {
  const bob = await generateIdentity({ provider });
  const eve = await generateIdentity({ provider });
  const fields = { type: "prekey" as const, source, timestamp: 1234, body: new Uint8Array([1, 2, 3]) };
  const sealed = sealDirect(fields, { recipient: bob.x25519Public, rng });
  assert.deepEqual(openDirect(sealed, bob), fields);
  assert.equal(sealed.length % 160, 48, "padded to 160-byte blocks, plus the 48-byte box overhead");
  assert.throws(() => openDirect(sealed, eve), (e) => isProtocolError(e, "DECRYPT_FAILED"));
  for (const i of [0, 31, 32, 47, 48, sealed.length - 1]) {
    const bad = sealed.slice();
    bad[i] ^= 1;
    assert.throws(() => openDirect(bad, bob), (e) => isProtocolError(e, "DECRYPT_FAILED"), `byte ${i}`);
  }
});

Deno.test("openGroup(): refuses another group's key, another group id, and flipped bytes", async () => {
  const key = await groupEnvelopeKey(new Uint8Array(32).fill(1), provider);
  const other = await groupEnvelopeKey(new Uint8Array(32).fill(2), provider);
  const groupId = "03" + "11".repeat(32);
  const fields = { source, timestamp: 9, senderKeyMessage: new Uint8Array([7]) };
  const sealed = await sealGroup(fields, { groupId, key, rng, provider });
  assert.deepEqual(await openGroup(sealed, { groupId, key, provider }), fields);
  await assert.rejects(
    openGroup(sealed, { groupId, key: other, provider }),
    (e) => isProtocolError(e, "DECRYPT_FAILED"),
  );
  await assert.rejects(
    openGroup(sealed, { groupId: "03" + "22".repeat(32), key, provider }),
    (e) => isProtocolError(e, "DECRYPT_FAILED"),
  );
  const bad = sealed.slice();
  bad[30] ^= 1;
  await assert.rejects(openGroup(bad, { groupId, key, provider }), (e) => isProtocolError(e, "DECRYPT_FAILED"));
});
