/**
 * Structured, privacy-preserving logging (hardening.md §6): one JSON line per event with a fixed
 * set of short scalar fields. Callers pass event names and codes, never payloads, keys, IPs or
 * exception messages; string fields are cut to a fixed length as a second line of defence.
 *
 * @module
 */

import type { LogLevel } from "./config.ts";

/** Scalar fields of one log line. */
export type LogFields = Readonly<Record<string, string | number | boolean>>;

/** Where the gateway's log lines go. */
export interface Logger {
  /**
   * Record one event.
   *
   * @param level severity
   * @param event a fixed event name (`unexpected_error`, `listening`, …)
   * @param fields short scalar fields: codes, counts, request ids
   */
  log(level: LogLevel, event: string, fields?: LogFields): void;
}

const RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };
/** Longest string field written; longer values are cut. */
const MAX_FIELD_CHARS = 64;
/** Most fields written per line. */
const MAX_FIELDS = 12;

/**
 * A logger writing JSON lines (`{"t":…,"level":…,"event":…,…}`) at or above `minLevel`.
 *
 * @param write sink for one line (without newline)
 * @param options `minLevel`, the lowest level written, and `now`, the clock for the `t` field (ms)
 * @returns the logger
 * @example
 * ```ts
 * import { createJsonLogger } from "./logger.ts";
 * const lines: string[] = [];
 * const logger = createJsonLogger((l) => lines.push(l), { minLevel: "info", now: () => 0 });
 * logger.log("debug", "ignored");
 * logger.log("warn", "slow_hop", { ms: 12 });
 * if (lines.length !== 1 || lines[0] !== '{"t":0,"level":"warn","event":"slow_hop","ms":12}') throw new Error(lines[0]);
 * ```
 */
export function createJsonLogger(
  write: (line: string) => void,
  options: { minLevel: LogLevel; now: () => number },
): Logger {
  const { now } = options;
  const min = RANK[options.minLevel];
  return {
    log(level, event, fields = {}) {
      if (RANK[level] < min) return;
      const line: Record<string, unknown> = { t: Math.floor(now()), level, event: event.slice(0, MAX_FIELD_CHARS) };
      let n = 0;
      for (const [k, v] of Object.entries(fields)) {
        if (n++ >= MAX_FIELDS || k === "t" || k === "level" || k === "event") continue;
        line[k.slice(0, MAX_FIELD_CHARS)] = typeof v === "string" ? v.slice(0, MAX_FIELD_CHARS) : v;
      }
      write(JSON.stringify(line));
    },
  };
}

/** A logger that keeps lines in memory, for tests. */
export interface MemoryLogger extends Logger {
  /** Every line logged, as JSON text. */
  readonly lines: string[];
}

/**
 * A logger that keeps every line (all levels) in memory, for tests that check what is logged.
 *
 * @returns the logger with its `lines`
 * @example
 * ```ts
 * import { memoryLogger } from "./logger.ts";
 * const logger = memoryLogger();
 * logger.log("error", "unexpected_error", { name: "TypeError" });
 * if (!logger.lines[0].includes("TypeError")) throw new Error("bad");
 * ```
 */
export function memoryLogger(): MemoryLogger {
  const lines: string[] = [];
  const inner = createJsonLogger((l) => lines.push(l), { minLevel: "debug", now: () => 0 });
  return { lines, log: inner.log };
}
