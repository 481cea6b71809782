import assert from "node:assert/strict";
import { MAX_BATCH_REQUESTS, MAX_MESSAGE_DATA_BYTES, MAX_REVOKE_TOKENS } from "./params_types.ts";

Deno.test("params_types limits hold the spec's values (swarms-and-storage.md §10)", () => {
  assert.equal(MAX_MESSAGE_DATA_BYTES, 76_800);
  assert.equal(MAX_MESSAGE_DATA_BYTES % 3, 0, "base64 of the maximum needs no padding");
  assert.equal(MAX_BATCH_REQUESTS, 20);
  assert.equal(MAX_REVOKE_TOKENS, 50);
});
