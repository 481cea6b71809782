/**
 * Test-only helpers for running real gateway processes (`deno run -A gateway/main.ts …`) on
 * 127.0.0.1: free ports, node key files, a shared directory file, start with a bounded readiness
 * poll of `GET /health`, and stop with SIGTERM then SIGKILL after a bound. Used by the network
 * integration test and by the load harness (load/). Only the documented CLI of main.ts is used
 * (flags, key file, directory file), never its internals.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { type CryptoProvider, defaultProvider, toHex } from "../../mod.ts";
import { DIRECTORY_FORMAT } from "../directory.ts";
import { formatNodeKeyFile, type NodeIdentityKeys, nodeKeysFromSeed } from "../node_keys.ts";

/** The gateway entry point. */
export const GATEWAY_MAIN: string = fileURLToPath(new URL("../main.ts", import.meta.url));
/** The loopback address every test process binds and talks to. */
export const LOOPBACK = "127.0.0.1";
/** Characters of child output kept for failure messages. */
const OUTPUT_TAIL_CHARS = 16 * 1024;
/** Default bound on the readiness poll, ms. */
const DEFAULT_READY_TIMEOUT_MS = 15_000;
/** Pause between readiness polls, ms. */
const READY_POLL_INTERVAL_MS = 50;
/** Bound on one readiness request, ms. */
const READY_REQUEST_TIMEOUT_MS = 1_000;
/** Default time a process gets between SIGTERM and SIGKILL, ms. */
const DEFAULT_STOP_GRACE_MS = 3_000;

/**
 * A free TCP port on 127.0.0.1: bound, read and released. Another process could take it before
 * the gateway binds it (a tiny window); a test that loses the race fails at readiness with the
 * child's "address in use" output.
 *
 * @returns the port
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: LOOPBACK, port: 0 });
  try {
    return (listener.addr as Deno.NetAddr).port;
  } finally {
    listener.close();
  }
}

/** A node prepared for a process: its key file, keys and address. */
export interface PreparedNode {
  /** Short name for messages. */
  name: string;
  /** Key file path (mode 0600). */
  keyFile: string;
  /** Derived keys (secrets included: test use only). */
  keys: NodeIdentityKeys;
  /** Ed25519 public key, 64 lower-case hex digits. */
  ed25519: string;
  /** X25519 public key, 64 lower-case hex digits. */
  x25519: string;
  /** TCP port it will listen on. */
  port: number;
  /** Its origin, `http://127.0.0.1:<port>`. */
  http: string;
}

let cachedProvider: CryptoProvider | undefined;
async function testProvider(): Promise<CryptoProvider> {
  cachedProvider ??= await defaultProvider();
  return cachedProvider;
}

/**
 * Write a node key file (format of node_keys.ts, mode 0600) for a fixed seed, derive the keys
 * and pick a free port.
 *
 * @param dir a private temporary directory
 * @param name file-name-safe node name
 * @param options the seed (default 32 random bytes) and the port (default a free one)
 * @returns the prepared node
 */
export async function prepareNode(
  dir: string,
  name: string,
  options: { seed?: Uint8Array; port?: number } = {},
): Promise<PreparedNode> {
  const seed = options.seed ?? crypto.getRandomValues(new Uint8Array(32));
  const keyFile = `${dir}/${name}_key.json`;
  await Deno.writeTextFile(keyFile, formatNodeKeyFile(seed), { createNew: true, mode: 0o600 });
  await Deno.chmod(keyFile, 0o600);
  const keys = await nodeKeysFromSeed(seed, await testProvider());
  const port = options.port ?? freePort();
  return {
    name,
    keyFile,
    keys,
    ed25519: toHex(keys.ed25519Public),
    x25519: toHex(keys.x25519Public),
    port,
    http: `http://${LOOPBACK}:${port}`,
  };
}

/**
 * The text of a directory file (directory.ts format) listing `nodes`.
 *
 * @param nodes Ed25519, X25519 and origin of each node
 * @returns the JSON text
 */
export function directoryText(nodes: readonly { ed25519: string; x25519: string; http: string }[]): string {
  const out: Record<string, { x25519: string; http: string }> = {};
  for (const n of nodes) out[n.ed25519] = { x25519: n.x25519, http: n.http };
  return JSON.stringify({ format: DIRECTORY_FORMAT, nodes: out }, null, 2);
}

/** Options of {@link startGateway}. */
export interface StartGatewayOptions {
  /** Name for messages. */
  name?: string;
  /** Key file (`--key-file`). */
  keyFile: string;
  /** Port (`--port`). */
  port: number;
  /** Directory file (`--directory-file`). */
  directoryFile?: string;
  /** Further settings as flags without the leading `--` (`{"rate-limit-burst": "10"}`). */
  flags?: Readonly<Record<string, string>>;
  /** Extra environment (merged into the parent's). */
  env?: Readonly<Record<string, string>>;
  /** Flags for `deno run` before the script (`--inspect=…`, `--v8-flags=…`). */
  denoFlags?: readonly string[];
}

/** A running gateway child process. */
export interface GatewayProcess {
  /** Name for messages. */
  readonly name: string;
  /** Process id (the deno process itself; read /proc/<pid>/status for its memory). */
  readonly pid: number;
  /** The port it listens on. */
  readonly port: number;
  /** Its origin, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Deno.CommandStatus>;
  /** True once the process has exited. */
  readonly hasExited: boolean;
  /** The last few KiB of its stdout and stderr. */
  output(): string;
  /**
   * Poll `GET /health` until it answers 200 `ok`, the process exits, or the bound passes.
   *
   * @param timeoutMs bound, default 15 s
   * @throws {Error} with the child's output when it is not ready in time or exited
   */
  waitReady(timeoutMs?: number): Promise<void>;
  /**
   * Send a signal (no-op once exited).
   *
   * @param signal the signal
   */
  kill(signal: Deno.Signal): void;
  /**
   * SIGTERM, then SIGKILL if it has not exited within `graceMs`; waits for the exit and for its
   * output pipes to close.
   *
   * @param graceMs time between the two signals, default 3 s
   * @returns the exit status
   */
  stop(graceMs?: number): Promise<Deno.CommandStatus>;
}

/** Collect a stream's text into a bounded tail; resolves when the stream ends. */
async function drain(stream: ReadableStream<Uint8Array>, append: (text: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  try {
    for await (const chunk of stream) append(decoder.decode(chunk, { stream: true }));
  } catch {
    // The pipe closed under us: nothing more to read.
  }
}

/**
 * Start `deno run -A gateway/main.ts` with the given key file, port and settings. Its output is
 * drained continuously (a full pipe would block the child) and the last 16 KiB are kept.
 *
 * @param options key file, port, directory file, settings, environment, deno flags
 * @returns the process handle; call {@link GatewayProcess.waitReady} before using it and
 *   {@link GatewayProcess.stop} in a `finally`
 */
export function startGateway(options: StartGatewayOptions): GatewayProcess {
  const args = [
    "run",
    "-A",
    ...(options.denoFlags ?? []),
    GATEWAY_MAIN,
    "--hostname",
    LOOPBACK,
    "--port",
    String(options.port),
    "--key-file",
    options.keyFile,
  ];
  if (options.directoryFile !== undefined) args.push("--directory-file", options.directoryFile);
  for (const [flag, value] of Object.entries(options.flags ?? {})) args.push(`--${flag}`, value);
  const child = new Deno.Command(Deno.execPath(), {
    args,
    env: { ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();

  const name = options.name ?? `gateway:${options.port}`;
  const url = `http://${LOOPBACK}:${options.port}`;
  let tail = "";
  const append = (text: string) => {
    tail += text;
    if (tail.length > 2 * OUTPUT_TAIL_CHARS) tail = tail.slice(-OUTPUT_TAIL_CHARS);
  };
  const pipes = Promise.all([drain(child.stdout, append), drain(child.stderr, append)]);
  let exitedFlag = false;
  const exited = child.status.then((status) => {
    exitedFlag = true;
    return status;
  });

  const output = () => tail.slice(-OUTPUT_TAIL_CHARS);

  async function waitReady(timeoutMs = DEFAULT_READY_TIMEOUT_MS): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let last = "no answer yet";
    while (performance.now() < deadline) {
      if (exitedFlag) break;
      try {
        const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(READY_REQUEST_TIMEOUT_MS) });
        const text = await res.text();
        if (res.status === 200 && text === "ok") return;
        last = `status ${res.status}`;
      } catch (err) {
        last = err instanceof Error ? err.name : String(err);
      }
      await new Promise((resolve) => setTimeout(resolve, READY_POLL_INTERVAL_MS));
    }
    const why = exitedFlag ? `exited (${JSON.stringify(await exited)})` : `not ready after ${timeoutMs} ms (${last})`;
    throw new Error(`${name} ${why}; output:\n${output()}`);
  }

  function kill(signal: Deno.Signal): void {
    if (exitedFlag) return;
    try {
      child.kill(signal);
    } catch {
      // Exited between the check and the signal.
    }
  }

  async function stop(graceMs = DEFAULT_STOP_GRACE_MS): Promise<Deno.CommandStatus> {
    kill("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const forced = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        kill("SIGKILL");
        resolve();
      }, graceMs);
    });
    try {
      await Promise.race([exited, forced]);
      return await exited;
    } finally {
      clearTimeout(timer);
      await pipes;
    }
  }

  return {
    name,
    pid: child.pid,
    port: options.port,
    url,
    exited,
    get hasExited() {
      return exitedFlag;
    },
    output,
    waitReady,
    kill,
    stop,
  };
}

/**
 * Stop every process (in parallel), each SIGTERM then SIGKILL after `graceMs`.
 *
 * @param processes the processes
 * @param graceMs time between the two signals
 */
export async function stopAll(processes: readonly GatewayProcess[], graceMs = DEFAULT_STOP_GRACE_MS): Promise<void> {
  await Promise.all(processes.map((p) => p.stop(graceMs)));
}

/**
 * Resident set size and its peak of a process, from `/proc/<pid>/status` (Linux), in bytes.
 *
 * @param pid the process id
 * @returns `{ rss, peak }` (`VmRSS`, `VmHWM`), or undefined when unavailable
 */
export function readRss(pid: number): { rss: number; peak: number } | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/status`);
  } catch {
    return undefined;
  }
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(text);
    return m === null ? NaN : Number(m[1]) * 1024;
  };
  const rss = field("VmRSS");
  const peak = field("VmHWM");
  return Number.isFinite(rss) ? { rss, peak: Number.isFinite(peak) ? peak : rss } : undefined;
}

/**
 * The first line a child process prints, read within a time bound (at most 4 KiB).
 *
 * @param stream the child's stdout
 * @param timeoutMs bound on the wait
 * @returns the first line, without its newline ("" when nothing came)
 */
export async function readFirstLine(stream: ReadableStream<Uint8Array>, timeoutMs: number): Promise<string> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const timer = setTimeout(() => reader.cancel("timed out"), timeoutMs);
  try {
    while (!buffered.includes("\n") && buffered.length < 4096) {
      const { done, value } = await reader.read();
      if (done) break;
      buffered += value;
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
  return buffered.split("\n")[0];
}
