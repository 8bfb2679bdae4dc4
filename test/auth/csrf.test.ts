import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../helpers/db.js';
import { FakeSites } from '../helpers/fakeSites.js';
import { PanelClient } from '../helpers/panel.js';
import { createSite, usePanel } from '../panel/harness.js';

let fake: FakeSites;
beforeAll(async () => {
  fake = await FakeSites.start();
});
afterAll(() => fake.close());

describe.each(dbTargets)('session and CSRF rules (%s)', (target) => {
  const h = usePanel(target, { env: { ALLOW_PRIVATE_SITES: 'true' } });

  it('refuses panel routes without a session with 401', async () => {
    const anonymous = new PanelClient(h.server.url);
    for (const [method, path] of [
      ['GET', '/sites'],
      ['POST', '/sites'],
      ['GET', '/users'],
      ['GET', '/audit'],
      ['GET', '/audit/verify'],
      ['PATCH', '/sites/1'],
      ['DELETE', '/sites/1'],
    ] as const) {
      const res = await anonymous.request(method, path, method === 'GET' || method === 'DELETE' ? undefined : {});
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
  });

  it('refuses a state-changing call without X-CSRF-TOKEN with 403, and changes nothing', async () => {
    const before = await h.admin.get('/sites');
    const res = await h.admin.request('POST', '/sites', { name: 'No CSRF', url: 'https://no-csrf.example' }, { csrf: false });
    expect(res.status).toBe(403);
    expect(res.body.error).toEqual({ code: 'forbidden', message: 'Missing or invalid X-CSRF-TOKEN header.', reason: 'csrf' });
    expect((await h.admin.get('/sites')).body).toEqual(before.body);
  });

  it('refuses a wrong CSRF token (also one of another session) on POST, PATCH, PUT and DELETE', async () => {
    const site = await createSite(h.admin, { name: 'Target', url: 'https://target.example' });
    const other = await PanelClient.login(h.server.url, 'admin', 'admin-password-1');
    expect(other.csrfToken).not.toBe(h.admin.csrfToken);
    const wrongTokens = ['x', other.csrfToken, h.admin.csrfToken.slice(0, -1), `${h.admin.csrfToken}x`];
    for (const token of wrongTokens) {
      const headers = { 'x-csrf-token': token };
      const calls = [
        await h.admin.request('PATCH', `/sites/${site.id}`, { name: 'Changed' }, { csrf: false, headers }),
        await h.admin.request('DELETE', `/sites/${site.id}`, undefined, { csrf: false, headers }),
        await h.admin.request('POST', '/users', { username: 'csrfvictim', password: 'password-123' }, { csrf: false, headers }),
        await h.admin.request('PUT', '/users/1/sites', { site_ids: [site.id] }, { csrf: false, headers }),
      ];
      expect(calls.map((c) => c.status)).toEqual([403, 403, 403, 403]);
    }
    const after = await h.admin.get(`/sites/${site.id}`);
    expect(after.body.site.name).toBe('Target');
    const users = await h.admin.get('/users');
    expect(users.body.users.map((u: { username: string }) => u.username)).toEqual(['admin']);
    expect(users.body.users[0].siteIds).toEqual([]);
  });

  it('refuses remote and multisite actions without the right token with 403, and nothing reaches the site', async () => {
    const f = fake.add({ multisite: { user: 'net-user', password: 'net-password' } });
    const site = await createSite(h.admin, { name: 'Remote target', url: f.url, licenseKey: f.key, multisite: { user: 'net-user', password: 'net-password' } });
    const other = await PanelClient.login(h.server.url, 'admin', 'admin-password-1');
    const calls: [string, string, unknown][] = [
      ['POST', '/remote/update', { site_ids: [site.id] }],
      ['POST', '/remote/plugin-action', { site_id: site.id, action: 'deactivate', plugin: 'akismet/akismet.php' }],
      ['POST', `/sites/${site.id}/subsites`, { email: 'csrf@example.org', site_name: 'csrf-blog', title: 'CSRF' }],
      ['DELETE', `/sites/${site.id}/subsites/1`, undefined],
    ];
    fake.resetStats();
    for (const headers of [{}, { 'x-csrf-token': other.csrfToken }, { 'x-csrf-token': `${h.admin.csrfToken}x` }] as Record<string, string>[]) {
      for (const [method, path, body] of calls) {
        const res = await h.admin.request(method, path, body, { csrf: false, headers });
        expect(res.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(403);
        expect(res.body.error).toEqual({ code: 'forbidden', message: 'Missing or invalid X-CSRF-TOKEN header.', reason: 'csrf' });
      }
    }
    expect(fake.calls).toHaveLength(0);
    expect(fake.connections).toBe(0);
    expect((await h.admin.get('/remote/jobs')).body.jobs).toEqual([]);
    expect(f.plugins.get('akismet/akismet.php')).toBe(true);
    expect(f.multisite!.subsites.map((s) => [s.blog_id, s.deleted])).toEqual([[1, false]]);

    // With the token the same calls do reach the site (so the zero above means something).
    const allowed = await h.admin.post('/remote/plugin-action', { site_id: site.id, action: 'deactivate', plugin: 'akismet/akismet.php' });
    expect(allowed.status).toBe(200);
    expect(f.calls()).toHaveLength(1);
  });

  it('accepts the right token, and GET needs none', async () => {
    const res = await h.admin.post('/sites', { name: 'With CSRF', url: 'https://with-csrf.example' });
    expect(res.status).toBe(201);
    expect((await h.admin.request('GET', '/sites', undefined, { csrf: false })).status).toBe(200);
  });
});
