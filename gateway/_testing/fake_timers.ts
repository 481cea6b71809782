/**
 * Fake {@link Timers} for tests: time moves only when the test calls `advance`, and due callbacks
 * run in time order. Never imported by non-test code.
 *
 * @module
 */

import type { Timers } from "../middleware/request_timing.ts";

interface Pending {
  id: number;
  at: number;
  callback: () => void;
}

/** Most callbacks one `advance` runs (a bound against a callback that keeps rescheduling at 0 ms). */
const MAX_CALLBACKS_PER_ADVANCE = 100_000;

/** Timers driven by the test. */
export class FakeTimers implements Timers {
  /** Virtual time, ms since creation. */
  now = 0;
  #nextId = 1;
  #pending: Pending[] = [];

  /** Timers scheduled and not yet run or cleared. */
  get pending(): number {
    return this.#pending.length;
  }

  /**
   * Schedule `callback` at `now + ms`.
   *
   * @param callback what to call
   * @param ms delay
   * @returns a handle
   */
  setTimeout = (callback: () => void, ms: number): number => {
    const id = this.#nextId++;
    this.#pending.push({ id, at: this.now + Math.max(0, ms), callback });
    return id;
  };

  /**
   * Cancel a timer.
   *
   * @param handle what setTimeout returned
   */
  clearTimeout = (handle: unknown): void => {
    this.#pending = this.#pending.filter((p) => p.id !== handle);
  };

  /**
   * Move time forward by `ms`, running every callback that falls due, in order.
   *
   * @param ms milliseconds
   * @throws {Error} when more than 100,000 callbacks fall due
   */
  advance(ms: number): void {
    const end = this.now + ms;
    for (let i = 0; i < MAX_CALLBACKS_PER_ADVANCE; i++) {
      let next: Pending | undefined;
      for (const p of this.#pending) if (p.at <= end && (next === undefined || p.at < next.at)) next = p;
      if (next === undefined) {
        this.now = end;
        return;
      }
      this.#pending = this.#pending.filter((p) => p !== next);
      this.now = next.at;
      next.callback();
    }
    throw new Error("FakeTimers.advance: too many callbacks");
  }
}
