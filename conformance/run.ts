/**
 * The conformance runner's command line: `npm run conformance -- …` (conformance/README.md).
 *
 * Adapter mode runs every published vector and the seeded property cases against an
 * implementation started as a child process and driven through the adapter protocol:
 *
 * ```sh
 * npm run conformance -- --impl "deno run -A conformance/adapters/allium/adapter.ts"
 * npm run conformance -- --impl "python3 conformance/adapters/python/allium_adapter.py" --json --out report.json
 * ```
 *
 * Black-box mode checks a running node over HTTP (`conformance/blackbox/`):
 *
 * ```sh
 * npm run conformance -- --target http://127.0.0.1:8080 --node <ed25519hex>:<x25519hex>
 * ```
 *
 * Exit status: 0 when nothing unexpected happened, 1 on failures or unexpected passes, 2 on a
 * usage error.
 *
 * @module
 */

import { runBlackBox } from "./blackbox/mod.ts";
import { runAdapterSuite } from "./runner/adapter_run.ts";
import { type CliCommand, parseCliArgs, USAGE } from "./runner/cli.ts";
import { applyKnownFailures, knownFailuresOf, knownFailuresUrl, loadKnownFailures } from "./runner/known_failures.ts";
import { reportJson, reportText, type RunReport } from "./runner/report.ts";
import { runFailed } from "./runner/results.ts";

/** Exit status of a usage error. */
const USAGE_ERROR = 2;

async function runBlackBoxMode(cmd: Extract<CliCommand, { mode: "blackbox" }>): Promise<RunReport> {
  const started = performance.now();
  let results = await runBlackBox({
    target: cmd.target,
    node: cmd.node,
    ...(cmd.relay ? { relay: cmd.relay } : {}),
    ...(cmd.timeoutMs !== undefined ? { timeoutMs: cmd.timeoutMs } : {}),
    ...(cmd.paddingCheck === false ? { paddingCheck: false } : {}),
  });
  const report: RunReport = { meta: { mode: "blackbox", implementation: cmd.target, durationMs: 0 }, results };
  if (cmd.knownFailures) {
    const k = knownFailuresUrl(cmd.knownFailures);
    const file = await loadKnownFailures(k);
    const applied = applyKnownFailures(results, file);
    results = applied.results;
    report.results = results;
    report.meta.knownFailures = { path: k.pathname, entries: file.failures.length, unmatched: applied.unmatched };
  }
  report.meta.durationMs = Math.round(performance.now() - started);
  return report;
}

/**
 * Run the command line.
 *
 * @param args the arguments
 * @returns the exit status
 */
export async function main(args: readonly string[]): Promise<number> {
  let cmd: CliCommand;
  try {
    cmd = parseCliArgs(args);
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return USAGE_ERROR;
  }
  if (cmd.mode === "help") {
    console.log(USAGE);
    return 0;
  }
  let report: RunReport;
  try {
    if (cmd.mode === "adapter") {
      const progress = Deno.stderr.isTerminal() && !cmd.json;
      report = await runAdapterSuite({
        command: cmd.command,
        families: cmd.families,
        seed: cmd.seed,
        cases: cmd.cases,
        timeoutMs: cmd.timeoutMs,
        knownFailures: cmd.knownFailures,
        onResult: progress
          ? (_r, i, total) => {
            if ((i + 1) % 50 === 0 || i + 1 === total) {
              Deno.stderr.writeSync(new TextEncoder().encode(`\r${i + 1}/${total} tests`));
              if (i + 1 === total) Deno.stderr.writeSync(new TextEncoder().encode("\n"));
            }
          }
          : undefined,
      });
    } else {
      report = await runBlackBoxMode(cmd);
    }
  } catch (e) {
    console.error((e as Error).message);
    return USAGE_ERROR;
  }
  const json = JSON.stringify(reportJson(report), null, 2) + "\n";
  if (cmd.out) await Deno.writeTextFile(cmd.out, json);
  if (cmd.writeKnownFailures) {
    const file = knownFailuresOf(report.results, report.meta.implementation);
    await Deno.writeTextFile(cmd.writeKnownFailures, JSON.stringify(file, null, 2) + "\n");
    console.error(`wrote ${file.failures.length} known failures to ${cmd.writeKnownFailures}`);
  }
  if (cmd.json) await Deno.stdout.write(new TextEncoder().encode(json));
  else console.log(reportText(report));
  return runFailed(report.results) ? 1 : 0;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
