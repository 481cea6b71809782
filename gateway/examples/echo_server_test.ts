import assert from "node:assert/strict";
import {
  buildOnionRequest,
  decryptOnionReply,
  encodeV3Request,
  encodeV4Request,
  type OnionResponse,
  peelOnionLayer,
  toHex,
} from "../../mod.ts";
import { nextRng, provider, SELF, text } from "../_testing/fixtures.ts";
import { createEchoApp, HELLO_BODY } from "./echo_server.ts";

const SECRET = new Uint8Array(32).fill(21);
const PUBLIC = await provider.x25519PublicKey(SECRET);
const app = createEchoApp({ x25519Secret: SECRET, x25519Public: PUBLIC, provider });

/** Client → exit node (SELF, peeled here) → the echo app in process. */
async function viaOnion(target: string, payload: Uint8Array): Promise<OnionResponse> {
  const { body, reply } = await buildOnionRequest({
    path: [SELF.node],
    destination: { host: "echo.example", target, x25519: toHex(PUBLIC) },
    payload,
    provider,
    rng: nextRng(),
  });
  const exit = await peelOnionLayer(body, SELF.keys, { provider });
  if (exit.kind !== "server") throw new Error("expected a server layer");
  const res = await app.request(target, { method: "POST", body: exit.forwardBody as Uint8Array<ArrayBuffer> });
  assert.equal(res.status, 200);
  const wire = target.includes("/v4/") ? new Uint8Array(await res.arrayBuffer()) : await res.text();
  return await decryptOnionReply(reply, wire, { provider });
}

Deno.test("createEchoApp() serves its three routes over plain HTTP", async () => {
  const hello = await app.request("/hello");
  assert.deepEqual([hello.status, await hello.text()], [200, HELLO_BODY]);
  const echo = await app.request("/echo", { method: "POST", body: "abc", headers: { "content-type": "text/x-test" } });
  assert.deepEqual([echo.status, echo.headers.get("content-type"), await echo.text()], [200, "text/x-test", "abc"]);
  const status = await app.request("/status/503");
  assert.deepEqual([status.status, await status.text()], [503, "status 503"]);
  const noContent = await app.request("/status/204");
  assert.deepEqual([noContent.status, await noContent.text()], [204, ""]);
  assert.equal((await app.request("/status/99")).status, 400);
  assert.equal((await app.request("/status/abc")).status, 400);
  assert.equal((await app.request("/elsewhere")).status, 404);
});

Deno.test("createEchoApp() answers v4 and v3 onion requests", async () => {
  const hello = await viaOnion("/oxen/v4/lsrpc", encodeV4Request({ method: "GET", endpoint: "/hello" }));
  assert.deepEqual([hello.status, text(hello.body)], [200, HELLO_BODY]);
  const bytes = new Uint8Array(256).map((_, i) => i);
  const echo = await viaOnion("/oxen/v4/lsrpc", encodeV4Request({ method: "POST", endpoint: "/echo", body: bytes }));
  assert.deepEqual([echo.status, echo.headers["content-type"], echo.body], [200, "application/octet-stream", bytes]);
  const missing = await viaOnion("/oxen/v4/lsrpc", encodeV4Request({ method: "GET", endpoint: "/missing" }));
  assert.equal(missing.status, 404);
  const v3 = await viaOnion("/loki/v3/lsrpc", encodeV3Request({ method: "GET", endpoint: "/status/418" }));
  assert.deepEqual([v3.status, text(v3.body)], [418, '{"status_code":418}']);
});
