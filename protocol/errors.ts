/**
 * The one error type `protocol/` throws for bad input.
 *
 * @module
 */

/**
 * Stable error codes. Tests and logs match on these; the gateway maps each to the uniform wire
 * answer of hardening.md §3 (so a client cannot tell them apart where the spec says it must not).
 */
export type ProtocolErrorCode =
  /** Outer layer framing is wrong (short, length prefix past the end). */
  | "ONION_FRAMING"
  /** Outer trailer JSON is not a flat, well-typed object. */
  | "ONION_TRAILER"
  /** `ephemeral_key` missing or not 64 hex digits. */
  | "ONION_KEY"
  /** `enc_type` unknown, or the refused legacy `aes-cbc`. */
  | "ONION_ENC_TYPE"
  /** `hop_no` is not an integer. */
  | "ONION_HOP_NO"
  /** `hop_no` exceeds the maximum path length (answered `onion request max path length exceeded`). */
  | "ONION_PATH_TOO_LONG"
  /** Blob too short for the cipher, bad tag, wrong key, low-order key: authentication failed. */
  | "ONION_AUTH_FAILED"
  /** Decrypted layer is not a valid inner request (bad framing, JSON, fields, ambiguity). */
  | "ONION_INNER_INVALID"
  /** Reply could not be decoded or authenticated by the client. */
  | "REPLY_INVALID"
  /** Bencoded data is malformed or of the wrong shape. */
  | "BENCODE_INVALID"
  /** An `sn.data` hand-over blob is malformed (swarms-and-storage.md §4.2). */
  | "HANDOVER_INVALID"
  /** A key, seed or Session ID is malformed. */
  | "KEY_INVALID"
  /** X25519 produced the all-zero shared secret (low-order peer key). */
  | "KEY_AGREEMENT_FAILED"
  /** An AEAD open failed: bad tag, wrong key or nonce, truncated input. */
  | "DECRYPT_FAILED"
  /** A signature did not verify. */
  | "SIGNATURE_INVALID"
  /** A builder argument is out of range (path length, destination fields). */
  | "BUILD_INVALID"
  /** A Signal message (e2ee.md §3.5) is malformed: version byte, protobuf, field sizes, length. */
  | "SIGNAL_MESSAGE_INVALID"
  /** A Signal message's version (high nibble, e2ee.md §3.5) is not that of the session. */
  | "SIGNAL_VERSION_UNSUPPORTED"
  /** A Signal message's key was already used or evicted: a replay or a too-old message (e2ee.md §3.4). */
  | "SIGNAL_DUPLICATE_MESSAGE"
  /** A Signal message's counter jumps further ahead than the skip limit (e2ee.md §3.4). */
  | "SIGNAL_TOO_FAR_AHEAD"
  /** No session state can take the message, or there is no session to encrypt with. */
  | "SIGNAL_NO_SESSION"
  /** A PreKeySignalMessage for an existing session names another identity key than that session's. */
  | "SIGNAL_IDENTITY_MISMATCH"
  /** A PreKeySignalMessage names a one-time prekey the responder does not hold (e2ee.md §2.2). */
  | "PREKEY_NOT_FOUND"
  /** A PreKeySignalMessage names a signed prekey the responder does not hold (e2ee.md §2.2). */
  | "SIGNED_PREKEY_NOT_FOUND"
  /** Serialized ratchet state or session record is malformed or of an unknown format version. */
  | "SIGNAL_STATE_INVALID"
  /** A Sender Key (distribution) message (e2ee.md §4) is malformed: version byte, protobuf, field sizes. */
  | "SENDER_KEY_MESSAGE_INVALID"
  /** No Sender Key state matches the message's distribution id and chain id, or none to encrypt with (e2ee.md §4). */
  | "SENDER_KEY_NO_STATE"
  /** A Sender Key message's iteration is behind the chain and its key is not cached: a replay or too old (e2ee.md §4). */
  | "SENDER_KEY_DUPLICATE_MESSAGE"
  /** A Sender Key message's iteration jumps further ahead than the limit (e2ee.md §4). */
  | "SENDER_KEY_TOO_FAR_AHEAD"
  /** A serialized Sender Key record is malformed or of an unknown format version. */
  | "SENDER_KEY_STATE_INVALID"
  /** An attachment blob (e2ee.md §6) is malformed: prefix, length, padding, missing final chunk, size. */
  | "ATTACHMENT_INVALID"
  /** A Session-protocol message (e2ee.md §5) is malformed: protobuf, padding, framing, field sizes. */
  | "MESSAGE_INVALID"
  /** A Session-protocol message uses a format this build cannot read (version tag, zstd without a decompressor). */
  | "MESSAGE_UNSUPPORTED"
  /** The authenticated sender key does not match the claimed sender (Session ID or blinded ID, e2ee.md §5). */
  | "SENDER_MISMATCH";

/**
 * Thrown by `protocol/` for malformed, oversized or unauthentic input.
 *
 * The message names the failed action and the detail, never secrets or payloads.
 *
 * @example Matching on the code
 * ```ts
 * import { ProtocolError } from "./errors.ts";
 * const err = new ProtocolError("ONION_FRAMING", "Cannot peel onion: layer is 2 bytes, prefix needs 4");
 * if (err.code !== "ONION_FRAMING") throw new Error("unexpected");
 * ```
 */
export class ProtocolError extends Error {
  /** Stable machine-readable code. */
  readonly code: ProtocolErrorCode;
  /** Extra context a caller may need to answer (e.g. the key to encrypt an `Invalid json` reply). */
  readonly context?: unknown;

  /**
   * Create a protocol error.
   *
   * @param code stable code from {@link ProtocolErrorCode}
   * @param message sentence-case message naming the action and the detail
   * @param options `cause` and an optional `context` for the caller
   */
  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown; context?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ProtocolError";
    this.code = code;
    if (options?.context !== undefined) this.context = options.context;
  }
}

/**
 * Whether a value is a {@link ProtocolError}, optionally with the given code.
 *
 * @param err anything caught
 * @param code optional code to match
 * @returns true when `err` is a ProtocolError (with that code)
 * @example
 * ```ts
 * import { isProtocolError, ProtocolError } from "./errors.ts";
 * const e = new ProtocolError("KEY_INVALID", "Cannot parse key: bad hex");
 * if (!isProtocolError(e, "KEY_INVALID")) throw new Error("unexpected");
 * ```
 */
export function isProtocolError(err: unknown, code?: ProtocolErrorCode): err is ProtocolError {
  return err instanceof ProtocolError && (code === undefined || err.code === code);
}
