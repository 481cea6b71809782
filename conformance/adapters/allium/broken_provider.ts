/**
 * A deliberately broken crypto provider for testing the conformance runner: it flips one byte of
 * every derived onion-layer key (onion-requests.md §2: the HMAC-SHA256 of aes-gcm and the
 * BLAKE2b-256 of the 96-byte `S ‖ client_pub ‖ server_pub` input of xchacha20). Everything else
 * passes through. Never use it outside tests.
 *
 * @module
 */

import type { CryptoProvider } from "../../../mod.ts";

/** Which byte of a derived key is flipped. */
const FLIPPED_BYTE = 0;
/** The xchacha20 key-derivation input: shared secret ‖ client public ‖ server public. */
const XCHACHA_KDF_INPUT_BYTES = 96;
/** Every hop key is 32 bytes. */
const HOP_KEY_BYTES = 32;

function flipped(value: Uint8Array, out?: Uint8Array): Uint8Array {
  const copy = value.slice();
  copy[FLIPPED_BYTE] ^= 1;
  if (out === undefined) return copy;
  out.set(copy);
  return out;
}

/**
 * Wrap a provider so that layer keys come out wrong.
 *
 * @param inner the real provider
 * @returns the broken provider
 * @example
 * ```ts
 * import { breakKdf } from "./broken_provider.ts";
 * import { nobleProvider } from "../../../mod.ts";
 * const broken = breakKdf(nobleProvider);
 * const key = new TextEncoder().encode("LOKI"), msg = new Uint8Array(32);
 * const good = await nobleProvider.hmacSha256(key, msg), bad = await broken.hmacSha256(key, msg);
 * if ((good[0] ^ bad[0]) !== 1) throw new Error("bad");
 * ```
 */
export function breakKdf(inner: CryptoProvider): CryptoProvider {
  return {
    ...inner,
    name: inner.name,
    backends: inner.backends,
    async hmacSha256(key, message, out) {
      return flipped(await inner.hmacSha256(key, message), out);
    },
    async blake2b(message, outLength, key, out) {
      const value = await inner.blake2b(message, outLength, key);
      const isKdf = message.length === XCHACHA_KDF_INPUT_BYTES && outLength === HOP_KEY_BYTES && !key?.length;
      return isKdf ? flipped(value, out) : (out ? (out.set(value), out) : value);
    },
  };
}
