/**
 * An in-memory stand-in for the swarms (test-only; private to client/): the store/retrieve
 * semantics the messenger relies on (swarms-and-storage.md §7.1, §7.2, §8, §9) — message hashes,
 * idempotent re-stores, public outboxes keeping one message, `lastHash` paging from the start when
 * the hash is unknown, signatures required where the namespace needs them — without a network.
 *
 * @module
 */

import { fromHex, isPublicInbox, isPublicOutbox, messageHash, nobleProvider } from "../mod.ts";
import type { RetrievedMessage, StorageAuth } from "./storage_client.ts";
import { StorageRequestError } from "./storage_client.ts";
import type { AttachmentStore, MessageStorage } from "./transport.ts";
import { FileTransferError } from "./file_client.ts";

/** Messages per retrieve page. */
const PAGE = 25;

/** Swarms in memory. */
export class MemoryStorage implements MessageStorage {
  #boxes = new Map<string, RetrievedMessage[]>();
  /** Every store, in order (for tests that inspect or drop traffic). */
  readonly log: { account: string; namespace: number; hash: string }[] = [];
  /** Called before every store; return false to drop it silently (a "lost" message). */
  filter: (account: string, namespace: number, data: Uint8Array) => boolean = () => true;
  /** Throw this from every call (an unreachable network). */
  failWith: Error | undefined;

  async store(
    account: string,
    data: Uint8Array,
    options: { namespace?: number; ttlMs?: number; auth?: StorageAuth } = {},
  ): Promise<{ hash: string }> {
    if (this.failWith) throw this.failWith;
    const namespace = options.namespace ?? 0;
    if (!isPublicInbox(namespace) && options.auth === undefined) {
      throw new StorageRequestError(401, "signature required");
    }
    const hash = await messageHash(fromHex(account), namespace, data, { provider: nobleProvider });
    if (!this.filter(account, namespace, data)) return { hash };
    const key = `${account}/${namespace}`;
    const box = isPublicOutbox(namespace) ? [] : this.#boxes.get(key) ?? [];
    if (!box.some((m) => m.hash === hash)) {
      box.push({ hash, timestamp: Date.now(), expiry: Date.now() + (options.ttlMs ?? 86_400_000), data: data.slice() });
    }
    this.#boxes.set(key, box);
    this.log.push({ account, namespace, hash });
    return { hash };
  }

  retrieveFrom(
    account: string,
    options: { namespace?: number; lastHash?: string; auth?: StorageAuth } = {},
  ): Promise<{ messages: RetrievedMessage[]; more: boolean }> {
    if (this.failWith) return Promise.reject(this.failWith);
    const namespace = options.namespace ?? 0;
    if (!isPublicOutbox(namespace) && options.auth === undefined) {
      return Promise.reject(new StorageRequestError(401, "retrieve: request signature required"));
    }
    const box = this.#boxes.get(`${account}/${namespace}`) ?? [];
    const after = options.lastHash === undefined ? -1 : box.findIndex((m) => m.hash === options.lastHash);
    const rest = box.slice(after + 1);
    return Promise.resolve({ messages: rest.slice(0, PAGE), more: rest.length > PAGE });
  }
}

/** A file app in memory. */
export class MemoryFiles implements AttachmentStore {
  #files = new Map<string, Uint8Array>();

  async upload(blob: Uint8Array): Promise<string> {
    const id = Array.from(
      new Uint8Array(await crypto.subtle.digest("SHA-256", blob as Uint8Array<ArrayBuffer>)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    this.#files.set(id, blob.slice());
    return id;
  }

  download(id: string): Promise<Uint8Array> {
    const f = this.#files.get(id);
    return f === undefined ? Promise.reject(new FileTransferError(404, "no such file")) : Promise.resolve(f);
  }
}
