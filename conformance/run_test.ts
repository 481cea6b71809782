/** The command line end to end, as `npm run conformance -- …` runs it (a child process). */

import assert from "node:assert/strict";

const RUN = new URL("./run.ts", import.meta.url).pathname;
const ADAPTER = new URL("./adapters/allium/adapter.ts", import.meta.url).pathname;
const BLACKBOX = new URL("./blackbox/mod.ts", import.meta.url);

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", RUN, ...args],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

Deno.test("run.ts exits 0 with a summary for a conforming adapter and writes the JSON report to --out", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await cli(
      "--impl",
      `"${Deno.execPath()}" run -A ${ADAPTER}`,
      "--families",
      "layer,swarm",
      "--cases",
      "2",
      "--out",
      `${dir}/r.json`,
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^layer\s+15\s+0\s+0\s+0\s+0$/m);
    assert.match(r.stdout, /PASSED/);
    const json = JSON.parse(await Deno.readTextFile(`${dir}/r.json`));
    assert.equal(json.passed, true);
    assert.equal(json.meta.implementation, "allium 0.1.0");
    assert.ok(json.results.some((x: { id: string }) => x.id === "swarm/swarm_assign_v1/200"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run.ts exits 1 with every failing id for a broken adapter, and --json prints the report", async () => {
  const r = await cli(
    "--json",
    "--families",
    "hop",
    "--cases",
    "0",
    "--",
    Deno.execPath(),
    "run",
    "-A",
    ADAPTER,
    "--break",
    "kdf",
  );
  assert.equal(r.code, 1, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.equal(json.passed, false);
  const failed = json.results.filter((x: { outcome: string }) => x.outcome === "fail").map((x: { id: string }) => x.id);
  assert.ok(failed.includes("hop/hop_aesgcm_v1/100") && failed.includes("hop/hop_xchacha20_v1/200"));
});

Deno.test("run.ts exits 2 on a usage error, with the usage text", async () => {
  const r = await cli("--families", "hop");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /give --impl/);
  assert.match(r.stderr, /usage:/);
});

const haveBlackBox = await Deno.stat(BLACKBOX).then(() => true, () => false);

Deno.test(
  haveBlackBox
    ? "run.ts hands --target and --node to conformance/blackbox/mod.ts and reports its results"
    : "run.ts says clearly that black-box mode is missing when conformance/blackbox/mod.ts is not there",
  async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const node = `${"ab".repeat(32)}:${"cd".repeat(32)}`;
    const r = await cli("--json", "--timeout-ms", "2000", "--target", `http://127.0.0.1:${port}`, "--node", node);
    if (!haveBlackBox) {
      assert.equal(r.code, 2);
      assert.match(r.stderr, /Cannot run black-box mode: .*conformance\/blackbox\/mod\.ts does not exist/);
      return;
    }
    assert.equal(r.code, 1, "nothing listens there: every check fails");
    const json = JSON.parse(r.stdout);
    assert.equal(json.meta.mode, "blackbox");
    assert.equal(json.meta.implementation, `http://127.0.0.1:${port}`);
    assert.ok(json.results.length > 0 && json.results.every((x: { family: string }) => x.family === "blackbox"));
  },
);
