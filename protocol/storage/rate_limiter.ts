/**
 * The storage server's per-client token buckets (swarms-and-storage.md §11, oxen-storage-server
 * `rpc/rate_limiter.cpp`), reproduced decision for decision: integer token periods, refill only
 * counted when a token is taken, a bounded client table purged of full buckets, and the periodic
 * clean-up whose refill does not move the bucket's timestamp.
 *
 * No clock is read here: every call takes the current time as integer microseconds from any
 * fixed origin (a monotonic clock, as the reference uses `steady_clock`).
 *
 * @module
 */

/** Tokens a bucket holds when full (§11, reference `BUCKET_SIZE`). */
export const RATE_LIMIT_BUCKET_SIZE = 600;
/** Refill rate of a client bucket, tokens per second (§11, reference `TOKEN_RATE`). */
export const CLIENT_TOKENS_PER_SECOND = 300;
/** Refill rate of the node-keyed ("snode") bucket, tokens per second (§11, reference `TOKEN_RATE_SN`). */
export const SNODE_TOKENS_PER_SECOND = 600;
/** Most client buckets tracked at once (§11, reference `MAX_CLIENTS`). */
export const MAX_RATE_LIMITED_CLIENTS = 10_000;
/** How often the reference's timer calls {@link StorageRateLimiter.cleanBuckets}, in µs (§11: every 10 s). */
export const RATE_LIMIT_CLEAN_INTERVAL_US = 10_000_000;

/** Microseconds per second; token periods are `floor(US_PER_SECOND / rate)` as in C++ chrono. */
const US_PER_SECOND = 1_000_000;

/** Which of the reference's two limiters to model. */
export type StorageRateLimiterKind = "client" | "snode";

/** Options of {@link StorageRateLimiter}; every field has the reference's value as default. */
export interface StorageRateLimiterOptions {
  /** `"client"` (keyed by IPv4 address; default) or `"snode"` (keyed by node pubkey, not wired up upstream). */
  kind?: StorageRateLimiterKind;
  /** Bucket capacity; default {@link RATE_LIMIT_BUCKET_SIZE}. */
  capacity?: number;
  /** Refill rate; default {@link CLIENT_TOKENS_PER_SECOND} or {@link SNODE_TOKENS_PER_SECOND} by kind. */
  tokensPerSecond?: number;
  /** Client table bound; default {@link MAX_RATE_LIMITED_CLIENTS} for clients, unbounded for snodes. */
  maxClients?: number;
}

interface Bucket {
  tokens: number;
  lastUs: number;
}

/**
 * A token-bucket limiter with the storage server's exact behaviour (swarms-and-storage.md §11):
 *
 * * a new key is always admitted and starts with `capacity - 1` tokens;
 * * a known key first gains `floor(elapsed_µs / period)` tokens (elapsed capped at
 *   `period × capacity`, the bucket capped at `capacity`), then spends one if it has any; the
 *   bucket's timestamp moves only when a token is spent, so the fractional remainder is lost;
 * * client kind only: when `maxClients` keys are tracked, a new key first triggers
 *   {@link StorageRateLimiter.cleanBuckets} and is refused if the table is still full;
 * * the caller runs {@link StorageRateLimiter.cleanBuckets} every {@link RATE_LIMIT_CLEAN_INTERVAL_US}
 *   like the reference's timer. **[quirk]** That clean-up adds tokens without moving timestamps,
 *   so the same elapsed time can be counted again later.
 *
 * Times are integer microseconds as `number` (safe integers, any origin). A time earlier than a
 * bucket's timestamp counts as no elapsed time.
 *
 * @example A client may make 600 requests at once, the 601st is limited
 * ```ts
 * import { StorageRateLimiter } from "./rate_limiter.ts";
 * const limiter = new StorageRateLimiter();
 * for (let i = 0; i < 600; i++) if (limiter.shouldLimit("10.1.1.13", 0)) throw new Error("limited early");
 * if (!limiter.shouldLimit("10.1.1.13", 0)) throw new Error("not limited");
 * if (limiter.shouldLimit("10.1.1.13", 3333)) throw new Error("no refill");
 * ```
 */
export class StorageRateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #kind: StorageRateLimiterKind;
  readonly #capacity: number;
  readonly #periodUs: number;
  readonly #fillCapUs: number;
  readonly #maxClients: number;

  /**
   * Create an empty limiter.
   *
   * @param options kind and limits; defaults are the reference's
   * @throws {TypeError} when `kind` is not `"client"` or `"snode"`
   * @throws {RangeError} when capacity, rate or client bound is not a positive integer, or the rate
   *   exceeds 1 000 000 per second (the integer period would be 0)
   */
  constructor(options: StorageRateLimiterOptions = {}) {
    const kind = options.kind ?? "client";
    if (kind !== "client" && kind !== "snode") {
      throw new TypeError(`Cannot create rate limiter: kind "${String(kind)}" is not "client" or "snode"`);
    }
    const capacity = options.capacity ?? RATE_LIMIT_BUCKET_SIZE;
    const rate = options.tokensPerSecond ?? (kind === "client" ? CLIENT_TOKENS_PER_SECOND : SNODE_TOKENS_PER_SECOND);
    const maxClients = options.maxClients ?? (kind === "client" ? MAX_RATE_LIMITED_CLIENTS : Infinity);
    positiveInteger(capacity, "capacity");
    positiveInteger(rate, "tokensPerSecond");
    if (rate > US_PER_SECOND) {
      throw new RangeError(`Cannot create rate limiter: tokensPerSecond ${rate} exceeds ${US_PER_SECOND}`);
    }
    if (maxClients !== Infinity) positiveInteger(maxClients, "maxClients");
    this.#kind = kind;
    this.#capacity = capacity;
    this.#periodUs = Math.floor(US_PER_SECOND / rate);
    // The reference clamps elapsed time to "how long it takes to fill the whole bucket".
    this.#fillCapUs = this.#periodUs * capacity;
    this.#maxClients = maxClients;
  }

  /** Number of keys currently tracked. */
  get size(): number {
    return this.#buckets.size;
  }

  /**
   * Decide one request (reference `should_rate_limit_client` / `should_rate_limit`).
   *
   * @param key the client's IPv4 address text, or the node pubkey for the snode kind
   * @param nowUs current time, integer microseconds
   * @returns true when the request must be refused (HTTP 429)
   * @throws {TypeError} when `key` is not a string or `nowUs` not a number
   * @throws {RangeError} when `nowUs` is not a safe integer
   * @example
   * ```ts
   * import { StorageRateLimiter } from "./rate_limiter.ts";
   * const limiter = new StorageRateLimiter({ capacity: 1 });
   * if (limiter.shouldLimit("a", 0) || !limiter.shouldLimit("a", 0)) throw new Error("bad");
   * ```
   */
  shouldLimit(key: string, nowUs: number): boolean {
    if (typeof key !== "string") throw new TypeError("Cannot rate-limit request: key is not a string");
    checkTime(nowUs);
    const bucket = this.#buckets.get(key);
    if (bucket !== undefined) return !this.#removeToken(bucket, nowUs);
    if (this.#kind === "client" && this.#buckets.size >= this.#maxClients) {
      this.cleanBuckets(nowUs);
      if (this.#buckets.size >= this.#maxClients) return true;
    }
    this.#buckets.set(key, { tokens: this.#capacity - 1, lastUs: nowUs });
    return false;
  }

  /**
   * Refill every bucket and forget those that are full (reference `clean_buckets`, run by a 10 s
   * timer and when the client table is full). **[quirk]** Refilled tokens are added without
   * moving the bucket's timestamp (swarms-and-storage.md §11).
   *
   * @param nowUs current time, integer microseconds
   * @throws {TypeError} when `nowUs` is not a number
   * @throws {RangeError} when `nowUs` is not a safe integer
   * @example
   * ```ts
   * import { StorageRateLimiter } from "./rate_limiter.ts";
   * const limiter = new StorageRateLimiter();
   * limiter.shouldLimit("10.0.0.1", 0);
   * limiter.cleanBuckets(3333);
   * if (limiter.size !== 0) throw new Error("bad");
   * ```
   */
  cleanBuckets(nowUs: number): void {
    checkTime(nowUs);
    for (const [key, bucket] of this.#buckets) {
      if (this.#fill(bucket, nowUs)) this.#buckets.delete(key);
    }
  }

  /** Reference `fill_bucket`: add whole periods since the timestamp; true when now full. */
  #fill(bucket: Bucket, nowUs: number): boolean {
    const elapsedUs = Math.min(Math.max(nowUs - bucket.lastUs, 0), this.#fillCapUs);
    bucket.tokens += Math.floor(elapsedUs / this.#periodUs);
    if (bucket.tokens >= this.#capacity) {
      bucket.tokens = this.#capacity;
      return true;
    }
    return false;
  }

  /** Reference `remove_token`: refill, then spend one token and move the timestamp if any. */
  #removeToken(bucket: Bucket, nowUs: number): boolean {
    this.#fill(bucket, nowUs);
    if (bucket.tokens === 0) return false;
    bucket.tokens--;
    bucket.lastUs = nowUs;
    return true;
  }
}

function positiveInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`Cannot create rate limiter: ${what} ${value} is not a positive integer`);
  }
}

function checkTime(nowUs: number): void {
  if (typeof nowUs !== "number") throw new TypeError("Cannot rate-limit request: time is not a number");
  if (!Number.isSafeInteger(nowUs)) {
    throw new RangeError(`Cannot rate-limit request: time ${nowUs} is not a safe integer`);
  }
}
