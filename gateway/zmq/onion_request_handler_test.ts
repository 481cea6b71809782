import assert from "node:assert/strict";
import { bencode, type BValue, decodeLayer, parseOuterTrailer, utf8 } from "../../mod.ts";
import {
  deliverBody,
  type FakeForwarder,
  makeGateway,
  NEXT,
  readEncrypted,
  relayBody,
  text,
  trailerOf,
  UNKNOWN,
} from "../_testing/fixtures.ts";
import { ReplayFilter } from "../replay/replay_filter.ts";
import { INVALID_CIPHERTEXT, NEXT_NODE_NOT_FOUND_PREFIX, PATH_TOO_LONG, REQUEST_TIMED_OUT } from "../responses.ts";
import { INVALID_INTERNAL_PREFIX, onionRequestHandler, readInternalOnionRequest } from "./onion_request_handler.ts";

/** The sn.onion_request dict for an HTTP onion body, with fields replaced or removed (undefined). */
function dictOf(body: Uint8Array, changes: Record<string, BValue | undefined> = {}): Uint8Array {
  const { blob, json } = decodeLayer(body);
  const trailer = parseOuterTrailer(json);
  const dict: Record<string, BValue | undefined> = {
    data: blob,
    enc_type: utf8(trailer.encType),
    ephemeral_key: trailer.ephemeralKey,
    hop_no: trailer.hopNo,
    ...changes,
  };
  for (const k of Object.keys(dict)) if (dict[k] === undefined) delete dict[k];
  return bencode(dict as Record<string, BValue>);
}

function setup(options: Parameters<typeof makeGateway>[0] = {}) {
  const gw = makeGateway(options);
  const replay = new ReplayFilter({ maxTags: 1000, generationMs: 60_000, clock: gw.clock });
  const handle = onionRequestHandler({ deps: gw.deps, replay });
  return { gw, replay, call: handle, forwarder: gw.forwarder as FakeForwarder };
}

Deno.test("onionRequestHandler() relays a layer to the next node, sending hop_no + 1, and passes its answer", async () => {
  const { call, forwarder } = setup();
  forwarder.answer = { status: 421, body: utf8("from downstream"), contentType: "application/json" };
  const reply = await call([dictOf(await relayBody(NEXT), { hop_no: 3 })]);
  assert.deepEqual(reply.map(text), ["421", "from downstream"]);
  assert.equal(forwarder.calls.length, 1);
  assert.equal(forwarder.calls[0].next.ed25519, NEXT.ed25519);
  assert.equal(trailerOf(forwarder.calls[0].body).hop_no, 4);
});

Deno.test("onionRequestHandler() answers info as the final destination, encrypted for the client", async () => {
  const { call } = setup();
  const { body, reply: key } = await deliverBody('{"method":"info","params":{}}');
  const [status, answer] = await call([dictOf(body)]);
  assert.equal(text(status), "200");
  const decrypted = await readEncrypted(key, new Response(answer as Uint8Array<ArrayBuffer>, { status: 200 }));
  assert.equal(decrypted.status, 200);
  assert.match(decrypted.text, /"version":\[/);
});

Deno.test("onionRequestHandler() clamps hop_no below 1 (or absent) to 1 and ignores unknown keys", async () => {
  for (const hop of [0, -5, undefined]) {
    const { call, forwarder } = setup();
    const [status] = await call([dictOf(await relayBody(NEXT), { hop_no: hop, zzz_future: utf8("ignored") })]);
    assert.equal(text(status), "200");
    assert.equal(trailerOf(forwarder.calls[0].body).hop_no, 2, `hop_no ${hop}`);
  }
  // enc_type may be absent too: aes-gcm, as in the reference.
  const { call, forwarder } = setup();
  const [status] = await call([dictOf(await relayBody(NEXT, "aes-gcm"), { enc_type: undefined })]);
  assert.equal(text(status), "200");
  assert.equal(forwarder.calls.length, 1);
});

Deno.test("onionRequestHandler() refuses hop_no above 15 with 400 max path length, before any peeling", async () => {
  const { call, forwarder, replay } = setup();
  const reply = await call([dictOf(await relayBody(NEXT), { hop_no: 16 })]);
  assert.deepEqual(reply.map(text), ["400", PATH_TOO_LONG]);
  assert.equal(forwarder.calls.length, 0);
  assert.equal(replay.size, 0);
  const ok = await call([dictOf(await relayBody(NEXT), { hop_no: 15 })]);
  assert.equal(text(ok[0]), "200");
  assert.equal(trailerOf(forwarder.calls[0].body).hop_no, 16, "15 goes out as 16, as in the reference");
});

Deno.test("onionRequestHandler() answers malformed requests with 400 Invalid internal onion request: <reason>", async () => {
  const { call, forwarder } = setup();
  const good = await relayBody(NEXT);
  const cases: [string, Uint8Array[], string][] = [
    ["no part", [], "expected 1 part, got 0"],
    ["two parts", [dictOf(good), new Uint8Array(0)], "expected 1 part, got 2"],
    ["not bencode", [utf8("{}")], "not a bencoded dict"],
    ["a list", [bencode([utf8("x")])], "not a bencoded dict"],
    ["trailing bytes", [new Uint8Array([...dictOf(good), 0x65])], "not a bencoded dict"],
    ["no data", [dictOf(good, { data: undefined })], "required data payload not found"],
    ["data an integer", [dictOf(good, { data: 7 })], "data is not a byte string"],
    ["no key", [dictOf(good, { ephemeral_key: undefined })], "ephemeral key not found"],
    ["key 31 bytes", [dictOf(good, { ephemeral_key: new Uint8Array(31) })], "invalid ephemeral key"],
    ["key as hex text", [dictOf(good, { ephemeral_key: utf8("09".repeat(32)) })], "invalid ephemeral key"],
    ["enc_type cbc", [dictOf(good, { enc_type: utf8("aes-cbc") })], "invalid enc_type"],
    ["enc_type unknown", [dictOf(good, { enc_type: utf8("rot13") })], "invalid enc_type"],
    ["enc_type an integer", [dictOf(good, { enc_type: 1 })], "invalid enc_type"],
    ["hop_no a string", [dictOf(good, { hop_no: utf8("1") })], "invalid hop_no"],
    ["hop_no beyond int", [dictOf(good, { hop_no: 2 ** 31 })], "invalid hop_no"],
  ];
  for (const [name, parts, reason] of cases) {
    const reply = await call(parts);
    assert.deepEqual(reply.map(text), ["400", INVALID_INTERNAL_PREFIX + reason], name);
  }
  assert.equal(forwarder.calls.length, 0);
});

Deno.test("onionRequestHandler() applies the HTTP cheap checks and the replay filter: uniform Invalid ciphertext", async () => {
  const { call, forwarder, replay } = setup();
  const good = await relayBody(NEXT);
  const nonCanonical = new Uint8Array(32).fill(0xff); // u ≥ p: not a canonical encoding
  const short = decodeLayer(good).blob.subarray(0, 39); // xchacha20 needs 40
  for (const parts of [[dictOf(good, { ephemeral_key: nonCanonical })], [dictOf(good, { data: short })]]) {
    assert.deepEqual((await call(parts)).map(text), ["400", INVALID_CIPHERTEXT]);
  }
  assert.equal(replay.size, 0, "garbage never fills the replay cache");
  const dict = dictOf(good);
  assert.equal(text((await call([dict]))[0]), "200");
  assert.deepEqual((await call([dict])).map(text), ["400", INVALID_CIPHERTEXT], "a byte-identical replay");
  assert.equal(forwarder.calls.length, 1);
});

Deno.test("onionRequestHandler() maps relay failures as the HTTP route does", async () => {
  const { call, forwarder } = setup();
  assert.deepEqual(
    (await call([dictOf(await relayBody(UNKNOWN))])).map(text),
    ["502", NEXT_NODE_NOT_FOUND_PREFIX + UNKNOWN.ed25519],
  );
  forwarder.answer = "timeout";
  assert.deepEqual((await call([dictOf(await relayBody(NEXT))])).map(text), ["504", REQUEST_TIMED_OUT]);
});

Deno.test("readInternalOnionRequest() returns views into the part and accepts the enc_type aliases", () => {
  const part = bencode({
    data: new Uint8Array(40).fill(3),
    enc_type: utf8("gcm"),
    ephemeral_key: new Uint8Array(32).fill(9),
  });
  const r = readInternalOnionRequest(part);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.layer.encType, "aes-gcm");
  assert.equal(r.layer.hopNo, 1);
  assert.equal(r.layer.blob.buffer, part.buffer);
});
