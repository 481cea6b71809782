/**
 * Generator of the single-layer cases of `onion_peel_v1.json`: one received body and one node's
 * keys → the peel result, or the error class it must be refused with. Tampered layers come from
 * the published full onions; the rest are sealed to a fixed node. Private to `conformance/vectors/`.
 *
 * @module
 */

import { concat, fromHex, toBase64, utf8 } from "../../protocol/bytes.ts";
import type { CryptoProvider } from "../../protocol/crypto/provider.ts";
import { decodeLayer } from "../../protocol/onion/codec.ts";
import { deriveHopKeyFromShared, nonceBytes } from "../../protocol/onion/hop.ts";
import { seededRng } from "../../protocol/_testing/seeded_rng.ts";
import { draw, flipBit, LOW_ORDER_POINTS } from "./_common.ts";
import type { OnionTest } from "./_onion_cases.ts";
import { innerLayerCases } from "./_inner_layer_cases.ts";
import {
  type Keys,
  layer,
  type LayerContext,
  layerContext,
  nodeKeysOf,
  type OnionLayerTest,
  withPrefix,
} from "./_layer_context.ts";

export type { OnionLayerTest } from "./_layer_context.ts";

/**
 * Every published single-layer case, in tcId order.
 *
 * @param provider the reference provider
 * @param onions the published full onions (tampered layers are cut from tcIds 1 and 2)
 * @returns the cases
 */
export async function layerCases(provider: CryptoProvider, onions: readonly OnionTest[]): Promise<OnionLayerTest[]> {
  const ctx = await layerContext(provider);
  await outerLayerCases(ctx, onions);
  await innerLayerCases(ctx);
  return ctx.out;
}

/** Layers refused before or while decrypting: tampered onions, framing, trailer, key, enc_type, hop_no. */
async function outerLayerCases(ctx: LayerContext, onions: readonly OnionTest[]): Promise<void> {
  const { provider, add, node, sealTo, relayInner } = ctx;
  const keys: Keys = node;
  // --- Tampered layers of published onions: authentication must fail. --------------------------
  const o1 = onions.find((o) => o.tcId === 1)!, o2 = onions.find((o) => o.tcId === 2)!;
  const guard1 = nodeKeysOf(o1.path[0]), body1 = fromHex(o1.guardBody);
  const { blob: blob1, json: json1 } = decodeLayer(body1);
  const trailer1 = new TextDecoder().decode(json1);
  const AUTH = { code: "ONION_AUTH_FAILED" } as const;
  await add(
    100,
    "onion tcId 1 at its guard: bit 0 of nonce byte 3 flipped",
    ["ModifiedLayer"],
    guard1,
    flipBit(body1, 4 + 3, 0),
    AUTH,
  );
  const mid = 4 + 24 + Math.floor((blob1.length - 40) / 2);
  await add(
    101,
    `onion tcId 1 at its guard: bit 4 of body byte ${mid} (ciphertext) flipped`,
    ["ModifiedLayer"],
    guard1,
    flipBit(body1, mid, 4),
    AUTH,
  );
  await add(
    102,
    "onion tcId 1 at its guard: bit 7 of the last tag byte flipped",
    ["ModifiedLayer"],
    guard1,
    flipBit(body1, 4 + blob1.length - 1, 7),
    AUTH,
  );
  const o2hop2 = o2.hops[0];
  if (o2hop2.kind !== "relay") throw new Error("Cannot generate layer cases: onion 2 does not relay");
  const body2 = fromHex(o2hop2.nextRequestBody);
  await add(
    103,
    "onion tcId 2 at hop 2: bit 2 of the first ciphertext byte flipped",
    ["ModifiedLayer"],
    nodeKeysOf(o2.path[1]),
    flipBit(body2, 4 + 12, 2),
    AUTH,
  );
  const o2last = o2.hops[1];
  if (o2last.kind !== "relay" || o2.destination.kind !== "node") {
    throw new Error("Cannot generate layer cases: onion 2 shape");
  }
  const body3 = fromHex(o2last.nextRequestBody);
  const blob3 = decodeLayer(body3).blob;
  await add(
    104,
    "onion tcId 2 at its destination: bit 5 of the first tag byte flipped",
    ["ModifiedLayer"],
    nodeKeysOf(o2.destination),
    flipBit(body3, 4 + blob3.length - 16, 5),
    AUTH,
  );
  const ek1 = JSON.parse(trailer1).ephemeral_key as string;
  const ekChanged = ek1[10] === "0" ? "1" : "0";
  await add(
    105,
    "onion tcId 1 at its guard: one hex digit of ephemeral_key changed",
    ["ModifiedEphemeralKey"],
    guard1,
    layer(blob1, trailer1.replace(ek1, ek1.slice(0, 10) + ekChanged + ek1.slice(11))),
    AUTH,
  );
  await add(
    106,
    "onion tcId 1 at its guard: enc_type says aes-gcm, the blob is xchacha20",
    ["EncTypeMismatch"],
    guard1,
    layer(blob1, trailer1.replace('"xchacha20"', '"aes-gcm"')),
    AUTH,
  );
  await add(
    107,
    "onion tcId 1 at its guard: last blob byte removed, trailer kept",
    ["TruncatedBlob"],
    guard1,
    layer(blob1.subarray(0, blob1.length - 1), trailer1),
    AUTH,
  );
  await add(
    108,
    "onion tcId 1 sent to its destination instead of its guard",
    ["WrongKey"],
    nodeKeysOf(o1.destination as { x25519Secret: string; x25519Public: string }),
    body1,
    AUTH,
  );
  const { blob: blob2g, json: json2g } = decodeLayer(fromHex(o2.guardBody));
  await add(
    109,
    "onion tcId 2 at its guard: blob cut to 27 bytes, aes-gcm needs 28",
    ["ShortBlob"],
    nodeKeysOf(o2.path[0]),
    layer(blob2g.subarray(0, 27), json2g),
    AUTH,
  );
  await add(
    110,
    "onion tcId 2 at its guard: empty blob (N = 0)",
    ["ShortBlob"],
    nodeKeysOf(o2.path[0]),
    layer(new Uint8Array(0), json2g),
    AUTH,
  );

  const low = LOW_ORDER_POINTS[2];
  {
    const rng = seededRng("allium/conformance/onion/layer/111");
    const lowKey = await deriveHopKeyFromShared(
      provider,
      "xchacha20",
      new Uint8Array(32),
      fromHex(low.hex),
      node.x25519Public,
    );
    const nonce = draw(rng, nonceBytes("xchacha20"));
    const sealed = await provider.xchachaSeal(lowKey, nonce, await relayInner(111));
    await add(
      111,
      `ephemeral_key is low-order (${low.what}); the blob is sealed under the key of the all-zero shared secret`,
      ["LowOrderPublic"],
      keys,
      layer(concat(nonce, sealed), `{"enc_type":"xchacha20","ephemeral_key":"${low.hex}"}`),
      AUTH,
    );
  }

  // A valid base layer (a small delivery) whose trailer the framing, trailer, key, enc_type and hop_no cases vary.
  const base = await sealTo(120, "xchacha20", layer(utf8("{}"), '{"headers":""}'));
  const B = base.blob, EK = base.ek;
  const T = `{"enc_type":"xchacha20","ephemeral_key":"${EK}"}`;
  const FRAMING = { code: "ONION_FRAMING" } as const, TRAILER = { code: "ONION_TRAILER" } as const;
  await add(120, "empty body", ["FramingError"], keys, new Uint8Array(0), FRAMING);
  await add(121, "3 bytes: shorter than the length prefix", ["FramingError"], keys, Uint8Array.of(0x30, 0, 0), FRAMING);
  await add(
    122,
    "length prefix one past the end of the body",
    ["FramingError"],
    keys,
    withPrefix(B.length + T.length + 1, concat(B, utf8(T))),
    FRAMING,
  );
  await add(
    123,
    "length prefix 0xffffffff",
    ["FramingError"],
    keys,
    withPrefix(0xffffffff, concat(B, utf8(T))),
    FRAMING,
  );

  await add(130, "no trailer after the blob", ["TrailerError"], keys, layer(B, ""), TRAILER);
  await add(131, "trailer is not JSON", ["TrailerError"], keys, layer(B, "ephemeral_key=" + EK), TRAILER);
  await add(132, "trailer is a JSON array", ["TrailerError"], keys, layer(B, `["${EK}"]`), TRAILER);
  await add(
    133,
    "trailer repeats ephemeral_key",
    ["TrailerError", "DuplicateKey"],
    keys,
    layer(B, `{"ephemeral_key":"${EK}","enc_type":"xchacha20","ephemeral_key":"${EK}"}`),
    TRAILER,
  );
  await add(
    134,
    "trailer holds a nested object",
    ["TrailerError"],
    keys,
    layer(B, `{"enc_type":"xchacha20","ephemeral_key":"${EK}","x":{}}`),
    TRAILER,
  );
  await add(
    135,
    "trailer of 4097 bytes (valid JSON padded with spaces), limit 4096",
    ["TrailerError", "TrailerTooLarge"],
    keys,
    layer(B, T + " ".repeat(4097 - T.length)),
    TRAILER,
  );
  await add(136, "trailing bytes after the trailer object", ["TrailerError"], keys, layer(B, T + "x"), TRAILER);
  await add(
    137,
    "trailer is not UTF-8 (byte 0xff in a string)",
    ["TrailerError"],
    keys,
    layer(B, concat(utf8(T.slice(0, -1) + ',"x":"'), Uint8Array.of(0xff), utf8('"}'))),
    TRAILER,
  );
  await add(138, "trailer is JSON null", ["TrailerError"], keys, layer(B, "null"), TRAILER);
  await add(139, "trailer is a JSON string", ["TrailerError"], keys, layer(B, JSON.stringify(T)), TRAILER);

  const KEY = { code: "ONION_KEY" } as const;
  await add(140, "ephemeral_key missing", ["KeyError"], keys, layer(B, `{"enc_type":"xchacha20"}`), KEY);
  await add(
    141,
    "ephemeral_key of 62 hex digits",
    ["KeyError"],
    keys,
    layer(B, `{"enc_type":"xchacha20","ephemeral_key":"${EK.slice(2)}"}`),
    KEY,
  );
  await add(
    142,
    "ephemeral_key of 66 hex digits",
    ["KeyError"],
    keys,
    layer(B, `{"enc_type":"xchacha20","ephemeral_key":"${EK}00"}`),
    KEY,
  );
  await add(
    143,
    "ephemeral_key with a non-hex digit",
    ["KeyError"],
    keys,
    layer(B, `{"enc_type":"xchacha20","ephemeral_key":"${EK.slice(0, 63)}g"}`),
    KEY,
  );
  await add(
    144,
    "ephemeral_key is a number",
    ["KeyError"],
    keys,
    layer(B, `{"enc_type":"xchacha20","ephemeral_key":12345}`),
    KEY,
  );
  await add(
    145,
    "ephemeral_key as base64 (libsession's parser takes it; the storage server and allium do not)",
    ["KeyError"],
    keys,
    layer(B, `{"enc_type":"xchacha20","ephemeral_key":"${toBase64(fromHex(EK))}"}`),
    KEY,
  );

  const ENC = { code: "ONION_ENC_TYPE" } as const;
  const withEnc = (v: string) => layer(B, `{"enc_type":${v},"ephemeral_key":"${EK}"}`);
  await add(
    150,
    'enc_type "aes-cbc": legacy, unauthenticated, refused',
    ["EncTypeError", "LegacyCbc"],
    keys,
    withEnc('"aes-cbc"'),
    ENC,
  );
  await add(
    151,
    'enc_type "cbc": the legacy alias, refused',
    ["EncTypeError", "LegacyCbc"],
    keys,
    withEnc('"cbc"'),
    ENC,
  );
  await add(152, 'enc_type "rot13": unknown', ["EncTypeError"], keys, withEnc('"rot13"'), ENC);
  await add(153, "enc_type is a number", ["EncTypeError"], keys, withEnc("1"), ENC);
  await add(154, 'enc_type "AES-GCM": names are case-sensitive', ["EncTypeError"], keys, withEnc('"AES-GCM"'), ENC);
  await add(155, "enc_type is null", ["EncTypeError"], keys, withEnc("null"), ENC);

  const HOP = { code: "ONION_HOP_NO" } as const;
  const withHop = (v: string) => layer(B, `{"enc_type":"xchacha20","ephemeral_key":"${EK}","hop_no":${v}}`);
  await add(160, "hop_no 16: past the 15-hop limit", ["PathTooLong"], keys, withHop("16"), {
    code: "ONION_PATH_TOO_LONG",
  });
  await add(161, "hop_no 1.5: not an integer", ["HopNoError"], keys, withHop("1.5"), HOP);
  await add(162, 'hop_no "3": a string', ["HopNoError"], keys, withHop('"3"'), HOP);
  await add(163, "hop_no true", ["HopNoError"], keys, withHop("true"), HOP);
}
