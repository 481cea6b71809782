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
 *   Nothing is allocated from the declared length.
 *
 * Reading is lazy: the middleware checks the headers and sets `c.var.body()`, which reads (once)
 * when a later stage needs the bytes. So the rate limiter, which runs after this middleware,
 * refuses a client before its body is read.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import type { GatewayEnv } from "../context.ts";
import { BODY_TOO_LARGE, INVALID_CONTENT_LENGTH, SERVER_BUSY, UNSUPPORTED_ENCODING } from "../responses.ts";
import { HttpError, type MiddlewareErrorHook } from "./error_handler.ts";

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

/**
 * Read a body stream, counting bytes as they arrive.
 *
 * @param stream the body (null = empty)
 * @param maxBody cap; reading stops after `maxBody + 1` bytes at most one chunk later
 * @param declared the checked Content-Length, if any
 * @param budget shared buffer budget; reserved bytes are added to `reserved.bytes`
 * @param reserved accumulator of what was reserved, released by the caller
 * @returns the body
 * @throws {HttpError} 413, 400 `invalid Content-Length` or 503
 */
async function readCounted(
  stream: ReadableStream<Uint8Array> | null,
  maxBody: number,
  declared: number | undefined,
  budget: BufferBudget | undefined,
  reserved: { bytes: number },
): Promise<Uint8Array> {
  if (stream === null) {
    if (declared !== undefined && declared !== 0) throw new HttpError(400, INVALID_CONTENT_LENGTH);
    return new Uint8Array(0);
  }
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBody) throw new HttpError(413, BODY_TOO_LARGE);
      if (declared !== undefined && total > declared) throw new HttpError(400, INVALID_CONTENT_LENGTH);
      if (budget !== undefined) {
        if (!budget.tryReserve(value.length)) throw new HttpError(503, SERVER_BUSY);
        reserved.bytes += value.length;
      }
      chunks.push(value);
    }
  } catch (err) {
    await reader.cancel().catch(() => {});
    if (err instanceof HttpError) throw err;
    // The stream itself failed (client aborted, connection reset): the body is incomplete.
    throw new HttpError(400, INVALID_CONTENT_LENGTH);
  }
  if (declared !== undefined && total !== declared) throw new HttpError(400, INVALID_CONTENT_LENGTH);
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
   * Answer this middleware's own header refusals (415, 400, 413) differently. Errors found while
   * the body is read are thrown from `c.var.body()` to the app's error funnel.
   */
  onError?: MiddlewareErrorHook;
}

/**
 * Middleware enforcing the body limits (see the module documentation) and providing
 * `c.var.body()`, which reads the body once under those limits.
 *
 * @param options cap, shared budget and optional error hook
 * @returns the middleware
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { bodyLimit } from "./body_limit.ts";
 * import { errorHandler } from "./error_handler.ts";
 * import { memoryLogger } from "../logger.ts";
 * import type { GatewayEnv } from "../context.ts";
 * const app = new Hono<GatewayEnv>();
 * app.use(bodyLimit({ maxBody: 4 }));
 * app.post("/", async (c) => c.text(String((await c.var.body()).length)));
 * app.onError(errorHandler({ logger: memoryLogger() }));
 * const ok = await app.request("/", { method: "POST", body: new Uint8Array(4) });
 * const big = await app.request("/", { method: "POST", body: new Uint8Array(5) });
 * if ((await ok.text()) !== "4" || big.status !== 413) throw new Error("bad");
 * ```
 */
export function bodyLimit(options: BodyLimitOptions): MiddlewareHandler<GatewayEnv> {
  const { maxBody, budget, onError } = options;
  return async (c, next) => {
    let declared: number | undefined;
    try {
      if (!isIdentityEncoding(c.req.header("content-encoding") ?? null)) {
        throw new HttpError(415, UNSUPPORTED_ENCODING);
      }
      declared = checkContentLength(c.req.header("content-length") ?? null, maxBody);
    } catch (err) {
      if (onError !== undefined && err instanceof HttpError) return await onError(err, c);
      throw err;
    }
    const reserved = { bytes: 0 };
    let read: Promise<Uint8Array> | undefined;
    c.set("body", () => read ??= readCounted(c.req.raw.body, maxBody, declared, budget, reserved));
    try {
      await next();
    } finally {
      if (read !== undefined) await read.catch(() => {});
      budget?.release(reserved.bytes);
    }
  };
}
