/**
 * Configuration of the storage-RPC handlers: every limit, tolerance and reported version is a
 * value here with the spec's default (swarms-and-storage.md §6.3, §7, §10).
 *
 * @module
 */

import { type AuthLimits, DEFAULT_AUTH_LIMITS } from "../../protocol/storage/auth.ts";
import { MAX_BATCH_REQUESTS, MAX_MESSAGE_DATA_BYTES } from "../../protocol/storage/params.ts";
import { RETRIEVE_MAX_SIZE } from "../../protocol/storage/namespace.ts";

/** Limits of the storage-RPC handlers. */
export interface StorageRpcLimits extends AuthLimits {
  /** Largest message `data` in bytes (§7.1: 76 800). */
  maxMessageData: number;
  /** Retrieve byte budget (§7.2: 7 800 000). */
  retrieveMaxSize: number;
  /** Most sub-requests of a batch / sequence (§7.12: 20). */
  maxBatch: number;
  /** How long the entry node waits for each swarm peer (§4.3: 5 s). */
  peerTimeoutMs: number;
  /** Network version reported as `hf` and used for version gates (config `networkVersion`: 19.3). */
  hf: readonly number[];
  /** Storage-server version reported by `info` (config `reportedVersion`: 2.8.0). */
  version: readonly number[];
}

/** The defaults. */
export const DEFAULT_STORAGE_RPC_LIMITS: Readonly<StorageRpcLimits> = Object.freeze({
  ...DEFAULT_AUTH_LIMITS,
  maxMessageData: MAX_MESSAGE_DATA_BYTES,
  retrieveMaxSize: RETRIEVE_MAX_SIZE,
  maxBatch: MAX_BATCH_REQUESTS,
  peerTimeoutMs: 5_000,
  hf: Object.freeze([19, 3]),
  version: Object.freeze([2, 8, 0]),
});

const NUMERIC_KEYS = [
  "signatureToleranceMs",
  "forwardedToleranceMs",
  "storeToleranceMs",
  "ttlMinMs",
  "ttlMaxPublicMs",
  "ttlMaxPrivateMs",
  "deleteBeforeFutureMs",
  "expirePastMs",
  "maxMessageData",
  "retrieveMaxSize",
  "maxBatch",
  "peerTimeoutMs",
] as const;

/**
 * Fill in the defaults and check the values.
 *
 * @param overrides values to change
 * @returns a frozen, complete set of limits
 * @throws {RangeError} when a numeric limit is negative or not a safe integer, or a version is malformed
 * @example
 * ```ts
 * import { resolveLimits } from "./limits.ts";
 * const l = resolveLimits({ peerTimeoutMs: 50 });
 * if (l.peerTimeoutMs !== 50 || l.maxBatch !== 20 || l.signatureToleranceMs !== 60000) throw new Error("bad");
 * ```
 */
export function resolveLimits(overrides: Partial<StorageRpcLimits> = {}): Readonly<StorageRpcLimits> {
  const l: StorageRpcLimits = { ...DEFAULT_STORAGE_RPC_LIMITS, ...overrides };
  for (const k of NUMERIC_KEYS) {
    if (!Number.isSafeInteger(l[k]) || l[k] < 0) {
      throw new RangeError(`Cannot configure storage RPC: ${k} "${l[k]}" is not a non-negative integer`);
    }
  }
  const versions: [string, readonly number[], number][] = [
    ["hf", l.hf, 2],
    ["version", l.version, 3],
    ["multiExpiryHf", l.multiExpiryHf, 2],
  ];
  for (const [name, v, n] of versions) {
    if (!Array.isArray(v) || v.length !== n || !v.every((x) => Number.isSafeInteger(x) && x >= 0)) {
      throw new RangeError(`Cannot configure storage RPC: ${name} is not ${n} non-negative integers`);
    }
  }
  return Object.freeze(l);
}
