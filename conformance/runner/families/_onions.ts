/**
 * Onions for the `peel` and `build` families: random onion specifications for property cases,
 * the reference build and peel with this repository's `protocol/`, the arguments of
 * `onion.build`, and the check that an adapter's onion peels, hop by hop, to the payload.
 * Private to `families/`.
 *
 * @module
 */

import { fromHex, toHex, utf8 } from "../../../protocol/bytes.ts";
import { nobleProvider as provider } from "../../../protocol/crypto/noble.ts";
import { isProtocolError } from "../../../protocol/errors.ts";
import { identityFromSeed } from "../../../protocol/identity.ts";
import type { EncType } from "../../../protocol/onion/enc_type.ts";
import { decodeLayer } from "../../../protocol/onion/codec.ts";
import { hopDecrypt } from "../../../protocol/onion/hop.ts";
import { parseOuterTrailer } from "../../../protocol/onion/routing.ts";
import { buildOnionRequest, type OnionNode, type OnionServer } from "../../../protocol/onion/build.ts";
import { peelOnionLayer, type PeelResult } from "../../../protocol/onion/peel.ts";
import { scriptedRng } from "../../../protocol/_testing/seeded_rng.ts";
import type { JsonObject } from "../protocol.ts";
import {
  type DestinationRecord,
  type NodeRecord,
  peelRecord as publishedPeelRecord,
} from "../../vectors/onion_records.ts";
import type { PropertyRng } from "./_property_rng.ts";

/** A node with its keys as hex (the vectors' `path` entries). */
export type NodeHex = NodeRecord;

/** A destination as in the vectors. */
export type DestinationHex = DestinationRecord;

/** An onion to build: the fields of an `OnionPeelTest` that describe it. */
export interface OnionSpec {
  path: NodeHex[];
  destination: DestinationHex;
  encTypes: EncType[];
  hopNo: number | null;
  payload: string;
  /** The builder's randomness, per layer innermost first: ephemeral secret, then nonce. */
  draws: { ephemeralSecret: string; nonce: string }[];
}

/** What a node learns from peeling (the vectors' `hops` records). */
/** A peel record as the runner compares it: the published form, read field by field as JSON. */
export type PeelRecord = JsonObject & { kind: "relay" | "deliver" | "server" };

/**
 * The published form of a peel result (conformance/vectors/onion_records.ts), typed for comparison.
 *
 * @param r a peel result
 * @returns the record
 */
export function peelRecord(r: PeelResult): PeelRecord {
  return publishedPeelRecord(r) as PeelRecord;
}

/** The nodes that peel, in order: the path, then a node destination. */
export function recipients(spec: OnionSpec): NodeHex[] {
  return spec.destination.kind === "node" ? [...spec.path, spec.destination] : spec.path;
}

/** Peel arguments for a node. */
export function peelArgs(node: { x25519Secret: string; x25519Public: string }, body: string): JsonObject {
  return { x25519Secret: node.x25519Secret, x25519Public: node.x25519Public, body };
}

/**
 * The arguments of `onion.build` for a spec (conformance/README.md, adapter protocol).
 *
 * @param spec the onion
 * @returns path and destination public keys, ciphers, hop number, payload and randomness
 */
export function buildArgs(spec: OnionSpec): JsonObject {
  const d = spec.destination;
  return {
    path: spec.path.map((n) => ({ ed25519: n.ed25519Public, x25519: n.x25519Public })),
    destination: d.kind === "node" ? { kind: "node", ed25519: d.ed25519Public, x25519: d.x25519Public } : {
      kind: "server",
      host: d.host,
      target: d.target,
      port: d.port,
      protocol: d.protocol,
      method: d.method,
      x25519: d.x25519Public,
    },
    encTypes: spec.encTypes,
    hopNo: spec.hopNo,
    payload: spec.payload,
    randomness: spec.draws.flatMap((d) => [d.ephemeralSecret, d.nonce]),
  };
}

/**
 * Build a spec with this repository's builder and its scripted randomness, and peel it hop by
 * hop: the reference records.
 *
 * @param spec the onion
 * @returns the guard body and one record per recipient
 */
export async function referenceOnion(spec: OnionSpec): Promise<{ guardBody: string; hops: PeelRecord[] }> {
  const d = spec.destination;
  const destination: OnionNode | OnionServer = d.kind === "node"
    ? { ed25519: d.ed25519Public, x25519: d.x25519Public }
    : {
      host: d.host,
      target: d.target,
      port: d.port,
      protocol: d.protocol as "http" | "https",
      method: d.method,
      x25519: d.x25519Public,
    };
  const built = await buildOnionRequest({
    path: spec.path.map((n) => ({ ed25519: n.ed25519Public, x25519: n.x25519Public })),
    destination,
    payload: fromHex(spec.payload),
    encType: spec.encTypes,
    ...(spec.hopNo === null ? {} : { hopNo: spec.hopNo }),
    provider,
    rng: scriptedRng(spec.draws.flatMap((x) => [fromHex(x.ephemeralSecret), fromHex(x.nonce)])),
  });
  const hops: PeelRecord[] = [];
  let body = built.body;
  for (const node of recipients(spec)) {
    const r = await peelOnionLayer(body, {
      x25519Secret: fromHex(node.x25519Secret),
      x25519Public: fromHex(node.x25519Public),
    }, { provider });
    hops.push(peelRecord(r));
    if (r.kind === "relay") body = r.nextRequestBody;
  }
  return { guardBody: toHex(built.body), hops };
}

/** Record fields that do not depend on the builder's randomness. */
const STABLE_FIELDS: Readonly<Record<PeelRecord["kind"], readonly string[]>> = {
  relay: ["kind", "destination", "encType", "hopNo"],
  deliver: ["kind", "payload", "json", "base64", "hopNo"],
  server: ["kind", "host", "target", "port", "protocol", "hopNo"],
};

/**
 * Check an adapter's onion the way the network would: peel it with this repository's code at
 * each recipient; each hop must route as `expected` says (next node, cipher, hop number), and the
 * payload must arrive (a server destination decrypts the exit node's forward body).
 *
 * @param spec what was asked for (keys, ciphers, payload)
 * @param expected the reference records (only fields independent of randomness are compared)
 * @param bodyHex the adapter's guard body
 * @returns a one-line problem, or undefined when the onion is right
 */
export async function verifyBuiltOnion(
  spec: OnionSpec,
  expected: readonly PeelRecord[],
  bodyHex: unknown,
): Promise<string | undefined> {
  if (typeof bodyHex !== "string" || !/^([0-9a-f]{2})*$/.test(bodyHex)) return "result has no hex body";
  let body = fromHex(bodyHex);
  try {
    const guardEnc = parseOuterTrailer(decodeLayer(body).json).encType;
    if (guardEnc !== spec.encTypes[0]) return `guard layer uses ${guardEnc}, expected ${spec.encTypes[0]}`;
  } catch (e) {
    return `guard body is not a valid layer: ${(e as Error).message}`;
  }
  const nodes = recipients(spec);
  for (const [i, node] of nodes.entries()) {
    let r: PeelResult;
    try {
      r = await peelOnionLayer(body, {
        x25519Secret: fromHex(node.x25519Secret),
        x25519Public: fromHex(node.x25519Public),
      }, { provider });
    } catch (e) {
      return `hop ${i} refuses its layer (${isProtocolError(e) ? e.code : "error"}): ${(e as Error).message}`;
    }
    const got = peelRecord(r), want = expected[i];
    for (const f of STABLE_FIELDS[want.kind]) {
      if (JSON.stringify(got[f]) !== JSON.stringify(want[f])) {
        return `hop ${i}: ${f} is ${JSON.stringify(got[f])}, expected ${JSON.stringify(want[f])}`;
      }
    }
    if (r.kind === "relay") body = r.nextRequestBody;
    if (r.kind === "server" && spec.destination.kind === "server") {
      return await serverReads(spec, r.forwardBody);
    }
  }
  return undefined;
}

/** The destination server's side (onion-requests.md §7): decrypt the exit node's forward body. */
async function serverReads(spec: OnionSpec, forwardBody: Uint8Array): Promise<string | undefined> {
  const d = spec.destination;
  try {
    const { blob, json } = decodeLayer(forwardBody, "server request");
    const t = parseOuterTrailer(json);
    const last = spec.encTypes[spec.encTypes.length - 1];
    if (t.encType !== last) return `server layer uses ${t.encType}, expected ${last}`;
    const payload = await hopDecrypt(t.encType, blob, {
      ourSecret: fromHex(d.x25519Secret),
      ourPublic: fromHex(d.x25519Public),
      theirPublic: t.ephemeralKey,
      role: "server",
    }, { provider });
    return toHex(payload) === spec.payload ? undefined : "the server decrypts another payload";
  } catch (e) {
    return `the server cannot read the forwarded layer: ${(e as Error).message}`;
  }
}

/** Longest random payload of a property onion. */
const MAX_PAYLOAD = 200;
/** Longest random path of a property onion. */
const MAX_PATH = 4;
/** Largest random starting hop number (the path must stay within 15). */
const MAX_START_HOP = 8;

async function randomNode(rng: PropertyRng): Promise<NodeHex> {
  const id = await identityFromSeed(rng.bytes(32), { provider });
  return {
    ed25519Public: toHex(id.ed25519Public),
    x25519Secret: toHex(id.x25519Secret),
    x25519Public: toHex(id.x25519Public),
  };
}

/**
 * A random onion: 1–4 hops, a node, v3 or v4 destination, a random cipher per layer, an
 * optional starting hop number, a random payload and fresh builder randomness.
 *
 * @param rng randomness
 * @returns the spec
 */
export async function randomOnionSpec(rng: PropertyRng): Promise<OnionSpec> {
  const path: NodeHex[] = [];
  const hops = 1 + rng.int(MAX_PATH);
  while (path.length < hops) path.push(await randomNode(rng));
  const kind = rng.pick(["node", "v3", "v4"] as const);
  let destination: DestinationHex;
  if (kind === "node") destination = { kind: "node", ...(await randomNode(rng)) };
  else {
    const secret = rng.bytes(32);
    destination = {
      kind: "server",
      host: rng.pick(["example.org", "10.1.2.3", "open.getsession.org"]),
      target: kind === "v4" ? "/oxen/v4/lsrpc" : "/loki/v3/lsrpc",
      port: rng.pick([443, 80, 8443]),
      protocol: rng.pick(["https", "http"]),
      method: "POST",
      x25519Secret: toHex(secret),
      x25519Public: toHex(await provider.x25519PublicKey(secret)),
    };
  }
  const encTypes: EncType[] = [];
  for (let i = 0; i <= path.length; i++) encTypes.push(rng.pick(["aes-gcm", "xchacha20"]));
  const draws = [];
  for (let i = encTypes.length - 1; i >= 0; i--) {
    draws.push({ ephemeralSecret: toHex(rng.bytes(32)), nonce: toHex(rng.bytes(encTypes[i] === "aes-gcm" ? 12 : 24)) });
  }
  const payload = kind === "node"
    ? toHex(utf8(JSON.stringify({ method: "retrieve", params: { pubkey: "05" + toHex(rng.bytes(32)) } })))
    : toHex(rng.bytes(rng.int(MAX_PAYLOAD + 1)));
  return { path, destination, encTypes, hopNo: rng.int(2) === 0 ? null : rng.int(MAX_START_HOP), payload, draws };
}
