/**
 * The table of published full onions and the seeds their keys come from. Private to
 * `conformance/vectors/`.
 *
 * @module
 */

import { utf8 } from "../../protocol/bytes.ts";
import type { CryptoProvider } from "../../protocol/crypto/provider.ts";
import type { EncType } from "../../protocol/onion/enc_type.ts";
import { nonceBytes } from "../../protocol/onion/hop.ts";
import { encodeV3Request, encodeV4Request } from "../../protocol/onion/v4.ts";
import { seededRng } from "../../protocol/_testing/seeded_rng.ts";
import { draw } from "./_common.ts";
import {
  type DestinationInput,
  type NodeInput,
  onionCase,
  type OnionTest,
  type ReplyInput,
  seededNode,
} from "./_onion_cases.ts";

/** What a seeded onion case is made of; keys come from the case's seed. */
interface OnionSpec {
  tcId: number;
  comment: string;
  flags: string[];
  hops: number;
  destination: { kind: "node" } | {
    kind: "server";
    host: string;
    target: string;
    port: number;
    protocol: "http" | "https";
  };
  encTypes: EncType | EncType[];
  hopNo: number | null;
  payload: Uint8Array;
  reply: ReplyInput;
}

const INFO = utf8('{"method":"info","params":{}}');
const INFO_REPLY: ReplyInput = { status: 200, headers: {}, body: utf8('{"hf":[19,3],"version":[2,8,0]}') };
const V4_SERVER = {
  kind: "server",
  host: "example.invalid",
  target: "/oxen/v4/lsrpc",
  port: 443,
  protocol: "https",
} as const;

function alternating(n: number): EncType[] {
  return Array.from({ length: n }, (_, i) => (i % 2 === 0 ? "aes-gcm" : "xchacha20"));
}

/**
 * The published full onions, in tcId order. Append only: a published tcId keeps its meaning.
 * tcIds 3 and 4 use the parameters of the two golden onions of shared/vectors/session/onion-builder.json.
 */
const ONION_SPECS: readonly OnionSpec[] = [
  {
    tcId: 1,
    comment: "1 hop to a service node, xchacha20",
    flags: ["SingleHop", "NodeDestination"],
    hops: 1,
    destination: { kind: "node" },
    encTypes: "xchacha20",
    hopNo: null,
    payload: INFO,
    reply: INFO_REPLY,
  },
  {
    tcId: 2,
    comment: "2 hops to a service node, aes-gcm, the node answers 421",
    flags: ["NodeDestination"],
    hops: 2,
    destination: { kind: "node" },
    encTypes: "aes-gcm",
    hopNo: null,
    payload: utf8('{"method":"retrieve","params":{"pubkey":"05' + "ab".repeat(32) + '","namespace":0}}'),
    reply: { status: 421, headers: {}, body: utf8('{"snodes":[]}') },
  },
  {
    tcId: 3,
    comment: "3 hops to a service node, xchacha20 (the parameters of onion-builder.json vector 1)",
    flags: ["NodeDestination", "UpstreamShape"],
    hops: 3,
    destination: { kind: "node" },
    encTypes: "xchacha20",
    hopNo: null,
    payload: INFO,
    reply: INFO_REPLY,
  },
  {
    tcId: 4,
    comment: "3 hops to a v4 server, aes-gcm (the parameters of onion-builder.json vector 2)",
    flags: ["ServerDestinationV4", "UpstreamShape"],
    hops: 3,
    destination: V4_SERVER,
    encTypes: "aes-gcm",
    hopNo: null,
    payload: encodeV4Request({ method: "GET", endpoint: "/room/test", headers: {} }),
    reply: { status: 200, headers: { "content-type": "application/json" }, body: utf8('{"ok":true}') },
  },
  {
    tcId: 5,
    comment: "3 hops to a service node, ciphers mixed per layer, fake starting hop_no 7",
    flags: ["NodeDestination", "MixedCiphers", "FakeHopNo"],
    hops: 3,
    destination: { kind: "node" },
    encTypes: ["aes-gcm", "xchacha20", "aes-gcm", "xchacha20"],
    hopNo: 7,
    payload: INFO,
    reply: INFO_REPLY,
  },
  {
    tcId: 6,
    comment: "3 hops to a v4 server over http on port 8080, POST with a body, ciphers mixed",
    flags: ["ServerDestinationV4", "MixedCiphers"],
    hops: 3,
    destination: {
      kind: "server",
      host: "files.example.invalid",
      target: "/oxen/v4/lsrpc",
      port: 8080,
      protocol: "http",
    },
    encTypes: ["xchacha20", "aes-gcm", "aes-gcm", "xchacha20"],
    hopNo: null,
    payload: encodeV4Request({
      method: "POST",
      endpoint: "/file",
      headers: { "Content-Type": "application/octet-stream" },
      body: Uint8Array.from({ length: 32 }, (_, i) => i),
    }),
    reply: { status: 201, headers: { "content-type": "application/json" }, body: utf8('{"id":12345}') },
  },
  {
    tcId: 7,
    comment: "3 hops to a v3 server, xchacha20, base64 reply",
    flags: ["ServerDestinationV3"],
    hops: 3,
    destination: {
      kind: "server",
      host: "open.example.invalid",
      target: "/loki/v3/lsrpc",
      port: 443,
      protocol: "https",
    },
    encTypes: "xchacha20",
    hopNo: null,
    payload: encodeV3Request({ method: "GET", endpoint: "/rooms", headers: {} }),
    reply: { status: 200, headers: {}, body: utf8('[{"token":"lobby"}]') },
  },
  {
    tcId: 8,
    comment: "2 hops to a service node, empty payload, xchacha20, the node answers 400",
    flags: ["NodeDestination", "EmptyPayload"],
    hops: 2,
    destination: { kind: "node" },
    encTypes: "xchacha20",
    hopNo: null,
    payload: new Uint8Array(0),
    reply: { status: 400, headers: {}, body: utf8("invalid request") },
  },
  {
    tcId: 9,
    comment:
      "15 hops (the maximum) to a service node, aes-gcm and xchacha20 alternating; the destination receives hop_no 15",
    flags: ["MaxHops", "NodeDestination", "MixedCiphers"],
    hops: 15,
    destination: { kind: "node" },
    encTypes: alternating(16),
    hopNo: null,
    payload: INFO,
    reply: INFO_REPLY,
  },
  {
    tcId: 10,
    comment: 'a hop to a v4 server, xchacha20, explicit "hop_no":0 in the guard trailer',
    flags: ["SingleHop", "ServerDestinationV4"],
    hops: 1,
    destination: V4_SERVER,
    encTypes: "xchacha20",
    hopNo: 0,
    payload: encodeV4Request({ method: "GET", endpoint: "/capabilities", headers: {} }),
    reply: { status: 200, headers: { "content-type": "application/json" }, body: utf8('{"capabilities":["sogs"]}') },
  },
];

/**
 * Every published full onion.
 *
 * @param provider the reference provider
 * @returns the cases in tcId order
 */
export async function onionCases(provider: CryptoProvider): Promise<OnionTest[]> {
  const out: OnionTest[] = [];
  for (const spec of ONION_SPECS) {
    const keys = seededRng(`allium/conformance/onion/${spec.tcId}/keys`);
    const path: NodeInput[] = [];
    for (let i = 0; i < spec.hops; i++) path.push(await seededNode(provider, keys));
    const destNode = await seededNode(provider, keys);
    const destination: DestinationInput = spec.destination.kind === "node" ? { kind: "node", ...destNode } : {
      ...spec.destination,
      method: "POST",
      x25519Secret: destNode.x25519Secret,
      x25519Public: destNode.x25519Public,
    };
    const layers = spec.hops + 1;
    const encTypes = typeof spec.encTypes === "string" ? new Array<EncType>(layers).fill(spec.encTypes) : spec.encTypes;
    const lastEnc = encTypes[layers - 1];
    const replyNonce = draw(seededRng(`allium/conformance/onion/${spec.tcId}/reply`), nonceBytes(lastEnc));
    out.push(
      await onionCase(
        provider,
        { tcId: spec.tcId, comment: spec.comment, flags: spec.flags },
        { path, destination, encTypes, hopNo: spec.hopNo, payload: spec.payload, reply: spec.reply, replyNonce },
        seededRng(`allium/conformance/onion/${spec.tcId}/build`),
      ),
    );
  }
  return out;
}
