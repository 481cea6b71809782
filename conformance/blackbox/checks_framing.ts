/**
 * Bad outer layers refused by the cheap checks, before any key agreement (hardening.md §1, §3,
 * §7): framing, blobs too short to authenticate, trailers, ephemeral keys, `enc_type` and
 * `hop_no`. Each answer is plain and exact. Ids `blackbox/bad_input/*`.
 *
 * @module
 */

import { encodeLayer, type EncType, MAX_OUTER_TRAILER_BYTES } from "../../mod.ts";
import { type Check, type CheckContext, type PlainAnswer, verifyPlain } from "./check.ts";
import { infoLayer, PATH_TOO_LONG } from "./checks_valid.ts";
import { DUMMY_KEY, replaceTrailer } from "./onions.ts";

/** The uniform answer to anything that fails to authenticate or decrypt (hardening.md §3). */
export const INVALID_CIPHERTEXT = "Invalid ciphertext";
/** Prefix of the plain 400 for malformed outer layers (hardening.md §3). */
export const PARSE_ERROR_PREFIX = "Error parsing onion request: ";

const FRAMING = PARSE_ERROR_PREFIX + "framing";
const TRAILER = PARSE_ERROR_PREFIX + "trailer";
const KEY = PARSE_ERROR_PREFIX + "key";
const ENC_TYPE = PARSE_ERROR_PREFIX + "enc_type";
const HOP_NO = PARSE_ERROR_PREFIX + "hop_no";

/** What a check built by {@link plainCheck} sends. */
export type BodySource = Uint8Array | ((ctx: CheckContext) => Promise<Uint8Array> | Uint8Array);

/**
 * A check sending one body to the onion endpoint and requiring one plain answer.
 *
 * @param name the name after `blackbox/bad_input/`
 * @param options the body (or how to build it) and the answer it requires
 * @returns the check
 */
export function plainCheck(name: string, options: { body: BodySource; expect: PlainAnswer }): Check {
  const { body, expect } = options;
  return {
    id: `blackbox/bad_input/${name}`,
    requests: 1,
    plain: [expect],
    async run(ctx) {
      const bytes = typeof body === "function" ? await body(ctx) : body;
      return verifyPlain(await ctx.http.send({ body: bytes }), expect);
    },
  };
}

/** {@link plainCheck} as one table row. */
function row(name: string, body: BodySource, status: number, text: string): Check {
  return plainCheck(name, { body, expect: { status, body: text } });
}

/** A body with a well-formed trailer around an arbitrary blob. */
function framed(blob: Uint8Array, trailer = `{"ephemeral_key":"${DUMMY_KEY}","enc_type":"xchacha20"}`): Uint8Array {
  return encodeLayer(blob, trailer);
}

/** A valid `info` layer of the node with its trailer replaced (cheap checks come before decryption). */
function withTrailer(encType: EncType, trailer: (t: Record<string, unknown>) => string) {
  return async (ctx: CheckContext) => {
    const layer = await infoLayer(ctx, encType);
    return replaceTrailer(layer.body, trailer(layer.trailer));
  };
}

/**
 * The checks of this group.
 *
 * @returns the checks, in report order
 */
export function framingChecks(): Check[] {
  const huge = new Uint8Array(8);
  new DataView(huge.buffer).setUint32(0, 0xffffffff, true);
  const blob = new Uint8Array(64);
  const overTrailer = `{"ephemeral_key":"${DUMMY_KEY}","p":"${"x".repeat(MAX_OUTER_TRAILER_BYTES)}"}`;
  const k = (v: string) => `{"ephemeral_key":${v}}`;
  const e = (v: string) => `{"ephemeral_key":"${DUMMY_KEY}","enc_type":${v}}`;
  return [
    // Framing (hardening.md §1): body ≥ 4, N ≤ len − 4.
    row("empty_body", new Uint8Array(0), 400, FRAMING),
    row("prefix_1_byte", new Uint8Array([1]), 400, FRAMING),
    row("prefix_2_bytes", new Uint8Array([1, 0]), 400, FRAMING),
    row("prefix_3_bytes", new Uint8Array([1, 0, 0]), 400, FRAMING),
    row("length_past_end", new Uint8Array([10, 0, 0, 0, 1, 2, 3]), 400, FRAMING),
    row("length_0xffffffff", huge, 400, FRAMING),
    // Blobs shorter than nonce + tag cannot authenticate: the uniform answer.
    row("blob_empty", framed(new Uint8Array(0)), 400, INVALID_CIPHERTEXT),
    row("blob_below_aes_gcm_minimum", framed(new Uint8Array(27), k(`"${DUMMY_KEY}"`)), 400, INVALID_CIPHERTEXT),
    row("blob_below_xchacha20_minimum", framed(new Uint8Array(39)), 400, INVALID_CIPHERTEXT),
    row("blob_garbage", framed(new Uint8Array(64).fill(7)), 400, INVALID_CIPHERTEXT),
    // Outer trailer: one flat JSON object ≤ 4 KiB, no duplicate keys.
    row("trailer_not_json", framed(blob, "not json"), 400, TRAILER),
    row("trailer_empty", framed(blob, ""), 400, TRAILER),
    row("trailer_array", framed(blob, "[]"), 400, TRAILER),
    row("trailer_string", framed(blob, '"x"'), 400, TRAILER),
    row("trailer_number", framed(blob, "1"), 400, TRAILER),
    row("trailer_null", framed(blob, "null"), 400, TRAILER),
    row("trailer_nested_object", framed(blob, `{"ephemeral_key":"${DUMMY_KEY}","x":{}}`), 400, TRAILER),
    row("trailer_depth_bomb", framed(blob, `{"x":${"[".repeat(100_000)}${"]".repeat(100_000)}}`), 400, TRAILER),
    row(
      "trailer_1_mib",
      framed(blob, `{"ephemeral_key":"${DUMMY_KEY}","p":"${"x".repeat(1 << 20)}"}`),
      400,
      TRAILER,
    ),
    row("trailer_over_limit", framed(blob, overTrailer), 400, TRAILER),
    row(
      "trailer_duplicate_key",
      framed(blob, `{"ephemeral_key":"${DUMMY_KEY}","ephemeral_key":"${DUMMY_KEY}"}`),
      400,
      TRAILER,
    ),
    row("trailer_invalid_utf8", encodeLayer(blob, new Uint8Array([0x7b, 0xff, 0x7d])), 400, TRAILER),
    row("trailer_trailing_garbage", framed(blob, `{"ephemeral_key":"${DUMMY_KEY}"} x`), 400, TRAILER),
    // ephemeral_key: exactly 64 hex digits.
    row("key_missing", framed(blob, "{}"), 400, KEY),
    row("key_62_hex", framed(blob, k(`"${"ab".repeat(31)}"`)), 400, KEY),
    row("key_66_hex", framed(blob, k(`"${"ab".repeat(33)}"`)), 400, KEY),
    row("key_non_hex", framed(blob, k(`"${"zz".repeat(32)}"`)), 400, KEY),
    row("key_0x_prefix", framed(blob, k(`"0x${"ab".repeat(31)}"`)), 400, KEY),
    row("key_whitespace", framed(blob, k(`" ${"ab".repeat(31)}a"`)), 400, KEY),
    row("key_number", framed(blob, k("1")), 400, KEY),
    row("key_null", framed(blob, k("null")), 400, KEY),
    // enc_type: aes-gcm / gcm / xchacha20 / xchacha20-poly1305; CBC and anything else refused.
    row("enc_type_unknown", framed(blob, e('"rot13"')), 400, ENC_TYPE),
    row("enc_type_aes_cbc", framed(blob, e('"aes-cbc"')), 400, ENC_TYPE),
    row("enc_type_cbc", framed(blob, e('"cbc"')), 400, ENC_TYPE),
    row("enc_type_upper_case", framed(blob, e('"AES-GCM"')), 400, ENC_TYPE),
    row("enc_type_number", framed(blob, e("1")), 400, ENC_TYPE),
    // hop_no: integer ≤ 15 (on a valid layer: these are refused before decryption).
    row("hop_no_16", withTrailer("aes-gcm", (t) => JSON.stringify({ ...t, hop_no: 16 })), 400, PATH_TOO_LONG),
    row(
      "hop_no_2_pow_31",
      withTrailer("xchacha20", (t) => JSON.stringify({ ...t, hop_no: 2 ** 31 })),
      400,
      PATH_TOO_LONG,
    ),
    row("hop_no_1_5", withTrailer("aes-gcm", (t) => JSON.stringify({ ...t, hop_no: 1.5 })), 400, HOP_NO),
    row("hop_no_string", withTrailer("xchacha20", (t) => JSON.stringify({ ...t, hop_no: "1" })), 400, HOP_NO),
    row("hop_no_null", withTrailer("aes-gcm", (t) => JSON.stringify({ ...t, hop_no: null })), 400, HOP_NO),
  ];
}
