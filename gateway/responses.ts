/**
 * The fixed response texts of the gateway (hardening.md §3; onion-requests.md §8). Every error a
 * client sees is one of these strings: no exception text, key, IP or payload ever reaches a
 * response.
 *
 * @module
 */

/** Any failure to authenticate or decrypt a layer, and replays: plain 400. */
export const INVALID_CIPHERTEXT = "Invalid ciphertext";
/** Prefix of the plain 400 for malformed framing, trailer, key, enc_type or hop_no. */
export const PARSE_ERROR_PREFIX = "Error parsing onion request: ";
/** The fixed class words after {@link PARSE_ERROR_PREFIX}. */
export type ParseErrorClass = "framing" | "trailer" | "key" | "enc_type" | "hop_no";
/** `hop_no` above 15: plain 400 (onion-requests.md §5). */
export const PATH_TOO_LONG = "onion request max path length exceeded";
/** Body over `maxBody`: plain 413. */
export const BODY_TOO_LARGE = "Request body too large";
/** Malformed, duplicated or lying Content-Length: plain 400. */
export const INVALID_CONTENT_LENGTH = "invalid Content-Length";
/** Any Content-Encoding other than identity: plain 415. */
export const UNSUPPORTED_ENCODING = "Content-Encoding not supported";
/** Rate limited: plain 429 (the storage server's wording). */
export const RATE_LIMITED = "Too many requests, try again later";
/** Overloaded (in-flight caps, buffer budget): plain 503. */
export const SERVER_BUSY = "Server busy, try again later";
/** Prefix of the plain 502 for an unknown next node; the Ed25519 hex follows. */
export const NEXT_NODE_NOT_FOUND_PREFIX = "Next node not found: ";
/** Next hop refused, reset, redirected, oversize or garbage: plain 502 (the reference's wording). */
export const NEXT_HOP_FAILED = "Invalid response from snode";
/** Next hop timed out: plain 504. */
export const REQUEST_TIMED_OUT = "Request time out";
/** Anything unexpected: plain 500. */
export const INTERNAL_ERROR = "Internal server error";
/** Unknown path or method: plain 404. */
export const NOT_FOUND = "Not Found";

/** Decrypted but inner payload malformed: encrypted 400. */
export const INVALID_JSON = "Invalid json";
/** Relay-to-server URL refused (including SSRF): encrypted 400. */
export const INVALID_URL = "Invalid url";
/** Inner request or message data over its limit at the final destination: encrypted 413. */
export const MESSAGE_TOO_LARGE = "Message too large";
/** A handler failed unexpectedly at the final destination: encrypted 500 (the storage server's wording). */
export const REQUEST_FAILED = "request failed";
