import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Webhook targets must be public: loopback, private, link-local (cloud metadata at 169.254.169.254),
 * carrier-grade NAT, unique-local and other special ranges are refused unless
 * WEBHOOK_ALLOW_PRIVATE_TARGETS=true. Checked when an endpoint is saved and again on the address actually
 * connected to (see `guardedLookup`), so a DNS answer that changes in between cannot smuggle a request in.
 */
export function blockedAddressReason(address: string): string | null {
  const range = specialRange(address);
  if (range === 'invalid') return `"${address}" is not an IP address`;
  return range ? `${displayAddress(address)} is a ${range} address` : null;
}

/**
 * The IANA special-purpose registries (IPv4 and IPv6, RFC 6890 and later), multicast, and the deprecated
 * IPv4-compatible IPv6 block (::a.b.c.d, RFC 4291), which some stacks still route to the embedded IPv4 address.
 * ipaddr.js names the common ranges; these cover the rest, so no range it calls "unicast" slips through.
 */
const SPECIAL_RANGES: Array<[string, string]> = [
  ['0.0.0.0/8', 'this-network'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'documentation'],
  ['192.31.196.0/24', 'AS112'],
  ['192.52.193.0/24', 'AMT'],
  ['192.88.99.0/24', '6to4 relay anycast'],
  ['192.175.48.0/24', 'direct delegation AS112'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['240.0.0.0/4', 'reserved'],
  ['::/96', 'IPv4-compatible'],
  ['64:ff9b::/96', 'IPv4-IPv6 translation'],
  ['64:ff9b:1::/48', 'IPv4-IPv6 translation'],
  ['100::/64', 'discard-only'],
  ['100:0:0:1::/64', 'dummy'],
  ['2001::/23', 'IETF protocol assignments'],
  ['2001:db8::/32', 'documentation'],
  ['2002::/16', '6to4'],
  ['2620:4f:8000::/48', 'direct delegation AS112'],
  ['3fff::/20', 'documentation'],
  ['5f00::/16', 'segment routing'],
];
const PARSED_RANGES = SPECIAL_RANGES.map(([cidr, name]) => ({ range: ipaddr.parseCIDR(cidr), name }));

/** The special range `address` falls in, null for an ordinary public address, 'invalid' for no address. */
function specialRange(address: string): string | null | 'invalid' {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // process() turns IPv4-mapped IPv6 (::ffff:127.0.0.1) into the IPv4 address it carries.
    parsed = ipaddr.process(address.replace(/^\[|\]$/g, ''));
  } catch {
    return 'invalid';
  }
  const named = parsed.range();
  if (named !== 'unicast') return named;
  for (const { range, name } of PARSED_RANGES) {
    if (range[0].kind() === parsed.kind() && parsed.match(range as [typeof parsed, number])) return name;
  }
  return null;
}

function displayAddress(address: string): string {
  try {
    return ipaddr.process(address.replace(/^\[|\]$/g, '')).toString();
  } catch {
    return address;
  }
}

export class BlockedTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlockedTargetError';
  }
}

/** Checks a URL's scheme and, for IP literals, its address. Hostnames are checked when resolved. */
export function targetUrlProblem(rawUrl: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return 'must be a valid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http or https';
  if (url.username || url.password) return 'must not contain credentials';
  if (allowPrivate) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return 'must not point to localhost';
  if (isIP(host)) {
    const reason = blockedAddressReason(host);
    return reason ? `must not point to a private or local address (${reason})` : null;
  }
  return null;
}

/** A DNS lookup returning every address (node:dns `lookup` with `all: true`; replaceable in tests). */
type AllLookup = (hostname: string, options: { all: true }, callback: (error: Error | null, addresses: LookupAddress[]) => void) => void;

/** Resolves `hostname` and refuses it if any address it resolves to is not public. */
export async function resolvePublicAddresses(hostname: string, lookup: AllLookup = dnsLookup): Promise<string | null> {
  const addresses = await new Promise<LookupAddress[]>((resolve) => lookup(hostname, { all: true }, (error, result) => resolve(error ? [] : result)));
  if (addresses.length === 0) return `${hostname} does not resolve`;
  for (const { address } of addresses) {
    const range = specialRange(address);
    if (range) return ruleProblem(hostname, range);
  }
  return null;
}

/**
 * The rule a resolved name broke, never the address it resolved to: saving an endpoint or reading its attempts
 * must not map our internal DNS for whoever owns it.
 */
function ruleProblem(hostname: string, range: string): string {
  return `must not point to a private or special-purpose address (${hostname} resolves to ${range === 'invalid' ? 'no IP' : `a ${range}`} address)`;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for http.request that only ever hands the socket a public address. */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const list = addresses as LookupAddress[];
      if (!allowPrivate) {
        for (const { address } of list) {
          const range = specialRange(address);
          // The rule, not the address, as when saving: the attempt log is read by whoever owns the endpoint.
          if (range) return callback(new BlockedTargetError(`refused to connect: ${ruleProblem(hostname, range)}`), []);
        }
      }
      const wantsAll = (options as { all?: boolean }).all;
      if (wantsAll) return callback(null, list);
      const first = list[0];
      return first ? callback(null, first.address, first.family) : callback(new Error(`${hostname} did not resolve`), []);
    });
  };
}
