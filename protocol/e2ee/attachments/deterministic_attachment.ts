/**
 * The current libsession attachment format (e2ee.md §6.2; libsession-util `src/attachments.cpp`):
 * deterministic, chunked XChaCha20-Poly1305 secretstream.
 *
 * - `nk = BLAKE2b(56, key = uploaderSeed[0..32), pers = "SessionAttachmnt" | "Session_Prof_Pic")(data)`;
 *   the secretstream header is `nk[0..24)` and the key `nk[24..56)`, so the same file from the
 *   same uploader always gives the same blob.
 * - Blob = `'S' ‖ header(24) ‖ chunks`, each chunk 32 KiB of plaintext + 17 bytes, the last one
 *   tagged FINAL, over the plaintext stream `0x00 × (p−1) ‖ 0x01 ‖ data` (padding first; the size
 *   rule is in `attachment_size.ts`).
 *
 * Both directions stream: {@link AttachmentEncryptor} hashes the data in a first pass and
 * encrypts it in a second, {@link AttachmentDecryptor} takes the blob in pieces of any size. Each
 * writes either into one caller-sized output array or returns the pieces it produced, so a 5 MB
 * file needs the input, the output and a 32 KiB buffer, never more copies.
 * {@link encryptAttachment} / {@link decryptAttachment} are the one-shot forms.
 *
 * @module
 */

import { utf8, wipe } from "../../bytes.ts";
import { ProtocolError } from "../../errors.ts";
import {
  SECRETSTREAM_ABYTES,
  SECRETSTREAM_HEADER_BYTES,
  SECRETSTREAM_KEY_BYTES,
  SECRETSTREAM_TAG_FINAL,
  SECRETSTREAM_TAG_MESSAGE,
  secretstreamInitPull,
  secretstreamInitPush,
  secretstreamPull,
  secretstreamPush,
  type SecretstreamState,
} from "../../crypto/secretstream.ts";
import { blake2bPersonal, type IncrementalHash } from "../../crypto/blake2b_personal.ts";
import {
  ATTACHMENT_CHUNK_BYTES,
  ATTACHMENT_ENCRYPTED_CHUNK_BYTES,
  ATTACHMENT_FORMAT_BYTE,
  ATTACHMENT_MAX_REGULAR_BYTES,
  ATTACHMENT_PREFIX_BYTES,
  attachmentPadding,
  decryptedAttachmentMaxSize,
  encryptedAttachmentSize,
} from "./attachment_size.ts";

/** What the attachment is for; selects the BLAKE2b personalisation (e2ee.md §6.2). */
export type AttachmentDomain = "attachment" | "profile-pic";

/** BLAKE2b personalisation per domain (libsession `PERS_ATTACHMENT`, `PERS_PROFILE_PIC`). */
const DOMAIN_PERSONALIZATION: Readonly<Record<AttachmentDomain, Uint8Array>> = {
  "attachment": utf8("SessionAttachmnt"),
  "profile-pic": utf8("Session_Prof_Pic"),
};
/** Bytes of the uploader seed that key the hash (libsession uses the first 32 of seed ‖ pubkey). */
const SEED_BYTES = 32;
/** Longer seed accepted: libsodium's 64-byte `seed ‖ public key` secret key. */
const SEED_WITH_PUBLIC_BYTES = 64;
/** `nk` = header ‖ key. */
const NONCE_KEY_BYTES = SECRETSTREAM_HEADER_BYTES + SECRETSTREAM_KEY_BYTES;
/** Marker that ends the padding (e2ee.md §6.2). */
const PADDING_END = 0x01;

/** Options of {@link AttachmentEncryptor} and {@link encryptAttachment}. */
export interface AttachmentEncryptOptions {
  /** Personalisation domain; default `"attachment"`. */
  domain?: AttachmentDomain;
  /** Allow more than {@link ATTACHMENT_MAX_REGULAR_BYTES} (libsession `allow_large`). */
  allowLarge?: boolean;
}

/** Options of {@link AttachmentEncryptor.start} and of {@link AttachmentDecryptor}. */
export interface AttachmentOutputOptions {
  /** Write all output here instead of returning pieces; it must be exactly (encryptor) or at least (decryptor) the output size. */
  out?: Uint8Array;
}

/** A one-shot encryption: the blob and the key that opens it. */
export interface EncryptedAttachment {
  /** `'S' ‖ header ‖ chunks`. */
  blob: Uint8Array;
  /** 32-byte key for `AttachmentPointer.key` (deterministic: `#…&d=` in the URL). */
  key: Uint8Array;
}

function invalid(detail: string): ProtocolError {
  return new ProtocolError("ATTACHMENT_INVALID", `Cannot decrypt attachment: ${detail}`);
}

/** Collects output into one array or into fresh pieces. */
class Sink {
  #out: Uint8Array | undefined;
  #written = 0;
  #pieces: Uint8Array[] = [];

  constructor(out: Uint8Array | undefined) {
    this.#out = out;
  }

  get written(): number {
    return this.#written;
  }

  /** Room for `n` bytes: a view into `out`, or undefined when collecting pieces. */
  reserve(n: number): Uint8Array | undefined {
    if (this.#out === undefined) return undefined;
    if (this.#written + n > this.#out.length) throw invalid(`output array of ${this.#out.length} bytes is too small`);
    return this.#out.subarray(this.#written, this.#written + n);
  }

  /** Record `bytes` as written: copied into `out` unless it is the reserved view, else kept as a piece. */
  put(bytes: Uint8Array, reserved?: Uint8Array): void {
    if (this.#out === undefined) {
      this.#pieces.push(bytes);
    } else if (reserved !== bytes) {
      this.reserve(bytes.length)!.set(bytes);
    }
    this.#written += bytes.length;
  }

  take(): Uint8Array[] {
    const pieces = this.#pieces;
    this.#pieces = [];
    return pieces;
  }
}

function checkSeed(seed: unknown, action: string): Uint8Array {
  if (!(seed instanceof Uint8Array)) throw new TypeError(`Cannot ${action}: seed is not a Uint8Array`);
  if (seed.length !== SEED_BYTES && seed.length !== SEED_WITH_PUBLIC_BYTES) {
    throw new RangeError(
      `Cannot ${action}: seed is ${seed.length} bytes, expected ${SEED_BYTES} or ${SEED_WITH_PUBLIC_BYTES}`,
    );
  }
  return seed.subarray(0, SEED_BYTES);
}

/**
 * Streaming encryption in libsession's two passes: {@link AttachmentEncryptor.update} with all the
 * data (it derives the key), {@link AttachmentEncryptor.start}, then
 * {@link AttachmentEncryptor.push} with the same data again, and {@link AttachmentEncryptor.finish}.
 *
 * @example Two passes over chunks, collecting the output pieces
 * ```ts
 * import { AttachmentEncryptor, decryptAttachment } from "./deterministic_attachment.ts";
 * const seed = new Uint8Array(32).fill(4);
 * const parts = [new Uint8Array(40_000).fill(1), new Uint8Array(5).fill(2)];
 * const enc = new AttachmentEncryptor(seed);
 * for (const p of parts) enc.update(p);
 * const key = enc.start();
 * const out = parts.flatMap((p) => enc.push(p)).concat(enc.finish());
 * const blob = new Uint8Array(out.reduce((n, p) => n + p.length, 0));
 * out.reduce((at, p) => (blob.set(p, at), at + p.length), 0);
 * if (decryptAttachment(blob, key).length !== 40_005) throw new Error("bad");
 * ```
 */
export class AttachmentEncryptor {
  #hash: IncrementalHash | undefined;
  #size = 0;
  #allowLarge: boolean;
  #state: SecretstreamState | undefined;
  #sink: Sink | undefined;
  #buf = new Uint8Array(ATTACHMENT_CHUNK_BYTES);
  #bufLen = 0;
  #received = 0;
  #done = false;

  /**
   * Start the first pass: a BLAKE2b keyed with the uploader's seed, personalised by domain.
   *
   * @param seed the uploader's 32-byte Ed25519 seed (or 64-byte seed ‖ public key)
   * @param options domain and `allowLarge`
   * @throws {TypeError | RangeError} for a seed of the wrong length or an unknown domain
   */
  constructor(seed: Uint8Array, options: AttachmentEncryptOptions = {}) {
    const key = checkSeed(seed, "encrypt attachment");
    const pers = DOMAIN_PERSONALIZATION[options.domain ?? "attachment"];
    if (pers === undefined) {
      throw new RangeError(`Cannot encrypt attachment: unknown domain "${String(options.domain)}"`);
    }
    this.#hash = blake2bPersonal(NONCE_KEY_BYTES, key, pers);
    this.#allowLarge = options.allowLarge === true;
  }

  /**
   * First pass: hash the next piece of the data into the key.
   *
   * @param data the next piece
   * @throws {Error} after {@link AttachmentEncryptor.start}
   */
  update(data: Uint8Array): void {
    if (this.#hash === undefined) throw new Error("Cannot hash attachment: encryption has started");
    this.#hash.update(data);
    this.#size += data.length;
  }

  /** The blob size for the data hashed so far; known once hashing is done. */
  get encryptedSize(): number {
    return encryptedAttachmentSize(this.#size);
  }

  /**
   * End the first pass: derive header and key and start the stream. The `'S' ‖ header` prefix and
   * any whole chunks of padding are output by the next {@link AttachmentEncryptor.push} (or
   * written into `out` now).
   *
   * @param options `out`: an array of exactly {@link AttachmentEncryptor.encryptedSize} bytes to write the blob into
   * @returns the 32-byte key (a copy the caller owns)
   * @throws {RangeError} when the data is over the regular limit without `allowLarge`, or `out` has the wrong size
   */
  start(options: AttachmentOutputOptions = {}): Uint8Array {
    if (this.#hash === undefined) throw new Error("Cannot start attachment encryption twice");
    if (this.#size > ATTACHMENT_MAX_REGULAR_BYTES && !this.#allowLarge) {
      throw new RangeError(
        `Cannot encrypt attachment: ${this.#size} bytes is over ${ATTACHMENT_MAX_REGULAR_BYTES} without allowLarge`,
      );
    }
    if (options.out !== undefined && options.out.length !== this.encryptedSize) {
      throw new RangeError(
        `Cannot encrypt attachment: out is ${options.out.length} bytes, expected ${this.encryptedSize}`,
      );
    }
    const nk = this.#hash.digest();
    this.#hash = undefined;
    const header = nk.subarray(0, SECRETSTREAM_HEADER_BYTES);
    const key = nk.slice(SECRETSTREAM_HEADER_BYTES);
    this.#state = secretstreamInitPush(key, header);
    this.#sink = new Sink(options.out);
    const prefix = new Uint8Array(ATTACHMENT_PREFIX_BYTES);
    prefix[0] = ATTACHMENT_FORMAT_BYTE;
    prefix.set(header, 1);
    this.#sink.put(prefix);
    wipe(nk);
    // Padding first (e2ee.md §6.2): whole zero chunks, then `0 × (rest − 1) ‖ 0x01` opening the next.
    let padding = attachmentPadding(this.#size);
    while (padding > ATTACHMENT_CHUNK_BYTES) {
      this.#flush(SECRETSTREAM_TAG_MESSAGE);
      padding -= ATTACHMENT_CHUNK_BYTES;
    }
    this.#buf[padding - 1] = PADDING_END;
    this.#bufLen = padding;
    if (this.#bufLen === ATTACHMENT_CHUNK_BYTES && this.#size > 0) this.#flush(SECRETSTREAM_TAG_MESSAGE);
    return key;
  }

  /** Encrypt the buffered chunk (zero-filled beyond bufLen is never read) and reset it. */
  #flush(tag: number, chunk: Uint8Array = this.#buf.subarray(0, this.#bufLen || ATTACHMENT_CHUNK_BYTES)): void {
    const sink = this.#sink!;
    const n = chunk.length + SECRETSTREAM_ABYTES;
    const into = sink.reserve(n);
    const c = secretstreamPush(this.#state!, chunk, { tag, out: into });
    sink.put(c, into);
    if (chunk.buffer === this.#buf.buffer) this.#buf.fill(0);
    this.#bufLen = 0;
    if (tag === SECRETSTREAM_TAG_FINAL) this.#done = true;
  }

  /**
   * Second pass: encrypt the next piece of the same data.
   *
   * @param data the next piece (the pieces may be cut differently from the first pass)
   * @returns the encrypted pieces now complete (none when writing into `out`)
   * @throws {RangeError} when more data arrives than was hashed
   * @throws {Error} before {@link AttachmentEncryptor.start} or after {@link AttachmentEncryptor.finish}
   */
  push(data: Uint8Array): Uint8Array[] {
    if (this.#sink === undefined || this.#done && data.length > 0) {
      throw new Error("Cannot encrypt attachment: not started, or already finished");
    }
    if (this.#received + data.length > this.#size) {
      throw new RangeError(`Cannot encrypt attachment: more than the ${this.#size} bytes hashed`);
    }
    let at = 0;
    while (at < data.length) {
      if (this.#bufLen === 0 && data.length - at >= ATTACHMENT_CHUNK_BYTES) {
        // A whole chunk straight from the input, no copy.
        const chunk = data.subarray(at, at + ATTACHMENT_CHUNK_BYTES);
        at += ATTACHMENT_CHUNK_BYTES;
        this.#received += ATTACHMENT_CHUNK_BYTES;
        this.#flush(this.#received === this.#size ? SECRETSTREAM_TAG_FINAL : SECRETSTREAM_TAG_MESSAGE, chunk);
        continue;
      }
      const n = Math.min(ATTACHMENT_CHUNK_BYTES - this.#bufLen, data.length - at);
      this.#buf.set(data.subarray(at, at + n), this.#bufLen);
      this.#bufLen += n;
      at += n;
      this.#received += n;
      if (this.#bufLen === ATTACHMENT_CHUNK_BYTES) {
        this.#flush(this.#received === this.#size ? SECRETSTREAM_TAG_FINAL : SECRETSTREAM_TAG_MESSAGE);
      }
    }
    return this.#sink.take();
  }

  /**
   * End the second pass: encrypt the last chunk with the FINAL tag.
   *
   * @returns the last encrypted pieces (none when writing into `out`)
   * @throws {RangeError} when less data was pushed than hashed
   */
  finish(): Uint8Array[] {
    if (this.#sink === undefined) throw new Error("Cannot finish attachment encryption: not started");
    if (this.#received !== this.#size) {
      throw new RangeError(`Cannot encrypt attachment: got ${this.#received} of the ${this.#size} bytes hashed`);
    }
    if (!this.#done) this.#flush(SECRETSTREAM_TAG_FINAL);
    this.#state!.wipe();
    wipe(this.#buf);
    return this.#sink.take();
  }
}

/**
 * Encrypt an attachment held in memory (libsession `attachment::encrypt`): one output array of
 * exactly {@link encryptedAttachmentSize} bytes.
 *
 * @param seed the uploader's 32-byte Ed25519 seed (or 64-byte seed ‖ public key)
 * @param data the file
 * @param options domain, `allowLarge`
 * @returns the blob and its 32-byte key
 * @throws {TypeError | RangeError} for a bad seed, or data over the regular limit without `allowLarge`
 * @example Deterministic: the same file from the same uploader, the same blob
 * ```ts
 * import { decryptAttachment, encryptAttachment } from "./deterministic_attachment.ts";
 * const seed = new Uint8Array(32).fill(9), data = new TextEncoder().encode("photo");
 * const a = encryptAttachment(seed, data), b = encryptAttachment(seed, data);
 * if (a.blob.length !== 4096 || a.blob.join() !== b.blob.join()) throw new Error("bad");
 * if (new TextDecoder().decode(decryptAttachment(a.blob, a.key)) !== "photo") throw new Error("bad");
 * ```
 */
export function encryptAttachment(
  seed: Uint8Array,
  data: Uint8Array,
  options: AttachmentEncryptOptions = {},
): EncryptedAttachment {
  if (!(data instanceof Uint8Array)) throw new TypeError("Cannot encrypt attachment: data is not a Uint8Array");
  const enc = new AttachmentEncryptor(seed, options);
  enc.update(data);
  const blob = new Uint8Array(enc.encryptedSize);
  const key = enc.start({ out: blob });
  enc.push(data);
  enc.finish();
  return { blob, key };
}

/**
 * Streaming decryption (libsession `attachment::Decryptor`): feed the blob in pieces of any size
 * with {@link AttachmentDecryptor.update}, then {@link AttachmentDecryptor.finish}. Every chunk is
 * authenticated before any of it is output; padding is checked and dropped. After a failure the
 * decryptor refuses further input.
 *
 * @example Feeding a blob in 1000-byte pieces
 * ```ts
 * import { AttachmentDecryptor, encryptAttachment } from "./deterministic_attachment.ts";
 * const { blob, key } = encryptAttachment(new Uint8Array(32), new Uint8Array(70_000).fill(5));
 * const dec = new AttachmentDecryptor(key);
 * let n = 0;
 * for (let i = 0; i < blob.length; i += 1000) for (const p of dec.update(blob.subarray(i, i + 1000))) n += p.length;
 * for (const p of dec.finish()) n += p.length;
 * if (n !== 70_000) throw new Error("bad");
 * ```
 */
export class AttachmentDecryptor {
  #key: Uint8Array;
  #state: SecretstreamState | undefined;
  #sink: Sink;
  #pending = new Uint8Array(ATTACHMENT_ENCRYPTED_CHUNK_BYTES);
  #pendingLen = 0;
  #scratch = new Uint8Array(ATTACHMENT_CHUNK_BYTES);
  #depadded = false;
  #hitFinal = false;
  #failed = false;

  /**
   * A decryptor for one blob.
   *
   * @param key the 32-byte attachment key
   * @param options `out`: write the plaintext here (at least {@link decryptedAttachmentMaxSize} of the blob)
   * @throws {TypeError | RangeError} for a key of the wrong length
   */
  constructor(key: Uint8Array, options: AttachmentOutputOptions = {}) {
    if (!(key instanceof Uint8Array)) throw new TypeError("Cannot decrypt attachment: key is not a Uint8Array");
    if (key.length !== SECRETSTREAM_KEY_BYTES) {
      throw new RangeError(`Cannot decrypt attachment: key is ${key.length} bytes, expected ${SECRETSTREAM_KEY_BYTES}`);
    }
    this.#key = key.slice();
    this.#sink = new Sink(options.out);
  }

  /** Bytes of plaintext output so far. */
  get written(): number {
    return this.#sink.written;
  }

  #fail(err: ProtocolError): never {
    this.#failed = true;
    this.#state?.wipe();
    wipe(this.#key, this.#scratch);
    throw err;
  }

  #header(prefix: Uint8Array): void {
    if (prefix[0] !== ATTACHMENT_FORMAT_BYTE) this.#fail(invalid(`format byte ${prefix[0]}, expected 'S'`));
    this.#state = secretstreamInitPull(this.#key, prefix.subarray(1, ATTACHMENT_PREFIX_BYTES));
  }

  #chunk(enc: Uint8Array): void {
    if (this.#hitFinal) this.#fail(invalid("data after the final chunk"));
    if (enc.length <= SECRETSTREAM_ABYTES) this.#fail(invalid(`chunk of ${enc.length} bytes is empty`));
    const mlen = enc.length - SECRETSTREAM_ABYTES;
    // Past the padding, decrypt straight into the output array (or a fresh piece); before it, into
    // scratch. secretstreamPull writes nothing unless the chunk authenticates.
    const direct = this.#depadded ? this.#sink.reserve(mlen) : undefined;
    const into = this.#depadded ? direct ?? new Uint8Array(mlen) : this.#scratch.subarray(0, mlen);
    let tag: number;
    try {
      tag = secretstreamPull(this.#state!, enc, { out: into }).tag;
    } catch (err) {
      this.#fail(err as ProtocolError);
    }
    if (tag === SECRETSTREAM_TAG_FINAL) this.#hitFinal = true;
    if (this.#depadded) {
      this.#sink.put(into, direct);
      return;
    }
    let i = 0;
    while (i < into.length && into[i] === 0) i++;
    if (i === into.length) return; // all padding
    if (into[i] !== PADDING_END) this.#fail(invalid("bad padding"));
    this.#depadded = true;
    if (i + 1 < into.length) this.#sink.put(into.slice(i + 1));
  }

  /**
   * Decrypt the next piece of the blob.
   *
   * @param data the next bytes of the blob, any length
   * @returns plaintext pieces now complete (none when writing into `out`)
   * @throws {ProtocolError} `ATTACHMENT_INVALID` (format byte, padding, data after the final chunk),
   *   `DECRYPT_FAILED` (a chunk does not authenticate: wrong key or tampering)
   */
  update(data: Uint8Array): Uint8Array[] {
    if (this.#failed) throw invalid("the decryptor failed earlier");
    let at = 0;
    if (this.#state === undefined) {
      const n = Math.min(ATTACHMENT_PREFIX_BYTES - this.#pendingLen, data.length);
      this.#pending.set(data.subarray(0, n), this.#pendingLen);
      this.#pendingLen += n;
      at = n;
      if (this.#pendingLen < ATTACHMENT_PREFIX_BYTES) return [];
      this.#header(this.#pending);
      this.#pendingLen = 0;
    }
    while (at < data.length) {
      if (this.#pendingLen === 0 && data.length - at >= ATTACHMENT_ENCRYPTED_CHUNK_BYTES) {
        this.#chunk(data.subarray(at, at + ATTACHMENT_ENCRYPTED_CHUNK_BYTES));
        at += ATTACHMENT_ENCRYPTED_CHUNK_BYTES;
        continue;
      }
      const n = Math.min(ATTACHMENT_ENCRYPTED_CHUNK_BYTES - this.#pendingLen, data.length - at);
      this.#pending.set(data.subarray(at, at + n), this.#pendingLen);
      this.#pendingLen += n;
      at += n;
      if (this.#pendingLen === ATTACHMENT_ENCRYPTED_CHUNK_BYTES) {
        this.#chunk(this.#pending);
        this.#pendingLen = 0;
      }
    }
    return this.#sink.take();
  }

  /**
   * End of the blob: decrypt the last partial chunk and check that the stream ended with FINAL
   * after the padding.
   *
   * @returns the last plaintext pieces (none when writing into `out`)
   * @throws {ProtocolError} `ATTACHMENT_INVALID` (too short, no FINAL tag, padding never ended),
   *   `DECRYPT_FAILED`
   */
  finish(): Uint8Array[] {
    if (this.#failed) throw invalid("the decryptor failed earlier");
    if (this.#state === undefined) this.#fail(invalid("blob is shorter than its header"));
    if (this.#pendingLen > 0) {
      this.#chunk(this.#pending.subarray(0, this.#pendingLen));
      this.#pendingLen = 0;
    }
    if (!this.#hitFinal) this.#fail(invalid("the stream ends without a final chunk"));
    if (!this.#depadded) this.#fail(invalid("the stream ends inside the padding"));
    this.#state.wipe();
    wipe(this.#key, this.#scratch);
    return this.#sink.take();
  }
}

/**
 * Decrypt an attachment held in memory (libsession `attachment::decrypt`) into one array.
 *
 * @param blob `'S' ‖ header ‖ chunks`
 * @param key the 32-byte key
 * @returns the plaintext (a view of an array of {@link decryptedAttachmentMaxSize} bytes)
 * @throws {TypeError | RangeError} for a key of the wrong length
 * @throws {ProtocolError} `ATTACHMENT_INVALID` or `DECRYPT_FAILED`; see {@link AttachmentDecryptor}
 * @example A wrong key is refused
 * ```ts
 * import { decryptAttachment, encryptAttachment } from "./deterministic_attachment.ts";
 * import { isProtocolError } from "../../errors.ts";
 * const { blob } = encryptAttachment(new Uint8Array(32), new Uint8Array(10));
 * try { decryptAttachment(blob, new Uint8Array(32)); throw new Error("accepted"); }
 * catch (e) { if (!isProtocolError(e, "DECRYPT_FAILED")) throw e; }
 * ```
 */
export function decryptAttachment(blob: Uint8Array, key: Uint8Array): Uint8Array {
  if (!(blob instanceof Uint8Array)) throw new TypeError("Cannot decrypt attachment: blob is not a Uint8Array");
  const max = decryptedAttachmentMaxSize(blob.length);
  if (max === undefined) throw invalid(`blob of ${blob.length} bytes is too short`);
  const out = new Uint8Array(max);
  const dec = new AttachmentDecryptor(key, { out });
  dec.update(blob);
  dec.finish();
  return out.subarray(0, dec.written);
}
