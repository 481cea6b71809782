import assert from "node:assert/strict";
import { FakeTimers } from "../_testing/fake_timers.ts";
import { DEFAULT_CONFIG } from "../config.ts";
import { checkRequestTiming, PACE_MIN_STEP_MS, RequestWatch, type TimingViolation } from "./request_timing.ts";

const LIMITS = {
  deadlineMs: DEFAULT_CONFIG.requestDeadlineMs,
  graceMs: DEFAULT_CONFIG.bodyGraceMs,
  minBytesPerSecond: DEFAULT_CONFIG.bodyMinBytesPerSecond,
};
const { deadlineMs: DEADLINE, graceMs: GRACE, minBytesPerSecond: RATE } = LIMITS;
/** How far each row runs. */
const HORIZON_MS = DEADLINE + 10_000;

/** One arrival: `bytes` at `at` ms after the read began, or the end of the body. */
type Arrival = { at: number; bytes: number } | { at: number; end: true };

/** `bytes` every `every` ms from `from` (inclusive) to `to` (exclusive). */
function steady(bytes: number, every: number, from: number, to: number): Arrival[] {
  const out: Arrival[] = [];
  for (let at = from; at < to; at += every) out.push({ at, bytes });
  return out;
}

/** Run one schedule against a watch; returns when (virtual ms) and why it was cut, if it was. */
function run(arrivals: Arrival[]): { at?: number; violation?: TimingViolation; timers: FakeTimers } {
  const timers = new FakeTimers();
  const watch = new RequestWatch({ ...LIMITS, timers });
  let cutAt: number | undefined;
  watch.onCut(() => (cutAt = timers.now));
  watch.bodyStarted();
  for (const a of [...arrivals].sort((x, y) => x.at - y.at)) {
    timers.advance(a.at - timers.now);
    if (watch.cut) break;
    if ("end" in a) watch.bodyEnded();
    else watch.bodyReceived(a.bytes);
  }
  timers.advance(HORIZON_MS - timers.now);
  watch.dispose();
  return { at: cutAt, violation: watch.violation, timers };
}

Deno.test("RequestWatch cuts bodies below the minimum rate after the grace period, and at the deadline (table)", () => {
  const rows: [string, Arrival[], TimingViolation | undefined, number | undefined][] = [
    ["nothing arrives", [], "slow_body", GRACE],
    ["half the minimum rate", steady(RATE / 4, 500, 0, HORIZON_MS), "slow_body", GRACE],
    // 1 KiB/s sent a step ahead: never behind, so only the deadline ends it.
    ["exactly the minimum rate, ahead", steady(RATE / 4, 250, 0, HORIZON_MS), "deadline", DEADLINE],
    ["twice the rate, forever", steady(RATE / 2, 250, 0, HORIZON_MS), "deadline", DEADLINE],
    // 20 KiB by 10 s: the average reaches 1 KiB/s again at 20 s.
    ["twice the rate for 10 s, then silence", steady(RATE / 2, 250, 0, 10_000), "slow_body", 20_000],
    // 6,000 bytes by 4.9 s are enough at 5 s; the average drops below 1,024 B/s at 5,860 ms.
    ["6,000 bytes before the grace ends, then silence", [{ at: 4_900, bytes: 6_000 }], "slow_body", 5_860],
    // Bodies that end in time are never too slow; the request itself still has its deadline.
    [
      "a slow start made up before the grace ends",
      [{ at: 4_999, bytes: 40 * RATE }, { at: 5_000, end: true }],
      "deadline",
      DEADLINE,
    ],
    ["a complete body in 1 s", [{ at: 1_000, bytes: 100 }, { at: 1_000, end: true }], "deadline", DEADLINE],
  ];
  for (const [name, arrivals, violation, at] of rows) {
    const got = run(arrivals);
    assert.equal(got.violation, violation, name);
    if (at !== undefined) {
      assert.ok(got.at !== undefined && got.at >= at && got.at <= at + PACE_MIN_STEP_MS, `${name}: cut at ${got.at}`);
    }
    assert.equal(got.timers.pending, 0, `${name}: every timer stopped`);
  }
});

Deno.test("RequestWatch stops the rate watch when the body ends, and dispose() stops the deadline", () => {
  const timers = new FakeTimers();
  const watch = new RequestWatch({ ...LIMITS, timers });
  assert.equal(timers.pending, 1, "the deadline");
  watch.bodyStarted();
  assert.equal(timers.pending, 2, "deadline and rate check");
  watch.bodyReceived(10);
  watch.bodyEnded();
  assert.equal(timers.pending, 1);
  timers.advance(DEADLINE - 1);
  assert.equal(watch.cut, false, "a finished body is never too slow");
  watch.dispose();
  assert.equal(timers.pending, 0);
  timers.advance(HORIZON_MS);
  assert.equal(watch.violation, undefined);
});

Deno.test("RequestWatch measures from the start of the body read, not from its own creation", () => {
  const timers = new FakeTimers();
  const watch = new RequestWatch({ ...LIMITS, timers });
  timers.advance(3_000); // rate limiting, queueing: the body is not being read yet
  watch.bodyStarted();
  watch.bodyReceived(GRACE * 2); // 2 KiB/s … for the first grace period after the read began
  timers.advance(GRACE + 1);
  assert.equal(watch.cut, false);
  timers.advance(GRACE);
  assert.equal(watch.violation, "slow_body");
  assert.ok(timers.now <= 3_000 + 2 * GRACE + PACE_MIN_STEP_MS, String(timers.now));
  watch.dispose();
});

Deno.test("checkRequestTiming() refuses limits that are not positive integers", () => {
  for (const bad of [0, -1, 1.5, Number.NaN, undefined]) {
    for (const field of ["deadlineMs", "graceMs", "minBytesPerSecond"] as const) {
      assert.throws(() => checkRequestTiming({ ...LIMITS, [field]: bad }), RangeError, `${field} ${bad}`);
    }
  }
  assert.throws(() => new RequestWatch({ ...LIMITS, deadlineMs: 0 }), /deadlineMs 0 is not a positive integer/);
});
