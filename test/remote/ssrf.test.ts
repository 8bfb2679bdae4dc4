import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dbTargets } from '../helpers/db.js';
import { FakeSites } from '../helpers/fakeSites.js';
import { createSite, usePanel } from '../panel/harness.js';
import { waitForJob } from './support.js';

let fake: FakeSites;
let fake6: FakeSites;
beforeAll(async () => {
  fake = await FakeSites.start('127.0.0.1');
  fake6 = await FakeSites.start('::1');
});
afterAll(async () => {
  await fake.close();
  await fake6.close();
});

/**
 * Without ALLOW_PRIVATE_SITES the panel refuses to call loopback, private and link-local
 * addresses — before any connection is made. The literal private/metadata addresses below are
 * refused by the address check before a socket exists; only loopback servers ever listen.
 */
describe.each(dbTargets)('outbound address policy through the panel (%s)', (target) => {
  const h = usePanel(target, { env: { REMOTE_TIMEOUT_MS: '1000', ALLOW_HTTP_SITES: 'true' } });
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    const multisite = { user: 'net-admin', password: 'net-password-1' };
    const urls: Record<string, string> = {
      loopback: fake.add({ key: 'k1', multisite }).url,
      localhost: `http://localhost:${fake.port}/s/${fake.add({ key: 'k2', multisite }).id}`,
      ipv6: fake6.add({ key: 'k3', multisite }).url,
      mapped: `http://[::ffff:127.0.0.1]:${fake.port}/s/${fake.add({ key: 'k4', multisite }).id}`,
      private10: 'http://10.0.0.1',
      metadata: 'http://169.254.169.254/latest',
    };
    for (const [name, url] of Object.entries(urls)) {
      ids[name] = (await createSite(h.admin, { name, url, licenseKey: 'k-ssrf-1234', multisite })).id;
    }
  });

  beforeEach(() => {
    fake.resetStats();
    fake6.resetStats();
  });

  it('refuses plugin actions with 403 address_not_allowed and never connects', async () => {
    for (const [name, id] of Object.entries(ids)) {
      const res = await h.admin.post('/remote/plugin-action', { site_id: id, action: 'update', plugin: 'akismet/akismet.php' });
      expect(res.status, name).toBe(403);
      expect(res.body.error.code, name).toBe('address_not_allowed');
      expect(res.body.error.message, name).toMatch(/^Address not allowed: .* is a (loopback|private|link-local) .*address/);
    }
    expect(fake.calls).toHaveLength(0);
    expect(fake6.calls).toHaveLength(0);
    expect(fake.connections + fake6.connections).toBe(0);
  });

  it('fails each site of a bulk update with address_not_allowed and never connects', async () => {
    const res = await h.admin.post('/remote/update', { site_ids: Object.values(ids) });
    expect(res.status).toBe(202);
    const job = await waitForJob(h.admin, res.body.job.id);
    expect(job).toMatchObject({ status: 'completed', succeeded: 0, failed: Object.keys(ids).length });
    for (const r of job.results) expect(r.error.code).toBe('address_not_allowed');
    expect(fake.calls).toHaveLength(0);
    expect(fake6.calls).toHaveLength(0);
    expect(fake.connections + fake6.connections).toBe(0);
  });

  it('refuses multisite calls too', async () => {
    for (const id of Object.values(ids)) {
      const res = await h.admin.get(`/sites/${id}/subsites`);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('address_not_allowed');
    }
    expect(fake.calls).toHaveLength(0);
    expect(fake6.calls).toHaveLength(0);
    expect(fake.connections + fake6.connections).toBe(0);
  });
});
