import assert from "node:assert/strict";
import { buildSuite } from "./suite.ts";
import { FAMILIES } from "./protocol.ts";
import { loadVectorFiles } from "./vector_files.ts";

const files = await loadVectorFiles();

Deno.test("buildSuite() gives unique ids of the form <family>/<file or generator>/<tcId or index>", async () => {
  const tests = await buildSuite(files, { cases: 3 });
  const ids = tests.map((t) => t.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const t of tests) {
    const [family, source, n] = t.id.split("/");
    assert.equal(family, t.family);
    assert.ok(FAMILIES.includes(t.family));
    assert.match(source, /^([a-z0-9_]+_v[0-9]+|property)$/);
    assert.match(n, /^[0-9]+$/);
  }
  for (const f of FAMILIES) assert.equal(tests.filter((t) => t.id.startsWith(`${f}/property/`)).length, 3, f);
});

Deno.test("buildSuite() is deterministic for a seed, and the seed changes only the property cases", async () => {
  const run = async (seed: number) => {
    const tests = await buildSuite(files, { families: ["hop"], seed, cases: 2 });
    const seen: unknown[] = [];
    for (const t of tests) {
      await t.run({
        expectResult: (_op: string, args: unknown) => (seen.push(args), Promise.resolve(undefined)),
        expectRefusal: (_op: string, args: unknown) => (seen.push(args), Promise.resolve()),
      } as never);
    }
    return { ids: tests.map((t) => t.id), seen: JSON.stringify(seen) };
  };
  const a = await run(1), b = await run(1), c = await run(2);
  assert.deepEqual(a, b);
  assert.deepEqual(a.ids, c.ids);
  assert.notEqual(a.seen, c.seen);
});

Deno.test("buildSuite() runs vectors only with cases 0, and refuses an unbounded count", async () => {
  const tests = await buildSuite(files, { families: ["layer"], cases: 0 });
  assert.equal(tests.length, files["layer_v1.json"].numberOfTests);
  await assert.rejects(buildSuite(files, { cases: 1e9 }), RangeError);
  await assert.rejects(buildSuite(files, { cases: -1 }), RangeError);
});
