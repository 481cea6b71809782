import assert from "node:assert/strict";
import fc from "fast-check";
import { padMessage, unpadMessage } from "./padding.ts";

Deno.test("padMessage() appends 0x80 then zeros to a multiple of 160, a whole extra block when 0x80 fills one", () => {
  for (const [length, padded] of [[0, 160], [1, 160], [158, 160], [159, 320], [160, 320], [318, 320], [319, 480]]) {
    const out = padMessage(new Uint8Array(length).fill(7));
    assert.equal(out.length, padded, `length ${length}`);
    assert.equal(out[length], 0x80);
    assert.ok(out.subarray(length + 1).every((b) => b === 0));
  }
});

Deno.test("unpadMessage() inverts padMessage() for any content, including content ending in 0x00 or 0x80", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 700 }), (content) => {
      const padded = padMessage(content);
      assert.equal(padded.length % 160, 0);
      assert.deepEqual(unpadMessage(padded), content);
    }),
    { numRuns: 300 },
  );
});

Deno.test("unpadMessage() tolerates unpadded content: it stops at the first byte that is neither 0x00 nor 0x80", () => {
  assert.deepEqual(unpadMessage(new Uint8Array([8, 6, 1])), new Uint8Array([8, 6, 1]));
  assert.deepEqual(unpadMessage(new Uint8Array([8, 6, 0, 0])), new Uint8Array([8, 6]));
  assert.deepEqual(unpadMessage(new Uint8Array([8, 0x80, 0x80, 0])), new Uint8Array([8, 0x80]));
  assert.deepEqual(unpadMessage(new Uint8Array([0, 0, 0])), new Uint8Array());
  assert.deepEqual(unpadMessage(new Uint8Array()), new Uint8Array());
  assert.throws(() => unpadMessage("x" as never), TypeError);
  assert.throws(() => padMessage(null as never), TypeError);
});
