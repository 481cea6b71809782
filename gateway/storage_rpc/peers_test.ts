import assert from "node:assert/strict";
import { utf8 } from "../../protocol/bytes.ts";
import { LoopbackPeers, replyFrames } from "./peers.ts";

const node = (k: string) => ({ ed25519: k, x25519: "", legacy: "", ip: "", httpsPort: 0, omqPort: 0 });

Deno.test("replyFrames() sends one frame on 200 and [status, body] otherwise", () => {
  assert.deepEqual(replyFrames(200, utf8("b")), [utf8("b")]);
  assert.deepEqual(replyFrames(421, utf8("b")), [utf8("421"), utf8("b")]);
});

Deno.test("LoopbackPeers routes to registered handlers and records calls", async () => {
  const peers = new LoopbackPeers();
  peers.register("a", (method, params) => Promise.resolve({ status: 406, body: utf8(method + params.length) }));
  const r = await peers.forward(node("a"), "delete", new Uint8Array(3), { timeoutMs: 1000 });
  assert.deepEqual(r, { kind: "reply", parts: [utf8("406"), utf8("delete3")] });
  assert.deepEqual(peers.calls.map((c) => [c.peer, c.method]), [["a", "delete"]]);
});

Deno.test("LoopbackPeers reports unreachable, slow and throwing peers as timeouts", async () => {
  const peers = new LoopbackPeers();
  assert.deepEqual(await peers.forward(node("x"), "store", new Uint8Array(0), { timeoutMs: 1000 }), {
    kind: "timeout",
  });
  peers.register("slow", () => new Promise(() => {}));
  const started = Date.now();
  assert.deepEqual(await peers.forward(node("slow"), "store", new Uint8Array(0), { timeoutMs: 20 }), {
    kind: "timeout",
  });
  assert.ok(Date.now() - started >= 15);
  peers.register("boom", () => Promise.reject(new Error("x")));
  assert.deepEqual(await peers.forward(node("boom"), "store", new Uint8Array(0), { timeoutMs: 1000 }), {
    kind: "timeout",
  });
  peers.register("a", () => Promise.resolve({ status: 200, body: new Uint8Array(0) }));
  peers.unregister("a");
  assert.equal((await peers.forward(node("a"), "store", new Uint8Array(0), { timeoutMs: 1000 })).kind, "timeout");
});
