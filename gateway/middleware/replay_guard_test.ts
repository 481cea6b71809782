import assert from "node:assert/strict";
import type { CryptoProvider } from "../../mod.ts";
import { assertPlain, deliverBody, makeGateway, provider, relayBody } from "../_testing/fixtures.ts";
import { INVALID_CIPHERTEXT } from "../responses.ts";

/** The test provider, counting X25519 operations. */
function countingProvider(): CryptoProvider & { readonly x25519Calls: number } {
  let calls = 0;
  const p = provider as unknown as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const name of ["name", "backends"]) copy[name] = p[name];
  for (const name of Object.keys(provider) as (keyof CryptoProvider)[]) {
    const v = p[name];
    if (typeof v === "function") copy[name] = (...args: unknown[]) => v.apply(provider, args);
  }
  copy.x25519 = (secret: Uint8Array, pub: Uint8Array) => {
    calls++;
    return provider.x25519(secret, pub);
  };
  Object.defineProperty(copy, "x25519Calls", { get: () => calls });
  return copy as unknown as CryptoProvider & { readonly x25519Calls: number };
}

Deno.test("replayGuard() refuses a replay before any key agreement", async () => {
  const counting = countingProvider();
  const gw = makeGateway({ provider: counting });
  const body = await relayBody();
  assert.equal((await gw.post(body)).status, 200);
  assert.equal(counting.x25519Calls, 1);
  for (let i = 0; i < 5; i++) await assertPlain(await gw.post(body), 400, INVALID_CIPHERTEXT);
  assert.equal(counting.x25519Calls, 1, "replays cost a hash, not an X25519");
});

Deno.test("replayGuard() refuses malformed requests before any key agreement", async () => {
  const counting = countingProvider();
  const gw = makeGateway({ provider: counting });
  for (const body of [new Uint8Array(0), new Uint8Array([9, 9, 9, 9, 9]), new TextEncoder().encode("\0\0\0\0{}")]) {
    const res = await gw.post(body);
    assert.equal(res.status, 400);
    await res.body?.cancel();
  }
  assert.equal(counting.x25519Calls, 0);
});

Deno.test("replayGuard() gives a replay exactly the bytes and headers of a bad tag", async () => {
  const gw = makeGateway();
  const { body } = await deliverBody('{"method":"info","params":{}}');
  await (await gw.post(body)).body?.cancel();
  const replay = await gw.post(body);
  const tampered = body.slice();
  tampered[10] ^= 1;
  const bad = await gw.post(tampered);
  assert.equal(replay.status, bad.status);
  assert.deepEqual([...replay.headers], [...bad.headers]);
  assert.equal(await replay.text(), await bad.text());
});
