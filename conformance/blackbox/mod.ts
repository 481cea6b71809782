/**
 * Black-box conformance: check a running node from outside over HTTP (`POST /onion_req/v2`) —
 * valid onions with each cipher to the node as final destination and as a relay, the observable
 * bad-input catalogue of hardening.md §7 with the exact answers of §3, replay refusal and reply
 * padding (§6). Used by `conformance/run.ts --target …`; the checks and their ids are listed in
 * `conformance/README.md`.
 *
 * @example Against a target where nothing listens, a few checks: every one fails, none throws
 * ```ts
 * import { runBlackBox } from "./mod.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const port = (listener.addr as Deno.NetAddr).port;
 * listener.close();
 * const results = await runBlackBox({
 *   target: `http://127.0.0.1:${port}`,
 *   node: { ed25519: "aa".repeat(32), x25519: "09" + "00".repeat(31) },
 *   timeoutMs: 2000,
 *   only: (id) => id.startsWith("blackbox/replay/"),
 * });
 * if (results.length === 0 || results.some((r) => r.family !== "blackbox" || r.outcome !== "fail")) throw new Error("bad");
 * ```
 *
 * @module
 */

export {
  BLACKBOX_FAMILY,
  blackBoxChecks,
  type BlackBoxOptions,
  DEFAULT_CONCURRENCY,
  DEFAULT_TIMEOUT_MS,
  type NodeKeysHex,
  runBlackBox,
} from "./runner.ts";
export type { Check, CheckContext, PlainAnswer, Verdict } from "./check.ts";
export { PADDING_OFF } from "./checks_padding.ts";
export {
  type Answer,
  BlackBoxHttp,
  type BlackBoxHttpOptions,
  type HttpResult,
  type NoAnswer,
  type RequestSpec,
} from "./http.ts";
export type { Outcome, TestResult } from "../runner/results.ts";
export type { CryptoProvider, MaybePromise, OnionNode, ProviderName } from "../../mod.ts";
