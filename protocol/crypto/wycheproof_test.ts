/**
 * The shared Wycheproof vectors (`vectors/wycheproof/`, semantics in its README) against every
 * provider that loads on this runtime (hardening.md §7). Every case of every file is counted as
 * passed, rejected as required, or skipped (with the reason in the code), and the three add up to
 * the file's `numberOfTests`.
 */

import assert from "node:assert/strict";
import { ctEqual, fromHex, toHex } from "../bytes.ts";
import { isProtocolError } from "../errors.ts";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../_testing/vectors.ts";
import { allProviders } from "./default.ts";
import type { CryptoProvider } from "./provider.ts";
import { webcryptoEd25519IsStrict, webcryptoEd25519Verify } from "./webcrypto.ts";

const providers = await allProviders();
const SKIPPED = HAVE_VECTORS ? "" : ` (${SKIP_REASON})`;

/** The protocol's AES-GCM parameters (hardening.md §2): 96-bit IV, 128-bit tag, 256-bit key. */
const PROTOCOL_GCM_IV_BITS = 96;
const PROTOCOL_GCM_TAG_BITS = 128;
const PROTOCOL_GCM_KEY_BITS = 256;
/** Nonce sizes of the two ChaCha20 AEADs (RFC 8439 §2.8, XChaCha draft §2). */
const CHACHA_NONCE_BITS = 96;
const XCHACHA_NONCE_BITS = 192;
/** Flags of the X25519 cases whose shared secret is all zero: the contract requires rejection. */
const ZERO_SHARED_FLAGS = ["LowOrderPublic", "ZeroSharedSecret"];

interface Counts {
  passed: number;
  rejectedAsRequired: number;
  skipped: number;
}

// deno-lint-ignore no-explicit-any
type Vectors = any;
// deno-lint-ignore no-explicit-any
type Case = any;

/** Register one test per provider for a Wycheproof file and check its counts add up. */
function wycheproofTest(
  file: string,
  behaviour: string,
  run: (p: CryptoProvider, v: Vectors, counts: Counts) => Promise<void>,
): void {
  for (const p of providers) {
    Deno.test({
      name: `${p.name}Provider ${behaviour}${SKIPPED}`,
      ignore: !HAVE_VECTORS,
      async fn() {
        const v = loadVectors(`wycheproof/${file}`);
        const counts: Counts = { passed: 0, rejectedAsRequired: 0, skipped: 0 };
        await run(p, v, counts);
        reportCases(`wycheproof/${file} [${p.name}]`, { ...counts });
        const total = counts.passed + counts.rejectedAsRequired + counts.skipped;
        assert.equal(total, v.numberOfTests, `cases counted (${total}) != numberOfTests`);
        assert.ok(counts.passed > 0, "no case passed");
      },
    });
  }
}

/** Label a case in assertion messages. */
function label(t: Case): string {
  return `tcId ${t.tcId} (${t.comment || t.flags.join(",")})`;
}

wycheproofTest(
  "x25519_test.json",
  "x25519() matches Wycheproof and rejects every all-zero shared secret",
  async (p, v, counts) => {
    for (const g of v.testGroups) {
      for (const t of g.tests as Case[]) {
        const secret = fromHex(t.private);
        const publicKey = fromHex(t.public);
        if (t.result === "acceptable" && t.flags.some((f: string) => ZERO_SHARED_FLAGS.includes(f))) {
          await assert.rejects(
            async () => await p.x25519(secret, publicKey),
            (e) => isProtocolError(e, "KEY_AGREEMENT_FAILED"),
            label(t),
          );
          counts.rejectedAsRequired++;
        } else {
          // valid, and the other acceptable cases (twist points, non-canonical u): RFC 7748 computes them.
          assert.equal(toHex(await p.x25519(secret, publicKey)), t.shared, label(t));
          counts.passed++;
        }
      }
    }
  },
);

/** Whether a provider's AES-GCM accepts keys of `keyBits` (the contract only asks for 256). */
async function supportsGcmKey(p: CryptoProvider, keyBits: number): Promise<boolean> {
  try {
    await p.aesGcmSeal(new Uint8Array(keyBits / 8), new Uint8Array(PROTOCOL_GCM_IV_BITS / 8), new Uint8Array(1));
    return true;
  } catch {
    return false;
  }
}

type Seal = (k: Uint8Array, n: Uint8Array, m: Uint8Array, aad?: Uint8Array) => Promise<Uint8Array> | Uint8Array;
type Open = (k: Uint8Array, n: Uint8Array, s: Uint8Array, aad?: Uint8Array) => Promise<Uint8Array> | Uint8Array;

/** One AEAD case: valid opens and re-seals bit-exactly; invalid is refused with DECRYPT_FAILED. */
async function aeadCase(t: Case, seal: Seal, open: Open, counts: Counts): Promise<void> {
  const key = fromHex(t.key);
  const nonce = fromHex(t.iv);
  const aad = fromHex(t.aad);
  const sealed = fromHex(t.ct + t.tag);
  if (t.result === "valid") {
    assert.equal(toHex(await open(key, nonce, sealed, aad)), t.msg, `${label(t)} open`);
    assert.equal(toHex(await seal(key, nonce, fromHex(t.msg), aad)), t.ct + t.tag, `${label(t)} seal`);
    counts.passed++;
  } else {
    await assert.rejects(
      async () => await open(key, nonce, sealed, aad),
      (e) => isProtocolError(e, "DECRYPT_FAILED"),
      label(t),
    );
    counts.rejectedAsRequired++;
  }
}

wycheproofTest(
  "aes_gcm_test.json",
  "aesGcmSeal()/aesGcmOpen() match Wycheproof (96-bit IV, 128-bit tag groups)",
  async (p, v, counts) => {
    for (const g of v.testGroups) {
      const runnable = g.ivSize === PROTOCOL_GCM_IV_BITS && g.tagSize === PROTOCOL_GCM_TAG_BITS &&
        (g.keySize === PROTOCOL_GCM_KEY_BITS || await supportsGcmKey(p, g.keySize));
      if (!runnable) {
        // Other IV sizes are refused by the protocol's own parser; AES-128/192 are outside the contract.
        counts.skipped += g.tests.length;
        continue;
      }
      for (const t of g.tests as Case[]) await aeadCase(t, p.aesGcmSeal, p.aesGcmOpen, counts);
    }
  },
);

/** The ChaCha20 AEAD files: cases with the cipher's nonce size run; other sizes must be refused. */
function chachaFamily(nonceBits: number, pick: (p: CryptoProvider) => [Seal, Open]) {
  return async (p: CryptoProvider, v: Vectors, counts: Counts): Promise<void> => {
    const [seal, open] = pick(p);
    for (const g of v.testGroups) {
      for (const t of g.tests as Case[]) {
        if (g.ivSize === nonceBits) {
          await aeadCase(t, seal, open, counts);
          continue;
        }
        // A wrong nonce size is an argument error (any throw will do), never a successful open.
        assert.equal(t.result, "invalid", label(t));
        const sealed = fromHex(t.ct + t.tag);
        await assert.rejects(async () => await open(fromHex(t.key), fromHex(t.iv), sealed, fromHex(t.aad)), label(t));
        counts.rejectedAsRequired++;
      }
    }
  };
}

wycheproofTest(
  "chacha20_poly1305_test.json",
  "chachaSeal()/chachaOpen() match Wycheproof",
  chachaFamily(CHACHA_NONCE_BITS, (p) => [p.chachaSeal, p.chachaOpen]),
);

wycheproofTest(
  "xchacha20_poly1305_test.json",
  "xchachaSeal()/xchachaOpen() match Wycheproof",
  chachaFamily(XCHACHA_NONCE_BITS, (p) => [p.xchachaSeal, p.xchachaOpen]),
);

wycheproofTest(
  "hmac_sha256_test.json",
  "hmacSha256() matches Wycheproof (truncated tags compare a prefix)",
  async (p, v, counts) => {
    for (const g of v.testGroups) {
      for (const t of g.tests as Case[]) {
        const mac = await p.hmacSha256(fromHex(t.key), fromHex(t.msg));
        const prefix = mac.subarray(0, g.tagSize / 8);
        if (t.result === "valid") {
          assert.equal(toHex(prefix), t.tag, label(t));
          counts.passed++;
        } else {
          assert.equal(ctEqual(prefix, fromHex(t.tag)), false, label(t));
          counts.rejectedAsRequired++;
        }
      }
    }
  },
);

wycheproofTest(
  "hkdf_sha256_test.json",
  "hkdfSha256() matches Wycheproof and throws for a size above 255 × 32",
  async (p, v, counts) => {
    for (const g of v.testGroups) {
      for (const t of g.tests as Case[]) {
        const args = [fromHex(t.ikm), fromHex(t.salt), fromHex(t.info), t.size] as const;
        if (t.result === "valid") {
          assert.equal(toHex(await p.hkdfSha256(...args)), t.okm, label(t));
          counts.passed++;
        } else {
          await assert.rejects(async () => await p.hkdfSha256(...args), label(t));
          counts.rejectedAsRequired++;
        }
      }
    }
  },
);

/** Run the ed25519 file through a verify function; mismatching tcIds are returned. */
async function ed25519Mismatches(
  v: Vectors,
  verify: (pk: Uint8Array, m: Uint8Array, s: Uint8Array) => Promise<boolean> | boolean,
  counts: Counts,
): Promise<number[]> {
  const wrong: number[] = [];
  for (const g of v.testGroups) {
    const publicKey = fromHex(g.publicKey.pk);
    for (const t of g.tests as Case[]) {
      const ok = await verify(publicKey, fromHex(t.msg), fromHex(t.sig));
      if (ok !== (t.result === "valid")) wrong.push(t.tcId);
      else if (ok) counts.passed++;
      else counts.rejectedAsRequired++;
    }
  }
  return wrong;
}

wycheproofTest(
  "ed25519_test.json",
  "ed25519Verify() is strict RFC 8032 (Wycheproof valid ↔ true)",
  async (p, v, counts) => {
    const wrong = await ed25519Mismatches(v, p.ed25519Verify, counts);
    assert.deepEqual(wrong, [], `tcIds verified wrongly: ${wrong.join(", ")}`);
  },
);

if (providers.some((p) => p.name === "webcrypto")) {
  Deno.test({
    name: `webcryptoEd25519Verify() passes Wycheproof whenever its strictness self-check passes${SKIPPED}`,
    ignore: !HAVE_VECTORS,
    async fn() {
      const v = loadVectors("wycheproof/ed25519_test.json");
      const counts: Counts = { passed: 0, rejectedAsRequired: 0, skipped: 0 };
      const wrong = await ed25519Mismatches(v, webcryptoEd25519Verify, counts);
      const strict = await webcryptoEd25519IsStrict();
      reportCases("wycheproof/ed25519_test.json [WebCrypto alone]", { ...counts, wrong: wrong.length });
      console.log(`WebCrypto Ed25519 verify: self-check says strict=${strict}; wrong tcIds: [${wrong.join(", ")}]`);
      if (strict) assert.deepEqual(wrong, [], "self-check passed but WebCrypto verifies these wrongly");
    },
  });
}
