/**
 * Fuzz target: a delivered payload → the final destination's storage-RPC dispatch
 * (`dispatchRpc`, gateway/routes/rpc.ts) with a service node's handlers (`createStorageRpc`,
 * gateway/storage_rpc/handlers.ts) over a `MemoryStore`, in a two-member swarm over
 * `LoopbackPeers` (so recursive requests also run the peer's `sn.storage_cc` side). Fresh state
 * per input: both stores hold three messages of the fixed accounts (`_storage.ts` `HASHES`), time
 * is fixed. The input is the payload (`{"method": …, "params": {…}}`).
 *
 * Every input runs twice: directly through `dispatchRpc`, and inside an onion layer sealed to the
 * gateway test node `SELF` through `app.request("/onion_req/v2")`, whose encrypted answer is
 * decrypted with the client's key.
 *
 * Expected refusal: none is thrown — every request is answered inside the reply (400 / 401 / 403
 * / 406 / 413 / 421 …). Findings: an exception; a 500 `request failed` (a handler threw) at the
 * entry node or from a swarm peer; a peer refusing a recursive request the entry node admitted
 * (the re-encoded `sn.storage_cc` params must re-validate); the onion path answering differently
 * from the direct call; a plain-text gateway error instead of an encrypted answer.
 *
 * @module
 */

import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import {
  decryptOnionReply,
  deriveHopKey,
  encodeLayer,
  type FinalReply,
  fromUtf8,
  nobleProvider,
  toHex,
} from "../../mod.ts";
import { SELF } from "../../gateway/_testing/fixtures.ts";
import { memoryLogger } from "../../gateway/logger.ts";
import { dispatchRpc } from "../../gateway/routes/rpc.ts";
import { createStorageRpc } from "../../gateway/storage_rpc/handlers.ts";
import { LoopbackPeers } from "../../gateway/storage_rpc/peers.ts";
import { snapshotFromMap, type SwarmNode } from "../../gateway/storage_rpc/swarm_view.ts";
import { MemoryStore } from "../../gateway/store/memory_store.ts";
import { swarmSpacePosition } from "../../protocol/swarm/swarm_space.ts";
import { sealBlob } from "../_fixtures.ts";
import { checkFixedAnswer, freshGateway } from "../_gateway.ts";
import { currentProvider, type FuzzTarget, invariant, InvariantError } from "../_harness.ts";
import { mutatedArb } from "../_mutate.ts";
import {
  encodeParams,
  type Encoding,
  FOREIGN,
  GROUP,
  HASHES,
  NOW,
  requestSpecArb,
  SESSION,
  specParams,
  STORAGE_TOKENS,
  validExamples,
} from "../_storage.ts";

const te = new TextEncoder();

function swarmNode(n: number): SwarmNode & { seed: Uint8Array } {
  const seed = new Uint8Array(32).fill(0x60 + n);
  const hex2 = n.toString(16).padStart(2, "0");
  return {
    seed,
    ed25519: toHex(nobleProvider.ed25519PublicKey(seed) as Uint8Array),
    x25519: hex2.repeat(32),
    legacy: (hex2 + "01").repeat(16),
    ip: `10.0.0.${n}`,
    httpsPort: 22100 + n,
    omqPort: 22200 + n,
  };
}

const ENTRY = swarmNode(1);
const PEER = swarmNode(2);
const OTHER = swarmNode(3);
const SWARMS = new Map<bigint, SwarmNode[]>([
  [swarmSpacePosition(GROUP.hex), [ENTRY, PEER]],
  [swarmSpacePosition(FOREIGN.hex), [OTHER]],
]);

/** The messages both stores start with. */
const SEEDED = [
  { account: GROUP.hex, namespace: 0, hash: HASHES[0] },
  { account: GROUP.hex, namespace: 2, hash: HASHES[1] },
  { account: SESSION.hex, namespace: 0, hash: HASHES[2] },
].map((m, i) => ({ ...m, timestamp: NOW - 1000 * (i + 1), expiry: NOW + 86_400_000, data: te.encode(`message ${i}`) }));

/** A peer's answer to a forwarded request. */
interface PeerCall {
  method: string;
  status: number;
  body: string;
}

/** Two fresh nodes of one swarm; the entry node's handlers and the peer's answers. */
function swarm() {
  const peers = new LoopbackPeers();
  const calls: PeerCall[] = [];
  const logger = memoryLogger();
  const rpcs = [ENTRY, PEER].map((node) => {
    const store = new MemoryStore();
    for (const m of SEEDED) store.store(m);
    return createStorageRpc({
      store,
      swarm: () => snapshotFromMap(SWARMS, node),
      peers,
      provider: currentProvider(),
      nodeEd25519Seed: node.seed,
      clock: { now: () => NOW },
      logger,
    });
  });
  peers.register(ENTRY.ed25519, rpcs[0].handleForwarded);
  peers.register(PEER.ed25519, async (method, params) => {
    const answer = await rpcs[1].handleForwarded(method, params);
    calls.push({ method, status: answer.status, body: new TextDecoder().decode(answer.body) });
    return answer;
  });
  return { handlers: rpcs[0].handlers, calls, logger };
}

/** Client side of the hand-made layer for SELF. */
const CLIENT_SECRET = new Uint8Array(32).fill(0x5c);
const CLIENT_PUBLIC = nobleProvider.x25519PublicKey(CLIENT_SECRET) as Uint8Array;
const HOP_KEYS = {
  ourSecret: CLIENT_SECRET,
  ourPublic: CLIENT_PUBLIC,
  theirPublic: SELF.keys.x25519Public,
  role: "client" as const,
};
const HOP_KEY = (await deriveHopKey("xchacha20", HOP_KEYS, { provider: nobleProvider })).bytes();
const TRAILER = `{"enc_type":"xchacha20","ephemeral_key":"${toHex(CLIENT_PUBLIC)}"}`;
let nonce = 0;

/** A string as it survives UTF-8 encoding (lone surrogates become U+FFFD). */
function wellFormed(s: string): string {
  return new TextDecoder().decode(te.encode(s));
}

/** Check one answer at the entry node and the peers' answers. */
function checkAnswer(reply: FinalReply, calls: readonly PeerCall[], lines: readonly string[], where: string): void {
  invariant(reply.status !== 500, `${where}: 500 ${JSON.stringify(reply.body.slice(0, 120))} (a handler threw)`);
  invariant(
    Number.isInteger(reply.status) && reply.status >= 200 && reply.status <= 599,
    `${where}: status ${reply.status}`,
  );
  for (const c of calls) {
    invariant(c.status !== 500, `${where}: swarm peer answered ${c.method} with 500 ${c.body.slice(0, 80)}`);
    invariant(
      c.status >= 200 && c.status <= 299,
      `${where}: swarm peer refused a forwarded ${c.method} the entry node admitted: ${c.status} ${
        c.body.slice(0, 120)
      }`,
    );
  }
  const failed = lines.find((l) => /rpc_handler_failed|storage_forwarded_failed|unexpected_error/.test(l));
  invariant(failed === undefined, `${where}: logged ${failed}`);
}

const CONFIG = freshGateway().deps.config;

/**
 * Dispatch a payload at a fresh entry node, as the onion route does.
 *
 * @param input the payload
 * @returns the reply, and the swarm it ran on
 */
export async function dispatchDirect(
  input: Uint8Array,
): Promise<{ reply: FinalReply; direct: ReturnType<typeof swarm> }> {
  const direct = swarm();
  const reply = await dispatchRpc(input, {
    handlers: direct.handlers,
    limits: { maxRequestBytes: CONFIG.maxRpcRequest, maxMessageData: CONFIG.maxMessageData },
    ctx: { now: NOW },
    logger: direct.logger,
  });
  return { reply, direct };
}

/**
 * Run `input` as a delivered storage-RPC payload, directly and through an onion.
 *
 * @param input the payload
 * @returns `"refused"` when the request was answered with a non-2xx status
 */
export async function fuzz(input: Uint8Array): Promise<void | "refused"> {
  const { reply, direct } = await dispatchDirect(input);
  checkAnswer(reply, direct.calls, direct.logger.lines, "direct");

  // The same payload delivered in an onion layer to SELF, over a fresh swarm.
  const viaOnion = swarm();
  const gw = freshGateway(viaOnion.handlers);
  const inner = encodeLayer(input, '{"headers":""}');
  const body = encodeLayer(sealBlob("xchacha20", HOP_KEY, inner, nonce++), TRAILER);
  const res = await gw.app.request("/onion_req/v2", { method: "POST", body: body as Uint8Array<ArrayBuffer> }, {
    remoteAddr: { hostname: "198.51.100.7", port: 40000, transport: "tcp" },
  });
  const wire = new Uint8Array(await res.arrayBuffer());
  if (res.status !== 200) {
    checkFixedAnswer(res.status, fromUtf8(wire), "onion");
    // Only the body cap may stop a payload the direct call answered.
    invariant(res.status === 413, `onion: ${res.status} ${fromUtf8(wire).slice(0, 80)} for a deliverable payload`);
    return "refused";
  }
  const key = await deriveHopKey("xchacha20", HOP_KEYS, { provider: currentProvider() });
  const answer = await decryptOnionReply({ kind: "node", encType: "xchacha20", key }, wire, {
    provider: currentProvider(),
  });
  checkAnswer(
    { status: answer.status, body: fromUtf8(answer.body) },
    viaOnion.calls,
    [...viaOnion.logger.lines, ...gw.logger.lines],
    "onion",
  );
  invariant(answer.status === reply.status, `onion answers ${answer.status}, direct ${reply.status}`);
  // A text body travels as UTF-8: a lone surrogate echoed from the request (a method name written
  // "\ud800…") arrives as U+FFFD. JSON bodies escape it.
  const same = reply.bodyIsJson
    ? isDeepStrictEqual(answer.json, JSON.parse(reply.body))
    : fromUtf8(answer.body) === wellFormed(reply.body);
  if (!same) throw new InvariantError(`onion and direct bodies differ: ${reply.body.slice(0, 120)}`);
  return reply.status >= 200 && reply.status <= 299 ? undefined : "refused";
}

/** Payloads from signed requests of every method, value-mutated, sometimes with a broken envelope. */
const payloadArb: fc.Arbitrary<Uint8Array> = fc.tuple(
  requestSpecArb,
  fc.oneof({ arbitrary: fc.constant<Encoding>("json"), weight: 12 }, {
    arbitrary: fc.constant<Encoding>("json-dup"),
    weight: 1,
  }),
  fc.nat(20),
).map(([spec, enc, mode]) => {
  const params = fromUtf8(encodeParams(specParams(spec), enc));
  const method = JSON.stringify(spec.method);
  switch (mode) {
    case 0:
      return te.encode(`{"method":${method}}`);
    case 1:
      return te.encode(`{"method":${method},"params":[${params}]}`);
    case 2:
      return te.encode(`{"params":${params},"method":${method},"method":"info"}`);
    case 3:
      return te.encode(`{"method":${method},"params":${params},"extra":${"[".repeat(20)}${"]".repeat(20)}}`);
    case 4:
      return te.encode(`[{"method":${method},"params":${params}}]`);
    default:
      return te.encode(`{"method":${method},"params":${params}}`);
  }
});

const VALID: Uint8Array[] = validExamples().map((e) => {
  const nl = e.input.indexOf(0x0a);
  const method = fromUtf8(e.input.subarray(0, nl)).split(" ")[0];
  const params = e.input.subarray(nl + 1);
  return te.encode(`{"method":${JSON.stringify(method)},"params":${params[0] === 0x7b ? fromUtf8(params) : "{}"}}`);
});

/** Structured inputs for {@link fuzz}. */
export const structured: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: payloadArb, weight: 8 },
  { arbitrary: mutatedArb(VALID, STORAGE_TOKENS), weight: 2 },
);

/** Seeds too large to commit. */
function seeds(): { name: string; input: Uint8Array }[] {
  return [
    { name: "seed:data-over-limit", input: te.encode(`{"method":"store","params":{"data":"${"A".repeat(102_404)}"}}`) },
    {
      name: "seed:store-76800",
      input: te.encode(
        `{"method":"store","params":{"pubkey":"${GROUP.hex}","timestamp":${NOW},"ttl":86400000,"data":"${
          "A".repeat(102_400)
        }"}}`,
      ),
    },
    { name: "seed:payload-over-max", input: te.encode(`{"method":"info","params":{"x":"${"a".repeat(1 << 20)}"}}`) },
  ];
}

/** The `storage_rpc` target. */
export const target: FuzzTarget = { name: "storage_rpc", fuzz, structured, tokens: STORAGE_TOKENS, seeds };
