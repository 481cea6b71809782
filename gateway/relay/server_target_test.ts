import assert from "node:assert/strict";
import { DEFAULT_CONFIG } from "../config.ts";
import { checkServerTarget, type ServerTargetRefusal } from "./server_target.ts";

const policy = { ports: DEFAULT_CONFIG.serverRelayPorts, loopbackPorts: DEFAULT_CONFIG.serverRelayLoopbackPorts };
const T = "/oxen/v4/lsrpc";
type Row = [string, { host: string; target?: string; port?: number; protocol?: string }, ServerTargetRefusal];
const check = (f: { host: string; target?: string; port?: number; protocol?: string }, p = policy) =>
  checkServerTarget({ target: T, port: 443, protocol: "https", ...f }, p);

Deno.test("checkServerTarget() refuses every SSRF host of hardening.md §7", () => {
  const rows: Row[] = [
    ["loopback", { host: "127.0.0.1" }, "address"],
    ["loopback elsewhere in /8", { host: "127.53.0.1" }, "address"],
    ["localhost", { host: "localhost" }, "host"],
    ["sub.localhost", { host: "api.localhost" }, "host"],
    ["IPv6 loopback", { host: "[::1]" }, "address"],
    ["IPv6 loopback bare", { host: "::1" }, "address"],
    ["10/8", { host: "10.0.0.1" }, "address"],
    ["172.16/12", { host: "172.16.0.1" }, "address"],
    ["172.31", { host: "172.31.255.255" }, "address"],
    ["192.168/16", { host: "192.168.1.1" }, "address"],
    ["link-local metadata", { host: "169.254.169.254" }, "address"],
    ["CGNAT", { host: "100.64.0.1" }, "address"],
    ["this network", { host: "0.0.0.0" }, "address"],
    ["192.0.0/24", { host: "192.0.0.8" }, "address"],
    ["benchmark", { host: "198.18.0.1" }, "address"],
    ["multicast", { host: "224.0.0.1" }, "address"],
    ["reserved", { host: "240.0.0.1" }, "address"],
    ["broadcast", { host: "255.255.255.255" }, "address"],
    ["ULA", { host: "[fd00::1]" }, "address"],
    ["ULA fc00", { host: "[fc00::1]" }, "address"],
    ["link-local v6", { host: "[fe80::1]" }, "address"],
    ["multicast v6", { host: "[ff02::1]" }, "address"],
    ["unspecified v6", { host: "[::]" }, "address"],
    ["mapped loopback", { host: "[::ffff:127.0.0.1]" }, "address"],
    ["mapped private", { host: "[::ffff:10.1.2.3]" }, "address"],
    ["mapped hex form", { host: "[::ffff:7f00:1]" }, "address"],
    ["IPv4-compatible", { host: "[::127.0.0.1]" }, "address"],
    ["NAT64", { host: "[64:ff9b::c000:221]" }, "address"],
    ["decimal IPv4", { host: "2130706433" }, "host"],
    ["hex IPv4", { host: "0x7f000001" }, "host"],
    ["short IPv4", { host: "127.1" }, "host"],
    ["octal IPv4", { host: "0177.0.0.1" }, "host"],
    ["five numbers", { host: "1.2.3.4.5" }, "host"],
    ["numeric TLD", { host: "example.123" }, "host"],
    ["zone id", { host: "[fe80::1%25eth0]" }, "host"],
    ["single label", { host: "intranet" }, "host"],
  ];
  for (const [name, fields, refusal] of rows) {
    const r = check(fields);
    assert.ok(!r.ok, name);
    if (!r.ok) assert.equal(r.refusal, refusal, name);
  }
});

Deno.test("checkServerTarget() refuses CR/LF, @, ?, #, %, .., over-long and non-ASCII in host and target", () => {
  const rows: Row[] = [
    ["CRLF host", { host: "example.org\r\nX: y" }, "host"],
    ["LF host", { host: "example.org\n" }, "host"],
    ["userinfo", { host: "user@example.org" }, "host"],
    ["port in host", { host: "example.org:8080" }, "host"],
    ["path in host", { host: "example.org/x" }, "host"],
    ["query in host", { host: "example.org?x" }, "host"],
    ["fragment in host", { host: "example.org#x" }, "host"],
    ["percent in host", { host: "ex%61mple.org" }, "host"],
    ["non-ASCII host", { host: "exämple.org" }, "host"],
    ["empty host", { host: "" }, "host"],
    ["over-long host", { host: `${"a".repeat(60)}.`.repeat(5) + "org" }, "host"],
    ["over-long label", { host: `${"a".repeat(64)}.org` }, "host"],
    ["hyphen edge", { host: "-a.org" }, "host"],
    ["trailing dot", { host: "example.org." }, "host"],
    ["target CRLF", { host: "example.org", target: "/oxen/v4\r\n/lsrpc" }, "target"],
    ["target ?", { host: "example.org", target: "/oxen/v4/lsrpc?x=1" }, "target"],
    ["target #", { host: "example.org", target: "/oxen/v4/lsrpc#x" }, "target"],
    ["target %2e%2e", { host: "example.org", target: "/oxen/%2e%2e/lsrpc" }, "target"],
    ["target ..", { host: "example.org", target: "/oxen/../lsrpc" }, "target"],
    ["target ../ deep", { host: "example.org", target: "/oxen/a/../../lsrpc" }, "target"],
    ["target @", { host: "example.org", target: "/oxen/a@b/lsrpc" }, "target"],
    ["target non-ASCII", { host: "example.org", target: "/oxen/ä/lsrpc" }, "target"],
    ["target over-long", { host: "example.org", target: `/oxen/${"a".repeat(201)}/lsrpc` }, "target"],
    ["target prefix", { host: "example.org", target: "/api/v4/lsrpc" }, "target"],
    ["target suffix", { host: "example.org", target: "/oxen/v4/rpc" }, "target"],
    ["target empty middle", { host: "example.org", target: "/oxen//lsrpc" }, "target"],
    ["target relative", { host: "example.org", target: "oxen/v4/lsrpc" }, "target"],
    ["protocol ftp", { host: "example.org", protocol: "ftp" }, "protocol"],
    ["protocol upper", { host: "example.org", protocol: "HTTPS" }, "protocol"],
    ["protocol file", { host: "example.org", protocol: "file" }, "protocol"],
    ["port 22", { host: "example.org", port: 22 }, "port"],
    ["port 8080", { host: "93.184.216.34", port: 8080 }, "port"],
    ["port 0", { host: "example.org", port: 0 }, "port"],
  ];
  for (const [name, fields, refusal] of rows) {
    const r = check(fields);
    assert.ok(!r.ok, name);
    if (!r.ok) assert.equal(r.refusal, refusal, name);
  }
});

Deno.test("checkServerTarget() accepts public servers and builds their URL", () => {
  const rows: [{ host: string; target?: string; port?: number; protocol?: string }, string, string][] = [
    [{ host: "open.getsession.org" }, "https://open.getsession.org/oxen/v4/lsrpc", "dns"],
    [{ host: "Open.GetSession.ORG", target: "/loki/v3/lsrpc" }, "https://open.getsession.org/loki/v3/lsrpc", "dns"],
    [
      { host: "xn--bcher-kva.example", protocol: "http", port: 80 },
      "http://xn--bcher-kva.example/oxen/v4/lsrpc",
      "dns",
    ],
    [{ host: "93.184.216.34", protocol: "http", port: 443 }, "http://93.184.216.34:443/oxen/v4/lsrpc", "ipv4"],
    [{ host: "[2606:4700::1111]" }, "https://[2606:4700:0:0:0:0:0:1111]/oxen/v4/lsrpc", "ipv6"],
    [{ host: "example.org", target: "/oxen/a.b_c~d-e/f/lsrpc" }, "https://example.org/oxen/a.b_c~d-e/f/lsrpc", "dns"],
  ];
  for (const [fields, url, kind] of rows) {
    const r = check(fields);
    assert.ok(r.ok, fields.host);
    if (r.ok) {
      assert.equal(r.target.url, url);
      assert.equal(r.target.hostKind, kind);
    }
  }
});

Deno.test("checkServerTarget() refuses loopback under the default config, allows it only on listed loopback ports", () => {
  const loop = { host: "127.0.0.1", port: 8088, protocol: "http" };
  const r1 = check(loop);
  assert.ok(!r1.ok);
  const testNet = { ports: policy.ports, loopbackPorts: [8088] };
  const r2 = check(loop, testNet);
  assert.ok(r2.ok && r2.target.url === "http://127.0.0.1:8088/oxen/v4/lsrpc");
  assert.ok(check({ host: "[::1]", port: 8088, protocol: "http" }, testNet).ok);
  assert.ok(!check({ host: "127.0.0.1", port: 8089, protocol: "http" }, testNet).ok, "other ports stay refused");
  assert.ok(!check({ host: "10.0.0.1", port: 8088, protocol: "http" }, testNet).ok, "only loopback gets the exception");
  assert.ok(!check({ host: "localhost", port: 8088, protocol: "http" }, testNet).ok, "names are not literals");
});
