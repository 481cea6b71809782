/**
 * Private to `signal/`: a tiny bounds-checked binary writer and reader for the serialized ratchet
 * state and session record. Integers are little-endian u32; byte strings are length-prefixed.
 * Every read failure is `ProtocolError("SIGNAL_STATE_INVALID")`.
 *
 * @module
 */

import { concat, readU32le, writeU32le } from "../../bytes.ts";
import { ProtocolError } from "../../errors.ts";

const U32_BYTES = 4;
const U32_MAX = 0xffffffff;

/** Appends fields; {@link Writer.finish} joins them. */
export class Writer {
  #parts: Uint8Array[] = [];

  /** Append one byte. */
  u8(value: number): this {
    this.#parts.push(new Uint8Array([value & 0xff]));
    return this;
  }

  /** Append a little-endian u32. */
  u32(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > U32_MAX) {
      throw new RangeError(`Cannot serialize state: value "${value}" is not a u32`);
    }
    const b = new Uint8Array(U32_BYTES);
    writeU32le(b, 0, value);
    this.#parts.push(b);
    return this;
  }

  /** Append bytes of a length both sides know. */
  fixed(bytes: Uint8Array): this {
    this.#parts.push(bytes);
    return this;
  }

  /** Append a u32 length and the bytes. */
  bytes(bytes: Uint8Array): this {
    this.u32(bytes.length);
    this.#parts.push(bytes);
    return this;
  }

  /** Append a presence byte and, when present, a u32. */
  optionalU32(value: number | undefined): this {
    return value === undefined ? this.u8(0) : this.u8(1).u32(value);
  }

  /** The concatenated output. */
  finish(): Uint8Array {
    return concat(...this.#parts);
  }
}

/** Reads fields in order; throws `SIGNAL_STATE_INVALID` past the end. */
export class Reader {
  #bytes: Uint8Array;
  #at = 0;
  #what: string;

  /**
   * Start reading at the first byte.
   *
   * @param bytes input
   * @param what what is being read, for error messages
   */
  constructor(bytes: Uint8Array, what: string) {
    this.#bytes = bytes;
    this.#what = what;
  }

  /** Throw `SIGNAL_STATE_INVALID` with a detail. */
  fail(detail: string): never {
    throw new ProtocolError("SIGNAL_STATE_INVALID", `Cannot parse ${this.#what}: ${detail}`);
  }

  #take(n: number): Uint8Array {
    if (this.#bytes.length - this.#at < n) this.fail(`truncated at byte ${this.#at}`);
    const out = this.#bytes.slice(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }

  /** Read one byte. */
  u8(): number {
    return this.#take(1)[0];
  }

  /** Read a little-endian u32. */
  u32(): number {
    return readU32le(this.#take(U32_BYTES), 0);
  }

  /** Read `n` bytes (a copy). */
  fixed(n: number): Uint8Array {
    return this.#take(n);
  }

  /** Read a u32 length and that many bytes (a copy). */
  bytes(): Uint8Array {
    return this.#take(this.u32());
  }

  /** Read a presence byte and, when present, a u32. */
  optionalU32(): number | undefined {
    const flag = this.u8();
    if (flag > 1) this.fail(`presence flag ${flag}`);
    return flag === 1 ? this.u32() : undefined;
  }

  /** Require that everything was read. */
  end(): void {
    if (this.#at !== this.#bytes.length) this.fail(`${this.#bytes.length - this.#at} trailing bytes`);
  }
}
