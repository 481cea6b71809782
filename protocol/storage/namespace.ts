/**
 * Storage namespaces (swarms-and-storage.md §9): which rules apply to a namespace, the text it
 * contributes to signed strings (§6.1) and message hashes (§8), and the effective size budget of a
 * retrieve (§7.2).
 *
 * @module
 */

// Specification constants (swarms-and-storage.md §6.1, §7.2, §9). Candidates for
// protocol/constants.ts; kept here until that file gains a storage block.

/** Smallest namespace: namespaces are signed 16-bit integers (swarms-and-storage.md §9). */
export const NAMESPACE_MIN: number = -32768;
/** Largest namespace (swarms-and-storage.md §9). */
export const NAMESPACE_MAX = 32767;
/** The default namespace (DMs); it contributes the empty string (swarms-and-storage.md §6.1, §8). */
export const DEFAULT_NAMESPACE = 0;
/** Public inbox: `n mod 10 == 0` (swarms-and-storage.md §9). */
export const PUBLIC_INBOX_MODULUS = 10;
/** Public outbox: negative `n` with `(−n) mod 20 == 1` (swarms-and-storage.md §9). */
export const PUBLIC_OUTBOX_MODULUS = 20;
/** Remainder of `−n` that marks a public outbox (swarms-and-storage.md §9). */
export const PUBLIC_OUTBOX_REMAINDER = 1;
/** Unrevocable: negative `n` with `(−n) mod 100 == 11` (swarms-and-storage.md §9). */
export const UNREVOCABLE_MODULUS = 100;
/** Remainder of `−n` that marks an unrevocable namespace (swarms-and-storage.md §9). */
export const UNREVOCABLE_REMAINDER = 11;
/** Legacy closed groups: a public inbox with unauthenticated retrieval (swarms-and-storage.md §9). */
export const LEGACY_CLOSED_GROUP_NAMESPACE: number = -10;
/** The all-namespaces form of delete_all / delete_before / expire_all (swarms-and-storage.md §6.1). */
export const ALL_NAMESPACES = "all";
/** Largest retrieve budget in bytes (swarms-and-storage.md §7.2, §10). */
export const RETRIEVE_MAX_SIZE = 7_800_000;
/** `max_size` used when neither limit is set: 1/5 of the budget (swarms-and-storage.md §7.2). */
export const RETRIEVE_DEFAULT_MAX_SIZE: number = -5;

/** What a namespace allows (swarms-and-storage.md §9). */
export interface NamespaceRules {
  /** Anyone may store without a signature; TTL at most 14 days (`n mod 10 == 0`). */
  readonly publicInbox: boolean;
  /** One message at most, owner-signed stores, unauthenticated retrieval. */
  readonly publicOutbox: boolean;
  /** Retrieve needs no signature (−10 and public outboxes). */
  readonly noauthRetrieve: boolean;
  /** A revoked subaccount may still retrieve. */
  readonly unrevocable: boolean;
}

/**
 * Check that a value is a namespace: an integer in −32768…32767.
 *
 * @param namespace candidate
 * @returns the namespace
 * @throws {TypeError} when it is not a number
 * @throws {RangeError} when it is not an integer in the signed 16-bit range
 * @example Accepting −10 and refusing 40 000
 * ```ts
 * import { checkNamespace } from "./namespace.ts";
 * if (checkNamespace(-10) !== -10) throw new Error("bad");
 * let refused = false;
 * try { checkNamespace(40000); } catch (e) { refused = e instanceof RangeError; }
 * if (!refused) throw new Error("bad");
 * ```
 */
export function checkNamespace(namespace: number): number {
  if (typeof namespace !== "number") throw new TypeError("Cannot use namespace: not a number");
  if (!Number.isInteger(namespace) || namespace < NAMESPACE_MIN || namespace > NAMESPACE_MAX) {
    throw new RangeError(
      `Cannot use namespace: "${namespace}" is not an integer in ${NAMESPACE_MIN}…${NAMESPACE_MAX}`,
    );
  }
  return namespace;
}

/**
 * Whether a namespace is a public inbox (`n mod 10 == 0`: 0, 10, −10, …).
 *
 * @param namespace a namespace
 * @returns true for a public inbox
 * @throws {TypeError | RangeError} when `namespace` is not a namespace
 * @example
 * ```ts
 * import { isPublicInbox } from "./namespace.ts";
 * if (!isPublicInbox(0) || !isPublicInbox(-10) || isPublicInbox(2)) throw new Error("bad");
 * ```
 */
export function isPublicInbox(namespace: number): boolean {
  return checkNamespace(namespace) % PUBLIC_INBOX_MODULUS === 0;
}

/**
 * Whether a namespace is a public outbox (negative, `(−n) mod 20 == 1`: −1, −21, …).
 *
 * @param namespace a namespace
 * @returns true for a public outbox
 * @throws {TypeError | RangeError} when `namespace` is not a namespace
 * @example
 * ```ts
 * import { isPublicOutbox } from "./namespace.ts";
 * if (!isPublicOutbox(-21) || isPublicOutbox(21) || isPublicOutbox(-11)) throw new Error("bad");
 * ```
 */
export function isPublicOutbox(namespace: number): boolean {
  const n = checkNamespace(namespace);
  return n < 0 && -n % PUBLIC_OUTBOX_MODULUS === PUBLIC_OUTBOX_REMAINDER;
}

/**
 * Whether retrieve needs no signature in a namespace: −10 (legacy closed groups) and public
 * outboxes (swarms-and-storage.md §7.2, §9).
 *
 * @param namespace a namespace
 * @returns true when unauthenticated retrieval is allowed
 * @throws {TypeError | RangeError} when `namespace` is not a namespace
 * @example
 * ```ts
 * import { isNoauthRetrieve } from "./namespace.ts";
 * if (!isNoauthRetrieve(-10) || !isNoauthRetrieve(-1) || isNoauthRetrieve(0)) throw new Error("bad");
 * ```
 */
export function isNoauthRetrieve(namespace: number): boolean {
  return checkNamespace(namespace) === LEGACY_CLOSED_GROUP_NAMESPACE || isPublicOutbox(namespace);
}

/**
 * Whether a namespace is unrevocable (negative, `(−n) mod 100 == 11`: −11, −111, …): a revoked
 * subaccount may still retrieve from it.
 *
 * @param namespace a namespace
 * @returns true for an unrevocable namespace
 * @throws {TypeError | RangeError} when `namespace` is not a namespace
 * @example
 * ```ts
 * import { isUnrevocable } from "./namespace.ts";
 * if (!isUnrevocable(-11) || !isUnrevocable(-211) || isUnrevocable(11)) throw new Error("bad");
 * ```
 */
export function isUnrevocable(namespace: number): boolean {
  const n = checkNamespace(namespace);
  return n < 0 && -n % UNREVOCABLE_MODULUS === UNREVOCABLE_REMAINDER;
}

/**
 * All rules of a namespace at once.
 *
 * @param namespace a namespace
 * @returns which rules apply
 * @throws {TypeError | RangeError} when `namespace` is not a namespace
 * @example Classifying the group revoked-retrievable namespace
 * ```ts
 * import { namespaceRules } from "./namespace.ts";
 * const r = namespaceRules(-11);
 * if (!r.unrevocable || r.publicInbox || r.publicOutbox || r.noauthRetrieve) throw new Error("bad");
 * ```
 */
export function namespaceRules(namespace: number): NamespaceRules {
  return {
    publicInbox: isPublicInbox(namespace),
    publicOutbox: isPublicOutbox(namespace),
    noauthRetrieve: isNoauthRetrieve(namespace),
    unrevocable: isUnrevocable(namespace),
  };
}

/**
 * The text a namespace contributes to signed strings and message hashes: empty for namespace 0,
 * otherwise the signed decimal (swarms-and-storage.md §6.1, §8).
 *
 * @param namespace a namespace
 * @returns `""` or e.g. `"-10"`, `"13"`
 * @throws {TypeError | RangeError} when `namespace` is not a namespace
 * @example
 * ```ts
 * import { namespaceText } from "./namespace.ts";
 * if (namespaceText(0) !== "" || namespaceText(-10) !== "-10") throw new Error("bad");
 * ```
 */
export function namespaceText(namespace: number): string {
  const n = checkNamespace(namespace);
  return n === DEFAULT_NAMESPACE ? "" : String(n);
}

/**
 * The namespace text of delete_all, delete_before and expire_all, which also take `"all"`:
 * `"all"` for all namespaces, empty when omitted (`null`/`undefined`) or 0, else the decimal
 * (swarms-and-storage.md §6.1).
 *
 * @param namespace a namespace, `"all"`, or nothing
 * @returns the text to sign
 * @throws {TypeError | RangeError} when `namespace` is none of these
 * @example
 * ```ts
 * import { namespaceOrAllText } from "./namespace.ts";
 * if (namespaceOrAllText("all") !== "all" || namespaceOrAllText(undefined) !== "") throw new Error("bad");
 * ```
 */
export function namespaceOrAllText(namespace: number | typeof ALL_NAMESPACES | null | undefined): string {
  if (namespace === null || namespace === undefined) return "";
  if (namespace === ALL_NAMESPACES) return ALL_NAMESPACES;
  if (typeof namespace === "string") {
    throw new TypeError(`Cannot use namespace: "${namespace}" is neither a number nor "${ALL_NAMESPACES}"`);
  }
  return namespaceText(namespace);
}

/** Retrieve limits as sent; 0, `null` and absence all mean unset (swarms-and-storage.md §7.2). */
export interface RetrieveLimits {
  /** Maximum number of messages. */
  maxCount?: number | null;
  /** Maximum size in bytes; negative `−k` means 1/k of {@link RETRIEVE_MAX_SIZE}. */
  maxSize?: number | null;
}

/**
 * The byte budget a retrieve runs with (swarms-and-storage.md §7.2): with neither limit set,
 * `max_size = −5`; negative `−k` gives `floor(7 800 000 / k)`; positive values are capped at
 * 7 800 000; with only `max_count` set, 7 800 000.
 *
 * @param limits `maxCount` and `maxSize` as sent
 * @returns the effective maximum size in bytes
 * @throws {TypeError} when a limit is neither a number nor `null`/`undefined`
 * @throws {RangeError} when a limit is not a safe integer
 * @example Splitting the budget in two
 * ```ts
 * import { retrieveMaxSize } from "./namespace.ts";
 * if (retrieveMaxSize({ maxSize: -2 }) !== 3_900_000 || retrieveMaxSize({}) !== 1_560_000) throw new Error("bad");
 * ```
 */
export function retrieveMaxSize(limits: RetrieveLimits): number {
  const maxCount = limitValue(limits.maxCount, "max_count");
  let maxSize = limitValue(limits.maxSize, "max_size");
  if (maxSize === 0) maxSize = maxCount === 0 ? RETRIEVE_DEFAULT_MAX_SIZE : RETRIEVE_MAX_SIZE;
  if (maxSize < 0) return Math.floor(RETRIEVE_MAX_SIZE / -maxSize);
  return Math.min(maxSize, RETRIEVE_MAX_SIZE);
}

/** A retrieve limit as an integer, 0 when unset. */
function limitValue(value: number | null | undefined, name: string): number {
  if (value === null || value === undefined) return 0;
  if (typeof value !== "number") throw new TypeError(`Cannot compute retrieve size: ${name} is not a number`);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`Cannot compute retrieve size: ${name} "${value}" is not a safe integer`);
  }
  return value;
}
