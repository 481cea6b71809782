/**
 * Relaying a peeled onion to the next node over OxenMQ, as service nodes do (onion-requests.md
 * §5; oxenss `ServiceNode::send_onion_to_sn` and `RequestHandler::process_onion_req`): an
 * `sn.onion_request` request to the next node's `zmq` address, CurveZMQ-authenticated with its
 * X25519 key, carrying one part, the bencoded dict
 * `{data: blob, enc_type: "aes-gcm" | "xchacha20", ephemeral_key: 32 raw bytes, hop_no: ours + 1}`.
 *
 * The reply becomes this node's answer:
 *
 * | reply | answer |
 * | --- | --- |
 * | `[status, body, …]` | status parsed from part 0 (decimal; anything but 200–299 or 400–599 → 500), body = part 1 unchanged, `text/plain` |
 * | fewer than 2 parts | 500 `Invalid response from snode` |
 * | no reply in time, or an OxenMQ error reply (`FORBIDDEN_SN` …: the reference's `success == false`) | `ForwardError("timeout")`: 504 `Request time out` |
 * | refused, reset, handshake or ZAP failure, link down (hardening.md §3: next hop unreachable) | `ForwardError("unreachable")`: 502 |
 * | in-flight cap (checked before sending), or the link's own caps | `ForwardError("busy")`: 503 |
 *
 * A next node without a `zmq` address goes to the optional `fallback` forwarder (e.g. the
 * `HttpForwarder` for edge nodes), else it is unreachable. A layer that arrived with hop_no 15
 * would go out as 16, which every node refuses with 400 `onion request max path length exceeded`;
 * that answer is given here without sending.
 *
 * @module
 */

import { bencode, decodeLayer, isProtocolError, parseOuterTrailer, toHex, utf8 } from "../../mod.ts";
import type { NodeRecord } from "../directory.ts";
import { NEXT_HOP_FAILED, PATH_TOO_LONG } from "../responses.ts";
import { ZmqLinkError, type ZmqRequester } from "../zmq/zmq_link.ts";
import { type Forwarder, ForwardError, type ForwardResult } from "./forwarder.ts";

/** The OxenMQ command carrying onion layers between nodes. */
const COMMAND = "sn.onion_request";
/** Replies relayed from another node are plain text at this node (onion-requests.md §8). */
const TEXT_PLAIN = "text/plain; charset=utf-8";
const DECIMAL_RE = /^[0-9]{1,9}$/;

/** Options of {@link ZmqForwarder}; config names in parentheses. */
export interface ZmqForwarderOptions {
  /** The node's OxenMQ link (or anything sending OxenMQ requests). */
  link: ZmqRequester;
  /** Time for the reply, ms (`forwardTimeoutMs`, 20 s; the reference uses 30 s). */
  timeoutMs: number;
  /** Concurrent forwards overall (`forwardMaxInFlight`, 256). */
  maxInFlight: number;
  /** Concurrent forwards per next hop (`forwardMaxInFlightPerHop`, 32). */
  maxInFlightPerHop: number;
  /** Where next nodes without a `zmq` address go; default none (→ unreachable). */
  fallback?: Forwarder;
}

/**
 * The status of a reply's part 0: a decimal status a response may carry, else 500 (the
 * reference's `http::from_code`, restricted to what this node may answer with).
 *
 * @param part the part
 * @returns the status
 */
function replyStatus(part: Uint8Array): number {
  const text = new TextDecoder().decode(part);
  if (!DECIMAL_RE.test(text)) return 500;
  const status = Number(text);
  return (status >= 200 && status <= 299) || (status >= 400 && status <= 599) ? status : 500;
}

/**
 * The `sn.onion_request` part for a next node's request body `u32le N ‖ blob ‖ trailer`.
 *
 * @param body the body peeling produced (`PeelRelay.nextRequestBody`)
 * @returns the bencoded dict, or undefined when hop_no is beyond 15
 * @throws {TypeError} when `body` is not an onion request (a bug: peeling made it)
 */
function onionRequestPart(body: Uint8Array): Uint8Array | undefined {
  try {
    const { blob, json } = decodeLayer(body);
    const trailer = parseOuterTrailer(json);
    return bencode({
      data: blob,
      enc_type: utf8(trailer.encType),
      ephemeral_key: trailer.ephemeralKey,
      hop_no: trailer.hopNo,
    });
  } catch (cause) {
    if (isProtocolError(cause, "ONION_PATH_TOO_LONG")) return undefined;
    throw new TypeError("Cannot forward onion: body is not an onion request", { cause });
  }
}

/**
 * A {@link Forwarder} over OxenMQ (`sn.onion_request`).
 *
 * @example Through a fake link (no network)
 * ```ts
 * import { ZmqForwarder } from "./zmq_forwarder.ts";
 * import { bdecode, encodeLayer } from "../../mod.ts";
 * const sent: Uint8Array[][] = [];
 * const link = {
 *   request: (_peer: unknown, _command: string, parts: readonly Uint8Array[]) => {
 *     sent.push([...parts]);
 *     return Promise.resolve([new TextEncoder().encode("421"), new TextEncoder().encode("wrong swarm")]);
 *   },
 * };
 * const forwarder = new ZmqForwarder({ link, timeoutMs: 1000, maxInFlight: 8, maxInFlightPerHop: 2 });
 * const next = { ed25519: "ab".repeat(32), x25519: new Uint8Array(32).fill(1), http: "http://127.0.0.1:9", zmq: "tcp://127.0.0.1:9" };
 * const body = encodeLayer(new Uint8Array(40), `{"enc_type":"xchacha20","ephemeral_key":"${"09".repeat(32)}","hop_no":2}`);
 * const res = await forwarder.forward(next, body);
 * const dict = bdecode(sent[0][0]) as Record<string, unknown>;
 * if (res.status !== 421 || new TextDecoder().decode(res.body) !== "wrong swarm" || dict.hop_no !== 2) throw new Error("bad");
 * ```
 */
export class ZmqForwarder implements Forwarder {
  readonly #link: ZmqRequester;
  readonly #timeoutMs: number;
  readonly #maxInFlight: number;
  readonly #maxInFlightPerHop: number;
  readonly #fallback: Forwarder | undefined;
  readonly #perHop = new Map<string, number>();
  #inFlight = 0;

  /**
   * A forwarder with no request in flight.
   *
   * @param options the link, timeout, caps and an optional fallback
   * @throws {TypeError} without a link
   * @throws {RangeError} when a limit is not a positive integer
   */
  constructor(options: ZmqForwarderOptions) {
    if (typeof options?.link?.request !== "function") throw new TypeError("Cannot create forwarder: no link");
    for (const name of ["timeoutMs", "maxInFlight", "maxInFlightPerHop"] as const) {
      const v = options[name];
      if (!Number.isSafeInteger(v) || v < 1) {
        throw new RangeError(`Cannot create forwarder: ${name} ${String(v)} is not a positive integer`);
      }
    }
    this.#link = options.link;
    this.#timeoutMs = options.timeoutMs;
    this.#maxInFlight = options.maxInFlight;
    this.#maxInFlightPerHop = options.maxInFlightPerHop;
    this.#fallback = options.fallback;
  }

  /** Forwards currently in flight (the fallback's included). */
  get inFlight(): number {
    return this.#inFlight + (this.#fallback?.inFlight ?? 0);
  }

  /**
   * Send the layer in `body` to `next` as `sn.onion_request` (see {@link Forwarder.forward}).
   *
   * @param next the next node
   * @param body the request body peeling produced
   * @returns the next node's status and body
   * @throws {ForwardError} `busy`, `timeout` or `unreachable`
   */
  async forward(next: NodeRecord, body: Uint8Array): Promise<ForwardResult> {
    if (next.zmq === undefined) {
      if (this.#fallback !== undefined) return await this.#fallback.forward(next, body);
      throw new ForwardError("unreachable");
    }
    const hop = next.ed25519;
    const hopCount = this.#perHop.get(hop) ?? 0;
    if (this.#inFlight >= this.#maxInFlight || hopCount >= this.#maxInFlightPerHop) throw new ForwardError("busy");
    const part = onionRequestPart(body);
    if (part === undefined) return { status: 400, body: utf8(PATH_TOO_LONG), contentType: TEXT_PLAIN };
    this.#inFlight++;
    this.#perHop.set(hop, hopCount + 1);
    try {
      let parts: Uint8Array[];
      try {
        parts = await this.#link.request({ zmq: next.zmq, x25519: toHex(next.x25519) }, COMMAND, [part], {
          timeoutMs: this.#timeoutMs,
        });
      } catch (cause) {
        if (!(cause instanceof ZmqLinkError)) throw cause;
        switch (cause.failure) {
          case "timeout":
          case "refused":
            throw new ForwardError("timeout", { cause });
          case "overloaded":
            throw new ForwardError("busy", { cause });
          case "unreachable":
          case "link_down":
            throw new ForwardError("unreachable", { cause });
        }
      }
      if (parts.length < 2) return { status: 500, body: utf8(NEXT_HOP_FAILED), contentType: TEXT_PLAIN };
      return { status: replyStatus(parts[0]), body: parts[1], contentType: TEXT_PLAIN };
    } finally {
      this.#inFlight--;
      const left = (this.#perHop.get(hop) ?? 1) - 1;
      if (left === 0) this.#perHop.delete(hop);
      else this.#perHop.set(hop, left);
    }
  }
}
