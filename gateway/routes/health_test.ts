import assert from "node:assert/strict";
import { makeGateway } from "../_testing/fixtures.ts";

Deno.test("GET /health answers 200 ok and reveals nothing else", async () => {
  const gw = makeGateway();
  const res = await gw.request("/health");
  assert.equal(res.status, 200);
  assert.equal(await res.text(), "ok");
  const names = [...res.headers.keys()].sort();
  assert.deepEqual(names, ["cache-control", "content-type"]);
});
