import assert from "node:assert/strict";
import {
  applyKnownFailures,
  fileNameFor,
  knownFailuresOf,
  knownFailuresUrl,
  loadKnownFailures,
  parseKnownFailures,
} from "./known_failures.ts";
import type { TestResult } from "./results.ts";

Deno.test("parseKnownFailures() refuses files that do not have the documented shape", () => {
  const bad = [
    "nope",
    "[]",
    '{"implementation":"x","failures":[],"extra":1}',
    '{"failures":[]}',
    '{"implementation":"x","failures":{}}',
    '{"implementation":"x","failures":[{"id":"a/b/1"}]}',
    '{"implementation":"x","failures":[{"id":"a","reason":"r"}]}',
    '{"implementation":"x","failures":[{"id":"a/b/1","reason":"r","why":1}]}',
    '{"implementation":"x","failures":[{"id":"a/b/1","reason":"r"},{"id":"a/b/1","reason":"r"}]}',
  ];
  for (const text of bad) assert.throws(() => parseKnownFailures(text, "f.json"), SyntaxError, text);
});

Deno.test("applyKnownFailures() marks listed failures known, listed passes unexpected, and reports unmatched ids", () => {
  const results: TestResult[] = [
    { id: "a/b/1", family: "a", outcome: "fail", detail: "differs" },
    { id: "a/b/2", family: "a", outcome: "pass" },
    { id: "a/b/3", family: "a", outcome: "unsupported" },
    { id: "a/b/4", family: "a", outcome: "fail", detail: "x" },
  ];
  const known = {
    implementation: "x",
    description: "",
    failures: ["a/b/1", "a/b/2", "a/b/3", "a/b/9"].map((id) => ({ id, reason: "tracked in #12" })),
  };
  const { results: out, unmatched } = applyKnownFailures(results, known);
  assert.deepEqual(out.map((r) => r.outcome), ["known_failure", "unexpected_pass", "unsupported", "fail"]);
  assert.match(out[0].detail!, /known \(tracked in #12\): differs/);
  assert.deepEqual(unmatched, ["a/b/9"]);
});

Deno.test("knownFailuresUrl() takes paths as paths and names from conformance/known_failures/", () => {
  assert.equal(knownFailuresUrl("/tmp/k.json").pathname, "/tmp/k.json");
  assert.ok(
    knownFailuresUrl("Allium (broken: kdf)").pathname.endsWith("/conformance/known_failures/allium_broken_kdf.json"),
  );
  assert.equal(fileNameFor("allium-python-example"), "allium_python_example");
});

Deno.test("knownFailuresOf() lists every failure of a run, and the committed files parse", async () => {
  const file = knownFailuresOf([
    { id: "a/b/1", family: "a", outcome: "fail", detail: "d" },
    { id: "a/b/2", family: "a", outcome: "pass" },
  ], "impl");
  assert.deepEqual(file.failures, [{ id: "a/b/1", reason: "d" }]);
  for await (const entry of Deno.readDir(new URL("../known_failures/", import.meta.url))) {
    if (entry.name.endsWith(".json")) {
      await loadKnownFailures(new URL(`../known_failures/${entry.name}`, import.meta.url));
    }
  }
});
