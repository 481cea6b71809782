/**
 * Test-only: a TCP proxy on 127.0.0.1 that makes a real gateway misbehave in one chosen way while
 * passing everything else through byte for byte (so raw, malformed and streamed requests reach the
 * gateway unchanged):
 *
 * - `rewrite`: each complete upstream answer (with `Content-Length`) may be replaced;
 * - `route`: the first request of each connection, when it arrives complete with a
 *   `Content-Length` body, chooses the upstream for the whole connection (the black-box client
 *   opens one connection per request).
 *
 * And two broken "nodes": one that closes every connection at once, one that answers garbage.
 * Everything opened is closed by `close()`.
 *
 * @module
 */

import { LOOPBACK } from "../../../gateway/_testing/processes.ts";

/** An upstream answer as the rewriter sees it. */
export interface ProxiedAnswer {
  /** Status from the status line. */
  status: number;
  /** The head, status line to the empty line (exclusive). */
  head: string;
  /** The body. */
  body: Uint8Array;
}

/** Options of {@link startProxy}. */
export interface ProxyOptions {
  /** Default upstream port on 127.0.0.1. */
  upstream: number;
  /** The upstream for a connection, from its first request's body (undefined: not read in full). */
  route?: (body: Uint8Array | undefined) => number;
  /** Replace an answer: return the new bytes (head and body), or undefined to keep it. */
  rewrite?: (answer: ProxiedAnswer) => Uint8Array | undefined;
}

/** A running proxy or fake node. */
export interface TestServer {
  /** Its origin. */
  url: string;
  /** Stop listening and close every connection. */
  close(): Promise<void>;
}

const enc = new TextEncoder();
const latin1 = new TextDecoder("latin1");
/** Longest first request the router reads before deciding, bytes. */
const MAX_ROUTED_REQUEST = 4 * 1024 * 1024;
/** Longest wait for a complete first request, ms. */
const ROUTE_WAIT_MS = 2_000;

function headEnd(b: Uint8Array): number {
  for (let i = 0; i + 3 < b.length; i++) {
    if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) return i;
  }
  return -1;
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(bytes.subarray(at));
}

/** `Content-Length` of a head when it has exactly one plain one and no Transfer-Encoding. */
function contentLength(head: string): number | undefined {
  const lengths = [...head.matchAll(/\r\ncontent-length:[ \t]*([^\r\n]*)/gi)].map((m) => m[1].trim());
  if (lengths.length !== 1 || !/^[0-9]{1,9}$/.test(lengths[0]) || /\r\ntransfer-encoding:/i.test(head)) {
    return undefined;
  }
  return Number(lengths[0]);
}

/** Read the first request of a connection: what arrived, whether the client ended, and its body if complete. */
async function readFirstRequest(
  conn: Deno.Conn,
): Promise<{ bytes: Uint8Array; ended: boolean; body: Uint8Array | undefined }> {
  let bytes: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  const buf = new Uint8Array(64 * 1024);
  const deadline = Date.now() + ROUTE_WAIT_MS;
  for (;;) {
    const end = headEnd(bytes);
    if (end >= 0) {
      const n = contentLength(latin1.decode(bytes.subarray(0, end + 2)));
      if (n === undefined || n > MAX_ROUTED_REQUEST) return { bytes, ended: false, body: undefined };
      if (bytes.length >= end + 4 + n) return { bytes, ended: false, body: bytes.slice(end + 4, end + 4 + n) };
    }
    const left = deadline - Date.now();
    if (left <= 0 || bytes.length > MAX_ROUTED_REQUEST) return { bytes, ended: false, body: undefined };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const n = await Promise.race([
      conn.read(buf).catch(() => null),
      new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), left))),
    ]);
    clearTimeout(timer);
    if (n === "late") return { bytes, ended: false, body: undefined };
    if (n === null) return { bytes, ended: true, body: undefined };
    bytes = join(bytes, buf.subarray(0, n));
  }
}

/** Copy `from` to `to` until `from` ends, then shut `to`'s sending side. */
async function pipe(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const n = await from.read(buf);
      if (n === null) break;
      await writeAll(to, buf.subarray(0, n));
    }
    await to.closeWrite();
  } catch {
    // either side closed
  }
}

/** Copy answers from `from` to `to`, each complete one through `rewrite`; raw after the first unparseable one. */
async function pipeAnswers(
  from: Deno.Conn,
  to: Deno.Conn,
  rewrite: (answer: ProxiedAnswer) => Uint8Array | undefined,
): Promise<void> {
  let pending: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  const buf = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const end = headEnd(pending);
      if (end >= 0) {
        const head = latin1.decode(pending.subarray(0, end));
        const n = contentLength(head + "\r\n");
        if (n === undefined) {
          // Not parseable here (chunked, until close): pass the rest through unchanged.
          await writeAll(to, pending);
          await pipe(from, to);
          return;
        }
        if (pending.length >= end + 4 + n) {
          const body = pending.slice(end + 4, end + 4 + n);
          const status = Number(head.slice(9, 12));
          await writeAll(to, rewrite({ status, head, body }) ?? pending.subarray(0, end + 4 + n));
          pending = pending.slice(end + 4 + n);
          continue;
        }
      }
      const n = await from.read(buf);
      if (n === null) break;
      pending = join(pending, buf.subarray(0, n));
    }
    if (pending.length > 0) await writeAll(to, pending);
    await to.closeWrite();
  } catch {
    // either side closed
  }
}

/** Serve connections with `handle` until closed; close() waits for every handler. */
function serve(
  handle: (conn: Deno.Conn, open: Set<Deno.Conn>, closing: Promise<void>) => Promise<void>,
): TestServer {
  const listener = Deno.listen({ hostname: LOOPBACK, port: 0 });
  const open = new Set<Deno.Conn>();
  let closed = () => {};
  const closing = new Promise<void>((resolve) => (closed = resolve));
  const handlers = new Set<Promise<void>>();
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        open.add(conn);
        const h = handle(conn, open, closing).catch(() => {}).finally(() => {
          try {
            conn.close();
          } catch {
            // already closed
          }
          open.delete(conn);
          handlers.delete(h);
        });
        handlers.add(h);
      }
    } catch {
      // listener closed
    }
  })();
  return {
    url: `http://${LOOPBACK}:${(listener.addr as Deno.NetAddr).port}`,
    async close() {
      closed();
      listener.close();
      for (const c of open) {
        try {
          c.close();
        } catch {
          // already closed
        }
      }
      await accepting;
      await Promise.all([...handlers]);
    },
  };
}

/**
 * Start a proxy in front of a gateway; see the module documentation.
 *
 * @param options upstream, router, rewriter
 * @returns the proxy
 */
export function startProxy(options: ProxyOptions): TestServer {
  return serve(async (client, open) => {
    let first: { bytes: Uint8Array; ended: boolean; body: Uint8Array | undefined } = {
      bytes: new Uint8Array(0),
      ended: false,
      body: undefined,
    };
    if (options.route !== undefined) first = await readFirstRequest(client);
    const port = options.route?.(first.body) ?? options.upstream;
    const upstream = await Deno.connect({ hostname: LOOPBACK, port });
    open.add(upstream);
    try {
      await writeAll(upstream, first.bytes);
      const up = first.ended ? upstream.closeWrite() : pipe(client, upstream);
      const down = options.rewrite === undefined
        ? pipe(upstream, client)
        : pipeAnswers(upstream, client, options.rewrite);
      await Promise.all([up, down]);
    } finally {
      open.delete(upstream);
      try {
        upstream.close();
      } catch {
        // already closed
      }
    }
  });
}

/**
 * A "node" that accepts connections and closes them at once.
 *
 * @returns the server
 */
export function startClosingNode(): TestServer {
  return serve(async (conn) => {
    conn.close();
    await Promise.resolve();
  });
}

/**
 * A "node" that answers every connection with a line of garbage and closes it.
 *
 * @returns the server
 */
export function startGarbageNode(): TestServer {
  return serve(async (conn) => {
    await writeAll(conn, enc.encode("SSH-2.0-notHTTP\r\n\r\ngarbage"));
  });
}

/**
 * A "node" that accepts connections and never answers nor closes them (until `close()`).
 *
 * @returns the server
 */
export function startSilentNode(): TestServer {
  return serve(async (conn, _open, closing) => {
    const buf = new Uint8Array(64 * 1024);
    while ((await conn.read(buf).catch(() => null)) !== null) {
      // swallow
    }
    await closing; // the client's end of sending is no reason to answer or close
  });
}

/**
 * A rewriter turning the plain 400 `Invalid ciphertext` into a 500 with the same body.
 *
 * @param answer an upstream answer
 * @returns the rewritten answer, or undefined to keep it
 */
export function invalidCiphertextAs500(answer: ProxiedAnswer): Uint8Array | undefined {
  if (answer.status !== 400 || new TextDecoder().decode(answer.body) !== "Invalid ciphertext") return undefined;
  const head = answer.head.replace(/^HTTP\/1\.1 400 [^\r\n]*/, "HTTP/1.1 500 Internal Server Error");
  return join(enc.encode(`${head}\r\n\r\n`), answer.body);
}
