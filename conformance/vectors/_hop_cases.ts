/**
 * Generator of the per-hop seal/open vectors (`hop_aesgcm_v1.json`, `hop_xchacha20_v1.json`):
 * onion-requests.md §2 with fixed keys and nonces, each valid case followed by tampered
 * siblings. Private to `conformance/vectors/`.
 *
 * @module
 */

import { fromHex, toHex } from "../../protocol/bytes.ts";
import { isProtocolError } from "../../protocol/errors.ts";
import type { CryptoProvider } from "../../protocol/crypto/provider.ts";
import type { EncType } from "../../protocol/onion/enc_type.ts";
import {
  deriveHopKey,
  deriveHopKeyFromShared,
  hopDecrypt,
  hopEncrypt,
  type HopKeys,
  minBlobBytes,
  nonceBytes,
} from "../../protocol/onion/hop.ts";
import { scriptedRng, seededRng } from "../../protocol/_testing/seeded_rng.ts";
import { type CaseBase, draw, flipBit, LOW_ORDER_POINTS, type Result, type VectorFile, vectorFile } from "./_common.ts";
import { HOP_NOTES } from "./_notes.ts";

/** The two parties of a hop: `client` holds the builder's ephemeral key, `server` the node's or server's static key. */
export type Party = "client" | "server";

/** The four X25519 keys of a case, as bytes. */
export interface HopParties {
  clientSecret: Uint8Array;
  clientPublic: Uint8Array;
  serverSecret: Uint8Array;
  serverPublic: Uint8Array;
}

/** One seal/open case. */
export interface HopTest extends CaseBase {
  clientSecret: string;
  clientPublic: string;
  serverSecret: string;
  serverPublic: string;
  nonce: string;
  plaintext: string;
  sharedSecret: string;
  key: string;
  blob: string;
  result: Result;
}

/** A group: one cipher, who seals, who opens and with which role the opener derives its key. */
export interface HopTestGroup {
  type: "OnionHopTest";
  encType: EncType;
  keySize: number;
  nonceSize: number;
  tagSize: number;
  sealer: Party;
  opener: Party;
  openerRole: Party;
  tests: HopTest[];
}

const KEY_BITS = 256;
const TAG_BITS = 128;
const TAG_BYTES = TAG_BITS / 8;
const BITS_PER_BYTE = 8;

/**
 * Plaintext lengths of the valid cases, by sealer: empty, one byte, around the 16-byte AES block,
 * and long. The reply direction repeats the same AEAD under the same key, so it carries fewer.
 * Append only: the position in the list fixes the tcIds.
 */
const PLAINTEXT_LENGTHS: Readonly<Record<Party, readonly number[]>> = {
  client: [0, 1, 15, 16, 17, 1024],
  server: [0, 1, 16],
};

/**
 * From this length on a valid case carries only the siblings style.md rule 9 requires (flipped
 * tag bit, truncated, wrong key); the short cases cover the other kinds. Keeps the files small.
 */
const LONG_PLAINTEXT = 1024;

/** Where each direction starts in {@link LOW_ORDER_POINTS}, so that together they use every point. */
const LOW_ORDER_START: Readonly<Record<Party, number>> = { client: 0, server: 5 };

/**
 * tcId layout: valid case k of direction d has base `BASE[d] + 10·k`; its siblings add a fixed
 * offset per kind of tampering. New valid cases take the next base, new kinds the next offset:
 * published ids never move.
 */
const BASE: Readonly<Record<Party, number>> = { client: 100, server: 200 };
const OFFSET = {
  valid: 0,
  tagBit: 1,
  nonceBit: 2,
  ciphertextBit: 3,
  truncatedByOne: 4,
  truncatedShort: 5,
  wrongKey: 6,
  lowOrder: 7,
  swappedRoles: 8,
} as const;

/**
 * The X25519 shared secret and hop key the opener derives from its own keys and role.
 *
 * @param provider crypto provider
 * @param encType cipher
 * @param parties the four keys
 * @param opener which party opens
 * @param openerRole the role the opener passes to the key derivation
 * @returns the shared secret and the key
 * @throws {ProtocolError} `KEY_AGREEMENT_FAILED` for a low-order peer key
 */
export async function openerKeyMaterial(
  provider: CryptoProvider,
  encType: EncType,
  parties: HopParties,
  opener: Party,
  openerRole: Party,
): Promise<{ shared: Uint8Array; key: Uint8Array }> {
  const keys = openerKeys(parties, opener, openerRole);
  const shared = await provider.x25519(keys.ourSecret, keys.theirPublic);
  const key = await deriveHopKey(encType, keys, { provider });
  return { shared, key: key.bytes() };
}

/** The hop keys of one party, from its point of view. */
export function openerKeys(parties: HopParties, who: Party, role: Party): HopKeys {
  return who === "client"
    ? { ourSecret: parties.clientSecret, ourPublic: parties.clientPublic, theirPublic: parties.serverPublic, role }
    : { ourSecret: parties.serverSecret, ourPublic: parties.serverPublic, theirPublic: parties.clientPublic, role };
}

/**
 * Seal a plaintext as `sealer` (with its true role) under a fixed nonce: the generator's own use
 * of `hopEncrypt`.
 *
 * @param provider crypto provider
 * @param encType cipher
 * @param parties the four keys
 * @param sealer which party seals
 * @param nonce the nonce
 * @param plaintext the plaintext
 * @returns `nonce ‖ ciphertext ‖ tag`
 */
export async function sealAs(
  provider: CryptoProvider,
  encType: EncType,
  parties: HopParties,
  sealer: Party,
  nonce: Uint8Array,
  plaintext: Uint8Array,
): Promise<Uint8Array> {
  return await hopEncrypt(encType, plaintext, openerKeys(parties, sealer, sealer), {
    provider,
    rng: scriptedRng([nonce]),
  });
}

function other(p: Party): Party {
  return p === "client" ? "server" : "client";
}

function caseOf(
  tcId: number,
  comment: string,
  flags: string[],
  parties: HopParties,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  shared: Uint8Array,
  key: Uint8Array,
  blob: Uint8Array,
  result: Result,
): HopTest {
  return {
    tcId,
    comment,
    flags,
    clientSecret: toHex(parties.clientSecret),
    clientPublic: toHex(parties.clientPublic),
    serverSecret: toHex(parties.serverSecret),
    serverPublic: toHex(parties.serverPublic),
    nonce: toHex(nonce),
    plaintext: toHex(plaintext),
    sharedSecret: toHex(shared),
    key: toHex(key),
    blob: toHex(blob),
    result,
  };
}

function lengthFlags(n: number): string[] {
  if (n === 0) return ["Pseudorandom", "EmptyPlaintext"];
  if (n >= 15 && n <= 17) return ["Pseudorandom", "BlockBoundary"];
  if (n >= 1024) return ["Pseudorandom", "LongPlaintext"];
  return ["Pseudorandom"];
}

/** Check the generator's own output with the reference provider before publishing it. */
async function selfCheck(
  provider: CryptoProvider,
  encType: EncType,
  t: HopTest,
  opener: Party,
  openerRole: Party,
): Promise<void> {
  const parties: HopParties = {
    clientSecret: fromHex(t.clientSecret),
    clientPublic: fromHex(t.clientPublic),
    serverSecret: fromHex(t.serverSecret),
    serverPublic: fromHex(t.serverPublic),
  };
  const open = hopDecrypt(encType, fromHex(t.blob), openerKeys(parties, opener, openerRole), { provider });
  if (t.result === "valid") {
    if (toHex(await open) !== t.plaintext) throw new Error(`Cannot generate hop case ${t.tcId}: does not open`);
    return;
  }
  try {
    await open;
  } catch (e) {
    if (isProtocolError(e, "ONION_AUTH_FAILED")) return;
    throw e;
  }
  throw new Error(`Cannot generate hop case ${t.tcId}: tampered blob opens`);
}

/**
 * The cases of one valid seal/open and its tampered siblings.
 *
 * @returns the cases for the main group and the swapped-roles case (xchacha20 only)
 */
async function casesFor(
  provider: CryptoProvider,
  encType: EncType,
  sealer: Party,
  index: number,
  length: number,
): Promise<{ main: HopTest[]; swapped?: HopTest }> {
  const opener = other(sealer);
  const base = BASE[sealer] + 10 * index;
  const rng = seededRng(`allium/conformance/hop/${encType}/${sealer}/${base}`);
  const clientSecret = draw(rng, 32), serverSecret = draw(rng, 32), otherServerSecret = draw(rng, 32);
  const nonce = draw(rng, nonceBytes(encType));
  const plaintext = draw(rng, length);
  const parties: HopParties = {
    clientSecret,
    clientPublic: await provider.x25519PublicKey(clientSecret),
    serverSecret,
    serverPublic: await provider.x25519PublicKey(serverSecret),
  };
  const direction = sealer === "client" ? "request" : "reply";
  const what = `${direction} layer, ${length}-byte plaintext`;
  const blob = await sealAs(provider, encType, parties, sealer, nonce, plaintext);
  const { shared, key } = await openerKeyMaterial(provider, encType, parties, opener, opener);
  const main: HopTest[] = [];
  const add = (offset: number, comment: string, flags: string[], b: Uint8Array, p = parties, s = shared, k = key) =>
    main.push(caseOf(base + offset, comment, flags, p, nonce, plaintext, s, k, b, offset === 0 ? "valid" : "invalid"));

  add(OFFSET.valid, what, lengthFlags(length), blob);
  const long = length >= LONG_PLAINTEXT;

  const nLen = nonce.length;
  const tagByte = blob.length - 1 - ((index * 5) % TAG_BYTES);
  const tagBit = (index * 3 + 7) % BITS_PER_BYTE;
  add(
    OFFSET.tagBit,
    `${what}: bit ${tagBit} of blob byte ${tagByte} (tag) flipped`,
    ["ModifiedTag"],
    flipBit(blob, tagByte, tagBit),
  );

  const nonceByte = (index * 7) % nLen, nonceBit = index % BITS_PER_BYTE;
  if (!long) {
    add(
      OFFSET.nonceBit,
      `${what}: bit ${nonceBit} of blob byte ${nonceByte} (nonce) flipped`,
      ["ModifiedNonce"],
      flipBit(blob, nonceByte, nonceBit),
    );
  }

  if (length > 0 && !long) {
    const ctByte = nLen + ((index * 11) % length), ctBit = (index * 5 + 1) % BITS_PER_BYTE;
    add(OFFSET.ciphertextBit, `${what}: bit ${ctBit} of blob byte ${ctByte} (ciphertext) flipped`, [
      "ModifiedCiphertext",
    ], flipBit(blob, ctByte, ctBit));
  }

  add(
    OFFSET.truncatedByOne,
    `${what}: last byte of the blob removed`,
    ["TruncatedBlob"],
    blob.subarray(0, blob.length - 1),
  );

  const min = minBlobBytes(encType);
  let shortLen = [min - 1, nLen, 0][index % 3];
  if (shortLen === blob.length - 1) shortLen = nLen;
  if (!long) {
    add(
      OFFSET.truncatedShort,
      `${what}: blob cut to ${shortLen} bytes, below nonce + tag (${min})`,
      ["ShortBlob"],
      blob.subarray(0, shortLen),
    );
  }

  // Wrong key: another server's key pair in the server's place.
  const wrong: HopParties = {
    ...parties,
    serverSecret: otherServerSecret,
    serverPublic: await provider.x25519PublicKey(otherServerSecret),
  };
  const w = await openerKeyMaterial(provider, encType, wrong, opener, opener);
  add(
    OFFSET.wrongKey,
    sealer === "client" ? `${what}: opened by another server` : `${what}: opened with another server's public key`,
    ["WrongKey"],
    blob,
    wrong,
    w.shared,
    w.key,
  );

  for (const t of main) await selfCheck(provider, encType, t, opener, opener);
  if (long) return { main };

  // Low-order peer key: the opener's peer public key is replaced; the blob authenticates under the all-zero secret.
  const point = LOW_ORDER_POINTS[(LOW_ORDER_START[sealer] + index) % LOW_ORDER_POINTS.length];
  const low: HopParties = sealer === "client"
    ? { ...parties, clientPublic: fromHex(point.hex) }
    : { ...parties, serverPublic: fromHex(point.hex) };
  const zero = new Uint8Array(32);
  const lowKey = await deriveHopKeyFromShared(provider, encType, zero, low.clientPublic, low.serverPublic);
  const lowBlob = await sealWithRawKey(provider, encType, lowKey, nonce, plaintext);
  add(
    OFFSET.lowOrder,
    `${what}: ${
      sealer === "client" ? "ephemeral" : "server"
    } public key is low-order (${point.what}), blob sealed under the all-zero secret`,
    ["LowOrderPublic"],
    lowBlob,
    low,
    zero,
    lowKey,
  );
  await selfCheck(provider, encType, main[main.length - 1], opener, opener);

  if (encType !== "xchacha20") return { main };
  const s = await openerKeyMaterial(provider, encType, parties, opener, sealer);
  const swapped = caseOf(
    base + OFFSET.swappedRoles,
    `${what}: the ${opener} derives its key in the ${sealer} role`,
    ["SwappedRoles"],
    parties,
    nonce,
    plaintext,
    s.shared,
    s.key,
    blob,
    "invalid",
  );
  await selfCheck(provider, encType, swapped, opener, sealer);
  return { main, swapped };
}

/** AEAD seal under a raw key: `nonce ‖ ciphertext ‖ tag`. */
async function sealWithRawKey(
  provider: CryptoProvider,
  encType: EncType,
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
): Promise<Uint8Array> {
  const sealed = encType === "aes-gcm"
    ? await provider.aesGcmSeal(key, nonce, plaintext)
    : await provider.xchachaSeal(key, nonce, plaintext);
  const out = new Uint8Array(nonce.length + sealed.length);
  out.set(nonce);
  out.set(sealed, nonce.length);
  return out;
}

/**
 * AEAD open under a raw key, for checking that a low-order case is a live trap.
 *
 * @param provider crypto provider
 * @param encType cipher
 * @param key the raw key
 * @param blob `nonce ‖ ciphertext ‖ tag`
 * @returns the plaintext
 */
export async function openWithRawKey(
  provider: CryptoProvider,
  encType: EncType,
  key: Uint8Array,
  blob: Uint8Array,
): Promise<Uint8Array> {
  const n = nonceBytes(encType);
  return encType === "aes-gcm"
    ? await provider.aesGcmOpen(key, blob.subarray(0, n), blob.subarray(n))
    : await provider.xchachaOpen(key, blob.subarray(0, n), blob.subarray(n));
}

const ALGORITHM: Readonly<Record<EncType, string>> = {
  "aes-gcm": "SESSION-ONION-HOP-AES-256-GCM",
  "xchacha20": "SESSION-ONION-HOP-XCHACHA20-POLY1305",
};

const KDF_TEXT: Readonly<Record<EncType, string>> = {
  "aes-gcm":
    'key = HMAC-SHA256(key = ASCII "LOKI", message = sharedSecret); blob = nonce(12) || AES-256-GCM ciphertext || tag(16); no AAD.',
  "xchacha20":
    "key = BLAKE2b-256(sharedSecret || clientPublic || serverPublic), unkeyed; blob = nonce(24) || XChaCha20-Poly1305 (IETF) ciphertext || tag(16); no AAD.",
};

/**
 * Build one hop file.
 *
 * @param provider the reference provider (the generator passes `noble`)
 * @param encType which cipher
 * @returns the file object
 */
export async function hopFile(provider: CryptoProvider, encType: EncType): Promise<VectorFile<HopTestGroup>> {
  const groups: HopTestGroup[] = [];
  const group = (sealer: Party, openerRole: Party): HopTestGroup => ({
    type: "OnionHopTest",
    encType,
    keySize: KEY_BITS,
    nonceSize: nonceBytes(encType) * BITS_PER_BYTE,
    tagSize: TAG_BITS,
    sealer,
    opener: other(sealer),
    openerRole,
    tests: [],
  });
  const swappedGroups: HopTestGroup[] = [];
  for (const sealer of ["client", "server"] as const) {
    const g = group(sealer, other(sealer));
    const s = group(sealer, sealer);
    for (const [index, length] of PLAINTEXT_LENGTHS[sealer].entries()) {
      const { main, swapped } = await casesFor(provider, encType, sealer, index, length);
      g.tests.push(...main);
      if (swapped) s.tests.push(swapped);
    }
    groups.push(g);
    if (s.tests.length > 0) swappedGroups.push(s);
  }
  return vectorFile({
    algorithm: ALGORITHM[encType],
    schema: "hop_schema_v1.json",
    header: [
      `Per-hop encryption of Session onion requests with enc_type "${encType}" (shared/spec/onion-requests.md §2).`,
      "sharedSecret = X25519(clientSecret, serverPublic) = X25519(serverSecret, clientPublic). " + KDF_TEXT[encType],
      "The client is the onion builder (its key is the layer's ephemeral key); the server is the node or server the layer is for. A reply is sealed by the server with the same key.",
      "Group: `sealer` seals with its true role; `opener` (the other party) opens, deriving its key with role `openerRole`. sharedSecret and key are what the opener derives from the case's keys.",
      "valid: sealing plaintext with nonce reproduces blob, and opening blob returns plaintext. invalid: opening blob must fail; nonce and plaintext are those of the valid sibling.",
      "Generated by allium conformance/vectors/generate.ts from fixed seeds with the noble provider; secrets are raw 32-byte scalars (X25519 clamps them).",
    ],
    notes: HOP_NOTES,
  }, [...groups, ...swappedGroups]);
}
