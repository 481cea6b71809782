/**
 * Time-boxed fuzz driver (style.md `fuzz/`; hardening.md §7 "fuzz loop"): runs every target (or
 * the chosen ones) in a worker, replaying its corpus first, then generated inputs with a fixed,
 * printed seed. A finding — anything but `ProtocolError` escaping, a failed oracle, a hang or a
 * runaway allocation — is written to `fuzz/corpus/<target>/finding-<hash>` and the run exits 1.
 *
 * The seed is printed first and again in the final summary: a per-target table (inputs replayed
 * and generated, refusals, findings) and one JSON line starting `fuzz-summary ` (also written to
 * `--summary FILE`).
 *
 * ```sh
 * npm run fuzz                                  # every target, 60 s each
 * npm run fuzz -- --minutes 5 --jobs 2          # every target, 5 min each, two at a time
 * npm run fuzz -- --seconds 10 --target reply   # one target, 10 s
 * npm run fuzz -- --seed 12345 --jobs 2         # fixed seed, two targets at a time
 * npm run fuzz -- --corpus-only                 # replay the corpus only
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ProviderName, toHex } from "../mod.ts";
import { type CampaignResult, corpusDir, type Finding, TARGET_NAMES, targetSeed } from "./_harness.ts";
import { SHARED_HEADER_BYTES, type WorkerRequest } from "./_worker.ts";

const USAGE = `Usage: deno run -A fuzz/run.ts [options]
  --seconds N        time box per target for generated inputs (default 60)
  --minutes N        the same in minutes (instead of --seconds)
  --target NAME      run only this target (repeatable or comma-separated): ${TARGET_NAMES.join(", ")}
  --seed S           base seed (default: from the clock; always printed)
  --jobs J           targets run at the same time (default 1)
  --provider NAME    crypto provider: noble, sodium, webcrypto (default: the runtime default)
  --max-runs N       stop each target after N generated inputs
  --hang-seconds N   an input running longer than this is a hang (default 20)
  --max-rss-mib N    process memory above this is a finding (default 3072)
  --corpus-only      replay the corpus and seeds only
  --tolerate REGEX   count oracle failures (InvariantError) whose message matches as tolerated,
                     to keep fuzzing while a known finding waits for its fix
  --tolerate-open    tolerate the findings each target lists as open (reported, not fixed yet)
  --summary FILE     also write the final JSON summary to FILE`;

/** Room in shared memory for the input under test (larger inputs are saved truncated). */
const SHARED_INPUT_BYTES = 4 * 1024 * 1024;

function parse() {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      seconds: { type: "string" },
      minutes: { type: "string" },
      target: { type: "string", multiple: true },
      seed: { type: "string" },
      jobs: { type: "string", default: "1" },
      provider: { type: "string" },
      "max-runs": { type: "string" },
      "hang-seconds": { type: "string", default: "20" },
      "max-rss-mib": { type: "string", default: "3072" },
      "corpus-only": { type: "boolean", default: false },
      tolerate: { type: "string" },
      "tolerate-open": { type: "boolean", default: false },
      summary: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const num = (name: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < 0) {
      throw new RangeError(`Cannot run fuzz: --${name} "${v}" is not a number`);
    }
    return n;
  };
  const targets = (values.target ?? TARGET_NAMES).flatMap((t) => t.split(",")).filter((t) => t.length > 0);
  for (const t of targets) {
    if (!TARGET_NAMES.includes(t)) {
      throw new RangeError(`Cannot run fuzz: unknown target "${t}" (known: ${TARGET_NAMES.join(", ")})`);
    }
  }
  if (values.seconds !== undefined && values.minutes !== undefined) {
    throw new RangeError("Cannot run fuzz: give --seconds or --minutes, not both");
  }
  return {
    seconds: values.minutes !== undefined
      ? num("minutes", values.minutes) * 60
      : num("seconds", values.seconds ?? "60"),
    targets,
    seed: values.seed === undefined ? Date.now() % 0x7fffffff : num("seed", values.seed) >>> 0,
    jobs: Math.max(1, Math.floor(num("jobs", values.jobs))),
    provider: values.provider as ProviderName | undefined,
    maxRuns: values["max-runs"] === undefined ? undefined : num("max-runs", values["max-runs"]),
    hangSeconds: num("hang-seconds", values["hang-seconds"]),
    maxRssBytes: num("max-rss-mib", values["max-rss-mib"]) * 1024 * 1024,
    corpusOnly: values["corpus-only"] ?? false,
    tolerate: values.tolerate,
    tolerateOpen: values["tolerate-open"] ?? false,
    summary: values.summary,
  };
}

type Options = ReturnType<typeof parse>;

/** Run one target in a worker, watching for hangs and memory. */
function runTarget(name: string, o: Options): Promise<CampaignResult> {
  const shared = new SharedArrayBuffer(SHARED_HEADER_BYTES + SHARED_INPUT_BYTES);
  const header = new Int32Array(shared, 0, 4);
  const seed = targetSeed(o.seed, name);
  const started = performance.now();
  const worker = new Worker(new URL("./_worker.ts", import.meta.url).href, { type: "module" });
  const current = (): Uint8Array => {
    const len = Math.min(Atomics.load(header, 1), SHARED_INPUT_BYTES);
    return new Uint8Array(shared, SHARED_HEADER_BYTES, len).slice();
  };
  const failed = (kind: Finding["kind"], error: string): CampaignResult => ({
    target: name,
    seed,
    replayed: 0,
    generated: Atomics.load(header, 0),
    rejected: 0,
    accepted: 0,
    tolerated: 0,
    seconds: (performance.now() - started) / 1000,
    findings: [{ kind, input: current(), error, origin: `input #${Atomics.load(header, 0)} of seed ${seed}` }],
  });
  return new Promise((resolve) => {
    let lastCount = -1;
    let lastChange = performance.now();
    const finish = (r: CampaignResult) => {
      clearInterval(timer);
      worker.terminate();
      resolve(r);
    };
    const timer = setInterval(() => {
      const count = Atomics.load(header, 0);
      const now = performance.now();
      if (count !== lastCount) {
        lastCount = count;
        lastChange = now;
      } else if (now - lastChange > o.hangSeconds * 1000) {
        finish(failed("hang", `no progress for ${o.hangSeconds} s on this input`));
        return;
      }
      const rss = Deno.memoryUsage().rss;
      if (rss > o.maxRssBytes) {
        finish(failed("memory", `process RSS ${Math.round(rss / 2 ** 20)} MiB during this input`));
      }
    }, 250);
    worker.onmessage = (e: MessageEvent<{ type: string; result: CampaignResult }>) => finish(e.data.result);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      finish(failed("exception", `worker died: ${e.message}`));
    };
    const req: WorkerRequest = {
      name,
      seed,
      seconds: o.seconds,
      maxRuns: o.maxRuns,
      corpusOnly: o.corpusOnly,
      tolerate: o.tolerate,
      tolerateOpen: o.tolerateOpen,
      provider: o.provider,
      shared,
    };
    worker.postMessage(req);
  });
}

async function saveFinding(target: string, f: Finding): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", f.input.slice()));
  const file = join(corpusDir(target), `finding-${toHex(digest.subarray(0, 8))}`);
  mkdirSync(corpusDir(target), { recursive: true });
  writeFileSync(file, f.input);
  return file;
}

function report(r: CampaignResult): string {
  const rate = r.generated / Math.max(r.seconds, 0.001);
  return `${r.target.padEnd(18)} seed ${String(r.seed).padStart(10)}  replayed ${
    String(r.replayed).padStart(3)
  }  generated ${String(r.generated).padStart(9)} (${
    Math.round(rate)
  }/s)  rejected ${r.rejected}  accepted ${r.accepted}${r.tolerated ? `  tolerated ${r.tolerated}` : ""}  ${
    r.seconds.toFixed(1)
  } s  ${r.findings.length === 0 ? "ok" : `${r.findings.length} FINDING(S)`}`;
}

/** One target's line of the final JSON summary. */
interface TargetSummary {
  target: string;
  seed: number;
  replayed: number;
  generated: number;
  rejected: number;
  accepted: number;
  tolerated: number;
  seconds: number;
  findings: { kind: string; file: string; origin: string; error: string }[];
}

async function main(): Promise<number> {
  const o = parse();
  console.log(
    `fuzz: seed ${o.seed}, ${o.seconds} s per target, targets ${o.targets.join(", ")}, jobs ${o.jobs}${
      o.provider ? `, provider ${o.provider}` : ""
    }${o.tolerate ? `, tolerating /${o.tolerate}/` : ""}${o.tolerateOpen ? ", tolerating open findings" : ""}`,
  );
  console.log(`      repeat with: deno run -A fuzz/run.ts --seed ${o.seed} --seconds ${o.seconds}`);
  const queue = [...o.targets];
  const summaries: TargetSummary[] = [];
  const lane = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const r = await runTarget(name, o);
      console.log(report(r));
      const findings: TargetSummary["findings"] = [];
      for (const f of r.findings) {
        const saved = f.origin.startsWith("corpus ")
          ? `(already in the corpus: ${f.origin.slice(7)})`
          : await saveFinding(name, f);
        findings.push({ kind: f.kind, file: saved, origin: f.origin, error: f.error.split("\n")[0] });
        console.log(`  ${f.kind.toUpperCase()} in ${name}: ${saved}`);
        console.log(`  origin: ${f.origin}`);
        console.log(`  input (${f.input.length} bytes, first 256 as hex): ${toHex(f.input.subarray(0, 256))}`);
        console.log(f.error.split("\n").map((l) => `    ${l}`).join("\n"));
      }
      const { target, seed, replayed, generated, rejected, accepted, tolerated } = r;
      summaries.push({
        target,
        seed,
        replayed,
        generated,
        rejected,
        accepted,
        tolerated,
        seconds: Math.round(r.seconds * 10) / 10,
        findings,
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.jobs, o.targets.length) }, lane));
  summaries.sort((a, b) => o.targets.indexOf(a.target) - o.targets.indexOf(b.target));
  const total = summaries.reduce((n, r) => n + r.replayed + r.generated, 0);
  const findings = summaries.reduce((n, r) => n + r.findings.length, 0);
  console.log("\nsummary (seed " + o.seed + "):");
  console.log(
    `  ${"target".padEnd(18)} ${"inputs".padStart(10)} ${"refused".padStart(10)} ${"tolerated".padStart(9)}  findings`,
  );
  for (const r of summaries) {
    console.log(
      `  ${r.target.padEnd(18)} ${String(r.replayed + r.generated).padStart(10)} ${String(r.rejected).padStart(10)} ${
        String(r.tolerated).padStart(9)
      }  ${r.findings.length}`,
    );
  }
  console.log(`fuzz: ${total} inputs across ${summaries.length} targets, ${findings} finding(s), seed ${o.seed}`);
  const json = JSON.stringify({
    seed: o.seed,
    secondsPerTarget: o.seconds,
    inputs: total,
    findings,
    targets: summaries,
  });
  console.log(`fuzz-summary ${json}`);
  if (o.summary !== undefined) writeFileSync(o.summary, json + "\n");
  return findings === 0 ? 0 : 1;
}

Deno.exit(await main());
