/**
 * A local identity's keys (client/README.md "Identity"): the Ed25519 seed everything derives from
 * (e2ee.md §1.1), the X3DH identity key pair — the Session ID's own X25519 key pair (§2.1) — the
 * signed prekey and the pool of one-time prekeys, and the bundle that publishes their public
 * halves.
 *
 * @module
 */

import { type CryptoProvider, type Identity, identityFromSeed, type Rng } from "../mod.ts";
import { type KeyPair, keyPairFromSecret } from "../protocol/e2ee/signal/keys.ts";
import {
  generateOneTimePreKeys,
  generateRegistrationId,
  generateSignedPreKey,
} from "../protocol/e2ee/signal/prekeys.ts";
import type { ResponderKeys } from "../protocol/e2ee/signal/session_cipher.ts";
import type { PublishedBundle } from "./bundle.ts";
import { MessengerError } from "./errors.ts";
import type { ClientState, IdentityRow } from "./state.ts";

/** Id of the first (and, for now, only) signed prekey. */
const FIRST_SIGNED_PREKEY_ID = 1;
/** Id of the first one-time prekey. */
const FIRST_PREKEY_ID = 1;
/** Bytes of an Ed25519 seed. */
const SEED_BYTES = 32;
/** What a local name may be: a letter or digit, then letters, digits, `-`, `_`, `.`; at most 32. */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

/**
 * Check a local identity name.
 *
 * @param name the name
 * @returns the name
 * @throws {MessengerError} `INVALID_INPUT` when it is not 1–32 letters, digits, `.`, `_`, `-`, or
 *   looks like a Session ID
 * @example
 * ```ts
 * import { checkName } from "./identity_keys.ts";
 * if (checkName("alice") !== "alice") throw new Error("bad");
 * ```
 */
export function checkName(name: string): string {
  if (!NAME_RE.test(name) || /^0[35][0-9a-f]{64}$/.test(name)) {
    throw new MessengerError(
      "INVALID_INPUT",
      `Cannot use name "${name}": use 1–32 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  return name;
}

/**
 * A new identity: a random Ed25519 seed, a registration id and a signed prekey.
 *
 * @param name local name
 * @param options `provider`, `rng`, `now` (ms)
 * @returns the row to store
 * @throws {MessengerError} `INVALID_INPUT` for a bad name
 * @example
 * ```ts
 * import { newIdentityRow } from "./identity_keys.ts";
 * import { nobleProvider as provider, systemRng as rng } from "../mod.ts";
 * const row = await newIdentityRow("alice", { provider, rng, now: 0 });
 * if (!row.sessionId.startsWith("05") || row.signedPreKeySignature.length !== 64) throw new Error("bad");
 * ```
 */
export async function newIdentityRow(
  name: string,
  options: { provider: CryptoProvider; rng: Rng; now: number },
): Promise<IdentityRow> {
  checkName(name);
  const seed = options.rng.fill(new Uint8Array(SEED_BYTES));
  const identity = await identityFromSeed(seed, { provider: options.provider });
  const x3dh = await keyPairFromSecret(identity.x25519Secret, { provider: options.provider });
  const spk = await generateSignedPreKey(x3dh, FIRST_SIGNED_PREKEY_ID, {
    rng: options.rng,
    provider: options.provider,
  });
  return {
    name,
    sessionId: identity.sessionId,
    seed,
    registrationId: generateRegistrationId({ rng: options.rng }),
    signedPreKeyId: spk.id,
    signedPreKeySecret: spk.keyPair.secretKey.bytes().slice(),
    signedPreKeySignature: spk.signature,
    nextPreKeyId: FIRST_PREKEY_ID,
    createdAt: options.now,
  };
}

/**
 * The derived keys of a stored identity.
 *
 * @param row the stored identity
 * @param provider crypto provider
 * @returns Ed25519 and X25519 keys and the Session ID
 * @example
 * ```ts
 * import { identityOf, newIdentityRow } from "./identity_keys.ts";
 * import { nobleProvider as provider, systemRng as rng } from "../mod.ts";
 * const row = await newIdentityRow("bob", { provider, rng, now: 0 });
 * if ((await identityOf(row, provider)).sessionId !== row.sessionId) throw new Error("bad");
 * ```
 */
export async function identityOf(row: IdentityRow, provider: CryptoProvider): Promise<Identity> {
  return await identityFromSeed(row.seed, { provider });
}

/**
 * The X3DH identity key pair: the Session ID's X25519 key pair (e2ee.md §2.1).
 *
 * @param identity the identity
 * @param provider crypto provider
 * @returns a fresh key pair object (callers may wipe it)
 * @example
 * ```ts
 * import { x3dhIdentity } from "./identity_keys.ts";
 * import { generateIdentity, nobleProvider as provider, toHex } from "../mod.ts";
 * const id = await generateIdentity({ provider });
 * if ("05" + toHex((await x3dhIdentity(id, provider)).publicKey) !== id.sessionId) throw new Error("bad");
 * ```
 */
export async function x3dhIdentity(identity: Identity, provider: CryptoProvider): Promise<KeyPair> {
  return await keyPairFromSecret(identity.x25519Secret, { provider });
}

/**
 * Generate one-time prekeys until the identity holds `target` of them; their secrets go into the
 * state (in one transaction with the next id).
 *
 * @param state the client state
 * @param row the identity
 * @param options `target` count, `rng`, `provider`
 * @returns how many were added
 * @example
 * ```ts
 * import { ClientState } from "./state.ts";
 * import { newIdentityRow, topUpPreKeys } from "./identity_keys.ts";
 * import { nobleProvider as provider, systemRng as rng } from "../mod.ts";
 * const state = ClientState.open(":memory:");
 * const row = await newIdentityRow("alice", { provider, rng, now: 0 });
 * state.addIdentity(row);
 * if (await topUpPreKeys(state, row, { target: 3, rng, provider }) !== 3) throw new Error("bad");
 * if (await topUpPreKeys(state, state.identity("alice")!, { target: 3, rng, provider }) !== 0) throw new Error("bad");
 * state.close();
 * ```
 */
export async function topUpPreKeys(
  state: ClientState,
  row: IdentityRow,
  options: { target: number; rng: Rng; provider: CryptoProvider },
): Promise<number> {
  const held = state.preKeys(row.sessionId).size;
  const count = Math.max(0, options.target - held);
  if (count === 0) return 0;
  const start = state.identity(row.sessionId)!.nextPreKeyId;
  const keys = await generateOneTimePreKeys(start, count, { rng: options.rng, provider: options.provider });
  state.transaction(() => {
    state.addPreKeys(row.sessionId, keys.map((k) => ({ id: k.id, secret: k.keyPair.secretKey.bytes().slice() })));
    state.updateBundleState(row.sessionId, { nextPreKeyId: start + count });
  });
  for (const k of keys) k.keyPair.secretKey.wipe();
  return count;
}

/**
 * The bundle to publish: the signed prekey and every one-time prekey held.
 *
 * @param state the client state
 * @param identity the identity's derived keys
 * @param options `provider`, `now` (ms)
 * @returns the bundle
 * @example
 * ```ts
 * import { ClientState } from "./state.ts";
 * import { identityOf, newIdentityRow, publishedBundle, topUpPreKeys } from "./identity_keys.ts";
 * import { nobleProvider as provider, systemRng as rng } from "../mod.ts";
 * const state = ClientState.open(":memory:");
 * const row = await newIdentityRow("alice", { provider, rng, now: 0 });
 * state.addIdentity(row);
 * await topUpPreKeys(state, row, { target: 2, rng, provider });
 * const b = await publishedBundle(state, await identityOf(row, provider), { provider, now: 5 });
 * if (b.oneTimePreKeys.length !== 2 || b.timestamp !== 5) throw new Error("bad");
 * state.close();
 * ```
 */
export async function publishedBundle(
  state: ClientState,
  identity: Identity,
  options: { provider: CryptoProvider; now: number },
): Promise<PublishedBundle> {
  const row = state.identity(identity.sessionId)!;
  const oneTimePreKeys = [];
  for (const [id, secret] of state.preKeys(identity.sessionId)) {
    oneTimePreKeys.push({ id, publicKey: await options.provider.x25519PublicKey(secret) });
  }
  return {
    sessionId: identity.sessionId,
    ed25519Public: identity.ed25519Public,
    registrationId: row.registrationId,
    signedPreKeyId: row.signedPreKeyId,
    signedPreKey: await options.provider.x25519PublicKey(row.signedPreKeySecret),
    signedPreKeySignature: row.signedPreKeySignature,
    oneTimePreKeys,
    timestamp: options.now,
  };
}

/**
 * The responder's keys for one PreKeySignalMessage: the identity, the signed prekey, and the
 * one-time prekey it names if the state still holds it: unused, or used at or after `usedSince`
 * (the grace period of e2ee.md §2.4; absent → `PREKEY_NOT_FOUND`).
 *
 * @param state the client state
 * @param identity the identity's derived keys
 * @param options the `preKeyId` the message names, `usedSince` (ms), `provider`
 * @returns keys for `decryptPreKeySignalMessage`
 * @example
 * ```ts
 * import { ClientState } from "./state.ts";
 * import { identityOf, newIdentityRow, responderKeys } from "./identity_keys.ts";
 * import { nobleProvider as provider, systemRng as rng } from "../mod.ts";
 * const state = ClientState.open(":memory:");
 * const row = await newIdentityRow("alice", { provider, rng, now: 0 });
 * state.addIdentity(row);
 * const keys = await responderKeys(state, await identityOf(row, provider), { preKeyId: 9, usedSince: 0, provider });
 * if (keys.oneTimePreKeys.size !== 0 || keys.signedPreKeys.size !== 1) throw new Error("bad");
 * state.close();
 * ```
 */
export async function responderKeys(
  state: ClientState,
  identity: Identity,
  options: { preKeyId?: number; usedSince: number; provider: CryptoProvider },
): Promise<ResponderKeys> {
  const row = state.identity(identity.sessionId)!;
  const oneTimePreKeys = new Map<number, KeyPair>();
  if (options.preKeyId !== undefined) {
    const secret = state.preKeyForResponder(identity.sessionId, options.preKeyId, options.usedSince);
    if (secret !== undefined) {
      oneTimePreKeys.set(options.preKeyId, await keyPairFromSecret(secret, { provider: options.provider }));
    }
  }
  return {
    identityKeyPair: await x3dhIdentity(identity, options.provider),
    registrationId: row.registrationId,
    signedPreKeys: new Map([[
      row.signedPreKeyId,
      await keyPairFromSecret(row.signedPreKeySecret, { provider: options.provider }),
    ]]),
    oneTimePreKeys,
  };
}
