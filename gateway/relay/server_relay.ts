/**
 * The interface of the relay to external HTTP servers (onion-requests.md §7; hardening.md §4).
 * The exit node checks a request's syntax with `checkServerTarget` first; an implementation of
 * {@link ServerRelay} then does the network part: `HttpServerRelay` (http_server_relay.ts). Without
 * one in the app's dependencies, the exit node answers every relay-to-server request with the
 * encrypted `Invalid url`.
 *
 * @module
 */

import type { ForwardResult } from "./forwarder.ts";
import type { ServerTarget } from "./server_target.ts";

/**
 * Relays the exit node's decrypted layer to an external server (onion-requests.md §7) under the
 * rules of hardening.md §4: resolve `target.host`, refuse if any resolved address is refused by
 * `isRefusedAddress` (server_target.ts), connect to the vetted IP (no second resolution), fixed outbound headers,
 * no redirects, the relay timeout, response cap and per-host / total in-flight caps.
 *
 * Implemented by `HttpServerRelay` (http_server_relay.ts).
 */
export interface ServerRelay {
  /**
   * POST `body` to `target.url` and return the server's answer unchanged.
   *
   * @param target a destination that passed `checkServerTarget`
   * @param body the exit node's entire decrypted layer
   * @returns the server's status and body
   * @throws {ForwardError} `busy`, `timeout`, `unreachable` or `bad_response`; a refused resolved
   *   address is reported as `ServerTargetRefusal` `"address"` by returning, not throwing — see
   *   {@link ServerRelayResult}
   */
  relay(target: ServerTarget, body: Uint8Array): Promise<ServerRelayResult>;
}

/** What a {@link ServerRelay} returns: the server's answer, or a refusal found after resolving. */
export type ServerRelayResult =
  | { kind: "answer"; response: ForwardResult }
  | { kind: "refused"; refusal: "address" };
