/**
 * The replay cache of hardening.md §5: a bounded, time-bucketed set of 16-byte replay tags.
 *
 * - tag = BLAKE2b-128(ephemeral_key ‖ blob) ({@link replayTag});
 * - looked up **before** the X25519 operation (a replay costs a hash, not a key agreement) and
 *   inserted only **after** successful decryption (garbage cannot fill the cache);
 * - two generations: `current` takes inserts, lookups check both; every `generationMs` the
 *   current generation becomes the previous one and the old previous one is dropped, so a tag
 *   is remembered for between one and two generations (10–20 minutes by default);
 * - each generation holds at most `maxTags / 2` tags; when the current one is full it rotates
 *   early (documented trade-off: under a flood of *valid* onions the window shrinks to the time it
 *   takes to fill one generation, instead of memory growing or new onions being refused);
 * - memory: each generation is an open-addressing table of 16-byte slots at load ≤ 1/2, i.e.
 *   about 32 bytes per remembered tag (2,000,000 tags ≈ 64 MiB), allocated lazily by the OS;
 * - kept in memory only: after a restart the cache is empty, so an onion captured before the
 *   restart is accepted once more (hardening.md §7 "replay after restart": documented result).
 *
 * The clock is injected. Tags are uniformly random (hash output), so their first 32 bits index
 * the table directly. Slot emptiness is "all four words zero"; to keep a real tag from ever
 * looking empty, the lowest bit of its last word is forced to 1 (127 bits compared instead of
 * 128 — irrelevant for replay detection).
 *
 * @module
 */

import type { CryptoProvider } from "../../mod.ts";

/** Length of a replay tag in bytes (BLAKE2b-128). */
export const REPLAY_TAG_BYTES = 16;
const WORDS = REPLAY_TAG_BYTES / 4;

/** Options of a {@link ReplayFilter}. */
export interface ReplayFilterOptions {
  /** Tags remembered across both generations (config `replayMaxTags`), at least 2. */
  maxTags: number;
  /** Age of one generation in ms (config `replayGenerationMs`). */
  generationMs: number;
  /** Clock, ms. */
  clock: { now(): number };
}

/**
 * The replay tag of a received layer: BLAKE2b-128(ephemeral_key ‖ blob) (hardening.md §5).
 *
 * @param provider crypto provider (its BLAKE2b)
 * @param layer the layer's 32-byte ephemeral key and its ciphertext blob
 * @returns the 16-byte tag
 * @example
 * ```ts
 * import { replayTag } from "./replay_filter.ts";
 * import { nobleProvider } from "../../mod.ts";
 * const tag = await replayTag(nobleProvider, { ephemeralKey: new Uint8Array(32), blob: new Uint8Array(40) });
 * if (tag.length !== 16) throw new Error("bad");
 * ```
 */
export async function replayTag(
  provider: CryptoProvider,
  layer: { ephemeralKey: Uint8Array; blob: Uint8Array },
): Promise<Uint8Array> {
  const { ephemeralKey, blob } = layer;
  const input = new Uint8Array(ephemeralKey.length + blob.length);
  input.set(ephemeralKey, 0);
  input.set(blob, ephemeralKey.length);
  return await provider.blake2b(input, REPLAY_TAG_BYTES);
}

/** One generation: an open-addressing table with linear probing. */
class Generation {
  readonly #slots: Uint32Array;
  readonly #mask: number;
  readonly capacity: number;
  count = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    let slots = 2;
    while (slots < 2 * capacity) slots *= 2; // load factor ≤ 1/2
    this.#slots = new Uint32Array(slots * WORDS);
    this.#mask = slots - 1;
  }

  /** Slot index holding `w`, or the empty slot where it would go (as −index − 1). */
  #find(w: Uint32Array): number {
    const s = this.#slots;
    let i = w[0] & this.#mask;
    for (;;) {
      const o = i * WORDS;
      if (s[o] === 0 && s[o + 1] === 0 && s[o + 2] === 0 && s[o + 3] === 0) return -i - 1;
      if (s[o] === w[0] && s[o + 1] === w[1] && s[o + 2] === w[2] && s[o + 3] === w[3]) return i;
      i = (i + 1) & this.#mask;
    }
  }

  has(w: Uint32Array): boolean {
    return this.count > 0 && this.#find(w) >= 0;
  }

  /** Insert; false when already present. The caller ensures `count < capacity`. */
  add(w: Uint32Array): boolean {
    const found = this.#find(w);
    if (found >= 0) return false;
    this.#slots.set(w, (-found - 1) * WORDS);
    this.count++;
    return true;
  }
}

/**
 * A bounded replay filter with two time-bucketed generations (see the module documentation).
 *
 * @example A tag is seen once
 * ```ts
 * import { ReplayFilter } from "./replay_filter.ts";
 * let now = 0;
 * const filter = new ReplayFilter({ maxTags: 100, generationMs: 1000, clock: { now: () => now } });
 * const tag = new Uint8Array(16).fill(7);
 * if (filter.has(tag) || !filter.add(tag) || !filter.has(tag) || filter.add(tag)) throw new Error("bad");
 * now = 2500; // two generations later it is forgotten
 * if (filter.has(tag)) throw new Error("remembered too long");
 * ```
 */
export class ReplayFilter {
  readonly #perGeneration: number;
  readonly #generationMs: number;
  readonly #clock: { now(): number };
  readonly #words = new Uint32Array(WORDS);
  #current: Generation;
  #previous: Generation | undefined;
  #rotatedAt: number;
  #earlyRotations = 0;

  /**
   * An empty filter.
   *
   * @param options capacity, generation age and clock
   * @throws {RangeError} for a capacity below 2 or a non-positive generation age
   */
  constructor(options: ReplayFilterOptions) {
    const { maxTags, generationMs, clock } = options;
    if (!Number.isSafeInteger(maxTags) || maxTags < 2) {
      throw new RangeError(`Cannot create replay filter: maxTags ${maxTags} is not an integer ≥ 2`);
    }
    if (!(generationMs > 0)) {
      throw new RangeError(`Cannot create replay filter: generationMs ${generationMs} is not positive`);
    }
    this.#perGeneration = Math.floor(maxTags / 2);
    this.#generationMs = generationMs;
    this.#clock = clock;
    this.#current = new Generation(this.#perGeneration);
    this.#rotatedAt = clock.now();
  }

  /** Tags currently remembered (both generations). */
  get size(): number {
    return this.#current.count + (this.#previous?.count ?? 0);
  }

  /** How many times a full generation forced an early rotation (for metrics). */
  get earlyRotations(): number {
    return this.#earlyRotations;
  }

  /**
   * Whether `tag` was added within the window. Call before the key agreement.
   *
   * @param tag 16-byte replay tag
   * @returns true for a replay
   * @throws {RangeError} when the tag is not 16 bytes
   */
  has(tag: Uint8Array): boolean {
    const w = this.#load(tag);
    this.#rotateOnSchedule();
    return this.#current.has(w) || (this.#previous?.has(w) ?? false);
  }

  /**
   * Remember `tag`. Call only after the layer decrypted successfully. Atomic check-and-insert:
   * returns false when the tag is already present (a concurrent twin got there first).
   *
   * @param tag 16-byte replay tag
   * @returns true when newly added, false for a replay
   * @throws {RangeError} when the tag is not 16 bytes
   */
  add(tag: Uint8Array): boolean {
    const w = this.#load(tag);
    this.#rotateOnSchedule();
    if (this.#previous?.has(w)) return false;
    if (this.#current.count >= this.#current.capacity) {
      if (this.#current.has(w)) return false;
      this.#rotate();
      this.#rotatedAt = this.#clock.now(); // the full generation is kept for a whole period
      this.#earlyRotations++;
    }
    return this.#current.add(w);
  }

  #load(tag: Uint8Array): Uint32Array {
    if (!(tag instanceof Uint8Array) || tag.length !== REPLAY_TAG_BYTES) {
      throw new RangeError(`Cannot check replay tag: expected ${REPLAY_TAG_BYTES} bytes`);
    }
    const w = this.#words;
    for (let i = 0; i < WORDS; i++) {
      const o = 4 * i;
      w[i] = (tag[o] | (tag[o + 1] << 8) | (tag[o + 2] << 16) | (tag[o + 3] << 24)) >>> 0;
    }
    w[WORDS - 1] |= 1; // never all-zero: see the module documentation
    return w;
  }

  #rotateOnSchedule(): void {
    const now = this.#clock.now();
    const elapsed = now - this.#rotatedAt;
    if (elapsed < this.#generationMs) return;
    if (elapsed >= 2 * this.#generationMs) {
      this.#previous = undefined;
      this.#current = new Generation(this.#perGeneration);
    } else {
      this.#rotate();
    }
    this.#rotatedAt = now;
  }

  #rotate(): void {
    this.#previous = this.#current;
    this.#current = new Generation(this.#perGeneration);
  }
}
