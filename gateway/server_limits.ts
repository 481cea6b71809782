/**
 * The limits of hardening.md §5 that only the HTTP server can enforce — the header read timeout
 * and connections per client — set from the config for each runtime that exposes them. The app
 * itself (body_limit.ts, request_timing.ts, client_concurrency.ts) enforces the body rate, the
 * whole-request deadline and requests in flight per client on every runtime.
 *
 * What each server offers (measured on 127.0.0.1 with the runtimes pinned in package.json; the
 * table in gateway/runtimes/README.md is the operator's version):
 *
 * | | header read timeout (`headerTimeoutMs`) | connections per client (`maxConnectionsPerClient`) |
 * | --- | --- | --- |
 * | Node 20 (`node:http` via @hono/node-server) | `headersTimeout` = `headerTimeoutMs`, `requestTimeout` = `requestDeadlineMs`, checked every `connectionsCheckingInterval` ({@link nodeHttpLimits}); Node answers 408 and closes | counted on `connection` events, one over the cap destroyed at once ({@link limitConnectionsPerClient}) |
 * | Bun 1.4 (`Bun.serve`, uWebSockets) | fixed by the server, not configurable: a connection that has not sent complete headers within 10 s is closed (seen at ~12 s: 4 s timer ticks), even while it dribbles bytes; `idleTimeout` ({@link bunIdleTimeoutSeconds}) bounds the rest of a request | no connection hook: not enforced by the server |
 * | Deno 2.9 (`Deno.serve`) | none, and no option: a connection sending a partial request line or partial headers (silent, or one byte a second) stayed open for the whole 75 s measured | no connection hook: not enforced by the server |
 * | workerd | the platform's | the platform's (no peer address reaches the worker) |
 *
 * On Deno and Bun, run the gateway behind a reverse proxy that enforces both (nginx:
 * `client_header_timeout 10s`, `limit_conn` per address 100), or use the Node entry.
 *
 * @module
 */

import type { Config } from "./config.ts";
import { ClientConcurrency } from "./middleware/client_concurrency.ts";
import { clientKey } from "./middleware/rate_limit.ts";

/** Longest interval at which Node checks header and request timeouts, ms (Node's default is 30 s). */
export const NODE_TIMEOUT_CHECK_MAX_MS = 1000;
/** Shortest such interval, ms. */
export const NODE_TIMEOUT_CHECK_MIN_MS = 50;
/** Fraction of the header timeout by which Node may detect it late (1/10). */
const NODE_TIMEOUT_CHECK_DIVISOR = 10;

/** `node:http` `createServer` options enforcing the header timeout and the request deadline. */
export interface NodeHttpLimits {
  /** Time to receive complete headers, ms; then Node answers 408 and closes the connection. */
  headersTimeout: number;
  /** Time to receive the complete request (headers and body), ms; then 408 and close. */
  requestTimeout: number;
  /**
   * How often Node checks the two timeouts, ms: a timeout is detected up to this late. Node's
   * default (30 s) would let a 10 s header timeout run to 40 s.
   */
  connectionsCheckingInterval: number;
}

/**
 * The `node:http` server options for the config (hardening.md §5): `headersTimeout` =
 * `headerTimeoutMs`, `requestTimeout` = `requestDeadlineMs`, checked every tenth of the header
 * timeout (50 ms … 1 s).
 *
 * @param config `headerTimeoutMs` and `requestDeadlineMs` (the config guarantees the first is not above the second, as Node requires)
 * @returns options for `createServer` (@hono/node-server's `serverOptions`)
 * @example
 * ```ts
 * import { nodeHttpLimits } from "./server_limits.ts";
 * import { DEFAULT_CONFIG } from "./config.ts";
 * const o = nodeHttpLimits(DEFAULT_CONFIG);
 * if (o.headersTimeout !== 10_000 || o.requestTimeout !== 30_000 || o.connectionsCheckingInterval !== 1000) {
 *   throw new Error("bad");
 * }
 * ```
 */
export function nodeHttpLimits(config: Pick<Config, "headerTimeoutMs" | "requestDeadlineMs">): NodeHttpLimits {
  const interval = Math.floor(config.headerTimeoutMs / NODE_TIMEOUT_CHECK_DIVISOR);
  return {
    headersTimeout: config.headerTimeoutMs,
    requestTimeout: config.requestDeadlineMs,
    connectionsCheckingInterval: Math.min(NODE_TIMEOUT_CHECK_MAX_MS, Math.max(NODE_TIMEOUT_CHECK_MIN_MS, interval)),
  };
}

/** Largest `idleTimeout` Bun accepts, s. */
export const BUN_IDLE_TIMEOUT_MAX_S = 255;
/**
 * Seconds added to the request deadline for Bun's `idleTimeout`, so that the app's own 408/504 at
 * the deadline is written before Bun closes the connection (Bun's timers tick every 4 s).
 */
export const BUN_IDLE_TIMEOUT_MARGIN_S = 5;

/**
 * `Bun.serve`'s `idleTimeout` for the config, in seconds: the request deadline plus
 * {@link BUN_IDLE_TIMEOUT_MARGIN_S}, at most 255.
 *
 * Measured on Bun 1.4: once the headers are in, the timer is not pushed back by arriving body
 * bytes nor by a handler still working, so it ends any request that lasts longer, however busy.
 * Bun's default of 10 s would cut legitimate requests that wait up to `forwardTimeoutMs` (20 s)
 * for the next hop; this value makes it a backstop behind the app's deadline instead. It does not
 * change Bun's fixed 10 s limit for receiving the headers.
 *
 * @param config `requestDeadlineMs`
 * @returns seconds
 * @example
 * ```ts
 * import { bunIdleTimeoutSeconds } from "./server_limits.ts";
 * import { DEFAULT_CONFIG } from "./config.ts";
 * if (bunIdleTimeoutSeconds(DEFAULT_CONFIG) !== 35) throw new Error("bad");
 * ```
 */
export function bunIdleTimeoutSeconds(config: Pick<Config, "requestDeadlineMs">): number {
  return Math.min(BUN_IDLE_TIMEOUT_MAX_S, Math.ceil(config.requestDeadlineMs / 1000) + BUN_IDLE_TIMEOUT_MARGIN_S);
}

/** The part of an accepted socket (`node:net` `Socket`) that connection counting uses. */
export interface ClientSocket {
  /** The peer address; undefined once the socket is gone. */
  readonly remoteAddress?: string;
  /** Close the connection at once. */
  destroy(): void;
  /**
   * Listen for the socket's end.
   *
   * @param event `close`
   * @param listener called once
   */
  once(event: "close", listener: () => void): unknown;
}

/** A server announcing accepted connections (`node:http` `Server`'s `connection` event). */
export interface ConnectionSource {
  /**
   * Listen for accepted connections.
   *
   * @param event `connection`
   * @param listener called with each accepted socket
   */
  on(event: "connection", listener: (socket: ClientSocket) => void): unknown;
}

/** Live counts of {@link limitConnectionsPerClient} (for tests and metrics). */
export interface ConnectionCounts {
  /** Connections open and counted. */
  readonly open: number;
  /** Clients with at least one open connection. */
  readonly clients: number;
  /** Connections destroyed because their client was at the cap, since the start. */
  readonly refused: number;
}

/**
 * Count open connections per client key (IPv4 address, IPv6 /64; as the rate limiter) and destroy
 * a new connection at once when its client already has `maxPerClient` open (hardening.md §5).
 * Closed connections are counted off on their `close` event.
 *
 * The table holds client keys, not hashes (a socket event needs a synchronous answer and the
 * keyed hash is asynchronous); an entry lives only while its client has a connection open, as the
 * socket holds the same address, and is never logged or exposed: only counts are.
 *
 * @param server the server (`node:http` `Server`)
 * @param options `maxPerClient` (config `maxConnectionsPerClient`)
 * @returns live counts
 * @throws {RangeError} when `maxPerClient` is not a positive integer
 * @example
 * ```ts
 * import { type ClientSocket, limitConnectionsPerClient } from "./server_limits.ts";
 * let accept: (s: ClientSocket) => void = () => {};
 * const counts = limitConnectionsPerClient({ on: (_e, l) => (accept = l) }, { maxPerClient: 1 });
 * const closers: (() => void)[] = [];
 * let destroyed = 0;
 * const socket = (): ClientSocket => ({ remoteAddress: "192.0.2.1", destroy: () => destroyed++, once: (_e, l) => closers.push(l) });
 * accept(socket());
 * accept(socket());
 * const before = [counts.open, counts.refused, destroyed];
 * closers[0]();
 * if (before.join() !== "1,1,1" || counts.open !== 0) throw new Error("bad");
 * ```
 */
export function limitConnectionsPerClient(
  server: ConnectionSource,
  options: { maxPerClient: number },
): ConnectionCounts {
  const table = new ClientConcurrency({ maxPerClient: options?.maxPerClient });
  let refused = 0;
  server.on("connection", (socket) => {
    const key = clientKey(socket.remoteAddress);
    if (!table.tryAcquire(key)) {
      refused++;
      socket.destroy();
      return;
    }
    socket.once("close", () => table.release(key));
  });
  return {
    get open() {
      return table.total;
    },
    get clients() {
      return table.clients;
    },
    get refused() {
      return refused;
    },
  };
}
