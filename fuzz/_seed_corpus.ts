/**
 * Writes the committed seed corpus (`fuzz/corpus/<target>/*.hex`): golden onions built with fixed
 * keys and one file per hardening.md §7 bad-input class that applies to each decoder.
 * Deterministic: rerunning gives the same files. Findings (`finding-*`) are never touched.
 *
 * ```sh
 * deno run -A fuzz/_seed_corpus.ts
 * ```
 *
 * @module
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bencode, decodeLayer, encodeLayer, encodeV4Request, encodeV4Response, toBase64, toHex } from "../mod.ts";
import {
  EPHEMERAL,
  ephemeralTrailer,
  FUZZ_NODE,
  GOLDEN,
  GOLDEN_PAYLOAD,
  layerForFuzzNode,
  LOW_ORDER_KEYS,
  NODE_B,
  NON_CANONICAL_KEYS,
  REPLY_KEYS,
  sealBlob,
} from "./_fixtures.ts";
import { corpusDir } from "./_harness.ts";

const te = new TextEncoder();
const u8 = (s: string) => te.encode(s);
let written = 0;

function write(target: string, name: string, bytes: Uint8Array, comment: string): void {
  const dir = corpusDir(target);
  mkdirSync(dir, { recursive: true });
  const hex = toHex(bytes).replace(/(.{128})/g, "$1\n").trimEnd();
  writeFileSync(join(dir, `${name}.hex`), `# ${comment}\n${hex}\n`);
  written++;
}

function withPrefix(body: Uint8Array, n: number): Uint8Array {
  const out = body.slice();
  new DataView(out.buffer).setUint32(0, n >>> 0, true);
  return out;
}

function flip(body: Uint8Array, byte: number, bit = 0): Uint8Array {
  const out = body.slice();
  out[byte] ^= 1 << bit;
  return out;
}

function retrailer(body: Uint8Array, trailer: string): Uint8Array {
  return encodeLayer(decodeLayer(body).blob, trailer);
}

/** A layer for the fuzz node whose decrypted content is `plain`. */
function sealedInner(plain: Uint8Array, enc: "aes-gcm" | "xchacha20" = "xchacha20", hop?: number): Uint8Array {
  return layerForFuzzNode(enc, plain, ephemeralTrailer(enc, hop));
}

function innerRoute(route: string, blob: Uint8Array = GOLDEN_PAYLOAD): Uint8Array {
  return encodeLayer(blob, route);
}

const E = EPHEMERAL.hex;
const relayTo = (dest: string) => `{"destination":"${dest}","enc_type":"xchacha20","ephemeral_key":"${E}"}`;
const g0 = GOLDEN[0].body; // 1 hop, aes-gcm
const g1 = GOLDEN[1].body; // 2 hops, xchacha20
const n0 = decodeLayer(g0).blob.length;
const n1 = decodeLayer(g1).blob.length;

// ---------------------------------------------------------------------------------------------
// peel_onion and layer_codec: whole request bodies
// ---------------------------------------------------------------------------------------------

const framing: [string, Uint8Array, string][] = [
  ["empty-body", new Uint8Array(0), "empty body"],
  ["prefix-1-byte", Uint8Array.of(1), "1-byte prefix"],
  ["prefix-2-bytes", Uint8Array.of(1, 0), "2-byte prefix"],
  ["prefix-3-bytes", Uint8Array.of(1, 0, 0), "3-byte prefix"],
  ["n-gt-remaining", withPrefix(g0, g0.length - 4 + 1), "N > remaining by one"],
  ["n-zero", withPrefix(g0, 0), "N = 0: the whole rest is the trailer"],
  ["n-ffffffff", withPrefix(g0, 0xffffffff), "N = 0xffffffff"],
  ["n-exact-no-trailer", encodeLayer(decodeLayer(g0).blob, ""), "N = rest: empty trailer"],
  ["n-below-aead-min-aesgcm", encodeLayer(new Uint8Array(27), ephemeralTrailer("aes-gcm")), "N = 27 < 28 (aes-gcm)"],
  [
    "n-below-aead-min-xchacha",
    encodeLayer(new Uint8Array(39), ephemeralTrailer("xchacha20")),
    "N = 39 < 40 (xchacha20)",
  ],
];

for (const g of GOLDEN) {
  write("peel_onion", g.name, g.body, "golden onion built with fixed keys (fuzz/_fixtures.ts)");
  write("layer_codec", g.name, g.body, "golden onion built with fixed keys (fuzz/_fixtures.ts)");
}
for (const [name, bytes, comment] of framing) {
  write("peel_onion", name, bytes, comment);
  write("layer_codec", name, bytes, comment);
}
write(
  "peel_onion",
  "n-zero-valid-trailer",
  encodeLayer(new Uint8Array(0), ephemeralTrailer("aes-gcm")),
  "N = 0 with a valid trailer",
);

/** The same ambiguous routing JSON at both input parities (odd lengths refuse ambiguity in the target). */
function ambiguous(): [string, Uint8Array, string][] {
  const route = innerRoute(
    `{"destination":"${NODE_B.ed25519}","ephemeral_key":"${E}","headers":"","host":"x","target":"/x"}`,
  );
  return ["", " "].map((pad): [string, Uint8Array, string] => {
    const body = layerForFuzzNode("xchacha20", route, ephemeralTrailer("xchacha20") + pad);
    const odd = (body.length & 1) === 1;
    return [
      `ambiguous-inner-action-${odd ? "refused" : "priority"}`,
      body,
      `ambiguous inner action (${odd ? "odd length: rejectAmbiguous" : "even length: reference priority order"})`,
    ];
  });
}

/** JSON text padded with a string member to exactly `length` bytes. */
function padTo(prefix: string, length: number): string {
  const fill = length - u8(prefix).length - 2; // closing quote and brace
  return `${prefix}${"a".repeat(fill)}"}`;
}

const peel: [string, Uint8Array, string][] = [
  ["trailer-not-json", retrailer(g0, "not json"), "non-JSON trailer"],
  ["trailer-not-object-array", retrailer(g0, `["${E}"]`), "non-object trailer (array)"],
  ["trailer-not-object-string", retrailer(g0, `"${E}"`), "non-object trailer (string)"],
  ["trailer-null", retrailer(g0, "null"), "non-object trailer (null)"],
  ["trailer-depth-bomb", retrailer(g0, "[".repeat(64) + "]".repeat(64)), "depth bomb (64)"],
  ["trailer-nested-object", retrailer(g0, `{"ephemeral_key":"${E}","x":{"y":1}}`), "nested object in a flat trailer"],
  ["trailer-duplicate-keys", retrailer(g0, `{"ephemeral_key":"${E}","ephemeral_key":"${E}"}`), "duplicate keys"],
  [
    "trailer-duplicate-keys-differ",
    retrailer(g0, `{"ephemeral_key":"${"00".repeat(32)}","ephemeral_key":"${E}"}`),
    "duplicate keys, last one right",
  ],
  ["trailer-wrong-type-key", retrailer(g0, `{"ephemeral_key":123}`), "wrong type: ephemeral_key number"],
  ["trailer-wrong-type-enc", retrailer(g0, `{"ephemeral_key":"${E}","enc_type":1}`), "wrong type: enc_type number"],
  ["trailer-wrong-type-hop", retrailer(g0, `{"ephemeral_key":"${E}","hop_no":"1"}`), "wrong type: hop_no string"],
  ["key-62-chars", retrailer(g0, `{"ephemeral_key":"${E.slice(2)}"}`), "62-char ephemeral key"],
  ["key-66-chars", retrailer(g0, `{"ephemeral_key":"${E}00"}`), "66-char ephemeral key"],
  ["key-non-hex", retrailer(g0, `{"ephemeral_key":"${E.slice(0, 63)}g"}`), "non-hex ephemeral key"],
  ["key-0x-prefix", retrailer(g0, `{"ephemeral_key":"0x${E.slice(2)}"}`), "0x-prefixed ephemeral key"],
  ["key-whitespace", retrailer(g0, `{"ephemeral_key":" ${E.slice(1)}"}`), "whitespace in ephemeral key"],
  ["iv-bit-flip-aesgcm", flip(g0, 4), "IV bit flip (aes-gcm)"],
  ["ciphertext-bit-flip-aesgcm", flip(g0, 4 + 12 + 5), "ciphertext bit flip (aes-gcm)"],
  ["tag-bit-flip-aesgcm", flip(g0, 4 + n0 - 1, 7), "tag bit flip (aes-gcm)"],
  ["nonce-bit-flip-xchacha", flip(g1, 4 + 23), "nonce bit flip (xchacha20)"],
  ["ciphertext-bit-flip-xchacha", flip(g1, 4 + 24 + 9, 3), "ciphertext bit flip (xchacha20)"],
  ["tag-bit-flip-xchacha", flip(g1, 4 + n1 - 16), "tag bit flip (xchacha20)"],
  [
    "truncated-tag",
    encodeLayer(decodeLayer(g0).blob.subarray(0, n0 - 1), decodeLayer(g0).json),
    "truncated tag (prefix adjusted)",
  ],
  [
    "mismatched-enc-type-xchacha-as-gcm",
    retrailer(g1, new TextDecoder().decode(decodeLayer(g1).json).replace("xchacha20", "aes-gcm")),
    "mismatched enc_type: xchacha20 blob labelled aes-gcm",
  ],
  [
    "mismatched-enc-type-gcm-as-xchacha",
    retrailer(g0, new TextDecoder().decode(decodeLayer(g0).json).replace("aes-gcm", "xchacha20")),
    "mismatched enc_type: aes-gcm blob labelled xchacha20",
  ],
  ["unknown-enc-type", retrailer(g0, `{"enc_type":"aes-256-gcm","ephemeral_key":"${E}"}`), "unknown enc_type"],
  ["cbc", retrailer(g0, `{"enc_type":"aes-cbc","ephemeral_key":"${E}"}`), "CBC refused"],
  ["cbc-alias", retrailer(g0, `{"enc_type":"cbc","ephemeral_key":"${E}"}`), "CBC alias refused"],
  ["hop-no-minus-1", sealedInner(innerRoute(relayTo(NODE_B.ed25519)), "xchacha20", -1), "hop_no -1 (clamped to 0)"],
  ["hop-no-15", sealedInner(innerRoute(relayTo(NODE_B.ed25519)), "xchacha20", 15), "hop_no 15 (relays 16)"],
  ["hop-no-16", sealedInner(innerRoute('{"headers":""}'), "xchacha20", 16), "hop_no 16"],
  ["hop-no-2pow31", sealedInner(innerRoute('{"headers":""}'), "xchacha20", 2 ** 31), "hop_no 2^31"],
  [
    "hop-no-1.5",
    layerForFuzzNode("aes-gcm", innerRoute('{"headers":""}'), `{"ephemeral_key":"${E}","hop_no":1.5}`),
    "hop_no 1.5",
  ],
  ["unknown-destination", sealedInner(innerRoute(relayTo("77".repeat(32)))), "relay to an unknown node (peels)"],
  ["self-loop", sealedInner(innerRoute(relayTo(FUZZ_NODE.ed25519))), "relay to itself (peels)"],
  [
    "decrypts-to-garbage",
    sealedInner(Uint8Array.from({ length: 100 }, (_, i) => (i * 37 + 11) & 0xff)),
    "decrypts to garbage",
  ],
  ...ambiguous(),
  ["inner-invalid-json", sealedInner(innerRoute("{headers:1}")), "inner routing JSON invalid"],
  ["inner-duplicate-keys", sealedInner(innerRoute('{"headers":"","headers":{}}')), "inner duplicate keys"],
  ["inner-depth-bomb", sealedInner(innerRoute('{"headers":{"a":{"b":{}}}}')), "inner nesting depth 4 > 3"],
  ["inner-bad-hex-destination", sealedInner(innerRoute(relayTo("zz".repeat(32)))), "inner destination not hex"],
  [
    "inner-unknown-enc-type",
    sealedInner(innerRoute(`{"destination":"${NODE_B.ed25519}","enc_type":"rot13","ephemeral_key":"${E}"}`)),
    "inner unknown enc_type",
  ],
  [
    "inner-cbc",
    sealedInner(innerRoute(`{"destination":"${NODE_B.ed25519}","enc_type":"cbc","ephemeral_key":"${E}"}`)),
    "inner CBC",
  ],
  ["inner-framing-overrun", sealedInner(withPrefix(innerRoute('{"headers":""}'), 5000)), "inner N overruns"],
  ["inner-too-short", sealedInner(Uint8Array.of(1, 2)), "inner layer shorter than its prefix"],
  ["inner-not-object", sealedInner(innerRoute("[1,2]")), "inner routing JSON not an object"],
  [
    "inner-server-bad-port",
    sealedInner(innerRoute('{"host":"example.org","port":70000,"target":"/oxen/v4/lsrpc"}')),
    "server port out of range",
  ],
];
for (const [name, bytes, comment] of peel) write("peel_onion", name, bytes, comment);
LOW_ORDER_KEYS.forEach((k, i) =>
  write(
    "peel_onion",
    `low-order-key-${String(i).padStart(2, "0")}`,
    encodeLayer(new Uint8Array(64).fill(i), `{"enc_type":"xchacha20","ephemeral_key":"${k}"}`),
    `Wycheproof low-order X25519 key ${k}`,
  )
);
NON_CANONICAL_KEYS.forEach((k, i) =>
  write(
    "peel_onion",
    `non-canonical-u-${i}`,
    encodeLayer(new Uint8Array(64).fill(i), `{"enc_type":"aes-gcm","ephemeral_key":"${k}"}`),
    `non-canonical u ${k}`,
  )
);

// ---------------------------------------------------------------------------------------------
// trailer_json: outer trailers and routing JSON
// ---------------------------------------------------------------------------------------------

const trailers: [string, string, string][] = [
  ...GOLDEN.map((g): [string, string, string] => [
    `trailer-${g.name}`,
    new TextDecoder().decode(decodeLayer(g.body).json),
    "outer trailer of a golden onion",
  ]),
  ["route-deliver", '{"headers":""}', "routing JSON: deliver"],
  ["route-deliver-desktop", '{"body":null,"headers":{}}', "routing JSON: desktop deliver"],
  ["route-deliver-flags", '{"base64":false,"headers":{"a":"b"},"json":true}', "routing JSON: deliver with flags"],
  ["route-relay", relayTo(NODE_B.ed25519), "routing JSON: relay"],
  [
    "route-server",
    `{"enc_type":"xchacha20","ephemeral_key":"${E}","host":"open.example.org","method":"POST","port":443,"protocol":"https","target":"/oxen/v4/lsrpc"}`,
    "routing JSON: server",
  ],
  ["empty", "", "empty"],
  ["not-json", "not json", "non-JSON"],
  ["not-object-array", "[]", "non-object (array)"],
  ["not-object-string", '"x"', "non-object (string)"],
  ["not-object-number", "42", "non-object (number)"],
  ["null", "null", "null"],
  ["depth-bomb", "[".repeat(64) + "]".repeat(64), "depth bomb (64)"],
  ["depth-bomb-object", '{"a":'.repeat(32) + "1" + "}".repeat(32), "object depth bomb (32)"],
  ["duplicate-keys", `{"ephemeral_key":"${E}","ephemeral_key":"${E}"}`, "duplicate keys"],
  ["duplicate-keys-escaped", `{"headers":"","head\\u0065rs":""}`, "duplicate keys, one escaped"],
  ["wrong-type-key", '{"ephemeral_key":true}', "wrong type"],
  ["wrong-type-hop", `{"ephemeral_key":"${E}","hop_no":[1]}`, "wrong type: hop_no array"],
  ["key-62-chars", `{"ephemeral_key":"${E.slice(2)}"}`, "62-char key"],
  ["key-66-chars", `{"ephemeral_key":"${E}00"}`, "66-char key"],
  ["key-non-hex", `{"ephemeral_key":"${E.slice(0, 63)}g"}`, "non-hex key"],
  ["key-0x-prefix", `{"ephemeral_key":"0x${E.slice(2)}"}`, "0x-prefixed key"],
  ["key-uppercase", `{"ephemeral_key":"${E.toUpperCase()}"}`, "upper-case key (valid)"],
  ["key-low-order", `{"ephemeral_key":"${LOW_ORDER_KEYS[6]}"}`, "low-order key (parses; refused at key agreement)"],
  ["enc-unknown", `{"enc_type":"aes-256-gcm","ephemeral_key":"${E}"}`, "unknown enc_type"],
  ["enc-cbc", `{"enc_type":"aes-cbc","ephemeral_key":"${E}"}`, "CBC"],
  ["enc-cbc-alias", `{"enc_type":"cbc","ephemeral_key":"${E}"}`, "CBC alias"],
  ["enc-proto", `{"enc_type":"constructor","ephemeral_key":"${E}"}`, "enc_type naming an Object.prototype member"],
  ["hop-no-minus-1", `{"ephemeral_key":"${E}","hop_no":-1}`, "hop_no -1"],
  ["hop-no-16", `{"ephemeral_key":"${E}","hop_no":16}`, "hop_no 16"],
  ["hop-no-2pow31", `{"ephemeral_key":"${E}","hop_no":2147483648}`, "hop_no 2^31"],
  ["hop-no-1.5", `{"ephemeral_key":"${E}","hop_no":1.5}`, "hop_no 1.5"],
  ["hop-no-1e400", `{"ephemeral_key":"${E}","hop_no":1e400}`, "hop_no overflows to Infinity"],
  [
    "ambiguous-action",
    `{"destination":"${NODE_B.ed25519}","ephemeral_key":"${E}","headers":"","host":"x","target":"/x"}`,
    "ambiguous inner action",
  ],
  ["proto-key", `{"__proto__":{"headers":""},"ephemeral_key":"${E}"}`, "__proto__ key"],
  ["oversize-trailer-4097", padTo(`{"ephemeral_key":"${E}","x":"`, 4097), "trailer of 4097 bytes (limit 4096)"],
  ["trailer-4096", padTo(`{"ephemeral_key":"${E}","x":"`, 4096), "trailer of exactly 4096 bytes (accepted)"],
  ["oversize-inner-8193", padTo(`{"headers":"`, 8193), "routing JSON of 8193 bytes (limit 8192)"],
];
for (const [name, text, comment] of trailers) write("trailer_json", name, u8(text), comment);
write("trailer_json", "invalid-utf8", Uint8Array.of(0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d), "invalid UTF-8");
write(
  "trailer_json",
  "bom-prefixed",
  new Uint8Array([0xef, 0xbb, 0xbf, ...u8(`{"ephemeral_key":"${E}"}`)]),
  "UTF-8 BOM first",
);

// ---------------------------------------------------------------------------------------------
// bencode
// ---------------------------------------------------------------------------------------------

const benc: [string, Uint8Array, string][] = [
  ["v4-request-get", encodeV4Request({ method: "GET", endpoint: "/room/lokinet", headers: {} }), "v4 GET request"],
  [
    "v4-request-post",
    encodeV4Request({
      method: "POST",
      endpoint: "/room/x/message",
      headers: { "Content-Type": "application/json" },
      body: u8("{}"),
    }),
    "v4 POST request with body",
  ],
  [
    "v4-response-200",
    encodeV4Response({ status: 200, headers: { "content-type": "application/json" }, body: u8('{"id":1}') }),
    "v4 response",
  ],
  [
    "v4-response-404-empty",
    encodeV4Response({ status: 404, headers: {}, body: new Uint8Array(0) }),
    "v4 response, empty body",
  ],
  [
    "sn-onion-request",
    bencode({
      data: new Uint8Array(48).fill(7),
      enc_type: u8("xchacha20"),
      ephemeral_key: EPHEMERAL.public,
      hop_no: 3,
    }),
    "sn.onion_request dict (onion-requests.md §5)",
  ],
  ["empty", new Uint8Array(0), "empty"],
  ["int-minus-zero", u8("i-0e"), "non-canonical -0"],
  ["int-leading-zero", u8("i03e"), "non-canonical leading zero"],
  ["int-empty", u8("ie"), "empty integer"],
  ["int-unterminated", u8("i12"), "unterminated integer"],
  ["dict-unsorted", u8("d1:bi1e1:ai2ee"), "unsorted dict keys"],
  ["dict-duplicate", u8("d1:ai1e1:ai2ee"), "duplicate dict keys"],
  ["trailing-data", u8("i1ei2e"), "trailing data"],
  ["string-overrun", u8("10:abc"), "string length overruns"],
  ["string-huge-length", u8("99999999999:"), "huge string length"],
  ["string-negative-length", u8("-1:"), "negative string length"],
  ["string-length-leading-zero", u8("01:a"), "non-canonical string length"],
  ["nesting-17", u8("l".repeat(17) + "e".repeat(17)), "nesting 17 > 16"],
  ["list-unterminated", u8("l1:a"), "unterminated list"],
  ["v4-three-parts", u8("l2:{}1:a1:be"), "v4 list with three parts"],
  ["v4-meta-not-json", u8("l3:abce"), "v4 meta not JSON"],
  ["v4-meta-array", u8("l2:[]e"), "v4 meta is an array"],
  ["v4-meta-missing-method", u8('l15:{"endpoint":"/"}e'), "v4 request meta without method"],
  ["v4-headers-not-object", u8('l41:{"method":"GET","endpoint":"/","headers":1}e'), "v4 headers not an object"],
  ["v4-code-float", u8('l12:{"code":1.5}e'), "v4 response code 1.5"],
];
for (const [name, bytes, comment] of benc) write("bencode", name, bytes, comment);

// ---------------------------------------------------------------------------------------------
// reply
// ---------------------------------------------------------------------------------------------

const X = REPLY_KEYS.xchacha20, F = REPLY_KEYS.fallback, G = REPLY_KEYS.aesGcm;
const b64 = (b: Uint8Array) => u8(toBase64(b));
const nodeOk = sealBlob("xchacha20", X, u8('{"body":"{\\"ok\\":true}","status":200}'), 1);
const v4Ok = sealBlob("xchacha20", X, encodeV4Response({ status: 200, headers: {}, body: u8("ok") }), 2);
const replies: [string, Uint8Array, string][] = [
  ["node-reply", b64(nodeOk), "service-node reply, base64"],
  [
    "node-reply-embedded",
    b64(sealBlob("xchacha20", X, u8('{"body":{"ok":true},"status":200}'), 3)),
    "embedded JSON body",
  ],
  ["node-reply-legacy-result", u8(JSON.stringify({ result: toBase64(nodeOk) })), 'legacy {"result": base64}'],
  [
    "node-reply-fallback-aesgcm",
    b64(sealBlob("aes-gcm", F, u8('{"body":"err","status":500}'), 4)),
    "aes-gcm fallback key",
  ],
  [
    "node-reply-padded",
    b64(sealBlob("xchacha20", X, u8('{"body":"x","status":200}' + " ".repeat(487)), 5)),
    "padded to 512",
  ],
  ["node-reply-missing-status", b64(sealBlob("xchacha20", X, u8('{"body":"x"}'), 6)), "no status"],
  ["node-reply-status-string", b64(sealBlob("xchacha20", X, u8('{"body":"x","status":"200"}'), 7)), "status string"],
  ["node-reply-status-float", b64(sealBlob("xchacha20", X, u8('{"body":"x","status":200.5}'), 8)), "status 200.5"],
  ["node-reply-not-json", b64(sealBlob("xchacha20", X, u8("plain"), 9)), "plaintext not JSON"],
  ["v3-reply", b64(sealBlob("aes-gcm", G, u8('{"room":"x"}'), 10)), "v3 reply body"],
  ["v3-reply-status-code", b64(sealBlob("aes-gcm", G, u8('{"status_code":404}'), 11)), "v3 status_code"],
  ["v4-reply", v4Ok, "v4 raw reply"],
  [
    "v4-reply-fallback",
    sealBlob("aes-gcm", F, encodeV4Response({ status: 400, headers: {}, body: u8("e") }), 12),
    "v4 aes-gcm fallback",
  ],
  ["v4-reply-not-bencode", sealBlob("xchacha20", X, u8("hello"), 13), "v4 plaintext not bencode"],
  ["truncated-tag", b64(nodeOk.subarray(0, nodeOk.length - 1)), "truncated tag"],
  ["tag-bit-flip", b64(flip(nodeOk, nodeOk.length - 1)), "tag bit flip"],
  ["wrong-key", b64(sealBlob("xchacha20", new Uint8Array(32).fill(0x99), u8('{"status":200}'))), "wrong key"],
  ["not-base64", u8("!!!not base64!!!"), "not base64"],
  ["not-utf8", Uint8Array.of(0xc0, 0xaf, 0xff), "not UTF-8"],
  ["empty", new Uint8Array(0), "empty"],
  ["base64-whitespace", u8(` ${toBase64(nodeOk)}\n`), "base64 with surrounding whitespace"],
];
for (const [name, bytes, comment] of replies) write("reply", name, bytes, comment);

console.log(`wrote ${written} corpus files`);
