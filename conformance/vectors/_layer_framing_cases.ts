/**
 * Generator of `layer_v1.json`: the framing of one onion layer, `u32le N ‖ N-byte blob ‖
 * trailer` (onion-requests.md §1), split by `decodeLayer` or refused. Framing only: the trailer
 * is not parsed here (peeling does that; `onion_peel_v1.json` covers it). Private to
 * `conformance/vectors/`.
 *
 * @module
 */

import { concat, toHex, utf8, writeU32le } from "../../protocol/bytes.ts";
import { isProtocolError } from "../../protocol/errors.ts";
import { decodeLayer } from "../../protocol/onion/codec.ts";
import { seededRng } from "../../protocol/_testing/seeded_rng.ts";
import { type CaseBase, draw, type Result, type VectorFile, vectorFile } from "./_common.ts";
import { LAYER_NOTES } from "./_notes.ts";

/** One framing case. */
export interface LayerFramingTest extends CaseBase {
  /** The received bytes. */
  body: string;
  /** The blob the split gives (valid; acceptable when it succeeds), else null. */
  blob: string | null;
  /** The bytes after the blob (valid; acceptable when it succeeds), else null. */
  trailer: string | null;
  result: Result;
}

/** The one group of `layer_v1.json`. */
export interface LayerFramingGroup {
  type: "OnionLayerFramingTest";
  tests: LayerFramingTest[];
}

/** Bytes of the little-endian length prefix (onion-requests.md §1). */
const PREFIX_BYTES = 4;
/** The largest u32, a prefix no body can satisfy. */
const MAX_U32 = 0xffffffff;

/** `u32le(n) ‖ rest`, whatever `rest` is. */
function prefixed(n: number, rest: Uint8Array): Uint8Array {
  const p = new Uint8Array(PREFIX_BYTES);
  writeU32le(p, 0, n);
  return concat(p, rest);
}

/** `u32le(len(blob)) ‖ blob ‖ trailer`. */
function framed(blob: Uint8Array, trailer: string): Uint8Array {
  return prefixed(blob.length, concat(blob, utf8(trailer)));
}

/**
 * Every case of `layer_v1.json`, each checked against `decodeLayer` before it is published.
 * tcIds 1… are splits that must succeed (or may: acceptable), 100… refusals. Append only.
 *
 * @returns the cases in tcId order
 */
export function layerFramingCases(): LayerFramingTest[] {
  const rng = (n: number) => seededRng(`allium/conformance/layer/${n}`);
  const out: LayerFramingTest[] = [];
  const add = (tcId: number, comment: string, flags: string[], body: Uint8Array, result: Result) => {
    let blob: string | null = null, trailer: string | null = null;
    try {
      const l = decodeLayer(body);
      blob = toHex(l.blob);
      trailer = toHex(l.json);
      if (result === "invalid") throw new Error(`Cannot generate layer framing case ${tcId}: accepted`);
    } catch (e) {
      if (!isProtocolError(e, "ONION_FRAMING")) throw e;
      if (result !== "invalid") throw new Error(`Cannot generate layer framing case ${tcId}: ${e.message}`);
    }
    out.push({ tcId, comment, flags, body: toHex(body), blob, trailer, result });
  };
  const ek = toHex(draw(rng(0), 32));
  const trailer = `{"enc_type":"xchacha20","ephemeral_key":"${ek}"}`;

  add(1, "48-byte blob, outer trailer", ["Pseudorandom"], framed(draw(rng(1), 48), trailer), "valid");
  add(2, "empty blob: N = 0", ["EmptyBlob"], framed(new Uint8Array(0), '{"headers":""}'), "valid");
  add(3, "1024-byte blob", ["LongBlob"], framed(draw(rng(3), 1024), trailer), "valid");
  add(
    4,
    "blob of 258 bytes: prefix 02 01 00 00, which read big-endian would overrun",
    ["LittleEndian"],
    framed(draw(rng(4), 258), trailer),
    "valid",
  );
  add(
    5,
    "blob bytes that look like JSON: the split follows N, not the first brace",
    ["JsonInBlob"],
    framed(utf8('{"a":1}{"b":2}'), '{"headers":""}'),
    "valid",
  );
  add(
    6,
    "trailer with multi-byte UTF-8 text",
    ["Utf8Trailer"],
    framed(draw(rng(6), 32), '{"host":"例え.テスト","target":"/oxen/v4/lsrpc"}'),
    "valid",
  );
  add(
    7,
    "N covers the whole rest: empty trailer (framing allows it; a strict decoder may refuse)",
    ["EmptyTrailer"],
    prefixed(40, draw(rng(7), 40)),
    "acceptable",
  );

  add(100, "empty body", ["ShortPrefix"], new Uint8Array(0), "invalid");
  add(101, "3 bytes: shorter than the length prefix", ["ShortPrefix"], draw(rng(101), 3), "invalid");
  add(102, "prefix says 1, nothing follows", ["Overrun"], prefixed(1, new Uint8Array(0)), "invalid");
  add(103, "prefix one past the end of the body", ["Overrun"], prefixed(41, draw(rng(103), 40)), "invalid");
  add(104, "prefix 0xffffffff", ["Overrun"], prefixed(MAX_U32, utf8(trailer)), "invalid");
  const be = new Uint8Array([0, 0, 0, 48]);
  add(
    105,
    "prefix written big-endian (00 00 00 30): read little-endian it overruns",
    ["BigEndianPrefix"],
    concat(be, draw(rng(105), 48), utf8(trailer)),
    "invalid",
  );
  return out;
}

/**
 * Build `layer_v1.json`.
 *
 * @returns the file object
 */
export function layerFile(): VectorFile<LayerFramingGroup> {
  return vectorFile<LayerFramingGroup>({
    algorithm: "SESSION-ONION-LAYER-FRAMING",
    schema: "layer_schema_v1.json",
    header: [
      "Framing of one onion layer (shared/spec/onion-requests.md §1): u32 little-endian N, then the N-byte blob, then the trailer (the rest of the body).",
      "valid: splitting body gives blob and trailer exactly. invalid: the split must be refused (fewer than 4 bytes, or N larger than what follows the prefix). acceptable: either.",
      "Framing only: the trailer is not parsed here (onion_peel_v1.json covers trailer parsing).",
      "Generated by allium conformance/vectors/generate.ts from fixed seeds.",
    ],
    notes: LAYER_NOTES,
  }, [{ type: "OnionLayerFramingTest", tests: layerFramingCases() }]);
}
