/**
 * Test-only helpers for the gateway: a fake clock, a counting fake forwarder, fixed node keys,
 * a ready-made app, and builders of real onions (buildOnionRequest with fixed keys and seeded
 * randomness). Never imported by non-test code.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  buildOnionRequest,
  type CryptoProvider,
  decodeLayer,
  decryptOnionReply,
  defaultProvider,
  deriveHopKey,
  encodeLayer,
  type EncType,
  hopEncrypt,
  type OnionNode,
  type OnionReplyKey,
  type OnionResponse,
  type OnionServer,
  peelOnionLayer,
  toHex,
} from "../../mod.ts";
import { seededRng } from "../../protocol/_testing/seeded_rng.ts";
import { createApp } from "../app.ts";
import { type Config, createConfig } from "../config.ts";
import type { Deps } from "../deps.ts";
import { createDirectory, type NodeRecord } from "../directory.ts";
import { type MemoryLogger, memoryLogger } from "../logger.ts";
import { type NodeIdentityKeys, nodeKeysFromSeed } from "../node_keys.ts";
import { type Forwarder, ForwardError, type ForwardFailure, type ForwardResult } from "../relay/forwarder.ts";
import type { ServerRelay } from "../relay/server_relay.ts";
import { createInfoHandler } from "../routes/info.ts";
import type { RpcHandlers } from "../routes/rpc.ts";

/** The provider the tests use (the fastest that loads; all are cross-checked in protocol/). */
export const provider: CryptoProvider = await defaultProvider();

/** A settable clock. */
export class FakeClock {
  /** Current time, ms. */
  t: number;
  /** @param t start time, ms */
  constructor(t = 1_700_000_000_000) {
    this.t = t;
  }
  /** Current time. */
  now = (): number => this.t;
  /**
   * Move time forward.
   *
   * @param ms milliseconds
   */
  advance(ms: number): void {
    this.t += ms;
  }
}

/** A node with fixed keys, in every form the tests need. */
export interface TestNode {
  /** Its keys (secrets included). */
  keys: NodeIdentityKeys;
  /** Ed25519 key as hex. */
  ed25519: string;
  /** As a path entry / destination for buildOnionRequest. */
  node: OnionNode;
  /** As a directory record. */
  record: NodeRecord;
}

/**
 * A node whose Ed25519 seed is 32 bytes of `n`.
 *
 * @param n seed byte
 * @param http its directory address
 * @returns the node
 */
export async function testNode(n: number, http = `http://127.0.0.1:${20000 + n}`): Promise<TestNode> {
  const keys = await nodeKeysFromSeed(new Uint8Array(32).fill(n), provider);
  const ed25519 = toHex(keys.ed25519Public);
  return {
    keys,
    ed25519,
    node: { ed25519, x25519: toHex(keys.x25519Public) },
    record: { ed25519, x25519: keys.x25519Public, http },
  };
}

/** This node (the app under test). */
export const SELF: TestNode = await testNode(1);
/** A node before this one: peels the first layer when this node is the destination. */
export const GUARD: TestNode = await testNode(2);
/** A node in the directory, the usual next hop. */
export const NEXT: TestNode = await testNode(3);
/** A node not in the directory. */
export const UNKNOWN: TestNode = await testNode(4);

/** One call a {@link FakeForwarder} received. */
export interface ForwardCall {
  /** The next node. */
  next: NodeRecord;
  /** The bytes sent. */
  body: Uint8Array;
}

/** A forwarder that records calls and answers from a script. */
export class FakeForwarder implements Forwarder {
  /** Every call, in order. */
  readonly calls: ForwardCall[] = [];
  /** What to answer: a result, or a failure to throw. */
  answer: ForwardResult | ForwardFailure = {
    status: 200,
    body: new TextEncoder().encode("downstream answer"),
    contentType: "text/plain; charset=utf-8",
  };

  /**
   * Record the call and answer from the script.
   *
   * @param next next node
   * @param body bytes
   * @returns the scripted answer
   */
  forward(next: NodeRecord, body: Uint8Array): Promise<ForwardResult> {
    this.calls.push({ next, body: body.slice() });
    const a = this.answer;
    return typeof a === "string" ? Promise.reject(new ForwardError(a)) : Promise.resolve(a);
  }
}

/** A test gateway: the app and everything around it. */
export interface TestGateway {
  /** The app. */
  app: ReturnType<typeof createApp>;
  /** Its dependencies. */
  deps: Deps;
  /** The fake clock. */
  clock: FakeClock;
  /** Logged lines. */
  logger: MemoryLogger;
  /** The fake forwarder (unless another was given). */
  forwarder: FakeForwarder;
  /**
   * POST a body to `/onion_req/v2` from a client address.
   *
   * @param body request body
   * @param init extra request init (headers …)
   * @param address peer address
   * @returns the response
   */
  post(body: Uint8Array | ReadableStream<Uint8Array> | null, init?: RequestInit, address?: string): Promise<Response>;
  /**
   * Any request, from a client address.
   *
   * @param path path
   * @param init request init
   * @param address peer address
   * @returns the response
   */
  request(path: string, init?: RequestInit, address?: string): Promise<Response>;
}

/** The default client address of test requests (TEST-NET-2). */
export const CLIENT_ADDRESS = "198.51.100.7";

/**
 * Build an app with fake clock, forwarder and logger and a directory holding GUARD and NEXT.
 *
 * @param options config overrides, replacements for deps
 * @returns the test gateway
 */
export function makeGateway(
  options: {
    config?: Partial<Config>;
    forwarder?: Forwarder;
    serverRelay?: ServerRelay;
    handlers?: RpcHandlers;
    provider?: CryptoProvider;
    directory?: NodeRecord[];
  } = {},
): TestGateway {
  const clock = new FakeClock();
  const logger = memoryLogger();
  const forwarder = new FakeForwarder();
  const config = createConfig(options.config ?? {});
  const deps: Deps = {
    config,
    nodeKeys: SELF.keys,
    directory: createDirectory(options.directory ?? [GUARD.record, NEXT.record, SELF.record]),
    forwarder: options.forwarder ?? forwarder,
    clock,
    rng: seededRng("gateway test rng"),
    provider: options.provider ?? provider,
    logger,
    handlers: options.handlers ??
      { info: createInfoHandler({ version: config.reportedVersion, hf: config.networkVersion }) },
    serverRelay: options.serverRelay,
  };
  const app = createApp(deps);
  const request = (path: string, init: RequestInit = {}, address = CLIENT_ADDRESS) =>
    Promise.resolve(app.request(path, init, { remoteAddr: { hostname: address, port: 40000, transport: "tcp" } }));
  return {
    app,
    deps,
    clock,
    logger,
    forwarder,
    request,
    post: (body, init = {}, address) =>
      request("/onion_req/v2", { method: "POST", body: body as BodyInit | null, ...init }, address),
  };
}

let seedCounter = 0;
/** A fresh deterministic rng (each onion distinct, every run identical). */
export function nextRng(): ReturnType<typeof seededRng> {
  return seededRng(`onion ${seedCounter++}`);
}

/** Text → bytes. */
export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
/** Bytes → text. */
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/**
 * A body for SELF that relays to `to` (one path hop: SELF).
 *
 * @param to the next node
 * @param encType cipher of every layer
 * @param hopNo starting hop number in SELF's trailer
 * @returns the request body
 */
export async function relayBody(
  to: TestNode = NEXT,
  encType: EncType = "xchacha20",
  hopNo?: number,
): Promise<Uint8Array> {
  const { body } = await buildOnionRequest({
    path: [SELF.node],
    destination: to.node,
    payload: bytes('{"method":"info","params":{}}'),
    encType,
    hopNo,
    provider,
    rng: nextRng(),
  });
  return body;
}

/**
 * A body for SELF as the final destination: built over GUARD → SELF, with GUARD's layer peeled
 * here (what the guard node would do).
 *
 * @param payload the storage-RPC request
 * @param encType cipher of every layer
 * @returns the body SELF receives and the client's reply key
 */
export async function deliverBody(
  payload: Uint8Array | string,
  encType: EncType = "xchacha20",
): Promise<{ body: Uint8Array; reply: OnionReplyKey }> {
  const { body, reply } = await buildOnionRequest({
    path: [GUARD.node],
    destination: SELF.node,
    payload: typeof payload === "string" ? bytes(payload) : payload,
    encType,
    provider,
    rng: nextRng(),
  });
  const atGuard = await peelOnionLayer(body, GUARD.keys, { provider });
  assert.equal(atGuard.kind, "relay");
  if (atGuard.kind !== "relay") throw new Error("unreachable");
  return { body: atGuard.nextRequestBody, reply };
}

/**
 * A body for SELF relaying to an external server.
 *
 * @param server the server fields (x25519 defaults to NEXT's)
 * @returns the request body
 */
export async function serverBody(server: Omit<OnionServer, "x25519"> & { x25519?: string }): Promise<Uint8Array> {
  const { body } = await buildOnionRequest({
    path: [SELF.node],
    destination: { x25519: NEXT.node.x25519, ...server },
    payload: bytes('{"endpoint":"/room/x","method":"GET"}'),
    encType: "xchacha20",
    provider,
    rng: nextRng(),
  });
  return body;
}

/** A fixed client ephemeral key pair for hand-made layers. */
const CLIENT_SECRET = new Uint8Array(32).fill(77);
const CLIENT_PUBLIC = await provider.x25519PublicKey(CLIENT_SECRET);

/**
 * A hand-made layer for SELF: `plaintext` encrypted to SELF with a fixed client key, and a trailer.
 *
 * @param plaintext what SELF finds after decrypting
 * @param encType cipher
 * @returns the body and the client's reply key for it
 */
export async function rawLayer(
  plaintext: Uint8Array,
  encType: EncType = "xchacha20",
): Promise<{ body: Uint8Array; reply: OnionReplyKey }> {
  const keys = {
    ourSecret: CLIENT_SECRET,
    ourPublic: CLIENT_PUBLIC,
    theirPublic: SELF.keys.x25519Public,
    role: "client" as const,
  };
  const blob = await hopEncrypt(encType, plaintext, keys, { provider, rng: nextRng() });
  const body = encodeLayer(blob, `{"ephemeral_key":"${toHex(CLIENT_PUBLIC)}","enc_type":"${encType}"}`);
  const key = await deriveHopKey(encType, keys, { provider });
  return { body, reply: { kind: "node", encType, key } };
}

/**
 * Replace a body's trailer, keeping its blob.
 *
 * @param body an onion body
 * @param trailer the new trailer text
 * @returns the new body
 */
export function withTrailer(body: Uint8Array, trailer: string): Uint8Array {
  return encodeLayer(decodeLayer(body).blob, trailer);
}

/**
 * The trailer of a body, parsed with JSON.parse.
 *
 * @param body an onion body
 * @returns the trailer object
 */
export function trailerOf(body: Uint8Array): Record<string, unknown> {
  return JSON.parse(text(decodeLayer(body).json));
}

/**
 * Decrypt a 200 answer at the client.
 *
 * @param reply the client's reply key
 * @param res the HTTP response (must be 200)
 * @returns the decrypted answer and the raw body length
 */
export async function readEncrypted(
  reply: OnionReplyKey,
  res: Response,
): Promise<OnionResponse & { text: string; wireLength: number }> {
  assert.equal(res.status, 200, "encrypted answers travel as HTTP 200");
  const wire = new Uint8Array(await res.arrayBuffer());
  const answer = await decryptOnionReply(reply, wire, { provider });
  return { ...answer, text: text(answer.body), wireLength: wire.length };
}

/**
 * Assert a plain-text answer: exact status and body.
 *
 * @param res the response
 * @param status expected status
 * @param body expected body
 * @param message assertion label
 */
export async function assertPlain(res: Response, status: number, body: string, message?: string): Promise<void> {
  const got = await res.text();
  assert.equal(res.status, status, `${message ?? ""} status (body ${JSON.stringify(got.slice(0, 80))})`);
  assert.equal(got, body, `${message ?? ""} body`);
}
