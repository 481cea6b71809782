import assert from "node:assert/strict";
import fc from "fast-check";
import { toHex, utf8 } from "../bytes.ts";
import { MAX_HOP_NO } from "../constants.ts";
import { isProtocolError } from "../errors.ts";
import type { EncType } from "./enc_type.ts";
import {
  DELIVER_ROUTE,
  readCanonicalRoute,
  readCanonicalTrailer,
  relayRouteLength,
  trailerLength,
  writeRelayRoute,
  writeTrailer,
} from "./canonical_json.ts";
import {
  isCanonicalX25519,
  parseInnerRoute,
  parseInnerRouteStrict,
  parseOuterTrailer,
  parseOuterTrailerStrict,
} from "./routing.ts";

const SEED = 0x0ca11ed;
const ENC_TYPES: EncType[] = ["aes-gcm", "xchacha20"];
const encArb = fc.constantFrom(...ENC_TYPES);
const keyArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
const hexArb = keyArb.map(toHex);

/** The texts as the builder wrote them before the byte writers existed (build.ts, peel.ts). */
function trailerText(enc: EncType, key: Uint8Array, hopNo?: number): string {
  const hop = hopNo === undefined ? "" : `,"hop_no":${hopNo}`;
  return `{"enc_type":"${enc}","ephemeral_key":"${toHex(key)}"${hop}}`;
}
function routeText(destination: string, enc: EncType, key: Uint8Array): string {
  return `{"destination":"${destination}","enc_type":"${enc}","ephemeral_key":"${toHex(key)}"}`;
}

/** What a reader did: its result with bytes as hex, or the ProtocolError's code and message. */
function outcome(read: () => unknown): unknown {
  try {
    return { ok: JSON.parse(JSON.stringify(read(), (_, v) => v instanceof Uint8Array ? toHex(v) : v)) };
  } catch (err) {
    if (!isProtocolError(err)) throw err;
    return { code: err.code, message: err.message };
  }
}

/** Canonical texts of every shape, plus a few near misses, as seeds for mutation. */
const seedArb: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(encArb, keyArb, fc.option(fc.integer({ min: 0, max: 17 }), { nil: undefined }))
    .map(([e, k, h]) => trailerText(e, k, h)),
  fc.tuple(hexArb, encArb, keyArb).map(([d, e, k]) => routeText(d, e, k)),
  fc.constant(DELIVER_ROUTE),
  fc.tuple(hexArb, keyArb).map(([d, k]) => `{"destination":"${d}","ephemeral_key":"${toHex(k)}"}`),
  fc.tuple(encArb, hexArb).map(([e, k]) => `{"ephemeral_key":"${k}","enc_type":"${e}"}`),
);

/** Bytes that matter to the readers: JSON punctuation, digits, hex and non-hex letters, non-ASCII. */
const ALPHABET = [...'"{}[],: \t\n\\-+.0123456789abcdefABCDEFgGxXe'].map((c) => c.charCodeAt(0))
  .concat([0x00, 0x7f, 0x80, 0xc3, 0xa9, 0xff]);
const byteArb = fc.oneof(fc.constantFrom(...ALPHABET), fc.integer({ min: 0, max: 255 }));

type Edit = { op: "set" | "insert" | "delete" | "case" | "truncate"; at: number; byte: number };
const editArb: fc.Arbitrary<Edit> = fc.record({
  op: fc.constantFrom("set", "insert", "delete", "case", "truncate"),
  // Often near the end, where the readers check that nothing follows.
  at: fc.oneof(fc.nat(), fc.integer({ min: -4, max: -1 })),
  byte: byteArb,
});

/**
 * Apply edits at positions taken modulo the current length; a negative position counts from the
 * end (-1: the last byte, or just past it for an insertion).
 */
function mutate(text: string, edits: Edit[]): Uint8Array {
  const bytes = [...utf8(text)];
  for (const { op, at, byte } of edits) {
    const i = bytes.length === 0 ? 0 : ((at % bytes.length) + bytes.length) % bytes.length;
    if (op === "set" && bytes.length > 0) bytes[i] = byte;
    else if (op === "insert") {
      bytes.splice(at < 0 ? Math.max(0, bytes.length + at + 1) : at % (bytes.length + 1), 0, byte);
    } else if (op === "delete") bytes.splice(i, 1);
    else if (op === "case" && bytes.length > 0) bytes[i] ^= 0x20;
    else if (op === "truncate") bytes.length = i;
  }
  return new Uint8Array(bytes);
}

/** Canonical texts, mutated ones and random byte strings. */
const inputArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  seedArb.map(utf8),
  fc.tuple(seedArb, fc.array(editArb, { minLength: 1, maxLength: 3 })).map(([s, e]) => mutate(s, e)),
  fc.uint8Array({ maxLength: 200 }),
  fc.array(byteArb, { maxLength: 200 }).map((a) => new Uint8Array(a)),
);
/** Size limits: the defaults, or one close to the input's length. */
const limitArb = fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined });

Deno.test("writeTrailer() and writeRelayRoute() write exactly the builder's texts", () => {
  fc.assert(
    fc.property(
      encArb,
      keyArb,
      fc.option(fc.integer({ min: 0, max: MAX_HOP_NO + 1 }), { nil: undefined }),
      (e, k, h) => {
        const out = new Uint8Array(trailerLength(e, h) + 3);
        assert.equal(writeTrailer(out, 2, e, k, h), 2 + trailerLength(e, h));
        assert.equal(new TextDecoder().decode(out.subarray(2, out.length - 1)), trailerText(e, k, h));
      },
    ),
    { seed: SEED, numRuns: 300 },
  );
  fc.assert(
    fc.property(hexArb, encArb, keyArb, (d, e, k) => {
      const out = new Uint8Array(relayRouteLength(e));
      assert.equal(writeRelayRoute(out, 0, d, e, k), out.length);
      assert.equal(new TextDecoder().decode(out), routeText(d, e, k));
    }),
    { seed: SEED, numRuns: 300 },
  );
});

Deno.test("readCanonicalTrailer() and readCanonicalRoute() recognise every canonical text", () => {
  fc.assert(
    fc.property(encArb, keyArb, fc.option(fc.integer({ min: 0, max: MAX_HOP_NO }), { nil: undefined }), (e, k, h) => {
      const key = new Uint8Array(32);
      assert.deepEqual(readCanonicalTrailer(utf8(trailerText(e, k, h)), 4096, key), { encType: e, hopNo: h ?? 0 });
      assert.deepEqual(key, k);
    }),
    { seed: SEED, numRuns: 300 },
  );
  fc.assert(
    fc.property(hexArb, encArb, keyArb, fc.boolean(), (d, e, k, upper) => {
      const key = new Uint8Array(32);
      const text = routeText(upper ? d.toUpperCase() : d, e, k);
      assert.deepEqual(readCanonicalRoute(utf8(text), 8192, key), {
        kind: "relay",
        destination: d,
        ephemeralKey: k,
        encType: e,
      });
    }),
    { seed: SEED, numRuns: 300 },
  );
  assert.deepEqual(readCanonicalRoute(utf8(DELIVER_ROUTE), 8192, new Uint8Array(32)), {
    kind: "deliver",
    json: false,
    base64: true,
  });
  // Left to the strict reader: hop_no past the limit, leading zeros, aliases, other key orders.
  const k = "ab".repeat(32);
  for (
    const text of [
      `{"enc_type":"aes-gcm","ephemeral_key":"${k}","hop_no":16}`,
      `{"enc_type":"aes-gcm","ephemeral_key":"${k}","hop_no":01}`,
      `{"enc_type":"aes-gcm","ephemeral_key":"${k}","hop_no":-1}`,
      `{"enc_type":"gcm","ephemeral_key":"${k}"}`,
      `{"ephemeral_key":"${k}","enc_type":"aes-gcm"}`,
      `{"enc_type":"aes-gcm","ephemeral_key":"${k}"} `,
    ]
  ) assert.equal(readCanonicalTrailer(utf8(text), 4096, new Uint8Array(32)), undefined, text);
});

Deno.test("parseOuterTrailer() answers exactly as parseOuterTrailerStrict() on random and mutated texts", () => {
  let recognised = 0;
  fc.assert(
    fc.property(inputArb, limitArb, (json, max) => {
      const limits = max === undefined ? {} : { maxOuterTrailerBytes: max };
      const strict = outcome(() => parseOuterTrailerStrict(json, limits));
      assert.deepEqual(outcome(() => parseOuterTrailer(json, limits)), strict);
      const key = new Uint8Array(32);
      const fast = readCanonicalTrailer(json, limits.maxOuterTrailerBytes ?? 4096, key);
      if (fast !== undefined) {
        recognised++;
        assert.deepEqual(outcome(() => ({ ephemeralKey: key, ...fast })), strict);
      }
    }),
    { seed: SEED, numRuns: 10_000 },
  );
  assert.ok(recognised > 100, `only ${recognised} inputs took the fast path`);
});

Deno.test("parseInnerRoute() answers exactly as parseInnerRouteStrict() on random and mutated texts", () => {
  let recognised = 0;
  fc.assert(
    fc.property(inputArb, limitArb, fc.boolean(), (json, max, rejectAmbiguous) => {
      const options = max === undefined ? { rejectAmbiguous } : { maxInnerJsonBytes: max, rejectAmbiguous };
      const strict = outcome(() => parseInnerRouteStrict(json, options));
      assert.deepEqual(outcome(() => parseInnerRoute(json, options)), strict);
      const fast = readCanonicalRoute(json, options.maxInnerJsonBytes ?? 8192, new Uint8Array(32));
      if (fast !== undefined && (fast.kind === "deliver" || isCanonicalX25519(fast.ephemeralKey))) {
        recognised++;
        assert.deepEqual(outcome(() => fast), strict);
      }
    }),
    { seed: SEED, numRuns: 10_000 },
  );
  assert.ok(recognised > 100, `only ${recognised} inputs took the fast path`);
});

Deno.test("parseOuterTrailer() and parseInnerRoute() match the strict readers after every one-byte edit of canonical texts", () => {
  const key = new Uint8Array(32).map((_, i) => i * 7 + 1);
  const texts = [
    trailerText("xchacha20", key),
    trailerText("aes-gcm", key, 5),
    trailerText("xchacha20", key, 12),
    routeText("c0".repeat(32), "xchacha20", key),
    DELIVER_ROUTE,
  ];
  const alphabet = [...'"{},: 0159afAFg\\-'].map((c) => c.charCodeAt(0)).concat([0x80, 0xff]);
  let cases = 0;
  for (const text of texts) {
    const bytes = utf8(text);
    for (let i = 0; i <= bytes.length; i++) {
      for (const b of alphabet) {
        const edits = [
          new Uint8Array([...bytes.subarray(0, i), b, ...bytes.subarray(i)]),
          ...(i < bytes.length
            ? [
              new Uint8Array([...bytes.subarray(0, i), b, ...bytes.subarray(i + 1)]),
              new Uint8Array([...bytes.subarray(0, i), ...bytes.subarray(i + 1)]),
            ]
            : []),
        ];
        for (const json of edits) {
          cases++;
          assert.deepEqual(outcome(() => parseOuterTrailer(json)), outcome(() => parseOuterTrailerStrict(json)));
          assert.deepEqual(outcome(() => parseInnerRoute(json)), outcome(() => parseInnerRouteStrict(json)));
        }
      }
    }
  }
  assert.ok(cases > 20_000);
});

Deno.test("readCanonicalRoute() leaves a non-canonical X25519 key to the shared check", () => {
  // u = p is not canonical: the strict reader refuses it, and so must parseInnerRoute.
  const p = new Uint8Array(32).fill(0xff);
  p[0] = 0xed;
  p[31] = 0x7f;
  const json = utf8(routeText("ab".repeat(32), "xchacha20", p));
  assert.equal(readCanonicalRoute(json, 8192, new Uint8Array(32))?.kind, "relay");
  assert.throws(() => parseInnerRoute(json), (e) => isProtocolError(e, "ONION_INNER_INVALID"));
  assert.throws(() => parseInnerRouteStrict(json), (e) => isProtocolError(e, "ONION_INNER_INVALID"));
});
