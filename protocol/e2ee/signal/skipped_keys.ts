/**
 * The bounded store of skipped message keys (e2ee.md §3.2 MKSKIPPED, §3.4): when a message
 * arrives ahead of others on its chain, the keys of the ones not yet seen are kept here so they
 * can still be decrypted when they arrive, once each.
 *
 * The store is immutable: every change returns a new store and leaves the old one as it was, so a
 * failed decryption leaves the caller's state untouched (e2ee.md §3.4 step 5). Entries hold the
 * 32-byte message-key seed of §3.1 (the 80 bytes of keys are derived when used).
 *
 * Bounds, as libsignal: at most {@link MAX_SKIPPED_KEYS_PER_CHAIN} keys per ratchet key (the
 * oldest are evicted), and at most {@link MAX_SKIPPED_KEYS_TOTAL} across the session (the oldest
 * overall are evicted). A message whose key was evicted or already used is refused as a duplicate.
 *
 * @module
 */

import { toHex } from "../../bytes.ts";
import { SecretKey } from "../../crypto/secret_key.ts";
import { MAX_SKIPPED_KEYS_PER_CHAIN, MAX_SKIPPED_KEYS_TOTAL, SIGNAL_KEY_BYTES } from "./constants.ts";

/** One skipped message key. */
export interface SkippedKey {
  /** The sender's 32-byte ratchet public key (no `0x05` prefix) of the chain the key belongs to. */
  readonly ratchetKey: Uint8Array;
  /** The message counter on that chain. */
  readonly counter: number;
  /** The 32-byte message-key seed `HMAC(ck, 0x01)` (e2ee.md §3.1). */
  readonly seed: SecretKey;
}

/** The store: entries by insertion order, oldest first. Treat as opaque; use the functions here. */
export interface SkippedKeys {
  /** Entries keyed by `hex(ratchetKey):counter`, oldest first. */
  readonly entries: ReadonlyMap<string, SkippedKey>;
}

/** Where a skipped key belongs: the sender's ratchet key and the message counter. */
export interface SkippedKeyId {
  /** The sender's 32-byte ratchet public key. */
  readonly ratchetKey: Uint8Array;
  /** The message counter on that chain. */
  readonly counter: number;
}

/** Bounds of a store; the defaults are libsignal's (e2ee.md §3.4). */
export interface SkippedKeyLimits {
  /** Most keys kept for one ratchet key; defaults to {@link MAX_SKIPPED_KEYS_PER_CHAIN}. */
  maxPerChain?: number;
  /** Most keys kept in all; defaults to {@link MAX_SKIPPED_KEYS_TOTAL}. */
  maxTotal?: number;
}

const EMPTY: SkippedKeys = Object.freeze({ entries: new Map<string, SkippedKey>() });

function entryId(ratchetKey: Uint8Array, counter: number): string {
  return `${toHex(ratchetKey)}:${counter}`;
}

function checkRatchetKey(ratchetKey: unknown, action: string): asserts ratchetKey is Uint8Array {
  if (!(ratchetKey instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: ratchet key is not a Uint8Array`);
  if (ratchetKey.length !== SIGNAL_KEY_BYTES) {
    throw new RangeError(`Cannot ${action}: ratchet key is ${ratchetKey.length} bytes, expected ${SIGNAL_KEY_BYTES}`);
  }
}

function checkLimit(value: number | undefined, fallback: number, what: string): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`Cannot add skipped keys: ${what} "${v}" is invalid`);
  return v;
}

/**
 * The empty store.
 *
 * @returns a store with no keys
 * @example
 * ```ts
 * import { emptySkippedKeys, skippedKeyCount } from "./skipped_keys.ts";
 * if (skippedKeyCount(emptySkippedKeys()) !== 0) throw new Error("bad");
 * ```
 */
export function emptySkippedKeys(): SkippedKeys {
  return EMPTY;
}

/**
 * How many keys the store holds, in all or for one ratchet key.
 *
 * @param store the store
 * @param ratchetKey optional 32-byte ratchet key to count for
 * @returns the number of keys
 * @example
 * ```ts
 * import { addSkippedKeys, emptySkippedKeys, skippedKeyCount } from "./skipped_keys.ts";
 * import { SecretKey } from "../../crypto/secret_key.ts";
 * const chain = new Uint8Array(32).fill(1);
 * const s = addSkippedKeys(emptySkippedKeys(), [{ ratchetKey: chain, counter: 0, seed: new SecretKey(new Uint8Array(32)) }]);
 * if (skippedKeyCount(s, chain) !== 1 || skippedKeyCount(s, new Uint8Array(32)) !== 0) throw new Error("bad");
 * ```
 */
export function skippedKeyCount(store: SkippedKeys, ratchetKey?: Uint8Array): number {
  if (ratchetKey === undefined) return store.entries.size;
  const prefix = `${toHex(ratchetKey)}:`;
  let n = 0;
  for (const id of store.entries.keys()) if (id.startsWith(prefix)) n++;
  return n;
}

/**
 * A store with `keys` added (later ones are newer), evicting the oldest keys of a chain beyond
 * `maxPerChain` and the oldest overall beyond `maxTotal`. Adding a key already present replaces it.
 *
 * @param store the store (not modified)
 * @param keys the keys to add, oldest first
 * @param limits bounds; libsignal's by default
 * @returns the new store
 * @throws {TypeError | RangeError} for a malformed key or limit
 * @example The per-chain bound evicts the oldest
 * ```ts
 * import { addSkippedKeys, emptySkippedKeys, skippedKeyCount, takeSkippedKey } from "./skipped_keys.ts";
 * import { SecretKey } from "../../crypto/secret_key.ts";
 * const ratchetKey = new Uint8Array(32).fill(1);
 * const keys = [0, 1, 2].map((counter) => ({ ratchetKey, counter, seed: new SecretKey(new Uint8Array(32)) }));
 * const s = addSkippedKeys(emptySkippedKeys(), keys, { maxPerChain: 2 });
 * if (skippedKeyCount(s) !== 2 || takeSkippedKey(s, { ratchetKey, counter: 0 })[1] !== undefined) throw new Error("bad");
 * ```
 */
export function addSkippedKeys(
  store: SkippedKeys,
  keys: readonly SkippedKey[],
  limits: SkippedKeyLimits = {},
): SkippedKeys {
  const action = "add skipped keys";
  const maxPerChain = checkLimit(limits.maxPerChain, MAX_SKIPPED_KEYS_PER_CHAIN, "maxPerChain");
  const maxTotal = checkLimit(limits.maxTotal, MAX_SKIPPED_KEYS_TOTAL, "maxTotal");
  if (keys.length === 0) return store;
  const entries = new Map(store.entries);
  const touched = new Set<string>();
  for (const key of keys) {
    checkRatchetKey(key.ratchetKey, action);
    if (!Number.isSafeInteger(key.counter) || key.counter < 0) {
      throw new RangeError(`Cannot ${action}: counter "${key.counter}" is invalid`);
    }
    if (!(key.seed instanceof SecretKey) || key.seed.bytes().length !== SIGNAL_KEY_BYTES) {
      throw new TypeError(`Cannot ${action}: seed is not a ${SIGNAL_KEY_BYTES}-byte SecretKey`);
    }
    const id = entryId(key.ratchetKey, key.counter);
    entries.delete(id);
    entries.set(id, Object.freeze({ ratchetKey: key.ratchetKey.slice(), counter: key.counter, seed: key.seed }));
    touched.add(`${toHex(key.ratchetKey)}:`);
  }
  for (const prefix of touched) {
    let excess = -maxPerChain;
    for (const id of entries.keys()) if (id.startsWith(prefix)) excess++;
    for (const id of entries.keys()) {
      if (excess <= 0) break;
      if (id.startsWith(prefix)) {
        entries.delete(id);
        excess--;
      }
    }
  }
  for (const id of entries.keys()) {
    if (entries.size <= maxTotal) break;
    entries.delete(id);
  }
  return Object.freeze({ entries });
}

/**
 * Look a key up and remove it: a key is used at most once (e2ee.md §3.4 step 1).
 *
 * @param store the store (not modified)
 * @param id the sender's 32-byte ratchet key and the message counter
 * @returns the store without the key, and the seed (`undefined` when absent, store unchanged)
 * @throws {TypeError | RangeError} for a malformed ratchet key
 * @example A key comes out once
 * ```ts
 * import { addSkippedKeys, emptySkippedKeys, takeSkippedKey } from "./skipped_keys.ts";
 * import { SecretKey } from "../../crypto/secret_key.ts";
 * const ratchetKey = new Uint8Array(32).fill(1);
 * const s = addSkippedKeys(emptySkippedKeys(), [{ ratchetKey, counter: 4, seed: new SecretKey(new Uint8Array(32)) }]);
 * const [after, seed] = takeSkippedKey(s, { ratchetKey, counter: 4 });
 * if (seed === undefined || takeSkippedKey(after, { ratchetKey, counter: 4 })[1] !== undefined) throw new Error("bad");
 * ```
 */
export function takeSkippedKey(store: SkippedKeys, id: SkippedKeyId): [SkippedKeys, SecretKey | undefined] {
  checkRatchetKey(id?.ratchetKey, "take skipped key");
  const key = entryId(id.ratchetKey, id.counter);
  const found = store.entries.get(key);
  if (found === undefined) return [store, undefined];
  const entries = new Map(store.entries);
  entries.delete(key);
  return [Object.freeze({ entries }), found.seed];
}

/**
 * A store without any key of one ratchet key (its receiving chain was dropped).
 *
 * @param store the store (not modified)
 * @param ratchetKey the 32-byte ratchet key
 * @returns the new store
 * @throws {TypeError | RangeError} for a malformed ratchet key
 * @example
 * ```ts
 * import { addSkippedKeys, dropSkippedChain, emptySkippedKeys, skippedKeyCount } from "./skipped_keys.ts";
 * import { SecretKey } from "../../crypto/secret_key.ts";
 * const ratchetKey = new Uint8Array(32).fill(1);
 * const s = addSkippedKeys(emptySkippedKeys(), [{ ratchetKey, counter: 0, seed: new SecretKey(new Uint8Array(32)) }]);
 * if (skippedKeyCount(dropSkippedChain(s, ratchetKey)) !== 0) throw new Error("bad");
 * ```
 */
export function dropSkippedChain(store: SkippedKeys, ratchetKey: Uint8Array): SkippedKeys {
  checkRatchetKey(ratchetKey, "drop skipped chain");
  const prefix = `${toHex(ratchetKey)}:`;
  const entries = new Map([...store.entries].filter(([id]) => !id.startsWith(prefix)));
  return entries.size === store.entries.size ? store : Object.freeze({ entries });
}
