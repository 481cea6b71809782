import assert from "node:assert/strict";
import { DEFAULT_SWEEP_INTERVAL_MS, type IntervalTimers, startExpirySweeper } from "./expiry_sweeper.ts";
import { MemoryStore } from "./memory_store.ts";
import type { MessageStore } from "./message_store.ts";

/** Interval timers that fire only when the test calls `advance`. */
class FakeIntervals implements IntervalTimers {
  now = 0;
  #next = 1;
  #intervals = new Map<number, { callback: () => void; ms: number; due: number }>();
  get active(): number {
    return this.#intervals.size;
  }
  setInterval = (callback: () => void, ms: number): number => {
    const id = this.#next++;
    this.#intervals.set(id, { callback, ms, due: this.now + ms });
    return id;
  };
  clearInterval = (handle: unknown): void => {
    this.#intervals.delete(handle as number);
  };
  advance(ms: number): void {
    const end = this.now + ms;
    while (true) {
      const next = [...this.#intervals.values()].filter((t) => t.due <= end).sort((a, b) => a.due - b.due)[0];
      if (next === undefined) break;
      this.now = next.due;
      next.due += next.ms;
      next.callback();
    }
    this.now = end;
  }
}

const ACCOUNT = "05" + "cd".repeat(32);

function storeWithExpiries(...expiries: number[]): MemoryStore {
  const store = new MemoryStore();
  expiries.forEach((expiry, i) =>
    store.store({ account: ACCOUNT, namespace: 0, hash: `h${i}`, timestamp: 0, expiry, data: new Uint8Array(1) })
  );
  return store;
}

Deno.test("startExpirySweeper() deletes expired messages every 10 s by default, at the injected time", () => {
  const timers = new FakeIntervals();
  const store = storeWithExpiries(5_000, 10_000, 15_000, 25_000);
  const swept: number[] = [];
  const sweeper = startExpirySweeper(store, {
    now: () => timers.now,
    onError: (e) => assert.fail(String(e)),
    onSweep: (n) => swept.push(n),
    timers,
  });
  timers.advance(DEFAULT_SWEEP_INTERVAL_MS - 1);
  assert.deepEqual(swept, []);
  timers.advance(1);
  assert.deepEqual(swept, [2]);
  timers.advance(2 * DEFAULT_SWEEP_INTERVAL_MS);
  assert.deepEqual(swept, [2, 1, 1]);
  assert.equal(store.counts().messages, 0);
  sweeper.stop();
  assert.equal(timers.active, 0);
});

Deno.test("startExpirySweeper() honours intervalMs and stop() ends the schedule for good", () => {
  const timers = new FakeIntervals();
  const store = storeWithExpiries(100, 200);
  let sweeps = 0;
  const sweeper = startExpirySweeper(store, {
    now: () => timers.now,
    onError: (e) => assert.fail(String(e)),
    onSweep: () => sweeps++,
    intervalMs: 100,
    timers,
  });
  timers.advance(100);
  assert.equal(store.counts().messages, 1);
  sweeper.stop();
  sweeper.stop();
  timers.advance(1_000);
  assert.equal(sweeps, 1);
  assert.equal(sweeper.sweepNow(), undefined);
  assert.equal(store.counts().messages, 1);
});

Deno.test("startExpirySweeper() reports a failing sweep to onError and keeps sweeping", () => {
  const timers = new FakeIntervals();
  const inner = storeWithExpiries(10_000, 30_000);
  let fail = true;
  const store = new Proxy(inner, {
    get(target, prop) {
      if (prop === "deleteExpired") {
        return (now: number) => {
          if (fail) throw new Error("disk on fire");
          return target.deleteExpired(now);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as MessageStore;
  const errors: unknown[] = [];
  const sweeper = startExpirySweeper(store, {
    now: () => timers.now,
    onError: (e) => {
      errors.push(e);
      throw new Error("the logger failed too");
    },
    timers,
  });
  timers.advance(20_000);
  assert.equal(errors.length, 2);
  assert.match(String(errors[0]), /disk on fire/);
  fail = false;
  timers.advance(10_000);
  assert.equal(inner.counts().messages, 0);
  assert.equal(errors.length, 2);
  sweeper.stop();
});

Deno.test("startExpirySweeper() sweepNow() sweeps at once and returns the count", () => {
  const timers = new FakeIntervals();
  timers.now = 50;
  const sweeper = startExpirySweeper(storeWithExpiries(50, 51), { now: () => timers.now, onError: () => {}, timers });
  assert.equal(sweeper.sweepNow(), 1);
  sweeper.stop();
});

Deno.test("startExpirySweeper() rejects a zero, negative or non-finite interval", () => {
  for (const intervalMs of [0, -5, Infinity, NaN]) {
    assert.throws(
      () => startExpirySweeper(new MemoryStore(), { now: () => 0, onError: () => {}, intervalMs }),
      RangeError,
    );
  }
});
