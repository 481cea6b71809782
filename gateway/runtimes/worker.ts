/**
 * The gateway on Cloudflare workerd (and Cloudflare Workers): a module worker exporting
 * `{ fetch }` around the same `createApp`. Configuration comes from the worker's env bindings, all
 * text:
 *
 * | binding | meaning |
 * | --- | --- |
 * | `NODE_SEED` | the node's Ed25519 seed, 64 hex digits (a secret); required |
 * | `DIRECTORY_JSON` | the directory file's text (format in directory.ts); default empty |
 * | `TRUST_CF_CONNECTING_IP` | `"true"`: rate-limit per `CF-Connecting-IP`; only behind Cloudflare's edge |
 * | `ALLIUM_*` | any setting of config.ts, as on the other runtimes; unset (`null`) bindings are skipped |
 *
 * Differences from Deno, Node and Bun:
 *
 * - crypto: only `webcrypto` (else `noble`) loads — no native add-ons; the bundle leaves the sodium
 *   provider out (build.ts) and `defaultProvider()` falls through to WebCrypto;
 * - client address: workerd gives a worker no peer address. By default every request has the
 *   unknown address, so rate limiting is one bucket per isolate (a global limit, per isolate).
 *   `CF-Connecting-IP` is set by Cloudflare's edge, but anyone can send it to a workerd that is not
 *   behind Cloudflare, so it is used only when `TRUST_CF_CONNECTING_IP` is `"true"`;
 * - `GET /metrics` with the default `loopback` access is therefore refused (no address);
 * - settings for listening (`ALLIUM_HOSTNAME`, `ALLIUM_PORT`), files and shutdown are ignored: the
 *   workerd config's socket decides where it listens;
 * - the app is built on the first request (workerd allows no randomness or timers at start-up) and
 *   lives as long as the isolate; it then logs `{"event":"started",…}` (main.ts's `listening` line
 *   without the port); a start-up error is logged once and every request gets 500.
 *
 * @module
 */

import { fromHex, isHex } from "../../mod.ts";
import { createApp } from "../app.ts";
import { bootstrapDeps, listeningFields } from "../bootstrap.ts";
import { parseConfig } from "../config.ts";
import type { GatewayBindings } from "../context.ts";
import { INTERNAL_ERROR } from "../responses.ts";

/** The env bindings the worker reads (workerd passes `null` for an unset `fromEnvironment`). */
export type WorkerEnv = Readonly<Record<string, unknown>>;

/** A module worker's default export. */
export interface GatewayWorker {
  /**
   * Answer one request.
   *
   * @param request the request
   * @param env the worker's bindings
   * @returns the response
   */
  fetch(request: Request, env: WorkerEnv): Promise<Response>;
}

/** Binding names that are the worker's own, not `ALLIUM_*` settings. */
const SEED_BINDING = "NODE_SEED";
const DIRECTORY_BINDING = "DIRECTORY_JSON";
const TRUST_CF_BINDING = "TRUST_CF_CONNECTING_IP";
/** Hex digits of a 32-byte seed. */
const SEED_HEX_CHARS = 64;

type Fetch = (request: Request, env: GatewayBindings) => Response | Promise<Response>;

/** Build the app from the bindings. */
async function start(env: WorkerEnv): Promise<Fetch> {
  const settings: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith("ALLIUM_") && typeof value === "string") settings[name] = value;
  }
  const config = parseConfig(settings);
  const seedHex = env[SEED_BINDING];
  if (!isHex(seedHex, SEED_HEX_CHARS)) {
    throw new RangeError(`Cannot start gateway: binding ${SEED_BINDING} is not ${SEED_HEX_CHARS} hex digits`);
  }
  const directory = env[DIRECTORY_BINDING];
  if (directory !== undefined && directory !== null && typeof directory !== "string") {
    throw new TypeError(`Cannot start gateway: binding ${DIRECTORY_BINDING} is not text`);
  }
  const seed = fromHex(seedHex);
  try {
    const deps = await bootstrapDeps(config, { seed, directory: directory ?? undefined });
    const app = createApp(deps);
    const { port: _port, ...fields } = listeningFields(deps, 0); // workerd's socket knows the port
    deps.logger.log("info", "started", fields);
    return (request, bindings) => app.fetch(request, bindings);
  } finally {
    seed.fill(0);
  }
}

/**
 * A gateway worker: builds the app from `env` on the first request, then serves every request
 * with it. `export default createWorker()` is the module's worker.
 *
 * @returns the worker
 * @example The worker in memory, as workerd would call it
 * ```ts
 * import { createWorker } from "./worker.ts";
 * const worker = createWorker();
 * const env = { NODE_SEED: "07".repeat(32), ALLIUM_CRYPTO_PROVIDER: "noble", ALLIUM_LOG_LEVEL: "warn", ALLIUM_UNSET: null };
 * const res = await worker.fetch(new Request("http://localhost/onion_req/v2", { method: "POST", body: "" }), env);
 * if (res.status !== 400 || (await res.text()) !== "Error parsing onion request: framing") throw new Error("bad");
 * ```
 */
export function createWorker(): GatewayWorker {
  let started: Promise<Fetch> | undefined;
  return {
    async fetch(request, env) {
      started ??= start(env).catch((err) => {
        console.error(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
        throw err;
      });
      let handler: Fetch;
      try {
        handler = await started;
      } catch {
        return new Response(INTERNAL_ERROR, { status: 500, headers: { "content-type": "text/plain; charset=utf-8" } });
      }
      const trusted = env[TRUST_CF_BINDING] === "true" ? request.headers.get("cf-connecting-ip") : null;
      return await handler(request, trusted === null ? {} : { remoteAddr: { hostname: trusted } });
    },
  };
}

/** The module worker. */
export default createWorker();
