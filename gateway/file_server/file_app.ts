/**
 * The file app: an onion-reachable upload/download service for attachments (issue 6), built on
 * the lsrpc middleware (onion-requests.md §7), so clients reach it only through 3-hop onion paths
 * and it never learns who uploads or downloads.
 *
 * | route | answer |
 * | --- | --- |
 * | `POST /file` (body: the encrypted attachment) | 200 `{"id":"<64 hex>"}`; empty → 400; over `maxFileBytes` → 413; store full → 507 |
 * | `GET /file/:id` | 200, the bytes (`application/octet-stream`); unknown → 404 |
 * | anything else | 404 |
 *
 * @module
 */

import { Hono } from "hono";
import type { CryptoProvider, Rng } from "../../mod.ts";
import { onionServer } from "../lsrpc/mod.ts";
import { FILE_ID_RE, type FileStore, FileStoreFullError } from "./file_store.ts";

/** Largest upload by default: 10,000,000 bytes (Session's file server limit). */
export const DEFAULT_MAX_FILE_BYTES = 10_000_000;

/** Options of {@link createFileApp}. */
export interface FileAppOptions {
  /** The server's X25519 secret (32 bytes). */
  readonly x25519Secret: Uint8Array;
  /** Its X25519 public key (clients build onions to it). */
  readonly x25519Public: Uint8Array;
  /** Crypto provider. */
  readonly provider: CryptoProvider;
  /** Where files go. */
  readonly store: FileStore;
  /** Largest upload in bytes; default {@link DEFAULT_MAX_FILE_BYTES}. */
  readonly maxFileBytes?: number;
  /** Randomness for reply nonces; default the provider's CSPRNG. */
  readonly rng?: Rng;
}

/** Onion bodies carry the file plus framing and encryption: allow this much on top. */
const ONION_OVERHEAD_BYTES = 64 * 1024;

/**
 * The file app behind the lsrpc middleware.
 *
 * @param options keys, provider, store, limits
 * @returns the Hono app
 * @example Upload and download over plain HTTP (onion requests reach the same routes)
 * ```ts
 * import { createFileApp } from "./file_app.ts";
 * import { DirectoryFileStore } from "./file_store.ts";
 * import { nobleProvider as provider } from "../../mod.ts";
 * const dir = await Deno.makeTempDir();
 * const x25519Secret = new Uint8Array(32).fill(4);
 * const app = createFileApp({ x25519Secret, x25519Public: await provider.x25519PublicKey(x25519Secret), provider, store: new DirectoryFileStore({ dir }) });
 * const up = await (await app.request("/file", { method: "POST", body: new Uint8Array([7, 7]) })).json();
 * const down = new Uint8Array(await (await app.request(`/file/${up.id}`)).arrayBuffer());
 * if (down.join() !== "7,7") throw new Error("bad");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function createFileApp(options: FileAppOptions): Hono {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const app = new Hono();
  app.use(onionServer({
    x25519Secret: options.x25519Secret,
    x25519Public: options.x25519Public,
    provider: options.provider,
    rng: options.rng,
    maxBody: maxFileBytes + ONION_OVERHEAD_BYTES,
    app,
  }));
  app.post("/file", async (c) => {
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (body.length === 0) return c.text("empty file", 400);
    if (body.length > maxFileBytes) return c.text("file too large", 413);
    try {
      return c.json({ id: await options.store.put(body) });
    } catch (err) {
      if (err instanceof FileStoreFullError) return c.text("storage full", 507);
      throw err;
    }
  });
  app.get("/file/:id", async (c) => {
    const id = c.req.param("id");
    const bytes = FILE_ID_RE.test(id) ? await options.store.get(id) : undefined;
    if (bytes === undefined) return c.text("Not Found", 404);
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { "content-type": "application/octet-stream" });
  });
  app.notFound((c) => c.text("Not Found", 404));
  app.onError((_err, c) => c.text("Internal server error", 500));
  return app;
}
