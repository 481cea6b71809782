/**
 * The next hops of the load harness, all on 127.0.0.1 and listed in the entry's directory under
 * random keys (none of them ever decrypts anything):
 *
 * - {@link startNextHopStub}: a live hop, a minimal `Deno.serve` that reads the request and
 *   answers 200 at once, so that what the load run measures is the entry gateway's own cost
 *   (parse, limits, replay cache, X25519 + decrypt, forward over HTTP) and not a real second hop;
 * - {@link refusedHop}: a down hop whose port is closed (the connection is refused at once);
 * - {@link startSilentHop}: a down hop that accepts the connection, reads what comes and never
 *   answers (the forwarder's timeout has to end the wait).
 *
 * @module
 */

import { toHex } from "../mod.ts";
import { freePort, LOOPBACK } from "../gateway/_testing/processes.ts";

/** A next hop as the directory lists it. */
export interface HopAddress {
  /** Its origin, `http://127.0.0.1:<port>` (the directory's `http`). */
  http: string;
  /** Directory identity (random Ed25519-shaped key, 64 hex digits). */
  ed25519: string;
  /** Directory X25519 key (random, never used: 64 hex digits). */
  x25519: string;
}

const randomKey = () => toHex(crypto.getRandomValues(new Uint8Array(32)));

/** A running stub. */
export interface NextHopStub extends HopAddress {
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
  return {
    http: `http://${LOOPBACK}:${server.addr.port}`,
    ed25519: randomKey(),
    x25519: randomKey(),
    requests: () => count,
    shutdown: () => server.shutdown(),
  };
}

/** Tries to find a port that refuses connections before giving up. */
const REFUSED_PORT_ATTEMPTS = 10;

/**
 * A down next hop whose port is closed: a free port, checked to refuse a connection. Another
 * process could bind it later (a tiny window); the forwards would then not be refused, which the
 * load report shows as answers other than 502.
 *
 * @returns its directory entry
 * @throws {Error} when no refusing port was found
 */
export async function refusedHop(): Promise<HopAddress> {
  for (let i = 0; i < REFUSED_PORT_ATTEMPTS; i++) {
    const port = freePort();
    try {
      const conn = await Deno.connect({ hostname: LOOPBACK, port });
      conn.close();
    } catch (err) {
      if (err instanceof Deno.errors.ConnectionRefused) {
        return { http: `http://${LOOPBACK}:${port}`, ed25519: randomKey(), x25519: randomKey() };
      }
      throw err;
    }
  }
  throw new Error(`Cannot find a refusing port after ${REFUSED_PORT_ATTEMPTS} attempts`);
}

/** A running silent hop. */
export interface SilentHop extends HopAddress {
  /** Connections accepted so far. */
  accepted(): number;
  /** Connections open now (held without an answer). */
  open(): number;
  /** Connections closed at once because {@link startSilentHop}'s cap was reached. */
  turnedAway(): number;
  /** Stop listening and close every held connection. */
  shutdown(): Promise<void>;
}

/** Connections a silent hop holds at most (the forwarder's per-hop cap keeps it far below). */
const SILENT_MAX_CONNECTIONS = 4096;
/** Read buffer of a silent hop's connection, bytes. */
const SILENT_READ_BYTES = 16 * 1024;

/**
 * Start a down next hop that accepts connections and never answers: it reads (and discards)
 * whatever arrives until the peer closes, so a forward to it ends only at the forwarder's
 * timeout. At most `maxConnections` are held; beyond that new ones are closed at once.
 *
 * @param maxConnections bound on held connections (default 4096)
 * @returns the running hop; call {@link SilentHop.shutdown} in a `finally`
 */
export function startSilentHop(maxConnections: number = SILENT_MAX_CONNECTIONS): SilentHop {
  const listener = Deno.listen({ hostname: LOOPBACK, port: 0 });
  const held = new Set<Deno.Conn>();
  let accepted = 0;
  let turnedAway = 0;
  const close = (conn: Deno.Conn) => {
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  };
  const hold = async (conn: Deno.Conn) => {
    const buf = new Uint8Array(SILENT_READ_BYTES);
    try {
      while ((await conn.read(buf)) !== null) {
        // Discard: the hop never answers.
      }
    } catch {
      // Reset by the peer, or closed by shutdown().
    } finally {
      held.delete(conn);
      close(conn);
    }
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        accepted++;
        if (held.size >= maxConnections) {
          turnedAway++;
          close(conn);
          continue;
        }
        held.add(conn);
        hold(conn);
      }
    } catch {
      // The listener was closed.
    }
  })();
  return {
    http: `http://${LOOPBACK}:${(listener.addr as Deno.NetAddr).port}`,
    ed25519: randomKey(),
    x25519: randomKey(),
    accepted: () => accepted,
    open: () => held.size,
    turnedAway: () => turnedAway,
    shutdown: async () => {
      try {
        listener.close();
      } catch {
        // Already closed.
      }
      for (const conn of held) close(conn);
      held.clear();
      await accepting;
    },
  };
}
