/**
 * A pool of distinct relay onions for the load harness: every body is a real, 1 KiB (by default)
 * `POST /onion_req/v2` body for the entry gateway, whose layer decrypts to "relay to `next`".
 * Each onion can be used once (the gateway's replay cache), so the load generator needs a body per
 * request; the pool is written as fixed-size records to one file that the generator reads.
 *
 * Building cost: the client side of an onion is an X25519 key agreement plus a seal. To build
 * hundreds of thousands in about a second, the pool uses `keys` client ephemeral key pairs (256
 * by default) and seals many onions under each, every one with its own random 24-byte nonce, so
 * every body — and so every replay tag BLAKE2b(ephemeral_key ‖ blob) — is distinct. The gateway
 * is unaffected: it performs the full X25519 + KDF + decrypt for every request (nothing is
 * cached per ephemeral key), so the per-request cost it pays is that of a fresh-keyed onion.
 *
 * The inner layer (what the entry forwards) is opaque random bytes: the next hop is a stub that
 * answers at once without reading it.
 *
 * @module
 */

import { type CryptoProvider, deriveHopKey, encodeLayer, isCanonicalX25519, peelOnionLayer, toHex } from "../mod.ts";

/** Options of {@link writeRelayPool}. */
export interface RelayPoolOptions {
  /** The entry node's X25519 public key. */
  entryX25519: Uint8Array;
  /** The entry node's X25519 secret (test keys only): to check that the onions peel as intended. */
  entrySecret: Uint8Array;
  /**
   * The next hop's Ed25519 key (64 hex digits): the `destination` every onion names; or several,
   * in which case onion `i` names `nextEd25519[i % length]` (a mix of routes in a fixed order).
   */
  nextEd25519: string | readonly string[];
  /** Onions to write. */
  count: number;
  /** Exact size of every body, bytes (default 1024). */
  bodyBytes?: number;
  /** Distinct client ephemeral key pairs (default 256). */
  keys?: number;
  /** The crypto provider (sodium by default in the harness). */
  provider: CryptoProvider;
}

/** What {@link writeRelayPool} wrote. */
export interface RelayPool {
  /** The pool file. */
  file: string;
  /** Onions in it. */
  count: number;
  /** Bytes per onion. */
  recordBytes: number;
  /** Seconds the build took. */
  buildSeconds: number;
}

const ENC_TYPE = "xchacha20";
const NONCE_BYTES = 24;
const TAG_BYTES = 16;
const PREFIX_BYTES = 4;
const KEY_BYTES = 32;
/** Records per write to the file. */
const CHUNK_RECORDS = 4096;

/** A random X25519 public key that the gateway accepts as the inner layer's `ephemeral_key`. */
async function innerEphemeral(provider: CryptoProvider): Promise<string> {
  for (;;) {
    const pub = await provider.x25519PublicKey(provider.randomBytes(KEY_BYTES));
    if (isCanonicalX25519(pub)) return toHex(pub);
  }
}

/**
 * Build `count` distinct relay onions for the entry and write them to `file` as fixed-size
 * records. Before writing, one onion of every key and of every next hop is peeled with
 * `entrySecret` to check that it decrypts to "relay to that hop" (style.md rule 12: verify before
 * timing).
 *
 * @param file output path (created or truncated)
 * @param options entry keys, next hop, count, size, keys, provider
 * @returns the pool description
 * @throws {RangeError} when `bodyBytes` is too small for the routing JSON and trailer, or no next
 *   hop is given
 * @throws {Error} when a check peel does not give the expected relay
 */
export async function writeRelayPool(file: string, options: RelayPoolOptions): Promise<RelayPool> {
  const started = performance.now();
  const { provider, entryX25519, entrySecret, count } = options;
  const hops: readonly string[] = typeof options.nextEd25519 === "string" ? [options.nextEd25519] : options.nextEd25519;
  if (hops.length === 0) throw new RangeError("Cannot build relay pool: no next hop given");
  const bodyBytes = options.bodyBytes ?? 1024;
  const keyCount = Math.max(1, Math.min(options.keys ?? 256, count));

  const innerKey = await innerEphemeral(provider);
  const routes = hops.map((hop) => `{"destination":"${hop}","enc_type":"${ENC_TYPE}","ephemeral_key":"${innerKey}"}`);
  const route = routes[0];
  if (routes.some((r) => r.length !== route.length)) {
    throw new RangeError("Cannot build relay pool: next hop keys differ in length");
  }
  const trailerLength = `{"ephemeral_key":"${"0".repeat(2 * KEY_BYTES)}","enc_type":"${ENC_TYPE}"}`.length;
  const innerBlobBytes = bodyBytes - PREFIX_BYTES - NONCE_BYTES - TAG_BYTES - PREFIX_BYTES - route.length -
    trailerLength;
  if (innerBlobBytes < 64) {
    throw new RangeError(`Cannot build relay pool: ${bodyBytes} bytes leave ${innerBlobBytes} for the inner layer`);
  }
  const innerBlob = provider.randomBytes(innerBlobBytes);
  const plaintexts = routes.map((r) => encodeLayer(innerBlob, r));

  const keys: { key: Uint8Array; trailer: Uint8Array }[] = [];
  for (let k = 0; k < keyCount; k++) {
    const ourSecret = provider.randomBytes(KEY_BYTES);
    const ourPublic = await provider.x25519PublicKey(ourSecret);
    if (!isCanonicalX25519(ourPublic)) {
      k--;
      continue;
    }
    const key = await deriveHopKey(ENC_TYPE, { ourSecret, ourPublic, theirPublic: entryX25519, role: "client" }, {
      provider,
    });
    ourSecret.fill(0);
    const trailer = new TextEncoder().encode(`{"ephemeral_key":"${toHex(ourPublic)}","enc_type":"${ENC_TYPE}"}`);
    keys.push({ key: key.bytes(), trailer });
  }

  /** Onion number `i`: key `i % keyCount`, next hop `i % hops.length`. */
  const seal = async (i: number): Promise<Uint8Array> => {
    const { key, trailer } = keys[i % keyCount];
    const nonce = provider.randomBytes(NONCE_BYTES);
    const sealed = await provider.xchachaSeal(key, nonce, plaintexts[i % hops.length]);
    const blob = new Uint8Array(NONCE_BYTES + sealed.length);
    blob.set(nonce, 0);
    blob.set(sealed, NONCE_BYTES);
    const body = encodeLayer(blob, trailer);
    if (body.length !== bodyBytes) throw new Error(`onion is ${body.length} bytes, expected ${bodyBytes}`);
    return body;
  };

  // Verify one onion per key and per next hop before writing anything.
  const entryKeys = { x25519Secret: entrySecret, x25519Public: entryX25519 };
  for (let i = 0; i < Math.max(keyCount, hops.length); i++) {
    const peeled = await peelOnionLayer(await seal(i), entryKeys, { provider });
    if (peeled.kind !== "relay" || peeled.destination !== hops[i % hops.length]) {
      throw new Error(`Cannot build relay pool: onion ${i} does not peel to a relay to its next hop`);
    }
  }

  const out = await Deno.open(file, { write: true, create: true, truncate: true });
  try {
    const chunk = new Uint8Array(CHUNK_RECORDS * bodyBytes);
    for (let i = 0; i < count; i += CHUNK_RECORDS) {
      const n = Math.min(CHUNK_RECORDS, count - i);
      for (let j = 0; j < n; j++) chunk.set(await seal(i + j), j * bodyBytes);
      let view = chunk.subarray(0, n * bodyBytes);
      while (view.length > 0) view = view.subarray(await out.write(view));
    }
  } finally {
    out.close();
    for (const { key } of keys) key.fill(0);
  }
  return { file, count, recordBytes: bodyBytes, buildSeconds: (performance.now() - started) / 1000 };
}
