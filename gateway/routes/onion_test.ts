import assert from "node:assert/strict";
import {
  decodeLayer,
  type EncType,
  type OnionReplyKey,
  paddedLength,
  peelOnionLayer,
  toBase64,
  toHex,
} from "../../mod.ts";
import {
  assertPlain,
  bytes,
  deliverBody,
  FakeForwarder,
  makeGateway,
  NEXT,
  provider,
  rawLayer,
  readEncrypted,
  relayBody,
  SELF,
  serverBody,
  trailerOf,
  UNKNOWN,
  withTrailer,
} from "../_testing/fixtures.ts";
import type { ServerRelay, ServerRelayResult } from "../relay/server_relay.ts";
import type { ServerTarget } from "../relay/server_target.ts";
import {
  INVALID_CIPHERTEXT,
  INVALID_JSON,
  INVALID_URL,
  MESSAGE_TOO_LARGE,
  NEXT_HOP_FAILED,
  NEXT_NODE_NOT_FOUND_PREFIX,
  REQUEST_TIMED_OUT,
  SERVER_BUSY,
} from "../responses.ts";

const ENC_TYPES: EncType[] = ["aes-gcm", "xchacha20"];
const INFO = '{"method":"info","params":{}}';

Deno.test("onionRoute() relays to the next node and passes its status and body through unchanged", async () => {
  for (const encType of ENC_TYPES) {
    const gw = makeGateway();
    gw.forwarder.answer = { status: 421, body: bytes("downstream 421 body"), contentType: "application/json" };
    const body = await relayBody(NEXT, encType);
    const res = await gw.post(body);
    assert.equal(res.status, 421);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.equal(await res.text(), "downstream 421 body");
    assert.equal(gw.forwarder.calls.length, 1);
    const call = gw.forwarder.calls[0];
    assert.equal(call.next.ed25519, NEXT.ed25519);
    // The forwarded bytes are exactly what peeling yields: fresh inner blob, new trailer with hop_no + 1.
    const expected = await peelOnionLayer(body, SELF.keys, { provider });
    assert.equal(expected.kind, "relay");
    if (expected.kind === "relay") assert.deepEqual(call.body, expected.nextRequestBody);
    assert.equal(trailerOf(call.body).hop_no, 1);
  }
});

Deno.test("onionRoute() forwards nothing that was in the received body (no 16-byte window shared)", async () => {
  const gw = makeGateway();
  const body = await relayBody();
  await (await gw.post(body)).body?.cancel();
  const sent = gw.forwarder.calls[0].body;
  // Trailers share JSON key names by design; the ciphertexts (and keys) must share nothing.
  const windowsOf = (b: Uint8Array) => {
    const w = new Set<string>();
    for (let i = 0; i + 16 <= b.length; i++) w.add(toHex(b.subarray(i, i + 16)));
    return w;
  };
  const receivedBlob = windowsOf(decodeLayer(body).blob), sentAll = windowsOf(sent);
  const sentBlob = windowsOf(decodeLayer(sent).blob), receivedAll = windowsOf(body);
  for (const w of receivedBlob) assert.ok(!sentAll.has(w), "received ciphertext reappears in the forwarded bytes");
  for (const w of sentBlob) assert.ok(!receivedAll.has(w), "forwarded ciphertext appears in the received bytes");
});

Deno.test("onionRoute() answers an unknown next node with 502 Next node not found and forwards nothing", async () => {
  const gw = makeGateway();
  await assertPlain(await gw.post(await relayBody(UNKNOWN)), 502, NEXT_NODE_NOT_FOUND_PREFIX + UNKNOWN.ed25519);
  assert.equal(gw.forwarder.calls.length, 0);
});

Deno.test("onionRoute() refuses a self-loop (next node is this node) as an unknown next node", async () => {
  const gw = makeGateway(); // SELF is in its own directory: still refused
  await assertPlain(await gw.post(await relayBody(SELF)), 502, NEXT_NODE_NOT_FOUND_PREFIX + SELF.ed25519);
  assert.equal(gw.forwarder.calls.length, 0);
});

Deno.test("onionRoute() maps each forward failure to its fixed answer", async () => {
  const cases = [
    ["timeout", 504, REQUEST_TIMED_OUT],
    ["unreachable", 502, NEXT_HOP_FAILED],
    ["bad_response", 502, NEXT_HOP_FAILED],
    ["busy", 503, SERVER_BUSY],
  ] as const;
  for (const [failure, status, body] of cases) {
    const gw = makeGateway();
    gw.forwarder.answer = failure;
    await assertPlain(await gw.post(await relayBody()), status, body, failure);
  }
});

Deno.test("onionRoute() passes a next hop's 204 through without a body", async () => {
  const gw = makeGateway();
  gw.forwarder.answer = { status: 204, body: new Uint8Array(0), contentType: "application/octet-stream" };
  const res = await gw.post(await relayBody());
  assert.equal(res.status, 204);
  assert.equal(await res.text(), "");
});

Deno.test("onionRoute() answers info at the final destination, encrypted and padded", async () => {
  for (const encType of ENC_TYPES) {
    const gw = makeGateway();
    const { body, reply } = await deliverBody(INFO, encType);
    const res = await gw.post(body);
    const answer = await readEncrypted(reply, res);
    assert.equal(answer.status, 200);
    const now = gw.clock.now();
    assert.equal(answer.text, `{"hf":[19,3],"t":${now},"timestamp":${now},"version":[2,8,0]}`);
    // Padded to the first bucket, then sealed (nonce + tag) and base64'd (hardening.md §6).
    const overhead = encType === "aes-gcm" ? 28 : 40;
    assert.equal(answer.wireLength, Math.ceil((paddedLength(1) + overhead) / 3) * 4);
    assert.equal(gw.forwarder.calls.length, 0);
  }
});

Deno.test("onionRoute() leaves replies unpadded when padReplies is off", async () => {
  const gw = makeGateway({ config: { padReplies: false } });
  const { body, reply } = await deliverBody(INFO);
  const answer = await readEncrypted(reply, await gw.post(body));
  assert.ok(answer.wireLength < Math.ceil((paddedLength(1) + 40) / 3) * 4);
});

Deno.test("onionRoute() answers an unknown method with the encrypted 400 no method <name>", async () => {
  const gw = makeGateway();
  const { body, reply } = await deliverBody('{"method":"store","params":{}}');
  const answer = await readEncrypted(reply, await gw.post(body));
  assert.equal(answer.status, 400);
  assert.equal(answer.text, "no method store");
});

Deno.test("onionRoute() answers a malformed storage request with the encrypted 400 Invalid json", async () => {
  const payloads = [
    "not json",
    "[]",
    '{"method":1}',
    '{"method":"info","params":[]}',
    '{"method":"info","method":"info"}',
    "\xff",
  ];
  for (const p of payloads) {
    const gw = makeGateway();
    const { body, reply } = await deliverBody(p);
    const answer = await readEncrypted(reply, await gw.post(body));
    assert.equal(answer.status, 400, p);
    assert.equal(answer.text, INVALID_JSON, p);
  }
});

Deno.test("onionRoute() answers an oversize message (> maxMessageData) with the encrypted 413", async () => {
  const gw = makeGateway();
  const limit = gw.deps.config.maxMessageData;
  const store = (n: number) => `{"method":"store","params":{"data":"${toBase64(new Uint8Array(n))}"}}`;
  const over = await deliverBody(store(limit + 1));
  const tooBig = await readEncrypted(over.reply, await gw.post(over.body));
  assert.equal(tooBig.status, 413);
  assert.equal(tooBig.text, MESSAGE_TOO_LARGE);
  // Exactly at the limit the message passes the size check (and meets the missing store method).
  const at = await deliverBody(store(limit));
  const atLimit = await readEncrypted(at.reply, await gw.post(at.body));
  assert.equal(atLimit.status, 400);
  assert.equal(atLimit.text, "no method store");
});

Deno.test("onionRoute() answers an inner request over maxRpcRequest with the encrypted 413", async () => {
  const gw = makeGateway();
  const { body, reply } = await deliverBody(
    `{"method":"info","params":{"pad":"${"x".repeat(gw.deps.config.maxRpcRequest)}"}}`,
  );
  const answer = await readEncrypted(reply, await gw.post(body));
  assert.equal(answer.status, 413);
  assert.equal(answer.text, MESSAGE_TOO_LARGE);
});

Deno.test("onionRoute() answers a failing handler with the encrypted 500 request failed, logging only the class", async () => {
  const gw = makeGateway({
    handlers: {
      info: () => {
        throw new Error("secret canary detail");
      },
    },
  });
  const { body, reply } = await deliverBody(INFO);
  const answer = await readEncrypted(reply, await gw.post(body));
  assert.equal(answer.status, 500);
  assert.equal(answer.text, "request failed");
  assert.ok(gw.logger.lines.some((l) => l.includes("rpc_handler_failed")));
  assert.ok(!gw.logger.lines.join("\n").includes("canary"));
});

Deno.test("onionRoute() answers a layer that decrypts to garbage with the encrypted 400 Invalid json", async () => {
  for (const encType of ENC_TYPES) {
    const gw = makeGateway();
    const { body, reply } = await rawLayer(bytes("decrypts fine, but is not a layer"), encType);
    const answer = await readEncrypted(reply, await gw.post(body));
    assert.equal(answer.status, 400);
    assert.equal(answer.text, INVALID_JSON);
  }
});

Deno.test("onionRoute() refuses an ambiguous inner action with the encrypted Invalid json", async () => {
  const key = "ab".repeat(32);
  const ambiguous = [
    `{"headers":"","destination":"${NEXT.ed25519}","ephemeral_key":"${key}"}`,
    `{"headers":"","host":"example.org","target":"/oxen/v4/lsrpc"}`,
    `{"host":"example.org","target":"/oxen/v4/lsrpc","destination":"${NEXT.ed25519}","ephemeral_key":"${key}"}`,
  ];
  for (const route of ambiguous) {
    const gw = makeGateway();
    const inner = new Uint8Array([...[4, 0, 0, 0], ...bytes("blob"), ...bytes(route)]);
    const { body, reply } = await rawLayer(inner);
    const answer = await readEncrypted(reply, await gw.post(body));
    assert.equal(answer.text, INVALID_JSON, route);
    assert.equal(gw.forwarder.calls.length, 0);
  }
});

Deno.test("onionRoute() refuses inner routing JSON over maxInnerJson, too deep, duplicated or mistyped", async () => {
  const gw = makeGateway();
  const routes = [
    `{"headers":"","pad":"${"x".repeat(gw.deps.config.maxInnerJson)}"}`,
    `{"headers":{"a":{"b":{"c":1}}}}`,
    `{"headers":"","headers":""}`,
    `{"headers":"","json":"yes"}`,
    `{"destination":"${NEXT.ed25519}","ephemeral_key":"${"ab".repeat(31)}"}`,
    `{"destination":"${NEXT.ed25519}","ephemeral_key":"${"ab".repeat(32)}","enc_type":"aes-cbc"}`,
  ];
  for (const route of routes) {
    const inner = new Uint8Array([...[1, 0, 0, 0], 0x7b, ...bytes(route)]);
    const { body, reply } = await rawLayer(inner);
    const answer = await readEncrypted(reply, await gw.post(body));
    assert.equal(answer.status, 400, route.slice(0, 60));
    assert.equal(answer.text, INVALID_JSON, route.slice(0, 60));
  }
  assert.equal(gw.forwarder.calls.length, 0);
});

/** The reply key of SELF's own layer (a real client does not keep it; the test can derive it). */
async function exitReplyKey(body: Uint8Array): Promise<OnionReplyKey> {
  const peeled = await peelOnionLayer(body, SELF.keys, { provider });
  return { kind: "node", encType: peeled.reply.encType, key: peeled.reply.key };
}

Deno.test("onionRoute() answers relay-to-server with the encrypted 400 Invalid url while no ServerRelay is configured", async () => {
  const gw = makeGateway();
  const body = await serverBody({ host: "open.getsession.org", target: "/oxen/v4/lsrpc" });
  const answer = await readEncrypted(await exitReplyKey(body), await gw.post(body));
  assert.deepEqual([answer.status, answer.text], [400, INVALID_URL]);
  assert.equal(answer.wireLength, Math.ceil((paddedLength(1) + 40) / 3) * 4, "padded like every reply");
  assert.equal(gw.forwarder.calls.length, 0);
});

/** A ServerRelay that records targets and answers 200. */
class RecordingRelay implements ServerRelay {
  readonly targets: ServerTarget[] = [];
  relay(target: ServerTarget, body: Uint8Array): Promise<ServerRelayResult> {
    this.targets.push(target);
    assert.ok(decodeLayer(body).blob.length > 0, "the exit node posts its whole decrypted layer");
    return Promise.resolve({
      kind: "answer",
      response: { status: 200, body: bytes("server says hi"), contentType: "application/octet-stream" },
    });
  }
}

Deno.test("onionRoute() hands checked server targets to the ServerRelay and passes its answer through", async () => {
  const relay = new RecordingRelay();
  const gw = makeGateway({ serverRelay: relay });
  const res = await gw.post(await serverBody({ host: "Open.GetSession.org", target: "/oxen/v4/lsrpc", port: 443 }));
  await assertPlain(res, 200, "server says hi");
  assert.equal(relay.targets.length, 1);
  assert.equal(relay.targets[0].url, "https://open.getsession.org/oxen/v4/lsrpc");
});

Deno.test("onionRoute() never hands a refused server target to the ServerRelay (SSRF, bad target, bad port)", async () => {
  const relay = new RecordingRelay();
  const gw = makeGateway({ serverRelay: relay });
  const refused = [
    { host: "127.0.0.1", target: "/oxen/v4/lsrpc", port: 443 },
    { host: "169.254.169.254", target: "/oxen/v4/lsrpc", port: 80, protocol: "http" as const },
    { host: "[::1]", target: "/oxen/v4/lsrpc" },
    { host: "example.org", target: "/oxen/../lsrpc" },
    { host: "example.org", target: "/oxen/v4/lsrpc", port: 8443 },
    { host: "user@example.org", target: "/oxen/v4/lsrpc" },
  ];
  for (const server of refused) {
    const body = await serverBody(server);
    const answer = await readEncrypted(await exitReplyKey(body), await gw.post(body));
    assert.deepEqual([answer.status, answer.text], [400, INVALID_URL], server.host);
  }
  assert.equal(relay.targets.length, 0);
});

Deno.test("onionRoute() allows a loopback server only on ports the config allowlists explicitly", async () => {
  const relay = new RecordingRelay();
  const strict = makeGateway({ serverRelay: relay });
  await (await strict.post(
    await serverBody({ host: "127.0.0.1", target: "/oxen/v4/lsrpc", port: 8088, protocol: "http" }),
  ))
    .body?.cancel();
  assert.equal(relay.targets.length, 0, "the default config refuses loopback");
  const testNet = makeGateway({ serverRelay: relay, config: { serverRelayLoopbackPorts: [8088] } });
  await assertPlain(
    await testNet.post(await serverBody({ host: "127.0.0.1", target: "/oxen/v4/lsrpc", port: 8088, protocol: "http" })),
    200,
    "server says hi",
  );
  assert.equal(relay.targets[0].url, "http://127.0.0.1:8088/oxen/v4/lsrpc");
});

Deno.test("onionRoute() refuses a byte-identical replay with the uniform Invalid ciphertext", async () => {
  const gw = makeGateway();
  const body = await relayBody();
  assert.equal((await gw.post(body)).status, 200);
  await assertPlain(await gw.post(body), 400, INVALID_CIPHERTEXT);
  assert.equal(gw.forwarder.calls.length, 1);
  // A delivered onion too: the handler runs once.
  const { body: d } = await deliverBody(INFO);
  assert.equal((await gw.post(d)).status, 200);
  await assertPlain(await gw.post(d), 400, INVALID_CIPHERTEXT);
});

Deno.test("onionRoute() lets only one of two concurrent identical onions through", async () => {
  const gw = makeGateway();
  const body = await relayBody();
  const [a, b] = await Promise.all([gw.post(body), gw.post(body)]);
  const statuses = [a.status, b.status].sort();
  await a.body?.cancel();
  await b.body?.cancel();
  assert.deepEqual(statuses, [200, 400]);
  assert.equal(gw.forwarder.calls.length, 1);
});

Deno.test("onionRoute() remembers a replay for a generation, and forgets it after two", async () => {
  const gw = makeGateway();
  const body = await relayBody();
  assert.equal((await gw.post(body)).status, 200);
  gw.clock.advance(gw.deps.config.replayGenerationMs);
  assert.equal((await gw.post(body)).status, 400, "still remembered after one rotation");
  gw.clock.advance(gw.deps.config.replayGenerationMs);
  assert.equal((await gw.post(body)).status, 200, "forgotten after two");
});

Deno.test("onionRoute() accepts a replay after a restart (documented: the replay cache is memory only)", async () => {
  const body = await relayBody();
  assert.equal((await makeGateway().post(body)).status, 200);
  const restarted = makeGateway();
  assert.equal((await restarted.post(body)).status, 200);
  assert.equal(restarted.forwarder.calls.length, 1);
});

Deno.test("onionRoute() keeps inner destinations, payloads and keys out of logs and metrics", async () => {
  const gw = makeGateway({ handlers: {} });
  const canary = "CANARY-4f1d";
  const { body } = await deliverBody(`{"method":"${"x".repeat(3)}","params":{"note":"${canary}"}}`);
  await (await gw.post(body)).body?.cancel();
  await (await gw.post(await relayBody(UNKNOWN))).body?.cancel();
  await (await gw.post(await relayBody())).body?.cancel();
  gw.forwarder.answer = "timeout";
  await (await gw.post(await relayBody())).body?.cancel();
  const metrics = await (await gw.request("/metrics", {}, "127.0.0.1")).text();
  const seen = gw.logger.lines.join("\n") + metrics;
  for (const secret of [canary, UNKNOWN.ed25519, NEXT.ed25519, toHex(SELF.keys.x25519Secret), "198.51.100"]) {
    assert.ok(!seen.includes(secret), `leaked ${secret.slice(0, 12)}`);
  }
  assert.match(metrics, /allium_requests_total\{outcome="upstream_error"\} 2/);
});

Deno.test("onionRoute() relays with the peeled hop number: −1 clamps to 0, 15 goes out as 16", async () => {
  const gw = makeGateway();
  for (const [hopNo, sent] of [[-1, 1], [0, 1], [7, 8], [15, 16]] as const) {
    const body = await relayBody();
    const res = await gw.post(withTrailer(body, JSON.stringify({ ...trailerOf(body), hop_no: hopNo })));
    assert.equal(res.status, 200, `hop_no ${hopNo}`);
    await res.body?.cancel();
    assert.equal(trailerOf(gw.forwarder.calls.at(-1)!.body).hop_no, sent);
  }
});

Deno.test("onionRoute() sheds with 503 before peeling when every forward slot is taken, keeping the onion usable", async () => {
  class SaturatedForwarder extends FakeForwarder {
    busy = true;
    get inFlight(): number {
      return this.busy ? Number.MAX_SAFE_INTEGER : 0;
    }
  }
  const saturated = new SaturatedForwarder();
  const gw = makeGateway({ forwarder: saturated });
  const body = await relayBody(NEXT);
  const res = await gw.post(body);
  assert.equal(res.status, 503);
  assert.equal(await res.text(), SERVER_BUSY);
  assert.equal(saturated.calls.length, 0);
  // Nothing was peeled, so the replay tag was not spent: the same onion goes through once slots free up.
  saturated.busy = false;
  const again = await gw.post(body);
  assert.equal(again.status, 200);
  assert.equal(saturated.calls.length, 1);
});
