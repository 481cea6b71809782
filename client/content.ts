/**
 * What a message says: Session `Content` protobufs (e2ee.md §5.2) carrying a `DataMessage` with a
 * text body and attachment pointers (§6.2), and the events {@link Messenger.receive} reports.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import { fromHex } from "../mod.ts";
import {
  type AttachmentPointer,
  AttachmentPointerSchema,
  type Content,
  ContentSchema,
  DataMessageSchema,
} from "../protocol/e2ee/gen/session_protos_pb.ts";
import type { MessengerError } from "./errors.ts";

/** Bytes of the file id used for `AttachmentPointer.id` (a fixed64). */
const POINTER_ID_BYTES = 8;

/** An attachment as a received message describes it; download it with `Messenger.downloadAttachment`. */
export interface AttachmentInfo {
  /** File name the sender gave. */
  readonly fileName: string;
  /** MIME type, when given. */
  readonly contentType?: string;
  /** Plaintext size in bytes. */
  readonly size: number;
  /** The pointer (key, digest, URL). */
  readonly pointer: AttachmentPointer;
}

/** A 1:1 message. */
export interface DirectMessageEvent {
  /** Discriminant. */
  readonly type: "message";
  /** The sender's Session ID (authenticated by the ratchet). */
  readonly from: string;
  /** Sent, ms (the sender's clock). */
  readonly timestamp: number;
  /** The text (empty when there is none). */
  readonly text: string;
  /** Attachments. */
  readonly attachments: readonly AttachmentInfo[];
  /** Storage hash. */
  readonly hash: string;
}

/** A group message. */
export interface GroupMessageEvent {
  /** Discriminant. */
  readonly type: "group-message";
  /** The group id (`03…`). */
  readonly group: string;
  /** The group's name. */
  readonly groupName: string;
  /** The sender's Session ID (authenticated by its Sender Key signature). */
  readonly from: string;
  /** Sent, ms. */
  readonly timestamp: number;
  /** The text. */
  readonly text: string;
  /** Attachments. */
  readonly attachments: readonly AttachmentInfo[];
  /** Storage hash. */
  readonly hash: string;
}

/** An invitation into a group (the group is now known and will be read). */
export interface GroupInviteEvent {
  /** Discriminant. */
  readonly type: "group-invite";
  /** The group id. */
  readonly group: string;
  /** Its name. */
  readonly groupName: string;
  /** Who invited. */
  readonly from: string;
  /** The roster. */
  readonly members: readonly string[];
}

/** Members added to a group. */
export interface GroupUpdateEvent {
  /** Discriminant. */
  readonly type: "group-update";
  /** The group id. */
  readonly group: string;
  /** Its name. */
  readonly groupName: string;
  /** Who added them. */
  readonly from: string;
  /** The new members. */
  readonly added: readonly string[];
}

/** Messages sent again because the peer could not decrypt them (client/README.md "Pre-key reuse"). */
export interface ResentEvent {
  /** Discriminant. */
  readonly type: "resent";
  /** The peer that asked. */
  readonly to: string;
  /** Timestamps of the messages sent again. */
  readonly timestamps: readonly number[];
}

/** A stored message that could not be used (nothing of it was kept), or a mailbox that could not be read. */
export interface ErrorEvent {
  /** Discriminant. */
  readonly type: "error";
  /** The mailbox: a Session ID or a group id. */
  readonly mailbox: string;
  /** Storage hash of the message; absent when the whole mailbox could not be read. */
  readonly hash?: string;
  /** Why. */
  readonly error: MessengerError;
}

/** What {@link Messenger.receive} reports. */
export type MessengerEvent =
  | DirectMessageEvent
  | GroupMessageEvent
  | GroupInviteEvent
  | GroupUpdateEvent
  | ResentEvent
  | ErrorEvent;

/**
 * A `Content` with a text `DataMessage`.
 *
 * @param text the text
 * @param timestamp sent, ms
 * @returns the Content
 * @example
 * ```ts
 * import { textContent } from "./content.ts";
 * if (textContent("hi", 5).dataMessage?.body !== "hi") throw new Error("bad");
 * ```
 */
export function textContent(text: string, timestamp: number): Content {
  return create(ContentSchema, {
    dataMessage: create(DataMessageSchema, { body: text, timestamp: BigInt(timestamp) }),
  });
}

/** What an uploaded attachment is: file id, key, digest, where the file app is. */
export interface UploadedAttachment {
  /** File id on the file app (64 hex, the SHA-256 of the blob). */
  readonly fileId: string;
  /** The 32-byte deterministic-encryption key. */
  readonly key: Uint8Array;
  /** SHA-256 of the encrypted blob. */
  readonly digest: Uint8Array;
  /** Plaintext size. */
  readonly size: number;
  /** File name. */
  readonly fileName: string;
  /** MIME type. */
  readonly contentType?: string;
  /** The file app's origin (`http://127.0.0.1:port`) and X25519 key (hex). */
  readonly server: { readonly origin: string; readonly x25519: string };
}

/**
 * A `Content` with an attachment (and optional caption text). The URL is the file app's
 * `/file/<id>` with the fragment `#p=<server key>&d=` marking the deterministic format (e2ee.md §6.2).
 *
 * @param attachment the uploaded attachment
 * @param options `text` caption, `timestamp`
 * @returns the Content
 * @example
 * ```ts
 * import { attachmentContent, fileIdOf } from "./content.ts";
 * const c = attachmentContent({
 *   fileId: "ab".repeat(32), key: new Uint8Array(32), digest: new Uint8Array(32), size: 5, fileName: "a.txt",
 *   server: { origin: "http://127.0.0.1:1", x25519: "cd".repeat(32) },
 * }, { timestamp: 1 });
 * if (fileIdOf(c.dataMessage!.attachments[0]) !== "ab".repeat(32)) throw new Error("bad");
 * ```
 */
export function attachmentContent(
  attachment: UploadedAttachment,
  options: { text?: string; timestamp: number },
): Content {
  const idBytes = fromHex(attachment.fileId).subarray(0, POINTER_ID_BYTES);
  const id = new DataView(idBytes.buffer, idBytes.byteOffset, POINTER_ID_BYTES).getBigUint64(0);
  const pointer = create(AttachmentPointerSchema, {
    id,
    key: attachment.key,
    size: attachment.size,
    digest: attachment.digest,
    fileName: attachment.fileName,
    ...(attachment.contentType === undefined ? {} : { contentType: attachment.contentType }),
    url: `${attachment.server.origin}/file/${attachment.fileId}#p=${attachment.server.x25519}&d=`,
  });
  return create(ContentSchema, {
    dataMessage: create(DataMessageSchema, {
      ...(options.text === undefined ? {} : { body: options.text }),
      attachments: [pointer],
      timestamp: BigInt(options.timestamp),
    }),
  });
}

/**
 * The file id in a pointer's URL (`…/file/<64 hex>#…`).
 *
 * @param pointer the attachment pointer
 * @returns the file id, or undefined when the URL has none
 * @example
 * ```ts
 * import { fileIdOf } from "./content.ts";
 * import { create } from "@bufbuild/protobuf";
 * import { AttachmentPointerSchema } from "../protocol/e2ee/gen/session_protos_pb.ts";
 * const p = create(AttachmentPointerSchema, { id: 1n, url: "http://h/file/" + "0".repeat(64) + "#d=" });
 * if (fileIdOf(p) !== "0".repeat(64)) throw new Error("bad");
 * ```
 */
export function fileIdOf(pointer: AttachmentPointer): string | undefined {
  return /\/file\/([0-9a-f]{64})(?:[#?]|$)/.exec(pointer.url)?.[1];
}

/**
 * The text and attachments of a Content.
 *
 * @param content the Content
 * @returns text (empty when none) and attachments
 * @example
 * ```ts
 * import { readContent, textContent } from "./content.ts";
 * if (readContent(textContent("hi", 1)).text !== "hi") throw new Error("bad");
 * ```
 */
export function readContent(content: Content): { text: string; attachments: AttachmentInfo[] } {
  const data = content.dataMessage;
  return {
    text: data?.body ?? "",
    attachments: (data?.attachments ?? []).map((p) => ({
      fileName: p.fileName,
      ...(p.contentType === "" ? {} : { contentType: p.contentType }),
      size: p.size,
      pointer: p,
    })),
  };
}
