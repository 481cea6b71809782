/**
 * Writes the committed seed corpus (`fuzz/corpus/<target>/*.hex`): golden onions built with fixed
 * keys and one file per hardening.md §7 bad-input class that applies to each decoder, and for the
 * E2EE targets the seeds each target's `corpus()` builds from real messages (fixed keys, seeded
 * rngs).
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
import {
  bencode,
  type BValue,
  concat,
  decodeLayer,
  encodeHandoverBlobs,
  encodeLayer,
  encodeV4Request,
  encodeV4Response,
  fromHex,
  toBase64,
  toHex,
} from "../mod.ts";
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
import { GATEWAY_BODIES, layerFields } from "./_gateway.ts";
import { FOREIGN, GROUP, storageInput, validExamples } from "./_storage.ts";
import { requestInput } from "./targets/gateway_route.ts";
import * as sessionMessage from "./targets/session_message.ts";
import * as sealedBox from "./targets/sealed_box.ts";
import * as signalMessage from "./targets/signal_message.ts";
import * as senderKeyMessage from "./targets/sender_key_message.ts";
import * as ratchetState from "./targets/ratchet_state.ts";
import * as sessionRecord from "./targets/session_record.ts";
import * as senderKeyRecord from "./targets/sender_key_record.ts";
import * as attachment from "./targets/attachment.ts";
import * as secretstream from "./targets/secretstream.ts";

/** The E2EE targets and their committed seeds. */
const E2EE_TARGETS: { name: string; corpus(): [string, Uint8Array, string][] }[] = [
  sessionMessage,
  sealedBox,
  signalMessage,
  senderKeyMessage,
  ratchetState,
  sessionRecord,
  senderKeyRecord,
  attachment,
  secretstream,
].map((m) => ({ name: m.target.name, corpus: m.corpus }));

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

// ---------------------------------------------------------------------------------------------
// storage_params and storage_auth: `<method> [now=…] [fwd] [hf=…]\n<params>`
// ---------------------------------------------------------------------------------------------

for (const e of validExamples()) {
  write("storage_params", e.name, e.input, "signed request at the fixed time (fuzz/_storage.ts)");
  write("storage_auth", e.name, e.input, "signed request at the fixed time (fuzz/_storage.ts)");
}
const GH = GROUP.hex;
const SIG64 = toBase64(new Uint8Array(64));
const params: [string, Uint8Array, string][] = [
  ["no-newline", u8("store"), "no header line end: params empty"],
  ["empty", new Uint8Array(0), "empty method, empty params"],
  ["unknown-method", storageInput("ifelse", u8("{}")), "not implemented: no method"],
  ["proto-method", storageInput("__proto__", u8("{}")), "method naming an Object.prototype member"],
  ["params-array", storageInput("store", u8("[]")), "params not an object"],
  ["params-string", storageInput("retrieve", u8('"x"')), "params a JSON string"],
  ["params-not-json", storageInput("store", u8("not json")), "params neither JSON nor bencode"],
  ["params-bom-json", storageInput("info", u8("\uFEFF{}")), "JSON params with a BOM"],
  ["params-invalid-utf8", storageInput("info", Uint8Array.of(0x7b, 0xc0, 0xaf, 0x7d)), "JSON params, invalid UTF-8"],
  ["bt-unterminated", storageInput("store", u8("d1:a")), "bencoded dict, unterminated"],
  ["bt-list", storageInput("store", u8("le")), "bencoded list (starts with l: read as JSON)"],
  ["bt-empty-dict", storageInput("delete_all", u8("de")), "bencoded empty dict"],
  ["json-duplicate-keys", storageInput("get_swarm", u8(`{"pubkey":"${GH}","pubkey":"${GH}"}`)), "duplicate keys"],
  ["pubkey-and-pubKey", storageInput("get_swarm", u8(`{"pubkey":"${GH}","pubKey":"${GH}"}`)), "both spellings"],
  ["pubkey-65-hex", storageInput("get_swarm", u8(`{"pubkey":"${GH.slice(1)}"}`)), "65 hex digits"],
  [
    "store-timestamp-seconds",
    storageInput("store", u8(`{"pubkey":"${GH}","timestamp":1700000000,"expiry":1700000001,"data":""}`)),
    "expiry in seconds",
  ],
  [
    "store-ttl-string",
    storageInput("store", u8(`{"pubkey":"${GH}","timestamp":"1700000000000","ttl":"86400000","data":"aGk="}`)),
    "stringified timestamp and ttl",
  ],
  [
    "store-ttl-negative-string",
    storageInput("store", u8(`{"pubkey":"${GH}","timestamp":1700000000000,"ttl":"-5","data":""}`)),
    "ttl -5 as a string",
  ],
  [
    "store-data-not-base64",
    storageInput("store", u8(`{"pubkey":"${GH}","timestamp":1700000000000,"ttl":1,"data":"a"}`)),
    "data not base64",
  ],
  [
    "namespace-out-of-range",
    storageInput(
      "retrieve",
      u8(`{"pubkey":"${GH}","namespace":32768,"timestamp":1700000000000,"signature":"${SIG64}"}`),
    ),
    "namespace 32768",
  ],
  [
    "namespace-all-store",
    storageInput("store", u8(`{"pubkey":"${GH}","namespace":"all"}`)),
    "all where a number is needed",
  ],
  [
    "expire-empty-expiry",
    storageInput(
      "expire",
      u8(`{"pubkey":"${GH}","signature":"${SIG64}","messages":["${"A".repeat(43)}"],"expiry":[]}`),
    ),
    "expire without expiries",
  ],
  [
    "expire-shorten-and-extend",
    storageInput(
      "expire",
      u8(
        `{"pubkey":"${GH}","signature":"${SIG64}","messages":"${
          "A".repeat(43)
        }","expiry":1,"shorten":true,"extend":true}`,
      ),
    ),
    "shorten and extend",
  ],
  [
    "revoke-51-tokens",
    storageInput(
      "revoke_subaccount",
      u8(
        `{"pubkey":"${GH}","signature":"${SIG64}","timestamp":1,"revoke":[${Array(51).fill(`"${"00".repeat(36)}"`)}]}`,
      ),
    ),
    "more than 50 tokens",
  ],
  ["batch-empty", storageInput("batch", u8('{"requests":[]}')), "empty batch"],
  [
    "batch-21",
    storageInput("batch", u8(`{"requests":[${Array(21).fill('{"method":"info","params":{}}')}]}`)),
    "21 sub-requests",
  ],
  [
    "batch-nested",
    storageInput("batch", u8('{"requests":[{"method":"batch","params":{"requests":[]}}]}')),
    "batch inside batch",
  ],
  [
    "sequence-bt-21",
    storageInput("sequence", bencode({ requests: Array(21).fill({ method: u8("info"), params: {} }) })),
    "bencoded sequence of 21",
  ],
  [
    "batch-bt-method-int",
    storageInput("batch", bencode({ requests: [{ method: 1, params: {} }] })),
    "bt sub-request method not bytes",
  ],
];
for (const [name, bytes, comment] of params) {
  write("storage_params", name, bytes, comment);
  write("storage_auth", name, bytes, comment);
}

// ---------------------------------------------------------------------------------------------
// handover_blob
// ---------------------------------------------------------------------------------------------

const MSG = {
  account: "05" + "ab".repeat(32),
  hash: "A".repeat(43),
  timestamp: 1_700_000_000_000,
  expiry: 1_700_086_400_000,
};
const hv = (body: string | Uint8Array, v = 1) => concat(Uint8Array.of(v), typeof body === "string" ? u8(body) : body);
const handover: [string, Uint8Array, string][] = [
  ["empty-list", hv("le"), "no messages"],
  ["one-message", encodeHandoverBlobs([{ ...MSG, data: u8("hello") }])[0], "one message"],
  [
    "two-messages",
    encodeHandoverBlobs([{ ...MSG, data: u8("a") }, {
      ...MSG,
      account: "03" + "cd".repeat(32),
      hash: "h",
      data: new Uint8Array(0),
    }])[0],
    "two messages",
  ],
  [
    "bom-hash",
    encodeHandoverBlobs([{ ...MSG, hash: "\uFEFFh", data: u8("x") }])[0],
    "hash starting with a BOM (must round trip)",
  ],
  [
    "extreme-times",
    encodeHandoverBlobs([{
      ...MSG,
      timestamp: Number.MIN_SAFE_INTEGER,
      expiry: Number.MAX_SAFE_INTEGER,
      data: u8("x"),
    }])[0],
    "times at the safe-integer limits",
  ],
  ["empty", new Uint8Array(0), "empty"],
  ["version-0", hv("le", 0), "version byte 0x00"],
  ["version-2", hv("le", 2), "version byte 0x02"],
  ["not-a-list", hv("i1e"), "body is an integer"],
  ["trailing-data", hv("lei1e"), "trailing data"],
  ["element-4-fields", hv(bencode([[new Uint8Array(33), u8("h"), 1, 2]])), "element of 4 fields"],
  ["element-6-fields", hv(bencode([[new Uint8Array(33), u8("h"), 1, 2, u8("d"), 0]])), "element of 6 fields"],
  ["account-32-bytes", hv(bencode([[new Uint8Array(32), u8("h"), 1, 2, u8("d")]])), "32-byte account"],
  [
    "hash-invalid-utf8",
    hv(bencode([[new Uint8Array(33), Uint8Array.of(0xc0, 0xaf), 1, 2, u8("d")]])),
    "hash not UTF-8",
  ],
  ["timestamp-string", hv(bencode([[new Uint8Array(33), u8("h"), u8("1"), 2, u8("d")]])), "timestamp a string"],
  ["data-int", hv(bencode([[new Uint8Array(33), u8("h"), 1, 2, 3]])), "data an integer"],
  ["element-dict", hv(bencode([{ a: 1 }])), "element a dict"],
  ["int-non-canonical", hv("ll33:" + "a".repeat(33) + "1:hi01ei2e1:dee"), "non-canonical integer"],
];
for (const [name, bytes, comment] of handover) write("handover_blob", name, bytes, comment);

// ---------------------------------------------------------------------------------------------
// sn_onion_request: one bencoded dict
// ---------------------------------------------------------------------------------------------

for (const g of GATEWAY_BODIES) {
  const f = layerFields(g.body);
  write(
    "sn_onion_request",
    g.name,
    bencode({ data: f.data, enc_type: u8(f.encType), ephemeral_key: f.ephemeralKey, hop_no: f.hopNo ?? 1 }),
    "sn.onion_request dict of a real layer for SELF (gateway/_testing/fixtures.ts)",
  );
}
const L = layerFields(GATEWAY_BODIES[0].body);
const dict = (over: Record<string, BValue | undefined>) => {
  const d: Record<string, BValue> = {};
  const base: Record<string, BValue | undefined> = {
    data: L.data,
    enc_type: u8(L.encType),
    ephemeral_key: L.ephemeralKey,
    hop_no: 1,
    ...over,
  };
  for (const [k, v] of Object.entries(base)) if (v !== undefined) d[k] = v;
  return bencode(d);
};
const sn: [string, Uint8Array, string][] = [
  ["empty", new Uint8Array(0), "empty"],
  ["list", u8("le"), "not a dict"],
  ["no-data", dict({ data: undefined }), "data missing"],
  ["data-int", dict({ data: 1 }), "data an integer"],
  ["no-key", dict({ ephemeral_key: undefined }), "ephemeral_key missing"],
  ["key-31", dict({ ephemeral_key: L.ephemeralKey.subarray(1) }), "31-byte key"],
  ["key-low-order", dict({ ephemeral_key: fromHex(LOW_ORDER_KEYS[4]) }), "low-order key"],
  ["key-non-canonical", dict({ ephemeral_key: fromHex(NON_CANONICAL_KEYS[0]) }), "non-canonical key"],
  ["enc-type-absent", dict({ enc_type: undefined }), "enc_type absent (aes-gcm)"],
  ["enc-type-int", dict({ enc_type: 1 }), "enc_type an integer"],
  ["enc-type-cbc", dict({ enc_type: u8("aes-cbc") }), "CBC refused"],
  ["enc-type-invalid-utf8", dict({ enc_type: Uint8Array.of(0x67, 0x63, 0x6d, 0xff) }), "enc_type not UTF-8"],
  ["hop-no-16", dict({ hop_no: 16 }), "hop_no 16"],
  ["hop-no-int32-max", dict({ hop_no: 2 ** 31 - 1 }), "hop_no 2^31 - 1"],
  ["hop-no-int32-overflow", dict({ hop_no: 2 ** 31 }), "hop_no 2^31"],
  ["hop-no-negative", dict({ hop_no: -5 }), "hop_no -5 (clamped to 1)"],
  ["hop-no-string", dict({ hop_no: u8("1") }), "hop_no a string"],
  ["extra-key", dict({ x: 1 }), "unknown key (ignored)"],
  ["data-truncated", dict({ data: L.data.subarray(0, 20) }), "blob shorter than nonce + tag"],
];
for (const [name, bytes, comment] of sn) write("sn_onion_request", name, bytes, comment);

// ---------------------------------------------------------------------------------------------
// registry_file and directory_file
// ---------------------------------------------------------------------------------------------

const K = ["0f".repeat(32), "a1".repeat(32), "ff".repeat(32)];
const rnode = (i: number, over: Record<string, unknown> = {}) => ({
  ed25519: K[i],
  x25519: "11".repeat(32),
  ip: `127.0.0.${i + 1}`,
  https_port: 22021 + i,
  omq_port: 22020 + i,
  swarm: i === 2 ? "ffffffffffffffff" : "0",
  ...over,
});
const reg = (nodes: unknown[], over: Record<string, unknown> = {}) =>
  u8(JSON.stringify({ format: "allium-registry/1", height: 3, seed: "ab".repeat(32), nodes, ...over }, null, 2));
const registry: [string, Uint8Array, string][] = [
  ["empty", reg([]), "no nodes"],
  ["three-nodes", reg([rnode(0), rnode(1), rnode(2)]), "three nodes, one unassigned"],
  [
    "uppercase-keys",
    reg([rnode(0, { ed25519: K[0].toUpperCase(), x25519: "AB".repeat(32) })]),
    "upper-case hex (valid)",
  ],
  ["not-json", u8("registry"), "not JSON"],
  ["array", u8("[]"), "top level an array"],
  ["bom", concat(Uint8Array.of(0xef, 0xbb, 0xbf), reg([])), "BOM first (dropped by readTextFile)"],
  ["unknown-field", reg([], { extra: 1 }), "unknown top-level field"],
  [
    "duplicate-key-text",
    u8(
      '{"format":"allium-registry/1","format":"allium-registry/1","height":0,"seed":"' + "00".repeat(32) +
        '","nodes":[]}',
    ),
    "duplicate keys",
  ],
  ["duplicate-node", reg([rnode(0), rnode(0)]), "node listed twice"],
  [
    "duplicate-node-case",
    reg([rnode(0), rnode(0, { ed25519: K[0].toUpperCase() })]),
    "node listed twice, two spellings",
  ],
  ["unsorted", reg([rnode(1), rnode(0)]), "nodes out of order"],
  ["x25519-zero", reg([rnode(0, { x25519: "00".repeat(32) })]), "all-zero x25519"],
  ["ip-256", reg([rnode(0, { ip: "256.0.0.1" })]), "bad IPv4"],
  ["ip-leading-zero", reg([rnode(0, { ip: "01.2.3.4" })]), "IPv4 with a leading zero"],
  ["port-0", reg([rnode(0, { https_port: 0 })]), "port 0"],
  ["port-65536", reg([rnode(0, { omq_port: 65536 })]), "port 65536"],
  ["port-float", reg([rnode(0, { https_port: 1.5 })]), "port 1.5"],
  ["swarm-17-digits", reg([rnode(0, { swarm: "10000000000000000" })]), "swarm of 17 hex digits"],
  ["swarm-uppercase", reg([rnode(0, { swarm: "FF" })]), "upper-case swarm"],
  ["height-negative", reg([], { height: -1 }), "height -1"],
  [
    "height-minus-zero",
    u8('{"format":"allium-registry/1","height":-0,"seed":"' + "ab".repeat(32) + '","nodes":[]}'),
    "height -0 (accepted; written back as 0)",
  ],
  ["seed-short", reg([], { seed: "ab".repeat(31) }), "seed of 31 bytes"],
  ["node-nested", reg([rnode(0, { extra: { a: 1 } })]), "nesting deeper than 3"],
  [
    "two-starving-swarms",
    reg([rnode(0, { swarm: "1" }), rnode(1, { swarm: "ffffffffffffffff" }), rnode(2, { swarm: "0" })]),
    "two swarms below the minimum: advanceRegistry() throws as oxen-core does",
  ],
];
for (const [name, bytes, comment] of registry) write("registry_file", name, bytes, comment);

const dnode = (over: Record<string, unknown> = {}) => ({
  x25519: "cd".repeat(32),
  http: "http://127.0.0.1:22021",
  ...over,
});
const dir = (nodes: Record<string, unknown>, over: Record<string, unknown> = {}) =>
  u8(JSON.stringify({ format: "allium-directory/1", nodes, ...over }, null, 2));
const directory: [string, Uint8Array, string][] = [
  ["empty", dir({}), "no nodes"],
  [
    "two-nodes",
    dir({
      [K[0]]: dnode({ zmq: "tcp://127.0.0.1:22020", swarm: "1a2b" }),
      [K[1]]: dnode({ http: "https://node.example.org/" }),
    }),
    "two nodes",
  ],
  ["ipv6", dir({ [K[0]]: dnode({ http: "http://[::1]:8080" }) }), "IPv6 literal"],
  [
    "uppercase",
    dir({ [K[0].toUpperCase()]: dnode({ http: "HTTP://Node.Example.ORG", swarm: "FF" }) }),
    "upper case (normalised)",
  ],
  ["two-spellings", dir({ [K[0]]: dnode(), [K[0].toUpperCase()]: dnode() }), "one key in two spellings"],
  ["user-info", dir({ [K[0]]: dnode({ http: "http://user@host" }) }), "user info"],
  ["path", dir({ [K[0]]: dnode({ http: "http://host/path" }) }), "path"],
  ["port-65536", dir({ [K[0]]: dnode({ http: "http://host:65536" }) }), "port 65536"],
  ["port-leading-zero", dir({ [K[0]]: dnode({ http: "http://host:022021" }) }), "port with a leading zero"],
  ["zmq-no-port", dir({ [K[0]]: dnode({ zmq: "tcp://host" }) }), "zmq without a port"],
  ["x25519-zero", dir({ [K[0]]: dnode({ x25519: "00".repeat(32) }) }), "all-zero x25519"],
  ["unknown-field", dir({ [K[0]]: dnode({ port: 1 }) }), "unknown node field"],
  ["key-63", dir({ [K[0].slice(1)]: dnode() }), "63-digit key"],
  ["format-wrong", dir({}, { format: "allium-registry/1" }), "wrong format"],
  ["nodes-array", dir({}, { nodes: [] }), "nodes an array"],
  ["proto-key", u8('{"format":"allium-directory/1","nodes":{"__proto__":{}}}'), "__proto__ node key"],
  ["bom", concat(Uint8Array.of(0xef, 0xbb, 0xbf), dir({})), "BOM first"],
  ["dotted-999", dir({ [K[0]]: dnode({ http: "http://999.999.999.999:1" }) }), "not an IPv4 address, not a URL"],
];
for (const [name, bytes, comment] of directory) write("directory_file", name, bytes, comment);

// ---------------------------------------------------------------------------------------------
// gateway_route: raw bodies, or `METHOD /path [flags]\nheaders\n\nbody`
// ---------------------------------------------------------------------------------------------

for (const g of GATEWAY_BODIES) write("gateway_route", `raw-${g.name}`, g.body, "raw /onion_req/v2 body for SELF");
const relay = GATEWAY_BODIES.find((g) => g.name === "relay-next-xchacha")!.body;
const deliver = GATEWAY_BODIES.find((g) => g.name === "deliver-info")!.body;
const routes: [string, Uint8Array, string][] = [
  ["deliver-replayed", requestInput({ body: deliver, twice: true }), "the same onion twice: the replay is refused"],
  ["relay-replayed", requestInput({ body: relay, twice: true }), "a relay twice"],
  ["relay-stream", requestInput({ body: relay, stream: true }), "body in 7-byte chunks"],
  ["relay-timeout", requestInput({ body: relay, fwd: "timeout" }), "next hop times out: 504"],
  ["relay-busy", requestInput({ body: relay, fwd: "busy" }), "forwarder busy: 503"],
  ["relay-unreachable", requestInput({ body: relay, fwd: "unreachable" }), "next hop unreachable: 502"],
  ["relay-bad-response", requestInput({ body: relay, fwd: "bad_response" }), "next hop garbage: 502"],
  ["health", requestInput({ method: "GET", path: "/health", body: new Uint8Array(0) }), "GET /health"],
  [
    "metrics-loopback",
    requestInput({ method: "GET", path: "/metrics", from: "::1", body: new Uint8Array(0) }),
    "GET /metrics from loopback",
  ],
  [
    "metrics-remote",
    requestInput({ method: "GET", path: "/metrics", body: new Uint8Array(0) }),
    "GET /metrics from a client: 404",
  ],
  ["head-onion", requestInput({ method: "HEAD", body: new Uint8Array(0) }), "HEAD /onion_req/v2"],
  ["get-onion", requestInput({ method: "GET", body: new Uint8Array(0) }), "GET /onion_req/v2"],
  ["put-onion", requestInput({ method: "PUT", body: relay }), "PUT /onion_req/v2"],
  ["trailing-slash", requestInput({ path: "/onion_req/v2/", body: relay }), "path with a trailing slash"],
  [
    "content-length-short",
    requestInput({ body: relay, headers: [["content-length", String(relay.length - 1)]] }),
    "Content-Length one short",
  ],
  [
    "content-length-long",
    requestInput({ body: relay, headers: [["content-length", String(relay.length + 1)]] }),
    "Content-Length one long",
  ],
  [
    "content-length-twice",
    requestInput({ body: relay, headers: [["content-length", `${relay.length}, ${relay.length}`]] }),
    "Content-Length listed twice",
  ],
  [
    "content-length-huge",
    requestInput({ body: relay, headers: [["content-length", "99999999999999999999"]] }),
    "Content-Length huge",
  ],
  ["content-encoding-gzip", requestInput({ body: relay, headers: [["content-encoding", "gzip"]] }), "gzip: 415"],
  ["empty-body", requestInput({ body: new Uint8Array(0) }), "empty body"],
  ["client-not-an-ip", requestInput({ body: relay, from: "not-an-ip" }), "client address not an IP"],
];
for (const [name, bytes, comment] of routes) write("gateway_route", name, bytes, comment);

// ---------------------------------------------------------------------------------------------
// storage_rpc: the delivered payload
// ---------------------------------------------------------------------------------------------

for (const e of validExamples()) {
  const nl = e.input.indexOf(0x0a);
  const method = new TextDecoder().decode(e.input.subarray(0, nl)).split(" ")[0];
  const p = e.input.subarray(nl + 1);
  if (p[0] !== 0x7b) continue; // bencoded params only travel over sn.storage_cc
  write(
    "storage_rpc",
    e.name,
    u8(`{"method":${JSON.stringify(method)},"params":${new TextDecoder().decode(p)}}`),
    "signed request at the fixed time (fuzz/_storage.ts)",
  );
}
const rpc: [string, string, string][] = [
  ["info-no-params", '{"method":"info"}', "params absent"],
  ["get-swarm-foreign", `{"method":"get_swarm","params":{"pubkey":"${FOREIGN.hex}"}}`, "another swarm's account"],
  ["retrieve-foreign-421", `{"method":"retrieve","params":{"pubkey":"${FOREIGN.hex}","namespace":-10}}`, "421"],
  ["method-not-string", '{"method":1,"params":{}}', "method not a string"],
  ["method-unknown", '{"method":"oxend_request","params":{}}', "no method"],
  ["method-proto", '{"method":"__proto__","params":{}}', "method naming an Object.prototype member"],
  ["params-array", '{"method":"info","params":[]}', "params an array"],
  ["not-object", "[]", "payload an array"],
  ["not-json", "not json", "payload not JSON"],
  ["duplicate-method", '{"method":"info","method":"store","params":{}}', "duplicate keys"],
  [
    "batch-lone-surrogate-method",
    '{"method":"batch","params":{"requests":[{"method":"info","params":{}},{"method":"\\ud800info","params":{}}]}}',
    "sub-request method with a lone surrogate, echoed in the refusal (U+FFFD on the wire)",
  ],
  ["depth-17", `{"method":"info","params":{"a":${"[".repeat(15)}${"]".repeat(15)}}}`, "nesting deeper than 16"],
  [
    "batch-of-info",
    `{"method":"batch","params":{"requests":[${Array(20).fill('{"method":"info","params":{}}')}]}}`,
    "20 sub-requests",
  ],
  [
    "data-over-limit-claim",
    `{"method":"store","params":{"data":"${"A".repeat(102_404)}"}}`,
    "data over 76,800 bytes: 413",
  ],
];
for (const [name, text, comment] of rpc) write("storage_rpc", name, u8(text), comment);

// ---------------------------------------------------------------------------------------------
// E2EE decoders: each target builds its seeds from real messages made with fixed keys and seeded
// rngs (its `corpus()`), one per bad-input class that applies
// ---------------------------------------------------------------------------------------------

for (const t of E2EE_TARGETS) for (const [name, bytes, comment] of t.corpus()) write(t.name, name, bytes, comment);

console.log(`wrote ${written} corpus files`);
