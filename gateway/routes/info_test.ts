import assert from "node:assert/strict";
import { deliverBody, makeGateway, readEncrypted } from "../_testing/fixtures.ts";
import { createInfoHandler } from "./info.ts";

Deno.test("createInfoHandler() answers the storage server's info shape with the clock's time", async () => {
  const r = await createInfoHandler({ version: [1, 2, 3], hf: [4, 5] })({ ignored: true }, { now: 42 });
  assert.deepEqual(JSON.parse(r.body), { hf: [4, 5], t: 42, timestamp: 42, version: [1, 2, 3] });
  assert.equal(r.status, 200);
  assert.ok(r.bodyIsJson);
});

Deno.test("info through an onion reports the configured versions and the injected clock", async () => {
  const gw = makeGateway({ config: { reportedVersion: [2, 9, 1], networkVersion: [20, 0] } });
  gw.clock.t = 1_712_345_678_901.7;
  const { body, reply } = await deliverBody('{"method":"info","params":{}}');
  const answer = await readEncrypted(reply, await gw.post(body));
  assert.deepEqual(answer.json, {
    hf: [20, 0],
    t: 1_712_345_678_901,
    timestamp: 1_712_345_678_901,
    version: [2, 9, 1],
  });
});
