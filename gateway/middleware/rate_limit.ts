/**
 * Per-client rate limiting (hardening.md §5): a token bucket per client key — the IPv4 address,
 * or the IPv6 /64 — with burst 600 and refill 300/s by default, applied to every route including
 * the onion endpoint. The table of tracked clients is bounded: when it is full, buckets that have
 * refilled completely (which hold no state worth keeping) are dropped, and if it is still full an
 * unknown client is refused (429, fail closed) while known clients are unaffected.
 *
 * Table keys are keyed hashes of the client key, never addresses (hardening.md §6); the table
 * lives in memory only and entries expire once their bucket is full again. The clock is injected.
 *
 * @module
 */

import type { Context, MiddlewareHandler } from "hono";
import { type CryptoProvider, toHex, utf8 } from "../../mod.ts";
import type { GatewayEnv } from "../context.ts";
import { mappedIpv4, parseIpAddress } from "../net/ip_address.ts";
import { RATE_LIMITED } from "../responses.ts";
import { HttpError, type MiddlewareErrorHook } from "./error_handler.ts";

/** Bytes of an IPv6 /64 prefix. */
const IPV6_PREFIX_BYTES = 8;
/** Key shared by every request whose peer address is unknown or unparsable (fail closed: one bucket). */
export const UNKNOWN_CLIENT_KEY = "unknown";

/**
 * The rate-limit key of a peer address: `4:a.b.c.d` for IPv4 (also IPv4-mapped IPv6), `6:<hex of
 * the first 64 bits>` for IPv6, {@link UNKNOWN_CLIENT_KEY} when absent or unparsable. A zone id
 * (`fe80::1%eth0`) is ignored.
 *
 * @param address the peer address text (e.g. `Deno.ServeHandlerInfo.remoteAddr.hostname`)
 * @returns the client key
 * @example
 * ```ts
 * import { clientKey } from "./rate_limit.ts";
 * if (clientKey("2001:db8:1:2:3:4:5:6") !== clientKey("2001:db8:1:2::9")) throw new Error("same /64");
 * if (clientKey("::ffff:192.0.2.1") !== "4:192.0.2.1" || clientKey(undefined) !== "unknown") throw new Error("bad");
 * ```
 */
export function clientKey(address: string | undefined): string {
  if (typeof address !== "string") return UNKNOWN_CLIENT_KEY;
  const zone = address.indexOf("%");
  const parsed = parseIpAddress(zone >= 0 ? address.slice(0, zone) : address);
  if (parsed === undefined) return UNKNOWN_CLIENT_KEY;
  const v4 = parsed.version === 4 ? parsed.bytes : mappedIpv4(parsed);
  if (v4 !== undefined) return `4:${v4.join(".")}`;
  return `6:${toHex(parsed.bytes.subarray(0, IPV6_PREFIX_BYTES))}`;
}

/** Options of a {@link RateLimiter}; config names in parentheses. */
export interface RateLimiterOptions {
  /** Bucket capacity (`rateLimitBurst`, 600). */
  burst: number;
  /** Refill in tokens per second (`rateLimitPerSecond`, 300). */
  perSecond: number;
  /** Most tracked clients (`rateLimitMaxClients`, 10,000). */
  maxClients: number;
  /** Clock, ms. */
  clock: { now(): number };
}

/** The outcome of one {@link RateLimiter.take}. */
export type RateDecision =
  /** A token was taken. */
  | "allowed"
  /** The client's bucket is empty. */
  | "limited"
  /** The client is unknown and the table is full of clients with recent activity. */
  | "table_full";

interface Bucket {
  tokens: number;
  last: number;
}

/** Rounding slack when comparing token levels (ms timestamps near 1.7e12 have a 0.24 µs resolution). */
const TOKEN_EPSILON = 1e-3;

/** Shortest time between two sweeps of the whole table (bounds the cost of a full table). */
export const SWEEP_MIN_INTERVAL_MS = 100;

/**
 * Token buckets per client key. A bucket that has refilled completely holds no information, so it
 * is dropped by the next sweep: sweeps scan the table, but only once some bucket can have
 * refilled (the earliest such time is kept) and at most every {@link SWEEP_MIN_INTERVAL_MS}.
 *
 * @example Burst, then refill
 * ```ts
 * import { RateLimiter } from "./rate_limit.ts";
 * let now = 0;
 * const limiter = new RateLimiter({ burst: 2, perSecond: 1, maxClients: 10, clock: { now: () => now } });
 * const seq = [limiter.take("a"), limiter.take("a"), limiter.take("a")];
 * now = 1000;
 * seq.push(limiter.take("a"));
 * if (seq.join() !== "allowed,allowed,limited,allowed") throw new Error(seq.join());
 * ```
 */
export class RateLimiter {
  readonly #burst: number;
  readonly #perMs: number;
  readonly #maxClients: number;
  readonly #clock: { now(): number };
  readonly #buckets = new Map<string, Bucket>();
  /** Earliest time any tracked bucket can be full again (a lower bound). */
  #nextExpiry = Number.POSITIVE_INFINITY;
  #lastSweep = Number.NEGATIVE_INFINITY;

  /**
   * An empty table of buckets.
   *
   * @param options burst, refill, table cap and clock
   * @throws {RangeError} when a limit is not a positive integer
   */
  constructor(options: RateLimiterOptions) {
    for (const name of ["burst", "perSecond", "maxClients"] as const) {
      const v = options?.[name];
      if (!Number.isSafeInteger(v) || v < 1) {
        throw new RangeError(`Cannot create rate limiter: ${name} ${String(v)} is not a positive integer`);
      }
    }
    this.#burst = options.burst;
    this.#perMs = options.perSecond / 1000;
    this.#maxClients = options.maxClients;
    this.#clock = options.clock;
  }

  /** Clients currently tracked. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Tokens a bucket holds at `now`, refilled but not above the burst. */
  #level(b: Bucket, now: number): number {
    return Math.min(this.#burst, b.tokens + Math.max(0, now - b.last) * this.#perMs);
  }

  /** When a bucket will be full again. */
  #fullAt(b: Bucket): number {
    return b.last + (this.#burst - b.tokens) / this.#perMs;
  }

  /**
   * Drop every bucket that has refilled completely, if one can have (and the last sweep is
   * at least {@link SWEEP_MIN_INTERVAL_MS} old).
   *
   * @returns buckets dropped
   */
  sweep(): number {
    const now = this.#clock.now();
    if (now < this.#nextExpiry || now - this.#lastSweep < SWEEP_MIN_INTERVAL_MS) return 0;
    this.#lastSweep = now;
    let dropped = 0;
    let next = Number.POSITIVE_INFINITY;
    for (const [key, b] of this.#buckets) {
      if (this.#level(b, now) >= this.#burst) {
        this.#buckets.delete(key);
        dropped++;
      } else {
        next = Math.min(next, this.#fullAt(b));
      }
    }
    this.#nextExpiry = next;
    return dropped;
  }

  /**
   * Take one token from `key`'s bucket.
   *
   * @param key a client key (best a keyed hash of {@link clientKey})
   * @returns the decision
   */
  take(key: string): RateDecision {
    const now = this.#clock.now();
    this.sweep();
    const b = this.#buckets.get(key);
    if (b === undefined) {
      if (this.#buckets.size >= this.#maxClients) return "table_full";
      const fresh = { tokens: this.#burst - 1, last: now };
      this.#buckets.set(key, fresh);
      this.#nextExpiry = Math.min(this.#nextExpiry, this.#fullAt(fresh));
      return "allowed";
    }
    const level = this.#level(b, now);
    b.last = Math.max(b.last, now);
    if (level < 1 - TOKEN_EPSILON) {
      b.tokens = level;
      return "limited";
    }
    b.tokens = Math.max(0, level - 1);
    return "allowed";
  }
}

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  /** The token buckets. */
  limiter: RateLimiter;
  /** Provider whose keyed BLAKE2b hashes client keys. */
  provider: CryptoProvider;
  /** Secret key for hashing client keys (16–64 random bytes, made at start-up, never stored). */
  hashKey: Uint8Array;
  /** The peer address of a request; default: `c.env.remoteAddr.hostname` (Deno.serve). */
  clientAddress?: (c: Context<GatewayEnv>) => string | undefined;
  /** Answer refusals differently. */
  onError?: MiddlewareErrorHook;
}

/** Bytes of the hashed table key. */
const HASHED_KEY_BYTES = 16;

/**
 * The peer address Deno.serve passes in Hono's `env` (`remoteAddr.hostname`).
 *
 * @param c the request context
 * @returns the address text, or undefined (e.g. under `app.request()` without an env)
 */
export function denoClientAddress(c: Context<GatewayEnv>): string | undefined {
  return c.env?.remoteAddr?.hostname;
}

/**
 * Middleware refusing a client with 429 `Too many requests, try again later` when its bucket is
 * empty or when it is unknown and the table is full.
 *
 * @param options limiter, hashing and the address source
 * @returns the middleware
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { rateLimit, RateLimiter } from "./rate_limit.ts";
 * import { errorHandler } from "./error_handler.ts";
 * import { memoryLogger } from "../logger.ts";
 * import { nobleProvider } from "../../mod.ts";
 * import type { GatewayEnv } from "../context.ts";
 * const limiter = new RateLimiter({ burst: 1, perSecond: 1, maxClients: 10, clock: { now: () => 0 } });
 * const app = new Hono<GatewayEnv>();
 * app.use(rateLimit({ limiter, provider: nobleProvider, hashKey: new Uint8Array(32).fill(1) }));
 * app.get("/", (c) => c.text("ok"));
 * app.onError(errorHandler({ logger: memoryLogger() }));
 * const env = { remoteAddr: { hostname: "192.0.2.7" } };
 * const first = await app.request("/", {}, env), second = await app.request("/", {}, env);
 * if (first.status !== 200 || second.status !== 429) throw new Error("bad");
 * ```
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<GatewayEnv> {
  const { limiter, provider, hashKey, onError } = options;
  const address = options.clientAddress ?? denoClientAddress;
  return async (c, next) => {
    const key = clientKey(address(c));
    const hashed = toHex(await provider.blake2b(utf8(key), HASHED_KEY_BYTES, hashKey));
    if (limiter.take(hashed) !== "allowed") {
      const err = new HttpError(429, RATE_LIMITED);
      if (onError !== undefined) return await onError(err, c);
      throw err;
    }
    await next();
  };
}
