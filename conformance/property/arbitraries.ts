/**
 * fast-check arbitraries for the onion property tests (style.md, `conformance/property/`):
 * node key sets, paths of 1…{@link MAX_PATH_HOPS} hops with per-hop ciphers, payloads up to
 * 256 KiB (mostly small, some large) and node or server destinations.
 *
 * Arbitraries are synchronous, so X25519 public keys are derived with the `noble` reference
 * provider, whose primitives return plain values (the property tests then build and peel with
 * the default provider).
 *
 * @module
 */

import fc from "fast-check";
import {
  type CryptoProvider,
  type EncType,
  MAX_HOP_NO,
  MAX_PATH_HOPS,
  nobleProvider,
  type OnionNode,
  type OnionServer,
  toHex,
} from "../../mod.ts";

/** A service node with its secret, as the property tests need it to peel. */
export interface TestNode extends OnionNode {
  /** X25519 secret (32 bytes). */
  x25519Secret: Uint8Array;
  /** X25519 public key (32 bytes), the same key as `x25519` in hex. */
  x25519Public: Uint8Array;
}

/** An external server destination with its secret. */
export interface TestServer extends OnionServer {
  /** X25519 secret (32 bytes). */
  x25519Secret: Uint8Array;
  /** X25519 public key (32 bytes). */
  x25519Public: Uint8Array;
}

/** A destination: a service node or an external server. */
export type TestDestination = { kind: "node"; node: TestNode } | { kind: "server"; server: TestServer };

/** One generated onion: path with ciphers, destination, payload and starting hop number. */
export interface OnionCase {
  /** The path, guard first. */
  path: TestNode[];
  /** Cipher per layer: `path.length + 1` entries, the destination's last. */
  ciphers: EncType[];
  /** Where the request goes. */
  destination: TestDestination;
  /** The request bytes. */
  payload: Uint8Array;
  /**
   * Fake starting hop number, or undefined for none. Bounded so the destination still receives
   * a `hop_no` ≤ {@link MAX_HOP_NO}: every relay adds one.
   */
  hopNo?: number;
}

/** Largest payload the arbitraries produce: 256 KiB. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** Byte length of X25519 keys and Ed25519 identities. */
const KEY_BYTES = 32;

/**
 * X25519 public key of `secret` with a provider whose `x25519PublicKey` is synchronous
 * (`noble`, `sodium`); arbitraries cannot await.
 *
 * @param secret 32-byte secret
 * @param provider a synchronous provider, default `noble`
 * @returns the public key
 * @throws {TypeError} when the provider answers with a promise
 */
export function x25519PublicSync(secret: Uint8Array, provider: CryptoProvider = nobleProvider): Uint8Array {
  const pub = provider.x25519PublicKey(secret);
  if (pub instanceof Promise) throw new TypeError(`Cannot derive key: provider "${provider.name}" is asynchronous`);
  return pub;
}

/**
 * A node key set from a 32-byte X25519 secret and a 32-byte Ed25519 identity.
 *
 * @param secret X25519 secret
 * @param identity Ed25519 public key bytes (any 32 bytes: only used as an address)
 * @returns the node
 */
export function makeNode(secret: Uint8Array, identity: Uint8Array): TestNode {
  const x25519Public = x25519PublicSync(secret);
  return { ed25519: toHex(identity), x25519: toHex(x25519Public), x25519Secret: secret, x25519Public };
}

const bytes32: fc.Arbitrary<Uint8Array> = fc.uint8Array({ minLength: KEY_BYTES, maxLength: KEY_BYTES });

/** A cipher name as the builder takes it. */
export const encTypeArb: fc.Arbitrary<EncType> = fc.constantFrom<EncType>("aes-gcm", "xchacha20");

/** A service node key set (random secret and identity). */
export const nodeArb: fc.Arbitrary<TestNode> = fc.tuple(bytes32, bytes32).map(([s, id]) => makeNode(s, id));

/**
 * A path of `minHops…maxHops` nodes (duplicates allowed, as nothing forbids a node twice).
 *
 * @param minHops fewest hops, default 1
 * @param maxHops most hops, default {@link MAX_PATH_HOPS}
 * @returns the arbitrary
 */
export function pathArb(minHops = 1, maxHops = MAX_PATH_HOPS): fc.Arbitrary<TestNode[]> {
  return fc.array(nodeArb, { minLength: minHops, maxLength: maxHops, size: "max" });
}

/**
 * A cipher list for `layers` layers.
 *
 * @param layers path length + 1
 * @returns the arbitrary
 */
export function cipherListArb(layers: number): fc.Arbitrary<EncType[]> {
  return fc.array(encTypeArb, { minLength: layers, maxLength: layers });
}

/** Deterministic filler for large payloads (xorshift32): cheap, and shrinking acts on the length. */
export function fillBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed | 0) || 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Payloads: mostly small (≤ 512 B, byte by byte), some medium (≤ 16 KiB) and some large
 * (≤ `maxBytes`, including exactly `maxBytes`), the larger ones filled from a seed.
 *
 * @param maxBytes the largest payload, default 256 KiB
 * @returns the arbitrary
 */
export function payloadArb(maxBytes = MAX_PAYLOAD_BYTES): fc.Arbitrary<Uint8Array> {
  const smallMax = Math.min(512, maxBytes);
  const small = fc.oneof(fc.uint8Array({ maxLength: smallMax }), fc.uint8Array({ maxLength: smallMax, size: "max" }));
  if (maxBytes <= 512) return small;
  const seeded = (min: number, max: number) =>
    fc.tuple(fc.integer({ min, max }), fc.integer()).map(([n, seed]) => fillBytes(n, seed));
  const medium = seeded(513, Math.min(16 * 1024, maxBytes));
  if (maxBytes <= 16 * 1024) return fc.oneof({ arbitrary: small, weight: 6 }, { arbitrary: medium, weight: 2 });
  const large = fc.oneof(
    seeded(16 * 1024 + 1, maxBytes),
    fc.integer().map((seed) => fillBytes(maxBytes, seed)),
  );
  return fc.oneof({ arbitrary: small, weight: 6 }, { arbitrary: medium, weight: 2 }, { arbitrary: large, weight: 1 });
}

/** An external server: host, v3 or v4 target, optional port, protocol and method. */
export const serverArb: fc.Arbitrary<TestServer> = fc.record({
  secret: bytes32,
  host: fc.oneof(fc.domain(), fc.ipV4(), fc.constant("open.getsession.org")),
  target: fc.constantFrom("/oxen/v4/lsrpc", "/loki/v3/lsrpc", "/oxen/v3/lsrpc"),
  port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  protocol: fc.option(fc.constantFrom<"http" | "https">("http", "https"), { nil: undefined }),
  method: fc.option(fc.constantFrom("POST", "GET", "PUT"), { nil: undefined }),
}).map(({ secret, host, target, port, protocol, method }) => {
  const x25519Public = x25519PublicSync(secret);
  const server: TestServer = { host, target, x25519: toHex(x25519Public), x25519Secret: secret, x25519Public };
  if (port !== undefined) server.port = port;
  if (protocol !== undefined) server.protocol = protocol;
  if (method !== undefined) server.method = method;
  return server;
});

/** A destination: usually a service node, sometimes an external server. */
export const destinationArb: fc.Arbitrary<TestDestination> = fc.oneof(
  { arbitrary: nodeArb.map((node): TestDestination => ({ kind: "node", node })), weight: 3 },
  { arbitrary: serverArb.map((server): TestDestination => ({ kind: "server", server })), weight: 1 },
);

/** Options for {@link onionCaseArb}. */
export interface OnionCaseOptions {
  /** Fewest hops (default 1). */
  minHops?: number;
  /** Most hops (default {@link MAX_PATH_HOPS}). */
  maxHops?: number;
  /** Largest payload (default 256 KiB). */
  maxPayload?: number;
  /** Destination arbitrary (default {@link destinationArb}). */
  destination?: fc.Arbitrary<TestDestination>;
}

/**
 * A whole onion case: path, per-layer ciphers, destination, payload and an optional fake
 * starting hop number that keeps the destination's `hop_no` within {@link MAX_HOP_NO}.
 *
 * @param options hop and payload bounds, destination kind
 * @returns the arbitrary
 */
export function onionCaseArb(options: OnionCaseOptions = {}): fc.Arbitrary<OnionCase> {
  const maxHops = options.maxHops ?? MAX_PATH_HOPS;
  return fc.record({
    hops: fc.array(fc.tuple(nodeArb, encTypeArb), { minLength: options.minHops ?? 1, maxLength: maxHops, size: "max" }),
    destination: options.destination ?? destinationArb,
    destinationCipher: encTypeArb,
    payload: payloadArb(options.maxPayload ?? MAX_PAYLOAD_BYTES),
    hopNo: fc.option(fc.integer({ min: 0, max: MAX_HOP_NO }), { nil: undefined }),
  }).map(({ hops, destination, destinationCipher, payload, hopNo }) => {
    const c: OnionCase = {
      path: hops.map(([n]) => n),
      ciphers: [...hops.map(([, e]) => e), destinationCipher],
      destination,
      payload,
    };
    // The destination receives hopNo + path.length; keep it ≤ MAX_HOP_NO.
    if (hopNo !== undefined) c.hopNo = Math.min(hopNo, MAX_HOP_NO - hops.length);
    return c;
  });
}

/** The public part of a destination, as `buildOnionRequest` takes it. */
export function publicDestination(d: TestDestination): OnionNode | OnionServer {
  if (d.kind === "node") return { ed25519: d.node.ed25519, x25519: d.node.x25519 };
  const { x25519Secret: _s, x25519Public: _p, ...server } = d.server;
  return server;
}
