import assert from "node:assert/strict";
import { utf8 } from "../bytes.ts";
import { defaultProvider } from "../crypto/default.ts";
import {
  requiredAccess,
  SUBACCOUNT_ANY_PREFIX,
  SUBACCOUNT_DELETE,
  SUBACCOUNT_READ,
  SUBACCOUNT_WRITE,
  verifyRequestSignature,
} from "./auth_signature.ts";
import type { StorageRequest } from "./params.ts";
import { accountId } from "./params_keys.ts";

const provider = await defaultProvider();

Deno.test("verifyRequestSignature() refuses a pubkey_ed25519 that does not convert to the account", async () => {
  const seed = new Uint8Array(32).fill(3);
  const ed = await provider.ed25519PublicKey(seed);
  const x = await provider.ed25519PublicToX25519(ed);
  const msg = utf8("m");
  const signature = await provider.ed25519Sign(seed, msg);
  const pubkey = accountId(new Uint8Array([5, ...x]));
  assert.ok(await verifyRequestSignature({ pubkey, signature, pubkeyEd25519: ed }, msg, { provider }));
  const wrongEd = await provider.ed25519PublicKey(new Uint8Array(32).fill(4));
  assert.ok(!await verifyRequestSignature({ pubkey, signature, pubkeyEd25519: wrongEd }, msg, { provider }));
  assert.ok(!await verifyRequestSignature({ pubkey, signature }, msg, { provider }), "05 without pubkey_ed25519");
  const badKey = new Uint8Array(32).fill(0xff);
  assert.ok(!await verifyRequestSignature({ pubkey, signature, pubkeyEd25519: badKey }, msg, { provider }));
});

Deno.test("requiredAccess() gives each method's subaccount flags (§6.2)", () => {
  const rows: [string, Record<string, unknown>, number][] = [
    ["store", { namespace: 1 }, SUBACCOUNT_WRITE],
    ["store", { namespace: -21 }, SUBACCOUNT_WRITE | SUBACCOUNT_DELETE],
    ["retrieve", {}, SUBACCOUNT_READ],
    ["get_expiries", {}, SUBACCOUNT_READ],
    ["delete", {}, SUBACCOUNT_DELETE],
    ["delete_all", {}, SUBACCOUNT_DELETE],
    ["delete_before", {}, SUBACCOUNT_DELETE],
    ["expire_all", {}, SUBACCOUNT_DELETE],
    ["expire", {}, SUBACCOUNT_WRITE],
    ["revoke_subaccount", {}, 0],
    ["info", {}, 0],
  ];
  for (const [method, extra, want] of rows) {
    assert.equal(requiredAccess({ method, ...extra } as unknown as StorageRequest), want, method);
  }
});

Deno.test("verifyRequestSignature() checks a token's prefix, flags, revocation and owner signature", async () => {
  const ownerSeed = new Uint8Array(32).fill(9);
  const memberSeed = new Uint8Array(32).fill(4);
  const owner = await provider.ed25519PublicKey(ownerSeed);
  const member = await provider.ed25519PublicKey(memberSeed);
  const msg = utf8("retrieve5");
  const withToken = async (prefix: number, flags: number) => {
    const token = new Uint8Array([prefix, flags, 0, 0, ...member]);
    return { token, signature: await provider.ed25519Sign(ownerSeed, token) };
  };
  const creds = {
    pubkey: accountId(new Uint8Array([0x03, ...owner])),
    signature: await provider.ed25519Sign(memberSeed, msg),
  };
  const v = async (sub: { token: Uint8Array; signature: Uint8Array }, options = {}) =>
    await verifyRequestSignature({ ...creds, subaccount: sub }, msg, {
      provider,
      requiredAccess: SUBACCOUNT_READ,
      ...options,
    });
  assert.ok(await v(await withToken(0x03, SUBACCOUNT_READ)));
  assert.ok(!await v(await withToken(0x05, SUBACCOUNT_READ)), "prefix mismatch");
  assert.ok(await v(await withToken(0x05, SUBACCOUNT_READ | SUBACCOUNT_ANY_PREFIX)), "AnyPrefix");
  assert.ok(!await v(await withToken(0x03, SUBACCOUNT_WRITE)), "missing Read");
  assert.ok(!await v(await withToken(0x03, SUBACCOUNT_READ), { isRevoked: () => true }), "revoked");
  assert.ok(await v(await withToken(0x03, SUBACCOUNT_READ), { isRevoked: () => true, skipRevokeCheck: true }));
  const forged = await withToken(0x03, SUBACCOUNT_READ);
  forged.signature[0] ^= 1;
  assert.ok(!await v(forged), "owner signature");
  assert.ok(!await v({ token: new Uint8Array(35), signature: new Uint8Array(64) }), "short token");
});
