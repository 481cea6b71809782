import assert from "node:assert/strict";
import { fromHex, toHex, utf8 } from "../bytes.ts";
import { isProtocolError } from "../errors.ts";
import { allProviders } from "../crypto/default.ts";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../_testing/vectors.ts";
import { scriptedRng } from "../_testing/seeded_rng.ts";
import { deriveHopKey, hopDecrypt, hopEncrypt, type HopKeys, type HopRole, minBlobBytes } from "./hop.ts";
import type { EncType } from "./enc_type.ts";

const FILE = "session/hop-encryption.json";

/** HopKeys from a vector's hex fields: our secret and public key, their public key, our role. */
function hexKeys(ourSecret: string, ourPublic: string, theirPublic: string, role: HopRole): HopKeys {
  return { ourSecret: fromHex(ourSecret), ourPublic: fromHex(ourPublic), theirPublic: fromHex(theirPublic), role };
}
const providers = await allProviders();

Deno.test({
  name: `hopDecrypt() opens every upstream vector and refuses every broken one, every provider${
    HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
  }`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const v = loadVectors(FILE);
    for (const provider of providers) {
      let passed = 0, rejected = 0;
      for (const c of v.decrypt_vectors) {
        const keys: HopKeys = hexKeys(
          c.decryptor_x25519_sec,
          c.decryptor_x25519_pub,
          c.sender_x25519_pub,
          c.decryptor_role,
        );
        const out = await hopDecrypt(c.enc_type, fromHex(c.ciphertext), keys, { provider });
        assert.equal(toHex(out), c.plaintext, `${provider.name}: ${c.name}`);
        passed++;
      }
      for (const c of v.decrypt_must_fail) {
        const keys: HopKeys = hexKeys(
          c.decryptor_x25519_sec,
          c.decryptor_x25519_pub,
          c.sender_x25519_pub,
          c.decryptor_role,
        );
        await assert.rejects(
          hopDecrypt(c.enc_type, fromHex(c.ciphertext), keys, { provider }),
          (e) => isProtocolError(e, "ONION_AUTH_FAILED"),
          `${provider.name}: ${c.name}`,
        );
        rejected++;
      }
      reportCases(`${FILE} decrypt [${provider.name}]`, { passed, rejectedAsRequired: rejected });
    }
  },
});

Deno.test({
  name: `deriveHopKey() matches the derived_keys vectors for both roles, every provider${
    HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
  }`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const v = loadVectors(FILE);
    for (const provider of providers) {
      let passed = 0;
      for (const c of v.derived_keys) {
        const client: HopKeys = hexKeys(c.client_x25519_sec, c.client_x25519_pub, c.server_x25519_pub, "client");
        const server: HopKeys = hexKeys(c.server_x25519_sec, c.server_x25519_pub, c.client_x25519_pub, "server");
        assert.equal(toHex(await provider.x25519(client.ourSecret, client.theirPublic)), c.x25519_shared_secret);
        for (const keys of [client, server]) {
          assert.equal(toHex((await deriveHopKey("aes-gcm", keys, { provider })).bytes()), c.aes_gcm_key);
          assert.equal(
            toHex((await deriveHopKey("xchacha20", keys, { provider })).bytes()),
            c.xchacha20_key_client_to_server,
          );
        }
        const swapped = { ...client, role: "server" as const };
        assert.equal(
          toHex((await deriveHopKey("xchacha20", swapped, { provider })).bytes()),
          c.xchacha20_key_if_roles_swapped,
        );
        passed++;
      }
      reportCases(`${FILE} derived_keys [${provider.name}]`, { passed });
    }
  },
});

Deno.test({
  name: `hopEncrypt() reproduces the fixed-nonce ciphertexts and refuses aes-cbc, every provider${
    HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
  }`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const v = loadVectors(FILE);
    for (const provider of providers) {
      let passed = 0, refused = 0;
      for (const c of v.fixed_nonce_vectors) {
        const keys: HopKeys = hexKeys(c.sender_x25519_sec, c.sender_x25519_pub, c.recipient_x25519_pub, "client");
        const nonce = fromHex(c.nonce);
        if (c.enc_type === "aes-cbc") {
          // Deliberate difference (hardening.md §1): CBC is unauthenticated and refused.
          await assert.rejects(
            hopEncrypt(c.enc_type, fromHex(c.plaintext), keys, { provider, rng: scriptedRng([nonce]) }),
            (e) => isProtocolError(e, "ONION_ENC_TYPE") && /not supported/.test((e as Error).message),
          );
          refused++;
          continue;
        }
        const out = await hopEncrypt(c.enc_type, fromHex(c.plaintext), keys, { provider, rng: scriptedRng([nonce]) });
        assert.equal(toHex(out), c.ciphertext, `${provider.name}: ${c.name}`);
        const back = await hopDecrypt(
          c.enc_type,
          out,
          hexKeys(c.recipient_x25519_sec, c.recipient_x25519_pub, c.sender_x25519_pub, "server"),
          { provider },
        );
        assert.equal(toHex(back), c.plaintext);
        passed++;
      }
      reportCases(`${FILE} fixed_nonce [${provider.name}]`, { passed, refusedCbc: refused });
    }
  },
});

Deno.test({
  name: `hopEncrypt() sizes and the xchacha20 role matrix match the vectors, every provider${
    HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
  }`,
  ignore: !HAVE_VECTORS,
  fn: async () => {
    const v = loadVectors(FILE).roundtrip_size_vectors;
    const party = (name: "alice" | "bob") => ({ sec: fromHex(v[name].x25519_sec), pub: fromHex(v[name].x25519_pub) });
    const plaintext = utf8(v.plaintext_utf8);
    for (const provider of providers) {
      let passed = 0, refused = 0;
      for (const c of v.cases) {
        const a = party("alice"), b = party("bob");
        const keys: HopKeys = { ourSecret: a.sec, ourPublic: a.pub, theirPublic: b.pub, role: "client" };
        if (c.enc_type === "aes-cbc") {
          await assert.rejects(
            hopEncrypt(c.enc_type, plaintext, keys, { provider }),
            (e) => isProtocolError(e, "ONION_ENC_TYPE"),
          );
          refused++;
          continue;
        }
        const out = await hopEncrypt(c.enc_type as EncType, plaintext, keys, { provider });
        assert.equal(out.length, c.ciphertext_len);
        passed++;
      }
      for (const c of v.xchacha20_role_cases) {
        const e = party(c.encryptor), d = party(c.decryptor);
        const blob = await hopEncrypt("xchacha20", plaintext, {
          ourSecret: e.sec,
          ourPublic: e.pub,
          theirPublic: d.pub,
          role: c.encryptor_role,
        }, { provider });
        const open = hopDecrypt("xchacha20", blob, {
          ourSecret: d.sec,
          ourPublic: d.pub,
          theirPublic: e.pub,
          role: c.decryptor_role,
        }, {
          provider,
        });
        if (c.expect === "ok") assert.deepEqual(await open, plaintext);
        else await assert.rejects(open, (err) => isProtocolError(err, "ONION_AUTH_FAILED"));
        passed++;
      }
      reportCases(`${FILE} roundtrip [${provider.name}]`, { passed, refusedCbc: refused });
    }
  },
});

Deno.test("hopDecrypt() refuses blobs shorter than nonce + tag, before any key agreement", async () => {
  const keys: HopKeys = {
    ourSecret: new Uint8Array(32).fill(1),
    ourPublic: new Uint8Array(32),
    theirPublic: new Uint8Array(32).fill(9),
    role: "server",
  };
  for (const enc of ["aes-gcm", "xchacha20"] as const) {
    await assert.rejects(
      hopDecrypt(enc, new Uint8Array(minBlobBytes(enc) - 1), keys),
      (e) => isProtocolError(e, "ONION_AUTH_FAILED"),
    );
  }
});

Deno.test("hopDecrypt() maps a low-order peer key to ONION_AUTH_FAILED", async () => {
  const keys: HopKeys = {
    ourSecret: new Uint8Array(32).fill(1),
    ourPublic: new Uint8Array(32),
    theirPublic: new Uint8Array(32),
    role: "server",
  };
  for (const provider of providers) {
    await assert.rejects(
      hopDecrypt("aes-gcm", new Uint8Array(64), keys, { provider }),
      (e) => isProtocolError(e, "ONION_AUTH_FAILED"),
    );
  }
});

Deno.test("hopEncrypt() checks key lengths and the role", async () => {
  const good: HopKeys = {
    ourSecret: new Uint8Array(32).fill(1),
    ourPublic: new Uint8Array(32),
    theirPublic: new Uint8Array(32).fill(9),
    role: "client",
  };
  await assert.rejects(
    hopEncrypt("aes-gcm", new Uint8Array(1), { ...good, ourSecret: new Uint8Array(31) }),
    RangeError,
  );
  await assert.rejects(hopEncrypt("aes-gcm", new Uint8Array(1), { ...good, role: "peer" as "client" }), TypeError);
  await assert.rejects(
    hopEncrypt("rot13" as EncType, new Uint8Array(1), good),
    (e) => isProtocolError(e, "ONION_ENC_TYPE"),
  );
});
