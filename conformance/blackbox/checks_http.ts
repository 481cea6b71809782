/**
 * HTTP-level rules of the onion endpoint (hardening.md §1, §3, §7): no request decompression
 * (415), the body cap with and without `Content-Length` (413 `Request body too large`), the
 * `Content-Length` rules (400), and wrong methods and paths (404, or 405). Ids
 * `blackbox/bad_input/*`.
 *
 * `Content-Length` values that are not one run of decimal digits are usually refused by the HTTP
 * server in front of the application, with its own body (Deno's hyper: empty; workerd's kj-http:
 * `invalid content-length parsed`), so those checks require the 400 status only. Identical
 * duplicate `Content-Length` headers may be merged by the HTTP server before the application can
 * see them (RFC 9110 §8.6 allows it; workerd does): when the request is then served normally, the
 * check reports `unsupported`.
 *
 * @module
 */

import {
  type Check,
  type CheckContext,
  fail,
  isStatus,
  PASS,
  unsupported,
  verifyInfoAnswer,
  verifyPlain,
} from "./check.ts";
import { infoLayer } from "./checks_valid.ts";
import { bodyText, describeResult, ONION_PATH } from "./http.ts";

/** Plain 413 for a body over the cap (hardening.md §3). */
export const BODY_TOO_LARGE = "Request body too large";
/** Plain 400 for a malformed or lying `Content-Length` (hardening.md §1). */
export const INVALID_CONTENT_LENGTH = "invalid Content-Length";
/** Bytes per chunk of the streamed over-cap body. */
const STREAM_CHUNK_BYTES = 64 * 1024;

/** The request head of a raw POST to the onion endpoint, with extra header lines. */
function rawHead(ctx: CheckContext, lines: readonly string[]): string {
  return [`POST ${ONION_PATH} HTTP/1.1`, `Host: ${ctx.http.host}`, "Connection: close", ...lines, "", ""].join("\r\n");
}

/** A raw request with a malformed `Content-Length`: the 400 status is required, any body. */
function contentLengthCheck(name: string, lines: readonly string[], body: string): Check {
  return {
    id: `blackbox/bad_input/content_length_${name}`,
    requests: 1,
    plain: [{ status: 400 }],
    async run(ctx) {
      return verifyPlain(await ctx.http.raw(rawHead(ctx, lines), new TextEncoder().encode(body)), { status: 400 });
    },
  };
}

/** A request to a wrong path or with a wrong method: 404 (`…Not Found`), or 405 for a wrong method. */
function wrongRoute(name: string, method: string, path: string, allow405: boolean): Check {
  return {
    id: `blackbox/bad_input/${name}`,
    requests: 1,
    plain: [{ status: 404 }],
    async run(ctx) {
      const body = method === "GET" || method === "DELETE" ? undefined : new Uint8Array(64);
      const result = await ctx.http.send({ method, path, body });
      if (allow405 && isStatus(result, 405)) return PASS;
      if (isStatus(result, 404) && bodyText(result).endsWith("Not Found")) return PASS;
      return fail(`expected 404 "…Not Found"${allow405 ? " or 405" : ""}, got ${describeResult(result)}`);
    },
  };
}

/**
 * The checks of this group.
 *
 * @returns the checks, in report order
 */
export function httpChecks(): Check[] {
  return [
    {
      id: "blackbox/bad_input/gzip_body",
      requests: 1,
      plain: [{ status: 415 }],
      async run(ctx) {
        const layer = await infoLayer(ctx, "xchacha20");
        const result = await ctx.http.send({ body: layer.body, headers: { "content-encoding": "gzip" } });
        return verifyPlain(result, { status: 415 });
      },
    },
    {
      id: "blackbox/bad_input/content_length_over_cap",
      requests: 1,
      plain: [{ status: 413, body: BODY_TOO_LARGE }],
      async run(ctx) {
        // Refused from the header alone: nothing of the body is sent.
        const head = rawHead(ctx, [`Content-Length: ${ctx.maxBody + 1}`]);
        return verifyPlain(await ctx.http.raw(head), { status: 413, body: BODY_TOO_LARGE });
      },
    },
    {
      id: "blackbox/bad_input/chunked_over_cap",
      requests: 1,
      plain: [{ status: 413, body: BODY_TOO_LARGE }],
      async run(ctx) {
        // No Content-Length: the node must count while reading and stop at the cap.
        let sent = 0;
        const limit = ctx.maxBody + STREAM_CHUNK_BYTES;
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent >= limit) return controller.close();
            controller.enqueue(new Uint8Array(STREAM_CHUNK_BYTES));
            sent += STREAM_CHUNK_BYTES;
          },
        });
        return verifyPlain(await ctx.http.send({ body }), { status: 413, body: BODY_TOO_LARGE });
      },
    },
    contentLengthCheck("letters", ["Content-Length: abc"], "hello"),
    contentLengthCheck("plus_sign", ["Content-Length: +5"], "hello"),
    contentLengthCheck("negative", ["Content-Length: -5"], "hello"),
    contentLengthCheck("hex", ["Content-Length: 0x5"], "hello"),
    contentLengthCheck("list", ["Content-Length: 5, 5"], "hello"),
    contentLengthCheck("duplicate_differing", ["Content-Length: 5", "Content-Length: 6"], "hello!"),
    {
      id: "blackbox/bad_input/content_length_duplicate_identical",
      requests: 1,
      plain: [{ status: 400 }],
      async run(ctx) {
        // A valid onion: a node that ignores the duplicate would answer it.
        const layer = await infoLayer(ctx, "aes-gcm");
        const n = layer.body.length;
        const result = await ctx.http.raw(rawHead(ctx, [`Content-Length: ${n}`, `Content-Length: ${n}`]), layer.body);
        if (isStatus(result, 400)) return PASS;
        if (isStatus(result, 200) && (await verifyInfoAnswer(ctx, result, { layer })).outcome === "pass") {
          return unsupported(
            "the HTTP server merged identical duplicate Content-Length headers before the application (RFC 9110 §8.6); " +
              "the onion was served",
          );
        }
        return fail(`expected 400, got ${describeResult(result)}`);
      },
    },
    {
      id: "blackbox/bad_input/content_length_short_body",
      requests: 1,
      plain: [{ status: 400, body: INVALID_CONTENT_LENGTH }],
      async run(ctx) {
        // Declares 100 bytes more than it sends, then shuts its sending side.
        const layer = await infoLayer(ctx, "xchacha20");
        const head = rawHead(ctx, [`Content-Length: ${layer.body.length + 100}`]);
        return verifyPlain(await ctx.http.raw(head, layer.body, { halfClose: true }), {
          status: 400,
          body: INVALID_CONTENT_LENGTH,
        });
      },
    },
    wrongRoute("method_get", "GET", ONION_PATH, true),
    wrongRoute("method_put", "PUT", ONION_PATH, true),
    wrongRoute("method_delete", "DELETE", ONION_PATH, true),
    wrongRoute("path_v3", "POST", "/onion_req/v3", false),
    wrongRoute("path_trailing_slash", "POST", `${ONION_PATH}/`, false),
    wrongRoute("path_root", "GET", "/", false),
  ];
}
