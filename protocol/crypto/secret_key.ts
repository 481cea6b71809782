/**
 * A wrapper for symmetric key bytes that never prints them (style.md rule 7).
 *
 * @module
 */

const LABEL = "[SecretKey]";

/**
 * Symmetric key material. `toString`, `toJSON` and inspection show a label only.
 *
 * @example The bytes stay out of logs
 * ```ts
 * import { SecretKey } from "./secret_key.ts";
 * const k = new SecretKey(new Uint8Array(32).fill(7));
 * if (JSON.stringify({ k }) !== '{"k":"[SecretKey]"}' || k.bytes()[0] !== 7) throw new Error("bad");
 * ```
 */
export class SecretKey {
  #bytes: Uint8Array;

  /**
   * Wrap key bytes.
   *
   * @param bytes the key; owned by the instance from now on
   */
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  /** The raw key bytes (not a copy: do not keep or mutate). */
  bytes(): Uint8Array {
    return this.#bytes;
  }

  /** Overwrite the key with zeros. */
  wipe(): void {
    this.#bytes.fill(0);
  }

  /** A label, never the bytes. */
  toString(): string {
    return LABEL;
  }

  /** A label, never the bytes. */
  toJSON(): string {
    return LABEL;
  }

  /** A label for Deno's inspector. */
  [Symbol.for("Deno.customInspect")](): string {
    return LABEL;
  }

  /** A label for Node's inspector. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return LABEL;
  }
}
