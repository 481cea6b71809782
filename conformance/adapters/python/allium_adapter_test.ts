/**
 * The conformance runner against the Python example adapter: every test it supports passes, and
 * the only unsupported family is `peel` (the one operation it leaves out). Needs a Python 3 with
 * PyNaCl and pyca/cryptography (Debian: python3-nacl, python3-cryptography); without them the
 * test is skipped with the reason in its name — except under CI=true, where it fails.
 */

import assert from "node:assert/strict";
import process from "node:process";
import { runAdapterSuite } from "../../runner/adapter_run.ts";
import { FAMILIES } from "../../runner/protocol.ts";

const ADAPTER = new URL("./allium_adapter.py", import.meta.url).pathname;
/** Interpreters tried in order: the one on PATH, then Debian's (where apt installs python3-nacl). */
const CANDIDATES = ["python3", "/usr/bin/python3"];
/** Property cases per family in this test. */
const CASES = 10;

async function findPython(): Promise<string | undefined> {
  for (const python of CANDIDATES) {
    try {
      const { success } = await new Deno.Command(python, {
        args: ["-c", "import nacl.bindings, nacl.signing, cryptography.hazmat.primitives.ciphers.aead"],
        stdout: "null",
        stderr: "null",
      }).output();
      if (success) return python;
    } catch {
      // not installed
    }
  }
  return undefined;
}

const python = await findPython();
const CI = process.env.CI === "true";
const SKIPPED = python === undefined && !CI
  ? ` (skipped: no python3 with nacl and cryptography; install python3-nacl python3-cryptography)`
  : "";

Deno.test({
  name: `the Python adapter passes every test it supports and leaves only peel unsupported${SKIPPED}`,
  ignore: python === undefined && !CI,
  fn: async () => {
    assert.ok(
      python !== undefined,
      "CI=true needs a python3 with nacl and cryptography: apt-get install -y python3-nacl python3-cryptography",
    );
    const report = await runAdapterSuite({ command: [python, ADAPTER], cases: CASES, knownFailures: null });
    const failed = report.results.filter((r) => r.outcome !== "pass" && r.outcome !== "unsupported");
    assert.deepEqual(failed, [], "no failures");
    const unsupported = new Set(report.results.filter((r) => r.outcome === "unsupported").map((r) => r.family));
    assert.deepEqual([...unsupported], ["peel"]);
    for (const family of FAMILIES.filter((f) => f !== "peel")) {
      assert.ok(report.results.some((r) => r.family === family && r.outcome === "pass"), `${family} passes`);
    }
    const passed = report.results.filter((r) => r.outcome === "pass").length;
    console.log(`python adapter (${python}): ${passed} passed, ${report.results.length - passed} unsupported`);
  },
});
