import { describe, expect, it } from 'vitest';
import { compileAccess, isAllowed } from '../../src/projects/access.js';
import { readSettingsFile } from '../../src/projects/parse.js';
import type { AccessRequest } from '../../src/projects/types.js';
import { tempDir } from '../helpers/tmp.js';
import { writeJson } from './support.js';

const req = (over: Partial<AccessRequest> = {}): AccessRequest => ({ branch: 'main', ip: '203.0.113.9', ...over });

describe('compileAccess', () => {
  it('lets everyone in with "*"', () => {
    const check = compileAccess('*');
    expect(check(req())).toBe(true);
    expect(check(req({ apikey: 'anything', branch: 'x', ip: '' }))).toBe(true);
  });

  it('lets nobody in with an empty rule list', () => {
    expect(compileAccess([])(req({ apikey: 'k' }))).toBe(false);
  });

  it('matches any key of an apikey list, exactly', () => {
    const check = compileAccess([{ apikey: ['alpha', 'beta', 'gamma'] }]);
    expect(['alpha', 'beta', 'gamma'].map((apikey) => check(req({ apikey })))).toEqual([true, true, true]);
    expect(check(req({ apikey: 'delta' }))).toBe(false);
    expect(check(req({ apikey: 'alph' }))).toBe(false);
    expect(check(req({ apikey: 'alphaa' }))).toBe(false);
    expect(check(req({ apikey: 'ALPHA' }))).toBe(false);
    expect(check(req({ apikey: '' }))).toBe(false);
    expect(check(req())).toBe(false);
  });

  it('matches branches', () => {
    const check = compileAccess([{ branch: ['main', 'beta'] }]);
    expect([check(req({ branch: 'main' })), check(req({ branch: 'beta' })), check(req({ branch: 'dev' }))]).toEqual([true, true, false]);
  });

  it('matches an exact IPv4 address', () => {
    const check = compileAccess([{ ip: ['192.0.2.10'] }]);
    expect(check(req({ ip: '192.0.2.10' }))).toBe(true);
    expect(check(req({ ip: '192.0.2.11' }))).toBe(false);
  });

  it('matches IPv4 CIDR ranges at their edges', () => {
    const check = compileAccess([{ ip: ['10.1.0.0/16'] }]);
    expect(check(req({ ip: '10.1.0.0' }))).toBe(true);
    expect(check(req({ ip: '10.1.255.255' }))).toBe(true);
    expect(check(req({ ip: '10.2.0.0' }))).toBe(false);
    expect(check(req({ ip: '10.0.255.255' }))).toBe(false);
  });

  it('matches exact IPv6 addresses in any spelling', () => {
    const check = compileAccess([{ ip: ['2001:db8::1'] }]);
    expect(check(req({ ip: '2001:db8::1' }))).toBe(true);
    expect(check(req({ ip: '2001:0DB8:0:0:0:0:0:1' }))).toBe(true);
    expect(check(req({ ip: '2001:db8::2' }))).toBe(false);
  });

  it('matches IPv6 CIDR ranges', () => {
    const check = compileAccess([{ ip: ['2001:db8:abcd::/48'] }]);
    expect(check(req({ ip: '2001:db8:abcd:12::7' }))).toBe(true);
    expect(check(req({ ip: '2001:db8:abce::1' }))).toBe(false);
    expect(check(req({ ip: '10.0.0.1' }))).toBe(false);
  });

  it('treats IPv4-mapped IPv6 requests as IPv4', () => {
    const check = compileAccess([{ ip: ['127.0.0.1', '10.0.0.0/8'] }]);
    expect(check(req({ ip: '::ffff:127.0.0.1' }))).toBe(true);
    expect(check(req({ ip: '::ffff:7f00:1' }))).toBe(true);
    expect(check(req({ ip: '::ffff:10.200.3.4' }))).toBe(true);
    expect(check(req({ ip: '::ffff:11.0.0.1' }))).toBe(false);
  });

  it('treats IPv4-mapped IPv6 rules as IPv4', () => {
    const check = compileAccess([{ ip: ['::ffff:192.0.2.1', '::ffff:10.0.0.0/104'] }]);
    expect(check(req({ ip: '192.0.2.1' }))).toBe(true);
    expect(check(req({ ip: '10.9.9.9' }))).toBe(true);
    expect(check(req({ ip: '11.0.0.1' }))).toBe(false);
  });

  it('matches loopback ::1 and ignores a zone id or brackets in the request', () => {
    const check = compileAccess([{ ip: ['::1', 'fe80::/10'] }]);
    expect(check(req({ ip: '::1' }))).toBe(true);
    expect(check(req({ ip: '[::1]' }))).toBe(true);
    expect(check(req({ ip: 'fe80::1%eth0' }))).toBe(true);
    expect(check(req({ ip: '127.0.0.1' }))).toBe(false);
  });

  it('refuses, without throwing, a request address that is not an address', () => {
    const check = compileAccess([{ ip: ['0.0.0.0/0', '::/0'] }]);
    for (const ip of ['', 'localhost', '999.1.1.1', '1.2.3.4/8', '::1::2']) expect(check(req({ ip }))).toBe(false);
    expect(check(req({ ip: '8.8.4.4' }))).toBe(true);
  });

  it('needs every key a rule names (AND)', () => {
    const check = compileAccess([{ apikey: ['k'], branch: ['main'], ip: ['10.0.0.0/8'] }]);
    expect(check(req({ apikey: 'k', branch: 'main', ip: '10.1.1.1' }))).toBe(true);
    expect(check(req({ apikey: 'x', branch: 'main', ip: '10.1.1.1' }))).toBe(false);
    expect(check(req({ apikey: 'k', branch: 'beta', ip: '10.1.1.1' }))).toBe(false);
    expect(check(req({ apikey: 'k', branch: 'main', ip: '11.1.1.1' }))).toBe(false);
  });

  it('needs only one rule to match (OR)', () => {
    const check = compileAccess([{ apikey: ['customer'], branch: ['main'] }, { apikey: ['tester'] }, { ip: ['192.0.2.0/24'] }]);
    expect(check(req({ apikey: 'customer', branch: 'main' }))).toBe(true);
    expect(check(req({ apikey: 'customer', branch: 'beta' }))).toBe(false);
    expect(check(req({ apikey: 'tester', branch: 'beta' }))).toBe(true);
    expect(check(req({ branch: 'beta', ip: '192.0.2.200' }))).toBe(true);
    expect(check(req({ apikey: 'nobody', branch: 'main' }))).toBe(false);
  });

  it('isAllowed gives the same answers as the compiled checker', () => {
    const allowed = [{ apikey: ['k'] }, { ip: ['::1'] }];
    expect(isAllowed(allowed, req({ apikey: 'k' }))).toBe(true);
    expect(isAllowed(allowed, req({ ip: '::1' }))).toBe(true);
    expect(isAllowed(allowed, req({ apikey: 'j' }))).toBe(false);
  });

  it('works on rules read from a real settings file in the original format', async () => {
    const dir = tempDir('access-');
    const file = writeJson(
      dir,
      'legacy.json',
      ['// original format: one rule object, single values', '{', '  "repository": "/r",', '  "allowed": {"apikey": "legacy-key", "ip": "127.0.0.1"}', '}'].join('\n'),
    );
    const result = await readSettingsFile(file);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const check = compileAccess(result.settings.allowed);
    expect(check(req({ apikey: 'legacy-key', ip: '::ffff:127.0.0.1' }))).toBe(true);
    expect(check(req({ apikey: 'legacy-key', ip: '127.0.0.2' }))).toBe(false);
    expect(check(req({ apikey: 'other', ip: '127.0.0.1' }))).toBe(false);
  });
});
