/**
 * libsodium's `crypto_secretstream_xchacha20poly1305` in pure TypeScript over @noble/ciphers,
 * byte-for-byte compatible with libsodium (checked against sodium-native in the tests); used by
 * the deterministic attachment format (e2ee.md §6.2).
 *
 * The construction (libsodium `crypto_secretstream/xchacha20poly1305/secretstream_xchacha20poly1305.c`):
 * - header (24 bytes) = 16 bytes for HChaCha20 ‖ 8-byte initial "inonce";
 * - state: key = HChaCha20(key, header[0..16)), nonce = counter(4, LE, starts at 1) ‖ inonce(8);
 * - each message: ChaCha20-IETF block 0 keys Poly1305; the tag byte is encrypted as the first
 *   byte of block 1 (the whole 64-byte block is authenticated); the message is encrypted from
 *   block 2; MAC = Poly1305(ad ‖ pad16(ad) ‖ block1 ‖ c ‖ 0^(|c| mod 16) ‖ le64(|ad|) ‖
 *   le64(64 + |c|)) (the second pad is libsodium's quirk, kept for compatibility); output is
 *   `encryptedTag(1) ‖ c ‖ mac(16)`;
 * - then inonce ^= mac[0..8), counter += 1, and a rekey happens when the tag has the REKEY bit
 *   or the counter wrapped to 0: (key ‖ inonce) ^= ChaCha20-IETF keystream (block 0), counter = 1.
 *
 * The state is a small mutable object, like libsodium's: each push or pull advances it. A pull
 * that fails authentication leaves it unchanged.
 *
 * @module
 */

import { chacha20, hchacha } from "@noble/ciphers/chacha.js";
import { Poly1305 } from "@noble/ciphers/_poly1305.js";
import { ctEqual, readU32le, wipe, writeU32le } from "../bytes.ts";
import { ProtocolError } from "../errors.ts";

/** Key length, `crypto_secretstream_xchacha20poly1305_KEYBYTES`. */
export const SECRETSTREAM_KEY_BYTES = 32;
/** Header length, `crypto_secretstream_xchacha20poly1305_HEADERBYTES`. */
export const SECRETSTREAM_HEADER_BYTES = 24;
/** Per-message overhead, `crypto_secretstream_xchacha20poly1305_ABYTES`: tag byte ‖ 16-byte MAC. */
export const SECRETSTREAM_ABYTES = 17;
/** Tag of an ordinary message, `crypto_secretstream_xchacha20poly1305_TAG_MESSAGE`. */
export const SECRETSTREAM_TAG_MESSAGE = 0;
/** Tag marking the end of a set of messages, `…_TAG_PUSH`. */
export const SECRETSTREAM_TAG_PUSH = 1;
/** Tag that rekeys the stream after this message, `…_TAG_REKEY`. */
export const SECRETSTREAM_TAG_REKEY = 2;
/** Tag of the last message, `…_TAG_FINAL` (= PUSH | REKEY). */
export const SECRETSTREAM_TAG_FINAL = 3;
/** Largest message, `crypto_secretstream_xchacha20poly1305_MESSAGEBYTES_MAX` capped to the JS-safe range: (2^32 − 2) · 64. */
export const SECRETSTREAM_MESSAGE_BYTES_MAX = (2 ** 32 - 2) * 64;

/** Bytes of the header fed to HChaCha20 (`crypto_core_hchacha20_INPUTBYTES`). */
const HCHACHA_INPUT_BYTES = 16;
/** Bytes of the inonce part of the nonce (`crypto_secretstream_xchacha20poly1305_INONCEBYTES`). */
const INONCE_BYTES = 8;
/** Bytes of the block counter part of the nonce (`crypto_secretstream_xchacha20poly1305_COUNTERBYTES`). */
const COUNTER_BYTES = 4;
/** ChaCha20-IETF nonce: counter ‖ inonce. */
const NONCE_BYTES = COUNTER_BYTES + INONCE_BYTES;
/** One ChaCha20 block. */
const BLOCK_BYTES = 64;
/** Poly1305 one-time key length. */
const POLY1305_KEY_BYTES = 32;
/** Bytes of each little-endian length in the Poly1305 input. */
const LENGTH_BYTES = 8;
/** Poly1305 pads each part to 16 bytes. */
const POLY_PAD = 16;
/** ChaCha20 block counter of the tag block, then of the message (libsodium's `_xor_ic` calls). */
const TAG_BLOCK_COUNTER = 1;
const MESSAGE_BLOCK_COUNTER = 2;
/** "expand 32-byte k", the ChaCha20 constants as little-endian words (RFC 8439 §2.3). */
const SIGMA = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
const ZERO_PAD = new Uint8Array(POLY_PAD);
const EMPTY = new Uint8Array(0);

/** The secret part of a state: the current key and the next nonce, counter(4, LE) ‖ inonce(8). */
interface Inner {
  key: Uint8Array;
  nonce: Uint8Array;
}

/** State bytes, out of reach of printing and of callers. */
const INNER = new WeakMap<SecretstreamState, Inner>();
const STATE_LABEL = "[SecretstreamState]";

/**
 * The state of one direction of a stream (libsodium's `crypto_secretstream_xchacha20poly1305_state`).
 * It holds the current key, out of reach: it prints a label only, and {@link SecretstreamState.wipe}
 * zeroes it once the stream is done. Create it with {@link secretstreamInitPush} or
 * {@link secretstreamInitPull}.
 */
export class SecretstreamState {
  /**
   * Derive the state from a key and a header (`init_push` and `init_pull` do the same).
   *
   * @param key 32-byte key
   * @param header 24-byte header
   */
  constructor(key: Uint8Array, header: Uint8Array) {
    const nonce = new Uint8Array(NONCE_BYTES);
    nonce.set(header.subarray(HCHACHA_INPUT_BYTES, SECRETSTREAM_HEADER_BYTES), COUNTER_BYTES);
    resetCounter(nonce);
    INNER.set(this, { key: hchacha20(key, header.subarray(0, HCHACHA_INPUT_BYTES)), nonce });
  }

  /** Zero the key and nonce; the state is unusable afterwards. */
  wipe(): void {
    const inner = INNER.get(this);
    if (inner) wipe(inner.key, inner.nonce);
  }

  /** A label, never the key. */
  toString(): string {
    return STATE_LABEL;
  }

  /** A label, never the key. */
  toJSON(): string {
    return STATE_LABEL;
  }

  /** A label for Deno's inspector. */
  [Symbol.for("Deno.customInspect")](): string {
    return STATE_LABEL;
  }

  /** A label for Node's inspector. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return STATE_LABEL;
  }
}

function innerOf(state: unknown, action: string): Inner {
  const inner = state instanceof SecretstreamState ? INNER.get(state) : undefined;
  if (inner === undefined) throw new TypeError(`Cannot ${action}: state is not a SecretstreamState`);
  return inner;
}

/** The MAC of one message (libsodium: Poly1305 keyed by ChaCha20 block 0 over ad, tag block, c, lengths). */
function messageMac(st: Inner, ad: Uint8Array, tagBlock: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const polyKey = chacha20(st.key, st.nonce, new Uint8Array(BLOCK_BYTES));
  const poly = new Poly1305(polyKey.subarray(0, POLY1305_KEY_BYTES));
  wipe(polyKey);
  poly.update(ad).update(ZERO_PAD.subarray(0, (POLY_PAD - (ad.length % POLY_PAD)) % POLY_PAD));
  poly.update(tagBlock).update(ciphertext);
  // libsodium writes `(0x10 - (sizeof block) + mlen) & 0xf` here: mlen mod 16 zero bytes, not the
  // pad to a multiple of 16 that the parenthesisation suggests was meant. Reproduced as is.
  poly.update(ZERO_PAD.subarray(0, (POLY_PAD - BLOCK_BYTES + ciphertext.length) & (POLY_PAD - 1)));
  const lengths = new Uint8Array(2 * LENGTH_BYTES);
  writeLe64(lengths, 0, ad.length);
  writeLe64(lengths, LENGTH_BYTES, BLOCK_BYTES + ciphertext.length);
  return poly.update(lengths).digest();
}

/** The tag block: ChaCha20 block 1 applied to `tag ‖ 0^63`. */
function tagBlockFor(st: Inner, tag: number): Uint8Array {
  const block = new Uint8Array(BLOCK_BYTES);
  block[0] = tag;
  return chacha20(st.key, st.nonce, block, block, TAG_BLOCK_COUNTER);
}

/** After a message: fold the MAC into the inonce, step the counter, rekey when due. */
function advance(st: Inner, mac: Uint8Array, tag: number): void {
  for (let i = 0; i < INONCE_BYTES; i++) st.nonce[COUNTER_BYTES + i] ^= mac[i];
  const counter = (readU32le(st.nonce, 0) + 1) >>> 0;
  writeU32le(st.nonce, 0, counter);
  if ((tag & SECRETSTREAM_TAG_REKEY) !== 0 || counter === 0) rekey(st);
}

/** `crypto_secretstream_xchacha20poly1305_rekey`: (key ‖ inonce) ^= ChaCha20 block 0; counter = 1. */
function rekey(st: Inner): void {
  const buf = new Uint8Array(SECRETSTREAM_KEY_BYTES + INONCE_BYTES);
  buf.set(st.key);
  buf.set(st.nonce.subarray(COUNTER_BYTES), SECRETSTREAM_KEY_BYTES);
  chacha20(st.key, st.nonce, buf, buf);
  st.key.set(buf.subarray(0, SECRETSTREAM_KEY_BYTES));
  st.nonce.set(buf.subarray(SECRETSTREAM_KEY_BYTES), COUNTER_BYTES);
  resetCounter(st.nonce);
  wipe(buf);
}

/** The result of pulling one message. */
export interface SecretstreamMessage {
  /** The decrypted message. */
  message: Uint8Array;
  /** Its tag: {@link SECRETSTREAM_TAG_MESSAGE}, `_PUSH`, `_REKEY` or `_FINAL` (or any other byte the sender chose). */
  tag: number;
}

/** Options of {@link secretstreamPush}. */
export interface SecretstreamPushOptions {
  /** Tag of this message; default {@link SECRETSTREAM_TAG_MESSAGE}. */
  tag?: number;
  /** Additional data authenticated with this message. */
  ad?: Uint8Array;
  /** Where to write the `|message| + 17` output bytes (may not overlap `message` except exactly at offset 1). */
  out?: Uint8Array;
}

/** Options of {@link secretstreamPull}. */
export interface SecretstreamPullOptions {
  /** Additional data the sender authenticated with this message. */
  ad?: Uint8Array;
  /** Where to write the `|ciphertext| − 17` message bytes. */
  out?: Uint8Array;
}

function writeLe64(out: Uint8Array, at: number, value: number): void {
  writeU32le(out, at, value >>> 0);
  writeU32le(out, at + 4, Math.floor(value / 2 ** 32));
}

function resetCounter(nonce: Uint8Array): void {
  writeU32le(nonce, 0, 1);
}

/** HChaCha20 (`crypto_core_hchacha20`): a 32-byte subkey from a key and 16 input bytes. */
function hchacha20(key: Uint8Array, input: Uint8Array): Uint8Array {
  const k = new Uint32Array(8);
  const i = new Uint32Array(4);
  const o = new Uint32Array(8);
  for (let j = 0; j < 8; j++) k[j] = readU32le(key, 4 * j);
  for (let j = 0; j < 4; j++) i[j] = readU32le(input, 4 * j);
  hchacha(SIGMA, k, i, o);
  const out = new Uint8Array(SECRETSTREAM_KEY_BYTES);
  for (let j = 0; j < 8; j++) writeU32le(out, 4 * j, o[j]);
  k.fill(0);
  o.fill(0);
  return out;
}

function checkBytes(value: unknown, length: number | undefined, what: string, action: string): void {
  if (!(value instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: ${what} is not a Uint8Array`);
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`Cannot ${action}: ${what} is ${value.length} bytes, expected ${length}`);
  }
}

function checkTag(tag: unknown, action: string): number {
  if (typeof tag !== "number" || !Number.isInteger(tag) || tag < 0 || tag > 0xff) {
    throw new RangeError(`Cannot ${action}: tag "${String(tag)}" is not a byte`);
  }
  return tag;
}

/**
 * Start a stream for pushing (`crypto_secretstream_xchacha20poly1305_init_push`). libsodium
 * draws the header at random; here it is an argument, so deterministic formats (e2ee.md §6.2)
 * can pass a derived one and others pass `rng.fill(new Uint8Array(24))`.
 *
 * @param key 32-byte key
 * @param header 24-byte header, sent before the first message
 * @returns the push state
 * @throws {TypeError | RangeError} when the key or header has the wrong length
 * @example Push two messages, pull them back
 * ```ts
 * import {
 *   SECRETSTREAM_TAG_FINAL, secretstreamInitPull, secretstreamInitPush, secretstreamPull, secretstreamPush,
 * } from "./secretstream.ts";
 * const key = new Uint8Array(32).fill(1), header = new Uint8Array(24).fill(2);
 * const tx = secretstreamInitPush(key, header);
 * const c1 = secretstreamPush(tx, new Uint8Array([1, 2, 3]));
 * const c2 = secretstreamPush(tx, new Uint8Array([4]), { tag: SECRETSTREAM_TAG_FINAL });
 * const rx = secretstreamInitPull(key, header);
 * if (secretstreamPull(rx, c1).message.length !== 3) throw new Error("bad");
 * if (secretstreamPull(rx, c2).tag !== SECRETSTREAM_TAG_FINAL) throw new Error("bad");
 * ```
 */
export function secretstreamInitPush(key: Uint8Array, header: Uint8Array): SecretstreamState {
  checkBytes(key, SECRETSTREAM_KEY_BYTES, "key", "start secretstream");
  checkBytes(header, SECRETSTREAM_HEADER_BYTES, "header", "start secretstream");
  return new SecretstreamState(key, header);
}

/**
 * Start a stream for pulling (`crypto_secretstream_xchacha20poly1305_init_pull`).
 *
 * @param key 32-byte key
 * @param header the 24-byte header the sender used
 * @returns the pull state
 * @throws {TypeError | RangeError} when the key or header has the wrong length
 * @example See {@link secretstreamInitPush}.
 * ```ts
 * import { secretstreamInitPull } from "./secretstream.ts";
 * const rx = secretstreamInitPull(new Uint8Array(32), new Uint8Array(24));
 * if (String(rx) !== "[SecretstreamState]") throw new Error("bad");
 * ```
 */
export function secretstreamInitPull(key: Uint8Array, header: Uint8Array): SecretstreamState {
  checkBytes(key, SECRETSTREAM_KEY_BYTES, "key", "start secretstream");
  checkBytes(header, SECRETSTREAM_HEADER_BYTES, "header", "start secretstream");
  return new SecretstreamState(key, header);
}

/**
 * Encrypt one message (`crypto_secretstream_xchacha20poly1305_push`) and advance the state.
 *
 * @param state a push state
 * @param message the plaintext
 * @param options `tag`, `ad`, and an optional `out` of `|message| + 17` bytes
 * @returns `encryptedTag(1) ‖ ciphertext ‖ mac(16)` (`out` when given)
 * @throws {TypeError | RangeError} for a bad tag, a message over the limit or a wrong `out` size
 * @example
 * ```ts
 * import { secretstreamInitPush, secretstreamPush } from "./secretstream.ts";
 * const tx = secretstreamInitPush(new Uint8Array(32), new Uint8Array(24));
 * if (secretstreamPush(tx, new Uint8Array(10)).length !== 27) throw new Error("bad");
 * ```
 */
export function secretstreamPush(
  state: SecretstreamState,
  message: Uint8Array,
  options: SecretstreamPushOptions = {},
): Uint8Array {
  const action = "push secretstream message";
  const st = innerOf(state, action);
  checkBytes(message, undefined, "message", action);
  if (message.length > SECRETSTREAM_MESSAGE_BYTES_MAX) {
    throw new RangeError(
      `Cannot ${action}: message is ${message.length} bytes, limit ${SECRETSTREAM_MESSAGE_BYTES_MAX}`,
    );
  }
  const tag = checkTag(options.tag ?? SECRETSTREAM_TAG_MESSAGE, action);
  const ad = options.ad ?? EMPTY;
  checkBytes(ad, undefined, "additional data", action);
  const out = options.out ?? new Uint8Array(message.length + SECRETSTREAM_ABYTES);
  checkBytes(out, message.length + SECRETSTREAM_ABYTES, "output", action);
  const tagBlock = tagBlockFor(st, tag);
  const c = out.subarray(1, 1 + message.length);
  if (message.length > 0) chacha20(st.key, st.nonce, message, c, MESSAGE_BLOCK_COUNTER);
  out[0] = tagBlock[0];
  const mac = messageMac(st, ad, tagBlock, c);
  out.set(mac, 1 + message.length);
  advance(st, mac, tag);
  wipe(tagBlock);
  return out;
}

/**
 * Authenticate and decrypt one message (`crypto_secretstream_xchacha20poly1305_pull`) and
 * advance the state. Nothing is decrypted, and the state does not change, unless the MAC verifies.
 *
 * @param state a pull state
 * @param ciphertext one pushed message (`|message| + 17` bytes)
 * @param options `ad`, and an optional `out` of `|ciphertext| − 17` bytes
 * @returns the message and its tag
 * @throws {TypeError | RangeError} for a wrong `out` size
 * @throws {ProtocolError} `DECRYPT_FAILED` for a short input or a bad MAC (tampering, wrong key,
 *   header or order, truncation)
 * @example A flipped bit is refused
 * ```ts
 * import { secretstreamInitPull, secretstreamInitPush, secretstreamPull, secretstreamPush } from "./secretstream.ts";
 * import { isProtocolError } from "../errors.ts";
 * const key = new Uint8Array(32), header = new Uint8Array(24);
 * const c = secretstreamPush(secretstreamInitPush(key, header), new Uint8Array(5));
 * c[3] ^= 1;
 * try { secretstreamPull(secretstreamInitPull(key, header), c); throw new Error("accepted"); }
 * catch (e) { if (!isProtocolError(e, "DECRYPT_FAILED")) throw e; }
 * ```
 */
export function secretstreamPull(
  state: SecretstreamState,
  ciphertext: Uint8Array,
  options: SecretstreamPullOptions = {},
): SecretstreamMessage {
  const action = "pull secretstream message";
  const st = innerOf(state, action);
  checkBytes(ciphertext, undefined, "ciphertext", action);
  if (ciphertext.length < SECRETSTREAM_ABYTES) {
    throw new ProtocolError(
      "DECRYPT_FAILED",
      `Cannot ${action}: ${ciphertext.length} bytes, needs ${SECRETSTREAM_ABYTES}`,
    );
  }
  const ad = options.ad ?? EMPTY;
  checkBytes(ad, undefined, "additional data", action);
  const mlen = ciphertext.length - SECRETSTREAM_ABYTES;
  const out = options.out ?? new Uint8Array(mlen);
  checkBytes(out, mlen, "output", action);
  const tagBlock = tagBlockFor(st, 0);
  const tag = tagBlock[0] ^ ciphertext[0];
  tagBlock[0] = ciphertext[0];
  const c = ciphertext.subarray(1, 1 + mlen);
  const mac = messageMac(st, ad, tagBlock, c);
  wipe(tagBlock);
  if (!ctEqual(mac, ciphertext.subarray(1 + mlen))) {
    throw new ProtocolError("DECRYPT_FAILED", `Cannot ${action}: authentication failed`);
  }
  if (mlen > 0) chacha20(st.key, st.nonce, c, out, MESSAGE_BLOCK_COUNTER);
  advance(st, mac, tag);
  return { message: out, tag };
}

/**
 * Rekey explicitly (`crypto_secretstream_xchacha20poly1305_rekey`); both sides must do it at the
 * same point of the stream.
 *
 * @param state a push or pull state
 * @throws {TypeError} when `state` is not a SecretstreamState
 * @example
 * ```ts
 * import { secretstreamInitPull, secretstreamInitPush, secretstreamPull, secretstreamPush, secretstreamRekey } from "./secretstream.ts";
 * const tx = secretstreamInitPush(new Uint8Array(32), new Uint8Array(24));
 * const rx = secretstreamInitPull(new Uint8Array(32), new Uint8Array(24));
 * secretstreamRekey(tx);
 * secretstreamRekey(rx);
 * if (secretstreamPull(rx, secretstreamPush(tx, new Uint8Array([7]))).message[0] !== 7) throw new Error("bad");
 * ```
 */
export function secretstreamRekey(state: SecretstreamState): void {
  rekey(innerOf(state, "rekey secretstream"));
}
