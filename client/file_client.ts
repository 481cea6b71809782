/**
 * Uploading and downloading attachment blobs to the onion-reachable file app
 * (gateway/file_server/) through random 3-hop paths: the exit node relays a v4 request to the
 * app (onion-requests.md §7), so the app never learns who uploads or downloads, and no node on
 * the path sees the (already end-to-end encrypted) blob in the clear.
 *
 * @module
 */

import type { OnionServer } from "../mod.ts";
import type { OnionClient } from "./onion_client.ts";

/** Where the file app is: what network.json lists. */
export interface FileServerAddress {
  /** Host (an IP literal on the local network). */
  readonly host: string;
  /** Port. */
  readonly port: number;
  /** X25519 key (64 hex). */
  readonly x25519: string;
}

/** A failed upload or download. */
export class FileTransferError extends Error {
  /** The app's status (0 when it did not answer). */
  readonly status: number;

  /**
   * @param status the app's status
   * @param message what failed
   * @example
   * ```ts
   * import { FileTransferError } from "./file_client.ts";
   * if (new FileTransferError(404, "x").status !== 404) throw new Error("bad");
   * ```
   */
  constructor(status: number, message: string) {
    super(message);
    this.name = "FileTransferError";
    this.status = status;
  }
}

/** The lsrpc v4 endpoint of the file app (onion-requests.md §7). */
const V4_TARGET = "/oxen/v4/lsrpc";
/** Longest error text kept. */
const MAX_ERROR_TEXT = 200;

/** Uploads and downloads through onion paths. */
export class FileClient {
  #onion: OnionClient;
  #server: OnionServer;

  /**
   * @param onion the onion transport
   * @param server the file app's address and key
   * @example
   * ```ts
   * import { FileClient } from "./file_client.ts";
   * import { OnionClient } from "./onion_client.ts";
   * import { nobleProvider as provider, systemRng as rng } from "../mod.ts";
   * const files = new FileClient(new OnionClient({ nodes: () => [], provider, rng }), { host: "127.0.0.1", port: 1, x25519: "11".repeat(32) });
   * if (!(files instanceof FileClient)) throw new Error("bad");
   * ```
   */
  constructor(onion: OnionClient, server: FileServerAddress) {
    this.#onion = onion;
    this.#server = { host: server.host, port: server.port, protocol: "http", target: V4_TARGET, x25519: server.x25519 };
  }

  /**
   * Upload a blob.
   *
   * @param blob the (encrypted) bytes
   * @returns the file id (hex SHA-256 of the blob)
   * @throws {FileTransferError} when the app refused it
   */
  async upload(blob: Uint8Array): Promise<string> {
    const res = await this.#onion.requestServer(this.#server, {
      method: "POST",
      endpoint: "/file",
      headers: { "content-type": "application/octet-stream" },
      body: blob,
    });
    if (res.status !== 200) throw new FileTransferError(res.status, `Cannot upload file: ${text(res.body)}`);
    const id = (JSON.parse(new TextDecoder().decode(res.body)) as { id?: unknown }).id;
    if (typeof id !== "string") throw new FileTransferError(502, "Cannot upload file: the answer has no id");
    return id;
  }

  /**
   * Download a blob.
   *
   * @param id the file id
   * @returns the bytes
   * @throws {FileTransferError} when the app has no such file or refused
   */
  async download(id: string): Promise<Uint8Array> {
    const res = await this.#onion.requestServer(this.#server, { method: "GET", endpoint: `/file/${id}` });
    if (res.status !== 200) throw new FileTransferError(res.status, `Cannot download file ${id}: ${text(res.body)}`);
    return res.body;
  }
}

function text(body: Uint8Array): string {
  return new TextDecoder().decode(body.subarray(0, MAX_ERROR_TEXT));
}
