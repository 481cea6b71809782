/**
 * Fuzz target: bytes → `decryptOnionReply` with fixed reply keys for each destination kind
 * (onion-requests.md §6–§7, §9): a service node (xchacha20 with the aes-gcm fallback), a v3
 * server (aes-gcm) and a v4 server (xchacha20 with fallback). Only `ProtocolError` may escape.
 *
 * Structured inputs are sealed with the fixed keys so that authentication passes and the JSON,
 * base64 and bencode handling behind it is reached: node replies with odd `status`/`body`, the
 * legacy `{"result": …}` form, v3 bodies, v4 bencoded answers, and garbage.
 *
 * @module
 */

import fc from "fast-check";
import { bencode, decryptOnionReply, type EncType, type OnionReplyKey, SecretKey, toBase64 } from "../../mod.ts";
import { REPLY_KEYS, sealBlob } from "../_fixtures.ts";
import { objectTextArb, REPLY_KEYS_JSON, textBytesArb, v4MessageArb, valueTextArb } from "../_grammar.ts";
import { currentProvider, type FuzzTarget, invariant } from "../_harness.ts";
import { mutatedArb } from "../_mutate.ts";
import { ProtocolError } from "../../mod.ts";

const te = new TextEncoder();

/** Fresh reply keys per call: decryption must not depend on earlier calls. */
function replyKeys(): OnionReplyKey[] {
  return [
    {
      kind: "node",
      encType: "xchacha20",
      key: new SecretKey(REPLY_KEYS.xchacha20.slice()),
      fallbackKey: new SecretKey(REPLY_KEYS.fallback.slice()),
    },
    { kind: "v3", encType: "aes-gcm", key: new SecretKey(REPLY_KEYS.aesGcm.slice()) },
    {
      kind: "v4",
      encType: "xchacha20",
      key: new SecretKey(REPLY_KEYS.xchacha20.slice()),
      fallbackKey: new SecretKey(REPLY_KEYS.fallback.slice()),
    },
  ];
}

/**
 * Decrypt `input` as the answer to each kind of destination.
 *
 * @param input an HTTP response body
 */
export async function fuzz(input: Uint8Array): Promise<void> {
  const provider = currentProvider();
  let rejections = 0;
  let last: unknown;
  for (const key of replyKeys()) {
    try {
      const res = await decryptOnionReply(key, input, { provider });
      invariant(Number.isInteger(res.status), `${key.kind} reply status ${res.status}`);
      invariant(res.body instanceof Uint8Array, `${key.kind} reply body not bytes`);
      invariant(res.headers !== null && typeof res.headers === "object", `${key.kind} reply headers`);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      rejections++;
      last = err;
    }
  }
  if (rejections === 3) throw last;
}

/** Node reply plaintexts: `{"body","status"}` with typed and mistyped members. */
const nodePlainArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  textBytesArb(objectTextArb(REPLY_KEYS_JSON, 4)),
  fc.tuple(fc.integer({ min: 100, max: 599 }), fc.jsonValue({ maxDepth: 3 }), fc.boolean()).map(([s, b, embed]) =>
    te.encode(`{"body":${embed ? JSON.stringify(b) : JSON.stringify(JSON.stringify(b))},"status":${s}}`)
  ),
  textBytesArb(valueTextArb),
);

const PLAINTEXTS: Uint8Array[] = [
  te.encode('{"body":"{\\"hi\\":1}","status":200}'),
  te.encode('{"status_code":404}'),
  bencode([te.encode('{"code":200,"headers":{"content-type":"text/plain"}}'), te.encode("ok")]),
];

const plaintextArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: nodePlainArb, weight: 4 },
  { arbitrary: v4MessageArb, weight: 3 },
  { arbitrary: mutatedArb(PLAINTEXTS), weight: 2 },
  { arbitrary: fc.uint8Array({ maxLength: 200 }), weight: 1 },
);

/** Which key seals the plaintext: the right one, the fallback, or a wrong one. */
const sealingArb: fc.Arbitrary<{ enc: EncType; key: Uint8Array }> = fc.oneof(
  fc.constant({ enc: "xchacha20" as EncType, key: REPLY_KEYS.xchacha20 }),
  fc.constant({ enc: "aes-gcm" as EncType, key: REPLY_KEYS.fallback }),
  fc.constant({ enc: "aes-gcm" as EncType, key: REPLY_KEYS.aesGcm }),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((key) => ({ enc: "xchacha20" as EncType, key })),
);

/** How the sealed bytes travel: base64 (node, v3), raw (v4), the legacy JSON form, or mangled. */
const encodingArb = fc.constantFrom("base64", "raw", "legacy", "base64-ws", "base64-nopad", "base64url");

function encodeBody(sealed: Uint8Array, how: string): Uint8Array {
  const b64 = toBase64(sealed);
  switch (how) {
    case "raw":
      return sealed;
    case "legacy":
      return te.encode(JSON.stringify({ result: b64 }));
    case "base64-ws":
      return te.encode(` ${b64.replace(/(.{76})/g, "$1\n")}\n`);
    case "base64-nopad":
      return te.encode(b64.replace(/=+$/, ""));
    case "base64url":
      return te.encode(b64.replace(/\+/g, "-").replace(/\//g, "_"));
    default:
      return te.encode(b64);
  }
}

const sealedReplyArb: fc.Arbitrary<Uint8Array> = fc.tuple(plaintextArb, sealingArb, encodingArb, fc.nat())
  .map(([plain, { enc, key }, how, nonce]) => encodeBody(sealBlob(enc, key, plain, nonce), how));

/** Structured inputs for {@link fuzz}. */
export const structured: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: sealedReplyArb, weight: 6 },
  {
    arbitrary: fc.array(sealedReplyArb, { minLength: 1, maxLength: 2 }).chain((bases) =>
      mutatedArb(bases, ["=", "{", '"result"'])
    ),
    weight: 2,
  },
  { arbitrary: fc.base64String({ maxLength: 200 }).map((s) => te.encode(s)), weight: 1 },
);

/** Seeds too large to commit. */
function seeds(): { name: string; input: Uint8Array }[] {
  const deep = te.encode(`{"body":${"[".repeat(200_000)}${"]".repeat(200_000)},"status":200}`);
  const bigNode = sealBlob("xchacha20", REPLY_KEYS.xchacha20, deep);
  const bigV4 = sealBlob(
    "xchacha20",
    REPLY_KEYS.xchacha20,
    bencode([te.encode('{"code":200}'), new Uint8Array(1 << 20)]),
  );
  return [
    { name: "seed:node-reply-depth-200k", input: te.encode(toBase64(bigNode)) },
    { name: "seed:v4-reply-1MiB", input: bigV4 },
    { name: "seed:base64-garbage-1MiB", input: te.encode("A".repeat(1 << 20)) },
  ];
}

/** The `reply` target. */
export const target: FuzzTarget = {
  name: "reply",
  fuzz,
  structured,
  tokens: ['"status"', '"body"', '"result"', "="],
  seeds,
};
