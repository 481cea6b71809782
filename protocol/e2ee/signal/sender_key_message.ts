/**
 * The two Sender Key wire messages of libsignal (e2ee.md §4), through the generated protobuf code
 * of `whisper_text_protocol.proto`:
 * - SenderKeyDistributionMessage (SKDM): `0x33 ‖ protobuf{distributionUuid, chainId, iteration,
 *   chainKey, signingKey}`;
 * - SenderKeyMessage: `0x33 ‖ protobuf{distributionUuid, chainId, iteration, ciphertext} ‖
 *   signature(64)`, the signature being XEdDSA over everything before it (§1.3).
 *
 * Parsing follows libsignal's `protocol.rs`: only the high nibble of the version byte is checked
 * (it must be 3), every field must be present, the distribution id is 16 bytes, the chain key 32
 * and the signing key a 33-byte `0x05` key.
 *
 * @module
 */

import { create, fromBinary, isFieldSet, toBinary } from "@bufbuild/protobuf";
import { fromHex, toHex } from "../../bytes.ts";
import { ED25519_SIGNATURE_BYTES, X25519_KEY_BYTES } from "../../constants.ts";
import { ProtocolError } from "../../errors.ts";
import type { Rng } from "../../rng.ts";
import { djbPublicKey, parseDjbPublicKey, xeddsaSign } from "../../crypto/xeddsa.ts";
import { SenderKeyDistributionMessageSchema, SenderKeyMessageSchema } from "../gen/whisper_text_protocol_pb.ts";
import {
  DISTRIBUTION_ID_BYTES,
  MAX_SENDER_KEY_ITERATION,
  MAX_SENDER_KEY_MESSAGE_BYTES,
  SENDER_CHAIN_KEY_BYTES,
  SENDER_KEY_SIGNATURE_BYTES,
  SENDER_KEY_VERSION,
} from "./sender_key_constants.ts";

/** Length of the version byte that starts both messages (e2ee.md §4). */
const VERSION_BYTE_LENGTH = 1;
/** Shift of the message version in the version byte (e2ee.md §3.5). */
const VERSION_NIBBLE_SHIFT = 4;
/** Mask of the low nibble ("current version") of the version byte. */
const LOW_NIBBLE = 0x0f;
/** A UUID in its canonical text form (RFC 9562 §4). */
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The content of a SenderKeyDistributionMessage (e2ee.md §4). */
export interface SenderKeyDistribution {
  /** 16-byte distribution id (a UUID). */
  distributionId: Uint8Array;
  /** Chain id (u32). */
  chainId: number;
  /** Iteration of `chainKey` (u32). */
  iteration: number;
  /** 32-byte chain key at `iteration`. */
  chainKey: Uint8Array;
  /** 32-byte X25519 signature public key (the wire carries it `0x05`-prefixed). */
  signingKey: Uint8Array;
}

/** A parsed SenderKeyDistributionMessage: its content and message version. */
export interface ParsedSenderKeyDistribution extends SenderKeyDistribution {
  /** Message version, the high nibble of the version byte (3). */
  version: number;
}

/** The fields of a SenderKeyMessage before signing (e2ee.md §4). */
export interface SenderKeyMessageFields {
  /** 16-byte distribution id. */
  distributionId: Uint8Array;
  /** Chain id (u32). */
  chainId: number;
  /** Iteration of the message key (u32). */
  iteration: number;
  /** AES-256-CBC ciphertext. */
  ciphertext: Uint8Array;
}

/** A parsed SenderKeyMessage: fields, version, and the signed part with its signature. */
export interface ParsedSenderKeyMessage extends SenderKeyMessageFields {
  /** Message version, the high nibble of the version byte (3). */
  version: number;
  /** `version ‖ protobuf`, exactly as received: what the signature covers. */
  signed: Uint8Array;
  /** The 64-byte XEdDSA signature. */
  signature: Uint8Array;
}

/** Options of {@link encodeSenderKeyMessage}. */
export interface EncodeSenderKeyMessageOptions {
  /** Source of the XEdDSA signature's random input. */
  rng: Rng;
  /** Message version for the high nibble; defaults to 3. */
  version?: number;
}

function invalid(what: string, detail: string, cause?: unknown): ProtocolError {
  return new ProtocolError(
    "SENDER_KEY_MESSAGE_INVALID",
    `Cannot parse ${what}: ${detail}`,
    cause === undefined ? undefined : { cause },
  );
}

function checkBytes(value: unknown, length: number | undefined, what: string, action: string): void {
  if (!(value instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: ${what} is not a Uint8Array`);
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`Cannot ${action}: ${what} is ${value.length} bytes, expected ${length}`);
  }
}

function checkU32(value: unknown, what: string, action: string): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_SENDER_KEY_ITERATION) {
    throw new RangeError(`Cannot ${action}: ${what} "${String(value)}" is not a u32`);
  }
}

/** Version byte `(version << 4) | 3`, as libsignal writes it (e2ee.md §4). */
function versionByte(version: number): number {
  return ((version & LOW_NIBBLE) << VERSION_NIBBLE_SHIFT) | SENDER_KEY_VERSION;
}

/** Check the size and the high nibble of the version byte; returns the version. */
function readVersion(bytes: Uint8Array, minLength: number, what: string): number {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`Cannot parse ${what}: value is not a Uint8Array`);
  if (bytes.length < minLength) throw invalid(what, `${bytes.length} bytes, needs at least ${minLength}`);
  if (bytes.length > MAX_SENDER_KEY_MESSAGE_BYTES) {
    throw invalid(what, `${bytes.length} bytes, limit ${MAX_SENDER_KEY_MESSAGE_BYTES}`);
  }
  const version = bytes[0] >> VERSION_NIBBLE_SHIFT;
  if (version !== SENDER_KEY_VERSION) throw invalid(what, `version ${version}, expected ${SENDER_KEY_VERSION}`);
  return version;
}

/**
 * The 16 bytes of a distribution id given as a UUID string (libsignal's API takes UUID strings).
 *
 * @param uuid canonical UUID text, e.g. `"d1b2c3d4-0000-4000-8000-00000000beef"`
 * @returns the 16 bytes
 * @throws {SyntaxError} when the text is not a UUID
 * @example
 * ```ts
 * import { distributionIdFromUuid, distributionIdToUuid } from "./sender_key_message.ts";
 * const id = distributionIdFromUuid("d1b2c3d4-0000-4000-8000-00000000beef");
 * if (distributionIdToUuid(id) !== "d1b2c3d4-0000-4000-8000-00000000beef") throw new Error("bad");
 * ```
 */
export function distributionIdFromUuid(uuid: string): Uint8Array {
  if (typeof uuid !== "string" || !UUID_PATTERN.test(uuid)) {
    throw new SyntaxError(`Cannot parse distribution id: "${String(uuid)}" is not a UUID`);
  }
  return fromHex(uuid.replaceAll("-", "").toLowerCase());
}

/**
 * The canonical lower-case UUID text of a 16-byte distribution id.
 *
 * @param distributionId 16 bytes
 * @returns e.g. `"d1b2c3d4-0000-4000-8000-00000000beef"`
 * @throws {TypeError | RangeError} when the id is not 16 bytes
 * @example
 * ```ts
 * import { distributionIdToUuid } from "./sender_key_message.ts";
 * if (distributionIdToUuid(new Uint8Array(16)) !== "00000000-0000-0000-0000-000000000000") throw new Error("bad");
 * ```
 */
export function distributionIdToUuid(distributionId: Uint8Array): string {
  checkBytes(distributionId, DISTRIBUTION_ID_BYTES, "distribution id", "format distribution id");
  const h = toHex(distributionId);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Serialize a SenderKeyDistributionMessage: `0x33 ‖ protobuf` (e2ee.md §4).
 *
 * @param distribution the content; the signing key is the raw 32-byte X25519 key
 * @returns the message bytes
 * @throws {TypeError | RangeError} for a field of the wrong type, length or range
 * @example Round trip
 * ```ts
 * import { encodeSenderKeyDistributionMessage, parseSenderKeyDistributionMessage } from "./sender_key_message.ts";
 * const skdm = encodeSenderKeyDistributionMessage({
 *   distributionId: new Uint8Array(16), chainId: 7, iteration: 0,
 *   chainKey: new Uint8Array(32).fill(1), signingKey: new Uint8Array(32).fill(9),
 * });
 * if (skdm[0] !== 0x33 || parseSenderKeyDistributionMessage(skdm).chainId !== 7) throw new Error("bad");
 * ```
 */
export function encodeSenderKeyDistributionMessage(distribution: SenderKeyDistribution): Uint8Array {
  const action = "encode sender key distribution message";
  checkBytes(distribution.distributionId, DISTRIBUTION_ID_BYTES, "distribution id", action);
  checkU32(distribution.chainId, "chain id", action);
  checkU32(distribution.iteration, "iteration", action);
  checkBytes(distribution.chainKey, SENDER_CHAIN_KEY_BYTES, "chain key", action);
  checkBytes(distribution.signingKey, X25519_KEY_BYTES, "signing key", action);
  const body = toBinary(
    SenderKeyDistributionMessageSchema,
    create(SenderKeyDistributionMessageSchema, {
      distributionUuid: distribution.distributionId,
      chainId: distribution.chainId,
      iteration: distribution.iteration,
      chainKey: distribution.chainKey,
      signingKey: djbPublicKey(distribution.signingKey),
    }),
  );
  const out = new Uint8Array(VERSION_BYTE_LENGTH + body.length);
  out[0] = versionByte(SENDER_KEY_VERSION);
  out.set(body, VERSION_BYTE_LENGTH);
  return out;
}

/**
 * Parse a SenderKeyDistributionMessage (e2ee.md §4), as libsignal's `protocol.rs` does.
 *
 * @param bytes the message as received
 * @returns its content (fresh arrays) and version
 * @throws {TypeError} when `bytes` is not a Uint8Array
 * @throws {ProtocolError} `SENDER_KEY_MESSAGE_INVALID` for a bad version, protobuf, missing field or
 *   wrong field size
 * @example A wrong version is refused
 * ```ts
 * import { parseSenderKeyDistributionMessage } from "./sender_key_message.ts";
 * import { isProtocolError } from "../../errors.ts";
 * try { parseSenderKeyDistributionMessage(new Uint8Array([0x23])); throw new Error("accepted"); }
 * catch (e) { if (!isProtocolError(e, "SENDER_KEY_MESSAGE_INVALID")) throw e; }
 * ```
 */
export function parseSenderKeyDistributionMessage(bytes: Uint8Array): ParsedSenderKeyDistribution {
  const what = "sender key distribution message";
  const version = readVersion(bytes, VERSION_BYTE_LENGTH, what);
  const S = SenderKeyDistributionMessageSchema;
  let m;
  try {
    m = fromBinary(S, bytes.subarray(VERSION_BYTE_LENGTH), { readUnknownFields: false });
  } catch (cause) {
    throw invalid(what, "bad protobuf", cause);
  }
  for (
    const f of [S.field.distributionUuid, S.field.chainId, S.field.iteration, S.field.chainKey, S.field.signingKey]
  ) {
    if (!isFieldSet(m, f)) throw invalid(what, `field "${f.name}" is missing`);
  }
  if (m.distributionUuid.length !== DISTRIBUTION_ID_BYTES) {
    throw invalid(what, `distribution id is ${m.distributionUuid.length} bytes, expected ${DISTRIBUTION_ID_BYTES}`);
  }
  if (m.chainKey.length !== SENDER_CHAIN_KEY_BYTES) {
    throw invalid(what, `chain key is ${m.chainKey.length} bytes, expected ${SENDER_CHAIN_KEY_BYTES}`);
  }
  let signingKey: Uint8Array;
  try {
    signingKey = parseDjbPublicKey(m.signingKey);
  } catch (cause) {
    throw invalid(what, "bad signing key", cause);
  }
  return {
    version,
    distributionId: m.distributionUuid.slice(),
    chainId: m.chainId,
    iteration: m.iteration,
    chainKey: m.chainKey.slice(),
    signingKey,
  };
}

/**
 * Serialize and sign a SenderKeyMessage: `version ‖ protobuf ‖ XEdDSA(signingSecret, version ‖
 * protobuf)` (e2ee.md §4), with libsignal's sign-bit convention (§1.3).
 *
 * @param fields distribution id, chain id, iteration and ciphertext
 * @param signingSecret the sender's 32-byte X25519 signature secret
 * @param options `rng` for the signature, optional `version`
 * @returns the message bytes
 * @throws {TypeError | RangeError} for a field of the wrong type, length or range
 * @example Parse what was encoded
 * ```ts
 * import { encodeSenderKeyMessage, parseSenderKeyMessage } from "./sender_key_message.ts";
 * import { systemRng } from "../../rng.ts";
 * const wire = encodeSenderKeyMessage(
 *   { distributionId: new Uint8Array(16), chainId: 1, iteration: 2, ciphertext: new Uint8Array(16) },
 *   systemRng.fill(new Uint8Array(32)),
 *   { rng: systemRng },
 * );
 * const m = parseSenderKeyMessage(wire);
 * if (m.iteration !== 2 || m.signature.length !== 64) throw new Error("bad");
 * ```
 */
export function encodeSenderKeyMessage(
  fields: SenderKeyMessageFields,
  signingSecret: Uint8Array,
  options: EncodeSenderKeyMessageOptions,
): Uint8Array {
  const action = "encode sender key message";
  checkBytes(fields.distributionId, DISTRIBUTION_ID_BYTES, "distribution id", action);
  checkU32(fields.chainId, "chain id", action);
  checkU32(fields.iteration, "iteration", action);
  checkBytes(fields.ciphertext, undefined, "ciphertext", action);
  checkBytes(signingSecret, X25519_KEY_BYTES, "signing secret", action);
  const body = toBinary(
    SenderKeyMessageSchema,
    create(SenderKeyMessageSchema, {
      distributionUuid: fields.distributionId,
      chainId: fields.chainId,
      iteration: fields.iteration,
      ciphertext: fields.ciphertext,
    }),
  );
  const out = new Uint8Array(VERSION_BYTE_LENGTH + body.length + SENDER_KEY_SIGNATURE_BYTES);
  out[0] = versionByte(options.version ?? SENDER_KEY_VERSION);
  out.set(body, VERSION_BYTE_LENGTH);
  const signed = out.subarray(0, VERSION_BYTE_LENGTH + body.length);
  out.set(xeddsaSign(signingSecret, signed, { rng: options.rng }), signed.length);
  return out;
}

/**
 * Parse a SenderKeyMessage (e2ee.md §4) without verifying its signature (the caller verifies
 * `signature` over `signed` with the sender's signing key).
 *
 * @param bytes the message as received
 * @returns its fields (fresh arrays), version, signed part and signature
 * @throws {TypeError} when `bytes` is not a Uint8Array
 * @throws {ProtocolError} `SENDER_KEY_MESSAGE_INVALID` for a short message, bad version, bad
 *   protobuf, missing field or wrong distribution id size
 * @example A message shorter than a signature is refused
 * ```ts
 * import { parseSenderKeyMessage } from "./sender_key_message.ts";
 * import { isProtocolError } from "../../errors.ts";
 * try { parseSenderKeyMessage(new Uint8Array(64).fill(0x33)); throw new Error("accepted"); }
 * catch (e) { if (!isProtocolError(e, "SENDER_KEY_MESSAGE_INVALID")) throw e; }
 * ```
 */
export function parseSenderKeyMessage(bytes: Uint8Array): ParsedSenderKeyMessage {
  const what = "sender key message";
  const version = readVersion(bytes, VERSION_BYTE_LENGTH + ED25519_SIGNATURE_BYTES, what);
  const signedLength = bytes.length - SENDER_KEY_SIGNATURE_BYTES;
  const S = SenderKeyMessageSchema;
  let m;
  try {
    m = fromBinary(S, bytes.subarray(VERSION_BYTE_LENGTH, signedLength), { readUnknownFields: false });
  } catch (cause) {
    throw invalid(what, "bad protobuf", cause);
  }
  for (const f of [S.field.distributionUuid, S.field.chainId, S.field.iteration, S.field.ciphertext]) {
    if (!isFieldSet(m, f)) throw invalid(what, `field "${f.name}" is missing`);
  }
  if (m.distributionUuid.length !== DISTRIBUTION_ID_BYTES) {
    throw invalid(what, `distribution id is ${m.distributionUuid.length} bytes, expected ${DISTRIBUTION_ID_BYTES}`);
  }
  return {
    version,
    distributionId: m.distributionUuid.slice(),
    chainId: m.chainId,
    iteration: m.iteration,
    ciphertext: m.ciphertext.slice(),
    signed: bytes.slice(0, signedLength),
    signature: bytes.slice(signedLength),
  };
}
