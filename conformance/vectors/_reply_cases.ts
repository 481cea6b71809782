/**
 * Generator of `onion_reply_v1.json`: the destination's encrypted answer to an onion request and
 * the client's reading of it (onion-requests.md §6, §7, §9), for both ciphers and the three reply
 * formats, each valid reply followed by tampered siblings. Private to `conformance/vectors/`.
 *
 * @module
 */

import { toBase64, toHex, utf8 } from "../../protocol/bytes.ts";
import { isProtocolError } from "../../protocol/errors.ts";
import type { CryptoProvider } from "../../protocol/crypto/provider.ts";
import { SecretKey } from "../../protocol/crypto/secret_key.ts";
import type { EncType } from "../../protocol/onion/enc_type.ts";
import { deriveHopKey, type HopKeys, nonceBytes } from "../../protocol/onion/hop.ts";
import { decryptOnionReply, sealReply, wrapFinalReply } from "../../protocol/onion/reply.ts";
import { encodeV4Response } from "../../protocol/onion/v4.ts";
import { bencode } from "../../protocol/onion/bencode.ts";
import { scriptedRng, seededRng } from "../../protocol/_testing/seeded_rng.ts";
import { type CaseBase, draw, flipBit, type Result, type VectorFile, vectorFile } from "./_common.ts";
import { REPLY_NOTES } from "./_notes.ts";

/** How the destination encodes its answer: service node JSON, v3 or v4 server (onion-requests.md §6, §7). */
export type ReplyFormat = "node" | "v3" | "v4";

/** What the client reads from a reply. */
export interface ReplyRecord {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One reply case. */
export interface ReplyTest extends CaseBase {
  /** The onion builder's ephemeral X25519 secret for the destination layer (client role). */
  clientSecret: string;
  clientPublic: string;
  /** The destination's X25519 secret (server role). */
  serverSecret: string;
  serverPublic: string;
  nonce: string;
  /** The bytes the destination seals. */
  plaintext: string;
  /** The HTTP response body: base64 text (node, v3) or raw bytes (v4), as hex. */
  body: string;
  /** What the client reads (valid), else null. */
  reply: ReplyRecord | null;
  result: Result;
}

/** A group: one cipher, one format. */
export interface ReplyTestGroup {
  type: "OnionReplyTest";
  encType: EncType;
  format: ReplyFormat;
  /** Whether the sealed bytes are base64-encoded: true for node and v3, false for v4. */
  base64: boolean;
  tests: ReplyTest[];
}

/** One valid reply before sealing: the plaintext, and the flags describing it. */
interface ReplySpec {
  comment: string;
  flags: string[];
  plaintext: Uint8Array;
}

/** Valid plaintexts per format; the position fixes the tcId (append only). */
const VALID: Readonly<Record<ReplyFormat, readonly ReplySpec[]>> = {
  node: [
    {
      comment: "200 with a JSON body as a string",
      flags: ["Pseudorandom"],
      plaintext: utf8(wrapFinalReply({ status: 200, body: '{"hi":"123"}' }, false)),
    },
    {
      comment: "421 wrong swarm",
      flags: ["Pseudorandom", "ErrorStatus"],
      plaintext: utf8(wrapFinalReply({ status: 421, body: '{"snodes":[]}' }, false)),
    },
    {
      comment: "200 with the handler's JSON embedded as a value",
      flags: ["Pseudorandom", "EmbeddedJson"],
      plaintext: utf8(
        wrapFinalReply({ status: 200, body: '{"hash":"abc","t":1700000000000}', bodyIsJson: true }, true),
      ),
    },
  ],
  v3: [
    { comment: "200 with a JSON body", flags: ["Pseudorandom"], plaintext: utf8('{"messages":[]}') },
    { comment: '{"status_code":404}', flags: ["Pseudorandom", "ErrorStatus"], plaintext: utf8('{"status_code":404}') },
    { comment: "200 with an empty body", flags: ["Pseudorandom", "EmptyBody"], plaintext: new Uint8Array(0) },
  ],
  v4: [
    {
      comment: "200 with content-type and a JSON body",
      flags: ["Pseudorandom"],
      plaintext: encodeV4Response({
        status: 200,
        headers: { "content-type": "application/json" },
        body: utf8('{"id":1}'),
      }),
    },
    {
      comment: "404 with an empty body",
      flags: ["Pseudorandom", "ErrorStatus", "EmptyBody"],
      plaintext: encodeV4Response({ status: 404, headers: {}, body: new Uint8Array(0) }),
    },
  ],
};

/** Plaintexts that authenticate but must be refused by the client; tcIds base + 90…. */
const MALFORMED: Readonly<Record<ReplyFormat, readonly { comment: string; plaintext: Uint8Array }[]>> = {
  node: [
    { comment: "plaintext is not JSON", plaintext: utf8("Invalid json") },
    { comment: 'no "status"', plaintext: utf8('{"body":"x"}') },
    { comment: '"status" is a string', plaintext: utf8('{"body":"x","status":"200"}') },
  ],
  v3: [],
  v4: [
    { comment: "plaintext is not bencoded", plaintext: utf8("hello") },
    { comment: 'meta without "code"', plaintext: bencode([utf8("{}"), new Uint8Array(0)]) },
    { comment: "a bencoded integer, not a list", plaintext: utf8("i5e") },
  ],
};

const FORMATS: readonly ReplyFormat[] = ["node", "v3", "v4"];
const ENC_TYPES: readonly EncType[] = ["aes-gcm", "xchacha20"];
/** tcId offsets of the siblings of valid case k (base + 10·k). */
const OFFSET = { valid: 0, tagBit: 1, truncated: 2, wrongKey: 3, notBase64: 4 } as const;
/** Where the malformed-plaintext cases of a group start. */
const MALFORMED_AT = 90;

interface Parties {
  clientSecret: Uint8Array;
  clientPublic: Uint8Array;
  serverSecret: Uint8Array;
  serverPublic: Uint8Array;
}

/** The client's view of the keys (it opens the reply). */
function clientKeys(p: Parties): HopKeys {
  return { ourSecret: p.clientSecret, ourPublic: p.clientPublic, theirPublic: p.serverPublic, role: "client" };
}

/**
 * Seal a reply as the destination does: hop key in the server role, fixed nonce, base64 unless v4.
 *
 * @param provider crypto provider
 * @param encType cipher
 * @param p the keys
 * @param nonce the nonce
 * @param plaintext the reply bytes
 * @param base64 encode the sealed bytes as base64 text
 * @returns the HTTP body
 */
export async function sealReplyAs(
  provider: CryptoProvider,
  encType: EncType,
  p: Parties,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  base64: boolean,
): Promise<Uint8Array> {
  const keys: HopKeys = {
    ourSecret: p.serverSecret,
    ourPublic: p.serverPublic,
    theirPublic: p.clientPublic,
    role: "server",
  };
  const key = await deriveHopKey(encType, keys, { provider });
  return await sealReply({ encType, key, json: false, base64 }, plaintext, { provider, rng: scriptedRng([nonce]) });
}

/**
 * What the client reads from a reply body, with this repository's `decryptOnionReply`.
 *
 * @param provider crypto provider
 * @param encType cipher
 * @param format reply format
 * @param keys the client's keys
 * @param body the HTTP body
 * @returns the record
 * @throws {ProtocolError} `REPLY_INVALID`
 */
export async function readReply(
  provider: CryptoProvider,
  encType: EncType,
  format: ReplyFormat,
  keys: HopKeys,
  body: Uint8Array,
): Promise<ReplyRecord> {
  const key = await deriveHopKey(encType, keys, { provider });
  const r = await decryptOnionReply({ kind: format, encType, key: new SecretKey(key.bytes()) }, body, { provider });
  return { status: r.status, headers: { ...r.headers }, body: toHex(r.body) };
}

async function groupCases(provider: CryptoProvider, encType: EncType, format: ReplyFormat, base: number) {
  const base64 = format !== "v4";
  const tests: ReplyTest[] = [];
  const push = async (
    tcId: number,
    comment: string,
    flags: string[],
    p: Parties,
    nonce: Uint8Array,
    plaintext: Uint8Array,
    body: Uint8Array,
    valid: boolean,
  ) => {
    let reply: ReplyRecord | null = null;
    try {
      reply = await readReply(provider, encType, format, clientKeys(p), body);
      if (!valid) throw new Error(`Cannot generate reply case ${tcId}: accepted`);
    } catch (e) {
      if (!isProtocolError(e, "REPLY_INVALID")) throw e;
      if (valid) throw new Error(`Cannot generate reply case ${tcId}: ${e.message}`);
    }
    tests.push({
      tcId,
      comment,
      flags,
      clientSecret: toHex(p.clientSecret),
      clientPublic: toHex(p.clientPublic),
      serverSecret: toHex(p.serverSecret),
      serverPublic: toHex(p.serverPublic),
      nonce: toHex(nonce),
      plaintext: toHex(plaintext),
      body: toHex(body),
      reply,
      result: valid ? "valid" : "invalid",
    });
  };
  const partiesFrom = async (seed: string): Promise<{ p: Parties; other: Parties; nonce: Uint8Array }> => {
    const rng = seededRng(seed);
    const clientSecret = draw(rng, 32), serverSecret = draw(rng, 32), otherClient = draw(rng, 32);
    const nonce = draw(rng, nonceBytes(encType));
    const p = {
      clientSecret,
      clientPublic: await provider.x25519PublicKey(clientSecret),
      serverSecret,
      serverPublic: await provider.x25519PublicKey(serverSecret),
    };
    return {
      p,
      other: { ...p, clientSecret: otherClient, clientPublic: await provider.x25519PublicKey(otherClient) },
      nonce,
    };
  };
  const encode = (raw: Uint8Array) => (base64 ? utf8(toBase64(raw)) : raw);

  for (const [k, spec] of VALID[format].entries()) {
    const at = base + 10 * k;
    const { p, other, nonce } = await partiesFrom(`allium/conformance/reply/${encType}/${format}/${at}`);
    const raw = await sealReplyAs(provider, encType, p, nonce, spec.plaintext, false);
    const body = await sealReplyAs(provider, encType, p, nonce, spec.plaintext, base64);
    if (toHex(encode(raw)) !== toHex(body)) throw new Error(`Cannot generate reply case ${at}: encoding differs`);
    const what = `${format} reply, ${spec.comment}`;
    await push(at + OFFSET.valid, what, spec.flags, p, nonce, spec.plaintext, body, true);
    const tagByte = raw.length - 1 - (k % 16);
    await push(
      at + OFFSET.tagBit,
      `${what}: bit ${k % 8} of sealed byte ${tagByte} (tag) flipped`,
      ["ModifiedTag"],
      p,
      nonce,
      spec.plaintext,
      encode(flipBit(raw, tagByte, k % 8)),
      false,
    );
    await push(
      at + OFFSET.truncated,
      `${what}: last sealed byte removed`,
      ["TruncatedBody"],
      p,
      nonce,
      spec.plaintext,
      encode(raw.subarray(0, raw.length - 1)),
      false,
    );
    await push(
      at + OFFSET.wrongKey,
      `${what}: opened with another ephemeral key`,
      ["WrongKey"],
      other,
      nonce,
      spec.plaintext,
      body,
      false,
    );
    if (base64) {
      const text = toBase64(raw);
      const bad = text.slice(0, 8) + "*" + text.slice(9);
      await push(
        at + OFFSET.notBase64,
        `${what}: "*" in the base64 text`,
        ["NotBase64"],
        p,
        nonce,
        spec.plaintext,
        utf8(bad),
        false,
      );
    }
  }
  for (const [m, spec] of MALFORMED[format].entries()) {
    const at = base + MALFORMED_AT + m;
    const { p, nonce } = await partiesFrom(`allium/conformance/reply/${encType}/${format}/${at}`);
    const body = await sealReplyAs(provider, encType, p, nonce, spec.plaintext, base64);
    await push(at, `${format} reply: ${spec.comment}`, ["MalformedPlaintext"], p, nonce, spec.plaintext, body, false);
  }
  return tests;
}

/**
 * Build `onion_reply_v1.json`: one group per cipher and format, tcIds from 100 per group
 * (aes-gcm node 100…, v3 200…, v4 300…, xchacha20 node 400…, v3 500…, v4 600…).
 *
 * @param provider the reference provider
 * @returns the file object
 */
export async function replyFile(provider: CryptoProvider): Promise<VectorFile<ReplyTestGroup>> {
  const groups: ReplyTestGroup[] = [];
  let base = 100;
  for (const encType of ENC_TYPES) {
    for (const format of FORMATS) {
      groups.push({
        type: "OnionReplyTest",
        encType,
        format,
        base64: format !== "v4",
        tests: await groupCases(provider, encType, format, base),
      });
      base += 100;
    }
  }
  return vectorFile<ReplyTestGroup>({
    algorithm: "SESSION-ONION-REPLY",
    schema: "onion_reply_schema_v1.json",
    header: [
      "Replies to onion requests (shared/spec/onion-requests.md §6, §7, §9): the destination seals plaintext with the key of the layer it peeled, in the server role, and the client opens it with the key it kept, in the client role.",
      "The key is the hop key of onion-requests.md §2 for clientSecret/clientPublic (the builder's ephemeral key of the destination layer) and serverSecret/serverPublic (the destination's X25519 key). The sealed bytes are nonce || ciphertext || tag; node and v3 replies are then base64-encoded (standard, padded).",
      'valid: sealing plaintext with nonce gives body exactly; the client reading body gets reply (status, headers, body). node: plaintext is {"body","status"} JSON, body is the string, or the embedded value as compact JSON. v3: the plaintext is the body; status is N when the plaintext is a one-key {"status_code": N} (or {"status": N}) object with an integer N, else 200. v4: a bencoded list [meta JSON {"code","headers"}, body].',
      "invalid: the client must refuse body.",
      "Generated by allium conformance/vectors/generate.ts from fixed seeds with the noble provider.",
    ],
    notes: REPLY_NOTES,
  }, groups);
}
