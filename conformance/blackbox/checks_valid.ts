/**
 * Valid onions (onion-requests.md §1–§6, §9): the node as final destination answering `info`
 * with each cipher and with every accepted trailer variant, and the node as a relay to the
 * `--relay` node. Ids `blackbox/final/*` and `blackbox/relay/*`.
 *
 * @module
 */

import {
  buildOnionRequest,
  decryptOnionReply,
  type EncType,
  fromUtf8,
  MAX_OUTER_TRAILER_BYTES,
  utf8,
} from "../../mod.ts";
import {
  type Check,
  type CheckContext,
  fail,
  isStatus,
  unsupported,
  type Verdict,
  verifyEncrypted,
  verifyInfo,
  verifyInfoAnswer,
  verifyPlain,
} from "./check.ts";
import { describeResult } from "./http.ts";
import {
  deliverPlaintext,
  ENC_TYPES,
  INFO_REQUEST,
  replaceTrailer,
  type SealedLayer,
  sealLayer,
  trailerOf,
} from "./onions.ts";

/** The plain answer for `hop_no` above 15 (onion-requests.md §5, §8). */
export const PATH_TOO_LONG = "onion request max path length exceeded";

/**
 * A sealed `info` request to the node (a final-destination layer).
 *
 * @param ctx the context (node, provider)
 * @param encType cipher
 * @returns the layer
 */
export function infoLayer(ctx: CheckContext, encType: EncType): Promise<SealedLayer> {
  return sealLayer(ctx.node, deliverPlaintext(INFO_REQUEST), { provider: ctx.provider, encType });
}

/** A final-destination check: an `info` layer, its trailer rewritten by `trailer`, must be answered. */
function finalCheck(
  name: string,
  encType: EncType,
  trailer?: (t: Record<string, unknown>) => string,
): Check {
  return {
    id: `blackbox/final/${name}`,
    requests: 1,
    async run(ctx) {
      const layer = await infoLayer(ctx, encType);
      const body = trailer === undefined ? layer.body : replaceTrailer(layer.body, trailer(layer.trailer));
      return await verifyInfoAnswer(ctx, await ctx.http.send({ body }), { layer });
    },
  };
}

/** A trailer of exactly `n` bytes: the layer's own keys plus a padding key. */
function trailerOfSize(t: Record<string, unknown>, n: number): string {
  const head = `{"ephemeral_key":"${t.ephemeral_key}","enc_type":"${t.enc_type}","pad":"`;
  return head + "x".repeat(n - head.length - 2) + '"}';
}

/** A relay check: an onion through the node to `--relay`, answered by the relay. */
function relayCheck(name: string, encType: EncType | EncType[], hopNo?: number, expectPathTooLong = false): Check {
  return {
    id: `blackbox/relay/${name}`,
    requests: 1,
    plain: expectPathTooLong ? [{ status: 400, body: PATH_TOO_LONG }] : undefined,
    async run(ctx): Promise<Verdict> {
      if (ctx.relay === undefined) return unsupported("no relay node given (--relay)");
      const onion = await buildOnionRequest({
        path: [ctx.node],
        destination: ctx.relay,
        payload: utf8(INFO_REQUEST),
        encType: Array.isArray(encType) ? encType : [encType, encType],
        provider: ctx.provider,
      });
      // The builder keeps hop_no within the path's room; a client may still write any 0…15.
      const body = hopNo === undefined
        ? onion.body
        : replaceTrailer(onion.body, JSON.stringify({ ...trailerOf(onion.body), hop_no: hopNo }));
      const result = await ctx.http.send({ body });
      if (expectPathTooLong) return verifyPlain(result, { status: 400, body: PATH_TOO_LONG });
      if (!isStatus(result, 200)) {
        return fail(`expected 200 with the relay's encrypted info answer, got ${describeResult(result)}`);
      }
      let answer;
      try {
        answer = await decryptOnionReply(onion.reply, result.body, { provider: ctx.provider });
      } catch {
        return fail(
          `expected the relay's encrypted info answer, got 200 that does not decrypt: ${describeResult(result)}`,
        );
      }
      return verifyInfo(answer.status, fromUtf8(answer.body));
    },
  };
}

/**
 * The checks of this group.
 *
 * @returns the checks, in report order
 */
export function validChecks(): Check[] {
  const checks: Check[] = [];
  for (const enc of ENC_TYPES) checks.push(finalCheck(enc, enc));
  checks.push(
    // Absent enc_type means aes-gcm (onion-requests.md §2).
    finalCheck("enc_type_absent", "aes-gcm", (t) => JSON.stringify({ ephemeral_key: t.ephemeral_key })),
    finalCheck("enc_type_gcm_alias", "aes-gcm", (t) => JSON.stringify({ ...t, enc_type: "gcm" })),
    finalCheck(
      "enc_type_xchacha20_poly1305_alias",
      "xchacha20",
      (t) => JSON.stringify({ ...t, enc_type: "xchacha20-poly1305" }),
    ),
    finalCheck(
      "uppercase_key",
      "xchacha20",
      (t) => JSON.stringify({ ...t, ephemeral_key: String(t.ephemeral_key).toUpperCase() }),
    ),
    finalCheck(
      "json_formatting",
      "aes-gcm",
      (t) => `{ "enc_type" : "${t.enc_type}" ,\n  "ephemeral_key":"${t.ephemeral_key}" }`,
    ),
    // Unknown trailer keys are ignored (hardening.md §1, forward compatibility).
    finalCheck("unknown_trailer_keys", "xchacha20", (t) => JSON.stringify({ ...t, future: "x", n: 1 })),
    finalCheck("trailer_at_limit", "xchacha20", (t) => trailerOfSize(t, MAX_OUTER_TRAILER_BYTES)),
    // Negative hop_no is clamped to 0; 15 is the largest accepted (hardening.md §1).
    finalCheck("hop_no_negative", "aes-gcm", (t) => JSON.stringify({ ...t, hop_no: -1 })),
    finalCheck("hop_no_15", "xchacha20", (t) => JSON.stringify({ ...t, hop_no: 15 })),
    {
      id: "blackbox/final/unknown_method",
      requests: 1,
      async run(ctx) {
        const plaintext = deliverPlaintext('{"method":"blackbox_nope","params":{}}');
        const layer = await sealLayer(ctx.node, plaintext, { provider: ctx.provider, encType: "xchacha20" });
        const result = await ctx.http.send({ body: layer.body });
        return await verifyEncrypted(ctx, result, { layer, status: 400, body: "no method blackbox_nope" });
      },
    },
  );
  for (const enc of ENC_TYPES) checks.push(relayCheck(enc, enc));
  checks.push(
    relayCheck("mixed_ciphers", ["aes-gcm", "xchacha20"]),
    // The node forwards hop_no + 1; 16 is refused by the next node and passed back unchanged.
    relayCheck("hop_no_15_forwarded_as_16", "xchacha20", 15, true),
  );
  return checks;
}
