/**
 * End to end over real sockets: client → the gateway as exit node (createApp with
 * HttpServerRelay) → the example echo service (examples/echo_server.ts, Deno.serve on
 * 127.0.0.1:0 behind a connection-counting front) → back, decrypted at the client. The same
 * target under the default config gets the encrypted `Invalid url` and no connection at all.
 */

import assert from "node:assert/strict";
import {
  buildOnionRequest,
  decryptOnionReply,
  encodeV3Request,
  encodeV4Request,
  type OnionReplyKey,
  type OnionServer,
  peelOnionLayer,
  toHex,
  utf8,
} from "../../mod.ts";
import { GUARD, makeGateway, nextRng, provider, readEncrypted, SELF, text } from "../_testing/fixtures.ts";
import { createConfig, DEFAULT_CONFIG } from "../config.ts";
import { createEchoApp, HELLO_BODY } from "../examples/echo_server.ts";
import { INVALID_URL } from "../responses.ts";
import { loopbackStub } from "./_testing/loopback_stub.ts";
import { HttpServerRelay, serverRelayOptions } from "./http_server_relay.ts";

const ECHO_SECRET = new Uint8Array(32).fill(21);
const ECHO_PUBLIC = await provider.x25519PublicKey(ECHO_SECRET);

/** The example service on 127.0.0.1 behind a counting front. */
function serveEcho() {
  const app = createEchoApp({ x25519Secret: ECHO_SECRET, x25519Public: ECHO_PUBLIC, provider });
  return loopbackStub((req) => app.fetch(req));
}

function echoDestination(port: number, target = "/oxen/v4/lsrpc"): OnionServer {
  return { host: "127.0.0.1", port, protocol: "http", target, x25519: toHex(ECHO_PUBLIC) };
}

/** An onion over GUARD → SELF (exit) → the echo service; returns what SELF receives. */
async function onionToEcho(destination: OnionServer, payload: Uint8Array) {
  const { body, reply } = await buildOnionRequest({
    path: [GUARD.node, SELF.node],
    destination,
    payload,
    provider,
    rng: nextRng(),
  });
  const atGuard = await peelOnionLayer(body, GUARD.keys, { provider }); // the guard's part, done here
  if (atGuard.kind !== "relay") throw new Error("expected relay at the guard");
  return { body: atGuard.nextRequestBody, reply };
}

/** The reply key of SELF's own layer (a real client does not keep it; the test can derive it). */
async function exitReplyKey(body: Uint8Array): Promise<OnionReplyKey> {
  const peeled = await peelOnionLayer(body, SELF.keys, { provider });
  return { kind: "node", encType: peeled.reply.encType, key: peeled.reply.key };
}

Deno.test("HttpServerRelay carries v4 and v3 onion requests from the exit node to the example service and back", async () => {
  const echo = serveEcho();
  try {
    const config = { serverRelayLoopbackPorts: [echo.port] };
    const gw = makeGateway({ config, serverRelay: new HttpServerRelay(serverRelayOptions(createConfig(config))) });

    const hello = await onionToEcho(echoDestination(echo.port), encodeV4Request({ method: "GET", endpoint: "/hello" }));
    const res = await gw.post(hello.body);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/octet-stream");
    const answer = await decryptOnionReply(hello.reply, new Uint8Array(await res.arrayBuffer()), { provider });
    assert.deepEqual([answer.status, answer.headers["content-type"], text(answer.body)], [
      200,
      "application/json",
      HELLO_BODY,
    ]);

    const binary = new Uint8Array(70_000).map((_, i) => (i * 31) & 0xff);
    const echoed = await onionToEcho(
      echoDestination(echo.port),
      encodeV4Request({ method: "POST", endpoint: "/echo", headers: { "content-type": "image/webp" }, body: binary }),
    );
    const echoedAnswer = await decryptOnionReply(
      echoed.reply,
      new Uint8Array(await (await gw.post(echoed.body)).arrayBuffer()),
      { provider },
    );
    assert.equal(echoedAnswer.status, 200);
    assert.equal(echoedAnswer.headers["content-type"], "image/webp");
    assert.deepEqual(echoedAnswer.body, binary);

    const teapot = await onionToEcho(
      echoDestination(echo.port, "/loki/v3/lsrpc"),
      encodeV3Request({ method: "GET", endpoint: "/status/418" }),
    );
    const v3 = await decryptOnionReply(teapot.reply, await (await gw.post(teapot.body)).text(), { provider });
    assert.deepEqual([v3.status, text(v3.body)], [418, '{"status_code":418}']);

    const v3Echo = await onionToEcho(
      echoDestination(echo.port, "/oxen/v3/lsrpc"),
      encodeV3Request({ method: "POST", endpoint: "/echo", body: utf8("plain text") }),
    );
    const v3Answer = await decryptOnionReply(v3Echo.reply, await (await gw.post(v3Echo.body)).text(), { provider });
    assert.deepEqual([v3Answer.status, text(v3Answer.body)], [200, "plain text"]);

    assert.equal(echo.connections, 4, "one connection per relayed request");
    for (const seen of echo.requests) {
      assert.equal(seen.headers.get("user-agent"), "allium");
      assert.equal(seen.headers.get("host"), `127.0.0.1:${echo.port}`);
    }
  } finally {
    await echo.close();
  }
});

Deno.test("HttpServerRelay under the default config: the same loopback target gets the encrypted Invalid url and no connection", async () => {
  const echo = serveEcho();
  try {
    const payload = encodeV4Request({ method: "GET", endpoint: "/hello" });
    // The default config everywhere: checkServerTarget refuses the loopback literal.
    const strict = makeGateway({ serverRelay: new HttpServerRelay(serverRelayOptions(DEFAULT_CONFIG)) });
    const first = await onionToEcho(echoDestination(echo.port), payload);
    const refused = await readEncrypted(await exitReplyKey(first.body), await strict.post(first.body));
    assert.deepEqual([refused.status, refused.text], [400, INVALID_URL]);

    // The route allowlists the port but the relay keeps the default: the relay refuses on its own.
    const relayOnly = makeGateway({
      config: { serverRelayLoopbackPorts: [echo.port] },
      serverRelay: new HttpServerRelay(serverRelayOptions(DEFAULT_CONFIG)),
    });
    const second = await onionToEcho(echoDestination(echo.port), payload);
    const refusedByRelay = await readEncrypted(await exitReplyKey(second.body), await relayOnly.post(second.body));
    assert.deepEqual([refusedByRelay.status, refusedByRelay.text], [400, INVALID_URL]);

    assert.equal(echo.connections, 0, "zero connections to the loopback service");
    assert.equal(echo.requests.length, 0);
  } finally {
    await echo.close();
  }
});
