/**
 * Replay refusal (hardening.md §5 "replay cache", §3): a layer the node has decrypted once is
 * refused with the uniform plain 400 `Invalid ciphertext` when it comes again — byte for byte, or
 * with the same key and blob under a re-encoded trailer — while a layer that failed to decrypt is
 * not remembered (garbage cannot fill the cache). Ids `blackbox/replay/*`.
 *
 * @module
 */

import { type Check, type CheckContext, fail, PASS, type Verdict, verifyInfoAnswer, verifyPlain } from "./check.ts";
import { INVALID_CIPHERTEXT } from "./checks_framing.ts";
import { infoLayer } from "./checks_valid.ts";
import { replaceTrailer, type SealedLayer } from "./onions.ts";

const REFUSED = [{ status: 400, body: INVALID_CIPHERTEXT }] as const;

/** Send a fresh `info` layer and require it to be answered (the first copy of a replay pair). */
async function firstCopy(ctx: CheckContext, layer: SealedLayer): Promise<Verdict> {
  const v = await verifyInfoAnswer(ctx, await ctx.http.send({ body: layer.body }), { layer });
  return v.outcome === "pass" ? v : fail(`first copy not served: ${v.detail}`);
}

/** A replay check: a served layer, then `again(layer)` must be refused. */
function replayCheck(name: string, again: (layer: SealedLayer) => Uint8Array): Check {
  return {
    id: `blackbox/replay/${name}`,
    requests: 2,
    plain: REFUSED,
    async run(ctx) {
      const layer = await infoLayer(ctx, "xchacha20");
      const first = await firstCopy(ctx, layer);
      if (first.outcome !== "pass") return first;
      const v = verifyPlain(await ctx.http.send({ body: again(layer) }), { status: 400, body: INVALID_CIPHERTEXT });
      return v.outcome === "pass" ? v : fail(`replay: ${v.detail}`);
    },
  };
}

/**
 * The checks of this group.
 *
 * @returns the checks, in report order
 */
export function replayChecks(): Check[] {
  return [
    replayCheck("identical_body", (l) => l.body),
    // The cache keys on the decoded key and the blob, not on the trailer text.
    replayCheck(
      "uppercase_key",
      (l) =>
        replaceTrailer(
          l.body,
          JSON.stringify({ ...l.trailer, ephemeral_key: String(l.trailer.ephemeral_key).toUpperCase() }),
        ),
    ),
    replayCheck("extra_trailer_key", (l) => replaceTrailer(l.body, JSON.stringify({ ...l.trailer, hop_no: 0, x: 1 }))),
    {
      id: "blackbox/replay/failed_layer_not_remembered",
      requests: 2,
      plain: REFUSED,
      async run(ctx) {
        const layer = await infoLayer(ctx, "aes-gcm");
        // The same key and blob under the other cipher first: refused, and must not be remembered
        // (the tag covers key and blob; it is inserted only after decryption, hardening.md §5).
        const mislabelled = replaceTrailer(layer.body, JSON.stringify({ ...layer.trailer, enc_type: "xchacha20" }));
        const v = verifyPlain(await ctx.http.send({ body: mislabelled }), { status: 400, body: INVALID_CIPHERTEXT });
        if (v.outcome !== "pass") return fail(`mislabelled copy: ${v.detail}`);
        const genuine = await verifyInfoAnswer(ctx, await ctx.http.send({ body: layer.body }), { layer });
        return genuine.outcome === "pass" ? PASS : fail(`genuine copy after a refused one: ${genuine.detail}`);
      },
    },
  ];
}
