import assert from "node:assert/strict";
import { choosePath, randomIndex } from "./path.ts";
import { seededRng } from "../protocol/_testing/seeded_rng.ts";

const nodes = Array.from({ length: 12 }, (_, i) => ({ ed25519: i.toString(16).padStart(64, "0") }));

Deno.test("choosePath() draws distinct nodes and never an excluded one", () => {
  const rng = seededRng("path-1");
  for (let round = 0; round < 500; round++) {
    const path = choosePath(nodes, { hops: 3, exclude: [nodes[0].ed25519, nodes[5].ed25519], rng });
    assert.equal(path.length, 3);
    assert.equal(new Set(path.map((n) => n.ed25519)).size, 3);
    assert.ok(!path.includes(nodes[0]) && !path.includes(nodes[5]));
  }
});

Deno.test("choosePath() uses every usable node as guard (uniform within a loose bound)", () => {
  const rng = seededRng("path-2");
  const counts = new Map<string, number>();
  const rounds = 6000;
  for (let i = 0; i < rounds; i++) {
    const [guard] = choosePath(nodes, { hops: 3, rng });
    counts.set(guard.ed25519, (counts.get(guard.ed25519) ?? 0) + 1);
  }
  assert.equal(counts.size, nodes.length);
  for (const c of counts.values()) assert.ok(c > rounds / nodes.length / 2 && c < (rounds / nodes.length) * 2, `${c}`);
});

Deno.test("choosePath() refuses when too few nodes remain", () => {
  assert.throws(
    () => choosePath(nodes.slice(0, 3), { hops: 3, exclude: [nodes[0].ed25519], rng: seededRng("path-3") }),
    /3 hops needed, 2 usable nodes/,
  );
});

Deno.test("randomIndex() stays in range and rejects a bad range", () => {
  const rng = seededRng("path-4");
  for (let i = 0; i < 1000; i++) {
    const x = randomIndex(rng, 7);
    assert.ok(x >= 0 && x < 7);
  }
  assert.throws(() => randomIndex(rng, 0), RangeError);
});
