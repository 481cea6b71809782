/**
 * Test-only: a swarm of in-process storage-RPC nodes over {@link LoopbackPeers}, accounts that
 * map to it (or not), and request signing helpers.
 *
 * @module
 */

import { toBase64, toHex, utf8 } from "../../protocol/bytes.ts";
import { defaultProvider } from "../../protocol/crypto/default.ts";
import type { CryptoProvider } from "../../protocol/crypto/provider.ts";
import { swarmSpacePosition } from "../../protocol/swarm/swarm_space.ts";
import { memoryLogger } from "../logger.ts";
import { dispatchRpc } from "../routes/rpc.ts";
import { MemoryStore } from "../store/memory_store.ts";
import { createStorageRpc, type StorageRpc } from "./handlers.ts";
import type { StorageRpcLimits } from "./limits.ts";
import { LoopbackPeers } from "./peers.ts";
import { snapshotFromMap, type SwarmNode } from "./swarm_view.ts";

/** The shared provider. */
export const provider: CryptoProvider = await defaultProvider();
/** Fixed test time (ms). */
export const NOW = 1_700_000_000_000;

/** A 32-byte seed with first byte `n`. */
export function seed(n: number): Uint8Array {
  const s = new Uint8Array(32);
  s[0] = n;
  s[31] = 0x5a;
  return s;
}

/** A swarm node record for seed `n`. */
export async function node(n: number): Promise<SwarmNode & { seed: Uint8Array }> {
  const s = seed(n);
  const ed = toHex(await provider.ed25519PublicKey(s));
  const hex2 = n.toString(16).padStart(2, "0");
  return {
    seed: s,
    ed25519: ed,
    x25519: hex2.repeat(32),
    legacy: (hex2 + "01").repeat(16),
    ip: `10.0.0.${n}`,
    httpsPort: 22100 + n,
    omqPort: 22200 + n,
  };
}

/** An `03` account whose key is the Ed25519 key of `seed`. */
export async function groupAccount(accountSeed: Uint8Array): Promise<{ hex: string; seed: Uint8Array }> {
  return { hex: "03" + toHex(await provider.ed25519PublicKey(accountSeed)), seed: accountSeed };
}

/** Base64 Ed25519 signature of `text` (or bytes) with `seedBytes`. */
export async function signB64(seedBytes: Uint8Array, message: string | Uint8Array): Promise<string> {
  return toBase64(await provider.ed25519Sign(seedBytes, typeof message === "string" ? utf8(message) : message));
}

/** A running test swarm. */
export interface TestSwarm {
  /** The three members. */
  nodes: (SwarmNode & { seed: Uint8Array })[];
  /** Their stores. */
  stores: MemoryStore[];
  /** Their RPCs. */
  rpcs: StorageRpc[];
  /** Loopback transport (to unregister / hang peers). */
  peers: LoopbackPeers;
  /** The account stored by this swarm. */
  account: { hex: string; seed: Uint8Array };
  /** An account owned by the other swarm, and that swarm's only node. */
  foreign: { hex: string; seed: Uint8Array; swarmId: bigint; node: SwarmNode };
  /** Our swarm's id. */
  swarmId: bigint;
  /** Mutable clock of every node. */
  clock: { now: number };
  /** Send a JSON request to node `i` through `dispatchRpc`. */
  call(i: number, method: string, params: unknown): Promise<{ status: number; body: string; json: unknown }>;
}

/** Build a 3-member swarm (plus a one-node foreign swarm that is not running). */
export async function testSwarm(
  options: { limits?: Partial<StorageRpcLimits>; maxBytes?: number[] } = {},
): Promise<TestSwarm> {
  const nodes = await Promise.all([1, 2, 3].map(node));
  const other = await node(9);
  const account = await groupAccount(seed(100));
  const foreign = await groupAccount(seed(101));
  const swarmId = swarmSpacePosition(account.hex);
  const foreignId = swarmSpacePosition(foreign.hex);
  const map = new Map<bigint, SwarmNode[]>([[swarmId, nodes], [foreignId, [other]]]);
  const peers = new LoopbackPeers();
  const clock = { now: NOW };
  const stores = nodes.map((_, i) => new MemoryStore({ maxBytes: options.maxBytes?.[i] }));
  const rpcs = nodes.map((n, i) =>
    createStorageRpc({
      store: stores[i],
      swarm: () => snapshotFromMap(map, n),
      peers,
      provider,
      nodeEd25519Seed: n.seed,
      clock: { now: () => clock.now },
      limits: options.limits,
    })
  );
  nodes.forEach((n, i) => peers.register(n.ed25519, rpcs[i].handleForwarded));
  const call = async (i: number, method: string, params: unknown) => {
    const r = await dispatchRpc(utf8(JSON.stringify({ method, params })), {
      handlers: rpcs[i].handlers,
      limits: { maxRequestBytes: 10_000_000, maxMessageData: 76_800 },
      ctx: { now: clock.now },
      logger: memoryLogger(),
    });
    let json: unknown;
    try {
      json = r.bodyIsJson ? JSON.parse(r.body) : undefined;
    } catch {
      json = undefined;
    }
    return { status: r.status, body: r.body, json };
  };
  return {
    nodes,
    stores,
    rpcs,
    peers,
    account,
    foreign: { ...foreign, swarmId: foreignId, node: other },
    swarmId,
    clock,
    call,
  };
}
