/**
 * The cases of `bench/run.ts`: a 3-hop onion per (cipher, size) group, the raw baselines and the
 * provider subjects for peel and build, each verified before it is handed out for timing
 * (style.md rule 12).
 *
 * @module
 */

import {
  buildOnionRequest,
  type CryptoProvider,
  decodeLayer,
  type NodeKeys,
  type OnionNode,
  parseOuterTrailer,
  peelOnionLayer,
  type PeelResult,
  type ProviderName,
  toHex,
} from "../mod.ts";
import {
  type BuildLayer,
  type Cipher,
  type GcmImpl,
  type HmacImpl,
  joinSealed,
  makeBuildBaseline,
  makePeelBaseline,
  nonceLength,
  type Primitives,
  publicKeyOf,
  randomBytes,
  sameBytes,
} from "./_baseline.ts";
import { measureInterleaved, type Op, type TimedCase, type Timing } from "./_harness.ts";

/** What is measured. */
export type Operation = "peel" | "build";
/** Who is measured: the raw baseline or a provider through allium. */
export type Subject = "baseline" | ProviderName;

/** Bytes in a KiB. */
export const KIB = 1024;
/** Bytes in a MiB. */
export const MIB = 1024 * KIB;
/** Nodes of a 3-hop onion: guard, middle, exit, destination. */
const NODES = 4;
const X25519_BYTES = 32;

/** `1KiB`, `16KiB`, `1MiB`, or bytes. */
export function sizeLabel(size: number): string {
  if (size % MIB === 0) return `${size / MIB}MiB`;
  if (size % KIB === 0) return `${size / KIB}KiB`;
  return `${size}B`;
}

/** `<operation>/<cipher>/<size>/<subject>`: the name `--filter` matches. */
export function caseName(operation: Operation, cipher: Cipher, size: number, subject: Subject): string {
  return `${operation}/${cipher}/${sizeLabel(size)}/${subject}`;
}

function fail(name: string, what: string): never {
  throw new Error(`Cannot benchmark "${name}": ${what}`);
}

/** A node with its secret, as the peeler needs it, and its public form for the builder. */
interface BenchNode {
  keys: NodeKeys;
  node: OnionNode;
}

function makeNodes(): BenchNode[] {
  return Array.from({ length: NODES }, () => {
    const x25519Secret = randomBytes(X25519_BYTES);
    const x25519Public = publicKeyOf(x25519Secret);
    return {
      keys: { x25519Secret, x25519Public },
      node: { ed25519: toHex(randomBytes(X25519_BYTES)), x25519: toHex(x25519Public) },
    };
  });
}

/** Peel all four hops of `body` with `provider`; checks each hop's next destination and the payload. */
async function roundTrip(
  name: string,
  body: Uint8Array,
  nodes: readonly BenchNode[],
  provider: CryptoProvider,
  payload: Uint8Array,
): Promise<PeelResult[]> {
  const results: PeelResult[] = [];
  let next = body;
  for (let i = 0; i < nodes.length; i++) {
    const r = await peelOnionLayer(next, nodes[i].keys, { provider });
    results.push(r);
    if (i < nodes.length - 1) {
      if (r.kind !== "relay") fail(name, `hop ${i} gave "${r.kind}", expected "relay"`);
      if (r.destination !== nodes[i + 1].node.ed25519) fail(name, `hop ${i} relays to the wrong node`);
      next = r.nextRequestBody;
    } else {
      if (r.kind !== "deliver") fail(name, `last hop gave "${r.kind}", expected "deliver"`);
      if (!sameBytes(r.payload, payload)) fail(name, "the delivered payload differs from the one built");
    }
  }
  return results;
}

/** A 3-hop onion of one (cipher, size) group, with what each hop receives and decrypts to. */
export interface Onion {
  cipher: Cipher;
  size: number;
  nodes: BenchNode[];
  path: OnionNode[];
  destination: OnionNode;
  payload: Uint8Array;
  /** The first-hop request body every peel case reads. */
  body: Uint8Array;
  /** Blob and ephemeral key each hop receives, guard first. */
  received: { blob: Uint8Array; ephemeralKey: Uint8Array }[];
  /** What each hop's blob decrypts to, guard first (the build baseline seals these). */
  plaintexts: Uint8Array[];
}

function peelInput(
  onion: Onion,
  hop: number,
  blob = onion.received[hop].blob,
  ephemeralKey = onion.received[hop].ephemeralKey,
) {
  const { x25519Secret, x25519Public } = onion.nodes[hop].keys;
  return { cipher: onion.cipher, blob, ephemeralKey, nodeSecret: x25519Secret, nodePublic: x25519Public };
}

/** Build the group's onion with the reference provider, peel it, and raw-decrypt every hop. */
export async function makeOnion(
  cipher: Cipher,
  size: number,
  reference: CryptoProvider,
  hmac: HmacImpl,
): Promise<Onion> {
  const nodes = makeNodes();
  const path = nodes.slice(0, 3).map((n) => n.node);
  const destination = nodes[3].node;
  const payload = randomBytes(size);
  const setup = `setup/${cipher}/${sizeLabel(size)}`;
  const { body } = await buildOnionRequest({ path, destination, payload, encType: cipher, provider: reference });
  const hops = await roundTrip(setup, body, nodes, reference, payload);
  const outer = decodeLayer(body);
  const received = [{ blob: outer.blob, ephemeralKey: parseOuterTrailer(outer.json).ephemeralKey }];
  for (const r of hops.slice(0, NODES - 1)) {
    if (r.kind !== "relay") fail(setup, "expected relays");
    received.push({ blob: r.blob, ephemeralKey: r.ephemeralKey });
  }
  const onion: Onion = { cipher, size, nodes, path, destination, payload, body, received, plaintexts: [] };
  // The raw peel of every hop must give that hop's real plaintext: the next blob, then the payload.
  for (let i = 0; i < NODES; i++) {
    const op = await makePeelBaseline(peelInput(onion, i), { hmac, gcm: "node:crypto" });
    const pt = new Uint8Array(await op() as Uint8Array);
    const expected = i < NODES - 1 ? received[i + 1].blob : payload;
    if (!sameBytes(decodeLayer(pt, "baseline plaintext").blob, expected)) fail(setup, `raw peel of hop ${i} is wrong`);
    onion.plaintexts.push(pt);
  }
  return onion;
}

/**
 * Bytes of layer plaintext one operation seals or opens: the guard's layer for a peel, all four
 * layers (guard, middle, exit, destination) for a 3-hop build. Throughput in the report is this
 * times ops/s, so it counts what the AEAD actually processes, not just the payload.
 *
 * @param onion the group's onion
 * @param operation peel or build
 * @returns bytes per operation
 */
export function layerBytes(onion: Onion, operation: Operation): number {
  if (operation === "peel") return onion.plaintexts[0].length;
  return onion.plaintexts.reduce((n, p) => n + p.length, 0);
}

/** How a group's baseline was made. */
export interface BaselinePick {
  /** The case it belongs to. */
  name: string;
  /** The primitives, in words. */
  detail: string;
  /** For aes-gcm: the GCM implementation kept, and each candidate's calibration ops/s. */
  gcm?: GcmImpl;
  candidates?: Record<GcmImpl, number>;
  /** The GCM implementation was given (a regression check's re-measure), not calibrated. */
  forced?: true;
}

/**
 * For aes-gcm, time the verified baseline operation once per GCM implementation and keep the
 * faster (or take `forced` without timing); for xchacha20 there is one candidate.
 */
async function pickBaseline(
  name: string,
  cipher: Cipher,
  hmac: HmacImpl,
  make: (prims: Primitives) => Promise<Op>,
  calibration: Timing,
  forced?: GcmImpl,
): Promise<{ op: Op; pick: BaselinePick }> {
  if (cipher === "xchacha20") {
    return { op: await make({ hmac, gcm: "node:crypto" }), pick: { name, detail: "sodium-native" } };
  }
  if (forced !== undefined) {
    const detail = `sodium-native X25519, ${hmac} HMAC-SHA256, ${forced} AES-256-GCM (given)`;
    return { op: await make({ hmac, gcm: forced }), pick: { name, detail, gcm: forced, forced: true } };
  }
  const impls: GcmImpl[] = ["node:crypto", "webcrypto"];
  const cases: TimedCase[] = [];
  for (const gcm of impls) cases.push({ name: gcm, op: await make({ hmac, gcm }) });
  const m = await measureInterleaved(cases, calibration);
  const candidates = Object.fromEntries(impls.map((i) => [i, Math.round(m.get(i)!.opsPerSec)])) as Record<
    GcmImpl,
    number
  >;
  const gcm = impls.reduce((a, b) => candidates[a] >= candidates[b] ? a : b);
  return {
    op: cases.find((c) => c.name === gcm)!.op,
    pick: { name, detail: `sodium-native X25519, ${hmac} HMAC-SHA256, ${gcm} AES-256-GCM`, gcm, candidates },
  };
}

/** The peel cases of a group: the raw baseline (its GCM calibrated, or `forcedGcm`), then each provider, all verified. */
export async function peelCases(
  onion: Onion,
  providers: readonly CryptoProvider[],
  hmac: HmacImpl,
  wanted: (name: string) => boolean,
  calibration: Timing,
  forcedGcm?: GcmImpl,
): Promise<{ cases: TimedCase[]; pick: BaselinePick }> {
  const { cipher, size, body, nodes } = onion;
  const baseName = caseName("peel", cipher, size, "baseline");
  const { op, pick } = await pickBaseline(
    baseName,
    cipher,
    hmac,
    async (prims) => {
      const raw = await makePeelBaseline(peelInput(onion, 0), prims);
      const pt = await raw();
      if (!(pt instanceof Uint8Array) || !sameBytes(pt, onion.plaintexts[0])) {
        fail(baseName, `${prims.gcm} gave a wrong plaintext`);
      }
      return raw;
    },
    calibration,
    forcedGcm,
  );
  const cases: TimedCase[] = [{ name: baseName, op }];
  for (const provider of providers) {
    const name = caseName("peel", cipher, size, provider.name);
    if (!wanted(name)) continue;
    const r = await peelOnionLayer(body, nodes[0].keys, { provider });
    if (r.kind !== "relay" || r.destination !== nodes[1].node.ed25519 || r.encType !== cipher || r.hopNo !== 1) {
      fail(name, "the first hop did not relay to the middle node");
    }
    if (!sameBytes(r.blob, onion.received[1].blob)) fail(name, "the relayed blob differs from the reference");
    const keys = nodes[0].keys;
    cases.push({ name, op: () => peelOnionLayer(body, keys, { provider }) });
  }
  return { cases, pick };
}

/** The build cases of a group: the raw baseline (its GCM calibrated, or `forcedGcm`), then each provider, all verified. */
export async function buildCases(
  onion: Onion,
  providers: readonly CryptoProvider[],
  hmac: HmacImpl,
  wanted: (name: string) => boolean,
  calibration: Timing,
  forcedGcm?: GcmImpl,
): Promise<{ cases: TimedCase[]; pick: BaselinePick }> {
  const { cipher, size, nodes, path, destination, payload } = onion;
  const baseName = caseName("build", cipher, size, "baseline");
  // The four real plaintexts, innermost first, as allium's builder seals them.
  const layers: BuildLayer[] = [];
  for (let i = NODES - 1; i >= 0; i--) {
    layers.push({ recipient: nodes[i].keys.x25519Public, plaintext: onion.plaintexts[i] });
  }
  const { op, pick } = await pickBaseline(
    baseName,
    cipher,
    hmac,
    async (prims) => {
      const raw = await makeBuildBaseline(cipher, layers, prims);
      const sealed = await raw();
      // Every sealed layer must open, with its recipient's key, to its plaintext.
      for (let l = 0; l < layers.length; l++) {
        const hop = NODES - 1 - l;
        const body = joinSealed(sealed[l].sealed);
        const blob = new Uint8Array(nonceLength(cipher) + body.length);
        blob.set(sealed[l].nonce);
        blob.set(body, nonceLength(cipher));
        const open = await makePeelBaseline(peelInput(onion, hop, blob, sealed[l].ephemeralKey), {
          hmac,
          gcm: "node:crypto",
        });
        if (!sameBytes(new Uint8Array(await open() as Uint8Array), layers[l].plaintext)) {
          fail(baseName, `${prims.gcm}: the layer for hop ${hop} does not open to its plaintext`);
        }
      }
      return raw;
    },
    calibration,
    forcedGcm,
  );
  const cases: TimedCase[] = [{ name: baseName, op }];
  for (const provider of providers) {
    const name = caseName("build", cipher, size, provider.name);
    if (!wanted(name)) continue;
    const built = await buildOnionRequest({ path, destination, payload, encType: cipher, provider });
    if (built.guard.ed25519 !== path[0].ed25519) fail(name, "wrong guard");
    await roundTrip(name, built.body, nodes, provider, payload);
    cases.push({ name, op: () => buildOnionRequest({ path, destination, payload, encType: cipher, provider }) });
  }
  return { cases, pick };
}
