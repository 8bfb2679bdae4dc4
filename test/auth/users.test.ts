import { describe, expect, it } from 'vitest';
import { dbTargets } from '../helpers/db.js';
import { PanelClient } from '../helpers/panel.js';
import { createSite, createUser, usePanel } from '../panel/harness.js';

describe.each(dbTargets)('users and roles (%s)', (target) => {
  const h = usePanel(target);

  it('creates users (admin only) and lists them without password hashes', async () => {
    const res = await h.admin.post('/users', { username: 'editor', password: 'editor-password', role: 'user' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      user: { id: expect.any(Number), username: 'editor', role: 'user', createdAt: expect.any(String), siteIds: [] },
    });
    const list = await h.admin.get('/users');
    expect(list.status).toBe(200);
    expect(list.body.users.map((u: { username: string; role: string }) => [u.username, u.role])).toEqual([
      ['admin', 'admin'],
      ['editor', 'user'],
    ]);
    expect(JSON.stringify(list.body)).not.toMatch(/scrypt|password/i);

    const row = await h.server.app.db.kysely.selectFrom('users').selectAll().where('username', '=', 'editor').executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^scrypt\$15\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(row.password_hash).not.toContain('editor-password');
  });

  it('validates new users: duplicate 409, bad username / short password / unknown role 400', async () => {
    expect((await h.admin.post('/users', { username: 'editor', password: 'another-password' })).status).toBe(409);
    const bad = [
      { username: 'has space', password: 'long-enough-1' },
      { username: 'ok-name', password: 'short' },
      { username: 'ok-name', password: 'long-enough-1', role: 'root' },
      { username: 'ok-name', password: 'long-enough-1', extra: true },
      { password: 'long-enough-1' },
    ];
    for (const body of bad) {
      const res = await h.admin.post('/users', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('bad_request');
      expect(res.body.error.message).toMatch(/^Invalid request body: /);
    }
    const short = await h.admin.post('/users', { username: 'ok-name', password: 'short' });
    expect(short.body.error.message).toContain('password: must be at least 8 characters');
  });

  it('a user sees only assigned sites and gets 403 on the others', async () => {
    const a = await createSite(h.admin, { name: 'A', url: 'https://a.example' });
    const b = await createSite(h.admin, { name: 'B', url: 'https://b.example' });
    const userId = await createUser(h.admin, 'viewer', 'viewer-password');
    const assign = await h.admin.request('PUT', `/users/${userId}/sites`, { site_ids: [a.id] });
    expect(assign.status).toBe(200);
    expect(assign.body.user).toMatchObject({ id: userId, username: 'viewer', siteIds: [a.id] });

    const viewer = await PanelClient.login(h.server.url, 'viewer', 'viewer-password');
    const list = await viewer.get('/sites');
    expect(list.body.sites.map((s: { id: number }) => s.id)).toEqual([a.id]);
    expect((await viewer.get(`/sites/${a.id}`)).body.site.name).toBe('A');
    const forbidden = await viewer.get(`/sites/${b.id}`);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('forbidden');
    expect((await viewer.get('/sites/999999')).status).toBe(404);

    // Admin-only actions.
    expect((await viewer.post('/sites', { name: 'C', url: 'https://c.example' })).status).toBe(403);
    expect((await viewer.request('PATCH', `/sites/${a.id}`, { name: 'A2' })).status).toBe(403);
    expect((await viewer.request('DELETE', `/sites/${a.id}`)).status).toBe(403);
    expect((await viewer.get('/users')).status).toBe(403);
    expect((await viewer.post('/users', { username: 'sneaky', password: 'sneaky-password' })).status).toBe(403);
    expect((await viewer.request('PUT', `/users/${userId}/sites`, { site_ids: [a.id, b.id] })).status).toBe(403);
    expect((await h.admin.get(`/sites/${a.id}`)).body.site.name).toBe('A');

    // Reassigning replaces the list; access follows immediately.
    await h.admin.request('PUT', `/users/${userId}/sites`, { site_ids: [b.id] });
    expect((await viewer.get(`/sites/${a.id}`)).status).toBe(403);
    expect((await viewer.get(`/sites/${b.id}`)).status).toBe(200);
  });

  it('admins see every site', async () => {
    const list = await h.admin.get('/sites');
    expect(list.body.sites.map((s: { name: string }) => s.name)).toEqual(['A', 'B']);
  });

  it('validates site assignments', async () => {
    const userId = await createUser(h.admin, 'assignee', 'assignee-password');
    const unknown = await h.admin.request('PUT', `/users/${userId}/sites`, { site_ids: [424242] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.unknownSiteIds).toEqual([424242]);
    expect((await h.admin.request('PUT', `/users/${userId}/sites`, { site_ids: ['1'] })).status).toBe(400);
    expect((await h.admin.request('PUT', `/users/${userId}/sites`, {})).status).toBe(400);
    expect((await h.admin.request('PUT', '/users/777777/sites', { site_ids: [] })).status).toBe(404);
    expect((await h.admin.request('PUT', '/users/abc/sites', { site_ids: [] })).status).toBe(400);
  });

  it('deletes users, but nobody deletes their own account', async () => {
    const id = await createUser(h.admin, 'leaving', 'leaving-password');
    expect((await h.admin.request('DELETE', `/users/${id}`)).status).toBe(204);
    expect((await h.admin.request('DELETE', `/users/${id}`)).status).toBe(404);
    const me = (await h.admin.get('/auth/session')).body.user.id;
    const self = await h.admin.request('DELETE', `/users/${me}`);
    expect(self.status).toBe(409);
    expect((await h.admin.get('/auth/session')).status).toBe(200);
  });

  it('a second admin created through the API can log in and manage', async () => {
    await createUser(h.admin, 'admin2', 'admin2-password', 'admin');
    const admin2 = await PanelClient.login(h.server.url, 'admin2', 'admin2-password');
    expect((await admin2.get('/users')).status).toBe(200);
  });

  it('does not create ADMIN_USER again on restart-like calls when users exist', async () => {
    expect(await h.server.app.panel.users.ensureInitialAdmin('another', 'another-password')).toBe(false);
    const names = (await h.admin.get('/users')).body.users.map((u: { username: string }) => u.username);
    expect(names).not.toContain('another');
  });
});
