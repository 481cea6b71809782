/**
 * Strict parsing of IP address literals, shared by the rate limiter (client keys, hardening.md §5)
 * and the relay-to-server checks (SSRF rules, hardening.md §4).
 *
 * Only the canonical textual forms are accepted: IPv4 as four decimal octets without leading zeros
 * (`127.1`, `0x7f000001`, `2130706433` and `010.0.0.1` are refused, since other parsers read them as
 * loopback or octal), IPv6 as RFC 4291 §2.2 text with at most one `::` and an optional trailing
 * dotted IPv4 part.
 *
 * @module
 */

/** Byte length of an IPv4 address. */
const IPV4_BYTES = 4;
/** Byte length of an IPv6 address. */
const IPV6_BYTES = 16;
/** 16-bit groups in an IPv6 address. */
const IPV6_GROUPS = 8;
/** Largest value of one IPv4 octet. */
const OCTET_MAX = 255;

/** A parsed address: version and network-order bytes. */
export interface IpAddress {
  /** 4 or 6. */
  version: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: Uint8Array;
}

const IPV4_RE = /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/;
const HEX_GROUP_RE = /^[0-9A-Fa-f]{1,4}$/;

/**
 * Parse a dotted-quad IPv4 address (four decimal octets, no leading zeros).
 *
 * @param text candidate
 * @returns the 4 bytes, or undefined when `text` is not in that exact form
 * @example
 * ```ts
 * import { parseIpv4 } from "./ip_address.ts";
 * if (parseIpv4("10.0.0.1")?.[0] !== 10 || parseIpv4("127.1") !== undefined) throw new Error("bad");
 * ```
 */
export function parseIpv4(text: string): Uint8Array | undefined {
  const m = IPV4_RE.exec(text);
  if (m === null) return undefined;
  const out = new Uint8Array(IPV4_BYTES);
  for (let i = 0; i < IPV4_BYTES; i++) {
    const v = Number(m[i + 1]);
    if (v > OCTET_MAX) return undefined;
    out[i] = v;
  }
  return out;
}

/**
 * Parse an IPv6 address in RFC 4291 §2.2 text form (no brackets, no zone id).
 *
 * @param text candidate
 * @returns the 16 bytes, or undefined when `text` is not an IPv6 address
 * @example
 * ```ts
 * import { parseIpv6 } from "./ip_address.ts";
 * const a = parseIpv6("::ffff:127.0.0.1");
 * if (a?.[10] !== 0xff || a[12] !== 127 || parseIpv6("1:::2") !== undefined) throw new Error("bad");
 * ```
 */
export function parseIpv6(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length > 45) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string, allowV4Tail: boolean): number[] | undefined => {
    if (part === "") return [];
    const items = part.split(":");
    const groups: number[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (allowV4Tail && i === items.length - 1 && item.includes(".")) {
        const v4 = parseIpv4(item);
        if (v4 === undefined) return undefined;
        groups.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!HEX_GROUP_RE.test(item)) return undefined;
        groups.push(parseInt(item, 16));
      }
    }
    return groups;
  };
  let groups: number[];
  if (halves.length === 1) {
    const all = parseGroups(halves[0], true);
    if (all === undefined || all.length !== IPV6_GROUPS) return undefined;
    groups = all;
  } else {
    const head = parseGroups(halves[0], false);
    const tail = parseGroups(halves[1], true);
    if (head === undefined || tail === undefined) return undefined;
    const missing = IPV6_GROUPS - head.length - tail.length;
    if (missing < 1) return undefined; // "::" stands for at least one zero group
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  }
  const out = new Uint8Array(IPV6_BYTES);
  for (let i = 0; i < IPV6_GROUPS; i++) {
    out[2 * i] = groups[i] >> 8;
    out[2 * i + 1] = groups[i] & 0xff;
  }
  return out;
}

/**
 * Parse an IPv4 or IPv6 literal; IPv6 may be in brackets (`[::1]`). Zone ids (`fe80::1%eth0`)
 * are refused: callers that accept them strip them first.
 *
 * @param text candidate
 * @returns the address, or undefined
 * @example
 * ```ts
 * import { parseIpAddress } from "./ip_address.ts";
 * if (parseIpAddress("[::1]")?.version !== 6 || parseIpAddress("1.2.3.4")?.version !== 4) throw new Error("bad");
 * ```
 */
export function parseIpAddress(text: string): IpAddress | undefined {
  if (typeof text !== "string") return undefined;
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { version: 4, bytes: v4 };
  const inner = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const v6 = parseIpv6(inner);
  return v6 === undefined ? undefined : { version: 6, bytes: v6 };
}

/**
 * The IPv4 address embedded in an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2).
 *
 * @param address a parsed address
 * @returns the 4 embedded bytes, or undefined when `address` is not IPv4-mapped
 * @example
 * ```ts
 * import { mappedIpv4, parseIpAddress } from "./ip_address.ts";
 * if (mappedIpv4(parseIpAddress("::ffff:10.1.2.3")!)?.[0] !== 10) throw new Error("bad");
 * ```
 */
export function mappedIpv4(address: IpAddress): Uint8Array | undefined {
  if (address.version !== 6) return undefined;
  const b = address.bytes;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return undefined;
  if (b[10] !== 0xff || b[11] !== 0xff) return undefined;
  return b.slice(12);
}

/**
 * Whether the first `network.bits` bits of `bytes` equal those of `network.prefix`.
 *
 * @param bytes address bytes
 * @param network the network: `prefix` bytes (at least `ceil(bits / 8)` long) and `bits`
 * @returns true when `bytes` is inside the network
 * @example
 * ```ts
 * import { inPrefix } from "./ip_address.ts";
 * if (!inPrefix(new Uint8Array([172, 20, 0, 1]), { prefix: new Uint8Array([172, 16]), bits: 12 })) throw new Error("bad");
 * ```
 */
export function inPrefix(bytes: Uint8Array, network: { prefix: Uint8Array; bits: number }): boolean {
  const { prefix, bits } = network;
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (bytes[i] !== prefix[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (bytes[whole] & mask) === (prefix[whole] & mask);
}
