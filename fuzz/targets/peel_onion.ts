/**
 * Fuzz target: bytes → `peelOnionLayer` with a fixed node key (onion-requests.md §1–§4,
 * hardening.md §1, §7). Anything but `ProtocolError` escaping is a finding; so is a broken
 * result (a relay body the next hop cannot read, an `ONION_INNER_INVALID` without the reply
 * context, the node's key modified).
 *
 * Structured inputs: mutations of golden onions (bit flips, truncations, length-prefix edits,
 * replaced trailers), and layers sealed to the node with a fixed ephemeral key whose decrypted
 * content is fuzzed (bad framing, bad routing JSON, ambiguous actions, garbage), plus low-order
 * and non-canonical ephemeral keys.
 *
 * @module
 */

import fc from "fast-check";
import {
  ctEqual,
  decodeLayer,
  encodeLayer,
  type EncType,
  isHex,
  parseOuterTrailer,
  peelOnionLayer,
  type PeelResult,
  ProtocolError,
  SecretKey,
} from "../../mod.ts";
import {
  EPHEMERAL,
  ephemeralTrailer,
  FUZZ_NODE,
  GOLDEN,
  GOLDEN_PAYLOAD,
  layerForFuzzNode,
  LOW_ORDER_KEYS,
  NODE_B,
  NON_CANONICAL_KEYS,
} from "../_fixtures.ts";
import {
  INNER_KEYS,
  jsonTextArb,
  nonObjectTextArb,
  objectTextArb,
  OUTER_KEYS,
  textBytesArb,
  validTrailerTextArb,
} from "../_grammar.ts";
import { currentProvider, type FuzzTarget, invariant, InvariantError } from "../_harness.ts";
import { mutatedArb } from "../_mutate.ts";

const SECRET_COPY = FUZZ_NODE.x25519Secret.slice();

function checkResult(r: PeelResult): void {
  invariant(r.reply.key instanceof SecretKey, "result without a reply key");
  switch (r.kind) {
    case "relay": {
      invariant(
        isHex(r.destination, 64) && r.destination === r.destination.toLowerCase(),
        "relay destination not lower-case hex",
      );
      invariant(r.ephemeralKey.length === 32, "relay ephemeral key not 32 bytes");
      const next = decodeLayer(r.nextRequestBody);
      invariant(ctEqual(next.blob, r.blob), "relay body does not carry the inner blob");
      try {
        const t = parseOuterTrailer(next.json);
        invariant(t.hopNo === r.hopNo && t.encType === r.encType, "relay trailer disagrees with the result");
        invariant(ctEqual(t.ephemeralKey, r.ephemeralKey), "relay trailer carries another key");
      } catch (err) {
        // Only a hop number past the limit may make the next hop refuse what we forward.
        if (!(err instanceof ProtocolError && err.code === "ONION_PATH_TOO_LONG" && r.hopNo > 15)) {
          throw new InvariantError(`the next hop cannot read the relayed body: ${(err as Error).message}`);
        }
      }
      return;
    }
    case "deliver":
      invariant(Number.isInteger(r.hopNo) && r.hopNo >= 0 && r.hopNo <= 15, `deliver hopNo ${r.hopNo}`);
      invariant(typeof r.json === "boolean" && typeof r.base64 === "boolean", "deliver flags not booleans");
      return;
    case "server":
      invariant(Number.isInteger(r.port) && r.port >= 1 && r.port <= 65535, `server port ${r.port}`);
      invariant(typeof r.host === "string" && typeof r.target === "string", "server host/target not strings");
      invariant(decodeLayer(r.forwardBody).blob.length >= 0, "server forward body");
      return;
  }
}

/**
 * Peel `input` as {@link FUZZ_NODE}. Odd-length inputs also refuse ambiguous routing JSON.
 *
 * @param input the request body
 */
export async function fuzz(input: Uint8Array): Promise<void> {
  let result: PeelResult;
  try {
    result = await peelOnionLayer(input, FUZZ_NODE, {
      provider: currentProvider(),
      rejectAmbiguous: (input.length & 1) === 1,
    });
  } catch (err) {
    if (err instanceof ProtocolError && err.code === "ONION_INNER_INVALID") {
      const reply = (err.context as { reply?: { key?: unknown } } | undefined)?.reply;
      invariant(reply?.key instanceof SecretKey, "ONION_INNER_INVALID without context.reply");
    }
    throw err;
  } finally {
    invariant(ctEqual(FUZZ_NODE.x25519Secret, SECRET_COPY), "peeling modified the node's secret key");
  }
  try {
    checkResult(result);
  } catch (err) {
    // A ProtocolError here comes from re-reading our own output: that is a finding, not a rejection.
    if (err instanceof ProtocolError) throw new InvariantError(`re-reading the result failed: ${err.message}`);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Structured inputs
// ---------------------------------------------------------------------------------------------

const encArb = fc.constantFrom<EncType>("aes-gcm", "xchacha20");

/** Routing JSON a real client sends (deliver, relay, server), with harmless variations. */
const validRouteArb: fc.Arbitrary<string> = fc.constantFrom(
  '{"headers":""}',
  '{"headers":{},"json":true,"base64":false}',
  '{"body":null,"headers":{}}',
  `{"destination":"${NODE_B.ed25519}","enc_type":"xchacha20","ephemeral_key":"${EPHEMERAL.hex}"}`,
  `{"destination":"${NODE_B.ed25519.toUpperCase()}","ephemeral_key":"${EPHEMERAL.hex}"}`,
  `{"destination":"${FUZZ_NODE.ed25519}","enc_type":"gcm","ephemeral_key":"${EPHEMERAL.hex}"}`, // self-loop
  `{"destination":"${"77".repeat(32)}","enc_type":"aes-gcm","ephemeral_key":"${EPHEMERAL.hex}"}`, // unknown node
  `{"enc_type":"xchacha20","ephemeral_key":"${EPHEMERAL.hex}","host":"open.example.org","method":"POST","port":443,"protocol":"https","target":"/oxen/v4/lsrpc"}`,
  '{"host":"127.0.0.1","target":"/loki/v3/lsrpc"}',
  '{"headers":"","host":"x","destination":"00"}', // ambiguous
);

const routeTextArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: validRouteArb, weight: 4 },
  { arbitrary: objectTextArb(INNER_KEYS), weight: 5 },
  { arbitrary: nonObjectTextArb, weight: 1 },
);

const VALID_INNER_LAYERS: Uint8Array[] = [
  encodeLayer(GOLDEN_PAYLOAD, '{"headers":""}'),
  encodeLayer(
    new Uint8Array(40),
    `{"destination":"${NODE_B.ed25519}","enc_type":"xchacha20","ephemeral_key":"${EPHEMERAL.hex}"}`,
  ),
];

/** What the node finds after decrypting: a layer with fuzzed routing JSON, a mutated layer, or garbage. */
const innerPlaintextArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  {
    arbitrary: fc.tuple(
      fc.oneof(fc.constant(GOLDEN_PAYLOAD), fc.uint8Array({ maxLength: 64 })),
      textBytesArb(routeTextArb),
    )
      .map(([blob, json]) => encodeLayer(blob, json)),
    weight: 6,
  },
  { arbitrary: mutatedArb(VALID_INNER_LAYERS, INNER_KEYS.map((k) => `"${k}"`)), weight: 2 },
  { arbitrary: fc.uint8Array({ maxLength: 96 }), weight: 1 },
);

/** A layer sealed to the node; the trailer is usually right so decryption is reached. */
const craftedLayerArb: fc.Arbitrary<Uint8Array> = fc.tuple(encArb, innerPlaintextArb, fc.nat(), fc.nat(9), fc.nat())
  .chain(([enc, plain, nonce, mode, cut]) => {
    const other: EncType = enc === "aes-gcm" ? "xchacha20" : "aes-gcm";
    const trailer = mode <= 6 ? validTrailerTextArb(enc) : mode === 7
      ? validTrailerTextArb(other) // mismatched enc_type
      : objectTextArb(OUTER_KEYS);
    return trailer.map((t) => {
      const layer = layerForFuzzNode(enc, plain, t, nonce);
      if (mode !== 9) return layer;
      // Truncated tag: shorten the blob by 1…16 bytes and fix the prefix.
      const { blob, json } = decodeLayer(layer);
      return encodeLayer(blob.subarray(0, Math.max(0, blob.length - 1 - (cut % 16))), json);
    });
  });

/** A golden onion with its trailer replaced by a generated one. */
const goldenWithTrailerArb: fc.Arbitrary<Uint8Array> = fc.tuple(
  fc.constantFrom(...GOLDEN.map((g) => g.body)),
  textBytesArb(jsonTextArb(OUTER_KEYS)),
).map(([body, trailer]) => encodeLayer(decodeLayer(body).blob, trailer));

/** Low-order and non-canonical ephemeral keys (hardening.md §2, §7) on a well-sized blob. */
const badKeyArb: fc.Arbitrary<Uint8Array> = fc.tuple(
  fc.constantFrom(...LOW_ORDER_KEYS, ...NON_CANONICAL_KEYS),
  encArb,
  fc.uint8Array({ minLength: 40, maxLength: 120 }),
).map(([key, enc, blob]) => encodeLayer(blob, `{"enc_type":"${enc}","ephemeral_key":"${key}"}`));

/** Structured inputs for {@link fuzz}. */
export const structured: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: mutatedArb(GOLDEN.map((g) => g.body), OUTER_KEYS.map((k) => `"${k}"`)), weight: 4 },
  { arbitrary: craftedLayerArb, weight: 5 },
  { arbitrary: goldenWithTrailerArb, weight: 2 },
  { arbitrary: badKeyArb, weight: 1 },
);

/** Seeds too large to commit: 1 MiB trailer, depth bomb, inner message over 76,800 bytes. */
function seeds(): { name: string; input: Uint8Array }[] {
  const blob = decodeLayer(GOLDEN[0].body).blob;
  const big = `{"enc_type":"aes-gcm","ephemeral_key":"${EPHEMERAL.hex}","pad":"${"x".repeat(1 << 20)}"}`;
  const bomb = "[".repeat(100_000) + "]".repeat(100_000);
  const payload = new Uint8Array(80_000).fill(0x61);
  return [
    { name: "seed:trailer-1MiB", input: encodeLayer(blob, big) },
    { name: "seed:trailer-depth-bomb-100k", input: encodeLayer(blob, bomb) },
    { name: "seed:inner-message-80000B", input: layerForFuzzNode("xchacha20", encodeLayer(payload, '{"headers":""}')) },
    {
      name: "seed:inner-routing-json-1MiB",
      input: layerForFuzzNode("aes-gcm", encodeLayer(payload, `{"headers":"${"y".repeat(1 << 20)}"}`)),
    },
    {
      name: "seed:valid-trailer-hop15",
      input: layerForFuzzNode("aes-gcm", VALID_INNER_LAYERS[1], ephemeralTrailer("aes-gcm", 15)),
    },
  ];
}

/** The `peel_onion` target. */
export const target: FuzzTarget = {
  name: "peel_onion",
  fuzz,
  structured,
  tokens: [...OUTER_KEYS, ...INNER_KEYS].map((k) => `"${k}"`),
  seeds,
};
