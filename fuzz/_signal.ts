/**
 * Shared fixtures of the Signal-family fuzz targets (`signal_message`, `ratchet_state`,
 * `session_record`, `sender_key_message`, `sender_key_record`): real 1:1 sessions and Sender Key
 * chains between fixed identities, run once at load with seeded rngs through the library's own
 * functions, the records each receiver holds at a few points of the conversation (with the
 * messages that decrypt there), and an independent reference of the message keys (e2ee.md §3.1,
 * §4) so that generated messages can be re-MACed or re-encrypted after an edit and reach the
 * code behind the MAC.
 *
 * @module
 */

import { cbc } from "@noble/ciphers/aes.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  createPreKeyBundle,
  decryptPreKeySignalMessage,
  decryptSignalMessage,
  encodeSenderKeyMessage,
  encryptMessage,
  fromHex,
  generateOneTimePreKeys,
  generateSenderKey,
  generateSignedPreKey,
  type KeyPair,
  keyPairFromSecret,
  nobleProvider,
  processSenderKeyDistributionMessage,
  type ResponderKeys,
  type Rng,
  senderKeyDecrypt,
  senderKeyDistributionMessage,
  senderKeyEncrypt,
  type SenderKeyRecord,
  serializeSenderKeyRecord,
  serializeSessionRecord,
  type SessionRecord,
  startSession,
} from "../mod.ts";
import { cat, rngFor, u8 } from "./_e2ee.ts";
import { lastField, parseFields, type ProtoField, writeFields } from "./_proto.ts";

const P = nobleProvider;

// ---------------------------------------------------------------------------------------------
// Reference message keys (e2ee.md §3.1, §4), synchronous
// ---------------------------------------------------------------------------------------------

/** Message keys of one counter. */
export interface RefKeys {
  /** AES-256 key. */
  cipherKey: Uint8Array;
  /** HMAC key (1:1 only). */
  macKey: Uint8Array;
  /** CBC IV. */
  iv: Uint8Array;
}

/** Counters the reference precomputes per chain. */
export const REF_COUNTERS = 48;
const ZERO_SALT = new Uint8Array(32);

/** `KDF_CK` steps from `ck` at counter 0, then the message keys of each counter (1:1: cipher ‖ mac ‖ iv). */
function refChain(ck: Uint8Array, n: number, info: string, layout: "signal" | "group"): RefKeys[] {
  const out: RefKeys[] = [];
  let key = ck;
  for (let i = 0; i < n; i++) {
    const seed = hmac(sha256, key, Uint8Array.of(1));
    key = hmac(sha256, key, Uint8Array.of(2));
    if (layout === "signal") {
      const okm = hkdf(sha256, seed, ZERO_SALT, u8(info), 80);
      out.push({ cipherKey: okm.slice(0, 32), macKey: okm.slice(32, 64), iv: okm.slice(64, 80) });
    } else {
      const okm = hkdf(sha256, seed, ZERO_SALT, u8(info), 48);
      out.push({ iv: okm.slice(0, 16), cipherKey: okm.slice(16, 48), macKey: new Uint8Array(0) });
    }
  }
  return out;
}

/** A 1:1 sending chain as the reference knows it. */
export interface Chain {
  /** Name for messages. */
  name: string;
  /** The sender's 32-byte ratchet public key of this chain. */
  ratchetKey: Uint8Array;
  /** The sender's identity public key (first in the MAC). */
  senderIdentity: Uint8Array;
  /** The receiver's identity public key. */
  receiverIdentity: Uint8Array;
  /** Keys of counters 0 … {@link REF_COUNTERS} − 1. */
  keys: RefKeys[];
}

function djb(key: Uint8Array): Uint8Array {
  return cat(Uint8Array.of(5), key);
}

/** The 8-byte MAC of `macInput` on `chain` at `counter` (e2ee.md §3.5). */
export function refMac(chain: Chain, counter: number, macInput: Uint8Array): Uint8Array {
  return hmac(sha256, chain.keys[counter].macKey, cat(djb(chain.senderIdentity), djb(chain.receiverIdentity), macInput))
    .slice(0, 8);
}

/** Fields of a crafted SignalMessage. */
export interface CraftFields {
  /** Version byte (default 0x33). */
  versionByte?: number;
  /** Counter (the keys exist below {@link REF_COUNTERS}; above, the MAC is garbage). */
  counter: number;
  /** Previous counter. */
  previousCounter?: number;
  /** Plaintext to encrypt with the counter's keys, or … */
  plaintext?: Uint8Array;
  /** … a raw ciphertext. */
  ciphertext?: Uint8Array;
  /** Extra protobuf fields appended (unknown or duplicated). */
  extra?: ProtoField[];
}

/**
 * A SignalMessage on `chain` made by the reference: `version ‖ protobuf ‖ mac`.
 *
 * @param chain the sending chain
 * @param f the fields
 * @returns the message bytes
 */
export function craftSignal(chain: Chain, f: CraftFields): Uint8Array {
  const keys = chain.keys[f.counter];
  const ciphertext = f.ciphertext ??
    (keys === undefined ? new Uint8Array(16) : cbc(keys.cipherKey, keys.iv).encrypt(f.plaintext ?? new Uint8Array(0)));
  const fields: ProtoField[] = [
    { no: 1, wt: 2, value: djb(chain.ratchetKey) },
    { no: 2, wt: 0, value: BigInt(f.counter) },
    { no: 3, wt: 0, value: BigInt(f.previousCounter ?? 0) },
    { no: 4, wt: 2, value: ciphertext },
    ...(f.extra ?? []),
  ];
  const macInput = cat(Uint8Array.of(f.versionByte ?? 0x33), writeFields(fields));
  return cat(macInput, keys === undefined ? new Uint8Array(8) : refMac(chain, f.counter, macInput));
}

/**
 * Recompute the MAC of an (edited) SignalMessage when its ratchet key names one of `chains` and
 * its counter has reference keys; otherwise return it unchanged.
 *
 * @param body `version ‖ protobuf ‖ mac`
 * @param chains the chains to look in
 * @returns the body with a valid MAC where one can be made
 */
export function remac(body: Uint8Array, chains: readonly Chain[]): Uint8Array {
  if (body.length < 9) return body;
  const macInput = body.subarray(0, body.length - 8);
  const fields = parseFields(macInput.subarray(1));
  if (fields === undefined) return body;
  const rk = lastField(fields, 1)?.value;
  const counter = lastField(fields, 2)?.value;
  // uint32 fields read the low 32 bits of a longer varint (bufbuild, prost)
  if (!(rk instanceof Uint8Array) || typeof counter !== "bigint" || (counter & 0xffffffffn) >= BigInt(REF_COUNTERS)) {
    return body;
  }
  const chain = chains.find((c) => rk.length === 33 && rk[0] === 5 && same32(rk.subarray(1), c.ratchetKey));
  if (chain === undefined) return body;
  return cat(macInput, refMac(chain, Number(counter & 0xffffffffn), macInput));
}

function same32(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The chain a SignalMessage claims (by ratchet key) among `chains`, if any.
 *
 * @param ratchetKey the 32-byte ratchet key
 * @param chains candidates
 * @returns the chain
 */
export function chainOf(ratchetKey: Uint8Array, chains: readonly Chain[]): Chain | undefined {
  return chains.find((c) => ratchetKey.length === 32 && same32(ratchetKey, c.ratchetKey));
}

// ---------------------------------------------------------------------------------------------
// A 1:1 conversation
// ---------------------------------------------------------------------------------------------

const rng: Rng = rngFor("signal");

/** Alice's identity key pair. */
export const ALICE_IK: KeyPair = await keyPairFromSecret(new Uint8Array(32).fill(0x31), { provider: P });
/** Bob's identity key pair. */
export const BOB_IK: KeyPair = await keyPairFromSecret(new Uint8Array(32).fill(0x32), { provider: P });
const spk = await generateSignedPreKey(BOB_IK, 1, { rng, provider: P });
const [opk] = await generateOneTimePreKeys(7, 1, { rng, provider: P });
const spk2 = await generateSignedPreKey(BOB_IK, 2, { rng, provider: P });
const alice = { identityKeyPair: ALICE_IK, registrationId: 1 };

/** Bob's keys as responder: signed prekeys 1 and 2, one-time prekey 7. */
export const BOB_KEYS: ResponderKeys = {
  identityKeyPair: BOB_IK,
  registrationId: 2,
  signedPreKeys: new Map([[1, spk.keyPair], [2, spk2.keyPair]]),
  oneTimePreKeys: new Map([[7, opk.keyPair]]),
};

/** Snapshot of every secret a receiver holds, to check none changes. */
export function keySecrets(keys: ResponderKeys): Uint8Array {
  return cat(
    keys.identityKeyPair.secretKey.bytes(),
    ...[...keys.signedPreKeys.values(), ...keys.oneTimePreKeys.values()].map((k) => k.secretKey.bytes()),
  );
}

const text = (s: string) => u8(s);

function chainFrom(record: SessionRecord, name: string, sender: KeyPair, receiver: KeyPair): Chain {
  const s = record.current!.ratchet.sender;
  if (s.index !== 0) throw new Error(`fuzz fixture: chain ${name} captured at index ${s.index}`);
  return {
    name,
    ratchetKey: s.ratchetKeyPair.publicKey.slice(),
    senderIdentity: sender.publicKey,
    receiverIdentity: receiver.publicKey,
    keys: refChain(s.chainKey.bytes().slice(), REF_COUNTERS, "WhisperMessageKeys", "signal"),
  };
}

/** A message that decrypts in a context, with its plaintext. */
export interface ValidMessage {
  /** 2 = SignalMessage, 3 = PreKeySignalMessage. */
  type: 2 | 3;
  /** The bytes. */
  body: Uint8Array;
  /** The plaintext. */
  plaintext: Uint8Array;
}

// Alice's first session (with the one-time prekey): m0 … m3 and m9 are PreKeySignalMessages.
let a = await startSession(
  alice,
  createPreKeyBundle({
    registrationId: 2,
    deviceId: 1,
    identityKey: BOB_IK,
    signedPreKey: spk,
    oneTimePreKey: opk,
  }),
  { rng, provider: P },
);
const ALICE_CHAIN_0 = chainFrom(a, "alice-0", ALICE_IK, BOB_IK);
const aliceFirst: ValidMessage[] = [];
for (let i = 0; i < 10; i++) {
  const pt = text(`m${i}`);
  let m;
  [a, m] = await encryptMessage(a, pt, { provider: P });
  if (i < 4 || i === 9) aliceFirst.push({ type: 3, body: m.body, plaintext: pt });
}
const alicePending = a;

// Alice's second session (no one-time prekey, signed prekey 2): n0, n1, archiving the first.
let a2 = await startSession(
  alice,
  createPreKeyBundle({
    registrationId: 2,
    deviceId: 1,
    identityKey: BOB_IK,
    signedPreKey: spk2,
  }),
  { rng, provider: P, record: alicePending, versionByte: 0x34 },
);
const ALICE_CHAIN_2 = chainFrom(a2, "alice-second", ALICE_IK, BOB_IK);
const aliceSecond: ValidMessage[] = [];
for (let i = 0; i < 2; i++) {
  const pt = text(`n${i}`);
  let m;
  [a2, m] = await encryptMessage(a2, pt, { provider: P });
  aliceSecond.push({ type: 3, body: m.body, plaintext: pt });
}
const aliceTwoSessions = a2;

// Bob answers the first session: b0 … b2 (SignalMessages).
let [b] = await decryptPreKeySignalMessage(emptyRecord(), aliceFirst[0].body, { keys: BOB_KEYS, rng, provider: P });
const BOB_CHAIN_0 = chainFrom(b, "bob-0", BOB_IK, ALICE_IK);
const bobReplies: ValidMessage[] = [];
for (let i = 0; i < 3; i++) {
  const pt = text(`b${i}`);
  let m;
  [b, m] = await encryptMessage(b, pt, { provider: P });
  bobReplies.push({ type: 2, body: m.body, plaintext: pt });
}
const bobAfter = b;

// Alice reads b0, ratchets, and sends s0, s1 (SignalMessages on a new chain).
let [a3] = await decryptSignalMessage(alicePending, bobReplies[0].body, { rng, provider: P });
const ALICE_CHAIN_1 = chainFrom(a3, "alice-1", ALICE_IK, BOB_IK);
const aliceRatcheted: ValidMessage[] = [];
for (let i = 0; i < 2; i++) {
  const pt = text(`s${i}`);
  let m;
  [a3, m] = await encryptMessage(a3, pt, { provider: P });
  aliceRatcheted.push({ type: 2, body: m.body, plaintext: pt });
}
const aliceRatchetedRecord = a3;

function emptyRecord(): SessionRecord {
  return { previous: [] };
}

/** A receiver at one point of the conversation. */
export interface SignalContext {
  /** Name. */
  name: string;
  /** The record the receiver holds (never modified). */
  record: SessionRecord;
  /** `serializeSessionRecord(record)` at load. */
  snapshot: Uint8Array;
  /** Responder keys (Bob's contexts). */
  keys?: ResponderKeys;
  /** Messages that decrypt here. */
  valid: ValidMessage[];
  /** Messages that decrypted here already (replays). */
  replays: ValidMessage[];
  /** The chains whose messages this receiver can read. */
  chains: Chain[];
}

function context(
  name: string,
  record: SessionRecord,
  valid: ValidMessage[],
  chains: Chain[],
  keys?: ResponderKeys,
  replays: ValidMessage[] = [],
): SignalContext {
  return { name, record, snapshot: serializeSessionRecord(record), keys, valid, replays, chains };
}

/** The receivers: Bob before and after the first message, Alice waiting for a reply, Alice with two sessions. */
export const SIGNAL_CONTEXTS: readonly SignalContext[] = [
  context("bob-empty", emptyRecord(), [...aliceFirst, ...aliceSecond], [ALICE_CHAIN_0, ALICE_CHAIN_2], BOB_KEYS),
  context(
    "bob-after-m0",
    bobAfter,
    [
      ...aliceFirst.slice(1),
      ...aliceRatcheted,
      // Alice's first-chain messages also decrypt as plain SignalMessages here.
      ...aliceFirst.slice(1, 3).map((m) => ({ type: 2 as const, body: innerOf(m.body), plaintext: m.plaintext })),
    ],
    [ALICE_CHAIN_0, ALICE_CHAIN_1],
    BOB_KEYS,
    [aliceFirst[0]],
  ),
  context("alice-pending", alicePending, bobReplies, [BOB_CHAIN_0]),
  context("alice-two-sessions", aliceTwoSessions, bobReplies, [BOB_CHAIN_0]),
  context("alice-ratcheted", aliceRatchetedRecord, bobReplies.slice(1), [BOB_CHAIN_0], undefined, [bobReplies[0]]),
];

/** Every 1:1 chain of the conversation. */
export const CHAINS: readonly Chain[] = [ALICE_CHAIN_0, ALICE_CHAIN_1, ALICE_CHAIN_2, BOB_CHAIN_0];

/** The SignalMessage inside a PreKeySignalMessage (field 4). */
export function innerOf(preKeyBody: Uint8Array): Uint8Array {
  return lastField(parseFields(preKeyBody.subarray(1)) ?? [], 4)?.value as Uint8Array;
}

/** Replace the SignalMessage inside a PreKeySignalMessage. */
export function withInner(preKeyBody: Uint8Array, inner: Uint8Array): Uint8Array {
  const fields = (parseFields(preKeyBody.subarray(1)) ?? []).map((f) => f.no === 4 ? { ...f, value: inner } : f);
  return cat(preKeyBody.subarray(0, 1), writeFields(fields));
}

/** Every record of the conversation (for the state targets). */
export const SESSION_RECORDS: readonly SessionRecord[] = [
  emptyRecord(),
  alicePending,
  aliceTwoSessions,
  bobAfter,
  aliceRatchetedRecord,
];

/** Every message of the conversation. */
export const SIGNAL_MESSAGES: readonly ValidMessage[] = [
  ...aliceFirst,
  ...aliceSecond,
  ...bobReplies,
  ...aliceRatcheted,
];

// Self-check: the reference reproduces a real message from its fields.
{
  const real = innerOf(aliceFirst[1].body);
  const crafted = craftSignal(ALICE_CHAIN_0, { counter: 1, plaintext: text("m1") });
  if (!same(real, crafted)) throw new Error("fuzz fixture: the reference SignalMessage differs from the library's");
  const reply = craftSignal(BOB_CHAIN_0, { counter: 2, plaintext: text("b2"), versionByte: 0x33 });
  if (!same(reply, bobReplies[2].body)) throw new Error("fuzz fixture: the reference reply differs from the library's");
}

function same(x: Uint8Array, y: Uint8Array): boolean {
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Version bytes worth trying: both v3 spellings, other low and high nibbles. */
export const VERSION_BYTES: readonly number[] = [0x33, 0x34, 0x30, 0x32, 0x35, 0x3f, 0x23, 0x43, 0x44, 0x00, 0xff];

// ---------------------------------------------------------------------------------------------
// Sender Keys
// ---------------------------------------------------------------------------------------------

/** The distribution id of the group. */
export const DISTRIBUTION_ID: Uint8Array = fromHex("d1b5e1a0c0ffee00112233445566aabb");
const skRng = rngFor("sender-keys");

let own = await generateSenderKey(DISTRIBUTION_ID, { rng: skRng, provider: P });
/** Alice's first distribution message. */
export const SKDM_1: Uint8Array = senderKeyDistributionMessage(own);
const SK_CHAIN_1 = {
  chainId: own.states[0].chainId,
  signingSecret: own.states[0].signingPrivate!.slice(),
  keys: refChain(own.states[0].chainKey.slice(), REF_COUNTERS, "WhisperGroup", "group"),
};
/** A Sender Key message with its chain and iteration. */
export interface SenderKeyValid {
  /** The bytes. */
  body: Uint8Array;
  /** The plaintext. */
  plaintext: Uint8Array;
  /** Chain id. */
  chainId: number;
  /** Iteration. */
  iteration: number;
}
const firstChain: SenderKeyValid[] = [];
for (let i = 0; i < 41; i++) {
  const pt = text(`g${i}`);
  let m;
  [own, m] = await senderKeyEncrypt(own, pt, { rng: skRng, provider: P });
  if (i < 6 || i === 40) firstChain.push({ body: m, plaintext: pt, chainId: SK_CHAIN_1.chainId, iteration: i });
}
own = await generateSenderKey(DISTRIBUTION_ID, { rng: skRng, provider: P, previous: own });
/** Alice's distribution message after a rekey. */
export const SKDM_2: Uint8Array = senderKeyDistributionMessage(own);
const SK_CHAIN_2 = {
  chainId: own.states[0].chainId,
  signingSecret: own.states[0].signingPrivate!.slice(),
  keys: refChain(own.states[0].chainKey.slice(), REF_COUNTERS, "WhisperGroup", "group"),
};
const secondChain: SenderKeyValid[] = [];
for (let i = 0; i < 2; i++) {
  const pt = text(`h${i}`);
  let m;
  [own, m] = await senderKeyEncrypt(own, pt, { rng: skRng, provider: P });
  secondChain.push({ body: m, plaintext: pt, chainId: SK_CHAIN_2.chainId, iteration: i });
}
/** Alice's own record (she sends: it holds the signing secrets). */
export const SK_OWN_RECORD: SenderKeyRecord = own;

/** The Sender Key chains, for crafting: chain id, signing secret, reference keys. */
export const SK_CHAINS: readonly { chainId: number; signingSecret: Uint8Array; keys: RefKeys[] }[] = [
  SK_CHAIN_1,
  SK_CHAIN_2,
];

/** A Sender Key receiver. */
export interface SenderKeyContext {
  /** Name. */
  name: string;
  /** Bob's record (never modified). */
  record: SenderKeyRecord;
  /** `serializeSenderKeyRecord(record)` at load. */
  snapshot: Uint8Array;
  /** Messages that decrypt here. */
  valid: SenderKeyValid[];
  /** Messages already read (replays). */
  replays: SenderKeyValid[];
}

const bobFresh = processSenderKeyDistributionMessage(undefined, SKDM_1);
let bobRead = bobFresh;
[bobRead] = await senderKeyDecrypt(bobRead, firstChain[3].body, { provider: P });
const bobBoth = processSenderKeyDistributionMessage(bobRead, SKDM_2);

function skContext(name: string, record: SenderKeyRecord, valid: SenderKeyValid[], replays: SenderKeyValid[] = []) {
  return { name, record, snapshot: serializeSenderKeyRecord(record), valid, replays };
}

/** Bob fresh, after reading g3 (g0–g2 cached), and after Alice's rekey (two states). */
export const SK_CONTEXTS: readonly SenderKeyContext[] = [
  skContext("bob-fresh", bobFresh, firstChain),
  skContext("bob-read-g3", bobRead, firstChain.filter((m) => m.iteration !== 3), [firstChain[3]]),
  skContext("bob-two-chains", bobBoth, [...firstChain.filter((m) => m.iteration !== 3), ...secondChain], [
    firstChain[3],
  ]),
];

/** Every Sender Key record of the conversation (for the record target). */
export const SK_RECORDS: readonly SenderKeyRecord[] = [bobFresh, bobRead, bobBoth, SK_OWN_RECORD];

/** Every Sender Key message. */
export const SK_MESSAGES: readonly SenderKeyValid[] = [...firstChain, ...secondChain];

/** Fields of a crafted Sender Key message. */
export interface SkCraft {
  /** Which chain signs (index in {@link SK_CHAINS}). */
  chain: number;
  /** Distribution id (default the group's). */
  distributionId?: Uint8Array;
  /** Chain id (default the chain's). */
  chainId?: number;
  /** Iteration. */
  iteration: number;
  /** Plaintext to encrypt with the iteration's keys, or … */
  plaintext?: Uint8Array;
  /** … a raw ciphertext. */
  ciphertext?: Uint8Array;
  /** High nibble of the version byte (default 3). */
  version?: number;
}

/**
 * A Sender Key message signed with the chain's real signing key (the library's encoder).
 *
 * @param f the fields
 * @param signRng randomness of the XEdDSA signature
 * @returns the message bytes
 */
export function craftSenderKey(f: SkCraft, signRng: Rng): Uint8Array {
  const c = SK_CHAINS[f.chain % SK_CHAINS.length];
  const keys = c.keys[f.iteration];
  const ciphertext = f.ciphertext ??
    (keys === undefined ? new Uint8Array(16) : cbc(keys.cipherKey, keys.iv).encrypt(f.plaintext ?? new Uint8Array(0)));
  return encodeSenderKeyMessage(
    {
      distributionId: f.distributionId ?? DISTRIBUTION_ID,
      chainId: f.chainId ?? c.chainId,
      iteration: f.iteration,
      ciphertext,
    },
    c.signingSecret,
    { rng: signRng, version: f.version ?? 3 },
  );
}

// Self-check: the reference keys decrypt a real Sender Key message.
{
  const m = firstChain[2];
  const fields = parseFields(m.body.subarray(1, m.body.length - 64)) ?? [];
  const ct = lastField(fields, 4)?.value as Uint8Array;
  const k = SK_CHAIN_1.keys[2];
  if (!same(cbc(k.cipherKey, k.iv).decrypt(ct), m.plaintext)) {
    throw new Error("fuzz fixture: Sender Key reference keys");
  }
}
