/**
 * allium — a Session-compatible onion-request protocol core for TypeScript (Deno, Node, Bun,
 * Cloudflare workerd). This entry re-exports `protocol/` and nothing else.
 *
 * @example Build a 3-hop onion to a service node
 * ```ts
 * import { buildOnionRequest, toHex } from "./mod.ts";
 * const key = (n: number) => toHex(new Uint8Array(32).fill(n));
 * // x25519 keys must be valid curve points for key agreement: use real node keys in practice.
 * const node = (n: number) => ({ ed25519: key(n), x25519: "09" + "00".repeat(31) });
 * const { body, guard } = await buildOnionRequest({
 *   path: [node(1), node(2), node(3)],
 *   destination: node(4),
 *   payload: new TextEncoder().encode('{"method":"info","params":{}}'),
 * });
 * if (guard.ed25519 !== key(1) || body.length < 100) throw new Error("bad");
 * ```
 *
 * @module
 */

export * from "./protocol/mod.ts";
