/**
 * The file-app process: serves {@link createFileApp} on `Deno.serve`, with its X25519 key from a
 * node key file (created 0600 on first start) and files under `--data-dir`. Prints one JSON line
 * `{"event":"listening","port":…,"x25519":…}` once it serves; stops on SIGINT / SIGTERM.
 *
 * ```sh
 * node_modules/.bin/deno run -A gateway/file_server/main.ts --port 0 --key-file files/key.json --data-dir files/data
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import process from "node:process";
import { defaultProvider, toHex } from "../../mod.ts";
import { createJsonLogger } from "../logger.ts";
import { loadOrCreateNodeKeys } from "../main.ts";
import { createFileApp, DEFAULT_MAX_FILE_BYTES } from "./file_app.ts";
import { DEFAULT_FILE_STORE_BYTES, DirectoryFileStore } from "./file_store.ts";

const USAGE = `Usage: deno run -A gateway/file_server/main.ts [options]

  --hostname H        address to bind (default 127.0.0.1)
  --port N            port (default 0: any free port)
  --key-file F        key file, created 0600 on first start (default .allium/file_server/key.json)
  --data-dir D        where files are stored (default .allium/file_server/data)
  --max-file-bytes N  largest upload (default ${DEFAULT_MAX_FILE_BYTES})
  --max-total-bytes N total storage (default ${DEFAULT_FILE_STORE_BYTES})`;

function int(text: string, name: string, min: number, max: number): number {
  if (!/^[0-9]{1,16}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new RangeError(`Cannot start file server: --${name} "${text}" is not an integer ${min}…${max}`);
  }
  return Number(text);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      hostname: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "0" },
      "key-file": { type: "string", default: ".allium/file_server/key.json" },
      "data-dir": { type: "string", default: ".allium/file_server/data" },
      "max-file-bytes": { type: "string", default: String(DEFAULT_MAX_FILE_BYTES) },
      "max-total-bytes": { type: "string", default: String(DEFAULT_FILE_STORE_BYTES) },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = int(values.port, "port", 0, 65535);
  const maxFileBytes = int(values["max-file-bytes"], "max-file-bytes", 1, 1024 * 1024 * 1024);
  const maxTotalBytes = int(values["max-total-bytes"], "max-total-bytes", 1, 2 ** 50);
  const provider = await defaultProvider();
  const logger = createJsonLogger((line) => console.log(line), { minLevel: "info", now: Date.now });
  const keys = await loadOrCreateNodeKeys(values["key-file"], provider, logger);
  const store = new DirectoryFileStore({ dir: values["data-dir"], maxTotalBytes });
  const app = createFileApp({
    x25519Secret: keys.x25519Secret,
    x25519Public: keys.x25519Public,
    provider,
    store,
    maxFileBytes,
  });
  const server = Deno.serve({
    hostname: values.hostname,
    port,
    onListen: ({ port }) => logger.log("info", "listening", { port, x25519: toHex(keys.x25519Public) }),
  }, app.fetch);
  const stop = () => void server.shutdown();
  for (const s of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(s, stop);
  await server.finished;
}

if (import.meta.main) {
  try {
    await main();
  } catch (err) {
    console.error(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    process.exit(2);
  }
}
