/**
 * Every case of the shared Session-protocol vectors (`e2ee/identity_keys.json`,
 * `session_protocol_encrypt.json`, `blinding.json`, `config_encrypt.json`), on every crypto
 * provider that loads here, with one `vectors …` count line per file and provider.
 */
import assert from "node:assert/strict";
import { ed25519 } from "@noble/curves/ed25519.js";
import { fromHex, toHex, utf8 } from "../../bytes.ts";
import { isProtocolError } from "../../errors.ts";
import { allProviders } from "../../crypto/default.ts";
import { x25519PublicToEd25519, xeddsaSign } from "../../crypto/xeddsa.ts";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../../_testing/vectors.ts";
import { seededRng } from "../../_testing/seeded_rng.ts";
import { decryptIncoming, encryptForRecipient } from "./encrypt_for_recipient.ts";
import { decryptOnsResponse } from "./ons.ts";
import { decryptPushNotification } from "./push.ts";
import {
  blind15Ids,
  blind15Sign,
  blind25Id,
  blind25Sign,
  blindedIdFromEd25519,
  blindedKeyPair,
  sessionIdMatchesBlindedId,
} from "./blinding.ts";
import { versionKeyPair, versionSignRequest } from "./version_key.ts";
import { decryptFromBlindedRecipient, encryptForBlindedRecipient } from "./blinded_dm.ts";
import { configDecrypt, configEncrypt, configPaddedSize } from "./config_encrypt.ts";
import { sessionIdOfEd25519 } from "./keys.ts";
import { PREFIX_BLIND15, PREFIX_BLIND25 } from "./constants.ts";

const providers = await allProviders();
const skip = HAVE_VECTORS ? "" : ` (${SKIP_REASON})`;
const rejects = (code: string) => (e: unknown) => isProtocolError(e) && e.code === code;

Deno.test({
  name: `identity_keys.json: every key pair, sign-bit case, signature and the XEd25519 property${skip}`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const v = loadVectors("e2ee/identity_keys.json");
    for (const provider of providers) {
      const counts = { keypairs: 0, signBitCases: 0, signatures: 0, xeddsa: 0 };
      for (const k of v.keypairs) {
        const seed = fromHex(k.ed25519_seed_hex);
        const edPublic = await provider.ed25519PublicKey(seed);
        assert.equal(toHex(edPublic), k.ed25519_public_hex);
        const xPublic = await provider.ed25519PublicToX25519(edPublic);
        if (k.x25519_public_hex) assert.equal(toHex(xPublic), k.x25519_public_hex);
        if (k.x25519_public_hex) {
          assert.equal(
            toHex(await provider.x25519PublicKey(await provider.ed25519SeedToX25519Secret(seed))),
            k.x25519_public_hex,
          );
        }
        if (k.session_id) assert.equal(await sessionIdOfEd25519(edPublic, provider), k.session_id);
        if (k.x25519_secret_hex) {
          assert.equal(toHex(await provider.ed25519SeedToX25519Secret(seed)), k.x25519_secret_hex);
        }
        if (k.ed25519_public_sign_bit !== undefined) {
          assert.equal(edPublic[31] >> 7, k.ed25519_public_sign_bit);
          // §1.2: the key recovered from the Session ID has sign bit 0, so it is −A when A's bit is 1.
          const expected = k.ed25519_public_from_x25519_hex ?? k.ed25519_public_hex;
          assert.equal(toHex(x25519PublicToEd25519(xPublic)), expected);
          assert.equal(expected === k.ed25519_public_hex, k.ed25519_public_sign_bit === 0);
          counts.signBitCases++;
        }
        counts.keypairs++;
      }
      for (const s of v.ed25519_signatures) {
        const sig = await provider.ed25519Sign(fromHex(s.ed25519_seed_hex), utf8(s.message_utf8));
        assert.equal(toHex(sig), s.signature_hex);
        assert.ok(await provider.ed25519Verify(fromHex(s.ed25519_public_hex), utf8(s.message_utf8), sig));
        counts.signatures++;
      }
      const note = v.xeddsa_notes;
      for (const [i, under] of [[4, "ed25519_public_hex"], [5, "ed25519_public_from_x25519_hex"]] as const) {
        const k = v.keypairs[i];
        const secret = await provider.ed25519SeedToX25519Secret(fromHex(k.ed25519_seed_hex));
        const sig = xeddsaSign(secret, utf8(note.message_utf8), { rng: seededRng(`xed ${i}`), variant: "negate" });
        assert.ok(await provider.ed25519Verify(fromHex(k[under]), utf8(note.message_utf8), sig));
        if (i === 5) {
          assert.ok(!await provider.ed25519Verify(fromHex(k.ed25519_public_hex), utf8(note.message_utf8), sig));
        }
        counts.xeddsa++;
      }
      reportCases(`e2ee/identity_keys.json [${provider.name}]`, counts);
    }
  },
});

Deno.test({
  name:
    `session_protocol_encrypt.json: deterministic box byte for byte, random round trips and flips, ONS, push${skip}`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const v = loadVectors("e2ee/session_protocol_encrypt.json");
    for (const provider of providers) {
      const counts = { deterministic: 0, roundTrips: 0, flipsRefused: 0, ownKeyRefused: 0, ons: 0, push: 0 };
      for (const c of v.deterministic_encrypt_for_recipient) {
        const ct = await encryptForRecipient(utf8(c.plaintext_utf8), fromHex(c.sender_ed25519_seed_hex), {
          recipient: c.recipient_session_id,
          deterministic: true,
          provider,
        });
        assert.equal(toHex(ct), c.ciphertext_hex);
        const got = await decryptIncoming(fromHex(c.ciphertext_hex), fromHex(c.recipient_ed25519_seed_hex), {
          provider,
        });
        assert.equal(new TextDecoder().decode(got.plaintext), c.plaintext_utf8);
        assert.equal(toHex(got.senderEd25519), c.sender_ed25519_public_hex);
        counts.deterministic++;
      }
      // The recipient of the random cases is keypairs[1] of identity_keys.json.
      const recipientSeed = fromHex("00112233445566778899aabbccddeeff00000000000000000000000000000000");
      for (const c of v.random_encrypt_roundtrip_cases) {
        const sender = fromHex(c.sender_ed25519_seed_hex);
        const ct = await encryptForRecipient(utf8(c.plaintext_utf8), sender, {
          recipient: c.recipient_session_id,
          rng: seededRng(c.plaintext_utf8),
          provider,
        });
        if (c.expected_ciphertext_length !== undefined) assert.equal(ct.length, c.expected_ciphertext_length);
        const got = await decryptIncoming(ct, recipientSeed, { provider });
        assert.equal(new TextDecoder().decode(got.plaintext), c.plaintext_utf8);
        assert.equal(toHex(got.senderEd25519), toHex(await provider.ed25519PublicKey(sender)));
        counts.roundTrips++;
        await assert.rejects(decryptIncoming(ct, sender, { provider }), rejects("DECRYPT_FAILED"));
        counts.ownKeyRefused++;
        if (c.flip?.must_fail) {
          const tampered = ct.slice();
          tampered[c.flip.byte_index] ^= c.flip.xor;
          await assert.rejects(
            decryptIncoming(tampered, recipientSeed, { provider }),
            (e) => rejects("DECRYPT_FAILED")(e) || rejects("KEY_AGREEMENT_FAILED")(e),
          );
          counts.flipsRefused++;
        }
      }
      for (const c of v.ons_response_decrypt) {
        const id = await decryptOnsResponse(c.name, fromHex(c.ciphertext_hex), {
          nonce: fromHex(c.nonce_hex),
          provider,
        });
        assert.equal(id, c.session_id);
        counts.ons++;
      }
      for (const c of v.push_notification_decrypt) {
        const out = await decryptPushNotification(fromHex(c.payload_hex), fromHex(c.enc_key_hex), { provider });
        assert.equal(new TextDecoder().decode(out), c.plaintext_utf8);
        counts.push++;
      }
      reportCases(`e2ee/session_protocol_encrypt.json [${provider.name}]`, counts);
    }
  },
});

Deno.test({
  name: `blinding.json: 15/25 IDs, blinded signatures, the version-check key and the blinded DM round trip${skip}`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const v = loadVectors("e2ee/blinding.json");
    const secrets: Record<string, Uint8Array> = {
      seed1: fromHex(v.keys.seed1_ed25519_secret64_hex),
      seed2: fromHex(v.keys.seed2_ed25519_secret64_hex),
    };
    for (const provider of providers) {
      const counts = { blind25Ids: 0, blind15Ids: 0, blind25Signatures: 0, blind15Signatures: 0, versionKey: 0, dm: 0 };
      for (const c of v.blind25_ids) {
        const server = fromHex(c.server_pubkey_hex);
        assert.equal(await blind25Id(c.session_id, server, { provider }), c.blinded_id);
        assert.ok(await sessionIdMatchesBlindedId(c.session_id, c.blinded_id, { serverPublicKey: server, provider }));
        counts.blind25Ids++;
      }
      for (const c of v.blind15_ids) {
        const server = fromHex(c.server_pubkey_hex);
        const [positive, negative] = await blind15Ids(c.session_id, server, { provider });
        assert.equal(positive, c.blinded_id);
        const flipped = fromHex(c.blinded_id);
        flipped[32] ^= 0x80;
        assert.equal(negative, toHex(flipped));
        for (const id of [positive, negative]) {
          assert.ok(await sessionIdMatchesBlindedId(c.session_id, id, { serverPublicKey: server, provider }));
        }
        counts.blind15Ids++;
      }
      for (
        const [list, sign, prefix, key] of [
          [v.blind25_signatures, blind25Sign, PREFIX_BLIND25, "blind25Signatures"],
          [v.blind15_signatures, blind15Sign, PREFIX_BLIND15, "blind15Signatures"],
        ] as const
      ) {
        for (const c of list) {
          const serverPublicKey = fromHex(c.server_pubkey_hex);
          const sig = await sign(utf8(c.message_utf8), secrets[c.signer], { serverPublicKey, provider });
          assert.equal(toHex(sig), c.signature_hex);
          const { publicKey } = await blindedKeyPair(secrets[c.signer], prefix, { serverPublicKey, provider });
          assert.ok(ed25519.verify(sig, utf8(c.message_utf8), publicKey), "verifies under kA");
          counts[key]++;
        }
      }
      const vb = v.version_blinding;
      const kp = await versionKeyPair(secrets[vb.signer], { provider });
      assert.equal(toHex(kp.publicKey), vb.public_hex);
      assert.equal(toHex(kp.seed) + toHex(kp.publicKey), vb.secret64_hex);
      const [method, path] = ["GET", "/session_version?platform=desktop"];
      assert.equal(`${vb.sign_timestamp}${method}${path}`, vb.signed_message_utf8);
      const sig = await versionSignRequest(secrets[vb.signer], {
        timestamp: vb.sign_timestamp,
        method,
        path,
        provider,
      });
      assert.equal(toHex(sig), vb.signature_hex);
      assert.equal(
        toHex(await provider.blake2b(secrets[vb.signer].subarray(0, 32), 32, utf8(vb.hash_key_utf8))),
        toHex(kp.seed),
      );
      counts.versionKey++;
      // Blinded DM: a property test upstream (random nonce); both parties decrypt, byte 23 flipped fails.
      const dm = v.blinded_dm_roundtrip;
      const serverPublicKey = fromHex(dm.server_pubkey_hex);
      const senderSeed = fromHex(dm.sender_ed25519_seed_hex), recipientSeed = fromHex(dm.recipient_ed25519_seed_hex);
      assert.equal(
        await sessionIdOfEd25519(await provider.ed25519PublicKey(senderSeed), provider),
        dm.sender_session_id,
      );
      for (const prefix of [PREFIX_BLIND15, PREFIX_BLIND25]) {
        const sender = await blindedIdFromEd25519(await provider.ed25519PublicKey(senderSeed), prefix, {
          serverPublicKey,
          provider,
        });
        const recipient = await blindedIdFromEd25519(await provider.ed25519PublicKey(recipientSeed), prefix, {
          serverPublicKey,
          provider,
        });
        const ct = await encryptForBlindedRecipient(utf8(dm.plaintext_utf8), senderSeed, {
          serverPublicKey,
          recipient,
          rng: seededRng(`dm ${prefix}`),
          provider,
        });
        for (const own of [recipientSeed, senderSeed]) {
          const got = await decryptFromBlindedRecipient(ct, own, { serverPublicKey, sender, recipient, provider });
          assert.equal(new TextDecoder().decode(got.plaintext), dm.plaintext_utf8);
          assert.equal(got.senderSessionId, dm.sender_session_id);
        }
        const tampered = ct.slice();
        tampered[23] ^= 1;
        await assert.rejects(
          decryptFromBlindedRecipient(tampered, recipientSeed, { serverPublicKey, sender, recipient, provider }),
          rejects("DECRYPT_FAILED"),
        );
        counts.dm++;
      }
      reportCases(`e2ee/blinding.json [${provider.name}]`, counts);
    }
  },
});

Deno.test({
  name: `config_encrypt.json: ciphertexts and nonces byte for byte, round trips, every padded size${skip}`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const v = loadVectors("e2ee/config_encrypt.json");
    for (const provider of providers) {
      const counts = { encrypt: 0, exactCiphertexts: 0, paddedSizes: 0 };
      for (const c of v.encrypt) {
        const key = fromHex(c.key_hex);
        const ct = await configEncrypt(utf8(c.plaintext_utf8), key, { domain: c.domain, provider });
        assert.equal(toHex(ct.subarray(ct.length - 24)), c.nonce_hex);
        if (c.ciphertext_hex !== undefined) {
          assert.equal(toHex(ct), c.ciphertext_hex);
          counts.exactCiphertexts++;
        }
        const back = await configDecrypt(ct, key, { domain: c.domain, provider });
        assert.equal(new TextDecoder().decode(back), c.plaintext_utf8);
        await assert.rejects(configDecrypt(ct, key, { domain: c.domain + "x", provider }), rejects("DECRYPT_FAILED"));
        counts.encrypt++;
      }
      for (const [size, overhead, expected] of v.padded_size) {
        assert.equal(configPaddedSize(size, overhead), expected, `padded_size(${size}, ${overhead})`);
        counts.paddedSizes++;
      }
      reportCases(`e2ee/config_encrypt.json [${provider.name}]`, counts);
    }
  },
});
