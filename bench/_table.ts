/**
 * The plain-text table `bench/run.ts` prints: one line per case (ops/s, µs/op, MB/s, spread,
 * ratio to the raw baseline), grouped by operation × cipher × size, and the target verdicts.
 *
 * @module
 */

import { sizeLabel } from "./_cases.ts";
import type { BenchReport } from "./run.ts";

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

/**
 * The report as a plain-text table.
 *
 * @param report a report from {@link runBench}
 * @returns the table and the target verdict
 * @example
 * ```ts
 * import { formatTable, runBench } from "./run.ts";
 * const t = { warmupMs: 1, roundMs: 2, rounds: 5 };
 * const report = await runBench({ sizes: [1024], ciphers: ["xchacha20"], filter: "build/xchacha20/1KiB/sodium", timing: t, calibrationTiming: t });
 * if (!formatTable(report).includes("build")) throw new Error("bad table");
 * ```
 */
export function formatTable(report: BenchReport): string {
  const lines: string[] = [];
  const r = report.runtime;
  lines.push(
    `allium bench — Deno ${r.deno} (V8 ${r.v8}), ${r.cpu}, ${r.cores} cores, ${report.mode} mode, load average ${
      r.loadAverage.start.toFixed(2)
    } → ${r.loadAverage.end.toFixed(2)}`,
  );
  const b = report.baseline;
  const hm = Object.entries(b.hmac.opsPerSec).map(([k, v]) => `${k} ${v.toLocaleString("en-US")}/s`).join(", ");
  lines.push(`raw baseline: sodium-native; aes-gcm KDF HMAC-SHA256 via ${b.hmac.hmac} (${hm})`);
  for (const p of b.picks) {
    if (p.gcm === undefined || p.candidates === undefined) continue;
    const c = Object.entries(p.candidates).map(([k, v]) => `${k} ${v.toLocaleString("en-US")}/s`).join(", ");
    lines.push(`  ${p.name}: AES-256-GCM via ${p.gcm} (${c})`);
  }
  lines.push("");
  const head = [
    pad("case", 34),
    pad("ops/s", 10, true),
    pad("µs/op", 10, true),
    pad("MB/s", 8, true),
    pad("spread", 7, true),
    pad("× baseline", 11, true),
  ];
  lines.push(head.join("  "));
  lines.push("-".repeat(head.join("  ").length));
  let last = "";
  for (const c of report.results) {
    const group = `${c.operation}/${c.cipher}/${sizeLabel(c.size)}`;
    if (last !== "" && group !== last) lines.push("");
    last = group;
    lines.push([
      pad(c.name, 34),
      pad(c.opsPerSec.toLocaleString("en-US"), 10, true),
      pad(c.usPerOp.toFixed(1), 10, true),
      pad(c.mbPerSec.toPrecision(3), 8, true),
      pad(`${(c.spread * 100).toFixed(0)}%`, 7, true),
      pad(c.subject === "baseline" ? "1.00" : c.ratio.toFixed(2), 11, true),
    ].join("  "));
  }
  lines.push("");
  const t = report.target;
  for (const c of t.checks) {
    lines.push(
      `target ${t.provider} ${c.operation}/${c.cipher}/${sizeLabel(t.size)} ≥ ${t.threshold}× baseline: ${
        c.ratio.toFixed(2)
      } ${c.met ? "MET" : "NOT MET"}`,
    );
  }
  lines.push(`total ${(report.durationMs / 1000).toFixed(1)} s`);
  return lines.join("\n");
}
