/**
 * The adapter protocol: how the conformance runner talks to an implementation under test that
 * runs as a child process (conformance/README.md, "Adapter protocol").
 *
 * One JSON object per line in each direction, UTF-8, `\n`-terminated; the runner writes requests
 * to the adapter's stdin and reads exactly one answer per request from its stdout (stderr is free
 * for the adapter's own logs). The runner sends one request at a time and waits for its answer;
 * the first request is always `hello`. Byte strings are lower-case hex, text is JSON text.
 *
 * ```text
 * → {"id":0,"op":"hello","args":{"protocol":"allium-conformance/1"}}
 * ← {"id":0,"result":{"protocol":"allium-conformance/1","name":"my-impl","operations":["hop.encrypt",…]}}
 * → {"id":1,"op":"hop.decrypt","args":{"encType":"aes-gcm","role":"server",…,"blob":"…"}}
 * ← {"id":1,"error":{"class":"ONION_AUTH_FAILED","message":"bad tag"}}
 * → {"id":2,"op":"onion.peel","args":{…}}
 * ← {"id":2,"unsupported":true}
 * ```
 *
 * @module
 */

/** Protocol name and version; a change that breaks adapters gets a new version. */
export const PROTOCOL_VERSION = "allium-conformance/1";

/** The handshake operation, always request id 0. */
export const HELLO = "hello";

/**
 * Every operation an adapter may implement, with the family whose tests use it. An adapter lists
 * the ones it implements in its `hello` answer; the runner never sends the others.
 */
export const OPERATIONS = {
  "hop.derive_key": "hop",
  "hop.encrypt": "hop",
  "hop.decrypt": "hop",
  "layer.decode": "layer",
  "onion.peel": "peel",
  "onion.build": "build",
  "reply.encrypt": "reply",
  "reply.decrypt": "reply",
  "swarm.position": "swarm",
  "swarm.for_pubkey": "swarm",
  "storage.message_hash": "storage_hash",
  "storage.signature_check": "storage_sig",
} as const;

/** An operation name. */
export type Operation = keyof typeof OPERATIONS;

/** A family of tests (the first part of a test id). */
export type Family = typeof OPERATIONS[Operation];

/** Every family, in report order. */
export const FAMILIES: readonly Family[] = [
  "hop",
  "layer",
  "peel",
  "build",
  "reply",
  "swarm",
  "storage_hash",
  "storage_sig",
];

/** JSON object of an operation's arguments or result. */
export type JsonObject = Record<string, unknown>;

/** One request line. */
export interface Request {
  id: number;
  op: Operation | typeof HELLO;
  args: JsonObject;
}

/** What the adapter answered. */
export type Answer =
  /** The operation succeeded. */
  | { kind: "result"; value: JsonObject }
  /** The adapter refused the input (invalid input is refused, never "crashes"). */
  | { kind: "error"; errorClass: string | null; message: string }
  /** The adapter does not implement this operation (or this variant of it). */
  | { kind: "unsupported"; reason: string | null };

/** The `hello` answer. */
export interface Hello {
  protocol: string;
  /** Implementation name, used to find `conformance/known_failures/<name>.json`. */
  name: string;
  /** Optional free text (version, build). */
  version: string | null;
  /** The operations it implements. */
  operations: Operation[];
}

/** Thrown for an answer line that breaks the protocol (not JSON, wrong id, several answer kinds). */
export class ProtocolViolation extends Error {
  /** @param message what was wrong */
  constructor(message: string) {
    super(message);
    this.name = "ProtocolViolation";
  }
}

/** Longest excerpt of a bad line quoted in an error message. */
const EXCERPT_CHARS = 120;

function excerpt(line: string): string {
  return JSON.stringify(line.length > EXCERPT_CHARS ? line.slice(0, EXCERPT_CHARS) + "…" : line);
}

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Parse one answer line for request `id`.
 *
 * @param line the line, without its newline
 * @param id the id of the request it must answer
 * @returns the answer
 * @throws {ProtocolViolation} when the line is not one JSON object with this id and exactly one of
 *   `result` (an object), `error` (an object with an optional string `class` and `message`) or
 *   `unsupported`
 * @example
 * ```ts
 * import { parseAnswer } from "./protocol.ts";
 * const a = parseAnswer('{"id":3,"error":{"class":"ONION_FRAMING","message":"short"}}', 3);
 * if (a.kind !== "error" || a.errorClass !== "ONION_FRAMING") throw new Error("bad");
 * ```
 */
export function parseAnswer(line: string, id: number): Answer {
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch {
    throw new ProtocolViolation(`Cannot read answer: not JSON: ${excerpt(line)}`);
  }
  if (!isObject(msg)) throw new ProtocolViolation(`Cannot read answer: not a JSON object: ${excerpt(line)}`);
  if (msg.id !== id) {
    throw new ProtocolViolation(`Cannot read answer: id ${JSON.stringify(msg.id)}, expected ${id}`);
  }
  const kinds = ["result", "error", "unsupported"].filter((k) => k in msg);
  if (kinds.length !== 1) {
    throw new ProtocolViolation(
      `Cannot read answer ${id}: needs exactly one of "result", "error", "unsupported", got ${kinds.length}`,
    );
  }
  if ("result" in msg) {
    if (!isObject(msg.result)) throw new ProtocolViolation(`Cannot read answer ${id}: "result" is not an object`);
    return { kind: "result", value: msg.result };
  }
  if ("error" in msg) {
    const e = msg.error;
    if (!isObject(e)) throw new ProtocolViolation(`Cannot read answer ${id}: "error" is not an object`);
    const errorClass = typeof e.class === "string" && e.class.length > 0 ? e.class : null;
    return { kind: "error", errorClass, message: typeof e.message === "string" ? e.message : "" };
  }
  const u = msg.unsupported;
  return { kind: "unsupported", reason: typeof u === "string" ? u : null };
}

/**
 * Read the `hello` answer.
 *
 * @param answer the parsed answer to request 0
 * @returns the adapter's name and operations
 * @throws {ProtocolViolation} when it is not a result naming this protocol version, a name and a
 *   list of operations
 * @example
 * ```ts
 * import { parseAnswer, parseHello, PROTOCOL_VERSION } from "./protocol.ts";
 * const line = JSON.stringify({ id: 0, result: { protocol: PROTOCOL_VERSION, name: "x", operations: ["hop.encrypt", "future.op"] } });
 * const hello = parseHello(parseAnswer(line, 0));
 * if (hello.operations.join() !== "hop.encrypt") throw new Error("unknown operations are ignored");
 * ```
 */
export function parseHello(answer: Answer): Hello {
  if (answer.kind !== "result") {
    throw new ProtocolViolation(`Cannot start adapter: it answered "hello" with ${answer.kind}`);
  }
  const v = answer.value;
  if (v.protocol !== PROTOCOL_VERSION) {
    throw new ProtocolViolation(
      `Cannot start adapter: it speaks ${JSON.stringify(v.protocol)}, the runner ${JSON.stringify(PROTOCOL_VERSION)}`,
    );
  }
  if (typeof v.name !== "string" || v.name.length === 0) {
    throw new ProtocolViolation('Cannot start adapter: "hello" has no name');
  }
  if (!Array.isArray(v.operations)) {
    throw new ProtocolViolation('Cannot start adapter: "hello" has no operations list');
  }
  const operations = v.operations.filter((o): o is Operation => typeof o === "string" && Object.hasOwn(OPERATIONS, o));
  return { protocol: v.protocol, name: v.name, version: typeof v.version === "string" ? v.version : null, operations };
}
