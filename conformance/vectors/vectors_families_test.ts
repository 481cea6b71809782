/**
 * The published vectors of the non-onion families (`layer_v1.json`, `onion_reply_v1.json`,
 * `swarm_assign_v1.json`, `storage_message_hash_v1.json`, `storage_signatures_v1.json`) against
 * this repository's `protocol/`, with every crypto provider that loads here. Drift, schemas and
 * upstream agreement are checked in `vectors_test.ts`.
 */

import assert from "node:assert/strict";
import { fromHex, toHex } from "../../protocol/bytes.ts";
import { isProtocolError } from "../../protocol/errors.ts";
import { allProviders } from "../../protocol/crypto/default.ts";
import { decodeLayer } from "../../protocol/onion/codec.ts";
import { swarmFor, swarmSpacePosition } from "../../protocol/swarm/swarm_space.ts";
import { messageHash, messageHashInput } from "../../protocol/storage/message_hash.ts";
import { verifySignature } from "../../protocol/storage/signatures.ts";
import { reportCases } from "../../protocol/_testing/vectors.ts";
import { VECTORS_DIR } from "./generate.ts";
import { readReply, sealReplyAs } from "./_reply_cases.ts";
import { signedMessageOf } from "./signature_fields.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const providers = await allProviders();

async function load(name: string): Promise<Json> {
  return JSON.parse(await Deno.readTextFile(new URL(name, VECTORS_DIR)));
}

function counted(file: Json): Record<string, number> {
  const c: Record<string, number> = { valid: 0, invalid: 0, acceptable: 0 };
  for (const g of file.testGroups) for (const t of g.tests) c[t.result]++;
  return c;
}

Deno.test("layer_v1.json: decodeLayer() splits every valid body and refuses every invalid one", async () => {
  const file = await load("layer_v1.json");
  for (const t of file.testGroups[0].tests) {
    const label = `tcId ${t.tcId} (${t.comment})`;
    if (t.result === "invalid") {
      assert.throws(() => decodeLayer(fromHex(t.body)), (e) => isProtocolError(e, "ONION_FRAMING"), label);
      continue;
    }
    const l = decodeLayer(fromHex(t.body));
    assert.equal(toHex(l.blob), t.blob, label);
    assert.equal(toHex(l.json), t.trailer, label);
  }
  reportCases("conformance/vectors/layer_v1.json", counted(file));
});

for (const provider of providers) {
  Deno.test(`onion_reply_v1.json: protocol/ seals and reads every reply with the ${provider.name} provider`, async () => {
    const file = await load("onion_reply_v1.json");
    for (const g of file.testGroups) {
      for (const t of g.tests) {
        const label = `tcId ${t.tcId} (${t.comment})`;
        const p = {
          clientSecret: fromHex(t.clientSecret),
          clientPublic: fromHex(t.clientPublic),
          serverSecret: fromHex(t.serverSecret),
          serverPublic: fromHex(t.serverPublic),
        };
        const client = {
          ourSecret: p.clientSecret,
          ourPublic: p.clientPublic,
          theirPublic: p.serverPublic,
          role: "client" as const,
        };
        const read = readReply(provider, g.encType, g.format, client, fromHex(t.body));
        if (t.result === "invalid") {
          await assert.rejects(read, (e) => isProtocolError(e, "REPLY_INVALID"), label);
          continue;
        }
        const sealed = await sealReplyAs(provider, g.encType, p, fromHex(t.nonce), fromHex(t.plaintext), g.base64);
        assert.equal(toHex(sealed), t.body, label);
        assert.deepEqual(await read, t.reply, label);
      }
    }
    reportCases(`conformance/vectors/onion_reply_v1.json [${provider.name}]`, counted(file));
  });
}

Deno.test("swarm_assign_v1.json: swarmSpacePosition() and swarmFor() agree with every case", async () => {
  const file = await load("swarm_assign_v1.json");
  for (const g of file.testGroups) {
    for (const t of g.tests) {
      const label = `tcId ${t.tcId} (${t.comment})`;
      if (g.type === "SwarmSpaceTest") {
        if (t.result === "invalid") {
          assert.throws(() => swarmSpacePosition(t.accountId), (e) => isProtocolError(e, "KEY_INVALID"), label);
        } else {
          assert.equal(swarmSpacePosition(t.accountId), BigInt(t.position), label);
        }
      } else {
        const owner = swarmFor(t.accountId, g.swarmIds.map((s: string) => BigInt(s)));
        assert.equal(owner?.toString() ?? null, t.swarmId, label);
      }
    }
  }
  reportCases("conformance/vectors/swarm_assign_v1.json", counted(file));
});

for (const provider of providers) {
  Deno.test(`storage_message_hash_v1.json: messageHash() agrees with every case with the ${provider.name} provider`, async () => {
    const file = await load("storage_message_hash_v1.json");
    for (const t of file.testGroups[0].tests) {
      const label = `tcId ${t.tcId} (${t.comment})`;
      const account = fromHex(t.accountId), data = fromHex(t.data);
      if (t.result === "invalid") {
        assert.throws(() => messageHashInput(account, t.namespace, data), RangeError, label);
        continue;
      }
      assert.equal(toHex(messageHashInput(account, t.namespace, data)), t.hashInput, label);
      assert.equal(await messageHash(account, t.namespace, data, { provider }), t.hash, label);
    }
    reportCases(`conformance/vectors/storage_message_hash_v1.json [${provider.name}]`, counted(file));
  });

  Deno.test(`storage_signatures_v1.json: protocol/ builds and verifies every case with the ${provider.name} provider`, async () => {
    const file = await load("storage_signatures_v1.json");
    for (const g of file.testGroups) {
      for (const t of g.tests) {
        const label = `tcId ${t.tcId} (${t.comment})`;
        const message = signedMessageOf(g.signed, t.fields);
        assert.equal(toHex(message), t.message, label);
        const verify = verifySignature(fromHex(t.publicKey), message, fromHex(t.signature), { provider });
        if (t.result === "valid") assert.equal(await verify, true, label);
        else await assert.rejects(verify, (e) => isProtocolError(e, "SIGNATURE_INVALID"), label);
      }
    }
    reportCases(`conformance/vectors/storage_signatures_v1.json [${provider.name}]`, counted(file));
  });
}
