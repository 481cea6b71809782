/**
 * Shared fixtures of the storage-RPC fuzz targets (`storage_params`, `storage_auth`,
 * `storage_rpc`): fixed accounts (an `03` group, a `05` Session ID with its Ed25519 key, a
 * subaccount token), requests of every method signed at a fixed time through the synchronous
 * `noble` provider, their bencoded form, value-level mutations, and the input format the targets
 * share.
 *
 * ## Input format
 *
 * `<header line>\n<params bytes>`. The header line is `<method> [now=<ms>] [fwd] [hf=<major>.<minor>]`
 * (the method as sent, aliases included; the other tokens are read by `storage_auth` only). The
 * params bytes go to `parseRequestBytes` unchanged: empty = `{}`, a leading `d` = bencoded dict,
 * anything else = JSON text (swarms-and-storage.md §5).
 *
 * @module
 */

import fc from "fast-check";
import {
  bencode,
  type BValue,
  concat,
  fromBase64,
  fromHex,
  nobleProvider,
  requestSigningBytes,
  type SignedRequest,
  toBase64,
  toHex,
  utf8,
} from "../mod.ts";

/** The fixed time of signed requests (ms). */
export const NOW = 1_700_000_000_000;
const SECOND = 1000;
const DAY = 86_400 * SECOND;

function sync<T>(v: T | Promise<T>): T {
  if (v instanceof Promise) throw new TypeError("Cannot use provider: expected a synchronous answer");
  return v;
}

/** An account with the Ed25519 seed that signs for it. */
export interface FuzzAccount {
  /** 66-hex account id. */
  hex: string;
  /** Ed25519 seed of the signing key. */
  seed: Uint8Array;
  /** Ed25519 public key (hex) of the signing key. */
  ed25519: string;
}

function ed(seed: Uint8Array): Uint8Array {
  return sync(nobleProvider.ed25519PublicKey(seed));
}

/** An `03` (group) account: the account key signs. */
export const GROUP: FuzzAccount = (() => {
  const seed = new Uint8Array(32).fill(0x41);
  return { hex: "03" + toHex(ed(seed)), seed, ed25519: toHex(ed(seed)) };
})();

/** A `05` Session ID: `pubkey_ed25519` signs and converts to the account's X25519 key (§6.2). */
export const SESSION: FuzzAccount = (() => {
  const seed = new Uint8Array(32).fill(0x42);
  const pub = ed(seed);
  const x = sync(nobleProvider.ed25519PublicToX25519(pub));
  return { hex: "05" + toHex(x), seed, ed25519: toHex(pub) };
})();

/** An account of another swarm (`storage_rpc` answers 421 for it). */
export const FOREIGN: FuzzAccount = (() => {
  const seed = new Uint8Array(32).fill(0x44);
  return { hex: "03" + toHex(ed(seed)), seed, ed25519: toHex(ed(seed)) };
})();

/** Seed of the subaccount key. */
export const SUB_SEED: Uint8Array = new Uint8Array(32).fill(0x43);
const SUB_PUBLIC = ed(SUB_SEED);

/** A subaccount token of {@link GROUP}: prefix ‖ flags ‖ reserved(2) ‖ key (§6.2). */
export function subToken(flags: number, reserved = 0): Uint8Array {
  return Uint8Array.from([0x03, flags, reserved, 0, ...SUB_PUBLIC]);
}

/** Reserved byte marking a token as revoked in the targets' revocation lookup. */
const REVOKED_MARK = 0xee;

/** Tokens the generators use: full access, read only, any-prefix, and one the targets treat as revoked. */
export const TOKENS: readonly Uint8Array[] = [
  subToken(0x07),
  subToken(0x01),
  subToken(0x0f),
  subToken(0x07, REVOKED_MARK),
];

/**
 * The targets' revocation lookup: a token whose first reserved byte is 0xee is revoked.
 *
 * @param _account the account
 * @param token the token
 * @returns whether it is revoked
 */
export function isRevokedToken(_account: unknown, token: Uint8Array): boolean {
  return token.length > 2 && token[2] === REVOKED_MARK;
}

const signatures = new Map<string, Uint8Array>();

/** Ed25519 signature by `seed`, cached (requests repeat a few signed strings). */
export function sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  const key = toHex(seed.subarray(0, 1)) + toHex(message);
  let sig = signatures.get(key);
  if (sig === undefined) {
    if (signatures.size > 50_000) signatures.clear();
    sig = sync(nobleProvider.ed25519Sign(seed, message));
    signatures.set(key, sig);
  }
  return sig;
}

/** Three 43-character hashes (the `storage_rpc` target stores messages under them). */
export const HASHES: readonly string[] = [
  "A".repeat(42) + "Q",
  "B".repeat(42) + "g",
  "xyz+/0123456789".repeat(3).slice(0, 43),
];

/** Who signs a generated request. */
export type Signer =
  | "group"
  | "session"
  | "session-no-ed"
  | "sub"
  | "sub-read"
  | "sub-any"
  | "sub-revoked"
  | "foreign"
  | "small-order";

/**
 * An `03` account whose key is the Ed25519 identity point (small order), with the signature
 * (R = identity, S = 0) that a verifier without the small-order check accepts for any message.
 */
export const SMALL_ORDER: { hex: string; signature: Uint8Array } = {
  hex: "0301" + "00".repeat(31),
  signature: Uint8Array.from({ length: 64 }, (_, i) => (i === 0 ? 1 : 0)),
};

/** What a generated request is made of. */
export interface RequestSpec {
  /** Method name as sent. */
  method: string;
  /** Who signs. */
  signer: Signer;
  /** Signature: right, wrong (one bit flipped) or absent. */
  sig: "good" | "bad" | "none";
  /** Namespace (`undefined` = omitted). */
  namespace: number | "all" | undefined;
  /** Offset of the request timestamp from {@link NOW}, ms. */
  t: number;
  /** Offset of the second time (expiry, before, TTL …), ms. */
  t2: number;
  /** Message hashes. */
  hashes: string[];
  /** Message data. */
  data: Uint8Array;
  /** required / shorten / extend, ttl instead of expiry, one expiry per message. */
  flags: { required: boolean; shorten: boolean; extend: boolean; ttl: boolean; perMessage: boolean };
  /** Sub-requests of batch / sequence. */
  subs: RequestSpec[];
}

const METHOD_NAMES = [
  "store",
  "retrieve",
  "info",
  "get_swarm",
  "get_snodes_for_pubkey",
  "delete",
  "delete_all",
  "delete_before",
  "expire_all",
  "expire",
  "get_expiries",
  "revoke_subaccount",
  "unrevoke_subaccount",
];

/** Every method name parseRequest knows, plus unknown ones. */
export const ALL_METHOD_NAMES: readonly string[] = [
  ...METHOD_NAMES,
  "batch",
  "sequence",
  "ifelse",
  "oxend_request",
  "monitor.messages",
  "__proto__",
  "constructor",
  "",
  "STORE",
];

function signerAccount(s: Signer): FuzzAccount {
  return s === "session" || s === "session-no-ed" ? SESSION : s === "foreign" ? FOREIGN : GROUP;
}

function signerToken(s: Signer): Uint8Array | undefined {
  switch (s) {
    case "sub":
      return TOKENS[0];
    case "sub-read":
      return TOKENS[1];
    case "sub-any":
      return TOKENS[2];
    case "sub-revoked":
      return TOKENS[3];
    default:
      return undefined;
  }
}

/** The signed string of a spec, or undefined when the method has none. */
function signedBytes(spec: RequestSpec, p: Record<string, unknown>): Uint8Array | undefined {
  const ns = spec.namespace;
  const num = ns === "all" ? undefined : ns;
  let r: SignedRequest;
  switch (spec.method) {
    case "store":
      r = { method: "store", namespace: num, sigTimestamp: p.timestamp as number };
      break;
    case "retrieve":
      r = { method: "retrieve", namespace: num, timestamp: p.timestamp as number };
      break;
    case "delete":
      r = { method: "delete", messages: spec.hashes };
      break;
    case "delete_all":
      r = { method: "delete_all", namespace: ns, timestamp: p.timestamp as number };
      break;
    case "delete_before":
      r = { method: "delete_before", namespace: ns, before: p.before as number };
      break;
    case "expire_all":
      r = { method: "expire_all", namespace: ns, expiry: p.expiry as number };
      break;
    case "expire": {
      const mode = spec.flags.shorten ? "shorten" : spec.flags.extend ? "extend" : undefined;
      r = { method: "expire", mode, expiry: p.expiry as number | number[], messages: spec.hashes };
      break;
    }
    case "get_expiries":
      r = { method: "get_expiries", timestamp: p.timestamp as number, messages: spec.hashes };
      break;
    case "revoke_subaccount":
    case "unrevoke_subaccount":
      return concat(utf8(`${spec.method}${p.timestamp}`), ...TOKENS.slice(0, 2));
    default:
      return undefined;
  }
  try {
    return requestSigningBytes(r);
  } catch {
    return undefined; // e.g. a namespace out of range: sign something else, the request is refused anyway
  }
}

/**
 * The JSON params of a spec, signed as it says.
 *
 * @param spec the request
 * @returns params object (JSON values only)
 */
export function specParams(spec: RequestSpec): Record<string, unknown> {
  const account = signerAccount(spec.signer);
  const p: Record<string, unknown> = {};
  const ts = NOW + spec.t;
  const t2 = NOW + spec.t2;
  switch (spec.method) {
    case "info":
      return p;
    case "batch":
    case "sequence":
      return { requests: spec.subs.map((s) => ({ method: s.method, params: specParams(s) })) };
    case "store":
      p.timestamp = ts;
      if (spec.flags.ttl) p.ttl = spec.t2 - spec.t;
      else p.expiry = t2;
      p.data = toBase64(spec.data);
      break;
    case "retrieve":
      p.timestamp = ts;
      if (spec.hashes.length > 0) p.last_hash = spec.hashes[0];
      break;
    case "delete":
      p.messages = spec.hashes;
      if (spec.flags.required) p.required = true;
      break;
    case "delete_all":
    case "get_expiries":
    case "revoke_subaccount":
    case "unrevoke_subaccount":
      p.timestamp = ts;
      if (spec.method === "get_expiries") p.messages = spec.hashes;
      if (spec.method === "revoke_subaccount") p.revoke = TOKENS.slice(0, 2).map(toBase64);
      if (spec.method === "unrevoke_subaccount") p.unrevoke = TOKENS.slice(0, 2).map(toHex);
      break;
    case "delete_before":
      p.before = t2;
      break;
    case "expire_all":
      p.expiry = t2;
      break;
    case "expire":
      p.messages = spec.hashes;
      p.expiry = spec.flags.perMessage ? spec.hashes.map((_, i) => t2 + i) : t2;
      if (spec.flags.shorten) p.shorten = true;
      if (spec.flags.extend) p.extend = true;
      break;
  }
  p.pubkey = account.hex;
  if (spec.namespace !== undefined) p.namespace = spec.namespace;
  if (spec.method === "get_swarm" || spec.method === "get_snodes_for_pubkey") return { pubkey: account.hex };
  if (spec.sig === "none") return p;
  if (spec.signer === "small-order") {
    p.pubkey = SMALL_ORDER.hex;
    p.signature = toBase64(SMALL_ORDER.signature);
    return p;
  }
  const message = signedBytes(spec, p);
  const token = signerToken(spec.signer);
  const seed = token === undefined ? account.seed : SUB_SEED;
  const sig = message === undefined ? new Uint8Array(64) : sign(seed, message).slice();
  if (spec.sig === "bad") sig[spec.hashes.length % 64] ^= 0x01;
  p.signature = toBase64(sig);
  if (spec.signer === "session") p.pubkey_ed25519 = account.ed25519;
  if (token !== undefined) {
    p.subaccount = toBase64(token);
    p.subaccount_sig = toBase64(sign(GROUP.seed, token));
  }
  return p;
}

const BYTE_FIELDS: Readonly<Record<string, "hex" | "base64">> = {
  pubkey: "hex",
  pubKey: "hex",
  pubkey_ed25519: "hex",
  signature: "base64",
  subaccount: "base64",
  subaccount_sig: "base64",
  data: "base64",
};

/**
 * The bencoded form of JSON params (what `sn.storage_cc` / OxenMQ clients send): keys and
 * signatures raw, strings as bytes, booleans as 0/1; values bencode cannot carry become text.
 *
 * @param v a JSON value
 * @param field the field it is the value of
 * @param raw whether key fields are sent raw (else as their text)
 * @returns the bencode value
 */
export function toBt(v: unknown, field = "", raw = true): BValue {
  if (v === null || v === undefined) return utf8("");
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number") return Number.isSafeInteger(v) ? v : utf8(String(v));
  if (typeof v === "string") {
    const kind = BYTE_FIELDS[field];
    if (raw && kind === "hex" && /^([0-9a-f]{2})+$/i.test(v)) return fromHex(v);
    if (raw && kind === "base64" && /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 !== 1) {
      try {
        return fromBase64(v);
      } catch {
        return utf8(v);
      }
    }
    if (raw && (field === "revoke" || field === "unrevoke") && v.length === 48) return fromBase64(v);
    if (raw && (field === "revoke" || field === "unrevoke") && v.length === 72) return fromHex(v);
    return utf8(v);
  }
  if (Array.isArray(v)) return v.map((x) => toBt(x, field, raw));
  if (typeof v === "object") {
    const out: Record<string, BValue> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x !== undefined) out[k] = toBt(x, k === "params" ? "" : k, raw);
    }
    return out;
  }
  return utf8(String(v));
}

/** Offsets around every window of §6.3 and §7.1 (ms). */
const OFFSETS = [
  0,
  1,
  -1,
  9_999,
  10_000,
  10_001,
  -10_001,
  59_999,
  60_000,
  60_001,
  -60_000,
  -60_001,
  -70_000,
  -70_001,
  DAY,
  -DAY,
  14 * DAY,
  14 * DAY + 1,
  30 * DAY,
  30 * DAY + 1,
  -NOW,
  -NOW + 999_999_999,
  2 ** 53 - 1 - NOW,
];

const offsetArb = fc.oneof(
  { arbitrary: fc.constantFrom(...OFFSETS), weight: 4 },
  { arbitrary: fc.integer({ min: -2 * DAY, max: 31 * DAY }), weight: 1 },
);

const hashArb = fc.oneof(
  { arbitrary: fc.constantFrom(...HASHES), weight: 6 },
  {
    arbitrary: fc.constantFrom(
      "A".repeat(42),
      "A".repeat(44),
      "A".repeat(42) + "=",
      "A".repeat(42) + "-",
      "A".repeat(42) + "_",
      "hash4321",
      "",
      "A".repeat(42) + "\u00e9",
    ),
    weight: 1,
  },
);

const namespaceArb = fc.constantFrom<number | "all" | undefined>(
  undefined,
  0,
  1,
  2,
  3,
  -10,
  -21,
  11,
  111,
  -32768,
  32767,
  32768,
  "all",
);

/** A single (non-batch) request spec. */
export function specArb(methods: readonly string[] = METHOD_NAMES): fc.Arbitrary<RequestSpec> {
  return fc.record({
    method: fc.constantFrom(...methods),
    signer: fc.constantFrom<Signer>(
      "group",
      "group",
      "session",
      "session-no-ed",
      "sub",
      "sub-read",
      "sub-any",
      "sub-revoked",
      "foreign",
      "small-order",
    ),
    sig: fc.constantFrom<"good" | "bad" | "none">("good", "good", "good", "bad", "none"),
    namespace: namespaceArb,
    t: offsetArb,
    t2: fc.oneof(offsetArb, fc.constantFrom(DAY, 14 * DAY, 10_000)),
    hashes: fc.array(hashArb, { minLength: 0, maxLength: 3 }),
    data: fc.oneof(
      { arbitrary: fc.uint8Array({ maxLength: 64 }), weight: 8 },
      { arbitrary: fc.constantFrom(76_800, 76_801).map((n) => new Uint8Array(n)), weight: 1 },
    ),
    flags: fc.record({
      required: fc.boolean(),
      shorten: fc.boolean(),
      extend: fc.boolean(),
      ttl: fc.boolean(),
      perMessage: fc.boolean(),
    }),
    subs: fc.constant([] as RequestSpec[]),
  });
}

/** Specs including batch / sequence of up to 21 sub-requests. */
export const requestSpecArb: fc.Arbitrary<RequestSpec> = fc.oneof(
  { arbitrary: specArb(), weight: 8 },
  {
    arbitrary: fc.tuple(
      fc.constantFrom("batch", "sequence"),
      fc.array(specArb([...METHOD_NAMES, "batch"]), { minLength: 1, maxLength: 4 }),
      fc.nat(30),
      specArb(),
    ).map(([method, subs, n, base]) => ({
      ...base,
      method,
      subs: n >= 28 ? Array.from({ length: n - 8 }, (_, i) => subs[i % Math.max(1, subs.length)] ?? base) : subs,
    })),
    weight: 2,
  },
);

/** Values that trip type checks. */
const WEIRD_VALUES: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  -0,
  1.5,
  2 ** 53,
  -(2 ** 53),
  1e21,
  999_999_999,
  1_000_000_000,
  "",
  "x",
  "all",
  "-1",
  "1e3",
  " 1",
  "00",
  "9007199254740993",
  [],
  {},
  [1],
  ["a"],
  [[]],
  { a: 1 },
  "A".repeat(43),
  "A".repeat(86),
  "A".repeat(86) + "==",
  "A".repeat(88),
  "00".repeat(33),
  "05" + "00".repeat(32),
  "ZZ".repeat(33),
  "00".repeat(32),
  "00".repeat(36),
  "A".repeat(48),
  "\u0000",
  "\uFEFF",
  "é",
];

const FIELD_NAMES = [
  "pubkey",
  "pubKey",
  "pubkey_ed25519",
  "signature",
  "subaccount",
  "subaccount_sig",
  "timestamp",
  "sig_timestamp",
  "expiry",
  "ttl",
  "data",
  "namespace",
  "messages",
  "last_hash",
  "lastHash",
  "max_count",
  "max_size",
  "required",
  "shorten",
  "extend",
  "before",
  "revoke",
  "unrevoke",
  "requests",
  "method",
  "params",
  "__proto__",
  "unknown",
];

/** One value-level mutation of a params object. */
type ValueMutation = (p: Record<string, unknown>) => void;

const valueMutationArb: fc.Arbitrary<ValueMutation> = fc.oneof(
  // drop a field
  fc.nat().map((i): ValueMutation => (p) => {
    const keys = Object.keys(p);
    if (keys.length > 0) delete p[keys[i % keys.length]];
  }),
  // set a (known) field to a weird value
  fc.tuple(fc.constantFrom(...FIELD_NAMES), fc.constantFrom(...WEIRD_VALUES)).map(([k, v]): ValueMutation => (p) => {
    Object.defineProperty(p, k, { value: structuredClone(v), enumerable: true, writable: true, configurable: true });
  }),
  // add a field copied from another one (pubkey → pubKey etc.)
  fc.tuple(fc.nat(), fc.constantFrom(...FIELD_NAMES)).map(([i, k]): ValueMutation => (p) => {
    const keys = Object.keys(p);
    if (keys.length > 0) p[k] = p[keys[i % keys.length]];
  }),
  // wrap a field in a list, or unwrap a list
  fc.nat().map((i): ValueMutation => (p) => {
    const keys = Object.keys(p);
    if (keys.length === 0) return;
    const k = keys[i % keys.length];
    p[k] = Array.isArray(p[k]) ? (p[k] as unknown[])[0] : [p[k]];
  }),
  // nudge a number
  fc.tuple(fc.nat(), fc.constantFrom(1, -1, 1000, -1000, 0.5, 2 ** 32)).map(([i, d]): ValueMutation => (p) => {
    const keys = Object.keys(p).filter((k) => typeof p[k] === "number");
    if (keys.length > 0) (p[keys[i % keys.length]] as number) += d;
  }),
  // stringify a number (JSON store accepts stringified ints for timestamp / ttl only)
  fc.nat().map((i): ValueMutation => (p) => {
    const keys = Object.keys(p).filter((k) => typeof p[k] === "number");
    if (keys.length > 0) p[keys[i % keys.length]] = String(p[keys[i % keys.length]]);
  }),
  // mutate the first sub-request of a batch
  fc.constant((p: Record<string, unknown>) => {
    const reqs = p.requests;
    if (Array.isArray(reqs) && reqs.length > 0 && reqs[0] !== null && typeof reqs[0] === "object") {
      const first = reqs[0] as Record<string, unknown>;
      if (first.params !== null && typeof first.params === "object") {
        delete (first.params as Record<string, unknown>).signature;
      } else first.params = {};
    }
  }),
);

/** How params are put on the wire. */
export type Encoding = "json" | "bt" | "bt-text" | "json-dup" | "empty";

/**
 * Encode params as the bytes `parseRequestBytes` gets.
 *
 * @param params JSON params
 * @param encoding JSON text, bencoded dict (keys raw or as text), JSON with a duplicated key, or empty
 * @returns the bytes
 */
export function encodeParams(params: Record<string, unknown>, encoding: Encoding): Uint8Array {
  switch (encoding) {
    case "empty":
      return new Uint8Array(0);
    case "bt":
    case "bt-text":
      try {
        return bencode(toBt(params, "", encoding === "bt"));
      } catch {
        return utf8(JSON.stringify(params));
      }
    case "json-dup": {
      const text = JSON.stringify(params);
      const first = Object.keys(params)[0];
      if (first === undefined) return utf8(text);
      return utf8(`${text.slice(0, -1)},${JSON.stringify(first)}:null}`);
    }
    case "json":
      return utf8(JSON.stringify(params));
  }
}

/**
 * Build one input: header line and params bytes.
 *
 * @param method method name as sent
 * @param params the params bytes
 * @param header extra header tokens (`now=…`, `fwd`, `hf=…`)
 * @returns the input
 */
export function storageInput(method: string, params: Uint8Array, header: readonly string[] = []): Uint8Array {
  return concat(utf8([method, ...header].join(" ") + "\n"), params);
}

/** A parsed input. */
export interface StorageInput {
  /** Method as sent. */
  method: string;
  /** Params bytes. */
  params: Uint8Array;
  /** `now=` (default {@link NOW}). */
  now: number;
  /** `fwd` given. */
  forwarded: boolean;
  /** `hf=` (default 19.3). */
  hf: [number, number];
}

/**
 * Split an input into header tokens and params (see the module documentation).
 *
 * @param input any bytes
 * @returns the parts; no newline = the whole input is the method and params are empty
 */
export function readStorageInput(input: Uint8Array): StorageInput {
  const nl = input.indexOf(0x0a);
  const headBytes = nl < 0 ? input : input.subarray(0, nl);
  let head = "";
  for (const b of headBytes) head += String.fromCharCode(b);
  const [method = "", ...tokens] = head.split(" ");
  const out: StorageInput = {
    method,
    params: nl < 0 ? new Uint8Array(0) : input.subarray(nl + 1),
    now: NOW,
    forwarded: false,
    hf: [19, 3],
  };
  for (const t of tokens) {
    if (t === "fwd") out.forwarded = true;
    else if (t.startsWith("now=") && /^-?\d{1,16}$/.test(t.slice(4))) out.now = Number(t.slice(4));
    else if (/^hf=\d{1,3}\.\d{1,3}$/.test(t)) {
      const [a, b] = t.slice(3).split(".").map(Number);
      out.hf = [a, b];
    }
  }
  return out;
}

/** Header tokens for `storage_auth`: time offsets around the windows, forwarded, network version. */
export const headerArb: fc.Arbitrary<string[]> = fc.tuple(
  fc.option(offsetArb, { nil: undefined }),
  fc.boolean(),
  fc.constantFrom(undefined, "hf=19.3", "hf=19.4", "hf=20.0", "hf=0.0"),
).map(([off, fwd, hf]) => [
  ...(off === undefined ? [] : [`now=${NOW + off}`]),
  ...(fwd ? ["fwd"] : []),
  ...(hf === undefined ? [] : [hf]),
]);

/** Inputs from specs: signed requests, value-mutated, in every encoding. */
export function storageInputArb(withHeader: boolean): fc.Arbitrary<Uint8Array> {
  return fc.tuple(
    requestSpecArb,
    fc.oneof(
      { arbitrary: fc.constant([] as ValueMutation[]), weight: 2 },
      { arbitrary: fc.array(valueMutationArb, { minLength: 1, maxLength: 3 }), weight: 3 },
    ),
    fc.constantFrom<Encoding>("json", "json", "json", "json", "bt", "bt", "bt", "bt-text", "json-dup", "empty"),
    withHeader ? headerArb : fc.constant([] as string[]),
    fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 12 },
      { arbitrary: fc.constantFrom(...ALL_METHOD_NAMES), weight: 1 },
    ),
  ).map(([spec, mutations, encoding, header, otherMethod]) => {
    const params = specParams(spec);
    for (const m of mutations) m(params);
    return storageInput(otherMethod ?? spec.method, encodeParams(params, encoding), header);
  });
}

/** Valid requests of every method (the corpus generator writes these). */
export function validExamples(): { name: string; input: Uint8Array }[] {
  const base: RequestSpec = {
    method: "store",
    signer: "group",
    sig: "good",
    namespace: undefined,
    t: 0,
    t2: DAY,
    hashes: [HASHES[0]],
    data: utf8("hello"),
    flags: { required: false, shorten: false, extend: false, ttl: false, perMessage: false },
    subs: [],
  };
  const out: { name: string; input: Uint8Array }[] = [];
  const add = (name: string, spec: RequestSpec, encoding: Encoding = "json", header: string[] = []) =>
    out.push({ name, input: storageInput(spec.method, encodeParams(specParams(spec), encoding), header) });
  for (const method of METHOD_NAMES) {
    add(`${method}-json`, { ...base, method });
    add(`${method}-bt`, { ...base, method }, "bt");
  }
  add("store-ttl-json", { ...base, flags: { ...base.flags, ttl: true } });
  add("store-session-json", { ...base, signer: "session", namespace: 2 });
  add("store-public-inbox-unsigned", { ...base, sig: "none", namespace: 0 });
  add("store-subaccount", { ...base, signer: "sub", namespace: 2 });
  add("retrieve-session-ns-2", { ...base, method: "retrieve", signer: "session", namespace: 2 });
  add("retrieve-noauth-ns--10", { ...base, method: "retrieve", sig: "none", namespace: -10, hashes: [] });
  add("retrieve-subaccount-read", { ...base, method: "retrieve", signer: "sub-read", namespace: 2 });
  add("delete-all-namespaces", { ...base, method: "delete_all", namespace: "all" });
  add(
    "expire-per-message",
    {
      ...base,
      method: "expire",
      hashes: [...HASHES],
      flags: { ...base.flags, perMessage: true, extend: true },
    },
    "json",
    ["hf=19.4"],
  );
  add("expire-shorten-sub-read", {
    ...base,
    method: "expire",
    signer: "sub-read",
    flags: { ...base.flags, shorten: true },
  });
  add("batch-json", {
    ...base,
    method: "batch",
    subs: [base, { ...base, method: "retrieve" }, { ...base, method: "info" }],
  });
  add("sequence-bt", { ...base, method: "sequence", subs: [base, { ...base, method: "delete" }] }, "bt");
  add("store-signed-late-406", { ...base, t: 60_001 }, "json", []);
  add("delete-all-forwarded-65s", { ...base, method: "delete_all", t: -65_000 }, "bt", ["fwd"]);
  add("store-bad-signature", { ...base, sig: "bad", namespace: 2 });
  add("store-revoked-subaccount", { ...base, signer: "sub-revoked", namespace: 2 });
  return out;
}

/** Tokens for byte mutations of storage params. */
export const STORAGE_TOKENS: readonly string[] = [
  ...FIELD_NAMES.map((f) => `"${f}":`),
  ...FIELD_NAMES.map((f) => `${f.length}:${f}`),
  '"all"',
  "3:all",
  "1700000000000",
  "i1700000000000e",
  "33:",
  "64:",
  "36:",
];

/** Exact refusal bodies of parseRequest that are not `invalid request: …` (swarms-and-storage.md §7). */
export function isParseRefusalBody(body: string): boolean {
  return body.startsWith("invalid request: ") || body.startsWith("no method ") ||
    body === "invalid body: expected json or bt_dict";
}
