/**
 * Which key verifies a storage request's signature (swarms-and-storage.md §6.2): the account key,
 * or for a `05` Session ID the `pubkey_ed25519` that converts to it, and with a subaccount token
 * the token's key after the token itself is checked (revocation, prefix, flags, owner signature);
 * and which subaccount flags each method needs. `auth.ts` runs these inside a method's admission
 * checks.
 *
 * @module
 */

import { ctEqual } from "../bytes.ts";
import { SESSION_ID_PREFIX } from "../constants.ts";
import type { CryptoProvider } from "../crypto/provider.ts";
import { defaultProvider } from "../crypto/default.ts";
import { isPublicOutbox } from "./namespace.ts";
import { SUBACCOUNT_TOKEN_BYTES } from "./signatures.ts";
import type { AccountId, SignedSubaccount } from "./params_keys.ts";
import type { StorageRequest } from "./params_types.ts";

/** Subaccount flag: read access (retrieve, get_expiries, monitor; §6.2). */
export const SUBACCOUNT_READ = 0x01;
/** Subaccount flag: write access (store, extend expiries; §6.2). */
export const SUBACCOUNT_WRITE = 0x02;
/** Subaccount flag: delete access (delete*, expire_all, shorten expiries; §6.2). */
export const SUBACCOUNT_DELETE = 0x04;
/** Subaccount flag: the token is valid for the account under any prefix (§6.2). */
export const SUBACCOUNT_ANY_PREFIX = 0x08;
/** Offset of the flags byte in a subaccount token (§6.2). */
export const SUBACCOUNT_FLAGS_INDEX = 1;
/** Offset of the Ed25519 key in a subaccount token (§6.2). */
const TOKEN_KEY_INDEX = 4;

/** Whether a token is revoked for the account (§6.2 step 3). */
export type RevocationCheck = (account: AccountId, token: Uint8Array) => boolean | Promise<boolean>;

/** What {@link verifyRequestSignature} checks against. */
export interface SignedCredentials {
  /** The account. */
  readonly pubkey: AccountId;
  /** 64-byte request signature. */
  readonly signature: Uint8Array;
  /** Ed25519 key of a `05` account. */
  readonly pubkeyEd25519?: Uint8Array;
  /** Subaccount token and signature. */
  readonly subaccount?: SignedSubaccount;
}

/** Options of {@link verifyRequestSignature}. */
export interface VerifyRequestOptions {
  /** Crypto provider; defaults to {@link defaultProvider}. */
  provider?: CryptoProvider;
  /** Flags a subaccount token must have (e.g. {@link SUBACCOUNT_READ}); default none. */
  requiredAccess?: number;
  /** Skip the revocation lookup (retrieve from an unrevocable namespace). */
  skipRevokeCheck?: boolean;
  /** Revocation lookup; absent = nothing is revoked. */
  isRevoked?: RevocationCheck;
}

/**
 * Verify a request signature with the key §6.2 selects: `pubkey_ed25519` for a `05` account (it
 * must convert to the account's X25519 key), else the account key; with a subaccount, the token
 * must not be revoked, must match the prefix (or carry AnyPrefix) and the required flags, and be
 * signed by that key; the request is then verified with the token's key.
 *
 * @param creds account, signature and optional key / subaccount
 * @param message the signed bytes
 * @param options provider, required flags, revocation lookup
 * @returns whether everything verifies (never throws for bad signatures or keys)
 * @example A group signing its own request
 * ```ts
 * import { verifyRequestSignature } from "./auth_signature.ts";
 * import { accountId } from "./params_keys.ts";
 * import { fromBase64, fromHex } from "../bytes.ts";
 * const pubkey = accountId(fromHex("030442ca9b758eefe0c42370696688b28f48f44bf44941fae4f3d5b41f6358c41d"));
 * const signature = fromBase64("Cvw2d5pHgSxprJcphud2C8yu7pIEPwLprjbLRNM0k+hwALMCiBzIw6BNLzmoCx8lqigNWFXqpQ0FffeoGnThBA==");
 * if (!await verifyRequestSignature({ pubkey, signature }, new TextEncoder().encode("retrieve131234"))) throw new Error("bad");
 * ```
 */
export async function verifyRequestSignature(
  creds: SignedCredentials,
  message: Uint8Array,
  options: VerifyRequestOptions = {},
): Promise<boolean> {
  const provider = options.provider ?? await defaultProvider();
  let key = creds.pubkey.key;
  if (creds.pubkey.prefix === SESSION_ID_PREFIX && creds.pubkeyEd25519) {
    let x: Uint8Array;
    try {
      x = await provider.ed25519PublicToX25519(creds.pubkeyEd25519);
    } catch {
      return false;
    }
    if (!ctEqual(x, creds.pubkey.key)) return false;
    key = creds.pubkeyEd25519;
  }
  const sub = creds.subaccount;
  if (sub) {
    if (sub.token.length !== SUBACCOUNT_TOKEN_BYTES) return false;
    if (!options.skipRevokeCheck && options.isRevoked && await options.isRevoked(creds.pubkey, sub.token)) return false;
    const flags = sub.token[SUBACCOUNT_FLAGS_INDEX];
    if (sub.token[0] !== creds.pubkey.prefix && (flags & SUBACCOUNT_ANY_PREFIX) === 0) return false;
    const need = options.requiredAccess ?? 0;
    if ((flags & need) !== need) return false;
    if (!await safeVerify(provider, key, sub.token, sub.signature)) return false;
    key = sub.token.subarray(TOKEN_KEY_INDEX);
  }
  return await safeVerify(provider, key, message, creds.signature);
}

/** Strict Ed25519 verification that answers false instead of throwing. */
async function safeVerify(p: CryptoProvider, key: Uint8Array, msg: Uint8Array, sig: Uint8Array): Promise<boolean> {
  try {
    return await p.ed25519Verify(key, msg, sig);
  } catch {
    return false;
  }
}

/**
 * The subaccount flags a request needs (swarms-and-storage.md §6.2): store → Write (Write+Delete
 * in a public outbox); retrieve, get_expiries → Read; delete, delete_all, delete_before,
 * expire_all → Delete; expire → Write; others → none.
 *
 * @param request a parsed request
 * @returns the flag bits
 * @example
 * ```ts
 * import { requiredAccess, SUBACCOUNT_DELETE, SUBACCOUNT_WRITE } from "./auth_signature.ts";
 * if (requiredAccess({ method: "store", namespace: -21 } as never) !== (SUBACCOUNT_WRITE | SUBACCOUNT_DELETE)) throw new Error("bad");
 * ```
 */
export function requiredAccess(request: StorageRequest): number {
  switch (request.method) {
    case "store":
      return isPublicOutbox(request.namespace) ? SUBACCOUNT_WRITE | SUBACCOUNT_DELETE : SUBACCOUNT_WRITE;
    case "retrieve":
    case "get_expiries":
      return SUBACCOUNT_READ;
    case "delete":
    case "delete_all":
    case "delete_before":
    case "expire_all":
      return SUBACCOUNT_DELETE;
    case "expire":
      return SUBACCOUNT_WRITE;
    default:
      return 0;
  }
}
