/**
 * Smoke test of the load harness (load/run.ts): runs `deno run -A load/run.ts --quick --json` as
 * a child process (gateway processes, the autocannon generator under Node and the next-hop stub,
 * all on 127.0.0.1) and checks the shape of the JSON report and that requests of every kind were
 * answered as expected. It checks the machinery, never the speed: no figure is compared with a
 * target here (speed targets live in the load report itself, hardening.md §7).
 *
 * Part of the default `npm test` (about 16 s, bounded by the quick mode's phase times; the child
 * is killed after 60 s). Set `ALLIUM_SKIP_LOAD_SMOKE=1` to leave it out, e.g. on a machine
 * without `node` on the PATH. The same run by hand: `npm run load -- --quick`.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { LoadReport, RouteResult } from "./run.ts";

const RUN = fileURLToPath(new URL("./run.ts", import.meta.url));
/** Bound on the whole child run, ms (the quick mode plans about 16 s). */
const CHILD_TIMEOUT_MS = 60_000;

Deno.test({
  name: "load/run.ts --quick writes an allium-load/v1 report in which every route and the overload answered",
  ignore: Deno.env.get("ALLIUM_SKIP_LOAD_SMOKE") === "1",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "allium_load_smoke_" });
    const out = `${dir}/report.json`;
    try {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", RUN, "--quick", "--json", "--out", out],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const killer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
      let result: Deno.CommandOutput;
      try {
        result = await child.output();
      } finally {
        clearTimeout(killer);
      }
      const stderr = new TextDecoder().decode(result.stderr);
      assert.equal(result.code, 0, `load/run.ts failed:\n${stderr.slice(-4000)}`);
      const report = JSON.parse(new TextDecoder().decode(result.stdout)) as LoadReport;
      assert.deepEqual(JSON.parse(await Deno.readTextFile(out)), report, "--out holds the printed report");

      assert.equal(report.schema, "allium-load/v1");
      assert.equal(report.mode, "quick");
      assert.ok(report.machine.cpus >= 1 && report.machine.generator.startsWith("autocannon "));
      assert.ok(typeof report.provider === "string" && report.provider.length > 0);

      const relay = report.relay;
      assert.ok(relay !== undefined, "relay scenario present");
      const expected = { health: "200", replay: "400", peel: "502", relay: "200" } as const;
      for (const [name, status] of Object.entries(expected)) {
        const route: RouteResult = relay.routes[name as keyof typeof expected];
        assert.ok((route.statusCounts[status] ?? 0) > 0, `${name}: some ${status} answers`);
        assert.equal(route.unexpected, 0, `${name}: only ${status} answers (${JSON.stringify(route.statusCounts)})`);
        assert.equal(route.errors, 0, `${name}: no connection errors`);
        assert.ok(route.reqPerSec > 0 && route.latency.p50 !== null && route.latency.p99 !== null, name);
        assert.ok(route.latency.p50! <= route.latency.p99!, `${name}: p50 ≤ p99`);
      }
      assert.ok(relay.ratio > 0 && relay.ratio < 1, `relay ÷ health = ${relay.ratio}`);
      assert.equal(relay.stages.length, 4);
      assert.equal(typeof relay.goal.met, "boolean");

      const o = report.overload;
      assert.ok(o !== undefined, "overload scenario present");
      assert.ok(o.baseline.responses > 0 && o.baseline.p99 !== null, "baseline probe answered");
      assert.ok(o.overload.accepted > 0, "some requests accepted under overload");
      assert.ok(o.overload.shed429 + o.overload.shed503 > 0, "some requests shed under overload");
      assert.ok((o.rss.peakBytes ?? 0) > 0, "gateway RSS read");
      assert.ok(o.recovery.windows.some((w) => w.ok > 0), "recovery probe answered");
      for (const check of Object.values(o.checks)) assert.ok(check === null || typeof check === "boolean");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
