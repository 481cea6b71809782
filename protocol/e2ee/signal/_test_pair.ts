/**
 * Test-only (private to `signal/`): a fresh Alice/Bob pair of ratchet states from X3DH.
 *
 * @module
 */

import { seededRng } from "../../_testing/seeded_rng.ts";
import type { Rng } from "../../rng.ts";
import { generateKeyPair } from "./keys.ts";
import type { RatchetState } from "./ratchet_state.ts";
import { initializeAliceRatchet, initializeBobRatchet } from "./x3dh.ts";

/** Alice's and Bob's first states and the Rng that made them. */
export interface RatchetPair {
  alice: RatchetState;
  bob: RatchetState;
  rng: Rng;
}

/**
 * Run X3DH between two fresh identities.
 *
 * @param seed seed of the deterministic Rng
 * @returns both states and the Rng
 */
export async function ratchetPair(seed: string): Promise<RatchetPair> {
  const rng = seededRng(seed);
  const [ika, eka, ikb, spkb] = await Promise.all([1, 2, 3, 4].map(() => generateKeyPair({ rng })));
  const alice = await initializeAliceRatchet({
    ourIdentityKeyPair: ika,
    ourBaseKeyPair: eka,
    theirIdentityKey: ikb.publicKey,
    theirSignedPreKey: spkb.publicKey,
  }, { rng });
  const bob = await initializeBobRatchet({
    ourIdentityKeyPair: ikb,
    ourSignedPreKeyPair: spkb,
    theirIdentityKey: ika.publicKey,
    theirBaseKey: eka.publicKey,
  });
  return { alice, bob, rng };
}
