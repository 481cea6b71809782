import assert from "node:assert/strict";
import { utf8 } from "../bytes.ts";
import {
  atMostOne,
  bytesOf,
  exactlyOne,
  fieldBool,
  fieldInt,
  fieldNamespace,
  fieldNamespaceOrAll,
  fieldString,
  fieldStringifiedInt,
  fieldStringList,
  fieldTimestamp,
  fieldTimestampList,
  isBDict,
  paramSource,
  required,
  textOf,
} from "./params_fields.ts";
import { isStorageRpcError } from "./rpc_error.ts";

/** Run a reader; its value or the refusal body. */
function read(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    if (isStorageRpcError(e)) return e.body.replace("invalid request: ", "! ");
    throw e;
  }
}

Deno.test("paramSource() treats JSON null as absent and refuses non-objects", () => {
  const p = paramSource({ a: null, b: 0 }, "json");
  assert.equal(p.get("a"), undefined);
  assert.equal(p.get("b"), 0);
  assert.equal(p.get("toString"), undefined, "own keys only");
  for (const bad of [null, [], "x", new Uint8Array(1)]) {
    assert.throws(() => paramSource(bad, "json"), isStorageRpcError);
  }
});

Deno.test("field readers accept the right types per encoding and word refusals as the reference", () => {
  const j = (o: Record<string, unknown>) => paramSource(o, "json");
  const b = (o: Record<string, unknown>) => paramSource(o, "bt");
  const rows: [string, () => unknown, unknown][] = [
    ["json string", () => fieldString(j({ s: "x" }), "s"), "x"],
    ["json string wrong", () => fieldString(j({ s: 1 }), "s"), "! Invalid value given for 's': expected string"],
    ["bt string", () => fieldString(b({ s: utf8("x") }), "s"), utf8("x")],
    ["bt string wrong", () => fieldString(b({ s: 1 }), "s"), "! Invalid value given for 's': expected string"],
    ["json ts", () => fieldTimestamp(j({ t: 1_000_000_000 }), "t"), 1_000_000_000],
    [
      "json ts secs",
      () => fieldTimestamp(j({ t: 999_999_999 }), "t"),
      "! Invalid timestamp for 't': timestamp must be in milliseconds",
    ],
    [
      "json ts neg",
      () => fieldTimestamp(j({ t: -1 }), "t"),
      "! Invalid value given for 't': expected integer timestamp (in milliseconds)",
    ],
    [
      "json ts -0",
      () => fieldTimestamp(j({ t: -0 }), "t"),
      "! Invalid value given for 't': expected integer timestamp (in milliseconds)",
    ],
    ["bt ts small", () => fieldTimestamp(b({ t: 5 }), "t"), 5],
    ["ts list single", () => fieldTimestampList(j({ e: 7 }), "e"), [7]],
    ["ts list", () => fieldTimestampList(j({ e: [7, 8] }), "e"), [7, 8]],
    [
      "ts list bad",
      () => fieldTimestampList(j({ e: [7, -1] }), "e"),
      "! Invalid value given for 'e': expected timestamp array",
    ],
    ["int", () => fieldInt(j({ n: -3 }), "n"), -3],
    ["int32 range", () => fieldInt(b({ n: 2 ** 31 }), "n"), "! Invalid value given for 'n': expected integer"],
    ["bool json", () => fieldBool(j({ x: false }), "x"), false],
    ["bool json 0", () => fieldBool(j({ x: 0 }), "x"), "! Invalid value given for 'x': expected boolean"],
    ["bool bt", () => fieldBool(b({ x: 0 }), "x"), false],
    ["stringified", () => fieldStringifiedInt(j({ t: "-12" }), "t", { unsigned: false }), -12],
    [
      "stringified unsigned",
      () => fieldStringifiedInt(j({ t: " 1" }), "t", { unsigned: true }),
      "! Invalid value given for 't': \" 1\"",
    ],
    ["stringified number", () => fieldStringifiedInt(j({ t: 12 }), "t", { unsigned: true }), 12],
    [
      "stringified bt",
      () => fieldStringifiedInt(b({ t: utf8("12") }), "t", { unsigned: true }),
      "! Invalid value given for 't': expected positive integer",
    ],
    ["ns", () => fieldNamespace(j({ n: -32768 }), "n"), -32768],
    ["ns range json", () => fieldNamespace(j({ n: 32768 }), "n"), "! Invalid value given for 'n': value out of range"],
    [
      "ns range bt",
      () => fieldNamespace(b({ n: 32768 }), "n"),
      "! Invalid value given for 'n': expected 16-bit integer",
    ],
    ["ns all json", () => fieldNamespaceOrAll(j({ n: "all" }), "n"), "all"],
    ["ns all bt", () => fieldNamespaceOrAll(b({ n: utf8("all") }), "n"), "all"],
    [
      "ns all wrong",
      () => fieldNamespaceOrAll(j({ n: "All" }), "n"),
      "! Invalid value given for 'n': expected integer or \"all\"",
    ],
    [
      "ns all range",
      () => fieldNamespaceOrAll(j({ n: 99999 }), "n"),
      "! Invalid value given for 'n': value out of range",
    ],
    ["list single", () => fieldStringList(j({ m: "h" }), "m"), ["h"]],
    ["list bt", () => fieldStringList(b({ m: [utf8("h")] }), "m"), [utf8("h")]],
    ["list wrong", () => fieldStringList(j({ m: [1] }), "m"), "! Invalid value given for 'm': expected string array"],
    ["absent", () => fieldInt(j({}), "n"), undefined],
  ];
  for (const [name, f, want] of rows) assert.deepEqual(read(f), want, name);
});

Deno.test("required(), atMostOne() and exactlyOne() word missing and duplicate fields as the reference", () => {
  assert.equal(read(() => required("x", undefined)), "! Required field 'x' missing");
  assert.equal(read(() => atMostOne(["a", 1], ["b", 2])), "! Cannot specify both 'a' and 'b'");
  assert.equal(
    read(() => exactlyOne(["pubkey", undefined], ["pubKey", undefined], { alias: true })),
    "! Required field 'pubkey' missing",
  );
  assert.equal(read(() => exactlyOne(["a", 1], ["b", undefined])), undefined);
});

Deno.test("bytesOf(), textOf() and isBDict() convert and classify values", () => {
  assert.deepEqual(bytesOf("ab"), utf8("ab"));
  assert.equal(textOf(new Uint8Array([0xff])), "\u00ff");
  assert.ok(isBDict({ a: 1 }));
  assert.ok(!isBDict([1]));
});
