/**
 * Raw HTTP/1.1 over `Deno.connect` for tests of server limits (hardening.md §5): slow bodies,
 * slowloris headers and connection counts, which `fetch` cannot produce. Every connection opened
 * here is closed before the function returns, and every loop is bounded in count and time.
 * Never imported by non-test code.
 *
 * @module
 */

const enc = new TextEncoder();
const dec = new TextDecoder();
/** Most reads while waiting for one answer. */
const MAX_READS = 10_000;

/** What a raw client saw. */
export interface RawAnswer {
  /** HTTP status, or 0 when no complete answer head arrived. */
  status: number;
  /** The body (by Content-Length; empty without one). */
  body: string;
  /** Whether the server closed (or reset) the connection. */
  closed: boolean;
  /** When the answer or the close arrived, ms after `started`. */
  ms: number;
}

/**
 * Read one answer from `conn`, or until the server closes it or the time runs out.
 *
 * @param conn the connection
 * @param started `performance.now()` to measure from
 * @param timeoutMs longest wait
 * @returns what arrived
 */
export async function readAnswer(conn: Deno.Conn, started: number, timeoutMs: number): Promise<RawAnswer> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const stop = new Promise<"timeout">((resolve) => timeout.addEventListener("abort", () => resolve("timeout")));
  let text = "";
  const buf = new Uint8Array(4096);
  for (let i = 0; i < MAX_READS; i++) {
    const n = await Promise.race([conn.read(buf).catch(() => null), stop]);
    if (n === "timeout") break;
    if (n === null) return seen(text, true, started);
    text += dec.decode(buf.subarray(0, n));
    if (parse(text).complete) return seen(text, false, started);
  }
  return seen(text, false, started);
}

/** The {@link RawAnswer} for the text received so far. */
function seen(text: string, closed: boolean, started: number): RawAnswer {
  const { status, body } = parse(text);
  return { status, body, closed, ms: performance.now() - started };
}

/** Status and body of the text received so far. */
function parse(text: string): { status: number; body: string; complete: boolean } {
  const end = text.indexOf("\r\n\r\n");
  if (end < 0 || !text.startsWith("HTTP/1.1 ")) return { status: 0, body: "", complete: false };
  const status = Number(text.slice(9, 12));
  const length = Number(/\r\ncontent-length: *([0-9]+)/i.exec(text.slice(0, end))?.[1] ?? "0");
  const body = text.slice(end + 4, end + 4 + length);
  return { status, body, complete: body.length >= length };
}

/**
 * `GET path` on a new connection with `Connection: close` (so it does not stay open and count
 * against the client's connections, as a pooled `fetch` connection would).
 *
 * @param port server port on 127.0.0.1
 * @param path the path
 * @param timeoutMs longest wait
 * @returns the answer
 */
export async function rawGet(port: number, path: string, timeoutMs: number): Promise<RawAnswer> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const started = performance.now();
    await conn.write(enc.encode(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    return await readAnswer(conn, started, timeoutMs);
  } finally {
    conn.close();
  }
}

/**
 * Send `head` at once, then `chunk` bytes (`fill`) every `everyMs` until the server answers or
 * closes, or `timeoutMs` pass.
 *
 * @param port server port on 127.0.0.1
 * @param head the first bytes (request line and headers, complete or not)
 * @param drip `{ chunk, everyMs, fill }`: what to send, how often, which byte value
 * @param timeoutMs longest wait
 * @returns the answer, timed from the first byte sent
 */
export async function dripRequest(
  port: number,
  head: string,
  drip: { chunk: number; everyMs: number; fill?: number },
  timeoutMs: number,
): Promise<RawAnswer> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const started = performance.now();
  let sending = true;
  try {
    await conn.write(enc.encode(head));
    const sender = (async () => {
      for (let i = 0; sending && i < timeoutMs / drip.everyMs; i++) {
        await new Promise((resolve) => setTimeout(resolve, drip.everyMs));
        if (!sending) break;
        await conn.write(new Uint8Array(drip.chunk).fill(drip.fill ?? 0x61)).catch(() => (sending = false));
      }
    })();
    const answer = await readAnswer(conn, started, timeoutMs);
    sending = false;
    await sender;
    return answer;
  } finally {
    sending = false;
    conn.close();
  }
}

/**
 * A POST to `/onion_req/v2` announcing a large body and sending it slowly.
 *
 * @param port server port on 127.0.0.1
 * @param chunk bytes per step
 * @param everyMs pause between steps
 * @param timeoutMs longest wait
 * @returns the answer
 */
export function slowBody(port: number, chunk: number, everyMs: number, timeoutMs: number): Promise<RawAnswer> {
  const head = "POST /onion_req/v2 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10000000\r\n\r\n";
  return dripRequest(port, head, { chunk, everyMs, fill: 0 }, timeoutMs);
}

/**
 * Slowloris: a request line and part of a header, then one more header byte every `everyMs`,
 * never finishing the headers.
 *
 * @param port server port on 127.0.0.1
 * @param everyMs pause between bytes
 * @param timeoutMs longest wait
 * @returns what the client saw when the server gave up on it (or when the time ran out)
 */
export function slowHeaders(port: number, everyMs: number, timeoutMs: number): Promise<RawAnswer> {
  return dripRequest(port, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", { chunk: 1, everyMs }, timeoutMs);
}
