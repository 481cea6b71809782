/**
 * Layers that pass the cheap checks but must not authenticate (hardening.md §2, §3, §7): bit
 * flips in nonce, ciphertext and tag, a truncated or missing tag, the other cipher named, a wrong
 * ephemeral key, non-canonical encodings of a valid key, and every low-order X25519 key. Each
 * is a real `info` layer of the node, changed in one place, and must get the uniform plain 400
 * `Invalid ciphertext`. Ids `blackbox/bad_input/*`.
 *
 * @module
 */

import { type EncType, minBlobBytes } from "../../mod.ts";
import { type Check, type CheckContext, fail, PASS, verifyPlain } from "./check.ts";
import { INVALID_CIPHERTEXT, plainCheck } from "./checks_framing.ts";
import { infoLayer } from "./checks_valid.ts";
import { LOW_ORDER_KEYS } from "./low_order_keys.ts";
import { editBlob, ENC_TYPES, replaceTrailer, type SealedLayer } from "./onions.ts";

/** Flip bit `bit` of byte `at` (negative: from the end). */
function flip(at: number, bit = 0) {
  return (blob: Uint8Array) => {
    blob[at < 0 ? blob.length + at : at] ^= 1 << bit;
    return blob;
  };
}

/** The other cipher. */
function other(enc: EncType): EncType {
  return enc === "aes-gcm" ? "xchacha20" : "aes-gcm";
}

/** A check changing one thing of a valid `info` layer. */
function tampered(
  name: string,
  enc: EncType,
  change: (layer: SealedLayer, ctx: CheckContext) => Uint8Array,
): Check {
  return plainCheck(`${name}_${enc}`, {
    body: async (ctx) => change(await infoLayer(ctx, enc), ctx),
    expect: { status: 400, body: INVALID_CIPHERTEXT },
  });
}

/** Set the top bit of a hex key's last byte (RFC 7748 receivers ignore it: the same shared secret). */
function withTopBit(hex: string): string {
  return hex.slice(0, 62) + (parseInt(hex.slice(62), 16) | 0x80).toString(16).padStart(2, "0");
}

/**
 * The checks of this group.
 *
 * @returns the checks, in report order
 */
export function cryptoChecks(): Check[] {
  const checks: Check[] = [];
  for (const enc of ENC_TYPES) {
    const nonce = minBlobBytes(enc) - 16;
    const trailer = (layer: SealedLayer, t: Record<string, unknown>) =>
      replaceTrailer(layer.body, JSON.stringify({ ...layer.trailer, ...t }));
    checks.push(
      tampered("flip_nonce_first_bit", enc, (l) => editBlob(l, flip(0))),
      tampered("flip_nonce_last_byte", enc, (l) => editBlob(l, flip(nonce - 1, 7))),
      tampered("flip_ciphertext_first_byte", enc, (l) => editBlob(l, flip(nonce))),
      tampered("flip_ciphertext_middle", enc, (l) => editBlob(l, (b) => flip(Math.floor(b.length / 2), 3)(b))),
      tampered("flip_tag_first_byte", enc, (l) => editBlob(l, flip(-16))),
      tampered("flip_tag_last_bit", enc, (l) => editBlob(l, flip(-1, 7))),
      tampered("truncated_tag", enc, (l) => editBlob(l, (b) => b.subarray(0, b.length - 1))),
      tampered("tag_removed", enc, (l) => editBlob(l, (b) => b.subarray(0, b.length - 16))),
      tampered("mismatched_enc_type", enc, (l) => trailer(l, { enc_type: other(enc) })),
      // A valid curve point that is not this layer's ephemeral key: the node's own key.
      tampered("wrong_key", enc, (l, ctx) => trailer(l, { ephemeral_key: ctx.node.x25519 })),
    );
  }
  // Non-canonical encodings of a valid ephemeral key: the top bit set (aes-gcm's key ignores the
  // encoding, so an accepting node would decrypt — and a replay could be re-encoded this way).
  checks.push(
    tampered(
      "key_top_bit_set",
      "aes-gcm",
      (l) =>
        replaceTrailer(
          l.body,
          JSON.stringify({ ...l.trailer, ephemeral_key: withTopBit(String(l.trailer.ephemeral_key)) }),
        ),
    ),
  );
  // Every low-order key, with a real blob of each cipher.
  for (const [name, key] of Object.entries(LOW_ORDER_KEYS)) {
    checks.push({
      id: `blackbox/bad_input/low_order_key_${name}`,
      requests: ENC_TYPES.length,
      plain: [{ status: 400, body: INVALID_CIPHERTEXT }],
      async run(ctx) {
        for (const enc of ENC_TYPES) {
          const layer = await infoLayer(ctx, enc);
          const body = replaceTrailer(layer.body, JSON.stringify({ ephemeral_key: key, enc_type: enc }));
          const v = verifyPlain(await ctx.http.send({ body }), { status: 400, body: INVALID_CIPHERTEXT });
          if (v.outcome !== "pass") return fail(`${enc}: ${v.detail}`);
        }
        return PASS;
      },
    });
  }
  return checks;
}
