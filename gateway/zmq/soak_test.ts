/**
 * The short soak: 500 real onions over ZeroMQ through three nodes (soak.ts; the full 10,000-relay
 * run is `deno run -A gateway/zmq/soak.ts`). A few seconds.
 */

import assert from "node:assert/strict";
import { runZmqSoak, soakPassed } from "./soak.ts";

Deno.test("runZmqSoak() carries 500 onions over ZeroMQ with no hang, loss or error", async () => {
  const report = await runZmqSoak({ relays: 500, concurrency: 32, seconds: 60 });
  assert.ok(soakPassed(report), JSON.stringify(report));
  assert.equal(report.ok, 500);
});
