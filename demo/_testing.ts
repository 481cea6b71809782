/**
 * Test-only helpers shared by the network tests in this folder.
 *
 * @module
 */

import { type CryptoProvider, type Identity, requestSigningBytes, toBase64, toHex } from "../mod.ts";

/** A JSON body as the tests read it. */
// deno-lint-ignore no-explicit-any
export type Json = any;

/** One day in ms (message TTLs in tests). */
export const DAY = 86_400_000;

/**
 * A signed `retrieve` of the identity's namespace-0 mailbox (swarms-and-storage.md §6.1, §7.2).
 *
 * @param id the mailbox owner
 * @param options signing time (default now), `lastHash`, provider
 * @returns the storage-RPC request
 */
export async function signedRetrieve(
  id: Identity,
  options: { provider: CryptoProvider; timestamp?: number; lastHash?: string },
): Promise<{ method: string; params: Record<string, unknown> }> {
  const timestamp = options.timestamp ?? Date.now();
  const signature = await options.provider.ed25519Sign(
    id.ed25519Seed,
    requestSigningBytes({ method: "retrieve", namespace: 0, timestamp }),
  );
  return {
    method: "retrieve",
    params: {
      pubkey: id.sessionId,
      pubkey_ed25519: toHex(id.ed25519Public),
      timestamp,
      signature: toBase64(signature),
      ...(options.lastHash === undefined ? {} : { last_hash: options.lastHash }),
    },
  };
}
