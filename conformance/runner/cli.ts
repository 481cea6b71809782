/**
 * The command line of `conformance/run.ts` (`npm run conformance -- …`), parsed into options for
 * adapter mode (`--impl`) or black-box mode (`--target` and `--node`). Pure: no I/O.
 *
 * @module
 */

import { FAMILIES, type Family } from "./protocol.ts";
import { shellWords } from "./shell_words.ts";
import { MAX_CASES } from "./suite.ts";

/** Options shared by both modes. */
interface Common {
  /** Print the JSON report to stdout instead of the text summary. */
  json: boolean;
  /** Also write the JSON report to this file. */
  out?: string;
  /** Known-failures file or implementation name; null = `--no-known-failures`; undefined = by adapter name. */
  knownFailures?: string | null;
  /** Write a known-failures file listing this run's failures. */
  writeKnownFailures?: string;
  /** Per-request deadline. */
  timeoutMs?: number;
}

/** What the command line asks for. */
export type CliCommand =
  | { mode: "help" }
  | ({ mode: "adapter"; command: string[]; families?: Family[]; seed?: number; cases?: number } & Common)
  | ({
    mode: "blackbox";
    target: string;
    node: { ed25519: string; x25519: string };
    relay?: { ed25519: string; x25519: string };
    /** False: report the padding checks `unsupported` (nodes that do not pad, like the reference). */
    paddingCheck?: boolean;
  } & Common);

/** Usage text. */
export const USAGE = `usage:
  npm run conformance -- --impl "<adapter command>" [options]
  npm run conformance -- [options] -- <adapter program> [args…]
  npm run conformance -- --target http://HOST:PORT --node <ed25519hex>:<x25519hex> [--relay <ed>:<x>] [options]

adapter mode (an implementation driven through the adapter protocol, conformance/README.md):
  --impl "<command>"         the adapter, split like a shell would (quotes, backslashes); or after --
  --families a,b,…           only these families (${FAMILIES.join(", ")})
  --seed N                   property-case seed (default 1; printed in the report)
  --cases N                  property cases per family (default 20; 0 = published vectors only)

black-box mode (a running node over HTTP):
  --target URL --node ed:x   the node under test and its Ed25519:X25519 public keys (hex)
  --relay ed:x               a second node, for relay checks
  --no-padding-check         report the reply-padding checks as unsupported (the reference does not pad)

both:
  --json                     print the JSON report instead of the summary
  --out FILE                 also write the JSON report to FILE
  --known-failures F         known-failures file (path, or name in conformance/known_failures/);
                             default: the file named after the adapter, if any
  --no-known-failures        apply none
  --write-known-failures F   write this run's failures as a known-failures file
  --timeout-ms N             per-request deadline (default 10000)
  --help

exit status: 0 = no unexpected results, 1 = failures or unexpected passes, 2 = usage error`;

/** Hex digits of a 32-byte key. */
const KEY_HEX = /^[0-9a-fA-F]{64}$/;
/** Largest accepted per-request deadline (10 minutes). */
const MAX_TIMEOUT_MS = 600_000;

function keyPair(value: string, flag: string): { ed25519: string; x25519: string } {
  const [ed25519, x25519, ...rest] = value.split(":");
  if (rest.length > 0 || !KEY_HEX.test(ed25519 ?? "") || !KEY_HEX.test(x25519 ?? "")) {
    throw new SyntaxError(`Cannot read ${flag}: expected <ed25519 hex>:<x25519 hex>, 64 hex digits each`);
  }
  return { ed25519: ed25519.toLowerCase(), x25519: x25519.toLowerCase() };
}

function integer(value: string, flag: string, min: number, max: number): number {
  if (!/^-?[0-9]+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new RangeError(`Cannot read ${flag}: "${value}" is not an integer in ${min}…${max}`);
  }
  return Number(value);
}

/**
 * Parse the command line.
 *
 * @param args the arguments after the script name
 * @returns the command
 * @throws {SyntaxError | RangeError} on a usage error (the message says which option)
 * @example
 * ```ts
 * import { parseCliArgs } from "./cli.ts";
 * const c = parseCliArgs(["--impl", "python3 'my adapter.py'", "--families", "hop,layer", "--cases", "5"]);
 * if (c.mode !== "adapter" || c.command[1] !== "my adapter.py" || c.families?.length !== 2) throw new Error("bad");
 * const b = parseCliArgs(["--target", "http://127.0.0.1:8080", "--node", "aa".repeat(32) + ":" + "bb".repeat(32)]);
 * if (b.mode !== "blackbox" || b.node.x25519 !== "bb".repeat(32)) throw new Error("bad");
 * ```
 */
export function parseCliArgs(args: readonly string[]): CliCommand {
  const dash = args.indexOf("--");
  const own = dash >= 0 ? args.slice(0, dash) : [...args];
  const rest = dash >= 0 ? args.slice(dash + 1) : [];
  const o: Record<string, string> = {};
  const flags = new Set<string>();
  const VALUED = new Set([
    "--impl",
    "--families",
    "--seed",
    "--cases",
    "--out",
    "--known-failures",
    "--write-known-failures",
    "--timeout-ms",
    "--target",
    "--node",
    "--relay",
  ]);
  const BOOLEAN = new Set(["--json", "--no-known-failures", "--no-padding-check", "--help", "-h"]);
  for (let i = 0; i < own.length; i++) {
    let a = own[i], value: string | undefined;
    const eq = a.indexOf("=");
    if (a.startsWith("--") && eq > 0) [a, value] = [a.slice(0, eq), a.slice(eq + 1)];
    if (BOOLEAN.has(a) && value === undefined) {
      flags.add(a);
    } else if (VALUED.has(a)) {
      value ??= own[++i];
      if (value === undefined) throw new SyntaxError(`Cannot read ${a}: it needs a value`);
      if (a in o) throw new SyntaxError(`Cannot read ${a}: given twice`);
      o[a] = value;
    } else {
      throw new SyntaxError(`Cannot read arguments: unknown option "${a}"`);
    }
  }
  if (flags.has("--help") || flags.has("-h")) return { mode: "help" };
  if (o["--known-failures"] !== undefined && flags.has("--no-known-failures")) {
    throw new SyntaxError("Cannot read arguments: --known-failures and --no-known-failures together");
  }
  const common: Common = {
    json: flags.has("--json"),
    ...(o["--out"] !== undefined ? { out: o["--out"] } : {}),
    ...(flags.has("--no-known-failures")
      ? { knownFailures: null }
      : o["--known-failures"] !== undefined
      ? { knownFailures: o["--known-failures"] }
      : {}),
    ...(o["--write-known-failures"] !== undefined ? { writeKnownFailures: o["--write-known-failures"] } : {}),
    ...(o["--timeout-ms"] !== undefined
      ? { timeoutMs: integer(o["--timeout-ms"], "--timeout-ms", 1, MAX_TIMEOUT_MS) }
      : {}),
  };

  const blackbox = o["--target"] !== undefined || o["--node"] !== undefined || o["--relay"] !== undefined;
  const adapter = o["--impl"] !== undefined || rest.length > 0;
  if (blackbox && adapter) throw new SyntaxError("Cannot read arguments: --impl and --target are two different modes");
  if (blackbox) {
    for (const f of ["--families", "--seed", "--cases"]) {
      if (o[f] !== undefined) throw new SyntaxError(`Cannot read arguments: ${f} is for adapter mode`);
    }
    if (o["--target"] === undefined || o["--node"] === undefined) {
      throw new SyntaxError("Cannot read arguments: black-box mode needs both --target and --node");
    }
    let url: URL;
    try {
      url = new URL(o["--target"]);
    } catch {
      throw new SyntaxError(`Cannot read --target: "${o["--target"]}" is not a URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new SyntaxError(`Cannot read --target: "${o["--target"]}" is not http(s)`);
    }
    return {
      mode: "blackbox",
      target: o["--target"],
      node: keyPair(o["--node"], "--node"),
      ...(o["--relay"] !== undefined ? { relay: keyPair(o["--relay"], "--relay") } : {}),
      ...(flags.has("--no-padding-check") ? { paddingCheck: false } : {}),
      ...common,
    };
  }
  if (!adapter) throw new SyntaxError('Cannot read arguments: give --impl "<command>" (or -- <command>) or --target');
  if (o["--impl"] !== undefined && rest.length > 0) {
    throw new SyntaxError("Cannot read arguments: give the adapter either with --impl or after --, not both");
  }
  const command = o["--impl"] !== undefined ? shellWords(o["--impl"]) : rest;
  if (command.length === 0) throw new SyntaxError("Cannot read --impl: the command is empty");
  let families: Family[] | undefined;
  if (o["--families"] !== undefined) {
    families = o["--families"].split(",").map((f) => f.trim()).filter((f) => f.length > 0) as Family[];
    const unknown = families.find((f) => !FAMILIES.includes(f));
    if (unknown !== undefined || families.length === 0) {
      throw new SyntaxError(`Cannot read --families: "${unknown ?? ""}" is not one of ${FAMILIES.join(", ")}`);
    }
  }
  return {
    mode: "adapter",
    command,
    ...(families ? { families } : {}),
    ...(o["--seed"] !== undefined ? { seed: integer(o["--seed"], "--seed", 0, Number.MAX_SAFE_INTEGER) } : {}),
    ...(o["--cases"] !== undefined ? { cases: integer(o["--cases"], "--cases", 0, MAX_CASES) } : {}),
    ...common,
  };
}
