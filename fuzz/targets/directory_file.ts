/**
 * Fuzz target: directory file bytes → `loadDirectory` (gateway/directory.ts,
 * `allium-directory/1`), the gateway's list of next hops. The bytes are decoded as
 * `Deno.readTextFile` does.
 *
 * Expected refusal: a `SyntaxError`, `TypeError` or `RangeError` (exactly these classes) whose
 * message starts with `Cannot load directory: `. Anything else escaping is a finding. Oracles:
 *
 * - every node is found under its key in either case, and nowhere else; `size` counts them;
 * - records are normalised: lower-case key, 32-byte non-zero X25519 key, `http` an origin without
 *   a trailing slash that `new URL` parses (the forwarder fetches `http + "/onion_req/v2"`),
 *   `swarm` lower-case;
 * - writing the records back as a directory file and loading it gives the same records.
 *
 * @module
 */

import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import { isAllZero, toHex } from "../../mod.ts";
import { DIRECTORY_FORMAT, loadDirectory, type NodeRecord } from "../../gateway/directory.ts";
import { type FuzzTarget, invariant, InvariantError, type OpenFinding } from "../_harness.ts";
import { mutatedArb } from "../_mutate.ts";
import { fileTextArb, HEX_KEYS, jsonFileText } from "../_files.ts";

const PREFIX = "Cannot load directory: ";
const decoder = new TextDecoder();

/**
 * Whether `err` is one of the parser's documented refusals.
 *
 * @param err anything thrown
 * @returns true for SyntaxError / TypeError / RangeError with the directory message prefix
 */
export function isRefusal(err: unknown): boolean {
  return err instanceof Error &&
    (err.constructor === SyntaxError || err.constructor === TypeError || err.constructor === RangeError) &&
    err.message.startsWith(PREFIX);
}

/** The node keys of a directory document, as written (duplicates in other spellings included). */
function documentKeys(text: string): string[] {
  const doc = JSON.parse(text) as { nodes: Record<string, unknown> };
  return Object.keys(doc.nodes);
}

/**
 * Load `input` as a directory file and check the oracles.
 *
 * @param input any bytes
 */
export function fuzz(input: Uint8Array): void {
  const text = decoder.decode(input);
  const dir = loadDirectory(text);
  const keys = documentKeys(text);
  invariant(dir.size === keys.length, `size ${dir.size}, file lists ${keys.length}`);
  const records: NodeRecord[] = [];
  for (const key of keys) {
    const r = dir.get(key);
    invariant(
      r !== undefined && dir.get(key.toUpperCase()) === r && dir.get(key.toLowerCase()) === r,
      `node ${key} not found`,
    );
    invariant(r.ed25519 === key.toLowerCase(), "key not normalised");
    invariant(r.x25519.length === 32 && !isAllZero(r.x25519), "x25519");
    invariant(!r.http.endsWith("/") && /^https?:\/\//.test(r.http), `http ${JSON.stringify(r.http)}`);
    let url: URL;
    try {
      url = new URL(r.http + "/onion_req/v2");
    } catch {
      throw new InvariantError(`http ${JSON.stringify(r.http)} is accepted but is not a URL the forwarder can fetch`);
    }
    invariant(url.protocol === "http:" || url.protocol === "https:", `http ${r.http} parses as ${url.protocol}`);
    if (r.swarm !== undefined) invariant(/^[0-9a-f]{1,16}$/.test(r.swarm), `swarm ${r.swarm}`);
    if (r.zmq !== undefined) invariant(/^tcp:\/\/.+:\d+$/.test(r.zmq), `zmq ${r.zmq}`);
    records.push(r);
  }
  invariant(dir.get("00".repeat(33)) === undefined && dir.get("") === undefined, "lookup of a non-key found a node");
  const nodes: Record<string, unknown> = {};
  for (const r of records) {
    nodes[r.ed25519] = { x25519: toHex(r.x25519), http: r.http, zmq: r.zmq, swarm: r.swarm };
  }
  let again;
  try {
    again = loadDirectory(JSON.stringify({ format: DIRECTORY_FORMAT, nodes }));
  } catch (err) {
    throw new InvariantError(`loadDirectory() refuses its own records written back: ${String(err)}`);
  }
  for (const r of records) {
    invariant(isDeepStrictEqual(again.get(r.ed25519), r), `node ${r.ed25519} changes when written back`);
  }
}

function validDirectory(n: number): Record<string, unknown> {
  const nodes: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    nodes[HEX_KEYS[i % HEX_KEYS.length]] = {
      x25519: "cd".repeat(32),
      http: i % 2 === 0 ? `http://127.0.0.${1 + i}:${22021 + i}` : "https://node.example.org",
      ...(i % 3 === 0 && { zmq: `tcp://127.0.0.${1 + i}:${22020 + i}` }),
      ...(i % 2 === 1 && { swarm: "1a2b3c4d5e6f7a8b" }),
    };
  }
  return { format: DIRECTORY_FORMAT, nodes };
}

const VALID: Uint8Array[] = [0, 1, 4].map((n) => new TextEncoder().encode(JSON.stringify(validDirectory(n), null, 2)));

const ITEM_VALUES: Readonly<Record<string, readonly unknown[]>> = {
  x25519: ["cd".repeat(32), "CD".repeat(32), "00".repeat(32), "cd".repeat(31), "zz".repeat(32), 1, null],
  http: [
    "http://127.0.0.1:22021",
    "http://127.0.0.1:22021/",
    "HTTPS://node.example.org",
    "https://Node.Example.ORG:443",
    "http://[::1]:8080",
    "http://[::ffff:127.0.0.1]",
    "http://[zz]:1",
    "http://[::1::]:1",
    "http://999.999.999.999:1",
    "http://0x7f.1:80",
    "http://1.2.3.4.5:80",
    "http://host:0",
    "http://host:65535",
    "http://host:65536",
    "http://host:99999",
    "http://user@host",
    "http://host/path",
    "http://host?x",
    "http://host#f",
    "ftp://host",
    "http://-host",
    "http://a..b",
    "http://" + "a".repeat(64) + ".org",
    "http://xn--nxasmq6b",
    "http://host:080",
    "",
    7,
  ],
  zmq: ["tcp://127.0.0.1:22020", "tcp://host", "tcp://host:0", "tcp://host:65536", "tcp://[::1]:1", "ipc:///tmp/x", 1],
  swarm: ["1a2b3c4d5e6f7a8b", "FF", "0", "", "10000000000000000", "g", 1, "-1"],
};

const TOP_VALUES: Readonly<Record<string, readonly unknown[]>> = {
  format: [DIRECTORY_FORMAT, "allium-directory/2", "allium-registry/1", null],
  nodes: [{}, [], null, { "__proto__": {} }, { [HEX_KEYS[0]]: [] }, { [HEX_KEYS[0]]: null }],
};

/** Structured inputs for {@link fuzz}. */
export const structured: fc.Arbitrary<Uint8Array> = fc.oneof(
  {
    arbitrary: fileTextArb(fc.integer({ min: 0, max: 6 }).map(validDirectory), {
      top: TOP_VALUES,
      item: ITEM_VALUES,
      items: (doc) => doc.nodes,
    }),
    weight: 6,
  },
  {
    arbitrary: mutatedArb(VALID, ['"http":', '"x25519":', '"zmq":', "http://", "tcp://", "[::1]", ":65535"]),
    weight: 3,
  },
  { arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => jsonFileText(v)), weight: 1 },
);

function seeds(): { name: string; input: Uint8Array }[] {
  const te = new TextEncoder();
  const many: Record<string, unknown> = {};
  for (let i = 0; i < 100_001; i++) many[i.toString(16).padStart(64, "0")] = {};
  return [
    { name: "seed:100001-nodes", input: te.encode(JSON.stringify({ format: DIRECTORY_FORMAT, nodes: many })) },
    { name: "seed:depth-100k", input: te.encode("{".repeat(100_000)) },
    {
      name: "seed:http-1MiB",
      input: te.encode(
        `{"format":"${DIRECTORY_FORMAT}","nodes":{"${HEX_KEYS[0]}":{"x25519":"${"cd".repeat(32)}","http":"http://${
          "a".repeat(1 << 20)
        }"}}}`,
      ),
    },
  ];
}

/** Reported, not fixed yet (fuzz/README.md "Open findings"). */
const OPEN: readonly OpenFinding[] = []; // every finding so far is fixed; its reproducer stays in the corpus

/** The `directory_file` target. */
export const target: FuzzTarget = {
  name: "directory_file",
  open: OPEN,
  fuzz,
  structured,
  isRefusal,
  seeds,
};
