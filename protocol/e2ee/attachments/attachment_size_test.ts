import assert from "node:assert/strict";
import {
  ATTACHMENT_CHUNK_BYTES,
  attachmentPadding,
  decryptedAttachmentMaxSize,
  encryptedAttachmentSize,
} from "./attachment_size.ts";

/** libsession-util tests/test_attachment_encrypt.cpp: data size → blob size. */
const LIBSESSION_SIZES: [number, number][] = [
  [0, 4096],
  [1, 4096],
  [2, 4096],
  [10, 4096],
  [100, 4096],
  [1000, 4096],
  [2000, 4096],
  [4000, 4096],
  [4053, 4096],
  [4054, 8192],
  [8149, 8192],
  [8150, 12288],
  [33333, 36864],
  [60000, 61440],
  [261982, 262144],
  [261983, 270336],
  [523990, 524288],
  [523991, 540672],
  [6543210, 6553600],
  [10_000_000, 10223616],
  [10218286, 10223616],
  [25_000_000, 25165824],
];

Deno.test("encryptedAttachmentSize() matches every size in libsession's attachment tests", () => {
  for (const [data, blob] of LIBSESSION_SIZES) assert.equal(encryptedAttachmentSize(data), blob, `size ${data}`);
});

Deno.test("attachmentPadding() is at least 1 and decryptedAttachmentMaxSize() bounds the data, for sizes 0…300 000", () => {
  for (let n = 0; n <= 300_000; n += n < 70_000 ? 1 : 97) {
    const p = attachmentPadding(n);
    assert.ok(p >= 1, `padding of ${n}`);
    const blob = encryptedAttachmentSize(n);
    const max = decryptedAttachmentMaxSize(blob)!;
    assert.ok(max >= n && max - n <= p, `max of ${n}: ${max}`);
    // The blob is whole chunks plus one final partial chunk.
    const body = blob - 25;
    const tail = body % (ATTACHMENT_CHUNK_BYTES + 17);
    assert.ok(tail === 0 || tail > 17, `tail of ${n}`);
  }
});

Deno.test("decryptedAttachmentMaxSize() is undefined for blobs shorter than the prefix and padding byte", () => {
  for (const n of [0, 1, 25]) assert.equal(decryptedAttachmentMaxSize(n), undefined, `size ${n}`);
  assert.equal(decryptedAttachmentMaxSize(26), 0);
  assert.equal(decryptedAttachmentMaxSize(43), 0);
  assert.equal(decryptedAttachmentMaxSize(44), 1);
  assert.throws(() => attachmentPadding(-1), RangeError);
});
