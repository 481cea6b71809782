/**
 * Generator of the full-onion vectors of `onion_peel_v1.json`: an onion built from fixed keys,
 * the packet after every hop, what the destination reads, its reply and the client's reading of
 * the reply. Private to `conformance/vectors/`.
 *
 * @module
 */

import { fromUtf8, toHex, utf8 } from "../../protocol/bytes.ts";
import type { Rng } from "../../protocol/rng.ts";
import type { CryptoProvider } from "../../protocol/crypto/provider.ts";
import { identityFromSeed } from "../../protocol/identity.ts";
import type { EncType } from "../../protocol/onion/enc_type.ts";
import { decodeLayer } from "../../protocol/onion/codec.ts";
import { deriveHopKey, hopDecrypt } from "../../protocol/onion/hop.ts";
import { SecretKey } from "../../protocol/crypto/secret_key.ts";
import { parseOuterTrailer } from "../../protocol/onion/routing.ts";
import { buildOnionRequest, type OnionNode, type OnionServer } from "../../protocol/onion/build.ts";
import { peelOnionLayer, type PeelResult } from "../../protocol/onion/peel.ts";
import { decryptOnionReply, encryptOnionReply, sealReply, wrapFinalReply } from "../../protocol/onion/reply.ts";
import { encodeV4Response } from "../../protocol/onion/v4.ts";
import { scriptedRng } from "../../protocol/_testing/seeded_rng.ts";
import { type CaseBase, draw, recordingRng, type Result } from "./_common.ts";
import { type DestinationRecord, type NodeRecord, type PeelRecord, peelRecord } from "./onion_records.ts";

/** Keys of a service node, as bytes. */
export interface NodeInput {
  ed25519Public: Uint8Array;
  x25519Secret: Uint8Array;
  x25519Public: Uint8Array;
}

/** A destination: a service node or an external server. */
export type DestinationInput =
  | ({ kind: "node" } & NodeInput)
  | {
    kind: "server";
    host: string;
    target: string;
    port: number;
    protocol: "http" | "https";
    method: string;
    x25519Secret: Uint8Array;
    x25519Public: Uint8Array;
  };

/** What the destination answers (body bytes; headers only matter for v4). */
export interface ReplyInput {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Everything an onion case is built from, apart from the builder's randomness. */
export interface OnionInputs {
  path: NodeInput[];
  destination: DestinationInput;
  /** One cipher per layer, path order, destination last. */
  encTypes: EncType[];
  /** Starting `hop_no` written to the guard's trailer; null = no `hop_no` key. */
  hopNo: number | null;
  payload: Uint8Array;
  reply: ReplyInput;
  replyNonce: Uint8Array;
}

/** One full onion. */
export interface OnionTest extends CaseBase {
  path: NodeRecord[];
  destination: DestinationRecord;
  encTypes: string[];
  hopNo: number | null;
  payload: string;
  draws: { ephemeralSecret: string; ephemeralPublic: string; nonce: string }[];
  guardBody: string;
  hops: PeelRecord[];
  finalPayload: string;
  reply: {
    status: number;
    headers: Record<string, string>;
    body: string;
    nonce: string;
    plaintext: string;
    httpBody: string;
  };
  clientReply: { status: number; headers: Record<string, string>; body: string };
  result: Result;
}

function nodeRecord(n: NodeInput): NodeRecord {
  return {
    ed25519Public: toHex(n.ed25519Public),
    x25519Secret: toHex(n.x25519Secret),
    x25519Public: toHex(n.x25519Public),
  };
}

function destinationRecord(d: DestinationInput): DestinationRecord {
  if (d.kind === "node") return { kind: "node", ...nodeRecord(d) };
  return {
    kind: "server",
    host: d.host,
    target: d.target,
    port: d.port,
    protocol: d.protocol,
    method: d.method,
    x25519Secret: toHex(d.x25519Secret),
    x25519Public: toHex(d.x25519Public),
  };
}

/**
 * What an external server does with the exit node's forward body (onion-requests.md §7): read it
 * as a layer, agree a key with `ephemeral_key` in the server role, decrypt.
 *
 * @param provider crypto provider
 * @param forwardBody the exit node's decrypted layer
 * @param keys the server's X25519 key pair
 * @returns the request payload and the key for the reply
 */
export async function serverOpen(
  provider: CryptoProvider,
  forwardBody: Uint8Array,
  keys: { x25519Secret: Uint8Array; x25519Public: Uint8Array },
): Promise<{ payload: Uint8Array; encType: EncType; key: Uint8Array }> {
  const { blob, json } = decodeLayer(forwardBody, "server request");
  const t = parseOuterTrailer(json);
  const hopKeys = {
    ourSecret: keys.x25519Secret,
    ourPublic: keys.x25519Public,
    theirPublic: t.ephemeralKey,
    role: "server" as const,
  };
  const payload = await hopDecrypt(t.encType, blob, hopKeys, { provider });
  const key = (await deriveHopKey(t.encType, hopKeys, { provider })).bytes();
  return { payload, encType: t.encType, key };
}

/**
 * The plaintext a destination encrypts as its reply (onion-requests.md §6, §7).
 *
 * @param d the destination
 * @param reply status, headers, body
 * @param embedJson the node layer's `json` flag
 * @returns the reply plaintext
 */
export function replyPlaintext(d: DestinationRecord, reply: ReplyInput, embedJson: boolean): Uint8Array {
  if (d.kind === "node") return utf8(wrapFinalReply({ status: reply.status, body: fromUtf8(reply.body) }, embedJson));
  if (d.target.endsWith("/v4/lsrpc")) return encodeV4Response(reply);
  return reply.status === 200 ? reply.body : utf8(`{"status_code":${reply.status}}`);
}

/**
 * Build one onion with `rng` supplying the builder's ephemeral keys and nonces, peel it hop by
 * hop, let the destination answer with a fixed nonce and read the answer at the client.
 *
 * @param provider crypto provider (the generator passes `noble`)
 * @param head tcId, comment, flags
 * @param inputs keys, path, ciphers, payload, reply
 * @param rng the builder's randomness (seeded, or scripted to replay a published onion)
 * @returns the case
 */
export async function onionCase(
  provider: CryptoProvider,
  head: CaseBase,
  inputs: OnionInputs,
  rng: Rng,
): Promise<OnionTest> {
  const { path, destination } = inputs;
  const rec = recordingRng(rng);
  const dest: OnionNode | OnionServer = destination.kind === "node"
    ? { ed25519: toHex(destination.ed25519Public), x25519: toHex(destination.x25519Public) }
    : {
      host: destination.host,
      target: destination.target,
      port: destination.port,
      protocol: destination.protocol,
      method: destination.method,
      x25519: toHex(destination.x25519Public),
    };
  const built = await buildOnionRequest({
    path: path.map((n) => ({ ed25519: toHex(n.ed25519Public), x25519: toHex(n.x25519Public) })),
    destination: dest,
    payload: inputs.payload,
    encType: inputs.encTypes,
    ...(inputs.hopNo === null ? {} : { hopNo: inputs.hopNo }),
    provider,
    rng: rec,
  });
  const draws: OnionTest["draws"] = [];
  for (let i = 0; i < rec.draws.length; i += 2) {
    draws.push({
      ephemeralSecret: toHex(rec.draws[i]),
      ephemeralPublic: toHex(await provider.x25519PublicKey(rec.draws[i])),
      nonce: toHex(rec.draws[i + 1]),
    });
  }

  const recipients: NodeInput[] = destination.kind === "node" ? [...path, destination] : path;
  const hops: PeelRecord[] = [];
  let body = built.body;
  let last: PeelResult | undefined;
  for (const [i, node] of recipients.entries()) {
    last = await peelOnionLayer(body, node, { provider });
    hops.push(peelRecord(last));
    if (i < recipients.length - 1) {
      if (last.kind !== "relay") throw new Error(`Cannot generate onion ${head.tcId}: hop ${i} did not relay`);
      body = last.nextRequestBody;
    }
  }
  const destRecord = destinationRecord(destination);
  const replyRng = scriptedRng([inputs.replyNonce]);
  let finalPayload: Uint8Array;
  let plaintext: Uint8Array;
  let httpBody: Uint8Array;
  if (last?.kind === "deliver" && destination.kind === "node") {
    finalPayload = last.payload;
    plaintext = replyPlaintext(destRecord, inputs.reply, last.json);
    httpBody = await encryptOnionReply(last.reply, { status: inputs.reply.status, body: fromUtf8(inputs.reply.body) }, {
      provider,
      rng: replyRng,
    });
  } else if (last?.kind === "server" && destination.kind === "server") {
    const opened = await serverOpen(provider, last.forwardBody, destination);
    finalPayload = opened.payload;
    plaintext = replyPlaintext(destRecord, inputs.reply, false);
    const v4 = destination.target.endsWith("/v4/lsrpc");
    httpBody = await sealReply(
      { encType: opened.encType, key: new SecretKey(opened.key), json: false, base64: !v4 },
      plaintext,
      { provider, rng: replyRng },
    );
  } else {
    throw new Error(`Cannot generate onion ${head.tcId}: the last hop did not reach the destination`);
  }
  const res = await decryptOnionReply(built.reply, httpBody, { provider });
  return {
    ...head,
    path: path.map(nodeRecord),
    destination: destRecord,
    encTypes: [...inputs.encTypes],
    hopNo: inputs.hopNo,
    payload: toHex(inputs.payload),
    draws,
    guardBody: toHex(built.body),
    hops,
    finalPayload: toHex(finalPayload),
    reply: {
      status: inputs.reply.status,
      headers: inputs.reply.headers,
      body: toHex(inputs.reply.body),
      nonce: toHex(inputs.replyNonce),
      plaintext: toHex(plaintext),
      httpBody: toHex(httpBody),
    },
    clientReply: { status: res.status, headers: res.headers, body: toHex(res.body) },
    result: "valid",
  };
}

/** A node identity from a seed: Ed25519 key pair and its X25519 form. */
export async function seededNode(provider: CryptoProvider, rng: Rng): Promise<NodeInput> {
  const id = await identityFromSeed(draw(rng, 32), { provider });
  return { ed25519Public: id.ed25519Public, x25519Secret: id.x25519Secret, x25519Public: id.x25519Public };
}
