/**
 * The flags of the published files and what each means (the `notes` of each file; only the flags
 * a file uses are written to it). conformance/README.md repeats them in short. Private to
 * `conformance/vectors/`.
 *
 * @module
 */

import type { Note } from "./_common.ts";

/** The flags of the hop files. */
export const HOP_NOTES: Readonly<Record<string, Note>> = {
  Pseudorandom: {
    bugType: "BASIC",
    description:
      "A valid case with keys, nonce and plaintext from a fixed seed. Sealing must reproduce the blob byte for byte; opening must return the plaintext.",
  },
  EmptyPlaintext: {
    bugType: "EDGE_CASE",
    description: "The plaintext is empty: the blob is exactly nonce and tag.",
  },
  BlockBoundary: {
    bugType: "EDGE_CASE",
    description: "The plaintext is 15, 16 or 17 bytes: one short of, exactly, and one past a 16-byte AES block.",
  },
  LongPlaintext: {
    bugType: "EDGE_CASE",
    description: "A 1024-byte plaintext: many AES blocks and whole 64-byte ChaCha20 blocks.",
  },
  ModifiedTag: {
    bugType: "AUTH_BYPASS",
    description: "One bit of the authentication tag is flipped. Opening must fail.",
  },
  ModifiedNonce: {
    bugType: "AUTH_BYPASS",
    description: "One bit of the nonce at the start of the blob is flipped. Opening must fail.",
  },
  ModifiedCiphertext: {
    bugType: "AUTH_BYPASS",
    description: "One bit of the ciphertext between nonce and tag is flipped. Opening must fail.",
  },
  TruncatedBlob: {
    bugType: "AUTH_BYPASS",
    description: "The last byte of the blob is removed. Opening must fail.",
  },
  ShortBlob: {
    bugType: "MISSING_STEP",
    description:
      "The blob is shorter than nonce + tag (possibly empty). It must be refused before any decryption, without reading past its end.",
  },
  WrongKey: {
    bugType: "BASIC",
    description:
      "The opener uses another server's key pair (request) or another server's public key (reply): a different shared secret. Opening must fail.",
  },
  SwappedRoles: {
    bugType: "MODIFIED_PARAMETER",
    description:
      "The opener derives the xchacha20 key with its role swapped, BLAKE2b(S || server_pub || client_pub) instead of BLAKE2b(S || client_pub || server_pub). Opening must fail (onion-requests.md §2).",
  },
  LowOrderPublic: {
    bugType: "MISSING_STEP",
    description:
      "The peer's public key is a low-order point, so X25519 yields the all-zero shared secret. The blob is sealed under the key derived from that all-zero secret (sharedSecret and key record it), so an implementation that skips the all-zero check decrypts it. It must be refused (hardening.md §2). clientSecret or serverSecret is the unrelated secret of the valid sibling.",
  },
};

/** The flags of `onion_peel_v1.json`. */
export const ONION_NOTES: Readonly<Record<string, Note>> = {
  SingleHop: { bugType: "EDGE_CASE", description: "A path of one node: the guard is also the exit." },
  NodeDestination: {
    bugType: "BASIC",
    description:
      'The destination is a service node: it reads the request from the layer marked by `headers` and answers {"body","status"} JSON, encrypted and base64-encoded (onion-requests.md §6).',
  },
  ServerDestinationV4: {
    bugType: "BASIC",
    description:
      "The destination is an external server at /oxen/v4/lsrpc: the exit node forwards its whole decrypted layer, the server answers a raw (not base64) encrypted bencoded list (onion-requests.md §7).",
  },
  ServerDestinationV3: {
    bugType: "BASIC",
    description:
      "The destination is an external server at /loki/v3/lsrpc: JSON request, base64 reply (onion-requests.md §7).",
  },
  MixedCiphers: {
    bugType: "EDGE_CASE",
    description: "Layers use different ciphers; each relay reads the next layer's cipher from its routing JSON.",
  },
  FakeHopNo: {
    bugType: "EDGE_CASE",
    description: "The client writes a starting hop_no to the guard's trailer; each relay forwards hop_no + 1.",
  },
  MaxHops: {
    bugType: "EDGE_CASE",
    description: "15 path nodes, the most allium builds; the destination receives hop_no 15, the largest accepted.",
  },
  EmptyPayload: { bugType: "EDGE_CASE", description: "The request payload is empty." },
  UpstreamShape: {
    bugType: "BASIC",
    description:
      "Built with the parameters of a golden onion of shared/vectors/session/onion-builder.json (keys aside): packet lengths and JSON layouts equal the upstream ones; vectors_test.ts checks this.",
  },
  ModifiedLayer: {
    bugType: "AUTH_BYPASS",
    description:
      "One bit of a layer's blob (nonce, ciphertext or tag) is flipped. The node must refuse it: ONION_AUTH_FAILED.",
  },
  ModifiedEphemeralKey: {
    bugType: "AUTH_BYPASS",
    description: "ephemeral_key in the trailer is changed, so the node derives another key: ONION_AUTH_FAILED.",
  },
  EncTypeMismatch: {
    bugType: "AUTH_BYPASS",
    description: "enc_type names a cipher other than the one the blob was sealed with: ONION_AUTH_FAILED.",
  },
  TruncatedBlob: { bugType: "AUTH_BYPASS", description: "The blob lost its last byte: ONION_AUTH_FAILED." },
  ShortBlob: {
    bugType: "MISSING_STEP",
    description: "The blob is shorter than nonce + tag of its cipher: refused before key agreement, ONION_AUTH_FAILED.",
  },
  WrongKey: { bugType: "BASIC", description: "The layer reaches a node it was not sealed for: ONION_AUTH_FAILED." },
  LowOrderPublic: {
    bugType: "MISSING_STEP",
    description:
      "ephemeral_key is a low-order point (all-zero shared secret). The blob authenticates under the key of the all-zero secret, so a node that skips the check (hardening.md §2) would accept it: ONION_AUTH_FAILED.",
  },
  FramingError: {
    bugType: "EDGE_CASE",
    description: "The body is shorter than the 4-byte length prefix, or the prefix runs past the end: ONION_FRAMING.",
  },
  TrailerError: {
    bugType: "EDGE_CASE",
    description:
      "The trailer after the blob is not one flat JSON object within 4 KiB (hardening.md §1): ONION_TRAILER.",
  },
  TrailerTooLarge: { bugType: "EDGE_CASE", description: "The trailer is over the 4096-byte limit of hardening.md §1." },
  DuplicateKey: {
    bugType: "CAN_OF_WORMS",
    description:
      "A JSON object repeats a key; parsers disagree on which value wins, so it is refused (hardening.md §1).",
  },
  KeyError: { bugType: "EDGE_CASE", description: "ephemeral_key is missing or not 64 hex digits: ONION_KEY." },
  EncTypeError: { bugType: "EDGE_CASE", description: "enc_type is not a string or not a known name: ONION_ENC_TYPE." },
  LegacyCbc: {
    bugType: "LEGACY",
    description:
      "aes-cbc is accepted by the reference storage server but is unauthenticated; allium refuses it (hardening.md §1).",
  },
  HopNoError: { bugType: "EDGE_CASE", description: "hop_no is not an integer: ONION_HOP_NO." },
  PathTooLong: {
    bugType: "EDGE_CASE",
    description: "hop_no is above 15: ONION_PATH_TOO_LONG (answered `onion request max path length exceeded`).",
  },
  InnerInvalid: {
    bugType: "EDGE_CASE",
    description:
      'The layer decrypts, but the plaintext is not a valid inner request: ONION_INNER_INVALID (the node answers an encrypted "Invalid json", onion-requests.md §8).',
  },
  DefaultEncType: { bugType: "BASIC", description: "No enc_type: the cipher is aes-gcm (onion-requests.md §2)." },
  EncTypeAlias: {
    bugType: "BASIC",
    description: 'enc_type spelled "gcm" or "xchacha20-poly1305" (onion-requests.md §2).',
  },
  NegativeHopNo: { bugType: "EDGE_CASE", description: "A negative hop_no is clamped to 0 (onion-requests.md §3)." },
  UppercaseHex: {
    bugType: "EDGE_CASE",
    description: "Keys in JSON may be upper-case hex (onion-requests.md, terminology).",
  },
  JsonFormatting: {
    bugType: "EDGE_CASE",
    description: "Key order and whitespace in JSON do not matter (onion-requests.md §1).",
  },
  UnknownKey: { bugType: "EDGE_CASE", description: "Unknown trailer keys are ignored." },
  DeliverOptions: {
    bugType: "BASIC",
    description: 'The destination layer sets "json" and "base64" (onion-requests.md §4).',
  },
  ServerDefaults: {
    bugType: "BASIC",
    description: "A server route without port and protocol means 443 and https (onion-requests.md §4).",
  },
  AmbiguousRoute: {
    bugType: "CAN_OF_WORMS",
    description:
      "Routing JSON names more than one action. The reference applies headers > host > destination (onion-requests.md §4); a stricter node may refuse it with ONION_INNER_INVALID. Either is acceptable; if it succeeds, the result must equal peel.",
  },
};

/** The flags of `layer_v1.json`. */
export const LAYER_NOTES: Readonly<Record<string, Note>> = {
  Pseudorandom: { bugType: "BASIC", description: "A layer with a blob from a fixed seed and an outer trailer." },
  EmptyBlob: { bugType: "EDGE_CASE", description: "N = 0: the blob is empty and the trailer follows the prefix." },
  LongBlob: { bugType: "EDGE_CASE", description: "A 1024-byte blob." },
  LittleEndian: {
    bugType: "MODIFIED_PARAMETER",
    description:
      "The prefix is little-endian (onion-requests.md §1); read big-endian it would overrun, so a big-endian reader refuses a valid layer.",
  },
  JsonInBlob: {
    bugType: "EDGE_CASE",
    description: "The blob itself looks like JSON; the split must follow N, never search for a brace.",
  },
  Utf8Trailer: { bugType: "EDGE_CASE", description: "The trailer holds multi-byte UTF-8 text; the split is by bytes." },
  EmptyTrailer: {
    bugType: "CAN_OF_WORMS",
    description:
      "N covers everything after the prefix, so the trailer is empty. Framing allows it; a decoder that also requires a JSON trailer refuses it. Either is acceptable.",
  },
  ShortPrefix: { bugType: "EDGE_CASE", description: "Fewer than 4 bytes: there is no length prefix. Refused." },
  Overrun: {
    bugType: "MISSING_STEP",
    description: "N is larger than the bytes after the prefix. Refused without reading past the end.",
  },
  BigEndianPrefix: {
    bugType: "MODIFIED_PARAMETER",
    description: "The prefix is written big-endian; read as specified (little-endian) it overruns. Refused.",
  },
};

/** The flags of `onion_reply_v1.json`. */
export const REPLY_NOTES: Readonly<Record<string, Note>> = {
  Pseudorandom: {
    bugType: "BASIC",
    description:
      "A valid reply with keys and nonce from a fixed seed. Sealing the plaintext must reproduce body; the client opening body must read reply.",
  },
  EmbeddedJson: {
    bugType: "EDGE_CASE",
    description:
      'A service node embedded the handler\'s JSON as a value ("json": true, onion-requests.md §6); the client reads it back as compact JSON text.',
  },
  ErrorStatus: {
    bugType: "BASIC",
    description:
      "The status inside the reply is not 200 (421, 404): the HTTP status is still 200 and the real one travels encrypted.",
  },
  EmptyBody: { bugType: "EDGE_CASE", description: "The reply body is empty." },
  ModifiedTag: { bugType: "AUTH_BYPASS", description: "One bit of the reply's tag is flipped. Refused." },
  TruncatedBody: { bugType: "AUTH_BYPASS", description: "The sealed reply lost its last byte. Refused." },
  WrongKey: {
    bugType: "BASIC",
    description: "The client's ephemeral key pair is not the one the reply was sealed for. Refused.",
  },
  NotBase64: {
    bugType: "EDGE_CASE",
    description: "A node or v3 reply body with a character outside the base64 alphabet. Refused.",
  },
  MalformedPlaintext: {
    bugType: "EDGE_CASE",
    description:
      'The reply authenticates but its plaintext has the wrong shape: a node reply that is not JSON or lacks an integer "status", a v4 reply that is not a bencoded list of byte strings with a JSON meta holding an integer "code". Refused.',
  },
};
