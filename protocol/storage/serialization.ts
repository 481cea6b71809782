/**
 * The `sn.data` bulk hand-over format between swarm members (swarms-and-storage.md §4.2,
 * oxen-storage-server `snode/serialization.cpp`): a version byte `0x01` and a bencoded list of
 * `[33-byte account id, hash, timestamp_ms, expiry_ms, data]`, split into blobs by the reference's
 * size estimate. The format carries no namespace; receivers store everything in namespace 0.
 *
 * @module
 */

import { fromHex, fromUtf8, toHex, utf8 } from "../bytes.ts";
import { isProtocolError, ProtocolError } from "../errors.ts";
import { bdecode, bencode, type BValue } from "../onion/bencode.ts";
import { ACCOUNT_ID_BYTES } from "./message_hash.ts";

/** Format version byte that starts every blob (§4.2, reference `SERIALIZATION_VERSION_BT`). */
export const HANDOVER_VERSION = 0x01;
/** Upper bound of a blob's size estimate (§4.2, reference `SERIALIZATION_BATCH_SIZE`). */
export const HANDOVER_BATCH_SIZE = 9_000_000;

/**
 * Per-message size estimate terms, exactly as the reference adds them (§4.2): version byte,
 * `l…e`, `33:` + account id, two `i…e` millisecond times of up to 13 digits, then
 * `4 + len(hash)` and `6 + len(data)`.
 */
const ESTIMATE_VERSION = 1;
const ESTIMATE_LIST = 2;
const ESTIMATE_ACCOUNT = 36;
const ESTIMATE_TIMES = 2 * 15;
const ESTIMATE_HASH_OVERHEAD = 4;
const ESTIMATE_DATA_OVERHEAD = 6;
/** The running estimate starts at 2 (the outer `l…e`). */
const ESTIMATE_START = 2;
/** Fields of one hand-over element. */
const ELEMENT_FIELDS = 5;
const ACCOUNT_HEX_RE = /^[0-9a-f]{66}$/;

/** One message as handed over in `sn.data` (there is no namespace field, §4.2). */
export interface HandoverMessage {
  /** Account id: 66 lowercase hex digits (prefix byte ‖ 32-byte key, §1.1). */
  account: string;
  /** Message hash text as stored (normally 43 base64 characters, §8); sent as its UTF-8 bytes. */
  hash: string;
  /** Store timestamp, integer milliseconds since the Unix epoch. */
  timestamp: number;
  /** Expiry, integer milliseconds since the Unix epoch. */
  expiry: number;
  /** Message data. */
  data: Uint8Array;
}

/** Options of {@link encodeHandoverBlobs}. */
export interface EncodeHandoverOptions {
  /** Size-estimate bound per blob; default {@link HANDOVER_BATCH_SIZE}. */
  batchSize?: number;
}

/**
 * Encode messages as `sn.data` blobs (swarms-and-storage.md §4.2, reference `serialize_messages`).
 * A running estimate starts at 2 and adds `1 + 2 + 36 + 30 + (4 + len(hash)) + (6 + len(data))`
 * per message; when it passes the batch size and the current blob already holds a message, the
 * blob is closed and the estimate restarts at `3 + that message's estimate`. The last blob is
 * always emitted, so no messages give one blob holding an empty list.
 *
 * @param messages the messages, in the order to send them
 * @param options batch size
 * @returns one or more blobs, each `0x01` ‖ bencoded list
 * @throws {TypeError} when a message field has the wrong type
 * @throws {RangeError} when an account is not 66 lowercase hex digits, a time is not a safe
 *   integer, or the batch size is not a positive integer
 * @example One message
 * ```ts
 * import { decodeHandoverBlob, encodeHandoverBlobs } from "./serialization.ts";
 * const msg = { account: "05" + "ab".repeat(32), hash: "h", timestamp: 1, expiry: 2, data: new Uint8Array([7]) };
 * const [blob] = encodeHandoverBlobs([msg]);
 * if (blob[0] !== 0x01 || decodeHandoverBlob(blob)[0].hash !== "h") throw new Error("bad");
 * ```
 */
export function encodeHandoverBlobs(
  messages: Iterable<HandoverMessage>,
  options: EncodeHandoverOptions = {},
): Uint8Array[] {
  const batchSize = options.batchSize ?? HANDOVER_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`Cannot encode sn.data blob: batch size ${batchSize} is not a positive integer`);
  }
  if (messages == null || typeof messages[Symbol.iterator] !== "function") {
    throw new TypeError("Cannot encode sn.data blob: messages is not iterable");
  }
  const blobs: Uint8Array[] = [];
  let list: BValue[] = [];
  let counter = ESTIMATE_START;
  for (const msg of messages) {
    const element = toElement(msg);
    const hashBytes = element[1] as Uint8Array;
    const estimate = ESTIMATE_VERSION + ESTIMATE_LIST + ESTIMATE_ACCOUNT + ESTIMATE_TIMES +
      (ESTIMATE_HASH_OVERHEAD + hashBytes.length) + (ESTIMATE_DATA_OVERHEAD + msg.data.length);
    counter += estimate;
    if (list.length > 0 && counter > batchSize) {
      blobs.push(blob(list));
      list = [];
      counter = ESTIMATE_VERSION + ESTIMATE_LIST + estimate;
    }
    list.push(element);
  }
  blobs.push(blob(list));
  return blobs;
}

/**
 * Decode one `sn.data` blob (swarms-and-storage.md §4.2, reference `deserialize_messages`).
 * Stricter than the reference, which returns an empty list for a bad version or account and
 * ignores extra fields and trailing bytes: here anything but the exact format throws.
 *
 * @param blob `0x01` ‖ bencoded list of `[account(33), hash, timestamp_ms, expiry_ms, data]`
 * @returns the messages in blob order (`data` is a copy, not a view of `blob`)
 * @throws {TypeError} when `blob` is not a Uint8Array
 * @throws {ProtocolError} `HANDOVER_INVALID` on a wrong version byte, malformed bencode, an element
 *   that is not a 5-field list of the right types, an account id that is not 33 bytes, a hash that
 *   is not UTF-8, or a time that is not an integer
 * @example
 * ```ts
 * import { decodeHandoverBlob } from "./serialization.ts";
 * if (decodeHandoverBlob(new Uint8Array([0x01, 0x6c, 0x65])).length !== 0) throw new Error("bad");
 * ```
 */
export function decodeHandoverBlob(blob: Uint8Array): HandoverMessage[] {
  if (!(blob instanceof Uint8Array)) throw new TypeError("Cannot decode sn.data blob: blob is not a Uint8Array");
  if (blob.length === 0) fail("blob is empty");
  if (blob[0] !== HANDOVER_VERSION) fail(`version byte is 0x${blob[0].toString(16).padStart(2, "0")}, expected 0x01`);
  let list: BValue;
  try {
    list = bdecode(blob.subarray(1));
  } catch (err) {
    if (isProtocolError(err)) fail(err.message, err);
    throw err;
  }
  if (!Array.isArray(list)) fail("body is not a list");
  return list.map((element, i) => fromElement(element, i));
}

function fail(detail: string, cause?: unknown): never {
  throw new ProtocolError("HANDOVER_INVALID", `Cannot decode sn.data blob: ${detail}`, { cause });
}

/** Check a message and build its bencode element. */
function toElement(msg: HandoverMessage): BValue[] {
  const action = "Cannot encode sn.data blob";
  if (msg === null || typeof msg !== "object") throw new TypeError(`${action}: message is not an object`);
  const { account, hash, timestamp, expiry, data } = msg;
  if (typeof account !== "string") throw new TypeError(`${action}: account is not a string`);
  if (!ACCOUNT_HEX_RE.test(account)) {
    throw new RangeError(`${action}: account "${account}" is not ${2 * ACCOUNT_ID_BYTES} lowercase hex digits`);
  }
  if (typeof hash !== "string") throw new TypeError(`${action}: hash is not a string`);
  if (!(data instanceof Uint8Array)) throw new TypeError(`${action}: data is not a Uint8Array`);
  for (const [what, t] of [["timestamp", timestamp], ["expiry", expiry]] as const) {
    if (typeof t !== "number") throw new TypeError(`${action}: ${what} is not a number`);
    if (!Number.isSafeInteger(t)) throw new RangeError(`${action}: ${what} ${t} is not a safe integer`);
  }
  return [fromHex(account), utf8(hash), timestamp, expiry, data];
}

/** Check one decoded element and turn it into a message. */
function fromElement(element: BValue, i: number): HandoverMessage {
  if (!Array.isArray(element) || element.length !== ELEMENT_FIELDS) {
    fail(`element ${i} is not a list of ${ELEMENT_FIELDS} fields`);
  }
  const [account, hash, timestamp, expiry, data] = element;
  if (!(account instanceof Uint8Array) || account.length !== ACCOUNT_ID_BYTES) {
    fail(`element ${i} account id is not a ${ACCOUNT_ID_BYTES}-byte string`);
  }
  if (!(hash instanceof Uint8Array)) fail(`element ${i} hash is not a byte string`);
  if (typeof timestamp !== "number") fail(`element ${i} timestamp is not an integer`);
  if (typeof expiry !== "number") fail(`element ${i} expiry is not an integer`);
  if (!(data instanceof Uint8Array)) fail(`element ${i} data is not a byte string`);
  let hashText: string;
  try {
    hashText = fromUtf8(hash);
  } catch (err) {
    fail(`element ${i} hash is not UTF-8`, err);
  }
  return { account: toHex(account), hash: hashText, timestamp, expiry, data: data.slice() };
}

function blob(list: BValue[]): Uint8Array {
  const body = bencode(list);
  const out = new Uint8Array(1 + body.length);
  out[0] = HANDOVER_VERSION;
  out.set(body, 1);
  return out;
}
