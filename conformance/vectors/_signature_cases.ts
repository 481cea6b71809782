/**
 * Generator of `storage_signatures_v1.json`: the byte strings storage-RPC signatures cover
 * (swarms-and-storage.md §6.1 for client requests, §7 for node responses) and their Ed25519
 * verification, each valid case followed by tampered siblings. Private to `conformance/vectors/`.
 *
 * @module
 */

import { fromHex, toBase64, toHex } from "../../protocol/bytes.ts";
import { type SignatureFields, type SignedKind, signedMessageOf } from "./signature_fields.ts";
import type { CryptoProvider } from "../../protocol/crypto/provider.ts";
import { seededRng } from "../../protocol/_testing/seeded_rng.ts";
import type { Rng } from "../../protocol/rng.ts";
export type { SignatureFields, SignedKind } from "./signature_fields.ts";
import { type CaseBase, draw, flipBit, type Result, type VectorFile, vectorFile } from "./_common.ts";
import { SIGNATURE_NOTES } from "./_storage_notes.ts";

/** One signature case. */
export interface SignatureTest extends CaseBase {
  /** The fields the verifier builds the signed string from. */
  fields: SignatureFields;
  /** The Ed25519 key that verifies. */
  publicKey: string;
  /** The signed string of `fields`. */
  message: string;
  signature: string;
  result: Result;
}

/** A group: requests or responses. */
export interface SignatureGroup {
  type: "StorageSignatureTest";
  signed: SignedKind;
  tests: SignatureTest[];
}

/** Bytes of an Ed25519 signature. */
const SIGNATURE_BYTES = 64;
/** Message hashes are 43 base64 characters (swarms-and-storage.md §8). */
const HASH_CHARS = 43;
/** A group subaccount token's first bytes: prefix 03, flags Read|Write|AnyPrefix, 2 reserved (§6.2). */
const TOKEN_HEAD = "03070000";

interface Spec {
  comment: string;
  flags: string[];
  signer: "user" | "group" | "node";
  fields: SignatureFields;
  /** The fields with one value changed, and what changed. */
  modified?: [string, SignatureFields];
}

function hash(rng: Rng): string {
  return toBase64(draw(rng, 32)).slice(0, HASH_CHARS);
}

function specs(rng: Rng, groupAccount: string, userAccount: string, token: string): Record<SignedKind, Spec[]> {
  const h = [hash(rng), hash(rng), hash(rng)];
  const T = 1700000000000;
  return {
    request: [
      {
        comment: "store, namespace 0",
        flags: ["Pseudorandom", "DefaultNamespace"],
        signer: "user",
        fields: { method: "store", namespace: 0, sigTimestamp: T },
        modified: ["sigTimestamp + 1", { method: "store", namespace: 0, sigTimestamp: T + 1 }],
      },
      {
        comment: "store, namespace 13",
        flags: ["Pseudorandom"],
        signer: "group",
        fields: { method: "store", namespace: 13, sigTimestamp: T },
        modified: ["namespace 12", { method: "store", namespace: 12, sigTimestamp: T }],
      },
      {
        comment: "store, namespace -21",
        flags: ["Pseudorandom", "NegativeNamespace"],
        signer: "group",
        fields: { method: "store", namespace: -21, sigTimestamp: T },
      },
      {
        comment: "retrieve, namespace omitted",
        flags: ["Pseudorandom", "DefaultNamespace"],
        signer: "user",
        fields: { method: "retrieve", timestamp: T },
        modified: ["namespace 2", { method: "retrieve", namespace: 2, timestamp: T }],
      },
      {
        comment: "retrieve, namespace 2",
        flags: ["Pseudorandom"],
        signer: "user",
        fields: { method: "retrieve", namespace: 2, timestamp: T },
      },
      {
        comment: "delete, two hashes",
        flags: ["Pseudorandom"],
        signer: "user",
        fields: { method: "delete", messages: [h[0], h[1]] },
        modified: ["hashes swapped", { method: "delete", messages: [h[1], h[0]] }],
      },
      {
        comment: "delete_all, namespace omitted",
        flags: ["Pseudorandom", "DefaultNamespace"],
        signer: "user",
        fields: { method: "delete_all", timestamp: T },
        modified: ['namespace "all"', { method: "delete_all", namespace: "all", timestamp: T }],
      },
      {
        comment: 'delete_all, namespace "all"',
        flags: ["Pseudorandom", "AllNamespaces"],
        signer: "user",
        fields: { method: "delete_all", namespace: "all", timestamp: T },
      },
      {
        comment: "delete_all, namespace 13",
        flags: ["Pseudorandom"],
        signer: "group",
        fields: { method: "delete_all", namespace: 13, timestamp: T },
      },
      {
        comment: "delete_before, namespace -10",
        flags: ["Pseudorandom", "NegativeNamespace"],
        signer: "user",
        fields: { method: "delete_before", namespace: -10, before: T },
        modified: ["before - 1", { method: "delete_before", namespace: -10, before: T - 1 }],
      },
      {
        comment: 'expire_all, namespace "all"',
        flags: ["Pseudorandom", "AllNamespaces"],
        signer: "user",
        fields: { method: "expire_all", namespace: "all", expiry: T + 3600000 },
      },
      {
        comment: "expire, one expiry, two hashes",
        flags: ["Pseudorandom"],
        signer: "user",
        fields: { method: "expire", expiry: T + 86400000, messages: [h[0], h[1]] },
        modified: ['mode "extend"', { method: "expire", mode: "extend", expiry: T + 86400000, messages: [h[0], h[1]] }],
      },
      {
        comment: "expire, shorten",
        flags: ["Pseudorandom"],
        signer: "user",
        fields: { method: "expire", mode: "shorten", expiry: T + 60000, messages: [h[2]] },
      },
      {
        comment: "expire, extend",
        flags: ["Pseudorandom"],
        signer: "group",
        fields: { method: "expire", mode: "extend", expiry: T + 172800000, messages: [h[2]] },
      },
      {
        comment: "expire, one expiry per message",
        flags: ["Pseudorandom", "ExpiryList"],
        signer: "user",
        fields: { method: "expire", expiry: [T + 1000, T + 2000], messages: [h[0], h[1]] },
        modified: ["expiries swapped", { method: "expire", expiry: [T + 2000, T + 1000], messages: [h[0], h[1]] }],
      },
      {
        comment: "get_expiries",
        flags: ["Pseudorandom"],
        signer: "user",
        fields: { method: "get_expiries", timestamp: T, messages: [h[0], h[1]] },
      },
      {
        comment: "revoke_subaccount, one token",
        flags: ["Pseudorandom", "RawTokens"],
        signer: "group",
        fields: { method: "revoke_subaccount", timestamp: T, tokens: [token] },
        modified: ["unrevoke instead", { method: "unrevoke_subaccount", timestamp: T, tokens: [token] }],
      },
      {
        comment: "unrevoke_subaccount, two tokens",
        flags: ["Pseudorandom", "RawTokens"],
        signer: "group",
        fields: { method: "unrevoke_subaccount", timestamp: T, tokens: [token, token] },
      },
      {
        comment: "monitor.messages",
        flags: ["Pseudorandom", "MonitorSeconds"],
        signer: "group",
        fields: {
          method: "monitor.messages",
          accountId: groupAccount,
          timestampSeconds: T / 1000,
          wantData: true,
          namespaces: [11, 12, 13],
        },
        modified: ["wantData false", {
          method: "monitor.messages",
          accountId: groupAccount,
          timestampSeconds: T / 1000,
          wantData: false,
          namespaces: [11, 12, 13],
        }],
      },
      {
        comment: "subaccount_sig over the token",
        flags: ["Pseudorandom", "RawTokens"],
        signer: "group",
        fields: { method: "subaccount_sig", token },
      },
    ],
    response: [
      {
        comment: "store response: the hash",
        flags: ["Pseudorandom"],
        signer: "node",
        fields: { method: "store", hash: h[0] },
        modified: ["another hash", { method: "store", hash: h[1] }],
      },
      {
        comment: "delete response",
        flags: ["Pseudorandom"],
        signer: "node",
        fields: { method: "delete", accountId: userAccount, requested: [h[0], h[1]], deleted: [h[0]] },
        modified: ["nothing deleted", {
          method: "delete",
          accountId: userAccount,
          requested: [h[0], h[1]],
          deleted: [],
        }],
      },
      {
        comment: "delete response, nothing deleted",
        flags: ["Pseudorandom", "EmptyList"],
        signer: "node",
        fields: { method: "delete", accountId: userAccount, requested: [h[2]], deleted: [] },
      },
      {
        comment: "delete_all response",
        flags: ["Pseudorandom"],
        signer: "node",
        fields: { method: "delete_all", accountId: userAccount, timestamp: T, deleted: [h[0], h[1]] },
      },
      {
        comment: "delete_before response",
        flags: ["Pseudorandom"],
        signer: "node",
        fields: { method: "delete_before", accountId: groupAccount, before: T, deleted: [h[2]] },
      },
      {
        comment: "expire_all response",
        flags: ["Pseudorandom"],
        signer: "node",
        fields: { method: "expire_all", accountId: userAccount, expiry: T + 3600000, updated: [h[0]] },
      },
      {
        comment: "expire response with unchanged entries",
        flags: ["Pseudorandom", "Unchanged"],
        signer: "node",
        fields: {
          method: "expire",
          accountId: userAccount,
          expiry: T + 172800000,
          requested: [h[2], h[0], h[1]],
          updated: [h[2]],
          unchanged: { [h[1]]: T + 999, [h[0]]: T + 5 },
        },
        modified: ["an unchanged expiry + 1", {
          method: "expire",
          accountId: userAccount,
          expiry: T + 172800000,
          requested: [h[2], h[0], h[1]],
          updated: [h[2]],
          unchanged: { [h[1]]: T + 1000, [h[0]]: T + 5 },
        }],
      },
      {
        comment: "revoke_subaccount response",
        flags: ["Pseudorandom", "RawTokens"],
        signer: "node",
        fields: { method: "revoke_subaccount", accountId: groupAccount, timestamp: T, tokens: [token] },
      },
    ],
  };
}

/** tcId offsets of the siblings of a valid case (base 10·k). */
const OFFSET = { valid: 0, signatureBit: 1, wrongKey: 2, modifiedField: 3, truncated: 4 } as const;
/** Where each group's bases start. */
const BASE: Readonly<Record<SignedKind, number>> = { request: 100, response: 400 };

async function groupCases(provider: CryptoProvider, kind: SignedKind): Promise<SignatureTest[]> {
  const rng = seededRng("allium/conformance/storage/signatures");
  const seeds = { user: draw(rng, 32), group: draw(rng, 32), node: draw(rng, 32), other: draw(rng, 32) };
  const pub = async (s: Uint8Array) => toHex(await provider.ed25519PublicKey(s));
  const groupAccount = "03" + await pub(seeds.group);
  const userAccount = "05" + toHex(draw(rng, 32));
  const token = TOKEN_HEAD + await pub(draw(rng, 32));
  const otherKey = await pub(seeds.other);
  const out: SignatureTest[] = [];
  const push = async (
    tcId: number,
    comment: string,
    flags: string[],
    fields: SignatureFields,
    publicKey: string,
    sig: Uint8Array,
    result: Result,
  ) => {
    const message = signedMessageOf(kind, fields);
    const ok = sig.length === SIGNATURE_BYTES && await provider.ed25519Verify(fromHex(publicKey), message, sig);
    if (ok !== (result === "valid")) {
      throw new Error(`Cannot generate signature case ${tcId}: verification gives ${ok}`);
    }
    out.push({ tcId, comment, flags, fields, publicKey, message: toHex(message), signature: toHex(sig), result });
  };
  for (const [k, s] of specs(rng, groupAccount, userAccount, token)[kind].entries()) {
    const base = BASE[kind] + 10 * k;
    const key = await pub(seeds[s.signer]);
    const sig = await provider.ed25519Sign(seeds[s.signer], signedMessageOf(kind, s.fields));
    await push(base + OFFSET.valid, s.comment, s.flags, s.fields, key, sig, "valid");
    const byte = (k * 7) % SIGNATURE_BYTES, bit = k % 8;
    await push(
      base + OFFSET.signatureBit,
      `${s.comment}: bit ${bit} of signature byte ${byte} flipped`,
      ["ModifiedSignature"],
      s.fields,
      key,
      flipBit(sig, byte, bit),
      "invalid",
    );
    await push(
      base + OFFSET.wrongKey,
      `${s.comment}: verified with another key`,
      ["WrongKey"],
      s.fields,
      otherKey,
      sig,
      "invalid",
    );
    if (s.modified) {
      await push(
        base + OFFSET.modifiedField,
        `${s.comment}: ${s.modified[0]}`,
        ["ModifiedField"],
        s.modified[1],
        key,
        sig,
        "invalid",
      );
    }
    if (k % 4 === 0) {
      await push(
        base + OFFSET.truncated,
        `${s.comment}: signature cut to 63 bytes`,
        ["TruncatedSignature"],
        s.fields,
        key,
        sig.subarray(0, SIGNATURE_BYTES - 1),
        "invalid",
      );
    }
  }
  return out;
}

/**
 * Build `storage_signatures_v1.json`.
 *
 * @param provider the reference provider
 * @returns the file object
 */
export async function signaturesFile(provider: CryptoProvider): Promise<VectorFile<SignatureGroup>> {
  return vectorFile<SignatureGroup>({
    algorithm: "SESSION-STORAGE-SIGNATURES",
    schema: "storage_signatures_schema_v1.json",
    header: [
      "Storage-RPC signatures (shared/spec/swarms-and-storage.md §6.1 requests, §7 node responses): Ed25519 (RFC 8032) over the concatenation of the parts, no separators.",
      'Integers are decimal ASCII; hashes are their base64 text; subaccount tokens are 36 raw bytes; response account ids are 66 hex digits. Namespace 0 or omitted contributes nothing, the all-namespaces form "all".',
      "fields: method plus the fields that enter the signed string (camelCase; byte strings such as tokens and accountId as hex). Requests: store {namespace?, sigTimestamp}, retrieve {namespace?, timestamp}, delete {messages}, delete_all {namespace?, timestamp}, delete_before {namespace?, before}, expire_all {namespace?, expiry}, expire {mode?, expiry (one, or one per message), messages}, get_expiries {timestamp, messages}, (un)revoke_subaccount {timestamp, tokens}, monitor.messages {accountId, timestampSeconds, wantData, namespaces}, subaccount_sig {token}.",
      "Responses: store {hash}, delete {accountId, requested, deleted}, delete_all {accountId, timestamp, deleted}, delete_before {accountId, before, deleted}, expire_all {accountId, expiry, updated}, expire {accountId, expiry, requested, updated, unchanged? (hash → expiry, signed sorted by hash)}, (un)revoke_subaccount {accountId, timestamp, tokens}.",
      "valid: the signed string of fields is message exactly and signature verifies under publicKey. invalid: it must not verify (or be refused).",
      "Generated by allium conformance/vectors/generate.ts from fixed seeds with the noble provider.",
    ],
    notes: SIGNATURE_NOTES,
  }, [
    { type: "StorageSignatureTest", signed: "request", tests: await groupCases(provider, "request") },
    { type: "StorageSignatureTest", signed: "response", tests: await groupCases(provider, "response") },
  ]);
}
