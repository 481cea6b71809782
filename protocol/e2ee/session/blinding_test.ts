import assert from "node:assert/strict";
import fc from "fast-check";
import { ed25519 } from "@noble/curves/ed25519.js";
import { fromHex, toHex } from "../../bytes.ts";
import { isProtocolError } from "../../errors.ts";
import { nobleProvider as provider } from "../../crypto/noble.ts";
import { identityFromSeed } from "../../identity.ts";
import {
  blind15Ids,
  blind15Sign,
  blind25Id,
  blind25Sign,
  blindedIdFromEd25519,
  blindedKeyPair,
  sameBlindedId,
  sessionIdMatchesBlindedId,
} from "./blinding.ts";
import { PREFIX_BLIND15, PREFIX_BLIND25 } from "./constants.ts";

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

Deno.test("blindedKeyPair() public keys equal the IDs blinded from the Session ID, for either sign of A", async () => {
  await fc.assert(
    fc.asyncProperty(bytes32, bytes32, async (seed, serverPublicKey) => {
      const id = await identityFromSeed(seed, { provider });
      const o = { serverPublicKey, provider };
      const k25 = await blindedKeyPair(seed, PREFIX_BLIND25, o);
      assert.equal("25" + toHex(k25.publicKey), await blind25Id(id.sessionId, serverPublicKey, { provider }));
      assert.equal("25" + toHex(k25.publicKey), await blindedIdFromEd25519(id.ed25519Public, PREFIX_BLIND25, o));
      const k15 = await blindedKeyPair(seed, PREFIX_BLIND15, o);
      const ids15 = await blind15Ids(id.sessionId, serverPublicKey, { provider });
      assert.ok(ids15.includes("15" + toHex(k15.publicKey)));
      assert.equal("15" + toHex(k15.publicKey), await blindedIdFromEd25519(id.ed25519Public, PREFIX_BLIND15, o));
    }),
    { numRuns: 20 },
  );
});

Deno.test("blind15Sign() and blind25Sign() are deterministic and verify as Ed25519 under the blinded key", async () => {
  await fc.assert(
    fc.asyncProperty(bytes32, bytes32, fc.uint8Array({ maxLength: 100 }), async (seed, serverPublicKey, m) => {
      for (const [sign, prefix] of [[blind15Sign, PREFIX_BLIND15], [blind25Sign, PREFIX_BLIND25]] as const) {
        const sig = await sign(m, seed, { serverPublicKey, provider });
        assert.deepEqual(sig, await sign(m, seed, { serverPublicKey, provider }));
        const { publicKey } = await blindedKeyPair(seed, prefix, { serverPublicKey, provider });
        assert.ok(ed25519.verify(sig, m, publicKey, { zip215: false }));
      }
    }),
    { numRuns: 15 },
  );
});

Deno.test("sessionIdMatchesBlindedId() matches both 15-forms and the 25-form, and nothing else", async () => {
  const sid = "05fe94b7ad4b7f1cc1bb92671f1f0d243f226e115b33770465e82b503fc3e96e1f";
  const other = "0505c9a9bf178fa644d44bebf628716dc7f2df3d0842e97881962c723699152073";
  const serverPublicKey = fromHex("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
  const o = { serverPublicKey, provider };
  for (const id of [...await blind15Ids(sid, serverPublicKey, o), await blind25Id(sid, serverPublicKey, o)]) {
    assert.ok(await sessionIdMatchesBlindedId(sid, id, o));
    assert.ok(await sessionIdMatchesBlindedId(sid, id.toUpperCase(), o));
    assert.ok(!await sessionIdMatchesBlindedId(other, id, o));
  }
  await assert.rejects(sessionIdMatchesBlindedId(sid, sid, o), (e) => isProtocolError(e, "KEY_INVALID"));
  assert.ok(sameBlindedId("15AB", "15ab") && !sameBlindedId("15ab", "25ab"));
});

Deno.test("blinding refuses bad Session IDs, server keys and prefixes", async () => {
  const serverPublicKey = new Uint8Array(32).fill(1);
  await assert.rejects(
    blind25Id("15" + "00".repeat(32), serverPublicKey, { provider }),
    (e) => isProtocolError(e, "KEY_INVALID"),
  );
  await assert.rejects(blind15Ids("05" + "00".repeat(32), new Uint8Array(31), { provider }), RangeError);
  await assert.rejects(blindedKeyPair(new Uint8Array(32), 0x05, { serverPublicKey, provider }), RangeError);
  await assert.rejects(blindedIdFromEd25519(new Uint8Array(32), 0x07, { serverPublicKey, provider }), RangeError);
  await assert.rejects(
    blindedIdFromEd25519(new Uint8Array(32), 0x15, { serverPublicKey, provider }),
    (e) => isProtocolError(e, "KEY_INVALID"),
  );
  await assert.rejects(blind15Sign("m" as never, new Uint8Array(32), { serverPublicKey, provider }), TypeError);
});
