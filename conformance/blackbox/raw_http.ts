/**
 * The raw transport of the black-box checker (private to http.ts's `BlackBoxHttp.raw`): one
 * HTTP/1.1 exchange on a fresh socket for requests `fetch` cannot send (a chosen, duplicated or
 * lying `Content-Length`, a body cut short). The answer is read by `Content-Length`, chunked, or
 * until the node closes, within one deadline; nothing the node sends makes it throw.
 *
 * @module
 */

import type { HttpResult } from "./http.ts";

/** A raw request. */
export interface RawRequest {
  /** Request line and headers, ending in an empty line. */
  head: string;
  /** Bytes sent after the head. */
  body: Uint8Array;
  /** Shut the sending side after the body. */
  halfClose: boolean;
}

/** Bounds of one exchange. */
export interface RawLimits {
  /** The whole exchange, connect to last byte, ms. */
  timeoutMs: number;
  /** Largest body read, bytes. */
  maxResponseBytes: number;
}

/** A parsed response head. */
interface Head {
  status: number;
  headers: Headers;
}

/** What reading one answer needs. */
interface ReadOptions {
  bounded: <T>(p: Promise<T>) => Promise<T | "timeout">;
  timedOut: () => boolean;
  limits: RawLimits;
}

/** Bound on a response head. */
const MAX_HEAD_BYTES = 64 * 1024;

const encoder = new TextEncoder();
const lossy = new TextDecoder("utf-8", { fatal: false });

/**
 * The error's name and message, one line, for a `NoAnswer`.
 *
 * @param err what was thrown
 * @returns the line
 */
export function errorLine(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
    return `${err.name}: ${err.message}${cause}`.replaceAll(/\s+/g, " ").slice(0, 200);
  }
  return String(err).slice(0, 200);
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

/** Index of `\r\n\r\n` in `bytes`, or -1. */
function headEnd(bytes: Uint8Array, from = 0): number {
  for (let i = Math.max(0, from); i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) return i;
  }
  return -1;
}

/** Parse `HTTP/1.x NNN reason` and the header lines; undefined when it is not an HTTP head. */
function parseHead(text: string): Head | undefined {
  const lines = text.split("\r\n");
  const m = /^HTTP\/1\.[01] ([1-5][0-9]{2})(?: .*)?$/.exec(lines[0]);
  if (m === null) return undefined;
  const headers = new Headers();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) return undefined;
    try {
      headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    } catch {
      return undefined;
    }
  }
  return { status: Number(m[1]), headers };
}

/**
 * Decode a complete chunked body; undefined while incomplete or malformed.
 *
 * @param bytes the bytes after the head
 * @returns the body, or undefined
 */
function dechunk(bytes: Uint8Array): Uint8Array | undefined {
  const parts: Uint8Array[] = [];
  let total = 0;
  let at = 0;
  for (;;) {
    let eol = -1;
    for (let i = at; i + 1 < bytes.length; i++) {
      if (bytes[i] === 13 && bytes[i + 1] === 10) {
        eol = i;
        break;
      }
    }
    if (eol < 0) return undefined;
    const size = parseInt(lossy.decode(bytes.subarray(at, eol)).split(";")[0].trim(), 16);
    if (!Number.isSafeInteger(size) || size < 0) return undefined;
    at = eol + 2;
    if (size === 0) return concatParts(parts, total);
    if (at + size + 2 > bytes.length) return undefined;
    parts.push(bytes.subarray(at, at + size));
    total += size;
    at += size + 2;
  }
}

/** Write all of `bytes` (a socket write may take only part). */
async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}

/**
 * One exchange; see the module documentation.
 *
 * @param origin the target (`http:` or `https:`)
 * @param options head, body, whether to half-close, and the time and size bounds
 * @returns the answer, or why there is none
 */
export async function rawExchange(origin: URL, options: RawRequest & RawLimits): Promise<HttpResult> {
  const { head, body, halfClose } = options;
  const limits: RawLimits = options;
  const hostname = origin.hostname.replace(/^\[(.*)\]$/, "$1");
  const secure = origin.protocol === "https:";
  const port = Number(origin.port || (secure ? 443 : 80));
  let conn: Deno.Conn | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => {
      timedOut = true;
      resolve("timeout");
    }, limits.timeoutMs);
  });
  const bounded = <T>(p: Promise<T>): Promise<T | "timeout"> => Promise.race([p, deadline]);
  try {
    const connecting: Promise<Deno.Conn> = secure
      ? Deno.connectTls({ hostname, port })
      : Deno.connect({ hostname, port });
    const opened = await bounded(connecting);
    if (opened === "timeout") {
      connecting.then((c) => c.close(), () => {});
      return { kind: "no_answer", reason: `timed out after ${limits.timeoutMs} ms` };
    }
    conn = opened;
    const c = conn;
    const sending = (async () => {
      await writeAll(c, encoder.encode(head));
      await writeAll(c, body);
      if (halfClose) await c.closeWrite();
    })();
    // A node may answer (and close) before taking the whole request: a failed write is not the result.
    sending.catch(() => {});
    return await readAnswer(c, { bounded, timedOut: () => timedOut, limits });
  } catch (err) {
    return { kind: "no_answer", reason: errorLine(err) };
  } finally {
    clearTimeout(timer);
    try {
      conn?.close();
    } catch {
      // already closed
    }
  }
}

/** Read one answer (see the module documentation). */
async function readAnswer(conn: Deno.Conn, options: ReadOptions): Promise<HttpResult> {
  const { bounded, timedOut, limits } = options;
  let got = new Uint8Array(0);
  const buf = new Uint8Array(64 * 1024);
  let head: Head | undefined;
  let bodyAt = 0;
  for (;;) {
    if (head === undefined) {
      const end = headEnd(got);
      if (end >= 0) {
        head = parseHead(lossy.decode(got.subarray(0, end)));
        if (head === undefined) return { kind: "no_answer", reason: "answer is not HTTP/1.x" };
        bodyAt = end + 4;
      } else if (got.length > MAX_HEAD_BYTES) {
        return { kind: "no_answer", reason: "answer head over 64 KiB" };
      }
    }
    if (head !== undefined) {
      const rest = got.subarray(bodyAt);
      const length = head.headers.get("content-length");
      if (length !== null) {
        const n = Number(length);
        if (!/^[0-9]+$/.test(length) || n > limits.maxResponseBytes) {
          return { kind: "no_answer", reason: `answer Content-Length ${JSON.stringify(length)} not readable` };
        }
        if (rest.length >= n) return { kind: "answer", ...head, body: rest.slice(0, n) };
      } else if (/chunked/i.test(head.headers.get("transfer-encoding") ?? "")) {
        const body = dechunk(rest);
        if (body !== undefined) return { kind: "answer", ...head, body };
      } else if (head.status === 204 || head.status === 304 || (head.status >= 100 && head.status < 200)) {
        return { kind: "answer", ...head, body: new Uint8Array(0) };
      }
      if (rest.length > limits.maxResponseBytes) {
        return { kind: "no_answer", reason: `response body over ${limits.maxResponseBytes} bytes` };
      }
    }
    const n = await bounded(conn.read(buf).catch(() => null));
    if (n === "timeout" || timedOut()) {
      return { kind: "no_answer", reason: `timed out after ${limits.timeoutMs} ms` };
    }
    if (n === null) {
      // Closed: an answer without length or chunking ends here; anything else is cut short.
      if (
        head !== undefined && head.headers.get("content-length") === null && !head.headers.has("transfer-encoding")
      ) {
        return { kind: "answer", ...head, body: got.slice(bodyAt) };
      }
      return {
        kind: "no_answer",
        reason: got.length === 0 ? "connection closed without an answer" : "connection closed mid-answer",
      };
    }
    const next = new Uint8Array(got.length + n);
    next.set(got);
    next.set(buf.subarray(0, n), got.length);
    got = next;
  }
}
