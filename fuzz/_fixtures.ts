/**
 * Fixed keys, golden onions and hand-made layers shared by the fuzz targets and the corpus
 * generator. Everything here is deterministic: keys are constant, onions are built with a seeded
 * rng, and layers are sealed with fixed nonces through the synchronous `noble` provider (fast-check
 * arbitraries cannot await).
 *
 * @module
 */

import {
  buildOnionRequest,
  type CryptoProvider,
  deriveHopKey,
  encodeLayer,
  encodeV3Request,
  encodeV4Request,
  type EncType,
  nobleProvider,
  type OnionNode,
  type OnionServer,
  peelOnionLayer,
  toHex,
} from "../mod.ts";
import { seededRng } from "../protocol/_testing/seeded_rng.ts";

/** A node with its X25519 secret. */
export interface FixedNode extends OnionNode {
  /** X25519 secret. */
  x25519Secret: Uint8Array;
  /** X25519 public key. */
  x25519Public: Uint8Array;
}

/** Call a provider method that `noble` answers synchronously. */
function sync<T>(v: T | Promise<T>): T {
  if (v instanceof Promise) throw new TypeError("Cannot use provider: expected a synchronous answer");
  return v;
}

/** A node whose secret is 32 × `fill` and whose Ed25519 identity is 32 × `id`. */
export function fixedNode(fill: number, id: number): FixedNode {
  const x25519Secret = new Uint8Array(32).fill(fill);
  const x25519Public = sync(nobleProvider.x25519PublicKey(x25519Secret));
  return { ed25519: toHex(new Uint8Array(32).fill(id)), x25519: toHex(x25519Public), x25519Secret, x25519Public };
}

/** The node every `peel_onion` input is peeled by. */
export const FUZZ_NODE: FixedNode = fixedNode(0x11, 0xa1);
/** Second and third path nodes of the golden onions. */
export const NODE_B: FixedNode = fixedNode(0x12, 0xa2);
/** Third path node of the golden onions. */
export const NODE_C: FixedNode = fixedNode(0x13, 0xa3);
/** Service-node destination of the golden onions. */
export const DEST_D: FixedNode = fixedNode(0x14, 0xa4);
/** X25519 keys of the external server destination. */
export const SERVER_KEYS: FixedNode = fixedNode(0x15, 0xa5);

/** The ephemeral key pair hand-made layers to {@link FUZZ_NODE} are sealed with. */
export const EPHEMERAL: { secret: Uint8Array; public: Uint8Array; hex: string } = (() => {
  const secret = new Uint8Array(32).fill(0x22);
  const pub = sync(nobleProvider.x25519PublicKey(secret));
  return { secret, public: pub, hex: toHex(pub) };
})();

/** Hop keys of {@link EPHEMERAL} → {@link FUZZ_NODE}, per cipher (onion-requests.md §2). */
export const HOP_KEYS: Readonly<Record<EncType, Uint8Array>> = await (async () => {
  const keys = {
    ourSecret: EPHEMERAL.secret,
    ourPublic: EPHEMERAL.public,
    theirPublic: FUZZ_NODE.x25519Public,
    role: "client" as const,
  };
  const opts = { provider: nobleProvider };
  return {
    "aes-gcm": (await deriveHopKey("aes-gcm", keys, opts)).bytes(),
    "xchacha20": (await deriveHopKey("xchacha20", keys, opts)).bytes(),
  };
})();

/** Fixed reply keys for the `reply` target: the client's destination-layer keys. */
export const REPLY_KEYS: { xchacha20: Uint8Array; fallback: Uint8Array; aesGcm: Uint8Array } = {
  xchacha20: new Uint8Array(32).fill(0x31),
  fallback: new Uint8Array(32).fill(0x32),
  aesGcm: new Uint8Array(32).fill(0x33),
};

/** Nonce length per cipher. */
export function nonceLength(enc: EncType): number {
  return enc === "aes-gcm" ? 12 : 24;
}

/** A deterministic nonce from a number. */
export function nonceFrom(enc: EncType, n: number): Uint8Array {
  const out = new Uint8Array(nonceLength(enc));
  new DataView(out.buffer).setUint32(0, n >>> 0, true);
  out[out.length - 1] = 0x5a;
  return out;
}

/**
 * Seal `plaintext` under `key` as a blob `nonce ‖ ciphertext ‖ tag`, synchronously (noble).
 *
 * @param enc cipher
 * @param key 32-byte key
 * @param plaintext bytes
 * @param nonceSeed number the nonce is made from
 * @param provider a synchronous provider (default noble)
 * @returns the blob
 */
export function sealBlob(
  enc: EncType,
  key: Uint8Array,
  plaintext: Uint8Array,
  nonceSeed = 0,
  provider: CryptoProvider = nobleProvider,
): Uint8Array {
  const nonce = nonceFrom(enc, nonceSeed);
  const sealed = sync(
    enc === "aes-gcm" ? provider.aesGcmSeal(key, nonce, plaintext) : provider.xchachaSeal(key, nonce, plaintext),
  );
  const out = new Uint8Array(nonce.length + sealed.length);
  out.set(nonce);
  out.set(sealed, nonce.length);
  return out;
}

/** The outer trailer a builder writes for a blob sealed with {@link EPHEMERAL}. */
export function ephemeralTrailer(enc: EncType, hopNo?: number): string {
  return `{"enc_type":"${enc}","ephemeral_key":"${EPHEMERAL.hex}"${hopNo === undefined ? "" : `,"hop_no":${hopNo}`}}`;
}

/**
 * A layer for {@link FUZZ_NODE}: `plaintext` sealed with the fixed ephemeral key and framed with
 * `trailer` (default: the matching well-formed trailer).
 */
export function layerForFuzzNode(
  enc: EncType,
  plaintext: Uint8Array,
  trailer: string | Uint8Array = ephemeralTrailer(enc),
  nonceSeed = 0,
): Uint8Array {
  return encodeLayer(sealBlob(enc, HOP_KEYS[enc], plaintext, nonceSeed), trailer);
}

/** Public half of a fixed node. */
function pub(n: FixedNode): OnionNode {
  return { ed25519: n.ed25519, x25519: n.x25519 };
}

/** The external server destination. */
export function fixedServer(target: string): OnionServer {
  return { host: "open.example.org", target, x25519: SERVER_KEYS.x25519, port: 443, protocol: "https" };
}

/** A golden onion: bytes {@link FUZZ_NODE} receives, with a name for the corpus. */
export interface Golden {
  /** Corpus file stem. */
  name: string;
  /** The request body. */
  body: Uint8Array;
}

const PAYLOAD = new TextEncoder().encode('{"method":"info","params":{}}');

async function golden(): Promise<Golden[]> {
  const p = nobleProvider;
  const out: Golden[] = [];
  const add = async (name: string, opts: Parameters<typeof buildOnionRequest>[0]) => {
    const built = await buildOnionRequest({ ...opts, provider: p, rng: seededRng(`fuzz-golden-${name}`) });
    out.push({ name, body: built.body });
  };
  await add("golden-1hop-node-aesgcm", {
    path: [pub(FUZZ_NODE)],
    destination: pub(DEST_D),
    payload: PAYLOAD,
    encType: "aes-gcm",
  });
  await add("golden-2hop-node-xchacha", {
    path: [pub(FUZZ_NODE), pub(NODE_B)],
    destination: pub(DEST_D),
    payload: PAYLOAD,
    encType: "xchacha20",
  });
  await add("golden-3hop-node-mixed-hop2", {
    path: [pub(FUZZ_NODE), pub(NODE_B), pub(NODE_C)],
    destination: pub(DEST_D),
    payload: PAYLOAD,
    encType: ["xchacha20", "aes-gcm", "xchacha20", "aes-gcm"],
    hopNo: 2,
  });
  await add("golden-1hop-server-v4", {
    path: [pub(FUZZ_NODE)],
    destination: fixedServer("/oxen/v4/lsrpc"),
    payload: encodeV4Request({ method: "GET", endpoint: "/room/lokinet/messages/recent", headers: {} }),
    encType: "xchacha20",
  });
  await add("golden-1hop-server-v3-aesgcm", {
    path: [pub(FUZZ_NODE)],
    destination: fixedServer("/loki/v3/lsrpc"),
    payload: encodeV3Request({ method: "GET", endpoint: "/rooms" }),
    encType: "aes-gcm",
  });
  // FUZZ_NODE as the destination: what NODE_B forwards to it.
  const toFuzz = await buildOnionRequest({
    path: [pub(NODE_B)],
    destination: pub(FUZZ_NODE),
    payload: PAYLOAD,
    encType: ["aes-gcm", "xchacha20"],
    provider: p,
    rng: seededRng("fuzz-golden-deliver"),
  });
  const relay = await peelOnionLayer(toFuzz.body, NODE_B, { provider: p });
  if (relay.kind !== "relay") throw new Error("golden onion: expected a relay at NODE_B");
  out.push({ name: "golden-deliver-at-fuzz-node-hop1", body: relay.nextRequestBody });
  return out;
}

/** The golden onions {@link FUZZ_NODE} receives (relay, server exit and deliver cases). */
export const GOLDEN: readonly Golden[] = await golden();

/** The storage-RPC payload of the golden onions. */
export const GOLDEN_PAYLOAD: Uint8Array = PAYLOAD;

/**
 * Wycheproof X25519 public keys flagged `LowOrderPublic` / `ZeroSharedSecret` (hardening.md §7),
 * canonical and with the top bit set.
 */
export const LOW_ORDER_KEYS: readonly string[] = [
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0000000000000000000000000000000000000000000000000000000000000080",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000080",
  "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
  "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7",
  "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
  "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
];

/** Non-canonical u-coordinates that are not low order (u ≥ p, or the top bit set on a real key). */
export const NON_CANONICAL_KEYS: readonly string[] = [
  "efffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
  toHex(Uint8Array.from(EPHEMERAL.public, (b, i) => i === 31 ? b | 0x80 : b)),
];
