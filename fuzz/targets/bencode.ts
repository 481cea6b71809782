/**
 * Fuzz target: bytes → `bdecode`, `decodeV4Request` and `decodeV4Response` (onion-requests.md
 * §5, §7). Only `ProtocolError` may escape. Oracles: the decoder is strict (canonical integers,
 * sorted unique keys), so whatever it accepts must re-encode to exactly the input; accepted v4
 * messages are well typed.
 *
 * @module
 */

import fc from "fast-check";
import {
  bdecode,
  bencode,
  type BValue,
  ctEqual,
  decodeV4Request,
  decodeV4Response,
  encodeV4Request,
  encodeV4Response,
} from "../../mod.ts";
import { EPHEMERAL } from "../_fixtures.ts";
import { BENCODE_DICTIONARY, bencodeSoupArb, bvalueArb, v4MessageArb } from "../_grammar.ts";
import { allowRejectionSync, type FuzzTarget, invariant } from "../_harness.ts";
import { mutatedArb } from "../_mutate.ts";

const te = new TextEncoder();

function isStringRecord(v: unknown): boolean {
  return v !== null && typeof v === "object" && Object.values(v as object).every((x) => typeof x === "string");
}

function hasBom(b: Uint8Array): boolean {
  for (let i = 0; i + 2 < b.length; i++) if (b[i] === 0xef && b[i + 1] === 0xbb && b[i + 2] === 0xbf) return true;
  return false;
}

/**
 * Decode `input` as a bencoded value and as v4 request and response.
 *
 * @param input any bytes
 */
export function fuzz(input: Uint8Array): void {
  const value = allowRejectionSync(() => bdecode(input));
  if (value !== undefined) {
    let again: Uint8Array;
    try {
      again = bencode(value);
    } catch (err) {
      throw new Error("bencode() refused a value bdecode() produced", { cause: err });
    }
    if (!ctEqual(again, input)) {
      invariant(
        !hasBom(input),
        "bencode(bdecode(x)) differs from x: a dict key lost its leading UTF-8 BOM (EF BB BF), so distinct keys can collide",
      );
      invariant(false, "bencode(bdecode(x)) differs from x: the strict decoder accepted a non-canonical form");
    }
  }
  const req = allowRejectionSync(() => decodeV4Request(input));
  if (req !== undefined) {
    invariant(value !== undefined, "decodeV4Request() accepted what bdecode() refuses");
    invariant(typeof req.method === "string" && req.method.length > 0, "v4 request method");
    invariant(typeof req.endpoint === "string" && req.endpoint.startsWith("/"), "v4 request endpoint");
    invariant(isStringRecord(req.headers), "v4 request headers not strings");
    invariant(req.body === undefined || req.body instanceof Uint8Array, "v4 request body");
  }
  const res = allowRejectionSync(() => decodeV4Response(input));
  if (res !== undefined) {
    invariant(value !== undefined, "decodeV4Response() accepted what bdecode() refuses");
    invariant(Number.isInteger(res.status), "v4 response status not an integer");
    invariant(isStringRecord(res.headers), "v4 response headers not strings");
    invariant(Object.keys(res.headers).every((k) => k === k.toLowerCase()), "v4 response header names not lower-case");
    invariant(res.body instanceof Uint8Array, "v4 response body");
  }
  // Count the input as refused when every decoder refused it (the harness tallies rejections).
  if (value === undefined) bdecode(input);
}

/** The node-to-node `sn.onion_request` dict (onion-requests.md §5). */
function snOnionRequest(hopNo: number): BValue {
  return {
    data: new Uint8Array(48).fill(7),
    enc_type: te.encode("xchacha20"),
    ephemeral_key: EPHEMERAL.public,
    hop_no: hopNo,
  };
}

const VALID: Uint8Array[] = [
  encodeV4Request({ method: "GET", endpoint: "/room/lokinet", headers: {} }),
  encodeV4Request({
    method: "POST",
    endpoint: "/room/x/message",
    headers: { "Content-Type": "application/json" },
    body: te.encode("{}"),
  }),
  encodeV4Response({ status: 200, headers: { "content-type": "application/json" }, body: te.encode('{"id":1}') }),
  encodeV4Response({ status: 404, headers: {}, body: new Uint8Array(0) }),
  bencode(snOnionRequest(3)),
];

/** Structured inputs for {@link fuzz}. */
export const structured: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: bvalueArb.map((v) => bencode(v)), weight: 3 },
  { arbitrary: v4MessageArb, weight: 3 },
  { arbitrary: bencodeSoupArb, weight: 3 },
  { arbitrary: mutatedArb(VALID, BENCODE_DICTIONARY), weight: 3 },
  { arbitrary: fc.integer({ min: -3, max: 20 }).map((n) => bencode(snOnionRequest(n))), weight: 1 },
);

/** Seeds too large to commit. */
function seeds(): { name: string; input: Uint8Array }[] {
  return [
    { name: "seed:nesting-100k", input: te.encode("l".repeat(100_000) + "e".repeat(100_000)) },
    { name: "seed:string-1MiB", input: bencode(new Uint8Array(1 << 20)) },
    { name: "seed:list-100k-ints", input: te.encode("l" + "i1e".repeat(100_000) + "e") },
    { name: "seed:length-overflow", input: te.encode("9".repeat(400) + ":") },
  ];
}

/** The `bencode` target. */
export const target: FuzzTarget = { name: "bencode", fuzz, structured, tokens: BENCODE_DICTIONARY, seeds };
