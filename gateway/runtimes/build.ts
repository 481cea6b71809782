/**
 * Builds the gateway for the runtimes that cannot run the TypeScript sources: a Node 20 bundle
 * and a Cloudflare workerd bundle, each made by esbuild from node_modules, plus a workerd config
 * (`workerd.capnp`) that serves the worker bundle. Bun runs bun.ts directly and Deno main.ts.
 *
 * ```sh
 * node_modules/.bin/deno run -A gateway/runtimes/build.ts                 # → .allium/build/
 * node_modules/.bin/deno run -A gateway/runtimes/build.ts --out-dir DIR --workerd-outbound public,private
 * ```
 *
 * | output | made with |
 * | --- | --- |
 * | `node.mjs` | `--platform=node --format=esm --target=node20`; `sodium-native` stays external so the native provider loads from node_modules (the bundle must stay inside the repository, where node_modules is found) |
 * | `worker.mjs` | `--platform=browser --format=esm --conditions=workerd,worker,browser`; the sodium provider (and with it `node:crypto` and `sodium-native`) is left out: its dynamic import fails at run time and `defaultProvider()` takes WebCrypto |
 * | `workerd.capnp` | a worker with `compatibilityFlags = ["nodejs_compat"]`, every binding of worker.ts read `fromEnvironment` of the same name, and outbound fetch limited to the address classes given |
 *
 * @module
 */

import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { configFlagNames } from "../config.ts";

/** The repository root (two folders up from this file). */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The esbuild binary npm installed. */
const ESBUILD = join(ROOT, "node_modules/.bin/esbuild");
/** The default output folder (gitignored: `.allium/`). */
export const DEFAULT_OUT_DIR: string = join(ROOT, ".allium/build");
/**
 * The workerd compatibility date of the generated config. Before 2026-08-04, from which date
 * `nodejs_compat` is on by default and workerd warns that the flag is redundant.
 */
export const WORKERD_COMPATIBILITY_DATE = "2026-07-01";
/** The worker's own bindings (worker.ts); the `ALLIUM_*` settings come on top. */
const WORKER_BINDINGS = ["NODE_SEED", "DIRECTORY_JSON", "TRUST_CF_CONNECTING_IP"] as const;
/** workerd network address classes an outbound fetch may reach. */
export type OutboundClass = "public" | "private" | "local";

/** Paths of a build. */
export interface GatewayBuild {
  /** The Node 20 bundle: `node node.mjs [--flag value …]`. */
  node: string;
  /** The workerd bundle (an ES module worker). */
  worker: string;
  /** The workerd config embedding `worker.mjs`: `workerd serve workerd.capnp`. */
  workerdConfig: string;
}

/** Options of {@link buildGateway}. */
export interface BuildOptions {
  /** Output folder; default `.allium/build/` in the repository. Keep it inside the repository (see the module docs). */
  outDir?: string;
  /** Address classes the worker may fetch (the next hops): default `public` only. */
  outbound?: readonly OutboundClass[];
  /** Address of the config's socket; default `127.0.0.1:8787` (override with `--socket-addr http=…`). */
  listen?: string;
}

/** Run esbuild on one entry point. */
async function esbuild(entry: string, outfile: string, args: readonly string[]): Promise<void> {
  const out = await new Deno.Command(ESBUILD, {
    args: [join(ROOT, entry), "--bundle", "--format=esm", `--outfile=${outfile}`, "--log-level=warning", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`Cannot build ${entry}: esbuild failed\n${new TextDecoder().decode(out.stderr)}`);
  }
}

/**
 * The workerd environment names of the worker's bindings: its own and every `ALLIUM_*` setting.
 *
 * @returns the names
 * @example
 * ```ts
 * import { workerBindingNames } from "./build.ts";
 * const names = workerBindingNames();
 * if (!names.includes("NODE_SEED") || !names.includes("ALLIUM_MAX_BODY")) throw new Error("bad");
 * ```
 */
export function workerBindingNames(): string[] {
  const settings = configFlagNames().map((flag) => `ALLIUM_${flag.toUpperCase().replaceAll("-", "_")}`);
  return [...WORKER_BINDINGS, ...settings];
}

/**
 * The text of a workerd config serving `worker.mjs` (in the same folder) on one HTTP socket. Every
 * binding is `fromEnvironment`, so secrets (the seed) stay out of the file.
 *
 * @param options outbound address classes and the socket address
 * @returns the Cap'n Proto text
 * @throws {RangeError} for an unknown outbound class or a malformed listen address
 * @example
 * ```ts
 * import { workerdConfigText } from "./build.ts";
 * const text = workerdConfigText({ outbound: ["public", "private"] });
 * if (!text.includes('compatibilityFlags = ["nodejs_compat"]') || !text.includes('"private"')) throw new Error("bad");
 * ```
 */
export function workerdConfigText(options: Omit<BuildOptions, "outDir"> = {}): string {
  const outbound = options.outbound ?? ["public"];
  for (const c of outbound) {
    if (!["public", "private", "local"].includes(c)) {
      throw new RangeError(`Cannot build: unknown outbound class "${c}"`);
    }
  }
  const listen = options.listen ?? "127.0.0.1:8787";
  if (!/^[0-9A-Za-z.:[\]-]+:[0-9]{1,5}$/.test(listen)) {
    throw new RangeError(`Cannot build: bad listen address "${listen}"`);
  }
  const bindings = workerBindingNames()
    .map((name) => `    (name = "${name}", fromEnvironment = "${name}"),`)
    .join("\n");
  return `# Generated by gateway/runtimes/build.ts: serve with
#   NODE_SEED=<64 hex digits> workerd serve workerd.capnp [--socket-addr http=127.0.0.1:PORT]
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "gateway", worker = .gateway),
    (name = "outbound", network = (allow = [${outbound.map((c) => `"${c}"`).join(", ")}])),
  ],
  sockets = [(name = "http", address = "${listen}", http = (), service = "gateway")],
);

const gateway :Workerd.Worker = (
  modules = [(name = "worker.mjs", esModule = embed "worker.mjs")],
  compatibilityDate = "${WORKERD_COMPATIBILITY_DATE}",
  compatibilityFlags = ["nodejs_compat"],
  globalOutbound = "outbound",
  bindings = [
${bindings}
  ],
);
`;
}

/**
 * Bundle the Node and workerd entry points and write the workerd config.
 *
 * @param options output folder, outbound classes and socket address of the workerd config
 * @returns the paths written
 * @throws {Error} when esbuild fails (its message included)
 * @example A build into a folder inside the repository
 * ```ts
 * import { buildGateway } from "./build.ts";
 * const outDir = new URL("../../.allium/build-doc-example/", import.meta.url).pathname;
 * const build = await buildGateway({ outDir });
 * const worker = await Deno.readTextFile(build.worker);
 * await Deno.remove(outDir, { recursive: true });
 * if (worker.includes("sodium-native") || !build.node.endsWith("node.mjs")) throw new Error("bad");
 * ```
 */
export async function buildGateway(options: BuildOptions = {}): Promise<GatewayBuild> {
  const outDir = resolve(options.outDir ?? DEFAULT_OUT_DIR);
  const config = workerdConfigText(options);
  await mkdir(outDir, { recursive: true });
  const build: GatewayBuild = {
    node: join(outDir, "node.mjs"),
    worker: join(outDir, "worker.mjs"),
    workerdConfig: join(outDir, "workerd.capnp"),
  };
  await Promise.all([
    esbuild("gateway/runtimes/node.ts", build.node, [
      "--platform=node",
      "--target=node20",
      "--external:sodium-native",
    ]),
    esbuild("gateway/runtimes/worker.ts", build.worker, [
      "--platform=browser",
      "--conditions=workerd,worker,browser",
      // The sodium provider cannot load on workerd; leave it (node:crypto, sodium-native) out.
      "--external:*/sodium.ts",
      "--external:sodium-native",
    ]),
    writeFile(build.workerdConfig, config),
  ]);
  return build;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      "out-dir": { type: "string" },
      "workerd-outbound": { type: "string" },
      "workerd-listen": { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(
      "Usage: deno run -A gateway/runtimes/build.ts [--out-dir .allium/build] " +
        "[--workerd-outbound public[,private][,local]] [--workerd-listen 127.0.0.1:8787]",
    );
    Deno.exit(0);
  }
  try {
    const build = await buildGateway({
      outDir: values["out-dir"],
      outbound: values["workerd-outbound"]?.split(",") as OutboundClass[] | undefined,
      listen: values["workerd-listen"],
    });
    console.log(JSON.stringify(build));
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    Deno.exit(1);
  }
}
