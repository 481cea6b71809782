/**
 * `npm start`: a local Session-style network on 127.0.0.1 carrying a real message.
 *
 * 1. Prepares N service nodes (default 12): keys, ports, a data directory each, and the registry
 *    with swarms computed by the chain's rebalancing algorithm from a seed.
 * 2. Starts one process per node (HTTP for onion entry, ZeroMQ between nodes, SQLite store).
 * 3. Alice (a fresh identity) stores a message for Bob in Bob's swarm through a random 3-hop
 *    onion path; the receiving member replicates it to the rest of the swarm, each member signs.
 * 4. Bob retrieves it through his own path and reads it.
 * 5. One member of Bob's swarm is killed (SIGKILL); Bob retrieves again from another member.
 * 6. Prints a status line until Ctrl-C, then stops every node.
 *
 * ```sh
 * npm start                         # 12 nodes in a temporary directory
 * npm start -- --nodes 20 --data-dir ./net
 * npm start -- --help
 * ```
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { create } from "@bufbuild/protobuf";
import { defaultProvider, generateIdentity, swarmFor, systemRng } from "../mod.ts";
import { ContentSchema, decodeSessionMessage, encodeSessionMessage } from "../protocol/e2ee/session/mod.ts";
import { OnionClient } from "../client/onion_client.ts";
import { StorageClient } from "../client/storage_client.ts";
import { registrySwarms } from "../gateway/registry.ts";
import { LocalNetwork } from "./local_network.ts";

const HELP = `Usage: npm start -- [options]

Starts a local network of allium service nodes on 127.0.0.1 and shows a message going from
Alice to Bob through onion paths and Bob's swarm, then keeps the network running until Ctrl-C.

Options:
  --nodes N          number of service nodes (default 12; at least 5 so a swarm and a
                     3-hop path that avoids the destination exist)
  --data-dir DIR     where keys, the registry, stores and logs go (default: a new temporary
                     directory, removed on exit; a given directory is kept)
  --status-every S   seconds between status lines (default 5)
  --exit             stop after the exchange instead of waiting for Ctrl-C (for scripts and CI)
  --help             this text
`;

/** Where `npm start` records the running network's directory, for the `allium` CLI (`--network`'s default). */
export const LAST_NETWORK_FILE = ".allium/last-network";

/** Smallest network: one swarm needs 5 members (swarms-and-storage.md §3.1), a path needs 3 others. */
const MIN_NODES = 5;
const DEFAULT_NODES = 12;
const DEFAULT_STATUS_SECONDS = 5;

const short = (hex: string) => `${hex.slice(0, 8)}…`;
const ms = (x: number) => `${x.toFixed(1)} ms`;

function parse() {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      nodes: { type: "string" },
      "data-dir": { type: "string" },
      "status-every": { type: "string" },
      exit: { type: "boolean" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    Deno.exit(0);
  }
  const nodes = values.nodes === undefined ? DEFAULT_NODES : Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < MIN_NODES || nodes > 200) {
    throw new RangeError(`--nodes must be an integer ${MIN_NODES}…200, got ${JSON.stringify(values.nodes)}`);
  }
  const every = values["status-every"] === undefined ? DEFAULT_STATUS_SECONDS : Number(values["status-every"]);
  if (!Number.isFinite(every) || every <= 0) throw new RangeError("--status-every must be a positive number");
  return { nodes, dataDir: values["data-dir"], statusEvery: every, exit: values.exit === true };
}

async function main(): Promise<number> {
  const args = parse();
  const provider = await defaultProvider();
  const dataDir = args.dataDir ?? await Deno.makeTempDir({ prefix: "allium-net-" });
  const temporary = args.dataDir === undefined;

  console.log(`allium local network — ${args.nodes} service nodes on 127.0.0.1, data in ${dataDir}`);
  let t0 = performance.now();
  const net = await LocalNetwork.create({
    nodes: args.nodes,
    dataDir,
    provider,
  });
  await Deno.mkdir(".allium", { recursive: true });
  await Deno.writeTextFile(LAST_NETWORK_FILE, `${await Deno.realPath(dataDir)}\n`);
  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    stopping ??= (async () => {
      console.log("\nstopping every node …");
      await net.stop();
      if (temporary) {
        await Deno.remove(dataDir, { recursive: true }).catch(() => {});
        await Deno.remove(LAST_NETWORK_FILE).catch(() => {});
      }
      console.log("stopped.");
    })();
    return stopping;
  };
  Deno.addSignalListener("SIGINT", () => shutdown().then(() => Deno.exit(0)));
  Deno.addSignalListener("SIGTERM", () => shutdown().then(() => Deno.exit(0)));

  try {
    const swarms = registrySwarms(net.registry);
    console.log(`registry height ${net.registry.height}: ${swarms.size} swarm(s) computed by the chain's algorithm`);
    for (const [id, members] of swarms) {
      console.log(`  swarm ${id.toString(16).padStart(16, "0")}: ${members.map((m) => short(m.ed25519)).join(" ")}`);
    }
    await net.startAll();
    console.log(`started ${args.nodes} nodes in ${ms(performance.now() - t0)}`);
    const files = net.fileServer;
    if (files !== undefined) {
      console.log(`file app for attachments on ${files.host}:${files.port} (reached over onion paths)`);
    }
    console.log("");

    const nodes = () => net.clientNodes();
    const onion = new OnionClient({ nodes, provider, rng: systemRng, attempts: 5 });
    const storage = new StorageClient({ onion, nodes, provider, rng: systemRng, now: Date.now });
    const alice = await generateIdentity({ provider });
    const bob = await generateIdentity({ provider });
    console.log(`Alice ${alice.sessionId}\nBob   ${bob.sessionId}`);
    const bobSwarm = swarmFor(bob.sessionId, [...swarms.keys()])!;
    console.log(`Bob's account maps to swarm ${bobSwarm.toString(16).padStart(16, "0")} (nearest on the ring)\n`);

    const text = `Hello Bob, it's Alice — sent ${new Date().toISOString()}`;
    t0 = performance.now();
    // The live network's 1:1 format (e2ee.md §5.1–§5.2): signed, sealed to Bob, padded, in an Envelope.
    const wire = await encodeSessionMessage(create(ContentSchema, { dataMessage: { body: text } }), alice.ed25519Seed, {
      recipient: bob.sessionId,
      timestampMs: Date.now(),
      provider,
    });
    const sealMs = performance.now() - t0;
    const receipt = await storage.store(bob.sessionId, wire);
    const path = receipt.answer.path.map((n) => short(n.ed25519)).join(" → ");
    console.log(
      `Alice sealed a ${text.length}-character message to Bob (Session protocol, ${wire.length} bytes) and stored it ` +
        `in ${ms(performance.now() - t0)} (sealing ${ms(sealMs)})`,
    );
    console.log(`  path      Alice → ${path} → ${short(receipt.node.ed25519)} (Bob's swarm member)`);
    console.log(`  swarm     ${receipt.swarm.id} (${receipt.swarm.members.length} members)`);
    console.log(
      `  replicas  ${receipt.confirmedBy.length} members signed the hash ${receipt.hash}` +
        (receipt.failedAt.length ? `, ${receipt.failedAt.length} failed` : ""),
    );

    t0 = performance.now();
    const got = await storage.retrieve(bob);
    const bobPath = got.answer.path.map((n) => short(n.ed25519)).join(" → ");
    console.log(`\nBob retrieved ${got.messages.length} message(s) in ${ms(performance.now() - t0)}`);
    console.log(`  path      Bob → ${bobPath} → ${short(got.node.ed25519)}`);
    const read = async (data: Uint8Array) =>
      (await decodeSessionMessage(data, bob.ed25519Seed, { expectedSender: alice.sessionId, provider })).content
        .dataMessage?.body;
    for (const m of got.messages) {
      console.log(`  message   "${await read(m.data)}" from Alice, signature checked (${m.hash})`);
    }
    if (!got.messages.some((m) => m.hash === receipt.hash)) throw new Error("Bob did not get Alice's message");

    const victim = net.node(got.node.ed25519);
    console.log(`\nkilling ${victim.name} (${short(victim.ed25519)}), the member that answered Bob …`);
    await net.kill(victim);
    t0 = performance.now();
    const again = await storage.retrieve(bob);
    console.log(
      `Bob retrieved again in ${ms(performance.now() - t0)} from ${short(again.node.ed25519)}` +
        (again.unreachable.length ? ` after ${again.unreachable.length} unreachable member(s)` : "") +
        `: ${again.messages.length} message(s), "${again.messages[0] ? await read(again.messages[0].data) : ""}"`,
    );
    if (!again.messages.some((m) => m.hash === receipt.hash)) throw new Error("the swarm lost Alice's message");
    console.log("\nThe message survived a swarm member's death; no node saw both Alice and Bob, or the text.");

    if (args.exit) return 0;
    console.log(`\nnetwork running; status every ${args.statusEvery} s; Ctrl-C stops every node`);
    console.log(
      `its directory is recorded in ${LAST_NETWORK_FILE}: in another terminal, try \`npm run allium -- --help\``,
    );
    for (;;) {
      await new Promise((r) => setTimeout(r, args.statusEvery * 1000));
      if (stopping) return 0;
      const up = net.nodes.filter((n) => net.isRunning(n)).length;
      console.log(
        `[${new Date().toISOString()}] ${up}/${net.nodes.length} nodes up, registry height ${net.registry.height}, ` +
          `${registrySwarms(net.registry).size} swarms`,
      );
    }
  } finally {
    await shutdown();
  }
}

if (import.meta.main) {
  try {
    process.exitCode = await main();
  } catch (err) {
    console.error(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    process.exitCode = 1;
  }
}
