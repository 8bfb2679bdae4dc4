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

  it('refuses bodies over 1 MB with 413 and malformed JSON with 400', async () => {
    const big = await h.admin.request('POST', '/sites', { name: 'x'.repeat(1_100_000), url: 'https://big.example' });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('payload_too_large');
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
