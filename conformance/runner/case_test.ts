import assert from "node:assert/strict";
import { type Call, CaseRun, describeDifference, fieldsEqual } from "./case.ts";
import type { Answer, Operation } from "./protocol.ts";

const ALL = new Set<Operation>(["hop.encrypt", "hop.decrypt", "onion.peel"]);
const answering = (a: Answer): Call => () => Promise.resolve(a);

Deno.test("CaseRun.expectResult() passes equal results and fails different ones or refusals", async () => {
  const ok = new CaseRun(answering({ kind: "result", value: { blob: "00ff" } }), ALL);
  await ok.expectResult("hop.encrypt", {}, fieldsEqual({ blob: "00ff" }));
  assert.deepEqual(ok.verdict(), { outcome: "pass" });

  const differs = new CaseRun(answering({ kind: "result", value: { blob: "00fe" } }), ALL);
  await differs.expectResult("hop.encrypt", {}, fieldsEqual({ blob: "00ff" }));
  assert.equal(differs.verdict().outcome, "fail");
  assert.match(differs.verdict().detail!, /^hop\.encrypt: blob differs at byte 1/);

  const refused = new CaseRun(answering({ kind: "error", errorClass: "ONION_AUTH_FAILED", message: "tag" }), ALL);
  await refused.expectResult("hop.decrypt", {}, fieldsEqual({}));
  assert.match(refused.verdict().detail!, /refused valid input \(ONION_AUTH_FAILED: tag\)/);
});

Deno.test("CaseRun.expectRefusal() checks the error class when one is required", async () => {
  const right = new CaseRun(answering({ kind: "error", errorClass: "ONION_KEY", message: "" }), ALL);
  await right.expectRefusal("onion.peel", {}, "ONION_KEY");
  assert.equal(right.verdict().outcome, "pass");
  const wrong = new CaseRun(answering({ kind: "error", errorClass: "ONION_TRAILER", message: "" }), ALL);
  await wrong.expectRefusal("onion.peel", {}, "ONION_KEY");
  assert.match(wrong.verdict().detail!, /refused with class ONION_TRAILER, expected ONION_KEY/);
  const accepted = new CaseRun(answering({ kind: "result", value: { kind: "relay" } }), ALL);
  await accepted.expectRefusal("onion.peel", {}, "ONION_KEY");
  assert.match(accepted.verdict().detail!, /accepted input it must refuse/);
  const no = new CaseRun(answering({ kind: "result", value: { valid: false } }), ALL);
  await no.expectRefusal("onion.peel", {}, undefined, (v) => v.valid === false);
  assert.equal(no.verdict().outcome, "pass");
});

Deno.test("CaseRun.expectEither() accepts the recorded refusal or the recorded result", async () => {
  for (const a of [{ kind: "error", errorClass: "X", message: "" }, { kind: "result", value: { n: 1 } }] as Answer[]) {
    const run = new CaseRun(answering(a), ALL);
    await run.expectEither("onion.peel", {}, "X", fieldsEqual({ n: 1 }));
    assert.equal(run.verdict().outcome, "pass");
  }
});

Deno.test("CaseRun.verdict() is unsupported only when every check was, and never asks unlisted operations", async () => {
  let asked = 0;
  const call: Call = () => {
    asked++;
    return Promise.resolve({ kind: "result", value: { blob: "00" } });
  };
  const none = new CaseRun(call, new Set());
  await none.expectResult("hop.encrypt", {}, fieldsEqual({ blob: "00" }));
  assert.deepEqual(none.verdict(), { outcome: "unsupported" });
  assert.equal(asked, 0);
  const some = new CaseRun(call, new Set<Operation>(["hop.encrypt"]));
  await some.expectResult("hop.encrypt", {}, fieldsEqual({ blob: "00" }));
  await some.expectRefusal("hop.decrypt", {});
  assert.deepEqual(some.verdict(), { outcome: "pass", detail: "not supported: hop.decrypt" });
  assert.deepEqual(new CaseRun(call, ALL).verdict(), { outcome: "unsupported" });
});

Deno.test("describeDifference() shows where hex differs and clips long values", () => {
  assert.match(
    describeDifference("b", "aabbcc", "aabb"),
    /differs at byte 2 \(expected 3 bytes, got 2\): expected cc, got \(end\)/,
  );
  assert.match(describeDifference("s", "x".repeat(100), "y"), /…/);
  assert.equal(describeDifference("n", 1, 2), "n: expected 1, got 2");
});
