import assert from "node:assert/strict";
import { createDirectory, DIRECTORY_FORMAT, loadDirectory } from "./directory.ts";

const A = "ab".repeat(32), B = "cd".repeat(32), X = "ef".repeat(32);
const doc = (nodes: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ format: DIRECTORY_FORMAT, nodes, ...extra });

Deno.test("loadDirectory() reads nodes with their addresses, normalising keys and origins", () => {
  const dir = loadDirectory(doc({
    [A]: { x25519: X, http: "http://127.0.0.1:22021", zmq: "tcp://127.0.0.1:22020", swarm: "1A2B" },
    [B.toUpperCase()]: { x25519: X.toUpperCase(), http: "https://Node.Example.org/" },
    ["12".repeat(32)]: { x25519: X, http: "http://[::1]:8080" },
  }));
  assert.equal(dir.size, 3);
  const a = dir.get(A.toUpperCase());
  assert.equal(a?.http, "http://127.0.0.1:22021");
  assert.equal(a?.zmq, "tcp://127.0.0.1:22020");
  assert.equal(a?.swarm, "1a2b");
  assert.equal(a?.x25519.length, 32);
  assert.equal(dir.get(B)?.http, "https://node.example.org");
  assert.equal(dir.get(B)?.ed25519, B);
  assert.equal(dir.get("12".repeat(32))?.http, "http://[::1]:8080");
  assert.equal(dir.get("00".repeat(32)), undefined);
  assert.equal(dir.get("not a key"), undefined);
  assert.ok(Object.isFrozen(a));
  assert.equal(loadDirectory(doc({})).size, 0);
});

Deno.test("loadDirectory() refuses malformed files with a precise error", () => {
  const node = { x25519: X, http: "http://127.0.0.1:1" };
  const rows: [string, ErrorConstructor, RegExp][] = [
    ["not json", SyntaxError, /^Cannot load directory: not strict JSON/],
    [`{"format":"${DIRECTORY_FORMAT}","nodes":{},"nodes":{}}`, SyntaxError, /duplicate key/],
    [JSON.stringify([]), TypeError, /top level is not an object/],
    [JSON.stringify({ format: "v0", nodes: {} }), RangeError, /format is "v0", expected "allium-directory\/1"/],
    [JSON.stringify({ nodes: {} }), RangeError, /format is missing/],
    [doc({}, { extra: 1 }), RangeError, /unknown top-level field "extra"/],
    [doc([]), TypeError, /"nodes" is not an object/],
    [doc({ abc: node }), RangeError, /node key "abc" is not 64 hex digits/],
    [doc({ [A]: "x" }), TypeError, /node "ab.*" is not an object/],
    [doc({ [A]: { ...node, x25519: "zz" } }), RangeError, /x25519 is not 64 hex digits/],
    [doc({ [A]: { ...node, x25519: "00".repeat(32) } }), RangeError, /x25519 is all zero/],
    [doc({ [A]: { x25519: X } }), TypeError, /http is not a string/],
    [
      doc({ [A]: { ...node, http: "ftp://127.0.0.1:1" } }),
      RangeError,
      /http "ftp:\/\/127.0.0.1:1" is not an http\(s\) origin/,
    ],
    [doc({ [A]: { ...node, http: "http://u:p@127.0.0.1:1" } }), RangeError, /is not an http\(s\) origin/],
    [doc({ [A]: { ...node, http: "http://127.0.0.1:1/onion_req/v2" } }), RangeError, /is not an http\(s\) origin/],
    [doc({ [A]: { ...node, http: "http://127.0.0.1:99999" } }), RangeError, /is not an http\(s\) origin/],
    [doc({ [A]: { ...node, http: "http://127.0.0.1:1?x" } }), RangeError, /is not an http\(s\) origin/],
    [doc({ [A]: { ...node, zmq: "ipc:///tmp/x" } }), RangeError, /zmq "ipc:\/\/\/tmp\/x" is not an address/],
    [doc({ [A]: { ...node, swarm: "0x12" } }), RangeError, /swarm "0x12" is not 1…16 hex digits/],
    [doc({ [A]: { ...node, swarm: 12 } }), TypeError, /swarm is not a string/],
    [doc({ [A]: { ...node, port: 1 } }), RangeError, /unknown field "port"/],
    [doc({ [A]: node, [A.toUpperCase()]: node }), RangeError, /is listed twice/],
  ];
  for (const [text, ctor, message] of rows) {
    assert.throws(
      () => loadDirectory(text),
      (e) => e instanceof ctor && message.test((e as Error).message),
      text.slice(0, 80),
    );
  }
});

Deno.test("createDirectory() builds a directory from records and refuses duplicates", () => {
  const r = { ed25519: A, x25519: new Uint8Array(32).fill(1), http: "http://127.0.0.1:1" };
  assert.equal(createDirectory([r]).get(A)?.http, r.http);
  assert.throws(() => createDirectory([r, { ...r, ed25519: A.toUpperCase() }]), /listed twice/);
  assert.throws(() => createDirectory([{ ...r, ed25519: "x" }]), RangeError);
});
