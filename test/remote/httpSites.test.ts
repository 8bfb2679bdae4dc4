import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../helpers/db.js';
import { FakeSites } from '../helpers/fakeSites.js';
import { PanelClient } from '../helpers/panel.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';
import { ADMIN_PASSWORD, ADMIN_USER, createSite } from '../panel/harness.js';
import { auditEntries, waitForJob } from './support.js';

let fake: FakeSites;
beforeAll(async () => {
  fake = await FakeSites.start();
});
afterAll(() => fake.close());

const MULTISITE = { user: 'net-admin', password: 'net-password-1' };
const REFUSAL = /^Refused: http:\/\/127\.0\.0\.1:\d+ is an http:\/\/ URL, and the call would send the site's license key or credentials unencrypted\. Register the site's https:\/\/ address, or set ALLOW_HTTP_SITES=true \(trusted networks only\)\.$/;

/**
 * Sites registered on http:// while ALLOW_HTTP_SITES was on, then the server restarted with it
 * off: every call that would carry their license key or credentials is refused before anything
 * is sent (no connection at all), and audited as a failure.
 */
describe.each(dbTargets)('calls to http:// sites stored earlier, ALLOW_HTTP_SITES off (%s)', (target) => {
  let server: TestServer;
  let admin: PanelClient;
  let drop: () => Promise<void> = async () => {};
  const ids = { single: 0, network: 0 };

  beforeAll(async () => {
    const database = await target.create();
    drop = database.drop;
    const dataDir = tempDir('http-sites-');
    const env = { ADMIN_USER, ADMIN_PASSWORD, ALLOW_PRIVATE_SITES: 'true', ...database.env };
    const before = await startServer({ env: { ...env, ALLOW_HTTP_SITES: 'true' }, overrides: { dataDir } });
    try {
      const lenient = await PanelClient.login(before.url, ADMIN_USER, ADMIN_PASSWORD);
      const single = fake.add({ key: 'stored-earlier-key-1' });
      ids.single = (await createSite(lenient, { name: 'single', url: single.url, licenseKey: single.key })).id;
      const network = fake.add({ key: 'stored-earlier-key-2', multisite: MULTISITE });
      ids.network = (await createSite(lenient, { name: 'network', url: network.url, licenseKey: network.key, multisite: MULTISITE })).id;
      // Allowed, it works over http://.
      expect((await lenient.post('/remote/plugin-action', { site_id: ids.single, action: 'update', plugin: 'akismet/akismet.php' })).status).toBe(200);
    } finally {
      await before.close();
    }
    server = await startServer({ env: { ...env, ALLOW_HTTP_SITES: 'false' }, overrides: { dataDir } });
    admin = await PanelClient.login(server.url, ADMIN_USER, ADMIN_PASSWORD);
    fake.resetStats();
  });
  afterAll(async () => {
    await server?.close();
    await drop();
  });

  it('refuses a plugin action with 403 http_not_allowed and never connects', async () => {
    const res = await admin.post('/remote/plugin-action', { site_id: ids.single, action: 'update', plugin: 'akismet/akismet.php' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('http_not_allowed');
    expect(res.body.error.message).toMatch(REFUSAL);
    expect(fake.connections).toBe(0);
    const [entry] = await auditEntries(admin, `entity_type=remote_plugin&site_id=${ids.single}&outcome=failure`);
    expect(entry.context.error.code).toBe('http_not_allowed');
  });

  it('fails each site of a bulk update with http_not_allowed and never connects', async () => {
    const res = await admin.post('/remote/update', { site_ids: [ids.single, ids.network] });
    expect(res.status).toBe(202);
    const job = await waitForJob(admin, res.body.job.id);
    expect(job).toMatchObject({ status: 'completed', succeeded: 0, failed: 2 });
    for (const r of job.results) {
      expect(r.error.code).toBe('http_not_allowed');
      expect(r.error.message).toMatch(REFUSAL);
    }
    expect(fake.connections).toBe(0);
  });

  it('refuses multisite list, create and delete with 403 http_not_allowed and never connects', async () => {
    const calls = [
      () => admin.get(`/sites/${ids.network}/subsites`),
      () => admin.post(`/sites/${ids.network}/subsites`, { email: 'a@example.org', site_name: 'new-site', title: 'New' }),
      () => admin.request('DELETE', `/sites/${ids.network}/subsites/1`),
    ];
    for (const call of calls) {
      const res = await call();
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('http_not_allowed');
    }
    expect(fake.connections).toBe(0);
    expect(fake.calls).toHaveLength(0);
  });
});
