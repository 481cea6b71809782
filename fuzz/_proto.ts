/**
 * Protobuf wire-level editing for the E2EE fuzz targets: a lenient reader that splits a message
 * into its fields, a writer that puts them back (with non-minimal varints, wrong wire types or
 * raw values on request), and an arbitrary of field edits — drop, duplicate, reorder, interesting
 * varints, replaced or resized byte strings, changed wire types and field numbers, unknown fields,
 * nested edits — so that generated messages stay close enough to valid ones to reach the checks
 * behind the protobuf parser.
 *
 * @module
 */

import fc from "fast-check";

/** Wire types (protobuf encoding spec). */
export const WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_SGROUP = 3, WT_EGROUP = 4, WT_I32 = 5;

/** One field as it sits on the wire. */
export interface ProtoField {
  /** Field number (any value up to 2^29 − 1 once edited). */
  no: number;
  /** Wire type (0–7 once edited). */
  wt: number;
  /** Varint value (wire type 0) or the payload bytes (1, 2, 5); empty for groups. */
  value: bigint | Uint8Array;
  /** Written verbatim after the key instead of `value` (non-minimal varints, broken lengths). */
  raw?: Uint8Array;
}

/**
 * Append the base-128 varint of `n` (bigint, taken mod 2^64 like the wire format does).
 *
 * @param n the value
 * @param padTo write at least this many bytes (non-minimal encoding), at most 10
 * @returns the bytes
 */
export function varint(n: bigint, padTo = 0): Uint8Array {
  let v = BigInt.asUintN(64, n);
  const out: number[] = [];
  do {
    out.push(Number(v & 0x7fn));
    v >>= 7n;
  } while (v > 0n);
  while (out.length < Math.min(padTo, 10)) out.push(0);
  for (let i = 0; i < out.length - 1; i++) out[i] |= 0x80;
  return Uint8Array.from(out);
}

function readVarint(b: Uint8Array, at: { pos: number }): bigint | undefined {
  let v = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    if (at.pos >= b.length) return undefined;
    const byte = b[at.pos++];
    v |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return BigInt.asUintN(64, v);
  }
  return undefined;
}

/**
 * Split a serialized message into fields, without schema. Groups are kept as empty markers.
 *
 * @param bytes the message
 * @returns the fields, or undefined when the bytes are not well-formed wire data
 */
export function parseFields(bytes: Uint8Array): ProtoField[] | undefined {
  const out: ProtoField[] = [];
  const at = { pos: 0 };
  while (at.pos < bytes.length) {
    const key = readVarint(bytes, at);
    if (key === undefined) return undefined;
    const no = Number(key >> 3n), wt = Number(key & 7n);
    switch (wt) {
      case WT_VARINT: {
        const v = readVarint(bytes, at);
        if (v === undefined) return undefined;
        out.push({ no, wt, value: v });
        break;
      }
      case WT_I64:
      case WT_I32: {
        const n = wt === WT_I64 ? 8 : 4;
        if (at.pos + n > bytes.length) return undefined;
        out.push({ no, wt, value: bytes.slice(at.pos, at.pos + n) });
        at.pos += n;
        break;
      }
      case WT_LEN: {
        const len = readVarint(bytes, at);
        if (len === undefined || BigInt(bytes.length - at.pos) < len) return undefined;
        out.push({ no, wt, value: bytes.slice(at.pos, at.pos + Number(len)) });
        at.pos += Number(len);
        break;
      }
      case WT_SGROUP:
      case WT_EGROUP:
        out.push({ no, wt, value: new Uint8Array(0) });
        break;
      default:
        return undefined;
    }
  }
  return out;
}

/**
 * Serialize fields back to wire data; a varint field's value is written as a varint whatever
 * its wire type says, a bytes value with a length prefix when the wire type is 2.
 *
 * @param fields the fields
 * @returns the bytes
 */
export function writeFields(fields: readonly ProtoField[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of fields) {
    parts.push(varint((BigInt(f.no) << 3n) | BigInt(f.wt & 7)));
    if (f.raw !== undefined) {
      parts.push(f.raw);
    } else if (typeof f.value === "bigint") {
      parts.push(varint(f.value));
    } else {
      if (f.wt === WT_LEN) parts.push(varint(BigInt(f.value.length)));
      parts.push(f.value);
    }
  }
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Varint values at the edges of uint32, int32, uint64 and the JS safe range. */
export const INTERESTING_VARINTS: readonly bigint[] = [
  0n,
  1n,
  2n,
  0x7fn,
  0x80n,
  0x3fffn,
  0x7fffffffn,
  0x80000000n,
  0xfffffffen,
  0xffffffffn,
  0x100000000n,
  (1n << 53n) - 1n,
  1n << 53n,
  (1n << 63n) - 1n,
  1n << 63n,
  (1n << 64n) - 1n,
];

/** What a field holds, so that replacements stay plausible. */
export interface FieldHint {
  /** Field number. */
  no: number;
  /** Replacement values for a bytes field (keys of the right and wrong sizes, nested messages…). */
  values?: readonly Uint8Array[];
  /** Whether the field is a varint (then {@link INTERESTING_VARINTS} and small offsets are tried). */
  varint?: boolean;
}

/** One edit of a field list; returns the new list. */
export type ProtoEdit = (fields: ProtoField[]) => ProtoField[];

function pickIndex(fields: readonly ProtoField[], p: number): number {
  return fields.length === 0 ? -1 : p % fields.length;
}

/**
 * An arbitrary field edit, aware of the given hints.
 *
 * @param hints the schema's fields and plausible values
 * @returns the arbitrary
 */
export function protoEditArb(hints: readonly FieldHint[]): fc.Arbitrary<ProtoEdit> {
  const pos = fc.nat();
  const hintArb = fc.constantFrom(...hints);
  const edits: fc.Arbitrary<ProtoEdit>[] = [
    // drop a field
    pos.map((p): ProtoEdit => (f) => f.filter((_, i) => i !== pickIndex(f, p))),
    // duplicate a field (next to it, or at the end: last-one-wins for scalars)
    fc.tuple(pos, fc.boolean()).map(([p, atEnd]): ProtoEdit => (f) => {
      const i = pickIndex(f, p);
      if (i < 0) return f;
      const out = f.slice();
      out.splice(atEnd ? out.length : i + 1, 0, { ...f[i] });
      return out;
    }),
    // reverse or rotate the order
    fc.nat(7).map((r): ProtoEdit => (f) =>
      r === 0 ? f.slice().reverse() : [...f.slice(r % (f.length || 1)), ...f.slice(0, r % (f.length || 1))]
    ),
    // set a varint field (by hint) to an interesting value, or nudge it by −3…+3
    fc.tuple(
      hintArb,
      fc.oneof(
        fc.constantFrom(...INTERESTING_VARINTS).map((v) => ({ set: v, nudge: 0n })),
        fc.bigInt({ min: -3n, max: 3n }).map((d) => ({ set: undefined, nudge: d })),
      ),
    ).map(([h, { set, nudge }]): ProtoEdit => (f) => {
      if (!h.varint) return f;
      const i = f.findIndex((x) => x.no === h.no);
      const current = i >= 0 && typeof f[i].value === "bigint" ? f[i].value as bigint : 0n;
      const field: ProtoField = { no: h.no, wt: WT_VARINT, value: set ?? current + nudge };
      if (i < 0) return [...f, field];
      const out = f.slice();
      out[i] = field;
      return out;
    }),
    // replace a bytes field (by hint) with a plausible or random value
    fc.tuple(hintArb, fc.nat(), fc.uint8Array({ maxLength: 40 })).map(([h, k, rnd]): ProtoEdit => (f) => {
      const values = h.values ?? [];
      const value = values.length > 0 && k % 4 !== 0 ? values[k % values.length] : rnd;
      if (h.varint) return f;
      const i = f.findIndex((x) => x.no === h.no);
      const field: ProtoField = { no: h.no, wt: WT_LEN, value };
      if (i < 0) return [...f, field];
      const out = f.slice();
      out[i] = field;
      return out;
    }),
    // resize a length-delimited value (truncate or extend by a few bytes)
    fc.tuple(pos, fc.integer({ min: -34, max: 34 }), fc.nat(255)).map(([p, d, fill]): ProtoEdit => (f) => {
      const i = pickIndex(f, p);
      if (i < 0 || !(f[i].value instanceof Uint8Array) || f[i].wt !== WT_LEN) return f;
      const v = f[i].value as Uint8Array;
      const n = Math.max(0, v.length + d);
      const nv = new Uint8Array(n).fill(fill);
      nv.set(v.subarray(0, Math.min(n, v.length)));
      const out = f.slice();
      out[i] = { ...f[i], value: nv };
      return out;
    }),
    // a length prefix that disagrees with the value (overrun or underrun)
    fc.tuple(pos, fc.integer({ min: -3, max: 3 }), fc.constantFrom(0n, 0x7fffffffn, 0xffffffffn, (1n << 64n) - 1n))
      .map(([p, d, big]): ProtoEdit => (f) => {
        const i = pickIndex(f, p);
        if (i < 0 || !(f[i].value instanceof Uint8Array) || f[i].wt !== WT_LEN) return f;
        const v = f[i].value as Uint8Array;
        const len = d === 0 ? big : BigInt(Math.max(0, v.length + d));
        const raw = new Uint8Array([...varint(len), ...v]);
        const out = f.slice();
        out[i] = { ...f[i], raw };
        return out;
      }),
    // non-minimal varint encoding (libsignal's and bufbuild's readers both take up to 10 bytes)
    fc.tuple(pos, fc.integer({ min: 2, max: 11 })).map(([p, n]): ProtoEdit => (f) => {
      const i = pickIndex(f, p);
      if (i < 0 || typeof f[i].value !== "bigint") return f;
      const raw = n > 10
        ? new Uint8Array([...varint(f[i].value as bigint, 10).map((b) => b | 0x80), 0x01])
        : varint(f[i].value as bigint, n);
      const out = f.slice();
      out[i] = { ...f[i], raw };
      return out;
    }),
    // change a field's wire type (the value keeps its encoding, or is dropped for groups)
    fc.tuple(pos, fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7)).map(([p, wt]): ProtoEdit => (f) => {
      const i = pickIndex(f, p);
      if (i < 0) return f;
      const out = f.slice();
      const v = f[i].value;
      const raw = wt === WT_SGROUP || wt === WT_EGROUP || wt > 5
        ? new Uint8Array(0)
        : wt === WT_I64
        ? new Uint8Array(8).fill(0xff)
        : wt === WT_I32
        ? new Uint8Array(4)
        : typeof v === "bigint"
        ? (wt === WT_LEN ? varint(v > 64n ? 64n : v) : varint(v))
        : (wt === WT_LEN ? new Uint8Array([...varint(BigInt(v.length)), ...v]) : varint(BigInt(v.length)));
      out[i] = { ...f[i], wt, raw };
      return out;
    }),
    // renumber a field (0 is invalid, 2^29 − 1 the largest)
    fc.tuple(pos, fc.oneof(fc.constantFrom(0, 536870911, 19000, 19999), fc.integer({ min: 1, max: 20 })))
      .map(([p, no]): ProtoEdit => (f) => {
        const i = pickIndex(f, p);
        if (i < 0) return f;
        const out = f.slice();
        out[i] = { ...f[i], no };
        return out;
      }),
    // insert an unknown field (scalar, bytes, or an unterminated / deep group)
    fc.tuple(
      pos,
      fc.integer({ min: 1, max: 40 }),
      fc.oneof(
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((v): Omit<ProtoField, "no"> => ({ wt: WT_VARINT, value: v })),
        fc.uint8Array({ maxLength: 40 }).map((v): Omit<ProtoField, "no"> => ({ wt: WT_LEN, value: v })),
        fc.constant<Omit<ProtoField, "no">>({ wt: WT_SGROUP, value: new Uint8Array(0) }),
        fc.integer({ min: 1, max: 3000 }).map((depth): Omit<ProtoField, "no"> => ({
          wt: WT_SGROUP,
          value: new Uint8Array(0),
          raw: nestedGroups(depth),
        })),
      ),
    ).map(([p, no, rest]): ProtoEdit => (f) => {
      const out = f.slice();
      // a deep group is closed with an end-group key of its own field number
      const raw = rest.raw === undefined
        ? undefined
        : new Uint8Array([...rest.raw, ...varint(BigInt(no * 8 + WT_EGROUP))]);
      out.splice(p % (f.length + 1), 0, { no, ...rest, ...(raw === undefined ? {} : { raw }) });
      return out;
    }),
  ];
  return fc.oneof(...edits);
}

/** `depth` nested groups of field 1, each opened and closed (the caller closes the outer one). */
function nestedGroups(depth: number): Uint8Array {
  const start = 0x0b, end = 0x0c; // field 1, wire types 3 and 4
  const out = new Uint8Array(2 * depth);
  out.fill(start, 0, depth);
  out.fill(end, depth, 2 * depth);
  return out;
}

/**
 * Messages made by applying 1…`max` field edits to one of `bases` (each base well-formed).
 *
 * @param bases serialized messages
 * @param hints the schema's fields
 * @param max most edits stacked
 * @returns the arbitrary of edited serialized messages
 */
export function protoMutatedArb(
  bases: readonly Uint8Array[],
  hints: readonly FieldHint[],
  max = 3,
): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.nat(bases.length - 1), fc.array(protoEditArb(hints), { minLength: 1, maxLength: max }))
    .map(([i, edits]) => {
      const fields = parseFields(bases[i]) ?? [];
      return writeFields(edits.reduce((acc, e) => e(acc), fields));
    });
}

/**
 * The value of the last field numbered `no` (protobuf's last-one-wins), if any.
 *
 * @param fields parsed fields
 * @param no field number
 * @returns its value
 */
export function lastField(fields: readonly ProtoField[], no: number): ProtoField | undefined {
  for (let i = fields.length - 1; i >= 0; i--) if (fields[i].no === no) return fields[i];
  return undefined;
}
