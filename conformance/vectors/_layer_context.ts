/**
 * The shared machinery of the single-layer cases: the case record, a fixed node to seal layers
 * to, and `add`, which checks each case against the reference before publishing it. Private to
 * `conformance/vectors/`.
 *
 * @module
 */

import { concat, fromHex, toHex, writeU32le } from "../../protocol/bytes.ts";
import { isProtocolError, type ProtocolErrorCode } from "../../protocol/errors.ts";
import type { CryptoProvider } from "../../protocol/crypto/provider.ts";
import type { EncType } from "../../protocol/onion/enc_type.ts";
import { encodeLayer } from "../../protocol/onion/codec.ts";
import { hopEncrypt } from "../../protocol/onion/hop.ts";
import { peelOnionLayer, type PeelOptions } from "../../protocol/onion/peel.ts";
import { seededRng } from "../../protocol/_testing/seeded_rng.ts";
import { type CaseBase, draw, type Result } from "./_common.ts";
import { type NodeInput, seededNode } from "./_onion_cases.ts";
import { type PeelRecord, peelRecord } from "./onion_records.ts";

/** One received layer and what peeling it must give. */
export interface OnionLayerTest extends CaseBase {
  nodeX25519Secret: string;
  nodeX25519Public: string;
  body: string;
  /** The peel result (valid; acceptable when it succeeds), else null. */
  peel: PeelRecord | null;
  /** The ProtocolError code (invalid; acceptable when it is refused), else null. */
  errorCode: ProtocolErrorCode | null;
  result: Result;
}

export type Keys = { x25519Secret: Uint8Array; x25519Public: Uint8Array };

/** The outcome a case is generated for; the generator checks the reference agrees before publishing. */
export type Expect = { valid: true } | { code: ProtocolErrorCode } | { acceptable: ProtocolErrorCode };

/** Options under which an `acceptable` case is refused instead (the stricter policy). */
const STRICT: PeelOptions = { rejectAmbiguous: true };

export function layer(blob: Uint8Array, json: string | Uint8Array): Uint8Array {
  return encodeLayer(blob, json);
}

/** A body whose length prefix is `n`, whatever follows. */
export function withPrefix(n: number, rest: Uint8Array): Uint8Array {
  const prefix = new Uint8Array(4);
  writeU32le(prefix, 0, n);
  return concat(prefix, rest);
}

export function nodeKeysOf(r: { x25519Secret: string; x25519Public: string }): Keys {
  return { x25519Secret: fromHex(r.x25519Secret), x25519Public: fromHex(r.x25519Public) };
}

/** What the case builders share. */
export interface LayerContext {
  provider: CryptoProvider;
  /** The cases so far, in the order they are published. */
  out: OnionLayerTest[];
  /** Check a case against the reference provider, then append it. */
  add(tcId: number, comment: string, flags: string[], keys: Keys, body: Uint8Array, expect: Expect): Promise<void>;
  /** The fixed node the crafted layers are sealed to. */
  node: NodeInput;
  /** Seal `inner` to the node with a fresh ephemeral key and nonce from the case's seed. */
  sealTo(tcId: number, encType: EncType, inner: Uint8Array): Promise<{ blob: Uint8Array; ek: string }>;
  /** A valid relay-to-next-node plaintext with keys from the case's seed. */
  relayInner(tcId: number, encType?: EncType): Promise<Uint8Array>;
}

/**
 * The context the case builders share.
 *
 * @param provider the reference provider
 * @returns an empty context
 */
export async function layerContext(provider: CryptoProvider): Promise<LayerContext> {
  const out: OnionLayerTest[] = [];
  const add = async (tcId: number, comment: string, flags: string[], keys: Keys, body: Uint8Array, expect: Expect) => {
    let peel: PeelRecord | null = null;
    let errorCode: ProtocolErrorCode | null = null;
    let result: Result;
    if ("valid" in expect) {
      peel = peelRecord(await peelOnionLayer(body, keys, { provider }));
      result = "valid";
    } else if ("code" in expect) {
      await expectRefusal(provider, tcId, body, keys, expect.code, {});
      errorCode = expect.code;
      result = "invalid";
    } else {
      peel = peelRecord(await peelOnionLayer(body, keys, { provider }));
      await expectRefusal(provider, tcId, body, keys, expect.acceptable, STRICT);
      errorCode = expect.acceptable;
      result = "acceptable";
    }
    out.push({
      tcId,
      comment,
      flags,
      nodeX25519Secret: toHex(keys.x25519Secret),
      nodeX25519Public: toHex(keys.x25519Public),
      body: toHex(body),
      peel,
      errorCode,
      result,
    });
  };

  const node: NodeInput = await seededNode(provider, seededRng("allium/conformance/onion/layer-node"));
  const sealTo = async (tcId: number, encType: EncType, inner: Uint8Array) => {
    const rng = seededRng(`allium/conformance/onion/layer/${tcId}`);
    const secret = draw(rng, 32);
    const ephemeral = await provider.x25519PublicKey(secret);
    const blob = await hopEncrypt(encType, inner, {
      ourSecret: secret,
      ourPublic: ephemeral,
      theirPublic: node.x25519Public,
      role: "client",
    }, { provider, rng });
    return { blob, ek: toHex(ephemeral) };
  };
  const relayInner = async (tcId: number, encType: EncType = "xchacha20") => {
    const rng = seededRng(`allium/conformance/onion/layer/${tcId}/inner`);
    const next = toHex(draw(rng, 32));
    const nextEk = toHex(await provider.x25519PublicKey(draw(rng, 32)));
    return layer(draw(rng, 48), `{"destination":"${next}","enc_type":"${encType}","ephemeral_key":"${nextEk}"}`);
  };

  return { provider, out, add, node, sealTo, relayInner };
}

async function expectRefusal(
  provider: CryptoProvider,
  tcId: number,
  body: Uint8Array,
  keys: Keys,
  code: ProtocolErrorCode,
  options: PeelOptions,
): Promise<void> {
  try {
    await peelOnionLayer(body, keys, { ...options, provider });
  } catch (e) {
    if (isProtocolError(e, code)) return;
    throw new Error(`Cannot generate layer case ${tcId}: refused with ${(e as Error).message}, expected ${code}`);
  }
  throw new Error(`Cannot generate layer case ${tcId}: accepted, expected ${code}`);
}
