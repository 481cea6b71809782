/**
 * A strict JSON reader for onion trailers and routing JSON (hardening.md §1): RFC 8259 grammar,
 * duplicate keys refused (`JSON.parse` silently keeps the last one), nesting depth bounded while
 * parsing (a depth bomb cannot exhaust the stack), size checked before any work.
 *
 * @module
 */

/** Why a text was refused; the caller maps it to its own error code. */
export class StrictJsonError extends Error {
  /**
   * Create the error.
   *
   * @param message what failed, sentence case
   */
  constructor(message: string) {
    super(message);
    this.name = "StrictJsonError";
  }
}

/** Limits for {@link parseStrictJson}. */
export interface StrictJsonLimits {
  /** Largest accepted text, in UTF-16 code units of the decoded text (callers check bytes first). */
  maxLength: number;
  /** Deepest nesting of objects and arrays; 1 = a flat object or array. */
  maxDepth: number;
}

const WS_SPACE = 0x20, WS_TAB = 0x09, WS_LF = 0x0a, WS_CR = 0x0d;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/**
 * Parse JSON text strictly.
 *
 * @param text the JSON text
 * @param limits size and depth bounds
 * @returns the parsed value (objects have no prototype pollution: `__proto__` is a plain key)
 * @throws {StrictJsonError} on bad grammar, a duplicate key, excess depth or length
 * @example Duplicate keys are refused
 * ```ts
 * import { parseStrictJson } from "./strict_json.ts";
 * const ok = parseStrictJson('{"a":1}', { maxLength: 100, maxDepth: 1 }) as { a: number };
 * if (ok.a !== 1) throw new Error("bad");
 * let refused = false;
 * try { parseStrictJson('{"a":1,"a":2}', { maxLength: 100, maxDepth: 1 }); } catch { refused = true; }
 * if (!refused) throw new Error("duplicate accepted");
 * ```
 */
export function parseStrictJson(text: string, limits: StrictJsonLimits): unknown {
  if (text.length > limits.maxLength) {
    throw new StrictJsonError(`Cannot parse JSON: ${text.length} characters, limit ${limits.maxLength}`);
  }
  const p = new Parser(text, limits.maxDepth);
  p.skipWs();
  const value = p.value(0);
  p.skipWs();
  if (p.pos !== text.length) throw new StrictJsonError(`Cannot parse JSON: trailing data at offset ${p.pos}`);
  return value;
}

class Parser {
  pos = 0;
  constructor(readonly s: string, readonly maxDepth: number) {}

  skipWs(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c !== WS_SPACE && c !== WS_TAB && c !== WS_LF && c !== WS_CR) break;
      this.pos++;
    }
  }

  fail(what: string): never {
    throw new StrictJsonError(`Cannot parse JSON: ${what} at offset ${this.pos}`);
  }

  value(depth: number): unknown {
    const c = this.s[this.pos];
    switch (c) {
      case "{":
        return this.object(depth + 1);
      case "[":
        return this.array(depth + 1);
      case '"':
        return this.string();
      case "t":
        return this.literal("true", true);
      case "f":
        return this.literal("false", false);
      case "n":
        return this.literal("null", null);
      default:
        return this.number();
    }
  }

  literal<T>(word: string, value: T): T {
    if (!this.s.startsWith(word, this.pos)) this.fail("unexpected token");
    this.pos += word.length;
    return value;
  }

  number(): number {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.s);
    if (!m || m[0].length === 0) this.fail("unexpected token");
    this.pos += m[0].length;
    return Number(m[0]);
  }

  string(): string {
    const s = this.s;
    const start = this.pos;
    let i = start + 1;
    let escaped = false;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x22) break; // closing quote
      if (c < 0x20) {
        this.pos = i;
        this.fail("control character in string");
      }
      if (c === 0x5c) { // backslash: validate the escape
        escaped = true;
        const e = s[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) {
            this.pos = i;
            this.fail("bad \\u escape");
          }
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 1;
        } else {
          this.pos = i;
          this.fail("bad escape");
        }
      }
    }
    if (i >= s.length) this.fail("unterminated string");
    this.pos = i + 1;
    return escaped ? JSON.parse(s.slice(start, i + 1)) as string : s.slice(start + 1, i);
  }

  object(depth: number): Record<string, unknown> {
    if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
    this.pos++; // {
    const out: Record<string, unknown> = Object.create(null);
    this.skipWs();
    if (this.s[this.pos] === "}") {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWs();
      if (this.s[this.pos] !== '"') this.fail("expected a key");
      const key = this.string();
      if (Object.prototype.hasOwnProperty.call(out, key)) this.fail(`duplicate key "${key.slice(0, 32)}"`);
      this.skipWs();
      if (this.s[this.pos] !== ":") this.fail("expected ':'");
      this.pos++;
      this.skipWs();
      out[key] = this.value(depth);
      this.skipWs();
      const c = this.s[this.pos++];
      if (c === "}") return out;
      if (c !== ",") {
        this.pos--;
        this.fail("expected ',' or '}'");
      }
    }
  }

  array(depth: number): unknown[] {
    if (depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`);
    this.pos++; // [
    const out: unknown[] = [];
    this.skipWs();
    if (this.s[this.pos] === "]") {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWs();
      out.push(this.value(depth));
      this.skipWs();
      const c = this.s[this.pos++];
      if (c === "]") return out;
      if (c !== ",") {
        this.pos--;
        this.fail("expected ',' or ']'");
      }
    }
  }
}
