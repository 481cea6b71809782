/**
 * Test-only helpers for the relay tests: a loopback HTTP(S) stub whose TCP connections are counted
 * by a pass-through front (so "zero outbound connections" is measured at the socket, not at the
 * HTTP layer), and a self-signed certificate for `relay.test` (EC P-256, valid until 2126) to check
 * SNI and certificate names against a vetted IP. Never imported by non-test code.
 *
 * @module
 */

/** A self-signed certificate for the DNS name `relay.test` (test trust anchor). */
export const RELAY_TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBmDCCAT6gAwIBAgIUYbqwLTDITb4e/kc0tt1Go5lKwCEwCgYIKoZIzj0EAwIw
FTETMBEGA1UEAwwKcmVsYXkudGVzdDAgFw0yNjExMjcwODU2MzRaGA8yMTI2MTEw
MzA4NTYzNFowFTETMBEGA1UEAwwKcmVsYXkudGVzdDBZMBMGByqGSM49AgEGCCqG
SM49AwEHA0IABOb3foxp0IhAhQ8L/KRlIOy5+BQPl1+i8vLzEwodQz3edgblFu7h
Jn/W5mvBG38dbMrtnQff12IO3ITt39TUAa2jajBoMB0GA1UdDgQWBBTu36zCVn8T
+tdWMezasrKdFH/ygjAfBgNVHSMEGDAWgBTu36zCVn8T+tdWMezasrKdFH/ygjAP
BgNVHRMBAf8EBTADAQH/MBUGA1UdEQQOMAyCCnJlbGF5LnRlc3QwCgYIKoZIzj0E
AwIDSAAwRQIhAMtQiZqy0WFeDh7R20TV3GQ7ODiU9tYkN4nnBRHaElgXAiAhCn7L
z5MVDFdgNVzn7n0jmJA0onIDsd1EkZr3dGFzYQ==
-----END CERTIFICATE-----`;

/** The private key of {@link RELAY_TEST_CERT}. */
export const RELAY_TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgtiyY1sHraRBm1wIG
mJR96VwygGWpTNe1GFhZ3aljcoGhRANCAATm936MadCIQIUPC/ykZSDsufgUD5df
ovLy8xMKHUM93nYG5Rbu4SZ/1uZrwRt/HWzK7Z0H39diDtyE7d/U1AGt
-----END PRIVATE KEY-----`;

/** One request the stub received. */
export interface StubRequest {
  /** Method. */
  method: string;
  /** Full URL as the server saw it (its host part comes from the `Host` header). */
  url: string;
  /** Request headers. */
  headers: Headers;
  /** Request body. */
  body: Uint8Array;
}

/** A running stub. */
export interface LoopbackStub {
  /** Port of the counting front on 127.0.0.1: point clients here. */
  port: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Requests the HTTP server received, in order. */
  requests: StubRequest[];
  /** Resolves when {@link LoopbackStub.close} starts: a handler that holds a request awaits it. */
  closing: Promise<void>;
  /** Stop accepting, drop open connections, stop the server; idempotent. */
  close(): Promise<void>;
}

/**
 * Start `Deno.serve(handler)` on 127.0.0.1 (port 0, HTTPS with the `relay.test` certificate when
 * `tls`) behind a TCP front that counts and pipes every connection.
 *
 * @param handler the stub's answers
 * @param options `tls: true` for HTTPS
 * @returns the stub
 */
export function loopbackStub(
  handler: (req: Request, stub: LoopbackStub) => Response | Promise<Response>,
  options: { tls?: boolean } = {},
): LoopbackStub {
  const tls = options.tls ? { cert: RELAY_TEST_CERT, key: RELAY_TEST_KEY } : {};
  const requests: StubRequest[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {}, ...tls }, async (req) => {
    const body = new Uint8Array(await req.arrayBuffer());
    requests.push({ method: req.method, url: req.url, headers: req.headers, body });
    // A fresh copy for the handler, which may read the body too (no clone: it would touch `signal`).
    const noBody = req.method === "GET" || req.method === "HEAD";
    const copy = new Request(req.url, { method: req.method, headers: req.headers, body: noBody ? null : body });
    return await handler(copy, stub);
  });
  const upstream = server.addr.port;
  const front = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.TcpConn>();
  const pipes: Promise<void>[] = [];
  let connections = 0;
  let startClosing = () => {};
  const closing = new Promise<void>((r) => (startClosing = r));

  const closeQuietly = (c: Deno.TcpConn) => {
    open.delete(c);
    try {
      c.close();
    } catch { /* already closed by its streams */ }
  };
  const pipe = async (conn: Deno.TcpConn) => {
    let up: Deno.TcpConn | undefined;
    try {
      up = await Deno.connect({ hostname: "127.0.0.1", port: upstream });
      open.add(up);
      await Promise.allSettled([conn.readable.pipeTo(up.writable), up.readable.pipeTo(conn.writable)]);
    } catch {
      /* upstream gone */
    } finally {
      closeQuietly(conn);
      if (up !== undefined) closeQuietly(up);
    }
  };
  const accepting = (async () => {
    for await (const conn of front) {
      connections++;
      open.add(conn);
      pipes.push(pipe(conn));
    }
  })().catch(() => {});

  let closed: Promise<void> | undefined;
  const stub: LoopbackStub = {
    port: front.addr.port,
    get connections() {
      return connections;
    },
    requests,
    closing,
    close() {
      closed ??= (async () => {
        startClosing();
        front.close();
        await accepting;
        for (const c of [...open]) closeQuietly(c);
        await Promise.all(pipes);
        await server.shutdown();
      })();
      return closed;
    },
  };
  return stub;
}
