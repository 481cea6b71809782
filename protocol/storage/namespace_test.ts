import assert from "node:assert/strict";
import { HAVE_VECTORS, loadVectors, reportCases, SKIP_REASON } from "../_testing/vectors.ts";
import {
  checkNamespace,
  namespaceOrAllText,
  namespaceRules,
  namespaceText,
  RETRIEVE_MAX_SIZE,
  retrieveMaxSize,
} from "./namespace.ts";

const FILE = "session/storage-namespaces.json";

Deno.test({
  name: `namespaceRules() and namespaceText() match every classification vector${
    HAVE_VECTORS ? "" : ` (${SKIP_REASON})`
  }`,
  ignore: !HAVE_VECTORS,
  fn() {
    const v = loadVectors(FILE);
    let passed = 0;
    for (const c of v.classification) {
      assert.deepEqual(namespaceRules(c.namespace), {
        publicInbox: c.public_inbox,
        publicOutbox: c.public_outbox,
        noauthRetrieve: c.noauth_retrieve,
        unrevocable: c.unrevocable,
      }, `namespace ${c.namespace}`);
      assert.deepEqual(namespaceText(c.namespace), c.sig_component, `sig component of ${c.namespace}`);
      assert.deepEqual(namespaceText(c.namespace), c.hash_component, `hash component of ${c.namespace}`);
      passed++;
    }
    let allStyle = 0;
    for (const c of v.signature_namespace_component_for_delete_all_style) {
      assert.deepEqual(namespaceOrAllText(c.namespace), c.component, `namespace ${c.namespace}`);
      allStyle++;
    }
    let sizes = 0;
    assert.deepEqual(v.retrieve_max_size.RETRIEVE_MAX_SIZE, RETRIEVE_MAX_SIZE);
    for (const c of v.retrieve_max_size.cases) {
      assert.deepEqual(
        retrieveMaxSize({ maxCount: c.max_count, maxSize: c.max_size }),
        c.effective_max_size,
        JSON.stringify(c),
      );
      sizes++;
    }
    reportCases(FILE, { classification: passed, all_style: allStyle, retrieve_max_size: sizes });
  },
});

Deno.test("checkNamespace() rejects values outside the signed 16-bit range and non-integers", () => {
  assert.deepEqual(checkNamespace(-32768), -32768);
  assert.deepEqual(checkNamespace(32767), 32767);
  for (const bad of [32768, -32769, 1.5, NaN, Infinity]) assert.throws(() => checkNamespace(bad), RangeError);
  assert.throws(() => checkNamespace("1" as unknown as number), {
    name: "TypeError",
    message: "Cannot use namespace: not a number",
  });
});

Deno.test('namespaceOrAllText() rejects strings other than "all"', () => {
  assert.throws(() => namespaceOrAllText("ALL" as "all"), {
    name: "TypeError",
    message: 'Cannot use namespace: "ALL" is neither a number nor "all"',
  });
  assert.throws(() => namespaceOrAllText(40000), RangeError);
});

Deno.test("retrieveMaxSize() rejects limits that are not safe integers", () => {
  assert.throws(() => retrieveMaxSize({ maxSize: 1.5 }), {
    name: "RangeError",
    message: 'Cannot compute retrieve size: max_size "1.5" is not a safe integer',
  });
  assert.throws(() => retrieveMaxSize({ maxCount: "5" as unknown as number }), {
    name: "TypeError",
    message: "Cannot compute retrieve size: max_count is not a number",
  });
  assert.deepEqual(retrieveMaxSize({ maxSize: -1_000_000_000 }), 0);
});
