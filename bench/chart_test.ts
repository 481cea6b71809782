import assert from "node:assert/strict";
import { renderThroughputChart } from "./chart.ts";
import type { BenchReport, CaseResult } from "./run.ts";

const SIZES = [1024, 16384, 1048576];
const SUBJECTS = ["baseline", "noble", "sodium", "webcrypto"];
const CIPHERS = ["aes-gcm", "xchacha20"];
const OPERATIONS = ["peel", "build"];

/** A fixed report: every operation × cipher × size × subject, with made-up but plausible figures. */
function fixedReport(): BenchReport {
  const results: CaseResult[] = [];
  for (const size of SIZES) {
    for (const cipher of CIPHERS) {
      for (const operation of OPERATIONS) {
        SUBJECTS.forEach((subject, i) => {
          const ratio = subject === "baseline" ? 1 : [0, 0.1, 0.95, 0.3][i];
          const layers = operation === "build" ? 4 : 1;
          const mbPerSec = Number((ratio * layers * size / 1024 * (cipher === "aes-gcm" ? 7 : 9)).toPrecision(4));
          results.push(
            {
              name: `${operation}/${cipher}/${size}/${subject}`,
              operation,
              cipher,
              size,
              subject,
              ratio,
              mbPerSec,
            } as unknown as CaseResult,
          );
        });
      }
    }
  }
  return {
    schema: "allium-bench/v1",
    date: "2026-11-27T10:05:35.111Z",
    mode: "default",
    runtime: {
      deno: "2.9.6",
      v8: "x",
      typescript: "x",
      os: "linux",
      arch: "x86_64",
      cpu: "Intel(R) Xeon(R) <Processor> & co",
      cores: 2,
      loadAverage: { start: 0.99, end: 1.02 },
    },
    results,
  } as unknown as BenchReport;
}

/** Tags balance, attributes are quoted, and every `&` starts an entity: enough of XML for a chart. */
function assertWellFormed(svg: string): void {
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let at = 0;
  for (const m of svg.matchAll(tag)) {
    const between = svg.slice(at, m.index);
    assert.ok(!between.includes("<") && !between.includes(">"), `stray markup before offset ${m.index}`);
    at = m.index! + m[0].length;
    const [, close, name, , selfClose] = m;
    if (close) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else if (!selfClose) stack.push(name);
  }
  assert.equal(svg.slice(at).trim(), "");
  assert.deepEqual(stack, []);
  assert.doesNotMatch(svg, /&(?!(amp|lt|gt|quot|apos);)/);
}

function count(svg: string, re: RegExp): number {
  return [...svg.matchAll(re)].length;
}

Deno.test("renderThroughputChart() draws well-formed SVG with a line per provider × cipher in each panel", () => {
  const svg = renderThroughputChart(fixedReport());
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(svg.endsWith("</svg>\n"));
  assertWellFormed(svg);

  assert.equal(count(svg, /<g class="panel"/g), 2);
  assert.deepEqual([...svg.matchAll(/<g class="panel" data-operation="(\w+)"/g)].map((m) => m[1]), ["build", "peel"]);
  const series = [
    ...svg.matchAll(/<g class="series" data-operation="(\w+)" data-subject="(\w+)" data-cipher="([\w-]+)">/g),
  ];
  assert.equal(series.length, OPERATIONS.length * SUBJECTS.length * CIPHERS.length);
  assert.equal(count(svg, /<polyline /g), series.length);
  // Every line has one point per size, and a marker with a tooltip per point.
  for (const m of svg.matchAll(/points="([^"]+)"/g)) assert.equal(m[1].split(" ").length, SIZES.length);
  assert.equal(count(svg, /class="marker"[^>]*><title>/g), series.length * SIZES.length);
  // Legend: one item per subject × cipher, the baseline named as such.
  assert.equal(count(svg, /<g class="legend-item"/g), SUBJECTS.length * CIPHERS.length);
  assert.match(svg, />raw baseline · aes-gcm</);
  assert.match(svg, />sodium · xchacha20</);
});

Deno.test("renderThroughputChart() labels the axes, the sizes and the title with date and machine", () => {
  const svg = renderThroughputChart(fixedReport(), { note: "nightly" });
  assert.match(svg, /<text class="title"[^>]*>allium layer throughput by payload size, 2026-11-27<\/text>/);
  assert.match(svg, /Intel\(R\) Xeon\(R\) &lt;Processor&gt; &amp; co, 2 cores, linux\/x86_64, Deno 2\.9\.6/);
  assert.match(svg, /load average 0\.99 → 1\.02/);
  assert.match(svg, />nightly\. Shared machine/);
  assert.equal(count(svg, />payload size \(log scale\)</g), 2);
  assert.equal(count(svg, />layer throughput, MB\/s \(log scale\)</g), 2);
  for (const label of ["1KiB", "16KiB", "1MiB", "4KiB", "256KiB"]) assert.match(svg, new RegExp(`>${label}</text>`));
  assert.match(svg, /sodium · aes-gcm · 16KiB: 426 MB\/s \(0\.95× raw baseline\)/);
  assert.match(svg, /raw baseline · xchacha20 · 1MiB: 36860 MB\/s</);
});

Deno.test("renderThroughputChart() gives the same bytes for the same input, whatever the result order", () => {
  const a = fixedReport();
  const b = fixedReport();
  b.results.reverse();
  assert.equal(renderThroughputChart(a), renderThroughputChart(b));
});

Deno.test("renderThroughputChart() draws only the panels and series the report has", () => {
  const r = fixedReport();
  r.results = r.results.filter((c) => c.operation === "peel" && c.cipher === "xchacha20" && c.size === 1024);
  const svg = renderThroughputChart(r);
  assertWellFormed(svg);
  assert.equal(count(svg, /<g class="panel"/g), 1);
  assert.equal(count(svg, /<polyline /g), SUBJECTS.length);
  assert.throws(() => renderThroughputChart({ ...r, results: [] }), RangeError);
  assert.throws(() => renderThroughputChart(r, { operations: ["build"] }), RangeError);
});
