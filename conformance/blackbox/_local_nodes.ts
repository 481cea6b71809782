/**
 * Local allium gateways for the black-box tests and the CI self-check (private to this folder):
 * Deno gateways (`gateway/main.ts` processes, via gateway/_testing/processes.ts) and workerd
 * gateways (the esbuild bundle served by the `workerd` binary, as gateway/runtimes/runtimes_test.ts
 * does), all on 127.0.0.1, sharing one directory so each can relay to the others. Every start is
 * bounded; the caller stops what it started with {@link stopGateways} in a `finally`.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultProvider, toHex } from "../../mod.ts";
import {
  directoryText,
  freePort,
  type GatewayProcess,
  LOOPBACK,
  type PreparedNode,
  prepareNode,
  startGateway,
} from "../../gateway/_testing/processes.ts";
import { nodeKeysFromSeed } from "../../gateway/node_keys.ts";
import { buildGateway, type GatewayBuild } from "../../gateway/runtimes/build.ts";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));
const WORKERD = join(ROOT, "node_modules/.bin/workerd");
/** Bound on a gateway becoming ready, ms. */
const READY_TIMEOUT_MS = 15_000;
/** Pause between readiness polls, ms. */
const READY_POLL_MS = 50;
/** Time between SIGTERM and SIGKILL, ms. */
const STOP_GRACE_MS = 3_000;
/** Characters of a workerd process's output kept for messages. */
const OUTPUT_TAIL_CHARS = 8 * 1024;

/** A running local gateway. */
export interface LocalGateway {
  /** Name for messages. */
  name: string;
  /** Its origin, `http://127.0.0.1:<port>`. */
  url: string;
  /** Its port. */
  port: number;
  /** Ed25519 public key, hex. */
  ed25519: string;
  /** X25519 public key, hex. */
  x25519: string;
  /** The last few KiB of its output. */
  output(): string;
  /** SIGTERM, then SIGKILL after a bound; resolves once it exited. */
  stop(): Promise<void>;
}

/** One gateway to start. */
export interface GatewaySpec {
  /** File-name-safe name. */
  name: string;
  /** Ed25519 seed; default random. Two gateways with one seed are the same node in two processes. */
  seed?: Uint8Array;
  /** Settings as flags without `--` (Deno) / `ALLIUM_*` bindings (workerd), e.g. `{"pad-replies": "false"}`. */
  flags?: Readonly<Record<string, string>>;
  /** Whether the shared directory lists it; default true. */
  listed?: boolean;
}

/**
 * Stop gateways in parallel.
 *
 * @param gateways the gateways
 */
export async function stopGateways(gateways: readonly LocalGateway[]): Promise<void> {
  await Promise.all(gateways.map((g) => g.stop().catch(() => {})));
}

/**
 * Start Deno gateways (`deno run -A gateway/main.ts`) with a shared directory file.
 *
 * @param dir a private temporary folder (key files, directory file)
 * @param specs the gateways
 * @returns the running gateways, in spec order
 * @throws {Error} with the output of one that did not become ready (all started are stopped)
 */
export async function startDenoGateways(dir: string, specs: readonly GatewaySpec[]): Promise<LocalGateway[]> {
  const prepared: PreparedNode[] = [];
  for (const s of specs) prepared.push(await prepareNode(dir, s.name, { seed: s.seed }));
  const directoryFile = join(dir, `directory_${crypto.randomUUID()}.json`);
  await Deno.writeTextFile(directoryFile, directoryText(prepared.filter((_, i) => specs[i].listed ?? true)));
  const processes: GatewayProcess[] = prepared.map((p, i) =>
    startGateway({
      name: p.name,
      keyFile: p.keyFile,
      port: p.port,
      directoryFile,
      flags: { "log-level": "error", ...specs[i].flags },
    })
  );
  const gateways = processes.map((proc, i): LocalGateway => ({
    name: proc.name,
    url: proc.url,
    port: proc.port,
    ed25519: prepared[i].ed25519,
    x25519: prepared[i].x25519,
    output: proc.output,
    stop: async () => void await proc.stop(STOP_GRACE_MS),
  }));
  try {
    await Promise.all(processes.map((p) => p.waitReady(READY_TIMEOUT_MS)));
  } catch (err) {
    await stopGateways(gateways);
    throw err;
  }
  return gateways;
}

/**
 * Build the workerd bundle (outbound fetch allowed to loopback, for relaying to local nodes).
 *
 * @param dir output folder (inside the repository's `.allium/`)
 * @returns the build
 */
export function buildWorkerd(dir: string): Promise<GatewayBuild> {
  return buildGateway({ outDir: dir, outbound: ["local"] });
}

/** `ALLIUM_FOO_BAR` for the flag `foo-bar`. */
function envName(flag: string): string {
  return `ALLIUM_${flag.toUpperCase().replaceAll("-", "_")}`;
}

/** Poll `GET /health` until `200 ok`, the process exits, or the bound passes. */
async function waitHealthy(url: string, exited: () => boolean): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!exited() && Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
      if (res.status === 200 && (await res.text()) === "ok") return true;
      await res.body?.cancel();
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
  return false;
}

/**
 * Start workerd gateways serving `build`, each with `NODE_SEED` and the shared `DIRECTORY_JSON`.
 *
 * @param build the bundle ({@link buildWorkerd})
 * @param specs the gateways
 * @returns the running gateways, in spec order
 * @throws {Error} with the output of one that did not become ready (all started are stopped)
 */
export async function startWorkerdGateways(
  build: GatewayBuild,
  specs: readonly GatewaySpec[],
): Promise<LocalGateway[]> {
  const provider = await defaultProvider();
  const nodes = [];
  for (const s of specs) {
    const seed = s.seed ?? crypto.getRandomValues(new Uint8Array(32));
    const keys = await nodeKeysFromSeed(seed, provider);
    const port = freePort();
    nodes.push({
      spec: s,
      seed,
      port,
      ed25519: toHex(keys.ed25519Public),
      x25519: toHex(keys.x25519Public),
      http: `http://${LOOPBACK}:${port}`,
    });
  }
  const directory = directoryText(nodes.filter((n) => n.spec.listed ?? true));
  const gateways: LocalGateway[] = [];
  try {
    for (const n of nodes) {
      const env: Record<string, string> = {
        PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
        NODE_SEED: toHex(n.seed),
        DIRECTORY_JSON: directory,
        ALLIUM_LOG_LEVEL: "error",
      };
      for (const [flag, value] of Object.entries(n.spec.flags ?? {})) env[envName(flag)] = value;
      const child = new Deno.Command(WORKERD, {
        args: ["serve", build.workerdConfig, "--socket-addr", `http=${LOOPBACK}:${n.port}`],
        env,
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      let tail = "";
      const drain = async (stream: ReadableStream<Uint8Array>) => {
        try {
          for await (const text of stream.pipeThrough(new TextDecoderStream())) {
            tail = (tail + text).slice(-OUTPUT_TAIL_CHARS);
          }
        } catch {
          // closed
        }
      };
      const pipes = Promise.all([drain(child.stdout), drain(child.stderr)]);
      let exited = false;
      const status = child.status.then((s) => ((exited = true), s));
      gateways.push({
        name: `workerd:${n.spec.name}`,
        url: n.http,
        port: n.port,
        ed25519: n.ed25519,
        x25519: n.x25519,
        output: () => tail,
        stop: async () => {
          if (!exited) {
            try {
              child.kill("SIGTERM");
            } catch {
              // exited meanwhile
            }
          }
          let timer: ReturnType<typeof setTimeout> | undefined;
          const forced = new Promise<void>((resolve) => {
            timer = setTimeout(() => {
              if (!exited) {
                try {
                  child.kill("SIGKILL");
                } catch {
                  // exited meanwhile
                }
              }
              resolve();
            }, STOP_GRACE_MS);
          });
          await Promise.race([status, forced]);
          await status;
          clearTimeout(timer);
          await pipes;
        },
      });
      if (!(await waitHealthy(n.http, () => exited))) {
        throw new Error(`workerd:${n.spec.name} not ready after ${READY_TIMEOUT_MS} ms; output:\n${tail}`);
      }
    }
  } catch (err) {
    await stopGateways(gateways);
    throw err;
  }
  return gateways;
}

/**
 * A temporary folder under the repository's `.allium/` (gitignored; the gateway bundles are built
 * there as in runtimes_test.ts).
 *
 * @param prefix folder name prefix
 * @returns its path
 */
export async function makeWorkDir(prefix: string): Promise<string> {
  await Deno.mkdir(join(ROOT, ".allium"), { recursive: true });
  return await Deno.makeTempDir({ dir: join(ROOT, ".allium"), prefix });
}
