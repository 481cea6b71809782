/**
 * Single-layer cases that decrypt: plaintexts that are not a valid request (refused with
 * ONION_INNER_INVALID) and valid layers written the other ways the reference accepts. Private to
 * `conformance/vectors/`.
 *
 * @module
 */

import { concat, toHex, utf8 } from "../../protocol/bytes.ts";
import { seededRng } from "../../protocol/_testing/seeded_rng.ts";
import { draw } from "./_common.ts";
import { type Keys, layer, type LayerContext, withPrefix } from "./_layer_context.ts";

/**
 * Append the inner-request cases (tcIds 170…) to the context.
 *
 * @param ctx the shared context
 */
export async function innerLayerCases(ctx: LayerContext): Promise<void> {
  const { provider, add, node, sealTo, relayInner } = ctx;
  const keys: Keys = node;
  // --- Layers that decrypt to something that is not a valid request. -----------------------------
  const INNER = { code: "ONION_INNER_INVALID" } as const;
  const D = "d".repeat(64);
  const innerCase = async (tcId: number, comment: string, inner: Uint8Array, flags: string[] = ["InnerInvalid"]) => {
    const s = await sealTo(tcId, "xchacha20", inner);
    await add(tcId, comment, flags, keys, layer(s.blob, `{"enc_type":"xchacha20","ephemeral_key":"${s.ek}"}`), INNER);
  };
  const innerBlob = draw(seededRng("allium/conformance/onion/layer/inner-blob"), 48);
  const innerEk = toHex(await provider.x25519PublicKey(draw(seededRng("allium/conformance/onion/layer/inner-ek"), 32)));
  await innerCase(170, "decrypts to 3 bytes: not a layer", utf8("abc"));
  await innerCase(
    171,
    "decrypts to a layer whose length prefix overruns",
    withPrefix(1000, concat(innerBlob, utf8('{"headers":""}'))),
  );
  await innerCase(172, "routing JSON is not JSON", layer(innerBlob, "{headers}"));
  await innerCase(
    173,
    "relay routing JSON without ephemeral_key",
    layer(innerBlob, `{"destination":"${D}","enc_type":"xchacha20"}`),
  );
  await innerCase(
    174,
    "relay destination of 63 hex digits",
    layer(innerBlob, `{"destination":"${D.slice(1)}","enc_type":"xchacha20","ephemeral_key":"${innerEk}"}`),
  );
  await innerCase(
    175,
    'relay to the next node with enc_type "aes-cbc"',
    layer(innerBlob, `{"destination":"${D}","enc_type":"aes-cbc","ephemeral_key":"${innerEk}"}`),
    ["InnerInvalid", "LegacyCbc"],
  );
  await innerCase(
    176,
    "routing JSON repeats destination",
    layer(innerBlob, `{"destination":"${D}","destination":"${D}","ephemeral_key":"${innerEk}"}`),
    ["InnerInvalid", "DuplicateKey"],
  );
  await innerCase(177, "routing JSON nested 4 deep, limit 3", layer(innerBlob, '{"headers":{"a":{"b":{}}}}'));
  await innerCase(
    178,
    "server route with port 70000",
    layer(innerBlob, '{"host":"example.invalid","target":"/oxen/v4/lsrpc","port":70000}'),
  );
  await innerCase(179, "server route without target", layer(innerBlob, '{"host":"example.invalid"}'));
  await innerCase(180, 'delivery with "json":"yes", not a boolean', layer(innerBlob, '{"headers":"","json":"yes"}'));
  await innerCase(181, "routing JSON is an array", layer(innerBlob, '["headers"]'));
  await innerCase(182, "no routing JSON after the inner blob", layer(innerBlob, ""));

  // --- Valid layers written the other ways the reference accepts. ---------------------------------
  const VALID = { valid: true } as const;
  {
    const s = await sealTo(190, "aes-gcm", await relayInner(190));
    await add(
      190,
      "no enc_type: aes-gcm is the default",
      ["DefaultEncType"],
      keys,
      layer(s.blob, `{"ephemeral_key":"${s.ek}"}`),
      VALID,
    );
  }
  {
    const s = await sealTo(191, "aes-gcm", await relayInner(191, "aes-gcm"));
    await add(
      191,
      'enc_type "gcm", alias of aes-gcm',
      ["EncTypeAlias"],
      keys,
      layer(s.blob, `{"enc_type":"gcm","ephemeral_key":"${s.ek}"}`),
      VALID,
    );
  }
  {
    const s = await sealTo(192, "xchacha20", await relayInner(192));
    await add(
      192,
      'enc_type "xchacha20-poly1305", alias of xchacha20',
      ["EncTypeAlias"],
      keys,
      layer(s.blob, `{"enc_type":"xchacha20-poly1305","ephemeral_key":"${s.ek}"}`),
      VALID,
    );
  }
  {
    const s = await sealTo(193, "xchacha20", await relayInner(193));
    await add(
      193,
      "hop_no -3 is clamped to 0; the next hop gets 1",
      ["NegativeHopNo"],
      keys,
      layer(s.blob, `{"enc_type":"xchacha20","ephemeral_key":"${s.ek}","hop_no":-3}`),
      VALID,
    );
  }
  {
    const s = await sealTo(194, "xchacha20", await relayInner(194));
    await add(
      194,
      "ephemeral_key in upper-case hex",
      ["UppercaseHex"],
      keys,
      layer(s.blob, `{"enc_type":"xchacha20","ephemeral_key":"${s.ek.toUpperCase()}"}`),
      VALID,
    );
  }
  {
    const s = await sealTo(195, "xchacha20", await relayInner(195));
    await add(
      195,
      "trailer keys in another order, with whitespace",
      ["JsonFormatting"],
      keys,
      layer(s.blob, `{ "hop_no" : 2,\n  "ephemeral_key" : "${s.ek}",\n  "enc_type" : "xchacha20" }`),
      VALID,
    );
  }
  {
    const s = await sealTo(196, "xchacha20", await relayInner(196));
    await add(
      196,
      "an unknown trailer key is ignored",
      ["UnknownKey"],
      keys,
      layer(s.blob, `{"enc_type":"xchacha20","ephemeral_key":"${s.ek}","x-padding":"abc"}`),
      VALID,
    );
  }
  {
    const s = await sealTo(
      197,
      "xchacha20",
      layer(utf8('{"method":"info","params":{}}'), '{"base64":false,"headers":{},"json":true}'),
    );
    await add(
      197,
      'delivery with "json":true and "base64":false',
      ["DeliverOptions"],
      keys,
      layer(s.blob, `{"enc_type":"xchacha20","ephemeral_key":"${s.ek}","hop_no":3}`),
      VALID,
    );
  }
  {
    const s = await sealTo(
      198,
      "xchacha20",
      layer(utf8('{"method":"info","params":{}}'), `{"destination":"${D}","ephemeral_key":"${innerEk}","headers":""}`),
    );
    await add(
      198,
      "routing JSON names both headers and destination: the reference delivers (headers wins)",
      ["AmbiguousRoute"],
      keys,
      layer(s.blob, `{"enc_type":"xchacha20","ephemeral_key":"${s.ek}"}`),
      { acceptable: "ONION_INNER_INVALID" },
    );
  }
  {
    const s = await sealTo(
      199,
      "aes-gcm",
      layer(innerBlob, '{"ephemeral_key":"' + innerEk + '","host":"example.invalid","target":"/oxen/v4/lsrpc"}'),
    );
    await add(
      199,
      "server route without port and protocol: 443 and https",
      ["ServerDefaults"],
      keys,
      layer(s.blob, `{"enc_type":"aes-gcm","ephemeral_key":"${s.ek}"}`),
      VALID,
    );
  }
}
