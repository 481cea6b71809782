/**
 * Family `reply`: the destination's answer (onion-requests.md §6, §7, §9) sealed with
 * `reply.encrypt` (server role) and read with `reply.decrypt` (client role). From
 * `onion_reply_v1.json`, the replies of the full onions of `onion_peel_v1.json`, and seeded
 * property cases checked against this repository's `protocol/`.
 *
 * @module
 */

import { fromHex, toBase64, toHex, utf8 } from "../../../protocol/bytes.ts";
import { nobleProvider as provider } from "../../../protocol/crypto/noble.ts";
import { SecretKey } from "../../../protocol/crypto/secret_key.ts";
import type { EncType } from "../../../protocol/onion/enc_type.ts";
import { deriveHopKey, type HopKeys, nonceBytes } from "../../../protocol/onion/hop.ts";
import { decryptOnionReply, sealReply, wrapFinalReply } from "../../../protocol/onion/reply.ts";
import { encodeV4Response } from "../../../protocol/onion/v4.ts";
import { scriptedRng } from "../../../protocol/_testing/seeded_rng.ts";
import { type ConformanceCase, fieldsEqual } from "../case.ts";
import type { JsonObject, Operation } from "../protocol.ts";
import { type Json, testsOf, type VectorFiles } from "../vector_files.ts";
import { flipRandomBit, propertyRng } from "./_property_rng.ts";

const OPS: readonly Operation[] = ["reply.encrypt", "reply.decrypt"];

type Format = "node" | "v3" | "v4";

/** The keys of one reply, as hex: the builder's ephemeral pair (client) and the destination's (server). */
interface ReplyKeys {
  clientSecret: string;
  clientPublic: string;
  serverSecret: string;
  serverPublic: string;
}

function encryptArgs(encType: string, k: ReplyKeys, nonce: string, plaintext: string, base64: boolean): JsonObject {
  return {
    encType,
    ourSecret: k.serverSecret,
    ourPublic: k.serverPublic,
    theirPublic: k.clientPublic,
    nonce,
    plaintext,
    base64,
  };
}

function decryptArgs(encType: string, format: Format, k: ReplyKeys, body: string): JsonObject {
  return { encType, format, ourSecret: k.clientSecret, ourPublic: k.clientPublic, theirPublic: k.serverPublic, body };
}

function replyCase(id: string, encType: string, format: Format, k: ReplyKeys, t: {
  nonce: string;
  plaintext: string;
  body: string;
  reply: JsonObject | null;
  valid: boolean;
}): ConformanceCase {
  return {
    id,
    family: "reply",
    ops: OPS,
    run: async (run) => {
      if (!t.valid) {
        await run.expectRefusal("reply.decrypt", decryptArgs(encType, format, k, t.body));
        return;
      }
      await run.expectResult(
        "reply.encrypt",
        encryptArgs(encType, k, t.nonce, t.plaintext, format !== "v4"),
        fieldsEqual({ body: t.body }),
      );
      await run.expectResult("reply.decrypt", decryptArgs(encType, format, k, t.body), fieldsEqual(t.reply ?? {}));
    },
  };
}

/**
 * The tests of `onion_reply_v1.json` and of the replies in `onion_peel_v1.json`.
 *
 * @param files the parsed vector files
 * @returns one test per tcId
 * @example
 * ```ts
 * import { replyVectorCases } from "./reply.ts";
 * import { loadVectorFiles } from "../vector_files.ts";
 * if (replyVectorCases(await loadVectorFiles()).length !== 98) throw new Error("bad");
 * ```
 */
export function replyVectorCases(files: VectorFiles): ConformanceCase[] {
  const own = testsOf(files["onion_reply_v1.json"]).map(({ group: g, test: t }: { group: Json; test: Json }) =>
    replyCase(`reply/onion_reply_v1/${t.tcId}`, g.encType, g.format, t, {
      nonce: t.nonce,
      plaintext: t.plaintext,
      body: t.body,
      reply: t.reply,
      valid: t.result === "valid",
    })
  );
  const onions = testsOf(files["onion_peel_v1.json"])
    .filter(({ group }: { group: Json }) => group.type === "OnionPeelTest")
    .map(({ test: t }: { test: Json }) => {
      const d = t.destination;
      const format: Format = d.kind === "node" ? "node" : d.target.endsWith("/v4/lsrpc") ? "v4" : "v3";
      const keys: ReplyKeys = {
        clientSecret: t.draws[0].ephemeralSecret,
        clientPublic: t.draws[0].ephemeralPublic,
        serverSecret: d.x25519Secret,
        serverPublic: d.x25519Public,
      };
      return replyCase(`reply/onion_peel_v1/${t.tcId}`, t.encTypes[t.encTypes.length - 1], format, keys, {
        nonce: t.reply.nonce,
        plaintext: t.reply.plaintext,
        body: t.reply.httpBody,
        reply: t.clientReply,
        valid: true,
      });
    });
  return [...own, ...onions];
}

/** Longest random body of a property reply. */
const MAX_BODY = 200;
/** Statuses a property reply draws from. */
const STATUSES = [200, 200, 400, 404, 421, 500];

/**
 * Seeded property cases: random cipher, format, keys, status and body; `protocol/` seals the
 * reply and reads it back; a one-bit change of the sealed bytes must be refused.
 *
 * @param seed the run's seed
 * @param count how many
 * @returns the tests `reply/property/0` …
 * @example
 * ```ts
 * import { replyPropertyCases } from "./reply.ts";
 * const tests = await replyPropertyCases(1, 2);
 * if (tests.map((t) => t.id).join() !== "reply/property/0,reply/property/1") throw new Error("bad");
 * ```
 */
export async function replyPropertyCases(seed: number, count: number): Promise<ConformanceCase[]> {
  const rng = propertyRng("reply", seed);
  const out: ConformanceCase[] = [];
  for (let i = 0; i < count; i++) {
    const encType: EncType = rng.pick(["aes-gcm", "xchacha20"]);
    const format: Format = rng.pick(["node", "v3", "v4"]);
    const cs = rng.bytes(32), ss = rng.bytes(32);
    const keys: ReplyKeys = {
      clientSecret: toHex(cs),
      clientPublic: toHex(await provider.x25519PublicKey(cs)),
      serverSecret: toHex(ss),
      serverPublic: toHex(await provider.x25519PublicKey(ss)),
    };
    const status = rng.pick(STATUSES);
    const text = JSON.stringify({ n: i, data: toHex(rng.bytes(rng.int(MAX_BODY))) });
    const plaintext = format === "node"
      ? utf8(wrapFinalReply({ status, body: text }, false))
      : format === "v4"
      ? encodeV4Response({ status, headers: { "content-type": "application/json" }, body: utf8(text) })
      : utf8(status === 200 ? text : `{"status_code":${status}}`);
    const nonce = rng.bytes(nonceBytes(encType));
    const server: HopKeys = {
      ourSecret: ss,
      ourPublic: fromHex(keys.serverPublic),
      theirPublic: fromHex(keys.clientPublic),
      role: "server",
    };
    const key = await deriveHopKey(encType, server, { provider });
    const raw = await sealReply({ encType, key, json: false, base64: false }, plaintext, {
      provider,
      rng: scriptedRng([nonce]),
    });
    const encode = (b: Uint8Array) => (format === "v4" ? b : utf8(toBase64(b)));
    const body = encode(raw);
    const read = await decryptOnionReply({ kind: format, encType, key: new SecretKey(key.bytes()) }, body, {
      provider,
    });
    const reply = { status: read.status, headers: { ...read.headers }, body: toHex(read.body) };
    const tampered = toHex(encode(flipRandomBit(rng, raw, nonceBytes(encType))));
    out.push({
      id: `reply/property/${i}`,
      family: "reply",
      ops: OPS,
      run: async (run) => {
        await replyCase("", encType, format, keys, {
          nonce: toHex(nonce),
          plaintext: toHex(plaintext),
          body: toHex(body),
          reply,
          valid: true,
        }).run(run);
        await run.expectRefusal("reply.decrypt", decryptArgs(encType, format, keys, tampered));
      },
    });
  }
  return out;
}
