/**
 * Everything the gateway app depends on, passed to `createApp` (style.md rule 1 and 11): the app
 * itself reads no environment, clock, file or network; `main.ts` (or a test) builds these.
 *
 * @module
 */

import type { Context } from "hono";
import type { CryptoProvider, Rng } from "../mod.ts";
import type { Config } from "./config.ts";
import type { GatewayEnv } from "./context.ts";
import type { NodeDirectory } from "./directory.ts";
import type { Logger } from "./logger.ts";
import type { NodeIdentityKeys } from "./node_keys.ts";
import type { Forwarder } from "./relay/forwarder.ts";
import type { ServerRelay } from "./relay/server_relay.ts";
import type { ReplayFilter } from "./replay/replay_filter.ts";
import type { RpcHandlers } from "./routes/rpc.ts";

/** A clock: milliseconds since the epoch (may be fractional; latency is measured with it). */
export interface Clock {
  /** Current time, ms since the epoch. */
  now(): number;
}

/** The gateway's dependencies. */
export interface Deps {
  /** The frozen configuration. */
  config: Config;
  /** This node's keys. */
  nodeKeys: NodeIdentityKeys;
  /** The other nodes this node may relay to. */
  directory: NodeDirectory;
  /** Transport to the next node. */
  forwarder: Forwarder;
  /** Clock for rate limiting, replay windows, latency and `info`. */
  clock: Clock;
  /** Randomness for request ids, reply nonces and the rate-limit hash key; default the provider's CSPRNG. */
  rng?: Rng;
  /** Crypto provider for peeling, replies and hashing. */
  provider: CryptoProvider;
  /** Where log lines go. */
  logger: Logger;
  /** The final destination's storage-RPC methods (`info` for now). */
  handlers: RpcHandlers;
  /** Relay to external servers; absent = every relay-to-server request gets the encrypted `Invalid url`. */
  serverRelay?: ServerRelay;
  /**
   * The replay cache; default a new one from the config. A service node passes its own so the
   * HTTP route and `sn.onion_request` (ZeroMQ) share one.
   */
  replay?: ReplayFilter;
  /** The peer address of a request; default `c.env.remoteAddr.hostname` (Deno.serve). */
  clientAddress?: (c: Context<GatewayEnv>) => string | undefined;
}
