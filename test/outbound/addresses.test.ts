import { describe, expect, it } from 'vitest';
import { checkAddress, parseIpLiteral } from '../../src/outbound/addresses.js';

describe('checkAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['100.64.0.1', 'shared address space (CGNAT)'],
    ['100.127.255.255', 'shared address space (CGNAT)'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['[::1]', 'loopback'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback (127.0.0.1 embedded in IPv6)'],
    ['::ffff:7f00:1', 'loopback (127.0.0.1 embedded in IPv6)'],
    ['::ffff:10.1.2.3', 'private (10.1.2.3 embedded in IPv6)'],
    ['::ffff:a9fe:a9fe', 'link-local (169.254.169.254 embedded in IPv6)'],
    ['64:ff9b::7f00:1', 'loopback (127.0.0.1 embedded in IPv6)'],
    ['2002:c0a8:0101::1', 'private (192.168.1.1 embedded in IPv6)'],
    ['::127.0.0.1', 'reserved'],
    ['2001:db8::1', 'documentation'],
    ['2001:0::1', 'reserved'],
  ])('refuses %s (%s)', (address, reason) => {
    expect(checkAddress(address)).toEqual({ allowed: false, reason });
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.15.255.255', '172.32.0.0', '100.63.255.255', '100.128.0.0', '11.0.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:0808:0808::1'])(
    'allows the public address %s',
    (address) => {
      expect(checkAddress(address)).toEqual({ allowed: true });
    },
  );

  it('refuses text that is not an address', () => {
    expect(checkAddress('localhost')).toEqual({ allowed: false, reason: 'not an IP address' });
  });
});

describe('parseIpLiteral', () => {
  it('recognises bracketed IPv6 and plain IPv4, and nothing else', () => {
    expect(parseIpLiteral('[::1]')).toEqual({ address: '::1', family: 6 });
    expect(parseIpLiteral('127.0.0.1')).toEqual({ address: '127.0.0.1', family: 4 });
    expect(parseIpLiteral('example.org')).toBeUndefined();
  });
});
