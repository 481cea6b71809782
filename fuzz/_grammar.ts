/**
 * Structured text generators for the fuzz targets: JSON-ish objects built from the keys and the
 * typed and mistyped values of onion trailers, routing JSON, replies and v4 metadata, covering the
 * bad-input classes of hardening.md §7 (duplicate keys, wrong types, 62/66-digit and non-hex keys,
 * low-order keys, unknown enc_type, CBC, hop_no −1/16/2^31/1.5, depth bombs, ambiguous actions),
 * plus bencode token soups.
 *
 * @module
 */

import fc from "fast-check";
import { bencode, type BValue, toHex } from "../mod.ts";
import { EPHEMERAL, FUZZ_NODE, LOW_ORDER_KEYS, NODE_B, NON_CANONICAL_KEYS } from "./_fixtures.ts";

const te = new TextEncoder();

/** Keys of the outer trailer (onion-requests.md §3). */
export const OUTER_KEYS: readonly string[] = ["ephemeral_key", "enc_type", "hop_no"];
/** Keys of routing JSON (onion-requests.md §4). */
export const INNER_KEYS: readonly string[] = [
  "headers",
  "json",
  "base64",
  "host",
  "target",
  "port",
  "protocol",
  "method",
  "destination",
  "ephemeral_key",
  "enc_type",
];
/** Keys of replies and v4 metadata (onion-requests.md §6–§7). */
export const REPLY_KEYS_JSON: readonly string[] = [
  "body",
  "status",
  "status_code",
  "result",
  "code",
  "headers",
  "method",
  "endpoint",
];

/** Keys that trip naive object handling. */
const TRICKY_KEYS = [
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "",
  "EPHEMERAL_KEY",
  "ephemeral_key ",
  "\\u0065phemeral_key",
  "enc\\u005ftype",
  "hop\\u005Fno",
  "head\\u0065rs",
];

/** Whitespace, mostly valid JSON whitespace, sometimes not. */
const wsArb = fc.oneof(
  { arbitrary: fc.constant(""), weight: 12 },
  { arbitrary: fc.constantFrom(" ", "\n", "\t", "\r\n", "  "), weight: 3 },
  { arbitrary: fc.constantFrom("\u00a0", "\f", "\v", "\u2028", "\uFEFF", "\0"), weight: 1 },
);

const quote = (s: string) => `"${s}"`;

/** 64-hex-digit keys, valid and every malformed variant of hardening.md §7. */
export const hexKeyTextArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(EPHEMERAL.hex, FUZZ_NODE.ed25519, NODE_B.ed25519, FUZZ_NODE.x25519), weight: 6 },
  { arbitrary: fc.constantFrom(EPHEMERAL.hex.toUpperCase(), FUZZ_NODE.ed25519.toUpperCase()), weight: 1 },
  { arbitrary: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toHex), weight: 2 },
  { arbitrary: fc.constantFrom(...LOW_ORDER_KEYS, ...NON_CANONICAL_KEYS), weight: 2 },
  {
    arbitrary: fc.constantFrom(
      EPHEMERAL.hex.slice(2), // 62 digits
      EPHEMERAL.hex + "00", // 66 digits
      "0x" + EPHEMERAL.hex.slice(2),
      " " + EPHEMERAL.hex.slice(1),
      EPHEMERAL.hex.slice(0, 63) + "g",
      EPHEMERAL.hex.slice(0, 63) + "\u0661", // Arabic-Indic digit one
      EPHEMERAL.hex.slice(0, 62) + "\\u0030\\u0030",
      "",
    ),
    weight: 2,
  },
).map(quote);

/** `enc_type` values: canonical, aliases, refused CBC, unknown and odd. */
export const encTypeTextArb: fc.Arbitrary<string> = fc.constantFrom(
  "aes-gcm",
  "gcm",
  "xchacha20",
  "xchacha20-poly1305",
  "aes-cbc",
  "cbc",
  "AES-GCM",
  "xchacha",
  "chacha20-poly1305",
  "",
  "aes-gcm\\u0000",
  "constructor",
  "__proto__",
).map(quote);

/** Numbers around the hop_no and port limits, and odd spellings. */
export const numberTextArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "-1",
    "0",
    "-0",
    "1",
    "14",
    "15",
    "16",
    "443",
    "65535",
    "65536",
    "2147483648",
    "4294967296",
    "9007199254740993",
    "1.5",
    "15.0",
    "1e1",
    "1E1",
    "-1e-7",
    "1e400",
    "-1e400",
    "0.0000001",
    "01",
    "+1",
    ".5",
    "1.",
    "0x10",
    "NaN",
    "Infinity",
  ),
  fc.integer({ min: -100, max: 100000 }).map(String),
);

/** String values seen in routing JSON, and arbitrary text. */
const stringTextArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '""',
    '"1"',
    '"15"',
    '"https"',
    '"http"',
    '"ftp"',
    '"/oxen/v4/lsrpc"',
    '"/loki/v3/lsrpc"',
    '"/loki/v3/lsrpc?x=1"',
    '"127.0.0.1"',
    '"localhost"',
    '"POST"',
    '"\\ud800"',
    '"\\u0000"',
    '"a\\"b"',
    '"\\x41"',
    '"unterminated',
  ),
  fc.string({ maxLength: 24 }).map((s) => JSON.stringify(s)),
  fc.string({ maxLength: 12, unit: "binary" }).map((s) => JSON.stringify(s)),
);

/** Nested values: arrays and objects up to depth 5, and depth bombs. */
const nestedTextArb: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.integer({ min: 2, max: 80 }).map((n) => "[".repeat(n) + "]".repeat(n)),
  fc.integer({ min: 2, max: 40 }).map((n) => '{"a":'.repeat(n) + "1" + "}".repeat(n)),
  fc.integer({ min: 2, max: 80 }).map((n) => "[".repeat(n)), // unbalanced
);

/** Any value text, weighted towards the typed values of the known keys. */
export const valueTextArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: hexKeyTextArb, weight: 4 },
  { arbitrary: encTypeTextArb, weight: 3 },
  { arbitrary: numberTextArb, weight: 3 },
  { arbitrary: fc.constantFrom("true", "false", "null", "tru", "nul"), weight: 2 },
  { arbitrary: stringTextArb, weight: 3 },
  { arbitrary: nestedTextArb, weight: 2 },
);

/** Values that fit a key most of the time, so that deep checks are reached. */
function valueFor(key: string): fc.Arbitrary<string> {
  const typed: Record<string, fc.Arbitrary<string>> = {
    ephemeral_key: hexKeyTextArb,
    destination: hexKeyTextArb,
    enc_type: encTypeTextArb,
    hop_no: numberTextArb,
    port: numberTextArb,
    status: numberTextArb,
    status_code: numberTextArb,
    code: numberTextArb,
    json: fc.constantFrom("true", "false"),
    base64: fc.constantFrom("true", "false"),
    headers: fc.constantFrom('""', "{}", '{"content-type":"application/json"}', "null", "[]", '{"a":{"b":{}}}'),
  };
  const t = Object.hasOwn(typed, key) ? typed[key] : undefined;
  return t ? fc.oneof({ arbitrary: t, weight: 4 }, { arbitrary: valueTextArb, weight: 1 }) : valueTextArb;
}

/**
 * JSON object texts built from `keys` (plus tricky and random keys), with random whitespace,
 * repeated keys (hardening.md §7 "duplicate keys") and mistyped values.
 *
 * @param keys the keys this decoder knows
 * @param maxEntries most members
 * @returns the arbitrary
 */
export function objectTextArb(keys: readonly string[], maxEntries = 7): fc.Arbitrary<string> {
  const keyArb = fc.oneof(
    { arbitrary: fc.constantFrom(...keys), weight: 10 },
    { arbitrary: fc.constantFrom(...TRICKY_KEYS), weight: 1 },
    { arbitrary: fc.string({ maxLength: 10 }).map((s) => JSON.stringify(s).slice(1, -1)), weight: 1 },
  );
  const entry = keyArb.chain((k) => valueFor(k).map((v) => [k, v] as const));
  return fc.tuple(fc.array(entry, { maxLength: maxEntries }), fc.array(wsArb, { minLength: 4, maxLength: 4 }))
    .map(([entries, [a, b, c, d]]) =>
      `${a}{${b}${entries.map(([k, v]) => `"${k}"${c}:${d}${v}`).join(`,${b}`)}${c}}${d}`
    );
}

/** An outer trailer that is exactly right for a hand-made layer, with every valid spelling. */
export function validTrailerTextArb(enc: "aes-gcm" | "xchacha20"): fc.Arbitrary<string> {
  const encSpelling = enc === "aes-gcm"
    ? fc.constantFrom('"aes-gcm"', '"gcm"', undefined)
    : fc.constantFrom('"xchacha20"', '"xchacha20-poly1305"');
  return fc.record({
    e: encSpelling,
    key: fc.constantFrom(EPHEMERAL.hex, EPHEMERAL.hex.toUpperCase()),
    hop: fc.option(fc.constantFrom("0", "1", "-1", "-7", "15", "16", "3.0", "1e1", "-0"), { nil: undefined }),
    extra: fc.option(fc.constantFrom('"x":1', '"headers":{}', '"pad":"' + "a".repeat(100) + '"'), { nil: undefined }),
    ws: wsArb,
    order: fc.boolean(),
  }).map(({ e, key, hop, extra, ws, order }) => {
    const parts = [`"ephemeral_key":${ws}"${key}"`];
    if (e !== undefined) parts.push(`"enc_type":${e}`);
    if (hop !== undefined) parts.push(`"hop_no":${hop}`);
    if (extra !== undefined) parts.push(extra);
    if (order) parts.reverse();
    return `{${parts.join(`,${ws}`)}}`;
  });
}

/** Texts that are not a JSON object: arrays, scalars, garbage, truncated objects. */
export const nonObjectTextArb: fc.Arbitrary<string> = fc.oneof(
  valueTextArb,
  fc.array(valueTextArb, { maxLength: 4 }).map((vs) => `[${vs.join(",")}]`),
  fc.constantFrom("", " ", "{", "}", '{"ephemeral_key"', "{,}", "{}}", "{}{}", '{"a":1,}', "{'a':1}", "{a:1}"),
  fc.string({ maxLength: 40 }),
);

/** Any trailer-like JSON text. */
export function jsonTextArb(keys: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: objectTextArb(keys), weight: 8 },
    { arbitrary: validTrailerTextArb("aes-gcm"), weight: 2 },
    { arbitrary: validTrailerTextArb("xchacha20"), weight: 2 },
    { arbitrary: nonObjectTextArb, weight: 2 },
  );
}

/** UTF-8 bytes of a text, sometimes with a BOM or an invalid byte sequence spliced in. */
export function textBytesArb(text: fc.Arbitrary<string>): fc.Arbitrary<Uint8Array> {
  return fc.tuple(text, fc.nat(20), fc.nat()).map(([s, mode, pos]) => {
    const b = te.encode(s);
    if (mode > 1) return b;
    const insert = mode === 0 ? [0xef, 0xbb, 0xbf] : [0xc0, 0xaf];
    const at = mode === 0 ? 0 : pos % (b.length + 1);
    const out = new Uint8Array(b.length + insert.length);
    out.set(b.subarray(0, at));
    out.set(insert, at);
    out.set(b.subarray(at), at + insert.length);
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// Bencode
// ---------------------------------------------------------------------------------------------

/** Dict keys: ASCII, any code points, and a few that stress text decoding. */
const dictKeyArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ maxLength: 8 }), weight: 6 },
  { arbitrary: fc.string({ maxLength: 4, unit: "binary" }), weight: 2 },
  {
    arbitrary: fc.constantFrom("data", "enc_type", "ephemeral_key", "hop_no", "\uFEFF", "\u0000", "__proto__"),
    weight: 1,
  },
);

/** Well-formed bencode values (dicts have text keys, including non-ASCII ones). */
export const bvalueArb: fc.Arbitrary<BValue> = fc.letrec<{ v: BValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.uint8Array({ maxLength: 24 }),
    fc.string({ maxLength: 12 }).map((s) => te.encode(s)),
    fc.oneof(
      fc.integer(),
      fc.maxSafeInteger(),
      fc.constantFrom(0, -1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER),
    ),
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(dictKeyArb, tie("v"), { maxKeys: 4, noNullPrototype: true }),
  ),
})).v;

/** Bencode fragments: valid tokens, non-canonical numbers, lengths that lie. */
const BENCODE_TOKENS = [
  "i",
  "e",
  "l",
  "d",
  "i0e",
  "i-0e",
  "i00e",
  "i01e",
  "i-e",
  "ie",
  "i1.5e",
  "i9007199254740992e",
  "i99999999999999999999e",
  "0:",
  "1:a",
  "2:a",
  "01:a",
  "-1:",
  "4294967296:",
  "99999999999:",
  ":",
  "4:data",
  "8:enc_type",
  "13:ephemeral_key",
  "6:hop_no",
];

/** Bencode-like token soups. */
export const bencodeSoupArb: fc.Arbitrary<Uint8Array> = fc.array(
  fc.oneof(
    { arbitrary: fc.constantFrom(...BENCODE_TOKENS).map((t) => te.encode(t)), weight: 6 },
    { arbitrary: fc.uint8Array({ maxLength: 4 }), weight: 1 },
    { arbitrary: bvalueArb.map((v) => bencode(v)), weight: 2 },
  ),
  { maxLength: 12 },
).map((parts) => {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
});

/** Dictionary tokens for mutating bencode. */
export const BENCODE_DICTIONARY: readonly string[] = BENCODE_TOKENS;

/** v4 metadata JSON: requests (method, endpoint, headers) and responses (code, headers). */
export const v4MetaTextArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: objectTextArb(["method", "endpoint", "headers", "code"], 5), weight: 4 },
  {
    arbitrary: fc.record({
      method: fc.constantFrom("GET", "POST", "", "get"),
      endpoint: fc.constantFrom("/", "/room/x", "room", "//x", "/\u0000"),
      headers: fc.constantFrom("{}", '{"a":"b"}', '{"A":1}', '{"a":null}', '{"a":{}}', "[]", "null", '""'),
      code: fc.constantFrom("200", "404", "1.5", '"200"', "null", "-1", "1e400"),
    }).map(({ method, endpoint, headers, code }) =>
      `{"method":${JSON.stringify(method)},"endpoint":${JSON.stringify(endpoint)},"headers":${headers},"code":${code}}`
    ),
    weight: 3,
  },
  { arbitrary: nonObjectTextArb, weight: 1 },
);

/** A v4 message: a bencoded list of 0…3 byte strings, the first usually JSON metadata. */
export const v4MessageArb: fc.Arbitrary<Uint8Array> = fc.tuple(
  v4MetaTextArb,
  fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 2 }),
  fc.nat(9),
).map(([meta, rest, mode]) => {
  const parts: BValue[] = mode === 0 ? rest : [te.encode(meta), ...rest];
  return bencode(mode === 1 ? [parts, 1] : parts);
});
