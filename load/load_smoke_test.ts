/**
 * Smoke test of the load harness (load/run.ts): runs `deno run -A load/run.ts --quick --json` as
 * a child process (gateway processes, the autocannon generator under Node and the next-hop stub,
 * all on 127.0.0.1) and checks the shape of the JSON report and that requests of every kind were
 * answered as expected. It checks the machinery, never the speed: no figure is compared with a
 * target here (speed targets live in the load report itself, hardening.md §7). The hops-down
 * scenario is checked the same way: healthy routes answered 200 only, down routes 502 (refused)
 * and 504 (silent, at the forward timeout) and nothing but 502 / 503 / 504, and the gateway's
 * forwards in flight back to 0 afterwards — its p99 ratio is reported, never asserted.
 *
 * Part of the default `npm test` (about 25 s, bounded by the quick mode's phase times; the child
 * is killed after 60 s). Set `ALLIUM_SKIP_LOAD_SMOKE=1` to leave it out, e.g. on a machine
 * without `node` on the PATH. The same run by hand: `npm run load -- --quick`.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { LoadReport, RouteResult } from "./run.ts";

const RUN = fileURLToPath(new URL("./run.ts", import.meta.url));
/** Bound on the whole child run, ms (the quick mode plans about 25 s). */
const CHILD_TIMEOUT_MS = 60_000;

Deno.test({
  name:
    "load/run.ts --quick writes an allium-load/v1 report in which every route, the overload and the down next hops answered",
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

      const h = report.hopsDown;
      assert.ok(h !== undefined, "hops-down scenario present");
      assert.deepEqual(h.nextHops, { live: 4, refused: 2, silent: 2 });
      for (const [name, x] of Object.entries(h.healthy)) {
        assert.ok((x.statusCounts["200"] ?? 0) > 0, `healthy ${name}: some 200 answers`);
        assert.equal(x.unexpected, 0, `healthy ${name}: only 200 (${JSON.stringify(x.statusCounts)})`);
        assert.equal(x.errors, 0, `healthy ${name}: no connection errors`);
        assert.ok(x.latency.p99 !== null, `healthy ${name}: p99 measured`);
      }
      const d = h.down;
      assert.ok(
        (d.statusCounts["502"] ?? 0) > 0,
        `down: some 502 (refused) answers (${JSON.stringify(d.statusCounts)})`,
      );
      assert.ok(
        (d.statusCounts["504"] ?? 0) > 0,
        `down: some 504 (silent) answers (${JSON.stringify(d.statusCounts)})`,
      );
      assert.equal(d.unexpected, 0, `down: only 502 / 503 / 504 (${JSON.stringify(d.statusCounts)})`);
      assert.equal(d.errors, 0, "down: no connection errors, nothing abandoned");
      // A silent hop's forward ends at the timeout, not before (timers may fire a little early).
      assert.ok(d.timeout504.min! >= h.forwardTimeoutMs - 5, `504 after ${d.timeout504.min} ms`);
      assert.ok(h.checks.downAnswered502And504 && h.checks.downOnly502503504 && h.checks.healthyOnly200);
      assert.ok(
        h.forwardsInFlight.afterRounds.every((a) => a.value === 0) && h.forwardsInFlight.after === 0,
        `forwards in flight back to 0: ${JSON.stringify(h.forwardsInFlight)}`,
      );
      assert.ok(h.checks.noOther5xx, `no 5xx other than 502/503/504: ${JSON.stringify(h.gatewayOutcomes)}`);
      assert.ok(h.p99Ratio !== null && h.p99Ratio > 0, "p99 ratio computed");
      assert.equal(typeof h.target.met, "boolean");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
