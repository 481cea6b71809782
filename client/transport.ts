/**
 * What the messenger needs from the network — storing and retrieving in swarms
 * ({@link MessageStorage}, implemented by `StorageClient`) and uploading attachment blobs
 * ({@link AttachmentStore}, implemented by `FileClient`) — and the translation of transport
 * failures into the client's errors: an `OnionPathError` (no path, no member) becomes a
 * {@link SwarmUnreachableError}, a refusal a `MessengerError` with code `REQUEST_REFUSED`.
 *
 * @module
 */

import { MessengerError, SwarmUnreachableError } from "./errors.ts";
import { OnionPathError } from "./onion_client.ts";
import type { RetrievedMessage, StorageAuth } from "./storage_client.ts";
import { StorageRequestError } from "./storage_client.ts";
import { FileTransferError } from "./file_client.ts";

/** Storing and retrieving in swarms, through onion requests (`StorageClient`). */
export interface MessageStorage {
  /**
   * Store `data` in `account`'s swarm.
   *
   * @param account 66-hex account id
   * @param data the bytes
   * @param options namespace, TTL, signing key
   * @returns at least the message hash
   */
  store(
    account: string,
    data: Uint8Array,
    options?: { namespace?: number; ttlMs?: number; auth?: StorageAuth },
  ): Promise<{ readonly hash: string }>;
  /**
   * Retrieve from `account`'s swarm.
   *
   * @param account 66-hex account id
   * @param options namespace, paging cursor, signing key
   * @returns the messages, oldest first, and whether more follow
   */
  retrieveFrom(
    account: string,
    options?: { namespace?: number; lastHash?: string; auth?: StorageAuth },
  ): Promise<{ readonly messages: readonly RetrievedMessage[]; readonly more: boolean }>;
}

/** Uploading and downloading blobs on the file app (`FileClient`). */
export interface AttachmentStore {
  /**
   * Upload a blob.
   *
   * @param blob the encrypted bytes
   * @returns the file id
   */
  upload(blob: Uint8Array): Promise<string>;
  /**
   * Download a blob.
   *
   * @param id the file id
   * @returns the bytes
   */
  download(id: string): Promise<Uint8Array>;
}

/** Longest account prefix shown in messages. */
const SHORT_ID_CHARS = 12;

/**
 * A Session ID or group id shortened for messages (`05ab12cd34ef…`).
 *
 * @param id the id
 * @returns its first characters and an ellipsis
 * @example
 * ```ts
 * import { shortId } from "./transport.ts";
 * if (shortId("05" + "ab".repeat(32)) !== "05abababab…") throw new Error("bad");
 * ```
 */
export function shortId(id: string): string {
  return id.length <= SHORT_ID_CHARS ? id : `${id.slice(0, SHORT_ID_CHARS - 2)}…`;
}

/**
 * Run a swarm request, translating transport failures: `OnionPathError` → {@link SwarmUnreachableError},
 * `StorageRequestError` → `MessengerError("REQUEST_REFUSED")`.
 *
 * @param call the `account` whose swarm is asked, and the `action` for the message ("store a message for")
 * @param fn the request
 * @returns what `fn` returned
 * @throws {SwarmUnreachableError | MessengerError} as above; anything else unchanged
 * @example
 * ```ts
 * import { swarmCall } from "./transport.ts";
 * import { SwarmUnreachableError } from "./errors.ts";
 * import { OnionPathError } from "./onion_client.ts";
 * try {
 *   await swarmCall({ account: "05ab", action: "store a message for" }, () => Promise.reject(new OnionPathError(0, "down")));
 *   throw new Error("no error");
 * } catch (e) {
 *   if (!(e instanceof SwarmUnreachableError)) throw e;
 * }
 * ```
 */
export async function swarmCall<T>(call: { account: string; action: string }, fn: () => Promise<T>): Promise<T> {
  const { account, action } = call;
  try {
    return await fn();
  } catch (e) {
    if (e instanceof OnionPathError || e instanceof RangeError && /Cannot choose path/.test(e.message)) {
      throw new SwarmUnreachableError(
        account,
        `Cannot ${action} ${shortId(account)}: its swarm is unreachable (${e.message})`,
        { cause: e },
      );
    }
    if (e instanceof StorageRequestError) {
      throw new MessengerError(
        "REQUEST_REFUSED",
        `Cannot ${action} ${shortId(account)}: the swarm answered ${e.status} (${e.message})`,
        { cause: e },
      );
    }
    throw e;
  }
}

/**
 * Run a file-app request, translating transport failures like {@link swarmCall}.
 *
 * @param action what is being done ("upload the attachment")
 * @param fn the request
 * @returns what `fn` returned
 * @throws {MessengerError} `FILE_SERVER_UNREACHABLE` or `REQUEST_REFUSED`; anything else unchanged
 * @example
 * ```ts
 * import { fileCall } from "./transport.ts";
 * if (await fileCall("upload", () => Promise.resolve(1)) !== 1) throw new Error("bad");
 * ```
 */
export async function fileCall<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof OnionPathError || e instanceof RangeError && /Cannot choose path/.test(e.message)) {
      throw new MessengerError(
        "FILE_SERVER_UNREACHABLE",
        `Cannot ${action}: the file app is unreachable (${e.message})`,
        {
          cause: e,
        },
      );
    }
    if (e instanceof FileTransferError) {
      throw new MessengerError("REQUEST_REFUSED", `Cannot ${action}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}
