import assert from "node:assert/strict";
import { parseStrictJson, StrictJsonError } from "./strict_json.ts";

const L = { maxLength: 10_000, maxDepth: 3 };

Deno.test("parseStrictJson() agrees with JSON.parse on valid documents", () => {
  const docs = [
    `{}`,
    `{"a":[1,2,{"b":null}],"c":"\\u00e9\\n","d":-1.5e3,"e":true,"f":false}`,
    ` { "x" : 0 } `,
    `[]`,
    `"s"`,
    `0`,
  ];
  for (const d of docs) assert.deepEqual(JSON.parse(JSON.stringify(parseStrictJson(d, L))), JSON.parse(d), d);
});

Deno.test("parseStrictJson() refuses duplicates, depth bombs, bad grammar and excess length", () => {
  const bad = [
    `{"a":1,"a":1}`,
    "[".repeat(10000) + "]".repeat(10000),
    `{"a":[[[1]]]}`,
    `{"a":01}`,
    `{"a":1,}`,
    `{'a':1}`,
    `{"a":"\u0001"}`,
    `{"a":"\\x"}`,
    `{"a":1} x`,
    `{"a":NaN}`,
    ``,
    `{"a":"${"x".repeat(20000)}"}`,
  ];
  for (const d of bad) assert.throws(() => parseStrictJson(d, L), StrictJsonError, d.slice(0, 40));
});

Deno.test("parseStrictJson() keeps __proto__ as a plain key", () => {
  const v = parseStrictJson(`{"__proto__":{"polluted":1}}`, L) as Record<string, unknown>;
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(Object.keys(v), ["__proto__"]);
});
