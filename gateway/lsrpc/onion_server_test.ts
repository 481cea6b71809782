/**
 * onionServer() in process (`app.request`): v4 and v3 round trips with onions built by
 * buildOnionRequest to a server destination, peeled by an exit node (SELF) and read back with
 * decryptOnionReply; malformed requests, undecryptable layers and oversize bodies.
 */

import assert from "node:assert/strict";
import { Hono } from "hono";
import {
  allProviders,
  bencode,
  buildOnionRequest,
  type CryptoProvider,
  decryptOnionReply,
  encodeLayer,
  encodeV3Request,
  encodeV4Request,
  type EncType,
  type OnionReplyKey,
  type OnionResponse,
  peelOnionLayer,
  type ServerRequest,
  toHex,
  utf8,
} from "../../mod.ts";
import { assertPlain, nextRng, provider, SELF, text } from "../_testing/fixtures.ts";
import { INVALID_CIPHERTEXT, PARSE_ERROR_PREFIX } from "../responses.ts";
import { INVALID_V4_REQUEST, LSRPC_V3_PATHS, LSRPC_V4_PATH, onionServer, type OnionServerOptions } from "./mod.ts";

const ENC_TYPES: EncType[] = ["aes-gcm", "xchacha20"];
const SERVER_SECRET = new Uint8Array(32).fill(9);
const SERVER_PUBLIC = await provider.x25519PublicKey(SERVER_SECRET);
const OTHER_PUBLIC = await provider.x25519PublicKey(new Uint8Array(32).fill(10));
const BINARY = new Uint8Array(512).map((_, i) => (i * 7) & 0xff);

/** A wrapped test app; `calls` counts requests that reached its routes. */
function testApp(options: Partial<OnionServerOptions> = {}) {
  const calls: string[] = [];
  const app = new Hono();
  app.use(onionServer({ x25519Secret: SERVER_SECRET, x25519Public: SERVER_PUBLIC, provider, app, ...options }));
  app.use(async (c, next) => {
    calls.push(`${c.req.method} ${c.req.path}`);
    await next();
  });
  app.get("/hello", (c) => c.json({ hello: "onion" }));
  app.post("/echo", async (c) =>
    c.body(await c.req.arrayBuffer(), 200, {
      "content-type": c.req.header("content-type") ?? "application/octet-stream",
      "x-seen-length": String(c.req.header("content-length") ?? "none"),
    }));
  app.get("/headers", (c) => c.json(Object.fromEntries(c.req.raw.headers)));
  app.get("/env", (c) => c.text((c.env as { marker?: string } | undefined)?.marker ?? "no env"));
  app.get("/url", (c) => c.text(c.req.url));
  app.delete("/thing", () => new Response(null, { status: 204 }));
  app.get("/boom", () => {
    throw new Error("secret detail");
  });
  app.notFound((c) => c.text("Not Found", 404));
  app.onError((_err, c) => c.text("Internal Server Error", 500));
  return { app, calls };
}

/** Client → exit node (SELF) → the body the exit node POSTs to the server, and the client's reply key. */
async function onionFor(
  payload: Uint8Array,
  target = LSRPC_V4_PATH,
  options: { encType?: EncType; x25519?: Uint8Array; provider?: CryptoProvider } = {},
): Promise<{ forwardBody: Uint8Array; reply: OnionReplyKey }> {
  const p = options.provider ?? provider;
  const { body, reply } = await buildOnionRequest({
    path: [SELF.node],
    destination: { host: "service.example", target, x25519: toHex(options.x25519 ?? SERVER_PUBLIC) },
    payload,
    encType: options.encType ?? "xchacha20",
    provider: p,
    rng: nextRng(),
  });
  const exit = await peelOnionLayer(body, SELF.keys, { provider: p });
  assert.equal(exit.kind, "server");
  if (exit.kind !== "server") throw new Error("unreachable");
  return { forwardBody: exit.forwardBody, reply };
}

function post(app: Hono, path: string, body: Uint8Array, env?: unknown): Promise<Response> {
  return Promise.resolve(app.request(path, { method: "POST", body: body as Uint8Array<ArrayBuffer> }, env));
}

/** One v4 request through the middleware, decrypted at the client. */
async function v4(app: Hono, req: ServerRequest | Uint8Array, encType?: EncType): Promise<OnionResponse> {
  const payload = req instanceof Uint8Array ? req : encodeV4Request(req);
  const { forwardBody, reply } = await onionFor(payload, LSRPC_V4_PATH, { encType });
  const res = await post(app, LSRPC_V4_PATH, forwardBody);
  assert.equal(res.status, 200, "encrypted answers travel as HTTP 200");
  assert.equal(res.headers.get("content-type"), "application/octet-stream");
  return await decryptOnionReply(reply, new Uint8Array(await res.arrayBuffer()), { provider });
}

/** One v3 request through the middleware, decrypted at the client. */
async function v3(app: Hono, payload: Uint8Array, path = LSRPC_V3_PATHS[0]): Promise<OnionResponse> {
  const { forwardBody, reply } = await onionFor(payload, path);
  const res = await post(app, path, forwardBody);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
  return await decryptOnionReply(reply, await res.text(), { provider });
}

Deno.test("onionServer() answers a v4 GET through an onion with the app's status, headers and body", async () => {
  const { app, calls } = testApp();
  for (const encType of ENC_TYPES) {
    const answer = await v4(app, { method: "GET", endpoint: "/hello" }, encType);
    assert.equal(answer.status, 200, encType);
    assert.equal(answer.headers["content-type"], "application/json");
    assert.equal(answer.headers["content-length"], undefined, "v4 meta never carries content-length");
    assert.equal(text(answer.body), '{"hello":"onion"}');
  }
  assert.deepEqual(calls, ["GET /hello", "GET /hello"]);
});

Deno.test("onionServer() passes a v4 POST's binary body and headers to the app and its binary answer back", async () => {
  const { app } = testApp();
  const answer = await v4(app, {
    method: "POST",
    endpoint: "/echo",
    headers: { "Content-Type": "image/png", "Content-Length": "1", "X-SOGS-Pubkey": "05ab" },
    body: BINARY,
  });
  assert.equal(answer.status, 200);
  assert.deepEqual(answer.body, BINARY);
  assert.equal(answer.headers["content-type"], "image/png");
  assert.equal(answer.headers["x-seen-length"], String(BINARY.length), "the client's content-length is replaced");
  const headers = await v4(app, {
    method: "GET",
    endpoint: "/headers",
    headers: { "X-SOGS-Pubkey": "05ab", Host: "x" },
  });
  const seen = JSON.parse(text(headers.body));
  assert.equal(seen["x-sogs-pubkey"], "05ab");
  assert.equal(seen.host, undefined);
});

Deno.test("onionServer() relays the app's non-200 answers in v4 (404, 204, 500) without leaking error text", async () => {
  const { app } = testApp();
  const missing = await v4(app, { method: "GET", endpoint: "/nope" });
  assert.deepEqual([missing.status, text(missing.body)], [404, "Not Found"]);
  const empty = await v4(app, { method: "DELETE", endpoint: "/thing" });
  assert.deepEqual([empty.status, empty.body.length], [204, 0]);
  const boom = await v4(app, { method: "GET", endpoint: "/boom" });
  assert.equal(boom.status, 500);
  assert.ok(!text(boom.body).includes("secret"));
});

Deno.test("onionServer() answers a malformed v4 request with the encrypted code 400 Invalid v4 onion request", async () => {
  const { app, calls } = testApp();
  const meta = (m: unknown) => utf8(JSON.stringify(m));
  const rows: [string, Uint8Array][] = [
    ["not bencode", utf8("hello")],
    ["empty list", utf8("le")],
    ["three parts", bencode([meta({ method: "GET", endpoint: "/hello" }), utf8("a"), utf8("b")])],
    ["meta not JSON", bencode([utf8("{nope")])],
    ["meta an array", bencode([meta(["GET", "/hello"])])],
    ["no method", bencode([meta({ endpoint: "/hello" })])],
    ["endpoint without slash", bencode([meta({ method: "GET", endpoint: "hello" })])],
    ["GET with a body", bencode([meta({ method: "GET", endpoint: "/hello" }), utf8("x")])],
    ["method not a token", bencode([meta({ method: "GE T", endpoint: "/hello" })])],
    ["forbidden method", bencode([meta({ method: "CONNECT", endpoint: "/hello" })])],
    ["bad header name", bencode([meta({ method: "GET", endpoint: "/hello", headers: { "bad name": "x" } })])],
    ["bad header value", bencode([meta({ method: "GET", endpoint: "/hello", headers: { a: "x\r\ny: z" } })])],
    ["header not a string", bencode([meta({ method: "GET", endpoint: "/hello", headers: { a: [1] } })])],
  ];
  for (const [name, payload] of rows) {
    const answer = await v4(app, payload);
    assert.equal(answer.status, 400, name);
    assert.equal(answer.headers["content-type"], "text/plain; charset=utf-8", name);
    assert.equal(text(answer.body), INVALID_V4_REQUEST, name);
  }
  assert.deepEqual(calls, [], "the app never saw a malformed request");
});

Deno.test("onionServer() answers a layer it cannot decrypt with plain 400s, before the app runs", async () => {
  const { app, calls } = testApp();
  const { forwardBody } = await onionFor(encodeV4Request({ method: "GET", endpoint: "/hello" }));
  const flipped = forwardBody.slice();
  flipped[4 + 30] ^= 1; // inside the blob
  await assertPlain(await post(app, LSRPC_V4_PATH, flipped), 400, INVALID_CIPHERTEXT, "flipped bit");
  const toOther = await onionFor(encodeV4Request({ method: "GET", endpoint: "/hello" }), LSRPC_V4_PATH, {
    x25519: OTHER_PUBLIC,
  });
  await assertPlain(await post(app, LSRPC_V4_PATH, toOther.forwardBody), 400, INVALID_CIPHERTEXT, "other key");
  const lowOrder = encodeLayer(new Uint8Array(64), `{"ephemeral_key":"${"00".repeat(32)}","enc_type":"xchacha20"}`);
  await assertPlain(await post(app, LSRPC_V4_PATH, lowOrder), 400, INVALID_CIPHERTEXT, "low-order key");
  const short = encodeLayer(new Uint8Array(39), `{"ephemeral_key":"${"11".repeat(32)}","enc_type":"xchacha20"}`);
  await assertPlain(await post(app, LSRPC_V4_PATH, short), 400, INVALID_CIPHERTEXT, "short blob");
  await assertPlain(await post(app, LSRPC_V4_PATH, new Uint8Array(3)), 400, `${PARSE_ERROR_PREFIX}framing`);
  await assertPlain(await post(app, LSRPC_V3_PATHS[1], utf8("\xff\xff\xff\x7f")), 400, `${PARSE_ERROR_PREFIX}framing`);
  await assertPlain(
    await post(app, LSRPC_V4_PATH, encodeLayer(new Uint8Array(40), "nope")),
    400,
    `${PARSE_ERROR_PREFIX}trailer`,
  );
  const cbc = encodeLayer(new Uint8Array(64), `{"ephemeral_key":"${"11".repeat(32)}","enc_type":"aes-cbc"}`);
  await assertPlain(await post(app, LSRPC_V4_PATH, cbc), 400, `${PARSE_ERROR_PREFIX}enc_type`);
  assert.deepEqual(calls, []);
});

Deno.test("onionServer() refuses bodies over maxBody with 413, by Content-Length and while streaming", async () => {
  const { app } = testApp({ maxBody: 100 });
  await assertPlain(await post(app, LSRPC_V4_PATH, new Uint8Array(101)), 413, "Request body too large");
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < 3; i++) c.enqueue(new Uint8Array(40));
      c.close();
    },
  });
  const res = await app.request(LSRPC_V4_PATH, { method: "POST", body: stream });
  await assertPlain(res, 413, "Request body too large");
  const lying = await app.request(LSRPC_V4_PATH, {
    method: "POST",
    body: new Uint8Array(10),
    headers: { "content-length": "1e3" },
  });
  await assertPlain(lying, 400, "invalid Content-Length");
});

Deno.test("onionServer() answers v3 on both paths: the body on 200, else {status_code}", async () => {
  const { app } = testApp();
  for (const path of LSRPC_V3_PATHS) {
    const hello = await v3(app, encodeV3Request({ method: "GET", endpoint: "/hello" }), path);
    assert.deepEqual([hello.status, text(hello.body)], [200, '{"hello":"onion"}'], path);
    const echo = await v3(
      app,
      encodeV3Request({
        method: "POST",
        endpoint: "/echo",
        headers: { "content-type": "text/plain" },
        body: utf8("hi ✓"),
      }),
      path,
    );
    assert.deepEqual([echo.status, text(echo.body)], [200, "hi ✓"]);
    const missing = await v3(app, encodeV3Request({ method: "GET", endpoint: "/nope" }), path);
    assert.deepEqual([missing.status, text(missing.body)], [404, '{"status_code":404}']);
  }
  // The reference's leniencies: an endpoint without "/" and a GET with a (legacy, empty) body.
  const lenient = await v3(app, utf8('{"endpoint":"hello","method":"GET","body":""}'));
  assert.equal(lenient.status, 200);
});

Deno.test("onionServer() answers a malformed v3 request with the encrypted {status_code: 400}", async () => {
  const { app, calls } = testApp();
  const rows = [
    "not json",
    "[]",
    '{"method":"GET"}',
    '{"endpoint":"/hello"}',
    '{"endpoint":"/hello","method":"GET","headers":[]}',
    '{"endpoint":"/hello","method":"GET","headers":{"a":{}}}',
    '{"endpoint":"/hello","method":"POST","body":{"a":1}}',
    '{"endpoint":"/hello","method":"TRACE"}',
  ];
  for (const row of rows) {
    const answer = await v3(app, utf8(row));
    assert.deepEqual([answer.status, text(answer.body)], [400, '{"status_code":400}'], row);
  }
  assert.deepEqual(calls, []);
});

Deno.test("onionServer() leaves other requests to the app and never re-enters itself for a subrequest", async () => {
  const { app, calls } = testApp();
  assert.equal((await app.request("/hello")).status, 200);
  assert.equal((await app.request(LSRPC_V4_PATH)).status, 404, "GET on the lsrpc path is the app's business");
  calls.length = 0;
  // An onion whose subrequest is another onion request: the inner one goes to the app's routes (404).
  const inner = await onionFor(encodeV4Request({ method: "GET", endpoint: "/hello" }));
  const nested = await v4(app, { method: "POST", endpoint: LSRPC_V4_PATH, body: inner.forwardBody });
  assert.equal(nested.status, 404);
  assert.ok(calls.includes(`POST ${LSRPC_V4_PATH}`), "the subrequest reached the app's routes");
  assert.ok(!calls.includes("GET /hello"), "the inner onion was not opened");
});

Deno.test("onionServer() runs subrequests on http://localhost and passes the runtime bindings through", async () => {
  const { app } = testApp();
  const { forwardBody, reply } = await onionFor(encodeV4Request({ method: "GET", endpoint: "/env" }));
  const res = await post(app, LSRPC_V4_PATH, forwardBody, { marker: "bindings" });
  assert.equal(
    text((await decryptOnionReply(reply, new Uint8Array(await res.arrayBuffer()), { provider })).body),
    "bindings",
  );
  const url = await v4(app, { method: "GET", endpoint: "/url?q=1" });
  assert.equal(text(url.body), "http://localhost/url?q=1");
  // A scheme-relative endpoint stays a path on localhost: nothing is fetched from anywhere else.
  const { app: app2, calls } = testApp();
  assert.equal((await v4(app2, { method: "GET", endpoint: "//evil.example/url" })).status, 404);
  assert.deepEqual(calls, ["GET //evil.example/url"]);
});

Deno.test("onionServer() round-trips with every crypto provider that loads here", async () => {
  for (const p of await allProviders()) {
    const { app } = testApp({ provider: p });
    for (const encType of ENC_TYPES) {
      const { forwardBody, reply } = await onionFor(
        encodeV4Request({ method: "GET", endpoint: "/hello" }),
        LSRPC_V4_PATH,
        {
          encType,
          provider: p,
        },
      );
      const res = await post(app, LSRPC_V4_PATH, forwardBody);
      const answer = await decryptOnionReply(reply, new Uint8Array(await res.arrayBuffer()), { provider });
      assert.equal(answer.status, 200, `${p.name} ${encType}`);
    }
  }
});

Deno.test("onionServer() rejects bad options", () => {
  const app = new Hono();
  const ok = { x25519Secret: SERVER_SECRET, x25519Public: SERVER_PUBLIC, provider, app };
  assert.throws(() => onionServer({ ...ok, x25519Secret: new Uint8Array(31) }), RangeError);
  assert.throws(() => onionServer({ ...ok, x25519Public: "ab" as unknown as Uint8Array }), TypeError);
  assert.throws(() => onionServer({ ...ok, app: {} as never }), TypeError);
  assert.throws(() => onionServer({ ...ok, maxBody: 0 }), RangeError);
});
