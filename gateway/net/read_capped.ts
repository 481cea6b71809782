/**
 * Reading a body stream under a byte cap: the one loop the forwarder (next-hop answers) and the
 * lsrpc middleware (request bodies) share. Portable: no `node:` imports (runs on workerd).
 *
 * @module
 */

import { concat } from "../../mod.ts";

/**
 * Read `stream` to the end, or stop and cancel it as soon as more than `max` bytes arrived.
 *
 * @param stream the body stream
 * @param max largest accepted total, in bytes
 * @returns the bytes, or `undefined` when the stream was longer than `max`
 * @example
 * ```ts
 * import { readStreamCapped } from "./read_capped.ts";
 * const body = () => new Response("hello").body!;
 * if ((await readStreamCapped(body(), 5))?.length !== 5) throw new Error("bad");
 * if ((await readStreamCapped(body(), 4)) !== undefined) throw new Error("cap not applied");
 * ```
 */
export async function readStreamCapped(
  stream: ReadableStream<Uint8Array>,
  max: number,
): Promise<Uint8Array | undefined> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0] : concat(...chunks);
}
