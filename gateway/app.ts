/**
 * The gateway app factory (style.md rule 11): `createApp(deps)` builds a Hono app with a fixed
 * middleware order and one error funnel, and keeps all state (replay cache, rate-limit table,
 * buffer budget, metrics) inside the app — no module-level state.
 *
 * Order, for every request:
 *
 * 1. metrics (observes only: it records the final status and latency of everything below);
 * 2. request id;
 * 3. client concurrency (at most `maxConnectionsPerClient` requests in flight per client, else 429
 *    at once; its slot spans everything below, body reading included);
 * 4. body limit (headers now; the body is read lazily, under the size, rate and deadline limits,
 *    when first needed; the whole-request deadline starts here);
 * 5. rate limit (so a limited client's body is never read);
 * 6. replay guard (`POST /onion_req/v2` only: reads the body, cheap checks, replay lookup);
 * 7. route: `POST /onion_req/v2`, `GET /health`, `GET /metrics`; anything else → 404 `Not Found`.
 *
 * Server-level limits (header timeout, connections per client) are set by each runtime's entry
 * point where the server allows it (server_limits.ts).
 *
 * @module
 */

import { Hono } from "hono";
import type { Rng } from "../mod.ts";
import type { GatewayEnv } from "./context.ts";
import type { Deps } from "./deps.ts";
import { Metrics, METRICS_PATH, metricsMiddleware, metricsRoute } from "./metrics.ts";
import { bodyLimit, BufferBudget } from "./middleware/body_limit.ts";
import { ClientConcurrency, clientConcurrency } from "./middleware/client_concurrency.ts";
import { errorHandler } from "./middleware/error_handler.ts";
import { denoClientAddress, rateLimit, RateLimiter } from "./middleware/rate_limit.ts";
import { replayGuard } from "./middleware/replay_guard.ts";
import { requestId } from "./middleware/request_id.ts";
import { ONION_PATH } from "./relay/forwarder.ts";
import { ReplayFilter } from "./replay/replay_filter.ts";
import { NOT_FOUND } from "./responses.ts";
import { HEALTH_PATH, healthRoute } from "./routes/health.ts";
import { onionRoute } from "./routes/onion.ts";
import { readOnionRequest } from "./routes/onion_request.ts";

/** Bytes of the per-app secret that keys the hashes of rate-limit table keys. */
const RATE_KEY_HASH_KEY_BYTES = 32;

/**
 * Build the gateway app.
 *
 * @param deps configuration, keys, directory, forwarder, clock, provider, logger, handlers
 * @returns the Hono app; serve it with `Deno.serve(options, app.fetch)` (main.ts)
 * @example A final-destination `info` request, end to end in memory
 * ```ts
 * import { createApp } from "./app.ts";
 * import { createConfig } from "./config.ts";
 * import { createDirectory } from "./directory.ts";
 * import { memoryLogger } from "./logger.ts";
 * import { nodeKeysFromSeed } from "./node_keys.ts";
 * import { HttpForwarder } from "./relay/forwarder.ts";
 * import { createInfoHandler } from "./routes/info.ts";
 * import { buildOnionRequest, decryptOnionReply, nobleProvider as provider, peelOnionLayer, toHex } from "../mod.ts";
 * const me = await nodeKeysFromSeed(new Uint8Array(32).fill(1), provider);
 * const guard = await nodeKeysFromSeed(new Uint8Array(32).fill(2), provider);
 * const app = createApp({
 *   config: createConfig(), nodeKeys: me, directory: createDirectory([]), provider, logger: memoryLogger(),
 *   forwarder: new HttpForwarder({ timeoutMs: 1000, maxResponseBytes: 1024, maxInFlight: 1, maxInFlightPerHop: 1 }),
 *   clock: { now: () => 1_700_000_000_000 },
 *   handlers: { info: createInfoHandler({ version: [2, 8, 0], hf: [19, 3] }) },
 * });
 * const node = (k: typeof me) => ({ ed25519: toHex(k.ed25519Public), x25519: toHex(k.x25519Public) });
 * const { body, reply } = await buildOnionRequest({
 *   path: [node(guard)], destination: node(me), provider,
 *   payload: new TextEncoder().encode('{"method":"info","params":{}}'),
 * });
 * const atGuard = await peelOnionLayer(body, guard, { provider }); // the guard's part, done here
 * if (atGuard.kind !== "relay") throw new Error("bad");
 * const res = await app.request("/onion_req/v2", { method: "POST", body: atGuard.nextRequestBody as Uint8Array<ArrayBuffer> });
 * const answer = await decryptOnionReply(reply, await res.text(), { provider });
 * if (res.status !== 200 || answer.status !== 200 || !new TextDecoder().decode(answer.body).includes('"version":[2,8,0]')) {
 *   throw new Error("bad");
 * }
 * ```
 */
export function createApp(deps: Deps): Hono<GatewayEnv> {
  const { config, clock, provider, logger } = deps;
  const rng: Rng = deps.rng ?? { fill: (bytes) => (bytes.set(provider.randomBytes(bytes.length)), bytes) };
  const clientAddress = deps.clientAddress ?? denoClientAddress;

  const metrics = new Metrics();
  const replay = deps.replay ??
    new ReplayFilter({ maxTags: config.replayMaxTags, generationMs: config.replayGenerationMs, clock });
  const limiter = new RateLimiter({
    burst: config.rateLimitBurst,
    perSecond: config.rateLimitPerSecond,
    maxClients: config.rateLimitMaxClients,
    clock,
  });
  const budget = new BufferBudget(config.maxBufferedBytes);
  const concurrency = new ClientConcurrency({ maxPerClient: config.maxConnectionsPerClient });
  const hashKey = rng.fill(new Uint8Array(RATE_KEY_HASH_KEY_BYTES));

  metrics.gauge("allium_buffered_request_bytes", { help: "Request body bytes buffered.", read: () => budget.used });
  metrics.gauge("allium_replay_tags", { help: "Replay tags remembered.", read: () => replay.size });
  metrics.gauge("allium_replay_early_rotations", {
    help: "Replay-cache rotations forced by a full generation.",
    read: () => replay.earlyRotations,
  });
  metrics.gauge("allium_clients_in_flight", {
    help: "Clients with at least one request in flight.",
    read: () => concurrency.clients,
  });
  metrics.gauge("allium_rate_limited_clients", {
    help: "Clients tracked by the rate limiter.",
    read: () => limiter.size,
  });
  if (deps.forwarder.inFlight !== undefined) {
    metrics.gauge("allium_forwards_in_flight", {
      help: "Node-to-node forwards in flight.",
      read: () => deps.forwarder.inFlight ?? 0,
    });
  }

  const app = new Hono<GatewayEnv>();
  app.use(metricsMiddleware(metrics, clock));
  app.use(requestId({ rng }));
  app.use(clientConcurrency({ table: concurrency, provider, hashKey, clientAddress }));
  app.use(bodyLimit({
    maxBody: config.maxBody,
    budget,
    timing: {
      deadlineMs: config.requestDeadlineMs,
      graceMs: config.bodyGraceMs,
      minBytesPerSecond: config.bodyMinBytesPerSecond,
    },
  }));
  app.use(rateLimit({ limiter, provider, hashKey, clientAddress }));
  app.post(
    ONION_PATH,
    replayGuard({
      filter: replay,
      provider,
      parse: (body) => readOnionRequest(body, { maxOuterTrailer: config.maxOuterTrailer }),
    }),
    onionRoute({ deps, replay }),
  );
  app.get(HEALTH_PATH, healthRoute());
  app.get(METRICS_PATH, metricsRoute({ metrics, access: config.metricsAccess, clientAddress }));
  app.notFound((c) => c.text(NOT_FOUND, 404));
  app.onError(errorHandler({ logger }));
  return app;
}
