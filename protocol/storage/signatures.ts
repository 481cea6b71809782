/**
 * The byte strings storage-RPC signatures cover (swarms-and-storage.md §6.1 for client requests,
 * §7.1–§7.11 for node responses) and their strict Ed25519 verification. Parts are concatenated
 * without separators; integers are decimal ASCII; hashes are their base64 text; subaccount tokens
 * are raw bytes. Which key verifies (§6.2) and subaccounts are decided by the caller.
 *
 * @module
 */

import { ED25519_KEY_BYTES, ED25519_SIGNATURE_BYTES } from "../constants.ts";
import { concat, toHex, utf8 } from "../bytes.ts";
import { ProtocolError } from "../errors.ts";
import type { CryptoProvider } from "../crypto/provider.ts";
import { defaultProvider } from "../crypto/default.ts";
import { ALL_NAMESPACES, checkNamespace, namespaceOrAllText, namespaceText } from "./namespace.ts";
import { ACCOUNT_ID_BYTES } from "./message_hash.ts";

/** Subaccount token: prefix(1) ‖ flags(1) ‖ reserved(2) ‖ Ed25519 key(32) (swarms-and-storage.md §6.2). */
export const SUBACCOUNT_TOKEN_BYTES = 36;
/** Prefix of the signed string of monitor.messages (swarms-and-storage.md §6.1). */
export const MONITOR_SIGNATURE_PREFIX = "MONITOR";
/** Separator of the namespace list in the monitor.messages signed string (swarms-and-storage.md §6.1). */
export const MONITOR_NAMESPACE_SEPARATOR = ",";

/** Namespace of delete_all / delete_before / expire_all: a number, `"all"`, or omitted. */
export type NamespaceOrAll = number | typeof ALL_NAMESPACES | null | undefined;

/** A client request whose signed string is built by {@link requestSigningBytes} (swarms-and-storage.md §6.1). */
export type SignedRequest =
  | { method: "store"; namespace?: number; sigTimestamp: number }
  | { method: "retrieve"; namespace?: number; timestamp: number }
  | { method: "delete"; messages: readonly string[] }
  | { method: "delete_all"; namespace?: NamespaceOrAll; timestamp: number }
  | { method: "delete_before"; namespace?: NamespaceOrAll; before: number }
  | { method: "expire_all"; namespace?: NamespaceOrAll; expiry: number }
  | {
    method: "expire";
    mode?: "shorten" | "extend";
    expiry: number | readonly number[];
    messages: readonly string[];
  }
  | { method: "get_expiries"; timestamp: number; messages: readonly string[] }
  | { method: "revoke_subaccount" | "unrevoke_subaccount"; timestamp: number; tokens: readonly Uint8Array[] }
  | {
    method: "monitor.messages";
    accountId: Uint8Array;
    timestampSeconds: number;
    wantData: boolean;
    namespaces: readonly number[];
  }
  | { method: "subaccount_sig"; token: Uint8Array };

/** A node response whose signed string is built by {@link responseSigningBytes} (swarms-and-storage.md §7). */
export type SignedResponse =
  | { method: "store"; hash: string }
  | { method: "delete"; accountId: Uint8Array; requested: readonly string[]; deleted: readonly string[] }
  | { method: "delete_all"; accountId: Uint8Array; timestamp: number; deleted: readonly string[] }
  | { method: "delete_before"; accountId: Uint8Array; before: number; deleted: readonly string[] }
  | { method: "expire_all"; accountId: Uint8Array; expiry: number; updated: readonly string[] }
  | {
    method: "expire";
    accountId: Uint8Array;
    expiry: number | readonly number[];
    requested: readonly string[];
    updated: readonly string[];
    unchanged?: Readonly<Record<string, number>>;
  }
  | {
    method: "revoke_subaccount" | "unrevoke_subaccount";
    accountId: Uint8Array;
    timestamp: number;
    tokens: readonly Uint8Array[];
  };

/** Base64 alphabet of message hashes (standard, unpadded; swarms-and-storage.md §8). */
const HASH_TEXT = /^[A-Za-z0-9+/]+$/;

/**
 * The exact bytes a client signs for a request (swarms-and-storage.md §6.1).
 *
 * Hashes are checked for the base64 alphabet only, not for their 43-character length, so that
 * upstream client test strings (`"hash4321"`) sign as they do upstream; request parsing enforces
 * the length.
 *
 * @param request method and the fields that enter the signature
 * @returns a fresh array
 * @throws {TypeError} on a field of the wrong type or an unknown method
 * @throws {RangeError} on a non-integer or out-of-range number, a token that is not 36 bytes, an
 *   account id that is not 33 bytes, or empty `messages` / `tokens`
 * @throws {SyntaxError} on a hash outside the base64 alphabet
 * @example Signed string of a retrieve in namespace 2
 * ```ts
 * import { requestSigningBytes } from "./signatures.ts";
 * const bytes = requestSigningBytes({ method: "retrieve", namespace: 2, timestamp: 1700000000000 });
 * if (new TextDecoder().decode(bytes) !== "retrieve21700000000000") throw new Error("bad");
 * ```
 */
export function requestSigningBytes(request: SignedRequest): Uint8Array {
  const r = request;
  switch (r.method) {
    case "store":
      return text(r.method, namespaceText(r.namespace ?? 0), int(r.sigTimestamp, "sigTimestamp"));
    case "retrieve":
      return text(r.method, namespaceText(r.namespace ?? 0), int(r.timestamp, "timestamp"));
    case "delete":
      return text(r.method, hashes(r.messages, "messages"));
    case "delete_all":
      return text(r.method, namespaceOrAllText(r.namespace), int(r.timestamp, "timestamp"));
    case "delete_before":
      return text(r.method, namespaceOrAllText(r.namespace), int(r.before, "before"));
    case "expire_all":
      return text(r.method, namespaceOrAllText(r.namespace), int(r.expiry, "expiry"));
    case "expire": {
      if (r.mode !== undefined && r.mode !== "shorten" && r.mode !== "extend") {
        throw new TypeError(`Cannot build signed string: expire mode "${r.mode}" is not "shorten" or "extend"`);
      }
      const messages = hashes(r.messages, "messages");
      return text(r.method, r.mode ?? "", expiryPart(r.expiry, r.messages.length), messages);
    }
    case "get_expiries":
      return text(r.method, int(r.timestamp, "timestamp"), hashes(r.messages, "messages"));
    case "revoke_subaccount":
    case "unrevoke_subaccount":
      return concat(text(r.method, int(r.timestamp, "timestamp")), ...tokens(r.tokens));
    case "monitor.messages": {
      for (const ns of r.namespaces) checkNamespace(ns);
      if (typeof r.wantData !== "boolean") throw new TypeError("Cannot build signed string: wantData is not a boolean");
      return text(
        MONITOR_SIGNATURE_PREFIX,
        accountHex(r.accountId),
        int(r.timestampSeconds, "timestampSeconds"),
        r.wantData ? "1" : "0",
        r.namespaces.join(MONITOR_NAMESPACE_SEPARATOR),
      );
    }
    case "subaccount_sig":
      return tokens([r.token])[0].slice();
    default:
      throw new TypeError(`Cannot build signed string: unknown method "${(r as { method: unknown }).method}"`);
  }
}

/**
 * The exact bytes a node signs in its per-node response (swarms-and-storage.md §7.1, §7.5–§7.9,
 * §7.11). Lists are taken in the order given: the node's own response already lists `deleted` and
 * `updated` sorted; `unchanged` entries are sorted by hash here.
 *
 * @param response method and the fields that enter the signature
 * @returns a fresh array
 * @throws {TypeError | RangeError | SyntaxError} as {@link requestSigningBytes}
 * @example Signed string of a store response: the hash as ASCII
 * ```ts
 * import { responseSigningBytes } from "./signatures.ts";
 * const hash = "IMR0YySXQK/E+Zreo7uKqLcyqiJbwIB8V3U9Keu/uXU";
 * if (new TextDecoder().decode(responseSigningBytes({ method: "store", hash })) !== hash) throw new Error("bad");
 * ```
 */
export function responseSigningBytes(response: SignedResponse): Uint8Array {
  const r = response;
  switch (r.method) {
    case "store":
      return text(hashes([r.hash], "hash"));
    case "delete":
      return text(accountHex(r.accountId), hashes(r.requested, "requested", true), hashes(r.deleted, "deleted", true));
    case "delete_all":
      return text(accountHex(r.accountId), int(r.timestamp, "timestamp"), hashes(r.deleted, "deleted", true));
    case "delete_before":
      return text(accountHex(r.accountId), int(r.before, "before"), hashes(r.deleted, "deleted", true));
    case "expire_all":
      return text(accountHex(r.accountId), int(r.expiry, "expiry"), hashes(r.updated, "updated", true));
    case "expire": {
      const unchanged = Object.entries(r.unchanged ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return text(
        accountHex(r.accountId),
        expiryPart(r.expiry, r.updated.length),
        hashes(r.requested, "requested"),
        hashes(r.updated, "updated", true),
        ...unchanged.map(([hash, expiry]) => hashes([hash], "unchanged") + int(expiry, "unchanged expiry")),
      );
    }
    case "revoke_subaccount":
    case "unrevoke_subaccount":
      return concat(text(accountHex(r.accountId), int(r.timestamp, "timestamp")), ...tokens(r.tokens));
    default:
      throw new TypeError(`Cannot build signed string: unknown method "${(r as { method: unknown }).method}"`);
  }
}

/** Options: provider. */
export interface VerifyOptions {
  /** Crypto provider; defaults to {@link defaultProvider}. */
  provider?: CryptoProvider;
}

/**
 * Verify a storage-RPC signature with strict RFC 8032 Ed25519.
 *
 * @param publicKey 32-byte Ed25519 key chosen as swarms-and-storage.md §6.2 says
 * @param message the signed bytes ({@link requestSigningBytes} or {@link responseSigningBytes})
 * @param signature 64-byte signature
 * @param options provider
 * @returns true when the signature verifies
 * @throws {TypeError} when an argument is not a Uint8Array
 * @throws {RangeError} when the key is not 32 bytes
 * @throws {ProtocolError} `SIGNATURE_INVALID` when it does not verify, including a signature that is
 *   not 64 bytes
 * @example Verifying a group's retrieve signature
 * ```ts
 * import { requestSigningBytes, verifySignature } from "./signatures.ts";
 * import { fromBase64, fromHex } from "../bytes.ts";
 * const key = fromHex("0442ca9b758eefe0c42370696688b28f48f44bf44941fae4f3d5b41f6358c41d");
 * const sig = fromBase64("Cvw2d5pHgSxprJcphud2C8yu7pIEPwLprjbLRNM0k+hwALMCiBzIw6BNLzmoCx8lqigNWFXqpQ0FffeoGnThBA==");
 * await verifySignature(key, requestSigningBytes({ method: "retrieve", namespace: 13, timestamp: 1234 }), sig);
 * ```
 */
export async function verifySignature(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
  options: VerifyOptions = {},
): Promise<true> {
  if (!(publicKey instanceof Uint8Array)) throw new TypeError("Cannot verify signature: key is not a Uint8Array");
  if (publicKey.length !== ED25519_KEY_BYTES) {
    throw new RangeError(`Cannot verify signature: key is ${publicKey.length} bytes, expected ${ED25519_KEY_BYTES}`);
  }
  if (!(message instanceof Uint8Array)) throw new TypeError("Cannot verify signature: message is not a Uint8Array");
  if (!(signature instanceof Uint8Array)) {
    throw new TypeError("Cannot verify signature: signature is not a Uint8Array");
  }
  if (signature.length !== ED25519_SIGNATURE_BYTES) {
    throw new ProtocolError(
      "SIGNATURE_INVALID",
      `Cannot verify signature: signature is ${signature.length} bytes, expected ${ED25519_SIGNATURE_BYTES}`,
    );
  }
  const provider = options.provider ?? await defaultProvider();
  if (!(await provider.ed25519Verify(publicKey, message, signature))) {
    throw new ProtocolError("SIGNATURE_INVALID", "Cannot verify signature: Ed25519 verification failed");
  }
  return true;
}

/** Join ASCII/UTF-8 parts into bytes. */
function text(...parts: string[]): Uint8Array {
  return utf8(parts.join(""));
}

/** A safe integer as decimal ASCII (`-` for negatives, no padding). */
function int(value: number, name: string): string {
  if (typeof value !== "number") throw new TypeError(`Cannot build signed string: ${name} is not a number`);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`Cannot build signed string: ${name} "${value}" is not a safe integer`);
  }
  return String(value);
}

/** Hashes concatenated; non-empty unless `allowEmpty`. */
function hashes(list: readonly string[], name: string, allowEmpty = false): string {
  if (!Array.isArray(list)) throw new TypeError(`Cannot build signed string: ${name} is not an array`);
  if (list.length === 0 && !allowEmpty) throw new RangeError(`Cannot build signed string: ${name} is empty`);
  for (let i = 0; i < list.length; i++) {
    const h = list[i];
    if (typeof h !== "string") throw new TypeError(`Cannot build signed string: ${name}[${i}] is not a string`);
    if (!HASH_TEXT.test(h)) {
      throw new SyntaxError(`Cannot build signed string: ${name}[${i}] is not unpadded base64 text`);
    }
  }
  return list.join("");
}

/** The single expiry, or the per-message expiries concatenated (there must be `count` of them). */
function expiryPart(expiry: number | readonly number[], count: number): string {
  if (!Array.isArray(expiry)) return int(expiry as number, "expiry");
  if (expiry.length !== count) {
    throw new RangeError(`Cannot build signed string: ${expiry.length} expiries for ${count} messages`);
  }
  return expiry.map((e, i) => int(e, `expiry[${i}]`)).join("");
}

/** Check 36-byte tokens; non-empty list. */
function tokens(list: readonly Uint8Array[]): readonly Uint8Array[] {
  if (!Array.isArray(list)) throw new TypeError("Cannot build signed string: tokens is not an array");
  if (list.length === 0) throw new RangeError("Cannot build signed string: tokens is empty");
  list.forEach((t, i) => {
    if (!(t instanceof Uint8Array)) throw new TypeError(`Cannot build signed string: token ${i} is not a Uint8Array`);
    if (t.length !== SUBACCOUNT_TOKEN_BYTES) {
      throw new RangeError(
        `Cannot build signed string: token ${i} is ${t.length} bytes, expected ${SUBACCOUNT_TOKEN_BYTES}`,
      );
    }
  });
  return list;
}

/** A 33-byte account id as 66 lower-case hex digits. */
function accountHex(accountId: Uint8Array): string {
  if (!(accountId instanceof Uint8Array)) {
    throw new TypeError("Cannot build signed string: account id is not a Uint8Array");
  }
  if (accountId.length !== ACCOUNT_ID_BYTES) {
    throw new RangeError(
      `Cannot build signed string: account id is ${accountId.length} bytes, expected ${ACCOUNT_ID_BYTES}`,
    );
  }
  return toHex(accountId);
}
