/**
 * Sender Keys interop with the current libsignal (e2ee.md §4, §7): allium's
 * `protocol/e2ee/signal/sender_keys.ts` against @signalapp/libsignal-client 0.103.0, which runs in a
 * Node child process (`libsignal_sender_keys_peer.mjs`, JSON lines over stdio). Both directions,
 * several senders / chains so both signing-key sign bits are exercised, shuffled delivery.
 * Every request has a deadline and the child is killed in `finally`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fromHex, fromUtf8, toHex, utf8 } from "../protocol/bytes.ts";
import { isProtocolError } from "../protocol/errors.ts";
import { seededRng } from "../protocol/_testing/seeded_rng.ts";
import type { Rng } from "../protocol/rng.ts";
import { xeddsaEd25519Public } from "../protocol/crypto/xeddsa.ts";
import {
  generateSenderKey,
  processSenderKeyDistributionMessage,
  senderKeyDecrypt,
  senderKeyDistributionMessage,
  senderKeyEncrypt,
} from "../protocol/e2ee/signal/sender_keys.ts";
import type { SenderKeyRecord } from "../protocol/e2ee/signal/sender_key_record.ts";
import {
  distributionIdFromUuid,
  parseSenderKeyDistributionMessage,
  parseSenderKeyMessage,
} from "../protocol/e2ee/signal/sender_key_message.ts";

const PEER_SCRIPT = new URL("./libsignal_sender_keys_peer.mjs", import.meta.url).pathname;
const REPO_ROOT = new URL("..", import.meta.url).pathname;
/** Deadline of each request to the peer (the first one loads the native addon). */
const REQUEST_TIMEOUT_MS = 20_000;
/** Messages per direction. */
const MESSAGES = 50;
/** Senders (libsignal → allium) or chains (allium → libsignal) the messages are spread over. */
const CHAINS = 5;
const DISTRIBUTION_UUID = "0f1e2d3c-4b5a-4697-8877-665544332211";

function nodeAvailable(): boolean {
  try {
    return new Deno.Command("node", { args: ["--version"], stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

const HAVE_NODE = nodeAvailable();

type Answer = Record<string, unknown> & { ok: boolean; error?: string };

/** The libsignal peer: one request at a time, each with a deadline. */
class Peer {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  #stderr: Promise<string>;

  constructor() {
    this.#child = new Deno.Command("node", {
      args: [PEER_SCRIPT],
      cwd: REPO_ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#reader = this.#child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    this.#stderr = new Response(this.#child.stderr).text();
  }

  async #line(): Promise<string> {
    while (true) {
      const nl = this.#buffer.indexOf("\n");
      if (nl >= 0) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        return line;
      }
      const { value, done } = await this.#reader.read();
      if (done) throw new Error(`libsignal peer exited: ${(await this.#stderr).slice(-500)}`);
      this.#buffer += value;
    }
  }

  async call(request: Record<string, unknown>): Promise<Answer> {
    await this.#writer.write(utf8(JSON.stringify(request) + "\n"));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`libsignal peer: no answer to "${request.op}" in time`)),
        REQUEST_TIMEOUT_MS,
      );
    });
    try {
      return JSON.parse(await Promise.race([this.#line(), deadline])) as Answer;
    } finally {
      clearTimeout(timer);
    }
  }

  async ok(request: Record<string, unknown>): Promise<Answer> {
    const answer = await this.call(request);
    assert.ok(answer.ok, `libsignal ${request.op}: ${answer.error}`);
    return answer;
  }

  /** Ask the peer to quit; kill it if it does not, and always reap it. */
  async close(): Promise<void> {
    try {
      await Promise.race([this.call({ op: "quit" }), new Promise((r) => setTimeout(r, 2_000))]);
    } catch {
      // Already gone or not answering: killed below.
    }
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    await this.#writer.close().catch(() => {});
    await this.#reader.cancel().catch(() => {});
    await this.#child.status;
    await this.#stderr.catch(() => "");
  }
}

/** Fisher–Yates shuffle of 0…n−1 with `rng`, so failures replay. */
function shuffledIndexes(n: number, rng: Rng): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  const r = new Uint8Array(4);
  for (let i = n - 1; i > 0; i--) {
    rng.fill(r);
    const j = ((r[0] | (r[1] << 8) | (r[2] << 16)) >>> 0) % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Bit 7 of byte 63: the Ed25519 sign bit libsignal puts into the signature (e2ee.md §1.3). */
function signatureSignBit(wire: Uint8Array): number {
  return wire[wire.length - 1] >> 7;
}

async function withPeer(fn: (peer: Peer) => Promise<void>): Promise<void> {
  const peer = new Peer();
  try {
    const hello = await peer.ok({ op: "hello" });
    assert.equal(hello.version, "0.103.0");
    await fn(peer);
  } finally {
    await peer.close();
  }
}

Deno.test({
  name: "senderKeyDecrypt() decrypts 50 shuffled messages from 5 libsignal 0.103.0 senders",
  ignore: !HAVE_NODE,
  fn: () =>
    withPeer(async (peer) => {
      const rng = seededRng("libsignal → allium");
      const distributionId = distributionIdFromUuid(DISTRIBUTION_UUID);
      const records = new Map<string, SenderKeyRecord>();
      const sent: { sender: string; text: string; wire: Uint8Array }[] = [];
      const signBits = new Set<number>();
      for (let c = 0; c < CHAINS; c++) {
        const sender = `libsignal-${c}`;
        const { skdm } = await peer.ok({ op: "create_distribution", sender, distributionId: DISTRIBUTION_UUID });
        const record = processSenderKeyDistributionMessage(undefined, fromHex(skdm as string));
        assert.deepEqual(record.distributionId, distributionId);
        records.set(sender, record);
        for (let i = 0; i < MESSAGES / CHAINS; i++) {
          const text = `from ${sender}: message ${i} ${"x".repeat(i * 7)}`;
          const answer = await peer.ok({
            op: "encrypt",
            sender,
            distributionId: DISTRIBUTION_UUID,
            plaintext: toHex(utf8(text)),
          });
          assert.equal(answer.type, 7);
          const wire = fromHex(answer.wire as string);
          assert.equal(parseSenderKeyMessage(wire).iteration, i);
          signBits.add(signatureSignBit(wire));
          sent.push({ sender, text, wire });
        }
      }
      let decrypted = 0;
      for (const i of shuffledIndexes(sent.length, rng)) {
        const { sender, text, wire } = sent[i];
        const [next, plaintext] = await senderKeyDecrypt(records.get(sender)!, wire);
        assert.equal(fromUtf8(plaintext), text);
        records.set(sender, next);
        decrypted++;
      }
      // Every message once; a replay is refused.
      await assert.rejects(
        senderKeyDecrypt(records.get(sent[0].sender)!, sent[0].wire),
        (e) => isProtocolError(e, "SENDER_KEY_DUPLICATE_MESSAGE"),
      );
      assert.equal(decrypted, MESSAGES);
      console.log(`interop libsignal 0.103.0 → allium: ${decrypted}/${MESSAGES} decrypted, sign bits ${[...signBits]}`);
    }),
});

Deno.test({
  name: "senderKeyEncrypt() output is decrypted by libsignal 0.103.0: 50 shuffled messages over 5 rekeyed chains",
  ignore: !HAVE_NODE,
  fn: () =>
    withPeer(async (peer) => {
      const rng = seededRng("allium → libsignal");
      const distributionId = distributionIdFromUuid(DISTRIBUTION_UUID);
      const sender = "allium";
      let record: SenderKeyRecord | undefined;
      const sent: { text: string; wire: Uint8Array }[] = [];
      const keySignBits = new Set<number>();
      for (let c = 0; c < CHAINS; c++) {
        // e2ee.md §4 Rekeying: a new chain and signature key, redistributed.
        record = await generateSenderKey(distributionId, { rng, previous: record });
        keySignBits.add(xeddsaEd25519Public(record.states[0].signingPrivate!)[31] >> 7);
        const skdm = senderKeyDistributionMessage(record);
        assert.equal(parseSenderKeyDistributionMessage(skdm).chainId, record.states[0].chainId);
        await peer.ok({ op: "process_distribution", sender, skdm: toHex(skdm) });
        for (let i = 0; i < MESSAGES / CHAINS; i++) {
          const text = `allium chain ${c} message ${i} ${"y".repeat(i * 11)}`;
          let wire: Uint8Array;
          [record, wire] = await senderKeyEncrypt(record, utf8(text), { rng });
          sent.push({ text, wire });
        }
      }
      assert.deepEqual([...keySignBits].sort(), [0, 1], "both sign bits of the signing key exercised");
      let decrypted = 0;
      for (const i of shuffledIndexes(sent.length, rng)) {
        const answer = await peer.ok({ op: "decrypt", sender, wire: toHex(sent[i].wire) });
        assert.equal(fromUtf8(fromHex(answer.plaintext as string)), sent[i].text);
        decrypted++;
      }
      assert.equal(decrypted, MESSAGES);
      // libsignal refuses a replay and a tampered signature from us, as we do from it.
      const replay = await peer.call({ op: "decrypt", sender, wire: toHex(sent[0].wire) });
      assert.equal(replay.ok, false);
      const tampered = sent[MESSAGES - 1].wire.slice();
      tampered[tampered.length - 1] ^= 0x80;
      const bad = await peer.call({ op: "decrypt", sender, wire: toHex(tampered) });
      assert.equal(bad.ok, false);
      console.log(
        `interop allium → libsignal 0.103.0: ${decrypted}/${MESSAGES} decrypted, key sign bits ${[...keySignBits]}`,
      );
    }),
});
