/**
 * Test-only: a network of nodes in one Deno process whose node-to-node hops travel over real
 * ZeroMQ. Each node has its own {@link ZmqLink} (so its own Node child and CurveZMQ listener on
 * 127.0.0.1), a {@link ZmqForwarder}, the `sn.onion_request` handler and the gateway app (for
 * HTTP at the entry). Used by the multi-hop test and the soak script; `close()` stops every child.
 *
 * @module
 */

import { type CryptoProvider, defaultProvider, type OnionNode, toHex } from "../../../mod.ts";
import { createApp } from "../../app.ts";
import { createConfig } from "../../config.ts";
import type { Deps } from "../../deps.ts";
import { createDirectory, type NodeRecord } from "../../directory.ts";
import type { Logger } from "../../logger.ts";
import { type NodeIdentityKeys, nodeKeysFromSeed } from "../../node_keys.ts";
import { ZmqForwarder } from "../../relay/zmq_forwarder.ts";
import { ReplayFilter, replayTag } from "../../replay/replay_filter.ts";
import { createInfoHandler } from "../../routes/info.ts";
import { toWireError } from "../../middleware/error_handler.ts";
import { replayError } from "../../middleware/replay_guard.ts";
import { type OnionAnswer, onionLayerHandler } from "../../routes/onion_layer.ts";
import { readOnionRequest } from "../../routes/onion_request.ts";
import { ONION_REQUEST_COMMAND, onionRequestHandler } from "../onion_request_handler.ts";
import { ZmqLink } from "../zmq_link.ts";

/** One node of the network. */
export interface ZmqTestNode {
  /** Short name. */
  name: string;
  /** Its keys. */
  keys: NodeIdentityKeys;
  /** As a path entry for buildOnionRequest. */
  onion: OnionNode;
  /** Its directory record (with the `zmq` endpoint). */
  record: NodeRecord;
  /** Its OxenMQ link. */
  link: ZmqLink;
  /** Its dependencies. */
  deps: Deps;
  /** The gateway app (serve it for HTTP at the entry). */
  app: ReturnType<typeof createApp>;
  /**
   * An in-process entry without HTTP: the cheap checks, the replay lookup and the layer handler,
   * errors mapped as the HTTP error funnel maps them.
   */
  entry(body: Uint8Array): Promise<OnionAnswer>;
  /** While true, `sn.onion_request` gets no answer (a silent next hop). */
  silent: boolean;
}

/** A started network. */
export interface ZmqTestNetwork {
  /** The nodes, in the order of the names given. */
  nodes: ZmqTestNode[];
  /** The provider every node uses. */
  provider: CryptoProvider;
  /** Stop every link (idempotent). */
  close(): Promise<void>;
}

/** Options of {@link startZmqNetwork}. */
export interface ZmqNetworkOptions {
  /** Node→node timeout per node name, ms (default 5 s). */
  forwardTimeoutMs?: Readonly<Record<string, number>>;
  /** In-flight caps of every forwarder (default 256 total, 256 per hop). */
  maxInFlight?: number;
  /** Where the links log; default nowhere. */
  logger?: Logger;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_IN_FLIGHT = 256;

/**
 * Start one node per name: node `i` has the Ed25519 seed `40 + i` repeated and reports `info`
 * version `[9, 1, i]`, so a test can tell which node answered.
 *
 * @param names node names
 * @param options timeouts, caps, logger
 * @returns the network; call `close()` in a `finally`
 */
export async function startZmqNetwork(
  names: readonly string[],
  options: ZmqNetworkOptions = {},
): Promise<ZmqTestNetwork> {
  const provider = await defaultProvider();
  const keys = await Promise.all(names.map((_, i) => nodeKeysFromSeed(new Uint8Array(32).fill(40 + i), provider)));
  const allowed = keys.map((k) => k.x25519Public);
  const links: ZmqLink[] = [];
  const close = async () => {
    await Promise.all(links.map((l) => l.close()));
  };
  try {
    for (const k of keys) {
      links.push(
        await ZmqLink.start({
          bind: "tcp://127.0.0.1:0",
          x25519Secret: k.x25519Secret,
          x25519Public: k.x25519Public,
          allowedPeers: allowed,
          logger: options.logger,
        }),
      );
    }
    const records: NodeRecord[] = keys.map((k, i) => ({
      ed25519: toHex(k.ed25519Public),
      x25519: k.x25519Public,
      http: "http://127.0.0.1:9", // never used: every hop after the entry is ZeroMQ
      zmq: links[i].endpoint,
    }));
    const directory = createDirectory(records);
    const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    const nodes = names.map((name, i): ZmqTestNode => {
      const timeoutMs = options.forwardTimeoutMs?.[name] ?? DEFAULT_TIMEOUT_MS;
      const config = createConfig({ forwardTimeoutMs: timeoutMs, forwardMaxInFlight: maxInFlight });
      const clock = { now: () => Date.now() };
      const deps: Deps = {
        config,
        nodeKeys: keys[i],
        directory,
        forwarder: new ZmqForwarder({
          link: links[i],
          timeoutMs,
          maxInFlight,
          maxInFlightPerHop: maxInFlight,
        }),
        clock,
        provider,
        logger: options.logger ?? { log: () => {} },
        handlers: { info: createInfoHandler({ version: [9, 1, i], hf: config.networkVersion }) },
      };
      const replay = () => new ReplayFilter({ maxTags: 1_000_000, generationMs: 600_000, clock });
      const handleZmq = onionRequestHandler({ deps, replay: replay() });
      const entryReplay = replay();
      const handleEntry = onionLayerHandler({ deps, replay: entryReplay });
      const entry = async (body: Uint8Array): Promise<OnionAnswer> => {
        try {
          const layer = readOnionRequest(body, { maxOuterTrailer: config.maxOuterTrailer });
          const tag = await replayTag(provider, layer);
          if (entryReplay.has(tag)) throw replayError();
          return await handleEntry({ layer, tag });
        } catch (err) {
          const wire = toWireError(err);
          return { status: wire.status, body: new TextEncoder().encode(wire.body), contentType: "text/plain" };
        }
      };
      const node: ZmqTestNode = {
        name,
        keys: keys[i],
        onion: { ed25519: records[i].ed25519, x25519: toHex(keys[i].x25519Public) },
        record: records[i],
        link: links[i],
        deps,
        app: createApp(deps),
        entry,
        silent: false,
      };
      links[i].onRequest((command, parts) => {
        if (command !== ONION_REQUEST_COMMAND) return Promise.reject(new RangeError("command not served"));
        return node.silent ? new Promise(() => {}) : handleZmq(parts);
      });
      return node;
    });
    return { nodes, provider, close };
  } catch (err) {
    await close();
    throw err;
  }
}
