/**
 * Shared fixtures of the gateway fuzz targets (`sn_onion_request`, `gateway_route`,
 * `storage_rpc`): real onion bodies for the test node `SELF` of gateway/_testing/fixtures.ts
 * (relay to a known and an unknown node, deliver, relay to a server), and the check that an
 * answer is one of the gateway's fixed answers (hardening.md §3, gateway/responses.ts).
 *
 * @module
 */

import { decodeLayer, fromHex, isHex } from "../mod.ts";
import { seededRng } from "../protocol/_testing/seeded_rng.ts";
import {
  deliverBody,
  FakeClock,
  FakeForwarder,
  GUARD,
  makeGateway,
  NEXT,
  relayBody,
  serverBody,
  UNKNOWN,
} from "../gateway/_testing/fixtures.ts";
import { createApp } from "../gateway/app.ts";
import type { Deps } from "../gateway/deps.ts";
import { type MemoryLogger, memoryLogger } from "../gateway/logger.ts";
import { ReplayFilter } from "../gateway/replay/replay_filter.ts";
import type { RpcHandlers } from "../gateway/routes/rpc.ts";
import {
  BODY_TOO_LARGE,
  INTERNAL_ERROR,
  INVALID_CIPHERTEXT,
  INVALID_CONTENT_LENGTH,
  NEXT_HOP_FAILED,
  NEXT_NODE_NOT_FOUND_PREFIX,
  NOT_FOUND,
  PARSE_ERROR_PREFIX,
  PATH_TOO_LONG,
  RATE_LIMITED,
  REQUEST_TIMED_OUT,
  SERVER_BUSY,
  UNSUPPORTED_ENCODING,
} from "../gateway/responses.ts";
import { invariant } from "./_harness.ts";

/** What the fake forwarder answers for a relay (a pass-through is recognised by this body). */
export const DOWNSTREAM_BODY = "downstream answer";

/** Named request bodies for `SELF`. */
export interface GatewayBody {
  /** Corpus name. */
  name: string;
  /** The `/onion_req/v2` body. */
  body: Uint8Array;
}

const te = new TextEncoder();

/** Onion bodies `SELF` receives: relay (known / unknown next node, both ciphers, hop numbers), deliver, server. */
export const GATEWAY_BODIES: readonly GatewayBody[] = [
  { name: "relay-next-xchacha", body: await relayBody(NEXT, "xchacha20") },
  { name: "relay-next-aesgcm", body: await relayBody(NEXT, "aes-gcm") },
  { name: "relay-next-hop-14", body: await relayBody(NEXT, "xchacha20", 14) },
  { name: "relay-unknown-node", body: await relayBody(UNKNOWN, "xchacha20") },
  { name: "relay-guard", body: await relayBody(GUARD, "aes-gcm") },
  { name: "deliver-info", body: (await deliverBody('{"method":"info","params":{}}')).body },
  { name: "deliver-info-aesgcm", body: (await deliverBody('{"method":"info","params":{}}', "aes-gcm")).body },
  { name: "deliver-unknown-method", body: (await deliverBody('{"method":"nope","params":{}}')).body },
  { name: "deliver-not-json", body: (await deliverBody("not json")).body },
  {
    name: "server-v4",
    body: await serverBody({ host: "open.example.org", target: "/oxen/v4/lsrpc", port: 443, protocol: "https" }),
  },
  {
    name: "server-loopback",
    body: await serverBody({ host: "127.0.0.1", target: "/oxen/v4/lsrpc", port: 80, protocol: "http" }),
  },
];

/** A layer body as the fields of an `sn.onion_request` dict (onion-requests.md §5). */
export function layerFields(
  body: Uint8Array,
): { data: Uint8Array; ephemeralKey: Uint8Array; encType: string; hopNo?: number } {
  const { blob, json } = decodeLayer(body);
  const trailer = JSON.parse(new TextDecoder().decode(json)) as {
    ephemeral_key: string;
    enc_type?: string;
    hop_no?: number;
  };
  return {
    data: blob.slice(),
    ephemeralKey: fromHex(trailer.ephemeral_key),
    encType: trailer.enc_type ?? "aes-gcm",
    hopNo: trailer.hop_no,
  };
}

const PARSE_CLASSES = ["framing", "trailer", "key", "enc_type", "hop_no"];

/** Plain-text answers the gateway may give (besides pass-through and encrypted 200s). */
const FIXED: ReadonlyMap<number, readonly string[]> = new Map([
  [400, [
    INVALID_CIPHERTEXT,
    PATH_TOO_LONG,
    INVALID_CONTENT_LENGTH,
    ...PARSE_CLASSES.map((c) => PARSE_ERROR_PREFIX + c),
  ]],
  [404, [NOT_FOUND]],
  [408, [REQUEST_TIMED_OUT]],
  [413, [BODY_TOO_LARGE]],
  [415, [UNSUPPORTED_ENCODING]],
  [429, [RATE_LIMITED]],
  [502, [NEXT_HOP_FAILED]],
  [503, [SERVER_BUSY]],
  [504, [REQUEST_TIMED_OUT]],
]);

/**
 * Check a plain-text (non-200) answer: a documented status with its fixed body. A 500, another
 * status, or a body that is not one of the fixed texts (exception text, input echoed back) fails.
 *
 * @param status the status
 * @param body the body text
 * @param where which entry point answered
 */
export function checkFixedAnswer(status: number, body: string, where: string): void {
  invariant(status !== 500 || body !== INTERNAL_ERROR, `${where}: 500 Internal server error (an uncaught exception)`);
  if (status === 502 && body.startsWith(NEXT_NODE_NOT_FOUND_PREFIX)) {
    const hex = body.slice(NEXT_NODE_NOT_FOUND_PREFIX.length);
    invariant(isHex(hex, 64) && hex === hex.toLowerCase(), `${where}: 502 names ${JSON.stringify(hex.slice(0, 80))}`);
    return;
  }
  const allowed = FIXED.get(status);
  invariant(
    allowed !== undefined,
    `${where}: undocumented status ${status} (body ${JSON.stringify(body.slice(0, 80))})`,
  );
  invariant(allowed.includes(body), `${where}: ${status} with a non-fixed body ${JSON.stringify(body.slice(0, 120))}`);
}

/** The test gateway of gateway/_testing/fixtures.ts, built once (its default replay cache is large). */
const BASE = makeGateway();

/** A gateway with fresh state for one input. */
export interface FreshGateway {
  /** The app. */
  app: ReturnType<typeof createApp>;
  /** Its dependencies. */
  deps: Deps;
  /** The fake forwarder. */
  forwarder: FakeForwarder;
  /** Its log. */
  logger: MemoryLogger;
}

/**
 * The test gateway (`SELF`, directory GUARD / NEXT / SELF, default config) with fresh state: a
 * small replay cache, rate limiter, fake forwarder, logger, clock and seeded rng, so that every
 * input is answered the same way whatever ran before it.
 *
 * @param handlers the final destination's RPC handlers (default: `info` only)
 * @returns the gateway
 */
export function freshGateway(handlers?: RpcHandlers): FreshGateway {
  const clock = new FakeClock();
  const forwarder = new FakeForwarder();
  forwarder.answer = { status: 200, body: te.encode(DOWNSTREAM_BODY), contentType: "text/plain; charset=utf-8" };
  const logger = memoryLogger();
  const deps: Deps = {
    ...BASE.deps,
    clock,
    forwarder,
    logger,
    rng: seededRng("fuzz gateway"),
    replay: new ReplayFilter({ maxTags: 64, generationMs: 60_000, clock }),
    ...(handlers !== undefined && { handlers }),
  };
  return { app: createApp(deps), deps, forwarder, logger };
}

/** Bytes of a text. */
export const bytes = (s: string): Uint8Array => te.encode(s);
