/**
 * Put any Hono (or other fetch-handler) service behind Session onion requests: {@link onionServer}
 * is a middleware that serves the external-server endpoints of onion-requests.md §7, runs each
 * decrypted request against the wrapped app in process (`app.fetch`), and encrypts the answer.
 *
 * | path | request plaintext | answer (HTTP 200 unless the layer does not decrypt) |
 * | --- | --- | --- |
 * | `POST /oxen/v4/lsrpc` | bencoded `l<meta json>[<body>]e` | raw `encrypt(l<{"code","headers"}><body>e)`; malformed → code 400 `text/plain; charset=utf-8` `Invalid v4 onion request` |
 * | `POST /loki/v3/lsrpc`, `POST /oxen/v3/lsrpc` | JSON `{endpoint, method, headers?, body?}` | `base64(encrypt(body))` when the app answered 200, else `base64(encrypt({"status_code":N}))`; malformed → `{"status_code":400}` |
 *
 * A layer that does not decrypt is answered in plain text: 400 `Invalid ciphertext`, or
 * 400 `Error parsing onion request: <class>` for bad framing or JSON (hardening.md §3); a body
 * over `maxBody` gets 413 `Request body too large`. Every other request passes to `next()`.
 *
 * Portable: no `node:` imports; crypto goes through the provider passed in, so it runs on Deno,
 * Node, Bun and workerd.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import {
  type CryptoProvider,
  decodeV4Request,
  encodeV4Response,
  fromUtf8,
  isProtocolError,
  MAX_BODY_BYTES,
  type Rng,
  sealReply,
  type ServerRequest,
  utf8,
} from "../../mod.ts";
import { toWireError } from "../middleware/error_handler.ts";
import { BODY_TOO_LARGE, INVALID_CONTENT_LENGTH } from "../responses.ts";
import { checkServerKeys, type OpenedServerLayer, openServerLayer } from "./server_layer.ts";
import { readStreamCapped } from "../net/read_capped.ts";

/** The v4 endpoint (onion-requests.md §7). */
export const LSRPC_V4_PATH = "/oxen/v4/lsrpc";
/** The v3 endpoints (onion-requests.md §7). */
export const LSRPC_V3_PATHS: readonly string[] = Object.freeze(["/loki/v3/lsrpc", "/oxen/v3/lsrpc"]);
/** Body of the v4 answer to a request that decrypted but does not decode (onion-requests.md §7). */
export const INVALID_V4_REQUEST = "Invalid v4 onion request";

/** What subrequests run against: a Hono app, or anything with a fetch handler. */
export interface OnionServerApp {
  /**
   * Answer a request (Hono's `app.fetch`).
   *
   * @param request the subrequest, on origin `http://localhost`
   * @param env the runtime bindings of the onion request, passed through
   */
  fetch(request: Request, env?: unknown): Response | Promise<Response>;
}

/** Options of {@link onionServer}. */
export interface OnionServerOptions {
  /** The server's X25519 secret (32 bytes). */
  x25519Secret: Uint8Array;
  /** The server's X25519 public key (32 bytes): clients build their onions to it. */
  x25519Public: Uint8Array;
  /** Crypto provider (`defaultProvider()`, or `nobleProvider` anywhere). */
  provider: CryptoProvider;
  /**
   * The service the onion requests are for. Usually the app the middleware is mounted on
   * (`app.use(onionServer({ …, app }))`): a Hono middleware cannot see its own app, so it is
   * passed in. Subrequests never re-enter this middleware.
   */
  app: OnionServerApp;
  /** Largest request body in bytes; beyond → plain 413. Default 10 MiB, as a node. */
  maxBody?: number;
  /** Randomness for reply nonces; default the provider's CSPRNG. */
  rng?: Rng;
}

/** Origin of subrequests: the wrapped app sees `http://localhost<endpoint>`. */
const SUBREQUEST_ORIGIN = "http://localhost";
/** An HTTP method token (RFC 9110 §9.1). */
const METHOD_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/;
/** Headers a client may not set on a subrequest: framing and connection handling belong to us. */
const DROPPED_HEADERS: ReadonlySet<string> = new Set([
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
  "host",
]);
/** Statuses whose responses must not carry a body (Fetch spec "null body status"). */
const NULL_BODY_STATUS: ReadonlySet<number> = new Set([101, 103, 204, 205, 304]);
const V4_CONTENT_TYPE = "application/octet-stream";
const V3_CONTENT_TYPE = "text/plain; charset=utf-8";
const TEXT_PLAIN = "text/plain; charset=utf-8";

/** A request that decrypted but cannot be run (answered per version, never thrown further). */
class MalformedRequest extends Error {
  constructor(message: string) {
    super(`Cannot run onion subrequest: ${message}`);
    this.name = "MalformedRequest";
  }
}

/** Read the body under `max` bytes: Content-Length first, then while streaming. */
async function readBody(request: Request, max: number): Promise<Uint8Array | Response> {
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    if (!/^[0-9]{1,16}$/.test(declared)) return new Response(INVALID_CONTENT_LENGTH, plain(400));
    if (Number(declared) > max) return new Response(BODY_TOO_LARGE, plain(413));
  }
  if (request.body === null) return new Uint8Array(0);
  const whole = await readStreamCapped(request.body, max);
  return whole ?? new Response(BODY_TOO_LARGE, plain(413));
}

function plain(status: number): ResponseInit {
  return { status, headers: { "content-type": TEXT_PLAIN } };
}

/**
 * The subrequest for a decoded request, on {@link SUBREQUEST_ORIGIN}.
 *
 * @throws {MalformedRequest} for a bad method, endpoint or header, or a body on GET/HEAD
 */
function subrequest(req: ServerRequest): Request {
  if (!METHOD_RE.test(req.method)) throw new MalformedRequest("method is not a token");
  if (!req.endpoint.startsWith("/")) throw new MalformedRequest('endpoint does not start with "/"');
  const method = req.method.toUpperCase();
  if (req.body !== undefined && (method === "GET" || method === "HEAD")) {
    throw new MalformedRequest(`${method} with a body`);
  }
  try {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers ?? {})) {
      if (!DROPPED_HEADERS.has(name.toLowerCase())) headers.append(name, value);
    }
    if (req.body !== undefined) headers.set("content-length", String(req.body.length));
    return new Request(SUBREQUEST_ORIGIN + req.endpoint, {
      method: req.method,
      headers,
      body: req.body as Uint8Array<ArrayBuffer> | undefined,
    });
  } catch (cause) {
    // Invalid header names or values, forbidden methods, unparsable URLs.
    if (cause instanceof TypeError) throw new MalformedRequest("not a valid HTTP request");
    throw cause;
  }
}

/**
 * A v3 request (onion-requests.md §7): JSON `{endpoint, method, headers?, body?}`. As the
 * reference server does, an endpoint without a leading `/` gets one, and a body on GET/HEAD is
 * ignored.
 *
 * @throws {MalformedRequest} when it is not that shape
 */
function parseV3(plaintext: Uint8Array): ServerRequest {
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(plaintext));
  } catch {
    throw new MalformedRequest("v3 request is not JSON");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new MalformedRequest("v3 request is not an object");
  }
  const r = value as Record<string, unknown>;
  if (typeof r.endpoint !== "string" || r.endpoint.length === 0) throw new MalformedRequest("endpoint is not a string");
  if (typeof r.method !== "string") throw new MalformedRequest("method is not a string");
  const headers: Record<string, string> = {};
  if (r.headers !== undefined && r.headers !== null) {
    if (typeof r.headers !== "object" || Array.isArray(r.headers)) {
      throw new MalformedRequest("headers is not an object");
    }
    for (const [k, v] of Object.entries(r.headers)) {
      if (typeof v !== "string" && typeof v !== "number") throw new MalformedRequest("a header is not a string");
      headers[k] = String(v);
    }
  }
  if (r.body !== undefined && r.body !== null && typeof r.body !== "string") {
    throw new MalformedRequest("body is not a string");
  }
  const method = r.method.toUpperCase();
  const endpoint = r.endpoint.startsWith("/") ? r.endpoint : `/${r.endpoint}`;
  const req: ServerRequest = { method: r.method, endpoint, headers };
  if (typeof r.body === "string" && method !== "GET" && method !== "HEAD") req.body = utf8(r.body);
  return req;
}

/**
 * Serve onion requests for `options.app` (onion-requests.md §7, v3 and v4).
 *
 * @param options the server's X25519 keys, provider, the wrapped app, body limit, rng
 * @returns a Hono middleware; mount it with `app.use(…)` before the app's routes
 * @throws {TypeError | RangeError} for malformed keys, a missing app or a bad `maxBody`
 * @example A Hono service behind onion requests, reached through a one-hop path
 * ```ts
 * import { Hono } from "hono";
 * import {
 *   buildOnionRequest, decryptOnionReply, encodeV4Request, nobleProvider as provider, peelOnionLayer, toHex,
 * } from "../../mod.ts";
 * import { onionServer } from "./onion_server.ts";
 *
 * const x25519Secret = new Uint8Array(32).fill(9);
 * const x25519Public = await provider.x25519PublicKey(x25519Secret);
 * const app = new Hono();
 * app.use(onionServer({ x25519Secret, x25519Public, provider, app }));
 * app.get("/hello", (c) => c.json({ hello: "onion" }));
 *
 * // The client builds an onion over one node to this server; the node peels its layer and
 * // POSTs what it found to /oxen/v4/lsrpc (done here in process).
 * const nodeSecret = new Uint8Array(32).fill(3);
 * const node = { x25519Secret: nodeSecret, x25519Public: await provider.x25519PublicKey(nodeSecret) };
 * const { body, reply } = await buildOnionRequest({
 *   path: [{ ed25519: "aa".repeat(32), x25519: toHex(node.x25519Public) }],
 *   destination: { host: "example.org", target: "/oxen/v4/lsrpc", x25519: toHex(x25519Public) },
 *   payload: encodeV4Request({ method: "GET", endpoint: "/hello" }), provider,
 * });
 * const exit = await peelOnionLayer(body, node, { provider });
 * if (exit.kind !== "server") throw new Error("bad");
 * const res = await app.request("/oxen/v4/lsrpc", { method: "POST", body: exit.forwardBody as Uint8Array<ArrayBuffer> });
 * const answer = await decryptOnionReply(reply, new Uint8Array(await res.arrayBuffer()), { provider });
 * if (answer.status !== 200 || new TextDecoder().decode(answer.body) !== '{"hello":"onion"}') throw new Error("bad");
 * ```
 */
export function onionServer(options: OnionServerOptions): MiddlewareHandler {
  if (options === null || typeof options !== "object") {
    throw new TypeError("Cannot create onion server: options is not an object");
  }
  checkServerKeys(options, "create onion server");
  const { provider, app, rng } = options;
  if (provider === null || typeof provider !== "object") {
    throw new TypeError("Cannot create onion server: provider is not a CryptoProvider");
  }
  if (app === null || typeof app !== "object" || typeof app.fetch !== "function") {
    throw new TypeError("Cannot create onion server: app has no fetch method");
  }
  const maxBody = options.maxBody ?? MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBody) || maxBody < 1) {
    throw new RangeError(`Cannot create onion server: maxBody ${String(maxBody)} is not a positive integer`);
  }
  const keys = { x25519Secret: options.x25519Secret, x25519Public: options.x25519Public };
  const replyOptions = { provider, rng };
  /** Subrequests this middleware made: when the wrapped app is its own host, they pass straight through. */
  const subrequests = new WeakSet<Request>();

  /** Run a subrequest against the wrapped app. */
  async function run(request: Request, env: unknown): Promise<{ status: number; headers: Headers; body: Uint8Array }> {
    subrequests.add(request);
    const res = await app.fetch(request, env);
    return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
  }

  /** v4: encrypted bencoded answer (onion-requests.md §7). */
  async function answerV4(opened: OpenedServerLayer, env: unknown): Promise<Response> {
    let request: Request;
    try {
      request = subrequest(decodeV4Request(opened.plaintext));
    } catch (err) {
      if (!isProtocolError(err, "BENCODE_INVALID") && !(err instanceof MalformedRequest)) throw err;
      const invalid = encodeV4Response({
        status: 400,
        headers: { "content-type": TEXT_PLAIN },
        body: utf8(INVALID_V4_REQUEST),
      });
      return sealed(await sealReply(opened.reply, invalid, replyOptions), V4_CONTENT_TYPE);
    }
    const res = await run(request, env);
    const headers: Record<string, string> = {};
    res.headers.forEach((value, name) => (headers[name] = value));
    const body = NULL_BODY_STATUS.has(res.status) ? new Uint8Array(0) : res.body;
    return sealed(
      await sealReply(opened.reply, encodeV4Response({ status: res.status, headers, body }), replyOptions),
      V4_CONTENT_TYPE,
    );
  }

  /** v3: base64 of the encrypted body, or of `{"status_code":N}` (onion-requests.md §7). */
  async function answerV3(opened: OpenedServerLayer, env: unknown): Promise<Response> {
    let request: Request | undefined;
    try {
      request = subrequest(parseV3(opened.plaintext));
    } catch (err) {
      if (!(err instanceof MalformedRequest)) throw err;
    }
    let data: Uint8Array;
    if (request === undefined) {
      data = utf8('{"status_code":400}');
    } else {
      const res = await run(request, env);
      data = res.status === 200 ? res.body : utf8(`{"status_code":${res.status}}`);
    }
    return sealed(await sealReply({ ...opened.reply, base64: true }, data, replyOptions), V3_CONTENT_TYPE);
  }

  return async (c, next) => {
    const raw = c.req.raw;
    if (raw.method !== "POST" || subrequests.has(raw)) return await next();
    const path = c.req.path;
    const v4 = path === LSRPC_V4_PATH;
    if (!v4 && !LSRPC_V3_PATHS.includes(path)) return await next();

    const body = await readBody(raw, maxBody);
    if (body instanceof Response) return body;
    let opened: OpenedServerLayer;
    try {
      opened = await openServerLayer(body, keys, { provider });
    } catch (err) {
      if (!isProtocolError(err)) throw err;
      const wire = toWireError(err); // the fixed plain-text answers of hardening.md §3
      return new Response(wire.body, plain(wire.status));
    }
    try {
      return v4 ? await answerV4(opened, c.env) : await answerV3(opened, c.env);
    } finally {
      opened.reply.key.wipe();
    }
  };
}

function sealed(bytes: Uint8Array, contentType: string): Response {
  return new Response(bytes as Uint8Array<ArrayBuffer>, { status: 200, headers: { "content-type": contentType } });
}
