/**
 * The v3 and v4 request/response encodings an external server behind onion requests speaks
 * (onion-requests.md §7). v4: a bencoded list of one or two byte strings
 * `l<len>:<json meta>[<len>:<body>]e`; replies always have two parts with meta
 * `{"code": <int>, "headers": {…}}`. v3: a JSON request, base64 replies.
 *
 * @module
 */

import { fromUtf8, utf8 } from "../bytes.ts";
import { ProtocolError } from "../errors.ts";
import { bdecode, bencode } from "./bencode.ts";

/** A request to an onion-reachable server. */
export interface ServerRequest {
  /** HTTP method, e.g. `GET`. */
  method: string;
  /** Path and query on the server, starting with `/`. */
  endpoint: string;
  /** Request headers. */
  headers?: Record<string, string>;
  /** Body bytes (POST/PUT). */
  body?: Uint8Array;
}

/** A server's answer. */
export interface ServerResponse {
  /** HTTP status code. */
  status: number;
  /** Response headers, lower-case names. */
  headers: Record<string, string>;
  /** Body bytes. */
  body: Uint8Array;
}

function invalid(what: string): ProtocolError {
  return new ProtocolError("BENCODE_INVALID", `Cannot decode v4 message: ${what}`);
}

function checkRequest(req: ServerRequest, action: string): void {
  if (req === null || typeof req !== "object") throw new TypeError(`Cannot ${action}: request is not an object`);
  if (typeof req.method !== "string" || req.method.length === 0) {
    throw new TypeError(`Cannot ${action}: method is not a string`);
  }
  if (typeof req.endpoint !== "string" || !req.endpoint.startsWith("/")) {
    throw new TypeError(`Cannot ${action}: endpoint must be a string starting with "/"`);
  }
  if (req.body !== undefined && !(req.body instanceof Uint8Array)) {
    throw new TypeError(`Cannot ${action}: body is not a Uint8Array`);
  }
}

/**
 * Encode a v4 request: `l<meta>[<body>]e` (onion-requests.md §7).
 *
 * @param req method, endpoint, headers and optional body
 * @returns the bencoded list
 * @throws {TypeError} for a malformed request
 * @example
 * ```ts
 * import { encodeV4Request } from "./v4.ts";
 * const b = encodeV4Request({ method: "GET", endpoint: "/room/test", headers: {} });
 * if (new TextDecoder().decode(b) !== 'l53:{"method":"GET","endpoint":"/room/test","headers":{}}e') throw new Error("bad");
 * ```
 */
export function encodeV4Request(req: ServerRequest): Uint8Array {
  checkRequest(req, "encode v4 request");
  const meta = utf8(JSON.stringify({ method: req.method, endpoint: req.endpoint, headers: req.headers ?? {} }));
  return bencode(req.body === undefined ? [meta] : [meta, req.body]);
}

/** Decode a bencoded list of one or two byte strings. */
function decodeParts(bytes: Uint8Array, min: number, max: number): Uint8Array[] {
  const list = bdecode(bytes);
  if (!Array.isArray(list)) throw invalid("not a list");
  if (list.length < min || list.length > max) throw invalid(`${list.length} parts, expected ${min}…${max}`);
  for (const part of list) if (!(part instanceof Uint8Array)) throw invalid("a part is not a byte string");
  return list as Uint8Array[];
}

function parseMeta(bytes: Uint8Array): Record<string, unknown> {
  let meta: unknown;
  try {
    meta = JSON.parse(fromUtf8(bytes));
  } catch {
    throw invalid("meta is not JSON");
  }
  if (meta === null || typeof meta !== "object" || Array.isArray(meta)) throw invalid("meta is not a JSON object");
  return meta as Record<string, unknown>;
}

function stringRecord(value: unknown, lowerCase: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === undefined || value === null) return out;
  if (typeof value !== "object" || Array.isArray(value)) throw invalid("headers is not an object");
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string" && typeof v !== "number") throw invalid("a header value is not a string");
    out[lowerCase ? k.toLowerCase() : k] = String(v);
  }
  return out;
}

/**
 * Decode a v4 request (server side).
 *
 * @param bytes the decrypted bencoded list
 * @returns the request
 * @throws {ProtocolError} `BENCODE_INVALID` (answered `400 Invalid v4 onion request`)
 * @example
 * ```ts
 * import { decodeV4Request, encodeV4Request } from "./v4.ts";
 * const r = decodeV4Request(encodeV4Request({ method: "POST", endpoint: "/x", body: new Uint8Array([1]) }));
 * if (r.method !== "POST" || r.body?.[0] !== 1) throw new Error("bad");
 * ```
 */
export function decodeV4Request(bytes: Uint8Array): ServerRequest {
  const parts = decodeParts(bytes, 1, 2);
  const meta = parseMeta(parts[0]);
  if (typeof meta.method !== "string" || meta.method.length === 0) throw invalid("meta.method is not a string");
  if (typeof meta.endpoint !== "string" || !meta.endpoint.startsWith("/")) throw invalid("meta.endpoint is not a path");
  const req: ServerRequest = {
    method: meta.method,
    endpoint: meta.endpoint,
    headers: stringRecord(meta.headers, false),
  };
  if (parts.length === 2) req.body = parts[1];
  return req;
}

/**
 * Encode a v4 response: always two parts, meta `{"code","headers"}` (onion-requests.md §7).
 *
 * @param res status, headers (lower-cased, `content-length` dropped) and body
 * @returns the bencoded list
 * @example
 * ```ts
 * import { encodeV4Response } from "./v4.ts";
 * const b = encodeV4Response({ status: 200, headers: { "Content-Type": "application/json" }, body: new TextEncoder().encode('{"id": 123}') });
 * if (new TextDecoder().decode(b) !== 'l58:{"code":200,"headers":{"content-type":"application/json"}}11:{"id": 123}e') throw new Error("bad");
 * ```
 */
export function encodeV4Response(res: ServerResponse): Uint8Array {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers ?? {})) {
    const name = k.toLowerCase();
    if (name !== "content-length") headers[name] = v;
  }
  return bencode([utf8(JSON.stringify({ code: res.status, headers })), res.body]);
}

/**
 * Decode a v4 response (client side).
 *
 * @param bytes the decrypted bencoded list
 * @returns status, headers and body
 * @throws {ProtocolError} `BENCODE_INVALID`
 * @example
 * ```ts
 * import { decodeV4Response, encodeV4Response } from "./v4.ts";
 * const r = decodeV4Response(encodeV4Response({ status: 404, headers: {}, body: new Uint8Array() }));
 * if (r.status !== 404) throw new Error("bad");
 * ```
 */
export function decodeV4Response(bytes: Uint8Array): ServerResponse {
  const parts = decodeParts(bytes, 1, 2);
  const meta = parseMeta(parts[0]);
  if (typeof meta.code !== "number" || !Number.isInteger(meta.code)) throw invalid("meta.code is not an integer");
  return { status: meta.code, headers: stringRecord(meta.headers, true), body: parts[1] ?? new Uint8Array(0) };
}

/**
 * Encode a v3 request: JSON `{"endpoint","method","headers","body"}` (onion-requests.md §7).
 *
 * @param req method, endpoint, headers; the body must be UTF-8 text in v3
 * @returns the JSON bytes
 * @throws {TypeError} for a malformed request or a body that is not UTF-8
 * @example
 * ```ts
 * import { encodeV3Request } from "./v4.ts";
 * const j = JSON.parse(new TextDecoder().decode(encodeV3Request({ method: "GET", endpoint: "/x" })));
 * if (j.endpoint !== "/x") throw new Error("bad");
 * ```
 */
export function encodeV3Request(req: ServerRequest): Uint8Array {
  checkRequest(req, "encode v3 request");
  const out: Record<string, unknown> = { endpoint: req.endpoint, method: req.method, headers: req.headers ?? {} };
  if (req.body !== undefined) out.body = fromUtf8(req.body);
  return utf8(JSON.stringify(out));
}
