import assert from "node:assert/strict";
import { isProtocolError } from "../errors.ts";
import { decodeLayer, encodeLayer } from "./codec.ts";

Deno.test("decodeLayer() splits blob and JSON as views", () => {
  const layer = encodeLayer(new Uint8Array([1, 2, 3]), '{"a":1}');
  const { blob, json } = decodeLayer(layer);
  assert.deepEqual([...blob], [1, 2, 3]);
  assert.equal(new TextDecoder().decode(json), '{"a":1}');
  assert.equal(blob.buffer, layer.buffer);
});

Deno.test("decodeLayer() refuses short input and overrunning lengths without allocating from N", () => {
  for (const bytes of [[], [1], [1, 0, 0], [5, 0, 0, 0, 1], [0xff, 0xff, 0xff, 0xff]]) {
    assert.throws(
      () => decodeLayer(new Uint8Array(bytes)),
      (e) => isProtocolError(e, "ONION_FRAMING"),
      JSON.stringify(bytes),
    );
  }
  const empty = decodeLayer(new Uint8Array([0, 0, 0, 0]));
  assert.equal(empty.blob.length, 0);
  assert.equal(empty.json.length, 0);
});
