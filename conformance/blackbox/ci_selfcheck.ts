/**
 * CI self-check of black-box mode: start allium's gateway as two processes on Deno and as two on
 * workerd (127.0.0.1, fresh keys, a shared directory so the first relays to the second), run the
 * black-box checks against the first of each pair with the second as `--relay`, print a summary,
 * stop everything, and exit non-zero when a check failed.
 *
 * ```sh
 * node_modules/.bin/deno run -A conformance/blackbox/ci_selfcheck.ts                 # in process (runBlackBox)
 * node_modules/.bin/deno run -A conformance/blackbox/ci_selfcheck.ts \
 *   --exec "node_modules/.bin/deno run -A conformance/run.ts"                        # through the CLI
 * node_modules/.bin/deno run -A conformance/blackbox/ci_selfcheck.ts --runtime workerd
 * ```
 *
 * With `--exec`, the command (split on spaces, no shell) is run once per runtime with
 * `--target http://127.0.0.1:PORT --node ED25519:X25519 --relay ED25519:X25519` appended; its exit
 * status decides. On workerd, `content_length_duplicate_identical` is `unsupported` (workerd merges
 * identical duplicate `Content-Length` headers before the worker sees them). The whole run is
 * bounded (`--deadline-ms`, default 180 s); SIGINT / SIGTERM stop the gateways before exiting.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { runFailed, type TestResult } from "../runner/results.ts";
import { runBlackBox } from "./mod.ts";
import {
  buildWorkerd,
  type LocalGateway,
  makeWorkDir,
  startDenoGateways,
  startWorkerdGateways,
  stopGateways,
} from "./_local_nodes.ts";

/** Default bound on the whole self-check, ms. */
const DEFAULT_DEADLINE_MS = 180_000;
/** Default bound on one request of a check, ms. */
const DEFAULT_TIMEOUT_MS = 10_000;
/** Details printed per runtime at most. */
const MAX_DETAILS = 50;

type Runtime = "deno" | "workerd";

/** `--exec` children running now (killed on abort). */
const running = new Set<Deno.ChildProcess>();
/** Work folders in use (removed on abort). */
const workDirs = new Set<string>();

/** `ed25519:x25519`, the CLI's node syntax. */
function nodeArg(g: LocalGateway): string {
  return `${g.ed25519}:${g.x25519}`;
}

/**
 * One line per outcome count, then the non-passing results.
 *
 * @param runtime the runtime's name
 * @param results the results
 * @returns the summary text
 */
export function summarize(runtime: string, results: readonly TestResult[]): string {
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
  const lines = [
    `blackbox ${runtime}: ${results.length} checks, ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(", ")}`,
  ];
  const notPassed = results.filter((r) => r.outcome !== "pass");
  for (const r of notPassed.slice(0, MAX_DETAILS)) lines.push(`  ${r.outcome} ${r.id}: ${r.detail ?? ""}`);
  if (notPassed.length > MAX_DETAILS) lines.push(`  … ${notPassed.length - MAX_DETAILS} more`);
  return lines.join("\n");
}

/** Run the checks in process. */
async function checkInProcess(runtime: Runtime, target: LocalGateway, relay: LocalGateway, timeoutMs: number) {
  const results = await runBlackBox({
    target: target.url,
    node: { ed25519: target.ed25519, x25519: target.x25519 },
    relay: { ed25519: relay.ed25519, x25519: relay.x25519 },
    timeoutMs,
  });
  console.log(summarize(runtime, results));
  return !runFailed(results);
}

/** Run the CLI command against the pair; true when it exits 0. */
async function checkWithCommand(
  runtime: Runtime,
  command: string,
  target: LocalGateway,
  relay: LocalGateway,
  deadlineMs: number,
): Promise<boolean> {
  const [program, ...args] = command.trim().split(/\s+/);
  args.push("--target", target.url, "--node", nodeArg(target), "--relay", nodeArg(relay));
  console.log(`blackbox ${runtime}: ${program} ${args.join(" ")}`);
  const child = new Deno.Command(program, { args, stdin: "null", stdout: "inherit", stderr: "inherit" }).spawn();
  running.add(child);
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // exited
    }
  }, deadlineMs);
  try {
    const status = await child.status;
    console.log(`blackbox ${runtime}: exit ${status.code}`);
    return status.success;
  } finally {
    clearTimeout(timer);
    running.delete(child);
  }
}

/** Start a pair on `runtime`, check it, stop it. */
async function checkRuntime(
  runtime: Runtime,
  options: { exec?: string; timeoutMs: number; deadlineMs: number; started: LocalGateway[] },
): Promise<boolean> {
  const dir = await makeWorkDir(`blackbox-ci-${runtime}-`);
  workDirs.add(dir);
  let pair: LocalGateway[] = [];
  try {
    const specs = [{ name: "target" }, { name: "relay" }];
    pair = runtime === "deno"
      ? await startDenoGateways(dir, specs)
      : await startWorkerdGateways(await buildWorkerd(dir), specs);
    options.started.push(...pair);
    const [target, relay] = pair;
    return options.exec === undefined
      ? await checkInProcess(runtime, target, relay, options.timeoutMs)
      : await checkWithCommand(runtime, options.exec, target, relay, options.deadlineMs);
  } finally {
    await stopGateways(pair);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    workDirs.delete(dir);
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      runtime: { type: "string", default: "all" },
      exec: { type: "string" },
      "timeout-ms": { type: "string" },
      "deadline-ms": { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(
      "Usage: deno run -A conformance/blackbox/ci_selfcheck.ts [--runtime deno|workerd|all] " +
        '[--exec "COMMAND"] [--timeout-ms 10000] [--deadline-ms 180000]',
    );
    Deno.exit(0);
  }
  const runtimes: Runtime[] = values.runtime === "all"
    ? ["deno", "workerd"]
    : values.runtime === "deno" || values.runtime === "workerd"
    ? [values.runtime]
    : (console.error(`Cannot run self-check: --runtime "${values.runtime}" is not deno, workerd or all`), Deno.exit(2));
  const timeoutMs = Number(values["timeout-ms"] ?? DEFAULT_TIMEOUT_MS);
  const deadlineMs = Number(values["deadline-ms"] ?? DEFAULT_DEADLINE_MS);
  if (!(timeoutMs > 0) || !(deadlineMs > 0)) {
    console.error("Cannot run self-check: --timeout-ms and --deadline-ms must be positive numbers");
    Deno.exit(2);
  }
  const started: LocalGateway[] = [];
  const abort = async (why: string) => {
    console.error(`blackbox self-check: ${why}; stopping gateways`);
    for (const child of running) {
      try {
        child.kill("SIGTERM");
      } catch {
        // exited
      }
    }
    await stopGateways(started);
    for (const dir of workDirs) await Deno.remove(dir, { recursive: true }).catch(() => {});
    Deno.exit(1);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, () => void abort(signal));
  const deadline = setTimeout(() => void abort(`deadline of ${deadlineMs} ms passed`), deadlineMs);
  let ok = true;
  try {
    for (const runtime of runtimes) {
      ok = (await checkRuntime(runtime, { exec: values.exec, timeoutMs, deadlineMs, started })) && ok;
    }
  } catch (err) {
    console.error(`blackbox self-check: ${err instanceof Error ? err.message : String(err)}`);
    ok = false;
  } finally {
    clearTimeout(deadline);
    await stopGateways(started);
  }
  Deno.exit(ok ? 0 : 1);
}
