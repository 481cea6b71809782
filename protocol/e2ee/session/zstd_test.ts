import assert from "node:assert/strict";
import { loadZstd } from "./zstd.ts";

const zstd = await loadZstd();

Deno.test({
  name: `loadZstd() gives a codec whose decompress caps its output${zstd === undefined ? " (skipped: none here)" : ""}`,
  ignore: zstd === undefined,
  fn: () => {
    const data = new Uint8Array(10_000).fill(1);
    const frame = zstd!.compress(data);
    assert.ok(frame.length < 100);
    assert.deepEqual(zstd!.decompress(frame, 10_000), data);
    assert.throws(() => zstd!.decompress(frame, 9_999));
    assert.throws(() => zstd!.decompress(new Uint8Array([1, 2, 3, 4, 5]), 100));
  },
});

Deno.test("loadZstd() is cached and never rejects", async () => {
  assert.equal(await loadZstd(), zstd);
});
