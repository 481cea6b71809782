// @ts-check
/**
 * The Node 20 side of the ZeroMQ link: the only code that imports `zeromq` (toolchain.md "ZeroMQ":
 * the binding is unreliable inside Deno and crashes Bun). zmq_link.ts starts it as
 * `node gateway/zmq/zmq_child.mjs` and talks to it over stdin/stdout in the frames of
 * stdio_frames.mjs; the child exits when stdin closes. Plain ESM JavaScript with `// @ts-check`,
 * so Node runs this file as it is (no build step; Node 20 cannot run TypeScript).
 *
 * What it speaks on the network is OxenMQ's node-to-node protocol, as in oxen-io/oxen-mq
 * (connections.cpp, proxy.cpp, worker.cpp, auth.cpp) — see gateway/zmq/README.md for the details
 * and what is simplified:
 *
 * - a ROUTER listener with CurveZMQ server keys = the node's X25519 pair, ZAP domain `i0e`
 *   (bencoded bind index 0), `ROUTER_HANDOVER` and `ROUTER_MANDATORY`;
 * - a ZAP handler (REP on `inproc://zeromq.zap.01`, same context) admitting only the X25519 keys
 *   of the allow-list: `200` with user id = the key in hex and metadata `X-AuthLevel: none`, else
 *   `400 Access denied`;
 * - one DEALER per peer for outgoing requests: curve client keys = the node's own X25519 pair,
 *   `curveServerKey` = the peer's X25519 key, routing id `"L" ‖ own X25519 public key`;
 * - a request is `[command, tag, data…]` with a 15-byte random tag; the answer is
 *   `["REPLY", tag, data…]`, or an error `[FORBIDDEN | FORBIDDEN_SN | NOT_A_SERVICE_NODE |
 *   UNKNOWNCOMMAND | NO_REPLY_TAG, "REPLY", tag]`; incoming requests on the ROUTER carry the
 *   route first and are answered the same way; `HI` is answered `HELLO`;
 * - socket options as OxenMQ sets them: reconnect 250 ms … 5 s, handshake 10 s, heartbeat 15 s
 *   with a 30 s timeout, 10 MiB largest message (the storage server's setting); idle outgoing
 *   connections close after 30 s (OxenMQ's default keep-alive for a send).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import process from "node:process";
import * as zmq from "zeromq";
import { encodeFrame, FrameReader, text } from "./stdio_frames.mjs";

/** OxenMQ's ZAP endpoint (libzmq's fixed address for the ZAP handler). */
const ZAP_ENDPOINT = "inproc://zeromq.zap.01";
/** ZAP domain of bind index 0: `bt_serialize(0)` (connections.cpp setup_incoming_socket). */
const ZAP_DOMAIN = "i0e";
/** Routing id prefix of a pubkey-based routing id (connections.cpp setup_outgoing_socket). */
const ROUTING_PREFIX = 0x4c; // "L"
/** Bytes of an X25519 key. */
const KEY_BYTES = 32;
/** Bytes of a request's reply tag (oxenmq.h request(): `make_random_string(15)`). */
const TAG_BYTES = 15;
/** OxenMQ socket settings (oxenmq.h). */
const RECONNECT_MS = 250;
const RECONNECT_MAX_MS = 5_000;
const HANDSHAKE_MS = 10_000;
const HEARTBEAT_MS = 15_000;
const HEARTBEAT_TIMEOUT_MS = 30_000;
/** The storage server's `MAX_MSG_SIZE` (oxenss/server/omq.cpp). */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
/** Idle outgoing connections close after this (oxenmq.h DEFAULT_SEND_KEEP_ALIVE). */
const KEEP_ALIVE_MS = 30_000;
/** How often idle connections are looked for. */
const IDLE_CHECK_MS = 5_000;
/** Sockets the ZeroMQ context may open (OxenMQ's MAX_SOCKETS). */
const MAX_SOCKETS = 10_000;
/** Outgoing peers kept at once. */
const MAX_PEERS = 4_096;
/** Error answers OxenMQ sends instead of a REPLY (proxy.cpp is_error_response). */
const ERROR_REPLIES = new Set(["FORBIDDEN", "FORBIDDEN_SN", "NOT_A_SERVICE_NODE", "UNKNOWNCOMMAND", "NO_REPLY_TAG"]);

const REPLY = Buffer.from("REPLY");

/** The parent's settings, from the `start` message. */
const settings = {
  /** @type {Buffer} */ secret: Buffer.alloc(0),
  /** @type {Buffer} */ public: Buffer.alloc(0),
  maxIncoming: 1000,
  maxPending: 10_000,
  /** @type {Set<string>} */ commands: new Set(),
};
/** Allowed peer keys, as latin1 strings of the 32 raw bytes. */
let allowed = new Set();

/**
 * One outgoing connection.
 *
 * @typedef {object} Peer
 * @property {string} id map key: address and key
 * @property {zmq.Dealer} socket the DEALER
 * @property {Buffer} key the peer's X25519 key
 * @property {Set<string>} tags reply tags pending on it (latin1)
 * @property {boolean} ready the CurveZMQ handshake completed
 * @property {number} lastActive ms timestamp of the last send or receive
 */
/** @type {Map<string, Peer>} */
const peers = new Map();
/** Pending outgoing requests by reply tag (latin1). @type {Map<string, {id: string, peer: Peer}>} */
const pending = new Map();
/** Reply tag by parent request id. @type {Map<string, string>} */
const tagById = new Map();

/**
 * Incoming requests the parent is handling.
 *
 * @typedef {object} Incoming
 * @property {zmq.Router | zmq.Dealer} socket where the answer goes
 * @property {Buffer | undefined} route the ROUTER route (undefined on an outgoing connection)
 * @property {Buffer} tag the reply tag
 */
/** @type {Map<string, Incoming>} */
const incoming = new Map();
let nextIncomingId = 1;
/** Dropped incoming requests are logged at most this often (a flood must not flood the log). */
const DROP_LOG_INTERVAL_MS = 1_000;
let lastDropLog = 0, droppedSinceLog = 0;

/** @type {zmq.Router | undefined} */
let router;
/** @type {zmq.Reply | undefined} */
let zap;
let stopping = false;

// ---------------------------------------------------------------------------------------------
// Output to the parent: frames are batched per tick into one write.

/** @type {Uint8Array[]} */
let outBatch = [];
let flushScheduled = false;

/**
 * Queue one frame for the parent.
 *
 * @param {readonly (Uint8Array | string)[]} fields the frame's fields
 */
function emit(fields) {
  outBatch.push(encodeFrame(fields));
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}

function flush() {
  flushScheduled = false;
  const batch = outBatch;
  outBatch = [];
  if (batch.length === 0 || stopping) return;
  process.stdout.write(batch.length === 1 ? batch[0] : Buffer.concat(batch));
}

/**
 * A log line for the parent's logger: a fixed event and short scalar fields, never keys,
 * addresses or payloads (hardening.md §6).
 *
 * @param {"debug" | "info" | "warn" | "error"} level severity
 * @param {string} event event name
 * @param {Record<string, string | number>} [fields] fields
 */
function log(level, event, fields = {}) {
  const out = ["log", level, event];
  for (const [k, v] of Object.entries(fields)) out.push(k, String(v));
  emit(out);
}

// ---------------------------------------------------------------------------------------------
// ZAP (RFC 27), as auth.cpp process_zap_requests answers it.

/**
 * ZMTP metadata `X-AuthLevel: none` (auth.cpp zmtp_metadata): key length, key, u32be length, value.
 *
 * @returns {Buffer} the metadata
 */
function authLevelMetadata() {
  const key = Buffer.from("X-AuthLevel"), value = Buffer.from("none");
  const len = Buffer.alloc(4);
  len.writeUInt32BE(value.length);
  return Buffer.concat([Buffer.from([key.length]), key, len, value]);
}

async function runZap() {
  if (zap === undefined) return;
  const metadata = authLevelMetadata();
  for await (const frames of zap) {
    const requestId = frames[1] ?? Buffer.alloc(0);
    let status = "200", statusText = "", userId = "";
    /** @type {Buffer | string} */
    let meta = "";
    if (frames.length < 6 || frames[0].toString("latin1") !== "1.0") {
      status = "500";
      statusText = "Internal error: invalid auth request";
    } else if (frames[2].toString("latin1") !== ZAP_DOMAIN) {
      status = "400";
      statusText = "Unknown authentication domain: " + frames[2].toString("latin1");
    } else if (!(frames.length === 7 && frames[5].toString("latin1") === "CURVE")) {
      status = "500";
      statusText = "Invalid authentication request mechanism";
    } else if (frames[6].length !== KEY_BYTES) {
      status = "500";
      statusText = "Invalid public key size for CURVE authentication";
    } else if (!allowed.has(frames[6].toString("latin1"))) {
      status = "400";
      statusText = "Access denied";
      log("info", "zmq_zap_denied");
    } else {
      userId = frames[6].toString("hex");
      meta = metadata;
    }
    try {
      await zap.send(["1.0", requestId, status, statusText, userId, meta]);
    } catch {
      if (stopping) return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Incoming requests (proxy.cpp proxy_handle_builtin, worker.cpp proxy_to_worker, auth.cpp
// proxy_check_auth).

/**
 * Send without waiting; a full queue or a vanished route drops the message, as OxenMQ does.
 *
 * @param {zmq.Router | zmq.Dealer} socket the socket
 * @param {(Buffer | string)[]} parts the message
 * @returns {Promise<boolean>} whether it was queued
 */
async function sendNow(socket, parts) {
  try {
    await socket.send(parts);
    return true;
  } catch {
    return false;
  }
}

/**
 * Handle one command that arrived on `socket` (the ROUTER, or an outgoing DEALER: a peer may send
 * its requests over a connection we opened, as OxenMQ reuses any connection to a node).
 *
 * @param {zmq.Router | zmq.Dealer} socket where it arrived
 * @param {Buffer | undefined} route the ROUTER route, or undefined on a DEALER
 * @param {Buffer | undefined} peerKey the peer's key: from the route, or the DEALER's server key
 * @param {Buffer[]} parts `[command, tag?, data…]`
 */
function handleCommand(socket, route, peerKey, parts) {
  const prefix = route === undefined ? [] : [route];
  const command = parts[0].toString("latin1");
  if (command === "HI") {
    if (route !== undefined) void sendNow(socket, [...prefix, "HELLO"]);
    return;
  }
  // HELLO and BYE concern connections we never open that way; REPLY on the ROUTER would answer a
  // request sent over an incoming connection, which this node never sends.
  if (command === "HELLO" || command === "BYE" || command === "REPLY") return;
  if (ERROR_REPLIES.has(command)) {
    // [ERR, "REPLY", tag] answers one of our requests (only ever sent on a DEALER).
    if (parts.length === 3 && parts[1].equals(REPLY)) failTag(parts[2].toString("latin1"), "refused", command);
    return;
  }
  // auth.cpp proxy_check_auth, in its order: unknown command, then not a known service node
  // (the `sn` category is Access{none, remote_sn = true}), then a request without a tag. The
  // refusal names the tag when there is one, else the command.
  /** @type {string | undefined} */
  let refusal;
  if (!settings.commands.has(command)) {
    return void sendNow(socket, [...prefix, "UNKNOWNCOMMAND", parts[0]]);
  } else if (peerKey === undefined || !allowed.has(peerKey.toString("latin1"))) {
    refusal = "FORBIDDEN_SN";
  } else if (parts.length < 2) {
    refusal = "NO_REPLY_TAG";
  }
  if (refusal !== undefined) {
    const tail = parts.length >= 2 ? ["REPLY", parts[1]] : [parts[0]];
    return void sendNow(socket, [...prefix, refusal, ...tail]);
  }
  const tag = parts[1];
  if (incoming.size >= settings.maxIncoming) {
    // A full category queue drops the command without an answer (worker.cpp proxy_to_worker).
    droppedSinceLog++;
    if (Date.now() - lastDropLog >= DROP_LOG_INTERVAL_MS) {
      log("warn", "zmq_incoming_dropped", { dropped: droppedSinceLog, inFlight: incoming.size });
      lastDropLog = Date.now();
      droppedSinceLog = 0;
    }
    return;
  }
  const id = String(nextIncomingId++);
  incoming.set(id, { socket, route, tag });
  emit(["in", id, command, /** @type {Buffer} */ (peerKey), ...parts.slice(2)]); // allow-listed above
}

/**
 * The key a ROUTER route names: `"L" ‖ key` (pubkey-based routing id), else undefined.
 *
 * @param {Buffer} route the route
 * @returns {Buffer | undefined} the key
 */
function routeKey(route) {
  return route.length === 1 + KEY_BYTES && route[0] === ROUTING_PREFIX ? route.subarray(1) : undefined;
}

async function runRouter() {
  if (router === undefined) return;
  for await (const [route, ...parts] of router) {
    if (parts.length === 0) continue;
    handleCommand(router, route, routeKey(route), parts);
  }
}

// ---------------------------------------------------------------------------------------------
// Outgoing requests.

/**
 * Fail every request pending on `peer`, close its socket and forget it.
 *
 * @param {Peer} peer the peer
 * @param {string} reason `connect`, `handshake`, `auth`, `disconnect`
 */
function dropPeer(peer, reason) {
  if (peers.get(peer.id) !== peer) return;
  peers.delete(peer.id);
  for (const tag of peer.tags) {
    const p = pending.get(tag);
    if (p === undefined) continue;
    pending.delete(tag);
    tagById.delete(p.id);
    emit(["fail", p.id, "unreachable", reason]);
  }
  peer.tags.clear();
  log("debug", "zmq_peer_dropped", { reason });
  try {
    peer.socket.close();
  } catch {
    // Already closed.
  }
}

/**
 * Fail one pending request.
 *
 * @param {string} tag its reply tag (latin1)
 * @param {string} kind `refused`, `overloaded`, `unreachable`
 * @param {string} detail the error answer or reason
 */
function failTag(tag, kind, detail) {
  const p = pending.get(tag);
  if (p === undefined) return;
  pending.delete(tag);
  tagById.delete(p.id);
  p.peer.tags.delete(tag);
  emit(["fail", p.id, kind, detail]);
}

/**
 * Watch a DEALER's connection events: any failure before or after the handshake fails what is
 * pending on it at once (a refused port, a ZAP denial, a wrong server key, a reset), instead of
 * leaving it to libzmq's silent reconnects and the request timeout.
 *
 * @param {Peer} peer the peer
 */
async function watchPeer(peer) {
  try {
    for await (const event of peer.socket.events) {
      switch (event.type) {
        case "handshake":
          peer.ready = true;
          break;
        case "handshake:error:auth":
          return dropPeer(peer, "auth");
        case "handshake:error:protocol":
        case "handshake:error:other":
          return dropPeer(peer, "handshake");
        case "connect:retry":
          return dropPeer(peer, peer.ready ? "disconnect" : "connect");
        case "disconnect":
          return dropPeer(peer, peer.ready ? "disconnect" : "handshake");
        case "end":
          return;
      }
    }
  } catch {
    dropPeer(peer, "disconnect");
  }
}

/**
 * Read answers (and requests the peer sends back over this connection) from a DEALER.
 *
 * @param {Peer} peer the peer
 */
async function readPeer(peer) {
  try {
    for await (const parts of peer.socket) {
      peer.lastActive = Date.now();
      if (parts.length === 0) continue;
      if (parts[0].equals(REPLY)) {
        if (parts.length < 2) continue;
        const tag = parts[1].toString("latin1");
        const p = pending.get(tag);
        if (p === undefined) continue; // unknown or already timed out
        pending.delete(tag);
        tagById.delete(p.id);
        peer.tags.delete(tag);
        emit(["res", p.id, ...parts.slice(2)]);
      } else {
        handleCommand(peer.socket, undefined, peer.key, parts);
      }
    }
  } catch {
    // Closed.
  }
}

/**
 * The peer for an address and key, connecting when needed.
 *
 * @param {string} address `tcp://host:port`
 * @param {Buffer} key the peer's X25519 key
 * @returns {Peer | undefined} the peer, or undefined when no slot is free
 */
function peerFor(address, key) {
  const id = `${address}|${key.toString("hex")}`;
  const known = peers.get(id);
  if (known !== undefined) return known;
  if (peers.size >= MAX_PEERS) {
    let oldest;
    for (const p of peers.values()) {
      if (p.tags.size === 0 && (oldest === undefined || p.lastActive < oldest.lastActive)) oldest = p;
    }
    if (oldest === undefined) return undefined;
    dropPeer(oldest, "evicted");
  }
  const socket = new zmq.Dealer({
    // Raw 32-byte keys and a binary routing id: libzmq takes both (the typings say string only).
    curveServerKey: /** @type {any} */ (key),
    curvePublicKey: /** @type {any} */ (settings.public),
    curveSecretKey: /** @type {any} */ (settings.secret),
    routingId: /** @type {any} */ (Buffer.concat([Buffer.from([ROUTING_PREFIX]), settings.public])),
    reconnectInterval: RECONNECT_MS,
    reconnectMaxInterval: RECONNECT_MAX_MS,
    handshakeInterval: HANDSHAKE_MS,
    heartbeatInterval: HEARTBEAT_MS,
    heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
    maxMessageSize: MAX_MESSAGE_BYTES,
    sendTimeout: 0,
    linger: 0,
  });
  /** @type {Peer} */
  const peer = { id, socket, key, tags: new Set(), ready: false, lastActive: Date.now() };
  peers.set(id, peer);
  void watchPeer(peer);
  void readPeer(peer);
  try {
    socket.connect(address);
  } catch {
    dropPeer(peer, "connect");
    return peer;
  }
  return peer;
}

/**
 * Send one request for the parent.
 *
 * @param {string} id the parent's request id
 * @param {string} address peer address
 * @param {Buffer} key peer key
 * @param {Buffer} command the command
 * @param {Buffer[]} data the data parts
 */
async function request(id, address, key, command, data) {
  if (pending.size >= settings.maxPending) return emit(["fail", id, "overloaded", "pending"]);
  const peer = peerFor(address, key);
  if (peer === undefined) return emit(["fail", id, "overloaded", "peers"]);
  if (!peers.has(peer.id)) return emit(["fail", id, "unreachable", "connect"]);
  let tagBytes = randomBytes(TAG_BYTES), tag = tagBytes.toString("latin1");
  while (pending.has(tag)) tagBytes = randomBytes(TAG_BYTES), tag = tagBytes.toString("latin1");
  pending.set(tag, { id, peer });
  tagById.set(id, tag);
  peer.tags.add(tag);
  peer.lastActive = Date.now();
  try {
    await peer.socket.send([command, tagBytes, ...data]);
  } catch {
    // The connection's queue is full (high-water mark) or the socket just closed.
    failTag(tag, "overloaded", "queue");
  }
}

function closeIdlePeers() {
  const now = Date.now();
  for (const peer of [...peers.values()]) {
    if (peer.tags.size === 0 && now - peer.lastActive > KEEP_ALIVE_MS) dropPeer(peer, "idle");
  }
}

// ---------------------------------------------------------------------------------------------
// Messages from the parent.

/**
 * Bind the listener (after the ZAP handler, so no connection is ever admitted without it).
 *
 * @param {string} address `tcp://host:port`; port 0 picks a free one
 */
async function start(address) {
  zmq.context.blocky = false; // linger 0 on every socket: nothing outlives close()
  zmq.context.maxSockets = MAX_SOCKETS;
  zap = new zmq.Reply({ linger: 0 });
  await zap.bind(ZAP_ENDPOINT);
  void runZap();
  router = new zmq.Router({
    curveServer: true,
    curvePublicKey: /** @type {any} */ (settings.public),
    curveSecretKey: /** @type {any} */ (settings.secret),
    zapDomain: ZAP_DOMAIN,
    handover: true,
    mandatory: true,
    handshakeInterval: HANDSHAKE_MS,
    heartbeatInterval: HEARTBEAT_MS,
    heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
    maxMessageSize: MAX_MESSAGE_BYTES,
    sendTimeout: 0,
  });
  await router.bind(address.replace(/:0$/, ":*"));
  void runRouter();
  setInterval(closeIdlePeers, IDLE_CHECK_MS).unref();
  emit(["ready", router.lastEndpoint ?? address]);
}

/**
 * Handle one frame from the parent.
 *
 * @param {Uint8Array[]} fields the frame
 */
function onFrame(fields) {
  const type = text(fields[0] ?? new Uint8Array(0));
  const b = (/** @type {number} */ i) => Buffer.from(fields[i].buffer, fields[i].byteOffset, fields[i].byteLength);
  switch (type) {
    case "req":
      void request(text(fields[1]), text(fields[2]), b(3), b(4), fields.slice(5).map((_, i) => b(i + 5)));
      return;
    case "cancel": {
      const tag = tagById.get(text(fields[1]));
      if (tag === undefined) return;
      const p = pending.get(tag);
      pending.delete(tag);
      tagById.delete(text(fields[1]));
      p?.peer.tags.delete(tag);
      return;
    }
    case "rep":
    case "drop": {
      const id = text(fields[1]);
      const inc = incoming.get(id);
      if (inc === undefined) return;
      incoming.delete(id);
      if (type === "drop") return;
      const prefix = inc.route === undefined ? [] : [inc.route];
      void sendNow(inc.socket, [...prefix, REPLY, inc.tag, ...fields.slice(2).map((_, i) => b(i + 2))]);
      return;
    }
    case "allow":
      allowed = new Set(fields.slice(1).map((_, i) => b(i + 1).toString("latin1")));
      return;
    case "start": {
      settings.secret = Buffer.from(b(2));
      settings.public = Buffer.from(b(3));
      settings.maxIncoming = Number(text(fields[4]));
      settings.maxPending = Number(text(fields[5]));
      settings.commands = new Set(fields.slice(6).map((f) => text(f)));
      start(text(fields[1])).catch((err) => {
        emit(["fatal", `bind failed: ${err instanceof Error && "code" in err ? String(err.code) : "error"}`]);
        setImmediate(() => stop(1));
      });
      return;
    }
  }
}

/**
 * Close everything and exit.
 *
 * @param {number} code exit status
 */
function stop(code) {
  if (stopping) return;
  flush();
  stopping = true;
  for (const peer of peers.values()) peer.socket.close();
  router?.close();
  zap?.close();
  process.exit(code);
}

const reader = new FrameReader();
process.stdin.on("data", (chunk) => {
  let frames;
  try {
    frames = reader.push(chunk);
  } catch {
    return stop(2); // the parent sent garbage: nothing after it can be trusted
  }
  for (const f of frames) onFrame(f);
});
process.stdin.on("end", () => stop(0));
process.stdin.on("error", () => stop(0));
process.stdout.on("error", () => stop(0));
