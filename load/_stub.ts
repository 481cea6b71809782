/**
 * The next hop of the load harness: a minimal `Deno.serve` on 127.0.0.1 that reads the request
 * and answers 200 at once, so that what the load run measures is the entry gateway's own cost
 * (parse, limits, replay cache, X25519 + decrypt, forward over HTTP) and not a real second hop.
 * It appears in the entry's directory under random keys; it never decrypts anything.
 *
 * @module
 */

import { toHex } from "../mod.ts";
import { LOOPBACK } from "../gateway/_testing/processes.ts";

/** A running stub. */
export interface NextHopStub {
  /** Its origin, `http://127.0.0.1:<port>` (the directory's `http`). */
  http: string;
  /** Directory identity (random Ed25519-shaped key, 64 hex digits). */
  ed25519: string;
  /** Directory X25519 key (random, never used: 64 hex digits). */
  x25519: string;
  /** Requests answered so far. */
  requests(): number;
  /** Stop serving. */
  shutdown(): Promise<void>;
}

const ANSWER = new TextEncoder().encode("ok");

/**
 * Start the stub on a free 127.0.0.1 port.
 *
 * @returns the running stub
 */
export function startNextHopStub(): NextHopStub {
  let count = 0;
  const server = Deno.serve({ hostname: LOOPBACK, port: 0, onListen: () => {} }, async (req) => {
    await req.arrayBuffer();
    count++;
    return new Response(ANSWER, { status: 200, headers: { "content-type": "application/octet-stream" } });
  });
  const random = () => toHex(crypto.getRandomValues(new Uint8Array(32)));
  return {
    http: `http://${LOOPBACK}:${server.addr.port}`,
    ed25519: random(),
    x25519: random(),
    requests: () => count,
    shutdown: () => server.shutdown(),
  };
}
