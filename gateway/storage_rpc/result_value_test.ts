import assert from "node:assert/strict";
import { bdecode } from "../../protocol/onion/bencode.ts";
import { utf8 } from "../../protocol/bytes.ts";
import { fromPeerDict, toBencoded, toBValue, toJsonText } from "./result_value.ts";

Deno.test("toJsonText() sorts keys at every level and base64-encodes binary values", () => {
  const v = { z: { b: 1, a: [true, "x"] }, a: new Uint8Array([1, 2, 3]), m: 'q"/' };
  assert.equal(toJsonText(v), '{"a":"AQID","m":"q\\"/","z":{"a":[true,"x"],"b":1}}');
  assert.equal(toJsonText({ "10": 1, "-10": 2, "2": 3 }), '{"-10":2,"10":1,"2":3}', "string order, as std::map");
  assert.throws(() => toJsonText(NaN), TypeError);
});

Deno.test("toBValue() and toBencoded() turn booleans into 0/1 and keep binary raw", () => {
  assert.deepEqual(toBValue({ a: false, b: [true], c: "x", d: new Uint8Array([9]) }), {
    a: 0,
    b: [1],
    c: utf8("x"),
    d: new Uint8Array([9]),
  });
  const back = bdecode(toBencoded({ signature: new Uint8Array(64), hash: "h" })) as Record<string, Uint8Array>;
  assert.equal(back.signature.length, 64);
});

Deno.test("fromPeerDict() reads a peer reply as the reference's bt_to_json does", () => {
  const r = fromPeerDict({
    signature: new Uint8Array([0xff, 0]),
    deleted: { "0": [utf8("h")] },
    already: 1,
  });
  assert.deepEqual(r, { signature: new Uint8Array([0xff, 0]), deleted: { "0": ["h"] }, already: 1 });
  assert.equal(toJsonText(r), '{"already":1,"deleted":{"0":["h"]},"signature":"/wA="}');
});
