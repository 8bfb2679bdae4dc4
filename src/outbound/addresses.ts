import net from 'node:net';

/**
 * Which IP addresses the panel may call. Sites live on the public internet; anything that
 * reaches the server itself, its LAN, cloud metadata (169.254.169.254) or a special-purpose
 * range is refused. IPv6 forms that carry an IPv4 address (mapped ::ffff:a.b.c.d, NAT64
 * 64:ff9b::/96, 6to4 2002::/16) are judged by the IPv4 address they carry.
 */
export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

interface Ipv4Range {
  base: number;
  prefix: number;
  reason: string;
}

const v4 = (cidr: string, reason: string): Ipv4Range => {
  const [addr, prefix] = cidr.split('/') as [string, string];
  return { base: ipv4ToNumber(addr), prefix: Number(prefix), reason };
};

const IPV4_REFUSED: Ipv4Range[] = [
  v4('0.0.0.0/8', 'unspecified'),
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'shared address space (CGNAT)'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local'),
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'reserved'),
  v4('192.0.2.0/24', 'documentation'),
  v4('192.88.99.0/24', 'reserved'),
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'benchmarking'),
  v4('198.51.100.0/24', 'documentation'),
  v4('203.0.113.0/24', 'documentation'),
  v4('224.0.0.0/4', 'multicast'),
  v4('240.0.0.0/4', 'reserved'),
];

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function inIpv4Range(n: number, range: Ipv4Range): boolean {
  const size = 2 ** (32 - range.prefix);
  return Math.floor(n / size) === Math.floor(range.base / size);
}

function checkIpv4(address: string): AddressVerdict {
  const n = ipv4ToNumber(address);
  const hit = IPV4_REFUSED.find((r) => inIpv4Range(n, r));
  return hit ? { allowed: false, reason: hit.reason } : { allowed: true };
}

/** The 8 16-bit groups of a valid IPv6 address (a dotted IPv4 tail is allowed). */
function ipv6Groups(address: string): number[] {
  let s = address;
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number];
    s = `${s.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const restGroups = rest ? rest.split(':') : [];
  const zeros = rest === undefined ? [] : Array<string>(8 - headGroups.length - restGroups.length).fill('0');
  return [...headGroups, ...zeros, ...restGroups].map((g) => parseInt(g, 16));
}

const ipv4FromGroups = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

function checkIpv6(address: string): AddressVerdict {
  const g = ipv6Groups(address);
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  const firstFiveZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (firstFiveZero && g5 === 0 && g6 === 0 && g7 === 0) return { allowed: false, reason: 'unspecified' };
  if (firstFiveZero && g5 === 0 && g6 === 0 && g7 === 1) return { allowed: false, reason: 'loopback' };
  // ::ffff:a.b.c.d — what the OS connects to is the IPv4 address.
  if (firstFiveZero && g5 === 0xffff) return embedded(ipv4FromGroups(g6, g7));
  // ::a.b.c.d (deprecated IPv4-compatible) and ::ffff:0:a.b.c.d (SIIT).
  if (firstFiveZero && g5 === 0) return { allowed: false, reason: 'reserved' };
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0xffff && g5 === 0) {
    return { allowed: false, reason: 'reserved' };
  }
  // NAT64 well-known prefix 64:ff9b::/96 and local-use 64:ff9b:1::/48.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return embedded(ipv4FromGroups(g6, g7));
  }
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return { allowed: false, reason: 'private' };
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return { allowed: false, reason: 'reserved' };
  // 2001::/32 Teredo hides an obfuscated IPv4 address: refuse rather than decode.
  if (g0 === 0x2001 && g1 === 0) return { allowed: false, reason: 'reserved' };
  if (g0 === 0x2001 && g1 === 0xdb8) return { allowed: false, reason: 'documentation' };
  if (g0 === 0x2002) return embedded(ipv4FromGroups(g1, g2));
  if ((g0 & 0xfe00) === 0xfc00) return { allowed: false, reason: 'private' };
  if ((g0 & 0xffc0) === 0xfe80) return { allowed: false, reason: 'link-local' };
  if ((g0 & 0xffc0) === 0xfec0) return { allowed: false, reason: 'private' };
  if ((g0 & 0xff00) === 0xff00) return { allowed: false, reason: 'multicast' };
  return { allowed: true };
}

function embedded(ipv4: string): AddressVerdict {
  const verdict = checkIpv4(ipv4);
  return verdict.allowed ? verdict : { allowed: false, reason: `${verdict.reason} (${ipv4} embedded in IPv6)` };
}

/** Strips brackets and an IPv6 zone id; undefined when the text is not an IP address. */
export function parseIpLiteral(text: string): { address: string; family: 4 | 6 } | undefined {
  let s = text;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone > 0 && s.includes(':')) s = s.slice(0, zone);
  const family = net.isIP(s);
  if (family === 4 || family === 6) return { address: s.toLowerCase(), family };
  return undefined;
}

/** Whether a resolved address may be called when private addresses are not allowed. */
export function checkAddress(address: string): AddressVerdict {
  const ip = parseIpLiteral(address);
  if (!ip) return { allowed: false, reason: 'not an IP address' };
  return ip.family === 4 ? checkIpv4(ip.address) : checkIpv6(ip.address);
}
