/**
 * The syntax checks of hardening.md §4 for a relay-to-server request, as pure functions: the
 * exit node checks `protocol`, `port`, `target` and `host` before anything touches the network,
 * and checks IP literals against the refused address ranges. Resolving DNS names and refusing a
 * name that resolves to a refused address (then connecting to the vetted IP, no second lookup) is
 * the job of a `ServerRelay` implementation (server_relay.ts, implemented by http_server_relay.ts), which reuses
 * {@link isRefusedAddress} on every resolved address.
 *
 * Deliberately stricter than the spec in two places (documented here, tested): single-label
 * names (`intranet`) are refused (they resolve through search domains into private networks),
 * and `localhost` / `*.localhost` are refused without resolving (RFC 6761 §6.3). IPv4-compatible
 * IPv6 (`::a.b.c.d`, deprecated, ::/96) is refused as well.
 *
 * @module
 */

import { inPrefix, type IpAddress, mappedIpv4, parseIpAddress, parseIpv4 } from "../net/ip_address.ts";

/** What the exit node was asked to relay to (the `server` kind of a peeled layer). */
export interface ServerRequestFields {
  /** `host` as sent. */
  host: string;
  /** `target` as sent. */
  target: string;
  /** `port` as sent (already an integer 1…65535). */
  port: number;
  /** `protocol` as sent. */
  protocol: string;
}

/** A relay-to-server destination that passed the checks. */
export interface ServerTarget {
  /** `https` or `http`. */
  protocol: "https" | "http";
  /** The host: a lower-case DNS name, a dotted-quad IPv4, or an IPv6 address without brackets. */
  host: string;
  /** How `host` is written. */
  hostKind: "dns" | "ipv4" | "ipv6";
  /** The port. */
  port: number;
  /** The checked path. */
  target: string;
  /** `protocol://host[:port]target`, port omitted when it is the protocol's default. */
  url: string;
}

/** Which check refused a relay-to-server request (for tests and metrics; the client sees `Invalid url`). */
export type ServerTargetRefusal = "protocol" | "port" | "target" | "host" | "address";

/** Outcome of {@link checkServerTarget}. */
export type ServerTargetCheck =
  | { ok: true; target: ServerTarget }
  | { ok: false; refusal: ServerTargetRefusal };

/** Ports allowed for relay-to-server (config `serverRelayPorts`, `serverRelayLoopbackPorts`). */
export interface ServerTargetPolicy {
  /** Ports allowed for any permitted host (default 443, 80). */
  ports: readonly number[];
  /** Ports on which a loopback IP literal is also allowed (test networks only; default none). */
  loopbackPorts: readonly number[];
}

const TARGET_RE = /^\/(oxen|loki)\/[A-Za-z0-9._~/-]{1,200}\/lsrpc$/;
const LABEL_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_HOST_CHARS = 253;
const DEFAULT_PORT: Readonly<Record<"http" | "https", number>> = { http: 80, https: 443 };

const v4 = (text: string): Uint8Array => parseIpv4(text)!;
const v6 = (text: string): Uint8Array => parseIpAddress(text)!.bytes;

/** Refused IPv4 ranges (hardening.md §4). */
const REFUSED_V4: readonly [Uint8Array, number][] = [
  [v4("0.0.0.0"), 8],
  [v4("127.0.0.0"), 8],
  [v4("10.0.0.0"), 8],
  [v4("100.64.0.0"), 10],
  [v4("169.254.0.0"), 16],
  [v4("172.16.0.0"), 12],
  [v4("192.0.0.0"), 24],
  [v4("192.168.0.0"), 16],
  [v4("198.18.0.0"), 15],
  [v4("224.0.0.0"), 4],
  [v4("240.0.0.0"), 4],
];

/** Refused IPv6 ranges (hardening.md §4), plus ::/96 (IPv4-compatible, deprecated). */
const REFUSED_V6: readonly [Uint8Array, number][] = [
  [v6("::"), 96], // ::, ::1 and the deprecated IPv4-compatible block
  [v6("fc00::"), 7],
  [v6("fe80::"), 10],
  [v6("ff00::"), 8],
  [v6("64:ff9b::"), 96],
];

/**
 * Whether an address may not be connected to by the relay (hardening.md §4): the private,
 * loopback, link-local, CGNAT, benchmark, multicast and reserved ranges, and IPv4-mapped IPv6
 * forms of them.
 *
 * @param address a parsed address
 * @returns true when refused
 * @example
 * ```ts
 * import { isRefusedAddress } from "./server_target.ts";
 * import { parseIpAddress } from "../net/ip_address.ts";
 * if (!isRefusedAddress(parseIpAddress("::ffff:127.0.0.1")!) || isRefusedAddress(parseIpAddress("93.184.216.34")!)) {
 *   throw new Error("bad");
 * }
 * ```
 */
export function isRefusedAddress(address: IpAddress): boolean {
  const mapped = mappedIpv4(address);
  if (address.version === 4 || mapped !== undefined) {
    const b = mapped ?? address.bytes;
    return REFUSED_V4.some(([prefix, bits]) => inPrefix(b, { prefix, bits }));
  }
  return REFUSED_V6.some(([prefix, bits]) => inPrefix(address.bytes, { prefix, bits }));
}

/** Whether an address is loopback (127.0.0.0/8, ::1, or IPv4-mapped loopback). */
function isLoopback(address: IpAddress): boolean {
  const b = mappedIpv4(address) ?? (address.version === 4 ? address.bytes : undefined);
  if (b !== undefined) return b[0] === 127;
  return address.bytes.every((x, i) => x === (i === 15 ? 1 : 0));
}

/**
 * Classify a host: an IP literal (IPv6 in brackets or bare), or a DNS name of LDH labels.
 *
 * @returns the parsed form, or undefined when the host is not acceptable text
 */
function parseHost(host: string): { kind: "dns"; name: string } | { kind: "ip"; address: IpAddress } | undefined {
  if (host.length === 0 || host.length > MAX_HOST_CHARS + 2) return undefined;
  const ip = parseIpAddress(host);
  if (ip !== undefined) return { kind: "ip", address: ip };
  if (host.length > MAX_HOST_CHARS) return undefined;
  const name = host.toLowerCase();
  const labels = name.split(".");
  if (labels.length < 2) return undefined; // single-label names resolve via search domains
  if (!labels.every((l) => LABEL_RE.test(l))) return undefined;
  // The last label must start with a letter: refuses `127.1`, `2130706433`, `0x7f000001`, `1.2.3.4.5`,
  // which other parsers read as IPv4 numbers.
  if (!/^[a-z]/.test(labels[labels.length - 1])) return undefined;
  if (name === "localhost" || name.endsWith(".localhost")) return undefined;
  return { kind: "dns", name };
}

/**
 * Check a relay-to-server request against hardening.md §4 without touching the network: protocol
 * `https`/`http`; port in the allowlist; target `^/(oxen|loki)/[A-Za-z0-9._~/-]{1,200}/lsrpc$`
 * without `..`; host a DNS name (LDH labels, ≤ 253 characters, at least two labels) or an IP
 * literal outside the refused ranges (loopback literals only on `loopbackPorts`).
 *
 * @param fields protocol, host, port and target from the peeled layer
 * @param policy allowed ports
 * @returns the checked target, or which check refused it
 * @example
 * ```ts
 * import { checkServerTarget } from "./server_target.ts";
 * const policy = { ports: [443, 80], loopbackPorts: [] };
 * const ok = checkServerTarget({ protocol: "https", host: "open.getsession.org", port: 443, target: "/oxen/v4/lsrpc" }, policy);
 * if (!ok.ok || ok.target.url !== "https://open.getsession.org/oxen/v4/lsrpc") throw new Error("bad");
 * const ssrf = checkServerTarget({ protocol: "http", host: "169.254.169.254", port: 80, target: "/oxen/v4/lsrpc" }, policy);
 * if (ssrf.ok || ssrf.refusal !== "address") throw new Error("bad");
 * ```
 */
export function checkServerTarget(fields: ServerRequestFields, policy: ServerTargetPolicy): ServerTargetCheck {
  const { protocol, host, port, target } = fields;
  if (protocol !== "https" && protocol !== "http") return { ok: false, refusal: "protocol" };
  if (typeof target !== "string" || !TARGET_RE.test(target) || target.includes("..")) {
    return { ok: false, refusal: "target" };
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, refusal: "port" };
  if (typeof host !== "string") return { ok: false, refusal: "host" };
  const parsed = parseHost(host);
  if (parsed === undefined) return { ok: false, refusal: "host" };

  let hostText: string;
  let hostKind: ServerTarget["hostKind"];
  let urlHost: string;
  if (parsed.kind === "ip") {
    const loopbackAllowed = isLoopback(parsed.address) && policy.loopbackPorts.includes(port);
    if (!loopbackAllowed) {
      if (!policy.ports.includes(port)) return { ok: false, refusal: "port" };
      if (isRefusedAddress(parsed.address)) return { ok: false, refusal: "address" };
    }
    if (parsed.address.version === 4) {
      hostText = Array.from(parsed.address.bytes).join(".");
      hostKind = "ipv4";
      urlHost = hostText;
    } else {
      hostText = formatIpv6(parsed.address.bytes);
      hostKind = "ipv6";
      urlHost = `[${hostText}]`;
    }
  } else {
    if (!policy.ports.includes(port)) return { ok: false, refusal: "port" };
    hostText = parsed.name;
    hostKind = "dns";
    urlHost = hostText;
  }
  const portPart = port === DEFAULT_PORT[protocol] ? "" : `:${port}`;
  return {
    ok: true,
    target: { protocol, host: hostText, hostKind, port, target, url: `${protocol}://${urlHost}${portPart}${target}` },
  };
}

/** Full (uncompressed, lower-case) IPv6 text: unambiguous and safe to put in a URL. */
function formatIpv6(bytes: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return groups.join(":");
}
