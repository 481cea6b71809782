/**
 * Timing machinery for `bench/run.ts`: time-boxed rounds, a warm-up that sizes the batches, and
 * interleaved rounds over a group of cases so machine noise hits every case of the group alike.
 *
 * @module
 */

/** One operation under test. A returned promise is awaited; a plain value is not (no extra tick). */
export type Op = () => unknown;

/** A named operation, measured beside the others of its group. */
export interface TimedCase {
  /** Unique name, e.g. `peel/xchacha20/1KiB/sodium`. */
  name: string;
  /** The operation (already verified by the caller). */
  op: Op;
}

/** Time boxes of one measurement. */
export interface Timing {
  /** Warm-up per case before the first round, in ms (also sizes the batches). */
  warmupMs: number;
  /** Time box of one round of one case, in ms. */
  roundMs: number;
  /** Interleaved rounds; the median is reported. */
  rounds: number;
}

/** The measurement of one case. */
export interface Measured {
  /** Median ops/s over the rounds. */
  opsPerSec: number;
  /** Ops/s of every round, in round order. */
  rounds: number[];
  /** Operations run in the rounds (warm-up excluded). */
  ops: number;
}

/** Target duration of one batch between clock reads: long enough that `performance.now()` is noise. */
const BATCH_TARGET_MS = 1;
const MS_PER_S = 1000;

/**
 * Run `op` in batches until `ms` have passed (at least one batch).
 *
 * @param op the operation
 * @param batch operations between clock reads
 * @param ms the time box
 * @returns operations run and elapsed ms
 */
async function box(op: Op, batch: number, ms: number): Promise<{ ops: number; elapsed: number }> {
  const t0 = performance.now();
  let ops = 0;
  let elapsed: number;
  do {
    for (let i = 0; i < batch; i++) {
      const r = op();
      if (r instanceof Promise) await r;
    }
    ops += batch;
    elapsed = performance.now() - t0;
  } while (elapsed < ms);
  return { ops, elapsed };
}

/**
 * Median of a non-empty list.
 *
 * @param values the numbers
 * @returns the median (mean of the middle two for an even count)
 */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Warm every case up, then run `timing.rounds` rounds; each round visits every case once, in an
 * order rotated by one per round (no case always runs first or right after a GC-heavy neighbour).
 *
 * @param cases the group, baseline included
 * @param timing time boxes
 * @returns the measurement per case name
 */
export async function measureInterleaved(cases: readonly TimedCase[], timing: Timing): Promise<Map<string, Measured>> {
  const batches = new Map<string, number>();
  for (const c of cases) {
    // One op first (lazy setup, first JIT tier), then a time-boxed warm-up that also prices one op.
    const first = c.op();
    if (first instanceof Promise) await first;
    const { ops, elapsed } = await box(c.op, 1, timing.warmupMs);
    batches.set(c.name, Math.max(1, Math.floor(BATCH_TARGET_MS / (elapsed / ops))));
  }
  const perRound = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  const counts = new Map<string, number>(cases.map((c) => [c.name, 0]));
  for (let r = 0; r < timing.rounds; r++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(i + r) % cases.length];
      const { ops, elapsed } = await box(c.op, batches.get(c.name)!, timing.roundMs);
      perRound.get(c.name)!.push(ops * MS_PER_S / elapsed);
      counts.set(c.name, counts.get(c.name)! + ops);
    }
  }
  const out = new Map<string, Measured>();
  for (const c of cases) {
    const rounds = perRound.get(c.name)!;
    out.set(c.name, { opsPerSec: median(rounds), rounds, ops: counts.get(c.name)! });
  }
  return out;
}
