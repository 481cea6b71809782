import assert from "node:assert/strict";
import { type JsonSchema, validateJson } from "./json_schema.ts";

const schema: JsonSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  properties: {
    hex: { $ref: "#/$defs/Hex" },
    n: { type: ["integer", "null"], minimum: 0, maximum: 15 },
    kind: { oneOf: [{ const: "a" }, { const: "b" }] },
    list: { type: "array", minItems: 1, maxItems: 2, items: { enum: [1, 2] } },
    map: { type: "object", additionalProperties: { type: "string" } },
  },
  required: ["hex"],
  additionalProperties: false,
  $defs: { Hex: { type: "string", pattern: "^([0-9a-f]{2})*$" } },
};

Deno.test("validateJson() accepts a value that fits every keyword", () => {
  assert.deepEqual(validateJson({ hex: "00ff", n: null, kind: "b", list: [2], map: { a: "x" } }, schema), []);
  assert.deepEqual(validateJson({ hex: "", n: 15 }, schema), []);
});

Deno.test("validateJson() reports each violated keyword with its JSON pointer", () => {
  const cases: [unknown, RegExp][] = [
    [{}, /^\/: missing "hex"$/],
    [{ hex: "0F" }, /^\/hex: .* does not match/],
    [{ hex: "00", extra: 1 }, /^\/: unexpected property "extra"$/],
    [{ hex: "00", n: 1.5 }, /^\/n: is number, expected integer or null$/],
    [{ hex: "00", n: 16 }, /^\/n: 16 > 15$/],
    [{ hex: "00", kind: "c" }, /^\/kind: matches 0 of 2 oneOf branches/],
    [{ hex: "00", list: [] }, /^\/list: fewer than 1 items$/],
    [{ hex: "00", list: [3] }, /^\/list\/0: 3 is not one of/],
    [{ hex: "00", map: { a: 1 } }, /^\/map\/a: is integer, expected string$/],
    ["text", /^\/: is string, expected object$/],
  ];
  for (const [value, expected] of cases) {
    const errors = validateJson(value, schema);
    assert.equal(errors.length, 1, `${JSON.stringify(value)}: ${errors.join("; ")}`);
    assert.match(errors[0], expected);
  }
});

Deno.test("validateJson() refuses schemas with keywords outside its subset", () => {
  assert.throws(() => validateJson(1, { type: "integer", multipleOf: 2 }), /unsupported keyword "multipleOf"/);
  assert.throws(() => validateJson(1, { $ref: "#/definitions/X" }), /unresolvable \$ref/);
});
