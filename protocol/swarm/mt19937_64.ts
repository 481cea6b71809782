/**
 * The 64-bit Mersenne Twister (`std::mt19937_64`) and the reference's `uniform_distribution_portable`
 * (swarms-and-storage.md §3.3). Chain-side swarm assignment is consensus code, so both must match the
 * C++ reference bit for bit. Values are `bigint` in `[0, 2^64)`.
 *
 * @module
 */

/** Word size of the generator in bits (mt19937_64 parameter `w`; swarms-and-storage.md §3.3). */
const WORD_BITS = 64n;
/** Mask of one 64-bit word. */
const U64_MASK = (1n << WORD_BITS) - 1n;
/** Largest output, `std::mt19937_64::max()` = 2^64-1 (the `M` of swarms-and-storage.md §3.3). */
const MT_MAX = U64_MASK;
/** State size `n` in words (mt19937_64). */
const STATE_WORDS = 312;
/** Middle offset `m` (mt19937_64). */
const MIDDLE_WORD = 156;
/** Twist matrix `a` (mt19937_64). */
const MATRIX_A = 0xb5026f5aa96619e9n;
/** Upper `w - r` bits of a word (`r` = 31). */
const UPPER_MASK = 0xffffffff80000000n;
/** Lower `r` = 31 bits of a word. */
const LOWER_MASK = 0x7fffffffn;
/** Initialisation multiplier `f` (mt19937_64). */
const INIT_MULTIPLIER = 6364136223846793005n;
/** Shift used by the seeding recurrence (`w - 2`). */
const INIT_SHIFT = 62n;
/** Tempering parameters (u, d), (s, b), (t, c), l of mt19937_64. */
const TEMPER_U = 29n;
const TEMPER_D = 0x5555555555555555n;
const TEMPER_S = 17n;
const TEMPER_B = 0x71d67fffeda60000n;
const TEMPER_T = 37n;
const TEMPER_C = 0xfff7eee000000000n;
const TEMPER_L = 43n;
/** Seed `std::mt19937_64` uses when default-constructed (`default_seed`). */
const DEFAULT_SEED = 5489n;

/** Anything that yields uniformly random 64-bit words as `bigint`, such as {@link MersenneTwister64}. */
export interface U64Source {
  /** The next 64-bit output, in `[0, 2^64)`. */
  next(): bigint;
}

/**
 * The standard `std::mt19937_64` generator (swarms-and-storage.md §3.3): same seed, same outputs
 * as the C++ standard library on every platform.
 *
 * @example First output for seed 12345 (as `std::mt19937_64{12345}()`)
 * ```ts
 * import { MersenneTwister64 } from "./mt19937_64.ts";
 * const rng = new MersenneTwister64(12345n);
 * if (rng.next() !== 6597103971274460346n) throw new Error("bad");
 * ```
 */
export class MersenneTwister64 implements U64Source {
  #state = new BigUint64Array(STATE_WORDS);
  #index = STATE_WORDS;

  /**
   * Seed the generator like `std::mt19937_64(seed)`.
   *
   * @param seed unsigned 64-bit seed, a `bigint` or a non-negative safe integer; defaults to 5489
   * @throws {TypeError} when the seed is neither a bigint nor a number
   * @throws {RangeError} when the seed is not an integer in `[0, 2^64)`
   */
  constructor(seed: bigint | number = DEFAULT_SEED) {
    const s = toU64(seed, "Cannot seed mt19937_64", "seed");
    const mt = this.#state;
    mt[0] = s;
    for (let i = 1; i < STATE_WORDS; i++) {
      const prev = mt[i - 1];
      // BigUint64Array stores modulo 2^64, matching C++ unsigned wrap-around.
      mt[i] = INIT_MULTIPLIER * (prev ^ (prev >> INIT_SHIFT)) + BigInt(i);
    }
  }

  /**
   * Draw the next 64-bit output (`operator()` of `std::mt19937_64`).
   *
   * @returns an integer in `[0, 2^64)`
   * @example
   * ```ts
   * import { MersenneTwister64 } from "./mt19937_64.ts";
   * const rng = new MersenneTwister64(12345n);
   * rng.next();
   * if (rng.next() !== 7386862472818278521n) throw new Error("bad");
   * ```
   */
  next(): bigint {
    if (this.#index >= STATE_WORDS) this.#twist();
    let y = this.#state[this.#index++];
    y ^= (y >> TEMPER_U) & TEMPER_D;
    y ^= (y << TEMPER_S) & TEMPER_B;
    y ^= (y << TEMPER_T) & TEMPER_C;
    y ^= y >> TEMPER_L;
    return y & U64_MASK;
  }

  /** Regenerate all state words. */
  #twist(): void {
    const mt = this.#state;
    for (let i = 0; i < STATE_WORDS; i++) {
      const x = (mt[i] & UPPER_MASK) | (mt[(i + 1) % STATE_WORDS] & LOWER_MASK);
      let xa = x >> 1n;
      if (x & 1n) xa ^= MATRIX_A;
      mt[i] = mt[(i + MIDDLE_WORD) % STATE_WORDS] ^ xa;
    }
    this.#index = 0;
  }
}

/**
 * Draw an integer in `[0, n)` exactly as the reference's `uniform_distribution_portable`
 * (swarms-and-storage.md §3.3): `limit = M - (M mod n)` with `M = 2^64-1`; draw `x` until
 * `x < limit`; return `floor(x / floor(limit / n))`. This is not `std::uniform_int_distribution`.
 *
 * @param rng source of 64-bit words, normally a {@link MersenneTwister64}
 * @param n exclusive upper bound, `1 ≤ n < 2^64` (`bigint` or safe integer)
 * @returns an integer in `[0, n)` as a `bigint`
 * @throws {TypeError} when `n` is neither a bigint nor a number
 * @throws {RangeError} when `n` is 0 (the reference divides by zero) or not below 2^64
 * @example Three draws on one generator seeded 42
 * ```ts
 * import { MersenneTwister64, uniformDistributionPortable } from "./mt19937_64.ts";
 * const rng = new MersenneTwister64(42n);
 * const out = [1n, 2n, 3n].map((n) => uniformDistributionPortable(rng, n));
 * if (out.join() !== "0,1,2") throw new Error("bad");
 * ```
 */
export function uniformDistributionPortable(rng: U64Source, n: bigint | number): bigint {
  const bound = toU64(n, "Cannot draw uniform integer", "bound");
  if (bound === 0n) throw new RangeError("Cannot draw uniform integer: bound is 0, expected at least 1");
  const limit = MT_MAX - (MT_MAX % bound);
  let x: bigint;
  do x = rng.next(); while (x >= limit);
  return x / (limit / bound);
}

/** Check an unsigned 64-bit argument and return it as a bigint. */
function toU64(value: bigint | number, action: string, what: string): bigint {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`${action}: ${what} ${value} is not a non-negative safe integer`);
    }
    return BigInt(value);
  }
  if (typeof value !== "bigint") throw new TypeError(`${action}: ${what} is not a bigint or number`);
  if (value < 0n || value > U64_MASK) throw new RangeError(`${action}: ${what} ${value} is outside [0, 2^64)`);
  return value;
}
