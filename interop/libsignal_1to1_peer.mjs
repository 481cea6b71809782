// A libsignal one-to-one peer for interop tests (e2ee.md §7), run with Node 20:
//   node interop/libsignal_1to1_peer.mjs
// It drives @signalapp/libsignal-client 0.65.4 (X3DH without Kyber, v3 sessions) with in-memory
// stores and answers JSON lines on stdin/stdout, one answer per request, in order:
//   → {"id": 1, "op": "init", "registrationId": 2222, "deviceId": 1}
//   ← {"id": 1, "ok": true, "identityKey": "05…"}
// Operations (byte strings are lowercase hex; keys are 33-byte 0x05-prefixed):
//   init           {registrationId, deviceId}          → {identityKey}
//   bundle         {signedPreKeyId, preKeyId?}         → {bundle: {registrationId, deviceId, identityKey,
//                                                          signedPreKeyId, signedPreKey, signedPreKeySignature,
//                                                          preKeyId?, preKey?}}
//   processBundle  {bundle}                            → {}   (starts a session with the peer "allium")
//   encrypt        {plaintext}                         → {type, body}
//   decrypt        {type, body}                        → {plaintext}
//   hasPreKey      {preKeyId}                          → {present}
// A failed operation answers {"id", "ok": false, "error"}. The peer exits when stdin closes.

import { createInterface } from "node:readline";
import signal from "@signalapp/libsignal-client";

const {
  CiphertextMessageType,
  IdentityKeyPair,
  IdentityKeyStore,
  KyberPreKeyStore,
  PreKeyBundle,
  PreKeyRecord,
  PreKeySignalMessage,
  PreKeyStore,
  PrivateKey,
  ProtocolAddress,
  PublicKey,
  SessionRecord,
  SessionStore,
  SignalMessage,
  SignedPreKeyRecord,
  SignedPreKeyStore,
  processPreKeyBundle,
  signalDecrypt,
  signalDecryptPreKey,
  signalEncrypt,
} = signal;

/** The one remote peer this process talks to. */
const REMOTE = ProtocolAddress.new("allium", 1);

const hex = (buf) => Buffer.from(buf).toString("hex");
const unhex = (text) => {
  if (typeof text !== "string" || !/^([0-9a-f]{2})*$/.test(text)) throw new Error("bad hex");
  return Buffer.from(text, "hex");
};

// libsignal awaits every store method; these answer from memory, so each returns a settled promise.
const settle = (fn) => {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err);
  }
};

class MemorySessionStore extends SessionStore {
  #sessions = new Map();
  saveSession(address, record) {
    return settle(() => void this.#sessions.set(address.toString(), record.serialize()));
  }
  getSession(address) {
    return settle(() => {
      const bytes = this.#sessions.get(address.toString());
      return bytes === undefined ? null : SessionRecord.deserialize(bytes);
    });
  }
  getExistingSessions(addresses) {
    return settle(() =>
      addresses.map((a) => {
        const bytes = this.#sessions.get(a.toString());
        if (bytes === undefined) throw new Error(`no session for ${a.toString()}`);
        return SessionRecord.deserialize(bytes);
      })
    );
  }
}

class MemoryIdentityStore extends IdentityKeyStore {
  #identity;
  #registrationId;
  #known = new Map();
  constructor(identity, registrationId) {
    super();
    this.#identity = identity;
    this.#registrationId = registrationId;
  }
  getIdentityKey() {
    return settle(() => this.#identity.privateKey);
  }
  getLocalRegistrationId() {
    return settle(() => this.#registrationId);
  }
  saveIdentity(address, key) {
    return settle(() => {
      const old = this.#known.get(address.toString());
      this.#known.set(address.toString(), key.serialize());
      return old !== undefined && !old.equals(key.serialize());
    });
  }
  isTrustedIdentity(address, key) {
    return settle(() => {
      const old = this.#known.get(address.toString());
      return old === undefined || old.equals(key.serialize());
    });
  }
  getIdentity(address) {
    return settle(() => {
      const old = this.#known.get(address.toString());
      return old === undefined ? null : PublicKey.deserialize(old);
    });
  }
}

class MemoryPreKeyStore extends PreKeyStore {
  records = new Map();
  savePreKey(id, record) {
    return settle(() => void this.records.set(id, record.serialize()));
  }
  getPreKey(id) {
    return settle(() => {
      const bytes = this.records.get(id);
      if (bytes === undefined) throw new Error(`no prekey ${id}`);
      return PreKeyRecord.deserialize(bytes);
    });
  }
  removePreKey(id) {
    return settle(() => void this.records.delete(id));
  }
}

class MemorySignedPreKeyStore extends SignedPreKeyStore {
  #records = new Map();
  saveSignedPreKey(id, record) {
    return settle(() => void this.#records.set(id, record.serialize()));
  }
  getSignedPreKey(id) {
    return settle(() => {
      const bytes = this.#records.get(id);
      if (bytes === undefined) throw new Error(`no signed prekey ${id}`);
      return SignedPreKeyRecord.deserialize(bytes);
    });
  }
}

class NoKyberPreKeyStore extends KyberPreKeyStore {
  saveKyberPreKey() {
    return Promise.reject(new Error("Kyber prekeys are not used (X3DH only)"));
  }
  getKyberPreKey(id) {
    return Promise.reject(new Error(`no Kyber prekey ${id}`));
  }
  markKyberPreKeyUsed() {
    return Promise.resolve();
  }
}

let me;

const ops = {
  init({ registrationId, deviceId }) {
    const identity = IdentityKeyPair.generate();
    me = {
      identity,
      registrationId,
      deviceId,
      sessions: new MemorySessionStore(),
      identities: new MemoryIdentityStore(identity, registrationId),
      preKeys: new MemoryPreKeyStore(),
      signedPreKeys: new MemorySignedPreKeyStore(),
      kyberPreKeys: new NoKyberPreKeyStore(),
    };
    return { identityKey: hex(identity.publicKey.serialize()) };
  },

  async bundle({ signedPreKeyId, preKeyId }) {
    const signedPrivate = PrivateKey.generate();
    const signedPublic = signedPrivate.getPublicKey();
    const signature = me.identity.privateKey.sign(signedPublic.serialize());
    await me.signedPreKeys.saveSignedPreKey(
      signedPreKeyId,
      SignedPreKeyRecord.new(signedPreKeyId, Date.now(), signedPublic, signedPrivate, signature),
    );
    const bundle = {
      registrationId: me.registrationId,
      deviceId: me.deviceId,
      identityKey: hex(me.identity.publicKey.serialize()),
      signedPreKeyId,
      signedPreKey: hex(signedPublic.serialize()),
      signedPreKeySignature: hex(signature),
    };
    if (preKeyId !== undefined) {
      const prePrivate = PrivateKey.generate();
      await me.preKeys.savePreKey(preKeyId, PreKeyRecord.new(preKeyId, prePrivate.getPublicKey(), prePrivate));
      bundle.preKeyId = preKeyId;
      bundle.preKey = hex(prePrivate.getPublicKey().serialize());
    }
    return { bundle };
  },

  async processBundle({ bundle: b }) {
    const bundle = PreKeyBundle.new(
      b.registrationId,
      b.deviceId,
      b.preKeyId ?? null,
      b.preKey === undefined ? null : PublicKey.deserialize(unhex(b.preKey)),
      b.signedPreKeyId,
      PublicKey.deserialize(unhex(b.signedPreKey)),
      unhex(b.signedPreKeySignature),
      PublicKey.deserialize(unhex(b.identityKey)),
    );
    await processPreKeyBundle(bundle, REMOTE, me.sessions, me.identities);
    return {};
  },

  async encrypt({ plaintext }) {
    const message = await signalEncrypt(unhex(plaintext), REMOTE, me.sessions, me.identities);
    return { type: message.type(), body: hex(message.serialize()) };
  },

  async decrypt({ type, body }) {
    let plaintext;
    if (type === CiphertextMessageType.PreKey) {
      plaintext = await signalDecryptPreKey(
        PreKeySignalMessage.deserialize(unhex(body)),
        REMOTE,
        me.sessions,
        me.identities,
        me.preKeys,
        me.signedPreKeys,
        me.kyberPreKeys,
      );
    } else if (type === CiphertextMessageType.Whisper) {
      plaintext = await signalDecrypt(SignalMessage.deserialize(unhex(body)), REMOTE, me.sessions, me.identities);
    } else {
      throw new Error(`unknown message type ${type}`);
    }
    return { plaintext: hex(plaintext) };
  },

  hasPreKey({ preKeyId }) {
    return { present: me.preKeys.records.has(preKeyId) };
  },
};

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim() === "") continue;
  let id = null;
  try {
    const request = JSON.parse(line);
    id = request.id ?? null;
    const op = ops[request.op];
    if (op === undefined) throw new Error(`unknown op ${JSON.stringify(request.op)}`);
    if (request.op !== "init" && me === undefined) throw new Error("init first");
    const result = await op(request);
    process.stdout.write(JSON.stringify({ id, ok: true, ...result }) + "\n");
  } catch (err) {
    process.stdout.write(JSON.stringify({ id, ok: false, error: String(err?.message ?? err) }) + "\n");
  }
}
