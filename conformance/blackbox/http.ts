/**
 * The black-box checker's HTTP side: every request to the node under test goes through
 * {@link BlackBoxHttp}, which bounds it in time (`timeoutMs`, body reading included) and in size
 * (`maxResponseBytes`), and turns anything that is not a complete HTTP answer — refused or reset
 * connections, garbage, timeouts — into a {@link NoAnswer} value instead of an exception.
 *
 * Two transports: `fetch` (with a Deno HTTP client that keeps no idle connections, so a node
 * closing a pooled connection cannot make an unrelated check fail), and a raw HTTP/1.1 exchange
 * over a socket for requests `fetch` cannot send (a chosen, duplicated or lying `Content-Length`).
 *
 * @module
 */

import { errorLine, rawExchange } from "./raw_http.ts";

/** A complete HTTP answer. */
export interface Answer {
  /** Always `"answer"`. */
  kind: "answer";
  /** HTTP status. */
  status: number;
  /** Response headers. */
  headers: Headers;
  /** The whole body (at most `maxResponseBytes`). */
  body: Uint8Array;
}

/** No usable answer: the connection failed, timed out, or the answer was garbage or too large. */
export interface NoAnswer {
  /** Always `"no_answer"`. */
  kind: "no_answer";
  /** One line: what happened. */
  reason: string;
}

/** What one request produced. */
export type HttpResult = Answer | NoAnswer;

/** Options of {@link BlackBoxHttp}. */
export interface BlackBoxHttpOptions {
  /** Origin of the node, `http://host:port` (or `https://`). */
  target: string;
  /** Bound on one request, body reading included, ms. */
  timeoutMs: number;
  /** Largest response body read, bytes; default 1 MiB. */
  maxResponseBytes?: number;
  /** A `fetch` to use instead of the global one (tests). */
  fetch?: typeof fetch;
}

/** A request sent with `fetch`. */
export interface RequestSpec {
  /** Method; default `POST`. */
  method?: string;
  /** Path; default `/onion_req/v2`. */
  path?: string;
  /** Extra headers. */
  headers?: Record<string, string>;
  /** Body bytes or a stream (sent chunked). */
  body?: Uint8Array | ReadableStream<Uint8Array>;
}

/** The onion endpoint (onion-requests.md §3). */
export const ONION_PATH = "/onion_req/v2";
/** Default bound on a response body. */
const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
/** Characters of a body quoted in a description. */
const QUOTED_CHARS = 100;

const lossy = new TextDecoder("utf-8", { fatal: false });

/**
 * One line describing a result: `400 "Invalid ciphertext"` or `no answer (…)`; the body is cut to
 * its first 100 characters.
 *
 * @param result the result
 * @returns the description
 * @example
 * ```ts
 * import { describeResult } from "./http.ts";
 * const a = { kind: "answer" as const, status: 400, headers: new Headers(), body: new TextEncoder().encode("x") };
 * if (describeResult(a) !== '400 "x"') throw new Error("bad");
 * ```
 */
export function describeResult(result: HttpResult): string {
  if (result.kind === "no_answer") return `no answer (${result.reason})`;
  const text = lossy.decode(result.body);
  const cut = text.length > QUOTED_CHARS ? `${JSON.stringify(text.slice(0, QUOTED_CHARS))}…` : JSON.stringify(text);
  return `${result.status} ${cut}`;
}

/**
 * The body of an answer as text (invalid UTF-8 replaced).
 *
 * @param answer the answer
 * @returns the text
 */
export function bodyText(answer: Answer): string {
  return lossy.decode(answer.body);
}

/** Read a stream up to `max` bytes; more → undefined (the stream is cancelled). */
async function readBounded(stream: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array | undefined> {
  if (stream === null) return new Uint8Array(0);
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > max) {
        await reader.cancel().catch(() => {});
        return undefined;
      }
      parts.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return concatParts(parts, total);
}

function concatParts(parts: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * HTTP access to the node under test, bounded in time and size; see the module documentation.
 *
 * @example A node that is not listening gives a NoAnswer, not an exception
 * ```ts
 * import { BlackBoxHttp } from "./http.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const port = (listener.addr as Deno.NetAddr).port;
 * listener.close();
 * const http = new BlackBoxHttp({ target: `http://127.0.0.1:${port}`, timeoutMs: 2000 });
 * try {
 *   const result = await http.send({ body: new Uint8Array(1) });
 *   if (result.kind !== "no_answer") throw new Error("bad");
 * } finally {
 *   http.close();
 * }
 * ```
 */
export class BlackBoxHttp {
  readonly #origin: URL;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #fetch: typeof fetch;
  readonly #client: Deno.HttpClient | undefined;

  /**
   * A client for one target.
   *
   * @param options target origin, time bound, size bound, optional fetch
   * @throws {TypeError} when `target` is not an http(s) URL
   */
  constructor(options: BlackBoxHttpOptions) {
    let origin: URL;
    try {
      origin = new URL(options.target);
    } catch {
      throw new TypeError(`Cannot check node: target ${JSON.stringify(options.target)} is not a URL`);
    }
    if (origin.protocol !== "http:" && origin.protocol !== "https:") {
      throw new TypeError(`Cannot check node: target ${JSON.stringify(options.target)} is not http:// or https://`);
    }
    this.#origin = origin;
    this.#timeoutMs = options.timeoutMs;
    this.#maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.#fetch = options.fetch ?? fetch;
    // One connection per request: a node that closes connections cannot poison a pooled one.
    this.#client = options.fetch === undefined && typeof Deno.createHttpClient === "function"
      ? Deno.createHttpClient({ poolMaxIdlePerHost: 0 })
      : undefined;
  }

  /** The target's `host[:port]`, for a Host header. */
  get host(): string {
    return this.#origin.host;
  }

  /** The bound on one request, ms. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /**
   * Send one request with `fetch` (no redirects followed) and read the whole answer.
   *
   * @param spec method, path, headers, body
   * @returns the answer, or why there is none
   */
  async send(spec: RequestSpec): Promise<HttpResult> {
    const url = new URL(spec.path ?? ONION_PATH, this.#origin);
    const signal = AbortSignal.timeout(this.#timeoutMs);
    const init: RequestInit & { client?: Deno.HttpClient; duplex?: string } = {
      method: spec.method ?? "POST",
      headers: spec.headers,
      body: spec.body as BodyInit | undefined,
      redirect: "manual",
      signal,
    };
    if (spec.body instanceof ReadableStream) init.duplex = "half";
    if (this.#client !== undefined) init.client = this.#client;
    try {
      const res = await this.#fetch(url, init);
      const body = await readBounded(res.body, this.#maxResponseBytes);
      if (body === undefined) {
        return { kind: "no_answer", reason: `response body over ${this.#maxResponseBytes} bytes` };
      }
      return { kind: "answer", status: res.status, headers: res.headers, body };
    } catch (err) {
      if (signal.aborted) return { kind: "no_answer", reason: `timed out after ${this.#timeoutMs} ms` };
      return { kind: "no_answer", reason: errorLine(err) };
    }
  }

  /**
   * Send raw bytes on a new connection and read one HTTP/1.1 answer (by `Content-Length`, chunked,
   * or until the node closes); see raw_http.ts.
   *
   * @param head the request line and headers, ending in an empty line
   * @param body bytes sent after the head
   * @param options `halfClose`: shut the sending side after the body (a body cut short)
   * @returns the answer, or why there is none
   */
  raw(head: string, body: Uint8Array = new Uint8Array(0), options: { halfClose?: boolean } = {}): Promise<HttpResult> {
    return rawExchange(this.#origin, {
      head,
      body,
      halfClose: options.halfClose ?? false,
      timeoutMs: this.#timeoutMs,
      maxResponseBytes: this.#maxResponseBytes,
    });
  }

  /** Release the HTTP client. */
  close(): void {
    this.#client?.close();
  }
}
