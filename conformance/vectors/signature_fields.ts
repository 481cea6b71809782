/**
 * The `fields` of `storage_signatures_v1.json` (and of the adapter protocol's
 * `storage.signature_check`): a storage request or response as JSON, byte strings (subaccount
 * tokens, account ids) as hex, everything else as in the typed `SignedRequest` / `SignedResponse`
 * of `protocol/storage/signatures.ts`. This module turns them into the typed form and the signed
 * string.
 *
 * @module
 */

import { fromHex } from "../../protocol/bytes.ts";
import {
  requestSigningBytes,
  responseSigningBytes,
  type SignedRequest,
  type SignedResponse,
} from "../../protocol/storage/signatures.ts";

/** Which side signed: a client request (§6.1) or a node's response (§7). */
export type SignedKind = "request" | "response";

/** Request or response fields as published: byte strings (tokens, account ids) as hex, the rest as JSON. */
export type SignatureFields = Record<string, unknown> & { method: string };

/** Hex strings to bytes. */
function hexList(v: unknown): Uint8Array[] {
  return (v as string[]).map((t) => fromHex(t));
}

/**
 * The typed request of published fields (hex byte strings to bytes).
 *
 * @param f the fields
 * @returns the request for `requestSigningBytes`
 * @example
 * ```ts
 * import { signedRequestOf } from "./signature_fields.ts";
 * const r = signedRequestOf({ method: "subaccount_sig", token: "03070000" + "ab".repeat(32) });
 * if (r.method !== "subaccount_sig" || r.token.length !== 36) throw new Error("bad");
 * ```
 */
export function signedRequestOf(f: SignatureFields): SignedRequest {
  switch (f.method) {
    case "revoke_subaccount":
    case "unrevoke_subaccount":
      return { ...f, tokens: hexList(f.tokens) } as unknown as SignedRequest;
    case "monitor.messages":
      return { ...f, accountId: fromHex(f.accountId as string) } as unknown as SignedRequest;
    case "subaccount_sig":
      return { method: "subaccount_sig", token: fromHex(f.token as string) };
    default:
      return f as unknown as SignedRequest;
  }
}

/**
 * The typed response of published fields.
 *
 * @param f the fields
 * @returns the response for `responseSigningBytes`
 * @example
 * ```ts
 * import { signedResponseOf } from "./signature_fields.ts";
 * const r = signedResponseOf({ method: "delete_all", accountId: "05" + "00".repeat(32), timestamp: 1, deleted: [] });
 * if (r.method !== "delete_all" || r.accountId.length !== 33) throw new Error("bad");
 * ```
 */
export function signedResponseOf(f: SignatureFields): SignedResponse {
  if (f.method === "store") return f as unknown as SignedResponse;
  const out: Record<string, unknown> = { ...f, accountId: fromHex(f.accountId as string) };
  if (f.tokens !== undefined) out.tokens = hexList(f.tokens);
  return out as unknown as SignedResponse;
}

/**
 * The signed string of published fields with this repository's code.
 *
 * @param kind request or response
 * @param fields the fields
 * @returns the bytes
 * @throws {TypeError | RangeError | SyntaxError} for malformed fields
 * @example
 * ```ts
 * import { signedMessageOf } from "./signature_fields.ts";
 * const m = signedMessageOf("request", { method: "retrieve", namespace: 2, timestamp: 1700000000000 });
 * if (new TextDecoder().decode(m) !== "retrieve21700000000000") throw new Error("bad");
 * ```
 */
export function signedMessageOf(kind: SignedKind, fields: SignatureFields): Uint8Array {
  return kind === "request"
    ? requestSigningBytes(signedRequestOf(fields))
    : responseSigningBytes(signedResponseOf(fields));
}
