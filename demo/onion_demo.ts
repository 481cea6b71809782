/**
 * `npm start` (until the node network lands): a real, local walk through one onion request.
 *
 * Generates identities for three path nodes and a destination node, builds a 3-hop onion,
 * peels it hop by hop printing what each hop learns (only its neighbours), lets the destination
 * answer, decrypts the answer at the client, and prints per-step timings and the provider.
 *
 * @module
 */

import {
  buildOnionRequest,
  decryptOnionReply,
  defaultProvider,
  encryptOnionReply,
  generateIdentity,
  type Identity,
  type OnionNode,
  peelOnionLayer,
  toHex,
  utf8,
} from "../mod.ts";

const provider = await defaultProvider();
const ms = (t0: number) => `${(performance.now() - t0).toFixed(3)} ms`;
const short = (hex: string) => `${hex.slice(0, 8)}…${hex.slice(-4)}`;
const asNode = (id: Identity): OnionNode => ({ ed25519: toHex(id.ed25519Public), x25519: toHex(id.x25519Public) });

console.log(`allium onion demo — crypto provider: ${provider.name} (${JSON.stringify(provider.backends)})\n`);

const names = ["guard", "middle", "exit", "destination"];
const ids = await Promise.all(names.map(() => generateIdentity({ provider })));
for (const [i, id] of ids.entries()) {
  console.log(
    `${names[i].padEnd(12)} ed25519 ${short(toHex(id.ed25519Public))}  session-style id ${short(id.sessionId)}`,
  );
}

const payload = utf8(JSON.stringify({ method: "info", params: {} }));
let t0 = performance.now();
const built = await buildOnionRequest({
  path: ids.slice(0, 3).map(asNode),
  destination: asNode(ids[3]),
  payload,
  encType: "xchacha20",
  provider,
});
console.log(
  `\nclient built a 3-hop onion: ${built.body.length} bytes for a ${payload.length}-byte request (${ms(t0)})`,
);

let body = built.body;
let from = "client";
for (let i = 0; i < 4; i++) {
  t0 = performance.now();
  const result = await peelOnionLayer(body, ids[i], { provider });
  const took = ms(t0);
  const me = names[i];
  if (result.kind === "relay") {
    const next = names[ids.findIndex((id) => toHex(id.ed25519Public) === result.destination)];
    console.log(
      `${me.padEnd(12)} peeled ${body.length} B in ${took}: learns only "from ${from}" and "next hop ${next} ` +
        `(${
          short(result.destination)
        }), ${result.encType}, hop_no ${result.hopNo}"; forwards ${result.nextRequestBody.length} B`,
    );
    body = result.nextRequestBody;
    from = me;
  } else if (result.kind === "deliver") {
    console.log(
      `${me.padEnd(12)} peeled ${body.length} B in ${took}: final destination, request ${
        new TextDecoder().decode(result.payload)
      }`,
    );
    t0 = performance.now();
    const answer = await encryptOnionReply(result.reply, {
      status: 200,
      body: JSON.stringify({ hf: [19, 3], version: [2, 8, 0] }),
      bodyIsJson: true,
    }, { provider, pad: true });
    console.log(
      `${me.padEnd(12)} answered with ${answer.length} B (padded, encrypted to the client's key) in ${ms(t0)}`,
    );
    t0 = performance.now();
    const res = await decryptOnionReply(built.reply, answer, { provider });
    console.log(
      `client       decrypted the answer in ${ms(t0)}: status ${res.status}, body ${
        new TextDecoder().decode(res.body)
      }`,
    );
  } else {
    throw new Error(`unexpected ${result.kind}`);
  }
}
console.log("\nNo hop saw both the client and the destination; only the destination saw the request.");
