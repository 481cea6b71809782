/**
 * Published record shapes of the onion vectors (`onion_peel_v1.json`: nodes, destinations, and
 * what each hop learns from peeling, which is also the adapter protocol's `onion.peel` answer):
 * one definition shared by the vector generator, the conformance runner and allium's adapter, so
 * they cannot drift apart.
 *
 * @module
 */

import { toHex } from "../../protocol/bytes.ts";
import type { PeelResult } from "../../protocol/onion/peel.ts";

/** A node as published. */
export interface NodeRecord {
  ed25519Public: string;
  x25519Secret: string;
  x25519Public: string;
}

/** A destination as published. */
export type DestinationRecord =
  | ({ kind: "node" } & NodeRecord)
  | {
    kind: "server";
    host: string;
    target: string;
    port: number;
    protocol: string;
    method: string;
    x25519Secret: string;
    x25519Public: string;
  };

/** What one node learns from peeling, as published. */
export type PeelRecord =
  | {
    kind: "relay";
    destination: string;
    encType: string;
    ephemeralKey: string;
    hopNo: number;
    nextRequestBody: string;
  }
  | { kind: "deliver"; payload: string; json: boolean; base64: boolean; hopNo: number }
  | {
    kind: "server";
    host: string;
    target: string;
    port: number;
    protocol: string;
    hopNo: number;
    forwardBody: string;
  };

/**
 * Publishable form of a peel result.
 *
 * @param r the result of `peelOnionLayer`
 * @returns the record
 * @example A relay hop's record names the next node and carries the next request as hex
 * ```ts
 * import { peelRecord } from "./onion_records.ts";
 * const r = peelRecord({ kind: "deliver", payload: new Uint8Array([1]), json: false, base64: true, hopNo: 2 } as never);
 * if (r.kind !== "deliver" || r.payload !== "01") throw new Error("bad");
 * ```
 */
export function peelRecord(r: PeelResult): PeelRecord {
  switch (r.kind) {
    case "relay":
      return {
        kind: "relay",
        destination: r.destination,
        encType: r.encType,
        ephemeralKey: toHex(r.ephemeralKey),
        hopNo: r.hopNo,
        nextRequestBody: toHex(r.nextRequestBody),
      };
    case "deliver":
      return { kind: "deliver", payload: toHex(r.payload), json: r.json, base64: r.base64, hopNo: r.hopNo };
    case "server":
      return {
        kind: "server",
        host: r.host,
        target: r.target,
        port: r.port,
        protocol: r.protocol,
        hopNo: r.hopNo,
        forwardBody: toHex(r.forwardBody),
      };
  }
}
