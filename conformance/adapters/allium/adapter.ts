/**
 * allium's conformance adapter: the adapter protocol (conformance/README.md) over stdin/stdout,
 * with every operation implemented by the public API (`operations.ts`).
 *
 * ```sh
 * deno run -A conformance/adapters/allium/adapter.ts                 # allium itself
 * deno run -A conformance/adapters/allium/adapter.ts --break kdf     # layer keys off by one byte
 * deno run -A conformance/adapters/allium/adapter.ts --break crash:layer.decode
 * ```
 *
 * `--break` makes a deliberately broken implementation, to test the runner:
 * `kdf` flips one byte of every derived layer key; `crash:<op>` exits when asked `<op>`;
 * `hang:<op>` stops answering at `<op>`; `garbage:<op>` answers `<op>` with a line that is not JSON.
 *
 * @module
 */

import { defaultProvider, isProtocolError } from "../../../mod.ts";
import { breakKdf } from "./broken_provider.ts";
import { errorClass, type Json, OPERATIONS, type Providers } from "./operations.ts";

/** The adapter protocol version this adapter speaks. */
const PROTOCOL = "allium-conformance/1";
/** Exit code of `--break crash:<op>`. */
const CRASH_EXIT_CODE = 70;

/** A parsed `--break` option. */
export type Break =
  | { kind: "none" }
  | { kind: "kdf" }
  | { kind: "crash" | "hang" | "garbage"; op: string };

/**
 * Read the command line.
 *
 * @param args `Deno.args`
 * @returns what to break
 * @throws {SyntaxError} on an unknown argument or `--break` value
 * @example
 * ```ts
 * import { parseAdapterArgs } from "./adapter.ts";
 * const b = parseAdapterArgs(["--break", "hang:onion.peel"]);
 * if (b.kind !== "hang" || b.op !== "onion.peel") throw new Error("bad");
 * ```
 */
export function parseAdapterArgs(args: readonly string[]): Break {
  if (args.length === 0) return { kind: "none" };
  if (args.length !== 2 || args[0] !== "--break") {
    throw new SyntaxError(`Cannot start adapter: usage: adapter.ts [--break kdf|crash:<op>|hang:<op>|garbage:<op>]`);
  }
  if (args[1] === "kdf") return { kind: "kdf" };
  const m = /^(crash|hang|garbage):([a-z_.]+)$/.exec(args[1]);
  if (!m) throw new SyntaxError(`Cannot start adapter: unknown --break value "${args[1]}"`);
  return { kind: m[1] as "crash" | "hang" | "garbage", op: m[2] };
}

function nameOf(b: Break): string {
  if (b.kind === "none") return "allium";
  return `allium (broken: ${b.kind === "kdf" ? "kdf" : `${b.kind} on ${b.op}`})`;
}

/**
 * Answer one request line.
 *
 * @param line the request
 * @param b what to break
 * @param providers the crypto providers
 * @returns the answer line, or undefined to say nothing (hang)
 * @example
 * ```ts
 * import { answer } from "./adapter.ts";
 * import { nobleProvider } from "../../../mod.ts";
 * const line = await answer('{"id":1,"op":"layer.decode","args":{"body":"01000000ff7b7d"}}', { kind: "none" }, { onion: nobleProvider, plain: nobleProvider });
 * if (line !== '{"id":1,"result":{"blob":"ff","trailer":"7b7d"}}') throw new Error(line);
 * ```
 */
export async function answer(line: string, b: Break, providers: Providers): Promise<string | undefined> {
  let req: { id?: unknown; op?: unknown; args?: unknown };
  try {
    req = JSON.parse(line);
  } catch {
    return JSON.stringify({ id: null, error: { class: "BAD_REQUEST", message: "request is not JSON" } });
  }
  const id = req.id, op = String(req.op);
  if (op === "hello") {
    return JSON.stringify({
      id,
      result: { protocol: PROTOCOL, name: nameOf(b), version: "0.1.0", operations: Object.keys(OPERATIONS) },
    });
  }
  if (b.kind !== "none" && b.kind !== "kdf" && b.op === op) {
    if (b.kind === "crash") Deno.exit(CRASH_EXIT_CODE);
    if (b.kind === "hang") return undefined;
    return "this is not JSON";
  }
  const fn = OPERATIONS[op];
  if (fn === undefined) return JSON.stringify({ id, unsupported: true });
  try {
    return JSON.stringify({ id, result: await fn((req.args ?? {}) as Json, providers) });
  } catch (e) {
    const message = isProtocolError(e) || e instanceof Error ? e.message : String(e);
    return JSON.stringify({ id, error: { class: errorClass(e), message } });
  }
}

async function main(args: string[]): Promise<number> {
  let b: Break;
  try {
    b = parseAdapterArgs(args);
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const real = await defaultProvider();
  const providers: Providers = { onion: b.kind === "kdf" ? breakKdf(real) : real, plain: real };
  const out = new TextEncoder();
  let buffer = "";
  let hung = false;
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (hung || line.trim() === "") continue;
      const reply = await answer(line, b, providers);
      if (reply === undefined) {
        hung = true;
        continue;
      }
      await Deno.stdout.write(out.encode(reply + "\n"));
    }
  }
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
