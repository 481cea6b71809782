/**
 * An implementation under test running as a child process and spoken to with the adapter
 * protocol (`protocol.ts`): spawn, handshake, one request at a time with a deadline, and a clear
 * {@link AdapterFailure} when the process crashes, hangs or breaks the protocol — never a hang of
 * the runner.
 *
 * @module
 */

import {
  type Answer,
  HELLO,
  type Hello,
  type JsonObject,
  type Operation,
  parseAnswer,
  parseHello,
  PROTOCOL_VERSION,
} from "./protocol.ts";

/** How an adapter failed (as opposed to answering, even wrongly). */
export type AdapterFailureKind = "start" | "crash" | "hang" | "protocol";

/** The adapter process could not answer: it did not start, exited, did not answer in time, or wrote garbage. */
export class AdapterFailure extends Error {
  /** What went wrong. */
  readonly kind: AdapterFailureKind;
  /**
   * @param kind what went wrong
   * @param message one line for the report
   */
  constructor(kind: AdapterFailureKind, message: string) {
    super(message);
    this.name = "AdapterFailure";
    this.kind = kind;
  }
}

/** Options for {@link AdapterProcess.start}. */
export interface AdapterOptions {
  /** Deadline for each answer. Default {@link DEFAULT_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Deadline for the `hello` answer, start-up included. Default the larger of `timeoutMs` and {@link MIN_START_TIMEOUT_MS}. */
  startTimeoutMs?: number;
  /** Working directory of the child; default the runner's. */
  cwd?: string;
}

/** Default per-request deadline. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Least deadline of the handshake, which includes the adapter's start-up (compiling, imports). */
export const MIN_START_TIMEOUT_MS = 30_000;
/** How long `close` waits for the adapter to exit after its stdin closes before killing it. */
const EXIT_GRACE_MS = 2_000;
/** Longest answer line accepted (a vector's largest answer is well below 1 MiB). */
const MAX_LINE_BYTES = 64 * 1024 * 1024;
/** How much of the adapter's stderr is kept for failure messages. */
const STDERR_TAIL_CHARS = 2_000;
/** How much of that tail a failure message quotes. */
const STDERR_QUOTE_CHARS = 300;

/** Reads `\n`-separated lines from a byte stream, one at a time. */
class LineReader {
  #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  #ended = false;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** The next line, or null at end of stream. */
  async next(): Promise<string | null> {
    while (true) {
      const nl = this.#buffer.indexOf("\n");
      if (nl >= 0) {
        const line = this.#buffer.slice(0, nl).replace(/\r$/, "");
        this.#buffer = this.#buffer.slice(nl + 1);
        return line;
      }
      if (this.#ended) return null;
      const { value, done } = await this.#reader.read();
      if (done) {
        this.#ended = true;
        if (this.#buffer.length > 0) {
          const rest = this.#buffer;
          this.#buffer = "";
          return rest;
        }
        return null;
      }
      this.#buffer += value;
      if (this.#buffer.length > MAX_LINE_BYTES) {
        throw new AdapterFailure("protocol", `adapter wrote a line longer than ${MAX_LINE_BYTES} characters`);
      }
    }
  }

  async cancel(): Promise<void> {
    try {
      await this.#reader.cancel();
    } catch {
      // already closed
    }
  }
}

/**
 * A running adapter.
 *
 * @example Talking to an adapter (here a one-line Deno script that answers hello, then exits)
 * ```ts
 * import { AdapterFailure, AdapterProcess } from "./adapter_process.ts";
 * const script = `console.log(JSON.stringify({ id: 0, result: { protocol: "allium-conformance/1", name: "tiny", operations: ["hop.encrypt"] } }));`;
 * const adapter = await AdapterProcess.start([Deno.execPath(), "eval", script], { timeoutMs: 5000 });
 * if (adapter.hello.name !== "tiny") throw new Error("bad");
 * try {
 *   await adapter.call("hop.encrypt", {});
 *   throw new Error("an exited adapter must fail");
 * } catch (e) {
 *   if (!(e instanceof AdapterFailure) || e.kind !== "crash") throw e;
 * }
 * await adapter.close();
 * ```
 */
export class AdapterProcess {
  #hello: Hello | undefined;
  #child: Deno.ChildProcess;
  #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #stdout: LineReader;
  #stderrTail = "";
  #stderr: ReadableStreamDefaultReader<string>;
  #stderrDone: Promise<void>;
  #nextId = 1;
  #timeoutMs: number;
  #dead = false;
  #encoder = new TextEncoder();

  /**
   * Wrap a spawned child; use {@link AdapterProcess.start}, which also does the handshake.
   *
   * @param child the process, with all three standard streams piped
   * @param timeoutMs deadline for each answer
   */
  constructor(child: Deno.ChildProcess, timeoutMs: number) {
    this.#child = child;
    this.#timeoutMs = timeoutMs;
    this.#stdin = child.stdin.getWriter();
    this.#stdout = new LineReader(child.stdout);
    this.#stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    this.#stderrDone = this.#pumpStderr();
  }

  /** The handshake answer: name, version and operations. */
  get hello(): Hello {
    if (this.#hello === undefined) throw new Error("Cannot read hello: the handshake has not happened");
    return this.#hello;
  }

  /**
   * Spawn the adapter and do the handshake.
   *
   * @param command program and arguments
   * @param options deadline and working directory
   * @returns the running adapter
   * @throws {AdapterFailure} when it cannot be spawned or the handshake fails
   */
  static async start(command: readonly string[], options: AdapterOptions = {}): Promise<AdapterProcess> {
    if (command.length === 0) throw new AdapterFailure("start", "Cannot start adapter: empty command");
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(command[0], {
        args: command.slice(1),
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
        cwd: options.cwd,
      }).spawn();
    } catch (e) {
      throw new AdapterFailure("start", `Cannot start adapter ${JSON.stringify(command[0])}: ${(e as Error).message}`);
    }
    const adapter = new AdapterProcess(child, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    try {
      const answer = await adapter.#request(
        0,
        HELLO,
        { protocol: PROTOCOL_VERSION },
        options.startTimeoutMs ?? Math.max(adapter.#timeoutMs, MIN_START_TIMEOUT_MS),
      );
      adapter.#hello = parseHello(answer);
    } catch (e) {
      await adapter.close();
      if (e instanceof AdapterFailure) throw new AdapterFailure("start", `Cannot start adapter: ${e.message}`);
      throw new AdapterFailure("start", (e as Error).message);
    }
    return adapter;
  }

  /** Whether the process failed (crashed, hung, broke the protocol) and must be replaced. */
  get dead(): boolean {
    return this.#dead;
  }

  /**
   * Send one request and wait for its answer.
   *
   * @param op the operation
   * @param args its arguments
   * @returns the answer
   * @throws {AdapterFailure} on a crash, a missed deadline or a protocol violation; the process
   *   is then killed and {@link dead}
   */
  call(op: Operation, args: JsonObject): Promise<Answer> {
    if (this.#dead) return Promise.reject(new AdapterFailure("crash", "adapter is no longer running"));
    return this.#request(this.#nextId++, op, args);
  }

  async #request(id: number, op: string, args: JsonObject, timeoutMs = this.#timeoutMs): Promise<Answer> {
    const line = JSON.stringify({ id, op, args }) + "\n";
    // A write can fail because the adapter already exited; what it wrote before is still read below.
    await this.#stdin.write(this.#encoder.encode(line)).catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    let got: string | null | "timeout";
    try {
      got = await Promise.race([this.#stdout.next(), deadline]);
    } catch (e) {
      if (e instanceof AdapterFailure) throw await this.#fail(e.kind, e.message);
      throw await this.#fail("crash", `reading the adapter's stdout failed: ${(e as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    if (got === "timeout") {
      throw await this.#fail("hang", `adapter did not answer ${op} within ${timeoutMs} ms`);
    }
    if (got === null) {
      const status = await this.#statusWithin(EXIT_GRACE_MS);
      const how = status === undefined
        ? "closed its stdout"
        : status.signal
        ? `was killed by ${status.signal}`
        : `exited with code ${status.code}`;
      throw await this.#fail("crash", `adapter ${how} while answering ${op}`);
    }
    try {
      return parseAnswer(got, id);
    } catch (e) {
      throw await this.#fail("protocol", `${(e as Error).message} (answering ${op})`);
    }
  }

  /** Kill the process, remember it is dead, and build the failure with the stderr tail. */
  async #fail(kind: AdapterFailureKind, message: string): Promise<AdapterFailure> {
    this.#dead = true;
    await this.close();
    const tail = this.#stderrTail.trim();
    const quote = tail.length === 0 ? "" : `; stderr: ${JSON.stringify(tail.slice(-STDERR_QUOTE_CHARS))}`;
    return new AdapterFailure(kind, message + quote);
  }

  async #pumpStderr(): Promise<void> {
    try {
      while (true) {
        const { value, done } = await this.#stderr.read();
        if (done) return;
        this.#stderrTail = (this.#stderrTail + value).slice(-STDERR_TAIL_CHARS);
      }
    } catch {
      // the stream was cancelled
    }
  }

  async #statusWithin(ms: number): Promise<Deno.CommandStatus | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    });
    try {
      return await Promise.race([this.#child.status, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  #closed?: Promise<void>;

  /**
   * Close the adapter's stdin, give it {@link EXIT_GRACE_MS} to exit, then kill it. Safe to call
   * more than once.
   *
   * @returns when the process and its pipes are gone
   */
  close(): Promise<void> {
    this.#closed ??= this.#doClose();
    return this.#closed;
  }

  async #doClose(): Promise<void> {
    try {
      await this.#stdin.close();
    } catch {
      // the process is already gone
    }
    if ((await this.#statusWithin(this.#dead ? 0 : EXIT_GRACE_MS)) === undefined) {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // exited in between
      }
    }
    await this.#child.status;
    // A grandchild (the adapter started through a shell) may still hold the pipes: stop reading.
    await this.#stdout.cancel();
    if ((await Promise.race([this.#stderrDone.then(() => true), this.#statusWithin(EXIT_GRACE_MS)])) !== true) {
      await this.#stderr.cancel().catch(() => {});
      await this.#stderrDone;
    }
  }
}
