import assert from "node:assert/strict";
import { FAMILIES, OPERATIONS, parseAnswer, parseHello, PROTOCOL_VERSION, ProtocolViolation } from "./protocol.ts";

Deno.test("parseAnswer() reads the three answer kinds", () => {
  assert.deepEqual(parseAnswer('{"id":1,"result":{"blob":"00"}}', 1), { kind: "result", value: { blob: "00" } });
  assert.deepEqual(parseAnswer('{"id":2,"error":{"class":"X","message":"m"}}', 2), {
    kind: "error",
    errorClass: "X",
    message: "m",
  });
  assert.deepEqual(parseAnswer('{"id":3,"error":{}}', 3), { kind: "error", errorClass: null, message: "" });
  assert.deepEqual(parseAnswer('{"id":4,"unsupported":true}', 4), { kind: "unsupported", reason: null });
  assert.deepEqual(parseAnswer('{"id":5,"unsupported":"later"}', 5), { kind: "unsupported", reason: "later" });
});

Deno.test("parseAnswer() refuses lines that break the protocol", () => {
  for (
    const [line, why] of [
      ["not json", /not JSON/],
      ["[1]", /not a JSON object/],
      ['{"id":2,"result":{}}', /id 2, expected 1/],
      ['{"id":1}', /exactly one/],
      ['{"id":1,"result":{},"error":{}}', /exactly one/],
      ['{"id":1,"result":[1]}', /"result" is not an object/],
      ['{"id":1,"error":"bad"}', /"error" is not an object/],
    ] as const
  ) {
    assert.throws(() => parseAnswer(line, 1), (e) => e instanceof ProtocolViolation && why.test(e.message), line);
  }
});

Deno.test("parseHello() needs this protocol version, a name and an operations list", () => {
  const ok = parseHello({
    kind: "result",
    value: { protocol: PROTOCOL_VERSION, name: "n", version: "2", operations: ["onion.peel"] },
  });
  assert.deepEqual(ok, { protocol: PROTOCOL_VERSION, name: "n", version: "2", operations: ["onion.peel"] });
  assert.throws(() => parseHello({ kind: "unsupported", reason: null }), ProtocolViolation);
  assert.throws(
    () => parseHello({ kind: "result", value: { protocol: "x", name: "n", operations: [] } }),
    /speaks "x"/,
  );
  assert.throws(() => parseHello({ kind: "result", value: { protocol: PROTOCOL_VERSION, operations: [] } }), /no name/);
  assert.throws(
    () => parseHello({ kind: "result", value: { protocol: PROTOCOL_VERSION, name: "n" } }),
    /no operations/,
  );
});

Deno.test("OPERATIONS maps every operation to one of FAMILIES, and every family has one", () => {
  const used = new Set(Object.values(OPERATIONS));
  assert.deepEqual([...used].sort(), [...FAMILIES].sort());
});
