// @ts-check
/**
 * Test-only Node 20 program: a hand-written OxenMQ peer on raw zeromq sockets, independent of
 * zmq_child.mjs, to check the link's bytes on the wire (zmq_wire_test.ts). Run as
 * `node raw_oxenmq_peer.mjs '<json>'`; it prints JSON lines on stdout.
 *
 * - `{"mode":"probe","endpoint","serverKey","secret","public"}`: a DEALER with routing id
 *   `"L" ‖ public` sends `HI`, a request, an unknown command and a request without a tag, in that
 *   order, and prints `{"received": [[hex part, …], …]}` (one message per exchange), then exits.
 * - `{"mode":"serve","secret","public"}`: a CurveZMQ ROUTER on 127.0.0.1 (no ZAP handler: any
 *   client key is accepted) prints `{"endpoint"}`, then for each message prints
 *   `{"route": hex, "parts": [hex, …]}` and answers `[route, "REPLY", tag, "200", "served"]`;
 *   it exits when stdin closes.
 *
 * Keys are 64 hex digits.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import process from "node:process";
import * as zmq from "zeromq";

const config = JSON.parse(process.argv[2] ?? "{}");
const hex = (/** @type {Buffer} */ b) => b.toString("hex");
const key = (/** @type {string} */ h) => /** @type {any} */ (Buffer.from(h, "hex"));
/** Bound on each exchange, ms. */
const RECEIVE_TIMEOUT_MS = 3_000;

zmq.context.blocky = false;

if (config.mode === "probe") {
  const dealer = new zmq.Dealer({
    curveServerKey: key(config.serverKey),
    curvePublicKey: key(config.public),
    curveSecretKey: key(config.secret),
    routingId: /** @type {any} */ (Buffer.concat([Buffer.from("L"), Buffer.from(config.public, "hex")])),
    receiveTimeout: RECEIVE_TIMEOUT_MS,
  });
  dealer.connect(config.endpoint);
  const tag = Buffer.from("0123456789abcde"); // 15 bytes, as OxenMQ's tags
  const exchanges = [
    ["HI"],
    ["sn.ping", tag, "data part"],
    ["sn.nope", tag],
    ["sn.ping"],
  ];
  /** @type {string[][]} */
  const received = [];
  for (const message of exchanges) {
    await dealer.send(message);
    try {
      received.push((await dealer.receive()).map(hex));
    } catch {
      received.push([]);
    }
  }
  console.log(JSON.stringify({ received }));
  dealer.close();
  process.exit(0);
} else if (config.mode === "serve") {
  const router = new zmq.Router({ curveServer: true, curveSecretKey: key(config.secret) });
  await router.bind("tcp://127.0.0.1:*");
  console.log(JSON.stringify({ endpoint: router.lastEndpoint }));
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
  for await (const [route, ...parts] of router) {
    console.log(JSON.stringify({ route: hex(route), parts: parts.map(hex) }));
    await router.send([route, "REPLY", parts[1] ?? "", "200", "served"]);
  }
}
