/**
 * The throughput chart of `bench/run.ts`: layer throughput (MB/s of layer plaintext sealed or
 * opened) by payload size, one line per provider × cipher plus the raw baseline of each cipher,
 * as a self-contained SVG drawn by hand (no dependency). Two panels: sealing (3-hop build, four
 * layers) and opening (per-hop peel, one layer); log-scale axes; the ratio to the raw baseline is
 * in every point's tooltip. The output depends only on the report: the same input gives the same
 * bytes.
 *
 * ```
 * deno run -A bench/chart.ts [--results <file>] [--out <file>]
 * ```
 *
 * Defaults: `bench/results/latest.json` → `bench/results/throughput.svg` (`bench/run.ts` writes it
 * after every run, beside the results).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { sizeLabel } from "./_cases.ts";
import type { BenchReport, CaseResult, Cipher, Operation } from "./run.ts";

/** Options of {@link renderThroughputChart}. */
export interface ChartOptions {
  /** Panels, in order (default: build, then peel, those present in the report). */
  operations?: readonly Operation[];
  /** An extra line under the title (e.g. why this run was made). */
  note?: string;
}

const WIDTH = 1000;
const HEIGHT = 560;
const PLOT = { top: 96, height: 320, width: 400 };
const PANEL_LEFT = [70, 560];
const LEGEND_TOP = 486;
const LEGEND_COLUMN = 230;
/** Room left and right of the smallest and largest size on the log x axis (a factor). */
const X_PAD = 1.6;
const LOG_BASE_X = 4;

const PANEL_TITLE: Record<Operation, string> = {
  build: "seal: 3-hop build (4 layers per op)",
  peel: "open: per-hop peel (1 layer per op)",
};
/** Colour per subject; an unknown provider takes the next of `SPARE`. */
const COLOURS: Record<string, string> = {
  baseline: "#444444",
  sodium: "#1b9e77",
  webcrypto: "#7570b3",
  noble: "#d95f02",
};
const SPARE = ["#e7298a", "#66a61e", "#e6ab02", "#a6761d"];
const SUBJECT_ORDER = ["baseline", "sodium", "webcrypto", "noble"];
const CIPHER_ORDER: readonly Cipher[] = ["aes-gcm", "xchacha20"];
const DASH: Record<string, string> = { "aes-gcm": "", xchacha20: "7 4" };

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

function num(x: number): string {
  return x.toFixed(1);
}

/** 3 significant digits, no exponent: 0.0123, 1.23, 123, 1234. */
function value(x: number): string {
  return x >= 1000 ? Math.round(x).toString() : Number(x.toPrecision(3)).toString();
}

function orderOf(list: readonly string[], x: string): number {
  const i = list.indexOf(x);
  return i === -1 ? list.length : i;
}

function byOrder(list: readonly string[]): (a: string, b: string) => number {
  return (a, b) => orderOf(list, a) - orderOf(list, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Decade ticks (and 2×, 5× minor ticks) covering [lo, hi]. */
function yTicks(lo: number, hi: number): { major: number[]; minor: number[] } {
  const major: number[] = [];
  const minor: number[] = [];
  for (let e = Math.log10(lo); e <= Math.log10(hi) + 1e-9; e++) {
    const d = 10 ** Math.round(e);
    major.push(d);
    for (const m of [2, 5]) if (m * d < hi) minor.push(m * d);
  }
  return { major, minor };
}

function decadeLabel(x: number): string {
  return x >= 1 ? x.toFixed(0) : x.toFixed(Math.round(-Math.log10(x)));
}

/**
 * Render the throughput chart of a report as SVG.
 *
 * @param report a report of `bench/run.ts` (its `results[].mbPerSec`)
 * @param options panels and an extra note
 * @returns the SVG document
 * @throws {RangeError} when the report has no throughput figure to draw
 * @example Two sizes, sodium and the raw baseline, XChaCha20 only
 * ```ts
 * import { renderThroughputChart } from "./chart.ts";
 * import type { BenchReport } from "./run.ts";
 * const point = (subject: string, size: number, mbPerSec: number, ratio: number) => ({
 *   operation: "build", cipher: "xchacha20", size, subject, mbPerSec, ratio });
 * const report = { date: "2026-01-01T00:00:00.000Z", mode: "default", runtime: { cpu: "test cpu", cores: 2,
 *   os: "linux", arch: "x86_64", deno: "2.9.6", loadAverage: { start: 0, end: 0 } },
 *   results: [point("baseline", 1024, 16, 1), point("sodium", 1024, 15, 0.94),
 *     point("baseline", 1048576, 900, 1), point("sodium", 1048576, 880, 0.98)] } as unknown as BenchReport;
 * const svg = renderThroughputChart(report);
 * if (!svg.startsWith("<svg") || svg.split("<polyline").length !== 3) throw new Error("bad chart");
 * ```
 */
export function renderThroughputChart(report: BenchReport, options: ChartOptions = {}): string {
  const results = report.results.filter((r) => typeof r.mbPerSec === "number" && r.mbPerSec > 0);
  if (results.length === 0) throw new RangeError("Cannot draw the throughput chart: the report has no MB/s figures");
  const present = new Set(results.map((r) => r.operation));
  const operations = (options.operations ?? ["build", "peel"]).filter((o) => present.has(o)).slice(0, 2);
  const shown = results.filter((r) => operations.includes(r.operation));
  if (shown.length === 0) throw new RangeError("Cannot draw the throughput chart: no result of the chosen operations");

  const sizes = [...new Set(shown.map((r) => r.size))].sort((a, b) => a - b);
  const xLo = Math.log(sizes[0] / X_PAD), xHi = Math.log(sizes[sizes.length - 1] * X_PAD);
  const rates = shown.map((r) => r.mbPerSec);
  const yLo = 10 ** Math.floor(Math.log10(Math.min(...rates)));
  const yHi = 10 ** Math.ceil(Math.log10(Math.max(...rates)) + 1e-9);
  const x = (left: number, size: number) => left + (Math.log(size) - xLo) / (xHi - xLo) * PLOT.width;
  const y = (mbps: number) =>
    PLOT.top + PLOT.height - (Math.log10(mbps) - Math.log10(yLo)) / (Math.log10(yHi) - Math.log10(yLo)) * PLOT.height;

  const subjects = [...new Set(shown.map((r) => r.subject as string))].sort(byOrder(SUBJECT_ORDER));
  const ciphers = [...new Set(shown.map((r) => r.cipher as string))].sort(byOrder(CIPHER_ORDER));
  const spare = subjects.filter((s) => COLOURS[s] === undefined);
  const colour = (s: string) => COLOURS[s] ?? SPARE[spare.indexOf(s) % SPARE.length];

  const rt = report.runtime;
  const title = `allium layer throughput by payload size, ${report.date.slice(0, 10)}`;
  const machine = `${rt.cpu}, ${rt.cores} cores, ${rt.os}/${rt.arch}, Deno ${rt.deno}, ${report.mode} mode, ` +
    `load average ${rt.loadAverage.start.toFixed(2)} → ${rt.loadAverage.end.toFixed(2)}`;
  const caveat = "Shared machine: absolute MB/s drift between runs; the ratios to the raw baseline of the same run " +
    "(in each point's tooltip and the JSON) are what hold.";

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" ` +
      `font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12">`,
  );
  out.push(`<title>${esc(title)}</title>`);
  out.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`);
  out.push(
    `<text class="title" x="${WIDTH / 2}" y="26" text-anchor="middle" font-size="17" font-weight="600">` +
      `${esc(title)}</text>`,
  );
  out.push(`<text class="machine" x="${WIDTH / 2}" y="46" text-anchor="middle" fill="#333333">${esc(machine)}</text>`);
  out.push(
    `<text class="note" x="${WIDTH / 2}" y="63" text-anchor="middle" fill="#666666" font-size="11">` +
      `${esc(options.note === undefined ? caveat : `${options.note}. ${caveat}`)}</text>`,
  );

  const ticks = yTicks(yLo, yHi);
  const xTicks: number[] = [];
  for (let s = sizes[0]; s <= sizes[sizes.length - 1]; s *= LOG_BASE_X) xTicks.push(s);
  for (const s of sizes) if (!xTicks.includes(s)) xTicks.push(s);
  xTicks.sort((a, b) => a - b);

  operations.forEach((operation, p) => {
    const left = PANEL_LEFT[p];
    const right = left + PLOT.width, bottom = PLOT.top + PLOT.height;
    out.push(`<g class="panel" data-operation="${operation}">`);
    out.push(
      `<text class="panel-title" x="${left + PLOT.width / 2}" y="${PLOT.top - 12}" text-anchor="middle" ` +
        `font-size="13" font-weight="600">${esc(PANEL_TITLE[operation])}</text>`,
    );
    out.push(
      `<rect x="${left}" y="${PLOT.top}" width="${PLOT.width}" height="${PLOT.height}" fill="none" ` +
        `stroke="#999999"/>`,
    );
    for (const t of ticks.minor) {
      out.push(
        `<line class="grid minor" x1="${left}" x2="${right}" y1="${num(y(t))}" y2="${num(y(t))}" ` +
          `stroke="#eeeeee"/>`,
      );
    }
    for (const t of ticks.major) {
      out.push(
        `<line class="grid major" x1="${left}" x2="${right}" y1="${num(y(t))}" y2="${num(y(t))}" ` +
          `stroke="#d0d0d0"/>`,
      );
      out.push(`<text class="y-tick" x="${left - 6}" y="${num(y(t) + 4)}" text-anchor="end">${decadeLabel(t)}</text>`);
    }
    for (const s of xTicks) {
      const measured = sizes.includes(s);
      out.push(
        `<line class="grid x" x1="${num(x(left, s))}" x2="${num(x(left, s))}" y1="${PLOT.top}" ` +
          `y2="${bottom}" stroke="${measured ? "#d0d0d0" : "#eeeeee"}"/>`,
      );
      out.push(
        `<text class="x-tick" x="${num(x(left, s))}" y="${bottom + 16}" text-anchor="middle"` +
          `${measured ? "" : ' fill="#888888"'}>${esc(sizeLabel(s))}</text>`,
      );
    }
    out.push(
      `<text class="x-label" x="${left + PLOT.width / 2}" y="${bottom + 38}" text-anchor="middle">` +
        `payload size (log scale)</text>`,
    );
    const yMid = PLOT.top + PLOT.height / 2;
    out.push(
      `<text class="y-label" x="${left - 48}" y="${yMid}" text-anchor="middle" ` +
        `transform="rotate(-90 ${left - 48} ${yMid})">layer throughput, MB/s (log scale)</text>`,
    );
    for (const subject of subjects) {
      for (const cipher of ciphers) {
        const pts = shown.filter((r) => r.operation === operation && r.subject === subject && r.cipher === cipher)
          .sort((a, b) => a.size - b.size);
        if (pts.length === 0) continue;
        out.push(series(operation, subject, cipher, colour(subject), pts, (r) => [x(left, r.size), y(r.mbPerSec)]));
      }
    }
    out.push(`</g>`);
  });

  out.push(`<g class="legend">`);
  subjects.forEach((subject, i) => {
    ciphers.forEach((cipher, j) => {
      const lx = PANEL_LEFT[0] + i * LEGEND_COLUMN, ly = LEGEND_TOP + j * 22;
      const name = subject === "baseline" ? `raw baseline · ${cipher}` : `${subject} · ${cipher}`;
      out.push(`<g class="legend-item" data-subject="${esc(subject)}" data-cipher="${esc(cipher)}">`);
      out.push(
        `<line x1="${lx}" x2="${lx + 34}" y1="${ly}" y2="${ly}" stroke="${colour(subject)}" ` +
          `stroke-width="2"${dash(cipher)}/>`,
      );
      out.push(marker(cipher, lx + 17, ly, colour(subject)));
      out.push(`<text x="${lx + 42}" y="${ly + 4}">${esc(name)}</text>`);
      out.push(`</g>`);
    });
  });
  out.push(`</g>`);
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

function dash(cipher: string): string {
  return DASH[cipher] ? ` stroke-dasharray="${DASH[cipher]}"` : "";
}

function marker(cipher: string, cx: number, cy: number, fill: string, tooltip = ""): string {
  const t = tooltip === "" ? "" : `<title>${esc(tooltip)}</title>`;
  if (cipher === "xchacha20") {
    const open = `<rect class="marker" x="${num(cx - 3.5)}" y="${num(cy - 3.5)}" width="7" height="7" fill="${fill}"`;
    return t === "" ? `${open}/>` : `${open}>${t}</rect>`;
  }
  const open = `<circle class="marker" cx="${num(cx)}" cy="${num(cy)}" r="4" fill="${fill}"`;
  return t === "" ? `${open}/>` : `${open}>${t}</circle>`;
}

function series(
  operation: Operation,
  subject: string,
  cipher: string,
  colour: string,
  pts: readonly CaseResult[],
  at: (r: CaseResult) => [number, number],
): string {
  const lines = [
    `<g class="series" data-operation="${operation}" data-subject="${esc(subject)}" data-cipher="${esc(cipher)}">`,
    `<polyline fill="none" stroke="${colour}" stroke-width="${subject === "baseline" ? 1.5 : 2}"${dash(cipher)} ` +
    `points="${pts.map((r) => at(r).map(num).join(",")).join(" ")}"/>`,
  ];
  for (const r of pts) {
    const [cx, cy] = at(r);
    const who = subject === "baseline" ? "raw baseline" : subject;
    const ratio = subject === "baseline" ? "" : ` (${r.ratio.toFixed(2)}× raw baseline)`;
    lines.push(
      marker(cipher, cx, cy, colour, `${who} · ${cipher} · ${sizeLabel(r.size)}: ${value(r.mbPerSec)} MB/s${ratio}`),
    );
  }
  lines.push(`</g>`);
  return lines.join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      results: { type: "string", default: fileURLToPath(new URL("./results/latest.json", import.meta.url)) },
      out: { type: "string", default: fileURLToPath(new URL("./results/throughput.svg", import.meta.url)) },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log("usage: deno run -A bench/chart.ts [--results <file>] [--out <file>]");
    return;
  }
  const report = JSON.parse(await Deno.readTextFile(values.results)) as BenchReport;
  await Deno.writeTextFile(values.out, renderThroughputChart(report));
  console.error(`wrote ${values.out}`);
}

if (import.meta.main) await main();
