import assert from "node:assert/strict";
import { identityFromSeed, toHex } from "../mod.ts";
import { provider } from "./_testing/fixtures.ts";
import { formatNodeKeyFile, NODE_KEY_FORMAT, nodeKeysFromSeed, parseNodeKeyFile } from "./node_keys.ts";

Deno.test("parseNodeKeyFile() round-trips formatNodeKeyFile() and derives the Session-style keys", async () => {
  const seed = new Uint8Array(32).fill(9);
  const keys = await parseNodeKeyFile(formatNodeKeyFile(seed), provider);
  const id = await identityFromSeed(seed, { provider });
  assert.equal(toHex(keys.ed25519Public), toHex(id.ed25519Public));
  assert.equal(toHex(keys.x25519Public), toHex(id.x25519Public));
  assert.equal(toHex(keys.x25519Secret), toHex(id.x25519Secret));
  assert.deepEqual(await provider.x25519PublicKey(keys.x25519Secret), keys.x25519Public);
});

Deno.test("parseNodeKeyFile() refuses invalid and zero keys", async () => {
  const rows: [string, RegExp][] = [
    ["nope", /not JSON/],
    ["[]", /not a JSON object/],
    [JSON.stringify({ format: "x", ed25519_seed: "01".repeat(32) }), /format is not/],
    [JSON.stringify({ format: NODE_KEY_FORMAT, ed25519_seed: "01".repeat(31) }), /not 64 hex digits/],
    [JSON.stringify({ format: NODE_KEY_FORMAT, ed25519_seed: "zz".repeat(32) }), /not 64 hex digits/],
    [JSON.stringify({ format: NODE_KEY_FORMAT, ed25519_seed: "00".repeat(32) }), /seed is all zero/],
    [JSON.stringify({ format: NODE_KEY_FORMAT, ed25519_seed: "01".repeat(32), x25519: "1" }), /unknown field "x25519"/],
  ];
  for (const [text, message] of rows) await assert.rejects(parseNodeKeyFile(text, provider), message, text);
  await assert.rejects(nodeKeysFromSeed(new Uint8Array(31).fill(1), provider), RangeError);
  assert.throws(() => formatNodeKeyFile(new Uint8Array(32)), /all zero/);
});
