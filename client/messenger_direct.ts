/**
 * 1:1 messaging for {@link Messenger} (client/README.md "1:1"): fetching and verifying a peer's
 * pre-key bundle, starting a session from it (X3DH, e2ee.md §2.2) and sending ratchet messages in
 * sealed envelopes (e2ee.md §3), and reading the identity's inbox — including the one-time prekey
 * reuse recovery (client/README.md "Pre-key reuse").
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import { ctEqual, type Identity, isProtocolError, parseSessionId, ProtocolError, toHex } from "../mod.ts";
import { decodeProto, encodeProto } from "../protocol/e2ee/session/protobuf.ts";
import { ContentSchema } from "../protocol/e2ee/gen/session_protos_pb.ts";
import { type ClientMessage, ClientMessageSchema } from "../protocol/e2ee/gen/allium_client_pb.ts";
import {
  decryptPreKeySignalMessage,
  decryptSignalMessage,
  encryptMessage,
  startSession,
} from "../protocol/e2ee/signal/session_cipher.ts";
import {
  deserializeSessionRecord,
  emptySessionRecord,
  serializeSessionRecord,
  type SessionRecord,
} from "../protocol/e2ee/signal/session_record.ts";
import { decodePreKeySignalMessage } from "../protocol/e2ee/signal/wire.ts";
import { PREKEY_SIGNAL_MESSAGE_TYPE } from "../protocol/e2ee/signal/constants.ts";
import {
  parseSignedBundle,
  pickOneTimePreKey,
  PREKEY_BUNDLE_NAMESPACE,
  type PublishedBundle,
  x3dhBundle,
} from "./bundle.ts";
import { type MessengerEvent, readContent } from "./content.ts";
import { MessengerError, PreKeyReusedError, TamperedMessageError, UnknownRecipientError } from "./errors.ts";
import { responderKeys, x3dhIdentity } from "./identity_keys.ts";
import type { GroupOps } from "./messenger_groups.ts";
import {
  BUNDLE_OUT_OF_DATE,
  DEFAULT_PREKEY_GRACE_MS,
  type Mailbox,
  type MessengerOptions,
  type SentMessage,
} from "./messenger_types.ts";
import type { RetrievedMessage } from "./storage_client.ts";
import { shortId, swarmCall } from "./transport.ts";
import { openDirect, sealDirect } from "./wire.ts";

/** What {@link DirectOps} needs from the messenger. */
export interface DirectContext {
  /** The messenger's dependencies. */
  readonly options: MessengerOptions;
  /** The local identity. */
  readonly identity: Identity;
  /** The identity's registration id. */
  readonly registrationId: () => number;
  /** A fresh, strictly increasing timestamp. */
  readonly nextTimestamp: () => number;
  /** The identity's inbox. */
  readonly inbox: () => Mailbox;
  /** The group operations (for group control messages arriving over 1:1). */
  readonly groups: () => GroupOps;
}

/** What one handled stored message produced. */
interface Handled {
  events: MessengerEvent[];
}

/** A sealed 1:1 envelope, opened. */
interface OpenedDirect {
  source: string;
  timestamp: number;
}

/** Map a decryption failure of a stored 1:1 message to the client's error. */
function directFailure(hash: string, source: string, e: unknown): MessengerError {
  if (e instanceof MessengerError) return e;
  if (!(e instanceof ProtocolError)) throw e;
  const what = `Cannot read message ${hash.slice(0, 8)} from ${shortId(source)}`;
  const why = e.code === "SIGNAL_DUPLICATE_MESSAGE"
    ? "it replays a message already read"
    : e.code === "SIGNAL_NO_SESSION"
    ? "there is no session with the sender, so it cannot be authenticated"
    : e.code === "SIGNED_PREKEY_NOT_FOUND"
    ? "it names a signed prekey this identity never published"
    : e.code === "DECRYPT_FAILED"
    ? "its authentication code does not verify (the ciphertext was altered)"
    : `it is malformed or does not authenticate (${e.code})`;
  return new TamperedMessageError(hash, `${what}: ${why}; nothing was kept`, { cause: e });
}

/** 1:1 operations of one identity. */
export class DirectOps {
  #c: DirectContext;

  /**
   * @param context the messenger's dependencies and helpers
   */
  constructor(context: DirectContext) {
    this.#c = context;
  }

  get #owner(): string {
    return this.#c.identity.sessionId;
  }

  /**
   * Fetch and verify a peer's pre-key bundle through an onion request (unauthenticated retrieve of
   * its public outbox).
   *
   * @param peer the peer's Session ID
   * @returns the verified bundle
   * @throws {UnknownRecipientError} when it published none, or it does not verify
   * @throws {SwarmUnreachableError} when its swarm cannot be reached
   */
  async fetchBundle(peer: string): Promise<PublishedBundle> {
    const o = this.#c.options;
    const r = await swarmCall(
      { account: peer, action: "fetch the pre-key bundle of" },
      () => o.storage.retrieveFrom(peer, { namespace: PREKEY_BUNDLE_NAMESPACE }),
    );
    const last = r.messages.at(-1);
    if (last === undefined) {
      throw new UnknownRecipientError(
        peer,
        `Cannot send to ${
          shortId(peer)
        }: it has published no pre-key bundle (an unknown Session ID, or one that never ran "id new")`,
      );
    }
    try {
      return await parseSignedBundle(last.data, { sessionId: peer, provider: o.provider });
    } catch (e) {
      throw new UnknownRecipientError(
        peer,
        `Cannot send to ${shortId(peer)}: its published pre-key bundle does not verify (${(e as Error).message})`,
      );
    }
  }

  #record(peer: string): SessionRecord {
    const bytes = this.#c.options.state.session(this.#owner, peer);
    return bytes === undefined ? emptySessionRecord() : deserializeSessionRecord(bytes);
  }

  /**
   * Ratchet-encrypt `message` for `peer` (starting a session from its bundle if there is none),
   * commit the ratchet step, then seal and store it in the peer's namespace 0.
   *
   * @param peer the peer's Session ID
   * @param message the ratchet plaintext
   * @param options `timestamp` (default a fresh one), `keep` (remember it for resend requests)
   * @returns what was stored
   * @throws {UnknownRecipientError} when the peer has no usable bundle
   * @throws {SwarmUnreachableError | MessengerError} on network failures
   */
  async send(
    peer: string,
    message: ClientMessage,
    options: { timestamp?: number; keep: boolean },
  ): Promise<SentMessage> {
    const o = this.#c.options;
    if (peer === this.#owner) {
      throw new MessengerError("INVALID_INPUT", "Cannot send: the recipient is this identity itself");
    }
    const timestamp = options.timestamp ?? this.#c.nextTimestamp();
    const plaintext = encodeProto(ClientMessageSchema, message, "encode message");
    let record = this.#record(peer);
    if (record.current === undefined) {
      const bundle = await this.fetchBundle(peer);
      const index = o.choosePreKey ? o.choosePreKey(bundle) : pickOneTimePreKey(bundle, o.rng);
      const local = {
        identityKeyPair: await x3dhIdentity(this.#c.identity, o.provider),
        registrationId: this.#c.registrationId(),
      };
      record = await startSession(local, x3dhBundle(bundle, index), { rng: o.rng, record, provider: o.provider });
    }
    const [next, ciphertext] = await encryptMessage(record, plaintext, { provider: o.provider });
    o.state.transaction(() => {
      o.state.putSession(this.#owner, peer, { bytes: serializeSessionRecord(next), at: o.now() });
      if (options.keep) o.state.addSent(this.#owner, peer, { timestamp, plaintext });
    });
    const sealed = sealDirect({
      type: ciphertext.type === PREKEY_SIGNAL_MESSAGE_TYPE ? "prekey" : "message",
      source: this.#owner,
      timestamp,
      body: ciphertext.body,
    }, { recipient: parseSessionId(peer), rng: o.rng });
    const receipt = await swarmCall(
      { account: peer, action: "store a message for" },
      () => o.storage.store(peer, sealed),
    );
    return { to: peer, timestamp, hash: receipt.hash };
  }

  /**
   * Open, decrypt and apply one stored 1:1 message (one transaction), then run its follow-ups.
   *
   * @param mailbox the identity's inbox
   * @param item the stored message
   * @returns the events
   * @throws {TamperedMessageError | PreKeyReusedError | MessengerError} when it cannot be used
   */
  async handle(mailbox: Mailbox, item: RetrievedMessage): Promise<Handled> {
    const o = this.#c.options;
    let env;
    try {
      env = openDirect(item.data, this.#c.identity);
    } catch (e) {
      throw new TamperedMessageError(
        item.hash,
        `Cannot read message ${
          item.hash.slice(0, 8)
        }: its sealed envelope does not open (altered in storage, or not sealed for this identity); nothing was kept`,
        { cause: e },
      );
    }
    const record = this.#record(env.source);
    let next: SessionRecord, plaintext: Uint8Array, consumed: number | undefined;
    try {
      if (env.type === "prekey") {
        const preKeyId = decodePreKeySignalMessage(env.body).preKeyId;
        const keys = await responderKeys(o.state, this.#c.identity, {
          ...(preKeyId === undefined ? {} : { preKeyId }),
          usedSince: o.now() - (o.preKeyGraceMs ?? DEFAULT_PREKEY_GRACE_MS),
          provider: o.provider,
        });
        const [r, result] = await decryptPreKeySignalMessage(record, env.body, {
          keys,
          rng: o.rng,
          provider: o.provider,
        });
        if (!ctEqual(result.remoteIdentityKey, parseSessionId(env.source))) {
          throw new TamperedMessageError(
            item.hash,
            `Cannot read message ${item.hash.slice(0, 8)}: it claims to come from ${
              shortId(env.source)
            } but was written by 05${toHex(result.remoteIdentityKey).slice(0, 10)}…; nothing was kept`,
          );
        }
        [next, plaintext, consumed] = [r, result.plaintext, result.consumedPreKeyId];
      } else {
        [next, plaintext] = await decryptSignalMessage(record, env.body, { rng: o.rng, provider: o.provider });
      }
    } catch (e) {
      if (isProtocolError(e, "PREKEY_NOT_FOUND")) throw await this.#preKeyReused(item, env);
      throw directFailure(item.hash, env.source, e);
    }
    let message: ClientMessage;
    try {
      message = decodeProto(ClientMessageSchema, plaintext, "read message");
    } catch (e) {
      throw directFailure(item.hash, env.source, e);
    }
    const plan = await this.#plan(env, message, item);
    o.state.transaction(() => {
      o.state.putSession(this.#owner, env.source, { bytes: serializeSessionRecord(next), at: o.now() });
      if (consumed !== undefined) {
        // e2ee.md §2.4: the OPK leaves the bundle now and is deleted after the grace period, so a
        // second sender who fetched the same bundle is still served meanwhile.
        o.state.markPreKeyUsed(this.#owner, consumed, o.now());
        o.state.purgeUsedPreKeys(this.#owner, o.now() - (o.preKeyGraceMs ?? DEFAULT_PREKEY_GRACE_MS));
        o.state.updateBundleState(this.#owner, { publishedAt: BUNDLE_OUT_OF_DATE });
      }
      o.state.markProcessed(this.#owner, mailbox, item);
      plan.apply();
    });
    return { events: [...plan.events, ...await plan.after()] };
  }

  /** What a decrypted ClientMessage does: state changes (in the message's transaction), events, follow-ups. */
  async #plan(
    env: OpenedDirect,
    message: ClientMessage,
    item: RetrievedMessage,
  ): Promise<{ apply: () => void; events: MessengerEvent[]; after: () => Promise<MessengerEvent[]> }> {
    const o = this.#c.options;
    const body = message.body;
    const none = () => Promise.resolve([]);
    switch (body.case) {
      case "content": {
        const { text, attachments } = readContent(body.value);
        const answered = o.state.resendRequest(this.#owner, env.source, env.timestamp);
        return {
          apply: () => {
            o.state.addMessage(this.#owner, {
              conversation: env.source,
              direction: "in",
              sender: env.source,
              timestamp: env.timestamp,
              body: text,
              content: encodeProto(ContentSchema, body.value, "encode content"),
              hash: item.hash,
              recordedAt: o.now(),
            });
            if (answered !== undefined) {
              // The resent copy settles the undecryptable original (client/README.md "Pre-key reuse").
              o.state.markProcessed(this.#owner, this.#c.inbox(), { hash: answered.hash, expiry: item.expiry });
              o.state.deleteResendRequest(this.#owner, env.source, env.timestamp);
            }
          },
          events: [{ type: "message", from: env.source, timestamp: env.timestamp, text, attachments, hash: item.hash }],
          after: none,
        };
      }
      case "resendRequest": {
        const timestamps = body.value.timestamps.map(Number);
        return {
          apply: () => {},
          events: [],
          after: async () => {
            const resent: number[] = [];
            for (const t of timestamps) {
              const plaintext = o.state.sent(this.#owner, env.source, t);
              if (plaintext === undefined) continue;
              await this.send(env.source, decodeProto(ClientMessageSchema, plaintext, "read sent message"), {
                timestamp: t,
                keep: false,
              });
              resent.push(t);
            }
            return resent.length === 0 ? [] : [{ type: "resent", to: env.source, timestamps: resent }];
          },
        };
      }
      case "groupInvite":
      case "groupUpdate":
      case "senderKeyDistribution": {
        const plan = await this.#c.groups().plan(env.source, body, item.hash);
        return { apply: plan.apply, events: plan.events, after: none };
      }
      default:
        throw new TamperedMessageError(
          item.hash,
          `Cannot read message ${item.hash.slice(0, 8)} from ${
            shortId(env.source)
          }: it carries nothing this client understands`,
        );
    }
  }

  /**
   * A PreKeySignalMessage naming a one-time prekey that is gone (another sender consumed it):
   * ask the sender, once, to send it again over a session this identity starts.
   */
  async #preKeyReused(item: RetrievedMessage, env: OpenedDirect): Promise<PreKeyReusedError> {
    const o = this.#c.options;
    const what = `Cannot read message ${item.hash.slice(0, 8)} from ${shortId(env.source)}: ` +
      "it used a one-time prekey that another sender had already used";
    let requested = o.state.resendRequest(this.#owner, env.source, env.timestamp) !== undefined;
    let why = "the sender was already asked to send it again";
    if (!requested) {
      try {
        const request = create(ClientMessageSchema, {
          body: { case: "resendRequest", value: { timestamps: [BigInt(env.timestamp)] } },
        });
        await this.send(env.source, request, { keep: false });
        o.state.addResendRequest(
          this.#owner,
          { peer: env.source, timestamp: env.timestamp, hash: item.hash },
          o.now(),
        );
        requested = true;
        why = "the sender was asked to send it again";
      } catch (e) {
        if (!(e instanceof MessengerError)) throw e;
        why = `the sender could not be asked to send it again (${e.message})`;
      }
    }
    return new PreKeyReusedError(
      { hash: item.hash, sender: env.source, resendRequested: requested },
      `${what}; ${why}`,
    );
  }
}
