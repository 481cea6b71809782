/**
 * Constants of the Signal-family one-to-one protocol (X3DH and the Double Ratchet, libsignal
 * version-3 sessions) and allium's limits for it.
 *
 * Two blocks, as `protocol/constants.ts`: **specification constants** are fixed by the wire format
 * and the key schedule (changing one breaks interoperability with libsignal); **implementation
 * limits** bound memory and work per session.
 *
 * @module
 */

// ---------------------------------------------------------------------------------------------
// Specification constants (e2ee.md §2–§3; libsignal rust/protocol/src/{ratchet,protocol,consts}.rs)
// ---------------------------------------------------------------------------------------------

/** Session (message) version of X3DH sessions: the high nibble of the version byte (e2ee.md §3.5). */
export const SIGNAL_SESSION_VERSION = 3;
/** Version byte libsignal's older code and @privacyresearch send on v3 sessions (e2ee.md §3.5, §7). */
export const SIGNAL_VERSION_BYTE_V3 = 0x33;
/** Version byte libsignal 0.6x sends on v3 sessions: `(3 << 4) | 4` (e2ee.md §3.5). */
export const SIGNAL_VERSION_BYTE_LIBSIGNAL = 0x34;
/** Largest low nibble ("current version") we accept on a v3 message: libsignal 0.6x writes 4. */
export const SIGNAL_MAX_CURRENT_VERSION = 4;

/** Length of the version byte that starts every message (e2ee.md §3.5). */
export const VERSION_BYTE_LENGTH = 1;
/** Length of the truncated message MAC (e2ee.md §3.5). */
export const SIGNAL_MAC_BYTES = 8;
/** Length of root keys, chain keys and message-key seeds (e2ee.md §3.1). */
export const SIGNAL_KEY_BYTES = 32;

/** X3DH "discontinuity bytes" prefix: 0xFF repeated 32 times (e2ee.md §2.2). */
export const X3DH_DISCONTINUITY_BYTES = 32;
/** HKDF info of the X3DH secret derivation (e2ee.md §2.2). */
export const X3DH_INFO = "WhisperText";
/** HKDF output length of X3DH and KDF_RK: root key ‖ chain key (e2ee.md §2.2, §3.1). */
export const ROOT_KDF_OUTPUT_BYTES = 64;
/** HKDF info of KDF_RK (e2ee.md §3.1). */
export const RATCHET_INFO = "WhisperRatchet";
/** HKDF info of the message-key derivation (e2ee.md §3.1). */
export const MESSAGE_KEYS_INFO = "WhisperMessageKeys";
/** HKDF output length of the message keys: cipher key ‖ MAC key ‖ IV (e2ee.md §3.1). */
export const MESSAGE_KEYS_BYTES = 80;
/** Offset of the MAC key in the message-key output (e2ee.md §3.1). */
export const MESSAGE_KEYS_MAC_OFFSET = 32;
/** Offset of the IV in the message-key output (e2ee.md §3.1). */
export const MESSAGE_KEYS_IV_OFFSET = 64;
/** HMAC input deriving a message-key seed from a chain key (e2ee.md §3.1). */
export const CHAIN_MESSAGE_KEY_SEED = 0x01;
/** HMAC input deriving the next chain key (e2ee.md §3.1). */
export const CHAIN_NEXT_KEY_SEED = 0x02;

/** Wire type of a SignalMessage (e2ee.md §3.5; libsignal `CiphertextMessageType::Whisper`). */
export const SIGNAL_MESSAGE_TYPE = 2;
/** Wire type of a PreKeySignalMessage (e2ee.md §2.3, §3.5; `CiphertextMessageType::PreKey`). */
export const PREKEY_SIGNAL_MESSAGE_TYPE = 3;

/** Largest registration id: 14 bits, as libsignal's `generateRegistrationId` (e2ee.md §7). */
export const MAX_REGISTRATION_ID = 0x3fff;
/** Largest prekey id: libsignal's `PreKeyId` / `SignedPreKeyId` are u32 (protobuf uint32). */
export const MAX_PREKEY_ID = 0xffffffff;
/** Largest message counter: `counter` and `previous_counter` are protobuf uint32 (e2ee.md §3.5). */
export const MAX_MESSAGE_COUNTER = 0xffffffff;

/** Forward jump libsignal allows within one receiving chain, `MAX_FORWARD_JUMPS` (e2ee.md §3.4). */
export const MAX_FORWARD_JUMPS = 25_000;
/** Skipped message keys libsignal keeps per receiving chain, `MAX_MESSAGE_KEYS` (e2ee.md §3.4). */
export const MAX_SKIPPED_KEYS_PER_CHAIN = 2_000;
/** Old receiving chains libsignal keeps, `MAX_RECEIVER_CHAINS` (e2ee.md §3.4). */
export const MAX_RECEIVER_CHAINS = 5;
/** Previous session states libsignal archives per peer, `ARCHIVED_STATES_MAX_LENGTH` (e2ee.md §3.4). */
export const MAX_ARCHIVED_SESSIONS = 40;

// ---------------------------------------------------------------------------------------------
// Implementation limits (our choices)
// ---------------------------------------------------------------------------------------------

/** Skipped keys kept per session across all chains: the per-chain cap times the chains kept. */
export const MAX_SKIPPED_KEYS_TOTAL: number = MAX_SKIPPED_KEYS_PER_CHAIN * MAX_RECEIVER_CHAINS;
/** Largest serialized message we parse: 256 KiB, far above any 1:1 Content (hardening.md §1 spirit). */
export const MAX_SIGNAL_MESSAGE_BYTES = 256 * 1024;
/** Largest serialized session record we parse: 40 archived states with full skipped-key stores fit. */
export const MAX_SESSION_RECORD_BYTES = 64 * 1024 * 1024;
