/**
 * The version-check key (e2ee.md §1.1 prefix `07`, §5.5; libsession `blind_version_key_pair`,
 * `blind_version_sign_request`): an Ed25519 key derived from the account seed with a keyed
 * BLAKE2b, so that version checks cannot be linked to the Session ID.
 *
 * @module
 */

import { concat, utf8, wipe } from "../../bytes.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import { defaultProvider } from "../../crypto/default.ts";
import { VERSION_CHECK_HASH_KEY } from "./constants.ts";
import { type Ed25519KeyPair, ed25519KeyPair, type Ed25519Secret } from "./keys.ts";

/** BLAKE2b-256 output: the derived seed. */
const HASH_BYTES = 32;

/** Options of {@link versionKeyPair}. */
export interface VersionKeyOptions {
  /** Crypto provider; defaults to the fastest available. */
  provider?: CryptoProvider;
}

/** Options of {@link versionSignRequest}. */
export interface VersionSignOptions extends VersionKeyOptions {
  /** Request time in seconds, written in decimal. */
  timestamp: number;
  /** HTTP method, e.g. `"GET"`. */
  method: string;
  /** Request path, e.g. `"/session_version?platform=desktop"`. */
  path: string;
  /** Request body, when there is one. */
  body?: Uint8Array;
}

/**
 * The version-check key (e2ee.md §5.5; libsession `blind_version_key_pair`): the Ed25519 key
 * pair of `seed' = BLAKE2b-256(key = "VersionCheckKey_sig")(seed)`, used as a `07…` ID.
 *
 * @param secret Ed25519 secret (32-byte seed or 64-byte `seed ‖ public`)
 * @param options `provider`
 * @returns the derived seed and public key (wipe `seed` after use)
 * @throws {TypeError | RangeError} for a secret of the wrong length
 * @example
 * ```ts
 * import { versionKeyPair } from "./version_key.ts";
 * const kp = await versionKeyPair(new Uint8Array(32).fill(1));
 * if (kp.publicKey.length !== 32) throw new Error("bad");
 * ```
 */
export async function versionKeyPair(secret: Ed25519Secret, options: VersionKeyOptions = {}): Promise<Ed25519KeyPair> {
  const provider = options.provider ?? await defaultProvider();
  const own = await ed25519KeyPair(secret, provider, "derive version-check key");
  try {
    const seed = await provider.blake2b(own.seed, HASH_BYTES, utf8(VERSION_CHECK_HASH_KEY));
    return { seed, publicKey: await provider.ed25519PublicKey(seed) };
  } finally {
    wipe(own.seed);
  }
}

/**
 * Sign a version-check request with the version-check key (e2ee.md §5.5; libsession
 * `blind_version_sign_request`): plain Ed25519 over `timestamp ‖ method ‖ path [‖ body]`, the
 * timestamp in decimal.
 *
 * @param secret Ed25519 secret (32-byte seed or 64-byte `seed ‖ public`)
 * @param options `timestamp`, `method`, `path`, `body`, `provider`
 * @returns the 64-byte signature
 * @throws {TypeError | RangeError} for arguments of the wrong type or range
 * @example It verifies under the version-check key
 * ```ts
 * import { versionKeyPair, versionSignRequest } from "./version_key.ts";
 * import { ed25519 } from "@noble/curves/ed25519.js";
 * const seed = new Uint8Array(32).fill(1);
 * const sig = await versionSignRequest(seed, { timestamp: 1, method: "GET", path: "/x" });
 * if (!ed25519.verify(sig, new TextEncoder().encode("1GET/x"), (await versionKeyPair(seed)).publicKey)) throw new Error("bad");
 * ```
 */
export async function versionSignRequest(secret: Ed25519Secret, options: VersionSignOptions): Promise<Uint8Array> {
  const action = "sign version request";
  if (!Number.isSafeInteger(options.timestamp) || options.timestamp < 0) {
    throw new RangeError(`Cannot ${action}: timestamp ${options.timestamp} is not a non-negative integer`);
  }
  if (typeof options.method !== "string" || typeof options.path !== "string") {
    throw new TypeError(`Cannot ${action}: method and path must be strings`);
  }
  if (options.body !== undefined && !(options.body instanceof Uint8Array)) {
    throw new TypeError(`Cannot ${action}: body is not a Uint8Array`);
  }
  const provider = options.provider ?? await defaultProvider();
  const key = await versionKeyPair(secret, { provider });
  const signed = concat(utf8(`${options.timestamp}${options.method}${options.path}`), options.body ?? new Uint8Array());
  try {
    return await provider.ed25519Sign(key.seed, signed);
  } finally {
    wipe(key.seed);
  }
}
