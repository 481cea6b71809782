/**
 * Fuzz target: bytes → `decodeLayer` (onion-requests.md §1, hardening.md §1 "framing"). Only
 * `ProtocolError` may escape, and the decoder is checked against the spec both ways: a refusal
 * must be a real framing error (shorter than the prefix, or the prefix overruns), and an accepted
 * input must split at the prefix into views that re-encode to the same bytes.
 *
 * @module
 */

import fc from "fast-check";
import { ctEqual, decodeLayer, encodeLayer, ProtocolError } from "../../mod.ts";
import { GOLDEN } from "../_fixtures.ts";
import { type FuzzTarget, invariant } from "../_harness.ts";
import { mutatedArb } from "../_mutate.ts";

/**
 * Decode `input` as a layer and check the result against the framing rule.
 *
 * @param input any bytes
 */
export function fuzz(input: Uint8Array): void {
  const expectedN = input.length >= 4 ? new DataView(input.buffer, input.byteOffset, 4).getUint32(0, true) : -1;
  const valid = input.length >= 4 && expectedN <= input.length - 4;
  let layer;
  try {
    layer = decodeLayer(input);
  } catch (err) {
    invariant(
      !valid || !(err instanceof ProtocolError),
      `decodeLayer() refused a well-framed input (N = ${expectedN})`,
    );
    throw err;
  }
  invariant(valid, "decodeLayer() accepted a malformed frame");
  const { blob, json } = layer;
  invariant(blob.length === expectedN, `blob is ${blob.length} bytes, prefix says ${expectedN}`);
  invariant(4 + blob.length + json.length === input.length, "blob and JSON do not cover the input");
  invariant(
    blob.buffer === input.buffer && blob.byteOffset === input.byteOffset + 4,
    "blob is not a view of the input",
  );
  invariant(json.buffer === input.buffer, "json is not a view of the input");
  invariant(ctEqual(encodeLayer(blob, json), input), "encodeLayer(decodeLayer(x)) differs from x");
  // The same bytes as an inner layer decode the same way.
  const inner = decodeLayer(input, "inner layer");
  invariant(inner.blob.length === blob.length, "inner-layer decode differs");
}

/** Frames around random blobs and trailers, with prefix edits and truncations. */
const framedArb: fc.Arbitrary<Uint8Array> = fc.tuple(
  fc.uint8Array({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 40 }),
  fc.oneof(
    fc.constant({ kind: "keep" as const, v: 0 }),
    fc.constantFrom(0, 1, 27, 28, 39, 40, 0x7fffffff, 0x80000000, 0xffffffff).map((v) => ({ kind: "set" as const, v })),
    fc.integer({ min: -3, max: 3 }).map((v) => ({ kind: "rest" as const, v })),
  ),
  fc.option(fc.nat(), { nil: undefined }),
).map(([blob, json, prefix, cut]) => {
  const layer = encodeLayer(blob, json);
  const dv = new DataView(layer.buffer);
  if (prefix.kind === "set") dv.setUint32(0, prefix.v >>> 0, true);
  // "rest": the prefix claims every byte left, ± a few (the classic off-by-one).
  if (prefix.kind === "rest") dv.setUint32(0, Math.max(0, layer.length - 4 + prefix.v), true);
  return cut === undefined ? layer : layer.subarray(0, cut % (layer.length + 1)).slice();
});

/** Structured inputs for {@link fuzz}. */
export const structured: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: framedArb, weight: 3 },
  { arbitrary: mutatedArb(GOLDEN.map((g) => g.body)), weight: 2 },
  { arbitrary: fc.uint8Array({ maxLength: 8 }), weight: 1 },
);

/** The `layer_codec` target. */
export const target: FuzzTarget = {
  name: "layer_codec",
  fuzz,
  structured,
  seeds: () => [{ name: "seed:blob-1MiB", input: encodeLayer(new Uint8Array(1 << 20), "{}") }],
};
