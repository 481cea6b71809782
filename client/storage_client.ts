/**
 * Storing and retrieving messages in an account's swarm, only through onion requests
 * (swarms-and-storage.md §2.3, §6, §7.1, §7.2, §7.4). Like Session clients it does not compute the
 * swarm mapping itself: it asks a random node for the account's swarm (`get_swarm`), talks to a
 * random member, and follows a 421 answer to the swarm the node names. A member that cannot be
 * reached is skipped for another member of the same swarm.
 *
 * @module
 */

import {
  type CryptoProvider,
  fromBase64,
  fromHex,
  type Identity,
  requestSigningBytes,
  type Rng,
  toBase64,
  toHex,
  utf8,
} from "../mod.ts";
import { type ClientNode, type NodeAnswer, type OnionClient, OnionPathError } from "./onion_client.ts";
import { randomIndex } from "./path.ts";

/** A stored message as retrieved. */
export interface RetrievedMessage {
  /** 43-character message hash. */
  readonly hash: string;
  /** Sender's timestamp, ms. */
  readonly timestamp: number;
  /** Expiry, ms. */
  readonly expiry: number;
  /** The message bytes. */
  readonly data: Uint8Array;
}

/** An account's swarm as a node reported it. */
export interface SwarmInfo {
  /** Swarm id, lower-case hex. */
  readonly id: string;
  /** Its members. */
  readonly members: readonly ClientNode[];
}

/** Result of {@link StorageClient.store}. */
export interface StoreReceipt {
  /** The message hash. */
  readonly hash: string;
  /** The member that took the request (it replicated to the others). */
  readonly node: ClientNode;
  /** The swarm it went to. */
  readonly swarm: SwarmInfo;
  /** Members whose signed acknowledgement verified. */
  readonly confirmedBy: readonly string[];
  /** Members that reported a failure. */
  readonly failedAt: readonly string[];
  /** 421 redirects followed. */
  readonly redirects: number;
  /** The last onion answer (path, timing). */
  readonly answer: NodeAnswer;
}

/** Result of {@link StorageClient.retrieve}. */
export interface RetrieveReceipt {
  /** The messages, oldest first. */
  readonly messages: readonly RetrievedMessage[];
  /** Whether more are waiting. */
  readonly more: boolean;
  /** The member that answered. */
  readonly node: ClientNode;
  /** Members tried before it that could not be reached. */
  readonly unreachable: readonly string[];
  /** 421 redirects followed. */
  readonly redirects: number;
  /** The onion answer (path, timing). */
  readonly answer: NodeAnswer;
}

/** A storage request the swarm answered with an error. */
export class StorageRequestError extends Error {
  /** The storage-RPC status. */
  readonly status: number;

  /**
   * @param status the node's status
   * @param message what failed
   * @example
   * ```ts
   * import { StorageRequestError } from "./storage_client.ts";
   * if (new StorageRequestError(406, "x").status !== 406) throw new Error("bad");
   * ```
   */
  constructor(status: number, message: string) {
    super(message);
    this.name = "StorageRequestError";
    this.status = status;
  }
}

/**
 * The key that signs a request for an account (swarms-and-storage.md §6.2): a `05` account's
 * owner gives the Ed25519 seed and public key (sent as `pubkey_ed25519`); a `03` group account
 * gives the group's Ed25519 seed only (the account bytes are the verifying key).
 */
export interface StorageAuth {
  /** The 32-byte Ed25519 seed that signs. */
  readonly ed25519Seed: Uint8Array;
  /** The Ed25519 public key, for `05` accounts. */
  readonly ed25519Public?: Uint8Array;
}

/** Options of {@link StorageClient}. */
export interface StorageClientOptions {
  /** The onion transport. */
  readonly onion: OnionClient;
  /** Known nodes (for the first `get_swarm`). */
  readonly nodes: () => readonly ClientNode[];
  /** Crypto provider (request signatures, verifying node signatures). */
  readonly provider: CryptoProvider;
  /** Randomness for choosing nodes. */
  readonly rng: Rng;
  /** Wall clock, ms since the epoch (request timestamps). */
  readonly now: () => number;
  /** 421 redirects followed per call. Default 3. */
  readonly maxRedirects?: number;
}

/** Default message lifetime: 14 days, the longest a public inbox allows (swarms-and-storage.md §10). */
export const DEFAULT_TTL_MS = 14 * 24 * 3600 * 1000;
/** Default redirects followed per call. */
const DEFAULT_MAX_REDIRECTS = 3;
/** Nodes asked for an account's swarm before giving up. */
const GET_SWARM_NODES = 3;
/** HTTP 421: wrong swarm (swarms-and-storage.md §7). */
const MISDIRECTED = 421;

function nodeFromSnode(s: Record<string, unknown>): ClientNode | undefined {
  const ed = s.pubkey_ed25519, x = s.pubkey_x25519, ip = s.ip, port = s.port_https;
  if (typeof ed !== "string" || typeof x !== "string" || typeof ip !== "string" || typeof port !== "number") return;
  if (ip === "0.0.0.0") return; // §7.4: clients drop nodes without an address
  return { ed25519: ed, x25519: x, http: `http://${ip}:${port}` };
}

function swarmFromBody(body: unknown): SwarmInfo {
  const b = body as { snodes?: unknown; swarm?: unknown };
  if (!Array.isArray(b?.snodes) || typeof b.swarm !== "string") {
    throw new StorageRequestError(502, "Cannot read swarm: answer has no snodes/swarm");
  }
  const members = b.snodes.map((s) => nodeFromSnode(s as Record<string, unknown>)).filter((n) => n !== undefined);
  return { id: b.swarm, members };
}

function errorText(body: unknown): string {
  return typeof body === "string" ? body : JSON.stringify(body);
}

/** Stores and retrieves messages through onion requests. */
export class StorageClient {
  #o: StorageClientOptions;
  #swarms = new Map<string, SwarmInfo>();

  /**
   * @param options transport, nodes, provider, randomness and clock
   * @example Constructing needs no I/O; see demo/network.ts for a full exchange.
   * ```ts
   * import { StorageClient } from "./storage_client.ts";
   * import { OnionClient } from "./onion_client.ts";
   * import { providerByName, systemRng } from "../mod.ts";
   * const provider = await providerByName("noble");
   * const onion = new OnionClient({ nodes: () => [], provider, rng: systemRng });
   * const client = new StorageClient({ onion, nodes: () => [], provider, rng: systemRng, now: Date.now });
   * if (!(client instanceof StorageClient)) throw new Error("bad");
   * ```
   */
  constructor(options: StorageClientOptions) {
    this.#o = options;
  }

  /** The signature parameters of a request (§6.1, §6.2). */
  async #authParams(
    auth: StorageAuth,
    signed: Parameters<typeof requestSigningBytes>[0],
  ): Promise<Record<string, string | number>> {
    const signature = await this.#o.provider.ed25519Sign(auth.ed25519Seed, requestSigningBytes(signed));
    return {
      ...(signed.method === "retrieve" ? { timestamp: signed.timestamp } : {}),
      ...(auth.ed25519Public === undefined ? {} : { pubkey_ed25519: toHex(auth.ed25519Public) }),
      signature: toBase64(signature),
    };
  }

  #random<T>(list: readonly T[]): T {
    if (list.length === 0) throw new StorageRequestError(502, "Cannot choose node: none known");
    return list[randomIndex(this.#o.rng, list.length)];
  }

  /**
   * Remember `account`'s swarm (e.g. restored client state); later calls start there and follow
   * a 421 if it moved.
   *
   * @param account 66-hex account id
   * @param swarm its swarm as last seen
   */
  setSwarm(account: string, swarm: SwarmInfo): void {
    this.#swarms.set(account, swarm);
  }

  /**
   * The swarm holding `account`: the one remembered, else asked of a random node (§7.4; another
   * one, up to three, when a node cannot be reached).
   *
   * @param account 66-hex account id
   * @returns the swarm
   * @throws {OnionPathError} when no path worked
   * @throws {StorageRequestError} when the node refused
   */
  async getSwarm(account: string): Promise<SwarmInfo> {
    const known = this.#swarms.get(account);
    if (known !== undefined) return known;
    // A node that cannot be reached is replaced by another, a few times.
    const tried: string[] = [];
    let answer: NodeAnswer | undefined;
    for (;;) {
      const candidates = this.#o.nodes().filter((n) => !tried.includes(n.ed25519));
      const node = this.#random(candidates);
      try {
        answer = await this.#o.onion.request(node, { method: "get_swarm", params: { pubkey: account } });
        break;
      } catch (err) {
        if (!(err instanceof OnionPathError)) throw err;
        tried.push(node.ed25519);
        if (candidates.length === 1 || tried.length >= GET_SWARM_NODES) throw err;
      }
    }
    if (answer.status !== 200) {
      throw new StorageRequestError(answer.status, `get_swarm failed: ${errorText(answer.body)}`);
    }
    const swarm = swarmFromBody(answer.body);
    this.#swarms.set(account, swarm);
    return swarm;
  }

  /**
   * Run `request` against members of the account's swarm: a random member, another one when a
   * member is unreachable, the named swarm after a 421.
   */
  async #inSwarm(
    account: string,
    request: () => Promise<{ method: string; params: unknown }>,
  ): Promise<{ answer: NodeAnswer; node: ClientNode; swarm: SwarmInfo; redirects: number; unreachable: string[] }> {
    let swarm = await this.getSwarm(account);
    let redirects = 0;
    const unreachable: string[] = [];
    for (;;) {
      const candidates = swarm.members.filter((m) => !unreachable.includes(m.ed25519));
      const node = this.#random(candidates);
      let answer: NodeAnswer;
      try {
        answer = await this.#o.onion.request(node, await request());
      } catch (err) {
        if (!(err instanceof OnionPathError)) throw err;
        unreachable.push(node.ed25519);
        if (candidates.length === 1) throw err;
        continue;
      }
      if (answer.status === MISDIRECTED && redirects < (this.#o.maxRedirects ?? DEFAULT_MAX_REDIRECTS)) {
        swarm = swarmFromBody(answer.body); // §2.3: follow the node's view of the swarm
        this.#swarms.set(account, swarm);
        redirects++;
        continue;
      }
      return { answer, node, swarm, redirects, unreachable };
    }
  }

  /**
   * Store `data` for `account` in namespace `namespace` (a public inbox such as 0 needs no
   * signature, swarms-and-storage.md §7.1, §9; any other namespace needs `auth`, the account
   * owner's key), and check the members' signed acknowledgements.
   *
   * @param account recipient's 66-hex account id (e.g. a Session ID)
   * @param data the message bytes (≤ 76,800)
   * @param options `namespace` (default 0), `ttlMs` (default 14 days), `auth` (signs the store)
   * @returns the hash, the member used and which members confirmed
   * @throws {StorageRequestError} when the swarm refused it
   * @throws {OnionPathError} when no member could be reached
   */
  async store(
    account: string,
    data: Uint8Array,
    options: { namespace?: number; ttlMs?: number; auth?: StorageAuth } = {},
  ): Promise<StoreReceipt> {
    const namespace = options.namespace ?? 0;
    const auth = options.auth;
    const params = async () => {
      const timestamp = Math.floor(this.#o.now());
      return {
        pubkey: account,
        timestamp,
        ttl: options.ttlMs ?? DEFAULT_TTL_MS,
        data: toBase64(data),
        ...(namespace === 0 ? {} : { namespace }),
        // §6.1: "store" ‖ ns ‖ sig_timestamp (= timestamp when sig_timestamp is absent).
        ...(auth === undefined
          ? {}
          : await this.#authParams(auth, { method: "store", namespace, sigTimestamp: timestamp })),
      };
    };
    const r = await this.#inSwarm(account, async () => ({ method: "store", params: await params() }));
    const body = r.answer.body as { hash?: unknown; swarm?: Record<string, Record<string, unknown>> };
    if (r.answer.status !== 200 || typeof body?.hash !== "string") {
      throw new StorageRequestError(r.answer.status, `store failed: ${errorText(r.answer.body)}`);
    }
    const confirmedBy: string[] = [];
    const failedAt: string[] = [];
    for (const [ed, result] of Object.entries(body.swarm ?? {})) {
      if (result.failed === true || typeof result.signature !== "string") {
        failedAt.push(ed);
        continue;
      }
      const ok = await this.#o.provider.ed25519Verify(fromHex(ed), utf8(body.hash), fromBase64(result.signature));
      (ok ? confirmedBy : failedAt).push(ed);
    }
    return {
      hash: body.hash,
      node: r.node,
      swarm: r.swarm,
      confirmedBy,
      failedAt,
      redirects: r.redirects,
      answer: r.answer,
    };
  }

  /**
   * Retrieve the messages of `identity`'s own mailbox (signed `retrieve`, §6.1, §7.2);
   * {@link StorageClient.retrieveFrom} with the identity's keys.
   *
   * @param identity the account owner (Session ID + Ed25519 key)
   * @param options `namespace` (default 0), `lastHash` (only messages after it)
   * @returns the messages and the member that answered
   * @throws {StorageRequestError} when the swarm refused it
   * @throws {OnionPathError} when no member could be reached
   */
  retrieve(
    identity: Identity,
    options: { namespace?: number; lastHash?: string } = {},
  ): Promise<RetrieveReceipt> {
    return this.retrieveFrom(identity.sessionId, {
      ...options,
      auth: { ed25519Seed: identity.ed25519Seed, ed25519Public: identity.ed25519Public },
    });
  }

  /**
   * Retrieve the messages of any account's mailbox: signed with `auth` (a `05` account's owner,
   * or a `03` group account's Ed25519 key, §6.2), or unsigned where the namespace allows it (a
   * public outbox, §9).
   *
   * @param account 66-hex account id
   * @param options `namespace` (default 0), `lastHash` (only messages after it), `auth`
   * @returns the messages and the member that answered
   * @throws {StorageRequestError} when the swarm refused it
   * @throws {OnionPathError} when no member could be reached
   */
  async retrieveFrom(
    account: string,
    options: { namespace?: number; lastHash?: string; auth?: StorageAuth } = {},
  ): Promise<RetrieveReceipt> {
    const namespace = options.namespace ?? 0;
    const auth = options.auth;
    const request = async () => {
      const timestamp = Math.floor(this.#o.now());
      return {
        method: "retrieve",
        params: {
          pubkey: account,
          ...(auth === undefined ? {} : await this.#authParams(auth, { method: "retrieve", namespace, timestamp })),
          ...(namespace === 0 ? {} : { namespace }),
          ...(options.lastHash === undefined ? {} : { last_hash: options.lastHash }),
        },
      };
    };
    const r = await this.#inSwarm(account, request);
    const body = r.answer.body as { messages?: unknown; more?: unknown };
    if (r.answer.status !== 200 || !Array.isArray(body?.messages)) {
      throw new StorageRequestError(r.answer.status, `retrieve failed: ${errorText(r.answer.body)}`);
    }
    const messages = body.messages.map((m: Record<string, unknown>) => ({
      hash: String(m.hash),
      timestamp: Number(m.timestamp),
      expiry: Number(m.expiration),
      data: fromBase64(String(m.data)),
    }));
    return {
      messages,
      more: body.more === true,
      node: r.node,
      unreachable: r.unreachable,
      redirects: r.redirects,
      answer: r.answer,
    };
  }
}
