import assert from "node:assert/strict";
import { INVALID_REQUEST_PREFIX, isStorageRpcError, StorageRpcError } from "./rpc_error.ts";

Deno.test("StorageRpcError carries status, body and a sentence-case message", () => {
  const e = new StorageRpcError("TIMESTAMP_INVALID", 406, "Timestamp error: check your clock");
  assert.equal(e.status, 406);
  assert.equal(e.body, "Timestamp error: check your clock");
  assert.equal(e.message, "Cannot handle storage request: Timestamp error: check your clock");
  assert.equal(e.name, "StorageRpcError");
  assert.ok(e instanceof Error);
});

Deno.test("StorageRpcError.invalid() prefixes the reference's parse-error text", () => {
  const e = StorageRpcError.invalid("Required field 'pubkey' missing");
  assert.deepEqual([e.status, e.code, e.body], [
    400,
    "PARAMS_INVALID",
    INVALID_REQUEST_PREFIX + "Required field 'pubkey' missing",
  ]);
  assert.equal(StorageRpcError.invalid("x", "DATA_TOO_LARGE").code, "DATA_TOO_LARGE");
});

Deno.test("isStorageRpcError() matches the class and optionally the code", () => {
  const e = StorageRpcError.invalid("x");
  assert.ok(isStorageRpcError(e));
  assert.ok(isStorageRpcError(e, "PARAMS_INVALID"));
  assert.ok(!isStorageRpcError(e, "FORBIDDEN"));
  assert.ok(!isStorageRpcError(new Error("x")));
});
