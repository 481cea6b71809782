import assert from "node:assert/strict";
import { DEFAULT_STORAGE_RPC_LIMITS, resolveLimits } from "./limits.ts";

Deno.test("DEFAULT_STORAGE_RPC_LIMITS hold the spec's defaults", () => {
  const d = DEFAULT_STORAGE_RPC_LIMITS;
  assert.deepEqual(
    [d.maxMessageData, d.retrieveMaxSize, d.maxBatch, d.peerTimeoutMs, d.signatureToleranceMs, d.forwardedToleranceMs],
    [76_800, 7_800_000, 20, 5_000, 60_000, 70_000],
  );
  assert.deepEqual([d.storeToleranceMs, d.ttlMinMs, d.ttlMaxPublicMs, d.ttlMaxPrivateMs], [
    10_000,
    10_000,
    14 * 86_400_000,
    30 * 86_400_000,
  ]);
  assert.deepEqual([d.hf, d.version, d.multiExpiryHf], [[19, 3], [2, 8, 0], [19, 4]]);
});

Deno.test("resolveLimits() applies overrides and refuses bad values", () => {
  assert.equal(resolveLimits({ maxBatch: 5 }).maxBatch, 5);
  assert.ok(Object.isFrozen(resolveLimits()));
  assert.throws(() => resolveLimits({ peerTimeoutMs: -1 }), RangeError);
  assert.throws(() => resolveLimits({ maxMessageData: 1.5 }), RangeError);
  assert.throws(() => resolveLimits({ hf: [19] }), RangeError);
  assert.throws(() => resolveLimits({ version: [2, 8, -1] }), RangeError);
});
