/**
 * Property tests of the onion core (style.md `conformance/property/`; onion-requests.md §1–§4,
 * §6–§7, §9): build then peel is the identity over random paths, ciphers and payloads; any one
 * bit flip is refused with `ProtocolError` and nothing else; codec, strict JSON, replies and v4
 * encodings round-trip; layer sizes depend only on payload length and ciphers.
 *
 * Fixed, printed seed (override with `FC_SEED`), bounded runs (scale with `FC_RUNS_SCALE`) and a
 * time limit per property keep the file under 60 s on 2 cores with the default provider.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  buildOnionRequest,
  type BuiltOnion,
  decodeLayer,
  decodeV4Request,
  decodeV4Response,
  decryptOnionReply,
  defaultProvider,
  deriveHopKey,
  encodeLayer,
  encodeV3Request,
  encodeV4Request,
  encodeV4Response,
  encryptOnionReply,
  type EncType,
  fromBase64,
  fromUtf8,
  hopDecrypt,
  paddedLength,
  parseOuterTrailer,
  parseStrictJson,
  peelOnionLayer,
  ProtocolError,
  type ReplyContext,
  sealReply,
  type ServerRequest,
  StrictJsonError,
  utf8,
  wrapFinalReply,
} from "../../mod.ts";
import { openWithKey } from "../../protocol/onion/hop.ts";
import { seededRng } from "../../protocol/_testing/seeded_rng.ts";
import {
  fillBytes,
  makeNode,
  nodeArb,
  type OnionCase,
  onionCaseArb,
  publicDestination,
  serverArb,
  type TestDestination,
  type TestNode,
  type TestServer,
} from "./arbitraries.ts";

function envNumber(name: string, fallback: number): number {
  try {
    const v = Deno.env.get(name);
    return v === undefined || v === "" ? fallback : Number(v);
  } catch {
    return fallback; // no --allow-env
  }
}

const SEED = envNumber("FC_SEED", 0x0a11c0de);
const SCALE = envNumber("FC_RUNS_SCALE", 1);
console.log(`onion_property_test: fast-check seed ${SEED} (FC_SEED), runs scale ${SCALE} (FC_RUNS_SCALE)`);

const provider = await defaultProvider();

/** Runner parameters: fixed seed, bounded runs, a time box per property. */
function params<T>(numRuns: number, seconds: number): fc.Parameters<T> {
  return {
    seed: SEED,
    numRuns: Math.max(1, Math.round(numRuns * SCALE)),
    plugins: [fc.interruptAfterTimeLimit(seconds * 1000 * Math.max(1, SCALE))],
  };
}

// ---------------------------------------------------------------------------------------------
// Driving an onion through its path
// ---------------------------------------------------------------------------------------------

/** What happened on the way: each relay's next hop, and the final outcome. */
interface Trace {
  relays: { destination: string; hopNo: number; encType: EncType }[];
  final:
    | { kind: "deliver"; payload: Uint8Array; hopNo: number }
    | { kind: "server"; host: string; target: string; port: number; protocol: string; payload: Uint8Array }
    | { kind: "early"; at: number; what: string };
  /** The bytes each stage received (peels, then the server's POST body). */
  received: Uint8Array[];
}

/** The external server's side (onion-requests.md §7): read the layer, decrypt with its key. */
async function serverOpen(server: TestServer, body: Uint8Array): Promise<{ payload: Uint8Array; encType: EncType }> {
  const { blob, json } = decodeLayer(body);
  const t = parseOuterTrailer(json);
  const keys = {
    ourSecret: server.x25519Secret,
    ourPublic: server.x25519Public,
    theirPublic: t.ephemeralKey,
    role: "server" as const,
  };
  return { payload: await hopDecrypt(t.encType, blob, keys, { provider }), encType: t.encType };
}

/** Number of stages: the path's peels, then the destination (a peel or the server's open). */
function stageCount(c: OnionCase): number {
  return c.path.length + 1;
}

/**
 * Feed `input` to stage `from` and follow the onion to its end. Errors propagate.
 *
 * @param c the case (keys of every stage)
 * @param from stage index: 0…path.length-1 path nodes, path.length the destination
 * @param input the bytes that stage receives
 */
async function drive(c: OnionCase, from: number, input: Uint8Array): Promise<Trace> {
  const trace: Trace = { relays: [], final: { kind: "early", at: from, what: "none" }, received: [] };
  let bytes = input;
  for (let stage = from; stage < stageCount(c); stage++) {
    trace.received.push(bytes);
    if (stage === c.path.length && c.destination.kind === "server") {
      const { payload } = await serverOpen(c.destination.server, bytes);
      if (trace.final.kind === "server") {
        trace.final.payload = payload;
      } else {
        // Started at the server itself: no exit result to report host and target.
        trace.final = { kind: "server", host: "", target: "", port: 0, protocol: "", payload };
      }
      return trace;
    }
    const node = stage < c.path.length ? c.path[stage] : (c.destination as { node: TestNode }).node;
    const r = await peelOnionLayer(bytes, node, { provider });
    if (r.kind === "relay") {
      trace.relays.push({ destination: r.destination, hopNo: r.hopNo, encType: r.encType });
      bytes = r.nextRequestBody;
      continue;
    }
    if (r.kind === "server") {
      trace.final = {
        kind: "server",
        host: r.host,
        target: r.target,
        port: r.port,
        protocol: r.protocol,
        payload: new Uint8Array(0),
      };
      bytes = r.forwardBody;
      continue;
    }
    trace.final = stage === c.path.length
      ? { kind: "deliver", payload: r.payload, hopNo: r.hopNo }
      : { kind: "early", at: stage, what: r.kind };
    return trace;
  }
  return trace;
}

async function build(c: OnionCase, seed?: string): Promise<BuiltOnion> {
  return await buildOnionRequest({
    path: c.path.map((n) => ({ ed25519: n.ed25519, x25519: n.x25519 })),
    destination: publicDestination(c.destination),
    payload: c.payload,
    encType: c.ciphers,
    ...(c.hopNo === undefined ? {} : { hopNo: c.hopNo }),
    provider,
    ...(seed === undefined ? {} : { rng: seededRng(seed) }),
  });
}

/** Check a clean trace against the case: exact path, hop numbers, ciphers, payload. */
function assertExactPath(c: OnionCase, trace: Trace): void {
  const start = c.hopNo ?? 0;
  const k = c.path.length;
  const server = c.destination.kind === "server";
  // Every path node but a server destination's exit relays to the next node.
  const relays = server ? k - 1 : k;
  assert.equal(trace.relays.length, relays, "relay count");
  for (let i = 0; i < relays; i++) {
    const next = i + 1 < k ? c.path[i + 1] : (c.destination as { node: TestNode }).node;
    assert.equal(trace.relays[i].destination, next.ed25519.toLowerCase(), `relay ${i} destination`);
    assert.equal(trace.relays[i].hopNo, start + i + 1, `relay ${i} hopNo`);
    assert.equal(trace.relays[i].encType, c.ciphers[i + 1], `relay ${i} enc_type`);
  }
  const f = trace.final;
  if (c.destination.kind === "node") {
    assert.equal(f.kind, "deliver");
    if (f.kind !== "deliver") return;
    assert.equal(f.hopNo, start + k);
    assert.deepEqual(f.payload, c.payload);
  } else {
    const s = c.destination.server;
    assert.equal(f.kind, "server");
    if (f.kind !== "server") return;
    assert.equal(f.host, s.host);
    assert.equal(f.target, s.target);
    assert.equal(f.port, s.port ?? 443);
    assert.equal(f.protocol, s.protocol ?? "https");
    assert.deepEqual(f.payload, c.payload);
  }
}

// ---------------------------------------------------------------------------------------------
// build → peel
// ---------------------------------------------------------------------------------------------

Deno.test("buildOnionRequest() then peelOnionLayer() at every hop gives back the payload and the exact path", async () => {
  let hops = 0, bytes = 0, servers = 0;
  await fc.assert(
    fc.asyncProperty(onionCaseArb(), async (c) => {
      const built = await build(c);
      assert.equal(built.guard.ed25519, c.path[0].ed25519);
      const trace = await drive(c, 0, built.body);
      assertExactPath(c, trace);
      hops += c.path.length;
      bytes += c.payload.length;
      if (c.destination.kind === "server") servers++;
    }),
    params(1200, 15),
  );
  console.log(`  build→peel: ${hops} hops peeled, ${bytes} payload bytes, ${servers} server destinations`);
});

// ---------------------------------------------------------------------------------------------
// Single bit flips
// ---------------------------------------------------------------------------------------------

/** Where a bit sits in a received layer. */
function regionOf(body: Uint8Array, byteIndex: number): "prefix" | "blob" | "trailer" {
  if (byteIndex < 4) return "prefix";
  const n = decodeLayer(body).blob.length;
  return byteIndex < 4 + n ? "blob" : "trailer";
}

/**
 * Flip one bit of the bytes stage `stage` receives and follow the onion. Anything thrown must be
 * a ProtocolError; prefix and blob flips must be refused at that very stage; a trailer flip may
 * be harmless (e.g. hex case, a dropped `hop_no`) but then the payload and path are unchanged.
 */
async function checkFlip(c: OnionCase, clean: Trace, stage: number, bit: number): Promise<string> {
  const original = clean.received[stage];
  const tampered = original.slice();
  tampered[bit >> 3] ^= 1 << (bit & 7);
  const region = regionOf(original, bit >> 3);
  let trace: Trace;
  try {
    trace = await drive(c, stage, tampered);
  } catch (err) {
    if (!(err instanceof ProtocolError)) {
      throw new Error(`stage ${stage} bit ${bit} (${region}): escaped a non-ProtocolError`, { cause: err });
    }
    return `rejected:${region}`;
  }
  assert.notEqual(region, "prefix", `stage ${stage} bit ${bit}: flipped length prefix accepted`);
  assert.notEqual(region, "blob", `stage ${stage} bit ${bit}: flipped ciphertext accepted`);
  const expectedPath = clean.relays.slice(stage).map((r) => r.destination);
  assert.deepEqual(trace.relays.map((r) => r.destination), expectedPath, `stage ${stage} bit ${bit}: path changed`);
  assert.equal(trace.final.kind, clean.final.kind, `stage ${stage} bit ${bit}: outcome changed`);
  const payload = (trace.final as { payload?: Uint8Array }).payload;
  assert.deepEqual(payload, c.payload, `stage ${stage} bit ${bit}: a different payload was accepted`);
  return "harmless:trailer";
}

Deno.test("peelOnionLayer() refuses any single bit flip in any layer with ProtocolError only", async () => {
  const outcomes: Record<string, number> = {};
  const offset = fc.noBias(fc.integer({ min: 0, max: 0x7fffffff }));
  await fc.assert(
    fc.asyncProperty(
      onionCaseArb({ maxHops: 6, maxPayload: 4096 }),
      fc.nat(),
      offset,
      fc.nat(7),
      fc.constantFrom("prefix", "blob", "trailer", "anywhere"),
      async (c, stagePick, at, bitInByte, aim) => {
        const built = await build(c);
        const clean = await drive(c, 0, built.body);
        assertExactPath(c, clean);
        const stage = stagePick % clean.received.length;
        const body = clean.received[stage];
        const n = decodeLayer(body).blob.length;
        const [lo, hi] = aim === "prefix"
          ? [0, 4]
          : aim === "blob"
          ? [4, 4 + n]
          : aim === "trailer"
          ? [4 + n, body.length]
          : [0, body.length];
        const outcome = await checkFlip(c, clean, stage, (lo + (at % (hi - lo))) * 8 + bitInByte);
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      },
    ),
    params(5000, 10),
  );
  console.log(`  random flips: ${JSON.stringify(outcomes)}`);
});

/** Every bit of every stage of one onion. */
async function flipEverything(c: OnionCase, seed: string, outcomes: Record<string, number>): Promise<number> {
  const built = await build(c, seed);
  const clean = await drive(c, 0, built.body);
  assertExactPath(c, clean);
  for (let stage = 0; stage < clean.received.length; stage++) {
    for (let bit = 0; bit < clean.received[stage].length * 8; bit++) {
      const outcome = await checkFlip(c, clean, stage, bit);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
  }
  return clean.received.length;
}

Deno.test("peelOnionLayer() refuses every single bit flip of fixed small onions, every cipher order", async () => {
  const node = (n: number) => makeNode(new Uint8Array(32).fill(n), new Uint8Array(32).fill(0x40 + n));
  const outcomes: Record<string, number> = {};
  let stages = 0;
  const payload = utf8('{"method":"info","params":{}}');
  for (const ciphers of [["aes-gcm", "xchacha20"], ["xchacha20", "aes-gcm"]] as EncType[][]) {
    const c: OnionCase = { path: [node(1)], ciphers, destination: { kind: "node", node: node(2) }, payload, hopNo: 3 };
    stages += await flipEverything(c, `flip-all-${ciphers.join("-")}`, outcomes);
  }
  // Two hops to a v4 server: the exit's forward body is flipped too (the server refuses it).
  const { x25519, x25519Secret, x25519Public } = node(9);
  const server: TestServer = { host: "example.org", target: "/oxen/v4/lsrpc", x25519, x25519Secret, x25519Public };
  const c: OnionCase = {
    path: [node(3), node(4)],
    ciphers: ["xchacha20", "aes-gcm", "xchacha20"],
    destination: { kind: "server", server },
    payload: encodeV4Request({ method: "GET", endpoint: "/room/x" }),
  };
  stages += await flipEverything(c, "flip-all-server", outcomes);
  console.log(`  exhaustive flips: ${JSON.stringify(outcomes)}`);
  assert.equal(outcomes["rejected:prefix"], stages * 32);
  assert.ok((outcomes["rejected:blob"] ?? 0) > 0);
});

// ---------------------------------------------------------------------------------------------
// Codec and strict JSON
// ---------------------------------------------------------------------------------------------

Deno.test("decodeLayer() after encodeLayer() is the identity, and encodeLayer() after decodeLayer()", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 4096, size: "max" }), fc.uint8Array({ maxLength: 512 }), (blob, json) => {
      const layer = encodeLayer(blob, json);
      const d = decodeLayer(layer);
      assert.deepEqual(d.blob, blob);
      assert.deepEqual(d.json, json);
    }),
    params(2000, 3),
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2048, size: "max" }), fc.nat(), (rest, pick) => {
      const n = rest.length === 0 ? 0 : pick % (rest.length + 1);
      const layer = new Uint8Array(4 + rest.length);
      new DataView(layer.buffer).setUint32(0, n, true);
      layer.set(rest, 4);
      const d = decodeLayer(layer);
      assert.equal(d.blob.length, n);
      assert.deepEqual(encodeLayer(d.blob, d.json), layer);
    }),
    params(2000, 3),
  );
});

function depthOf(v: unknown): number {
  if (v === null || typeof v !== "object") return 0;
  const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
  return 1 + children.reduce<number>((m, x) => Math.max(m, depthOf(x)), 0);
}

Deno.test("parseStrictJson() agrees with JSON.parse on JSON.stringify of random values within limits", () => {
  const value = fc.oneof(fc.jsonValue({ maxDepth: 6 }), fc.jsonValue({ maxDepth: 4, stringUnit: "binary" }));
  const space = fc.constantFrom<string | number | undefined>(undefined, 0, 1, 2, "\t", "\r\n");
  fc.assert(
    fc.property(value, space, (v, sp) => {
      const text = JSON.stringify(v, null, sp as string | number);
      const depth = depthOf(JSON.parse(text));
      const limits = { maxLength: text.length, maxDepth: depth };
      const strict = parseStrictJson(text, limits);
      assert.equal(JSON.stringify(strict), JSON.stringify(JSON.parse(text)));
      if (depth > 0) assert.throws(() => parseStrictJson(text, { ...limits, maxDepth: depth - 1 }), StrictJsonError);
      assert.throws(() => parseStrictJson(text, { ...limits, maxLength: text.length - 1 }), StrictJsonError);
    }),
    params(3000, 4),
  );
});

Deno.test("parseStrictJson() refuses a duplicated key that JSON.parse would silently accept", () => {
  const obj = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 5 });
  fc.assert(
    fc.property(obj, fc.nat(), fc.jsonValue({ maxDepth: 1 }), (o, pick, extra) => {
      const keys = Object.keys(o);
      const key = keys[pick % keys.length];
      const text = JSON.stringify(o).slice(0, -1) + `,${JSON.stringify(key)}:${JSON.stringify(extra)}}`;
      JSON.parse(text); // accepted there, last value wins
      assert.throws(() => parseStrictJson(text, { maxLength: text.length, maxDepth: 8 }), /duplicate key/);
    }),
    params(2000, 3),
  );
});

// ---------------------------------------------------------------------------------------------
// Replies and v4
// ---------------------------------------------------------------------------------------------

/** A body text: JSON produced by a handler, or any text. */
const replyBodyArb = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => ({ body: JSON.stringify(v), bodyIsJson: true })),
  fc.string({ unit: "binary", maxLength: 200 }).map((s) => ({ body: s, bodyIsJson: false })),
  fc.string({ maxLength: 50 }).map((s) => ({ body: s, bodyIsJson: true })).filter(({ body }) => isJson(body)),
);

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

Deno.test("encryptOnionReply() then decryptOnionReply() round-trips for node destinations, every flag", async () => {
  const counts: Record<string, number> = {};
  await fc.assert(
    fc.asyncProperty(
      onionCaseArb({ maxHops: 3, maxPayload: 256, destination: nodeArb.map((node) => ({ kind: "node", node })) }),
      fc.integer({ min: 100, max: 599 }),
      replyBodyArb,
      fc.boolean(),
      fc.boolean(),
      fc.boolean(),
      async (c, status, { body, bodyIsJson }, json, base64, pad) => {
        const built = await build(c);
        let bytes = built.body;
        let r = await peelOnionLayer(bytes, c.path[0], { provider });
        for (let i = 1; r.kind === "relay"; i++) {
          bytes = r.nextRequestBody;
          r = await peelOnionLayer(bytes, i < c.path.length ? c.path[i] : (c.destination as { node: TestNode }).node, {
            provider,
          });
        }
        assert.equal(r.kind, "deliver");
        if (r.kind !== "deliver") return;
        const ctx: ReplyContext = { ...r.reply, json, base64 };
        const answer = await encryptOnionReply(ctx, { status, body, bodyIsJson }, { provider, pad });
        const plainText = wrapFinalReply({ status, body, bodyIsJson }, json);
        const plainLen = utf8(plainText).length;
        const overhead = ctx.encType === "aes-gcm" ? 28 : 40;
        const sealedLen = (pad ? paddedLength(plainLen) : plainLen) + overhead;
        const key = `json=${json} base64=${base64} pad=${pad}`;
        counts[key] = (counts[key] ?? 0) + 1;
        if (!base64) {
          // decryptOnionReply() reads base64 node replies only (the builder never asks for raw
          // ones); open the raw reply with the kept key instead.
          assert.equal(answer.length, sealedLen);
          const opened = await openWithKey(provider, built.reply.encType, built.reply.key.bytes(), answer);
          assert.equal(fromUtf8(opened).trimEnd(), plainText);
          return;
        }
        assert.equal(answer.length, Math.ceil(sealedLen / 3) * 4);
        assert.equal(fromBase64(fromUtf8(answer)).length, sealedLen);
        const res = await decryptOnionReply(built.reply, answer, { provider });
        assert.equal(res.status, status);
        if (json && bodyIsJson) {
          const parsed = JSON.parse(body);
          if (typeof parsed === "string") {
            // An embedded JSON string is indistinguishable from a string body (onion-requests.md §6).
            assert.deepEqual(res.body, utf8(parsed));
            assert.deepEqual(res.json, tryJson(parsed));
          } else {
            assert.deepEqual(res.body, utf8(JSON.stringify(parsed)));
            assert.deepEqual(res.json, parsed);
          }
        } else {
          assert.deepEqual(res.body, utf8(body));
          assert.deepEqual(res.json, tryJson(body));
        }
      },
    ),
    params(500, 6),
  );
  console.log(`  reply flags: ${JSON.stringify(counts)}`);
});

const headerNameArb = fc.string({ minLength: 1, maxLength: 20 }).filter((k) =>
  k !== "__proto__" && k.toLowerCase() !== "__proto__"
);
const headersArb = fc.dictionary(headerNameArb, fc.string({ maxLength: 40 }), { maxKeys: 6, noNullPrototype: true });

const v4RequestArb: fc.Arbitrary<ServerRequest> = fc.record({
  method: fc.oneof(fc.constantFrom("GET", "POST", "PUT", "DELETE"), fc.string({ minLength: 1, maxLength: 10 })),
  endpoint: fc.string({ maxLength: 60 }).map((s) => "/" + s),
  headers: fc.option(headersArb, { nil: undefined }),
  body: fc.option(fc.uint8Array({ maxLength: 300 }), { nil: undefined }),
}).map((r) => {
  const out: ServerRequest = { method: r.method, endpoint: r.endpoint };
  if (r.headers !== undefined) out.headers = r.headers;
  if (r.body !== undefined) out.body = r.body;
  return out;
});

function expectedResponseHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    if (name !== "content-length") out[name] = v;
  }
  return out;
}

Deno.test("decodeV4Request() and decodeV4Response() invert the encoders", () => {
  fc.assert(
    fc.property(v4RequestArb, (req) => {
      const back = decodeV4Request(encodeV4Request(req));
      assert.equal(back.method, req.method);
      assert.equal(back.endpoint, req.endpoint);
      assert.deepEqual(back.headers, { ...(req.headers ?? {}) });
      assert.deepEqual(back.body, req.body);
    }),
    params(1000, 3),
  );
  fc.assert(
    fc.property(
      fc.integer({ min: -1e9, max: 1e9 }),
      headersArb,
      fc.uint8Array({ maxLength: 600 }),
      (status, headers, body) => {
        const back = decodeV4Response(encodeV4Response({ status, headers, body }));
        assert.equal(back.status, status);
        assert.deepEqual(back.headers, expectedResponseHeaders(headers));
        assert.deepEqual(back.body, body);
      },
    ),
    params(1000, 3),
  );
});

Deno.test("decryptOnionReply() reads v3 and v4 server answers through a whole onion", async () => {
  let v3 = 0, v4 = 0;
  await fc.assert(
    fc.asyncProperty(
      onionCaseArb({
        maxHops: 3,
        maxPayload: 16,
        destination: serverArb.map((server) => ({ kind: "server", server })),
      }),
      v4RequestArb,
      fc.integer({ min: 100, max: 599 }),
      headersArb,
      fc.uint8Array({ maxLength: 2000 }),
      async (c, req, status, headers, resBody) => {
        const server = (c.destination as { server: TestServer }).server;
        const isV4 = server.target.includes("/v4/");
        c.payload = isV4 ? encodeV4Request(req) : encodeV3Request({ ...req, body: undefined });
        const built = await build(c);
        const trace = await drive(c, 0, built.body);
        assertExactPath(c, trace);
        // The server: read the layer, decode the request, answer with the layer's key (server role).
        const forward = trace.received[trace.received.length - 1];
        const { blob, json } = decodeLayer(forward);
        const t = parseOuterTrailer(json);
        const keys = { ourSecret: server.x25519Secret, ourPublic: server.x25519Public, theirPublic: t.ephemeralKey };
        const payload = await hopDecrypt(t.encType, blob, { ...keys, role: "server" }, { provider });
        const key = await deriveHopKey(t.encType, { ...keys, role: "server" }, { provider });
        if (isV4) {
          v4++;
          const got = decodeV4Request(payload);
          assert.equal(got.endpoint, req.endpoint);
          assert.deepEqual(got.body, req.body);
          const answer = await sealReply(
            { encType: t.encType, key, json: false, base64: false },
            encodeV4Response({ status, headers, body: resBody }),
            { provider },
          );
          const res = await decryptOnionReply(built.reply, answer, { provider });
          assert.equal(res.status, status);
          assert.deepEqual(res.headers, expectedResponseHeaders(headers));
          assert.deepEqual(res.body, resBody);
        } else {
          v3++;
          assert.equal(JSON.parse(fromUtf8(payload)).endpoint, req.endpoint);
          const answer = await sealReply({ encType: t.encType, key, json: false, base64: true }, resBody, { provider });
          const res = await decryptOnionReply(built.reply, answer, { provider });
          assert.deepEqual(res.body, resBody);
          let expected = 200;
          const parsed = tryJsonBytes(resBody);
          const code = (parsed as { status_code?: unknown; status?: unknown } | null)?.status_code ??
            (parsed as { status?: unknown } | null)?.status;
          if (Number.isInteger(code) && Object.keys(parsed as object).length === 1) expected = code as number;
          assert.equal(res.status, expected);
        }
      },
    ),
    params(300, 6),
  );
  console.log(`  server answers: v3 ${v3}, v4 ${v4}`);
});

function tryJsonBytes(b: Uint8Array): unknown {
  try {
    return JSON.parse(fromUtf8(b));
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Sizes
// ---------------------------------------------------------------------------------------------

const OVERHEAD: Record<EncType, number> = { "aes-gcm": 28, "xchacha20": 40 };
const KEY_HEX = "0".repeat(64);

/** Byte length of the routing JSON the builder writes for the destination (onion-requests.md §9). */
function destinationRouteLength(d: TestDestination, enc: EncType): number {
  if (d.kind === "node") {
    return utf8(`{"destination":"${KEY_HEX}","enc_type":"${enc}","ephemeral_key":"${KEY_HEX}"}`).length;
  }
  const s = d.server;
  return utf8(
    `{"enc_type":"${enc}","ephemeral_key":"${KEY_HEX}","host":${JSON.stringify(s.host)},"method":${
      JSON.stringify(s.method ?? "POST")
    },"port":${s.port ?? 443},"protocol":"${s.protocol ?? "https"}","target":${JSON.stringify(s.target)}}`,
  ).length;
}

/** Expected size of what every stage receives, from payload length and ciphers only. */
function expectedSizes(c: OnionCase): number[] {
  const k = c.path.length;
  const nodeRoute = (enc: EncType) =>
    utf8(`{"destination":"${KEY_HEX}","enc_type":"${enc}","ephemeral_key":"${KEY_HEX}"}`).length;
  const trailer = (enc: EncType, hop: number | undefined) =>
    utf8(`{"enc_type":"${enc}","ephemeral_key":"${KEY_HEX}"${hop === undefined ? "" : `,"hop_no":${hop}`}}`).length;
  const blobs: number[] = new Array(k + 1);
  const destPlain = c.destination.kind === "node" ? 4 + c.payload.length + '{"headers":""}'.length : c.payload.length;
  blobs[k] = destPlain + OVERHEAD[c.ciphers[k]];
  for (let i = k - 1; i >= 0; i--) {
    const route = i + 1 < k ? nodeRoute(c.ciphers[i + 1]) : destinationRouteLength(c.destination, c.ciphers[k]);
    blobs[i] = 4 + blobs[i + 1] + route + OVERHEAD[c.ciphers[i]];
  }
  const start = c.hopNo ?? 0;
  const sizes = [4 + blobs[0] + trailer(c.ciphers[0], c.hopNo)];
  for (let j = 1; j < k; j++) sizes.push(4 + blobs[j] + trailer(c.ciphers[j], start + j));
  sizes.push(
    c.destination.kind === "node"
      ? 4 + blobs[k] + trailer(c.ciphers[k], start + k)
      : 4 + blobs[k] + destinationRouteLength(c.destination, c.ciphers[k]),
  );
  return sizes;
}

Deno.test("buildOnionRequest() layer sizes depend only on payload length and ciphers, not on keys or position", async () => {
  await fc.assert(
    fc.asyncProperty(
      onionCaseArb({ maxPayload: 20_000 }),
      fc.array(nodeArb, { minLength: 16, maxLength: 16 }),
      fc.integer(),
      async (c, others, fill) => {
        const trace = await drive(c, 0, (await build(c)).body);
        const sizes = trace.received.map((b) => b.length);
        assert.deepEqual(sizes, expectedSizes(c));
        // A sibling: same shape, different nodes, keys and payload bytes → the same sizes.
        const sibling: OnionCase = {
          ...c,
          path: c.path.map((_, i) => others[i]),
          destination: c.destination.kind === "node" ? { kind: "node", node: others[15] } : c.destination,
          payload: fillBytes(c.payload.length, fill),
        };
        const siblingTrace = await drive(sibling, 0, (await build(sibling)).body);
        assert.deepEqual(siblingTrace.received.map((b) => b.length), sizes);
        // Blob sizes (what a hop forwards, minus the trailer) are identical at every position for
        // every hop_no: the trailer differs only by the decimal digits of hop_no.
        for (let j = 1; j < trace.received.length; j++) {
          assert.equal(decodeLayer(trace.received[j]).blob.length, decodeLayer(siblingTrace.received[j]).blob.length);
        }
      },
    ),
    params(300, 8),
  );
});
