/**
 * The messaging client (client/README.md): one local identity sending and receiving end-to-end
 * encrypted messages through swarms, every network call on a 3-hop onion path (the injected
 * {@link MessageStorage} / {@link AttachmentStore}).
 *
 * - 1:1: X3DH from the peer's published pre-key bundle, then the Double Ratchet (e2ee.md §2–§3);
 *   each ratchet message travels in a sealed envelope (client/wire.ts) in the peer's namespace 0.
 * - Groups: Sender Keys (e2ee.md §4), distributed over 1:1; group envelopes in the group
 *   account's namespace 0 (client/messenger_groups.ts).
 * - Attachments: the deterministic libsession format (e2ee.md §6.2), uploaded to the file app.
 *
 * Every message is applied in one state transaction after it decrypted: a message that fails
 * changes nothing and is reported as an `error` event (and tried again on the next receive). The
 * sender commits its ratchet (or Sender Key) step before storing, so a message key is never used
 * twice even when a store's answer is lost.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import { ctEqual, type Identity } from "../mod.ts";
import { encodeProto } from "../protocol/e2ee/session/protobuf.ts";
import { type Content, ContentSchema } from "../protocol/e2ee/gen/session_protos_pb.ts";
import { ClientMessageSchema } from "../protocol/e2ee/gen/allium_client_pb.ts";
import { decryptAttachment, encryptAttachment } from "../protocol/e2ee/attachments/deterministic_attachment.ts";
import { encodeSignedBundle, PREKEY_BUNDLE_NAMESPACE, PREKEY_BUNDLE_TTL_MS, type PublishedBundle } from "./bundle.ts";
import { attachmentContent, type AttachmentInfo, fileIdOf, type MessengerEvent, textContent } from "./content.ts";
import { MessengerError, UnknownRecipientError } from "./errors.ts";
import { identityOf, newIdentityRow, publishedBundle, topUpPreKeys } from "./identity_keys.ts";
import { isGroupId } from "./groups.ts";
import type { IdentityRow } from "./state.ts";
import { fileCall, shortId, swarmCall } from "./transport.ts";
import type { RetrievedMessage } from "./storage_client.ts";
import { GroupOps } from "./messenger_groups.ts";
import { DirectOps } from "./messenger_direct.ts";
import {
  BUNDLE_OUT_OF_DATE,
  DEFAULT_ONE_TIME_PREKEYS,
  DEFAULT_REPUBLISH_AFTER_MS,
  INBOX_NAMESPACE,
  type Mailbox,
  MAX_PAGES_PER_RECEIVE,
  MESSAGE_TTL_MS,
  type MessengerOptions,
  type OutgoingFile,
  type SentMessage,
} from "./messenger_types.ts";

export {
  DEFAULT_ONE_TIME_PREKEYS,
  DEFAULT_REPUBLISH_AFTER_MS,
  type Mailbox,
  type MessengerOptions,
  type OutgoingFile,
  type SentMessage,
} from "./messenger_types.ts";

async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>));
}

/** A messenger for one local identity. */
export class Messenger {
  #o: MessengerOptions;
  #row: IdentityRow;
  #id: Identity;
  #lastTimestamp: number;
  #groups: GroupOps;
  #direct: DirectOps;

  private constructor(options: MessengerOptions, row: IdentityRow, id: Identity) {
    this.#o = options;
    this.#row = row;
    this.#id = id;
    this.#lastTimestamp = options.state.lastSentTimestamp(row.sessionId);
    this.#direct = new DirectOps({
      options,
      identity: id,
      registrationId: () => this.#row.registrationId,
      nextTimestamp: () => this.#nextTimestamp(),
      inbox: () => this.#mailboxes()[0],
      groups: () => this.#groups,
    });
    this.#groups = new GroupOps({
      options,
      identity: id,
      nextTimestamp: () => this.#nextTimestamp(),
      sendDirect: (peer, message, opts) => this.#direct.send(peer, message, opts),
    });
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
    return await this.#direct.fetchBundle(peer);
  }

  /**
   * Create a new identity in the state (keys and one-time prekeys; nothing is published — call
   * {@link Messenger.publishBundle}).
   *
   * @param options dependencies
   * @param name the local name
   * @returns a messenger for it
   * @throws {MessengerError} `INVALID_INPUT` for a bad or taken name
   * @example
   * ```ts
   * import { Messenger } from "./messenger.ts";
   * import { ClientState } from "./state.ts";
   * import { nobleProvider as provider, systemRng as rng } from "../mod.ts";
   * const storage = { store: () => Promise.reject(new Error("offline")), retrieveFrom: () => Promise.reject(new Error("offline")) };
   * const state = ClientState.open(":memory:");
   * const alice = await Messenger.create({ state, storage, provider, rng, now: Date.now }, "alice");
   * if (!alice.sessionId.startsWith("05")) throw new Error("bad");
   * state.close();
   * ```
   */
  static async create(options: MessengerOptions, name: string): Promise<Messenger> {
    const state = options.state;
    if (state.identity(name) !== undefined) {
      throw new MessengerError("INVALID_INPUT", `Cannot create identity: the name "${name}" is taken`);
    }
    const row = await newIdentityRow(name, { provider: options.provider, rng: options.rng, now: options.now() });
    state.addIdentity(row);
    await topUpPreKeys(state, row, {
      target: options.oneTimePreKeys ?? DEFAULT_ONE_TIME_PREKEYS,
      rng: options.rng,
      provider: options.provider,
    });
    return new Messenger(options, state.identity(row.sessionId)!, await identityOf(row, options.provider));
  }

  /**
   * A messenger for an identity in the state.
   *
   * @param options dependencies
   * @param nameOrSessionId its local name or Session ID
   * @returns the messenger
   * @throws {MessengerError} `INVALID_INPUT` when the state has no such identity
   */
  static async open(options: MessengerOptions, nameOrSessionId: string): Promise<Messenger> {
    const row = options.state.identity(nameOrSessionId);
    if (row === undefined) {
      throw new MessengerError(
        "INVALID_INPUT",
        `Cannot use identity "${nameOrSessionId}": no such local identity (create one with "id new")`,
      );
    }
    return new Messenger(options, row, await identityOf(row, options.provider));
  }

  /** The identity's Session ID. */
  get sessionId(): string {
    return this.#id.sessionId;
  }

  /** The identity's local name. */
  get name(): string {
    return this.#row.name;
  }

  #nextTimestamp(): number {
    this.#lastTimestamp = Math.max(Math.floor(this.#o.now()), this.#lastTimestamp + 1);
    return this.#lastTimestamp;
  }

  /**
   * A recipient's Session ID: a Session ID as given, or the Session ID of a local identity by name.
   *
   * @param recipient Session ID or local name
   * @returns the Session ID
   * @throws {UnknownRecipientError} for anything else
   */
  resolve(recipient: string): string {
    if (/^05[0-9a-f]{64}$/.test(recipient)) return recipient;
    const local = this.#o.state.identity(recipient);
    if (local !== undefined) return local.sessionId;
    throw new UnknownRecipientError(
      recipient,
      isGroupId(recipient)
        ? `Cannot send to "${shortId(recipient)}": it is a group id; use "group send"`
        : `Cannot send to "${recipient}": it is neither a Session ID (05 + 64 hex) nor a local identity name`,
    );
  }

  /**
   * Publish the pre-key bundle (topping the one-time prekey pool up first) in the identity's own
   * swarm, namespace {@link PREKEY_BUNDLE_NAMESPACE}, with a signed store (e2ee.md §2.4).
   *
   * @returns the stored hash and how many one-time prekeys it offers
   * @throws {SwarmUnreachableError | MessengerError} when the swarm cannot be reached or refuses
   */
  async publishBundle(): Promise<{ hash: string; oneTimePreKeys: number }> {
    const o = this.#o;
    await topUpPreKeys(o.state, this.#row, {
      target: o.oneTimePreKeys ?? DEFAULT_ONE_TIME_PREKEYS,
      rng: o.rng,
      provider: o.provider,
    });
    const now = Math.floor(o.now());
    const bundle = await publishedBundle(o.state, this.#id, { provider: o.provider, now });
    const bytes = await encodeSignedBundle(bundle, { ed25519Seed: this.#id.ed25519Seed, provider: o.provider });
    const receipt = await swarmCall(
      { account: this.sessionId, action: "publish the pre-key bundle of" },
      () =>
        o.storage.store(this.sessionId, bytes, {
          namespace: PREKEY_BUNDLE_NAMESPACE,
          ttlMs: PREKEY_BUNDLE_TTL_MS,
          auth: { ed25519Seed: this.#id.ed25519Seed, ed25519Public: this.#id.ed25519Public },
        }),
    );
    o.state.updateBundleState(this.sessionId, { publishedAt: now });
    this.#row = o.state.identity(this.sessionId)!;
    return { hash: receipt.hash, oneTimePreKeys: bundle.oneTimePreKeys.length };
  }

  async #sendContent(peer: string, content: Content, text: string | undefined): Promise<SentMessage> {
    const sent = await this.#direct.send(
      peer,
      create(ClientMessageSchema, { body: { case: "content", value: content } }),
      {
        timestamp: Number(content.dataMessage?.timestamp ?? 0n) || undefined,
        keep: true,
      },
    );
    this.#o.state.addMessage(this.sessionId, {
      conversation: peer,
      direction: "out",
      sender: this.sessionId,
      timestamp: sent.timestamp,
      ...(text === undefined ? {} : { body: text }),
      content: encodeProto(ContentSchema, content, "encode content"),
      hash: sent.hash,
      recordedAt: this.#o.now(),
    });
    return sent;
  }

  /**
   * Send a text message.
   *
   * @param to Session ID or local name
   * @param text the text
   * @returns what was stored
   * @throws {UnknownRecipientError} for an unknown name, or a peer without a bundle
   * @throws {SwarmUnreachableError | MessengerError} when its swarm cannot be reached or refuses
   */
  async send(to: string, text: string): Promise<SentMessage> {
    const peer = this.resolve(to);
    return await this.#sendContent(peer, textContent(text, this.#nextTimestamp()), text);
  }

  /**
   * Send a file: encrypt it (e2ee.md §6.2), upload the blob to the file app, and send an
   * AttachmentPointer.
   *
   * @param to Session ID or local name
   * @param file bytes, name, type, caption
   * @returns what was stored, with the file id
   * @throws {MessengerError} `INVALID_INPUT` without a file app or for a file over the limit; the
   *   errors of {@link Messenger.send}; `FILE_SERVER_UNREACHABLE` / `REQUEST_REFUSED` from the upload
   */
  async sendFile(to: string, file: OutgoingFile): Promise<SentMessage & { fileId: string }> {
    const o = this.#o;
    const peer = this.resolve(to);
    const { files, fileServer } = o;
    if (files === undefined || fileServer === undefined) {
      throw new MessengerError("INVALID_INPUT", "Cannot send file: this network has no file app");
    }
    let blob: Uint8Array, key: Uint8Array;
    try {
      ({ blob, key } = encryptAttachment(this.#id.ed25519Seed, file.data));
    } catch (e) {
      throw new MessengerError("INVALID_INPUT", `Cannot send file "${file.fileName}": ${(e as Error).message}`);
    }
    const fileId = await fileCall("upload the attachment", () => files.upload(blob));
    const content = attachmentContent({
      fileId,
      key,
      digest: await sha256(blob),
      size: file.data.length,
      fileName: file.fileName,
      ...(file.contentType === undefined ? {} : { contentType: file.contentType }),
      server: fileServer,
    }, { ...(file.text === undefined ? {} : { text: file.text }), timestamp: this.#nextTimestamp() });
    return { ...await this.#sendContent(peer, content, file.text), fileId };
  }

  /**
   * Download and decrypt a received attachment, checking its digest and size.
   *
   * @param attachment from a message event
   * @returns the file's bytes
   * @throws {MessengerError} `ATTACHMENT_INVALID` when it does not match or decrypt;
   *   `FILE_SERVER_UNREACHABLE` / `REQUEST_REFUSED` from the download
   */
  async downloadAttachment(attachment: AttachmentInfo): Promise<Uint8Array> {
    const files = this.#o.files;
    if (files === undefined) throw new MessengerError("INVALID_INPUT", "Cannot download: this network has no file app");
    const p = attachment.pointer;
    const id = fileIdOf(p);
    if (id === undefined) {
      throw new MessengerError("ATTACHMENT_INVALID", `Cannot download: the URL "${p.url}" names no file`);
    }
    const blob = await fileCall(`download attachment "${attachment.fileName}"`, () => files.download(id));
    if (p.digest.length > 0 && !ctEqual(await sha256(blob), p.digest)) {
      throw new MessengerError(
        "ATTACHMENT_INVALID",
        `Cannot open attachment "${attachment.fileName}": digest mismatch`,
      );
    }
    let data: Uint8Array;
    try {
      data = decryptAttachment(blob, p.key);
    } catch (cause) {
      throw new MessengerError(
        "ATTACHMENT_INVALID",
        `Cannot open attachment "${attachment.fileName}": it does not decrypt`,
        {
          cause,
        },
      );
    }
    if (data.length !== p.size) {
      throw new MessengerError(
        "ATTACHMENT_INVALID",
        `Cannot open attachment "${attachment.fileName}": ${data.length} bytes, the pointer says ${p.size}`,
      );
    }
    return data;
  }

  // ---- groups (client/messenger_groups.ts) -------------------------------------------------------

  /**
   * Create a group with this identity as its only member.
   *
   * @param name display name
   * @returns the group id and name
   */
  async createGroup(name: string): Promise<{ groupId: string; name: string }> {
    return await this.#groups.create(name);
  }

  /**
   * Add a member: the invite (with the group seed) goes to the new member over 1:1, an update to
   * the other members.
   *
   * @param group group id or name
   * @param member Session ID or local name
   * @returns the group id and the member's Session ID
   * @throws {UnknownRecipientError} for an unknown group or member, or a member without a bundle
   * @throws {SwarmUnreachableError | MessengerError} on network failures
   */
  async addMember(group: string, member: string): Promise<{ groupId: string; member: string }> {
    return await this.#groups.addMember(group, this.resolve(member));
  }

  /**
   * Send a text to a group: first this identity's Sender Key distribution message to every member
   * that lacks it (over 1:1), then the Sender Key message in the group's mailbox.
   *
   * @param group group id or name
   * @param text the text
   * @returns what was stored
   * @throws {UnknownRecipientError} for an unknown group
   * @throws {SwarmUnreachableError | MessengerError} on network failures
   */
  async sendGroup(group: string, text: string): Promise<SentMessage> {
    return await this.#groups.send(group, text);
  }

  // ---- receiving --------------------------------------------------------------------------------

  /** The identity's own inbox and every group's mailbox. */
  #mailboxes(): Mailbox[] {
    return [
      {
        account: this.sessionId,
        namespace: INBOX_NAMESPACE,
        kind: "direct",
        auth: { ed25519Seed: this.#id.ed25519Seed, ed25519Public: this.#id.ed25519Public },
      },
      ...this.#o.state.groups(this.sessionId).map((g) => this.#groups.mailbox(g)),
    ];
  }

  /**
   * Fetch the stored messages of a mailbox after its cursor, without processing them (a hook for
   * tests and tools; {@link Messenger.receive} does both).
   *
   * @param mailbox this identity's Session ID (default) or a group id
   * @returns the raw stored messages, oldest first
   * @throws {UnknownRecipientError} for an unknown group
   * @throws {SwarmUnreachableError | MessengerError} on network failures
   */
  async fetchMailbox(mailbox: string = this.sessionId): Promise<RetrievedMessage[]> {
    return await this.#fetch(this.#mailbox(mailbox));
  }

  #mailbox(id: string): Mailbox {
    const m = this.#mailboxes().find((b) => b.account === id);
    if (m === undefined) {
      throw new UnknownRecipientError(id, `Cannot read mailbox ${shortId(id)}: not this identity or one of its groups`);
    }
    return m;
  }

  async #fetch(mailbox: Mailbox): Promise<RetrievedMessage[]> {
    const o = this.#o;
    const out: RetrievedMessage[] = [];
    let lastHash = o.state.cursor(this.sessionId, mailbox);
    for (let page = 0; page < MAX_PAGES_PER_RECEIVE; page++) {
      const r = await swarmCall(
        { account: mailbox.account, action: "retrieve messages of" },
        () =>
          o.storage.retrieveFrom(mailbox.account, {
            namespace: mailbox.namespace,
            auth: mailbox.auth,
            ...(lastHash === undefined ? {} : { lastHash }),
          }),
      );
      out.push(...r.messages);
      if (!r.more || r.messages.length === 0) break;
      lastHash = r.messages[r.messages.length - 1].hash;
    }
    return out;
  }

  /**
   * Process stored messages of a mailbox in the given order (a hook: tests feed them reordered).
   * Each is applied in one transaction, or — if it fails — reported as an `error` event and not
   * applied at all.
   *
   * @param mailbox this identity's Session ID or a group id
   * @param items the stored messages
   * @param options `advanceCursor`: move the mailbox's retrieve cursor over the settled prefix
   *   (what {@link Messenger.receive} does); default false
   * @returns the events, in order
   */
  async processMailbox(
    mailbox: string,
    items: readonly RetrievedMessage[],
    options: { advanceCursor?: boolean } = {},
  ): Promise<MessengerEvent[]> {
    const m = this.#mailbox(mailbox);
    const state = this.#o.state;
    const events: MessengerEvent[] = [];
    for (const item of items) {
      if (state.isProcessed(this.sessionId, m, item.hash)) continue;
      try {
        const h = m.kind === "direct" ? await this.#direct.handle(m, item) : await this.#groups.handle(m, item);
        events.push(...h.events);
      } catch (e) {
        if (!(e instanceof MessengerError)) throw e;
        events.push({ type: "error", mailbox: m.account, hash: item.hash, error: e });
      }
    }
    // A failure a later message settled (a resent copy) is no longer reported.
    const settled = (hash: string) => state.isProcessed(this.sessionId, m, hash);
    const out = events.filter((e) => e.type !== "error" || e.hash === undefined || !settled(e.hash));
    let cursor: string | undefined;
    if (options.advanceCursor === true) {
      for (const item of items) {
        if (!settled(item.hash)) break;
        cursor = item.hash;
      }
    }
    if (cursor !== undefined) state.setCursor(this.sessionId, m, cursor);
    return out;
  }

  /**
   * Fetch and process everything new: the 1:1 inbox first (so invites and Sender Keys arrive
   * before the group messages that need them), then every group; then republish the bundle if
   * one-time prekeys were consumed or it is getting old. A group mailbox or a republication that
   * fails is reported as an `error` event without a hash, so what was already read is not lost.
   *
   * @returns the events, in order
   * @throws {SwarmUnreachableError | MessengerError} when the identity's own inbox cannot be read
   */
  async receive(): Promise<MessengerEvent[]> {
    const o = this.#o;
    const events: MessengerEvent[] = [];
    const [inbox] = this.#mailboxes();
    events.push(...await this.processMailbox(inbox.account, await this.#fetch(inbox), { advanceCursor: true }));
    for (const m of this.#mailboxes().slice(1)) {
      try {
        events.push(...await this.processMailbox(m.account, await this.#fetch(m), { advanceCursor: true }));
      } catch (e) {
        if (!(e instanceof MessengerError)) throw e;
        events.push({ type: "error", mailbox: m.account, error: e });
      }
    }
    const published = o.state.identity(this.sessionId)?.bundlePublishedAt;
    const due = published !== undefined &&
      (published === BUNDLE_OUT_OF_DATE || o.now() - published > (o.republishAfterMs ?? DEFAULT_REPUBLISH_AFTER_MS));
    if (due) {
      try {
        await this.publishBundle();
      } catch (e) {
        if (!(e instanceof MessengerError)) throw e;
        events.push({ type: "error", mailbox: this.sessionId, error: e });
      }
    }
    o.state.pruneProcessed(o.now());
    o.state.pruneSent(this.sessionId, o.now() - MESSAGE_TTL_MS);
    return events;
  }
}
