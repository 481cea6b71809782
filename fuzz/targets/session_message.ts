/**
 * Fuzz target: the decoders of the Session protocol entry point (`@allium/protocol/session`,
 * protocol/e2ee/session/mod.ts, e2ee.md §5) and the Session ID parser, grouped in one target by
 * a selector byte: input = `mode ‖ payload`, `mode = input[0] % 14`.
 *
 * | mode | decoder (fixed keys of `_e2ee.ts`)                                                   | expected refusal codes                                             |
 * | ---- | ------------------------------------------------------------------------------------ | ------------------------------------------------------------------ |
 * | 0    | `decodeSessionMessage(payload, [Bob, Carol], { expectedSender: Alice })`            | MESSAGE_INVALID, DECRYPT_FAILED, SIGNATURE_INVALID, KEY_INVALID, SENDER_MISMATCH |
 * | 1    | `parseEnvelope(payload)`                                                             | MESSAGE_INVALID                                                    |
 * | 2    | `unwrapWebSocketMessage(payload)`                                                    | MESSAGE_INVALID                                                    |
 * | 3    | `decryptIncoming(payload, Bob)` (a sealed 1:1 message)                               | DECRYPT_FAILED, MESSAGE_INVALID, SIGNATURE_INVALID, KEY_INVALID    |
 * | 4    | `decryptIncoming` of payload = `M ‖ A ‖ SIG` sealed to Bob here (fixed ephemeral key) | as mode 3                                                          |
 * | 5    | `unpadMessage(payload)`                                                              | none (it never refuses)                                            |
 * | 6    | `decodeGroupMessage(payload, [K2, K1], { group })` (Groups v2 ciphertext)            | DECRYPT_FAILED, MESSAGE_INVALID, MESSAGE_UNSUPPORTED, SIGNATURE_INVALID, KEY_INVALID |
 * | 7    | `decodeGroupMessage` of payload = the padded dict, encrypted here with K1             | as mode 6                                                          |
 * | 8    | `decryptFromBlindedRecipient(ct, Bob, { sender })`, payload = sender ID (33) ‖ ct     | MESSAGE_INVALID, MESSAGE_UNSUPPORTED, DECRYPT_FAILED, SENDER_MISMATCH, KEY_INVALID |
 * | 9    | `decryptFromBlindedRecipient` of payload = `b ‖ M ‖ A` encrypted here (b: 15 or 25)   | as mode 8                                                          |
 * | 10   | `configDecrypt(payload, keyBase, { domain: "UserProfile" })`                         | DECRYPT_FAILED                                                     |
 * | 11   | `decryptPushNotification(payload, key)`                                              | DECRYPT_FAILED                                                     |
 * | 12   | `decryptOnsResponse("alice", payload, { nonce })`                                    | DECRYPT_FAILED, MESSAGE_INVALID                                    |
 * | 13   | `parseSessionId(text)` and `parsePrefixedId(text, [05])`, text = UTF-8 of payload    | KEY_INVALID                                                        |
 *
 * The codes are those each function documents (`@throws`); another code escaping is a finding.
 * Oracles:
 *
 * - 0: the staged decode (unwrap → parse → decrypt with the key that opened it → unpad → Content)
 *   agrees; the sender is Alice.
 * - 1: an accepted Envelope has type 6 or 7, a uint64 timestamp, `source` absent or 66 lower-case
 *   hex, `proSig` absent or 64 bytes.
 * - 3, 4: every crypto provider that loads accepts or refuses alike (the codes may differ) and
 *   accepts to the same plaintext and sender; an accepted message has a
 *   prime-order sender key whose signature over `M ‖ A ‖ Y_Bob` verifies strictly; in mode 4 the
 *   plaintext is `M`.
 * - 5: agrees with a reference scan; `unpad(pad(x)) = x`.
 * - 6, 7: the sender signed `data ‖ group` (strict verification, prime-order key); in mode 7 the
 *   plaintext is `d` or the decompressed `z`.
 * - 8, 9: the sender is Alice (or Bob reading his own message); in mode 9 the plaintext is `M`.
 * - 10: re-encrypting the plaintext gives the input (config encryption is deterministic).
 * - 11: no trailing zero byte; 12: a 66-hex-character Session ID; 13: both parsers agree.
 *
 * Structured inputs per mode: real messages built with the library's encoders (seeded), then
 * protobuf field edits of the WebSocketMessage / request / Envelope layers, sealed-box layout
 * edits, inner signed blocks with hostile sender keys (small-order, mixed-order with a cofactored
 * signature, non-canonical) and malleated signatures, group dicts with every field wrong in turn
 * (version, key sizes, `d`/`z`, zstd garbage and a zstd bomb, padding), blinded sender IDs and inner
 * keys, byte mutations.
 *
 * @module
 */

import fc from "fast-check";
import { create } from "@bufbuild/protobuf";
import { blake2b } from "@noble/hashes/blake2.js";
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import {
  bdecode,
  type BDict,
  bencode,
  type BValue,
  type CryptoProvider,
  fromHex,
  isHex,
  nobleProvider,
  parseSessionId,
  type ProtocolErrorCode,
  toHex,
} from "../../mod.ts";
import {
  blind25Id,
  blindedKeyPair,
  buildEnvelope,
  configDecrypt,
  configEncrypt,
  ContentSchema,
  decodeGroupMessage,
  decodeSessionMessage,
  decryptFromBlindedRecipient,
  decryptIncoming,
  decryptOnsResponse,
  decryptPushNotification,
  encodeGroupMessage,
  encodeProto,
  encodeSessionMessage,
  encryptForBlindedRecipient,
  encryptForRecipient,
  Envelope_Type,
  loadZstd,
  padConfigMessage,
  padMessage,
  parseEnvelope,
  parsePrefixedId,
  prefixedId,
  unpadMessage,
  unwrapWebSocketMessage,
  wrapWebSocketMessage,
} from "../../protocol/e2ee/session/mod.ts";
import { openSealedBox, sealBox } from "../../protocol/crypto/sealed_box.ts";
import { ed25519SecretScalar, scalarMul, scalarMultPoint } from "../../protocol/crypto/ed25519_blinding.ts";
import { currentProvider, type FuzzTarget, invariant, type OpenFinding } from "../_harness.ts";
import { mutatedArb } from "../_mutate.ts";
import {
  type FieldHint,
  lastField,
  parseFields,
  type ProtoEdit,
  protoEditArb,
  type ProtoField,
  writeFields,
} from "../_proto.ts";
import {
  ALICE,
  attempt,
  attemptSync,
  BAD_ED25519_KEYS,
  BOB,
  CAROL,
  cat,
  describeOutcome,
  fixedIdentity,
  MALLORY,
  mixedOrder,
  type Outcome,
  plusL as plusLOf,
  primeOrderPoint,
  PROVIDERS,
  rngFor,
  same,
  sign,
  signAs,
  signatureEditArb,
  strictVerify,
  u8,
} from "../_e2ee.ts";

/** Number of modes. */
export const MODES = 14;
/** The modes (see the module documentation). */
const M_WIRE = 0, M_ENVELOPE = 1, M_WEBSOCKET = 2, M_INCOMING = 3, M_INNER = 4, M_UNPAD = 5, M_GROUP = 6;
const M_GROUP_DICT = 7, M_BLINDED = 8, M_BLINDED_INNER = 9, M_CONFIG = 10, M_PUSH = 11, M_ONS = 12, M_SESSION_ID = 13;

const C_WIRE: readonly ProtocolErrorCode[] = [
  "MESSAGE_INVALID",
  "DECRYPT_FAILED",
  "SIGNATURE_INVALID",
  "KEY_INVALID",
  "SENDER_MISMATCH",
];
const C_INCOMING: readonly ProtocolErrorCode[] = [
  "DECRYPT_FAILED",
  "MESSAGE_INVALID",
  "SIGNATURE_INVALID",
  "KEY_INVALID",
];
const C_GROUP: readonly ProtocolErrorCode[] = [
  "DECRYPT_FAILED",
  "MESSAGE_INVALID",
  "MESSAGE_UNSUPPORTED",
  "SIGNATURE_INVALID",
  "KEY_INVALID",
];
const C_BLINDED: readonly ProtocolErrorCode[] = [
  "MESSAGE_INVALID",
  "MESSAGE_UNSUPPORTED",
  "DECRYPT_FAILED",
  "SENDER_MISMATCH",
  "KEY_INVALID",
];

// ---------------------------------------------------------------------------------------------
// Fixtures (built once, deterministically, with the library's own encoders)
// ---------------------------------------------------------------------------------------------

const P: CryptoProvider = nobleProvider;
const T0 = 1_700_000_000_000;
const KEYS = [BOB.ed25519Seed, CAROL.ed25519Seed];
const GROUP = (await fixedIdentity(0x05)).ed25519Public;
const K1 = new Uint8Array(32).fill(0x06);
const K2 = new Uint8Array(32).fill(0x07);
const SERVER = (await fixedIdentity(0x08)).ed25519Public;
const KEY_BASE = new Uint8Array(32).fill(0x09);
const DOMAIN = "UserProfile";
const PUSH_KEY = new Uint8Array(32).fill(0x0a);
const ONS_NAME = "alice";
const ONS_NONCE = new Uint8Array(24).fill(0x0b);
const FIXED_NONCE = new Uint8Array(24).fill(0x0c);
const EPHEMERAL = new Uint8Array(32).fill(0x0d);
const ZSTD = await loadZstd();

function content(init: Parameters<typeof create<typeof ContentSchema>>[1]): Uint8Array {
  return encodeProto(ContentSchema, create(ContentSchema, init));
}

/** Serialized Contents of several shapes. */
const CONTENTS: Uint8Array[] = [
  content({ dataMessage: { body: "hello" } }),
  new Uint8Array(0),
  content({ dataMessage: { body: "x".repeat(300), timestamp: 5n }, sigTimestamp: 7n, expirationTimer: 60 }),
  content({ typingMessage: { timestamp: 1n, action: 0 } }),
  content({ unsendRequest: { timestamp: 9n, author: ALICE.sessionId } }),
];

/** 1:1 wires to Bob (and one to Carol), the live network's stored form. */
const WIRES: Uint8Array[] = [];
for (const [i, c] of CONTENTS.entries()) {
  WIRES.push(
    await encodeSessionMessage(c, ALICE.ed25519Seed, {
      recipient: BOB.sessionId,
      timestampMs: T0 + i,
      rng: rngFor(`wire-${i}`),
      provider: P,
    }),
  );
}
WIRES.push(
  await encodeSessionMessage(CONTENTS[0], ALICE.ed25519Seed, {
    recipient: CAROL.sessionId,
    timestampMs: T0,
    rng: rngFor("wire-carol"),
    provider: P,
  }),
  await encodeSessionMessage(CONTENTS[0], MALLORY.ed25519Seed, {
    recipient: BOB.sessionId,
    timestampMs: T0,
    rng: rngFor("wire-mallory"),
    provider: P,
  }),
  await encodeSessionMessage(CONTENTS[0], ALICE.ed25519Seed, {
    recipient: BOB.sessionId,
    timestampMs: T0,
    deterministic: true,
    proRotatingSecret: new Uint8Array(32).fill(0x0e),
    rng: rngFor("wire-det"),
    provider: P,
  }),
);
const ENVELOPES = WIRES.map((w) => unwrapWebSocketMessage(w));
const REQUESTS = WIRES.map((w) => lastField(parseFields(w)!, 2)!.value as Uint8Array);
const CIPHERTEXTS = ENVELOPES.map((e) => parseEnvelope(e).content);
CIPHERTEXTS.push(
  await encryptForRecipient(new Uint8Array(0), ALICE.ed25519Seed, {
    recipient: BOB.sessionId,
    rng: rngFor("ct-empty"),
    provider: P,
  }),
);
const PADDED = CONTENTS.map(padMessage);

/** Type-7 Envelopes (the plaintext of group messages). */
const GROUP_ENVELOPES: Uint8Array[] = [];
for (const [i, c] of CONTENTS.entries()) {
  GROUP_ENVELOPES.push(
    await buildEnvelope(Envelope_Type.CLOSED_GROUP_MESSAGE, c, {
      timestampMs: T0 + i,
      rng: rngFor(`genv-${i}`),
      provider: P,
    }),
  );
}
const GROUP_CTS: Uint8Array[] = [];
for (const [i, c] of CONTENTS.entries()) {
  GROUP_CTS.push(
    await encodeGroupMessage(c, (i === 3 ? MALLORY : ALICE).ed25519Seed, {
      group: GROUP,
      encryptionKey: i % 2 === 0 ? K1 : K2,
      timestampMs: T0 + i,
      rng: rngFor(`group-${i}`),
      provider: P,
      ...(ZSTD === undefined || i !== 2 ? {} : { zstd: ZSTD }),
    }),
  );
}

/** zstd frames: compressed Envelopes, one that inflates past the 1 MB cap, garbage. */
const ZSTD_FRAMES: Uint8Array[] = ZSTD === undefined ? [] : [
  ...GROUP_ENVELOPES.map((e) => ZSTD.compress(e)),
  ZSTD.compress(new Uint8Array(1_000_001)),
  ZSTD.compress(new Uint8Array(1_000_000)),
];

// Blinded IDs: as `encryptForBlindedRecipient` names its sender (the blinded key pair's key).
async function blindedId(seed: Uint8Array, prefix: number): Promise<string> {
  return prefixedId(prefix, (await blindedKeyPair(seed, prefix, { serverPublicKey: SERVER, provider: P })).publicKey);
}
const ALICE15 = await blindedId(ALICE.ed25519Seed, 0x15);
const ALICE25 = await blindedId(ALICE.ed25519Seed, 0x25);
const BOB15 = await blindedId(BOB.ed25519Seed, 0x15);
const BOB25 = await blindedId(BOB.ed25519Seed, 0x25);
const MALLORY25 = await blindedId(MALLORY.ed25519Seed, 0x25);
if (ALICE25 !== await blind25Id(ALICE.sessionId, SERVER, { provider: P })) throw new Error("fixture: 25-IDs differ");

const BLINDED_CTS: { sender: string; ct: Uint8Array }[] = [];
for (
  const [i, [from, to, prefix]] of ([
    [ALICE, BOB25, 0x25],
    [ALICE, BOB15, 0x15],
    [MALLORY, BOB25, 0x25],
    [BOB, ALICE25, 0x25], // Bob reads his own outgoing message
  ] as const).entries()
) {
  BLINDED_CTS.push({
    sender: await blindedId(from.ed25519Seed, prefix),
    ct: await encryptForBlindedRecipient(PADDED[i % PADDED.length], from.ed25519Seed, {
      serverPublicKey: SERVER,
      recipient: to,
      rng: rngFor(`blinded-${i}`),
      provider: P,
    }),
  });
}

/** The Alice → Bob DM key (e2ee.md §5.4), computed from the formula, checked against the library below. */
async function dmKey(prefix: 0x15 | 0x25): Promise<Uint8Array> {
  const [own, peer] = prefix === 0x25 ? [ALICE25, BOB25] : [ALICE15, BOB15];
  let scalar = ed25519SecretScalar(ALICE.ed25519Seed);
  if (prefix === 0x25) {
    const pair = await blindedKeyPair(ALICE.ed25519Seed, 0x25, { serverPublicKey: SERVER, provider: P });
    scalar = scalarMul(scalar, pair.factor);
  }
  const q = scalarMultPoint(scalar, fromHex(peer).subarray(1));
  return blake2b(cat(q, fromHex(own).subarray(1), fromHex(peer).subarray(1)), { dkLen: 32 });
}
const DM_KEYS = { 0x15: await dmKey(0x15), 0x25: await dmKey(0x25) };

const CONFIG_CTS: Uint8Array[] = [];
for (const d of [u8("name: alice"), new Uint8Array(0), new Uint8Array(300).fill(1)]) {
  CONFIG_CTS.push(await configEncrypt(padConfigMessage(d), KEY_BASE, { domain: DOMAIN, provider: P }));
}
CONFIG_CTS.push(await configEncrypt(new Uint8Array(0), KEY_BASE, { domain: DOMAIN, provider: P }));

const PUSH_CTS = [u8("notification"), new Uint8Array(0), cat(u8("padded"), new Uint8Array(10))].map((d, i) => {
  const nonce = new Uint8Array(24).fill(0x20 + i);
  return cat(nonce, xchacha20poly1305(PUSH_KEY, nonce).encrypt(d));
});
const ONS_KEY = (() => {
  const name = u8(ONS_NAME);
  return blake2b(name, { dkLen: 32, key: blake2b(name, { dkLen: 32 }) });
})();
const ONS_CTS = [fromHex(ALICE.sessionId), new Uint8Array(32), new Uint8Array(34)].map((v) =>
  xchacha20poly1305(ONS_KEY, ONS_NONCE).encrypt(v)
);

// ---------------------------------------------------------------------------------------------
// The target
// ---------------------------------------------------------------------------------------------

/** Seal `inner` to Bob with the fixed ephemeral key (mode 4). */
function sealInner(inner: Uint8Array): Uint8Array {
  return sealBox(inner, BOB.x25519Public, { ephemeralSecret: EPHEMERAL });
}

/** Encrypt a group dict with K1 and the fixed nonce (mode 7). */
function sealGroupDict(dict: Uint8Array): Uint8Array {
  return cat(FIXED_NONCE, xchacha20poly1305(K1, FIXED_NONCE).encrypt(dict));
}

/** Encrypt `M ‖ A` as Alice's DM to Bob (mode 9). */
function sealBlinded(prefix: 0x15 | 0x25, inner: Uint8Array): Uint8Array {
  return cat(Uint8Array.of(0), xchacha20poly1305(DM_KEYS[prefix], FIXED_NONCE).encrypt(inner), FIXED_NONCE);
}

/** The recipient a blinded sender ID is read with: Bob's ID of that prefix, or Alice's when Bob sent it. */
function blindedRecipient(sender: string): string {
  const own = sender === BOB25 || sender === BOB15;
  if (sender.startsWith("15")) return own ? ALICE15 : BOB15;
  return own ? ALICE25 : BOB25;
}

async function incomingEverywhere(ct: Uint8Array): Promise<Outcome<Awaited<ReturnType<typeof decryptIncoming>>>> {
  const outcomes = [];
  for (const provider of PROVIDERS) {
    outcomes.push(
      await attempt(
        `decryptIncoming() (${provider.name})`,
        C_INCOMING,
        () => decryptIncoming(ct, BOB.ed25519Seed, { provider }),
      ),
    );
  }
  const first = outcomes[0];
  for (const [i, o] of outcomes.entries()) {
    // Refusal codes may differ (a key check and a signature check can fail in either order).
    const agree = o.ok === first.ok &&
      (!o.ok || !first.ok ||
        same(o.value.plaintext, first.value.plaintext) && o.value.senderSessionId === first.value.senderSessionId);
    invariant(
      agree,
      `providers disagree on decryptIncoming(): ${PROVIDERS[0].name} ${describeOutcome(first)}, ${PROVIDERS[i].name} ${
        describeOutcome(o)
      }`,
    );
  }
  return first;
}

/** An accepted 1:1 message: a prime-order sender key whose signature over `M ‖ A ‖ Y_Bob` verifies strictly. */
function checkIncoming(
  plaintext: Uint8Array,
  senderEd25519: Uint8Array,
  senderSessionId: string,
  signature: Uint8Array,
): void {
  invariant(primeOrderPoint(senderEd25519), "decryptIncoming() accepted a sender key outside the prime-order subgroup");
  invariant(
    strictVerify(senderEd25519, cat(plaintext, senderEd25519, BOB.x25519Public), signature),
    "decryptIncoming() accepted a signature that does not verify strictly",
  );
  invariant(/^05[0-9a-f]{64}$/.test(senderSessionId), `decryptIncoming(): sender Session ID ${senderSessionId}`);
}

/**
 * Run the decoder `input[0]` selects on the rest (see the module documentation).
 *
 * @param input `mode ‖ payload`
 */
export async function fuzz(input: Uint8Array): Promise<void> {
  if (input.length === 0) return;
  const mode = input[0] % MODES;
  const payload = input.subarray(1);
  const provider = currentProvider();
  let o: Outcome<unknown>;
  switch (mode) {
    case M_WIRE: {
      const got = await attempt(
        "decodeSessionMessage()",
        C_WIRE,
        () => decodeSessionMessage(payload, KEYS, { expectedSender: ALICE.sessionId, provider }),
      );
      o = got;
      if (got.ok) {
        const m = got.value;
        invariant(m.senderSessionId === ALICE.sessionId, "decodeSessionMessage() accepted another sender");
        const env = parseEnvelope(unwrapWebSocketMessage(payload));
        const inc = await decryptIncoming(env.content, KEYS[m.keyIndex], { provider });
        invariant(same(unpadMessage(inc.plaintext), m.contentBytes), "staged decode gives other content bytes");
        invariant(same(inc.senderEd25519, m.senderEd25519), "staged decode gives another sender");
        invariant(m.envelope.timestampMs === env.info.timestampMs, "staged decode gives another timestamp");
      }
      break;
    }
    case M_ENVELOPE: {
      const got = attemptSync("parseEnvelope()", ["MESSAGE_INVALID"], () => parseEnvelope(payload));
      o = got;
      if (got.ok) {
        const { info, content: c } = got.value;
        invariant(info.type === 6 || info.type === 7, `parseEnvelope() accepted type ${info.type}`);
        invariant(info.timestampMs >= 0n && info.timestampMs < 1n << 64n, "timestamp outside uint64");
        invariant(info.source === undefined || /^[0-9a-f]{66}$/.test(info.source), `source "${info.source}"`);
        invariant(info.proSig === undefined || info.proSig.length === 64, "proSig not 64 bytes");
        invariant(c instanceof Uint8Array, "content not bytes");
      }
      break;
    }
    case M_WEBSOCKET:
      o = attemptSync("unwrapWebSocketMessage()", ["MESSAGE_INVALID"], () => unwrapWebSocketMessage(payload));
      if (o.ok) invariant(o.value instanceof Uint8Array, "body not bytes");
      break;
    case M_INCOMING:
    case M_INNER: {
      const ct = mode === M_INNER ? sealInner(payload) : payload;
      const got = await incomingEverywhere(ct);
      o = got;
      if (got.ok) {
        const { plaintext, senderEd25519, senderSessionId } = got.value;
        if (mode === M_INNER) {
          invariant(same(plaintext, payload.subarray(0, payload.length - 96)), "plaintext is not M");
        }
        const inner = mode === M_INNER ? payload : openSealedBox(ct, BOB.x25519Secret, BOB.x25519Public);
        checkIncoming(plaintext, senderEd25519, senderSessionId, inner.subarray(inner.length - 64));
      }
      break;
    }
    case M_UNPAD: {
      const out = unpadMessage(payload);
      invariant(same(out, referenceUnpad(payload)), "unpadMessage() disagrees with the reference scan");
      invariant(same(unpadMessage(padMessage(payload)), payload), "unpad(pad(x)) ≠ x");
      o = { ok: true, value: out };
      break;
    }
    case M_GROUP:
    case M_GROUP_DICT: {
      const ct = mode === M_GROUP_DICT ? sealGroupDict(payload) : payload;
      const keys = mode === M_GROUP_DICT ? [K1] : [K2, K1];
      const got = await attempt(
        "decodeGroupMessage()",
        C_GROUP,
        () => decodeGroupMessage(ct, keys, { group: GROUP, zstd: ZSTD ?? null, provider }),
      );
      o = got;
      if (got.ok && mode === M_GROUP_DICT) checkGroupDict(payload, got.value.senderEd25519);
      if (got.ok) invariant(primeOrderPoint(got.value.senderEd25519), "group sender outside the prime-order subgroup");
      break;
    }
    case M_BLINDED:
    case M_BLINDED_INNER: {
      let sender: string, ct: Uint8Array;
      if (mode === M_BLINDED) {
        sender = toHex(payload.subarray(0, 33));
        ct = payload.subarray(33);
      } else {
        const prefix = (payload[0] ?? 0) & 1 ? 0x15 : 0x25;
        sender = prefix === 0x15 ? ALICE15 : ALICE25;
        ct = sealBlinded(prefix, payload.subarray(1));
      }
      const recipient = blindedRecipient(sender);
      const got = await attempt(
        "decryptFromBlindedRecipient()",
        C_BLINDED,
        () =>
          decryptFromBlindedRecipient(ct, BOB.ed25519Seed, { serverPublicKey: SERVER, sender, recipient, provider }),
      );
      o = got;
      if (got.ok) {
        const own = sender === BOB15 || sender === BOB25;
        const expected = own ? BOB.sessionId : sender === MALLORY25 ? MALLORY.sessionId : ALICE.sessionId;
        invariant(
          got.value.senderSessionId === expected,
          `blinded DM from ${got.value.senderSessionId}, sender ${sender}`,
        );
        if (mode === M_BLINDED_INNER) {
          const inner = payload.subarray(1);
          invariant(same(got.value.plaintext, inner.subarray(0, inner.length - 32)), "blinded plaintext is not M");
        }
      }
      break;
    }
    case M_CONFIG: {
      const got = await attempt(
        "configDecrypt()",
        ["DECRYPT_FAILED"],
        () => configDecrypt(payload, KEY_BASE, { domain: DOMAIN, provider }),
      );
      o = got;
      if (got.ok) {
        invariant(got.value.length === payload.length - 40, "config plaintext is not |ct| − 40");
        const again = await configEncrypt(got.value, KEY_BASE, { domain: DOMAIN, provider });
        invariant(same(again, payload), "re-encrypting the config plaintext gives other bytes");
      }
      break;
    }
    case M_PUSH:
      o = await attempt(
        "decryptPushNotification()",
        ["DECRYPT_FAILED"],
        () => decryptPushNotification(payload, PUSH_KEY, { provider }),
      );
      if (o.ok) {
        const v = o.value as Uint8Array;
        invariant(v.length === 0 || v[v.length - 1] !== 0, "push payload keeps a trailing zero");
      }
      break;
    case M_ONS:
      o = await attempt(
        "decryptOnsResponse()",
        ["DECRYPT_FAILED", "MESSAGE_INVALID"],
        () => decryptOnsResponse(ONS_NAME, payload, { nonce: ONS_NONCE, provider }),
      );
      if (o.ok) invariant(/^[0-9a-f]{66}$/.test(o.value as string), `ONS value "${o.value}"`);
      break;
    default: {
      const text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(payload);
      const a = attemptSync("parseSessionId()", ["KEY_INVALID"], () => parseSessionId(text));
      const b = attemptSync("parsePrefixedId()", ["KEY_INVALID"], () => parsePrefixedId(text, [0x05]));
      invariant(a.ok === b.ok, `parseSessionId() ${describeOutcome(a)}, parsePrefixedId() ${describeOutcome(b)}`);
      if (a.ok && b.ok) {
        invariant(same(a.value, b.value.key), "the parsers read different keys");
        invariant(isHex(text, 66) && text.slice(0, 2) === "05", `accepted "${text}"`);
        invariant(same(a.value, fromHex(text.slice(2).toLowerCase())), "key is not the hex digits");
      }
      o = a;
    }
  }
  if (!o.ok) throw o.error;
}

function referenceUnpad(b: Uint8Array): Uint8Array {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  if (end > 0 && b[end - 1] === 0x80) return b.subarray(0, end - 1);
  return b.subarray(0, end);
}

function checkGroupDict(dictBytes: Uint8Array, sender: Uint8Array): void {
  let end = dictBytes.length;
  while (end > 0 && dictBytes[end - 1] === 0) end--;
  const dict = bdecodeLoose(dictBytes.subarray(0, end));
  const data = (dict?.d ?? dict?.z) as Uint8Array | undefined;
  const sig = dict?.s as Uint8Array | undefined;
  invariant(data instanceof Uint8Array && sig instanceof Uint8Array, "accepted a dict without data or signature");
  invariant(strictVerify(sender, cat(data, GROUP), sig), "accepted a group signature that does not verify strictly");
}

function bdecodeLoose(b: Uint8Array): BDict | undefined {
  try {
    return bdecode(b) as BDict;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Structured inputs
// ---------------------------------------------------------------------------------------------

const withMode = (mode: number) => (payload: Uint8Array): Uint8Array => cat(Uint8Array.of(mode), payload);

const envelopeHints: FieldHint[] = [
  { no: 1, varint: true },
  {
    no: 2,
    values: [
      ALICE.sessionId,
      ALICE.sessionId.toUpperCase(),
      ALICE.sessionId.slice(2),
      ALICE.sessionId + "0",
      "",
      "zz" + ALICE.sessionId.slice(2),
      "05" + "é".repeat(32),
    ].map(u8).concat([Uint8Array.of(0xc0, 0xaf)]),
  },
  { no: 5, varint: true },
  { no: 7, varint: true },
  { no: 8, values: CIPHERTEXTS },
  { no: 10, varint: true },
  { no: 11, values: [new Uint8Array(64), new Uint8Array(63), new Uint8Array(65), new Uint8Array(0)] },
];
const requestHints: FieldHint[] = [
  { no: 1, values: [u8(""), u8("PUT"), Uint8Array.of(0xff)] },
  { no: 2, values: [u8(""), u8("/api/v1/message")] },
  { no: 3, values: ENVELOPES },
  { no: 4, varint: true },
  { no: 5, values: [u8("content-type:application/x-protobuf")] },
];
const websocketHints: FieldHint[] = [
  { no: 1, varint: true },
  { no: 2, values: REQUESTS },
  { no: 3, values: [writeFields([{ no: 1, wt: 0, value: 0n }, { no: 2, wt: 0, value: 200n }])] },
];

function edited(base: Uint8Array, edits: ProtoEdit[]): Uint8Array {
  return writeFields(edits.reduce((f, e) => e(f), parseFields(base) ?? []));
}

/** A wire with edits at any of its three protobuf layers (envelope inside request inside WebSocketMessage). */
const layeredWireArb: fc.Arbitrary<Uint8Array> = fc.tuple(
  fc.nat(WIRES.length - 1),
  fc.array(protoEditArb(envelopeHints), { maxLength: 2 }),
  fc.array(protoEditArb(requestHints), { maxLength: 2 }),
  fc.array(protoEditArb(websocketHints), { maxLength: 2 }),
).map(([i, envEdits, reqEdits, wsEdits]) => {
  const env = edited(ENVELOPES[i], envEdits);
  const req = writeFields(reqEdits.reduce((f, e) => e(f), replace(parseFields(REQUESTS[i]) ?? [], 3, env)));
  return writeFields(wsEdits.reduce((f, e) => e(f), replace(parseFields(WIRES[i]) ?? [], 2, req)));
});

function replace(fields: ProtoField[], no: number, value: Uint8Array): ProtoField[] {
  return fields.map((f) => f.no === no ? { ...f, value, raw: undefined } : f);
}

/** A wire whose envelope carries an edited sealed box. */
const wireWithBoxArb: fc.Arbitrary<Uint8Array> = fc.tuple(fc.nat(ENVELOPES.length - 1), fc.nat(), fc.nat(7)).map(
  ([i, p, bit]) => {
    const ct = parseEnvelope(ENVELOPES[i]).content.slice();
    ct[p % ct.length] ^= 1 << bit;
    const env = writeFields(replace(parseFields(ENVELOPES[i]) ?? [], 8, ct));
    return wrapWebSocketMessage(env);
  },
);

/** Inner signed blocks `M ‖ A ‖ SIG` for mode 4, with every part wrong in turn. */
const innerArb: fc.Arbitrary<Uint8Array> = fc.record({
  m: fc.oneof(fc.constantFrom(...PADDED), fc.uint8Array({ maxLength: 200 })),
  signer: fc.constantFrom(ALICE, MALLORY),
  a: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 5 },
    { arbitrary: fc.constantFrom(...BAD_ED25519_KEYS), weight: 2 },
    { arbitrary: fc.constant("mixed" as const), weight: 1 },
    { arbitrary: fc.constant(BOB.ed25519Public), weight: 1 },
  ),
  over: fc.constantFrom("own", "own", "own", "carol", "noY"),
  sigEdit: fc.option(signatureEditArb, { freq: 3 }),
  cut: fc.option(fc.integer({ min: 0, max: 96 }), { freq: 8 }),
}).map((r) => {
  const own = r.signer.ed25519Public;
  const a = r.a === "mixed" ? mixedOrder(own) : r.a ?? own;
  const y = r.over === "carol" ? CAROL.x25519Public : BOB.x25519Public;
  const signed = r.over === "noY" ? cat(r.m, a) : cat(r.m, a, y);
  let sig = r.a === "mixed"
    ? signAs(r.signer.ed25519Seed, a, signed)
    : BAD_ED25519_KEYS.includes(a) && a[0] === 1 && a.slice(1, 31).every((b) => b === 0)
    ? cat(a, new Uint8Array(32)) // R = A = identity, S = 0: "valid" for a lax verifier
    : sign(r.signer.ed25519Seed, signed);
  if (r.sigEdit !== null) sig = r.sigEdit(sig);
  const inner = cat(r.m, a, sig);
  return r.cut === null ? inner : inner.subarray(0, r.cut).slice();
});

const bvalue = (v: BValue) => v;

/** Group dicts for mode 7: valid ones and ones with one field wrong, padded or not. */
const groupDictArb: fc.Arbitrary<Uint8Array> = fc.record({
  data: fc.oneof(
    { arbitrary: fc.constantFrom(...GROUP_ENVELOPES), weight: 4 },
    { arbitrary: fc.uint8Array({ maxLength: 100 }), weight: 1 },
    { arbitrary: fc.constant(new Uint8Array(0)), weight: 1 },
  ),
  z: fc.option(
    fc.oneof(
      fc.constantFrom(...(ZSTD_FRAMES.length ? ZSTD_FRAMES : [new Uint8Array(4)])),
      fc.uint8Array({ maxLength: 40 }),
    ),
    { freq: 3 },
  ),
  signer: fc.constantFrom(ALICE, ALICE, MALLORY),
  a: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 6 },
    { arbitrary: fc.constantFrom(...BAD_ED25519_KEYS), weight: 1 },
    { arbitrary: fc.constantFrom(new Uint8Array(31), new Uint8Array(33)), weight: 1 },
  ),
  version: fc.oneof(
    { arbitrary: fc.constant(bvalue(1)), weight: 8 },
    { arbitrary: fc.constantFrom(bvalue(0), bvalue(2), bvalue(-1), bvalue(u8("1")), bvalue([])), weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  ),
  which: fc.constantFrom("d", "d", "d", "z", "both", "neither"),
  overGroup: fc.constantFrom(true, true, true, false),
  sigEdit: fc.option(signatureEditArb, { freq: 5 }),
  extra: fc.option(fc.constantFrom<[string, BValue]>(["x", 1], ["e", u8("")], ["", 1]), { freq: 8 }),
  padding: fc.constantFrom("256", "256", "none", "tail", "extra"),
}).map((r) => {
  const data = r.which === "z" && r.z !== null ? r.z : r.data;
  const a = r.a ?? r.signer.ed25519Public;
  let s = sign(r.signer.ed25519Seed, cat(data, r.overGroup ? GROUP : ALICE.ed25519Public));
  if (r.sigEdit !== null) s = r.sigEdit(s);
  const fields: BDict = Object.create(null);
  if (r.version !== undefined) fields[""] = r.version;
  fields.a = a;
  fields.s = s;
  if (r.which === "d" || r.which === "both") fields.d = r.data;
  if (r.which === "z" || r.which === "both") fields.z = r.z ?? r.data;
  if (r.extra !== null) fields[r.extra[0]] = r.extra[1];
  const dict = bencode(fields);
  switch (r.padding) {
    case "none":
      return dict;
    case "tail":
      return cat(dict, new Uint8Array(3), Uint8Array.of(1));
    case "extra":
      return cat(dict, new Uint8Array(300));
    default:
      return cat(dict, new Uint8Array((256 - ((dict.length + 40) % 256)) % 256));
  }
});

/** Blinded sender IDs the server could report. */
const SENDER_IDS: Uint8Array[] = [ALICE15, ALICE25, BOB15, BOB25, MALLORY25].map(fromHex).concat(
  fromHex(ALICE15).map((b, i) => i === 32 ? b ^ 0x80 : b), // the negated 15-ID
  BAD_ED25519_KEYS.slice(0, 6).map((k) => cat(Uint8Array.of(0x25), k)),
  BAD_ED25519_KEYS.slice(0, 3).map((k) => cat(Uint8Array.of(0x15), k)),
  cat(Uint8Array.of(0x05), fromHex(ALICE.sessionId).subarray(1)),
  cat(Uint8Array.of(0x03), GROUP),
);

const blindedArb: fc.Arbitrary<Uint8Array> = fc.tuple(
  fc.nat(BLINDED_CTS.length - 1),
  fc.option(fc.constantFrom(...SENDER_IDS), { freq: 3 }),
  fc.option(fc.tuple(fc.nat(), fc.nat(7)), { freq: 2 }),
  fc.option(fc.constantFrom(0, 1, 40, 41, 72, 73), { freq: 6 }),
  fc.option(fc.constantFrom(1, 0xff), { freq: 8 }),
).map(([i, id, flip, cut, version]) => {
  const { sender, ct } = BLINDED_CTS[i];
  let c = ct.slice();
  if (flip !== null) c[flip[0] % c.length] ^= 1 << flip[1];
  if (cut !== null) c = c.subarray(0, cut).slice();
  if (version !== null && c.length > 0) c[0] = version;
  return cat(id ?? fromHex(sender), c);
});

const blindedInnerArb: fc.Arbitrary<Uint8Array> = fc.tuple(
  fc.constantFrom(0, 1),
  fc.oneof(fc.constantFrom(...PADDED), fc.uint8Array({ maxLength: 100 })),
  fc.oneof(
    { arbitrary: fc.constant(ALICE.ed25519Public), weight: 4 },
    { arbitrary: fc.constant(ALICE.ed25519Public.map((b, i) => i === 31 ? b ^ 0x80 : b)), weight: 1 },
    {
      arbitrary: fc.constantFrom(MALLORY.ed25519Public, BOB.ed25519Public, mixedOrder(ALICE.ed25519Public)),
      weight: 1,
    },
    { arbitrary: fc.constantFrom(...BAD_ED25519_KEYS), weight: 2 },
  ),
  fc.option(fc.integer({ min: 0, max: 31 }), { freq: 8 }),
).map(([sel, m, a, cut]) => {
  const inner = cat(m, a);
  return cat(Uint8Array.of(sel), cut === null ? inner : inner.subarray(0, cut));
});

const flipArb = (pool: readonly Uint8Array[]) =>
  fc.tuple(
    fc.nat(pool.length - 1),
    fc.option(fc.tuple(fc.nat(), fc.nat(7)), { freq: 2 }),
    fc.option(fc.nat(), { freq: 6 }),
  )
    .map(([i, flip, cut]) => {
      let c = pool[i].slice();
      if (flip !== null && c.length > 0) c[flip[0] % c.length] ^= 1 << flip[1];
      if (cut !== null) c = c.subarray(0, cut % (c.length + 1)).slice();
      return c;
    });

const sessionIdTextArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constantFrom(
    ALICE.sessionId,
    ALICE.sessionId.toUpperCase(),
    "05" + ALICE.sessionId.slice(2).toUpperCase(),
    ALICE15,
    "03" + toHex(GROUP),
    ALICE.sessionId.slice(0, 65),
    ALICE.sessionId + "0",
    " " + ALICE.sessionId.slice(1),
    "0x" + ALICE.sessionId.slice(2),
    "05" + "g".repeat(64),
    "\uFEFF" + ALICE.sessionId,
  ).map(u8),
  fc.string({ unit: "grapheme", maxLength: 70 }).map(u8),
  fc.tuple(fc.nat(65), fc.constantFrom("0", "f", "F", "g", "é", "\u0000", "٠")).map(([i, ch]) =>
    u8(ALICE.sessionId.slice(0, i) + ch + ALICE.sessionId.slice(i + 1))
  ),
);

/** Valid inputs of every mode: the byte mutations start from these. */
const VALID: Uint8Array[] = [
  ...WIRES.map(withMode(M_WIRE)),
  ...ENVELOPES.map(withMode(M_ENVELOPE)),
  ...WIRES.slice(0, 2).map(withMode(M_WEBSOCKET)),
  ...CIPHERTEXTS.slice(0, 3).map(withMode(M_INCOMING)),
  ...GROUP_CTS.map(withMode(M_GROUP)),
  ...BLINDED_CTS.map(({ sender, ct }) => withMode(M_BLINDED)(cat(fromHex(sender), ct))),
  ...CONFIG_CTS.map(withMode(M_CONFIG)),
  ...PUSH_CTS.map(withMode(M_PUSH)),
  ...ONS_CTS.map(withMode(M_ONS)),
];

/** Structured inputs for {@link fuzz}. */
export const structured: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: layeredWireArb.map(withMode(M_WIRE)), weight: 4 },
  { arbitrary: wireWithBoxArb.map(withMode(M_WIRE)), weight: 1 },
  {
    arbitrary: fc.tuple(
      fc.nat(ENVELOPES.length - 1),
      fc.array(protoEditArb(envelopeHints), { minLength: 1, maxLength: 3 }),
    )
      .map(([i, e]) => edited(ENVELOPES[i], e)).map(withMode(M_ENVELOPE)),
    weight: 3,
  },
  {
    arbitrary: fc.tuple(
      fc.nat(WIRES.length - 1),
      fc.array(protoEditArb(websocketHints), { minLength: 1, maxLength: 3 }),
    )
      .map(([i, e]) => edited(WIRES[i], e)).map(withMode(M_WEBSOCKET)),
    weight: 2,
  },
  { arbitrary: flipArb(CIPHERTEXTS).map(withMode(M_INCOMING)), weight: 2 },
  { arbitrary: innerArb.map(withMode(M_INNER)), weight: 4 },
  {
    arbitrary: fc.oneof(
      fc.uint8Array({ maxLength: 400 }),
      fc.constantFrom(...PADDED),
      fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.nat(200), fc.constantFrom(0, 0x80)).map(([b, n, t]) =>
        cat(b, Uint8Array.of(t), new Uint8Array(n))
      ),
    ).map(withMode(M_UNPAD)),
    weight: 1,
  },
  { arbitrary: flipArb(GROUP_CTS).map(withMode(M_GROUP)), weight: 2 },
  { arbitrary: groupDictArb.map(withMode(M_GROUP_DICT)), weight: 4 },
  { arbitrary: blindedArb.map(withMode(M_BLINDED)), weight: 3 },
  { arbitrary: blindedInnerArb.map(withMode(M_BLINDED_INNER)), weight: 2 },
  { arbitrary: flipArb(CONFIG_CTS).map(withMode(M_CONFIG)), weight: 1 },
  { arbitrary: flipArb(PUSH_CTS).map(withMode(M_PUSH)), weight: 1 },
  { arbitrary: flipArb(ONS_CTS).map(withMode(M_ONS)), weight: 1 },
  { arbitrary: sessionIdTextArb.map(withMode(M_SESSION_ID)), weight: 1 },
  { arbitrary: mutatedArb(VALID), weight: 3 },
);

/**
 * The committed corpus (written by `_seed_corpus.ts`): one valid input per mode and one per
 * bad-input class that applies.
 *
 * @returns name, bytes and comment of each seed
 */
export function corpus(): [string, Uint8Array, string][] {
  const s: [string, Uint8Array, string][] = [];
  const add = (mode: number, name: string, payload: Uint8Array, comment: string) =>
    s.push([`m${String(mode).padStart(2, "0")}-${name}`, withMode(mode)(payload), comment]);
  const env0 = ENVELOPES[0];
  const fields = (b: Uint8Array) => parseFields(b) ?? [];
  WIRES.forEach((w, i) => add(M_WIRE, `wire-${i}`, w, "1:1 wire from encodeSessionMessage"));
  add(M_WIRE, "empty", new Uint8Array(0), "empty WebSocketMessage (no request)");
  add(
    M_WIRE,
    "no-body",
    writeFields([{ no: 1, wt: 0, value: 1n }, { no: 2, wt: 2, value: new Uint8Array(0) }]),
    "request without body",
  );
  add(M_ENVELOPE, "valid", env0, "Envelope of a 1:1 message");
  add(M_ENVELOPE, "no-content", writeFields(fields(env0).filter((f) => f.no !== 8)), "Envelope without content");
  add(M_ENVELOPE, "no-type", writeFields(fields(env0).filter((f) => f.no !== 1)), "Envelope without the required type");
  add(
    M_ENVELOPE,
    "type-5",
    writeFields(fields(env0).map((f) => f.no === 1 ? { ...f, value: 5n } : f)),
    "type outside the enum",
  );
  add(
    M_ENVELOPE,
    "source-65",
    writeFields([...fields(env0), { no: 2, wt: 2, value: u8(ALICE.sessionId.slice(1)) }]),
    "source of 65 characters",
  );
  add(
    M_ENVELOPE,
    "source-upper",
    writeFields([...fields(env0), { no: 2, wt: 2, value: u8(ALICE.sessionId.toUpperCase()) }]),
    "upper-case source (accepted, lowered)",
  );
  add(
    M_ENVELOPE,
    "prosig-63",
    writeFields(fields(env0).map((f) => f.no === 11 ? { ...f, value: new Uint8Array(63) } : f)),
    "proSig of 63 bytes",
  );
  add(
    M_ENVELOPE,
    "timestamp-max",
    writeFields(fields(env0).map((f) => f.no === 5 ? { ...f, value: (1n << 64n) - 1n } : f)),
    "timestamp 2^64 − 1",
  );
  add(M_WEBSOCKET, "valid", WIRES[0], "WebSocketMessage of a 1:1 message");
  add(
    M_WEBSOCKET,
    "response-only",
    writeFields([{ no: 1, wt: 0, value: 2n }, { no: 3, wt: 2, value: new Uint8Array(0) }]),
    "a response, no request",
  );
  add(M_INCOMING, "valid", CIPHERTEXTS[0], "sealed 1:1 ciphertext");
  add(M_INCOMING, "valid-empty", CIPHERTEXTS[CIPHERTEXTS.length - 1], "sealed empty message (144 bytes)");
  add(M_INCOMING, "short", CIPHERTEXTS[0].subarray(0, 47), "shorter than the box overhead");
  const inner = (m: Uint8Array, a: Uint8Array, sig: Uint8Array) => cat(m, a, sig);
  const signed = (m: Uint8Array) => sign(ALICE.ed25519Seed, cat(m, ALICE.ed25519Public, BOB.x25519Public));
  const m = PADDED[0];
  add(M_INNER, "valid", inner(m, ALICE.ed25519Public, signed(m)), "M ‖ A ‖ SIG, sealed to Bob by the target");
  add(M_INNER, "short-95", inner(m, ALICE.ed25519Public, signed(m)).subarray(0, 95), "opened box of 95 bytes");
  add(M_INNER, "exactly-96", inner(new Uint8Array(0), ALICE.ed25519Public, signed(new Uint8Array(0))), "empty M");
  add(M_INNER, "sig-plus-l", inner(m, ALICE.ed25519Public, plusLOf(signed(m))), "S + L (malleated)");
  add(
    M_INNER,
    "sig-other-recipient",
    inner(m, ALICE.ed25519Public, sign(ALICE.ed25519Seed, cat(m, ALICE.ed25519Public, CAROL.x25519Public))),
    "signed for Carol's key",
  );
  add(
    M_INNER,
    "identity-key-zero-sig",
    inner(m, BAD_ED25519_KEYS[0], cat(BAD_ED25519_KEYS[0], new Uint8Array(32))),
    "A = R = identity, S = 0",
  );
  const mixed = mixedOrder(ALICE.ed25519Public);
  add(
    M_INNER,
    "mixed-order-key",
    inner(m, mixed, signAs(ALICE.ed25519Seed, mixed, cat(m, mixed, BOB.x25519Public))),
    "A + T8 with a cofactored-valid signature",
  );
  add(M_UNPAD, "padded", PADDED[0], "padded Content");
  add(M_UNPAD, "only-terminator", Uint8Array.of(0x80, 0, 0), "0x80 then zeros");
  add(M_UNPAD, "unpadded", u8("old client"), "no padding (tolerated)");
  add(M_UNPAD, "two-terminators", Uint8Array.of(1, 0x80, 0x80, 0), "two 0x80 bytes");
  GROUP_CTS.forEach((c, i) => add(M_GROUP, `valid-${i}`, c, "Groups v2 ciphertext from encodeGroupMessage"));
  add(M_GROUP, "short-39", GROUP_CTS[0].subarray(0, 39), "shorter than nonce and tag");
  const dict = (f: BDict, pad = true) => {
    const b = bencode(f);
    return pad ? cat(b, new Uint8Array((256 - ((b.length + 40) % 256)) % 256)) : b;
  };
  const gdata = GROUP_ENVELOPES[0];
  const gsig = sign(ALICE.ed25519Seed, cat(gdata, GROUP));
  const base = (): BDict => Object.assign(Object.create(null), { "": 1, a: ALICE.ed25519Public, d: gdata, s: gsig });
  add(M_GROUP_DICT, "valid", dict(base()), "signed dict (d), padded to 256");
  add(M_GROUP_DICT, "unpadded", dict(base(), false), "no padding");
  add(M_GROUP_DICT, "version-2", dict({ ...base(), "": 2 }), "version 2");
  add(M_GROUP_DICT, "version-string", dict({ ...base(), "": u8("1") }), "version as a string");
  add(M_GROUP_DICT, "both-d-z", dict({ ...base(), z: gdata }), "both d and z");
  const noData = base();
  delete noData.d;
  add(M_GROUP_DICT, "neither-d-z", dict(noData), "neither d nor z");
  add(M_GROUP_DICT, "empty-d", dict({ ...base(), d: new Uint8Array(0) }), "empty data");
  add(M_GROUP_DICT, "a-31", dict({ ...base(), a: new Uint8Array(31) }), "sender key of 31 bytes");
  add(M_GROUP_DICT, "sig-plus-l", dict({ ...base(), s: plusLOf(gsig) }), "S + L");
  add(
    M_GROUP_DICT,
    "identity-sender",
    dict({ ...base(), a: BAD_ED25519_KEYS[0], s: cat(BAD_ED25519_KEYS[0], new Uint8Array(32)) }),
    "identity key, R = identity, S = 0",
  );
  add(M_GROUP_DICT, "not-a-dict", cat(u8("l1:ae"), new Uint8Array(10)), "a list");
  add(M_GROUP_DICT, "trailing-garbage", cat(dict(base(), false), u8("xe")), "dict then data ending in e");
  if (ZSTD !== undefined) {
    const z = ZSTD.compress(gdata);
    const zd = base();
    delete zd.d;
    add(M_GROUP_DICT, "zstd", dict({ ...zd, z, s: sign(ALICE.ed25519Seed, cat(z, GROUP)) }), "zstd-compressed data");
    const bomb = ZSTD_FRAMES[GROUP_ENVELOPES.length];
    add(
      M_GROUP_DICT,
      "zstd-bomb",
      dict({ ...zd, z: bomb, s: sign(ALICE.ed25519Seed, cat(bomb, GROUP)) }),
      "zstd frame inflating to 1,000,001 bytes",
    );
    const junk = u8("not zstd");
    add(
      M_GROUP_DICT,
      "zstd-garbage",
      dict({ ...zd, z: junk, s: sign(ALICE.ed25519Seed, cat(junk, GROUP)) }),
      "signed garbage under z",
    );
  }
  BLINDED_CTS.forEach(({ sender, ct }, i) => add(M_BLINDED, `valid-${i}`, cat(fromHex(sender), ct), "blinded DM"));
  add(M_BLINDED, "version-1", cat(fromHex(ALICE25), Uint8Array.of(1), BLINDED_CTS[0].ct.subarray(1)), "version byte 1");
  add(M_BLINDED, "short-72", cat(fromHex(ALICE25), BLINDED_CTS[0].ct.subarray(0, 72)), "one byte short of the minimum");
  add(
    M_BLINDED,
    "sender-identity-point",
    cat(Uint8Array.of(0x25), BAD_ED25519_KEYS[0], BLINDED_CTS[0].ct),
    "sender ID naming the identity point",
  );
  add(M_BLINDED, "sender-session-id", cat(fromHex(ALICE.sessionId), BLINDED_CTS[0].ct), "sender ID with prefix 05");
  add(M_BLINDED, "sender-negated-15", cat(SENDER_IDS[5], BLINDED_CTS[1].ct), "negated 15-ID of the sender");
  add(M_BLINDED_INNER, "valid-25", cat(Uint8Array.of(0), PADDED[0], ALICE.ed25519Public), "M ‖ A, 25-blinded");
  add(M_BLINDED_INNER, "valid-15", cat(Uint8Array.of(1), PADDED[0], ALICE.ed25519Public), "M ‖ A, 15-blinded");
  add(
    M_BLINDED_INNER,
    "negated-key",
    cat(Uint8Array.of(1), PADDED[0], ALICE.ed25519Public.map((b, i) => i === 31 ? b ^ 0x80 : b)),
    "−A inside (same Session ID)",
  );
  add(
    M_BLINDED_INNER,
    "other-key",
    cat(Uint8Array.of(0), PADDED[0], MALLORY.ed25519Public),
    "someone else's key inside",
  );
  add(M_BLINDED_INNER, "identity-key", cat(Uint8Array.of(0), PADDED[0], BAD_ED25519_KEYS[0]), "identity point inside");
  add(M_BLINDED_INNER, "only-key", cat(Uint8Array.of(0), ALICE.ed25519Public), "empty M");
  CONFIG_CTS.forEach((c, i) => add(M_CONFIG, `valid-${i}`, c, "config ciphertext"));
  add(M_CONFIG, "short-39", CONFIG_CTS[0].subarray(0, 39), "shorter than the overhead");
  PUSH_CTS.forEach((c, i) => add(M_PUSH, `valid-${i}`, c, "push payload"));
  ONS_CTS.forEach((c, i) =>
    add(M_ONS, `valid-${i}`, c, i === 0 ? "ONS value: a Session ID" : "ONS value of the wrong size")
  );
  for (
    const [name, text] of [
      ["valid", ALICE.sessionId],
      ["upper", ALICE.sessionId.toUpperCase()],
      ["blinded", ALICE15],
      ["short", ALICE.sessionId.slice(1)],
      ["bom", "\uFEFF" + ALICE.sessionId],
      ["arabic-digit", ALICE.sessionId.slice(0, 65) + "٠"],
    ]
  ) add(M_SESSION_ID, name, u8(text), `Session ID text: ${name}`);
  return s;
}

/** Reported findings whose fix is pending: none (fixed ones keep their reproducers in the corpus). */
export const open: OpenFinding[] = [];

/** The `session_message` target. */
export const target: FuzzTarget = { name: "session_message", fuzz, structured, open };
