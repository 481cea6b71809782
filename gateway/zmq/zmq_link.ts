/**
 * The node-to-node OxenMQ link (onion-requests.md §5; swarms-and-storage.md §4.2–§4.3) as seen
 * from Deno. ZeroMQ itself runs in a supervised Node 20 child, `zmq_child.mjs` (toolchain.md
 * "ZeroMQ": the binding is unreliable inside Deno and crashes Bun); this process never imports
 * `zeromq`. The child owns every socket — the CurveZMQ ROUTER listener, its ZAP handler and one
 * DEALER per peer — and speaks OxenMQ's framing on the network (README.md beside this file);
 * this side matches answers to requests, enforces timeouts and caps, runs the handler of incoming
 * requests, and restarts the child when it dies.
 *
 * ## Protocol between this process and the child (stdin / stdout)
 *
 * Frames of stdio_frames.mjs: `u32le(N) ‖ fields`, each field `u32le(len) ‖ bytes`; field 0 is
 * the type; ids are decimal ASCII; keys are 32 raw bytes; parts are raw ZeroMQ message parts.
 *
 * | direction | fields | meaning |
 * | --- | --- | --- |
 * | → child | `allow`, key… | replace the allow-list (ZAP admits only these keys) |
 * | → child | `start`, bind, secret, public, maxIncoming, maxPending, command… | bind the listener; answered `ready` or `fatal` |
 * | → child | `req`, id, address, key, command, part… | send an OxenMQ request to the peer at `address` with X25519 `key` |
 * | → child | `cancel`, id | forget a request (timed out here) |
 * | → child | `rep`, id, part… | answer incoming request `id` (`["REPLY", tag, part…]` on the wire) |
 * | → child | `drop`, id | no answer to incoming request `id` (its handler failed) |
 * | ← child | `ready`, endpoint | listening on `endpoint` (`tcp://127.0.0.1:port`) |
 * | ← child | `fatal`, reason | cannot start (bind failed); the child exits |
 * | ← child | `res`, id, part… | the peer's reply parts |
 * | ← child | `fail`, id, kind, detail | `unreachable` (connect / handshake / auth / disconnect), `refused` (an OxenMQ error reply: `FORBIDDEN_SN` …), `overloaded` |
 * | ← child | `in`, id, command, key, part… | an incoming request from the node with X25519 `key` |
 * | ← child | `log`, level, event, name, value… | a log line for {@link Logger} |
 *
 * The child exits when its stdin closes, so it never outlives this process.
 *
 * ## Supervision
 *
 * When the child dies, every pending request fails at once with `link_down`, the exit is logged,
 * and the child is restarted on the same endpoint after a backoff (100 ms, doubling to 5 s); more
 * than `maxRestarts` restarts within `restartWindowMs` leave the link `down`. Incoming requests
 * still being handled when it died get no answer (their sender times out, as with OxenMQ).
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { fromHex, isHex, toHex } from "../../mod.ts";
import type { LogLevel } from "../config.ts";
import type { LogFields, Logger } from "../logger.ts";
import { encodeFrame, FrameReader, text } from "./stdio_frames.mjs";

/** The child program. */
export const ZMQ_CHILD: string = fileURLToPath(new URL("./zmq_child.mjs", import.meta.url));

/** The `sn.*` request commands of the storage server (oxenss/server/omq.cpp). */
export const SN_COMMANDS: readonly string[] = Object.freeze([
  "sn.data",
  "sn.ping",
  "sn.storage_test",
  "sn.onion_request",
  "sn.storage_cc",
]);

/** Bytes of an X25519 key. */
const KEY_BYTES = 32;
/** Default request timeout: node→node, hardening.md §5 (below the client's 30 s). */
const DEFAULT_TIMEOUT_MS = 20_000;
/** Default requests in flight through the link. */
const DEFAULT_MAX_PENDING = 10_000;
/** Default incoming requests handled at once (the storage server's `sn` category queue). */
const DEFAULT_MAX_INCOMING = 1_000;
/** Default time a handler gets (the reference's longest request timeout, `sn.storage_test`: 60 s). */
const DEFAULT_INCOMING_TIMEOUT_MS = 60_000;
/** Default bound on the child's start (spawn, bind, `ready`). */
const DEFAULT_START_TIMEOUT_MS = 10_000;
/** Restarts allowed within the window before the link stays down. */
const DEFAULT_MAX_RESTARTS = 5;
const DEFAULT_RESTART_WINDOW_MS = 60_000;
/** First restart backoff; doubles per restart in the window up to the maximum. */
const RESTART_BACKOFF_MS = 100;
const RESTART_BACKOFF_MAX_MS = 5_000;
/** Longest command name (oxenmq.h MAX_COMMAND_LENGTH). */
const MAX_COMMAND_CHARS = 200;
/** Time the child gets to exit after its stdin closes, before SIGKILL. */
const STOP_GRACE_MS = 2_000;
/** Characters of child stderr kept for diagnostics. */
const STDERR_TAIL_CHARS = 4_096;
/** An OxenMQ address this link can connect to or bind. */
const TCP_RE = /^tcp:\/\/(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]|\*):[0-9]{1,5}$/;
const LEVELS: ReadonlySet<string> = new Set(["debug", "info", "warn", "error"]);

/** Why a request failed. */
export type ZmqFailure =
  /** No reply within the timeout. */
  | "timeout"
  /** The peer could not be reached: refused, reset, handshake failure (wrong key), ZAP denial. */
  | "unreachable"
  /** The peer answered with an OxenMQ error (`FORBIDDEN_SN`, `UNKNOWNCOMMAND`, …) instead of a reply. */
  | "refused"
  /** A cap was reached (requests in flight, the connection's queue); nothing was sent. */
  | "overloaded"
  /** The child is dead, restarting, or the link is closed. */
  | "link_down";

/**
 * A failed request. `detail` says more for tests and logs (`auth`, `handshake`, `connect`,
 * `disconnect`, the OxenMQ error word); never a key, address or payload.
 *
 * @example
 * ```ts
 * import { ZmqLinkError } from "./zmq_link.ts";
 * const e = new ZmqLinkError("unreachable", "auth");
 * if (e.failure !== "unreachable" || e.detail !== "auth" || e.name !== "ZmqLinkError") throw new Error("bad");
 * ```
 */
export class ZmqLinkError extends Error {
  /** Why it failed. */
  readonly failure: ZmqFailure;
  /** More detail, when known. */
  readonly detail: string | undefined;

  /**
   * A request that failed for `failure`.
   *
   * @param failure why
   * @param detail more detail
   */
  constructor(failure: ZmqFailure, detail?: string) {
    super(`Cannot complete OxenMQ request: ${failure.replace("_", " ")}${detail ? ` (${detail})` : ""}`);
    this.name = "ZmqLinkError";
    this.failure = failure;
    this.detail = detail;
  }
}

/** Where a request goes: the node's OxenMQ address and X25519 key. */
export interface ZmqPeer {
  /** `tcp://host:port`. */
  zmq: string;
  /** X25519 public key, 64 hex digits: the CurveZMQ server key of the peer. */
  x25519: string;
}

/** Options of one request. */
export interface ZmqRequestOptions {
  /** Time for the reply, ms; default the link's `timeoutMs`. */
  timeoutMs?: number;
}

/** What sends OxenMQ requests (a {@link ZmqLink}, or a fake in tests). */
export interface ZmqRequester {
  /**
   * Send `command` with `parts` to `peer` and wait for its reply.
   *
   * @param peer address and key
   * @param command e.g. `sn.onion_request`
   * @param parts the data parts
   * @param options timeout
   * @returns the reply's data parts
   * @throws {ZmqLinkError} on any failure
   */
  request(
    peer: ZmqPeer,
    command: string,
    parts: readonly Uint8Array[],
    options?: ZmqRequestOptions,
  ): Promise<Uint8Array[]>;
}

/** Handles an incoming request: resolves with the reply parts; a rejection sends no reply. */
export type ZmqRequestHandler = (command: string, parts: Uint8Array[], peerX25519: string) => Promise<Uint8Array[]>;

/** Options of {@link ZmqLink.start}. */
export interface ZmqLinkOptions {
  /** Listener address, `tcp://host:port` (port 0: any free port; see {@link ZmqLink.endpoint}). */
  bind: string;
  /** This node's X25519 secret key (CurveZMQ secret key of every socket). */
  x25519Secret: Uint8Array;
  /** This node's X25519 public key. */
  x25519Public: Uint8Array;
  /** X25519 keys of the nodes allowed to connect (the service-node registry). */
  allowedPeers: readonly Uint8Array[];
  /** The Node 20 binary; default `node` from PATH. */
  nodeBin?: string;
  /** Request commands served; anything else is answered `UNKNOWNCOMMAND`. Default {@link SN_COMMANDS}. */
  commands?: readonly string[];
  /** Default request timeout, ms (20 s). */
  timeoutMs?: number;
  /** Requests in flight through the link; beyond → `overloaded` (10,000). */
  maxPending?: number;
  /** Incoming requests handled at once; beyond, they are dropped unanswered (1,000). */
  maxIncoming?: number;
  /** Restarts within `restartWindowMs` before the link stays down (5). */
  maxRestarts?: number;
  /** Window for `maxRestarts`, ms (60 s). */
  restartWindowMs?: number;
  /** Bound on starting the child, ms (10 s). */
  startTimeoutMs?: number;
  /** Time a handler gets to answer an incoming request before it is dropped unanswered, ms (60 s). */
  incomingTimeoutMs?: number;
  /** Where the link's events go; default nowhere. */
  logger?: Logger;
}

/** State of a link. */
export type ZmqLinkState = "running" | "restarting" | "down" | "closed";

/** One running child. */
interface Child {
  process: Deno.ChildProcess;
  writer: WritableStreamDefaultWriter<Uint8Array>;
  /** Resolves when stdout and stderr are drained. */
  drained: Promise<void>;
  stderr: string;
  /** It said `ready`: from now on its exit is a crash to recover from. */
  ready: boolean;
  exited: boolean;
}

interface Pending {
  resolve: (parts: Uint8Array[]) => void;
  reject: (err: ZmqLinkError) => void;
  timer: ReturnType<typeof setTimeout>;
}

function checkKey(key: Uint8Array, name: string): void {
  if (!(key instanceof Uint8Array)) throw new TypeError(`Cannot start ZeroMQ link: ${name} is not a Uint8Array`);
  if (key.length !== KEY_BYTES) {
    throw new RangeError(`Cannot start ZeroMQ link: ${name} is ${key.length} bytes, expected ${KEY_BYTES}`);
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`Cannot start ZeroMQ link: ${name} ${String(value)} is not a positive integer`);
  }
  return value;
}

/**
 * The ZeroMQ link of one node: a supervised Node 20 child owning the OxenMQ sockets.
 *
 * @example Two nodes, one request
 * ```ts ignore
 * const a = await ZmqLink.start({ bind: "tcp://127.0.0.1:0", x25519Secret: aSk, x25519Public: aPk, allowedPeers: [bPk] });
 * const b = await ZmqLink.start({ bind: "tcp://127.0.0.1:0", x25519Secret: bSk, x25519Public: bPk, allowedPeers: [aPk] });
 * b.onRequest((command, parts) => Promise.resolve([new TextEncoder().encode("pong")]));
 * const reply = await a.request({ zmq: b.endpoint, x25519: toHex(bPk) }, "sn.ping", []);
 * await Promise.all([a.close(), b.close()]);
 * ```
 */
export class ZmqLink implements ZmqRequester {
  readonly #secret: Uint8Array;
  readonly #public: Uint8Array;
  readonly #nodeBin: string;
  readonly #commands: readonly string[];
  readonly #timeoutMs: number;
  readonly #maxPending: number;
  readonly #maxIncoming: number;
  readonly #maxRestarts: number;
  readonly #restartWindowMs: number;
  readonly #startTimeoutMs: number;
  readonly #incomingTimeoutMs: number;
  readonly #logger: Logger | undefined;

  #allowed: Uint8Array[];
  #endpoint: string;
  #state: ZmqLinkState = "restarting";
  #child: Child | undefined;
  #handler: ZmqRequestHandler | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #restarts: number[] = [];
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #restarting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  readonly #incomingTimers = new Set<ReturnType<typeof setTimeout>>();
  #outBatch: Uint8Array[] = [];
  #flushQueued = false;

  private constructor(options: ZmqLinkOptions) {
    if (options === null || typeof options !== "object") {
      throw new TypeError("Cannot start ZeroMQ link: options is not an object");
    }
    if (typeof options.bind !== "string" || !TCP_RE.test(options.bind)) {
      throw new RangeError(`Cannot start ZeroMQ link: bind ${JSON.stringify(options.bind)} is not tcp://host:port`);
    }
    checkKey(options.x25519Secret, "x25519Secret");
    checkKey(options.x25519Public, "x25519Public");
    this.#secret = options.x25519Secret.slice();
    this.#public = options.x25519Public.slice();
    this.#allowed = ZmqLink.#checkPeers(options.allowedPeers);
    this.#endpoint = options.bind;
    this.#nodeBin = options.nodeBin ?? "node";
    this.#commands = [...(options.commands ?? SN_COMMANDS)];
    this.#timeoutMs = positive(options.timeoutMs, DEFAULT_TIMEOUT_MS, "timeoutMs");
    this.#maxPending = positive(options.maxPending, DEFAULT_MAX_PENDING, "maxPending");
    this.#maxIncoming = positive(options.maxIncoming, DEFAULT_MAX_INCOMING, "maxIncoming");
    this.#maxRestarts = positive(options.maxRestarts, DEFAULT_MAX_RESTARTS, "maxRestarts");
    this.#restartWindowMs = positive(options.restartWindowMs, DEFAULT_RESTART_WINDOW_MS, "restartWindowMs");
    this.#startTimeoutMs = positive(options.startTimeoutMs, DEFAULT_START_TIMEOUT_MS, "startTimeoutMs");
    this.#incomingTimeoutMs = positive(options.incomingTimeoutMs, DEFAULT_INCOMING_TIMEOUT_MS, "incomingTimeoutMs");
    this.#logger = options.logger;
  }

  static #checkPeers(keys: readonly Uint8Array[]): Uint8Array[] {
    if (!Array.isArray(keys)) throw new TypeError("Cannot set ZeroMQ peers: keys is not an array");
    return keys.map((k, i) => {
      checkKey(k, `allowed peer ${i}`);
      return k.slice();
    });
  }

  /**
   * Start the child, bind the listener and wait until it is ready.
   *
   * @param options address, keys, allow-list, caps
   * @returns the running link; call {@link ZmqLink.close} when done
   * @throws {TypeError | RangeError} for malformed options
   * @throws {Error} when the child cannot start or bind within `startTimeoutMs` (its output included)
   */
  static async start(options: ZmqLinkOptions): Promise<ZmqLink> {
    const link = new ZmqLink(options);
    await link.#spawn();
    if (link.#child !== undefined) link.#state = "running"; // else it already died and is restarting
    return link;
  }

  /** The bound listener address (the actual port when `bind` asked for port 0). */
  get endpoint(): string {
    return this.#endpoint;
  }

  /** The state of the link. */
  get state(): ZmqLinkState {
    return this.#state;
  }

  /** The current child's process id (undefined while restarting or closed). */
  get pid(): number | undefined {
    return this.#child?.exited === false ? this.#child.process.pid : undefined;
  }

  /** Requests in flight. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Send an OxenMQ request and wait for the reply.
   *
   * @param peer the node's address and X25519 key
   * @param command the command, e.g. `sn.onion_request`
   * @param parts the data parts
   * @param options timeout
   * @returns the reply's data parts (after `REPLY` and the tag)
   * @throws {ZmqLinkError} `timeout`, `unreachable`, `refused`, `overloaded` or `link_down`
   * @throws {TypeError | RangeError} for a malformed peer
   */
  request(
    peer: ZmqPeer,
    command: string,
    parts: readonly Uint8Array[],
    options: ZmqRequestOptions = {},
  ): Promise<Uint8Array[]> {
    if (peer === null || typeof peer !== "object") {
      throw new TypeError("Cannot send OxenMQ request: peer is not an object");
    }
    if (typeof peer.zmq !== "string" || !TCP_RE.test(peer.zmq)) {
      throw new RangeError("Cannot send OxenMQ request: peer address is not tcp://host:port");
    }
    if (!isHex(peer.x25519, KEY_BYTES * 2)) {
      throw new RangeError("Cannot send OxenMQ request: peer key is not 64 hex digits");
    }
    if (typeof command !== "string" || command.length < 1 || command.length > MAX_COMMAND_CHARS) {
      throw new RangeError(`Cannot send OxenMQ request: command is not 1…${MAX_COMMAND_CHARS} characters`);
    }
    if (!Array.isArray(parts) || !parts.every((p) => p instanceof Uint8Array)) {
      throw new TypeError("Cannot send OxenMQ request: parts is not an array of Uint8Array");
    }
    const timeoutMs = positive(options.timeoutMs, this.#timeoutMs, "timeoutMs");
    if (this.#state !== "running" || this.#child === undefined) {
      return Promise.reject(new ZmqLinkError("link_down", this.#state));
    }
    if (this.#pending.size >= this.#maxPending) return Promise.reject(new ZmqLinkError("overloaded", "pending"));
    const id = this.#nextId++;
    return new Promise<Uint8Array[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.#pending.delete(id)) return;
        this.#send(["cancel", String(id)]);
        reject(new ZmqLinkError("timeout"));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#send(["req", String(id), peer.zmq, fromHex(peer.x25519), command, ...parts]);
    });
  }

  /**
   * Set the handler of incoming requests (replacing any earlier one). Without a handler, incoming
   * requests get no answer.
   *
   * @param handler resolves with the reply parts; a rejection sends no reply (logged)
   */
  onRequest(handler: ZmqRequestHandler): void {
    if (typeof handler !== "function") throw new TypeError("Cannot set ZeroMQ handler: not a function");
    this.#handler = handler;
  }

  /**
   * Replace the allow-list: from now on ZAP admits only these keys (existing connections stay).
   *
   * @param keys X25519 public keys (32 bytes each)
   * @throws {TypeError | RangeError} for a malformed key
   */
  setAllowedPeers(keys: readonly Uint8Array[]): void {
    this.#allowed = ZmqLink.#checkPeers(keys);
    if (this.#child !== undefined) this.#send(["allow", ...this.#allowed]);
  }

  /**
   * Stop the child and wait until it has exited; pending requests fail with `link_down`.
   * Idempotent.
   *
   * @returns resolves once the child is gone
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#state = "closed";
    clearTimeout(this.#restartTimer);
    await this.#restarting?.catch(() => {});
    this.#failAll("closed");
    this.#clearIncoming();
    const child = this.#child;
    this.#child = undefined;
    if (child !== undefined) await ZmqLink.#stopChild(child);
  }

  static async #stopChild(child: Child): Promise<void> {
    // Closing stdin is the child's signal to exit; not awaited, so that a child which stopped
    // reading cannot hold this up past the SIGKILL below.
    child.writer.close().catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const forced = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        try {
          child.process.kill("SIGKILL");
        } catch {
          // Already gone.
        }
        resolve();
      }, STOP_GRACE_MS);
    });
    try {
      await Promise.race([child.process.status, forced]);
      await child.process.status;
    } finally {
      clearTimeout(timer);
      await child.drained;
    }
  }

  #failAll(detail: string): void {
    const all = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of all) {
      clearTimeout(p.timer);
      p.reject(new ZmqLinkError("link_down", detail));
    }
  }

  #send(fields: (Uint8Array | string)[]): void {
    this.#outBatch.push(encodeFrame(fields));
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    this.#flushQueued = false;
    const batch = this.#outBatch;
    this.#outBatch = [];
    const child = this.#child;
    if (child === undefined || batch.length === 0) return;
    let bytes = batch[0];
    if (batch.length > 1) {
      let n = 0;
      for (const b of batch) n += b.length;
      bytes = new Uint8Array(n);
      let at = 0;
      for (const b of batch) {
        bytes.set(b, at);
        at += b.length;
      }
    }
    // A failed write means the child died: its exit handler fails what is pending.
    child.writer.write(bytes).catch(() => {});
  }

  #log(level: LogLevel, event: string, fields?: LogFields): void {
    this.#logger?.log(level, event, fields);
  }

  /** Spawn a child, send the allow-list and settings, wait for `ready`. */
  async #spawn(): Promise<void> {
    let process: Deno.ChildProcess;
    try {
      process = new Deno.Command(this.#nodeBin, {
        args: [ZMQ_CHILD],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (cause) {
      throw new Error(`Cannot start ZeroMQ link: cannot run ${JSON.stringify(this.#nodeBin)}`, { cause });
    }
    const child: Child = {
      process,
      writer: process.stdin.getWriter(),
      drained: Promise.resolve(),
      stderr: "",
      ready: false,
      exited: false,
    };
    let ready: (endpoint: string) => void = () => {};
    let failed: (reason: string) => void = () => {};
    const started = new Promise<string>((resolve, reject) => {
      ready = resolve;
      failed = (reason) => reject(new Error(reason));
    });
    child.drained = Promise.all([
      this.#readFrames(child, (endpoint) => {
        child.ready = true;
        ready(endpoint);
      }, (reason) => failed(reason)),
      this.#readStderr(child),
    ]).then(() => {});
    void process.status.then((status) => {
      child.exited = true;
      failed(`child exited (${status.signal ?? status.code})`);
      this.#onExit(child, status);
    });

    this.#child = child;
    this.#send(["allow", ...this.#allowed]);
    this.#send([
      "start",
      this.#endpoint,
      this.#secret,
      this.#public,
      String(this.#maxIncoming),
      String(this.#maxPending),
      ...this.#commands,
    ]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not ready after ${this.#startTimeoutMs} ms`)), this.#startTimeoutMs);
    });
    try {
      this.#endpoint = await Promise.race([started, timeout]);
    } catch (err) {
      this.#child = undefined;
      await ZmqLink.#stopChild(child);
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`Cannot start ZeroMQ link: ${reason}; child output:\n${child.stderr.slice(-STDERR_TAIL_CHARS)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  async #readStderr(child: Child): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of child.process.stderr) {
        child.stderr = (child.stderr + decoder.decode(chunk, { stream: true })).slice(-STDERR_TAIL_CHARS);
      }
    } catch {
      // The pipe closed under us.
    }
  }

  async #readFrames(child: Child, ready: (endpoint: string) => void, fatal: (reason: string) => void): Promise<void> {
    const reader = new FrameReader();
    try {
      for await (const chunk of child.process.stdout) {
        for (const frame of reader.push(chunk)) this.#onFrame(child, frame, ready, fatal);
      }
    } catch {
      // Garbage from the child or a closed pipe: kill it; supervision restarts it.
      try {
        child.process.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }

  #onFrame(
    child: Child,
    fields: Uint8Array[],
    ready: (endpoint: string) => void,
    fatal: (reason: string) => void,
  ): void {
    const type = text(fields[0] ?? new Uint8Array(0));
    switch (type) {
      case "res":
      case "fail": {
        const id = Number(text(fields[1]));
        const p = this.#pending.get(id);
        if (p === undefined) return;
        this.#pending.delete(id);
        clearTimeout(p.timer);
        if (type === "res") p.resolve(fields.slice(2));
        else p.reject(new ZmqLinkError(text(fields[2]) as ZmqFailure, text(fields[3] ?? new Uint8Array(0))));
        return;
      }
      case "in":
        this.#onIncoming(child, text(fields[1]), text(fields[2]), fields[3], fields.slice(4));
        return;
      case "ready":
        ready(text(fields[1]));
        return;
      case "fatal":
        fatal(text(fields[1]));
        return;
      case "log": {
        const level = text(fields[1]);
        const extra: Record<string, string> = {};
        for (let i = 3; i + 1 < fields.length; i += 2) extra[text(fields[i])] = text(fields[i + 1]);
        this.#log(LEVELS.has(level) ? level as LogLevel : "info", text(fields[2]), extra);
        return;
      }
    }
  }

  #onIncoming(child: Child, id: string, command: string, key: Uint8Array, parts: Uint8Array[]): void {
    const handler = this.#handler;
    if (handler === undefined) {
      this.#send(["drop", id]);
      return;
    }
    // One answer per request: the handler's, or a drop when it takes longer than the bound (so a
    // stuck handler cannot hold one of the child's `maxIncoming` slots forever).
    let open = true;
    const finish = (reply: Uint8Array[] | undefined): void => {
      if (!open) return;
      open = false;
      clearTimeout(timer);
      this.#incomingTimers.delete(timer);
      if (this.#child === child) this.#send(reply === undefined ? ["drop", id] : ["rep", id, ...reply]);
    };
    const timer = setTimeout(() => {
      this.#log("warn", "zmq_handler_timeout", { ms: this.#incomingTimeoutMs });
      finish(undefined);
    }, this.#incomingTimeoutMs);
    this.#incomingTimers.add(timer);
    let answer: Promise<Uint8Array[]>;
    try {
      answer = handler(command, parts, toHex(key));
    } catch (err) {
      answer = Promise.reject(err);
    }
    answer.then(
      (reply) => {
        if (Array.isArray(reply) && reply.every((p) => p instanceof Uint8Array)) return finish(reply);
        this.#log("error", "zmq_handler_failed", { name: "TypeError" }); // not Uint8Array[]: a bug
        finish(undefined);
      },
      (err) => {
        this.#log("warn", "zmq_handler_failed", { name: err instanceof Error ? err.name : typeof err });
        finish(undefined);
      },
    );
  }

  #clearIncoming(): void {
    for (const timer of this.#incomingTimers) clearTimeout(timer);
    this.#incomingTimers.clear();
  }

  #onExit(child: Child, status: Deno.CommandStatus): void {
    // A child being stopped on purpose, or one that died before `ready` (#spawn fails for it).
    if (this.#child !== child || !child.ready) return;
    this.#child = undefined;
    this.#log("error", "zmq_child_exited", { code: status.code, signal: status.signal ?? "" });
    this.#failAll("child exited");
    this.#clearIncoming(); // their answers have nowhere to go
    this.#scheduleRestart();
  }

  /** Restart the child after a backoff, unless closed or out of restarts. */
  #scheduleRestart(): void {
    if (this.#state === "closed") return;
    const now = Date.now();
    this.#restarts = this.#restarts.filter((t) => now - t < this.#restartWindowMs);
    if (this.#restarts.length >= this.#maxRestarts) {
      this.#state = "down";
      this.#log("error", "zmq_link_down", { restarts: this.#restarts.length });
      return;
    }
    this.#restarts.push(now);
    this.#state = "restarting";
    const backoff = Math.min(RESTART_BACKOFF_MS * 2 ** (this.#restarts.length - 1), RESTART_BACKOFF_MAX_MS);
    this.#restartTimer = setTimeout(() => {
      this.#restarting = this.#spawn().then(
        () => {
          if (this.#state === "closed" || this.#child === undefined) return; // closed, or died again already
          this.#state = "running";
          this.#log("info", "zmq_child_restarted", { restarts: this.#restarts.length });
        },
        () => this.#scheduleRestart(), // it did not come up: counts as another restart
      );
    }, backoff);
  }
}
