/**
 * Fuzz target: HTTP requests → the gateway app (`app.request`, gateway/app.ts) of the test node
 * `SELF` with fresh state per input (fake clock and forwarder, small replay cache): arbitrary
 * bodies, headers, methods and paths to `/onion_req/v2` and the other routes.
 *
 * ## Input format
 *
 * An input starting with `METHOD /` is a request: `METHOD PATH [flag…]\n`, header lines
 * `Name: value\n`, an empty line, then the body. Flags: `x2` (send it twice: a replay), `stream`
 * (the body as a stream of 7-byte chunks), `from=<address>` (client address, default
 * 198.51.100.7), `fwd=<busy|timeout|unreachable|bad_response>` (what the fake next hop does). Any
 * other input is the body of `POST /onion_req/v2` without headers, so raw onion bodies (the
 * `peel_onion` corpus) are inputs too. Headers or methods the Fetch API refuses are dropped.
 *
 * Expected refusal: none is thrown — the gateway answers every request. Findings: anything
 * thrown by `app.request`; a 500 (an uncaught exception in a route or middleware); a status
 * outside the documented set (200, 400, 404, 408, 413, 415, 429, and the relay answers 502 / 503 /
 * 504); a non-200 body that is not one of the fixed texts of gateway/responses.ts (exception text
 * or input echoed back); an `unexpected_error` log line; a replayed onion that is not refused.
 *
 * @module
 */

import fc from "fast-check";
import { concat } from "../../mod.ts";
import type { ForwardFailure } from "../../gateway/relay/forwarder.ts";
import { INVALID_CIPHERTEXT } from "../../gateway/responses.ts";
import { checkFixedAnswer, DOWNSTREAM_BODY, freshGateway, GATEWAY_BODIES } from "../_gateway.ts";
import { type FuzzTarget, invariant } from "../_harness.ts";
import { mutatedArb } from "../_mutate.ts";

const te = new TextEncoder();
const td = new TextDecoder();
const ONION = "/onion_req/v2";
const CLIENT = "198.51.100.7";
const FAILURES = new Set<ForwardFailure>(["busy", "timeout", "unreachable", "bad_response"]);

/** A decoded input. */
interface FuzzRequest {
  method: string;
  path: string;
  headers: [string, string][];
  body: Uint8Array;
  twice: boolean;
  stream: boolean;
  from: string;
  fwd?: ForwardFailure;
}

function latin1(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

/**
 * Decode an input (format in the module documentation).
 *
 * @param input any bytes
 * @returns the request to send
 */
export function readRequest(input: Uint8Array): FuzzRequest {
  const plain: FuzzRequest = {
    method: "POST",
    path: ONION,
    headers: [],
    body: input,
    twice: false,
    stream: false,
    from: CLIENT,
  };
  const lineEnd = input.indexOf(0x0a);
  const first = latin1(input.subarray(0, lineEnd < 0 ? Math.min(input.length, 256) : lineEnd));
  const m = /^([A-Za-z]{1,10}) (\/\S*)((?: \S+)*)$/.exec(first);
  if (lineEnd < 0 || m === null) return plain;
  const req: FuzzRequest = { ...plain, method: m[1], path: m[2], body: new Uint8Array(0) };
  for (const flag of m[3].trim().split(" ")) {
    if (flag === "x2") req.twice = true;
    else if (flag === "stream") req.stream = true;
    else if (flag.startsWith("from=")) req.from = flag.slice(5);
    else if (flag.startsWith("fwd=") && FAILURES.has(flag.slice(4) as ForwardFailure)) {
      req.fwd = flag.slice(4) as ForwardFailure;
    }
  }
  let at = lineEnd + 1;
  for (;;) {
    const end = input.indexOf(0x0a, at);
    if (end < 0) {
      at = input.length;
      break;
    }
    const line = latin1(input.subarray(at, end));
    at = end + 1;
    if (line === "" || line === "\r") break;
    const colon = line.indexOf(":");
    if (colon > 0) req.headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  req.body = input.subarray(at);
  return req;
}

function chunked(body: Uint8Array): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= body.length) controller.close();
      else {
        controller.enqueue(body.slice(at, at + 7));
        at += 7;
      }
    },
  });
}

/** Build a Fetch Request, dropping what the Fetch API itself refuses. */
function toRequest(r: FuzzRequest): Request {
  const headers = new Headers();
  for (const [name, value] of r.headers) {
    try {
      headers.append(name, value);
    } catch {
      // not a valid header name or value: the client could not send it either
    }
  }
  let url: URL;
  try {
    url = new URL(r.path, "http://localhost");
  } catch {
    url = new URL(ONION, "http://localhost");
  }
  const bodyless = /^(GET|HEAD)$/i.test(r.method);
  const init: RequestInit & { duplex?: "half" } = { method: r.method, headers };
  if (!bodyless) {
    init.body = r.stream ? chunked(r.body) : r.body.slice();
    if (r.stream) init.duplex = "half";
  }
  try {
    return new Request(url, init);
  } catch {
    return new Request(url, { ...init, method: "POST" });
  }
}

/**
 * Send `input` to a fresh gateway and check the answers.
 *
 * @param input any bytes (format in the module documentation)
 * @returns `"refused"` when the gateway refused the request
 */
export async function fuzz(input: Uint8Array): Promise<void | "refused"> {
  const r = readRequest(input);
  const gw = freshGateway();
  if (r.fwd !== undefined) gw.forwarder.answer = r.fwd;
  const env = { remoteAddr: { hostname: r.from, port: 40000, transport: "tcp" as const } };
  let refused = false;
  let firstOk = false;
  for (let round = 0; round < (r.twice ? 2 : 1); round++) {
    const req = toRequest(r);
    const res = await gw.app.request(req, undefined, env);
    const body = td.decode(await res.arrayBuffer());
    const where = `${req.method} ${new URL(req.url).pathname}${round === 1 ? " (replayed)" : ""}`;
    if (round === 1 && firstOk && req.method === "POST" && new URL(req.url).pathname === ONION) {
      invariant(res.status === 400 && body === INVALID_CIPHERTEXT, `${where}: a replay is answered ${res.status}`);
    }
    if (res.status === 200) {
      firstOk = round === 0;
      continue; // encrypted answer, pass-through, health or metrics
    }
    if (req.method === "HEAD" && body === "") {
      invariant(res.status !== 500, `${where}: 500`);
    } else if (body !== DOWNSTREAM_BODY) checkFixedAnswer(res.status, body, where);
    refused = true;
  }
  const unexpected = gw.logger.lines.filter((l) => l.includes("unexpected_error") || l.includes("rpc_handler_failed"));
  invariant(unexpected.length === 0, `logged ${unexpected[0]}`);
  return refused ? "refused" : undefined;
}

/** Serialise a request in the input format. */
export function requestInput(r: Partial<FuzzRequest> & { body: Uint8Array }): Uint8Array {
  const flags = [
    ...(r.twice ? ["x2"] : []),
    ...(r.stream ? ["stream"] : []),
    ...(r.from !== undefined ? [`from=${r.from}`] : []),
    ...(r.fwd !== undefined ? [`fwd=${r.fwd}`] : []),
  ];
  const head = [`${r.method ?? "POST"} ${r.path ?? ONION}${flags.map((f) => " " + f).join("")}`];
  for (const [n, v] of r.headers ?? []) head.push(`${n}: ${v}`);
  return concat(te.encode(head.join("\n") + "\n\n"), r.body);
}

const BODIES = GATEWAY_BODIES.map((g) => g.body);

const bodyArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: fc.constantFrom(...BODIES), weight: 4 },
  { arbitrary: mutatedArb(BODIES), weight: 4 },
  { arbitrary: fc.uint8Array({ maxLength: 64 }), weight: 1 },
);

const headerArb: fc.Arbitrary<(body: Uint8Array) => [string, string]> = fc.oneof(
  fc.constantFrom(
    (b: Uint8Array): [string, string] => ["content-length", String(b.length)],
    (b: Uint8Array): [string, string] => ["content-length", String(b.length + 1)],
    (b: Uint8Array): [string, string] => ["content-length", String(Math.max(0, b.length - 1))],
    (b: Uint8Array): [string, string] => ["content-length", `${b.length}, ${b.length}`],
    (b: Uint8Array): [string, string] => ["content-length", `0${b.length}`],
    (b: Uint8Array): [string, string] => ["content-length", `+${b.length}`],
  ),
  fc.constantFrom<[string, string]>(
    ["content-length", "-1"],
    ["content-length", "1e3"],
    ["content-length", "99999999999999999999"],
    ["content-length", "10485761"],
    ["content-length", ""],
    ["content-encoding", "gzip"],
    ["content-encoding", "identity"],
    ["content-encoding", "IDENTITY"],
    ["content-encoding", "identity, gzip"],
    ["content-encoding", ""],
    ["transfer-encoding", "chunked"],
    ["content-type", "application/octet-stream"],
    ["content-type", "text/plain; charset=utf-16"],
    ["x-forwarded-for", "127.0.0.1"],
    ["expect", "100-continue"],
    ["connection", "close"],
    ["host", "evil.example"],
    ["x-request-id", "../../etc/passwd"],
  ).map((h) => () => h),
);

const requestArb: fc.Arbitrary<Uint8Array> = fc.record({
  method: fc.oneof(
    { arbitrary: fc.constant("POST"), weight: 12 },
    { arbitrary: fc.constantFrom("GET", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "post", "TRACE"), weight: 2 },
  ),
  path: fc.oneof({ arbitrary: fc.constant(ONION), weight: 10 }, {
    arbitrary: fc.constantFrom(
      ONION + "/",
      "/ONION_REQ/V2",
      "//onion_req/v2",
      "/onion_req/v2?x=1",
      "/onion_req/v2#f",
      "/onion_req/%76%32",
      "/onion_req/v2/../v2",
      "/onion_req/v3",
      "/health",
      "/metrics",
      "/",
      "/loki/v3/lsrpc",
      "/oxen/v4/lsrpc",
      "/storage_rpc/v1",
      "/%00",
    ),
    weight: 3,
  }),
  headers: fc.array(headerArb, { maxLength: 3 }),
  body: bodyArb,
  twice: fc.boolean(),
  stream: fc.boolean(),
  from: fc.constantFrom(CLIENT, CLIENT, "127.0.0.1", "::1", "2001:db8::1", "::ffff:127.0.0.1", "", "not-an-ip"),
  fwd: fc.constantFrom(undefined, undefined, undefined, "busy", "timeout", "unreachable", "bad_response"),
}).map((r) =>
  requestInput({
    ...r,
    headers: r.headers.map((h) => h(r.body)),
    fwd: r.fwd as ForwardFailure | undefined,
    from: r.from === CLIENT ? undefined : r.from,
  })
);

/** Structured inputs for {@link fuzz}. */
export const structured: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: requestArb, weight: 6 },
  { arbitrary: bodyArb, weight: 3 },
);

function seeds(): { name: string; input: Uint8Array }[] {
  return [
    { name: "seed:body-10MiB+1", input: new Uint8Array(10 * 1024 * 1024 + 1) },
    { name: "seed:body-1MiB-stream", input: requestInput({ stream: true, body: new Uint8Array(1 << 20) }) },
    { name: "seed:trailer-1MiB", input: concat(Uint8Array.of(0, 0, 0, 0), new Uint8Array(1 << 20).fill(0x7b)) },
  ];
}

/** The `gateway_route` target. */
export const target: FuzzTarget = {
  name: "gateway_route",
  fuzz,
  structured,
  seeds,
  tokens: ["POST /onion_req/v2\n\n"],
};
