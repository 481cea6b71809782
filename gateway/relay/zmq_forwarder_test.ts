import assert from "node:assert/strict";
import { bdecode, type BDict, peelOnionLayer, utf8 } from "../../mod.ts";
import { NEXT, provider, relayBody, SELF, text, trailerOf, withTrailer } from "../_testing/fixtures.ts";
import type { NodeRecord } from "../directory.ts";
import { NEXT_HOP_FAILED, PATH_TOO_LONG } from "../responses.ts";
import { type ZmqFailure, ZmqLinkError, type ZmqPeer, type ZmqRequester } from "../zmq/zmq_link.ts";
import { type Forwarder, ForwardError, type ForwardResult } from "./forwarder.ts";
import { ZmqForwarder } from "./zmq_forwarder.ts";

/** A link that records requests and answers from a script. */
class FakeLink implements ZmqRequester {
  readonly calls: { peer: ZmqPeer; command: string; parts: Uint8Array[]; timeoutMs?: number }[] = [];
  answer: (string | Uint8Array)[] | ZmqFailure = ["200", "ok"];
  hold: Promise<void> | undefined;
  async request(peer: ZmqPeer, command: string, parts: readonly Uint8Array[], options: { timeoutMs?: number } = {}) {
    this.calls.push({ peer, command, parts: [...parts], timeoutMs: options.timeoutMs });
    await this.hold;
    const a = this.answer;
    if (typeof a === "string") throw new ZmqLinkError(a);
    return a.map((p) => typeof p === "string" ? utf8(p) : p);
  }
}

const OPTIONS = { timeoutMs: 1234, maxInFlight: 4, maxInFlightPerHop: 2 };
const NEXT_ZMQ: NodeRecord = { ...NEXT.record, zmq: "tcp://127.0.0.1:22020" };

async function failureOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ForwardError, String(err));
    return err.failure;
  }
  throw new Error("forward succeeded");
}

Deno.test("ZmqForwarder sends sn.onion_request with the dict of onion-requests.md §5 to the next node's key", async () => {
  for (const encType of ["aes-gcm", "xchacha20"] as const) {
    const link = new FakeLink();
    const forwarder = new ZmqForwarder({ link, ...OPTIONS });
    const peeled = await peelOnionLayer(await relayBody(NEXT, encType, 4), SELF.keys, { provider });
    assert.equal(peeled.kind, "relay");
    if (peeled.kind !== "relay") return;
    const res = await forwarder.forward(NEXT_ZMQ, peeled.nextRequestBody);
    assert.deepEqual([res.status, text(res.body), res.contentType], [200, "ok", "text/plain; charset=utf-8"]);
    assert.equal(link.calls.length, 1);
    const { peer, command, parts, timeoutMs } = link.calls[0];
    assert.deepEqual([peer, command, timeoutMs], [
      { zmq: NEXT_ZMQ.zmq, x25519: NEXT.node.x25519 },
      "sn.onion_request",
      1234,
    ]);
    assert.equal(parts.length, 1);
    const dict = bdecode(parts[0]) as BDict;
    assert.deepEqual(Object.keys(dict), ["data", "enc_type", "ephemeral_key", "hop_no"]);
    assert.deepEqual(dict.data, peeled.blob);
    assert.equal(text(dict.enc_type as Uint8Array), encType);
    assert.deepEqual(dict.ephemeral_key, peeled.ephemeralKey);
    assert.equal((dict.ephemeral_key as Uint8Array).length, 32, "32 raw bytes, not hex");
    assert.equal(dict.hop_no, 5);
  }
});

Deno.test("ZmqForwarder maps replies: status and body pass through; < 2 parts → 500; unknown codes → 500", async () => {
  const link = new FakeLink();
  const forwarder = new ZmqForwarder({ link, ...OPTIONS });
  const body = (await peelOnionLayer(await relayBody(NEXT), SELF.keys, { provider }) as { nextRequestBody: Uint8Array })
    .nextRequestBody;
  const cases: [(string | Uint8Array)[], number, string][] = [
    [["421", "wrong swarm", "extra part ignored"], 421, "wrong swarm"],
    [["200", new Uint8Array([0, 255, 1])], 200, "\u0000\ufffd\u0001"],
    [["502", "Next node not found: ab"], 502, "Next node not found: ab"],
    [["abc", "body kept"], 500, "body kept"],
    [["302", "no redirects"], 500, "no redirects"],
    [["99", "x"], 500, "x"],
    [["-200", "x"], 500, "x"],
    [["600", "x"], 500, "x"],
    [["200"], 500, NEXT_HOP_FAILED],
    [[], 500, NEXT_HOP_FAILED],
  ];
  for (const [answer, status, expected] of cases) {
    link.answer = answer;
    const res: ForwardResult = await forwarder.forward(NEXT_ZMQ, body);
    assert.deepEqual([res.status, text(res.body)], [status, expected], JSON.stringify(answer.map(String)));
  }
});

Deno.test("ZmqForwarder maps link failures: timeout and OxenMQ errors → timeout (504), unreachable → 502, caps → 503", async () => {
  const link = new FakeLink();
  const forwarder = new ZmqForwarder({ link, ...OPTIONS });
  const body = (await peelOnionLayer(await relayBody(NEXT), SELF.keys, { provider }) as { nextRequestBody: Uint8Array })
    .nextRequestBody;
  const expected: Record<ZmqFailure, string> = {
    timeout: "timeout",
    refused: "timeout",
    unreachable: "unreachable",
    link_down: "unreachable",
    overloaded: "busy",
  };
  for (const [failure, mapped] of Object.entries(expected)) {
    link.answer = failure as ZmqFailure;
    assert.equal(await failureOf(forwarder.forward(NEXT_ZMQ, body)), mapped, failure);
  }
  assert.equal(forwarder.inFlight, 0);
});

Deno.test("ZmqForwarder sheds with busy before sending, per hop and overall, and releases its slots", async () => {
  const link = new FakeLink();
  let release = () => {};
  link.hold = new Promise((r) => release = r);
  const forwarder = new ZmqForwarder({ link, ...OPTIONS });
  const body = (await peelOnionLayer(await relayBody(NEXT), SELF.keys, { provider }) as { nextRequestBody: Uint8Array })
    .nextRequestBody;
  const other = (n: number): NodeRecord => ({ ...NEXT_ZMQ, ed25519: String(n).repeat(64) });
  const held = [forwarder.forward(NEXT_ZMQ, body), forwarder.forward(NEXT_ZMQ, body)];
  assert.equal(await failureOf(forwarder.forward(NEXT_ZMQ, body)), "busy", "per hop");
  held.push(forwarder.forward(other(1), body), forwarder.forward(other(2), body));
  assert.equal(await failureOf(forwarder.forward(other(3), body)), "busy", "overall");
  assert.equal(forwarder.inFlight, 4);
  assert.equal(link.calls.length, 4, "nothing sent for the shed ones");
  release();
  await Promise.all(held);
  assert.equal(forwarder.inFlight, 0);
  assert.equal((await forwarder.forward(NEXT_ZMQ, body)).status, 200);
});

Deno.test("ZmqForwarder answers hop_no 16 with 400 max path length without sending", async () => {
  const link = new FakeLink();
  const forwarder = new ZmqForwarder({ link, ...OPTIONS });
  const body = await relayBody(NEXT);
  const received = withTrailer(body, JSON.stringify({ ...trailerOf(body), hop_no: 15 }));
  const peeled = await peelOnionLayer(received, SELF.keys, { provider });
  const res = await forwarder.forward(NEXT_ZMQ, (peeled as { nextRequestBody: Uint8Array }).nextRequestBody);
  assert.deepEqual([res.status, text(res.body)], [400, PATH_TOO_LONG]);
  assert.equal(link.calls.length, 0);
});

Deno.test("ZmqForwarder sends nodes without a zmq address to the fallback, else fails unreachable", async () => {
  const link = new FakeLink();
  const fallbackCalls: string[] = [];
  const fallback: Forwarder = {
    inFlight: 3,
    forward: (next) => {
      fallbackCalls.push(next.http);
      return Promise.resolve({ status: 201, body: utf8("over http"), contentType: "application/json" });
    },
  };
  const withFallback = new ZmqForwarder({ link, ...OPTIONS, fallback });
  const res = await withFallback.forward(NEXT.record, new Uint8Array(4));
  assert.deepEqual([res.status, text(res.body), fallbackCalls], [201, "over http", [NEXT.record.http]]);
  assert.equal(withFallback.inFlight, 3, "the fallback's forwards count");
  const without = new ZmqForwarder({ link, ...OPTIONS });
  assert.equal(await failureOf(without.forward(NEXT.record, new Uint8Array(4))), "unreachable");
  assert.equal(link.calls.length, 0);
  assert.throws(() => new ZmqForwarder({ link, ...OPTIONS, maxInFlight: 0 }), RangeError);
});
