/**
 * Request-body limits (hardening.md §1, §5), enforced on the bytes actually read, never by
 * trusting `Content-Length`:
 *
 * - `Content-Encoding` other than `identity` → 415 (no request decompression);
 * - `Content-Length`, when present: exactly one value of decimal digits (duplicates arrive joined
 *   as `"10, 10"` and are refused), else 400 `invalid Content-Length`; above `maxBody` → 413
 *   `Request body too large` before anything is read;
 * - a body that ends early or whose stream fails (client abort, reset) is also a 400
 *   `invalid Content-Length`, never a 500;
 * - while reading the stream: bytes are counted chunk by chunk and reading stops, with 413, as soon
 *   as more than `maxBody` arrived (chunked bodies, or a lying `Content-Length`); a body whose
 *   length differs from its `Content-Length` is a 400 `invalid Content-Length`;
 * - buffered bytes across all requests are reserved from a shared {@link BufferBudget} as they
 *   arrive; when it is exhausted → 503 `Server busy, try again later` before reading more.
 *   Nothing is allocated from the declared length;
 * - time (hardening.md §5, with `timing`; see request_timing.ts): a body whose average rate falls
 *   below `minBytesPerSecond` once `graceMs` of reading have passed, or that is still being read
 *   at the whole-request deadline, is cut: the read is cancelled and the answer is 408
 *   `Request time out` (the client did not send its request in time; Node's own header and request
 *   timeouts answer 408 too). A request whose body was read (or not needed) but whose answer is not
 *   ready at the deadline gets 504 `Request time out` at the deadline (the next-hop timeouts are
 *   configured below it, so this is a backstop).
 *
 * Bytes of a read that fails are given back to the budget at once; bytes of a body that was read
 * are given back when the rest of the request is done with them, even when the deadline answered
 * first.
 *
 * Reading is lazy: the middleware checks the headers and sets `c.var.body()`, which reads (once)
 * when a later stage needs the bytes. So the rate limiter, which runs after this middleware,
 * refuses a client before its body is read.
 *
 * @module
 */

import type { Context, MiddlewareHandler } from "hono";
import type { GatewayEnv } from "../context.ts";
import {
  BODY_TOO_LARGE,
  INVALID_CONTENT_LENGTH,
  REQUEST_TIMED_OUT,
  SERVER_BUSY,
  UNSUPPORTED_ENCODING,
} from "../responses.ts";
import { HttpError, type MiddlewareErrorHook } from "./error_handler.ts";
import { checkRequestTiming, type RequestTimingOptions, RequestWatch } from "./request_timing.ts";

/**
 * A shared budget of buffered request bytes (config `maxBufferedBytes`).
 *
 * @example
 * ```ts
 * import { BufferBudget } from "./body_limit.ts";
 * const budget = new BufferBudget(10);
 * if (!budget.tryReserve(8) || budget.tryReserve(3)) throw new Error("bad");
 * budget.release(8);
 * if (budget.used !== 0) throw new Error("bad");
 * ```
 */
export class BufferBudget {
  readonly #max: number;
  #used = 0;

  /**
   * A budget of `maxBytes`.
   *
   * @param maxBytes the budget
   * @throws {RangeError} when it is not a positive integer
   */
  constructor(maxBytes: number) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
      throw new RangeError(`Cannot create buffer budget: ${maxBytes} is not a positive integer`);
    }
    this.#max = maxBytes;
  }

  /** Bytes currently reserved. */
  get used(): number {
    return this.#used;
  }

  /**
   * Reserve `n` bytes if the budget allows it.
   *
   * @param n bytes
   * @returns false (and nothing reserved) when the budget would be exceeded
   */
  tryReserve(n: number): boolean {
    if (this.#used + n > this.#max) return false;
    this.#used += n;
    return true;
  }

  /**
   * Give back `n` reserved bytes.
   *
   * @param n bytes
   */
  release(n: number): void {
    this.#used = Math.max(0, this.#used - n);
  }
}

const DIGITS_RE = /^[0-9]+$/;

/**
 * Check a `Content-Length` header value (hardening.md §1).
 *
 * @param value the header value, or null when absent
 * @param maxBody the body cap
 * @returns the declared length, or undefined when absent
 * @throws {HttpError} 400 `invalid Content-Length` unless decimal digits only; 413 when above `maxBody`
 * @example
 * ```ts
 * import { checkContentLength } from "./body_limit.ts";
 * if (checkContentLength("12", 100) !== 12 || checkContentLength(null, 100) !== undefined) throw new Error("bad");
 * let status = 0;
 * try { checkContentLength("12, 12", 100); } catch (e) { status = (e as { status: number }).status; }
 * if (status !== 400) throw new Error("bad");
 * ```
 */
export function checkContentLength(value: string | null, maxBody: number): number | undefined {
  if (value === null) return undefined;
  if (!DIGITS_RE.test(value)) throw new HttpError(400, INVALID_CONTENT_LENGTH);
  // Leading zeros are harmless; a value too long to be a safe integer is certainly too large.
  const n = value.length > 15 ? Number.POSITIVE_INFINITY : Number(value);
  if (n > maxBody) throw new HttpError(413, BODY_TOO_LARGE);
  return n;
}

/**
 * Whether a `Content-Encoding` value means "not encoded".
 *
 * @param value the header value, or null
 * @returns true when absent, empty or `identity`
 */
function isIdentityEncoding(value: string | null): boolean {
  if (value === null) return true;
  const v = value.trim().toLowerCase();
  return v === "" || v === "identity";
}

/** What {@link readCounted} needs besides the stream. */
interface ReadLimits {
  /** Cap; reading stops after `maxBody + 1` bytes at most one chunk later. */
  maxBody: number;
  /** The checked Content-Length, if any. */
  declared: number | undefined;
  /** Shared buffer budget. */
  budget: BufferBudget | undefined;
  /** What this read holds of the budget; zeroed when a failed read gives it back. */
  reserved: { bytes: number };
  /** The request's time limits, if any. */
  watch: RequestWatch | undefined;
}

/** The answer to a body that arrived too slowly or too late. */
function clientTimeout(): HttpError {
  return new HttpError(408, REQUEST_TIMED_OUT);
}

/**
 * Read a body stream, counting bytes as they arrive, under the size, budget and time limits.
 *
 * @param stream the body (null = empty)
 * @param limits cap, declared length, budget, reservation and time limits
 * @returns the body
 * @throws {HttpError} 413, 400 `invalid Content-Length`, 503 or 408
 */
async function readCounted(stream: ReadableStream<Uint8Array> | null, limits: ReadLimits): Promise<Uint8Array> {
  const { maxBody, declared, budget, reserved, watch } = limits;
  if (watch?.cut) throw clientTimeout();
  if (stream === null) {
    if (declared !== undefined && declared !== 0) throw new HttpError(400, INVALID_CONTENT_LENGTH);
    return new Uint8Array(0);
  }
  const reader = stream.getReader();
  // A cut cancels the read: a pending `read()` then resolves as done, and the loop sees the abort.
  const stopWatching = watch?.onCut(() => void reader.cancel().catch(() => {}));
  watch?.bodyStarted();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (watch?.cut) throw clientTimeout();
      if (done) break;
      total += value.length;
      watch?.bodyReceived(value.length);
      if (total > maxBody) throw new HttpError(413, BODY_TOO_LARGE);
      if (declared !== undefined && total > declared) throw new HttpError(400, INVALID_CONTENT_LENGTH);
      if (budget !== undefined) {
        if (!budget.tryReserve(value.length)) throw new HttpError(503, SERVER_BUSY);
        reserved.bytes += value.length;
      }
      chunks.push(value);
    }
    if (declared !== undefined && total !== declared) throw new HttpError(400, INVALID_CONTENT_LENGTH);
  } catch (err) {
    await reader.cancel().catch(() => {});
    // The chunks are dropped: give their bytes back now, not when the request ends.
    budget?.release(reserved.bytes);
    reserved.bytes = 0;
    if (watch?.cut) throw clientTimeout();
    if (err instanceof HttpError) throw err;
    // The stream itself failed (client aborted, connection reset): the body is incomplete.
    throw new HttpError(400, INVALID_CONTENT_LENGTH);
  } finally {
    watch?.bodyEnded();
    stopWatching?.();
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** Options of {@link bodyLimit}. */
export interface BodyLimitOptions {
  /** Largest body in bytes (config `maxBody`). */
  maxBody: number;
  /** Shared budget of buffered bytes (config `maxBufferedBytes`); none = unbounded. */
  budget?: BufferBudget;
  /**
   * Whole-request deadline and minimum body rate (config `requestDeadlineMs`, `bodyGraceMs`,
   * `bodyMinBytesPerSecond`) and the timers that measure them; none = no time limits.
   */
  timing?: RequestTimingOptions;
  /**
   * Answer this middleware's own refusals differently: those of the headers (415, 400, 413) and the
   * 504 at the deadline. Errors found while the body is read, including the 408 of a cut read, are
   * thrown from `c.var.body()` to the app's error funnel.
   */
  onError?: MiddlewareErrorHook;
}

/** Where the body read stands, for the answer at the deadline. */
type ReadState = "not_started" | "reading" | "read" | "failed";

/**
 * Middleware enforcing the body limits (see the module documentation) and providing
 * `c.var.body()`, which reads the body once under those limits.
 *
 * @param options cap, shared budget, time limits and optional error hook
 * @returns the middleware
 * @throws {RangeError} when a time limit is not a positive integer
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { bodyLimit } from "./body_limit.ts";
 * import { errorHandler } from "./error_handler.ts";
 * import { memoryLogger } from "../logger.ts";
 * import type { GatewayEnv } from "../context.ts";
 * const app = new Hono<GatewayEnv>();
 * app.use(bodyLimit({ maxBody: 4, timing: { deadlineMs: 30_000, graceMs: 5_000, minBytesPerSecond: 1024 } }));
 * app.post("/", async (c) => c.text(String((await c.var.body()).length)));
 * app.onError(errorHandler({ logger: memoryLogger() }));
 * const ok = await app.request("/", { method: "POST", body: new Uint8Array(4) });
 * const big = await app.request("/", { method: "POST", body: new Uint8Array(5) });
 * if ((await ok.text()) !== "4" || big.status !== 413) throw new Error("bad");
 * ```
 */
export function bodyLimit(options: BodyLimitOptions): MiddlewareHandler<GatewayEnv> {
  const { maxBody, budget, timing, onError } = options;
  if (timing !== undefined) checkRequestTiming(timing);
  const refuse = async (err: unknown, c: Context<GatewayEnv>): Promise<Response> => {
    if (onError !== undefined && err instanceof HttpError) return await onError(err, c);
    throw err;
  };
  return async (c, next) => {
    let declared: number | undefined;
    try {
      if (!isIdentityEncoding(c.req.header("content-encoding") ?? null)) {
        throw new HttpError(415, UNSUPPORTED_ENCODING);
      }
      declared = checkContentLength(c.req.header("content-length") ?? null, maxBody);
    } catch (err) {
      return await refuse(err, c);
    }
    const watch = timing === undefined ? undefined : new RequestWatch(timing);
    const reserved = { bytes: 0 };
    let state = "not_started" as ReadState;
    let read: Promise<Uint8Array> | undefined;
    c.set("body", () => {
      if (read === undefined) {
        state = "reading";
        read = readCounted(c.req.raw.body, { maxBody, declared, budget, reserved, watch }).then(
          (body) => ((state = "read"), body),
          (err) => {
            state = "failed";
            throw err;
          },
        );
      }
      return read;
    });
    /** Wait for the rest of the request and the read, then give back the budget and stop the timers. */
    const settle = async (downstream: Promise<unknown>) => {
      await downstream.catch(() => {});
      if (read !== undefined) await read.catch(() => {});
      budget?.release(reserved.bytes);
      reserved.bytes = 0;
      watch?.dispose();
    };
    const downstream = next();
    if (watch === undefined) {
      try {
        await downstream;
      } finally {
        await settle(downstream);
      }
      return;
    }
    let stateAtCut = "not_started" as ReadState;
    let first: "done" | "cut";
    try {
      first = await new Promise<"done" | "cut">((resolve, reject) => {
        watch.onCut(() => {
          stateAtCut = state; // now, before the cancelled read moves on
          resolve("cut");
        });
        downstream.then(() => resolve("done"), reject);
      });
    } catch (err) {
      await settle(downstream);
      throw err;
    }
    if (first === "done") {
      await settle(downstream);
      return;
    }
    if (watch.violation === "slow_body" || stateAtCut === "reading") {
      // The client's fault: the read was cancelled and c.var.body() rejected with 408, which the
      // stage awaiting it passes to the error funnel at once; the read's bytes are already back.
      await settle(downstream);
      return;
    }
    // The answer was not ready at the deadline. Whatever still runs keeps the body's bytes until it
    // ends (bounded by its own timeouts, which the config keeps below the deadline).
    void settle(downstream);
    return await refuse(new HttpError(504, REQUEST_TIMED_OUT), c);
  };
}
