/**
 * The link's bytes on the wire, checked against a hand-written OxenMQ peer on raw zeromq sockets
 * (_testing/raw_oxenmq_peer.mjs, its own Node process), not against the link itself: the framing
 * of oxen-mq's proxy.cpp / auth.cpp / oxenmq.h as README.md describes it. Every process is
 * stopped in `finally`; about a second.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { nobleProvider, toHex } from "../../mod.ts";
import { readFirstLine } from "../_testing/processes.ts";
import { ZmqLink } from "./zmq_link.ts";

const RAW_PEER = fileURLToPath(new URL("./_testing/raw_oxenmq_peer.mjs", import.meta.url));
const hex = (s: string) => toHex(new TextEncoder().encode(s));
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function keys(n: number) {
  const secret = new Uint8Array(32).fill(n);
  return { secret, public: await nobleProvider.x25519PublicKey(secret) };
}

function rawPeer(config: Record<string, string>, stdin: "piped" | "null"): Deno.ChildProcess {
  return new Deno.Command("node", {
    args: [RAW_PEER, JSON.stringify(config)],
    stdin,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
}

Deno.test("ZmqLink answers a raw OxenMQ client byte for byte: HELLO, REPLY, UNKNOWNCOMMAND, NO_REPLY_TAG", async () => {
  const me = await keys(21), client = await keys(22);
  const link = await ZmqLink.start({
    bind: "tcp://127.0.0.1:0",
    x25519Secret: me.secret,
    x25519Public: me.public,
    allowedPeers: [client.public],
  });
  let child: Deno.ChildProcess | undefined;
  try {
    const seen: string[] = [];
    link.onRequest((command, parts, from) => {
      seen.push(`${command}|${parts.map(text).join(",")}|${from}`);
      return Promise.resolve([new TextEncoder().encode("200"), new TextEncoder().encode("pong")]);
    });
    child = rawPeer({
      mode: "probe",
      endpoint: link.endpoint,
      serverKey: toHex(me.public),
      secret: toHex(client.secret),
      public: toHex(client.public),
    }, "null");
    const { received } = JSON.parse(await readFirstLine(child.stdout, 10_000));
    assert.deepEqual(received, [
      [hex("HELLO")],
      [hex("REPLY"), hex("0123456789abcde"), hex("200"), hex("pong")],
      [hex("UNKNOWNCOMMAND"), hex("sn.nope")],
      [hex("NO_REPLY_TAG"), hex("sn.ping")],
    ]);
    assert.deepEqual(seen, [`sn.ping|data part|${toHex(client.public)}`], "the sender's key comes from its routing id");
  } finally {
    await child?.status;
    await link.close();
  }
});

Deno.test('ZmqLink.request() reaches a raw OxenMQ ROUTER as ["L" ‖ key, command, 15-byte tag, data] and takes its REPLY', async () => {
  const me = await keys(23), server = await keys(24);
  const child = rawPeer({ mode: "serve", secret: toHex(server.secret), public: toHex(server.public) }, "piped");
  const link = await ZmqLink.start({
    bind: "tcp://127.0.0.1:0",
    x25519Secret: me.secret,
    x25519Public: me.public,
    allowedPeers: [],
  });
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    let buffered = "";
    const nextLine = async () => {
      while (!buffered.includes("\n")) {
        const { done, value } = await lines.read();
        if (done) throw new Error("raw peer exited");
        buffered += value;
      }
      const i = buffered.indexOf("\n");
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      return JSON.parse(line);
    };
    const { endpoint } = await nextLine();
    const reply = await link.request({ zmq: endpoint, x25519: toHex(server.public) }, "sn.onion_request", [
      new Uint8Array([0, 1, 2, 255]),
    ]);
    assert.deepEqual(reply.map(text), ["200", "served"]);
    const seen = await nextLine();
    assert.equal(seen.route, "4c" + toHex(me.public), 'routing id "L" ‖ X25519 public key');
    assert.equal(seen.parts.length, 3);
    assert.equal(seen.parts[0], hex("sn.onion_request"));
    assert.equal(seen.parts[1].length, 30, "a 15-byte reply tag");
    assert.equal(seen.parts[2], "000102ff");
  } finally {
    await link.close();
    await child.stdin.close();
    await child.status;
    await lines.cancel();
  }
});
