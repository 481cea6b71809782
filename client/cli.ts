/**
 * `allium`: the messaging client's command line (client/README.md has a walk-through).
 *
 * ```
 * allium id new --name alice                       create an identity, publish its bundle, print its Session ID
 * allium send bob "hello" --as alice               send a text (to a Session ID or a local name)
 * allium send --file photo.jpg bob --as alice      send a file
 * allium receive --as bob [--out DIR]              read everything new; files are saved to DIR
 * allium group create friends --as alice           print the new group's id
 * allium group add friends bob --as alice
 * allium group send friends "hi all" --as alice
 * ```
 *
 * Global options: `--network DIR` (else `$ALLIUM_NETWORK`, else `.allium/last-network`),
 * `--state FILE` (default `.allium/client.db`). Exit codes: 0 ok, 1 an operational error (one
 * line on stderr), 2 a usage error.
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { defaultProvider, systemRng } from "../mod.ts";
import type { MessengerEvent } from "./content.ts";
import { MessengerError } from "./errors.ts";
import { Messenger, type MessengerOptions } from "./messenger.ts";
import { connect, loadNetwork, networkDir } from "./network_config.ts";
import { ClientState } from "./state.ts";
import { shortId } from "./transport.ts";

/** Default state file, relative to the working directory. */
export const DEFAULT_STATE_FILE = ".allium/client.db";
/** Default directory for received files. */
export const DEFAULT_OUT_DIR = "allium-downloads";
/** Exit code: success. */
export const EXIT_OK = 0;
/** Exit code: an operational error. */
export const EXIT_ERROR = 1;
/** Exit code: a usage error. */
export const EXIT_USAGE = 2;

const GLOBAL = `Global options:
  --network DIR   the local network's data directory (default: $ALLIUM_NETWORK, else .allium/last-network)
  --state FILE    the client state (default: ${DEFAULT_STATE_FILE})
  --help          help for any command`;

const HELP: Readonly<Record<string, string>> = {
  "": `allium — end-to-end encrypted messaging over the local network, every request on a 3-hop onion path

Usage:
  allium id new --name NAME                         create an identity and publish its pre-key bundle
  allium id list                                    list local identities
  allium id publish --as NAME                       publish the pre-key bundle again
  allium send <session-id|name> <text> --as NAME    send a text
  allium send --file PATH <session-id|name> [text] --as NAME
                                                    send a file (with an optional caption)
  allium receive --as NAME [--out DIR]              read everything new (files go to DIR, default ${DEFAULT_OUT_DIR})
  allium group create <name> --as NAME              create a group; prints its id
  allium group add <group> <session-id|name> --as NAME
  allium group send <group> <text> --as NAME
  allium group list --as NAME

${GLOBAL}`,
  "id": `Usage:
  allium id new --name NAME     create an identity, publish its pre-key bundle, print its Session ID
  allium id list                list local identities (name and Session ID)
  allium id publish --as NAME   publish the pre-key bundle again (refreshes one-time prekeys)

${GLOBAL}`,
  "send": `Usage:
  allium send <session-id|name> <text> --as NAME
  allium send --file PATH <session-id|name> [caption] --as NAME

Sends an end-to-end encrypted message (X3DH + Double Ratchet) to a Session ID, or to a local
identity by name. A file is encrypted, uploaded to the network's file app and sent as a pointer.

${GLOBAL}`,
  "receive": `Usage:
  allium receive --as NAME [--out DIR]

Reads the identity's inbox and its groups. Files are downloaded, decrypted and saved to DIR
(default ${DEFAULT_OUT_DIR}). Messages that fail authentication are reported on stderr and kept
out of the state.

${GLOBAL}`,
  "group": `Usage:
  allium group create <name> --as NAME                   create a group; prints its id (03…)
  allium group add <group> <session-id|name> --as NAME   invite a member (group by id or name)
  allium group send <group> <text> --as NAME             send a text to every member
  allium group list --as NAME                            list the identity's groups

${GLOBAL}`,
};

/** Where the CLI writes and what it reads from its environment (tests pass their own). */
export interface CliIo {
  /** A line of normal output. */
  readonly out: (line: string) => void;
  /** A line of diagnostics. */
  readonly err: (line: string) => void;
  /** Environment variables. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Working directory. */
  readonly cwd: string;
}

class UsageError extends Error {
  readonly topic: string;
  constructor(topic: string, message: string) {
    super(message);
    this.topic = topic;
  }
}

const OPTIONS = {
  network: { type: "string" },
  state: { type: "string" },
  as: { type: "string" },
  name: { type: "string" },
  out: { type: "string" },
  file: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]["type"] extends "boolean" ? boolean : string };

function parse(argv: readonly string[]): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Values, positionals };
  } catch (e) {
    throw new UsageError(argv.find((a) => !a.startsWith("-")) ?? "", (e as Error).message);
  }
}

/** Check that only the command's own options (and the global ones) were given. */
function only(topic: string, values: Values, allowed: readonly (keyof Values)[]): void {
  for (const key of Object.keys(values) as (keyof Values)[]) {
    if (!["network", "state", "help", ...allowed].includes(key)) {
      throw new UsageError(topic, `option --${key} does not apply here`);
    }
  }
}

function need(topic: string, value: string | undefined, what: string): string {
  if (value === undefined || value === "") throw new UsageError(topic, `${what} is required`);
  return value;
}

function when(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 19);
}

/** A file name safe to create in the output directory, not overwriting anything there. */
function saveFile(dir: string, name: string, data: Uint8Array): string {
  mkdirSync(dir, { recursive: true });
  const clean = basename(name).replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "") || "attachment";
  const dot = clean.lastIndexOf(".");
  const [stem, ext] = dot > 0 ? [clean.slice(0, dot), clean.slice(dot)] : [clean, ""];
  for (let i = 0;; i++) {
    const path = join(dir, i === 0 ? clean : `${stem}-${i}${ext}`);
    try {
      writeFileSync(path, data, { flag: "wx" });
      return path;
    } catch (e) {
      if ((e as { code?: string }).code !== "EEXIST") throw e;
    }
  }
}

interface Session {
  state: ClientState;
  options: MessengerOptions;
}

async function open(values: Values, io: CliIo, withNetwork: boolean): Promise<Session> {
  const provider = await defaultProvider();
  const network = withNetwork ? loadNetwork(networkDir({ flag: values.network, env: io.env, cwd: io.cwd })) : undefined;
  const state = ClientState.open(resolve(io.cwd, values.state ?? DEFAULT_STATE_FILE));
  const base = { state, provider, rng: systemRng, now: () => Date.now() };
  if (network === undefined) {
    const offline = () =>
      Promise.reject(new MessengerError("INVALID_INPUT", "Cannot reach the network: not connected"));
    return { state, options: { ...base, storage: { store: offline, retrieveFrom: offline } } };
  }
  const c = connect(network, base);
  return {
    state,
    options: {
      ...base,
      storage: c.storage,
      ...(c.files === undefined ? {} : { files: c.files }),
      ...(c.fileServer === undefined ? {} : { fileServer: c.fileServer }),
    },
  };
}

function nameOf(state: ClientState, sessionId: string): string {
  return state.identity(sessionId)?.name ?? shortId(sessionId);
}

async function printEvents(m: Messenger, s: Session, events: MessengerEvent[], out: string, io: CliIo) {
  const who = (id: string) => nameOf(s.state, id);
  let shown = 0;
  for (const e of events) {
    switch (e.type) {
      case "message":
      case "group-message": {
        const where = e.type === "group-message" ? `[${e.groupName}] ` : "";
        io.out(`${when(e.timestamp)} ${where}${who(e.from)}: ${e.text}`);
        for (const a of e.attachments) {
          try {
            const path = saveFile(out, a.fileName, await m.downloadAttachment(a));
            const shown = relative(io.cwd, path);
            io.out(`  file ${a.fileName} (${a.size} bytes) saved to ${shown.startsWith("..") ? path : shown}`);
          } catch (err) {
            if (!(err instanceof MessengerError)) throw err;
            io.err(`allium: ${err.message}`);
          }
        }
        break;
      }
      case "group-invite":
        io.out(
          `${who(e.from)} added you to group "${e.groupName}" (${e.group}), members: ${e.members.map(who).join(", ")}`,
        );
        break;
      case "group-update":
        io.out(`[${e.groupName}] ${who(e.from)} added ${e.added.map(who).join(", ")}`);
        break;
      case "resent":
        io.out(`sent ${e.timestamps.length} message(s) again to ${who(e.to)}, who could not read them`);
        break;
      case "error":
        io.err(`allium: rejected: ${e.error.message}`);
        break;
    }
    shown++;
  }
  if (shown === 0) io.out("no new messages");
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv);
  const [command = "", sub = "", ...rest] = positionals;
  const topic = command;
  if (values.help || command === "" || command === "help") {
    io.out(HELP[HELP[topic] === undefined ? "" : topic]);
    return command === "" && !values.help ? EXIT_USAGE : EXIT_OK;
  }
  const as = () => need(topic, values.as, "--as NAME (the identity to act as)");
  const withMessenger = async <T>(network: boolean, fn: (m: Messenger, s: Session) => Promise<T>): Promise<T> => {
    const name = as();
    const s = await open(values, io, network);
    try {
      return await fn(await Messenger.open(s.options, name), s);
    } finally {
      s.state.close();
    }
  };
  switch (command) {
    case "id": {
      if (sub === "new") {
        only(topic, values, ["name"]);
        if (rest.length > 0) throw new UsageError(topic, `unexpected argument "${rest[0]}"`);
        const name = need(topic, values.name, "--name NAME");
        const s = await open(values, io, true);
        try {
          const m = await Messenger.create(s.options, name);
          try {
            await m.publishBundle();
          } catch (e) {
            if (e instanceof MessengerError) {
              throw new MessengerError(
                e.code,
                `${e.message} (identity "${name}" ${m.sessionId} was created; publish with "allium id publish --as ${name}")`,
              );
            }
            throw e;
          }
          io.out(m.sessionId);
        } finally {
          s.state.close();
        }
        return EXIT_OK;
      }
      if (sub === "list") {
        only(topic, values, []);
        const s = await open(values, io, false);
        try {
          const ids = s.state.identities();
          if (ids.length === 0) io.out('no identities (create one with "allium id new --name NAME")');
          for (const r of ids) io.out(`${r.name}\t${r.sessionId}`);
        } finally {
          s.state.close();
        }
        return EXIT_OK;
      }
      if (sub === "publish") {
        only(topic, values, ["as"]);
        await withMessenger(true, async (m) => {
          const r = await m.publishBundle();
          io.out(`published the pre-key bundle of ${m.name} with ${r.oneTimePreKeys} one-time prekeys`);
        });
        return EXIT_OK;
      }
      throw new UsageError(
        topic,
        sub === "" ? "missing subcommand (new, list, publish)" : `unknown subcommand "${sub}"`,
      );
    }
    case "send": {
      only(topic, values, ["as", "file"]);
      const args = positionals.slice(1);
      if (values.file !== undefined) {
        if (args.length < 1 || args.length > 2) throw new UsageError(topic, "expected <session-id|name> [caption]");
        const path = resolve(io.cwd, values.file);
        let data: Uint8Array;
        try {
          data = new Uint8Array(readFileSync(path));
        } catch (e) {
          throw new MessengerError("INVALID_INPUT", `Cannot read file ${values.file}: ${(e as Error).message}`);
        }
        await withMessenger(true, async (m, s) => {
          const r = await m.sendFile(args[0], {
            data,
            fileName: basename(path),
            ...(args[1] ? { text: args[1] } : {}),
          });
          io.out(`sent ${basename(path)} (${data.length} bytes) to ${nameOf(s.state, r.to)} at ${when(r.timestamp)}`);
        });
        return EXIT_OK;
      }
      if (args.length !== 2) throw new UsageError(topic, "expected <session-id|name> <text>");
      await withMessenger(true, async (m, s) => {
        const r = await m.send(args[0], args[1]);
        io.out(`sent to ${nameOf(s.state, r.to)} at ${when(r.timestamp)}`);
      });
      return EXIT_OK;
    }
    case "receive": {
      only(topic, values, ["as", "out"]);
      if (positionals.length > 1) throw new UsageError(topic, `unexpected argument "${positionals[1]}"`);
      const out = resolve(io.cwd, values.out ?? DEFAULT_OUT_DIR);
      await withMessenger(true, async (m, s) => await printEvents(m, s, await m.receive(), out, io));
      return EXIT_OK;
    }
    case "group": {
      only(topic, values, ["as"]);
      switch (sub) {
        case "create":
          if (rest.length !== 1) throw new UsageError(topic, "expected group create <name>");
          await withMessenger(false, async (m) => io.out((await m.createGroup(rest[0])).groupId));
          return EXIT_OK;
        case "add":
          if (rest.length !== 2) throw new UsageError(topic, "expected group add <group> <session-id|name>");
          await withMessenger(true, async (m, s) => {
            const r = await m.addMember(rest[0], rest[1]);
            io.out(`added ${nameOf(s.state, r.member)} to ${s.state.group(m.sessionId, r.groupId)!.name}`);
          });
          return EXIT_OK;
        case "send":
          if (rest.length !== 2) throw new UsageError(topic, "expected group send <group> <text>");
          await withMessenger(true, async (m, s) => {
            const r = await m.sendGroup(rest[0], rest[1]);
            io.out(`sent to ${s.state.group(m.sessionId, r.to)!.name} at ${when(r.timestamp)}`);
          });
          return EXIT_OK;
        case "list":
          if (rest.length !== 0) throw new UsageError(topic, `unexpected argument "${rest[0]}"`);
          await withMessenger(false, (m, s) => {
            const groups = s.state.groups(m.sessionId);
            if (groups.length === 0) io.out("no groups");
            for (const g of groups) {
              io.out(
                `${g.name}\t${g.groupId}\t${
                  s.state.members(m.sessionId, g.groupId).map((x) => nameOf(s.state, x)).join(", ")
                }`,
              );
            }
            return Promise.resolve();
          });
          return EXIT_OK;
        default:
          throw new UsageError(
            topic,
            sub === "" ? "missing subcommand (create, add, send, list)" : `unknown subcommand "${sub}"`,
          );
      }
    }
    default:
      throw new UsageError("", `unknown command "${command}"`);
  }
}

/**
 * Run the CLI.
 *
 * @param argv the arguments after the program name
 * @param io output, environment and working directory
 * @returns the exit code: {@link EXIT_OK}, {@link EXIT_ERROR} or {@link EXIT_USAGE}
 * @example Usage errors exit with 2
 * ```ts
 * import { main } from "./cli.ts";
 * const lines: string[] = [];
 * const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), env: {}, cwd: "/" };
 * if (await main(["frobnicate"], io) !== 2) throw new Error("bad");
 * if (await main(["--help"], io) !== 0) throw new Error("bad");
 * ```
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`allium: ${e.message}`);
      io.err(`Run "allium ${e.topic && HELP[e.topic] ? `${e.topic} ` : ""}--help" for usage.`);
      return EXIT_USAGE;
    }
    if (e instanceof MessengerError) {
      io.err(`allium: ${e.message}`);
      return EXIT_ERROR;
    }
    io.err(`allium: unexpected error: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT_ERROR;
  }
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2), {
    out: (l) => console.log(l),
    err: (l) => console.error(l),
    env: process.env,
    cwd: process.cwd(),
  });
  process.exit(code);
}
