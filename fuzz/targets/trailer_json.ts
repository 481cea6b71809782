/**
 * Fuzz target: bytes → `parseOuterTrailer` and `parseInnerRoute` (hardening.md §1 "outer
 * trailer", "inner routing JSON", §7). Only `ProtocolError` may escape. Oracles: an accepted
 * trailer or route is well typed and agrees with `JSON.parse` of the same text; the strict JSON
 * reader agrees with `JSON.parse` (accepting exactly the same documents, except that it refuses
 * duplicate keys and excess depth).
 *
 * @module
 */

import fc from "fast-check";
import {
  fromUtf8,
  isHex,
  parseInnerRoute,
  parseOuterTrailer,
  parseStrictJson,
  StrictJsonError,
  toHex,
} from "../../mod.ts";
import { GOLDEN } from "../_fixtures.ts";
import {
  INNER_KEYS,
  jsonTextArb,
  nonObjectTextArb,
  objectTextArb,
  OUTER_KEYS,
  textBytesArb,
  validTrailerTextArb,
} from "../_grammar.ts";
import { allowRejectionSync, type FuzzTarget, invariant } from "../_harness.ts";

/** Limits of the differential strict-JSON check (large, so only duplicates and depth differ). */
const ORACLE_LIMITS = { maxLength: 1 << 20, maxDepth: 64 };

function jsonParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** The strict reader against JSON.parse on the same text. */
function differential(text: string): void {
  const reference = jsonParse(text);
  let strict: unknown;
  try {
    strict = parseStrictJson(text, ORACLE_LIMITS);
  } catch (err) {
    invariant(err instanceof StrictJsonError, `parseStrictJson() threw ${(err as Error)?.name}`);
    if (!reference.ok) return;
    // JSON.parse accepted it: only a duplicate key or the depth limit may explain a refusal.
    invariant(/duplicate key|nesting deeper/.test(err.message), `parseStrictJson() refused valid JSON: ${err.message}`);
    return;
  }
  invariant(reference.ok, "parseStrictJson() accepted text JSON.parse refuses");
  invariant(
    JSON.stringify(strict) === JSON.stringify(reference.value),
    "parseStrictJson() and JSON.parse disagree on the value",
  );
}

/**
 * Parse `input` as an outer trailer and as routing JSON (both ambiguity policies), and compare
 * the strict JSON reader with `JSON.parse`.
 *
 * @param input JSON bytes
 */
export function fuzz(input: Uint8Array): void {
  const outer = allowRejectionSync(() => parseOuterTrailer(input));
  let text: string | undefined;
  try {
    text = fromUtf8(input);
  } catch {
    text = undefined;
  }
  const reference = text === undefined ? undefined : jsonParse(text);
  const obj = reference?.ok && reference.value !== null && typeof reference.value === "object"
    ? reference.value as Record<string, unknown>
    : undefined;
  if (outer) {
    invariant(text !== undefined && obj !== undefined && !Array.isArray(obj), "accepted trailer is not a JSON object");
    invariant(outer.ephemeralKey.length === 32, "trailer key not 32 bytes");
    invariant(
      toHex(outer.ephemeralKey) === String(obj.ephemeral_key).toLowerCase(),
      "trailer key differs from JSON.parse",
    );
    invariant(outer.encType === "aes-gcm" || outer.encType === "xchacha20", `trailer enc_type ${outer.encType}`);
    invariant(Number.isInteger(outer.hopNo) && outer.hopNo >= 0 && outer.hopNo <= 15, `trailer hopNo ${outer.hopNo}`);
  }
  let routes = 0;
  for (const rejectAmbiguous of [false, true]) {
    const route = allowRejectionSync(() => parseInnerRoute(input, { rejectAmbiguous }));
    if (!route) continue;
    routes++;
    invariant(obj !== undefined && !Array.isArray(obj), "accepted route is not a JSON object");
    const actions = ["headers", "host", "destination"].filter((k) => Object.hasOwn(obj, k)).length;
    invariant(!rejectAmbiguous || actions <= 1, "ambiguous route accepted with rejectAmbiguous");
    switch (route.kind) {
      case "deliver":
        invariant(Object.hasOwn(obj, "headers"), "deliver without headers");
        invariant(typeof route.json === "boolean" && typeof route.base64 === "boolean", "deliver flags");
        break;
      case "server":
        invariant(typeof route.host === "string" && route.host === obj.host, "server host differs");
        invariant(Number.isInteger(route.port) && route.port >= 1 && route.port <= 65535, `server port ${route.port}`);
        break;
      case "relay":
        invariant(
          isHex(route.destination, 64) && route.destination === String(obj.destination).toLowerCase(),
          "relay destination",
        );
        invariant(toHex(route.ephemeralKey) === String(obj.ephemeral_key).toLowerCase(), "relay key differs");
        break;
    }
  }
  if (text !== undefined && text.length <= ORACLE_LIMITS.maxLength) differential(text);
  // Count the input as refused when every parser refused it (the harness tallies rejections).
  if (!outer && routes === 0) parseOuterTrailer(input);
}

/** Trailers and routes taken from the golden onions' outer layers. */
const GOLDEN_TRAILERS = GOLDEN.map((g) => {
  const n = new DataView(g.body.buffer, g.body.byteOffset).getUint32(0, true);
  return g.body.slice(4 + n);
});

/** Structured inputs for {@link fuzz}. */
export const structured: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: textBytesArb(jsonTextArb(OUTER_KEYS)), weight: 4 },
  { arbitrary: textBytesArb(objectTextArb(INNER_KEYS)), weight: 4 },
  { arbitrary: textBytesArb(fc.oneof(validTrailerTextArb("aes-gcm"), validTrailerTextArb("xchacha20"))), weight: 1 },
  { arbitrary: textBytesArb(nonObjectTextArb), weight: 1 },
  { arbitrary: fc.constantFrom(...GOLDEN_TRAILERS), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => new TextEncoder().encode(JSON.stringify(v))), weight: 1 },
);

/** Seeds too large to commit. */
function seeds(): { name: string; input: Uint8Array }[] {
  const te = new TextEncoder();
  return [
    {
      name: "seed:trailer-1MiB",
      input: te.encode(`{"ephemeral_key":"${"ab".repeat(32)}","x":"${"z".repeat(1 << 20)}"}`),
    },
    { name: "seed:depth-bomb-100k", input: te.encode("[".repeat(100_000) + "]".repeat(100_000)) },
    { name: "seed:object-bomb-50k", input: te.encode('{"a":'.repeat(50_000) + "1" + "}".repeat(50_000)) },
    {
      name: "seed:many-keys",
      input: te.encode(`{${Array.from({ length: 2000 }, (_, i) => `"k${i}":${i}`).join(",")}}`),
    },
  ];
}

/** The `trailer_json` target. */
export const target: FuzzTarget = {
  name: "trailer_json",
  fuzz,
  structured,
  tokens: [...OUTER_KEYS, ...INNER_KEYS].map((k) => `"${k}"`).concat([":", ",", '"', "\\", "\\u"]),
  seeds,
};
