/**
 * Forwarding a recursive request to the other members of the swarm over OxenMQ `sn.storage_cc`
 * (swarms-and-storage.md §4.3) and what comes back, as the reference formats it
 * (`oxenss/server/omq.cpp` `handle_client_request`): on success one frame, the per-node result
 * (bencoded, since forwarded params are bencoded); on failure two frames, the status code as
 * decimal text and the body (plain text, or the bencoded JSON body of e.g. a 421). No reply within
 * the timeout, or no connection at all, is a timeout (OxenMQ reports both as `success = false`).
 *
 * `LoopbackPeers` routes forwards to other in-process handler instances, for tests.
 *
 * @module
 */

import { utf8 } from "../../protocol/bytes.ts";
import type { SwarmNode } from "./swarm_view.ts";

/** HTTP status of a successful storage request (sent as a single frame). */
const STATUS_OK = 200;

/** What a forward produced. */
export type PeerReply =
  /** The frames the peer answered with: `[body]` on 200, `[status text, body]` otherwise. */
  | { readonly kind: "reply"; readonly parts: readonly Uint8Array[] }
  /** No answer in time, or the peer could not be reached. */
  | { readonly kind: "timeout" };

/** Sends `sn.storage_cc` requests to swarm peers. */
export interface SwarmPeers {
  /**
   * Forward one request and wait for its reply.
   *
   * @param peer the swarm member
   * @param method the method name (first frame)
   * @param params the bencoded params dict (second frame, §4.3)
   * @param options `timeoutMs`: give up and report a timeout after this long
   * @returns the reply or a timeout; never rejects
   */
  forward(peer: SwarmNode, method: string, params: Uint8Array, options: { timeoutMs: number }): Promise<PeerReply>;
}

/** The receiving side of `sn.storage_cc`: method and params in, status and body out. */
export type ForwardedHandler = (method: string, params: Uint8Array) => Promise<{ status: number; body: Uint8Array }>;

/**
 * The frames a node answers a forwarded request with: `[body]` for 200, else `[status, body]`.
 *
 * @param status HTTP status of the handler's answer
 * @param body its body bytes
 * @returns the reply frames
 * @example
 * ```ts
 * import { replyFrames } from "./peers.ts";
 * const f = replyFrames(401, new TextEncoder().encode("no"));
 * if (f.length !== 2 || new TextDecoder().decode(f[0]) !== "401") throw new Error("bad");
 * ```
 */
export function replyFrames(status: number, body: Uint8Array): Uint8Array[] {
  return status === STATUS_OK ? [body] : [utf8(String(status)), body];
}

/** One forward seen by {@link LoopbackPeers}. */
export interface LoopbackCall {
  /** Ed25519 key of the peer. */
  readonly peer: string;
  /** Method name. */
  readonly method: string;
  /** Params bytes. */
  readonly params: Uint8Array;
}

/**
 * In-process peers: each registered Ed25519 key answers with a {@link ForwardedHandler}; an
 * unregistered key is unreachable (immediate timeout); a handler slower than `timeoutMs` times out.
 *
 * @example
 * ```ts
 * import { LoopbackPeers } from "./peers.ts";
 * const peers = new LoopbackPeers();
 * peers.register("aa", () => Promise.resolve({ status: 200, body: new TextEncoder().encode("de") }));
 * const node = { ed25519: "aa", x25519: "", legacy: "", ip: "", httpsPort: 0, omqPort: 0 };
 * const r = await peers.forward(node, "store", new Uint8Array(0), { timeoutMs: 100 });
 * if (r.kind !== "reply" || r.parts.length !== 1) throw new Error("bad");
 * const gone = await peers.forward({ ...node, ed25519: "bb" }, "store", new Uint8Array(0), { timeoutMs: 100 });
 * if (gone.kind !== "timeout") throw new Error("bad");
 * ```
 */
export class LoopbackPeers implements SwarmPeers {
  #handlers = new Map<string, ForwardedHandler>();
  #calls: LoopbackCall[] = [];

  /**
   * Route forwards for a key to a handler (replacing any earlier one).
   *
   * @param ed25519 the peer's Ed25519 key (hex)
   * @param handler its `sn.storage_cc` handler
   * @example
   * ```ts
   * import { LoopbackPeers } from "./peers.ts";
   * const peers = new LoopbackPeers();
   * peers.register("aa", () => Promise.resolve({ status: 406, body: new Uint8Array(0) }));
   * ```
   */
  register(ed25519: string, handler: ForwardedHandler): void {
    this.#handlers.set(ed25519, handler);
  }

  /**
   * Make a key unreachable.
   *
   * @param ed25519 the peer's Ed25519 key (hex)
   * @example
   * ```ts
   * import { LoopbackPeers } from "./peers.ts";
   * const peers = new LoopbackPeers();
   * peers.unregister("aa");
   * ```
   */
  unregister(ed25519: string): void {
    this.#handlers.delete(ed25519);
  }

  /**
   * Every forward so far, in order.
   *
   * @returns the calls
   * @example
   * ```ts
   * import { LoopbackPeers } from "./peers.ts";
   * if (new LoopbackPeers().calls.length !== 0) throw new Error("bad");
   * ```
   */
  get calls(): readonly LoopbackCall[] {
    return this.#calls;
  }

  /**
   * Forward to the registered handler; see {@link SwarmPeers.forward}.
   *
   * @param peer the swarm member
   * @param method method name
   * @param params bencoded params
   * @param options timeout
   * @returns the reply frames or a timeout
   * @example See the class example.
   * ```ts
   * import { LoopbackPeers } from "./peers.ts";
   * const node = { ed25519: "zz", x25519: "", legacy: "", ip: "", httpsPort: 0, omqPort: 0 };
   * const r = await new LoopbackPeers().forward(node, "store", new Uint8Array(0), { timeoutMs: 10 });
   * if (r.kind !== "timeout") throw new Error("bad");
   * ```
   */
  async forward(
    peer: SwarmNode,
    method: string,
    params: Uint8Array,
    options: { timeoutMs: number },
  ): Promise<PeerReply> {
    this.#calls.push({ peer: peer.ed25519, method, params });
    const handler = this.#handlers.get(peer.ed25519);
    if (!handler) return { kind: "timeout" };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<PeerReply>((resolve) => {
      timer = setTimeout(() => resolve({ kind: "timeout" }), options.timeoutMs);
    });
    const answer = (async (): Promise<PeerReply> => {
      try {
        const { status, body } = await handler(method, params);
        return { kind: "reply", parts: replyFrames(status, body) };
      } catch {
        return { kind: "timeout" }; // a handler that fails sends nothing back
      }
    })();
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
