import assert from "node:assert/strict";
import { Hono } from "hono";
import { ProtocolError, type ProtocolErrorCode } from "../../mod.ts";
import type { GatewayEnv } from "../context.ts";
import { memoryLogger } from "../logger.ts";
import { ForwardError } from "../relay/forwarder.ts";
import { errorHandler, HttpError, toWireError } from "./error_handler.ts";

const SECRET = "secret-payload-7e3a";

Deno.test("toWireError() maps every ProtocolError code to its fixed answer (hardening.md §3)", () => {
  const rows: [ProtocolErrorCode, number, string][] = [
    ["ONION_AUTH_FAILED", 400, "Invalid ciphertext"],
    ["DECRYPT_FAILED", 400, "Invalid ciphertext"],
    ["KEY_AGREEMENT_FAILED", 400, "Invalid ciphertext"],
    ["ONION_FRAMING", 400, "Error parsing onion request: framing"],
    ["ONION_TRAILER", 400, "Error parsing onion request: trailer"],
    ["ONION_KEY", 400, "Error parsing onion request: key"],
    ["ONION_ENC_TYPE", 400, "Error parsing onion request: enc_type"],
    ["ONION_HOP_NO", 400, "Error parsing onion request: hop_no"],
    ["ONION_INNER_INVALID", 500, "Internal server error"], // the route answers it encrypted; here it is a bug
    ["REPLY_INVALID", 500, "Internal server error"],
    ["BENCODE_INVALID", 500, "Internal server error"],
    ["KEY_INVALID", 500, "Internal server error"],
    ["SIGNATURE_INVALID", 500, "Internal server error"],
    ["BUILD_INVALID", 500, "Internal server error"],
  ];
  for (const [code, status, body] of rows) {
    const w = toWireError(new ProtocolError(code, `Cannot do it: ${SECRET}`));
    assert.deepEqual([w.status, w.body], [status, body], code);
    assert.equal(w.unexpected, status === 500, code);
  }
});

Deno.test("toWireError() maps forward failures, HttpErrors and anything else", () => {
  const rows: [unknown, number, string][] = [
    [new ForwardError("busy"), 503, "Server busy, try again later"],
    [new ForwardError("timeout"), 504, "Request time out"],
    [new ForwardError("unreachable"), 502, "Invalid response from snode"],
    [new ForwardError("bad_response"), 502, "Invalid response from snode"],
    [new HttpError(413, "Request body too large"), 413, "Request body too large"],
    [new TypeError(SECRET), 500, "Internal server error"],
    [new RangeError(SECRET), 500, "Internal server error"],
    [SECRET, 500, "Internal server error"],
    [undefined, 500, "Internal server error"],
  ];
  for (const [err, status, body] of rows) {
    assert.deepEqual([toWireError(err).status, toWireError(err).body], [status, body]);
  }
});

Deno.test("errorHandler() answers plain text and logs unexpected errors by class name only", async () => {
  const logger = memoryLogger();
  const app = new Hono<GatewayEnv>();
  app.use(async (c, next) => {
    c.set("requestId", "00112233aabbccdd");
    await next();
  });
  app.get("/bug", () => {
    throw new TypeError(`${SECRET} at /home/x.ts:1:1`);
  });
  app.get("/bad", () => {
    throw new ProtocolError("ONION_TRAILER", SECRET);
  });
  app.onError(errorHandler({ logger }));
  const bug = await app.request("/bug");
  assert.equal(bug.status, 500);
  assert.equal(await bug.text(), "Internal server error");
  assert.match(bug.headers.get("content-type") ?? "", /^text\/plain/);
  const bad = await app.request("/bad");
  assert.equal(await bad.text(), "Error parsing onion request: trailer");
  assert.equal(logger.lines.length, 1, "bad input is not an error worth logging");
  const line = JSON.parse(logger.lines[0]);
  assert.deepEqual({ ...line, t: 0 }, {
    t: 0,
    level: "error",
    event: "unexpected_error",
    name: "TypeError",
    requestId: "00112233aabbccdd",
  });
  assert.ok(!logger.lines[0].includes(SECRET));
});
