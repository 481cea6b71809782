import assert from "node:assert/strict";
import { parseCliArgs } from "./cli.ts";

const ED = "ab".repeat(32), X = "cd".repeat(32);

Deno.test("parseCliArgs() reads adapter mode from --impl or from the words after --", () => {
  assert.deepEqual(parseCliArgs(["--impl", "python3 a.py --v"]), {
    mode: "adapter",
    command: ["python3", "a.py", "--v"],
    json: false,
  });
  const c = parseCliArgs(["--seed=9", "--cases", "0", "--json", "--out", "r.json", "--", "deno", "run", "-A", "x.ts"]);
  assert.deepEqual(c, {
    mode: "adapter",
    command: ["deno", "run", "-A", "x.ts"],
    seed: 9,
    cases: 0,
    json: true,
    out: "r.json",
  });
  const k = parseCliArgs([
    "--impl",
    "x",
    "--families",
    "hop, peel",
    "--known-failures",
    "python",
    "--timeout-ms",
    "500",
  ]);
  assert.equal(k.mode, "adapter");
  if (k.mode === "adapter") {
    assert.deepEqual(k.families, ["hop", "peel"]);
    assert.equal(k.knownFailures, "python");
    assert.equal(k.timeoutMs, 500);
  }
  const none = parseCliArgs(["--impl", "x", "--no-known-failures", "--write-known-failures", "k.json"]);
  assert.ok(none.mode === "adapter" && none.knownFailures === null && none.writeKnownFailures === "k.json");
});

Deno.test("parseCliArgs() reads black-box mode", () => {
  const c = parseCliArgs(["--target", "http://127.0.0.1:9000", "--node", `${ED}:${X}`, "--relay", `${X}:${ED}`]);
  assert.deepEqual(c, {
    mode: "blackbox",
    target: "http://127.0.0.1:9000",
    node: { ed25519: ED, x25519: X },
    relay: { ed25519: X, x25519: ED },
    json: false,
  });
});

Deno.test("parseCliArgs() refuses usage errors with a message naming the option", () => {
  const bad: [string[], RegExp][] = [
    [[], /give --impl/],
    [["--impl"], /--impl: it needs a value/],
    [["--impl", "x", "--", "y"], /either with --impl or after --/],
    [["--impl", ""], /command is empty/],
    [["--impl", "x", "--families", "hop,nope"], /"nope" is not one of/],
    [["--impl", "x", "--cases", "-1"], /--cases/],
    [["--impl", "x", "--seed", "1.5"], /--seed/],
    [["--impl", "x", "--frobnicate"], /unknown option "--frobnicate"/],
    [["--impl", "x", "--target", "http://h:1", "--node", `${ED}:${X}`], /two different modes/],
    [["--target", "http://h:1"], /needs both --target and --node/],
    [["--target", "ftp://h", "--node", `${ED}:${X}`], /not http/],
    [["--target", "http://h:1", "--node", ED], /<ed25519 hex>:<x25519 hex>/],
    [["--target", "http://h:1", "--node", `${ED}:${X}`, "--seed", "2"], /--seed is for adapter mode/],
    [["--impl", "x", "--known-failures", "k", "--no-known-failures"], /together/],
    [["--impl", "x", "--impl", "y"], /given twice/],
    [["--impl", "'x"], /unterminated/],
  ];
  for (const [args, why] of bad) assert.throws(() => parseCliArgs(args), why, args.join(" "));
  assert.deepEqual(parseCliArgs(["--impl", "x", "--help"]), { mode: "help" });
});
