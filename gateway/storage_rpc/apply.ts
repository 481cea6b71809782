/**
 * Applying an admitted storage request to this node's store and building this node's result,
 * signed with the node's Ed25519 key over the exact strings of swarms-and-storage.md §7
 * (`responseSigningBytes`), as the reference's `process_client_req` bodies do.
 *
 * @module
 */

import { concat, utf8 } from "../../protocol/bytes.ts";
import type { CryptoProvider } from "../../protocol/crypto/provider.ts";
import { messageHash } from "../../protocol/storage/message_hash.ts";
import { ALL_NAMESPACES, isPublicOutbox, RETRIEVE_DEFAULT_MAX_SIZE } from "../../protocol/storage/namespace.ts";
import { responseSigningBytes } from "../../protocol/storage/signatures.ts";
import type { Admission } from "../../protocol/storage/auth.ts";
import type {
  DeleteAllRequest,
  DeleteBeforeRequest,
  DeleteRequest,
  ExpireAllRequest,
  ExpireRequest,
  GetExpiriesRequest,
  RecursiveRequest,
  RetrieveRequest,
  RevokeRequest,
  StoreRequest,
} from "../../protocol/storage/params.ts";
import type { MessageStore, NamespacedHash } from "../store/message_store.ts";
import type { ResultObject, ResultValue } from "./result_value.ts";

/** What applying needs. */
export interface ApplyContext {
  /** The message store. */
  readonly store: MessageStore;
  /** Crypto provider (hashing, signing). */
  readonly provider: CryptoProvider;
  /** The node's 32-byte Ed25519 seed. */
  readonly seed: Uint8Array;
  /** Current time (ms). */
  readonly now: number;
  /** Retrieve byte budget (§7.2). */
  readonly retrieveMaxSize: number;
}

/** A node's failure entry when its database refused the write (§7.1). */
const QUERY_FAILURE: Readonly<ResultObject> = Object.freeze({ failed: true, query_failure: true });

/** Sign bytes with the node key. */
async function sign(ctx: ApplyContext, bytes: Uint8Array): Promise<Uint8Array> {
  return await ctx.provider.ed25519Sign(ctx.seed, bytes);
}

/**
 * Apply a recursive request locally and return this node's entry.
 *
 * @param ctx store, keys, time
 * @param request the admitted request
 * @param options `admission`: what the admission checks derived (expire's capped expiries and mode)
 * @returns this node's result
 * @throws whatever the store throws, except in `store`, where `StoreFullError` (and any other
 *   store failure) becomes `{"failed": true, "query_failure": true}`
 * @example Deleting from an empty mailbox still yields a signed (empty) result
 * ```ts
 * import { applyRecursive } from "./apply.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import { parseRequest } from "../../protocol/storage/params.ts";
 * import { nobleProvider } from "../../protocol/crypto/noble.ts";
 * const r = parseRequest("delete", { pubkey: "03" + "00".repeat(32), signature: "A".repeat(86), messages: "A".repeat(43) });
 * if (r.method !== "delete") throw new Error("bad");
 * const ctx = { store: new MemoryStore(), provider: nobleProvider, seed: new Uint8Array(32), now: 0, retrieveMaxSize: 7800000 };
 * const out = await applyRecursive(ctx, r);
 * if ((out.deleted as string[]).length !== 0 || (out.signature as Uint8Array).length !== 64) throw new Error("bad");
 * ```
 */
export async function applyRecursive(
  ctx: ApplyContext,
  request: RecursiveRequest,
  options: { admission?: Admission } = {},
): Promise<ResultObject> {
  const admission = options.admission ?? {};
  switch (request.method) {
    case "store":
      return await applyStore(ctx, request);
    case "delete":
      return await applyDelete(ctx, request);
    case "delete_all":
    case "delete_before":
    case "expire_all":
      return await applyBulk(ctx, request);
    case "expire":
      return await applyExpire(ctx, request, admission);
    case "revoke_subaccount":
    case "unrevoke_subaccount":
      return await applyRevoke(ctx, request);
  }
}

/** §7.1 effect and per-node result. */
async function applyStore(ctx: ApplyContext, r: StoreRequest): Promise<ResultObject> {
  const hash = await messageHash(r.pubkey.bytes, r.namespace, r.data, { provider: ctx.provider });
  let result;
  try {
    result = ctx.store.store(
      { account: r.pubkey.hex, namespace: r.namespace, hash, timestamp: r.timestamp, expiry: r.expiry, data: r.data },
      { replaceNamespace: isPublicOutbox(r.namespace) },
    );
  } catch {
    // StoreFullError (the database cap) is the expected case. Deliberate: the reference also puts
    // other exceptions' text in "reason"; we report every store failure the same way, never echoing it.
    return { ...QUERY_FAILURE };
  }
  const out: ResultObject = {
    hash,
    signature: await sign(ctx, responseSigningBytes({ method: "store", hash })),
    expiry: result.expiry,
  };
  if (result.outcome !== "new") out.already = true;
  return out;
}

/** §7.5. */
async function applyDelete(ctx: ApplyContext, r: DeleteRequest): Promise<ResultObject> {
  const deleted = [...ctx.store.delete(r.pubkey.hex, r.messages)].sort();
  const bytes = responseSigningBytes({ method: "delete", accountId: r.pubkey.bytes, requested: r.messages, deleted });
  return { deleted, signature: await sign(ctx, bytes) };
}

/** Sorted hashes, and the per-namespace form `{ "<ns>": [hashes…] }` for `"all"` (§7.6–§7.8). */
function affectedValue(affected: readonly NamespacedHash[], all: boolean): { hashes: string[]; value: ResultValue } {
  const sorted = [...affected].sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  const hashes = sorted.map((a) => a.hash);
  if (!all) return { hashes, value: hashes };
  const byNs: Record<string, string[]> = {};
  for (const a of sorted) (byNs[String(a.namespace)] ??= []).push(a.hash);
  return { hashes, value: byNs };
}

/** §7.6 delete_all, §7.7 delete_before, §7.8 expire_all. */
async function applyBulk(
  ctx: ApplyContext,
  r: DeleteAllRequest | DeleteBeforeRequest | ExpireAllRequest,
): Promise<ResultObject> {
  const account = r.pubkey.hex;
  const all = r.namespace === ALL_NAMESPACES;
  const accountId = r.pubkey.bytes;
  switch (r.method) {
    case "delete_all": {
      const { hashes, value } = affectedValue(ctx.store.deleteAll(account, r.namespace), all);
      const bytes = responseSigningBytes({ method: "delete_all", accountId, timestamp: r.timestamp, deleted: hashes });
      return { deleted: value, signature: await sign(ctx, bytes) };
    }
    case "delete_before": {
      const { hashes, value } = affectedValue(ctx.store.deleteBefore(account, r.namespace, r.before), all);
      const bytes = responseSigningBytes({ method: "delete_before", accountId, before: r.before, deleted: hashes });
      return { deleted: value, signature: await sign(ctx, bytes) };
    }
    case "expire_all": {
      const { hashes, value } = affectedValue(ctx.store.expireAll(account, r.namespace, r.expiry), all);
      const bytes = responseSigningBytes({ method: "expire_all", accountId, expiry: r.expiry, updated: hashes });
      return { updated: value, signature: await sign(ctx, bytes) };
    }
  }
}

/** §7.9: `set`, `shorten` or `extend` with the capped expiries; `unchanged` when shorten/extend was asked. */
async function applyExpire(ctx: ApplyContext, r: ExpireRequest, admission: Admission): Promise<ResultObject> {
  const applied = admission.expiry ?? r.expiry;
  const updates = new Map<string, number>();
  r.messages.forEach((h, i) => updates.set(h, applied.length === 1 ? applied[0] : applied[i]));
  const mode = r.shorten ? "shorten" : (admission.extendOnly ?? r.extend) ? "extend" : "set";
  const updated = [...ctx.store.expire(r.pubkey.hex, updates, mode)].sort((a, b) =>
    a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0
  );
  const updatedHashes = updated.map((u) => u.hash);
  let unchanged: Record<string, number> | undefined;
  if (r.shorten || r.extend) {
    const changed = new Set(updatedHashes);
    const rest = r.messages.filter((h) => !changed.has(h));
    unchanged = rest.length ? Object.fromEntries(ctx.store.getExpiries(r.pubkey.hex, rest)) : {};
  }
  const multi = r.expiry.length > 1;
  const expiry: number | number[] = multi ? updated.map((u) => u.expiry) : applied[0];
  const bytes = responseSigningBytes({
    method: "expire",
    accountId: r.pubkey.bytes,
    expiry,
    requested: r.messages,
    updated: updatedHashes,
    ...(unchanged && { unchanged }),
  });
  const out: ResultObject = { expiry, updated: updatedHashes };
  if (unchanged) out.unchanged = unchanged;
  out.signature = await sign(ctx, bytes);
  return out;
}

/** §7.11; an empty token list signs as account ‖ timestamp. */
async function applyRevoke(ctx: ApplyContext, r: RevokeRequest): Promise<ResultObject> {
  const bytes = concat(utf8(`${r.pubkey.hex}${r.timestamp}`), ...r.tokens);
  if (r.method === "revoke_subaccount") {
    ctx.store.revokeSubaccounts(r.pubkey.hex, r.tokens, ctx.now);
    return { signature: await sign(ctx, bytes) };
  }
  const count = ctx.store.unrevokeSubaccounts(r.pubkey.hex, r.tokens);
  return { count, signature: await sign(ctx, bytes) };
}

/**
 * §7.2: the budget rules (0 = unset; neither → −5; −k → budget / k; capped) and the messages.
 *
 * @param ctx store, time, budget
 * @param r the admitted request
 * @returns `{"messages": [{hash, timestamp, expiration, data}], "more"}` (data binary)
 * @example
 * ```ts
 * import { retrieveResult } from "./apply.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * import { parseRequest } from "../../protocol/storage/params.ts";
 * const r = parseRequest("retrieve", { pubkey: "05" + "00".repeat(32) });
 * if (r.method !== "retrieve") throw new Error("bad");
 * const out = retrieveResult({ store: new MemoryStore(), now: 1, retrieveMaxSize: 7800000 } as never, r);
 * if ((out.messages as unknown[]).length !== 0 || out.more !== false) throw new Error("bad");
 * ```
 */
export function retrieveResult(
  ctx: Pick<ApplyContext, "store" | "now" | "retrieveMaxSize">,
  r: RetrieveRequest,
): ResultObject {
  const maxCount = r.maxCount ? r.maxCount : undefined;
  let maxSize = r.maxSize ? r.maxSize : undefined;
  if (maxCount === undefined && maxSize === undefined) maxSize = RETRIEVE_DEFAULT_MAX_SIZE;
  if (maxSize !== undefined && maxSize < 0) maxSize = Math.floor(ctx.retrieveMaxSize / -maxSize);
  else if (maxSize === undefined || maxSize > ctx.retrieveMaxSize) maxSize = ctx.retrieveMaxSize;
  const { messages, more } = ctx.store.retrieve(r.pubkey.hex, r.namespace, {
    ...(r.lastHash !== undefined && { lastHash: r.lastHash }),
    ...(maxCount !== undefined && { maxCount }),
    maxSize,
    now: ctx.now,
  });
  return {
    messages: messages.map((m) => ({ hash: m.hash, timestamp: m.timestamp, expiration: m.expiry, data: m.data })),
    more,
  };
}

/**
 * §7.10: current expiries of the requested hashes that exist.
 *
 * @param store the message store
 * @param r the admitted request
 * @returns `{"expiries": {hash: expiry}}`
 * @example
 * ```ts
 * import { getExpiriesResult } from "./apply.ts";
 * import { MemoryStore } from "../store/memory_store.ts";
 * const r = { pubkey: { hex: "05" + "00".repeat(32) }, messages: ["x"] } as never;
 * if (Object.keys(getExpiriesResult(new MemoryStore(), r).expiries).length !== 0) throw new Error("bad");
 * ```
 */
export function getExpiriesResult(store: MessageStore, r: GetExpiriesRequest): { expiries: Record<string, number> } {
  return { expiries: Object.fromEntries(store.getExpiries(r.pubkey.hex, r.messages)) };
}
