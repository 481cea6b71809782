/**
 * Constants of the Session onion-request protocol and allium's own limits.
 *
 * Two blocks: **specification constants** are fixed by the wire format (changing one breaks
 * compatibility with the real network); **implementation limits** are allium's choices and are
 * the defaults of configuration values elsewhere.
 *
 * @module
 */

// ---------------------------------------------------------------------------------------------
// Specification constants (onion-requests.md, hardening.md §1–§2)
// ---------------------------------------------------------------------------------------------

/** X25519 public and secret key length (RFC 7748 §5). */
export const X25519_KEY_BYTES = 32;
/** Ed25519 public key and seed length (RFC 8032 §5.1.5). */
export const ED25519_KEY_BYTES = 32;
/** Ed25519 signature length (RFC 8032 §5.1.6). */
export const ED25519_SIGNATURE_BYTES = 64;
/** Length of the symmetric per-hop key (onion-requests.md §2). */
export const HOP_KEY_BYTES = 32;
/** Length of a key as hex text in routing JSON (onion-requests.md §3, hardening.md §1). */
export const KEY_HEX_CHARS = 64;

/** Byte length of the little-endian blob-length prefix of a layer (onion-requests.md §1). */
export const LAYER_LENGTH_PREFIX_BYTES = 4;

/** AES-256-GCM IV length; 96-bit IVs only (onion-requests.md §2, hardening.md §2). */
export const AES_GCM_IV_BYTES = 12;
/** AES-256-GCM tag length; 128-bit tags only (hardening.md §2). */
export const AES_GCM_TAG_BYTES = 16;
/** XChaCha20-Poly1305 (IETF) nonce length (onion-requests.md §2). */
export const XCHACHA_NONCE_BYTES = 24;
/** Poly1305 tag length (RFC 8439 §2.8). */
export const XCHACHA_TAG_BYTES = 16;

/** HMAC key for deriving the AES-GCM hop key: ASCII "LOKI" (onion-requests.md §2). */
export const AES_GCM_KDF_KEY: Uint8Array = new Uint8Array([0x4c, 0x4f, 0x4b, 0x49]);
/** BLAKE2b output length for the XChaCha20 hop key (onion-requests.md §2). */
export const BLAKE2B_256_BYTES = 32;

/** Canonical `enc_type` names emitted on the wire (onion-requests.md §2). */
export const ENC_TYPE_AES_GCM = "aes-gcm";
/** Canonical name of the XChaCha20-Poly1305 hop cipher (onion-requests.md §2). */
export const ENC_TYPE_XCHACHA20 = "xchacha20";
/** Canonical name of the legacy unauthenticated cipher; recognised only to refuse it (hardening.md §1). */
export const ENC_TYPE_AES_CBC = "aes-cbc";

/** Largest `hop_no` a node accepts (onion-requests.md §5, §10). */
export const MAX_HOP_NO = 15;
/** Default port of an external server destination (onion-requests.md §4). */
export const DEFAULT_SERVER_PORT = 443;
/** Default protocol of an external server destination (onion-requests.md §4). */
export const DEFAULT_SERVER_PROTOCOL = "https";
/** Method the client asks the external server for (onion-requests.md §9 step 1). */
export const DEFAULT_SERVER_METHOD = "POST";

/** Session ID prefix byte for an X25519 account key (swarms-and-storage.md, e2ee.md). */
export const SESSION_ID_PREFIX = 0x05;
/** Session ID length as hex: `05` + 64 hex digits. */
export const SESSION_ID_HEX_CHARS = 66;

/** Response-padding buckets: 512 B doubling to 64 KiB, then multiples of 64 KiB (hardening.md §6). */
export const REPLY_PAD_MIN_BUCKET = 512;
/** Largest doubling bucket; beyond it padding is to multiples of this (hardening.md §6). */
export const REPLY_PAD_STEP_BUCKET = 64 * 1024;

// ---------------------------------------------------------------------------------------------
// Implementation limits (our choices; defaults of config values)
// ---------------------------------------------------------------------------------------------

/** Most hops a built onion may have: matches the network's `hop_no` ceiling. */
export const MAX_PATH_HOPS = 15;
/** Largest onion request body, 10 MiB, as the reference storage server (hardening.md §1). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Largest outer trailer JSON: 4 KiB, far above the ~120 bytes real clients send (hardening.md §1). */
export const MAX_OUTER_TRAILER_BYTES = 4 * 1024;
/** Largest inner routing JSON after decryption: 8 KiB (hardening.md §1). */
export const MAX_INNER_JSON_BYTES = 8 * 1024;
/** Deepest nesting allowed in the inner routing JSON; `headers` may be an object (hardening.md §1). */
export const MAX_INNER_JSON_DEPTH = 3;
/** Deepest nesting in the outer trailer: a flat object (hardening.md §1). */
export const MAX_OUTER_JSON_DEPTH = 1;
/** Largest v4 bencoded request or reply we decode: the body cap. */
export const MAX_BENCODE_BYTES: number = MAX_BODY_BYTES;
