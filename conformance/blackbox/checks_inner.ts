/**
 * Layers that decrypt but carry a bad inside (hardening.md §1, §3, §4, §7): garbage, ambiguous or
 * malformed routing JSON and a malformed storage request → encrypted 400 `Invalid json`; an
 * oversize message → encrypted 413; an unknown next node and a self-loop → plain 502
 * `Next node not found: <hex>`; relay-to-server URLs that must be refused (SSRF hosts, bad
 * targets, protocols and ports) → encrypted 400 `Invalid url`. Ids `blackbox/bad_input/*`.
 *
 * @module
 */

import { buildOnionRequest, type EncType, MAX_INNER_JSON_BYTES, toBase64, utf8 } from "../../mod.ts";
import { type Check, type CheckContext, verifyEncrypted, verifyPlain } from "./check.ts";
import { deliverPlaintext, DUMMY_KEY, ENC_TYPES, INFO_REQUEST, randomPublicKey, sealLayer } from "./onions.ts";

/** Encrypted 400 for a decrypted but malformed inside (hardening.md §3). */
export const INVALID_JSON = "Invalid json";
/** Encrypted 400 for a refused relay-to-server URL (hardening.md §3, §4). */
export const INVALID_URL = "Invalid url";
/** Encrypted 413 for an oversize message at the final destination. */
export const MESSAGE_TOO_LARGE = "Message too large";
/** Prefix of the plain 502 for an unknown next node. */
export const NEXT_NODE_NOT_FOUND_PREFIX = "Next node not found: ";
/** Largest message `data` (hardening.md §7 "oversize inner message (> 76,800 B)"). */
export const MAX_MESSAGE_DATA = 76_800;

/** A check sealing `plaintext` to the node and requiring an encrypted answer. */
function encryptedCheck(
  name: string,
  plaintext: Uint8Array | ((ctx: CheckContext) => Uint8Array | Promise<Uint8Array>),
  status: number,
  body: string,
  encType: EncType = "xchacha20",
): Check {
  return {
    id: `blackbox/bad_input/${name}`,
    requests: 1,
    async run(ctx) {
      const inner = typeof plaintext === "function" ? await plaintext(ctx) : plaintext;
      const layer = await sealLayer(ctx.node, inner, { provider: ctx.provider, encType });
      return await verifyEncrypted(ctx, await ctx.http.send({ body: layer.body }), { layer, status, body });
    },
  };
}

/**
 * `[N][blob]route`: an inner layer whose blob is a valid `info` request, so a node that let a
 * malformed or ambiguous route through to delivery would answer 200 instead of the error.
 */
function innerLayer(route: string): Uint8Array {
  return deliverPlaintext(INFO_REQUEST, route);
}

/** Routing JSON of a relay to an external server, as the exit node reads it (onion-requests.md §4.2). */
function serverRoute(host: string, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    enc_type: "xchacha20",
    ephemeral_key: DUMMY_KEY,
    host,
    method: "POST",
    port: 443,
    protocol: "https",
    target: "/oxen/v4/lsrpc",
    ...fields,
  });
}

/** Hosts an exit node must refuse (hardening.md §4, §7), name → host. */
const SSRF_HOSTS: Readonly<Record<string, string>> = {
  loopback_ipv4: "127.0.0.1",
  localhost: "localhost",
  loopback_ipv6: "[::1]",
  private_10: "10.0.0.1",
  private_172_16: "172.16.0.1",
  private_192_168: "192.168.1.1",
  link_local_metadata: "169.254.169.254",
  shared_100_64: "100.64.0.1",
  unspecified: "0.0.0.0",
  unique_local_ipv6: "[fd00::1]",
  link_local_ipv6: "[fe80::1]",
  ipv4_mapped_loopback: "[::ffff:127.0.0.1]",
  decimal_ipv4: "2130706433",
  hex_ipv4: "0x7f000001",
  short_ipv4: "127.1",
};

/** Other refused URLs: name → routing JSON (a public host, so only the named fault refuses it). */
const BAD_URLS: Readonly<Record<string, string>> = {
  target_dot_dot: serverRoute("example.org", { target: "/oxen/../lsrpc" }),
  target_encoded_dot_dot: serverRoute("example.org", { target: "/oxen/%2e%2e/v4/lsrpc" }),
  target_query: serverRoute("example.org", { target: "/oxen/v4/lsrpc?x=1" }),
  target_fragment: serverRoute("example.org", { target: "/oxen/v4/lsrpc#x" }),
  target_not_lsrpc: serverRoute("example.org", { target: "/oxen/v4/other" }),
  host_crlf: serverRoute("example.org\r\nX-Injected: 1"),
  host_userinfo: serverRoute("user@example.org"),
  host_with_port: serverRoute("example.org:8080"),
  host_non_ascii: serverRoute("exämple.org"),
  host_over_long: serverRoute(`${"a".repeat(63)}.`.repeat(5) + "org"),
  protocol_ftp: serverRoute("example.org", { protocol: "ftp" }),
  port_not_allowed: serverRoute("example.org", { port: 8443 }),
};

/**
 * The checks of this group.
 *
 * @returns the checks, in report order
 */
export function innerChecks(): Check[] {
  const checks: Check[] = [];
  for (const enc of ENC_TYPES) {
    checks.push(
      encryptedCheck(`decrypts_to_garbage_${enc}`, utf8("decrypts fine, but is not a layer"), 400, INVALID_JSON, enc),
    );
  }
  const next = (ctx: CheckContext) => ctx.relay?.ed25519 ?? ctx.node.ed25519;
  checks.push(
    encryptedCheck("inner_empty", new Uint8Array(0), 400, INVALID_JSON),
    encryptedCheck("inner_length_past_end", new Uint8Array([200, 0, 0, 0, 1]), 400, INVALID_JSON),
    encryptedCheck("inner_no_action", innerLayer("{}"), 400, INVALID_JSON),
    // Exactly one action (hardening.md §1): two of them is refused, not resolved by priority.
    encryptedCheck(
      "inner_ambiguous_deliver_and_relay",
      (ctx) => innerLayer(`{"headers":"","destination":"${next(ctx)}","ephemeral_key":"${DUMMY_KEY}"}`),
      400,
      INVALID_JSON,
    ),
    encryptedCheck(
      "inner_ambiguous_deliver_and_server",
      innerLayer('{"headers":"","host":"example.org","target":"/oxen/v4/lsrpc"}'),
      400,
      INVALID_JSON,
    ),
    encryptedCheck(
      "inner_ambiguous_server_and_relay",
      (ctx) =>
        innerLayer(
          `{"host":"example.org","target":"/oxen/v4/lsrpc","destination":"${
            next(ctx)
          }","ephemeral_key":"${DUMMY_KEY}"}`,
        ),
      400,
      INVALID_JSON,
    ),
    encryptedCheck(
      "inner_json_over_limit",
      innerLayer(`{"headers":"","pad":"${"x".repeat(MAX_INNER_JSON_BYTES)}"}`),
      400,
      INVALID_JSON,
    ),
    encryptedCheck("inner_json_too_deep", innerLayer('{"headers":{"a":{"b":{"c":1}}}}'), 400, INVALID_JSON),
    encryptedCheck("inner_json_duplicate_key", innerLayer('{"headers":"","headers":""}'), 400, INVALID_JSON),
    encryptedCheck("inner_json_mistyped", innerLayer('{"headers":"","json":"yes"}'), 400, INVALID_JSON),
    encryptedCheck(
      "inner_relay_short_key",
      (ctx) => innerLayer(`{"destination":"${next(ctx)}","ephemeral_key":"${"ab".repeat(31)}"}`),
      400,
      INVALID_JSON,
    ),
    encryptedCheck(
      "inner_relay_cbc",
      (ctx) => innerLayer(`{"destination":"${next(ctx)}","ephemeral_key":"${DUMMY_KEY}","enc_type":"aes-cbc"}`),
      400,
      INVALID_JSON,
    ),
    // The storage request itself (onion-requests.md §6).
    encryptedCheck("rpc_not_json", deliverPlaintext("not json"), 400, INVALID_JSON),
    encryptedCheck(
      "oversize_message",
      deliverPlaintext(`{"method":"store","params":{"data":"${toBase64(new Uint8Array(MAX_MESSAGE_DATA + 1))}"}}`),
      413,
      MESSAGE_TOO_LARGE,
    ),
  );
  // Routing to nodes the target does not (or must not) relay to: plain 502.
  checks.push(
    {
      id: "blackbox/bad_input/unknown_destination",
      requests: 1,
      plain: [{ status: 502 }],
      async run(ctx) {
        const stranger = { ed25519: await randomPublicKey(ctx.provider), x25519: await randomPublicKey(ctx.provider) };
        const onion = await buildOnionRequest({
          path: [ctx.node],
          destination: stranger,
          payload: utf8(INFO_REQUEST),
          provider: ctx.provider,
        });
        const expected = NEXT_NODE_NOT_FOUND_PREFIX + stranger.ed25519;
        return verifyPlain(await ctx.http.send({ body: onion.body }), { status: 502, body: expected });
      },
    },
    {
      id: "blackbox/bad_input/self_loop",
      requests: 1,
      plain: [{ status: 502 }],
      async run(ctx) {
        const onion = await buildOnionRequest({
          path: [ctx.node],
          destination: ctx.node,
          payload: utf8(INFO_REQUEST),
          provider: ctx.provider,
        });
        const expected = NEXT_NODE_NOT_FOUND_PREFIX + ctx.node.ed25519.toLowerCase();
        return verifyPlain(await ctx.http.send({ body: onion.body }), { status: 502, body: expected });
      },
    },
  );
  for (const [name, host] of Object.entries(SSRF_HOSTS)) {
    checks.push(encryptedCheck(`ssrf_${name}`, innerLayer(serverRoute(host)), 400, INVALID_URL));
  }
  for (const [name, route] of Object.entries(BAD_URLS)) {
    checks.push(encryptedCheck(`server_${name}`, innerLayer(route), 400, INVALID_URL));
  }
  return checks;
}
