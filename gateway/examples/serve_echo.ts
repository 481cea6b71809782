/**
 * Run the example echo service (echo_server.ts) on Deno: `Deno.serve` on 127.0.0.1, the X25519
 * key from `--seed` (64 hex digits, used as the X25519 secret) or freshly generated. On start it
 * prints one JSON line to stdout, `{"event":"listening","hostname":…,"port":…,"x25519":…}`, so a
 * script or test can read the port and the key clients build onions to. Stops on SIGINT/SIGTERM.
 *
 * Like gateway/main.ts, this entry point is where the network and the flags are touched; the app
 * itself does no I/O.
 *
 * ```sh
 * node_modules/.bin/deno run -A gateway/examples/serve_echo.ts --port 8080 --seed $(openssl rand -hex 32)
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { defaultProvider, fromHex, isHex, toHex } from "../../mod.ts";
import { createEchoApp } from "./echo_server.ts";

/** Hex digits of a 32-byte seed. */
const SEED_HEX_CHARS = 64;
/** Bytes of an X25519 secret. */
const SECRET_BYTES = 32;
/** Exit status for bad flags. */
const EXIT_USAGE = 2;
const USAGE = "Usage: deno run -A gateway/examples/serve_echo.ts [--port N] [--hostname 127.0.0.1] [--seed <64 hex>]";

/** Start the echo service and wait until it stops. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      port: { type: "string", default: "0" },
      hostname: { type: "string", default: "127.0.0.1" },
      seed: { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!/^[0-9]{1,5}$/.test(values.port) || Number(values.port) > 65535) {
    throw new RangeError(`Cannot start echo server: --port "${values.port}" is not a port`);
  }
  if (values.seed !== undefined && !isHex(values.seed, SEED_HEX_CHARS)) {
    throw new RangeError(`Cannot start echo server: --seed is not ${SEED_HEX_CHARS} hex digits`);
  }
  const provider = await defaultProvider();
  const x25519Secret = values.seed === undefined ? provider.randomBytes(SECRET_BYTES) : fromHex(values.seed);
  const x25519Public = await provider.x25519PublicKey(x25519Secret);
  const app = createEchoApp({ x25519Secret, x25519Public, provider });

  const hostname = values.hostname;
  const server = Deno.serve({
    hostname,
    port: Number(values.port),
    onListen: ({ port }) => {
      console.log(JSON.stringify({ event: "listening", hostname, port, x25519: toHex(x25519Public) }));
    },
  }, app.fetch);

  const stop = () => void server.shutdown();
  const signals = ["SIGINT", "SIGTERM"] as const;
  for (const s of signals) Deno.addSignalListener(s, stop);
  await server.finished;
  for (const s of signals) Deno.removeSignalListener(s, stop);
  x25519Secret.fill(0);
}

if (import.meta.main) {
  try {
    await main();
  } catch (err) {
    console.error(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    console.error(USAGE);
    Deno.exit(EXIT_USAGE);
  }
}
