/**
 * The network half of relay-to-server (onion-requests.md §7; hardening.md §4): {@link HttpServerRelay}
 * resolves a checked target's host once, refuses the request when **any** resolved address is in
 * a refused range, then POSTs the exit node's decrypted layer to the vetted IP itself — the HTTP
 * client is handed an IP literal, so nothing resolves the name a second time (no DNS rebinding).
 * The original name still goes into the `Host` header (virtual hosting) and the TLS SNI /
 * certificate check (`servername`).
 *
 * When a connection to a vetted address cannot be established (refused, unreachable network), the
 * next vetted address of the same answer is tried (at most {@link MAX_CONNECT_ATTEMPTS}, within the
 * one deadline); once connected, a failure is final — a POST is never sent twice.
 *
 * Outbound requests carry a fixed header set only (`Content-Type: application/octet-stream`, a
 * fixed `User-Agent`, `Accept-Encoding: identity`, `Host`, `Content-Length`, and the client's own
 * `Connection: close`); nothing of the client's request is forwarded. Redirects are not followed (3xx → `bad_response`), the whole
 * exchange (resolution included) has one deadline, the response is capped while it is read, and
 * in-flight requests are capped per destination host and in total (→ `busy`, nothing sent).
 *
 * Uses `node:http`, `node:https` and `node:dns/promises`, so it runs on Deno, Node and Bun.
 *
 * @module
 */

import { lookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import type { Config } from "../config.ts";
import { type IpAddress, mappedIpv4, parseIpAddress } from "../net/ip_address.ts";
import { ForwardError, type ForwardFailure, type ForwardResult } from "./forwarder.ts";
import type { ServerRelay, ServerRelayResult } from "./server_relay.ts";
import { isRefusedAddress, type ServerTarget } from "./server_target.ts";

/**
 * Resolves a DNS name to its addresses (IP literals as text). Called once per relayed request;
 * a rejection is reported as `unreachable`.
 */
export type Resolver = (hostname: string) => Promise<readonly string[]>;

/** Options of {@link HttpServerRelay}; config names in parentheses. */
export interface HttpServerRelayOptions {
  /** Time for the whole exchange, resolution included, ms (`serverRelayTimeoutMs`, 25 s). */
  timeoutMs: number;
  /** Largest response body, bytes (`serverRelayMaxResponse`, 8 MiB). */
  maxResponseBytes: number;
  /** Concurrent requests overall (`serverRelayMaxInFlight`, 256). */
  maxInFlight: number;
  /** Concurrent requests per destination host (`serverRelayMaxInFlightPerHost`, 32). */
  maxInFlightPerHost: number;
  /**
   * Ports on which a loopback address (127.0.0.0/8, ::1, IPv4-mapped loopback) may be connected to
   * (`serverRelayLoopbackPorts`). Test networks only; default none.
   */
  loopbackPorts?: readonly number[];
  /** Name resolution; default {@link systemResolver} (`node:dns/promises` `lookup`, all addresses). */
  resolve?: Resolver;
  /** `User-Agent` sent to servers; default `allium`. */
  userAgent?: string;
  /** Trust anchors (PEM) that replace the system CAs for HTTPS servers (tests); default the system CAs. */
  ca?: string | readonly string[];
}

const DEFAULT_USER_AGENT = "allium";
/** Protocol default ports: the `Host` header omits them. */
const DEFAULT_PORT: Readonly<Record<"http" | "https", number>> = { http: 80, https: 443 };
/** Oldest TLS version accepted from a server (onion-requests.md §7: TLS ≥ 1.2). */
const MIN_TLS_VERSION = "TLSv1.2";
/** Vetted addresses tried in turn when connecting fails (a dual-stack name on a v4-only host). */
export const MAX_CONNECT_ATTEMPTS = 4;

/** A failure before any connection was established: the next vetted address may be tried. */
class NotConnected extends ForwardError {
  constructor(cause: unknown) {
    super("unreachable", { cause });
  }
}

/**
 * The default {@link Resolver}: `node:dns/promises` `lookup` with `all: true` (the system
 * resolver, `/etc/hosts` included; works on Deno, Node and Bun).
 *
 * @param hostname a DNS name
 * @returns every address the system resolver returns, in its order
 * @throws {Error} when the name does not resolve
 * @example
 * ```ts
 * import { systemResolver } from "./http_server_relay.ts";
 * const addresses = await systemResolver("localhost");
 * if (addresses.length === 0) throw new Error("bad");
 * ```
 */
export async function systemResolver(hostname: string): Promise<readonly string[]> {
  const found = await lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => a.address);
}

/**
 * The relay options the configuration asks for (hardening.md §4 defaults).
 *
 * @param config the gateway configuration
 * @returns options for {@link HttpServerRelay} (system resolver, default user agent)
 * @example
 * ```ts
 * import { DEFAULT_CONFIG } from "../config.ts";
 * import { serverRelayOptions } from "./http_server_relay.ts";
 * const o = serverRelayOptions(DEFAULT_CONFIG);
 * if (o.timeoutMs !== 25_000 || o.maxInFlightPerHost !== 32 || o.loopbackPorts?.length !== 0) throw new Error("bad");
 * ```
 */
export function serverRelayOptions(config: Config): HttpServerRelayOptions {
  return {
    timeoutMs: config.serverRelayTimeoutMs,
    maxResponseBytes: config.serverRelayMaxResponse,
    maxInFlight: config.serverRelayMaxInFlight,
    maxInFlightPerHost: config.serverRelayMaxInFlightPerHost,
    loopbackPorts: config.serverRelayLoopbackPorts,
  };
}

/** Whether an address is loopback: 127.0.0.0/8, ::1, or IPv4-mapped loopback. */
function isLoopback(address: IpAddress): boolean {
  const v4 = mappedIpv4(address) ?? (address.version === 4 ? address.bytes : undefined);
  if (v4 !== undefined) return v4[0] === 127;
  return address.bytes.every((x, i) => x === (i === 15 ? 1 : 0));
}

/** An address to connect to: text the HTTP client will not resolve, and its family. */
interface Vetted {
  ip: string;
  family: 4 | 6;
}

/** The connectable form of a vetted address: IPv4-mapped IPv6 becomes plain IPv4. */
function toVetted(address: IpAddress): Vetted {
  const v4 = mappedIpv4(address) ?? (address.version === 4 ? address.bytes : undefined);
  if (v4 !== undefined) return { ip: Array.from(v4).join("."), family: 4 };
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((address.bytes[i] << 8) | address.bytes[i + 1]).toString(16));
  return { ip: groups.join(":"), family: 6 };
}

/** Reduce a Content-Type to one of three fixed values (never pass arbitrary header text through). */
function sanitizeContentType(value: string | undefined): string {
  const v = (value ?? "").toLowerCase();
  if (v.startsWith("application/json")) return "application/json";
  if (v.startsWith("text/plain")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

/** Concatenate chunks into one fresh array (no view into a pooled buffer). */
function joinChunks(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/**
 * A {@link ServerRelay} over `node:http` / `node:https` with the SSRF rules of hardening.md §4.
 *
 * @example A name that resolves to loopback is refused, and nothing is sent
 * ```ts
 * import { HttpServerRelay } from "./http_server_relay.ts";
 * const relay = new HttpServerRelay({
 *   timeoutMs: 1000, maxResponseBytes: 1024, maxInFlight: 4, maxInFlightPerHost: 2,
 *   resolve: () => Promise.resolve(["93.184.215.14", "127.0.0.1"]), // one bad address is enough
 * });
 * const target = {
 *   protocol: "https" as const, host: "rebind.example", hostKind: "dns" as const, port: 443,
 *   target: "/oxen/v4/lsrpc", url: "https://rebind.example/oxen/v4/lsrpc",
 * };
 * const result = await relay.relay(target, new Uint8Array(8));
 * if (result.kind !== "refused" || relay.inFlight !== 0) throw new Error("bad");
 * ```
 */
export class HttpServerRelay implements ServerRelay {
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #maxInFlight: number;
  readonly #maxInFlightPerHost: number;
  readonly #loopbackPorts: ReadonlySet<number>;
  readonly #resolve: Resolver;
  readonly #userAgent: string;
  readonly #ca: string[] | undefined;
  readonly #perHost = new Map<string, number>();
  #inFlight = 0;

  /**
   * A relay with no request in flight.
   *
   * @param options timeout, caps, loopback allowlist, and optionally the resolver, user agent and CAs
   * @throws {RangeError} when a limit is not a positive integer or a loopback port is not 1…65535
   * @throws {TypeError} when `resolve` is not a function or `userAgent` is not a header-safe string
   */
  constructor(options: HttpServerRelayOptions) {
    for (const name of ["timeoutMs", "maxResponseBytes", "maxInFlight", "maxInFlightPerHost"] as const) {
      const v = options?.[name];
      if (!Number.isSafeInteger(v) || v < 1) {
        throw new RangeError(`Cannot create server relay: ${name} ${String(v)} is not a positive integer`);
      }
    }
    const loopbackPorts = options.loopbackPorts ?? [];
    for (const p of loopbackPorts) {
      if (!Number.isInteger(p) || p < 1 || p > 65535) {
        throw new RangeError(`Cannot create server relay: loopback port ${String(p)} is not in 1…65535`);
      }
    }
    const resolve = options.resolve ?? systemResolver;
    if (typeof resolve !== "function") throw new TypeError("Cannot create server relay: resolve is not a function");
    const userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    if (typeof userAgent !== "string" || !/^[\x20-\x7e]{1,256}$/.test(userAgent)) {
      throw new TypeError("Cannot create server relay: userAgent is not 1…256 printable ASCII characters");
    }
    this.#timeoutMs = options.timeoutMs;
    this.#maxResponseBytes = options.maxResponseBytes;
    this.#maxInFlight = options.maxInFlight;
    this.#maxInFlightPerHost = options.maxInFlightPerHost;
    this.#loopbackPorts = new Set(loopbackPorts);
    this.#resolve = resolve;
    this.#userAgent = userAgent;
    this.#ca = options.ca === undefined ? undefined : typeof options.ca === "string" ? [options.ca] : [...options.ca];
  }

  /** Requests currently in flight (resolving or connected). */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * POST `body` to `target` (see {@link ServerRelay.relay}): resolve once, vet every address,
   * connect to the vetted addresses in the resolver's order until one connection is established.
   *
   * @param target a destination that passed `checkServerTarget`
   * @param body the exit node's entire decrypted layer
   * @returns the server's answer, or `{ kind: "refused" }` when a resolved address is refused
   * @throws {ForwardError} `busy` (caps; nothing resolved or sent), `timeout`, `unreachable`
   *   (resolution failed, connection refused or reset, TLS failure), `bad_response` (redirect,
   *   impossible status, body over the cap)
   */
  async relay(target: ServerTarget, body: Uint8Array): Promise<ServerRelayResult> {
    const host = target.host;
    const hostCount = this.#perHost.get(host) ?? 0;
    if (this.#inFlight >= this.#maxInFlight || hostCount >= this.#maxInFlightPerHost) throw new ForwardError("busy");
    this.#inFlight++;
    this.#perHost.set(host, hostCount + 1);

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.#timeoutMs);
    const expired = new Promise<never>((_, reject) => {
      controller.signal.addEventListener("abort", () => reject(new ForwardError("timeout")), { once: true });
    });
    expired.catch(() => {}); // observed through the races below
    try {
      const texts = target.hostKind === "dns" ? await Promise.race([this.#lookup(host), expired]) : [host];
      const vetted = this.#vet(texts, target.port);
      if (vetted === undefined) return { kind: "refused", refusal: "address" };
      for (let i = 0;; i++) {
        try {
          const response = await Promise.race([this.#post(target, vetted[i], body, controller.signal), expired]);
          return { kind: "answer", response };
        } catch (err) {
          if (!(err instanceof NotConnected) || i + 1 >= vetted.length) throw err;
        }
      }
    } finally {
      clearTimeout(timer);
      controller.abort(); // stops a request still running after a lost race (never, but cheap)
      this.#inFlight--;
      const left = (this.#perHost.get(host) ?? 1) - 1;
      if (left === 0) this.#perHost.delete(host);
      else this.#perHost.set(host, left);
    }
  }

  /** Resolve once; any failure or an empty answer is `unreachable`. */
  async #lookup(host: string): Promise<readonly string[]> {
    let texts: readonly string[];
    try {
      texts = await this.#resolve(host);
    } catch (cause) {
      throw new ForwardError("unreachable", { cause });
    }
    if (!Array.isArray(texts) || texts.length === 0) throw new ForwardError("unreachable");
    return texts;
  }

  /**
   * Vet every resolved address (hardening.md §4): one unparsable or refused address refuses the
   * request; loopback only on an allowlisted port.
   *
   * @returns up to {@link MAX_CONNECT_ATTEMPTS} distinct addresses to connect to, in the
   *   resolver's order, or undefined when refused
   */
  #vet(texts: readonly string[], port: number): Vetted[] | undefined {
    const loopbackAllowed = this.#loopbackPorts.has(port);
    const out: Vetted[] = [];
    for (const text of texts) {
      const address = typeof text === "string" ? parseIpAddress(text) : undefined; // zone ids are refused
      if (address === undefined) return undefined;
      if (isRefusedAddress(address) && !(loopbackAllowed && isLoopback(address))) return undefined;
      const vetted = toVetted(address);
      if (out.length < MAX_CONNECT_ATTEMPTS && !out.some((v) => v.ip === vetted.ip)) out.push(vetted);
    }
    return out.length === 0 ? undefined : out;
  }

  /** One POST to the vetted IP; the response is read completely under the cap. */
  #post(target: ServerTarget, vetted: Vetted, body: Uint8Array, signal: AbortSignal): Promise<ForwardResult> {
    const https_ = target.protocol === "https";
    const hostText = target.hostKind === "ipv6" ? `[${target.host}]` : target.host;
    const hostHeader = target.port === DEFAULT_PORT[target.protocol] ? hostText : `${hostText}:${target.port}`;
    const max = this.#maxResponseBytes;
    const options: https.RequestOptions = {
      host: vetted.ip, // an IP literal: the client connects to it without resolving anything
      family: vetted.family,
      port: target.port,
      method: "POST",
      path: target.target,
      agent: false,
      setHost: false,
      // Fixed outbound headers only (hardening.md §4): nothing from the client is forwarded.
      headers: {
        host: hostHeader,
        "content-type": "application/octet-stream",
        "content-length": String(body.length),
        "user-agent": this.#userAgent,
        "accept-encoding": "identity",
      },
    };
    if (https_) {
      options.minVersion = MIN_TLS_VERSION;
      if (target.hostKind === "dns") options.servername = target.host; // SNI and the certificate's name
      if (this.#ca !== undefined) options.ca = this.#ca;
    }

    return new Promise<ForwardResult>((resolve, reject) => {
      let settled = false;
      const fail = (failure: ForwardFailure, cause?: unknown) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener("abort", onAbort);
        req.destroy();
        reject(new ForwardError(failure, { cause }));
      };
      let connected = false;
      const onAbort = () => fail("timeout");
      const lost = (cause?: unknown) => {
        if (settled) return;
        if (signal.aborted || connected) return fail(signal.aborted ? "timeout" : "unreachable", cause);
        settled = true; // nothing reached the server: the caller may try the next address
        signal.removeEventListener("abort", onAbort);
        req.destroy();
        reject(new NotConnected(cause));
      };

      const req: http.ClientRequest = (https_ ? https : http).request(options, (res) => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 599 || (status >= 300 && status < 400)) return fail("bad_response");
        const declared = res.headers["content-length"];
        if (declared !== undefined && /^[0-9]+$/.test(declared) && Number(declared) > max) {
          return fail("bad_response");
        }
        const chunks: Uint8Array[] = [];
        let total = 0;
        res.on("data", (chunk: Uint8Array) => {
          if (settled) return;
          total += chunk.length;
          if (total > max) return fail("bad_response");
          chunks.push(chunk);
        });
        res.on("end", () => {
          if (settled) return;
          settled = true;
          signal.removeEventListener("abort", onAbort);
          resolve({
            status,
            body: joinChunks(chunks, total),
            contentType: sanitizeContentType(res.headers["content-type"]),
          });
        });
        res.on("error", lost);
        res.on("close", () => lost()); // closed before "end": reset mid-response
      });
      req.on("socket", (socket) => socket.once("connect", () => (connected = true)));
      req.on("error", lost);
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      req.end(body);
    });
  }
}
