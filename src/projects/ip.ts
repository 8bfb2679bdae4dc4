import net from 'node:net';
import { parseIpv6 } from '../ip.js';

/**
 * Addresses and CIDR ranges for access rules. IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what a
 * dual-stack socket reports for an IPv4 client) is treated as the IPv4 address it carries,
 * both in rules and in requests, so one rule works whichever way the client connected.
 */
export type IpFamily = 'ipv4' | 'ipv6';

export interface IpAddress {
  address: string;
  family: IpFamily;
}

export interface IpRange extends IpAddress {
  /** Prefix length; undefined = one exact address. */
  prefix?: number;
}

/** `::ffff:a.b.c.d` (any spelling) → `a.b.c.d`; undefined when not IPv4-mapped. */
function mappedIpv4(address: string): string | undefined {
  const ip = parseIpv6(address);
  return ip.isIPv4MappedAddress() ? ip.toIPv4Address().toString() : undefined;
}

/** Validates and normalises one address (brackets and an IPv6 zone id are dropped). */
export function normaliseIp(input: string): IpAddress | undefined {
  let s = input.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone > 0 && s.includes(':')) s = s.slice(0, zone);
  const version = net.isIP(s);
  if (version === 4) return { address: s, family: 'ipv4' };
  if (version !== 6) return undefined;
  const v4 = mappedIpv4(s);
  return v4 ? { address: v4, family: 'ipv4' } : { address: s.toLowerCase(), family: 'ipv6' };
}

/** Parses an address or `address/prefix`; a string is the reason it is invalid. */
export function parseIpRange(entry: string): IpRange | string {
  const slash = entry.indexOf('/');
  if (slash < 0) {
    const ip = normaliseIp(entry);
    return ip ?? `"${entry}" is not an IPv4 or IPv6 address or CIDR range`;
  }
  const addressPart = entry.slice(0, slash);
  const prefixPart = entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixPart)) return `"${entry}": the prefix length after "/" must be a number`;
  let prefix = Number(prefixPart);
  // Only plain addresses in CIDR notation: no brackets or zone ids.
  const version = net.isIP(addressPart);
  if (version === 0) return `"${entry}": "${addressPart}" is not an IPv4 or IPv6 address`;
  let family: IpFamily = version === 4 ? 'ipv4' : 'ipv6';
  let address = version === 4 ? addressPart : addressPart.toLowerCase();
  if (prefix > (family === 'ipv4' ? 32 : 128)) {
    return `"${entry}": prefix /${prefix} is too long for an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address`;
  }
  const v4 = family === 'ipv6' ? mappedIpv4(address) : undefined;
  if (v4 && prefix >= 96) {
    // ::ffff:10.0.0.0/104 is the IPv4 range 10.0.0.0/8.
    address = v4;
    family = 'ipv4';
    prefix -= 96;
  }
  return { address, family, prefix };
}
