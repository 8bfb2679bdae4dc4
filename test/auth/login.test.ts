import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { usernameKey } from '../../src/auth/throttle.js';
import { dbTargets } from '../helpers/db.js';
import { PanelClient } from '../helpers/panel.js';
import { startServer } from '../helpers/server.js';
import { ADMIN_PASSWORD, ADMIN_USER, createUser, usePanel } from '../panel/harness.js';

async function rawLogin(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe.each(dbTargets)('login, logout and sessions (%s)', (target) => {
  const h = usePanel(target);

  it('logs the first admin in with a session cookie and a CSRF token', async () => {
    const res = await rawLogin(h.server.url, { username: ADMIN_USER, password: ADMIN_PASSWORD });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { user: unknown; csrfToken: string };
    expect(body.user).toEqual({ id: expect.any(Number), username: ADMIN_USER, role: 'admin' });
    expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.headers.get('cache-control')).toBe('no-store');

    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    const parts = cookies[0].split('; ');
    expect(parts[0]).toMatch(/^wpus_session=[A-Za-z0-9_-]{43}$/);
    expect(parts).toContain('HttpOnly');
    expect(parts).toContain('SameSite=Strict');
    expect(parts).toContain('Path=/');
    expect(parts).not.toContain('Secure'); // plain http, public URL http
  });

  it('stores only the sha256 of the session token', async () => {
    const res = await rawLogin(h.server.url, { username: ADMIN_USER, password: ADMIN_PASSWORD });
    const token = res.headers.getSetCookie()[0].split(';')[0].split('=')[1];
    const rows = await h.server.app.db.kysely.selectFrom('sessions').selectAll().execute();
    expect(rows.some((r) => r.id === token)).toBe(false);
    const row = rows.find((r) => r.id === createHash('sha256').update(token).digest('hex'));
    expect(row).toBeDefined();
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('GET /auth/session answers the user and CSRF token, or 401 without a session', async () => {
    const res = await h.admin.get('/auth/session');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: { id: expect.any(Number), username: ADMIN_USER, role: 'admin' }, csrfToken: h.admin.csrfToken });

    const anonymous = await new PanelClient(h.server.url).get('/auth/session');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('unauthorized');

    const forged = await new PanelClient(h.server.url).request('GET', '/auth/session', undefined, {
      headers: { cookie: 'wpus_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    });
    expect(forged.status).toBe(401);
  });

  it('answers wrong password and unknown user identically with 401', async () => {
    const wrong = await rawLogin(h.server.url, { username: ADMIN_USER, password: 'not-the-password' });
    const unknown = await rawLogin(h.server.url, { username: 'nobody-here', password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const a = await wrong.json();
    const b = await unknown.json();
    expect(a).toEqual({ error: { code: 'unauthorized', message: 'Invalid username or password.' } });
    expect(b).toEqual(a);
    expect(wrong.headers.getSetCookie()).toEqual([]);
  });

  it('never writes a typed username that names no account (it may be a password): not to the log, the audit log or the throttle', async () => {
    const typo = 'Tr0ub4dor&3-in-the-username-field';
    expect((await rawLogin(h.server.url, { username: typo, password: 'anything-at-all' })).status).toBe(401);
    const refused = h.server.logs.filter((l) => l.msg === 'panel login refused');
    expect(refused.at(-1)).toMatchObject({ level: 30, reason: 'unknown_user', ip: expect.any(String) });
    expect(refused.at(-1)).not.toHaveProperty('username');
    expect(JSON.stringify(h.server.logs)).not.toContain(typo);
    const k = h.server.app.db.kysely;
    expect(JSON.stringify(await k.selectFrom('audit_log').selectAll().execute())).not.toContain(typo);
    expect(JSON.stringify(await k.selectFrom('login_attempts').selectAll().execute())).not.toContain(typo);

    // A wrong password for a real account names the account: that is no secret.
    expect((await rawLogin(h.server.url, { username: ADMIN_USER, password: 'wrong-password-9' })).status).toBe(401);
    const adminId = (await h.admin.get('/auth/session')).body.user.id;
    expect(h.server.logs.filter((l) => l.msg === 'panel login refused').at(-1)).toMatchObject({ userId: adminId, username: ADMIN_USER, reason: 'wrong_password' });
    await sql`delete from login_attempts`.execute(k);
  });

  it('rejects a malformed login body with 400, not 500', async () => {
    expect((await rawLogin(h.server.url, { username: ADMIN_USER })).status).toBe(400);
    expect((await rawLogin(h.server.url, ['x'])).status).toBe(400);
    const broken = await fetch(`${h.server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"username": ',
    });
    expect(broken.status).toBe(400);
    // A form post (cross-site forms cannot send JSON) carries no credentials the panel reads.
    const form = await fetch(`${h.server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `username=${ADMIN_USER}&password=${ADMIN_PASSWORD}`,
    });
    expect(form.status).toBe(400);
  });

  it('logout ends the session and clears the cookie', async () => {
    const client = await PanelClient.login(h.server.url, ADMIN_USER, ADMIN_PASSWORD);
    const cookie = client.cookie;
    const res = await client.post('/auth/logout');
    expect(res.status).toBe(204);
    const cleared = res.headers.getSetCookie()[0];
    expect(cleared).toMatch(/^wpus_session=;/);
    expect(cleared).toContain('Max-Age=0');
    // The old cookie no longer works, even if a client kept it.
    const again = await new PanelClient(h.server.url).request('GET', '/auth/session', undefined, { headers: { cookie } });
    expect(again.status).toBe(401);
  });

  it('logout needs the CSRF token', async () => {
    const client = await PanelClient.login(h.server.url, ADMIN_USER, ADMIN_PASSWORD);
    const res = await client.request('POST', '/auth/logout', {}, { csrf: false });
    expect(res.status).toBe(403);
    expect((await client.get('/auth/session')).status).toBe(200);
  });

  it('ends a session idle for more than 12 hours and one older than 7 days', async () => {
    const idle = await PanelClient.login(h.server.url, ADMIN_USER, ADMIN_PASSWORD);
    const old = await PanelClient.login(h.server.url, ADMIN_USER, ADMIN_PASSWORD);
    const digest = (c: PanelClient) => createHash('sha256').update(c.cookie.split('=')[1]).digest('hex');
    const k = h.server.app.db.kysely;
    await k
      .updateTable('sessions')
      .set({ last_seen_at: new Date(Date.now() - 12 * 3600_000 - 1000).toISOString() })
      .where('id', '=', digest(idle))
      .execute();
    await k
      .updateTable('sessions')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', digest(old))
      .execute();
    expect((await idle.get('/auth/session')).status).toBe(401);
    expect((await old.get('/auth/session')).status).toBe(401);
    const left = await k.selectFrom('sessions').select('id').where('id', 'in', [digest(idle), digest(old)]).execute();
    expect(left).toEqual([]);
  });

  it('a session of a deleted user stops working', async () => {
    const id = await createUser(h.admin, 'shortlived', 'shortlived-pass');
    const user = await PanelClient.login(h.server.url, 'shortlived', 'shortlived-pass');
    expect((await user.get('/auth/session')).status).toBe(200);
    expect((await h.admin.request('DELETE', `/users/${id}`)).status).toBe(204);
    expect((await user.get('/auth/session')).status).toBe(401);
  });
});

describe.each(dbTargets)('login throttling (%s)', (target) => {
  const h = usePanel(target);

  it('answers 429 with Retry-After after 5 failures for a username, even with the right password', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await rawLogin(h.server.url, { username: ADMIN_USER, password: `wrong-${i}` });
      expect(res.status).toBe(401);
    }
    const blocked = await rawLogin(h.server.url, { username: ADMIN_USER, password: ADMIN_PASSWORD });
    expect(blocked.status).toBe(429);
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(800);
    expect(retryAfter).toBeLessThanOrEqual(900);
    expect(((await blocked.json()) as { error: { code: string } }).error.code).toBe('too_many_requests');
    expect(blocked.headers.getSetCookie()).toEqual([]);

    // The count lives in the database (shared by instances); once the failures age out, login works.
    const rows = await h.server.app.db.kysely.selectFrom('login_attempts').selectAll().where('key', '=', usernameKey(ADMIN_USER)).execute();
    expect(rows).toHaveLength(5);
    await sql`delete from login_attempts`.execute(h.server.app.db.kysely);
    expect((await rawLogin(h.server.url, { username: ADMIN_USER, password: ADMIN_PASSWORD })).status).toBe(200);
  });

  it('throttles per client address across usernames', async () => {
    for (let i = 0; i < 20; i++) {
      const res = await rawLogin(h.server.url, { username: `guess-${i}`, password: 'whatever-1' });
      expect(res.status).toBe(401);
    }
    const blocked = await rawLogin(h.server.url, { username: 'guess-new', password: 'whatever-1' });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    await sql`delete from login_attempts`.execute(h.server.app.db.kysely);
  });
});

describe.each(dbTargets)('login throttling under parallel guesses (%s)', (target) => {
  const h = usePanel(target);
  const attempts = () => h.server.app.db.kysely.selectFrom('login_attempts').selectAll().execute();

  it('lets only the allowed number of parallel wrong passwords reach the password check', async () => {
    await sql`delete from login_attempts`.execute(h.server.app.db.kysely);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => rawLogin(h.server.url, { username: ADMIN_USER, password: `parallel-wrong-${i}` })),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    expect(statuses).toHaveLength(12);
    // Exactly the five checked attempts are recorded; refused ones are not.
    expect((await attempts()).filter((r) => r.key === usernameKey(ADMIN_USER))).toHaveLength(5);
    // The audit log agrees: five wrong passwords, seven throttled.
    const reasons = (await h.server.app.db.kysely.selectFrom('audit_log').select('context').where('action', '=', 'login').where('outcome', '=', 'failure').execute())
      .map((r) => JSON.parse(r.context).reason as string);
    expect(reasons.filter((r) => r === 'wrong_password')).toHaveLength(5);
    expect(reasons.filter((r) => r === 'throttled')).toHaveLength(7);
    await sql`delete from login_attempts`.execute(h.server.app.db.kysely);
  });

  it('holds the per-address limit under parallel guesses across usernames', async () => {
    const answers = await Promise.all(
      Array.from({ length: 26 }, (_, i) => rawLogin(h.server.url, { username: `parallel-guess-${i}`, password: 'whatever-1' })),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
    await sql`delete from login_attempts`.execute(h.server.app.db.kysely);
  });

  it('a good login leaves no attempt behind and forgives the username, not the address', async () => {
    await sql`delete from login_attempts`.execute(h.server.app.db.kysely);
    await rawLogin(h.server.url, { username: ADMIN_USER, password: 'one-wrong-guess' });
    await rawLogin(h.server.url, { username: 'someone-else', password: 'another-guess' });
    expect(await attempts()).toHaveLength(4);
    expect((await rawLogin(h.server.url, { username: ADMIN_USER, password: ADMIN_PASSWORD })).status).toBe(200);
    const left = (await attempts()).map((r) => r.key).sort();
    // The admin's failure is forgiven and the good login recorded nothing; the address keeps its two failures.
    expect(left).toEqual(['ip:127.0.0.1', 'ip:127.0.0.1', usernameKey('someone-else')].sort());
    await sql`delete from login_attempts`.execute(h.server.app.db.kysely);
  });
});

describe('session cookie behind https', () => {
  it('is Secure when the public URL is https', async () => {
    const server = await startServer({
      env: { ADMIN_USER, ADMIN_PASSWORD, PUBLIC_URL: 'https://updates.example.test' },
    });
    try {
      const res = await rawLogin(server.url, { username: ADMIN_USER, password: ADMIN_PASSWORD });
      expect(res.status).toBe(200);
      expect(res.headers.getSetCookie()[0].split('; ')).toContain('Secure');
    } finally {
      await server.close();
    }
  });

  it('is Secure when a trusted proxy reports https', async () => {
    const server = await startServer({ env: { ADMIN_USER, ADMIN_PASSWORD, TRUST_PROXY: 'true' } });
    try {
      const plain = await rawLogin(server.url, { username: ADMIN_USER, password: ADMIN_PASSWORD });
      expect(plain.headers.getSetCookie()[0].split('; ')).not.toContain('Secure');
      const proxied = await rawLogin(
        server.url,
        { username: ADMIN_USER, password: ADMIN_PASSWORD },
        { 'x-forwarded-proto': 'https' },
      );
      expect(proxied.headers.getSetCookie()[0].split('; ')).toContain('Secure');
    } finally {
      await server.close();
    }
  });
});
