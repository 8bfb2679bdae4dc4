import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dbTargets } from '../helpers/db.js';
import { FakeSites, type FakeSite, type FakeSiteOptions } from '../helpers/fakeSites.js';
import { PanelClient } from '../helpers/panel.js';
import { createSite, createUser, usePanel } from '../panel/harness.js';
import { auditEntries } from '../remote/support.js';
import { freePort } from '../helpers/net.js';

const USER = 'network-admin';
const PASSWORD = 'network-pass-42';

let fake: FakeSites;
let closedPort: number;
beforeAll(async () => {
  fake = await FakeSites.start();
  closedPort = await freePort();
});
afterAll(() => fake.close());

const subsite = (blogId: number, name: string, flags: Partial<Record<'public' | 'spam' | 'archived' | 'deleted', boolean>> = {}) => ({
  blog_id: blogId,
  domain: 'net.example',
  path: `/${name}/`,
  site_id: 1,
  registered: '2024-01-02 03:04:05',
  last_updated: '2024-02-03 04:05:06',
  public: true,
  archived: false,
  mature: false,
  spam: false,
  deleted: false,
  lang_id: 0,
  blogname: name,
  siteurl: `https://net.example/${name}`,
  post_count: 3,
  home: `https://net.example/${name}`,
  ...flags,
});

describe.each(dbTargets)('multisite sub-sites (%s)', (target) => {
  const h = usePanel(target, { env: { ALLOW_PRIVATE_SITES: 'true', REMOTE_TIMEOUT_MS: '800' } });

  /** A fake network registered in the panel with (by default) the right credentials. */
  async function network(options: Partial<NonNullable<FakeSiteOptions['multisite']>> = {}, creds: { user: string; password: string } | null = { user: USER, password: PASSWORD }, extra: FakeSiteOptions = {}) {
    const f: FakeSite = fake.add({
      ...extra,
      multisite: {
        user: USER,
        password: PASSWORD,
        subsites: [subsite(1, 'main'), subsite(2, 'shop'), subsite(3, 'old', { public: false, archived: true }), subsite(4, 'gone', { deleted: true })],
        ...options,
      },
    });
    const s = await createSite(h.admin, { name: `net ${f.id}`, url: f.url, ...(creds ? { multisite: creds } : {}) });
    return { id: s.id, fake: f };
  }

  beforeEach(() => fake.resetStats());

  it('lists sub-sites, forwarding the filters and the stored credentials', async () => {
    const n = await network();
    const res = await h.admin.get(`/sites/${n.id}/subsites?public=1&deleted=0`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sites: [subsite(1, 'main'), subsite(2, 'shop')] });
    const [call] = n.fake.calls();
    expect(call).toMatchObject({ method: 'POST', path: '/wp-json/wp-multisites/v1/list', query: { public: '1', deleted: '0' } });
    expect(call!.headers.user).toBe(USER);
    expect(call!.headers.password).toBe(PASSWORD);

    const all = await h.admin.get(`/sites/${n.id}/subsites`);
    expect(all.body.sites.map((s: { blog_id: number }) => s.blog_id)).toEqual([1, 2, 3, 4]);
    expect(n.fake.calls()[1]!.query).toEqual({});

    const [entry] = await auditEntries(h.admin, `entity_type=multisite_site&site_id=${n.id}`);
    expect(entry).toMatchObject({ action: 'list', entityType: 'multisite_site', entityId: null, outcome: 'success', context: { filters: {}, count: 4, http_status: 200 } });
  });

  it("normalises a WordPress-style answer (ids and flags as strings) to the same shape", async () => {
    const n = await network({ legacy: true });
    const res = await h.admin.get(`/sites/${n.id}/subsites?archived=1`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sites: [subsite(3, 'old', { public: false, archived: true })] });
  });

  it('validates the filters (400) before anything is sent', async () => {
    const n = await network();
    for (const q of ['public=2', 'spam=yes', 'archived=', 'deleted=1&deleted=0', 'public=true']) {
      const res = await h.admin.get(`/sites/${n.id}/subsites?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code).toBe('bad_request');
    }
    expect((await h.admin.get('/sites/abc/subsites')).status).toBe(400);
    expect(fake.calls).toHaveLength(0);
  });

  it('creates a sub-site (201) and audits it without the password', async () => {
    const n = await network();
    const body = { email: 'owner@example.org', site_name: 'new-blog', title: 'New Blog', password: 'owner-pass-123' };
    const res = await h.admin.post(`/sites/${n.id}/subsites`, body);
    expect(res.status).toBe(201);
    expect(res.body.site).toMatchObject({ blog_id: 5, path: expect.stringMatching(/\/new-blog\/$/), blogname: 'New Blog', deleted: false });
    expect(Object.keys(res.body.site).sort()).toEqual(Object.keys(subsite(1, 'x')).sort());
    const [call] = n.fake.calls();
    expect(call).toMatchObject({ method: 'POST', path: '/wp-json/wp-multisites/v1/create', body });
    expect(n.fake.multisite!.subsites.map((s) => s.blog_id)).toEqual([1, 2, 3, 4, 5]);

    const [entry] = await auditEntries(h.admin, `entity_type=multisite_site&site_id=${n.id}`);
    expect(entry).toMatchObject({
      action: 'create',
      entityId: '5',
      outcome: 'success',
      context: { site_name: 'new-blog', title: 'New Blog', email: 'owner@example.org', password_set: true, blog_id: 5, http_status: 201 },
    });
    expect(JSON.stringify(entry)).not.toContain('owner-pass-123');
    expect(JSON.stringify(h.server.logs)).not.toContain('owner-pass-123');
    expect(JSON.stringify(h.server.logs)).not.toContain(PASSWORD);
  });

  it('validates a new sub-site (400) before anything is sent', async () => {
    const n = await network();
    const good = { email: 'a@example.org', site_name: 'blog', title: 'Blog' };
    for (const body of [
      {},
      { ...good, email: 'not-an-email' },
      { ...good, site_name: 'Bad_Name' },
      { ...good, site_name: '-edge' },
      { ...good, site_name: 'a'.repeat(64) },
      { ...good, site_name: '../x' },
      { ...good, title: '' },
      { ...good, title: 'line\nbreak' },
      { ...good, password: 'short' },
      { ...good, site_name: 42 },
    ]) {
      const res = await h.admin.post(`/sites/${n.id}/subsites`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('bad_request');
    }
    expect(fake.calls).toHaveLength(0);
  });

  it("passes the network's own 400 on (site exists)", async () => {
    const n = await network();
    const res = await h.admin.post(`/sites/${n.id}/subsites`, { email: 'a@example.org', site_name: 'shop', title: 'Shop again' });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: 'site_bad_request', message: 'The network answered 400: Sorry, that site already exists!', site_status: 400 });
    const [entry] = await auditEntries(h.admin, `entity_type=multisite_site&site_id=${n.id}`);
    expect(entry).toMatchObject({ action: 'create', entityId: 'shop', outcome: 'failure', context: { http_status: 400, error: { code: 'site_bad_request' } } });
  });

  it('deletes a sub-site (flag only by default, drop=true removes it)', async () => {
    const n = await network();
    const flagged = await h.admin.request('DELETE', `/sites/${n.id}/subsites/2`);
    expect(flagged.status).toBe(200);
    expect(flagged.body.deleted).toMatchObject({ blog_id: 2, drop: false, site: { blog_id: 2, deleted: true } });
    expect(n.fake.calls()[0]).toMatchObject({ method: 'DELETE', path: '/wp-json/wp-multisites/v1/delete', body: { blog_id: 2, drop: false } });
    expect(n.fake.calls()).toHaveLength(1);
    expect(n.fake.multisite!.subsites.find((s) => s.blog_id === 2)?.deleted).toBe(true);

    const dropped = await h.admin.request('DELETE', `/sites/${n.id}/subsites/3?drop=true`);
    expect(dropped.status).toBe(200);
    expect(dropped.body.deleted).toMatchObject({ blog_id: 3, drop: true });
    expect(n.fake.calls()[1]!.body).toEqual({ blog_id: 3, drop: true });
    expect(n.fake.multisite!.subsites.map((s) => s.blog_id)).toEqual([1, 2, 4]);

    const entries = await auditEntries(h.admin, `entity_type=multisite_site&site_id=${n.id}&action=delete`);
    expect(entries.map((e) => [e.entityId, e.outcome, e.context.drop, e.context.method])).toEqual([
      ['3', 'success', true, 'DELETE'],
      ['2', 'success', false, 'DELETE'],
    ]);
    for (const q of ['abc', '0', '2?drop=maybe']) {
      expect((await h.admin.request('DELETE', `/sites/${n.id}/subsites/${q}`)).status, q).toBe(400);
    }
  });

  it('retries a delete once with POST when the network has no DELETE route (the public plugin registers POST)', async () => {
    const n = await network({ deleteMethod: 'POST' });
    const res = await h.admin.request('DELETE', `/sites/${n.id}/subsites/2`);
    expect(res.status).toBe(200);
    expect(res.body.deleted).toMatchObject({ blog_id: 2, drop: false, site: { blog_id: 2, deleted: true } });
    expect(n.fake.calls().map((c) => [c.method, c.path, c.body])).toEqual([
      ['DELETE', '/wp-json/wp-multisites/v1/delete', { blog_id: 2, drop: false }],
      ['POST', '/wp-json/wp-multisites/v1/delete', { blog_id: 2, drop: false }],
    ]);
    expect(n.fake.calls()[1]!.headers.user).toBe(USER);
    expect(n.fake.multisite!.subsites.find((s) => s.blog_id === 2)?.deleted).toBe(true);
    const [entry] = await auditEntries(h.admin, `entity_type=multisite_site&site_id=${n.id}&action=delete`);
    expect(entry).toMatchObject({ entityId: '2', outcome: 'success', context: { http_status: 202, method: 'POST' } });

    // The POST answer is final: a missing sub-site is a 404, with no third call.
    const missing = await h.admin.request('DELETE', `/sites/${n.id}/subsites/99`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('subsite_not_found');
    expect(n.fake.calls().map((c) => c.method)).toEqual(['DELETE', 'POST', 'DELETE', 'POST']);
  });

  it('does not retry when the network has neither route: 502 multisite_api_missing after DELETE and POST', async () => {
    const plain = fake.add();
    const s = await createSite(h.admin, { name: 'no api', url: plain.url, multisite: { user: USER, password: PASSWORD } });
    const res = await h.admin.request('DELETE', `/sites/${s.id}/subsites/2`);
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({ code: 'multisite_api_missing', site_status: 404 });
    expect(plain.calls().map((c) => c.method)).toEqual(['DELETE', 'POST']);
  });

  it('answers 404 for a missing sub-site, whether the network says 404 or (original plugin) 400', async () => {
    for (const legacy of [false, true]) {
      const n = await network({ legacy });
      const res = await h.admin.request('DELETE', `/sites/${n.id}/subsites/99`);
      expect(res.status, `legacy=${legacy}`).toBe(404);
      // A 404 that is not rest_no_route is the network's answer: no retry.
      expect(n.fake.calls().map((c) => c.method)).toEqual(['DELETE']);
      expect(res.body.error).toEqual({
        code: 'subsite_not_found',
        message: 'The network answered ' + (legacy ? '400' : '404') + ': The site you are trying to delete does not exist.',
        site_status: legacy ? 400 : 404,
      });
    }
  });

  it('answers 403 when the network refuses the credentials, whether it says 403 or (original plugin) 400 {"id": 403}', async () => {
    for (const legacy of [false, true]) {
      const n = await network({ legacy }, { user: USER, password: 'wrong-password' });
      for (const call of [
        () => h.admin.get(`/sites/${n.id}/subsites`),
        () => h.admin.request('DELETE', `/sites/${n.id}/subsites/2`),
        () => h.admin.post(`/sites/${n.id}/subsites`, { email: 'a@example.org', site_name: 'x1', title: 'X' }),
      ]) {
        const res = await call();
        expect(res.status, `legacy=${legacy}`).toBe(403);
        expect(res.body.error).toEqual({ code: 'site_forbidden', message: 'The network answered ' + (legacy ? '400' : '403') + ': Invalid Username or Password', site_status: legacy ? 400 : 403 });
      }
    }
  });

  it('answers 409 for a site without multisite credentials, with zero calls', async () => {
    const n = await network({}, null);
    const res = await h.admin.get(`/sites/${n.id}/subsites`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('no_multisite_credentials');
    expect(fake.calls).toHaveLength(0);
  });

  it('answers 404 for an unknown site and 403 without access, with zero calls', async () => {
    const n = await network();
    expect((await h.admin.get('/sites/987654/subsites')).status).toBe(404);
    await createUser(h.admin, `dave${n.id}`, 'dave-password-1');
    const dave = await PanelClient.login(h.server.url, `dave${n.id}`, 'dave-password-1');
    expect((await dave.get(`/sites/${n.id}/subsites`)).status).toBe(403);
    expect((await dave.post(`/sites/${n.id}/subsites`, { email: 'a@example.org', site_name: 'x2', title: 'X' })).status).toBe(403);
    expect((await dave.request('DELETE', `/sites/${n.id}/subsites/2`)).status).toBe(403);
    expect(fake.calls).toHaveLength(0);

    // Every refusal is audited as a failure, under the site id that was asked for.
    const [missing] = await auditEntries(h.admin, 'entity_type=multisite_site&site_id=987654');
    expect(missing).toMatchObject({ action: 'list', siteId: 987654, outcome: 'failure', context: { http_status: null, error: { code: 'not_found' } } });
    const daveId = (await dave.get('/auth/session')).body.user.id;
    const denied = await auditEntries(h.admin, `entity_type=multisite_site&site_id=${n.id}&user_id=${daveId}`);
    expect(denied.map((e) => [e.action, e.entityId, e.outcome, e.context.error.code])).toEqual([
      ['delete', '2', 'failure', 'forbidden'],
      ['create', 'x2', 'failure', 'forbidden'],
      ['list', null, 'failure', 'forbidden'],
    ]);
  });

  it('answers 502 when the network has no multisite JSON API, is unreachable or answers garbage; 504 on timeout', async () => {
    const plain = fake.add();
    const noApi = await createSite(h.admin, { name: 'plain', url: plain.url, multisite: { user: USER, password: PASSWORD } });
    const missing = await h.admin.get(`/sites/${noApi.id}/subsites`);
    expect(missing.status).toBe(502);
    expect(missing.body.error).toMatchObject({ code: 'multisite_api_missing', site_status: 404 });

    const down = await createSite(h.admin, { name: 'down', url: `http://127.0.0.1:${closedPort}`, multisite: { user: USER, password: PASSWORD } });
    const unreachable = await h.admin.get(`/sites/${down.id}/subsites`);
    expect(unreachable.status).toBe(502);
    expect(unreachable.body.error.code).toBe('site_unreachable');

    const garbage = await network({}, undefined, { behaviour: 'malformed' });
    const bad = await h.admin.get(`/sites/${garbage.id}/subsites`);
    expect(bad.status).toBe(502);
    expect(bad.body.error.code).toBe('invalid_site_response');

    const slow = await network({}, undefined, { behaviour: 'hang' });
    const timeout = await h.admin.get(`/sites/${slow.id}/subsites`);
    expect(timeout.status).toBe(504);
    expect(timeout.body.error.code).toBe('site_timeout');
    const [entry] = await auditEntries(h.admin, `entity_type=multisite_site&site_id=${slow.id}`);
    expect(entry).toMatchObject({ action: 'list', outcome: 'failure', context: { error: { code: 'site_timeout' } } });
  });
});
