/**
 * The wire format of libsignal's one-to-one messages (e2ee.md §3.5): SignalMessage (type 2) and
 * PreKeySignalMessage (type 3), framed as `version ‖ protobuf [‖ mac]`. The protobuf bodies are
 * the generated `signal.proto.wire` messages (`protocol/e2ee/gen/whisper_text_protocol_pb.ts`).
 *
 * Receivers check only the high nibble of the version byte (e2ee.md §3.5); the MAC covers the
 * version byte exactly as it was sent.
 *
 * @module
 */

import { create, fromBinary, isFieldSet, toBinary } from "@bufbuild/protobuf";
import { concat, ctEqual } from "../../bytes.ts";
import { defaultProvider } from "../../crypto/default.ts";
import type { CryptoProvider } from "../../crypto/provider.ts";
import { djbPublicKey, parseDjbPublicKey } from "../../crypto/xeddsa.ts";
import { ProtocolError } from "../../errors.ts";
import { PreKeySignalMessageSchema, SignalMessageSchema } from "../gen/whisper_text_protocol_pb.ts";
import {
  MAX_MESSAGE_COUNTER,
  MAX_SIGNAL_MESSAGE_BYTES,
  SIGNAL_KEY_BYTES,
  SIGNAL_MAC_BYTES,
  SIGNAL_SESSION_VERSION,
  VERSION_BYTE_LENGTH,
} from "./constants.ts";
import { isV3VersionByte } from "./ratchet_state.ts";

/** Options of the functions that compute a MAC. */
export interface WireOptions {
  /** Crypto provider; defaults to {@link defaultProvider}. */
  provider?: CryptoProvider;
}

/** The header and body of a SignalMessage (e2ee.md §3.5). */
export interface SignalMessageFields {
  /** Version byte to send: `0x33` or `0x34` on a v3 session. */
  versionByte: number;
  /** The sender's 32-byte ratchet public key (encoded with `0x05` on the wire). */
  ratchetKey: Uint8Array;
  /** Message number in the sending chain. */
  counter: number;
  /** libsignal's previous counter (see `ratchet_state.ts`). */
  previousCounter: number;
  /** AES-256-CBC ciphertext. */
  ciphertext: Uint8Array;
}

/** The identities and key the MAC binds (e2ee.md §2.2 associated data, §3.5). */
export interface MacContext {
  /** 32-byte MAC key from the message keys (e2ee.md §3.1). */
  macKey: Uint8Array;
  /** The sender's 32-byte identity public key. */
  senderIdentityKey: Uint8Array;
  /** The receiver's 32-byte identity public key. */
  receiverIdentityKey: Uint8Array;
}

/** A parsed SignalMessage; its MAC is not yet verified. */
export interface ParsedSignalMessage extends SignalMessageFields {
  /** `version ‖ protobuf`: the MAC input after the identities. */
  readonly macInput: Uint8Array;
  /** The 8-byte MAC as received. */
  readonly mac: Uint8Array;
}

/** The fields of a PreKeySignalMessage (e2ee.md §3.5). */
export interface PreKeySignalMessageFields {
  /** Version byte to send: `0x33` or `0x34`. */
  versionByte: number;
  /** The initiator's registration id. */
  registrationId: number;
  /** The one-time prekey id used, when one was. */
  preKeyId?: number;
  /** The signed prekey id used. */
  signedPreKeyId: number;
  /** The initiator's 32-byte base (ephemeral) public key. */
  baseKey: Uint8Array;
  /** The initiator's 32-byte identity public key. */
  identityKey: Uint8Array;
  /** The serialized SignalMessage it carries. */
  message: Uint8Array;
}

/** A parsed PreKeySignalMessage with its inner SignalMessage parsed too. */
export interface ParsedPreKeySignalMessage extends PreKeySignalMessageFields {
  /** The inner SignalMessage. */
  readonly signalMessage: ParsedSignalMessage;
}

function invalid(what: string, detail: string, cause?: unknown): never {
  throw new ProtocolError("SIGNAL_MESSAGE_INVALID", `Cannot parse ${what}: ${detail}`, { cause });
}

function checkVersion(bytes: Uint8Array, what: string): number {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`Cannot parse ${what}: value is not a Uint8Array`);
  if (bytes.length > MAX_SIGNAL_MESSAGE_BYTES) invalid(what, `${bytes.length} bytes is over the limit`);
  if (bytes.length < VERSION_BYTE_LENGTH) invalid(what, "empty");
  const version = bytes[0] >> 4;
  if (version !== SIGNAL_SESSION_VERSION) {
    throw new ProtocolError(
      "SIGNAL_VERSION_UNSUPPORTED",
      `Cannot parse ${what}: message version ${version}, expected ${SIGNAL_SESSION_VERSION}`,
    );
  }
  return bytes[0];
}

function key(bytes: Uint8Array, what: string, field: string): Uint8Array {
  try {
    return parseDjbPublicKey(bytes);
  } catch (cause) {
    return invalid(what, `${field} is not a 33-byte 0x05 key`, cause);
  }
}

function checkU32(value: unknown, what: string): void {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > MAX_MESSAGE_COUNTER) {
    throw new RangeError(`Cannot encode message: ${what} "${value}" is not a u32`);
  }
}

function checkRaw(value: unknown, what: string): void {
  if (!(value instanceof Uint8Array) || value.length !== SIGNAL_KEY_BYTES) {
    throw new RangeError(`Cannot encode message: ${what} is not ${SIGNAL_KEY_BYTES} bytes`);
  }
}

function checkVersionByte(value: number): void {
  if (!isV3VersionByte(value)) {
    throw new RangeError(`Cannot encode message: version byte "${value}" is not 0x33 or 0x34`);
  }
}

/**
 * The truncated MAC of a SignalMessage (e2ee.md §3.5):
 * `HMAC(macKey, Encode(IK_sender) ‖ Encode(IK_receiver) ‖ version ‖ protobuf)[0..8)`.
 *
 * @param macInput `version ‖ protobuf`
 * @param context the MAC key and the two identities
 * @param options provider
 * @returns the 8-byte MAC
 * @throws {RangeError} when a key is not 32 bytes
 * @example
 * ```ts
 * import { signalMessageMac } from "./wire.ts";
 * const k = new Uint8Array(32);
 * const mac = await signalMessageMac(new Uint8Array([0x33]), { macKey: k, senderIdentityKey: k, receiverIdentityKey: k });
 * if (mac.length !== 8) throw new Error("bad");
 * ```
 */
export async function signalMessageMac(
  macInput: Uint8Array,
  context: MacContext,
  options: WireOptions = {},
): Promise<Uint8Array> {
  checkRaw(context.macKey, "MAC key");
  checkRaw(context.senderIdentityKey, "sender identity key");
  checkRaw(context.receiverIdentityKey, "receiver identity key");
  const provider = options.provider ?? await defaultProvider();
  const input = concat(djbPublicKey(context.senderIdentityKey), djbPublicKey(context.receiverIdentityKey), macInput);
  const full = await provider.hmacSha256(context.macKey, input);
  return full.slice(0, SIGNAL_MAC_BYTES);
}

/**
 * Serialize and MAC a SignalMessage: `version ‖ protobuf ‖ mac(8)` (e2ee.md §3.5).
 *
 * @param fields header and ciphertext
 * @param context the MAC key and the identities (sender = us)
 * @param options provider
 * @returns the wire bytes
 * @throws {RangeError} for an out-of-range field
 * @example Encode then parse
 * ```ts
 * import { decodeSignalMessage, encodeSignalMessage } from "./wire.ts";
 * const k = new Uint8Array(32);
 * const fields = { versionByte: 0x33, ratchetKey: k, counter: 2, previousCounter: 0, ciphertext: new Uint8Array(16) };
 * const wire = await encodeSignalMessage(fields, { macKey: k, senderIdentityKey: k, receiverIdentityKey: k });
 * if (decodeSignalMessage(wire).counter !== 2) throw new Error("bad");
 * ```
 */
export async function encodeSignalMessage(
  fields: SignalMessageFields,
  context: MacContext,
  options: WireOptions = {},
): Promise<Uint8Array> {
  checkVersionByte(fields.versionByte);
  checkRaw(fields.ratchetKey, "ratchet key");
  checkU32(fields.counter, "counter");
  checkU32(fields.previousCounter, "previous counter");
  if (!(fields.ciphertext instanceof Uint8Array)) throw new TypeError("Cannot encode message: ciphertext is not bytes");
  const body = toBinary(
    SignalMessageSchema,
    create(SignalMessageSchema, {
      ratchetKey: djbPublicKey(fields.ratchetKey),
      counter: fields.counter,
      previousCounter: fields.previousCounter,
      ciphertext: fields.ciphertext,
    }),
  );
  const macInput = concat(new Uint8Array([fields.versionByte]), body);
  return concat(macInput, await signalMessageMac(macInput, context, options));
}

/**
 * Parse a SignalMessage without checking its MAC (the receiver derives the MAC key first).
 *
 * @param bytes `version ‖ protobuf ‖ mac(8)`
 * @returns the fields, the MAC input and the MAC
 * @throws {TypeError} when `bytes` is not a Uint8Array
 * @throws {ProtocolError} `SIGNAL_VERSION_UNSUPPORTED` when the high nibble is not 3;
 *   `SIGNAL_MESSAGE_INVALID` for bad framing, protobuf, a missing field or a bad key
 * @example A version-4 message is refused
 * ```ts
 * import { decodeSignalMessage } from "./wire.ts";
 * import { isProtocolError } from "../../errors.ts";
 * try {
 *   decodeSignalMessage(new Uint8Array(9).fill(0x44));
 *   throw new Error("accepted");
 * } catch (e) {
 *   if (!isProtocolError(e, "SIGNAL_VERSION_UNSUPPORTED")) throw e;
 * }
 * ```
 */
export function decodeSignalMessage(bytes: Uint8Array): ParsedSignalMessage {
  const what = "SignalMessage";
  const versionByte = checkVersion(bytes, what);
  if (bytes.length < VERSION_BYTE_LENGTH + SIGNAL_MAC_BYTES) invalid(what, `${bytes.length} bytes is too short`);
  const macInput = bytes.slice(0, bytes.length - SIGNAL_MAC_BYTES);
  const mac = bytes.slice(bytes.length - SIGNAL_MAC_BYTES);
  let msg;
  try {
    msg = fromBinary(SignalMessageSchema, macInput.subarray(VERSION_BYTE_LENGTH));
  } catch (cause) {
    invalid(what, "bad protobuf", cause);
  }
  const f = SignalMessageSchema.field;
  if (!isFieldSet(msg, f.ratchetKey) || !isFieldSet(msg, f.counter) || !isFieldSet(msg, f.ciphertext)) {
    invalid(what, "a required field is missing");
  }
  return {
    versionByte,
    ratchetKey: key(msg.ratchetKey, what, "ratchet key"),
    counter: msg.counter,
    // libsignal: previous_counter.unwrap_or(0)
    previousCounter: msg.previousCounter,
    ciphertext: msg.ciphertext,
    macInput,
    mac,
  };
}

/**
 * Check a parsed SignalMessage's MAC in constant time.
 *
 * @param message from {@link decodeSignalMessage}
 * @param context the MAC key and the identities (sender = the peer)
 * @param options provider
 * @returns whether the MAC is right
 * @throws {RangeError} when a key is not 32 bytes
 * @example A MAC made for other identities fails
 * ```ts
 * import { decodeSignalMessage, encodeSignalMessage, verifySignalMessageMac } from "./wire.ts";
 * const k = new Uint8Array(32), other = new Uint8Array(32).fill(1);
 * const fields = { versionByte: 0x34, ratchetKey: k, counter: 0, previousCounter: 0, ciphertext: new Uint8Array(16) };
 * const wire = await encodeSignalMessage(fields, { macKey: k, senderIdentityKey: k, receiverIdentityKey: k });
 * const ok = await verifySignalMessageMac(decodeSignalMessage(wire), { macKey: k, senderIdentityKey: other, receiverIdentityKey: k });
 * if (ok) throw new Error("bad");
 * ```
 */
export async function verifySignalMessageMac(
  message: ParsedSignalMessage,
  context: MacContext,
  options: WireOptions = {},
): Promise<boolean> {
  return ctEqual(await signalMessageMac(message.macInput, context, options), message.mac);
}

/**
 * Serialize a PreKeySignalMessage: `version ‖ protobuf` (e2ee.md §3.5; not MACed itself, the inner
 * SignalMessage is).
 *
 * @param fields the fields
 * @returns the wire bytes
 * @throws {RangeError} for an out-of-range field
 * @example Encode then parse
 * ```ts
 * import { decodePreKeySignalMessage, encodePreKeySignalMessage, encodeSignalMessage } from "./wire.ts";
 * const k = new Uint8Array(32).fill(9);
 * const inner = await encodeSignalMessage(
 *   { versionByte: 0x33, ratchetKey: k, counter: 0, previousCounter: 0, ciphertext: new Uint8Array(16) },
 *   { macKey: k, senderIdentityKey: k, receiverIdentityKey: k },
 * );
 * const wire = encodePreKeySignalMessage({
 *   versionByte: 0x33, registrationId: 7, signedPreKeyId: 1, baseKey: k, identityKey: k, message: inner,
 * });
 * const parsed = decodePreKeySignalMessage(wire);
 * if (parsed.preKeyId !== undefined || parsed.registrationId !== 7) throw new Error("bad");
 * ```
 */
export function encodePreKeySignalMessage(fields: PreKeySignalMessageFields): Uint8Array {
  checkVersionByte(fields.versionByte);
  checkU32(fields.registrationId, "registration id");
  if (fields.preKeyId !== undefined) checkU32(fields.preKeyId, "prekey id");
  checkU32(fields.signedPreKeyId, "signed prekey id");
  checkRaw(fields.baseKey, "base key");
  checkRaw(fields.identityKey, "identity key");
  if (!(fields.message instanceof Uint8Array)) throw new TypeError("Cannot encode message: inner message is not bytes");
  const msg = create(PreKeySignalMessageSchema, {
    registrationId: fields.registrationId,
    signedPreKeyId: fields.signedPreKeyId,
    baseKey: djbPublicKey(fields.baseKey),
    identityKey: djbPublicKey(fields.identityKey),
    message: fields.message,
  });
  if (fields.preKeyId !== undefined) msg.preKeyId = fields.preKeyId;
  return concat(new Uint8Array([fields.versionByte]), toBinary(PreKeySignalMessageSchema, msg));
}

/**
 * Parse a PreKeySignalMessage and the SignalMessage inside it (MAC not checked).
 *
 * @param bytes `version ‖ protobuf`
 * @returns the fields and the parsed inner message
 * @throws {TypeError} when `bytes` is not a Uint8Array
 * @throws {ProtocolError} `SIGNAL_VERSION_UNSUPPORTED` when the high nibble is not 3;
 *   `SIGNAL_MESSAGE_INVALID` for bad protobuf, a missing field, a bad key or a bad inner message
 * @example Garbage is refused with a typed error
 * ```ts
 * import { decodePreKeySignalMessage } from "./wire.ts";
 * import { isProtocolError } from "../../errors.ts";
 * try {
 *   decodePreKeySignalMessage(new Uint8Array([0x33, 0xff]));
 *   throw new Error("accepted");
 * } catch (e) {
 *   if (!isProtocolError(e, "SIGNAL_MESSAGE_INVALID")) throw e;
 * }
 * ```
 */
export function decodePreKeySignalMessage(bytes: Uint8Array): ParsedPreKeySignalMessage {
  const what = "PreKeySignalMessage";
  const versionByte = checkVersion(bytes, what);
  let msg;
  try {
    msg = fromBinary(PreKeySignalMessageSchema, bytes.subarray(VERSION_BYTE_LENGTH));
  } catch (cause) {
    invalid(what, "bad protobuf", cause);
  }
  const f = PreKeySignalMessageSchema.field;
  for (const field of [f.signedPreKeyId, f.baseKey, f.identityKey, f.message]) {
    if (!isFieldSet(msg, field)) invalid(what, `field "${field.name}" is missing`);
  }
  const signalMessage = decodeSignalMessage(msg.message);
  if (signalMessage.versionByte >> 4 !== versionByte >> 4) invalid(what, "inner message version differs");
  return {
    versionByte,
    // libsignal: registration_id.unwrap_or_default()
    registrationId: msg.registrationId,
    preKeyId: isFieldSet(msg, f.preKeyId) ? msg.preKeyId : undefined,
    signedPreKeyId: msg.signedPreKeyId,
    baseKey: key(msg.baseKey, what, "base key"),
    identityKey: key(msg.identityKey, what, "identity key"),
    message: msg.message,
    signalMessage,
  };
}
