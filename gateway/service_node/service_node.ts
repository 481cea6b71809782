/**
 * A full service node (swarms-and-storage.md §4–§7; onion-requests.md §5–§6): the gateway app for
 * onion requests over HTTP, plus
 *
 * - the storage RPC at the final destination, over a SQLite message store with its expiry sweeper;
 * - a ZeroMQ link (a supervised Node child, gateway/zmq/) serving `sn.onion_request` (relays
 *   between nodes), `sn.storage_cc` (live replication of client writes, §4.3) and `sn.data`
 *   (hand-over of stored messages, §4.2), with CurveZMQ and a ZAP allow-list of registry keys;
 * - the registry (registry.ts) as its view of the network: swarms, the relay directory and the
 *   ZAP allow-list all come from it, and a new height triggers the hand-over of §4.1.
 *
 * Everything is built from injected pieces; `main.ts` beside this file reads files, flags,
 * signals and the clock.
 *
 * @module
 */

import {
  decodeHandoverBlob,
  encodeHandoverBlobs,
  fromHex,
  fromUtf8,
  type HandoverMessage,
  swarmFor,
  toHex,
  utf8,
} from "../../mod.ts";
import type { Hono } from "hono";
import { createApp } from "../app.ts";
import type { Config } from "../config.ts";
import type { GatewayEnv } from "../context.ts";
import type { Clock, Deps } from "../deps.ts";
import type { NodeDirectory, NodeRecord } from "../directory.ts";
import type { Logger } from "../logger.ts";
import type { NodeIdentityKeys } from "../node_keys.ts";
import { HttpForwarder } from "../relay/forwarder.ts";
import { HttpServerRelay, serverRelayOptions } from "../relay/http_server_relay.ts";
import { ZmqForwarder } from "../relay/zmq_forwarder.ts";
import { type Registry, registryDirectory, type RegistryNode, registrySwarms } from "../registry.ts";
import { ReplayFilter } from "../replay/replay_filter.ts";
import { startExpirySweeper } from "../store/expiry_sweeper.ts";
import type { MessageStore, StoredMessage } from "../store/message_store.ts";
import { createStorageRpc } from "../storage_rpc/handlers.ts";
import { type PeerReply, replyFrames, type SwarmPeers } from "../storage_rpc/peers.ts";
import { snapshotFromMap, type SwarmNode, type SwarmSnapshot } from "../storage_rpc/swarm_view.ts";
import { ONION_REQUEST_COMMAND, onionRequestHandler } from "../zmq/onion_request_handler.ts";
import { ZmqLink, ZmqLinkError } from "../zmq/zmq_link.ts";
import type { CryptoProvider } from "../../mod.ts";
import { type HandoverPlan, planHandover } from "./handover_plan.ts";

/** `sn.storage_cc`: a replicated client write (swarms-and-storage.md §4.3). */
export const STORAGE_CC_COMMAND = "sn.storage_cc";
/** `sn.data`: a hand-over blob (swarms-and-storage.md §4.2). */
export const HANDOVER_COMMAND = "sn.data";
/** `sn.ping`: liveness between nodes. */
export const PING_COMMAND = "sn.ping";
/** Messages read from the store per hand-over page. */
const HANDOVER_PAGE = 1_000;
/** Timeout of one hand-over blob to one peer, ms. */
const HANDOVER_TIMEOUT_MS = 20_000;
/**
 * How long an unreachable peer is retried, ms: a node that just joined is usually still starting
 * when the others see the new registry.
 */
const HANDOVER_RETRY_WINDOW_MS = 30_000;
/** First pause between hand-over attempts to one peer; doubles up to the maximum. */
const HANDOVER_BACKOFF_MS = 200;
const HANDOVER_BACKOFF_MAX_MS = 2_000;
/** Reply to an accepted `sn.data` blob (empty, as the reference). */
const HANDOVER_OK = new Uint8Array(0);

/** Options of {@link ServiceNode.start}. */
export interface ServiceNodeOptions {
  /** The configuration. */
  readonly config: Config;
  /** This node's keys. */
  readonly nodeKeys: NodeIdentityKeys;
  /** The registry at start; this node must be listed in it. */
  readonly registry: Registry;
  /** The opened message store (the node closes it). */
  readonly store: MessageStore;
  /** Crypto provider. */
  readonly provider: CryptoProvider;
  /** Wall clock (ms since the epoch). */
  readonly clock: Clock;
  /** Logger. */
  readonly logger: Logger;
  /** The Node binary for the ZeroMQ child; default `node` from PATH. */
  readonly nodeBin?: string;
}

/** A directory whose content is swapped when the registry changes. */
class LiveDirectory implements NodeDirectory {
  #current: NodeDirectory;
  constructor(initial: NodeDirectory) {
    this.#current = initial;
  }
  set(next: NodeDirectory): void {
    this.#current = next;
  }
  get size(): number {
    return this.#current.size;
  }
  get(ed25519: string): NodeRecord | undefined {
    return this.#current.get(ed25519);
  }
}

function swarmNode(n: RegistryNode): SwarmNode {
  // The Ed25519 key stands in for the legacy primary key (registry.ts).
  return {
    ed25519: n.ed25519,
    x25519: n.x25519,
    legacy: n.ed25519,
    ip: n.ip,
    httpsPort: n.httpsPort,
    omqPort: n.omqPort,
  };
}

function zmqPeer(n: { ip: string; omqPort: number; x25519: string }) {
  return { zmq: `tcp://${n.ip}:${n.omqPort}`, x25519: n.x25519 };
}

/** One running service node. */
export class ServiceNode {
  /** The HTTP app (`/onion_req/v2`, `/health`, `/metrics`). */
  readonly app: Hono<GatewayEnv>;
  #o: ServiceNodeOptions;
  #self: string;
  #registry: Registry;
  #snapshot: SwarmSnapshot;
  #directory: LiveDirectory;
  #link: ZmqLink;
  #sweeper: { stop(): void };
  #handovers = new Set<Promise<void>>();
  #closed = false;

  private constructor(options: ServiceNodeOptions, link: ZmqLink) {
    const { config, nodeKeys, registry, provider, clock, logger, store } = options;
    this.#o = options;
    this.#self = toHex(nodeKeys.ed25519Public);
    this.#registry = registry;
    this.#link = link;
    this.#directory = new LiveDirectory(registryDirectory(registry));
    this.#snapshot = this.#snapshotOf(registry);

    const peers: SwarmPeers = {
      async forward(peer, method, params, { timeoutMs }): Promise<PeerReply> {
        try {
          const parts = await link.request(zmqPeer(peer), STORAGE_CC_COMMAND, [utf8(method), params], { timeoutMs });
          return { kind: "reply", parts };
        } catch (err) {
          if (err instanceof ZmqLinkError) return { kind: "timeout" }; // §4.3: reported as a timed-out peer
          throw err;
        }
      },
    };
    const rpc = createStorageRpc({
      store,
      swarm: () => this.#snapshot,
      peers,
      provider,
      nodeEd25519Seed: nodeKeys.ed25519Seed,
      clock,
      logger,
      limits: { hf: config.networkVersion, version: config.reportedVersion, peerTimeoutMs: config.swarmPeerTimeoutMs },
    });
    const caps = {
      timeoutMs: config.forwardTimeoutMs,
      maxInFlight: config.forwardMaxInFlight,
      maxInFlightPerHop: config.forwardMaxInFlightPerHop,
    };
    // Nodes are reached over ZeroMQ; a directory entry without a `zmq` address falls back to HTTP.
    const forwarder = new ZmqForwarder({
      link,
      ...caps,
      fallback: new HttpForwarder({ ...caps, maxResponseBytes: config.forwardMaxResponse }),
    });
    // One replay cache for both transports: a layer cannot be replayed across HTTP and ZeroMQ.
    const replay = new ReplayFilter({ maxTags: config.replayMaxTags, generationMs: config.replayGenerationMs, clock });
    const deps: Deps = {
      config,
      nodeKeys,
      directory: this.#directory,
      forwarder,
      clock,
      provider,
      logger,
      handlers: rpc.handlers,
      replay,
      // Exit role: relay to external servers under the SSRF rules (hardening.md §4).
      serverRelay: new HttpServerRelay(serverRelayOptions(config)),
    };
    this.app = createApp(deps);
    const onion = onionRequestHandler({ deps, replay });
    link.onRequest(async (command, parts) => {
      switch (command) {
        case ONION_REQUEST_COMMAND:
          return await onion(parts);
        case STORAGE_CC_COMMAND: {
          if (parts.length !== 2) return replyFrames(400, utf8("invalid request: expected 2 parts"));
          const answer = await rpc.handleForwarded(fromUtf8(parts[0]), parts[1]);
          return replyFrames(answer.status, answer.body);
        }
        case HANDOVER_COMMAND:
          return this.#receiveHandover(parts);
        case PING_COMMAND:
          return [utf8("pong")];
        default:
          return replyFrames(400, utf8(`no method ${command}`));
      }
    });
    this.#sweeper = startExpirySweeper(store, {
      now: () => clock.now(),
      intervalMs: config.expirySweepMs,
      onError: (err) => logger.log("error", "expiry_sweep_failed", { name: (err as Error)?.name ?? "?" }),
      onSweep: (n: number) => {
        if (n > 0) logger.log("debug", "expired_purged", { count: n });
      },
    });
  }

  /**
   * Start the node: ZeroMQ link (bound on the registry's OMQ port), storage RPC, app.
   *
   * @param options configuration, keys, registry, store, provider, clock, logger
   * @returns the running node (serve {@link ServiceNode.app} yourself)
   * @throws {RangeError} when the node is not in the registry
   * @throws {ZmqLinkError} when the ZeroMQ link cannot start
   */
  static async start(options: ServiceNodeOptions): Promise<ServiceNode> {
    const { config, nodeKeys, registry, logger } = options;
    const self = toHex(nodeKeys.ed25519Public);
    const me = registry.nodes.find((n) => n.ed25519 === self);
    if (me === undefined) throw new RangeError(`Cannot start service node: ${self} is not in the registry`);
    const link = await ZmqLink.start({
      bind: `tcp://${me.ip}:${me.omqPort}`,
      x25519Secret: nodeKeys.x25519Secret,
      x25519Public: nodeKeys.x25519Public,
      allowedPeers: registry.nodes.map((n) => fromHex(n.x25519)),
      timeoutMs: config.forwardTimeoutMs,
      logger,
      ...(options.nodeBin === undefined ? {} : { nodeBin: options.nodeBin }),
    });
    return new ServiceNode(options, link);
  }

  /** The swarm view of a registry, from this node's point of view. */
  #snapshotOf(registry: Registry): SwarmSnapshot {
    const swarms = new Map([...registrySwarms(registry)].map(([id, members]) => [id, members.map(swarmNode)]));
    return snapshotFromMap(swarms, swarmNode(registry.nodes.find((n) => n.ed25519 === this.#self)!));
  }

  /** The current registry. */
  get registry(): Registry {
    return this.#registry;
  }

  /** The ZeroMQ endpoint the link listens on. */
  get zmqEndpoint(): string | undefined {
    return this.#link.endpoint;
  }

  /** Receive one `sn.data` blob: store every message, skipping hashes already stored (§4.2). */
  #receiveHandover(parts: Uint8Array[]): Uint8Array[] {
    const { store, logger } = this.#o;
    let inserted = 0;
    let total = 0;
    for (const part of parts) {
      let messages: HandoverMessage[];
      try {
        messages = decodeHandoverBlob(part);
      } catch {
        logger.log("warn", "handover_blob_refused");
        return replyFrames(400, utf8("invalid request: bad sn.data blob"));
      }
      total += messages.length;
      // §4.2 [quirk]: the format carries no namespace; the reference stores them in namespace 0.
      inserted += store.storeMany(messages.map((m) => ({ ...m, namespace: 0 })));
    }
    logger.log("info", "handover_received", { messages: total, inserted });
    return [HANDOVER_OK];
  }

  /**
   * Apply a newer registry: swap the swarm view, directory and ZAP allow-list, then hand over
   * stored messages as §4.1 says (in the background; {@link ServiceNode.settled} awaits it).
   *
   * @param next the new registry (ignored unless its height is greater)
   * @returns the hand-over plan that was started
   */
  applyRegistry(next: Registry): HandoverPlan {
    if (next.height <= this.#registry.height) return { kind: "none" };
    const previous = this.#registry;
    const plan = planHandover(previous, next, this.#self);
    this.#registry = next;
    this.#directory.set(registryDirectory(next));
    this.#link.setAllowedPeers(next.nodes.map((n) => fromHex(n.x25519)));
    if (next.nodes.some((n) => n.ed25519 === this.#self)) this.#snapshot = this.#snapshotOf(next);
    this.#o.logger.log("info", "registry_applied", {
      height: next.height,
      swarm: this.#snapshot.ownSwarmId?.toString(16) ?? "none",
      handover: plan.kind,
    });
    if (plan.kind !== "none") {
      const job = this.#handover(plan, next).catch((err) =>
        this.#o.logger.log("error", "handover_failed", { name: (err as Error)?.name ?? "?" })
      );
      this.#handovers.add(job);
      job.finally(() => this.#handovers.delete(job));
    }
    return plan;
  }

  /** Resolves when every hand-over started so far has finished. */
  async settled(): Promise<void> {
    while (this.#handovers.size > 0) await Promise.all([...this.#handovers]);
  }

  /** Send stored messages to their new holders (§4.1). */
  async #handover(plan: Exclude<HandoverPlan, { kind: "none" }>, registry: Registry): Promise<void> {
    const swarms = registrySwarms(registry);
    const ids = [...swarms.keys()];
    const targets = new Map<string, { node: RegistryNode; messages: StoredMessage[] }>();
    const add = (node: RegistryNode, message: StoredMessage) => {
      if (node.ed25519 === this.#self) return;
      let t = targets.get(node.ed25519);
      if (t === undefined) targets.set(node.ed25519, t = { node, messages: [] });
      t.messages.push(message);
    };
    for (const page of this.#o.store.allMessages(HANDOVER_PAGE)) {
      for (const m of page) {
        if (plan.kind === "same_swarm") {
          for (const member of plan.newMembers) add(member, m);
          if (plan.newSwarms.length > 0) {
            const owner = swarmFor(m.account, ids);
            if (owner !== undefined && plan.newSwarms.includes(owner)) {
              for (const n of swarms.get(owner)!) add(n, m);
            }
          }
        } else {
          const owner = swarmFor(m.account, ids);
          if (owner !== undefined) { for (const n of swarms.get(owner)!) add(n, m); }
        }
      }
    }
    let sent = 0;
    await Promise.all([...targets.values()].map(async ({ node, messages }) => {
      for (const blob of encodeHandoverBlobs(messages)) {
        if (!await this.#sendHandoverBlob(node, blob)) return;
      }
      sent += messages.length;
    }));
    this.#o.logger.log("info", "handover_sent", { plan: plan.kind, peers: targets.size, messages: sent });
  }

  /** Send one blob, retrying an unreachable peer with backoff for a bounded time. */
  async #sendHandoverBlob(node: RegistryNode, blob: Uint8Array): Promise<boolean> {
    const deadline = this.#o.clock.now() + HANDOVER_RETRY_WINDOW_MS;
    let pause = HANDOVER_BACKOFF_MS;
    for (;;) {
      try {
        await this.#link.request(zmqPeer(node), HANDOVER_COMMAND, [blob], { timeoutMs: HANDOVER_TIMEOUT_MS });
        return true;
      } catch (err) {
        const failure = (err as ZmqLinkError)?.failure ?? "?";
        const transient = failure === "unreachable" || failure === "refused";
        if (this.#closed || !transient || this.#o.clock.now() + pause > deadline) {
          this.#o.logger.log("warn", "handover_peer_failed", { failure });
          return false;
        }
      }
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, HANDOVER_BACKOFF_MAX_MS);
    }
  }

  /** Stop the sweeper, the link and the store (idempotent). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sweeper.stop();
    await this.settled().catch(() => {});
    await this.#link.close();
    this.#o.store.close();
  }
}
