/**
 * zstd for Groups v2 messages (e2ee.md §5.3), which libsession compresses when that makes them
 * smaller (dict key `z`). `protocol/` does not depend on a zstd library: a {@link ZstdCodec} is an
 * argument, and {@link loadZstd} offers the runtime's `node:zlib` one where it exists (Deno 2.9
 * and Node ≥ 22.15 have `zstdCompressSync` / `zstdDecompressSync`). The import is dynamic and
 * inside a `try`, so this module loads on runtimes without `node:` built-ins.
 *
 * @module
 */

/** A zstd compressor / decompressor. */
export interface ZstdCodec {
  /** Compress `data` into one zstd frame. */
  compress(data: Uint8Array): Uint8Array;
  /** Decompress zstd data; throws when it is malformed or would exceed `maxOutputBytes`. */
  decompress(data: Uint8Array, maxOutputBytes: number): Uint8Array;
}

/** The part of `node:zlib` this module uses. */
interface NodeZlibZstd {
  zstdCompressSync(data: Uint8Array): Uint8Array;
  zstdDecompressSync(data: Uint8Array, options: { maxOutputLength: number }): Uint8Array;
}

let loading: Promise<ZstdCodec | undefined> | undefined;

/**
 * The runtime's zstd (`node:zlib`), or `undefined` where there is none. Never rejects; cached.
 *
 * @returns a codec, or undefined on this runtime
 * @example Round trip where zstd exists
 * ```ts
 * import { loadZstd } from "./zstd.ts";
 * const zstd = await loadZstd();
 * if (zstd !== undefined) {
 *   const data = new Uint8Array(1000);
 *   if (zstd.decompress(zstd.compress(data), 1000).length !== 1000) throw new Error("bad");
 * }
 * ```
 */
export function loadZstd(): Promise<ZstdCodec | undefined> {
  loading ??= (async () => {
    try {
      const zlib = await import("node:zlib") as unknown as Partial<NodeZlibZstd>;
      const { zstdCompressSync, zstdDecompressSync } = zlib;
      if (typeof zstdCompressSync !== "function" || typeof zstdDecompressSync !== "function") return undefined;
      return Object.freeze<ZstdCodec>({
        compress: (data) => toPlain(zstdCompressSync(data)),
        decompress: (data, maxOutputBytes) => toPlain(zstdDecompressSync(data, { maxOutputLength: maxOutputBytes })),
      });
    } catch {
      return undefined;
    }
  })();
  return loading;
}

/** A copy of a Node Buffer as a plain Uint8Array (small Buffers are views into a shared pool). */
function toPlain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}
