/**
 * The typed error of storage-RPC request handling (swarms-and-storage.md §7, §12): it carries the
 * HTTP status and the exact body text the reference storage server answers with, so a parser or an
 * admission check can refuse a request and the gateway can put the answer on the wire unchanged.
 *
 * @module
 */

/** Why a storage request was refused; stable for tests and logs. */
export type StorageRpcErrorCode =
  /** A parameter is missing, of the wrong type or malformed (400 `invalid request: …`). */
  | "PARAMS_INVALID"
  /** `data` is larger than the message limit (400 on the reference; the gateway answers 413). */
  | "DATA_TOO_LARGE"
  /** A signature is required but none was given (401). */
  | "SIGNATURE_REQUIRED"
  /** The signature, the subaccount or the key conversion did not verify (401). */
  | "SIGNATURE_INVALID"
  /** A timestamp is outside its tolerance window (406, or 401 where the reference says so). */
  | "TIMESTAMP_INVALID"
  /** The TTL is out of range, or the request is not allowed on this network version (403). */
  | "FORBIDDEN"
  /** The request is well formed but not permitted for this subaccount (400). */
  | "NOT_PERMITTED";

/** HTTP status of a malformed request (swarms-and-storage.md §12). */
export const STATUS_BAD_REQUEST = 400;
/** HTTP status of a missing or failed signature (swarms-and-storage.md §12). */
export const STATUS_UNAUTHORIZED = 401;
/** HTTP status of an out-of-range TTL or a feature not yet active (swarms-and-storage.md §12). */
export const STATUS_FORBIDDEN = 403;
/** HTTP status of a timestamp outside tolerance (swarms-and-storage.md §12). */
export const STATUS_NOT_ACCEPTABLE = 406;
/** Prefix of every parse-error body (swarms-and-storage.md §7). */
export const INVALID_REQUEST_PREFIX = "invalid request: ";

/**
 * A refused storage request: `status` and `body` are what the reference answers; `message` is the
 * repository's sentence-case description for logs.
 *
 * @example Refusing a request with the reference's wording
 * ```ts
 * import { StorageRpcError } from "./rpc_error.ts";
 * const e = StorageRpcError.invalid("Required field 'pubkey' missing");
 * if (e.status !== 400 || e.body !== "invalid request: Required field 'pubkey' missing") throw new Error("bad");
 * ```
 */
export class StorageRpcError extends Error {
  /** Stable machine-readable code. */
  readonly code: StorageRpcErrorCode;
  /** HTTP status the request is answered with. */
  readonly status: number;
  /** Exact body text of the answer. */
  readonly body: string;

  /**
   * Create an error.
   *
   * @param code stable code
   * @param status HTTP status
   * @param body exact body text sent to the client
   */
  constructor(code: StorageRpcErrorCode, status: number, body: string) {
    super(`Cannot handle storage request: ${body}`);
    this.name = "StorageRpcError";
    this.code = code;
    this.status = status;
    this.body = body;
  }

  /**
   * A 400 `invalid request: <detail>` (the reference's `parse_error`).
   *
   * @param detail the reference's parse-error text
   * @param code `PARAMS_INVALID` unless given
   * @returns the error
   * @example
   * ```ts
   * import { StorageRpcError } from "./rpc_error.ts";
   * if (StorageRpcError.invalid("x").body !== "invalid request: x") throw new Error("bad");
   * ```
   */
  static invalid(detail: string, code: StorageRpcErrorCode = "PARAMS_INVALID"): StorageRpcError {
    return new StorageRpcError(code, STATUS_BAD_REQUEST, INVALID_REQUEST_PREFIX + detail);
  }
}

/**
 * Whether a value is a {@link StorageRpcError}, optionally with the given code.
 *
 * @param err anything caught
 * @param code optional code to match
 * @returns true when it is one
 * @example
 * ```ts
 * import { isStorageRpcError, StorageRpcError } from "./rpc_error.ts";
 * if (!isStorageRpcError(StorageRpcError.invalid("x"), "PARAMS_INVALID")) throw new Error("bad");
 * ```
 */
export function isStorageRpcError(err: unknown, code?: StorageRpcErrorCode): err is StorageRpcError {
  return err instanceof StorageRpcError && (code === undefined || err.code === code);
}
