/**
 * Groups for {@link Messenger} (client/README.md "Groups"): creating a group, adding members
 * (invite to the new member, update to the others, both over 1:1), sending with Sender Keys
 * (e2ee.md §4: the distribution message first goes over 1:1 to every member that has not had it
 * for the current chain), and reading the group's mailbox.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import { ProtocolError, toHex } from "../mod.ts";
import { decodeProto, encodeProto } from "../protocol/e2ee/session/protobuf.ts";
import { ContentSchema } from "../protocol/e2ee/gen/session_protos_pb.ts";
import {
  type ClientMessage,
  ClientMessageSchema,
  type GroupInvite,
  type GroupUpdate,
  type SenderKeyDistribution,
} from "../protocol/e2ee/gen/allium_client_pb.ts";
import {
  generateSenderKey,
  processSenderKeyDistributionMessage,
  senderKeyDecrypt,
  senderKeyDistributionMessage,
  senderKeyEncrypt,
} from "../protocol/e2ee/signal/sender_keys.ts";
import {
  deserializeSenderKeyRecord,
  type SenderKeyRecord,
  serializeSenderKeyRecord,
} from "../protocol/e2ee/signal/sender_key_record.ts";
import { parseSenderKeyDistributionMessage } from "../protocol/e2ee/signal/sender_key_message.ts";
import type { Identity } from "../mod.ts";
import type { MessengerEvent } from "./content.ts";
import { readContent, textContent } from "./content.ts";
import { MessengerError, MissingSenderKeyError, TamperedMessageError, UnknownRecipientError } from "./errors.ts";
import { distributionIdFor, GROUP_SEED_BYTES, groupIdFromSeed } from "./groups.ts";
import type { Mailbox, MessengerOptions, SentMessage } from "./messenger_types.ts";
import type { GroupRow } from "./state.ts";
import type { RetrievedMessage } from "./storage_client.ts";
import { shortId, swarmCall } from "./transport.ts";
import { groupEnvelopeKey, openGroup, sealGroup } from "./wire.ts";

/** What {@link GroupOps} needs from the messenger. */
export interface GroupContext {
  /** The messenger's dependencies. */
  readonly options: MessengerOptions;
  /** The local identity. */
  readonly identity: Identity;
  /** A fresh, strictly increasing timestamp. */
  readonly nextTimestamp: () => number;
  /** Send a ClientMessage over 1:1 (ratchet committed before the store). */
  readonly sendDirect: (
    peer: string,
    message: ClientMessage,
    options: { timestamp?: number; keep: boolean },
  ) => Promise<SentMessage>;
}

/** Namespace of group messages: the group account's public inbox (swarms-and-storage.md §9). */
const GROUP_NAMESPACE = 0;

function short(hash: string): string {
  return hash.slice(0, 8);
}

/** Group operations of one identity. */
export class GroupOps {
  #c: GroupContext;

  /**
   * @param context the messenger's dependencies and 1:1 sender
   */
  constructor(context: GroupContext) {
    this.#c = context;
  }

  get #owner(): string {
    return this.#c.identity.sessionId;
  }

  /**
   * The mailbox of a group: its account's namespace 0, retrieves signed with the group key.
   *
   * @param group the group
   * @returns the mailbox
   */
  mailbox(group: GroupRow): Mailbox {
    return { account: group.groupId, namespace: GROUP_NAMESPACE, kind: "group", auth: { ed25519Seed: group.seed } };
  }

  #group(idOrName: string): GroupRow {
    const g = this.#c.options.state.group(this.#owner, idOrName);
    if (g === undefined) {
      throw new UnknownRecipientError(
        idOrName,
        `Cannot use group "${shortId(idOrName)}": this identity is not in such a group`,
      );
    }
    return g;
  }

  /**
   * Create a group with a fresh Ed25519 key; the creator is its only member.
   *
   * @param name display name
   * @returns id and name
   */
  async create(name: string): Promise<{ groupId: string; name: string }> {
    const o = this.#c.options;
    if (name.length === 0 || name.length > 64) {
      throw new MessengerError("INVALID_INPUT", "Cannot create group: the name must be 1–64 characters");
    }
    const seed = o.rng.fill(new Uint8Array(GROUP_SEED_BYTES));
    const groupId = await groupIdFromSeed(seed, o.provider);
    o.state.transaction(() => {
      o.state.addGroup(this.#owner, { groupId, seed, name, createdAt: o.now() });
      o.state.addMembers(this.#owner, groupId, [this.#owner]);
    });
    return { groupId, name };
  }

  /**
   * Invite `member` (the seed, name and roster, over 1:1), then tell the other members.
   *
   * @param idOrName group id or name
   * @param member the new member's Session ID
   * @returns group id and member
   */
  async addMember(idOrName: string, member: string): Promise<{ groupId: string; member: string }> {
    const o = this.#c.options;
    const g = this.#group(idOrName);
    const before = o.state.members(this.#owner, g.groupId);
    const members = [...new Set([...before, member])].sort();
    const invite = create(ClientMessageSchema, {
      body: { case: "groupInvite", value: { groupId: g.groupId, seed: g.seed, name: g.name, members } },
    });
    await this.#c.sendDirect(member, invite, { keep: true });
    o.state.addMembers(this.#owner, g.groupId, [member]);
    for (const m of before) {
      if (m === this.#owner || m === member) continue;
      const update = create(ClientMessageSchema, {
        body: { case: "groupUpdate", value: { groupId: g.groupId, added: [member], members } },
      });
      await this.#c.sendDirect(m, update, { keep: true });
    }
    return { groupId: g.groupId, member };
  }

  /**
   * Send a text to the group (distribution messages first, e2ee.md §4).
   *
   * @param idOrName group id or name
   * @param text the text
   * @returns what was stored
   */
  async send(idOrName: string, text: string): Promise<SentMessage> {
    const o = this.#c.options;
    const g = this.#group(idOrName);
    const stored = o.state.senderKey(this.#owner, g.groupId, this.#owner);
    let own: SenderKeyRecord = stored === undefined
      ? await generateSenderKey(distributionIdFor(g.groupId), { rng: o.rng, provider: o.provider })
      : deserializeSenderKeyRecord(stored);
    if (stored === undefined) {
      o.state.putSenderKey(this.#owner, {
        groupId: g.groupId,
        sender: this.#owner,
        record: serializeSenderKeyRecord(own),
      });
    }
    const chainId = own.states[0].chainId;
    const shared = o.state.sharedWith(this.#owner, g.groupId, chainId);
    const missing = o.state.members(this.#owner, g.groupId).filter((m) => m !== this.#owner && !shared.has(m));
    if (missing.length > 0) {
      const distribution = senderKeyDistributionMessage(own);
      for (const m of missing) {
        const skdm = create(ClientMessageSchema, {
          body: { case: "senderKeyDistribution", value: { groupId: g.groupId, distribution } },
        });
        await this.#c.sendDirect(m, skdm, { keep: true });
        o.state.markShared(this.#owner, g.groupId, { member: m, chainId });
      }
    }
    const timestamp = this.#c.nextTimestamp();
    const content = textContent(text, timestamp);
    const plaintext = encodeProto(
      ClientMessageSchema,
      create(ClientMessageSchema, { body: { case: "content", value: content }, groupId: g.groupId }),
      "encode group message",
    );
    let wire: Uint8Array;
    [own, wire] = await senderKeyEncrypt(own, plaintext, { rng: o.rng, provider: o.provider });
    // Commit the chain step before storing: an iteration is never used twice.
    o.state.putSenderKey(this.#owner, {
      groupId: g.groupId,
      sender: this.#owner,
      record: serializeSenderKeyRecord(own),
    });
    const sealed = await sealGroup(
      { source: this.#owner, timestamp, senderKeyMessage: wire },
      { groupId: g.groupId, key: await groupEnvelopeKey(g.seed, o.provider), rng: o.rng, provider: o.provider },
    );
    const receipt = await swarmCall(
      { account: g.groupId, action: "store a group message in" },
      () => o.storage.store(g.groupId, sealed),
    );
    o.state.addMessage(this.#owner, {
      conversation: g.groupId,
      direction: "out",
      sender: this.#owner,
      timestamp,
      body: text,
      content: encodeProto(ContentSchema, content, "encode content"),
      hash: receipt.hash,
      recordedAt: o.now(),
    });
    return { to: g.groupId, timestamp, hash: receipt.hash };
  }

  /**
   * Open, verify, decrypt and apply one stored group message.
   *
   * @param mailbox the group's mailbox
   * @param item the stored message
   * @returns the events
   * @throws {TamperedMessageError} when it does not authenticate
   * @throws {MissingSenderKeyError} when the sender's key has not arrived yet
   */
  async handle(mailbox: Mailbox, item: RetrievedMessage): Promise<{ events: MessengerEvent[] }> {
    const o = this.#c.options;
    const g = this.#group(mailbox.account);
    const what = `Cannot read group message ${short(item.hash)} in "${g.name}"`;
    let env;
    try {
      env = await openGroup(item.data, {
        groupId: g.groupId,
        key: await groupEnvelopeKey(g.seed, o.provider),
        provider: o.provider,
      });
    } catch (cause) {
      throw new TamperedMessageError(item.hash, `${what}: its envelope does not authenticate; nothing was kept`, {
        cause,
      });
    }
    if (env.source === this.#owner) {
      o.state.markProcessed(this.#owner, mailbox, item); // our own message, read back
      return { events: [] };
    }
    const stored = o.state.senderKey(this.#owner, g.groupId, env.source);
    if (stored === undefined) {
      throw new MissingSenderKeyError(
        item.hash,
        `${what}: no Sender Key from ${shortId(env.source)} yet; it will be tried again on the next receive`,
      );
    }
    let record: SenderKeyRecord, plaintext: Uint8Array;
    try {
      [record, plaintext] = await senderKeyDecrypt(deserializeSenderKeyRecord(stored), env.senderKeyMessage, {
        provider: o.provider,
      });
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      if (e.code === "SENDER_KEY_NO_STATE") {
        throw new MissingSenderKeyError(
          item.hash,
          `${what}: ${shortId(env.source)}'s current Sender Key has not arrived yet; it will be tried again`,
        );
      }
      const why = e.code === "SENDER_KEY_DUPLICATE_MESSAGE"
        ? "it replays a message already read"
        : e.code === "SIGNATURE_INVALID"
        ? `its signature is not ${shortId(env.source)}'s (forged or altered)`
        : `it does not decrypt (${e.code})`;
      throw new TamperedMessageError(item.hash, `${what}: ${why}; nothing was kept`, { cause: e });
    }
    let message: ClientMessage;
    try {
      message = decodeProto(ClientMessageSchema, plaintext, "read group message");
    } catch (cause) {
      throw new TamperedMessageError(item.hash, `${what}: its content is malformed; nothing was kept`, { cause });
    }
    if (message.body.case !== "content" || message.groupId !== g.groupId) {
      throw new TamperedMessageError(item.hash, `${what}: it is not a message for this group; nothing was kept`);
    }
    const content = message.body.value;
    const { text, attachments } = readContent(content);
    o.state.transaction(() => {
      o.state.putSenderKey(this.#owner, {
        groupId: g.groupId,
        sender: env.source,
        record: serializeSenderKeyRecord(record),
      });
      o.state.addMessage(this.#owner, {
        conversation: g.groupId,
        direction: "in",
        sender: env.source,
        timestamp: env.timestamp,
        body: text,
        content: encodeProto(ContentSchema, content, "encode content"),
        hash: item.hash,
        recordedAt: o.now(),
      });
      o.state.markProcessed(this.#owner, mailbox, item);
    });
    return {
      events: [{
        type: "group-message",
        group: g.groupId,
        groupName: g.name,
        from: env.source,
        timestamp: env.timestamp,
        text,
        attachments,
        hash: item.hash,
      }],
    };
  }

  /**
   * What a group control message received over 1:1 from `source` does (checked now, applied in
   * the message's transaction).
   *
   * @param source the authenticated sender
   * @param body the control message
   * @param hash storage hash, for errors
   * @returns the state change and its events
   * @throws {TamperedMessageError | UnknownRecipientError} when it does not fit
   */
  async plan(
    source: string,
    body:
      | { case: "groupInvite"; value: GroupInvite }
      | { case: "groupUpdate"; value: GroupUpdate }
      | { case: "senderKeyDistribution"; value: SenderKeyDistribution },
    hash: string,
  ): Promise<{ apply: () => void; events: MessengerEvent[] }> {
    const o = this.#c.options;
    const state = o.state;
    const owner = this.#owner;
    const what = `Cannot apply group message ${short(hash)} from ${shortId(source)}`;
    switch (body.case) {
      case "groupInvite": {
        const v = body.value;
        if (v.seed.length !== GROUP_SEED_BYTES || await groupIdFromSeed(v.seed, o.provider) !== v.groupId) {
          throw new TamperedMessageError(
            hash,
            `${what}: the invite's key does not match its group id; nothing was kept`,
          );
        }
        const members = [...new Set([...v.members, source, owner])].filter((m) => /^05[0-9a-f]{64}$/.test(m));
        const name = v.name.slice(0, 64) || "group";
        return {
          apply: () => {
            state.addGroup(owner, { groupId: v.groupId, seed: v.seed, name, createdAt: o.now() });
            state.addMembers(owner, v.groupId, members);
          },
          events: [{ type: "group-invite", group: v.groupId, groupName: name, from: source, members }],
        };
      }
      case "groupUpdate": {
        const v = body.value;
        const g = this.#knownGroupOf(source, v.groupId, what);
        const added = v.added.filter((m) => /^05[0-9a-f]{64}$/.test(m));
        return {
          apply: () => void state.addMembers(owner, g.groupId, added),
          events: [{ type: "group-update", group: g.groupId, groupName: g.name, from: source, added }],
        };
      }
      case "senderKeyDistribution": {
        const v = body.value;
        const g = this.#knownGroupOf(source, v.groupId, what);
        let record: SenderKeyRecord;
        try {
          const d = parseSenderKeyDistributionMessage(v.distribution);
          if (toHex(d.distributionId) !== toHex(distributionIdFor(g.groupId))) {
            throw new ProtocolError("SENDER_KEY_MESSAGE_INVALID", "distribution id is not the group's");
          }
          const stored = state.senderKey(owner, g.groupId, source);
          record = processSenderKeyDistributionMessage(
            stored === undefined ? undefined : deserializeSenderKeyRecord(stored),
            v.distribution,
          );
        } catch (cause) {
          throw new TamperedMessageError(hash, `${what}: its Sender Key is malformed; nothing was kept`, { cause });
        }
        return {
          apply: () =>
            state.putSenderKey(owner, { groupId: g.groupId, sender: source, record: serializeSenderKeyRecord(record) }),
          events: [],
        };
      }
    }
  }

  /** A group this identity is in, of which `source` is a member. */
  #knownGroupOf(source: string, groupId: string, what: string): GroupRow {
    const g = this.#c.options.state.group(this.#owner, groupId);
    if (g === undefined || g.groupId !== groupId) {
      throw new UnknownRecipientError(groupId, `${what}: group ${shortId(groupId)} is unknown here (yet)`);
    }
    if (!this.#c.options.state.members(this.#owner, groupId).includes(source)) {
      throw new UnknownRecipientError(source, `${what}: ${shortId(source)} is not a member of "${g.name}" (yet)`);
    }
    return g;
  }
}
