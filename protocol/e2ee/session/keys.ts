/**
 * Key inputs of the Session message layer (e2ee.md §1.1): an Ed25519 secret given either as the
 * 32-byte seed or as libsodium's 64-byte `seed ‖ public key`, and prefixed hex IDs
 * (`05…` Session IDs, `03…` groups, `15…`/`25…` blinded IDs).
 *
 * @module
 */

import { ED25519_KEY_BYTES, X25519_KEY_BYTES } from "../../constants.ts";
import { ctEqual, fromHex, isHex, toHex } from "../../bytes.ts";
import { ProtocolError } from "../../errors.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import { ED25519_SODIUM_SECRET_BYTES, PREFIX_SESSION_ID, PREFIXED_ID_HEX_CHARS } from "./constants.ts";

/** An Ed25519 secret: the 32-byte seed, or libsodium's 64-byte `seed ‖ public key`. */
export type Ed25519Secret = Uint8Array;

/** A resolved Ed25519 key pair; `seed` is secret. */
export interface Ed25519KeyPair {
  /** 32-byte seed (a copy: the caller may wipe it). */
  seed: Uint8Array;
  /** 32-byte public key. */
  publicKey: Uint8Array;
}

/**
 * Resolve an Ed25519 secret (32-byte seed or 64-byte `seed ‖ public`) into seed and public key.
 * The public half of a 64-byte secret must match its seed.
 *
 * @param secret the secret
 * @param provider crypto provider
 * @param action what the caller was doing, for error messages (optional)
 * @returns the key pair
 * @throws {TypeError | RangeError} when the secret is not 32 or 64 bytes
 * @throws {ProtocolError} `KEY_INVALID` when the public half does not belong to the seed
 * @example
 * ```ts
 * import { ed25519KeyPair } from "./keys.ts";
 * import { nobleProvider } from "../../crypto/noble.ts";
 * const kp = await ed25519KeyPair(new Uint8Array(32).fill(1), nobleProvider, "sign");
 * if (kp.publicKey.length !== 32) throw new Error("bad");
 * ```
 */
export async function ed25519KeyPair(
  secret: Ed25519Secret,
  provider: CryptoProvider,
  action = "use Ed25519 secret",
): Promise<Ed25519KeyPair> {
  if (!(secret instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: Ed25519 secret is not a Uint8Array`);
  if (secret.length !== ED25519_KEY_BYTES && secret.length !== ED25519_SODIUM_SECRET_BYTES) {
    throw new RangeError(
      `Cannot ${action}: Ed25519 secret is ${secret.length} bytes, expected ${ED25519_KEY_BYTES} or ${ED25519_SODIUM_SECRET_BYTES}`,
    );
  }
  const seed = secret.slice(0, ED25519_KEY_BYTES);
  const publicKey = await provider.ed25519PublicKey(seed);
  if (secret.length === ED25519_SODIUM_SECRET_BYTES && !ctEqual(publicKey, secret.subarray(ED25519_KEY_BYTES))) {
    throw new ProtocolError(
      "KEY_INVALID",
      `Cannot ${action}: the public half of the Ed25519 secret does not match its seed`,
    );
  }
  return { seed, publicKey };
}

/**
 * Parse a 66-character hex ID with one of the allowed prefixes (e2ee.md §1.1).
 *
 * @param id the ID, e.g. `05…`, `15…`, `25…`, `03…` (either case)
 * @param prefixes allowed prefix bytes
 * @param action what the caller was doing, for error messages (optional)
 * @returns the prefix and the 32-byte key
 * @throws {ProtocolError} `KEY_INVALID` when the ID is not 66 hex digits or has another prefix
 * @example
 * ```ts
 * import { parsePrefixedId } from "./keys.ts";
 * const { prefix, key } = parsePrefixedId("15" + "ab".repeat(32), [0x15, 0x25], "parse");
 * if (prefix !== 0x15 || key.length !== 32) throw new Error("bad");
 * ```
 */
export function parsePrefixedId(
  id: string,
  prefixes: readonly number[],
  action = "parse ID",
): { prefix: number; key: Uint8Array } {
  if (typeof id !== "string") throw new ProtocolError("KEY_INVALID", `Cannot ${action}: ID is not a string`);
  if (!isHex(id, PREFIXED_ID_HEX_CHARS)) {
    throw new ProtocolError("KEY_INVALID", `Cannot ${action}: ID is not ${PREFIXED_ID_HEX_CHARS} hex digits`);
  }
  const bytes = fromHex(id);
  if (!prefixes.includes(bytes[0])) {
    const allowed = prefixes.map((p) => `"${p.toString(16).padStart(2, "0")}"`).join(" or ");
    throw new ProtocolError("KEY_INVALID", `Cannot ${action}: prefix "${id.slice(0, 2)}" is not ${allowed}`);
  }
  return { prefix: bytes[0], key: bytes.subarray(1) };
}

/**
 * A prefixed hex ID: prefix byte ‖ 32-byte key, lower-case.
 *
 * @param prefix the prefix byte
 * @param key the 32-byte key
 * @returns 66 hex characters
 * @example
 * ```ts
 * import { prefixedId } from "./keys.ts";
 * if (prefixedId(0x05, new Uint8Array(32)) !== "05" + "00".repeat(32)) throw new Error("bad");
 * ```
 */
export function prefixedId(prefix: number, key: Uint8Array): string {
  return prefix.toString(16).padStart(2, "0") + toHex(key);
}

/**
 * The Session ID of an Ed25519 public key: `05 ‖ toMontgomery(A)` (e2ee.md §1.1).
 *
 * @param ed25519Public 32-byte Ed25519 public key
 * @param provider crypto provider
 * @returns the Session ID (66 hex characters)
 * @throws {ProtocolError} `KEY_INVALID` when the key is not a prime-order curve point
 * @example
 * ```ts
 * import { sessionIdOfEd25519 } from "./keys.ts";
 * import { nobleProvider } from "../../crypto/noble.ts";
 * import { fromHex } from "../../bytes.ts";
 * const id = await sessionIdOfEd25519(fromHex("4cb76fdc6d32278e3f83dbf608360ecc6b65727934b85d2fb86862ff98c46ab7"), nobleProvider);
 * if (id !== "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72") throw new Error(id);
 * ```
 */
export async function sessionIdOfEd25519(ed25519Public: Uint8Array, provider: CryptoProvider): Promise<string> {
  return prefixedId(PREFIX_SESSION_ID, await provider.ed25519PublicToX25519(ed25519Public));
}

/**
 * The 32-byte X25519 key of a recipient given as a `05…` Session ID or as the raw key.
 *
 * @param recipient Session ID or 32-byte X25519 public key
 * @param action what the caller was doing, for error messages (optional)
 * @returns a copy of the 32-byte key
 * @throws {TypeError | RangeError} for raw bytes of the wrong type or length
 * @throws {ProtocolError} `KEY_INVALID` for a malformed Session ID
 * @example
 * ```ts
 * import { recipientX25519 } from "./keys.ts";
 * if (recipientX25519("05" + "11".repeat(32), "encrypt")[0] !== 0x11) throw new Error("bad");
 * ```
 */
export function recipientX25519(recipient: string | Uint8Array, action = "read recipient"): Uint8Array {
  if (typeof recipient === "string") return parsePrefixedId(recipient, [PREFIX_SESSION_ID], action).key.slice();
  if (!(recipient instanceof Uint8Array)) {
    throw new TypeError(`Cannot ${action}: recipient is not a string or Uint8Array`);
  }
  if (recipient.length !== X25519_KEY_BYTES) {
    throw new RangeError(`Cannot ${action}: recipient key is ${recipient.length} bytes, expected ${X25519_KEY_BYTES}`);
  }
  return recipient.slice();
}
