/**
 * Admission of a parsed storage request at a given time (swarms-and-storage.md §6, §7): which key
 * verifies (§6.2, including the `05` + `pubkey_ed25519` conversion and subaccount tokens), which
 * subaccount flags each method needs, the timestamp windows of §6.3 and the other pre-apply
 * checks (store TTL, expire's cap and multi-expiry gate), in the reference's order and with its
 * exact status codes and body texts (`oxenss/rpc/request_handler.cpp`, `process_client_req`).
 *
 * Swarm ownership (421) is checked by the caller before this; nothing here does I/O or reads a
 * clock: `now` is an argument and the revocation lookup is a callback.
 *
 * @module
 */

import { concat, utf8 } from "../bytes.ts";
import type { CryptoProvider } from "../crypto/provider.ts";
import { isNoauthRetrieve, isPublicInbox, isUnrevocable } from "./namespace.ts";
import { requestSigningBytes } from "./signatures.ts";
import {
  requiredAccess,
  type RevocationCheck,
  type SignedCredentials,
  SUBACCOUNT_DELETE,
  SUBACCOUNT_FLAGS_INDEX,
  type VerifyRequestOptions,
  verifyRequestSignature,
} from "./auth_signature.ts";
import {
  STATUS_BAD_REQUEST,
  STATUS_FORBIDDEN,
  STATUS_NOT_ACCEPTABLE,
  STATUS_UNAUTHORIZED,
  StorageRpcError,
} from "./rpc_error.ts";
import type { ExpireRequest, StorageRequest, StoreRequest } from "./params_types.ts";

export {
  requiredAccess,
  type RevocationCheck,
  type SignedCredentials,
  SUBACCOUNT_ANY_PREFIX,
  SUBACCOUNT_DELETE,
  SUBACCOUNT_READ,
  SUBACCOUNT_WRITE,
  type VerifyRequestOptions,
  verifyRequestSignature,
} from "./auth_signature.ts";

const SECOND = 1000;
const DAY = 86_400 * SECOND;

/** Time windows and bounds of the admission checks (swarms-and-storage.md §6.3, §7, §10). */
export interface AuthLimits {
  /** Signature timestamp tolerance, ±ms (§6.3: 60 s). */
  signatureToleranceMs: number;
  /** Tolerance of forwarded delete_all / expire_all, ms (§6.3: 70 s). */
  forwardedToleranceMs: number;
  /** store: `timestamp ≤ now + x` and `expiry ≥ now − x` (§7.1: 10 s). */
  storeToleranceMs: number;
  /** Shortest TTL (§7.1: 10 s). */
  ttlMinMs: number;
  /** Longest TTL in public-inbox namespaces (§7.1: 14 days). */
  ttlMaxPublicMs: number;
  /** Longest TTL elsewhere, and expire's cap (§7.1, §7.9: 30 days). */
  ttlMaxPrivateMs: number;
  /** delete_before: `before ≤ now + x` (§6.3: 60 s). */
  deleteBeforeFutureMs: number;
  /** expire: each expiry `≥ now − x` (§6.3: 60 s). */
  expirePastMs: number;
  /** Network version from which expire accepts one expiry per message (§7.9: 19.4). */
  multiExpiryHf: readonly [number, number];
}

/** The defaults: the spec's values. */
export const DEFAULT_AUTH_LIMITS: Readonly<AuthLimits> = Object.freeze({
  signatureToleranceMs: 60 * SECOND,
  forwardedToleranceMs: 70 * SECOND,
  storeToleranceMs: 10 * SECOND,
  ttlMinMs: 10 * SECOND,
  ttlMaxPublicMs: 14 * DAY,
  ttlMaxPrivateMs: 30 * DAY,
  deleteBeforeFutureMs: 60 * SECOND,
  expirePastMs: 60 * SECOND,
  multiExpiryHf: Object.freeze([19, 4]) as readonly [number, number],
});

/** Options of {@link authenticate}. */
export interface AuthenticateOptions {
  /** Current time, ms since the epoch. */
  now: number;
  /** The request arrived over `sn.storage_cc` from another swarm member (wider windows, §6.3). */
  forwarded?: boolean;
  /** Crypto provider; defaults to `defaultProvider()`. */
  provider?: CryptoProvider;
  /** Revocation lookup. */
  isRevoked?: RevocationCheck;
  /** Current network version `[major, minor]`; default `[0, 0]`. */
  hf?: readonly number[];
  /** Overrides of {@link DEFAULT_AUTH_LIMITS}. */
  limits?: Partial<AuthLimits>;
}

/** What the checks derived for applying the request. */
export interface Admission {
  /** expire: the expiries to apply (each capped at now + 30 days), aligned with `request.expiry`. */
  readonly expiry?: readonly number[];
  /** expire: only raise expiries (`extend`, or a subaccount without Delete). */
  readonly extendOnly?: boolean;
}

/**
 * Run a request's admission checks in the reference's order (after the swarm check): TTL and
 * clock checks, the signature timestamp window, then the signature (§6, §7).
 *
 * @param request a parsed request
 * @param options time, provider, revocation lookup, network version, limits
 * @returns values the checks derived (for expire)
 * @throws {StorageRpcError} 401 / 403 / 406 / 400 with the reference's body text
 * @example A retrieve with a stale timestamp is answered 406
 * ```ts
 * import { authenticate } from "./auth.ts";
 * import { parseRequest } from "./params.ts";
 * const r = parseRequest("retrieve", { pubkey: "03" + "00".repeat(32), timestamp: 1700000000000, signature: "A".repeat(86) });
 * let status = 0;
 * try { await authenticate(r, { now: 1700000061000 }); } catch (e) { status = (e as { status: number }).status; }
 * if (status !== 406) throw new Error(String(status));
 * ```
 */
export async function authenticate(request: StorageRequest, options: AuthenticateOptions): Promise<Admission> {
  const lim: AuthLimits = { ...DEFAULT_AUTH_LIMITS, ...options.limits };
  const now = options.now;
  const r = request;
  const verify = async (message: () => Uint8Array, failure: string, extra: VerifyRequestOptions = {}) => {
    const creds = r as unknown as SignedCredentials;
    let bytes: Uint8Array | undefined;
    try {
      bytes = message();
    } catch {
      bytes = undefined; // unsignable fields (e.g. non-base64 "hashes"): cannot verify
    }
    const ok = bytes !== undefined && await verifyRequestSignature(creds, bytes, {
      provider: options.provider,
      requiredAccess: requiredAccess(r),
      isRevoked: options.isRevoked,
      ...extra,
    });
    if (!ok) throw new StorageRpcError("SIGNATURE_INVALID", STATUS_UNAUTHORIZED, failure);
  };
  const window = (ts: number, tolerance: number, text: string) => {
    if (ts < now - tolerance || ts > now + tolerance) throw clockError(text);
  };
  switch (r.method) {
    case "store":
      await admitStore(r, now, lim, verify);
      return {};
    case "retrieve":
      if (!isNoauthRetrieve(r.namespace) && !r.checkSignature) {
        throw new StorageRpcError("SIGNATURE_REQUIRED", STATUS_UNAUTHORIZED, "retrieve: request signature required");
      }
      if (r.checkSignature) {
        const ts = r.timestamp as number;
        window(ts, lim.signatureToleranceMs, "retrieve timestamp too far from current time");
        await verify(
          () => requestSigningBytes({ method: "retrieve", namespace: r.namespace, timestamp: ts }),
          "retrieve signature verification failed",
          { skipRevokeCheck: isUnrevocable(r.namespace) },
        );
      }
      return {};
    case "delete":
      await verify(
        () => requestSigningBytes({ method: "delete", messages: r.messages }),
        "delete_msgs signature verification failed",
      );
      return {};
    case "delete_all":
      window(
        r.timestamp,
        options.forwarded ? lim.forwardedToleranceMs : lim.signatureToleranceMs,
        "delete_all timestamp too far from current time",
      );
      await verify(
        () => requestSigningBytes({ method: "delete_all", namespace: r.namespace, timestamp: r.timestamp }),
        "delete_all signature verification failed",
      );
      return {};
    case "delete_before":
      if (r.before > now + lim.deleteBeforeFutureMs) {
        throw new StorageRpcError(
          "TIMESTAMP_INVALID",
          STATUS_UNAUTHORIZED,
          "delete_before timestamp too far in the future",
        );
      }
      await verify(
        () => requestSigningBytes({ method: "delete_before", namespace: r.namespace, before: r.before }),
        "delete_before signature verification failed",
      );
      return {};
    case "expire_all":
      if (r.expiry < now - (options.forwarded ? lim.forwardedToleranceMs : lim.signatureToleranceMs)) {
        throw clockError("expire_all timestamp should be >= current time");
      }
      await verify(
        () => requestSigningBytes({ method: "expire_all", namespace: r.namespace, expiry: r.expiry }),
        "expire_all signature verification failed",
      );
      return {};
    case "expire":
      return await admitExpire(r, now, lim, options.hf ?? [0, 0], verify);
    case "get_expiries":
      window(r.timestamp, lim.signatureToleranceMs, "get_expiries timestamp too far from current time");
      await verify(
        () => requestSigningBytes({ method: "get_expiries", timestamp: r.timestamp, messages: r.messages }),
        "get_expiries signature verification failed",
      );
      return {};
    case "revoke_subaccount":
    case "unrevoke_subaccount":
      window(r.timestamp, lim.signatureToleranceMs, `${r.method} timestamp too far from current time`);
      // No subaccount may authorise these; an empty token list signs as just method ‖ timestamp.
      await verify(
        () => concat(utf8(`${r.method}${r.timestamp}`), ...r.tokens),
        `${r.method} signature verification failed`,
      );
      return {};
    default:
      return {};
  }
}

/** A 406 with the reference's text (the gateway adds the node time, hardening.md §3). */
function clockError(text: string): StorageRpcError {
  return new StorageRpcError("TIMESTAMP_INVALID", STATUS_NOT_ACCEPTABLE, text);
}

type Verifier = (message: () => Uint8Array, failure: string, extra?: VerifyRequestOptions) => Promise<void>;

/** §7.1 checks: TTL (403), clock (406), then for non-public-inbox namespaces the signature. */
async function admitStore(r: StoreRequest, now: number, lim: AuthLimits, verify: Verifier): Promise<void> {
  const publicInbox = isPublicInbox(r.namespace);
  const ttl = r.expiry - r.timestamp;
  const maxTtl = publicInbox ? lim.ttlMaxPublicMs : lim.ttlMaxPrivateMs;
  if (ttl < lim.ttlMinMs || ttl > maxTtl) {
    throw new StorageRpcError("FORBIDDEN", STATUS_FORBIDDEN, "Provided expiry/TTL is not valid.");
  }
  if (r.timestamp > now + lim.storeToleranceMs || r.expiry < now - lim.storeToleranceMs) {
    throw clockError("Timestamp error: check your clock");
  }
  if (publicInbox) return; // a signature given here is parsed but not checked (§7.1)
  if (!r.signature || r.sigTimestamp === undefined) {
    throw new StorageRpcError(
      "SIGNATURE_REQUIRED",
      STATUS_UNAUTHORIZED,
      `store: signature required to store to namespace ${r.namespace}`,
    );
  }
  const sigTs = r.sigTimestamp;
  if (sigTs < now - lim.signatureToleranceMs || sigTs > now + lim.signatureToleranceMs) {
    throw clockError("store signature timestamp too far from current time");
  }
  await verify(
    () => requestSigningBytes({ method: "store", namespace: r.namespace, sigTimestamp: sigTs }),
    "store signature verification failed",
  );
}

/** §7.9 checks: each expiry ≥ now − 60 s (401), capped; multi-expiry gate (403); signature; subaccount mode. */
async function admitExpire(
  r: ExpireRequest,
  now: number,
  lim: AuthLimits,
  hf: readonly number[],
  verify: Verifier,
): Promise<Admission> {
  const applied: number[] = [];
  for (const e of r.expiry) {
    if (e < now - lim.expirePastMs) {
      throw new StorageRpcError(
        "TIMESTAMP_INVALID",
        STATUS_UNAUTHORIZED,
        "expire: timestamp should be >= current time",
      );
    }
    applied.push(Math.min(now + lim.ttlMaxPrivateMs, e));
  }
  const [major, minor] = lim.multiExpiryHf;
  const hfAtLeast = (hf[0] ?? 0) > major || ((hf[0] ?? 0) === major && (hf[1] ?? 0) >= minor);
  if (r.expiry.length > 1 && !hfAtLeast) {
    throw new StorageRpcError(
      "FORBIDDEN",
      STATUS_FORBIDDEN,
      "expire: multi-expiry requests are not yet active on the network",
    );
  }
  const mode = r.shorten ? "shorten" : r.extend ? "extend" : undefined;
  await verify(
    () =>
      requestSigningBytes({
        method: "expire",
        ...(mode && { mode }),
        expiry: r.expiry.length === 1 ? r.expiry[0] : r.expiry,
        messages: r.messages,
      }),
    "expire: signature verification failed",
  );
  let extendOnly = r.extend;
  if (r.subaccount && (r.subaccount.token[SUBACCOUNT_FLAGS_INDEX] & SUBACCOUNT_DELETE) === 0) {
    if (r.shorten) {
      throw new StorageRpcError(
        "NOT_PERMITTED",
        STATUS_BAD_REQUEST,
        "expire: shorten parameter cannot be used with this subaccount token (missing delete access)",
      );
    }
    extendOnly = true;
  }
  return { expiry: applied, extendOnly };
}
