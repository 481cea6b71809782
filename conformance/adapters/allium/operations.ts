/**
 * allium's implementation of every adapter-protocol operation (conformance/README.md, "Adapter
 * protocol"), written against the public API (`mod.ts`) only: JSON arguments in, a JSON result
 * out, and invalid input thrown as an error whose class the adapter reports.
 *
 * @module
 */

import {
  buildOnionRequest,
  type CryptoProvider,
  decodeLayer,
  decryptOnionReply,
  deriveHopKey,
  type EncType,
  fromHex,
  hopDecrypt,
  hopEncrypt,
  type HopKeys,
  type HopRole,
  isProtocolError,
  messageHash,
  type OnionNode,
  type OnionServer,
  peelOnionLayer,
  requestSigningBytes,
  responseSigningBytes,
  type Rng,
  sealReply,
  SecretKey,
  type SignedRequest,
  type SignedResponse,
  swarmFor,
  swarmSpacePosition,
  toHex,
  verifySignature,
} from "../../../mod.ts";
import { peelRecord } from "../../vectors/onion_records.ts";

/** An operation's JSON arguments or result. */
export type Json = Record<string, unknown>;

/** The crypto providers the operations use: `onion` for everything layered, `plain` for the rest. */
export interface Providers {
  /** Used by hop, peel, build and reply operations (a broken adapter swaps this one). */
  onion: CryptoProvider;
  /** Used by storage operations. */
  plain: CryptoProvider;
}

/** An operation: arguments → result; throws for input it refuses. */
export type Operation = (args: Json, providers: Providers) => Promise<Json> | Json;

function str(args: Json, name: string): string {
  const v = args[name];
  if (typeof v !== "string") throw new TypeError(`Cannot read arguments: "${name}" is not a string`);
  return v;
}

function hex(args: Json, name: string): Uint8Array {
  return fromHex(str(args, name));
}

function role(args: Json): HopRole {
  const r = str(args, "role");
  if (r !== "client" && r !== "server") throw new TypeError(`Cannot read arguments: role "${r}"`);
  return r;
}

/** The hop keys named by `ourSecret`, `ourPublic`, `theirPublic` and a role. */
function hopKeys(args: Json, r: HopRole): HopKeys {
  return {
    ourSecret: hex(args, "ourSecret"),
    ourPublic: hex(args, "ourPublic"),
    theirPublic: hex(args, "theirPublic"),
    role: r,
  };
}

/** An {@link Rng} that hands out the given byte strings in order (the vectors' fixed randomness). */
function fixedRng(chunks: readonly Uint8Array[]): Rng {
  let i = 0;
  return {
    fill(bytes: Uint8Array): Uint8Array {
      const next = chunks[i++];
      if (next === undefined || next.length !== bytes.length) {
        throw new RangeError(`Cannot draw randomness: call ${i} wants ${bytes.length} bytes, none scripted`);
      }
      bytes.set(next);
      return bytes;
    },
  };
}

function destinationOf(d: Json): OnionNode | OnionServer {
  if (d.kind === "node") return { ed25519: str(d, "ed25519"), x25519: str(d, "x25519") };
  return {
    host: str(d, "host"),
    target: str(d, "target"),
    port: d.port as number,
    protocol: str(d, "protocol") as "http" | "https",
    method: str(d, "method"),
    x25519: str(d, "x25519"),
  };
}

function hexList(v: unknown): Uint8Array[] {
  return (v as string[]).map((t) => fromHex(t));
}

/** The typed request or response of `storage.signature_check` fields (byte strings arrive as hex). */
function signedBytes(signed: string, f: Json): Uint8Array {
  if (signed === "request") {
    const r: Json = { ...f };
    if (f.tokens !== undefined) r.tokens = hexList(f.tokens);
    if (f.token !== undefined) r.token = fromHex(f.token as string);
    if (f.accountId !== undefined) r.accountId = fromHex(f.accountId as string);
    return requestSigningBytes(r as unknown as SignedRequest);
  }
  if (signed !== "response") throw new TypeError(`Cannot read arguments: signed "${signed}"`);
  const r: Json = { ...f };
  if (f.accountId !== undefined) r.accountId = fromHex(f.accountId as string);
  if (f.tokens !== undefined) r.tokens = hexList(f.tokens);
  return responseSigningBytes(r as unknown as SignedResponse);
}

/** Every operation, by name. */
export const OPERATIONS: Readonly<Record<string, Operation>> = {
  "hop.derive_key": async (a, p) => {
    const keys = hopKeys(a, role(a));
    const shared = await p.onion.x25519(keys.ourSecret, keys.theirPublic);
    const key = await deriveHopKey(str(a, "encType") as EncType, keys, { provider: p.onion });
    return { sharedSecret: toHex(shared), key: toHex(key.bytes()) };
  },
  "hop.encrypt": async (a, p) => ({
    blob: toHex(
      await hopEncrypt(str(a, "encType") as EncType, hex(a, "plaintext"), hopKeys(a, role(a)), {
        provider: p.onion,
        rng: fixedRng([hex(a, "nonce")]),
      }),
    ),
  }),
  "hop.decrypt": async (a, p) => ({
    plaintext: toHex(
      await hopDecrypt(str(a, "encType") as EncType, hex(a, "blob"), hopKeys(a, role(a)), { provider: p.onion }),
    ),
  }),
  "layer.decode": (a) => {
    const l = decodeLayer(hex(a, "body"));
    return { blob: toHex(l.blob), trailer: toHex(l.json) };
  },
  "onion.peel": async (a, p) =>
    peelRecord(
      await peelOnionLayer(hex(a, "body"), {
        x25519Secret: hex(a, "x25519Secret"),
        x25519Public: hex(a, "x25519Public"),
      }, {
        provider: p.onion,
      }),
    ),
  "onion.build": async (a, p) => {
    const path = (a.path as Json[]).map((n) => ({ ed25519: str(n, "ed25519"), x25519: str(n, "x25519") }));
    const randomness = a.randomness as string[] | undefined;
    const built = await buildOnionRequest({
      path,
      destination: destinationOf(a.destination as Json),
      payload: hex(a, "payload"),
      encType: a.encTypes as EncType[],
      ...(typeof a.hopNo === "number" ? { hopNo: a.hopNo } : {}),
      provider: p.onion,
      ...(randomness ? { rng: fixedRng(randomness.map((h) => fromHex(h))) } : {}),
    });
    return { body: toHex(built.body) };
  },
  "reply.encrypt": async (a, p) => {
    const encType = str(a, "encType") as EncType;
    const key = await deriveHopKey(encType, hopKeys(a, "server"), { provider: p.onion });
    const body = await sealReply({ encType, key, json: false, base64: a.base64 === true }, hex(a, "plaintext"), {
      provider: p.onion,
      rng: fixedRng([hex(a, "nonce")]),
    });
    return { body: toHex(body) };
  },
  "reply.decrypt": async (a, p) => {
    const encType = str(a, "encType") as EncType;
    const key = await deriveHopKey(encType, hopKeys(a, "client"), { provider: p.onion });
    const kind = str(a, "format") as "node" | "v3" | "v4";
    const r = await decryptOnionReply({ kind, encType, key: new SecretKey(key.bytes()) }, hex(a, "body"), {
      provider: p.onion,
    });
    return { status: r.status, headers: r.headers, body: toHex(r.body) };
  },
  "swarm.position": (a) => ({ position: swarmSpacePosition(str(a, "accountId")).toString() }),
  "swarm.for_pubkey": (a) => {
    const ids = (a.swarmIds as string[]).map((s) => BigInt(s));
    return { swarmId: swarmFor(str(a, "accountId"), ids)?.toString() ?? null };
  },
  "storage.message_hash": async (a, p) => ({
    hash: await messageHash(hex(a, "accountId"), a.namespace as number, hex(a, "data"), { provider: p.plain }),
  }),
  "storage.signature_check": async (a, p) => {
    const message = signedBytes(str(a, "signed"), a.fields as Json);
    try {
      await verifySignature(hex(a, "publicKey"), message, hex(a, "signature"), { provider: p.plain });
      return { message: toHex(message), valid: true };
    } catch (e) {
      if (isProtocolError(e, "SIGNATURE_INVALID")) return { message: toHex(message), valid: false };
      throw e;
    }
  },
};

/**
 * The error class reported for a refusal: the `ProtocolError` code, else the error's name.
 *
 * @param e what was thrown
 * @returns e.g. `ONION_AUTH_FAILED`, `RangeError`
 * @example
 * ```ts
 * import { errorClass } from "./operations.ts";
 * import { ProtocolError } from "../../../mod.ts";
 * if (errorClass(new ProtocolError("ONION_KEY", "x")) !== "ONION_KEY" || errorClass(new RangeError("x")) !== "RangeError") throw new Error("bad");
 * ```
 */
export function errorClass(e: unknown): string {
  if (isProtocolError(e)) return e.code;
  return e instanceof Error ? e.name : "Error";
}
