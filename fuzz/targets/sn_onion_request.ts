/**
 * Fuzz target: one `sn.onion_request` message part → `readInternalOnionRequest` and the whole
 * node-to-node handler `onionRequestHandler` (onion-requests.md §5; gateway/zmq/
 * onion_request_handler.ts) of the test node `SELF`, with a fresh replay cache and fake
 * forwarder per input.
 *
 * Expected refusal: none is thrown — the reader returns `{ ok: false, reason }` with one of its
 * fixed reasons and the handler answers `[status, body]` with a fixed 400. Anything thrown is a
 * finding. Oracles:
 *
 * - an accepted dict is read exactly: `data`, a 32-byte `ephemeral_key`, an `enc_type` whose bytes
 *   are exactly one of the four spellings (`aes-gcm`, `gcm`, `xchacha20`, `xchacha20-poly1305`),
 *   `hop_no` an int32 clamped to ≥ 1;
 * - the handler answers two parts: a decimal status and a body; never 500; every non-200 body is
 *   one of the fixed texts (`Invalid internal onion request: <fixed reason>`, or the HTTP route's).
 *
 * @module
 */

import fc from "fast-check";
import { bdecode, bencode, type BValue, ctEqual, fromHex, toHex } from "../../mod.ts";
import {
  INVALID_INTERNAL_PREFIX,
  onionRequestHandler,
  readInternalOnionRequest,
} from "../../gateway/zmq/onion_request_handler.ts";
import { LOW_ORDER_KEYS, NON_CANONICAL_KEYS } from "../_fixtures.ts";
import { BENCODE_DICTIONARY, bencodeSoupArb } from "../_grammar.ts";
import { checkFixedAnswer, DOWNSTREAM_BODY, freshGateway, GATEWAY_BODIES, layerFields } from "../_gateway.ts";
import { type FuzzTarget, invariant, type OpenFinding } from "../_harness.ts";
import { mutatedArb } from "../_mutate.ts";

const te = new TextEncoder();
const td = new TextDecoder();

const REASONS = new Set([
  "not a bencoded dict",
  "required data payload not found",
  "data is not a byte string",
  "invalid enc_type",
  "ephemeral key not found",
  "invalid ephemeral key",
  "invalid hop_no",
]);
const ENC_SPELLINGS: Readonly<Record<string, string>> = {
  "aes-gcm": "aes-gcm",
  "gcm": "aes-gcm",
  "xchacha20": "xchacha20",
  "xchacha20-poly1305": "xchacha20",
};
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function latin1(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

/** Check an accepted read against an independent decode of the dict. */
function checkRead(
  part: Uint8Array,
  layer: { blob: Uint8Array; ephemeralKey: Uint8Array; encType: string; hopNo: number },
) {
  const dict = bdecode(part) as Record<string, BValue>;
  invariant(dict.data instanceof Uint8Array && ctEqual(layer.blob, dict.data), "blob is not the dict's data");
  invariant(
    dict.ephemeral_key instanceof Uint8Array && dict.ephemeral_key.length === 32 &&
      ctEqual(layer.ephemeralKey, dict.ephemeral_key),
    "ephemeral key is not the dict's 32 bytes",
  );
  if (dict.enc_type === undefined) invariant(layer.encType === "aes-gcm", "absent enc_type is not aes-gcm");
  else {
    const spelled = dict.enc_type instanceof Uint8Array ? latin1(dict.enc_type) : undefined;
    invariant(
      spelled !== undefined && Object.hasOwn(ENC_SPELLINGS, spelled) && ENC_SPELLINGS[spelled] === layer.encType,
      `enc_type bytes ${
        toHex(dict.enc_type instanceof Uint8Array ? dict.enc_type : new Uint8Array(0))
      } accepted as ${layer.encType}`,
    );
  }
  const hop = dict.hop_no;
  invariant(
    hop === undefined || (typeof hop === "number" && hop >= INT32_MIN && hop <= INT32_MAX),
    `hop_no ${String(hop)} accepted`,
  );
  invariant(layer.hopNo === Math.max(1, typeof hop === "number" ? hop : 0), `hopNo ${layer.hopNo}`);
}

/**
 * Read `input` as an `sn.onion_request` part and run the node's handler on it.
 *
 * @param input any bytes
 * @returns `"refused"` when the reader or the handler refused it
 */
export async function fuzz(input: Uint8Array): Promise<void | "refused"> {
  const read = readInternalOnionRequest(input);
  if (read.ok) checkRead(input, read.layer);
  else invariant(REASONS.has(read.reason), `reason ${JSON.stringify(read.reason)} is not a fixed one`);

  const { deps } = freshGateway();
  const handle = onionRequestHandler({ deps, replay: deps.replay! });
  const reply = await handle([input]);
  invariant(reply.length === 2, `reply has ${reply.length} parts`);
  const statusText = td.decode(reply[0]);
  invariant(/^[1-5]\d\d$/.test(statusText), `status part ${JSON.stringify(statusText)}`);
  const status = Number(statusText);
  const body = td.decode(reply[1]);
  if (!read.ok) {
    invariant(status === 400 && body === INVALID_INTERNAL_PREFIX + read.reason, "malformed dict answered otherwise");
    return "refused";
  }
  if (status === 200) return; // encrypted answer, or the fake next hop's answer passed through
  if (body === DOWNSTREAM_BODY) return;
  checkFixedAnswer(status, body, "sn.onion_request");
  return "refused";
}

/** The valid dicts the generator starts from. */
const BASES = GATEWAY_BODIES.map((g) => layerFields(g.body));

/** Leave the field as the real layer has it. */
const KEEP: unique symbol = Symbol("keep");
type Edit = BValue | undefined | typeof KEEP;

const keyArb: fc.Arbitrary<Edit> = fc.oneof(
  { arbitrary: fc.constant<Edit>(KEEP), weight: 12 },
  { arbitrary: fc.constant(undefined), weight: 1 },
  { arbitrary: fc.uint8Array({ minLength: 31, maxLength: 33 }), weight: 1 },
  { arbitrary: fc.constantFrom(...LOW_ORDER_KEYS, ...NON_CANONICAL_KEYS).map((h) => fromHex(h)), weight: 2 },
  { arbitrary: fc.constantFrom<BValue>(0, [], {}, te.encode("")), weight: 1 },
);

const encArb: fc.Arbitrary<Edit> = fc.oneof(
  { arbitrary: fc.constant<Edit>(KEEP), weight: 10 },
  { arbitrary: fc.constant(undefined), weight: 1 },
  {
    arbitrary: fc.constantFrom(
      "aes-gcm",
      "gcm",
      "xchacha20",
      "xchacha20-poly1305",
      "aes-cbc",
      "cbc",
      "AES-GCM",
      "",
      "\uFEFFxchacha20",
      "\uFEFFgcm",
      "xchacha20\u0000",
      "constructor",
      "__proto__",
    ).map((s) => te.encode(s)),
    weight: 3,
  },
  { arbitrary: fc.constantFrom<BValue>(Uint8Array.of(0x67, 0x63, 0xff), 1, [te.encode("gcm")]), weight: 1 },
);

const hopArb: fc.Arbitrary<Edit> = fc.oneof(
  { arbitrary: fc.constant<Edit>(KEEP), weight: 8 },
  { arbitrary: fc.constant(undefined), weight: 1 },
  {
    arbitrary: fc.constantFrom<BValue>(
      -1,
      0,
      1,
      14,
      15,
      16,
      INT32_MIN,
      INT32_MIN - 1,
      INT32_MAX,
      INT32_MAX + 1,
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER,
      te.encode("1"),
      [],
    ),
    weight: 3,
  },
);

const dataArb = (base: Uint8Array): fc.Arbitrary<Edit> =>
  fc.oneof(
    { arbitrary: fc.constant(base), weight: 10 },
    { arbitrary: fc.constant(undefined), weight: 1 },
    { arbitrary: fc.nat(base.length).map((n) => base.subarray(0, n)), weight: 2 },
    {
      arbitrary: fc.tuple(fc.nat(), fc.nat(7)).map(([i, bit]) => {
        const out = base.slice();
        if (out.length > 0) out[i % out.length] ^= 1 << bit;
        return out;
      }),
      weight: 2,
    },
    { arbitrary: fc.constantFrom<BValue>(0, [], { a: 1 }), weight: 1 },
  );

/** `sn.onion_request` dicts built from real layers with edited fields. */
const dictArb: fc.Arbitrary<Uint8Array> = fc.nat(BASES.length - 1).chain((i) => {
  const b = BASES[i];
  return fc.tuple(
    dataArb(b.data),
    keyArb,
    encArb,
    hopArb,
    fc.option(fc.constantFrom("x", "data2", "\u0000"), { nil: undefined }),
  )
    .map(([data, key, enc, hop, extra]) => {
      const d: Record<string, BValue> = {};
      const put = (k: string, v: Edit, original: BValue) => {
        const value = v === KEEP ? original : v;
        if (value !== undefined) d[k] = value;
      };
      put("data", data, b.data);
      put("ephemeral_key", key, b.ephemeralKey);
      put("enc_type", enc, te.encode(b.encType));
      put("hop_no", hop, b.hopNo ?? 1);
      if (extra !== undefined) d[extra] = 1;
      return bencode(d);
    });
});

const VALID = BASES.map((b) =>
  bencode({ data: b.data, enc_type: te.encode(b.encType), ephemeral_key: b.ephemeralKey, hop_no: b.hopNo ?? 1 })
);

/** Structured inputs for {@link fuzz}. */
export const structured: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: dictArb, weight: 6 },
  { arbitrary: mutatedArb(VALID, BENCODE_DICTIONARY), weight: 3 },
  { arbitrary: bencodeSoupArb, weight: 1 },
);

/** Reported, not fixed yet (fuzz/README.md "Open findings"). */
const OPEN: readonly OpenFinding[] = []; // every finding so far is fixed; its reproducer stays in the corpus

/** The `sn_onion_request` target. */
export const target: FuzzTarget = {
  name: "sn_onion_request",
  open: OPEN,
  fuzz,
  structured,
  tokens: BENCODE_DICTIONARY,
};
