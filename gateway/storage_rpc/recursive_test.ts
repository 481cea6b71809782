import assert from "node:assert/strict";
import { utf8 } from "../../protocol/bytes.ts";
import { bencode } from "../../protocol/onion/bencode.ts";
import { LoopbackPeers, type SwarmPeers } from "./peers.ts";
import {
  forwardToSwarm,
  peerResult,
  requiredDeleteStatus,
  STATUS_ALL_FAILED,
  STATUS_NOT_FOUND,
  STATUS_OK,
  STATUS_STORAGE_FULL,
  swarmStatus,
} from "./recursive.ts";

const node = (k: string) => ({ ed25519: k, x25519: "", legacy: "", ip: "", httpsPort: 0, omqPort: 0 });

Deno.test("forwardToSwarm() sends to every member but this node, with the method and params", async () => {
  const peers = new LoopbackPeers();
  for (const k of ["b", "c"]) peers.register(k, () => Promise.resolve({ status: 200, body: bencode({ k: utf8(k) }) }));
  const params = utf8("d1:ai1ee");
  const got = await Promise.all(
    forwardToSwarm(peers, {
      members: [node("a"), node("b"), node("c")],
      self: node("a"),
      method: "delete",
      params,
      timeoutMs: 100,
    }),
  );
  assert.deepEqual(got.map(([p]) => p.ed25519), ["b", "c"]);
  assert.deepEqual(peers.calls.map((c) => [c.peer, c.method, c.params]), [["b", "delete", params], [
    "c",
    "delete",
    params,
  ]]);
  const rejecting: SwarmPeers = { forward: () => Promise.reject(new Error("down")) };
  const [[, reply]] = await Promise.all(
    forwardToSwarm(rejecting, { members: [node("b")], self: node("a"), method: "x", params, timeoutMs: 1 }),
  );
  assert.deepEqual(reply, { kind: "timeout" });
});

Deno.test("peerResult() turns each kind of reply into the reference's entry", () => {
  assert.deepEqual(peerResult({ kind: "timeout" }), { failed: true, timeout: true });
  assert.deepEqual(peerResult({ kind: "reply", parts: [bencode({ deleted: [utf8("h")] })] }), { deleted: ["h"] });
  assert.deepEqual(peerResult({ kind: "reply", parts: [utf8("garbage")] }), { failed: true, bad_peer_response: true });
  assert.deepEqual(peerResult({ kind: "reply", parts: [bencode([1])] }), { failed: true, bad_peer_response: true });
  assert.deepEqual(peerResult({ kind: "reply", parts: [utf8("401"), utf8("no")] }), {
    failed: true,
    code: "401",
    reason: "no",
  });
  assert.deepEqual(peerResult({ kind: "reply", parts: [] }), { failed: true, bad_peer_response: true });
  assert.deepEqual(peerResult({ kind: "reply", parts: [utf8("1"), utf8("2"), utf8("3")] }), {
    failed: true,
    bad_peer_response: true,
  });
});

Deno.test("swarmStatus() is 200 if any member succeeded, else 507 for a full store and 500 otherwise", () => {
  const ok = { hash: "h" };
  const timeout = { failed: true, timeout: true };
  const full = { failed: true, query_failure: true };
  assert.equal(swarmStatus({ a: timeout, b: ok }, "store"), STATUS_OK);
  assert.equal(swarmStatus({ a: timeout, b: full }, "store"), STATUS_STORAGE_FULL);
  assert.equal(swarmStatus({ a: timeout, b: { failed: true, code: "500", reason: "x" } }, "store"), STATUS_ALL_FAILED);
  assert.equal(swarmStatus({ a: timeout }, "expire"), STATUS_ALL_FAILED);
  assert.equal(swarmStatus({ a: { failed: 1 } }, "delete"), STATUS_ALL_FAILED, "any `failed` key counts");
});

Deno.test("requiredDeleteStatus() turns 200 into 404 only when nobody deleted anything", () => {
  assert.equal(requiredDeleteStatus(200, { a: { deleted: [] }, b: { failed: true } }), STATUS_NOT_FOUND);
  assert.equal(requiredDeleteStatus(200, { a: { deleted: [] }, b: { deleted: ["h"] } }), 200);
  assert.equal(requiredDeleteStatus(500, { a: { failed: true } }), 500);
});
