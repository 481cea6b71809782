/**
 * The gateway's configuration: one frozen, validated {@link Config} whose every limit is a named
 * field with the default of hardening.md §1, §4, §5 and §6. The JSDoc of each field is its
 * documented default.
 *
 * Settings come from the environment (`ALLIUM_*`) and from command-line flags (the same name in
 * kebab case without the prefix: `ALLIUM_MAX_BODY` ↔ `--max-body`); flags win. Parsing fails fast
 * with a precise message naming the setting and the value.
 *
 * @module
 */

import { MAX_BODY_BYTES, MAX_INNER_JSON_BYTES, MAX_OUTER_TRAILER_BYTES, type ProviderName } from "../mod.ts";

/** Minimum severity of log lines that are written. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Who may read `GET /metrics`. */
export type MetricsAccess = "off" | "loopback" | "any";

/** Which crypto provider the node uses: `auto` = the fastest that loads (performance.md). */
export type ProviderChoice = "auto" | ProviderName;

/** The gateway's configuration. Frozen; build it with {@link createConfig} or {@link parseConfig}. */
export interface Config {
  // --- Listening and files ------------------------------------------------------------------

  /** Address to bind (`ALLIUM_HOSTNAME`). Default `127.0.0.1`: loopback only until an operator opens it. */
  readonly hostname: string;
  /** TCP port (`ALLIUM_PORT`), 0 = any free port. Default 22021 (the storage server's usual port). */
  readonly port: number;
  /** Node key file (`ALLIUM_KEY_FILE`), created with mode 0600 on first start. Default `.allium/node_key.json`. */
  readonly keyFile: string;
  /** Node directory file (`ALLIUM_DIRECTORY_FILE`, format in directory.ts). Default none: an empty directory. */
  readonly directoryFile: string | undefined;
  /** Crypto provider (`ALLIUM_CRYPTO_PROVIDER`): `auto`, `sodium`, `webcrypto` or `noble`. Default `auto`. */
  readonly cryptoProvider: ProviderChoice;
  /** Minimum log level (`ALLIUM_LOG_LEVEL`): `debug`, `info`, `warn`, `error`. Default `info`. */
  readonly logLevel: LogLevel;
  /** Who may read `/metrics` (`ALLIUM_METRICS`): `off`, `loopback` or `any`. Default `loopback`. */
  readonly metricsAccess: MetricsAccess;
  /** Time in-flight requests get to finish on SIGINT/SIGTERM (`ALLIUM_SHUTDOWN_GRACE_MS`). Default 10,000 ms. */
  readonly shutdownGraceMs: number;

  // --- hardening.md §1: wire format and parsing ---------------------------------------------

  /** Largest HTTP request body in bytes (`ALLIUM_MAX_BODY`). Default 10 MiB (10,485,760), as the reference. */
  readonly maxBody: number;
  /** Largest outer trailer JSON in bytes (`ALLIUM_MAX_OUTER_TRAILER`). Default 4 KiB (4,096). */
  readonly maxOuterTrailer: number;
  /** Largest inner routing JSON after decryption in bytes (`ALLIUM_MAX_INNER_JSON`). Default 8 KiB (8,192). */
  readonly maxInnerJson: number;
  /**
   * Refuse routing JSON naming more than one action (`headers`, `host`, `destination`) with the
   * encrypted `Invalid json` (`ALLIUM_REJECT_AMBIGUOUS_ROUTES`). Default true (hardening.md §1:
   * ambiguous → 400), a deliberate difference from the reference's priority order.
   */
  readonly rejectAmbiguousRoutes: boolean;

  // --- hardening.md §4: relay to an HTTP server ---------------------------------------------

  /** Ports a relay-to-server target may use (`ALLIUM_SERVER_RELAY_PORTS`, comma-separated). Default 443, 80. */
  readonly serverRelayPorts: readonly number[];
  /**
   * Ports on which a loopback IP literal (127.0.0.0/8, ::1) is allowed as a relay-to-server host
   * (`ALLIUM_SERVER_RELAY_LOOPBACK_PORTS`). For loopback test networks only. Default none.
   */
  readonly serverRelayLoopbackPorts: readonly number[];
  /** Relay-to-server timeout (`ALLIUM_SERVER_RELAY_TIMEOUT_MS`). Default 25,000 ms (below the client's 30 s). */
  readonly serverRelayTimeoutMs: number;
  /** Largest relay-to-server response in bytes (`ALLIUM_SERVER_RELAY_MAX_RESPONSE`). Default 8 MiB. */
  readonly serverRelayMaxResponse: number;
  /** Concurrent relay-to-server requests overall (`ALLIUM_SERVER_RELAY_MAX_IN_FLIGHT`). Default 256. */
  readonly serverRelayMaxInFlight: number;
  /** Concurrent relay-to-server requests per destination host (`ALLIUM_SERVER_RELAY_MAX_IN_FLIGHT_PER_HOST`). Default 32. */
  readonly serverRelayMaxInFlightPerHost: number;

  // --- hardening.md §5: DoS and resource limits ---------------------------------------------

  /** Token-bucket capacity per client (IPv4 address, IPv6 /64) (`ALLIUM_RATE_LIMIT_BURST`). Default 600. */
  readonly rateLimitBurst: number;
  /** Token-bucket refill per client, tokens per second (`ALLIUM_RATE_LIMIT_PER_SECOND`). Default 300. */
  readonly rateLimitPerSecond: number;
  /** Clients tracked by the rate limiter; when full, unknown clients get 429 (`ALLIUM_RATE_LIMIT_MAX_CLIENTS`). Default 10,000. */
  readonly rateLimitMaxClients: number;
  /**
   * Concurrent requests per client (IPv4 address, IPv6 /64) (`ALLIUM_MAX_CONNECTIONS_PER_CLIENT`).
   * Default 100. One more request in flight → 429 at once, on every runtime
   * (middleware/client_concurrency.ts). Open connections are also capped on Node (one over the cap
   * is closed on accept); Deno.serve and Bun.serve expose no connection hook (server_limits.ts).
   */
  readonly maxConnectionsPerClient: number;
  /**
   * Time allowed to receive the request headers (`ALLIUM_HEADER_TIMEOUT_MS`). Default 10,000 ms;
   * at most `requestDeadlineMs`. Enforced on Node (`headersTimeout`: 408 and close). Bun has a
   * fixed 10 s of its own and ignores this; Deno.serve has no header timeout at all
   * (server_limits.ts; put a proxy in front).
   */
  readonly headerTimeoutMs: number;
  /**
   * Minimum average body rate once `bodyGraceMs` of reading have passed, bytes per second
   * (`ALLIUM_BODY_MIN_BYTES_PER_SECOND`). Default 1,024. Slower → 408, on every runtime
   * (middleware/request_timing.ts).
   */
  readonly bodyMinBytesPerSecond: number;
  /**
   * Time from the start of the body read before the minimum body rate applies (`ALLIUM_BODY_GRACE_MS`).
   * Default 5,000 ms; at most `requestDeadlineMs`.
   */
  readonly bodyGraceMs: number;
  /**
   * Whole-request deadline, from the headers to the answer (`ALLIUM_REQUEST_DEADLINE_MS`). Default
   * 30,000 ms; both next-hop timeouts must stay below it. On every runtime the app answers 408
   * when the body is still arriving at the deadline, else 504 (middleware/body_limit.ts). Node's
   * `requestTimeout` and Bun's `idleTimeout` (+5 s) are set from it too (server_limits.ts).
   */
  readonly requestDeadlineMs: number;
  /** Concurrent node→node forwards overall; beyond → 503 (`ALLIUM_FORWARD_MAX_IN_FLIGHT`). Default 256. */
  readonly forwardMaxInFlight: number;
  /** Concurrent node→node forwards per next hop; beyond → 503 (`ALLIUM_FORWARD_MAX_IN_FLIGHT_PER_HOP`). Default 32. */
  readonly forwardMaxInFlightPerHop: number;
  /** Node→node timeout; then 504 (`ALLIUM_FORWARD_TIMEOUT_MS`). Default 20,000 ms. */
  readonly forwardTimeoutMs: number;
  /**
   * Largest node→node response in bytes; beyond → 502 (`ALLIUM_FORWARD_MAX_RESPONSE`). Default
   * 16 MiB: a full `retrieve` (7.8 MB) is base64'd, encrypted and base64'd again on the way back.
   */
  readonly forwardMaxResponse: number;
  /** Request bytes buffered across all connections; beyond → 503 (`ALLIUM_MAX_BUFFERED_BYTES`). Default 128 MiB. */
  readonly maxBufferedBytes: number;
  /**
   * Age of one replay-cache generation (`ALLIUM_REPLAY_GENERATION_MS`). Two generations are kept,
   * so a tag is remembered for 10–20 minutes. Default 600,000 ms (10 min).
   */
  readonly replayGenerationMs: number;
  /**
   * Replay tags remembered across both generations (`ALLIUM_REPLAY_MAX_TAGS`, ~32 bytes each).
   * When the current generation holds half of this it rotates early, shortening the window under
   * a flood of valid onions. Default 2,000,000 (~64 MiB).
   */
  readonly replayMaxTags: number;

  // --- hardening.md §3, §6 and the final destination ----------------------------------------

  /** Pad final-destination replies to size buckets (`ALLIUM_PAD_REPLIES`). Default true (hardening.md §6). */
  readonly padReplies: boolean;
  /**
   * Largest storage-RPC request a final destination accepts, in bytes; beyond → encrypted 413
   * (`ALLIUM_MAX_RPC_REQUEST`). Default 106,496: a maximal message as base64 (102,400) + 4 KiB.
   */
  readonly maxRpcRequest: number;
  /** Largest message `data` after base64 decoding; beyond → encrypted 413 (`ALLIUM_MAX_MESSAGE_DATA`). Default 76,800. */
  readonly maxMessageData: number;
  /** Storage-server version `info` reports (`ALLIUM_REPORTED_VERSION`, `a.b.c`). Default 2.8.0. */
  readonly reportedVersion: readonly number[];
  /** Network (hard-fork) version `info` reports as `hf` (`ALLIUM_NETWORK_VERSION`, `a.b`). Default 19.3. */
  readonly networkVersion: readonly number[];

  // --- Service node (swarms-and-storage.md §4, §10; gateway/service_node/) ------------------

  /** Registry file (`ALLIUM_REGISTRY_FILE`, format in registry.ts); required by the service node. Default none. */
  readonly registryFile: string | undefined;
  /** How often the service node checks the registry file for a new height (`ALLIUM_REGISTRY_POLL_MS`). Default 1,000 ms. */
  readonly registryPollMs: number;
  /** Directory of the service node's SQLite store (`ALLIUM_DATA_DIR`). Default `.allium/data`. */
  readonly dataDir: string;
  /** Store size cap in bytes; writes beyond it answer 507 (`ALLIUM_STORE_MAX_BYTES`). Default 3.5 GiB (§10). */
  readonly storeMaxBytes: number;
  /**
   * SQLite `synchronous` mode (`ALLIUM_STORE_SYNC`): `full` (a store answered 200 survives power
   * loss) or `normal` (survives a process crash; faster). Default `full`.
   */
  readonly storeSync: "full" | "normal";
  /** How often expired messages are purged (`ALLIUM_EXPIRY_SWEEP_MS`). Default 10,000 ms (§10). */
  readonly expirySweepMs: number;
  /** Timeout of a replicated request to one swarm peer (`ALLIUM_SWARM_PEER_TIMEOUT_MS`). Default 5,000 ms (§4.3). */
  readonly swarmPeerTimeoutMs: number;
}

/** Setting kinds and how their text is read. */
type Kind =
  | { type: "int"; min: number; max: number }
  | { type: "bool" }
  | { type: "string"; pattern?: RegExp; describe?: string }
  | { type: "optionalString" }
  | { type: "enum"; values: readonly string[] }
  | { type: "ports" }
  | { type: "version"; parts: number };

interface Setting {
  field: keyof Config;
  env: string;
  kind: Kind;
}

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;
const SECOND = 1000;
const HOUR = 3600 * SECOND;
const MAX_PORT = 65535;

const int = (min: number, max: number): Kind => ({ type: "int", min, max });

/** Every setting: field, environment name and how it is read and checked. */
const SETTINGS: readonly Setting[] = [
  {
    field: "hostname",
    env: "ALLIUM_HOSTNAME",
    kind: { type: "string", pattern: /^[A-Za-z0-9.:-]{1,253}$/, describe: "a host name or IP address" },
  },
  { field: "port", env: "ALLIUM_PORT", kind: int(0, MAX_PORT) },
  {
    field: "keyFile",
    env: "ALLIUM_KEY_FILE",
    kind: { type: "string", pattern: /^[^\0]{1,4096}$/, describe: "a file path" },
  },
  { field: "directoryFile", env: "ALLIUM_DIRECTORY_FILE", kind: { type: "optionalString" } },
  {
    field: "cryptoProvider",
    env: "ALLIUM_CRYPTO_PROVIDER",
    kind: { type: "enum", values: ["auto", "sodium", "webcrypto", "noble"] },
  },
  { field: "logLevel", env: "ALLIUM_LOG_LEVEL", kind: { type: "enum", values: ["debug", "info", "warn", "error"] } },
  { field: "metricsAccess", env: "ALLIUM_METRICS", kind: { type: "enum", values: ["off", "loopback", "any"] } },
  { field: "shutdownGraceMs", env: "ALLIUM_SHUTDOWN_GRACE_MS", kind: int(1, HOUR) },
  { field: "maxBody", env: "ALLIUM_MAX_BODY", kind: int(1, GIB) },
  { field: "maxOuterTrailer", env: "ALLIUM_MAX_OUTER_TRAILER", kind: int(1, MIB) },
  { field: "maxInnerJson", env: "ALLIUM_MAX_INNER_JSON", kind: int(1, MIB) },
  { field: "rejectAmbiguousRoutes", env: "ALLIUM_REJECT_AMBIGUOUS_ROUTES", kind: { type: "bool" } },
  { field: "serverRelayPorts", env: "ALLIUM_SERVER_RELAY_PORTS", kind: { type: "ports" } },
  { field: "serverRelayLoopbackPorts", env: "ALLIUM_SERVER_RELAY_LOOPBACK_PORTS", kind: { type: "ports" } },
  { field: "serverRelayTimeoutMs", env: "ALLIUM_SERVER_RELAY_TIMEOUT_MS", kind: int(1, HOUR) },
  { field: "serverRelayMaxResponse", env: "ALLIUM_SERVER_RELAY_MAX_RESPONSE", kind: int(1, GIB) },
  { field: "serverRelayMaxInFlight", env: "ALLIUM_SERVER_RELAY_MAX_IN_FLIGHT", kind: int(1, 1_000_000) },
  {
    field: "serverRelayMaxInFlightPerHost",
    env: "ALLIUM_SERVER_RELAY_MAX_IN_FLIGHT_PER_HOST",
    kind: int(1, 1_000_000),
  },
  { field: "rateLimitBurst", env: "ALLIUM_RATE_LIMIT_BURST", kind: int(1, 1_000_000_000) },
  { field: "rateLimitPerSecond", env: "ALLIUM_RATE_LIMIT_PER_SECOND", kind: int(1, 1_000_000_000) },
  { field: "rateLimitMaxClients", env: "ALLIUM_RATE_LIMIT_MAX_CLIENTS", kind: int(1, 100_000_000) },
  { field: "maxConnectionsPerClient", env: "ALLIUM_MAX_CONNECTIONS_PER_CLIENT", kind: int(1, 1_000_000) },
  { field: "headerTimeoutMs", env: "ALLIUM_HEADER_TIMEOUT_MS", kind: int(1, HOUR) },
  { field: "bodyMinBytesPerSecond", env: "ALLIUM_BODY_MIN_BYTES_PER_SECOND", kind: int(1, GIB) },
  { field: "bodyGraceMs", env: "ALLIUM_BODY_GRACE_MS", kind: int(1, HOUR) },
  { field: "requestDeadlineMs", env: "ALLIUM_REQUEST_DEADLINE_MS", kind: int(1, HOUR) },
  { field: "forwardMaxInFlight", env: "ALLIUM_FORWARD_MAX_IN_FLIGHT", kind: int(1, 1_000_000) },
  { field: "forwardMaxInFlightPerHop", env: "ALLIUM_FORWARD_MAX_IN_FLIGHT_PER_HOP", kind: int(1, 1_000_000) },
  { field: "forwardTimeoutMs", env: "ALLIUM_FORWARD_TIMEOUT_MS", kind: int(1, HOUR) },
  { field: "forwardMaxResponse", env: "ALLIUM_FORWARD_MAX_RESPONSE", kind: int(1, GIB) },
  { field: "maxBufferedBytes", env: "ALLIUM_MAX_BUFFERED_BYTES", kind: int(1, 64 * GIB) },
  { field: "replayGenerationMs", env: "ALLIUM_REPLAY_GENERATION_MS", kind: int(1, 24 * HOUR) },
  { field: "replayMaxTags", env: "ALLIUM_REPLAY_MAX_TAGS", kind: int(2, 100_000_000) },
  { field: "padReplies", env: "ALLIUM_PAD_REPLIES", kind: { type: "bool" } },
  { field: "maxRpcRequest", env: "ALLIUM_MAX_RPC_REQUEST", kind: int(1, GIB) },
  { field: "maxMessageData", env: "ALLIUM_MAX_MESSAGE_DATA", kind: int(1, GIB) },
  { field: "reportedVersion", env: "ALLIUM_REPORTED_VERSION", kind: { type: "version", parts: 3 } },
  { field: "networkVersion", env: "ALLIUM_NETWORK_VERSION", kind: { type: "version", parts: 2 } },
  { field: "registryFile", env: "ALLIUM_REGISTRY_FILE", kind: { type: "optionalString" } },
  { field: "registryPollMs", env: "ALLIUM_REGISTRY_POLL_MS", kind: int(10, HOUR) },
  {
    field: "dataDir",
    env: "ALLIUM_DATA_DIR",
    kind: { type: "string", pattern: /^[^\0]{1,4096}$/, describe: "a directory path" },
  },
  { field: "storeMaxBytes", env: "ALLIUM_STORE_MAX_BYTES", kind: int(64 * KIB, 1024 * GIB) },
  { field: "storeSync", env: "ALLIUM_STORE_SYNC", kind: { type: "enum", values: ["full", "normal"] } },
  { field: "expirySweepMs", env: "ALLIUM_EXPIRY_SWEEP_MS", kind: int(10, HOUR) },
  { field: "swarmPeerTimeoutMs", env: "ALLIUM_SWARM_PEER_TIMEOUT_MS", kind: int(1, HOUR) },
];

/** Defaults, as documented on {@link Config}. */
const DEFAULTS: Config = {
  hostname: "127.0.0.1",
  port: 22021,
  keyFile: ".allium/node_key.json",
  directoryFile: undefined,
  cryptoProvider: "auto",
  logLevel: "info",
  metricsAccess: "loopback",
  shutdownGraceMs: 10 * SECOND,
  maxBody: MAX_BODY_BYTES,
  maxOuterTrailer: MAX_OUTER_TRAILER_BYTES,
  maxInnerJson: MAX_INNER_JSON_BYTES,
  rejectAmbiguousRoutes: true,
  serverRelayPorts: [443, 80],
  serverRelayLoopbackPorts: [],
  serverRelayTimeoutMs: 25 * SECOND,
  serverRelayMaxResponse: 8 * MIB,
  serverRelayMaxInFlight: 256,
  serverRelayMaxInFlightPerHost: 32,
  rateLimitBurst: 600,
  rateLimitPerSecond: 300,
  rateLimitMaxClients: 10_000,
  maxConnectionsPerClient: 100,
  headerTimeoutMs: 10 * SECOND,
  bodyMinBytesPerSecond: KIB,
  bodyGraceMs: 5 * SECOND,
  requestDeadlineMs: 30 * SECOND,
  forwardMaxInFlight: 256,
  forwardMaxInFlightPerHop: 32,
  forwardTimeoutMs: 20 * SECOND,
  forwardMaxResponse: 16 * MIB,
  maxBufferedBytes: 128 * MIB,
  replayGenerationMs: 10 * 60 * SECOND,
  replayMaxTags: 2_000_000,
  padReplies: true,
  maxRpcRequest: 102_400 + 4 * KIB,
  maxMessageData: 76_800,
  reportedVersion: [2, 8, 0],
  networkVersion: [19, 3],
  registryFile: undefined,
  registryPollMs: SECOND,
  dataDir: ".allium/data",
  storeMaxBytes: 3.5 * GIB,
  storeSync: "full",
  expirySweepMs: 10 * SECOND,
  swarmPeerTimeoutMs: 5 * SECOND,
};

const ENV_PREFIX = "ALLIUM_";
const DIGITS_RE = /^[0-9]{1,16}$/;
const VERSION_PART_MAX = 65535;

/** Flag name of a setting: `ALLIUM_MAX_BODY` → `max-body`. */
function flagOf(env: string): string {
  return env.slice(ENV_PREFIX.length).toLowerCase().replaceAll("_", "-");
}

const BY_ENV = new Map(SETTINGS.map((s) => [s.env, s]));
const BY_FLAG = new Map(SETTINGS.map((s) => [flagOf(s.env), s]));

/** Read one setting's text (`source` names it in messages) into its typed value. */
function readText(s: Setting, source: string, text: string): unknown {
  const fail = (what: string): never => {
    throw new RangeError(`Cannot read config: ${source} ${JSON.stringify(text)} ${what}`);
  };
  const k = s.kind;
  switch (k.type) {
    case "int": {
      if (!DIGITS_RE.test(text)) fail(k.min > 0 ? "is not a positive integer" : "is not a non-negative integer");
      const v = Number(text);
      if (v < k.min) fail(k.min > 0 ? "is not a positive integer" : `is below ${k.min}`);
      if (v > k.max) fail(`exceeds ${k.max}`);
      return v;
    }
    case "bool":
      if (text === "true" || text === "1") return true;
      if (text === "false" || text === "0") return false;
      return fail("is not true or false");
    case "string":
      if (k.pattern && !k.pattern.test(text)) fail(`is not ${k.describe ?? "valid"}`);
      return text;
    case "optionalString":
      return text === "" ? undefined : text;
    case "enum":
      if (!k.values.includes(text)) fail(`is not one of ${k.values.map((v) => JSON.stringify(v)).join(", ")}`);
      return text;
    case "ports": {
      if (text === "") return [];
      const parts = text.split(",");
      const ports = parts.map((p) => (/^[0-9]{1,5}$/.test(p) ? Number(p) : NaN));
      if (ports.some((p) => !(p >= 1 && p <= MAX_PORT))) fail("is not a comma-separated list of ports 1…65535");
      return ports;
    }
    case "version": {
      const parts = text.split(".");
      if (parts.length !== k.parts || parts.some((p) => !/^[0-9]{1,5}$/.test(p) || Number(p) > VERSION_PART_MAX)) {
        fail(`is not a version of ${k.parts} dot-separated numbers`);
      }
      return parts.map(Number);
    }
  }
}

/** Check a typed value (from code, not text) for one setting. */
function checkValue(s: Setting, value: unknown): unknown {
  const fail = (what: string, ctor: typeof RangeError | typeof TypeError = RangeError): never => {
    throw new ctor(`Cannot create config: ${s.field} ${JSON.stringify(value) ?? String(value)} ${what}`);
  };
  const k = s.kind;
  switch (k.type) {
    case "int":
      if (typeof value !== "number") return fail("is not a number", TypeError);
      if (!Number.isSafeInteger(value) || value < k.min || value > k.max) {
        fail(`is not an integer in ${k.min}…${k.max}`);
      }
      return value;
    case "bool":
      return typeof value === "boolean" ? value : fail("is not a boolean", TypeError);
    case "string":
      if (typeof value !== "string") return fail("is not a string", TypeError);
      if (k.pattern && !k.pattern.test(value)) fail(`is not ${k.describe ?? "valid"}`);
      return value;
    case "optionalString":
      if (value === undefined) return undefined;
      if (typeof value !== "string") return fail("is not a string", TypeError);
      return value === "" ? undefined : value;
    case "enum":
      if (typeof value !== "string" || !k.values.includes(value)) {
        fail(`is not one of ${k.values.map((v) => JSON.stringify(v)).join(", ")}`);
      }
      return value;
    case "ports":
      if (!Array.isArray(value)) return fail("is not an array of ports", TypeError);
      for (const p of value) if (!Number.isInteger(p) || p < 1 || p > MAX_PORT) fail("is not a list of ports 1…65535");
      return Object.freeze([...value]);
    case "version":
      if (!Array.isArray(value) || value.length !== k.parts) return fail(`is not ${k.parts} numbers`, TypeError);
      for (const p of value) {
        if (!Number.isInteger(p) || p < 0 || p > VERSION_PART_MAX) fail("has a part outside 0…65535");
      }
      return Object.freeze([...value]);
  }
}

/** Relations between settings that a single value cannot express. */
function checkRelations(c: Config, name: (field: keyof Config) => string, action: string): void {
  const atMost: [keyof Config, keyof Config][] = [
    ["forwardMaxInFlightPerHop", "forwardMaxInFlight"],
    ["serverRelayMaxInFlightPerHost", "serverRelayMaxInFlight"],
    ["maxBody", "maxBufferedBytes"],
    // Node refuses a headersTimeout above its requestTimeout; a grace period past the deadline never ends.
    ["headerTimeoutMs", "requestDeadlineMs"],
    ["bodyGraceMs", "requestDeadlineMs"],
  ];
  for (const [a, b] of atMost) {
    if ((c[a] as number) > (c[b] as number)) {
      throw new RangeError(`Cannot ${action}: ${name(a)} (${c[a]}) exceeds ${name(b)} (${c[b]})`);
    }
  }
  for (const t of ["forwardTimeoutMs", "serverRelayTimeoutMs"] as const) {
    if (c[t] >= c.requestDeadlineMs) {
      throw new RangeError(
        `Cannot ${action}: ${name(t)} (${c[t]}) must be below ${name("requestDeadlineMs")} (${c.requestDeadlineMs})`,
      );
    }
  }
}

/**
 * A frozen, validated configuration from typed overrides of the defaults (for tests and
 * embedding; text settings go through {@link parseConfig}).
 *
 * @param overrides fields to change
 * @returns the frozen configuration
 * @throws {TypeError} when a field has the wrong type or is unknown
 * @throws {RangeError} when a value or a relation between values is out of range
 * @example Defaults, and one override
 * ```ts
 * import { createConfig } from "./config.ts";
 * const config = createConfig({ rateLimitBurst: 10 });
 * if (config.maxBody !== 10 * 1024 * 1024 || config.rateLimitBurst !== 10 || !Object.isFrozen(config)) {
 *   throw new Error("bad");
 * }
 * ```
 */
export function createConfig(overrides: Partial<Config> = {}): Config {
  if (overrides === null || typeof overrides !== "object") {
    throw new TypeError("Cannot create config: overrides is not an object");
  }
  for (const key of Object.keys(overrides)) {
    if (!SETTINGS.some((s) => s.field === key)) throw new TypeError(`Cannot create config: unknown field "${key}"`);
  }
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const value = Object.hasOwn(overrides, s.field) ? overrides[s.field] : DEFAULTS[s.field];
    out[s.field] = checkValue(s, value);
  }
  const config = Object.freeze(out) as unknown as Config;
  checkRelations(config, (f) => f, "create config");
  return config;
}

/** The default configuration (hardening.md defaults), frozen. */
export const DEFAULT_CONFIG: Config = createConfig();

/**
 * Parse settings from the environment and command-line flags; flags win over the environment.
 *
 * @param env environment variables; only `ALLIUM_*` names are read, and an unknown `ALLIUM_*`
 *   name is an error (a typo must not silently fall back to a default)
 * @param flags flag values by flag name (`"max-body"`), as `node:util` `parseArgs` returns them
 * @returns the frozen configuration
 * @throws {RangeError} naming the setting and value, e.g.
 *   `Cannot read config: ALLIUM_MAX_BODY "abc" is not a positive integer`
 * @example
 * ```ts
 * import { parseConfig } from "./config.ts";
 * const c = parseConfig({ ALLIUM_MAX_BODY: "1024", HOME: "/root" }, { port: "0" });
 * if (c.maxBody !== 1024 || c.port !== 0) throw new Error("bad");
 * let message = "";
 * try { parseConfig({ ALLIUM_MAX_BODY: "abc" }); } catch (e) { message = (e as Error).message; }
 * if (message !== 'Cannot read config: ALLIUM_MAX_BODY "abc" is not a positive integer') throw new Error(message);
 * ```
 */
export function parseConfig(
  env: Readonly<Record<string, string | undefined>>,
  flags: Readonly<Record<string, string | boolean | undefined>> = {},
): Config {
  const values: Record<string, unknown> = {};
  const names: Record<string, string> = {};
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || text === undefined) continue;
    const s = BY_ENV.get(name);
    if (s === undefined) throw new RangeError(`Cannot read config: unknown setting ${name}`);
    values[s.field] = readText(s, name, text);
    names[s.field] = name;
  }
  for (const [flag, raw] of Object.entries(flags)) {
    if (raw === undefined) continue;
    const s = BY_FLAG.get(flag);
    if (s === undefined) throw new RangeError(`Cannot read config: unknown flag --${flag}`);
    const text = typeof raw === "boolean" ? String(raw) : raw;
    values[s.field] = readText(s, `--${flag}`, text);
    names[s.field] = `--${flag}`;
  }
  const config = createConfigUnchecked(values);
  checkRelations(config, (f) => names[f] ?? BY_FIELD.get(f)!.env, "read config");
  return config;
}

const BY_FIELD = new Map(SETTINGS.map((s) => [s.field, s]));

/** Typed values already checked by {@link readText}: fill defaults and freeze. */
function createConfigUnchecked(values: Record<string, unknown>): Config {
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const v = Object.hasOwn(values, s.field) ? values[s.field] : DEFAULTS[s.field];
    out[s.field] = Array.isArray(v) ? Object.freeze([...v]) : v;
  }
  return Object.freeze(out) as unknown as Config;
}

/**
 * The command-line flag names, for `node:util` `parseArgs` (every flag takes a string value).
 *
 * @returns flag names in kebab case (`max-body`, `port`, …)
 * @example
 * ```ts
 * import { configFlagNames } from "./config.ts";
 * if (!configFlagNames().includes("max-body")) throw new Error("bad");
 * ```
 */
export function configFlagNames(): string[] {
  return [...BY_FLAG.keys()];
}

/**
 * A help text listing every setting, its environment name, flag and default.
 *
 * @returns one line per setting
 * @example
 * ```ts
 * import { configHelp } from "./config.ts";
 * if (!configHelp().includes("ALLIUM_MAX_BODY")) throw new Error("bad");
 * ```
 */
export function configHelp(): string {
  return SETTINGS.map((s) => {
    const d = DEFAULTS[s.field];
    const shown = d === undefined
      ? "(none)"
      : Array.isArray(d)
      ? d.join(s.kind.type === "version" ? "." : ",")
      : String(d);
    return `  --${flagOf(s.env).padEnd(36)} ${s.env.padEnd(44)} default ${shown}`;
  }).join("\n");
}
