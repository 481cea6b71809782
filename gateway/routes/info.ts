/**
 * The `info` storage-RPC method (swarms-and-storage.md §7.3): no params; answers
 * `{"hf":[major,minor],"t":now,"timestamp":now,"version":[major,minor,patch]}` — the storage
 * server's shape, keys sorted as its JSON library emits them. Clients read `timestamp` (or `t`)
 * to learn the network's time, and `version` to gate features.
 *
 * @module
 */

import type { RpcHandler } from "./rpc.ts";

/** What `info` reports; config `reportedVersion` and `networkVersion`. */
export interface InfoOptions {
  /** Storage-server version, `[major, minor, patch]`. */
  version: readonly number[];
  /** Network (hard-fork) version, `[major, minor]`. */
  hf: readonly number[];
}

/**
 * The `info` handler.
 *
 * @param options the versions to report
 * @returns the handler
 * @example
 * ```ts
 * import { createInfoHandler } from "./info.ts";
 * const info = createInfoHandler({ version: [2, 8, 0], hf: [19, 3] });
 * const r = await info({}, { now: 1700000000000 });
 * if (r.body !== '{"hf":[19,3],"t":1700000000000,"timestamp":1700000000000,"version":[2,8,0]}') throw new Error(r.body);
 * ```
 */
export function createInfoHandler(options: InfoOptions): RpcHandler {
  const version = [...options.version];
  const hf = [...options.hf];
  return (_params, ctx) => ({
    status: 200,
    body: JSON.stringify({ hf, t: ctx.now, timestamp: ctx.now, version }),
    bodyIsJson: true,
  });
}
