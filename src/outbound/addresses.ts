import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { parseIpv6 } from '../ip.js';

/**
 * Which IP addresses the panel may call. Sites live on the public internet; anything that
 * reaches the server itself, its LAN, cloud metadata (169.254.169.254) or a special-purpose
 * range is refused. IPv6 forms that carry an IPv4 address (mapped ::ffff:a.b.c.d, NAT64
 * 64:ff9b::/96, 6to4 2002::/16) are judged by the IPv4 address they carry.
 */
export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

type RangeTable<T extends ipaddr.IPv4 | ipaddr.IPv6> = Record<string, [T, number][]>;

/** Refused ranges by reason, parsed once (ipaddr.js matches them; the reasons are ours). */
function table<T extends ipaddr.IPv4 | ipaddr.IPv6>(ranges: Record<string, string[]>): RangeTable<T> {
  return Object.fromEntries(Object.entries(ranges).map(([reason, cidrs]) => [reason, cidrs.map((c) => ipaddr.parseCIDR(c) as [T, number])]));
}

const IPV4_REFUSED = table<ipaddr.IPv4>({
  unspecified: ['0.0.0.0/8'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'],
  'shared address space (CGNAT)': ['100.64.0.0/10'],
  loopback: ['127.0.0.0/8'],
  'link-local': ['169.254.0.0/16'],
  reserved: ['192.0.0.0/24', '192.88.99.0/24', '240.0.0.0/4'],
  documentation: ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'],
  benchmarking: ['198.18.0.0/15'],
  multicast: ['224.0.0.0/4'],
});

/** Ranges whose addresses carry an IPv4 address, and where it sits (first of the 16-bit parts). */
const IPV6_EMBEDDING: [ipaddr.IPv6, number, number][] = [
  ['::ffff:0:0/96', 6],
  ['64:ff9b::/96', 6],
  ['2002::/16', 1],
].map(([cidr, at]) => [...(ipaddr.parseCIDR(cidr as string) as [ipaddr.IPv6, number]), at as number]);

const IPV6_REFUSED = table<ipaddr.IPv6>({
  unspecified: ['::/128'],
  loopback: ['::1/128'],
  // ::a.b.c.d (deprecated IPv4-compatible), ::ffff:0:a.b.c.d (SIIT), discard-only, and Teredo,
  // which hides an obfuscated IPv4 address: refused rather than decoded.
  reserved: ['::/96', '::ffff:0:0:0/96', '100::/64', '2001::/32'],
  private: ['64:ff9b:1::/48', 'fc00::/7', 'fec0::/10'],
  documentation: ['2001:db8::/32'],
  'link-local': ['fe80::/10'],
  multicast: ['ff00::/8'],
});

function verdictOf(reason: string): AddressVerdict {
  return reason === 'allowed' ? { allowed: true } : { allowed: false, reason };
}

function checkIpv6(address: ipaddr.IPv6): AddressVerdict {
  for (const [range, prefix, at] of IPV6_EMBEDDING) {
    if (!address.match(range, prefix)) continue;
    const parts = address.parts;
    const ipv4 = ipaddr.fromByteArray([parts[at]! >> 8, parts[at]! & 255, parts[at + 1]! >> 8, parts[at + 1]! & 255]) as ipaddr.IPv4;
    const verdict = verdictOf(ipaddr.subnetMatch(ipv4, IPV4_REFUSED, 'allowed'));
    return verdict.allowed ? verdict : { allowed: false, reason: `${verdict.reason} (${ipv4.toString()} embedded in IPv6)` };
  }
  return verdictOf(ipaddr.subnetMatch(address, IPV6_REFUSED, 'allowed'));
}

/** Strips brackets and an IPv6 zone id; undefined when the text is not an IP address. */
export function parseIpLiteral(text: string): { address: string; family: 4 | 6 } | undefined {
  let s = text;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone > 0 && s.includes(':')) s = s.slice(0, zone);
  // net.isIP, not ipaddr.parse: the latter also takes legacy forms such as "127.1" or "0x7f.0.0.1".
  const family = net.isIP(s);
  if (family === 4 || family === 6) return { address: s.toLowerCase(), family };
  return undefined;
}

/** Whether a resolved address may be called when private addresses are not allowed. */
export function checkAddress(address: string): AddressVerdict {
  const ip = parseIpLiteral(address);
  if (!ip) return { allowed: false, reason: 'not an IP address' };
  if (ip.family === 4) return verdictOf(ipaddr.subnetMatch(ipaddr.IPv4.parse(ip.address), IPV4_REFUSED, 'allowed'));
  return checkIpv6(parseIpv6(ip.address));
}
