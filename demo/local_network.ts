/**
 * A local network of service nodes on 127.0.0.1: one `deno run gateway/service_node/main.ts`
 * process per node (each with its own key file, SQLite store and ZeroMQ child), sharing one
 * registry file whose swarms come from the chain's rebalancing algorithm. Used by `npm start`
 * (demo/network.ts) and by the multi-process network tests.
 *
 * Layout under the data directory:
 *
 * ```
 * network.json           what a client needs: the registry's file name and the file app's address and key
 * registry.json          the registry (gateway/registry.ts), rewritten atomically on every change
 * files/key.json         the file app's key file; files/data/ its uploads; files/files.log its output
 * node-00/key.json       node key file (mode 0600)
 * node-00/data/          the node's SQLite store
 * node-00/node.log       the node's stdout and stderr
 * ```
 *
 * Every process is stopped by {@link LocalNetwork.stop} (SIGTERM, then SIGKILL after a bound).
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { type CryptoProvider, toHex } from "../mod.ts";
import { formatNodeKeyFile, nodeKeysFromSeed } from "../gateway/node_keys.ts";
import {
  advanceRegistry,
  formatRegistry,
  type NewRegistryNode,
  type Registry,
  REGISTRY_SEED_BYTES,
} from "../gateway/registry.ts";
import type { ClientNode } from "../client/onion_client.ts";

/** The service-node entry point. */
export const SERVICE_NODE_MAIN: string = fileURLToPath(new URL("../gateway/service_node/main.ts", import.meta.url));
/** The file app's entry point (attachments, reached over onion paths). */
export const FILE_SERVER_MAIN: string = fileURLToPath(new URL("../gateway/file_server/main.ts", import.meta.url));
/** The `format` of network.json. */
export const NETWORK_FORMAT = "allium-network/1";

/** What network.json says: everything a client needs to use the network. */
export interface NetworkDescriptor {
  /** {@link NETWORK_FORMAT}. */
  readonly format: string;
  /** The registry file, relative to network.json's directory. */
  readonly registry: string;
  /** The file app (attachments): host, port and X25519 key; absent when the network has none. */
  readonly fileServer?: { readonly host: string; readonly port: number; readonly x25519: string };
}
/** Every node binds and is reached on loopback. */
export const LOOPBACK = "127.0.0.1";
/** Default bound on a node's start, ms. */
const DEFAULT_START_TIMEOUT_MS = 30_000;
/** Default time between SIGTERM and SIGKILL, ms. */
const DEFAULT_STOP_GRACE_MS = 5_000;
/** Characters of a node's output kept in memory for error messages. */
const OUTPUT_TAIL_CHARS = 8 * 1024;
/** Bytes of a node seed. */
const SEED_BYTES = 32;

/** One node of the local network. */
export interface LocalNode {
  /** `node-00`, `node-01`, … */
  readonly name: string;
  /** Its directory. */
  readonly dir: string;
  /** Its key file. */
  readonly keyFile: string;
  /** Ed25519 key (hex). */
  readonly ed25519: string;
  /** X25519 key (hex). */
  readonly x25519: string;
  /** HTTP port. */
  readonly httpsPort: number;
  /** ZeroMQ port. */
  readonly omqPort: number;
}

/** Options of {@link LocalNetwork.create}. */
export interface LocalNetworkOptions {
  /** Number of nodes. */
  readonly nodes: number;
  /** Data directory (created; must be empty or absent). */
  readonly dataDir: string;
  /** Crypto provider (keys, block seeds). */
  readonly provider: CryptoProvider;
  /** Network seed (32 bytes); default random. */
  readonly seed?: Uint8Array;
  /** Extra flags for every node (`{"log-level": "warn"}`). */
  readonly nodeFlags?: Readonly<Record<string, string>>;
  /** Start the file app for attachments too. Default true. */
  readonly fileServer?: boolean;
}

interface Running {
  child: Deno.ChildProcess;
  exited: Promise<Deno.CommandStatus>;
  done: boolean;
  tail: string;
  pumps: Promise<void>;
}

/** Attempts at finding a port not handed out before. */
const PORT_ATTEMPTS = 1_000;

/**
 * A free TCP port on 127.0.0.1 (bound, read, released) that is not in `taken`; the kernel may
 * hand the same ephemeral port out twice in a row, so every port given out is remembered.
 */
function freePort(taken: Set<number>): number {
  for (let i = 0; i < PORT_ATTEMPTS; i++) {
    const listener = Deno.listen({ hostname: LOOPBACK, port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    if (!taken.has(port)) {
      taken.add(port);
      return port;
    }
  }
  throw new Error("Cannot find a free port on 127.0.0.1");
}

/** The local network. */
export class LocalNetwork {
  #o: LocalNetworkOptions;
  #registry: Registry;
  #nodes: LocalNode[] = [];
  #running = new Map<string, Running>();
  #nextIndex = 0;
  #ports = new Set<number>();
  #files: { port: number; x25519: string; keyFile: string; running?: Running } | undefined;

  private constructor(options: LocalNetworkOptions, registry: Registry) {
    this.#o = options;
    this.#registry = registry;
  }

  /**
   * Prepare the nodes (keys, ports, directories) and write the first registry. Starts nothing.
   *
   * @param options node count, data directory, provider, seed, node flags
   * @returns the network
   * @throws {RangeError} for fewer than 1 node
   */
  static async create(options: LocalNetworkOptions): Promise<LocalNetwork> {
    if (!Number.isInteger(options.nodes) || options.nodes < 1) {
      throw new RangeError(`Cannot create network: ${options.nodes} nodes, need at least 1`);
    }
    await Deno.mkdir(options.dataDir, { recursive: true, mode: 0o700 });
    const seed = options.seed ?? options.provider.randomBytes(REGISTRY_SEED_BYTES);
    const net = new LocalNetwork(options, { height: 0, seed, nodes: [] });
    if (options.fileServer !== false) await net.#prepareFileServer();
    await net.#writeDescriptor();
    const add: NewRegistryNode[] = [];
    for (let i = 0; i < options.nodes; i++) add.push(await net.#prepareNode());
    await net.#advance({ add });
    return net;
  }

  /** network.json: what a client needs (registry, file app). */
  get descriptorFile(): string {
    return `${this.#o.dataDir}/network.json`;
  }

  /** The file app's address and key, when the network has one. */
  get fileServer(): { host: string; port: number; x25519: string } | undefined {
    return this.#files === undefined
      ? undefined
      : { host: LOOPBACK, port: this.#files.port, x25519: this.#files.x25519 };
  }

  async #prepareFileServer(): Promise<void> {
    const dir = `${this.#o.dataDir}/files`;
    await Deno.mkdir(`${dir}/data`, { recursive: true, mode: 0o700 });
    const seed = this.#o.provider.randomBytes(SEED_BYTES);
    const keyFile = `${dir}/key.json`;
    await Deno.writeTextFile(keyFile, formatNodeKeyFile(seed), { createNew: true, mode: 0o600 });
    await Deno.chmod(keyFile, 0o600);
    const keys = await nodeKeysFromSeed(seed, this.#o.provider);
    seed.fill(0);
    this.#files = { port: freePort(this.#ports), x25519: toHex(keys.x25519Public), keyFile };
  }

  async #writeDescriptor(): Promise<void> {
    const descriptor: NetworkDescriptor = {
      format: NETWORK_FORMAT,
      registry: "registry.json",
      ...(this.fileServer === undefined ? {} : { fileServer: this.fileServer }),
    };
    await Deno.writeTextFile(this.descriptorFile, JSON.stringify(descriptor, null, 2) + "\n");
  }

  /** The registry file. */
  get registryFile(): string {
    return `${this.#o.dataDir}/registry.json`;
  }

  /** The current registry. */
  get registry(): Registry {
    return this.#registry;
  }

  /** Every node ever prepared, in creation order. */
  get nodes(): readonly LocalNode[] {
    return this.#nodes;
  }

  /**
   * Whether a node's process is running.
   *
   * @param node the node
   * @returns true while it runs
   */
  isRunning(node: LocalNode): boolean {
    const r = this.#running.get(node.ed25519);
    return r !== undefined && !r.done;
  }

  /**
   * The registry's nodes as a client sees them.
   *
   * @returns nodes with keys and origins
   */
  clientNodes(): ClientNode[] {
    return this.#registry.nodes.map((n) => ({
      ed25519: n.ed25519,
      x25519: n.x25519,
      http: `http://${n.ip}:${n.httpsPort}`,
    }));
  }

  /**
   * The local node with this key.
   *
   * @param ed25519 the key
   * @returns the node
   * @throws {RangeError} when unknown
   */
  node(ed25519: string): LocalNode {
    const node = this.#nodes.find((n) => n.ed25519 === ed25519);
    if (node === undefined) throw new RangeError(`Unknown node ${ed25519}`);
    return node;
  }

  async #prepareNode(): Promise<NewRegistryNode & LocalNode> {
    const name = `node-${String(this.#nextIndex++).padStart(2, "0")}`;
    const dir = `${this.#o.dataDir}/${name}`;
    await Deno.mkdir(`${dir}/data`, { recursive: true, mode: 0o700 });
    const seed = this.#o.provider.randomBytes(SEED_BYTES);
    const keyFile = `${dir}/key.json`;
    await Deno.writeTextFile(keyFile, formatNodeKeyFile(seed), { createNew: true, mode: 0o600 });
    await Deno.chmod(keyFile, 0o600);
    const keys = await nodeKeysFromSeed(seed, this.#o.provider);
    seed.fill(0);
    const node = {
      name,
      dir,
      keyFile,
      ed25519: toHex(keys.ed25519Public),
      x25519: toHex(keys.x25519Public),
      ip: LOOPBACK,
      httpsPort: freePort(this.#ports),
      omqPort: freePort(this.#ports),
    };
    this.#nodes.push(node);
    return node;
  }

  async #advance(change: { add?: NewRegistryNode[]; remove?: string[] }): Promise<void> {
    this.#registry = await advanceRegistry(this.#registry, change, this.#o.provider);
    const tmp = `${this.registryFile}.tmp`;
    await Deno.writeTextFile(tmp, formatRegistry(this.#registry));
    await Deno.rename(tmp, this.registryFile); // atomic: a node never reads half a file
  }

  /**
   * Start every prepared node that is not running and wait until all listen.
   *
   * @param timeoutMs bound per node
   * @throws {Error} with the node's output when one does not start in time
   */
  async startAll(timeoutMs = DEFAULT_START_TIMEOUT_MS): Promise<void> {
    const files = this.#files;
    const fileServer = files === undefined || (files.running && !files.running.done) ? Promise.resolve() : this.#spawn(
      "file app",
      [
        FILE_SERVER_MAIN,
        "--port",
        String(files.port),
        "--key-file",
        files.keyFile,
        "--data-dir",
        `${this.#o.dataDir}/files/data`,
      ],
      `${this.#o.dataDir}/files/files.log`,
      timeoutMs,
    ).then((r) => void (files.running = r));
    await Promise.all([
      fileServer,
      ...this.#nodes.filter((n) => !this.isRunning(n)).map((n) => this.start(n, timeoutMs)),
    ]);
  }

  /**
   * Start one node's process and wait for its `listening` line.
   *
   * @param node the node
   * @param timeoutMs bound
   * @throws {Error} with the node's output when it exits or does not listen in time
   */
  async start(node: LocalNode, timeoutMs = DEFAULT_START_TIMEOUT_MS): Promise<void> {
    const fileFlags = this.#files === undefined ? [] : ["--server-relay-loopback-ports", String(this.#files.port)];
    const flags = [...fileFlags, ...Object.entries(this.#o.nodeFlags ?? {}).flatMap(([k, v]) => [`--${k}`, v])];
    const running = await this.#spawn(
      node.name,
      [
        SERVICE_NODE_MAIN,
        "--hostname",
        LOOPBACK,
        "--key-file",
        node.keyFile,
        "--registry-file",
        this.registryFile,
        "--data-dir",
        `${node.dir}/data`,
        ...flags,
      ],
      `${node.dir}/node.log`,
      timeoutMs,
    );
    this.#running.set(node.ed25519, running);
  }

  /** Start `deno run -A <args>`, log its output to `logFile`, and wait for its `listening` line. */
  async #spawn(name: string, args: string[], logFile: string, timeoutMs: number): Promise<Running> {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const log = await Deno.open(logFile, { create: true, append: true });
    const running: Running = { child, exited: child.status, done: false, tail: "", pumps: Promise.resolve() };
    let listening: () => void = () => {};
    const listened = new Promise<void>((resolve) => (listening = resolve));
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of stream) {
          await log.write(chunk);
          running.tail = (running.tail + decoder.decode(chunk, { stream: true })).slice(-OUTPUT_TAIL_CHARS);
          if (running.tail.includes('"event":"listening"')) listening();
        }
      } catch {
        // the pipe closed: nothing more to read
      }
    };
    running.pumps = Promise.all([pump(child.stdout), pump(child.stderr)]).then(() => log.close());
    running.exited = child.status.then((s) => {
      running.done = true;
      return s;
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      listened.then(() => "ok" as const),
      running.exited.then(() => "exited" as const),
      new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (outcome !== "ok") {
      await LocalNetwork.#stopProcess(running, DEFAULT_STOP_GRACE_MS);
      throw new Error(`Cannot start ${name}: ${outcome}\n${running.tail}`);
    }
    return running;
  }

  /**
   * The last few KiB a node printed.
   *
   * @param node the node
   * @returns its output tail
   */
  output(node: LocalNode): string {
    return this.#running.get(node.ed25519)?.tail ?? "";
  }

  /**
   * Kill a node's process with a signal and wait for it to exit (it stays in the registry, as a
   * crashed node stays on the chain's list until it is deregistered).
   *
   * @param node the node
   * @param signal default SIGKILL
   */
  async kill(node: LocalNode, signal: Deno.Signal = "SIGKILL"): Promise<void> {
    const r = this.#running.get(node.ed25519);
    if (r === undefined || r.done) return;
    try {
      r.child.kill(signal);
    } catch {
      // already gone
    }
    await r.exited;
    await r.pumps;
  }

  /**
   * Stop one node: SIGTERM, then SIGKILL after `graceMs`.
   *
   * @param node the node
   * @param graceMs bound before SIGKILL
   */
  async stopNode(node: LocalNode, graceMs = DEFAULT_STOP_GRACE_MS): Promise<void> {
    const r = this.#running.get(node.ed25519);
    if (r !== undefined) await LocalNetwork.#stopProcess(r, graceMs);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; waits for the exit and the output pipes. */
  static async #stopProcess(r: Running, graceMs: number): Promise<void> {
    if (r.done) {
      await r.pumps;
      return;
    }
    try {
      r.child.kill("SIGTERM");
    } catch {
      // already gone
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const forced = new Promise<void>((resolve) =>
      timer = setTimeout(() => {
        try {
          r.child.kill("SIGKILL");
        } catch {
          // already gone
        }
        resolve();
      }, graceMs)
    );
    await Promise.race([r.exited, forced]);
    clearTimeout(timer);
    await r.exited;
    await r.pumps;
  }

  /**
   * A new node joins: keys and ports are prepared, the registry advances (swarms are
   * recomputed; members hand over messages, swarms-and-storage.md §4.1) and the node starts.
   *
   * @returns the new node
   */
  async join(): Promise<LocalNode> {
    const node = await this.#prepareNode();
    await this.#advance({ add: [node] });
    await this.start(node);
    return node;
  }

  /** Stop every node and the file app (in parallel). Safe to call more than once. */
  async stop(): Promise<void> {
    const files = this.#files?.running;
    await Promise.all([
      ...this.#nodes.map((n) => this.stopNode(n)),
      ...(files === undefined ? [] : [LocalNetwork.#stopProcess(files, DEFAULT_STOP_GRACE_MS)]),
    ]);
  }
}
