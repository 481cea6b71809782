/**
 * Constants of the Session protocol's message layer (e2ee.md §5), in the two blocks of
 * style.md rule 6. They live beside the code until the lead moves them into
 * `protocol/constants.ts`.
 *
 * @example Padding block of a 1:1 message
 * ```ts
 * import { SESSION_PADDING_BLOCK_BYTES } from "./constants.ts";
 * if (SESSION_PADDING_BLOCK_BYTES !== 160) throw new Error("bad");
 * ```
 *
 * @module
 */

// ---------------------------------------------------------------------------------------------
// Specification constants (fixed by the protocol; changing one breaks compatibility)
// ---------------------------------------------------------------------------------------------

/** Session ID prefix of an X25519 account key (e2ee.md §1.1). */
export const PREFIX_SESSION_ID = 0x05;
/** ID prefix of a Groups v2 Ed25519 public key (e2ee.md §1.1, §5.3). */
export const PREFIX_GROUP_V2 = 0x03;
/** ID prefix of a 15-blinded community ID (e2ee.md §5.4). */
export const PREFIX_BLIND15 = 0x15;
/** ID prefix of a 25-blinded community ID (e2ee.md §5.4). */
export const PREFIX_BLIND25 = 0x25;
/** ID prefix of the version-check blinded key (e2ee.md §1.1, §5.5). */
export const PREFIX_VERSION_BLINDED = 0x07;
/** Length of a prefixed ID in bytes: prefix ‖ 32-byte key (e2ee.md §1.1). */
export const PREFIXED_ID_BYTES = 33;
/** Length of a prefixed ID in hex (e2ee.md §1.1). */
export const PREFIXED_ID_HEX_CHARS = 2 * PREFIXED_ID_BYTES;
/** libsodium's 64-byte Ed25519 secret key `seed ‖ public key` (e2ee.md §1.1). */
export const ED25519_SODIUM_SECRET_BYTES = 64;

/** Bytes `encrypt_for_recipient` adds inside the box: A (32) ‖ SIG (64) (e2ee.md §5.1 step 2). */
export const SIGNED_INNER_OVERHEAD_BYTES = 96;
/** 1:1 Content padding block (e2ee.md §5.2 step 2; libsession `COMMUNITY_OR_1O1_MSG_PADDING`). */
export const SESSION_PADDING_BLOCK_BYTES = 160;
/** Byte that terminates the content before the zero padding (e2ee.md §5.2 step 2). */
export const SESSION_PADDING_TERMINATOR = 0x80;
/** `sourceDevice` libsession still sets on every Envelope (e2ee.md §5.2 step 4). */
export const ENVELOPE_SOURCE_DEVICE = 1;
/** Length of the Envelope's `proSig`, an Ed25519 signature or its decoy (e2ee.md §5.2 step 4). */
export const PRO_SIGNATURE_BYTES = 64;

/** Version of the Groups v2 bencoded dict, key `""` (e2ee.md §5.3). */
export const GROUP_MESSAGE_VERSION = 1;
/** Padding granularity of a Groups v2 message: nonce ‖ ciphertext ‖ tag (e2ee.md §5.3). */
export const GROUP_MESSAGE_PADDING_BYTES = 256;
/** Largest Groups v2 plaintext, before and after decompression (libsession `GROUPS_MAX_PLAINTEXT_MESSAGE_SIZE`, e2ee.md §5.3). */
export const GROUP_MAX_PLAINTEXT_BYTES = 1_000_000;

/** Version byte in front of a blinded DM (e2ee.md §5.4; libsession `BLINDED_ENCRYPT_VERSION`). */
export const BLINDED_DM_VERSION = 0x00;
/** BLAKE2b key of the blind25 signing seed hash (e2ee.md §5.4). */
export const BLIND25_SEED_HASH_KEY = "SessCommBlind25_seed";
/** BLAKE2b key of the blind25 signing nonce hash (e2ee.md §5.4). */
export const BLIND25_SIG_HASH_KEY = "SessCommBlind25_sig";
/** BLAKE2b key of the version-check key's seed (e2ee.md §5.5). */
export const VERSION_CHECK_HASH_KEY = "VersionCheckKey_sig";

/** Nonce-hash key prefix of config messages; the domain follows it (e2ee.md §5.5). */
export const CONFIG_NONCE_KEY_PREFIX = "libsessionutil-config-encrypted-";
/** Longest config encryption domain (libsession `config/encrypt.cpp` `DOMAIN_MAX_SIZE`). */
export const CONFIG_DOMAIN_MAX_CHARS = 24;
/** What `configEncrypt` adds: tag (16) ‖ nonce (24) (libsession `ENCRYPT_DATA_OVERHEAD`). */
export const CONFIG_ENCRYPT_OVERHEAD_BYTES = 40;

/** Length of the Session ID an ONS record decrypts to (e2ee.md §5.5). */
export const ONS_SESSION_ID_BYTES = 33;
