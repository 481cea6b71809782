import assert from "node:assert/strict";
import { toBase64 } from "../../mod.ts";
import { memoryLogger } from "../logger.ts";
import { dispatchRpc, type RpcHandlers } from "./rpc.ts";

const handlers: RpcHandlers = {
  echo: (params) => ({ status: 200, body: JSON.stringify(params), bodyIsJson: true }),
  boom: () => Promise.reject(new Error("secret")),
};
const limits = { maxRequestBytes: 200_000, maxMessageData: 100 };
const run = (payload: string) =>
  dispatchRpc(new TextEncoder().encode(payload), { handlers, limits, ctx: { now: 5 }, logger: memoryLogger() });

Deno.test("dispatchRpc() answers a table of requests", async () => {
  const rows: [string, number, string][] = [
    ['{"method":"echo","params":{"a":1}}', 200, '{"a":1}'],
    ['{"method":"echo"}', 200, "{}"],
    ['{"method":"nope","params":{}}', 400, "no method nope"],
    ['{"method":"toString","params":{}}', 400, "no method toString"],
    ['{"method":"__proto__","params":{}}', 400, "Invalid json"],
    ['{"method":"boom","params":{}}', 500, "request failed"],
    ["", 400, "Invalid json"],
    ["null", 400, "Invalid json"],
    ['{"method":"echo","params":null}', 400, "Invalid json"],
    ['{"method":"echo","params":"x"}', 400, "Invalid json"],
    ['{"method":"' + "a".repeat(65) + '"}', 400, "Invalid json"],
    ['{"method":"echo","params":{},"method":"boom"}', 400, "Invalid json"],
    ['{"method":"echo","params":' + "[".repeat(50) + "]".repeat(50) + "}", 400, "Invalid json"],
    [`{"method":"echo","params":{"data":"${toBase64(new Uint8Array(101))}"}}`, 413, "Message too large"],
    [`{"method":"nope","params":{"data":"${toBase64(new Uint8Array(100))}"}}`, 400, "no method nope"],
    [`{"method":"echo","params":{"pad":"${"x".repeat(200_000)}"}}`, 413, "Message too large"],
  ];
  for (const [payload, status, body] of rows) {
    const r = await run(payload);
    assert.deepEqual([r.status, r.body], [status, body], payload.slice(0, 60));
  }
});
