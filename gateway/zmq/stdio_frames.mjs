// @ts-check
/**
 * The frame format between the Deno side of the ZeroMQ link (zmq_link.ts) and its Node 20 child
 * (zmq_child.mjs), shared by both (plain ESM JavaScript so that Node runs it unchanged).
 *
 * One frame is a list of byte strings:
 *
 * ```text
 * frame  = u32le(N) ‖ N bytes of fields
 * fields = field*            (the field list fills exactly N bytes)
 * field  = u32le(len) ‖ len bytes
 * ```
 *
 * Field 0 is the message type in ASCII; numbers are decimal ASCII; keys are raw 32-byte strings.
 * The messages are listed in zmq_link.ts. A flat list is all the link needs (the variable part, a
 * ZeroMQ message's parts, is always the tail), so both ends parse it with a bounds check per
 * field and no general-purpose decoder.
 *
 * @module
 */

/** Bytes of each length prefix. */
const LENGTH_BYTES = 4;
/** Largest frame payload accepted by default: a 10 MiB ZeroMQ message plus headroom. */
export const MAX_FRAME_BYTES = 32 * 1024 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * UTF-8 bytes as text (invalid sequences become U+FFFD).
 *
 * @param {Uint8Array} bytes the bytes
 * @returns {string} the text
 */
export function text(bytes) {
  return decoder.decode(bytes);
}

/**
 * Encode one frame.
 *
 * @param {readonly (Uint8Array | string)[]} fields the fields; strings are written as UTF-8
 * @returns {Uint8Array} `u32le(N) ‖ fields`
 * @throws {RangeError} when the payload would exceed 2^32 − 1 bytes
 * @example
 * ```ts
 * import { encodeFrame } from "./stdio_frames.mjs";
 * const f = encodeFrame(["res", new Uint8Array([7])]);
 * if (f.length !== 4 + 4 + 3 + 4 + 1 || f[0] !== 12 || f[15] !== 7) throw new Error("bad");
 * ```
 */
export function encodeFrame(fields) {
  const bytes = fields.map((f) => typeof f === "string" ? encoder.encode(f) : f);
  let n = 0;
  for (const b of bytes) n += LENGTH_BYTES + b.length;
  if (n > 0xffffffff) throw new RangeError(`Cannot encode frame: ${n} bytes, limit ${0xffffffff}`);
  const out = new Uint8Array(LENGTH_BYTES + n);
  const view = new DataView(out.buffer);
  view.setUint32(0, n, true);
  let at = LENGTH_BYTES;
  for (const b of bytes) {
    view.setUint32(at, b.length, true);
    out.set(b, at + LENGTH_BYTES);
    at += LENGTH_BYTES + b.length;
  }
  return out;
}

/**
 * Split a frame payload into its fields (views into `payload`).
 *
 * @param {Uint8Array} payload the N bytes after the frame's length prefix
 * @returns {Uint8Array[]} the fields
 * @throws {SyntaxError} when a field length overruns the payload
 */
function decodeFields(payload) {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  /** @type {Uint8Array[]} */
  const fields = [];
  let at = 0;
  while (at < payload.length) {
    if (payload.length - at < LENGTH_BYTES) throw new SyntaxError("Cannot decode frame: truncated field length");
    const len = view.getUint32(at, true);
    at += LENGTH_BYTES;
    if (len > payload.length - at) {
      throw new SyntaxError(`Cannot decode frame: field of ${len} bytes overruns the ${payload.length - at} left`);
    }
    fields.push(payload.subarray(at, at + len));
    at += len;
  }
  return fields;
}

/**
 * Reassembles frames from a byte stream delivered in arbitrary chunks. Each complete frame is
 * copied once into its own buffer; its fields are views of that buffer.
 *
 * @example
 * ```ts
 * import { encodeFrame, FrameReader, text } from "./stdio_frames.mjs";
 * const wire = new Uint8Array([...encodeFrame(["a", "bc"]), ...encodeFrame(["d"])]);
 * const reader = new FrameReader();
 * const frames = [...reader.push(wire.subarray(0, 5)), ...reader.push(wire.subarray(5))];
 * if (frames.length !== 2 || text(frames[0][1]) !== "bc" || text(frames[1][0]) !== "d") throw new Error("bad");
 * ```
 */
export class FrameReader {
  /** @type {Uint8Array[]} */
  #chunks = [];
  /** Bytes held in `#chunks`. */
  #held = 0;
  /** Payload length of the frame being read, once its prefix arrived. */
  #need = -1;
  /** Largest payload accepted. */
  #max;

  /**
   * A reader with nothing buffered.
   *
   * @param {number} [maxFrameBytes] largest payload accepted (default {@link MAX_FRAME_BYTES})
   */
  constructor(maxFrameBytes = MAX_FRAME_BYTES) {
    this.#max = maxFrameBytes;
  }

  /**
   * Add bytes; return every frame they complete.
   *
   * @param {Uint8Array} chunk the next bytes of the stream
   * @returns {Uint8Array[][]} the completed frames, each as its fields
   * @throws {RangeError} when a frame announces more than the limit (the stream is unusable after)
   * @throws {SyntaxError} when a frame's fields do not fill it exactly
   */
  push(chunk) {
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#held += chunk.length;
    }
    /** @type {Uint8Array[][]} */
    const frames = [];
    for (;;) {
      if (this.#need < 0) {
        if (this.#held < LENGTH_BYTES) break;
        const prefix = this.#take(LENGTH_BYTES);
        this.#need = new DataView(prefix.buffer, prefix.byteOffset, LENGTH_BYTES).getUint32(0, true);
        if (this.#need > this.#max) {
          throw new RangeError(`Cannot read frame: ${this.#need} bytes announced, limit ${this.#max}`);
        }
      }
      if (this.#held < this.#need) break;
      const payload = this.#take(this.#need);
      this.#need = -1;
      frames.push(decodeFields(payload));
    }
    return frames;
  }

  /**
   * Remove the first `n` held bytes (n ≤ held) as one fresh array.
   *
   * @param {number} n bytes
   * @returns {Uint8Array} the bytes
   */
  #take(n) {
    const first = this.#chunks[0];
    if (first !== undefined && first.length >= n) {
      // The common case: the bytes sit in one chunk. Copy them so the result owns its buffer.
      const out = first.slice(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      this.#held -= n;
      return out;
    }
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const c = this.#chunks[0];
      const k = Math.min(c.length, n - at);
      out.set(c.subarray(0, k), at);
      at += k;
      if (k === c.length) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(k);
    }
    this.#held -= n;
    return out;
  }
}
