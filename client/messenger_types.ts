/**
 * The types and defaults the messenger's parts share: its injected dependencies, what a send
 * returns, a file to send, and the mailboxes it reads.
 *
 * @module
 */

import type { CryptoProvider, Rng } from "../mod.ts";
import type { PublishedBundle } from "./bundle.ts";
import type { ClientState } from "./state.ts";
import { DEFAULT_TTL_MS, type StorageAuth } from "./storage_client.ts";
import type { AttachmentStore, MessageStorage } from "./transport.ts";

/** Default size of the one-time prekey pool published in the bundle. */
export const DEFAULT_ONE_TIME_PREKEYS = 20;
/** Republish the bundle when it is older than this (it lives 30 days in the swarm). */
export const DEFAULT_REPUBLISH_AFTER_MS = 7 * 24 * 3600 * 1000;
/**
 * How long a used one-time prekey still serves a second sender who fetched the same bundle
 * (e2ee.md §2.4: "publish a pool and accept occasional reuse"): 7 days, the age after which a
 * bundle is republished anyway. After it the key is deleted (§2.2) and a late second sender is
 * asked to resend.
 */
export const DEFAULT_PREKEY_GRACE_MS = 7 * 24 * 3600 * 1000;
/** How long a 1:1 message lives in a swarm (the StorageClient default, swarms-and-storage.md §10). */
export const MESSAGE_TTL_MS = DEFAULT_TTL_MS;
/** `bundlePublishedAt` of an identity whose published bundle offers a consumed one-time prekey. */
export const BUNDLE_OUT_OF_DATE = 0;
/** Most retrieve pages read from one mailbox per receive. */
export const MAX_PAGES_PER_RECEIVE = 100;
/** Namespace of 1:1 and group messages (a public inbox, swarms-and-storage.md §9). */
export const INBOX_NAMESPACE = 0;

/** Everything a {@link Messenger} uses, injected. */
export interface MessengerOptions {
  /** The client state. */
  readonly state: ClientState;
  /** Swarm storage through onion paths (`StorageClient`). */
  readonly storage: MessageStorage;
  /** The file app through onion paths (`FileClient`); needed for attachments. */
  readonly files?: AttachmentStore;
  /** Where the file app is, for attachment URLs: origin and X25519 key (hex). */
  readonly fileServer?: { readonly origin: string; readonly x25519: string };
  /** Crypto provider. */
  readonly provider: CryptoProvider;
  /** Randomness. */
  readonly rng: Rng;
  /** Wall clock, ms. */
  readonly now: () => number;
  /** One-time prekeys kept published. Default {@link DEFAULT_ONE_TIME_PREKEYS}. */
  readonly oneTimePreKeys?: number;
  /** How long a used one-time prekey still serves another sender. Default {@link DEFAULT_PREKEY_GRACE_MS}. */
  readonly preKeyGraceMs?: number;
  /** Republish an older bundle on receive. Default {@link DEFAULT_REPUBLISH_AFTER_MS}. */
  readonly republishAfterMs?: number;
  /** Which one-time prekey of a fetched bundle to use (an index, or none); default uniform at random. */
  readonly choosePreKey?: (bundle: PublishedBundle) => number | undefined;
}

/** What a send stored. */
export interface SentMessage {
  /** The recipient's Session ID, or the group id. */
  readonly to: string;
  /** The message timestamp, ms. */
  readonly timestamp: number;
  /** Storage hash. */
  readonly hash: string;
}

/** A file to send. */
export interface OutgoingFile {
  /** The bytes (at most ~10 MB, e2ee.md §6.2 regular limit). */
  readonly data: Uint8Array;
  /** The file name shown to the recipient. */
  readonly fileName: string;
  /** MIME type. */
  readonly contentType?: string;
  /** Caption. */
  readonly text?: string;
}

/** A mailbox the messenger reads: its own inbox or a group's. */
export interface Mailbox {
  /** The account (Session ID or group id). */
  readonly account: string;
  /** The namespace. */
  readonly namespace: number;
  /** Which handler reads it. */
  readonly kind: "direct" | "group";
  /** The key that signs retrieves. */
  readonly auth?: StorageAuth;
}
