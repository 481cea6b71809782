/**
 * Time limits of one request (hardening.md §5: "body minimum rate 1 KiB/s after the first 5 s;
 * whole request deadline 30 s"), enforced by the app on every runtime:
 *
 * - **deadline**: `deadlineMs` after the request reached the app (its headers were read), the
 *   request is cut, whatever stage it is in;
 * - **minimum body rate**: while the body is being read, once `graceMs` have passed since reading
 *   began, the average rate since then must stay at or above `minBytesPerSecond`; a body that
 *   falls behind is cut. The check runs on timers, so a client that stops sending is caught too.
 *
 * A cut calls the listeners of {@link RequestWatch.onCut}; body_limit.ts cancels the read and answers.
 *
 * Time is measured only through the injected {@link Timers}: elapsed time is the sum of the delays
 * the watch scheduled, and no clock is read (style.md rule 1). A late timer therefore errs in the
 * client's favour by the lateness, never against it. Unit tests drive the watch with fake timers.
 *
 * @module
 */

/** Timer functions (the global `setTimeout` / `clearTimeout`, or fakes in tests). */
export interface Timers {
  /**
   * Call `callback` once after `ms` milliseconds.
   *
   * @param callback what to call
   * @param ms delay
   * @returns a handle for {@link Timers.clearTimeout}
   */
  setTimeout(callback: () => void, ms: number): unknown;
  /**
   * Cancel a timer; a handle of a timer that already ran is ignored.
   *
   * @param handle what {@link Timers.setTimeout} returned
   */
  clearTimeout(handle: unknown): void;
}

/** The runtime's timers. */
export const SYSTEM_TIMERS: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as number),
};

/**
 * Shortest pause between two rate checks of one body, ms. A body exactly at the minimum rate is
 * re-checked at most this often, and one that falls behind is cut at most this late.
 */
export const PACE_MIN_STEP_MS = 250;

/** Why a request was cut. */
export type TimingViolation =
  /** The whole-request deadline passed. */
  | "deadline"
  /** The body's average rate fell below the minimum after the grace period. */
  | "slow_body";

/** Options of a {@link RequestWatch}; config names in parentheses. */
export interface RequestTimingOptions {
  /** Whole-request deadline, ms (`requestDeadlineMs`, 30,000). */
  deadlineMs: number;
  /** Time after the body read began before the minimum rate applies, ms (`bodyGraceMs`, 5,000). */
  graceMs: number;
  /** Minimum average body rate, bytes per second (`bodyMinBytesPerSecond`, 1,024). */
  minBytesPerSecond: number;
  /** Timers; default {@link SYSTEM_TIMERS}. */
  timers?: Timers;
}

/**
 * Check the numbers of {@link RequestTimingOptions} (a middleware checks them once, when built).
 *
 * @param options the options
 * @throws {RangeError} when a value is not a positive integer
 * @example
 * ```ts
 * import { checkRequestTiming } from "./request_timing.ts";
 * checkRequestTiming({ deadlineMs: 30_000, graceMs: 5_000, minBytesPerSecond: 1024 });
 * let threw = false;
 * try { checkRequestTiming({ deadlineMs: 0, graceMs: 5_000, minBytesPerSecond: 1024 }); } catch { threw = true; }
 * if (!threw) throw new Error("bad");
 * ```
 */
export function checkRequestTiming(options: RequestTimingOptions): void {
  for (const name of ["deadlineMs", "graceMs", "minBytesPerSecond"] as const) {
    const v = options?.[name];
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new RangeError(`Cannot watch request: ${name} ${String(v)} is not a positive integer`);
    }
  }
}

/**
 * The time limits of one request: the deadline starts when the watch is made; the rate watch
 * runs between {@link RequestWatch.bodyStarted} and {@link RequestWatch.bodyEnded}. Call
 * {@link RequestWatch.dispose} when the request is over.
 *
 * @example A body that stalls after its grace period is cut
 * ```ts
 * import { RequestWatch, type Timers } from "./request_timing.ts";
 * const pending: (() => void)[] = [];
 * const timers: Timers = { setTimeout: (f) => pending.push(f), clearTimeout: () => {} };
 * const watch = new RequestWatch({ deadlineMs: 30_000, graceMs: 5_000, minBytesPerSecond: 1024, timers });
 * watch.bodyStarted();
 * watch.bodyReceived(100);
 * pending[1](); // the 5 s check: 100 bytes, 5,120 needed
 * if (!watch.cut || watch.violation !== "slow_body") throw new Error("bad");
 * watch.dispose();
 * ```
 */
export class RequestWatch {
  /** Called once on a cut (a plain list: an AbortController costs more per request). */
  #listeners: (() => void)[] = [];
  readonly #timers: Timers;
  readonly #graceMs: number;
  readonly #minBytesPerSecond: number;
  #violation: TimingViolation | undefined;
  #deadlineTimer: unknown;
  #paceTimer: unknown;
  /** Body bytes received since the read began. */
  #bytes = 0;
  /** Elapsed time of the next rate check, ms since the read began (a sum of scheduled delays). */
  #paceAt = 0;

  /**
   * Start the deadline.
   *
   * @param options deadline, grace period, minimum rate and timers
   * @throws {RangeError} when a limit is not a positive integer
   */
  constructor(options: RequestTimingOptions) {
    checkRequestTiming(options);
    this.#timers = options.timers ?? SYSTEM_TIMERS;
    this.#graceMs = options.graceMs;
    this.#minBytesPerSecond = options.minBytesPerSecond;
    this.#deadlineTimer = this.#timers.setTimeout(() => this.#cut("deadline"), options.deadlineMs);
  }

  /** Whether the request was cut; {@link RequestWatch.violation} says why. */
  get cut(): boolean {
    return this.#violation !== undefined;
  }

  /**
   * Call `listener` once when the request is cut (at once if it already was).
   *
   * @param listener what to call
   * @returns a function removing the listener
   */
  onCut(listener: () => void): () => void {
    if (this.#violation !== undefined) {
      listener();
      return () => {};
    }
    this.#listeners.push(listener);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /** Why the request was cut, or undefined while it is within its limits. */
  get violation(): TimingViolation | undefined {
    return this.#violation;
  }

  /** The body read began: the grace period starts. */
  bodyStarted(): void {
    if (this.#violation !== undefined || this.#paceTimer !== undefined) return;
    this.#bytes = 0;
    this.#paceAt = this.#graceMs;
    this.#paceTimer = this.#timers.setTimeout(() => this.#checkPace(), this.#graceMs);
  }

  /**
   * Count body bytes that arrived.
   *
   * @param n bytes
   */
  bodyReceived(n: number): void {
    this.#bytes += n;
  }

  /** The body read ended (completely or not): the rate no longer matters. */
  bodyEnded(): void {
    this.#clearPace();
  }

  /** The request is over: stop every timer. */
  dispose(): void {
    this.#clearPace();
    if (this.#deadlineTimer !== undefined) {
      this.#timers.clearTimeout(this.#deadlineTimer);
      this.#deadlineTimer = undefined;
    }
  }

  #clearPace(): void {
    if (this.#paceTimer !== undefined) {
      this.#timers.clearTimeout(this.#paceTimer);
      this.#paceTimer = undefined;
    }
  }

  /** A rate check at elapsed time `#paceAt`: cut, or schedule the next check. */
  #checkPace(): void {
    this.#paceTimer = undefined;
    if (this.#violation !== undefined) return;
    const at = this.#paceAt;
    // hardening.md §5: after the grace period the average rate since the read began must be ≥ the minimum.
    if (this.#bytes * 1000 < this.#minBytesPerSecond * at) {
      this.#cut("slow_body");
      return;
    }
    // The earliest time the average can fall below the minimum if nothing more arrives.
    const next = Math.max(at + PACE_MIN_STEP_MS, Math.ceil((this.#bytes * 1000) / this.#minBytesPerSecond));
    this.#paceAt = next;
    this.#paceTimer = this.#timers.setTimeout(() => this.#checkPace(), next - at);
  }

  #cut(violation: TimingViolation): void {
    if (this.#violation !== undefined) return;
    this.#violation = violation;
    this.dispose();
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) listener();
  }
}
