/**
 * HttpServerRelay against loopback stubs whose TCP connections are counted (relay/_testing):
 * the SSRF rules of hardening.md §4 (a name resolving to loopback, DNS rebinding, mixed public and
 * private answers, redirects to loopback — all with zero connections where refused), the fixed
 * outbound headers, the caps, the timeout and the response limit. Every test stops every stub.
 */

import assert from "node:assert/strict";
import { type OnionReplyKey, peelOnionLayer } from "../../mod.ts";
import { makeGateway, provider, readEncrypted, SELF, serverBody } from "../_testing/fixtures.ts";
import { DEFAULT_CONFIG } from "../config.ts";
import { INVALID_URL } from "../responses.ts";
import { loopbackStub, RELAY_TEST_CERT } from "./_testing/loopback_stub.ts";
import { ForwardError, type ForwardFailure } from "./forwarder.ts";
import { HttpServerRelay, type HttpServerRelayOptions, serverRelayOptions } from "./http_server_relay.ts";
import type { ServerRelayResult } from "./server_relay.ts";
import type { ServerTarget } from "./server_target.ts";

/** Test limits: short timeout, small response cap. */
const TEST_TIMEOUT_MS = 300;
const TEST_MAX_RESPONSE = 1024;
const T = "/oxen/v4/lsrpc";

/** A resolver that answers from a script and counts its calls. */
function scriptedResolver(...answers: (readonly string[] | Error)[]) {
  const calls: string[] = [];
  const resolve = (host: string): Promise<readonly string[]> => {
    calls.push(host);
    const a = answers[Math.min(calls.length, answers.length) - 1];
    return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
  };
  return { calls, resolve };
}

function relayWith(overrides: Partial<HttpServerRelayOptions> = {}): HttpServerRelay {
  return new HttpServerRelay({
    timeoutMs: TEST_TIMEOUT_MS,
    maxResponseBytes: TEST_MAX_RESPONSE,
    maxInFlight: 256,
    maxInFlightPerHost: 32,
    ...overrides,
  });
}

/** A checked-looking target (what checkServerTarget hands over). */
function dnsTarget(host: string, port: number, protocol: "http" | "https" = "http"): ServerTarget {
  return { protocol, host, hostKind: "dns", port, target: T, url: `${protocol}://${host}:${port}${T}` };
}

function ipTarget(host: string, port: number, protocol: "http" | "https" = "http"): ServerTarget {
  return { protocol, host, hostKind: "ipv4", port, target: T, url: `${protocol}://${host}:${port}${T}` };
}

async function failureOf(p: Promise<ServerRelayResult>): Promise<ForwardFailure | ServerRelayResult["kind"]> {
  try {
    return (await p).kind;
  } catch (e) {
    assert.ok(e instanceof ForwardError, String(e));
    return e.failure;
  }
}

function answerOf(result: ServerRelayResult) {
  assert.equal(result.kind, "answer");
  if (result.kind !== "answer") throw new Error("unreachable");
  return result.response;
}

/** Wait (bounded) until `cond` holds. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), `timed out waiting for ${what}`);
}

Deno.test("HttpServerRelay POSTs the exact body to the vetted IP with the fixed header set only", async () => {
  const stub = loopbackStub(() =>
    new Response("server answer", { status: 201, headers: { "content-type": "text/plain", "set-cookie": "a=1" } })
  );
  try {
    const dns = scriptedResolver(["127.0.0.1"]);
    const relay = relayWith({ resolve: dns.resolve, loopbackPorts: [stub.port] });
    const body = new Uint8Array(300).map((_, i) => i & 0xff);
    const res = answerOf(await relay.relay(dnsTarget("relay.example", stub.port), body));
    assert.deepEqual([res.status, new TextDecoder().decode(res.body), res.contentType], [
      201,
      "server answer",
      "text/plain; charset=utf-8",
    ]);
    assert.deepEqual(dns.calls, ["relay.example"], "resolved exactly once");
    assert.equal(stub.connections, 1);
    const seen = stub.requests[0];
    assert.equal(seen.method, "POST");
    assert.equal(new URL(seen.url).pathname, T);
    assert.deepEqual(seen.body, body);
    assert.deepEqual([...seen.headers.keys()].sort(), [
      "accept-encoding",
      "connection",
      "content-length",
      "content-type",
      "host",
      "user-agent",
    ]);
    assert.equal(seen.headers.get("host"), `relay.example:${stub.port}`, "virtual hosting keeps the name");
    assert.equal(seen.headers.get("content-type"), "application/octet-stream");
    assert.equal(seen.headers.get("user-agent"), "allium");
    assert.equal(relay.inFlight, 0);
  } finally {
    await stub.close();
  }
});

Deno.test("HttpServerRelay refuses a name resolving to loopback under the default config, with zero connections", async () => {
  const stub = loopbackStub(() => new Response("must not be reached"));
  try {
    for (const answer of [["127.0.0.1"], ["::1"], ["::ffff:127.0.0.1"], ["127.0.0.53", "::1"]]) {
      const dns = scriptedResolver(answer);
      const relay = new HttpServerRelay({ ...serverRelayOptions(DEFAULT_CONFIG), resolve: dns.resolve });
      const result = await relay.relay(dnsTarget("loopback.example", stub.port), new Uint8Array(10));
      assert.deepEqual(result, { kind: "refused", refusal: "address" }, answer.join());
      assert.equal(dns.calls.length, 1);
      assert.equal(relay.inFlight, 0);
    }
    // The real system resolver: `localhost` comes from the hosts file, no network involved.
    const system = new HttpServerRelay(serverRelayOptions(DEFAULT_CONFIG));
    assert.equal((await system.relay(dnsTarget("localhost", stub.port), new Uint8Array(1))).kind, "refused");
    // An IP literal that somehow reached the relay is vetted too.
    assert.equal((await system.relay(ipTarget("127.0.0.1", stub.port), new Uint8Array(1))).kind, "refused");
    assert.equal(stub.connections, 0, "no connection for any refused request");
  } finally {
    await stub.close();
  }
});

Deno.test("HttpServerRelay refuses when ANY resolved address is refused (public + private answers)", async () => {
  const stub = loopbackStub(() => new Response("must not be reached"));
  try {
    const rows: string[][] = [
      ["93.184.215.14", "127.0.0.1"],
      ["127.0.0.1", "93.184.215.14"],
      ["93.184.215.14", "10.0.0.1"],
      ["2606:2800:21f:cb07:6820:80da:af6b:8b2c", "fd00::1"],
      ["93.184.215.14", "169.254.169.254"],
      ["93.184.215.14", "100.64.0.1"],
      ["93.184.215.14", "fe80::1%eth0"], // zone ids do not parse: refused
      ["93.184.215.14", "not an address"],
      ["93.184.215.14", "::ffff:192.168.1.1"],
      ["64:ff9b::7f00:1"],
    ];
    for (const answer of rows) {
      const dns = scriptedResolver(answer);
      const relay = new HttpServerRelay({ ...serverRelayOptions(DEFAULT_CONFIG), resolve: dns.resolve });
      assert.equal((await relay.relay(dnsTarget("mixed.example", stub.port), new Uint8Array(1))).kind, "refused");
    }
    // With the loopback allowlist, loopback is allowed on that port, but the other ranges never are.
    const dns = scriptedResolver(["127.0.0.1", "10.0.0.1"]);
    const testNet = relayWith({ resolve: dns.resolve, loopbackPorts: [stub.port] });
    assert.equal((await testNet.relay(dnsTarget("mixed.example", stub.port), new Uint8Array(1))).kind, "refused");
    assert.equal(stub.connections, 0);
  } finally {
    await stub.close();
  }
});

Deno.test("HttpServerRelay resists DNS rebinding: one resolution per request, and it connects to the vetted IP", async () => {
  const stub = loopbackStub(() => new Response("ok"));
  try {
    // Public first, loopback on a second lookup: the relay never looks up again, so it never
    // reaches the loopback stub (even though this relay would allow loopback on that port).
    const rebinding = scriptedResolver(["192.0.2.1"], ["127.0.0.1"]);
    const relay = relayWith({ resolve: rebinding.resolve, loopbackPorts: [stub.port], timeoutMs: 300 });
    const failure = await failureOf(relay.relay(dnsTarget("rebind.example", stub.port), new Uint8Array(1)));
    assert.ok(failure === "timeout" || failure === "unreachable", failure);
    assert.equal(rebinding.calls.length, 1, "resolved once");
    assert.equal(stub.connections, 0, "the second (loopback) answer was never used");

    // Positive control: the vetted 127.0.0.1 is what is connected to, although a second lookup
    // would say 127.0.0.2 (where nothing listens).
    const flip = scriptedResolver(["127.0.0.1"], ["127.0.0.2"]);
    const pinned = relayWith({ resolve: flip.resolve, loopbackPorts: [stub.port] });
    assert.equal(answerOf(await pinned.relay(dnsTarget("flip.example", stub.port), new Uint8Array(1))).status, 200);
    assert.equal(flip.calls.length, 1);
    assert.equal(stub.connections, 1);
  } finally {
    await stub.close();
  }
});

Deno.test("HttpServerRelay tries the next vetted address only when connecting failed, never after a connection", async () => {
  const stub = loopbackStub(() => new Response("second address"));
  try {
    // Nothing listens on 127.0.0.2: connection refused, so the next vetted address is tried.
    const dns = scriptedResolver(["127.0.0.2", "127.0.0.1"]);
    const relay = relayWith({ resolve: dns.resolve, loopbackPorts: [stub.port] });
    const res = answerOf(await relay.relay(dnsTarget("dual.example", stub.port), new Uint8Array(1)));
    assert.equal(new TextDecoder().decode(res.body), "second address");
    assert.deepEqual([dns.calls.length, stub.connections], [1, 1]);
  } finally {
    await stub.close();
  }

  // Connected, then closed without an answer: final. The second address (same port on 127.0.0.2)
  // must see nothing, since the first server may have acted on the POST.
  const first = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = first.addr.port;
  const second = Deno.listen({ hostname: "127.0.0.2", port });
  let firstSeen = 0;
  let secondSeen = 0;
  const drop = async (listener: Deno.TcpListener, count: () => void) => {
    for await (const conn of listener) {
      count();
      await conn.read(new Uint8Array(4096)).catch(() => null);
      conn.close();
    }
  };
  const loops = [
    drop(first, () => firstSeen++).catch(() => {}),
    drop(second, () => secondSeen++).catch(() => {}),
  ];
  try {
    const relay = relayWith({ resolve: scriptedResolver(["127.0.0.1", "127.0.0.2"]).resolve, loopbackPorts: [port] });
    assert.equal(await failureOf(relay.relay(dnsTarget("dual.example", port), new Uint8Array(1))), "unreachable");
    assert.deepEqual([firstSeen, secondSeen], [1, 0]);
  } finally {
    first.close();
    second.close();
    await Promise.all(loops);
  }
});

Deno.test("HttpServerRelay does not follow redirects (to loopback or anywhere): 3xx → bad_response", async () => {
  const sink = loopbackStub(() => new Response("redirect followed"));
  const redirector = loopbackStub((req) => {
    const status = Number(new URL(req.url).searchParams.get("s") ?? 302);
    return new Response(null, { status, headers: { location: `http://127.0.0.1:${sink.port}${T}` } });
  });
  try {
    for (const status of [301, 302, 303, 307, 308]) {
      const relay = relayWith({ loopbackPorts: [redirector.port, sink.port] });
      const target = { ...ipTarget("127.0.0.1", redirector.port), target: `${T}?s=${status}` };
      assert.equal(await failureOf(relay.relay(target, new Uint8Array(1))), "bad_response", String(status));
      assert.equal(relay.inFlight, 0);
    }
    assert.equal(redirector.requests.length, 5);
    assert.equal(sink.connections, 0, "the redirect target was never contacted");
  } finally {
    await redirector.close();
    await sink.close();
  }
});

Deno.test("HttpServerRelay caps in-flight requests per destination host and overall (busy, nothing sent)", async () => {
  let release = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const stub = loopbackStub(async () => {
    await gate;
    return new Response("done");
  });
  try {
    const dns = scriptedResolver(["127.0.0.1"]);
    const relay = relayWith({
      resolve: dns.resolve,
      loopbackPorts: [stub.port],
      maxInFlight: 2,
      maxInFlightPerHost: 1,
    });
    const body = new Uint8Array(1);
    const first = relay.relay(dnsTarget("a.example", stub.port), body);
    await until(() => stub.requests.length === 1, "first request");
    assert.equal(await failureOf(relay.relay(dnsTarget("a.example", stub.port), body)), "busy", "per host");
    const second = relay.relay(dnsTarget("b.example", stub.port), body);
    await until(() => stub.requests.length === 2, "second request");
    assert.equal(relay.inFlight, 2);
    assert.equal(await failureOf(relay.relay(dnsTarget("c.example", stub.port), body)), "busy", "overall");
    assert.equal(dns.calls.length, 2, "busy requests resolve nothing");
    assert.equal(stub.connections, 2, "busy requests connect nowhere");
    release();
    assert.equal(answerOf(await first).status, 200);
    assert.equal(answerOf(await second).status, 200);
    assert.equal(relay.inFlight, 0);
    assert.equal(answerOf(await relay.relay(dnsTarget("a.example", stub.port), body)).status, 200, "slots freed");
  } finally {
    release();
    await stub.close();
  }
});

Deno.test("HttpServerRelay times out a silent server and a hanging resolver, and releases its slots", async () => {
  const stub = loopbackStub(async (_req, self) => {
    await self.closing;
    return new Response("too late");
  });
  try {
    const relay = relayWith({ loopbackPorts: [stub.port] });
    const t0 = performance.now();
    assert.equal(await failureOf(relay.relay(ipTarget("127.0.0.1", stub.port), new Uint8Array(1))), "timeout");
    const elapsed = performance.now() - t0;
    assert.ok(elapsed >= TEST_TIMEOUT_MS - 20 && elapsed < 3000, `${elapsed} ms`);
    assert.equal(relay.inFlight, 0);

    const hanging = relayWith({ resolve: () => new Promise<never>(() => {}) });
    assert.equal(await failureOf(hanging.relay(dnsTarget("slow-dns.example", 443), new Uint8Array(1))), "timeout");
    assert.equal(hanging.inFlight, 0);
  } finally {
    await stub.close();
  }
});

Deno.test("HttpServerRelay refuses a response over the cap (declared or streamed) and accepts one at the cap", async () => {
  const stub = loopbackStub((req) => {
    const mode = new URL(req.url).searchParams.get("m");
    if (mode === "declared") return new Response(new Uint8Array(TEST_MAX_RESPONSE + 1));
    if (mode === "at-cap") return new Response(new Uint8Array(TEST_MAX_RESPONSE).fill(7));
    const half = new Uint8Array(TEST_MAX_RESPONSE / 2 + 1);
    return new Response(
      new ReadableStream({
        start(c) {
          c.enqueue(half);
          c.enqueue(half);
          c.close();
        },
      }),
    );
  });
  try {
    const relay = relayWith({ loopbackPorts: [stub.port] });
    const at = (m: string) => ({ ...ipTarget("127.0.0.1", stub.port), target: `${T}?m=${m}` });
    assert.equal(await failureOf(relay.relay(at("declared"), new Uint8Array(1))), "bad_response");
    assert.equal(await failureOf(relay.relay(at("streamed"), new Uint8Array(1))), "bad_response");
    const ok = answerOf(await relay.relay(at("at-cap"), new Uint8Array(1)));
    assert.equal(ok.body.length, TEST_MAX_RESPONSE);
    assert.equal(ok.contentType, "application/octet-stream");
    assert.equal(relay.inFlight, 0);
  } finally {
    await stub.close();
  }
});

Deno.test("HttpServerRelay reports refused connections, failed lookups and empty answers as unreachable", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = listener.addr.port;
  listener.close();
  const relay = relayWith({ loopbackPorts: [closedPort] });
  assert.equal(await failureOf(relay.relay(ipTarget("127.0.0.1", closedPort), new Uint8Array(1))), "unreachable");
  const nx = relayWith({ resolve: scriptedResolver(new Error("ENOTFOUND")).resolve });
  assert.equal(await failureOf(nx.relay(dnsTarget("nx.example", 443), new Uint8Array(1))), "unreachable");
  const empty = relayWith({ resolve: scriptedResolver([]).resolve });
  assert.equal(await failureOf(empty.relay(dnsTarget("empty.example", 443), new Uint8Array(1))), "unreachable");
  assert.equal(relay.inFlight + nx.inFlight + empty.inFlight, 0);
});

Deno.test("HttpServerRelay speaks TLS to the vetted IP with the original name for SNI and the certificate check", async () => {
  const stub = loopbackStub((req) => new Response(`hello ${req.headers.get("host")}`), { tls: true });
  try {
    const options = {
      loopbackPorts: [stub.port],
      ca: RELAY_TEST_CERT,
      resolve: scriptedResolver(["127.0.0.1"]).resolve,
    };
    const ok = answerOf(await relayWith(options).relay(dnsTarget("relay.test", stub.port, "https"), new Uint8Array(1)));
    assert.equal(new TextDecoder().decode(ok.body), `hello relay.test:${stub.port}`);
    // A name the certificate does not carry, or the bare IP, fails the check: nothing is relayed.
    const wrongName = await failureOf(
      relayWith(options).relay(dnsTarget("other.test", stub.port, "https"), new Uint8Array(1)),
    );
    assert.equal(wrongName, "unreachable");
    const bareIp = await failureOf(
      relayWith(options).relay(ipTarget("127.0.0.1", stub.port, "https"), new Uint8Array(1)),
    );
    assert.equal(bareIp, "unreachable");
    // Without the test trust anchor the self-signed certificate is refused.
    const untrusted = await failureOf(
      relayWith({ ...options, ca: undefined }).relay(dnsTarget("relay.test", stub.port, "https"), new Uint8Array(1)),
    );
    assert.equal(untrusted, "unreachable");
    assert.equal(stub.requests.length, 1, "only the verified exchange reached the server");
  } finally {
    await stub.close();
  }
});

Deno.test("HttpServerRelay rejects bad options", () => {
  assert.throws(() => relayWith({ timeoutMs: 0 }), RangeError);
  assert.throws(() => relayWith({ maxInFlight: 1.5 }), RangeError);
  assert.throws(() => relayWith({ loopbackPorts: [70000] }), RangeError);
  assert.throws(() => relayWith({ userAgent: "bad\r\nInjected: 1" }), TypeError);
  assert.throws(() => relayWith({ resolve: "dns" as unknown as () => Promise<string[]> }), TypeError);
});

/** The reply key of SELF's own layer (a real client does not keep it; the test can derive it). */
async function exitReplyKey(body: Uint8Array): Promise<OnionReplyKey> {
  const peeled = await peelOnionLayer(body, SELF.keys, { provider });
  return { kind: "node", encType: peeled.reply.encType, key: peeled.reply.key };
}

Deno.test("HttpServerRelay in the app: a name resolving to loopback gets the encrypted Invalid url and no connection; client headers never leave", async () => {
  const stub = loopbackStub(() => new Response("server answer", { headers: { "content-type": "text/plain" } }));
  try {
    // Port allowlisted for names, so the refusal below can only come from the resolved address.
    const config = { serverRelayPorts: [stub.port] };
    const strict = makeGateway({
      config,
      serverRelay: relayWith({ resolve: scriptedResolver(["127.0.0.1"]).resolve }),
    });
    const body = await serverBody({ host: "loopback.example", target: T, port: stub.port, protocol: "http" });
    const answer = await readEncrypted(await exitReplyKey(body), await strict.post(body));
    assert.deepEqual([answer.status, answer.text], [400, INVALID_URL]);
    assert.equal(stub.connections, 0);

    const testNet = makeGateway({
      config: { ...config, serverRelayLoopbackPorts: [stub.port] },
      serverRelay: relayWith({ resolve: scriptedResolver(["127.0.0.1"]).resolve, loopbackPorts: [stub.port] }),
    });
    const res = await testNet.post(
      await serverBody({ host: "loopback.example", target: T, port: stub.port, protocol: "http" }),
      {
        headers: { "x-forwarded-for": "10.9.9.9", forwarded: "for=1.2.3.4", via: "1.1 x", cookie: "s=1", "x-a": "b" },
      },
    );
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "server answer");
    assert.equal(stub.connections, 1);
    for (const name of ["x-forwarded-for", "forwarded", "via", "cookie", "x-a", "x-real-ip"]) {
      assert.equal(stub.requests[0].headers.get(name), null, name);
    }
    assert.deepEqual(stub.requests[0].body.length > 0, true);
  } finally {
    await stub.close();
  }
});
