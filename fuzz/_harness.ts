/**
 * The fuzz harness shared by `run.ts` (time-boxed, in workers) and `fuzz_smoke_test.ts` (short,
 * in process): target shape, corpus loading, the mixed input arbitrary and one campaign
 * (corpus replay, then generated inputs under a fixed seed).
 *
 * A target passes when the only thing that escapes is `ProtocolError` (style.md rule 12), or, for
 * a decoder that refuses input with another error class by design (storage RPC: `StorageRpcError`;
 * file parsers: `SyntaxError` / `TypeError` / `RangeError` with their "Cannot load …" message), the
 * refusal its {@link FuzzTarget.isRefusal} defines precisely. Targets also check oracles (round
 * trips, differential parsing) and throw {@link InvariantError} when one fails; that is a finding
 * too.
 *
 * @module
 */

import fc from "fast-check";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type CryptoProvider,
  defaultProvider,
  fromHex,
  ProtocolError,
  providerByName,
  type ProviderName,
} from "../mod.ts";
import { mutatedArb } from "./_mutate.ts";

/** A fuzz target: one decoder or entry point. */
export interface FuzzTarget {
  /** Target name: the file stem under `targets/` and the corpus folder. */
  name: string;
  /**
   * Run one input; throwing anything but `ProtocolError` (or what `isRefusal` accepts) is a
   * finding. Entry points that answer every input instead of throwing return `"refused"` for a
   * refusal, so that it is tallied as one.
   */
  fuzz(input: Uint8Array): Promise<void | "refused"> | void | "refused";
  /**
   * The target's expected refusals besides `ProtocolError` (for decoders that throw another class
   * by design). Must be precise: class and message shape, never "any Error".
   */
  isRefusal?(err: unknown): boolean;
  /** Structured inputs that reach deep code (mutations of valid inputs, grammars). */
  structured: fc.Arbitrary<Uint8Array>;
  /** Dictionary tokens for byte mutations of corpus entries. */
  tokens?: readonly string[];
  /** Seeds too large to commit (1 MiB trailers, depth bombs), replayed after the corpus. */
  seeds?(): { name: string; input: Uint8Array }[];
  /**
   * Findings reported and not fixed yet: oracle failures (`InvariantError`) whose message matches
   * `pattern` are counted as `tolerated` when a run asks for it (`--tolerate-open`, and the smoke
   * test), so that the target keeps fuzzing and `npm test` stays green until the fix lands. Remove
   * the entry with the fix: the reproducer in the corpus then guards against a regression.
   */
  open?: readonly OpenFinding[];
}

/** A finding reported to the lead and not fixed yet. */
export interface OpenFinding {
  /** Matches the oracle's message. */
  pattern: RegExp;
  /** The corpus file that reproduces it. */
  reproducer: string;
  /** The file and function at fault. */
  at: string;
}

/** An oracle of a target failed: a finding even though no exception escaped the decoder. */
export class InvariantError extends Error {
  /** @param message what did not hold */
  constructor(message: string) {
    super(message);
    this.name = "InvariantError";
  }
}

/**
 * Check an invariant.
 *
 * @param ok the condition
 * @param message what did not hold
 * @throws {InvariantError} when `ok` is false
 */
export function invariant(ok: unknown, message: string): asserts ok {
  if (!ok) throw new InvariantError(message);
}

let provider: CryptoProvider | undefined;

/** Choose the provider targets use (default: the runtime default). */
export async function useProvider(name?: ProviderName): Promise<CryptoProvider> {
  provider = name === undefined ? await defaultProvider() : await providerByName(name);
  return provider;
}

/** The provider targets use. */
export function currentProvider(): CryptoProvider {
  if (provider === undefined) throw new Error("fuzz harness: call useProvider() first");
  return provider;
}

/**
 * Run `fn`, returning undefined when it throws `ProtocolError` (an accepted rejection).
 *
 * @param fn the call under test
 * @returns its result, or undefined when it refused the input
 */
export async function allowRejection<T>(fn: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ProtocolError) return undefined;
    throw err;
  }
}

/** Synchronous {@link allowRejection}. */
export function allowRejectionSync<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ProtocolError) return undefined;
    throw err;
  }
}

/** A corpus entry. */
export interface CorpusEntry {
  /** File name (or seed name). */
  name: string;
  /** The bytes. */
  input: Uint8Array;
}

/** Folder of a target's corpus. */
export function corpusDir(target: string): string {
  return new URL(`./corpus/${target}/`, import.meta.url).pathname;
}

/**
 * Read a corpus folder: `*.hex` files are hex text (whitespace and `#` comment lines ignored);
 * every other file except `README*` is raw bytes (findings are written raw).
 *
 * @param dir the folder
 * @returns the entries, sorted by name
 */
export function loadCorpus(dir: string): CorpusEntry[] {
  if (!existsSync(dir)) return [];
  const out: CorpusEntry[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith("README") || name.startsWith(".")) continue;
    const raw = readFileSync(join(dir, name));
    if (name.endsWith(".hex")) {
      const text = new TextDecoder().decode(raw).split("\n").filter((l) => !l.trimStart().startsWith("#")).join("")
        .replace(/\s+/g, "");
      out.push({ name, input: fromHex(text) });
    } else {
      out.push({ name, input: new Uint8Array(raw) });
    }
  }
  return out;
}

/** Inputs: structured (most), mutated corpus entries, and plain random bytes. */
export function mixedArbitrary(target: FuzzTarget, corpus: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const small = corpus.filter((c) => c.length <= 64 * 1024);
  return fc.oneof(
    { arbitrary: target.structured, weight: 6 },
    { arbitrary: mutatedArb(small, target.tokens ?? []), weight: 3 },
    { arbitrary: fc.uint8Array({ maxLength: 2048, size: "max" }), weight: 1 },
  );
}

/** A non-ProtocolError that escaped, with the input that caused it. */
export interface Finding {
  /** `exception` (something other than ProtocolError escaped or an oracle failed), `hang`, `memory`. */
  kind: "exception" | "hang" | "memory";
  /** The input. */
  input: Uint8Array;
  /** Error name, message and stack. */
  error: string;
  /** Where it came from: a corpus file, a seed, or the generated run (with fast-check's path). */
  origin: string;
}

/** Options of one campaign. */
export interface CampaignOptions {
  /** fast-check seed for the generated inputs. */
  seed: number;
  /** Time box for the generated inputs, seconds. */
  seconds: number;
  /** Most generated inputs (default unbounded). */
  maxRuns?: number;
  /** Called before each input runs (the worker copies it to shared memory for the watchdog). */
  onInput?: (input: Uint8Array) => void;
  /** Skip generated inputs: replay the corpus and seeds only. */
  corpusOnly?: boolean;
  /**
   * Oracle failures (InvariantError, never an escaped exception) whose message matches are
   * counted as `tolerated` instead of stopping the run: for fuzzing on while a known finding
   * waits for its fix.
   */
  tolerate?: RegExp;
  /** Also tolerate the target's {@link FuzzTarget.open} findings. */
  tolerateOpen?: boolean;
}

/**
 * The tolerance of a campaign: the caller's pattern and, when asked, the target's open findings.
 *
 * @param target the target
 * @param options the campaign options
 * @returns one pattern, or undefined
 */
export function tolerance(target: FuzzTarget, options: CampaignOptions): RegExp | undefined {
  const sources = [
    ...(options.tolerate ? [options.tolerate.source] : []),
    ...(options.tolerateOpen ? (target.open ?? []).map((o) => o.pattern.source) : []),
  ];
  return sources.length === 0 ? undefined : new RegExp(sources.map((x) => `(?:${x})`).join("|"));
}

/** What a campaign did. */
export interface CampaignResult {
  /** Target name. */
  target: string;
  /** Seed used. */
  seed: number;
  /** Corpus files and seeds replayed. */
  replayed: number;
  /** Generated inputs run (including shrinking attempts). */
  generated: number;
  /** Inputs refused with ProtocolError. */
  rejected: number;
  /** Inputs accepted. */
  accepted: number;
  /** Oracle failures matching `tolerate`. */
  tolerated: number;
  /** Wall time, seconds. */
  seconds: number;
  /** Findings (an exception in the generated run is shrunk first). */
  findings: Finding[];
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    let s = err.stack ?? `${err.name}: ${err.message}`;
    let cause = err.cause;
    while (cause instanceof Error) {
      s += `\nCaused by: ${cause.stack ?? cause.message}`;
      cause = cause.cause;
    }
    return s;
  }
  return `non-Error thrown: ${String(err)}`;
}

/**
 * Run one campaign: replay the corpus and the target's seeds, then generated inputs with a fixed
 * seed until the time box or `maxRuns`.
 *
 * @param target the target
 * @param options seed, time box, bounds
 * @returns counts and findings
 */
export async function runCampaign(target: FuzzTarget, options: CampaignOptions): Promise<CampaignResult> {
  const started = performance.now();
  const result: CampaignResult = {
    target: target.name,
    seed: options.seed,
    replayed: 0,
    generated: 0,
    rejected: 0,
    accepted: 0,
    tolerated: 0,
    seconds: 0,
    findings: [],
  };
  const tolerate = tolerance(target, options);
  const runOne = async (input: Uint8Array): Promise<void> => {
    options.onInput?.(input);
    try {
      if (await target.fuzz(input) === "refused") result.rejected++;
      else result.accepted++;
    } catch (err) {
      if (err instanceof InvariantError && tolerate?.test(err.message)) {
        result.tolerated++;
        return;
      }
      if (!(err instanceof ProtocolError) && !(target.isRefusal?.(err) ?? false)) throw err;
      result.rejected++;
    }
  };

  const corpus = loadCorpus(corpusDir(target.name));
  const entries = [...corpus, ...(target.seeds?.() ?? [])];
  for (const e of entries) {
    result.replayed++;
    try {
      await runOne(e.input);
    } catch (err) {
      result.findings.push({ kind: "exception", input: e.input, error: describe(err), origin: `corpus ${e.name}` });
    }
  }

  if (!options.corpusOnly && result.findings.length === 0) {
    const arb = mixedArbitrary(target, corpus.map((c) => c.input));
    const property: fc.IAsyncProperty<[Uint8Array]> = fc.asyncProperty(arb, async (input) => {
      result.generated++;
      await runOne(input);
    });
    const details = await fc.check<[Uint8Array]>(
      property,
      {
        seed: options.seed,
        numRuns: options.maxRuns ?? Number.MAX_SAFE_INTEGER,
        plugins: [fc.interruptAfterTimeLimit(options.seconds * 1000)],
      },
    );
    if (details.failed && details.counterexample) {
      result.findings.push({
        kind: "exception",
        input: details.counterexample[0],
        error: describe(details.errorInstance),
        origin: `generated: seed ${
          details.seed >>> 0
        }, path "${details.counterexamplePath}", after ${details.numRuns} runs, ${details.numShrinks} shrinks`,
      });
    }
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

const LOADERS: Readonly<Record<string, () => Promise<{ target: FuzzTarget }>>> = {
  peel_onion: () => import("./targets/peel_onion.ts"),
  layer_codec: () => import("./targets/layer_codec.ts"),
  trailer_json: () => import("./targets/trailer_json.ts"),
  bencode: () => import("./targets/bencode.ts"),
  reply: () => import("./targets/reply.ts"),
  storage_params: () => import("./targets/storage_params.ts"),
  storage_auth: () => import("./targets/storage_auth.ts"),
  handover_blob: () => import("./targets/handover_blob.ts"),
  sn_onion_request: () => import("./targets/sn_onion_request.ts"),
  registry_file: () => import("./targets/registry_file.ts"),
  directory_file: () => import("./targets/directory_file.ts"),
  gateway_route: () => import("./targets/gateway_route.ts"),
  storage_rpc: () => import("./targets/storage_rpc.ts"),
  session_message: () => import("./targets/session_message.ts"),
  sealed_box: () => import("./targets/sealed_box.ts"),
  signal_message: () => import("./targets/signal_message.ts"),
  sender_key_message: () => import("./targets/sender_key_message.ts"),
  ratchet_state: () => import("./targets/ratchet_state.ts"),
  session_record: () => import("./targets/session_record.ts"),
  sender_key_record: () => import("./targets/sender_key_record.ts"),
  attachment: () => import("./targets/attachment.ts"),
  secretstream: () => import("./targets/secretstream.ts"),
};

/** Names of the targets, in run order. */
export const TARGET_NAMES: readonly string[] = Object.keys(LOADERS);

/**
 * Load a target module by name.
 *
 * @param name one of {@link TARGET_NAMES}
 * @returns the target
 * @throws {RangeError} for an unknown name
 */
export async function loadTarget(name: string): Promise<FuzzTarget> {
  if (!Object.hasOwn(LOADERS, name)) {
    throw new RangeError(`Cannot load fuzz target: unknown name "${name}" (known: ${TARGET_NAMES.join(", ")})`);
  }
  return (await LOADERS[name]()).target;
}

/** A per-target seed derived from the run seed, so `--target X --seed S` repeats a full run's inputs. */
export function targetSeed(seed: number, name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (seed ^ h) >>> 0;
}
