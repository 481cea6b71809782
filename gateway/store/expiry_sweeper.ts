/**
 * The periodic purge of expired messages (swarms-and-storage.md §10: every 10 s). The clock and
 * the interval timer are injected, so tests drive it with fakes and no code here reads the
 * system clock (style.md rule 1).
 *
 * @module
 */

import type { MessageStore } from "./message_store.ts";

/** Default sweep period: expired rows are purged every 10 s (swarms-and-storage.md §10). */
export const DEFAULT_SWEEP_INTERVAL_MS = 10_000;

/** Interval timer functions (the global ones, or fakes in tests). */
export interface IntervalTimers {
  /**
   * Call `callback` every `ms` milliseconds.
   *
   * @param callback what to call
   * @param ms period
   * @returns a handle for {@link IntervalTimers.clearInterval}
   */
  setInterval(callback: () => void, ms: number): unknown;
  /**
   * Stop an interval.
   *
   * @param handle what {@link IntervalTimers.setInterval} returned
   */
  clearInterval(handle: unknown): void;
}

/** The runtime's interval timers. */
export const SYSTEM_INTERVAL_TIMERS: IntervalTimers = {
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (handle) => clearInterval(handle as number),
};

/** Options of {@link startExpirySweeper}. */
export interface ExpirySweeperOptions {
  /** Current time, ms since the epoch. */
  readonly now: () => number;
  /** Where a failed sweep is reported; the sweeper keeps running. */
  readonly onError: (error: unknown) => void;
  /** Called after each successful sweep with how many messages it deleted. */
  readonly onSweep?: (deleted: number) => void;
  /** Sweep period in ms (default 10 000, §10). */
  readonly intervalMs?: number;
  /** Timer functions (default {@link SYSTEM_INTERVAL_TIMERS}). */
  readonly timers?: IntervalTimers;
}

/** A running sweeper. */
export interface ExpirySweeper {
  /**
   * Sweep now, outside the schedule.
   *
   * @returns how many messages were deleted, or `undefined` if the sweep failed (reported to `onError`)
   */
  sweepNow(): number | undefined;
  /** Stop the schedule (idempotent); a stopped sweeper does not sweep again. */
  stop(): void;
}

/**
 * Start calling `store.deleteExpired(now())` every `intervalMs`.
 *
 * @param store the message store
 * @param options clock, error sink, period and timers
 * @returns the running sweeper
 * @throws {RangeError} if `intervalMs` is not a positive finite number
 * @example Sweeping with a hand-driven timer
 * ```ts
 * import { startExpirySweeper } from "./expiry_sweeper.ts";
 * import { MemoryStore } from "./memory_store.ts";
 * const store = new MemoryStore();
 * store.store({ account: "05" + "00".repeat(32), namespace: 0, hash: "h", timestamp: 0, expiry: 5, data: new Uint8Array(1) });
 * let tick = () => {};
 * const timers = { setInterval: (fn: () => void) => (tick = fn, 1), clearInterval: () => {} };
 * const sweeper = startExpirySweeper(store, { now: () => 10, onError: console.error, timers });
 * tick();
 * if (store.counts().messages !== 0) throw new Error("bad");
 * sweeper.stop();
 * ```
 */
export function startExpirySweeper(store: MessageStore, options: ExpirySweeperOptions): ExpirySweeper {
  const intervalMs = options.intervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  if (typeof intervalMs !== "number" || !Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new RangeError(`Cannot start expiry sweeper: interval is ${intervalMs} ms, expected a positive number`);
  }
  const timers = options.timers ?? SYSTEM_INTERVAL_TIMERS;
  let stopped = false;
  const sweepNow = (): number | undefined => {
    if (stopped) return undefined;
    let deleted: number;
    try {
      deleted = store.deleteExpired(options.now());
    } catch (e) {
      reportSafely(options.onError, e);
      return undefined;
    }
    options.onSweep?.(deleted);
    return deleted;
  };
  const handle = timers.setInterval(() => void sweepNow(), intervalMs);
  return {
    sweepNow,
    stop() {
      if (stopped) return;
      stopped = true;
      timers.clearInterval(handle);
    },
  };
}

/** Report to `onError`; an error sink that throws must not kill the timer callback. */
function reportSafely(onError: (error: unknown) => void, error: unknown): void {
  try {
    onError(error);
  } catch {
    // Nothing else to report to.
  }
}
