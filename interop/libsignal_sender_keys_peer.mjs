#!/usr/bin/env node
// Sender Keys interop peer (e2ee.md §4, §7): the CURRENT libsignal (@signalapp/libsignal-client
// 0.103.0, installed as the dev dependency "libsignal-client-current") driven over stdio with JSON
// lines, for interop/sender_keys_interop_test.ts. Runs under Node 20 only; nothing else in the
// repository loads libsignal.
//
// Protocol: one request per line, one answer per line, in order. Bytes are lower-case hex.
//   {"op":"hello"}                                                → {"ok":true,"version":"0.103.0"}
//   {"op":"create_distribution","sender":"a","distributionId":U}  → {"ok":true,"skdm":H}
//   {"op":"process_distribution","sender":"b","skdm":H}           → {"ok":true}
//   {"op":"encrypt","sender":"a","distributionId":U,"plaintext":H} → {"ok":true,"type":7,"wire":H}
//   {"op":"decrypt","sender":"b","wire":H}                        → {"ok":true,"plaintext":H}
//   {"op":"quit"}                                                 → {"ok":true}, then exit
// A failed operation answers {"ok":false,"error":"<class>: <message>"} and the peer keeps going.
// `sender` names the sending member (ProtocolAddress name, device 1); the peer holds one
// in-memory SenderKeyStore for every sender.

import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import * as signal from "libsignal-client-current";

const require = createRequire(import.meta.url);
const VERSION = require("libsignal-client-current/package.json").version;
/** Device id of every address: libsignal requires 1–127. */
const DEVICE_ID = 1;

class MemorySenderKeyStore extends signal.SenderKeyStore {
  #records = new Map();
  static #key(sender, distributionId) {
    return `${sender.name()}.${sender.deviceId()}/${distributionId}`;
  }
  saveSenderKey(sender, distributionId, record) {
    this.#records.set(MemorySenderKeyStore.#key(sender, distributionId), record.serialize());
    return Promise.resolve();
  }
  getSenderKey(sender, distributionId) {
    const bytes = this.#records.get(MemorySenderKeyStore.#key(sender, distributionId));
    return Promise.resolve(bytes === undefined ? null : signal.SenderKeyRecord.deserialize(bytes));
  }
}

const store = new MemorySenderKeyStore();

function hex(bytes) {
  return Buffer.from(bytes).toString("hex");
}

function bytes(text) {
  if (typeof text !== "string" || !/^(?:[0-9a-f]{2})*$/.test(text)) throw new TypeError("field is not lower-case hex");
  return new Uint8Array(Buffer.from(text, "hex"));
}

function address(name) {
  if (typeof name !== "string" || name.length === 0) throw new TypeError("sender is not a non-empty string");
  return signal.ProtocolAddress.new(name, DEVICE_ID);
}

async function handle(req) {
  switch (req.op) {
    case "hello":
      return { version: VERSION };
    case "create_distribution": {
      const skdm = await signal.SenderKeyDistributionMessage.create(address(req.sender), req.distributionId, store);
      return { skdm: hex(skdm.serialize()) };
    }
    case "process_distribution": {
      const skdm = signal.SenderKeyDistributionMessage.deserialize(bytes(req.skdm));
      await signal.processSenderKeyDistributionMessage(address(req.sender), skdm, store);
      return {};
    }
    case "encrypt": {
      const m = await signal.groupEncrypt(address(req.sender), req.distributionId, store, bytes(req.plaintext));
      return { type: m.type(), wire: hex(m.serialize()) };
    }
    case "decrypt": {
      const plaintext = await signal.groupDecrypt(address(req.sender), store, bytes(req.wire));
      return { plaintext: hex(plaintext) };
    }
    default:
      throw new TypeError(`unknown op "${String(req.op)}"`);
  }
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim() === "") continue;
  let answer;
  let quit = false;
  try {
    const req = JSON.parse(line);
    if (req.op === "quit") {
      quit = true;
      answer = { ok: true };
    } else {
      answer = { ok: true, ...(await handle(req)) };
    }
  } catch (err) {
    answer = { ok: false, error: `${err?.constructor?.name ?? "Error"}: ${err?.message ?? String(err)}` };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
  if (quit) break;
}
lines.close();
