/**
 * The messaging client's errors (client/README.md "Errors"): every failure a user can act on has
 * its own class and a one-line message that says what failed and why, without secrets, plaintexts
 * or ciphertexts.
 *
 * @module
 */

/** What kind of failure a {@link MessengerError} is; stable strings for tests and scripts. */
export type MessengerErrorCode =
  /** A name, Session ID or group the client does not know, or a peer without a pre-key bundle. */
  | "UNKNOWN_RECIPIENT"
  /** A stored message that does not authenticate (flipped bytes, forged, replayed). */
  | "TAMPERED_MESSAGE"
  /** A message that used a one-time prekey already consumed by another session. */
  | "PREKEY_REUSED"
  /** A group message whose sender's key has not arrived yet. */
  | "MISSING_SENDER_KEY"
  /** No swarm member (or no onion path) could be reached. */
  | "SWARM_UNREACHABLE"
  /** No onion path to the file app could be built or used. */
  | "FILE_SERVER_UNREACHABLE"
  /** An attachment that does not match its pointer (digest, size) or does not decrypt. */
  | "ATTACHMENT_INVALID"
  /** The swarm or the file app refused a request. */
  | "REQUEST_REFUSED"
  /** A local problem: a bad argument, a name taken, a missing network description. */
  | "INVALID_INPUT";

/** Base class of the client's errors. */
export class MessengerError extends Error {
  /** The kind of failure. */
  readonly code: MessengerErrorCode;

  /**
   * @param code the kind of failure
   * @param message one line, sentence case, no secrets
   * @param options cause
   * @example
   * ```ts
   * import { MessengerError } from "./errors.ts";
   * if (new MessengerError("INVALID_INPUT", "x").code !== "INVALID_INPUT") throw new Error("bad");
   * ```
   */
  constructor(code: MessengerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MessengerError";
    this.code = code;
  }
}

/** A recipient, name or group the client cannot resolve, or a peer that published no bundle. */
export class UnknownRecipientError extends MessengerError {
  /** What was asked for (a name, Session ID or group id). */
  readonly recipient: string;

  /**
   * @param recipient what was asked for
   * @param message why it is unknown
   * @example
   * ```ts
   * import { UnknownRecipientError } from "./errors.ts";
   * const e = new UnknownRecipientError("carol", "Cannot send: no identity or contact named \"carol\"");
   * if (e.code !== "UNKNOWN_RECIPIENT" || e.recipient !== "carol") throw new Error("bad");
   * ```
   */
  constructor(recipient: string, message: string) {
    super("UNKNOWN_RECIPIENT", message);
    this.name = "UnknownRecipientError";
    this.recipient = recipient;
  }
}

/** A stored message that failed authentication: nothing of it was kept. */
export class TamperedMessageError extends MessengerError {
  /** The message's storage hash. */
  readonly hash: string;

  /**
   * @param hash the message's storage hash
   * @param message what did not verify
   * @param options cause
   * @example
   * ```ts
   * import { TamperedMessageError } from "./errors.ts";
   * if (new TamperedMessageError("h", "x").code !== "TAMPERED_MESSAGE") throw new Error("bad");
   * ```
   */
  constructor(hash: string, message: string, options?: { cause?: unknown }) {
    super("TAMPERED_MESSAGE", message, options);
    this.name = "TamperedMessageError";
    this.hash = hash;
  }
}

/** A message whose one-time prekey another sender consumed first (client/README.md "Pre-key reuse"). */
export class PreKeyReusedError extends MessengerError {
  /** The message's storage hash. */
  readonly hash: string;
  /** The claimed sender (from the sealed envelope; not authenticated, since nothing decrypted). */
  readonly sender: string;
  /** Whether a resend request went (or had already gone) to the sender. */
  readonly resendRequested: boolean;

  /**
   * @param details hash, claimed sender, whether a resend was requested
   * @param message what happened and what the client did
   * @example
   * ```ts
   * import { PreKeyReusedError } from "./errors.ts";
   * const e = new PreKeyReusedError({ hash: "h", sender: "05", resendRequested: true }, "x");
   * if (e.code !== "PREKEY_REUSED" || !e.resendRequested) throw new Error("bad");
   * ```
   */
  constructor(details: { hash: string; sender: string; resendRequested: boolean }, message: string) {
    super("PREKEY_REUSED", message);
    this.name = "PreKeyReusedError";
    this.hash = details.hash;
    this.sender = details.sender;
    this.resendRequested = details.resendRequested;
  }
}

/** A group message from a member whose Sender Key has not arrived yet; it is retried on the next receive. */
export class MissingSenderKeyError extends MessengerError {
  /** The message's storage hash. */
  readonly hash: string;

  /**
   * @param hash the message's storage hash
   * @param message which member and group
   * @example
   * ```ts
   * import { MissingSenderKeyError } from "./errors.ts";
   * if (new MissingSenderKeyError("h", "x").code !== "MISSING_SENDER_KEY") throw new Error("bad");
   * ```
   */
  constructor(hash: string, message: string) {
    super("MISSING_SENDER_KEY", message);
    this.name = "MissingSenderKeyError";
    this.hash = hash;
  }
}

/** No member of a swarm, or no onion path to it, could be reached; wraps the `OnionPathError`. */
export class SwarmUnreachableError extends MessengerError {
  /** The account whose swarm was asked. */
  readonly account: string;

  /**
   * @param account the account whose swarm was asked
   * @param message what was attempted
   * @param options the `OnionPathError` (or other transport failure) as cause
   * @example
   * ```ts
   * import { SwarmUnreachableError } from "./errors.ts";
   * const e = new SwarmUnreachableError("05ab", "Cannot reach the swarm of 05ab", { cause: new Error("x") });
   * if (e.code !== "SWARM_UNREACHABLE" || !(e.cause instanceof Error)) throw new Error("bad");
   * ```
   */
  constructor(account: string, message: string, options?: { cause?: unknown }) {
    super("SWARM_UNREACHABLE", message, options);
    this.name = "SwarmUnreachableError";
    this.account = account;
  }
}
