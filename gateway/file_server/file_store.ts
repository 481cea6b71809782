/**
 * Where the file app keeps uploads: a directory of content-addressed blobs (the id is the
 * lower-case hex SHA-256 of the bytes), written atomically (temporary file, then rename) and
 * bounded in count of bytes. Uploads are already end-to-end encrypted attachments (e2ee.md §6),
 * so the store never sees plaintext.
 *
 * @module
 */

import { toHex } from "../../mod.ts";

/** A file id: 64 lower-case hex digits. */
export const FILE_ID_RE: RegExp = /^[0-9a-f]{64}$/;

/** The store refused an upload because it is full. */
export class FileStoreFullError extends Error {
  /**
   * @param message what was refused
   * @example
   * ```ts
   * import { FileStoreFullError } from "./file_store.ts";
   * if (new FileStoreFullError("full").name !== "FileStoreFullError") throw new Error("bad");
   * ```
   */
  constructor(message: string) {
    super(message);
    this.name = "FileStoreFullError";
  }
}

/** Content-addressed blob storage. */
export interface FileStore {
  /** Store bytes; the same bytes always get the same id. @throws {FileStoreFullError} over the cap */
  put(bytes: Uint8Array): Promise<string>;
  /** The bytes of an id, or undefined when unknown. */
  get(id: string): Promise<Uint8Array | undefined>;
}

/** Options of {@link DirectoryFileStore}. */
export interface DirectoryFileStoreOptions {
  /** The directory (created when missing, mode 0700). */
  readonly dir: string;
  /** Total bytes kept; an upload beyond it is refused. Default 1 GiB. */
  readonly maxTotalBytes?: number;
}

/** Default total size of a file store. */
export const DEFAULT_FILE_STORE_BYTES = 1024 * 1024 * 1024;

/** A {@link FileStore} in a directory. */
export class DirectoryFileStore implements FileStore {
  #dir: string;
  #max: number;
  #used = -1;

  /**
   * @param options directory and cap
   * @example
   * ```ts
   * import { DirectoryFileStore } from "./file_store.ts";
   * const dir = await Deno.makeTempDir();
   * const store = new DirectoryFileStore({ dir });
   * const id = await store.put(new Uint8Array([1, 2, 3]));
   * if ((await store.get(id))?.length !== 3 || (await store.get("00".repeat(32))) !== undefined) throw new Error("bad");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  constructor(options: DirectoryFileStoreOptions) {
    this.#dir = options.dir;
    this.#max = options.maxTotalBytes ?? DEFAULT_FILE_STORE_BYTES;
  }

  async #usedBytes(): Promise<number> {
    if (this.#used >= 0) return this.#used;
    await Deno.mkdir(this.#dir, { recursive: true, mode: 0o700 });
    let used = 0;
    for await (const entry of Deno.readDir(this.#dir)) {
      if (entry.isFile && FILE_ID_RE.test(entry.name)) used += (await Deno.stat(`${this.#dir}/${entry.name}`)).size;
    }
    this.#used = used;
    return used;
  }

  async put(bytes: Uint8Array): Promise<string> {
    const id = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>)));
    const path = `${this.#dir}/${id}`;
    const used = await this.#usedBytes();
    try {
      await Deno.stat(path);
      return id; // already stored: same bytes, same id
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    if (used + bytes.length > this.#max) {
      throw new FileStoreFullError(`Cannot store file: ${bytes.length} bytes would pass the ${this.#max}-byte cap`);
    }
    const tmp = `${path}.${crypto.randomUUID()}.tmp`;
    await Deno.writeFile(tmp, bytes, { mode: 0o600 });
    await Deno.rename(tmp, path);
    this.#used = used + bytes.length;
    return id;
  }

  async get(id: string): Promise<Uint8Array | undefined> {
    if (!FILE_ID_RE.test(id)) return undefined;
    try {
      return await Deno.readFile(`${this.#dir}/${id}`);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return undefined;
      throw err;
    }
  }
}
