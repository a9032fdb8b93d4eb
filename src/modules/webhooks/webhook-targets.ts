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
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // process() turns IPv4-mapped IPv6 (::ffff:127.0.0.1) into the IPv4 address it carries.
    parsed = ipaddr.process(address.replace(/^\[|\]$/g, ''));
  } catch {
    return `"${address}" is not an IP address`;
  }
  const range = parsed.range();
  return range === 'unicast' ? null : `${parsed.toString()} is a ${range} address`;
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

/** Resolves `hostname` and refuses it if any address it resolves to is not public. */
export async function resolvePublicAddresses(hostname: string): Promise<string | null> {
  const addresses = await new Promise<LookupAddress[]>((resolve) => dnsLookup(hostname, { all: true }, (error, result) => resolve(error ? [] : result)));
  if (addresses.length === 0) return `${hostname} does not resolve`;
  for (const { address } of addresses) {
    const reason = blockedAddressReason(address);
    if (reason) return `must not point to a private or local address (${hostname} resolves to ${reason.replace(/^\S+ is /, `${address}, `)})`;
  }
  return null;
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
          const reason = blockedAddressReason(address);
          if (reason) return callback(new BlockedTargetError(`refused to connect: ${hostname} resolves to ${reason}`), []);
        }
      }
      const wantsAll = (options as { all?: boolean }).all;
      if (wantsAll) return callback(null, list);
      const first = list[0];
      return first ? callback(null, first.address, first.family) : callback(new Error(`${hostname} did not resolve`), []);
    });
  };
}
