/**
 * One-to-one interop with @signalapp/libsignal-client 0.65.4 (e2ee.md §7), the recommended v3
 * conformance peer, driven in its own Node 20 process (`libsignal_1to1_peer.mjs`, JSON lines).
 *
 * Both directions: allium starts the session from libsignal's bundle and libsignal answers, and
 * libsignal starts from allium's bundle and allium answers. Each side sends 100 messages over 10
 * rounds (so the DH ratchet turns every round); each batch is delivered shuffled, one message per
 * round is held back and delivered during the next round (after the ratchet has turned, so it
 * decrypts on an old receiving chain), and one message per direction is dropped. Every delivered
 * message must decrypt to its plaintext, replays must be refused on both sides, and the responder
 * must have deleted the one-time prekey. Every request is bounded; the child is killed in `finally`.
 */

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fromHex, toHex } from "../protocol/bytes.ts";
import { isProtocolError } from "../protocol/errors.ts";
import { seededRng } from "../protocol/_testing/seeded_rng.ts";
import { djbPublicKey, parseDjbPublicKey } from "../protocol/crypto/xeddsa.ts";
import { generateKeyPair, type KeyPair } from "../protocol/e2ee/signal/keys.ts";
import {
  createPreKeyBundle,
  generateOneTimePreKeys,
  generateSignedPreKey,
  type PreKeyBundle,
  verifyPreKeyBundle,
} from "../protocol/e2ee/signal/prekeys.ts";
import {
  type CiphertextMessage,
  decryptPreKeySignalMessage,
  decryptSignalMessage,
  encryptMessage,
  type ResponderKeys,
  startSession,
} from "../protocol/e2ee/signal/session_cipher.ts";
import { emptySessionRecord, type SessionRecord } from "../protocol/e2ee/signal/session_record.ts";
import type { Rng } from "../protocol/rng.ts";

const PEER = fileURLToPath(new URL("./libsignal_1to1_peer.mjs", import.meta.url));
const HAVE_LIBSIGNAL = existsSync(
  fileURLToPath(new URL("../node_modules/@signalapp/libsignal-client/package.json", import.meta.url)),
);
/** Longest wait for one answer from the peer. */
const REQUEST_TIMEOUT_MS = 15_000;
const ROUNDS = 10;
const PER_ROUND = 10;
/** Round and index of the one message dropped in each direction. */
const DROP = { round: 3, index: 4 };

const text = (s: string) => new TextEncoder().encode(s);
const untext = (b: Uint8Array) => new TextDecoder().decode(b);

/** The libsignal process: one JSON request, one JSON answer, each bounded in time. */
class LibsignalPeer {
  #child: Deno.ChildProcess;
  #lines: ReadableStreamDefaultReader<string>;
  #buffered = "";
  #nextId = 1;

  constructor() {
    this.#child = new Deno.Command("node", { args: [PEER], stdin: "piped", stdout: "piped", stderr: "inherit" })
      .spawn();
    this.#lines = this.#child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  }

  async #readLine(): Promise<string> {
    while (!this.#buffered.includes("\n")) {
      const { done, value } = await this.#lines.read();
      if (done) throw new Error("libsignal peer exited");
      this.#buffered += value;
    }
    const i = this.#buffered.indexOf("\n");
    const line = this.#buffered.slice(0, i);
    this.#buffered = this.#buffered.slice(i + 1);
    return line;
  }

  // deno-lint-ignore no-explicit-any
  async call(op: string, args: Record<string, unknown> = {}): Promise<any> {
    const id = this.#nextId++;
    const writer = this.#child.stdin.getWriter();
    await writer.write(text(JSON.stringify({ id, op, ...args }) + "\n"));
    writer.releaseLock();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`libsignal peer: "${op}" timed out`)), REQUEST_TIMEOUT_MS);
    });
    try {
      const answer = JSON.parse(await Promise.race([this.#readLine(), timeout]));
      assert.equal(answer.id, id);
      if (!answer.ok) throw new Error(`libsignal ${op}: ${answer.error}`);
      return answer;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already exited
    }
    await this.#child.status;
    await this.#lines.cancel().catch(() => {});
    await this.#child.stdin.close().catch(() => {});
  }
}

/** One end of the conversation, whatever implements it. */
interface Side {
  name: string;
  encrypt(plaintext: Uint8Array): Promise<CiphertextMessage>;
  decrypt(message: CiphertextMessage): Promise<Uint8Array>;
}

function libsignalSide(peer: LibsignalPeer): Side {
  return {
    name: "libsignal",
    async encrypt(plaintext) {
      const { type, body } = await peer.call("encrypt", { plaintext: toHex(plaintext) });
      return { type, body: fromHex(body) };
    },
    async decrypt(message) {
      const { plaintext } = await peer.call("decrypt", { type: message.type, body: toHex(message.body) });
      return fromHex(plaintext);
    },
  };
}

/** allium holding a session record (and, as responder, its prekeys). */
class AlliumSide implements Side {
  name = "allium";
  record: SessionRecord;
  keys?: ResponderKeys;
  consumed: number[] = [];
  #rng: Rng;

  constructor(rng: Rng, record: SessionRecord = emptySessionRecord(), keys?: ResponderKeys) {
    this.#rng = rng;
    this.record = record;
    if (keys !== undefined) this.keys = keys;
  }

  async encrypt(plaintext: Uint8Array): Promise<CiphertextMessage> {
    const [record, message] = await encryptMessage(this.record, plaintext);
    this.record = record;
    return message;
  }

  async decrypt(message: CiphertextMessage): Promise<Uint8Array> {
    if (message.type === 3) {
      assert.ok(this.keys, "allium received a prekey message without prekeys");
      const [record, result] = await decryptPreKeySignalMessage(this.record, message.body, {
        keys: this.keys,
        rng: this.#rng,
        versionByte: 0x34,
      });
      this.record = record;
      if (result.consumedPreKeyId !== undefined) {
        // libsignal's message_decrypt_prekey: remove_pre_key after the message decrypted.
        this.consumed.push(result.consumedPreKeyId);
        const oneTimePreKeys = new Map(this.keys.oneTimePreKeys);
        oneTimePreKeys.delete(result.consumedPreKeyId);
        this.keys = { ...this.keys, oneTimePreKeys };
      }
      return result.plaintext;
    }
    const [record, plaintext] = await decryptSignalMessage(this.record, message.body, { rng: this.#rng });
    this.record = record;
    return plaintext;
  }
}

/** Deterministic shuffle driven by a seeded Rng. */
function shuffle<T>(items: T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const r = rng.fill(new Uint8Array(4));
    const j = ((r[0] | (r[1] << 8) | (r[2] << 16)) >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

interface Sent {
  plaintext: string;
  message: CiphertextMessage;
}

interface Tally {
  sent: number;
  delivered: number;
  decrypted: number;
  dropped: number;
  late: number;
  types: Set<number>;
  versionBytes: Set<number>;
}

/**
 * Ten rounds; in each the initiator then the responder send ten messages. Each batch arrives
 * shuffled; one message is held back to the next round; one per direction is dropped.
 */
async function converse(initiator: Side, responder: Side, rng: Rng): Promise<Map<string, Tally>> {
  const tallies = new Map<string, Tally>();
  const held = new Map<string, Sent | undefined>();
  const delivered = new Map<string, Sent[]>();
  for (const side of [initiator, responder]) {
    tallies.set(side.name, {
      sent: 0,
      delivered: 0,
      decrypted: 0,
      dropped: 0,
      late: 0,
      types: new Set(),
      versionBytes: new Set(),
    });
    delivered.set(side.name, []);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [from, to] of [[initiator, responder], [responder, initiator]]) {
      const tally = tallies.get(from.name)!;
      const batch: Sent[] = [];
      for (let i = 0; i < PER_ROUND; i++) {
        const plaintext = `${from.name} round ${round} message ${i}`;
        const message = await from.encrypt(text(plaintext));
        tally.sent++;
        tally.types.add(message.type);
        tally.versionBytes.add(message.body[0]);
        if (round === DROP.round && i === DROP.index) {
          tally.dropped++;
          continue;
        }
        batch.push({ plaintext, message });
      }
      let order = shuffle(batch, rng);
      const late = held.get(from.name);
      const keep = round < ROUNDS - 1 ? order.pop() : undefined;
      if (late !== undefined) {
        order.splice(order.length >> 1, 0, late);
        tally.late++;
      }
      held.set(from.name, keep);
      order = order.filter((m) => m !== undefined);
      for (const sent of order) {
        const plaintext = await to.decrypt(sent.message);
        tally.delivered++;
        assert.equal(untext(plaintext), sent.plaintext, `${to.name} decrypts ${from.name}'s message`);
        tally.decrypted++;
        delivered.get(from.name)!.push(sent);
      }
    }
  }
  // Replays: a delivered message decrypts once only, on both sides.
  for (const [from, to] of [[initiator, responder], [responder, initiator]]) {
    const again = delivered.get(from.name)!.at(-1)!;
    await assert.rejects(
      () => to.decrypt(again.message),
      // libsignal DuplicatedMessage displays "message with old counter {chain} / {counter}".
      (e) => to instanceof AlliumSide ? isProtocolError(e, "SIGNAL_DUPLICATE_MESSAGE") : /old counter/.test(String(e)),
      `${to.name} refuses a replay`,
    );
  }
  return tallies;
}

function report(direction: string, tallies: Map<string, Tally>): void {
  for (const [name, t] of tallies) {
    console.log(
      `interop ${direction}: ${name} sent=${t.sent} delivered=${t.delivered} decrypted=${t.decrypted} ` +
        `dropped=${t.dropped} late=${t.late} types=${[...t.types].join("/")} ` +
        `versions=${[...t.versionBytes].map((v) => `0x${v.toString(16)}`).join("/")}`,
    );
  }
}

function checkTallies(tallies: Map<string, Tally>): void {
  for (const [name, t] of tallies) {
    assert.equal(t.sent, ROUNDS * PER_ROUND, `${name} sent`);
    assert.equal(t.dropped, 1, `${name} dropped`);
    assert.equal(t.decrypted, ROUNDS * PER_ROUND - 1, `${name}'s messages decrypted`);
    assert.equal(t.late, ROUNDS - 1, `${name}'s late messages`);
  }
}

Deno.test({
  name: `allium starts a session from libsignal 0.65.4's bundle; 100 messages each way, shuffled, late and dropped${
    HAVE_LIBSIGNAL ? "" : " (skipped: @signalapp/libsignal-client not installed)"
  }`,
  ignore: !HAVE_LIBSIGNAL,
  fn: async () => {
    const rng = seededRng("interop allium initiates");
    const peer = new LibsignalPeer();
    try {
      await peer.call("init", { registrationId: 2222, deviceId: 1 });
      const { bundle: b } = await peer.call("bundle", { signedPreKeyId: 17, preKeyId: 31 });
      const bundle: PreKeyBundle = {
        registrationId: b.registrationId,
        deviceId: b.deviceId,
        identityKey: parseDjbPublicKey(fromHex(b.identityKey)),
        signedPreKeyId: b.signedPreKeyId,
        signedPreKey: parseDjbPublicKey(fromHex(b.signedPreKey)),
        signedPreKeySignature: fromHex(b.signedPreKeySignature),
        preKeyId: b.preKeyId,
        preKey: parseDjbPublicKey(fromHex(b.preKey)),
      };
      verifyPreKeyBundle(bundle);
      const alice = { identityKeyPair: await generateKeyPair({ rng }), registrationId: 1111 };
      const allium = new AlliumSide(rng, await startSession(alice, bundle, { rng }));
      const tallies = await converse(allium, libsignalSide(peer), rng);
      report("allium→libsignal", tallies);
      checkTallies(tallies);
      assert.deepEqual([...tallies.get("allium")!.types].sort(), [2, 3], "prekey messages, then plain ones");
      assert.deepEqual([...tallies.get("allium")!.versionBytes], [0x33]);
      assert.deepEqual([...tallies.get("libsignal")!.types], [2]);
      assert.deepEqual([...tallies.get("libsignal")!.versionBytes], [0x34]);
      assert.equal((await peer.call("hasPreKey", { preKeyId: 31 })).present, false, "libsignal deleted the OPK");
    } finally {
      await peer.close();
    }
  },
});

Deno.test({
  name: `libsignal 0.65.4 starts a session from allium's bundle; 100 messages each way, shuffled, late and dropped${
    HAVE_LIBSIGNAL ? "" : " (skipped: @signalapp/libsignal-client not installed)"
  }`,
  ignore: !HAVE_LIBSIGNAL,
  fn: async () => {
    const rng = seededRng("interop libsignal initiates");
    const peer = new LibsignalPeer();
    try {
      await peer.call("init", { registrationId: 1111, deviceId: 1 });
      const identityKeyPair = await generateKeyPair({ rng });
      const signedPreKey = await generateSignedPreKey(identityKeyPair, 5, { rng });
      const oneTimePreKeys = await generateOneTimePreKeys(40, 3, { rng });
      const bundle = createPreKeyBundle({
        registrationId: 2222,
        deviceId: 1,
        identityKey: identityKeyPair,
        signedPreKey,
        oneTimePreKey: oneTimePreKeys[1],
      });
      await peer.call("processBundle", {
        bundle: {
          registrationId: bundle.registrationId,
          deviceId: bundle.deviceId,
          identityKey: toHex(djbPublicKey(bundle.identityKey)),
          signedPreKeyId: bundle.signedPreKeyId,
          signedPreKey: toHex(djbPublicKey(bundle.signedPreKey)),
          signedPreKeySignature: toHex(bundle.signedPreKeySignature),
          preKeyId: bundle.preKeyId,
          preKey: toHex(djbPublicKey(bundle.preKey!)),
        },
      });
      const keys: ResponderKeys = {
        identityKeyPair,
        registrationId: 2222,
        signedPreKeys: new Map<number, KeyPair>([[signedPreKey.id, signedPreKey.keyPair]]),
        oneTimePreKeys: new Map(oneTimePreKeys.map((k) => [k.id, k.keyPair])),
      };
      const allium = new AlliumSide(rng, emptySessionRecord(), keys);
      const tallies = await converse(libsignalSide(peer), allium, rng);
      report("libsignal→allium", tallies);
      checkTallies(tallies);
      assert.deepEqual([...tallies.get("libsignal")!.types].sort(), [2, 3], "prekey messages, then plain ones");
      assert.deepEqual([...tallies.get("libsignal")!.versionBytes], [0x34]);
      assert.deepEqual([...tallies.get("allium")!.versionBytes], [0x34], "allium answered with 0x34 as configured");
      assert.deepEqual(allium.consumed, [41], "the one-time prekey was consumed once");
      assert.deepEqual([...allium.keys!.oneTimePreKeys.keys()], [40, 42]);
      // Pre-key reuse: a new X3DH run naming the consumed id is refused.
      const after = await peer.call("encrypt", { plaintext: "00" });
      assert.equal(after.type, 2, "libsignal's session is acknowledged, so it sends SignalMessages");
      const eve = { identityKeyPair: await generateKeyPair({ rng }), registrationId: 3 };
      const [, reuse] = await encryptMessage(await startSession(eve, bundle, { rng }), text("reuse"));
      await assert.rejects(
        () => decryptPreKeySignalMessage(allium.record, reuse.body, { keys: allium.keys!, rng }),
        (e) => isProtocolError(e, "PREKEY_NOT_FOUND"),
      );
    } finally {
      await peer.close();
    }
  },
});
