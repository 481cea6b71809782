/**
 * Concurrent requests per client (hardening.md §5: "concurrent connections per client 100"),
 * enforced by the app on every runtime: at most `maxPerClient` requests in flight per client key
 * (the rate limiter's: the IPv4 address, or the IPv6 /64); one more is refused at once with 429
 * `Too many requests, try again later`, before its body is read. A slot is taken when the
 * request reaches this middleware and given back in `finally` when its answer is decided, however
 * the request ends.
 *
 * This counts requests, not connections: idle keep-alive connections and connections still
 * sending their headers never reach the app. Only Node's entry also counts connections
 * (server_limits.ts); see gateway/runtimes/README.md for what each runtime enforces.
 *
 * As in the rate limiter, table keys are keyed hashes of the client key, never addresses
 * (hardening.md §6); an entry exists only while its client has a request in flight, so the table
 * is bounded by the requests in flight.
 *
 * @module
 */

import type { Context, MiddlewareHandler } from "hono";
import { type CryptoProvider, toHex, utf8 } from "../../mod.ts";
import type { GatewayEnv } from "../context.ts";
import { RATE_LIMITED } from "../responses.ts";
import { HttpError, type MiddlewareErrorHook } from "./error_handler.ts";
import { clientKey, denoClientAddress } from "./rate_limit.ts";

/** Bytes of the hashed table key (as the rate limiter's). */
const HASHED_KEY_BYTES = 16;

/**
 * Requests in flight per client key, with a cap per key.
 *
 * @example
 * ```ts
 * import { ClientConcurrency } from "./client_concurrency.ts";
 * const slots = new ClientConcurrency({ maxPerClient: 2 });
 * const got = [slots.tryAcquire("a"), slots.tryAcquire("a"), slots.tryAcquire("a"), slots.tryAcquire("b")];
 * slots.release("a");
 * got.push(slots.tryAcquire("a"));
 * if (got.join() !== "true,true,false,true,true" || slots.inFlight("a") !== 2) throw new Error(got.join());
 * ```
 */
export class ClientConcurrency {
  readonly #max: number;
  readonly #counts = new Map<string, number>();
  #total = 0;

  /**
   * An empty table.
   *
   * @param options `maxPerClient` (config `maxConnectionsPerClient`, 100)
   * @throws {RangeError} when `maxPerClient` is not a positive integer
   */
  constructor(options: { maxPerClient: number }) {
    const v = options?.maxPerClient;
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new RangeError(
        `Cannot create client concurrency table: maxPerClient ${String(v)} is not a positive integer`,
      );
    }
    this.#max = v;
  }

  /** Clients with at least one request in flight. */
  get clients(): number {
    return this.#counts.size;
  }

  /** Requests in flight over all clients. */
  get total(): number {
    return this.#total;
  }

  /**
   * Requests in flight of one client.
   *
   * @param key the client's table key
   * @returns the count
   */
  inFlight(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  /**
   * Take a slot for `key` if it has fewer than `maxPerClient` in flight.
   *
   * @param key the client's table key
   * @returns false (and nothing taken) when the client is at its cap
   */
  tryAcquire(key: string): boolean {
    const n = this.#counts.get(key) ?? 0;
    if (n >= this.#max) return false;
    this.#counts.set(key, n + 1);
    this.#total++;
    return true;
  }

  /**
   * Give back a slot taken with {@link ClientConcurrency.tryAcquire}.
   *
   * @param key the client's table key
   */
  release(key: string): void {
    const n = this.#counts.get(key);
    if (n === undefined) return;
    if (n <= 1) this.#counts.delete(key);
    else this.#counts.set(key, n - 1);
    this.#total--;
  }
}

/** Options of {@link clientConcurrency}. */
export interface ClientConcurrencyOptions {
  /** The table of requests in flight. */
  table: ClientConcurrency;
  /** Provider whose keyed BLAKE2b hashes client keys. */
  provider: CryptoProvider;
  /** Secret key for hashing client keys (the app shares the rate limiter's). */
  hashKey: Uint8Array;
  /** The peer address of a request; default: `c.env.remoteAddr.hostname` (Deno.serve). */
  clientAddress?: (c: Context<GatewayEnv>) => string | undefined;
  /** Answer refusals differently. */
  onError?: MiddlewareErrorHook;
}

/**
 * Middleware refusing a client's request with 429 `Too many requests, try again later` while the
 * client has `maxPerClient` requests in flight.
 *
 * @param options table, hashing, the address source and an optional error hook
 * @returns the middleware
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { ClientConcurrency, clientConcurrency } from "./client_concurrency.ts";
 * import { errorHandler } from "./error_handler.ts";
 * import { memoryLogger } from "../logger.ts";
 * import { nobleProvider } from "../../mod.ts";
 * import type { GatewayEnv } from "../context.ts";
 * const table = new ClientConcurrency({ maxPerClient: 1 });
 * let release = () => {};
 * const app = new Hono<GatewayEnv>();
 * app.use(clientConcurrency({ table, provider: nobleProvider, hashKey: new Uint8Array(32).fill(1) }));
 * app.get("/", async (c) => (await new Promise<void>((r) => (release = r)), c.text("ok")));
 * app.onError(errorHandler({ logger: memoryLogger() }));
 * const env = { remoteAddr: { hostname: "192.0.2.7" } };
 * const first = app.request("/", {}, env);
 * await new Promise((r) => setTimeout(r, 10));
 * const second = await app.request("/", {}, env);
 * release();
 * if ((await first).status !== 200 || second.status !== 429 || table.total !== 0) throw new Error("bad");
 * ```
 */
export function clientConcurrency(options: ClientConcurrencyOptions): MiddlewareHandler<GatewayEnv> {
  const { table, provider, hashKey, onError } = options;
  const address = options.clientAddress ?? denoClientAddress;
  return async (c, next) => {
    const key = toHex(await provider.blake2b(utf8(clientKey(address(c))), HASHED_KEY_BYTES, hashKey));
    if (!table.tryAcquire(key)) {
      const err = new HttpError(429, RATE_LIMITED);
      if (onError !== undefined) return await onError(err, c);
      throw err;
    }
    try {
      await next();
    } finally {
      table.release(key);
    }
  };
}
