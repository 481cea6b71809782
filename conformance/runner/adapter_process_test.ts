import assert from "node:assert/strict";
import { AdapterFailure, AdapterProcess } from "./adapter_process.ts";
import { PROTOCOL_VERSION } from "./protocol.ts";

/** A Deno one-liner adapter: answers hello, then runs `body` for each later request line `req`. */
function fake(body: string, hello = `{ protocol: "${PROTOCOL_VERSION}", name: "fake", operations: ["layer.decode"] }`) {
  const script = `
    const out = (o) => Deno.stdout.writeSync(new TextEncoder().encode((typeof o === "string" ? o : JSON.stringify(o)) + "\\n"));
    let buf = "";
    for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf("\\n")) >= 0) {
        const req = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (req.op === "hello") { out({ id: req.id, result: ${hello} }); continue; }
        ${body}
      }
    }`;
  return [Deno.execPath(), "eval", script];
}

async function failure(p: Promise<unknown>): Promise<AdapterFailure> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AdapterFailure) return e;
    throw e;
  }
  assert.fail("expected an AdapterFailure");
}

Deno.test("AdapterProcess.call() returns results, refusals and unsupported answers", async () => {
  const a = await AdapterProcess.start(
    fake(`
      if (req.args.n === 1) out({ id: req.id, result: { ok: true } });
      else if (req.args.n === 2) out({ id: req.id, error: { class: "ONION_FRAMING", message: "short" } });
      else out({ id: req.id, unsupported: "not today" });`),
  );
  try {
    assert.deepEqual(a.hello.operations, ["layer.decode"]);
    assert.deepEqual(await a.call("layer.decode", { n: 1 }), { kind: "result", value: { ok: true } });
    assert.deepEqual(await a.call("layer.decode", { n: 2 }), {
      kind: "error",
      errorClass: "ONION_FRAMING",
      message: "short",
    });
    assert.deepEqual(await a.call("layer.decode", { n: 3 }), { kind: "unsupported", reason: "not today" });
  } finally {
    await a.close();
  }
});

Deno.test("AdapterProcess.call() reports a crash with the exit code and the end of stderr", async () => {
  const a = await AdapterProcess.start(fake(`console.error("boom: index out of range"); Deno.exit(3);`));
  const e = await failure(a.call("layer.decode", {}));
  assert.equal(e.kind, "crash");
  assert.match(e.message, /exited with code 3 while answering layer\.decode/);
  assert.match(e.message, /boom: index out of range/);
  assert.ok(a.dead);
  assert.equal((await failure(a.call("layer.decode", {}))).kind, "crash");
});

Deno.test("AdapterProcess.call() gives up on an adapter that does not answer in time and kills it", async () => {
  const a = await AdapterProcess.start(fake(`/* never answers */`), { timeoutMs: 300 });
  const started = performance.now();
  const e = await failure(a.call("layer.decode", {}));
  assert.equal(e.kind, "hang");
  assert.match(e.message, /did not answer layer\.decode within 300 ms/);
  assert.ok(performance.now() - started < 5_000);
});

Deno.test("AdapterProcess.call() refuses an answer with the wrong id or that is not JSON", async () => {
  const wrongId = await AdapterProcess.start(fake(`out({ id: 77, result: {} });`));
  const e1 = await failure(wrongId.call("layer.decode", {}));
  assert.equal(e1.kind, "protocol");
  assert.match(e1.message, /id 77, expected 1/);
  const garbage = await AdapterProcess.start(fake(`out("DEBUG: decoding");`));
  assert.match((await failure(garbage.call("layer.decode", {}))).message, /not JSON: "DEBUG: decoding"/);
});

Deno.test("AdapterProcess.start() fails clearly for a missing program, a wrong protocol and a silent adapter", async () => {
  const missing = await failure(AdapterProcess.start(["/nonexistent/adapter-binary"]));
  assert.equal(missing.kind, "start");
  assert.match(missing.message, /Cannot start adapter "\/nonexistent\/adapter-binary"/);
  const old = await failure(
    AdapterProcess.start(fake("", `{ protocol: "allium-conformance/0", name: "x", operations: [] }`)),
  );
  assert.match(old.message, /speaks "allium-conformance\/0"/);
  const silent = await failure(
    AdapterProcess.start([Deno.execPath(), "eval", "await new Promise((r) => setTimeout(r, 60000))"], {
      startTimeoutMs: 300,
    }),
  );
  assert.equal(silent.kind, "start");
  assert.match(silent.message, /did not answer hello within 300 ms/);
});
