import assert from "node:assert/strict";
import { fromHex, toHex, utf8 } from "../bytes.ts";
import { isProtocolError } from "../errors.ts";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../_testing/vectors.ts";
import { decodeLayer } from "./codec.ts";
import { isReferenceServerTarget, parseInnerRoute, parseOuterTrailer, readHopNo } from "./routing.ts";

const FILE = "session/inner-request-parsing.json";
const KEY = "ab".repeat(32);

Deno.test({
  name: `parseInnerRoute() classifies every inner-request vector${HAVE_VECTORS ? "" : ` (${SKIP_REASON})`}`,
  ignore: !HAVE_VECTORS,
  fn: () => {
    const v = loadVectors(FILE);
    let passed = 0, rejected = 0, refusedCbc = 0;
    for (const c of [...v.vectors, ...v.spec_derived_vectors]) {
      const run = () => {
        const { blob, json } = decodeLayer(fromHex(c.decrypted_layer ?? ""), "inner layer");
        return { blob, route: parseInnerRoute(json) };
      };
      const e = c.expect;
      if (e.kind === "error") {
        assert.throws(run, (err) => isProtocolError(err), c.name);
        rejected++;
        continue;
      }
      if (e.kind === "relay_to_node" && e.enc_type === "aes-cbc") {
        // Deliberate difference (hardening.md §1): CBC layers are refused, so the relay is too.
        assert.throws(run, (err) => isProtocolError(err, "ONION_INNER_INVALID"), c.name);
        refusedCbc++;
        continue;
      }
      const { blob, route } = run();
      if (e.kind === "final_destination") {
        assert.deepEqual(route, { kind: "deliver", json: e.json, base64: e.base64 }, c.name);
        assert.equal(new TextDecoder().decode(blob), e.body_utf8);
      } else if (e.kind === "relay_to_server") {
        assert.deepEqual(
          route,
          { kind: "server", host: e.host, target: e.target, port: e.port, protocol: e.protocol },
          c.name,
        );
        // The exit node forwards its entire decrypted layer.
        assert.equal(c.decrypted_layer, e.forwarded_payload);
      } else if (e.kind === "relay_to_node") {
        assert.equal(route.kind, "relay", c.name);
        if (route.kind !== "relay") continue;
        assert.equal(route.destination, e.next_node_ed25519);
        assert.equal(toHex(route.ephemeralKey), e.ephemeral_key_x25519);
        assert.equal(route.encType, e.enc_type);
        assert.equal(new TextDecoder().decode(blob), e.ciphertext_utf8);
      } else {
        assert.fail(`unknown expected kind ${e.kind}`);
      }
      passed++;
    }
    let urls = 0;
    for (const c of v.url_target_filter.cases) {
      assert.equal(isReferenceServerTarget(c.target), c.allowed, c.target);
      urls++;
    }
    reportCases(FILE, { passed, rejectedAsRequired: rejected, refusedCbcByDesign: refusedCbc, urlTargets: urls });
  },
});

Deno.test("parseInnerRoute() refuses ambiguous routing only when asked", () => {
  const both = utf8(`{"headers":{},"host":"h","target":"/oxen/v4/lsrpc"}`);
  assert.equal(parseInnerRoute(both).kind, "deliver");
  assert.throws(
    () => parseInnerRoute(both, { rejectAmbiguous: true }),
    (e) => isProtocolError(e, "ONION_INNER_INVALID"),
  );
});

Deno.test("parseInnerRoute() enforces size, depth, duplicate keys and types", () => {
  const bad = [
    `{"headers":"","headers":""}`,
    `{"headers":{"a":{"b":{"c":1}}}}`,
    `{"headers":"","json":"yes"}`,
    `{"host":"h","target":"/oxen/v4/lsrpc","port":1.5}`,
    `{"host":"h","target":"/oxen/v4/lsrpc","port":70000}`,
    `{"host":7,"target":"/x"}`,
    `{"destination":"${KEY}","ephemeral_key":"${KEY}","enc_type":"cbc"}`,
    `{"destination":"${KEY.slice(2)}","ephemeral_key":"${KEY}"}`,
    `[1]`,
    `{"headers":"${"x".repeat(9000)}"}`,
  ];
  for (const text of bad) {
    assert.throws(
      () => parseInnerRoute(utf8(text)),
      (e) => isProtocolError(e, "ONION_INNER_INVALID"),
      text.slice(0, 60),
    );
  }
  assert.equal(parseInnerRoute(utf8(`{"headers":{"a":{"b":1}}}`)).kind, "deliver");
});

Deno.test("parseOuterTrailer() applies the hardening.md §1 rules with one code per class", () => {
  const cases: [string, string][] = [
    ["not json", "ONION_TRAILER"],
    ["[]", "ONION_TRAILER"],
    [`{"ephemeral_key":"${KEY}","x":{}}`, "ONION_TRAILER"],
    [`{"ephemeral_key":"${KEY}","ephemeral_key":"${KEY}"}`, "ONION_TRAILER"],
    [`{"ephemeral_key":"${KEY}","pad":"${"x".repeat(5000)}"}`, "ONION_TRAILER"],
    [`{}`, "ONION_KEY"],
    [`{"ephemeral_key":"${KEY.slice(2)}"}`, "ONION_KEY"],
    [`{"ephemeral_key":"${KEY}ab"}`, "ONION_KEY"],
    [`{"ephemeral_key":"0x${KEY.slice(2)}"}`, "ONION_KEY"],
    [`{"ephemeral_key":"${KEY.slice(1)}g"}`, "ONION_KEY"],
    [`{"ephemeral_key":"${KEY}","enc_type":"aes-cbc"}`, "ONION_ENC_TYPE"],
    [`{"ephemeral_key":"${KEY}","enc_type":"cbc"}`, "ONION_ENC_TYPE"],
    [`{"ephemeral_key":"${KEY}","enc_type":"rot13"}`, "ONION_ENC_TYPE"],
    [`{"ephemeral_key":"${KEY}","enc_type":1}`, "ONION_ENC_TYPE"],
    [`{"ephemeral_key":"${KEY}","hop_no":16}`, "ONION_PATH_TOO_LONG"],
    [`{"ephemeral_key":"${KEY}","hop_no":2147483648}`, "ONION_PATH_TOO_LONG"],
    [`{"ephemeral_key":"${KEY}","hop_no":1.5}`, "ONION_HOP_NO"],
    [`{"ephemeral_key":"${KEY}","hop_no":"1"}`, "ONION_HOP_NO"],
  ];
  for (const [text, code] of cases) {
    assert.throws(
      () => parseOuterTrailer(utf8(text)),
      (e) => isProtocolError(e, code as "ONION_KEY"),
      text.slice(0, 60),
    );
  }
  const ok = parseOuterTrailer(
    utf8(`{"ephemeral_key":"${KEY.toUpperCase()}","enc_type":"xchacha20-poly1305","hop_no":-1,"future":true}`),
  );
  assert.equal(ok.encType, "xchacha20");
  assert.equal(ok.hopNo, 0);
  assert.equal(toHex(ok.ephemeralKey), KEY);
});

Deno.test("readHopNo() clamps negatives and refuses > 15", () => {
  assert.equal(readHopNo(-5), 0);
  assert.equal(readHopNo(15), 15);
  assert.throws(() => readHopNo(16), (e) => isProtocolError(e, "ONION_PATH_TOO_LONG"));
});
