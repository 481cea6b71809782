/**
 * Prometheus text metrics (exposition format 0.0.4) for `GET /metrics`: requests by outcome, a
 * latency histogram, requests in flight, shed requests, and gauges read on demand (forwards in
 * flight, replay-cache and rate-limit table sizes). Counts only: no addresses, keys or paths.
 *
 * @module
 */

import type { Context, Handler, MiddlewareHandler } from "hono";
import type { MetricsAccess } from "./config.ts";
import type { GatewayEnv } from "./context.ts";
import { mappedIpv4, parseIpAddress } from "./net/ip_address.ts";
import { NOT_FOUND } from "./responses.ts";

/** Outcome classes of a request, by its HTTP status. */
export type Outcome =
  | "ok"
  | "bad_request"
  | "not_found"
  | "too_large"
  | "rate_limited"
  | "upstream_error"
  | "busy"
  | "server_error";

const OUTCOMES: readonly Outcome[] = [
  "ok",
  "bad_request",
  "not_found",
  "too_large",
  "rate_limited",
  "upstream_error",
  "busy",
  "server_error",
];

/** Latency histogram bucket bounds in seconds. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

/**
 * The outcome class of an HTTP status.
 *
 * @param status HTTP status
 * @returns its outcome
 * @example
 * ```ts
 * import { outcomeOf } from "./metrics.ts";
 * if (outcomeOf(200) !== "ok" || outcomeOf(429) !== "rate_limited" || outcomeOf(504) !== "upstream_error") throw new Error("bad");
 * ```
 */
export function outcomeOf(status: number): Outcome {
  if (status < 400) return "ok";
  switch (status) {
    case 404:
      return "not_found";
    case 413:
      return "too_large";
    case 429:
      return "rate_limited";
    case 502:
    case 504:
      return "upstream_error";
    case 503:
      return "busy";
  }
  return status < 500 ? "bad_request" : "server_error";
}

/**
 * The gateway's metrics registry. One per app (no module-level state).
 *
 * @example
 * ```ts
 * import { Metrics } from "./metrics.ts";
 * const m = new Metrics();
 * m.gauge("allium_forwards_in_flight", { help: "Node-to-node forwards in flight.", read: () => 3 });
 * m.record(200, 0.004);
 * m.record(429, 0.0001);
 * const text = m.render();
 * if (!text.includes('allium_requests_total{outcome="ok"} 1') || !text.includes("allium_forwards_in_flight 3")) throw new Error(text);
 * ```
 */
export class Metrics {
  readonly #byOutcome = new Map<Outcome, number>(OUTCOMES.map((o) => [o, 0]));
  readonly #bucketCounts = new Array<number>(BUCKETS.length).fill(0);
  #latencySum = 0;
  #latencyCount = 0;
  #inFlight = 0;
  #shed = 0;
  readonly #gauges: { name: string; help: string; read: () => number }[] = [];

  /**
   * Register a gauge read when metrics are rendered.
   *
   * @param name metric name
   * @param gauge `help`, a one-line description, and `read`, the current value
   */
  gauge(name: string, gauge: { help: string; read: () => number }): void {
    this.#gauges.push({ name, help: gauge.help, read: gauge.read });
  }

  /** A request started. */
  started(): void {
    this.#inFlight++;
  }

  /** A request ended without a recorded status (it threw past the error funnel). */
  aborted(): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
  }

  /**
   * A request finished (call once per {@link started}, or use it alone in tests).
   *
   * @param status its HTTP status
   * @param seconds its latency
   */
  record(status: number, seconds: number): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    const outcome = outcomeOf(status);
    this.#byOutcome.set(outcome, (this.#byOutcome.get(outcome) ?? 0) + 1);
    if (outcome === "rate_limited" || outcome === "busy") this.#shed++;
    const s = Math.max(0, seconds);
    this.#latencySum += s;
    this.#latencyCount++;
    for (let i = 0; i < BUCKETS.length; i++) if (s <= BUCKETS[i]) this.#bucketCounts[i]++;
  }

  /**
   * The metrics in Prometheus text format.
   *
   * @returns the exposition text
   */
  render(): string {
    const lines: string[] = [];
    lines.push("# HELP allium_requests_total Requests answered, by outcome.", "# TYPE allium_requests_total counter");
    for (const [o, n] of this.#byOutcome) lines.push(`allium_requests_total{outcome="${o}"} ${n}`);
    lines.push(
      "# HELP allium_request_duration_seconds Time to answer a request.",
      "# TYPE allium_request_duration_seconds histogram",
    );
    BUCKETS.forEach((b, i) => lines.push(`allium_request_duration_seconds_bucket{le="${b}"} ${this.#bucketCounts[i]}`));
    lines.push(
      `allium_request_duration_seconds_bucket{le="+Inf"} ${this.#latencyCount}`,
      `allium_request_duration_seconds_sum ${this.#latencySum}`,
      `allium_request_duration_seconds_count ${this.#latencyCount}`,
      "# HELP allium_requests_in_flight Requests being handled.",
      "# TYPE allium_requests_in_flight gauge",
      `allium_requests_in_flight ${this.#inFlight}`,
      "# HELP allium_shed_total Requests refused to shed load (429 and 503).",
      "# TYPE allium_shed_total counter",
      `allium_shed_total ${this.#shed}`,
    );
    for (const g of this.#gauges) {
      lines.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`, `${g.name} ${g.read()}`);
    }
    return lines.join("\n") + "\n";
  }
}

/**
 * Middleware recording every request's outcome and latency (registered first, so it sees the
 * final status, including answers of the error funnel).
 *
 * @param metrics the registry
 * @param clock ms clock
 * @returns the middleware
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { Metrics, metricsMiddleware } from "./metrics.ts";
 * const m = new Metrics();
 * const app = new Hono();
 * app.use(metricsMiddleware(m, { now: () => 0 }));
 * app.get("/", (c) => c.text("ok"));
 * await app.request("/");
 * if (!m.render().includes('allium_requests_total{outcome="ok"} 1')) throw new Error("bad");
 * ```
 */
export function metricsMiddleware(metrics: Metrics, clock: { now(): number }): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const start = clock.now();
    metrics.started();
    let recorded = false;
    try {
      await next();
      metrics.record(c.res.status, (clock.now() - start) / 1000);
      recorded = true;
    } finally {
      if (!recorded) metrics.aborted();
    }
  };
}

/** The path of the metrics endpoint. */
export const METRICS_PATH = "/metrics";

/**
 * Whether a peer address is loopback (127.0.0.0/8, ::1, or IPv4-mapped loopback).
 *
 * @param address peer address text
 * @returns true for loopback
 * @example
 * ```ts
 * import { isLoopbackAddress } from "./metrics.ts";
 * if (!isLoopbackAddress("127.0.0.1") || !isLoopbackAddress("::1") || isLoopbackAddress("192.0.2.1")) throw new Error("bad");
 * ```
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const parsed = parseIpAddress(address);
  if (parsed === undefined) return false;
  const v4 = parsed.version === 4 ? parsed.bytes : mappedIpv4(parsed);
  if (v4 !== undefined) return v4[0] === 127;
  return parsed.bytes.every((b, i) => b === (i === 15 ? 1 : 0));
}

/** Options of {@link metricsRoute}. */
export interface MetricsRouteOptions {
  /** The registry. */
  metrics: Metrics;
  /** Who may read (config `metricsAccess`); others get the plain 404 of unknown paths. */
  access: MetricsAccess;
  /** The peer address of a request. */
  clientAddress: (c: Context<GatewayEnv>) => string | undefined;
}

/**
 * `GET /metrics` in Prometheus text format, for the peers `access` allows.
 *
 * @param options registry, access policy and address source
 * @returns the handler
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { Metrics, metricsRoute } from "./metrics.ts";
 * import type { GatewayEnv } from "./context.ts";
 * const app = new Hono<GatewayEnv>();
 * app.get("/metrics", metricsRoute({ metrics: new Metrics(), access: "loopback", clientAddress: (c) => c.env?.remoteAddr?.hostname }));
 * const local = await app.request("/metrics", {}, { remoteAddr: { hostname: "127.0.0.1" } });
 * const remote = await app.request("/metrics", {}, { remoteAddr: { hostname: "192.0.2.1" } });
 * if (local.status !== 200 || remote.status !== 404) throw new Error("bad");
 * ```
 */
export function metricsRoute(options: MetricsRouteOptions): Handler<GatewayEnv> {
  const { metrics, access, clientAddress } = options;
  return (c) => {
    if (access === "off" || (access === "loopback" && !isLoopbackAddress(clientAddress(c)))) {
      return c.text(NOT_FOUND, 404);
    }
    return c.text(metrics.render(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  };
}
