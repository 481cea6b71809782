/**
 * The typed storage-RPC requests (swarms-and-storage.md §7) that `params.ts` parses, and the
 * limits the parser applies.
 *
 * @module
 */

import type { ALL_NAMESPACES } from "./namespace.ts";
import type { AccountId, RequestCredentials } from "./params_keys.ts";

/** Largest message `data` in bytes (swarms-and-storage.md §7.1, §10). */
export const MAX_MESSAGE_DATA_BYTES = 76_800;
/** Most sub-requests of a batch or sequence (swarms-and-storage.md §7.12). */
export const MAX_BATCH_REQUESTS = 20;
/** Most tokens one revoke_subaccount may carry (swarms-and-storage.md §7.11). */
export const MAX_REVOKE_TOKENS = 50;

/** Namespace selector of the bulk methods: one namespace or `"all"` (§7.6–§7.8). */
export type NamespaceSelector = number | typeof ALL_NAMESPACES;

/** Fields every authenticated request has. */
export interface AccountRequest extends RequestCredentials {
  /** The account. */
  readonly pubkey: AccountId;
}

/** §7.1 store. */
export interface StoreRequest extends AccountRequest {
  /** The method name. */
  readonly method: "store";
  /** The namespace (§9). */
  readonly namespace: number;
  /** Message timestamp (ms). */
  readonly timestamp: number;
  /** Absolute expiry (ms): `expiry`, or `timestamp + ttl`. */
  readonly expiry: number;
  /** Message bytes. */
  readonly data: Uint8Array;
  /** Signature timestamp; present exactly when `signature` is (defaults to `timestamp`). */
  readonly sigTimestamp?: number;
}

/** §7.2 retrieve. */
export interface RetrieveRequest extends AccountRequest {
  /** The method name. */
  readonly method: "retrieve";
  /** The namespace (§9). */
  readonly namespace: number;
  /** Return messages after this hash. */
  readonly lastHash?: string;
  /** `max_count` as sent. */
  readonly maxCount?: number;
  /** `max_size` as sent. */
  readonly maxSize?: number;
  /** Authentication fields were given (or the namespace was given and is not unauthenticated). */
  readonly checkSignature: boolean;
  /** Signature timestamp (ms); set when `checkSignature`. */
  readonly timestamp?: number;
}

/** §7.3 info. */
export interface InfoRequest {
  /** The method name. */
  readonly method: "info";
}

/** §7.4 get_swarm (alias get_snodes_for_pubkey). */
export interface GetSwarmRequest {
  /** The method name. */
  readonly method: "get_swarm";
  /** The account id. */
  readonly pubkey: AccountId;
}

/** §7.5 delete. */
export interface DeleteRequest extends AccountRequest {
  /** The method name. */
  readonly method: "delete";
  /** The client's Ed25519 signature (64 bytes, §6.1). */
  readonly signature: Uint8Array;
  /** Message hashes (43-character base64). */
  readonly messages: readonly string[];
  /** 404 when no member deleted anything. */
  readonly required: boolean;
}

/** §7.6 delete_all. */
export interface DeleteAllRequest extends AccountRequest {
  /** The method name. */
  readonly method: "delete_all";
  /** The client's Ed25519 signature (64 bytes, §6.1). */
  readonly signature: Uint8Array;
  /** The namespace (§9), or `"all"`. */
  readonly namespace: NamespaceSelector;
  /** The request timestamp, ms since the epoch (signed; §6.3 window). */
  readonly timestamp: number;
}

/** §7.7 delete_before. */
export interface DeleteBeforeRequest extends AccountRequest {
  /** The method name. */
  readonly method: "delete_before";
  /** The client's Ed25519 signature (64 bytes, §6.1). */
  readonly signature: Uint8Array;
  /** The namespace (§9), or `"all"`. */
  readonly namespace: NamespaceSelector;
  /** Delete messages with a timestamp at or before this (ms). */
  readonly before: number;
}

/** §7.8 expire_all. */
export interface ExpireAllRequest extends AccountRequest {
  /** The method name. */
  readonly method: "expire_all";
  /** The client's Ed25519 signature (64 bytes, §6.1). */
  readonly signature: Uint8Array;
  /** The namespace (§9), or `"all"`. */
  readonly namespace: NamespaceSelector;
  /** The requested expiry, ms since the epoch. */
  readonly expiry: number;
}

/** §7.9 expire. */
export interface ExpireRequest extends AccountRequest {
  /** The method name. */
  readonly method: "expire";
  /** The client's Ed25519 signature (64 bytes, §6.1). */
  readonly signature: Uint8Array;
  /** Message hashes (43-character base64). */
  readonly messages: readonly string[];
  /** One expiry, or one per message. */
  readonly expiry: readonly number[];
  /** Only lower expiries. */
  readonly shorten: boolean;
  /** Only raise expiries. */
  readonly extend: boolean;
}

/** §7.10 get_expiries. */
export interface GetExpiriesRequest extends AccountRequest {
  /** The method name. */
  readonly method: "get_expiries";
  /** The client's Ed25519 signature (64 bytes, §6.1). */
  readonly signature: Uint8Array;
  /** The request timestamp, ms since the epoch (signed; §6.3 window). */
  readonly timestamp: number;
  /** Message hashes (43-character base64). */
  readonly messages: readonly string[];
}

/** §7.11 revoke_subaccount / unrevoke_subaccount (no subaccount authentication). */
export interface RevokeRequest {
  /** The method name. */
  readonly method: "revoke_subaccount" | "unrevoke_subaccount";
  /** The account id. */
  readonly pubkey: AccountId;
  /** The client's Ed25519 signature (64 bytes, §6.1). */
  readonly signature: Uint8Array;
  /** The Ed25519 key of a `05` account (§6.2). */
  readonly pubkeyEd25519?: Uint8Array;
  /** The request timestamp, ms since the epoch (signed; §6.3 window). */
  readonly timestamp: number;
  /** 36-byte tokens. */
  readonly tokens: readonly Uint8Array[];
}

/** A request that may appear inside a batch or sequence. */
export type SubRequest =
  | StoreRequest
  | RetrieveRequest
  | InfoRequest
  | GetSwarmRequest
  | DeleteRequest
  | DeleteAllRequest
  | DeleteBeforeRequest
  | ExpireAllRequest
  | ExpireRequest
  | GetExpiriesRequest
  | RevokeRequest;

/** §7.12 batch / sequence. */
export interface BatchRequest {
  /** The method name. */
  readonly method: "batch" | "sequence";
  /** The sub-requests, 1–20 (§7.12). */
  readonly requests: readonly SubRequest[];
}

/** Any parsed storage request. */
export type StorageRequest = SubRequest | BatchRequest;

/** Requests that are forwarded to the rest of the swarm (swarms-and-storage.md §4.3). */
export type RecursiveRequest =
  | StoreRequest
  | DeleteRequest
  | DeleteAllRequest
  | DeleteBeforeRequest
  | ExpireAllRequest
  | ExpireRequest
  | RevokeRequest;
