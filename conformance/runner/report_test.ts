import assert from "node:assert/strict";
import { reportJson, reportText, type RunReport, summarize } from "./report.ts";

const REPORT: RunReport = {
  meta: {
    mode: "adapter",
    implementation: "impl 1",
    command: ["impl", "--x"],
    operations: ["hop.encrypt"],
    seed: 7,
    cases: 3,
    knownFailures: { path: "/k.json", entries: 2, unmatched: ["z/z/1"] },
    durationMs: 1234,
  },
  results: [
    { id: "hop/hop_aesgcm_v1/100", family: "hop", outcome: "pass" },
    {
      id: "hop/hop_aesgcm_v1/101",
      family: "hop",
      outcome: "fail",
      detail: "hop.decrypt: accepted input it must refuse",
    },
    { id: "peel/onion_peel_v1/1", family: "peel", outcome: "unsupported" },
    { id: "hop/property/0", family: "hop", outcome: "known_failure", detail: "known (x): y" },
    { id: "hop/property/1", family: "hop", outcome: "unexpected_pass", detail: "listed but passes" },
  ],
};

Deno.test("summarize() counts by family and outcome", () => {
  const s = summarize(REPORT.results);
  assert.deepEqual(s.hop, { pass: 1, fail: 1, unsupported: 0, known_failure: 1, unexpected_pass: 1 });
  assert.deepEqual(s.peel, { pass: 0, fail: 0, unsupported: 1, known_failure: 0, unexpected_pass: 0 });
});

Deno.test("reportText() shows the options, the counts, every failure with its id, and the verdict", () => {
  const text = reportText(REPORT);
  for (
    const part of [
      "allium conformance (adapter): impl 1",
      "property seed 7, 3 cases per family",
      "known failures: /k.json (2 entries, 1 matched no test in this run)",
      "FAILURES (2)",
      "hop/hop_aesgcm_v1/101  [fail] hop.decrypt: accepted input it must refuse",
      "hop/property/1  [unexpected_pass] listed but passes",
      "1 known failures",
      "FAILED: 2 unexpected results out of 5 tests (1.2 s)",
    ]
  ) assert.ok(text.includes(part), `${part}\n---\n${text}`);
  assert.match(text, /^hop\s+1\s+1\s+0\s+1\s+1$/m);
  assert.match(text, /^total\s+1\s+1\s+1\s+1\s+1$/m);
});

Deno.test("reportJson() carries the verdict, the summary and every result", () => {
  const j = reportJson(REPORT);
  assert.equal(j.passed, false);
  assert.equal(j.results.length, 5);
  assert.equal(j.summary.hop.fail, 1);
  assert.deepEqual(JSON.parse(JSON.stringify(j)).meta.seed, 7);
  assert.equal(reportJson({ ...REPORT, results: REPORT.results.slice(0, 1) }).passed, true);
});
