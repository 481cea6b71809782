import assert from "node:assert/strict";
import { concat } from "../../mod.ts";
import { seededRng } from "../../protocol/_testing/seeded_rng.ts";
import { FakeClock, provider } from "../_testing/fixtures.ts";
import { DEFAULT_CONFIG } from "../config.ts";
import { REPLAY_TAG_BYTES, ReplayFilter, replayTag } from "./replay_filter.ts";

const rng = seededRng("replay filter test");
const tag = () => rng.fill(new Uint8Array(REPLAY_TAG_BYTES));

Deno.test("replayTag() is BLAKE2b-128 of ephemeral key ‖ blob", async () => {
  const key = new Uint8Array(32).fill(1), blob = new Uint8Array(100).fill(2);
  const t = await replayTag(provider, { ephemeralKey: key, blob });
  assert.deepEqual(t, await provider.blake2b(concat(key, blob), 16));
  assert.notDeepEqual(t, await replayTag(provider, { ephemeralKey: key, blob: blob.subarray(1) }));
});

Deno.test("ReplayFilter answers a table of has/add sequences", () => {
  const clock = new FakeClock(0);
  const f = new ReplayFilter({ maxTags: 100, generationMs: 1000, clock });
  const a = tag(), b = tag();
  const rows: [string, () => boolean, boolean][] = [
    ["a unseen", () => f.has(a), false],
    ["add a", () => f.add(a), true],
    ["a seen", () => f.has(a), true],
    ["add a again", () => f.add(a), false],
    ["b unseen", () => f.has(b), false],
    ["add b", () => f.add(b), true],
  ];
  for (const [name, run, want] of rows) assert.equal(run(), want, name);
  assert.equal(f.size, 2);
});

Deno.test("ReplayFilter remembers a tag for one to two generations", () => {
  const clock = new FakeClock(0);
  const f = new ReplayFilter({ maxTags: 100, generationMs: 1000, clock });
  const a = tag();
  f.add(a);
  clock.advance(999);
  assert.ok(f.has(a));
  clock.advance(1); // rotation: a moves to the previous generation
  assert.ok(f.has(a));
  assert.equal(f.add(a), false, "a replay found in the previous generation");
  clock.advance(1000); // second rotation: forgotten
  assert.ok(!f.has(a));
  assert.equal(f.size, 0);
  f.add(a);
  clock.advance(5000); // a long pause drops both generations at once
  assert.ok(!f.has(a));
});

Deno.test("ReplayFilter rotates early when the current generation is full, staying within maxTags", () => {
  const clock = new FakeClock(0);
  const f = new ReplayFilter({ maxTags: 10, generationMs: 1000, clock });
  const tags = Array.from({ length: 12 }, tag);
  for (const t of tags) assert.ok(f.add(t));
  assert.equal(f.earlyRotations, 2);
  assert.ok(f.size <= 10);
  assert.ok(f.has(tags[11]) && f.has(tags[5]), "the newest generations are kept");
  assert.ok(!f.has(tags[0]), "the oldest generation is dropped");
  // The full generation lives a whole period after an early rotation.
  clock.advance(999);
  assert.ok(f.has(tags[5]));
});

Deno.test("ReplayFilter has no false positives or negatives over many random tags", () => {
  const clock = new FakeClock(0);
  const f = new ReplayFilter({ maxTags: 40_000, generationMs: 1000, clock });
  const added = Array.from({ length: 20_000 }, tag);
  for (const t of added) assert.ok(f.add(t));
  for (const t of added) assert.ok(f.has(t));
  for (let i = 0; i < 20_000; i++) assert.ok(!f.has(tag()));
});

Deno.test("ReplayFilter treats tags differing only in the forced bit as one (127-bit compare, documented)", () => {
  const f = new ReplayFilter({ maxTags: 10, generationMs: 1000, clock: new FakeClock(0) });
  const a = new Uint8Array(16), b = new Uint8Array(16);
  b[12] = 1;
  f.add(a);
  assert.ok(f.has(b));
  assert.ok(!f.has(new Uint8Array(16).fill(0xff)));
});

Deno.test("ReplayFilter refuses bad options and tags of the wrong length", () => {
  const clock = new FakeClock(0);
  assert.throws(() => new ReplayFilter({ maxTags: 1, generationMs: 1, clock }), RangeError);
  assert.throws(() => new ReplayFilter({ maxTags: 10, generationMs: 0, clock }), RangeError);
  const f = new ReplayFilter({ maxTags: 10, generationMs: 1, clock });
  assert.throws(() => f.has(new Uint8Array(15)), RangeError);
  assert.throws(() => f.add(new Uint8Array(17)), RangeError);
});

Deno.test("ReplayFilter with the default config allocates lazily and holds a default-size generation", () => {
  const f = new ReplayFilter({
    maxTags: DEFAULT_CONFIG.replayMaxTags,
    generationMs: DEFAULT_CONFIG.replayGenerationMs,
    clock: new FakeClock(0),
  });
  for (let i = 0; i < 1000; i++) f.add(tag());
  assert.equal(f.size, 1000);
  assert.equal(f.earlyRotations, 0);
});
