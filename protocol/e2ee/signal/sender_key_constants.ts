/**
 * Constants of libsignal's Sender Keys (e2ee.md §4) and allium's limits for them.
 *
 * Two blocks, as `protocol/constants.ts`: **specification constants** are fixed by the wire format
 * and the key schedule (changing one breaks interoperability with libsignal); **implementation
 * limits** bound memory and work per record.
 *
 * @module
 */

// ---------------------------------------------------------------------------------------------
// Specification constants (e2ee.md §4; libsignal rust/protocol/src/{sender_keys,protocol,consts}.rs)
// ---------------------------------------------------------------------------------------------

/** Sender Key message version: the high nibble of the version byte (`SENDERKEY_MESSAGE_CURRENT_VERSION`). */
export const SENDER_KEY_VERSION = 3;
/** Version byte of every Sender Key message and distribution message: `(3 << 4) | 3` (e2ee.md §4). */
export const SENDER_KEY_VERSION_BYTE: number = (SENDER_KEY_VERSION << 4) | SENDER_KEY_VERSION;
/** Wire type of a SenderKeyMessage (e2ee.md §4; libsignal `CiphertextMessageType::SenderKey`). */
export const SENDER_KEY_MESSAGE_TYPE = 7;
/** Length of the distribution id, a UUID (e2ee.md §4 `distributionUuid`). */
export const DISTRIBUTION_ID_BYTES = 16;
/** Length of a Sender Key chain key (e2ee.md §4). */
export const SENDER_CHAIN_KEY_BYTES = 32;
/** HKDF info of the Sender Key message keys (e2ee.md §4). */
export const SENDER_MESSAGE_KEYS_INFO = "WhisperGroup";
/** HKDF output length of the Sender Key message keys: IV ‖ cipher key (e2ee.md §4). */
export const SENDER_MESSAGE_KEYS_BYTES = 48;
/** Offset of the AES key in the message-key output; the IV comes first (e2ee.md §4). */
export const SENDER_MESSAGE_KEYS_CIPHER_OFFSET = 16;
/** Length of the XEdDSA signature that ends a SenderKeyMessage (e2ee.md §1.3, §4). */
export const SENDER_KEY_SIGNATURE_BYTES = 64;
/** Largest chain id libsignal generates: a random u32 shifted right by one (`group_session_builder.rs`). */
export const MAX_GENERATED_CHAIN_ID = 0x7fffffff;
/** Largest iteration: a u32 counter (protobuf uint32); libsignal refuses to step past it. */
export const MAX_SENDER_KEY_ITERATION = 0xffffffff;

/** Forward jump libsignal allows within one chain, `MAX_FORWARD_JUMPS` (e2ee.md §4). */
export const SENDER_KEY_MAX_FORWARD_JUMPS = 25_000;
/** Skipped message keys libsignal keeps per state, `MAX_MESSAGE_KEYS`; the oldest are evicted (e2ee.md §4). */
export const SENDER_KEY_MAX_SKIPPED_KEYS = 2_000;
/** States libsignal keeps per (sender, distribution id), `MAX_SENDER_KEY_STATES` (e2ee.md §4). */
export const MAX_SENDER_KEY_STATES = 5;

// ---------------------------------------------------------------------------------------------
// Implementation limits (our choices)
// ---------------------------------------------------------------------------------------------

/** Format version of a serialized Sender Key record (allium's own format, not libsignal's). */
export const SENDER_KEY_RECORD_FORMAT = 1;
/** Largest serialized Sender Key message we parse: 256 KiB, above any group Content. */
export const MAX_SENDER_KEY_MESSAGE_BYTES = 256 * 1024;
/** Largest serialized Sender Key record we parse: 5 states with full skipped-key caches fit. */
export const MAX_SENDER_KEY_RECORD_BYTES = 1024 * 1024;
