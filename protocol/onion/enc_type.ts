/**
 * Onion-layer cipher names (onion-requests.md §2, hardening.md §1).
 *
 * @module
 */

import { ENC_TYPE_AES_CBC, ENC_TYPE_AES_GCM, ENC_TYPE_XCHACHA20 } from "../constants.ts";
import { ProtocolError } from "../errors.ts";

/** The ciphers allium speaks. `aes-cbc` exists on the network but is refused (hardening.md §1). */
export type EncType = typeof ENC_TYPE_AES_GCM | typeof ENC_TYPE_XCHACHA20;

/** Every accepted spelling → canonical name (onion-requests.md §2). */
const ALIASES: Readonly<Record<string, EncType>> = Object.freeze({
  "aes-gcm": ENC_TYPE_AES_GCM,
  "gcm": ENC_TYPE_AES_GCM,
  "xchacha20": ENC_TYPE_XCHACHA20,
  "xchacha20-poly1305": ENC_TYPE_XCHACHA20,
});

/** Spellings of the legacy CBC mode, refused with their own message. */
const REFUSED = new Set([ENC_TYPE_AES_CBC, "cbc"]);

/**
 * Parse an `enc_type` value; absent means `aes-gcm` (onion-requests.md §2).
 *
 * @param value the JSON value of `enc_type` (or undefined when absent)
 * @param what which layer it came from, for the message
 * @returns the canonical cipher name
 * @throws {ProtocolError} `ONION_ENC_TYPE` for a non-string, an unknown name, or `aes-cbc`
 * @example
 * ```ts
 * import { parseEncType } from "./enc_type.ts";
 * if (parseEncType("gcm") !== "aes-gcm" || parseEncType(undefined) !== "aes-gcm") throw new Error("bad");
 * ```
 */
export function parseEncType(value: unknown, what = "layer"): EncType {
  if (value === undefined) return ENC_TYPE_AES_GCM;
  if (typeof value !== "string") {
    throw new ProtocolError("ONION_ENC_TYPE", `Cannot read ${what}: enc_type is not a string`);
  }
  const canonical = ALIASES[value];
  if (canonical !== undefined && Object.hasOwn(ALIASES, value)) return canonical;
  if (REFUSED.has(value)) {
    throw new ProtocolError(
      "ONION_ENC_TYPE",
      `Cannot read ${what}: enc_type "${value}" is unauthenticated and not supported`,
    );
  }
  throw new ProtocolError("ONION_ENC_TYPE", `Cannot read ${what}: unknown enc_type "${value.slice(0, 32)}"`);
}

/**
 * Whether `value` is a canonical cipher name.
 *
 * @param value candidate
 * @returns true for `aes-gcm` and `xchacha20`
 * @example
 * ```ts
 * import { isEncType } from "./enc_type.ts";
 * if (!isEncType("xchacha20") || isEncType("gcm")) throw new Error("bad");
 * ```
 */
export function isEncType(value: unknown): value is EncType {
  return value === ENC_TYPE_AES_GCM || value === ENC_TYPE_XCHACHA20;
}
