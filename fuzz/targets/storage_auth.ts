/**
 * Fuzz target: storage-RPC admission → `authenticate` (swarms-and-storage.md §6, §7) on requests
 * parsed by `parseRequestBytes`, at a time, forwarded flag and network version taken from the
 * input's header line (`<method> [now=<ms>] [fwd] [hf=<a>.<b>]`, `_storage.ts`). Requests are
 * signed with fixed keys (group, Session ID with `pubkey_ed25519`, subaccount tokens, a revoked
 * token, a small-order key with the identity signature) around every time window.
 *
 * Expected refusal: `StorageRpcError` — the parser's 400s (as `storage_params`) or an admission
 * refusal whose status matches its code (`SIGNATURE_REQUIRED` / `SIGNATURE_INVALID` 401,
 * `TIMESTAMP_INVALID` 401 or 406, `FORBIDDEN` 403, `NOT_PERMITTED` 400). Anything else escaping
 * is a finding. Oracles:
 *
 * - every crypto provider that loads gives the same answer (a signature one node accepts and
 *   another refuses splits the swarm);
 * - an admitted request whose signature was checked is refused once one bit of the signature flips;
 * - expire's admission has one applied expiry per requested one, each capped at now + 30 days.
 *
 * @module
 */

import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import {
  type Admission,
  authenticate,
  type CryptoProvider,
  isNoauthRetrieve,
  isPublicInbox,
  isStorageRpcError,
  parseRequestBytes,
  providerByName,
  type ProviderName,
  StorageRpcError,
  type SubRequest,
} from "../../mod.ts";
import { currentProvider, type FuzzTarget, invariant, InvariantError, type OpenFinding } from "../_harness.ts";
import { mutatedArb } from "../_mutate.ts";
import { isRevokedToken, readStorageInput, STORAGE_TOKENS, storageInputArb, validExamples } from "../_storage.ts";
import { isRefusal as isParseRefusal } from "./storage_params.ts";

const DAY = 86_400_000;

/** Every provider that loads here, for the differential oracle. */
const PROVIDERS: CryptoProvider[] = [];
for (const name of ["noble", "sodium", "webcrypto"] as ProviderName[]) {
  try {
    PROVIDERS.push(await providerByName(name));
  } catch {
    // not available in this runtime
  }
}

const STATUS_OF: Readonly<Record<string, readonly number[]>> = {
  SIGNATURE_REQUIRED: [401],
  SIGNATURE_INVALID: [401],
  TIMESTAMP_INVALID: [401, 406],
  FORBIDDEN: [403],
  NOT_PERMITTED: [400],
};

/** Fixed admission bodies (the method name and namespace are the only variable parts). */
const BODY_RE =
  /^(?:[a-z_]+ timestamp too far from current time|[a-z_]+ signature verification failed|expire: signature verification failed|retrieve: request signature required|store: signature required to store to namespace -?\d+|Provided expiry\/TTL is not valid\.|Timestamp error: check your clock|store signature timestamp too far from current time|delete_before timestamp too far in the future|expire_all timestamp should be >= current time|expire: timestamp should be >= current time|expire: multi-expiry requests are not yet active on the network|expire: shorten parameter cannot be used with this subaccount token \(missing delete access\))$/;

/**
 * Whether `err` is an expected refusal: a parse refusal or an admission refusal.
 *
 * @param err anything thrown
 * @returns true for a StorageRpcError of the documented shapes
 */
export function isRefusal(err: unknown): boolean {
  if (isParseRefusal(err)) return true;
  return err instanceof StorageRpcError && (STATUS_OF[err.code]?.includes(err.status) ?? false) &&
    BODY_RE.test(err.body);
}

type Outcome = { ok: true; admission: Admission } | { ok: false; status: number; body: string };

/** The last refusal {@link admit} saw (thrown at the end so the harness counts the input as refused). */
let lastRefusal: StorageRpcError | undefined;

async function admit(
  r: SubRequest,
  o: { now: number; forwarded: boolean; hf: readonly number[] },
  provider: CryptoProvider,
): Promise<Outcome> {
  try {
    return {
      ok: true,
      admission: await authenticate(r, { ...o, provider, isRevoked: isRevokedToken }),
    };
  } catch (err) {
    if (!isStorageRpcError(err)) throw err;
    invariant(isRefusal(err), `admission refusal outside the documented set: ${err.status} ${err.code} ${err.body}`);
    lastRefusal = err;
    return { ok: false, status: err.status, body: err.body };
  }
}

/** Whether admitting `r` verified its signature. */
function signatureChecked(r: SubRequest): boolean {
  switch (r.method) {
    case "info":
    case "get_swarm":
      return false;
    case "store":
      return !isPublicInbox(r.namespace);
    case "retrieve":
      return r.checkSignature || !isNoauthRetrieve(r.namespace);
    default:
      return true;
  }
}

/**
 * Parse and admit `input`; check the oracles.
 *
 * @param input any bytes (format in `_storage.ts`)
 */
export async function fuzz(input: Uint8Array): Promise<void> {
  const inp = readStorageInput(input);
  const { request } = parseRequestBytes(inp.method, inp.params);
  const subs: readonly SubRequest[] = "requests" in request ? request.requests : [request];
  const o = { now: inp.now, forwarded: inp.forwarded, hf: inp.hf };
  let refused: StorageRpcError | undefined;
  for (const r of subs) {
    const main = await admit(r, o, currentProvider());
    const mainRefusal = lastRefusal;
    for (const p of PROVIDERS) {
      if (p === currentProvider()) continue;
      const other = await admit(r, o, p);
      if (!isDeepStrictEqual(other, main)) {
        throw new InvariantError(
          `providers disagree on ${r.method}: ${currentProvider().name} ${main.ok ? "admits" : main.body}, ${p.name} ${
            other.ok ? "admits" : other.body
          }`,
        );
      }
    }
    if (!main.ok) {
      refused ??= mainRefusal;
      continue;
    }
    if (r.method === "expire") {
      const applied = main.admission.expiry ?? [];
      invariant(applied.length === r.expiry.length, "expire: applied expiries do not match the request");
      applied.forEach((e, i) =>
        invariant(e === Math.min(o.now + 30 * DAY, r.expiry[i]), `expire: applied expiry ${i} is ${e}`)
      );
      invariant(typeof main.admission.extendOnly === "boolean", "expire: extendOnly");
    }
    if (signatureChecked(r) && "signature" in r && r.signature !== undefined) {
      const signature = r.signature.slice();
      signature[signature.length - 1] ^= 0x10;
      const flipped = await admit({ ...r, signature } as SubRequest, o, currentProvider());
      invariant(!flipped.ok, `${r.method} is admitted with a flipped signature bit`);
    }
  }
  // Tally the input as refused (the harness counts these StorageRpcErrors as rejections).
  if (refused !== undefined) throw refused;
}

const VALID = validExamples().map((e) => e.input);

/** Structured inputs for {@link fuzz}. */
export const structured: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: storageInputArb(true), weight: 8 },
  { arbitrary: mutatedArb(VALID, STORAGE_TOKENS), weight: 2 },
);

/** Reported, not fixed yet (fuzz/README.md "Open findings"). */
const OPEN: readonly OpenFinding[] = []; // every finding so far is fixed; its reproducer stays in the corpus

/** The `storage_auth` target. */
export const target: FuzzTarget = {
  name: "storage_auth",
  open: OPEN,
  fuzz,
  structured,
  isRefusal,
  tokens: STORAGE_TOKENS,
};
