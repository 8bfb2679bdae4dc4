import { describe, expect, it } from 'vitest';
import { dbTargets } from '../helpers/db.js';
import { usePanel } from './harness.js';

describe.each(dbTargets)('panel composition (%s)', (target) => {
  const h = usePanel(target);

  it('answers unknown paths with 404 and unknown methods on panel paths with 405, not 401', async () => {
    expect((await fetch(`${h.server.url}/no-such-panel-route`)).status).toBe(404);
    expect((await fetch(`${h.server.url}/sites`, { method: 'PUT' })).status).toBe(405);
  });

  it('marks panel answers no-store', async () => {
    const res = await h.admin.get('/sites');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const anonymous = await fetch(`${h.server.url}/sites`);
    expect(anonymous.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses a body over its route group\'s limit with 413 in the JSON error shape', async () => {
    const padded = (bytes: number) => ({ pad: 'x'.repeat(bytes) });
    const cases: [method: string, path: string, limitKb: number][] = [
      ['POST', '/sites', 64],
      ['PATCH', '/sites/1', 64],
      ['POST', '/users', 64],
      ['PUT', '/users/1/sites', 64],
      ['POST', '/remote/update', 256],
      ['POST', '/remote/plugin-action', 256],
      ['POST', '/sites/1/subsites', 64],
    ];
    for (const [method, path, limitKb] of cases) {
      const over = await h.admin.request(method, path, padded(limitKb * 1024 + 10));
      expect(over.status, `${method} ${path} over ${limitKb} kB`).toBe(413);
      expect(over.body).toEqual({ error: { code: 'payload_too_large', message: 'request entity too large' } });
      // Just under the limit the body is read, and refused by validation instead (400, 404 or 403: not 413).
      const under = await h.admin.request(method, path, padded(limitKb * 1024 - 100));
      expect(under.status, `${method} ${path} under ${limitKb} kB`).not.toBe(413);
    }
    const login = await fetch(`${h.server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'x'.repeat(17 * 1024) }),
    });
    expect(login.status).toBe(413);
    expect(await login.json()).toEqual({ error: { code: 'payload_too_large', message: 'request entity too large' } });
  });

  it('refuses malformed JSON with 400', async () => {
    const broken = await h.admin.request('POST', '/sites', undefined, { headers: { 'content-type': 'application/json' } });
    expect(broken.status).toBe(400);
    const bad = await fetch(`${h.server.url}/sites`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: h.admin.cookie, 'x-csrf-token': h.admin.csrfToken },
      body: '{"name": "x", ',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('bad_request');
  });

  it('runs the first-start migration once: tables and audit triggers exist', async () => {
    const k = h.server.app.db.kysely;
    for (const table of ['users', 'sessions', 'user_sites', 'sites', 'license_activations', 'audit_log', 'login_attempts'] as const) {
      await expect(k.selectFrom(table).selectAll().limit(1).execute()).resolves.toBeDefined();
    }
  });
});
