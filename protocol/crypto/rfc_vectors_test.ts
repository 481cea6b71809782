/**
 * Every RFC / CFRG known-answer vector in the shared `vectors/rfc/` folder, against every provider
 * that loads on this runtime (hardening.md §7).
 */

import assert from "node:assert/strict";
import { fromHex, toHex } from "../bytes.ts";
import { isProtocolError } from "../errors.ts";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../_testing/vectors.ts";
import { allProviders } from "./default.ts";
import type { CryptoProvider } from "./provider.ts";

const providers = await allProviders();
const SKIPPED = HAVE_VECTORS ? "" : ` (${SKIP_REASON})`;

/** Counts of one vector file against one provider. */
interface Counts {
  passed: number;
  rejectedAsRequired: number;
  skipped: number;
}

function newCounts(): Counts {
  return { passed: 0, rejectedAsRequired: 0, skipped: 0 };
}

/** Register one test per provider for a vector file; `run` returns the counts it reports. */
function vectorTest(
  file: string,
  behaviour: string,
  run: (p: CryptoProvider, counts: Counts) => Promise<void>,
): void {
  for (const p of providers) {
    Deno.test({
      name: `${p.name}Provider ${behaviour}${SKIPPED}`,
      ignore: !HAVE_VECTORS,
      async fn() {
        const counts = newCounts();
        await run(p, counts);
        reportCases(`rfc/${file} [${p.name}]`, { ...counts });
        assert.ok(counts.passed > 0, `no case of rfc/${file} ran`);
      },
    });
  }
}

// deno-lint-ignore no-explicit-any
type Case = any;

vectorTest(
  "rfc7748_x25519.json",
  "x25519() matches RFC 7748 §5.2 (incl. top-bit u, 1000-iteration ladder) and §6.1",
  async (p, counts) => {
    const v = loadVectors("rfc/rfc7748_x25519.json");
    assert.equal(v.cases.length, v.numberOfCases);
    for (const c of v.cases as Case[]) {
      switch (c.kind) {
        case "scalarmult":
          assert.equal(toHex(await p.x25519(fromHex(c.scalar), fromHex(c.u))), c.output, c.name);
          break;
        case "iterated": {
          // RFC 7748 §5.2: k = u = 9; repeat { r = X25519(k, u); u = k; k = r }.
          let k = fromHex(c.scalar);
          let u = fromHex(c.u);
          for (let i = 0; i < c.iterations; i++) [k, u] = [await p.x25519(k, u), k];
          assert.equal(toHex(k), c.output, c.name);
          break;
        }
        case "dh": {
          const a = fromHex(c.alicePrivate);
          const b = fromHex(c.bobPrivate);
          assert.equal(toHex(await p.x25519PublicKey(a)), c.alicePublic, `${c.name} alice public`);
          assert.equal(toHex(await p.x25519PublicKey(b)), c.bobPublic, `${c.name} bob public`);
          assert.equal(toHex(await p.x25519(a, fromHex(c.bobPublic))), c.shared, `${c.name} alice shared`);
          assert.equal(toHex(await p.x25519(b, fromHex(c.alicePublic))), c.shared, `${c.name} bob shared`);
          break;
        }
        default:
          throw new Error(`unknown kind "${c.kind}" in ${c.name}`);
      }
      counts.passed++;
    }
  },
);

/** Seal and open one AEAD vector, then check a flipped tag bit is refused. */
async function aeadCase(
  c: Case,
  seal: (k: Uint8Array, n: Uint8Array, m: Uint8Array, aad?: Uint8Array) => Promise<Uint8Array> | Uint8Array,
  open: (k: Uint8Array, n: Uint8Array, s: Uint8Array, aad?: Uint8Array) => Promise<Uint8Array> | Uint8Array,
  counts: Counts,
): Promise<void> {
  const key = fromHex(c.key);
  const nonce = fromHex(c.nonce);
  const aad = fromHex(c.aad);
  const sealed = await seal(key, nonce, fromHex(c.plaintext), aad);
  assert.equal(toHex(sealed), c.ciphertext + c.tag, `${c.name} seal`);
  assert.equal(toHex(await open(key, nonce, sealed, aad)), c.plaintext, `${c.name} open`);
  counts.passed++;
  const tampered = sealed.slice();
  tampered[tampered.length - 1] ^= 1;
  await assert.rejects(
    async () => await open(key, nonce, tampered, aad),
    (e) => isProtocolError(e, "DECRYPT_FAILED"),
    `${c.name} flipped tag bit`,
  );
  counts.rejectedAsRequired++;
}

vectorTest("rfc8439_chacha20_poly1305.json", "chachaSeal()/chachaOpen() match RFC 8439 §2.8.2", async (p, counts) => {
  const v = loadVectors("rfc/rfc8439_chacha20_poly1305.json");
  for (const c of v.cases as Case[]) await aeadCase(c, p.chachaSeal, p.chachaOpen, counts);
});

vectorTest(
  "xchacha20_poly1305_draft.json",
  "xchachaSeal()/xchachaOpen() match draft-irtf-cfrg-xchacha A.3.1",
  async (p, counts) => {
    const v = loadVectors("rfc/xchacha20_poly1305_draft.json");
    for (const c of v.cases as Case[]) await aeadCase(c, p.xchachaSeal, p.xchachaOpen, counts);
  },
);

vectorTest("rfc8032_ed25519.json", "ed25519 derive/sign/verify match RFC 8032 §7.1 tests 1–3", async (p, counts) => {
  const v = loadVectors("rfc/rfc8032_ed25519.json");
  for (const c of v.cases as Case[]) {
    const seed = fromHex(c.secretKey);
    const message = fromHex(c.message);
    assert.equal(toHex(await p.ed25519PublicKey(seed)), c.publicKey, `${c.name} public key`);
    assert.equal(toHex(await p.ed25519Sign(seed, message)), c.signature, `${c.name} signature`);
    assert.equal(await p.ed25519Verify(fromHex(c.publicKey), message, fromHex(c.signature)), true, c.name);
    counts.passed++;
    const bad = fromHex(c.signature);
    bad[0] ^= 1;
    assert.equal(await p.ed25519Verify(fromHex(c.publicKey), message, bad), false, `${c.name} flipped R bit`);
    counts.rejectedAsRequired++;
  }
});

vectorTest(
  "rfc4231_hmac_sha256.json",
  "hmacSha256() matches RFC 4231 cases 1–7 (case 5 truncated)",
  async (p, counts) => {
    const v = loadVectors("rfc/rfc4231_hmac_sha256.json");
    assert.equal(v.cases.length, 7);
    for (const c of v.cases as Case[]) {
      const mac = await p.hmacSha256(fromHex(c.key), fromHex(c.data));
      const compared = c.truncatedToBytes === undefined ? mac : mac.subarray(0, c.truncatedToBytes);
      assert.equal(toHex(compared), c.mac, c.name);
      counts.passed++;
    }
  },
);

vectorTest("rfc5869_hkdf_sha256.json", "hkdfSha256() matches RFC 5869 A.1–A.3 (PRK and OKM)", async (p, counts) => {
  const v = loadVectors("rfc/rfc5869_hkdf_sha256.json");
  assert.equal(v.cases.length, 3);
  for (const c of v.cases as Case[]) {
    const ikm = fromHex(c.ikm);
    const salt = fromHex(c.salt);
    // HKDF-Extract is HMAC(salt, IKM) (RFC 5869 §2.2); an empty salt is HashLen zeros, which HMAC pads to.
    assert.equal(toHex(await p.hmacSha256(salt, ikm)), c.prk, `${c.name} PRK`);
    assert.equal(toHex(await p.hkdfSha256(ikm, salt, fromHex(c.info), c.length)), c.okm, `${c.name} OKM`);
    counts.passed++;
  }
});

vectorTest("rfc7693_blake2b.json", "blake2b() matches RFC 7693 appendix A", async (p, counts) => {
  const v = loadVectors("rfc/rfc7693_blake2b.json");
  for (const c of v.cases as Case[]) {
    const key = c.key === "" ? undefined : fromHex(c.key);
    assert.equal(toHex(await p.blake2b(fromHex(c.input), c.outputLength, key)), c.digest, c.name);
    counts.passed++;
  }
});
