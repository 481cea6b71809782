import assert from "node:assert/strict";
import { Hono } from "hono";
import { seededRng } from "../../protocol/_testing/seeded_rng.ts";
import { makeGateway } from "../_testing/fixtures.ts";
import type { GatewayEnv } from "../context.ts";
import { requestId } from "./request_id.ts";

Deno.test("requestId() gives each request a distinct 64-bit hex id", async () => {
  const app = new Hono<GatewayEnv>();
  app.use(requestId({ rng: seededRng("ids") }));
  app.get("/", (c) => c.text(c.var.requestId));
  const ids = new Set<string>();
  for (let i = 0; i < 100; i++) ids.add(await (await app.request("/")).text());
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, /^[0-9a-f]{16}$/);
});

Deno.test("requestId() is not sent to the client", async () => {
  const gw = makeGateway();
  const res = await gw.request("/health");
  await res.body?.cancel();
  for (const [name] of res.headers) assert.ok(!/request-id/i.test(name), name);
});
