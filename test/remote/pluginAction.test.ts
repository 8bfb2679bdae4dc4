import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dbTargets } from '../helpers/db.js';
import { FakeSites, type FakeSiteOptions } from '../helpers/fakeSites.js';
import { PanelClient } from '../helpers/panel.js';
import { createSite, createUser, usePanel } from '../panel/harness.js';
import { auditEntries } from './support.js';
import { freePort } from '../helpers/net.js';

let fake: FakeSites;
let closedPort: number;
beforeAll(async () => {
  fake = await FakeSites.start();
  closedPort = await freePort();
});
afterAll(() => fake.close());

describe.each(dbTargets)('POST /remote/plugin-action (%s)', (target) => {
  const h = usePanel(target, { env: { ALLOW_PRIVATE_SITES: 'true', REMOTE_TIMEOUT_MS: '800' } });

  /** A fake site registered in the panel; `panelKey` overrides the key the panel holds (null = none). */
  async function site(options: FakeSiteOptions = {}, panelKey?: string | null) {
    const f = fake.add(options);
    const key = panelKey === undefined ? f.key : panelKey;
    const s = await createSite(h.admin, { name: `site ${f.id}`, url: f.url, ...(key ? { licenseKey: key } : {}) });
    return { id: s.id, fake: f };
  }

  const act = (client: PanelClient, body: unknown) => client.post('/remote/plugin-action', body);

  beforeEach(() => fake.resetStats());

  it.each(['update', 'activate', 'deactivate', 'delete'] as const)('%s: forwards to the site and answers its result', async (action) => {
    const s = await site({ plugins: { 'akismet/akismet.php': action !== 'activate', 'hello.php': false } });
    const res = await act(h.admin, { site_id: s.id, action, plugin: 'akismet/akismet.php' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, action, plugin: 'akismet/akismet.php' });
    const calls = s.fake.calls();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      method: 'POST',
      path: '/wp-json/rakuwp/v1/remote/plugin-action',
      body: { action, plugin: 'akismet/akismet.php' },
    });
    expect(calls[0]!.headers['x-rakuwp-key']).toBe(s.fake.key);
    const state = s.fake.plugins.get('akismet/akismet.php');
    if (action === 'delete') expect(s.fake.plugins.has('akismet/akismet.php')).toBe(false);
    if (action === 'activate') expect(state).toBe(true);
    if (action === 'deactivate') expect(state).toBe(false);

    const [entry] = await auditEntries(h.admin, `entity_type=remote_plugin&site_id=${s.id}`);
    expect(entry).toMatchObject({
      action,
      entityType: 'remote_plugin',
      entityId: 'akismet/akismet.php',
      siteId: s.id,
      outcome: 'success',
      context: { http_status: 200 },
    });
  });

  it('answers 400 for missing or invalid parameters, before anything is sent', async () => {
    const s = await site();
    const bodies: unknown[] = [
      {},
      { action: 'update', plugin: 'a/a.php' },
      { site_id: s.id, plugin: 'a/a.php' },
      { site_id: s.id, action: 'update' },
      { site_id: String(s.id), action: 'update', plugin: 'a/a.php' },
      { site_id: 0, action: 'update', plugin: 'a/a.php' },
      { site_id: s.id, action: 'explode', plugin: 'a/a.php' },
      { site_id: s.id, action: 'update', plugin: '../../wp-config.php' },
      { site_id: s.id, action: 'update', plugin: '/etc/passwd.php' },
      { site_id: s.id, action: 'update', plugin: 'akismet' },
      { site_id: s.id, action: 'update', plugin: 'a/b/c.php' },
      { site_id: s.id, action: 'update', plugin: `${'a'.repeat(200)}/a.php` },
      { site_id: s.id, action: 'update', plugin: 42 },
    ];
    for (const body of bodies) {
      const res = await act(h.admin, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.error.code).toBe('bad_request');
    }
    expect(fake.calls).toHaveLength(0);
  });

  it.each(['rakuwp/rakuwp.php', 'RakuWP/RakuWP.php', 'rakuwp-connector/main.php', 'rakuwp.php'])(
    'refuses any action on the management plugin (%s) with 403, with zero calls to the site',
    async (plugin) => {
      const s = await site();
      for (const action of ['update', 'activate', 'deactivate', 'delete']) {
        const res = await act(h.admin, { site_id: s.id, action, plugin });
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('protected_plugin');
      }
      expect(fake.calls).toHaveLength(0);
      const entries = await auditEntries(h.admin, `entity_type=remote_plugin&site_id=${s.id}`);
      expect(entries).toHaveLength(4);
      for (const e of entries) {
        expect(e).toMatchObject({ entityId: plugin, outcome: 'failure', context: { http_status: null, error: { code: 'protected_plugin' } } });
      }
    },
  );

  it('does not treat look-alike plugins as the management plugin', async () => {
    const s = await site({ plugins: { 'rakuwpx/rakuwpx.php': true, 'my-rakuwp/my-rakuwp.php': true } });
    expect((await act(h.admin, { site_id: s.id, action: 'deactivate', plugin: 'rakuwpx/rakuwpx.php' })).status).toBe(200);
    expect((await act(h.admin, { site_id: s.id, action: 'deactivate', plugin: 'my-rakuwp/my-rakuwp.php' })).status).toBe(200);
  });

  it('answers 404 for an unknown site and 403 for a site the user has no access to, with zero calls', async () => {
    const s = await site();
    const missing = await act(h.admin, { site_id: 987654, action: 'update', plugin: 'akismet/akismet.php' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');

    await createUser(h.admin, `carol${s.id}`, 'carol-password-1');
    const carol = await PanelClient.login(h.server.url, `carol${s.id}`, 'carol-password-1');
    const denied = await act(carol, { site_id: s.id, action: 'update', plugin: 'akismet/akismet.php' });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('forbidden');
    expect(fake.calls).toHaveLength(0);

    // Both refusals are audited as failures, under the site id that was asked for.
    const [missingRow] = await auditEntries(h.admin, 'entity_type=remote_plugin&site_id=987654');
    expect(missingRow).toMatchObject({ action: 'update', entityId: 'akismet/akismet.php', siteId: 987654, outcome: 'failure', context: { http_status: null, error: { code: 'not_found' } } });
    const carolId = (await carol.get('/auth/session')).body.user.id;
    const deniedRows = await auditEntries(h.admin, `entity_type=remote_plugin&site_id=${s.id}`);
    expect(deniedRows).toHaveLength(1);
    expect(deniedRows[0]).toMatchObject({ action: 'update', userId: carolId, outcome: 'failure', context: { http_status: null, error: { code: 'forbidden', message: `You have no access to site ${s.id}.` } } });
  });

  it("passes the site's 401 (key refused) on", async () => {
    const s = await site({}, 'not-the-right-key');
    const res = await act(h.admin, { site_id: s.id, action: 'update', plugin: 'akismet/akismet.php' });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: { code: 'site_unauthorized', message: 'The site answered 401: Missing or invalid X-RakuWP-Key header.', site_status: 401 },
    });
    // The panel session is untouched: the next call still works.
    expect((await h.admin.get('/sites')).status).toBe(200);
  });

  it("passes the site's 403 (Remote service disabled) on", async () => {
    const s = await site({ remoteEnabled: false });
    const res = await act(h.admin, { site_id: s.id, action: 'activate', plugin: 'hello.php' });
    expect(res.status).toBe(403);
    expect(res.body.error).toEqual({ code: 'site_forbidden', message: 'The site answered 403: The Remote service is not enabled.', site_status: 403 });
  });

  it("passes the site's 404 (plugin not found) on", async () => {
    const s = await site();
    const res = await act(h.admin, { site_id: s.id, action: 'update', plugin: 'missing/missing.php' });
    expect(res.status).toBe(404);
    expect(res.body.error).toEqual({ code: 'plugin_not_found', message: 'The site answered 404: Plugin not found.', site_status: 404 });
    const [entry] = await auditEntries(h.admin, `entity_type=remote_plugin&site_id=${s.id}`);
    expect(entry).toMatchObject({ action: 'update', entityId: 'missing/missing.php', outcome: 'failure', context: { http_status: 404, error: { code: 'plugin_not_found' } } });
  });

  it("passes the site's 400 on", async () => {
    const s = await site({ respondWith: { status: 400, body: { code: 'rest_invalid_param', message: 'Invalid parameter(s): plugin', data: { status: 400 } } } });
    const res = await act(h.admin, { site_id: s.id, action: 'update', plugin: 'akismet/akismet.php' });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: 'site_bad_request', message: 'The site answered 400: Invalid parameter(s): plugin', site_status: 400 });
  });

  it('answers 409 when the panel holds no license key for the site, with zero calls', async () => {
    const s = await site({}, null);
    const res = await act(h.admin, { site_id: s.id, action: 'update', plugin: 'akismet/akismet.php' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('no_license_key');
    expect(fake.calls).toHaveLength(0);
  });

  it('answers 502 for an unreachable site', async () => {
    const s = await createSite(h.admin, { name: 'down', url: `http://127.0.0.1:${closedPort}`, licenseKey: 'k-down-1234' });
    const res = await act(h.admin, { site_id: s.id, action: 'update', plugin: 'akismet/akismet.php' });
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({ code: 'site_unreachable', message: 'The site refused the connection.' });
    const [entry] = await auditEntries(h.admin, `entity_type=remote_plugin&site_id=${s.id}`);
    expect(entry).toMatchObject({ outcome: 'failure', context: { http_status: null, error: { code: 'site_unreachable' } } });
  });

  it('answers 504 when the site does not answer in time', async () => {
    const s = await site({ behaviour: 'hang' });
    const res = await act(h.admin, { site_id: s.id, action: 'update', plugin: 'akismet/akismet.php' });
    expect(res.status).toBe(504);
    expect(res.body.error).toEqual({ code: 'site_timeout', message: 'The site did not answer within 800 ms.' });
  });

  it.each<[string, FakeSiteOptions, number, string]>([
    ['malformed JSON', { behaviour: 'malformed' }, 502, 'invalid_site_response'],
    ['a JSON answer of the wrong shape', { respondWith: { status: 200, body: ['ok'] } }, 502, 'invalid_site_response'],
    ['success: false', { respondWith: { status: 200, body: { success: false, message: 'Could not delete.' } } }, 502, 'site_action_failed'],
    ['a 500', { behaviour: 'fail' }, 502, 'site_error'],
    ['a redirect', { behaviour: 'redirect' }, 502, 'redirect_refused'],
    ['an oversize body', { behaviour: 'huge' }, 502, 'response_too_large'],
    ['a reset connection', { behaviour: 'reset' }, 502, 'site_unreachable'],
    ['no RakuWP route', { respondWith: { status: 404, body: { code: 'rest_no_route', message: 'No route.', data: { status: 404 } } } }, 502, 'site_api_missing'],
  ])('answers %s with %i %s', async (_name, options, status, code) => {
    const s = await site(options);
    const res = await act(h.admin, { site_id: s.id, action: 'update', plugin: 'akismet/akismet.php' });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(fake.calls.filter((c) => c.path === '/wp-json/elsewhere')).toHaveLength(0);
  });

  it('never logs the license key', async () => {
    const s = await site({ key: 'plugin-action-secret-key-777' });
    await act(h.admin, { site_id: s.id, action: 'update', plugin: 'akismet/akismet.php' });
    expect(JSON.stringify(h.server.logs)).not.toContain('plugin-action-secret-key-777');
  });
});

