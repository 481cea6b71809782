import assert from "node:assert/strict";
import { configFlagNames, configHelp, createConfig, DEFAULT_CONFIG, parseConfig } from "./config.ts";

const MIB = 1024 * 1024;

Deno.test("DEFAULT_CONFIG holds the documented defaults of hardening.md §1, §4, §5, §6", () => {
  const c = DEFAULT_CONFIG;
  const expected: Record<string, unknown> = {
    hostname: "127.0.0.1",
    maxBody: 10 * MIB,
    maxOuterTrailer: 4096,
    maxInnerJson: 8192,
    rejectAmbiguousRoutes: true,
    serverRelayPorts: [443, 80],
    serverRelayLoopbackPorts: [],
    serverRelayTimeoutMs: 25_000,
    serverRelayMaxResponse: 8 * MIB,
    serverRelayMaxInFlight: 256,
    serverRelayMaxInFlightPerHost: 32,
    rateLimitBurst: 600,
    rateLimitPerSecond: 300,
    rateLimitMaxClients: 10_000,
    maxConnectionsPerClient: 100,
    headerTimeoutMs: 10_000,
    bodyMinBytesPerSecond: 1024,
    bodyGraceMs: 5000,
    requestDeadlineMs: 30_000,
    forwardMaxInFlight: 256,
    forwardMaxInFlightPerHop: 32,
    forwardTimeoutMs: 20_000,
    maxBufferedBytes: 128 * MIB,
    replayGenerationMs: 600_000,
    replayMaxTags: 2_000_000,
    padReplies: true,
    maxMessageData: 76_800,
    metricsAccess: "loopback",
  };
  for (const [k, v] of Object.entries(expected)) assert.deepEqual(c[k as keyof typeof c], v, k);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.serverRelayPorts));
});

Deno.test("parseConfig() reads ALLIUM_* variables and flags, flags winning", () => {
  const c = parseConfig(
    {
      ALLIUM_MAX_BODY: "2048",
      ALLIUM_PORT: "1",
      ALLIUM_PAD_REPLIES: "false",
      ALLIUM_SERVER_RELAY_PORTS: "443",
      PATH: "/bin",
    },
    { port: "0", "rate-limit-burst": "5", "reported-version": "1.2.3", "directory-file": "nodes.json" },
  );
  assert.equal(c.maxBody, 2048);
  assert.equal(c.port, 0);
  assert.equal(c.padReplies, false);
  assert.deepEqual(c.serverRelayPorts, [443]);
  assert.equal(c.rateLimitBurst, 5);
  assert.deepEqual(c.reportedVersion, [1, 2, 3]);
  assert.equal(c.directoryFile, "nodes.json");
  assert.equal(parseConfig({ ALLIUM_SERVER_RELAY_PORTS: "" }).serverRelayPorts.length, 0);
});

Deno.test("parseConfig() fails with a precise message naming the setting and value", () => {
  const rows: [Record<string, string>, Record<string, string>, string][] = [
    [{ ALLIUM_MAX_BODY: "abc" }, {}, 'Cannot read config: ALLIUM_MAX_BODY "abc" is not a positive integer'],
    [{ ALLIUM_MAX_BODY: "0" }, {}, 'Cannot read config: ALLIUM_MAX_BODY "0" is not a positive integer'],
    [{ ALLIUM_MAX_BODY: "-5" }, {}, 'Cannot read config: ALLIUM_MAX_BODY "-5" is not a positive integer'],
    [{ ALLIUM_MAX_BODY: " 5" }, {}, 'Cannot read config: ALLIUM_MAX_BODY " 5" is not a positive integer'],
    [{ ALLIUM_MAX_BODY: "99999999999" }, {}, 'Cannot read config: ALLIUM_MAX_BODY "99999999999" exceeds 1073741824'],
    [{ ALLIUM_PORT: "65536" }, {}, 'Cannot read config: ALLIUM_PORT "65536" exceeds 65535'],
    [{ ALLIUM_PORT: "x" }, {}, 'Cannot read config: ALLIUM_PORT "x" is not a non-negative integer'],
    [{}, { "max-body": "1.5" }, 'Cannot read config: --max-body "1.5" is not a positive integer'],
    [{ ALLIUM_PAD_REPLIES: "yes" }, {}, 'Cannot read config: ALLIUM_PAD_REPLIES "yes" is not true or false'],
    [
      { ALLIUM_LOG_LEVEL: "loud" },
      {},
      'Cannot read config: ALLIUM_LOG_LEVEL "loud" is not one of "debug", "info", "warn", "error"',
    ],
    [
      { ALLIUM_SERVER_RELAY_PORTS: "443,0" },
      {},
      'Cannot read config: ALLIUM_SERVER_RELAY_PORTS "443,0" is not a comma-separated list of ports 1…65535',
    ],
    [
      { ALLIUM_REPORTED_VERSION: "2.8" },
      {},
      'Cannot read config: ALLIUM_REPORTED_VERSION "2.8" is not a version of 3 dot-separated numbers',
    ],
    [{ ALLIUM_MAX_BODDY: "1" }, {}, "Cannot read config: unknown setting ALLIUM_MAX_BODDY"],
    [{}, { "max-boddy": "1" }, "Cannot read config: unknown flag --max-boddy"],
    [
      { ALLIUM_FORWARD_MAX_IN_FLIGHT_PER_HOP: "300" },
      {},
      "Cannot read config: ALLIUM_FORWARD_MAX_IN_FLIGHT_PER_HOP (300) exceeds ALLIUM_FORWARD_MAX_IN_FLIGHT (256)",
    ],
    [
      {},
      { "forward-timeout-ms": "30000" },
      "Cannot read config: --forward-timeout-ms (30000) must be below ALLIUM_REQUEST_DEADLINE_MS (30000)",
    ],
    [
      { ALLIUM_MAX_BODY: "200000000" },
      {},
      "Cannot read config: ALLIUM_MAX_BODY (200000000) exceeds ALLIUM_MAX_BUFFERED_BYTES (134217728)",
    ],
  ];
  for (const [env, flags, message] of rows) {
    assert.throws(() => parseConfig(env, flags), (e) => e instanceof RangeError && e.message === message, message);
  }
});

Deno.test("createConfig() checks types and ranges of typed overrides", () => {
  assert.equal(createConfig({ maxBody: 5 }).maxBody, 5);
  assert.throws(() => createConfig({ maxBody: "5" as unknown as number }), TypeError);
  assert.throws(() => createConfig({ maxBody: 0 }), /maxBody 0 is not an integer in 1…/);
  assert.throws(() => createConfig({ maxBody: 1.5 }), RangeError);
  assert.throws(() => createConfig({ serverRelayPorts: [0] }), RangeError);
  assert.throws(() => createConfig({ nope: 1 } as never), /unknown field "nope"/);
  assert.throws(
    () => createConfig({ forwardMaxInFlightPerHop: 300 }),
    /forwardMaxInFlightPerHop \(300\) exceeds forwardMaxInFlight/,
  );
  const ports = [443];
  const c = createConfig({ serverRelayPorts: ports });
  ports.push(1);
  assert.deepEqual(c.serverRelayPorts, [443], "arrays are copied and frozen");
});

Deno.test("configFlagNames() and configHelp() cover every setting", () => {
  const flags = configFlagNames();
  assert.ok(flags.includes("max-body") && flags.includes("replay-max-tags") && flags.includes("port"));
  const help = configHelp();
  for (const f of flags) assert.ok(help.includes(`--${f} `), f);
  assert.equal(help.split("\n").length, flags.length);
  // Every flag parses with its default printed in the help (round trip through text).
  for (const line of help.split("\n")) {
    const [flag, , , shown] = line.trim().split(/\s+/);
    if (shown === "(none)") continue;
    const text = shown;
    assert.doesNotThrow(() => parseConfig({}, { [flag.slice(2)]: text }), flag);
  }
});

Deno.test("parseConfig() keeps the header timeout and the body grace period within the request deadline", () => {
  const rows: [Record<string, string>, string][] = [
    [
      { ALLIUM_HEADER_TIMEOUT_MS: "30001" },
      "Cannot read config: ALLIUM_HEADER_TIMEOUT_MS (30001) exceeds ALLIUM_REQUEST_DEADLINE_MS (30000)",
    ],
    [
      { ALLIUM_BODY_GRACE_MS: "40000" },
      "Cannot read config: ALLIUM_BODY_GRACE_MS (40000) exceeds ALLIUM_REQUEST_DEADLINE_MS (30000)",
    ],
  ];
  for (const [env, message] of rows) {
    assert.throws(() => parseConfig(env), (e) => e instanceof RangeError && e.message === message, message);
  }
  assert.equal(parseConfig({ ALLIUM_HEADER_TIMEOUT_MS: "30000" }).headerTimeoutMs, 30_000, "equal is allowed");
  assert.throws(() => createConfig({ headerTimeoutMs: 31_000 }), /headerTimeoutMs \(31000\) exceeds requestDeadlineMs/);
});
