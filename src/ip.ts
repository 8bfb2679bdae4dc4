import ipaddr from 'ipaddr.js';

/**
 * Parses a valid IPv6 address exactly. ipaddr.js reads a dotted tail (`::a.b.c.d`) as IPv4-mapped,
 * which it is not; the WHATWG URL serializer writes every address in plain hex first.
 */
export function parseIpv6(address: string): ipaddr.IPv6 {
  return ipaddr.IPv6.parse(new URL(`http://[${address}]/`).hostname.slice(1, -1));
}
