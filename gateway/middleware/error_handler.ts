/**
 * The single error funnel (style.md rule 4 and 11; hardening.md §3): every error thrown by
 * middleware or routes becomes one fixed, opaque plain-text answer.
 *
 * | error | status | body |
 * | --- | --- | --- |
 * | `HttpError` | its status | its fixed body |
 * | `ProtocolError` `ONION_AUTH_FAILED` (bad tag, wrong key, low-order key, short blob, replay) | 400 | `Invalid ciphertext` |
 * | `ProtocolError` `ONION_FRAMING` / `ONION_TRAILER` / `ONION_KEY` / `ONION_ENC_TYPE` / `ONION_HOP_NO` | 400 | `Error parsing onion request: <framing…hop_no>` |
 * | `ProtocolError` `ONION_PATH_TOO_LONG` (`hop_no` above 15) | 400 | `onion request max path length exceeded` |
 * | `ForwardError` `busy` / `timeout` / `unreachable` / `bad_response` | 503 / 504 / 502 / 502 | fixed |
 * | anything else | 500 | `Internal server error`, and one log line with the error's class name only |
 *
 * @module
 */

import type { Context, ErrorHandler } from "hono";
import { isProtocolError, type ProtocolError, type ProtocolErrorCode } from "../../mod.ts";
import type { GatewayEnv } from "../context.ts";
import type { Logger } from "../logger.ts";
import { ForwardError } from "../relay/forwarder.ts";
import {
  INTERNAL_ERROR,
  INVALID_CIPHERTEXT,
  NEXT_HOP_FAILED,
  PARSE_ERROR_PREFIX,
  type ParseErrorClass,
  PATH_TOO_LONG,
  REQUEST_TIMED_OUT,
  SERVER_BUSY,
} from "../responses.ts";

/**
 * An error with a fixed HTTP answer. `body` is one of the constants of responses.ts (or built
 * from them); it is sent verbatim.
 *
 * @example
 * ```ts
 * import { HttpError } from "./error_handler.ts";
 * const e = new HttpError(413, "Request body too large");
 * if (e.status !== 413 || e.body !== "Request body too large") throw new Error("bad");
 * ```
 */
export class HttpError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** Fixed plain-text body. */
  readonly body: string;

  /**
   * An error answered with `status` and `body`.
   *
   * @param status HTTP status
   * @param body fixed plain-text body
   */
  constructor(status: number, body: string) {
    super(body);
    this.name = "HttpError";
    this.status = status;
    this.body = body;
  }
}

/**
 * A middleware's optional hook to answer its own refusals differently (style.md rule 11). It gets
 * the refusal (an {@link HttpError}, or the `ProtocolError` of a refused onion) and answers
 * instead of the error funnel.
 */
export type MiddlewareErrorHook = (
  error: HttpError | ProtocolError,
  c: Context<GatewayEnv>,
) => Response | Promise<Response>;

/** The wire answer for an error. */
export interface WireError {
  /** HTTP status. */
  status: number;
  /** Fixed plain-text body. */
  body: string;
  /** True for errors that are bugs or environment failures rather than bad input (logged). */
  unexpected: boolean;
}

const PARSE_CLASS: Partial<Record<ProtocolErrorCode, ParseErrorClass>> = {
  ONION_FRAMING: "framing",
  ONION_TRAILER: "trailer",
  ONION_KEY: "key",
  ONION_ENC_TYPE: "enc_type",
  ONION_HOP_NO: "hop_no",
};

/** Codes that mean "this layer did not authenticate" and share one answer. */
const AUTH_CODES: ReadonlySet<ProtocolErrorCode> = new Set<ProtocolErrorCode>([
  "ONION_AUTH_FAILED",
  "DECRYPT_FAILED",
  "KEY_AGREEMENT_FAILED",
]);

/**
 * Map any thrown value to its fixed wire answer (hardening.md §3). Pure.
 *
 * @param err anything thrown
 * @returns status, body and whether it was unexpected
 * @example
 * ```ts
 * import { toWireError } from "./error_handler.ts";
 * import { ProtocolError } from "../../mod.ts";
 * const w = toWireError(new ProtocolError("ONION_TRAILER", "Cannot read onion trailer: secret detail"));
 * if (w.status !== 400 || w.body !== "Error parsing onion request: trailer") throw new Error("bad");
 * if (toWireError(new TypeError("x")).body !== "Internal server error") throw new Error("bad");
 * ```
 */
export function toWireError(err: unknown): WireError {
  if (err instanceof HttpError) return { status: err.status, body: err.body, unexpected: false };
  if (isProtocolError(err)) {
    if (AUTH_CODES.has(err.code)) return { status: 400, body: INVALID_CIPHERTEXT, unexpected: false };
    if (err.code === "ONION_PATH_TOO_LONG") return { status: 400, body: PATH_TOO_LONG, unexpected: false };
    const parseClass = PARSE_CLASS[err.code];
    if (parseClass !== undefined) return { status: 400, body: PARSE_ERROR_PREFIX + parseClass, unexpected: false };
    return { status: 500, body: INTERNAL_ERROR, unexpected: true };
  }
  if (err instanceof ForwardError) {
    switch (err.failure) {
      case "busy":
        return { status: 503, body: SERVER_BUSY, unexpected: false };
      case "timeout":
        return { status: 504, body: REQUEST_TIMED_OUT, unexpected: false };
      case "unreachable":
      case "bad_response":
        return { status: 502, body: NEXT_HOP_FAILED, unexpected: false };
    }
  }
  return { status: 500, body: INTERNAL_ERROR, unexpected: true };
}

/** Options of {@link errorHandler}. */
export interface ErrorHandlerOptions {
  /** Where unexpected errors are logged (class name, code and request id only). */
  logger: Logger;
}

/**
 * The app's `onError`: answers with {@link toWireError} as `text/plain`, and logs unexpected
 * errors as one line with the error's class name and code, never its message or stack.
 *
 * @param options the logger
 * @returns a Hono error handler
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { errorHandler, HttpError } from "./error_handler.ts";
 * import { memoryLogger } from "../logger.ts";
 * import type { GatewayEnv } from "../context.ts";
 * const logger = memoryLogger();
 * const app = new Hono<GatewayEnv>();
 * app.get("/a", () => { throw new HttpError(429, "Too many requests, try again later"); });
 * app.get("/b", () => { throw new Error("secret payload"); });
 * app.onError(errorHandler({ logger }));
 * const a = await app.request("/a");
 * const b = await app.request("/b");
 * if (a.status !== 429 || b.status !== 500 || (await b.text()).includes("secret")) throw new Error("bad");
 * if (logger.lines.length !== 1 || logger.lines[0].includes("secret")) throw new Error("bad log");
 * ```
 */
export function errorHandler(options: ErrorHandlerOptions): ErrorHandler<GatewayEnv> {
  const { logger } = options;
  return (err, c) => {
    const wire = toWireError(err);
    if (wire.unexpected) {
      const fields: Record<string, string> = { name: errorName(err) };
      if (isProtocolError(err)) fields.code = err.code;
      const id = c.get("requestId");
      if (id !== undefined) fields.requestId = id;
      logger.log("error", "unexpected_error", fields);
    }
    return c.text(wire.body, wire.status as 500);
  };
}

/** The class name of a thrown value, for logs (never its message). */
function errorName(err: unknown): string {
  if (err instanceof Error) return err.name;
  return typeof err;
}
