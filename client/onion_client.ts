/**
 * A client that talks to service nodes only through onion requests (onion-requests.md §3, §6, §9):
 * each call draws a fresh random path of distinct nodes that excludes the destination, builds the
 * onion, POSTs it to the guard's `/onion_req/v2`, and decrypts the destination's answer with the
 * call's ephemeral key. A failure on the path (a non-200 from the guard, a network error, a
 * timeout) is retried on a new path, a bounded number of times; the destination's own answers —
 * including 4xx such as 421 — are returned, never retried here.
 *
 * @module
 */

import {
  buildOnionRequest,
  type CryptoProvider,
  decryptOnionReply,
  encodeV4Request,
  type EncType,
  type OnionServer,
  type Rng,
  type ServerRequest,
  type ServerResponse,
  utf8,
} from "../mod.ts";
import { choosePath } from "./path.ts";

/** A service node as a client sees it. */
export interface ClientNode {
  /** Ed25519 key, 64 lower-case hex digits. */
  readonly ed25519: string;
  /** X25519 key, 64 lower-case hex digits. */
  readonly x25519: string;
  /** Origin of its `/onion_req/v2`, e.g. `http://127.0.0.1:22021`. */
  readonly http: string;
}

/** The destination's answer. */
export interface NodeAnswer {
  /** The storage-RPC status (inside the encryption). */
  readonly status: number;
  /** The body, parsed when it is JSON, else the text. */
  readonly body: unknown;
  /** The path it travelled, guard first. */
  readonly path: readonly ClientNode[];
  /** Milliseconds from building the onion to reading the answer (last attempt). */
  readonly ms: number;
  /** Attempts used (1 = the first path worked). */
  readonly attempts: number;
}

/** Why a request did not reach the destination. */
export class OnionPathError extends Error {
  /** HTTP status from the guard, or 0 for a network failure or timeout. */
  readonly status: number;

  /**
   * @param status HTTP status from the guard, 0 when there was none
   * @param message what happened
   * @param options cause
   * @example
   * ```ts
   * import { OnionPathError } from "./onion_client.ts";
   * if (new OnionPathError(502, "x").status !== 502) throw new Error("bad");
   * ```
   */
  constructor(status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "OnionPathError";
    this.status = status;
  }
}

/** Options of {@link OnionClient}. */
export interface OnionClientOptions {
  /** The nodes paths are drawn from (read at every call, so it may change). */
  readonly nodes: () => readonly ClientNode[];
  /** Crypto provider. */
  readonly provider: CryptoProvider;
  /** Randomness for paths, keys and nonces. */
  readonly rng: Rng;
  /** Clock for timings, ms. Default `performance.now`. */
  readonly now?: () => number;
  /** Hops before the destination. Default 3 (Session's path length). */
  readonly hops?: number;
  /** Paths tried per call. Default 3. */
  readonly attempts?: number;
  /** Timeout per attempt, ms. Default 30,000 (onion-requests.md §10: the client's budget). */
  readonly timeoutMs?: number;
  /** Layer cipher. Default `xchacha20`. */
  readonly encType?: EncType;
  /** `fetch` to use. Default the runtime's. */
  readonly fetch?: typeof fetch;
  /**
   * Reuse the last path that worked (as Session clients keep tested paths, onion-requests.md §9)
   * instead of drawing a fresh one per call; a failure drops it. Default false.
   */
  readonly reusePaths?: boolean;
}

/** Default hops before the destination (Session uses 3-node paths). */
export const DEFAULT_HOPS = 3;
/** Default paths tried per call. */
export const DEFAULT_ATTEMPTS = 3;
/** Default timeout per attempt, ms (onion-requests.md §10). */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Replacement-character decoding for texts that only go into messages. */
const LENIENT = new TextDecoder();
/** Longest guard error text kept in an error message. */
const MAX_ERROR_TEXT = 200;

/** Sends storage-RPC requests to service nodes over onion paths. */
export class OnionClient {
  #options: OnionClientOptions;
  #goodPath: readonly ClientNode[] | undefined;

  /**
   * @param options nodes, provider, randomness and limits
   * @example See `StorageClient` for a full use; constructing needs no I/O.
   * ```ts
   * import { OnionClient } from "./onion_client.ts";
   * import { providerByName, systemRng } from "../mod.ts";
   * const client = new OnionClient({ nodes: () => [], provider: await providerByName("noble"), rng: systemRng });
   * if (!(client instanceof OnionClient)) throw new Error("bad");
   * ```
   */
  constructor(options: OnionClientOptions) {
    this.#options = options;
  }

  /**
   * Send `{"method", "params"}` to `destination` over a fresh random path.
   *
   * @param destination the service node that answers
   * @param request the storage-RPC request
   * @returns the destination's status and body, with the path used
   * @throws {OnionPathError} when every attempt failed on the path
   * @throws {RangeError} when there are not enough nodes for a path
   */
  async request(destination: ClientNode, request: { method: string; params: unknown }): Promise<NodeAnswer> {
    const o = this.#options;
    const attempts = o.attempts ?? DEFAULT_ATTEMPTS;
    const now = o.now ?? (() => performance.now());
    let last: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const path = this.#path([destination.ed25519]);
      const t0 = now();
      try {
        const answer = await this.#once(path, destination, request);
        this.#worked(path);
        return { ...answer, path, ms: now() - t0, attempts: attempt };
      } catch (err) {
        if (!(err instanceof OnionPathError)) throw err;
        this.#failed(path);
        last = err;
      }
    }
    throw last;
  }

  /** A path avoiding `exclude`: the last one that worked when reusing paths, else a fresh draw. */
  #path(exclude: readonly string[]): ClientNode[] {
    const o = this.#options;
    const good = this.#goodPath;
    if (o.reusePaths && good !== undefined && !good.some((n) => exclude.includes(n.ed25519))) return [...good];
    return choosePath(o.nodes(), { hops: o.hops ?? DEFAULT_HOPS, exclude: [...exclude], rng: o.rng });
  }

  #worked(path: readonly ClientNode[]): void {
    if (this.#options.reusePaths) this.#goodPath = path;
  }

  #failed(path: readonly ClientNode[]): void {
    if (this.#goodPath === path || this.#goodPath?.every((n, i) => n.ed25519 === path[i]?.ed25519)) {
      this.#goodPath = undefined;
    }
  }

  /**
   * Send a v4 request to an external server (an lsrpc service such as the file app) through a
   * fresh random path; the exit node relays it (onion-requests.md §7).
   *
   * @param server the server's host, port, lsrpc target and X25519 key
   * @param request method, endpoint, headers, body
   * @returns the server's status, headers and body, with the path used
   * @throws {OnionPathError} when every attempt failed on the path
   */
  async requestServer(
    server: OnionServer,
    request: ServerRequest,
  ): Promise<ServerResponse & { path: readonly ClientNode[]; ms: number; attempts: number }> {
    const o = this.#options;
    const attempts = o.attempts ?? DEFAULT_ATTEMPTS;
    const now = o.now ?? (() => performance.now());
    let last: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const path = this.#path([]);
      const t0 = now();
      try {
        const built = await buildOnionRequest({
          path,
          destination: server,
          payload: encodeV4Request(request),
          encType: o.encType ?? "xchacha20",
          provider: o.provider,
          rng: o.rng,
        });
        const bytes = await this.#post(path[0], built.body);
        const answer = await decryptOnionReply(built.reply, bytes, { provider: o.provider });
        this.#worked(path);
        return {
          status: answer.status,
          headers: answer.headers,
          body: answer.body,
          path,
          ms: now() - t0,
          attempts: attempt,
        };
      } catch (err) {
        if (!(err instanceof OnionPathError)) throw err;
        this.#failed(path);
        last = err;
      }
    }
    throw last;
  }

  /** POST an onion to the guard; the body of a 200, else {@link OnionPathError}. */
  async #post(guard: ClientNode, body: Uint8Array): Promise<Uint8Array> {
    const o = this.#options;
    let res: Response;
    try {
      res = await (o.fetch ?? fetch)(`${guard.http}/onion_req/v2`, {
        method: "POST",
        body: body as Uint8Array<ArrayBuffer>,
        headers: { "content-type": "application/octet-stream" },
        redirect: "manual",
        signal: AbortSignal.timeout(o.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
    } catch (cause) {
      throw new OnionPathError(0, `Cannot reach guard ${guard.http}: ${(cause as Error).name}`, { cause });
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (res.status !== 200) {
      const text = LENIENT.decode(bytes.subarray(0, MAX_ERROR_TEXT));
      throw new OnionPathError(res.status, `Onion path failed with ${res.status}: ${text}`);
    }
    return bytes;
  }

  async #once(
    path: readonly ClientNode[],
    destination: ClientNode,
    request: { method: string; params: unknown },
  ): Promise<{ status: number; body: unknown }> {
    const o = this.#options;
    const built = await buildOnionRequest({
      path,
      destination,
      payload: utf8(JSON.stringify(request)),
      encType: o.encType ?? "xchacha20",
      provider: o.provider,
      rng: o.rng,
    });
    const bytes = await this.#post(path[0], built.body);
    const answer = await decryptOnionReply(built.reply, bytes, { provider: o.provider });
    let body: unknown = answer.json;
    if (body === undefined) {
      const text = LENIENT.decode(answer.body);
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: answer.status, body };
  }
}
