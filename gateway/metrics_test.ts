import assert from "node:assert/strict";
import { makeGateway, relayBody } from "./_testing/fixtures.ts";
import { isLoopbackAddress, Metrics, outcomeOf } from "./metrics.ts";

Deno.test("outcomeOf() classes statuses", () => {
  const rows: [number, string][] = [
    [200, "ok"],
    [204, "ok"],
    [400, "bad_request"],
    [415, "bad_request"],
    [404, "not_found"],
    [413, "too_large"],
    [429, "rate_limited"],
    [500, "server_error"],
    [502, "upstream_error"],
    [503, "busy"],
    [504, "upstream_error"],
  ];
  for (const [status, outcome] of rows) assert.equal(outcomeOf(status), outcome, String(status));
});

Deno.test("Metrics.render() writes a well-formed Prometheus histogram", () => {
  const m = new Metrics();
  m.started();
  m.record(200, 0.003);
  m.started();
  m.record(503, 0.2);
  const text = m.render();
  assert.match(text, /^allium_request_duration_seconds_bucket\{le="0.0025"\} 0$/m);
  assert.match(text, /^allium_request_duration_seconds_bucket\{le="0.005"\} 1$/m);
  assert.match(text, /^allium_request_duration_seconds_bucket\{le="\+Inf"\} 2$/m);
  assert.match(text, /^allium_request_duration_seconds_count 2$/m);
  assert.match(text, /^allium_shed_total 1$/m);
  assert.match(text, /^allium_requests_in_flight 0$/m);
  for (const line of text.trim().split("\n")) {
    assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{\w+="[^"]*"\})? [0-9.e+-]+)$/, line);
  }
});

Deno.test("isLoopbackAddress() recognises loopback forms only", () => {
  for (const a of ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"]) assert.ok(isLoopbackAddress(a), a);
  for (const a of [undefined, "", "10.0.0.1", "::2", "localhost", "0.0.0.0"]) {
    assert.ok(!isLoopbackAddress(a), String(a));
  }
});

Deno.test("GET /metrics counts requests by outcome and serves loopback peers only by default", async () => {
  const gw = makeGateway();
  await (await gw.post(await relayBody())).body?.cancel();
  await (await gw.post(new Uint8Array(1))).body?.cancel();
  await (await gw.request("/nope")).body?.cancel();
  const remote = await gw.request("/metrics");
  assert.equal(remote.status, 404);
  await remote.body?.cancel();
  const res = await gw.request("/metrics", {}, "127.0.0.1");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0.0.4/);
  const text = await res.text();
  assert.match(text, /^allium_requests_total\{outcome="ok"\} 1$/m);
  assert.match(text, /^allium_requests_total\{outcome="bad_request"\} 1$/m);
  assert.match(text, /^allium_requests_total\{outcome="not_found"\} 2$/m);
  assert.match(text, /^allium_requests_in_flight 1$/m, "the metrics request itself");
  assert.match(text, /^allium_replay_tags 1$/m);
  assert.match(text, /^allium_rate_limited_clients 2$/m);
});

Deno.test("GET /metrics honours metricsAccess off and any", async () => {
  const off = makeGateway({ config: { metricsAccess: "off" } });
  assert.equal((await off.request("/metrics", {}, "127.0.0.1")).status, 404);
  const any = makeGateway({ config: { metricsAccess: "any" } });
  assert.equal((await any.request("/metrics", {}, "192.0.2.1")).status, 200);
});
