/**
 * Structured inputs of the file-parser targets (`registry_file`, `directory_file`): a valid
 * document edited at the value level (fields set to valid and invalid values, dropped, added,
 * items duplicated or re-keyed), then written as JSON text with the byte-level traps of a file
 * (BOM, duplicated keys, trailing data, pretty or compact).
 *
 * @module
 */

import fc from "fast-check";

const te = new TextEncoder();

/** Distinct 64-hex-digit keys, in no particular order. */
export const HEX_KEYS: readonly string[] = [
  "a1".repeat(32),
  "0f".repeat(32),
  "ff".repeat(32),
  "00".repeat(32),
  "1234567890abcdef".repeat(4),
  "fedcba0987654321".repeat(4),
  "5a".repeat(32),
  "c3".repeat(32),
  "77".repeat(32),
  "e9".repeat(32),
];

/** Where the edits apply. */
export interface FileShape {
  /** Values for top-level fields. */
  top: Readonly<Record<string, readonly unknown[]>>;
  /** Values for item fields. */
  item: Readonly<Record<string, readonly unknown[]>>;
  /** The items of a document: an array, or an object keyed by node key. */
  items(doc: Record<string, unknown>): unknown;
}

type Edit = (doc: Record<string, unknown>, shape: FileShape) => void;

function pick<T>(list: readonly T[], i: number): T | undefined {
  return list.length === 0 ? undefined : list[i % list.length];
}

/** The item objects of a document and a way to re-key them (object-keyed items only). */
function itemsOf(
  doc: Record<string, unknown>,
  shape: FileShape,
): { list: Record<string, unknown>[]; keyed?: Record<string, unknown> } {
  const items = shape.items(doc);
  if (Array.isArray(items)) {
    return {
      list: items.filter((x): x is Record<string, unknown> => x !== null && typeof x === "object" && !Array.isArray(x)),
    };
  }
  if (items !== null && typeof items === "object") {
    const keyed = items as Record<string, unknown>;
    return {
      list: Object.values(keyed).filter((x): x is Record<string, unknown> =>
        x !== null && typeof x === "object" && !Array.isArray(x)
      ),
      keyed,
    };
  }
  return { list: [] };
}

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  // top-level field set to a listed value
  fc.tuple(fc.nat(), fc.nat()).map(([f, v]): Edit => (doc, shape) => {
    const field = pick(Object.keys(shape.top), f);
    if (field !== undefined) doc[field] = structuredClone(pick(shape.top[field], v));
  }),
  // top-level field dropped, or an unknown one added
  fc.tuple(fc.nat(), fc.boolean()).map(([f, add]): Edit => (doc) => {
    if (add) doc.extra = 1;
    else {
      const field = pick(Object.keys(doc), f);
      if (field !== undefined) delete doc[field];
    }
  }),
  // item field set to a listed value (weighted: most edits)
  fc.tuple(fc.nat(), fc.nat(), fc.nat()).map(([i, f, v]): Edit => (doc, shape) => {
    const item = pick(itemsOf(doc, shape).list, i);
    const field = pick(Object.keys(shape.item), f);
    if (item !== undefined && field !== undefined) item[field] = structuredClone(pick(shape.item[field], v));
  }),
  fc.tuple(fc.nat(), fc.nat(), fc.nat()).map(([i, f, v]): Edit => (doc, shape) => {
    const item = pick(itemsOf(doc, shape).list, i);
    const field = pick(Object.keys(shape.item), f);
    if (item !== undefined && field !== undefined) item[field] = structuredClone(pick(shape.item[field], v));
  }),
  // item field dropped, or an unknown one added
  fc.tuple(fc.nat(), fc.nat(), fc.boolean()).map(([i, f, add]): Edit => (doc, shape) => {
    const item = pick(itemsOf(doc, shape).list, i);
    if (item === undefined) return;
    if (add) item.port = 1;
    else {
      const field = pick(Object.keys(item), f);
      if (field !== undefined) delete item[field];
    }
  }),
  // duplicate an item (same key in another spelling for keyed items), or swap two
  fc.tuple(fc.nat(), fc.nat(), fc.boolean()).map(([i, j, dup]): Edit => (doc, shape) => {
    const items = shape.items(doc);
    if (Array.isArray(items) && items.length > 0) {
      const a = i % items.length, b = j % items.length;
      if (dup) items.push(structuredClone(items[a]));
      else [items[a], items[b]] = [items[b], items[a]];
      return;
    }
    const { keyed } = itemsOf(doc, shape);
    const key = keyed === undefined ? undefined : pick(Object.keys(keyed), i);
    if (keyed === undefined || key === undefined) return;
    const variants = [key.toUpperCase(), key.slice(2), key + "0", " " + key.slice(1), HEX_KEYS[j % HEX_KEYS.length]];
    const other = variants[j % variants.length];
    keyed[other] = dup ? structuredClone(keyed[key]) : keyed[key];
    if (!dup) delete keyed[key];
  }),
);

/**
 * Write a document as file bytes: JSON (pretty or compact), sometimes with a BOM, a duplicated
 * top-level key, trailing data or a truncation.
 *
 * @param doc the value
 * @param mode 0…19; most modes write plain JSON
 * @returns the bytes
 */
export function jsonFileText(doc: unknown, mode = 19): Uint8Array {
  const text = JSON.stringify(doc, null, mode % 2 === 0 ? 2 : undefined) ?? "null";
  switch (mode) {
    case 0:
      return te.encode("\uFEFF" + text);
    case 1:
      return te.encode(text.replace("{", '{"format":"x",'));
    case 2:
      return te.encode(text + "\n{}");
    case 3:
      return te.encode(text.slice(0, Math.floor(text.length / 2)));
    case 4:
      return te.encode(text.replace(/"([0-9a-f]{64})"/, '"$1 "'));
    default:
      return te.encode(text + (mode % 3 === 0 ? "\n" : ""));
  }
}

/**
 * Documents made from a valid one by up to four value-level edits, written as file text.
 *
 * @param base valid documents
 * @param shape what to edit
 * @returns the arbitrary
 */
export function fileTextArb(base: fc.Arbitrary<Record<string, unknown>>, shape: FileShape): fc.Arbitrary<Uint8Array> {
  return fc.tuple(
    base,
    fc.oneof({ arbitrary: fc.constant([] as Edit[]), weight: 1 }, {
      arbitrary: fc.array(editArb, { minLength: 1, maxLength: 4 }),
      weight: 3,
    }),
    fc.nat(19),
  ).map(([doc, edits, mode]) => {
    const copy = structuredClone(doc);
    for (const e of edits) e(copy, shape);
    return jsonFileText(copy, mode);
  });
}
