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
  readonly method: "store";
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
  readonly method: "retrieve";
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
  readonly method: "info";
}

/** §7.4 get_swarm (alias get_snodes_for_pubkey). */
export interface GetSwarmRequest {
  readonly method: "get_swarm";
  readonly pubkey: AccountId;
}

/** §7.5 delete. */
export interface DeleteRequest extends AccountRequest {
  readonly method: "delete";
  readonly signature: Uint8Array;
  readonly messages: readonly string[];
  /** 404 when no member deleted anything. */
  readonly required: boolean;
}

/** §7.6 delete_all. */
export interface DeleteAllRequest extends AccountRequest {
  readonly method: "delete_all";
  readonly signature: Uint8Array;
  readonly namespace: NamespaceSelector;
  readonly timestamp: number;
}

/** §7.7 delete_before. */
export interface DeleteBeforeRequest extends AccountRequest {
  readonly method: "delete_before";
  readonly signature: Uint8Array;
  readonly namespace: NamespaceSelector;
  readonly before: number;
}

/** §7.8 expire_all. */
export interface ExpireAllRequest extends AccountRequest {
  readonly method: "expire_all";
  readonly signature: Uint8Array;
  readonly namespace: NamespaceSelector;
  readonly expiry: number;
}

/** §7.9 expire. */
export interface ExpireRequest extends AccountRequest {
  readonly method: "expire";
  readonly signature: Uint8Array;
  readonly messages: readonly string[];
  /** One expiry, or one per message. */
  readonly expiry: readonly number[];
  readonly shorten: boolean;
  readonly extend: boolean;
}

/** §7.10 get_expiries. */
export interface GetExpiriesRequest extends AccountRequest {
  readonly method: "get_expiries";
  readonly signature: Uint8Array;
  readonly timestamp: number;
  readonly messages: readonly string[];
}

/** §7.11 revoke_subaccount / unrevoke_subaccount (no subaccount authentication). */
export interface RevokeRequest {
  readonly method: "revoke_subaccount" | "unrevoke_subaccount";
  readonly pubkey: AccountId;
  readonly signature: Uint8Array;
  readonly pubkeyEd25519?: Uint8Array;
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
  readonly method: "batch" | "sequence";
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
