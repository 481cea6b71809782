/**
 * Key-pair identities (e2ee.md; swarms-and-storage.md): an Ed25519 seed gives the Ed25519 key
 * pair, the X25519 key pair (the Montgomery form of the same key) and the Session ID
 * `05 ‖ X25519 public key` as hex. No phone number, no e-mail.
 *
 * @module
 */

import { ED25519_KEY_BYTES, SESSION_ID_HEX_CHARS, SESSION_ID_PREFIX, X25519_KEY_BYTES } from "./constants.ts";
import { fromHex, isHex, toHex } from "./bytes.ts";
import { ProtocolError } from "./errors.ts";
import type { Rng } from "./rng.ts";
import type { CryptoProvider } from "./crypto/provider.ts";
import { defaultProvider } from "./crypto/default.ts";

/** All keys of one identity. Secrets are raw bytes: keep them out of logs. */
export interface Identity {
  /** The 32-byte Ed25519 seed everything derives from. */
  ed25519Seed: Uint8Array;
  /** Ed25519 public key (32 bytes). */
  ed25519Public: Uint8Array;
  /** X25519 secret: clamped first half of SHA-512(seed). */
  x25519Secret: Uint8Array;
  /** X25519 public key: the Montgomery form of the Ed25519 public key. */
  x25519Public: Uint8Array;
  /** `05` + hex X25519 public key (66 characters). */
  sessionId: string;
}

/** Options: provider. */
export interface IdentityOptions {
  /** Crypto provider; defaults to {@link defaultProvider}. */
  provider?: CryptoProvider;
}

/**
 * Derive an identity from an Ed25519 seed.
 *
 * @param seed 32-byte Ed25519 seed
 * @param options provider
 * @returns the keys and the Session ID
 * @throws {TypeError | RangeError} when the seed is not 32 bytes
 * @example
 * ```ts
 * import { identityFromSeed } from "./identity.ts";
 * import { fromHex } from "./bytes.ts";
 * const id = await identityFromSeed(fromHex("0123456789abcdef0123456789abcdef00000000000000000000000000000000"));
 * if (id.sessionId !== "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72") throw new Error("bad");
 * ```
 */
export async function identityFromSeed(seed: Uint8Array, options: IdentityOptions = {}): Promise<Identity> {
  if (!(seed instanceof Uint8Array)) throw new TypeError("Cannot derive identity: seed is not a Uint8Array");
  if (seed.length !== ED25519_KEY_BYTES) {
    throw new RangeError(`Cannot derive identity: seed is ${seed.length} bytes, expected ${ED25519_KEY_BYTES}`);
  }
  const provider = options.provider ?? await defaultProvider();
  const ed25519Public = await provider.ed25519PublicKey(seed);
  const x25519Public = await provider.ed25519PublicToX25519(ed25519Public);
  const x25519Secret = await provider.ed25519SeedToX25519Secret(seed);
  return {
    ed25519Seed: seed.slice(),
    ed25519Public,
    x25519Secret,
    x25519Public,
    sessionId: sessionIdFor(x25519Public),
  };
}

/**
 * A fresh identity from `rng` (or the provider's CSPRNG).
 *
 * @param options provider and rng
 * @returns a new identity
 * @example
 * ```ts
 * import { generateIdentity } from "./identity.ts";
 * const id = await generateIdentity();
 * if (!id.sessionId.startsWith("05") || id.sessionId.length !== 66) throw new Error("bad");
 * ```
 */
export async function generateIdentity(options: IdentityOptions & { rng?: Rng } = {}): Promise<Identity> {
  const provider = options.provider ?? await defaultProvider();
  const seed = options.rng
    ? options.rng.fill(new Uint8Array(ED25519_KEY_BYTES))
    : provider.randomBytes(ED25519_KEY_BYTES);
  return await identityFromSeed(seed, { provider });
}

/**
 * The Session ID of an X25519 public key: `05` + 64 hex digits.
 *
 * @param x25519Public 32-byte X25519 public key
 * @returns the Session ID
 * @throws {TypeError | RangeError} when the key is not 32 bytes
 * @example
 * ```ts
 * import { sessionIdFor } from "./identity.ts";
 * if (sessionIdFor(new Uint8Array(32)) !== "05" + "00".repeat(32)) throw new Error("bad");
 * ```
 */
export function sessionIdFor(x25519Public: Uint8Array): string {
  if (!(x25519Public instanceof Uint8Array)) throw new TypeError("Cannot make Session ID: key is not a Uint8Array");
  if (x25519Public.length !== X25519_KEY_BYTES) {
    throw new RangeError(`Cannot make Session ID: key is ${x25519Public.length} bytes, expected ${X25519_KEY_BYTES}`);
  }
  return SESSION_ID_PREFIX.toString(16).padStart(2, "0") + toHex(x25519Public);
}

/**
 * Parse and validate a Session ID.
 *
 * @param sessionId `05` followed by 64 hex digits (either case)
 * @returns the X25519 public key it names
 * @throws {ProtocolError} `KEY_INVALID` with the precise reason
 * @example
 * ```ts
 * import { parseSessionId } from "./identity.ts";
 * if (parseSessionId("05" + "ab".repeat(32)).length !== 32) throw new Error("bad");
 * ```
 */
export function parseSessionId(sessionId: string): Uint8Array {
  if (typeof sessionId !== "string") throw new ProtocolError("KEY_INVALID", "Cannot parse Session ID: not a string");
  if (sessionId.length !== SESSION_ID_HEX_CHARS) {
    throw new ProtocolError(
      "KEY_INVALID",
      `Cannot parse Session ID: ${sessionId.length} characters, expected ${SESSION_ID_HEX_CHARS}`,
    );
  }
  if (!isHex(sessionId, SESSION_ID_HEX_CHARS)) {
    throw new ProtocolError("KEY_INVALID", "Cannot parse Session ID: not hex");
  }
  const prefix = parseInt(sessionId.slice(0, 2), 16);
  if (prefix !== SESSION_ID_PREFIX) {
    throw new ProtocolError(
      "KEY_INVALID",
      `Cannot parse Session ID: prefix "${sessionId.slice(0, 2)}" is not "05" (an X25519 account)`,
    );
  }
  return fromHex(sessionId.slice(2));
}
