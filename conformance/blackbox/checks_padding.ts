/**
 * Reply padding (hardening.md §6): a final destination pads the `{"body","status"}` JSON with
 * trailing spaces to a bucket — 512 B, 1 KiB, 2 KiB … 64 KiB, then multiples of 64 KiB — before
 * sealing, errors included (to the bucket of the smallest success). Each check seals a layer with
 * a known key, so it reads the exact plaintext and checks: the plaintext length is the smallest
 * bucket holding the JSON (`paddedLength`), the padding is spaces only, and the wire length is
 * `base64(bucket + nonce + tag)`, i.e. `4·⌈(bucket + 28 or 40) / 3⌉`.
 *
 * Padding is allium's addition: the reference storage server does not pad. With
 * `paddingCheck: false` (CLI `--no-padding-check`) every check here reports `unsupported`.
 * Ids `blackbox/padding/*`.
 *
 * @module
 */

import { type EncType, minBlobBytes, paddedLength, utf8 } from "../../mod.ts";
import {
  type Check,
  type CheckContext,
  fail,
  isVerdict,
  openAnswer,
  PASS,
  unsupported,
  type Verdict,
} from "./check.ts";
import { INVALID_JSON, INVALID_URL } from "./checks_inner.ts";
import { deliverPlaintext, DUMMY_KEY, INFO_REQUEST, sealLayer } from "./onions.ts";

const SPACE = 0x20;

/** Why the check is skipped when padding checks are off. */
export const PADDING_OFF =
  "padding check off (--no-padding-check): reply padding is allium's addition (hardening.md §6); the reference does not pad";

/**
 * Whether a length is a padding bucket: 512·2^k up to 64 KiB, or a multiple of 64 KiB.
 *
 * @param n a plaintext length
 * @returns true for a bucket size
 * @example
 * ```ts
 * import { isBucket } from "./checks_padding.ts";
 * if (!isBucket(512) || !isBucket(65536) || !isBucket(196608) || isBucket(768) || isBucket(100)) throw new Error("bad");
 * ```
 */
export function isBucket(n: number): boolean {
  return Number.isInteger(n) && n > 0 && paddedLength(n) === n;
}

/**
 * Check one padded plaintext and its wire length.
 *
 * @param plaintext the decrypted plaintext
 * @param options bytes of the HTTP body (base64 text), and the cipher
 * @returns pass or fail
 * @example
 * ```ts
 * import { verifyPadding } from "./checks_padding.ts";
 * const plaintext = new Uint8Array(512).fill(0x20);
 * plaintext.set(new TextEncoder().encode('{"body":"x","status":400}'));
 * if (verifyPadding(plaintext, { wireLength: 4 * Math.ceil((512 + 28) / 3), encType: "aes-gcm" }).outcome !== "pass") {
 *   throw new Error("bad");
 * }
 * ```
 */
export function verifyPadding(plaintext: Uint8Array, options: { wireLength: number; encType: EncType }): Verdict {
  const { wireLength, encType } = options;
  let json = plaintext.length;
  while (json > 0 && plaintext[json - 1] === SPACE) json--;
  const want = paddedLength(json);
  if (plaintext.length !== want) {
    return fail(
      `expected the ${json}-byte reply padded to ${want} bytes, got ${plaintext.length} bytes${
        plaintext.length === json ? " (not padded)" : ""
      }`,
    );
  }
  const sealed = plaintext.length + minBlobBytes(encType);
  const base64 = 4 * Math.ceil(sealed / 3);
  if (wireLength !== base64) {
    return fail(`expected ${base64} bytes on the wire (base64 of ${sealed}), got ${wireLength}`);
  }
  return PASS;
}

/** A padding check of the reply to `plaintext`. */
function paddingCheck(
  name: string,
  encType: EncType,
  plaintext: Uint8Array,
  what: string,
): Check {
  return {
    id: `blackbox/padding/${name}`,
    requests: 1,
    async run(ctx: CheckContext) {
      if (!ctx.paddingCheck) return unsupported(PADDING_OFF);
      const layer = await sealLayer(ctx.node, plaintext, { provider: ctx.provider, encType });
      const result = await ctx.http.send({ body: layer.body });
      const reply = await openAnswer(ctx, result, { layer, want: what });
      if (isVerdict(reply)) return reply;
      if (result.kind !== "answer") return fail("unreachable");
      return verifyPadding(reply.plaintext, { wireLength: result.body.length, encType });
    },
  };
}

/**
 * The checks of this group.
 *
 * @returns the checks, in report order
 */
export function paddingChecks(): Check[] {
  const serverRoute =
    `{"enc_type":"xchacha20","ephemeral_key":"${DUMMY_KEY}","host":"127.0.0.1","method":"POST","port":443,"protocol":"https","target":"/oxen/v4/lsrpc"}`;
  return [
    paddingCheck("final_aes-gcm", "aes-gcm", deliverPlaintext(INFO_REQUEST), "the encrypted info answer"),
    paddingCheck("final_xchacha20", "xchacha20", deliverPlaintext(INFO_REQUEST), "the encrypted info answer"),
    paddingCheck("invalid_json", "xchacha20", utf8("not a layer"), `encrypted 400 "${INVALID_JSON}"`),
    paddingCheck(
      "unknown_method",
      "aes-gcm",
      deliverPlaintext('{"method":"blackbox_nope","params":{}}'),
      "encrypted 400",
    ),
    paddingCheck(
      "invalid_url",
      "xchacha20",
      new Uint8Array([...[4, 0, 0, 0], ...utf8("blob"), ...utf8(serverRoute)]),
      `encrypted 400 "${INVALID_URL}"`,
    ),
  ];
}
