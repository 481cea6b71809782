/**
 * Reading the key material of storage-RPC parameters (swarms-and-storage.md §1.1, §5, §6.2): the
 * account id, the request signature with `pubkey_ed25519`, subaccount tokens and their
 * signatures, in JSON (hex / base64) or bencoded (raw bytes) form, with the reference's error
 * texts (`oxenss/rpc/client_rpc_endpoints.cpp`: `load_pk`, `load_pk_signature`, `load_subaccount`).
 *
 * @module
 */

import { ED25519_KEY_BYTES, ED25519_SIGNATURE_BYTES, SESSION_ID_PREFIX } from "../constants.ts";
import { fromBase64, fromHex, toHex } from "../bytes.ts";
import { StorageRpcError } from "./rpc_error.ts";
import { ACCOUNT_ID_BYTES } from "./message_hash.ts";
import { SUBACCOUNT_TOKEN_BYTES } from "./signatures.ts";
import { bytesOf, type ParamsEncoding, textOf } from "./params_fields.ts";

/** Hex digits of an account id (§1.1). */
const ACCOUNT_ID_HEX = 2 * ACCOUNT_ID_BYTES;
/** Base64 length of a JSON signature: 86 unpadded or 88 ending in `==` (§5). */
const SIGNATURE_B64_CHARS = 86;
const SIGNATURE_B64_PADDED_CHARS = 88;
/** Base64 length of a 36-byte subaccount token (no padding: 36 is a multiple of 3). */
const TOKEN_B64_CHARS = (SUBACCOUNT_TOKEN_BYTES * 4) / 3;
/** Hex length of a subaccount token. */
const TOKEN_HEX_CHARS = 2 * SUBACCOUNT_TOKEN_BYTES;

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;
const B64_RE = /^[A-Za-z0-9+/]*$/;

/** A parsed account id ("user pubkey", §1.1). */
export interface AccountId {
  /** The 33 bytes: prefix ‖ 32-byte key. */
  readonly bytes: Uint8Array;
  /** 66 lower-case hex digits. */
  readonly hex: string;
  /** The prefix byte (05 Session ID, 03 group, …). */
  readonly prefix: number;
  /** The 32 key bytes after the prefix. */
  readonly key: Uint8Array;
}

/** A subaccount token with the account owner's signature over it (§6.2 step 3). */
export interface SignedSubaccount {
  /** The 36-byte token: prefix ‖ flags ‖ reserved(2) ‖ Ed25519 key. */
  readonly token: Uint8Array;
  /** The owner's 64-byte signature over the token. */
  readonly signature: Uint8Array;
}

/** Authentication fields a request may carry. */
export interface RequestCredentials {
  /** 64-byte request signature. */
  readonly signature?: Uint8Array;
  /** 32-byte Ed25519 key of a `05` account. */
  readonly pubkeyEd25519?: Uint8Array;
  /** Subaccount token and its signature. */
  readonly subaccount?: SignedSubaccount;
}

/** Whether text is even-length hex. */
function isHex(s: string): boolean {
  return HEX_RE.test(s);
}

/**
 * oxenc `is_base64`: standard alphabet, with one or two `=` allowed only when they pad the text
 * to a multiple of 4; a length of 1 mod 4 is impossible.
 *
 * @param s text
 * @returns whether it is base64
 * @example
 * ```ts
 * import { isBase64 } from "./params_keys.ts";
 * if (!isBase64("aGk=") || !isBase64("aGk") || isBase64("a") || isBase64("a=b=")) throw new Error("bad");
 * ```
 */
export function isBase64(s: string): boolean {
  if (s.length % 4 === 1) return false;
  let end = s.length;
  if (end > 0 && end % 4 === 0) {
    if (s[end - 1] === "=") end--;
    if (s[end - 1] === "=") end--;
  }
  return B64_RE.test(s.slice(0, end));
}

/**
 * Build an {@link AccountId} from its 33 bytes.
 *
 * @param bytes prefix ‖ key
 * @returns the account id
 * @throws {RangeError} when not 33 bytes
 * @example
 * ```ts
 * import { accountId } from "./params_keys.ts";
 * const a = accountId(new Uint8Array(33).fill(5));
 * if (a.prefix !== 5 || a.hex.length !== 66) throw new Error("bad");
 * ```
 */
export function accountId(bytes: Uint8Array): AccountId {
  if (!(bytes instanceof Uint8Array) || bytes.length !== ACCOUNT_ID_BYTES) {
    throw new RangeError(`Cannot build account id: expected ${ACCOUNT_ID_BYTES} bytes`);
  }
  const copy = bytes.slice();
  return { bytes: copy, hex: toHex(copy), prefix: copy[0], key: copy.subarray(1) };
}

/**
 * Parse an account id as the reference's `user_pubkey::load` (mainnet): 66 hex digits, or exactly
 * 33 bytes (raw; for JSON the UTF-8 bytes of the string, as the reference does).
 *
 * @param value the `pubkey` field
 * @param message error text when it does not parse (get_swarm words it differently)
 * @returns the account id
 * @throws {StorageRpcError} 400 `invalid request: <message>`
 * @example
 * ```ts
 * import { parseAccountId } from "./params_keys.ts";
 * if (parseAccountId("05" + "AB".repeat(32)).hex !== "05" + "ab".repeat(32)) throw new Error("bad");
 * ```
 */
export function parseAccountId(
  value: string | Uint8Array,
  message = `Pubkey must be ${ACCOUNT_ID_HEX} hex digits (${ACCOUNT_ID_BYTES} bytes) long`,
): AccountId {
  const text = textOf(value);
  if (text.length === ACCOUNT_ID_HEX && isHex(text)) return accountId(fromHex(text));
  const raw = bytesOf(value);
  if (raw.length === ACCOUNT_ID_BYTES) return accountId(raw);
  throw StorageRpcError.invalid(message);
}

/**
 * Parse `pubkey_ed25519`: 64 hex characters or 32 raw bytes, only for `05` accounts.
 *
 * @param account the parsed account id
 * @param value the field
 * @returns 32 bytes
 * @throws {StorageRpcError} 400 with the reference's wording
 * @example
 * ```ts
 * import { parsePubkeyEd25519, parseAccountId } from "./params_keys.ts";
 * const k = parsePubkeyEd25519(parseAccountId("05" + "00".repeat(32)), "11".repeat(32));
 * if (k.length !== 32 || k[0] !== 0x11) throw new Error("bad");
 * ```
 */
export function parsePubkeyEd25519(account: AccountId, value: string | Uint8Array): Uint8Array {
  if (account.prefix !== SESSION_ID_PREFIX) {
    throw StorageRpcError.invalid("pubkey_ed25519 is only permitted for 05[...] pubkeys");
  }
  const raw = bytesOf(value);
  if (raw.length === 2 * ED25519_KEY_BYTES) {
    const text = textOf(value);
    if (!isHex(text)) throw StorageRpcError.invalid("invalid pubkey_ed25519: value is not hex");
    return fromHex(text);
  }
  if (raw.length === ED25519_KEY_BYTES) return raw.slice();
  throw StorageRpcError.invalid("Invalid pubkey_ed25519: expected 64 hex char or 32 byte pubkey");
}

/**
 * Parse a 64-byte Ed25519 signature: JSON base64 (86 chars, or 88 ending in `==`), bencoded raw.
 *
 * @param value the field
 * @param encoding how the request was encoded
 * @param jsonError error detail for JSON (the subaccount signature is worded differently)
 * @returns 64 bytes
 * @throws {StorageRpcError} 400 with the reference's wording
 * @example
 * ```ts
 * import { parseSignature } from "./params_keys.ts";
 * if (parseSignature("A".repeat(86), "json").length !== 64) throw new Error("bad");
 * ```
 */
export function parseSignature(
  value: string | Uint8Array,
  encoding: ParamsEncoding,
  jsonError = "invalid signature: expected base64 encoded Ed25519 signature",
): Uint8Array {
  if (encoding === "json") {
    const s = textOf(value);
    const okLength = s.length === SIGNATURE_B64_CHARS ||
      (s.length === SIGNATURE_B64_PADDED_CHARS && s.endsWith("=="));
    if (!isBase64(s) || !okLength) throw StorageRpcError.invalid(jsonError);
    return fromBase64(s).subarray(0, ED25519_SIGNATURE_BYTES);
  }
  if (value.length !== ED25519_SIGNATURE_BYTES) {
    throw StorageRpcError.invalid("invalid signature: expected 64-byte Ed25519 signature");
  }
  return bytesOf(value).slice();
}

/**
 * Parse a 36-byte subaccount token: JSON base64 (48 chars) or hex (72), bencoded raw.
 *
 * @param value the field
 * @param options `encoding` of the request and the `[json, bt]` error details, worded per field by
 *   the reference
 * @returns 36 bytes
 * @throws {StorageRpcError} 400
 * @example
 * ```ts
 * import { parseToken } from "./params_keys.ts";
 * if (parseToken("03".repeat(36), { encoding: "json", errors: ["j", "b"] })[0] !== 3) throw new Error("bad");
 * ```
 */
export function parseToken(
  value: string | Uint8Array,
  options: { encoding: ParamsEncoding; errors: readonly [string, string] },
): Uint8Array {
  const { encoding, errors } = options;
  if (encoding === "json") {
    const s = textOf(value);
    if (isBase64(s) && s.length === TOKEN_B64_CHARS) return fromBase64(s);
    if (isHex(s) && s.length === TOKEN_HEX_CHARS) return fromHex(s);
    throw StorageRpcError.invalid(errors[0]);
  }
  if (value.length !== SUBACCOUNT_TOKEN_BYTES) throw StorageRpcError.invalid(errors[1]);
  return bytesOf(value).slice();
}

/**
 * Parse `subaccount` / `subaccount_sig` (`load_subaccount`): an absent or empty token is ignored;
 * a token needs its signature.
 *
 * @param fields the `subaccount` (`token`) and `subaccount_sig` (`signature`) fields
 * @param encoding how the request was encoded
 * @returns the signed token, or undefined
 * @throws {StorageRpcError} 400 with the reference's wording
 * @example
 * ```ts
 * import { parseSubaccount } from "./params_keys.ts";
 * if (parseSubaccount({ token: "", signature: undefined }, "json") !== undefined) throw new Error("bad");
 * ```
 */
export function parseSubaccount(
  fields: { token: string | Uint8Array | undefined; signature: string | Uint8Array | undefined },
  encoding: ParamsEncoding,
): SignedSubaccount | undefined {
  const { token, signature } = fields;
  if (token === undefined || token.length === 0) return undefined;
  if (signature === undefined) {
    throw StorageRpcError.invalid("invalid subaccount: subaccount_sig is required when using subaccount");
  }
  const t = parseToken(token, {
    encoding,
    errors: [
      "invalid subaccount: expected base64 or hex-encoded subaccount token",
      "invalid subaccount token: invalid token length",
    ],
  });
  const sig = parseSignature(
    signature,
    encoding,
    "invalid subaccount signature: expected base64 encoded Ed25519 signature",
  );
  return { token: t, signature: sig };
}

/** The raw credential fields of a request, as read by the field readers. */
export interface RawCredentials {
  /** `pubkey` (or `pubKey`). */
  pubkey: string | Uint8Array | undefined;
  /** `pubkey_ed25519`. */
  pubkeyEd25519: string | Uint8Array | undefined;
  /** `signature`. */
  signature: string | Uint8Array | undefined;
}

/**
 * `load_pk_signature`: the account id, a required signature and an optional `pubkey_ed25519`.
 *
 * @param raw the raw fields
 * @param encoding how the request was encoded
 * @returns account id, signature and Ed25519 key
 * @throws {StorageRpcError} 400 for a missing or malformed field
 * @example
 * ```ts
 * import { parseSignedAccount } from "./params_keys.ts";
 * const r = parseSignedAccount({ pubkey: "03" + "00".repeat(32), pubkeyEd25519: undefined, signature: "A".repeat(86) }, "json");
 * if (r.signature.length !== 64 || r.pubkeyEd25519 !== undefined) throw new Error("bad");
 * ```
 */
export function parseSignedAccount(
  raw: RawCredentials,
  encoding: ParamsEncoding,
): { pubkey: AccountId; signature: Uint8Array; pubkeyEd25519?: Uint8Array } {
  if (raw.pubkey === undefined) throw StorageRpcError.invalid("Required field 'pubkey' missing");
  const pubkey = parseAccountId(raw.pubkey);
  if (raw.signature === undefined) throw StorageRpcError.invalid("Required field 'signature' missing");
  const pubkeyEd25519 = raw.pubkeyEd25519 === undefined ? undefined : parsePubkeyEd25519(pubkey, raw.pubkeyEd25519);
  const signature = parseSignature(raw.signature, encoding);
  return pubkeyEd25519 === undefined ? { pubkey, signature } : { pubkey, signature, pubkeyEd25519 };
}
