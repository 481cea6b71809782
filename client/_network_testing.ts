/**
 * Test-only helpers (private to client/): a local network of service nodes plus the file app
 * (demo/local_network.ts), and messengers connected to it through onion paths.
 *
 * @module
 */

import { type CryptoProvider, defaultProvider, systemRng } from "../mod.ts";
import { LocalNetwork } from "../demo/local_network.ts";
import { Messenger, type MessengerOptions } from "./messenger.ts";
import { connect, loadNetwork } from "./network_config.ts";
import { ClientState } from "./state.ts";
import type { MessageStorage } from "./transport.ts";

/** Nodes per test network: one swarm (≥ 5) and paths of 3 that avoid the destination. */
export const TEST_NODES = 6;

/** A running test network and what to clean up. */
export interface TestNetwork {
  /** The network. */
  readonly net: LocalNetwork;
  /** Its data directory. */
  readonly dataDir: string;
  /** Crypto provider. */
  readonly provider: CryptoProvider;
  /** States opened by {@link person}, closed by {@link stopNetwork}. */
  readonly states: ClientState[];
}

/**
 * Start a network of {@link TEST_NODES} nodes and the file app.
 *
 * @returns the running network
 */
export async function startNetwork(): Promise<TestNetwork> {
  const provider = await defaultProvider();
  const dataDir = await Deno.makeTempDir({ prefix: "allium-client-" });
  const net = await LocalNetwork.create({ nodes: TEST_NODES, dataDir, provider });
  const t = { net, dataDir, provider, states: [] };
  try {
    await net.startAll();
  } catch (e) {
    await stopNetwork(t);
    throw e;
  }
  return t;
}

/**
 * Stop every process, close every state, remove the data directory.
 *
 * @param t the network
 */
export async function stopNetwork(t: TestNetwork): Promise<void> {
  for (const s of t.states) s.close();
  await t.net.stop();
  await Deno.remove(t.dataDir, { recursive: true }).catch(() => {});
}

/**
 * A new identity with its own in-memory state, connected through onion paths; its bundle is
 * published.
 *
 * @param t the network
 * @param name local name
 * @param extra options to override (e.g. a storage wrapper, `choosePreKey`)
 * @returns the messenger and its state
 */
export async function person(
  t: TestNetwork,
  name: string,
  extra: Partial<MessengerOptions> & { wrapStorage?: (s: MessageStorage) => MessageStorage } = {},
): Promise<{ messenger: Messenger; state: ClientState; options: MessengerOptions }> {
  const state = ClientState.open(":memory:");
  t.states.push(state);
  const c = connect(loadNetwork(t.dataDir), { provider: t.provider, rng: systemRng, now: Date.now });
  const { wrapStorage, ...rest } = extra;
  const options: MessengerOptions = {
    state,
    storage: wrapStorage ? wrapStorage(c.storage) : c.storage,
    ...(c.files === undefined ? {} : { files: c.files }),
    ...(c.fileServer === undefined ? {} : { fileServer: c.fileServer }),
    provider: t.provider,
    rng: systemRng,
    now: Date.now,
    ...rest,
  };
  const messenger = await Messenger.create(options, name);
  await messenger.publishBundle();
  return { messenger, state, options };
}

/**
 * Fisher–Yates shuffle with the system RNG.
 *
 * @param items the items
 * @returns a shuffled copy
 */
export function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  const r = new Uint32Array(1);
  for (let i = out.length - 1; i > 0; i--) {
    crypto.getRandomValues(r);
    const j = r[0] % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
