import { createHash, createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/audit/hash.js';
import type { AuditRow } from '../../src/audit/log.js';
import { dbTargets, TEST_SECRET_KEY } from '../helpers/db.js';
import { PanelClient } from '../helpers/panel.js';
import { createSite, createUser, usePanel } from '../panel/harness.js';

/** An audit row as GET /audit returns it. */
type Entry = AuditRow;

/** The audit chain key, derived here independently of src/audit: HMAC(SECRET_KEY, 'audit-chain-v1'). */
const AUDIT_KEY = createHmac('sha256', Buffer.from(TEST_SECRET_KEY, 'hex')).update('audit-chain-v1').digest();

const fieldsText = (row: { created_at: string; user_id: number | null; site_id: number | null; action: string; entity_type: string; entity_id: string | null; outcome: string; context: string }) =>
  canonicalJson({
    createdAt: row.created_at,
    userId: row.user_id,
    siteId: row.site_id,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    outcome: row.outcome,
    context: row.context,
  });

async function allEntries(client: PanelClient, query = ''): Promise<Entry[]> {
  const out: Entry[] = [];
  let cursor: string | null = null;
  do {
    const sep = query ? '&' : '';
    const res = await client.get(`/audit?${query}${sep}limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    out.push(...res.body.entries);
    cursor = res.body.nextCursor;
  } while (cursor);
  return out;
}

describe.each(dbTargets)('audit log (%s)', (target) => {
  const h = usePanel(target, { env: { SECRET_KEY: TEST_SECRET_KEY } });

  it('records panel actions with who, what and outcome — and no secrets', async () => {
    const site = await createSite(h.admin, { name: 'Audited', url: 'https://audited.example', licenseKey: 'AUDIT-SECRET-KEY-77' });
    await h.admin.request('PATCH', `/sites/${site.id}`, { licenseKey: 'AUDIT-SECRET-KEY-88', name: 'Audited 2' });
    await createUser(h.admin, 'auditee', 'auditee-password');
    await fetch(`${h.server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'auditee', password: 'wrong-password-x' }),
    });

    const entries = await allEntries(h.admin);
    const adminId = (await h.admin.get('/auth/session')).body.user.id;
    const brief = entries.map((e) => [e.action, e.entityType, e.outcome]).reverse();
    expect(brief).toEqual([
      ['create', 'user', 'success'], // ADMIN_USER on first start
      ['login', 'session', 'success'],
      ['create', 'site', 'success'],
      ['update', 'site', 'success'],
      ['create', 'user', 'success'],
      ['login', 'session', 'failure'],
    ]);
    const [failedLogin, createUserRow, updateSite, createSiteRow, , firstAdmin] = entries;
    expect(firstAdmin).toMatchObject({ userId: null, entityId: String(adminId), context: { username: 'admin', role: 'admin', via: 'env' } });
    expect(createSiteRow).toMatchObject({
      userId: adminId,
      siteId: site.id,
      entityId: String(site.id),
      context: { name: 'Audited', url: 'https://audited.example', hasLicenseKey: true, isMultisite: false },
    });
    expect(updateSite.context.changed).toEqual(['licenseKey', 'name']);
    expect(createUserRow.context).toEqual({ username: 'auditee', role: 'user', via: 'panel' });
    expect(failedLogin).toMatchObject({ userId: expect.any(Number), context: { username: 'auditee', reason: 'wrong_password' } });
    const text = JSON.stringify(entries);
    expect(text).not.toContain('AUDIT-SECRET-KEY');
    expect(text).not.toContain('auditee-password');
    expect(text).not.toContain('wrong-password-x');
  });

  it('chains every row to the previous one with an HMAC under a subkey of SECRET_KEY', async () => {
    const rows = await h.server.app.db.kysely.selectFrom('audit_log').selectAll().orderBy('id').execute();
    expect(rows.length).toBeGreaterThanOrEqual(6);
    let prev = '0'.repeat(64);
    for (const row of rows) {
      expect(row.prev_hash).toBe(prev);
      expect(row.hash_scheme).toBe('hmac-sha256-v1');
      expect(row.hash).toBe(createHmac('sha256', AUDIT_KEY).update(prev + fieldsText(row)).digest('hex'));
      // Not the unkeyed hash anyone with the database could compute.
      expect(row.hash).not.toBe(createHash('sha256').update(prev + fieldsText(row)).digest('hex'));
      prev = row.hash;
    }
    const verify = await h.admin.get('/audit/verify');
    expect(verify.status).toBe(200);
    const last = rows[rows.length - 1]!;
    expect(verify.body).toEqual({ ok: true, checked: rows.length, head: { id: last.id, hash: last.hash } });
    const [newest] = (await h.admin.get('/audit?limit=1')).body.entries;
    expect(newest).toMatchObject({ id: last.id, hash: last.hash, hashScheme: 'hmac-sha256-v1' });
  });

  it('concurrent writers never fork the chain', async () => {
    const audit = h.server.app.panel.audit;
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        audit.record({ action: 'test', entityType: 'concurrency', entityId: String(i), userId: null, siteId: null, outcome: 'success', context: { i } }),
      ),
    );
    const rows = await h.server.app.db.kysely.selectFrom('audit_log').select(['prev_hash']).execute();
    expect(new Set(rows.map((r) => r.prev_hash)).size).toBe(rows.length);
    expect((await h.admin.get('/audit/verify')).body.ok).toBe(true);
  });

  it('redacts secret-named context fields whoever passes them', async () => {
    await h.server.app.panel.audit.record({
      action: 'test',
      entityType: 'redaction',
      userId: null,
      siteId: null,
      outcome: 'success',
      context: { licenseKey: 'LEAK-1', nested: { password: 'LEAK-2' }, plugins: 3 },
    });
    const [row] = (await h.admin.get('/audit?entity_type=redaction')).body.entries;
    expect(row.context).toEqual({ licenseKey: '[redacted]', nested: { password: '[redacted]' }, plugins: 3 });
  });

  it('filters by site, user, action, entity type and time, and paginates', async () => {
    const all = await allEntries(h.admin);
    const siteId = all.find((e) => e.entityType === 'site')!.siteId!;
    const bySite = await allEntries(h.admin, `site_id=${siteId}`);
    expect(bySite.length).toBeGreaterThan(0);
    expect(bySite.every((e) => e.siteId === siteId)).toBe(true);

    const logins = await allEntries(h.admin, 'action=login&entity_type=session');
    expect(logins.length).toBeGreaterThanOrEqual(2);
    expect(logins.every((e) => e.action === 'login' && e.entityType === 'session')).toBe(true);

    const adminId = (await h.admin.get('/auth/session')).body.user.id;
    const byUser = await allEntries(h.admin, `user_id=${adminId}`);
    expect(byUser.length).toBeGreaterThan(0);
    expect(byUser.every((e) => e.userId === adminId)).toBe(true);

    const failures = await allEntries(h.admin, 'outcome=failure');
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((e) => e.outcome === 'failure')).toBe(true);
    expect(failures.length).toBeLessThan(all.length);

    const future = await allEntries(h.admin, `from=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`);
    expect(future).toEqual([]);
    const past = await allEntries(h.admin, 'to=2000-01-01');
    expect(past).toEqual([]);
    const sinceEpoch = await allEntries(h.admin, 'from=2000-01-01');
    expect(sinceEpoch.length).toBe(all.length);

    // Pagination: newest first, pages do not overlap, the cursor walks to the end.
    const page1 = await h.admin.get('/audit?limit=5');
    expect(page1.body.entries).toHaveLength(5);
    expect(page1.body.nextCursor).toBe(String(page1.body.entries[4].id));
    const page2 = await h.admin.get(`/audit?limit=5&cursor=${page1.body.nextCursor}`);
    expect(page2.body.entries[0].id).toBeLessThan(page1.body.entries[4].id);
    const ids = all.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('rejects bad filters with 400', async () => {
    for (const q of ['limit=0', 'limit=1000', 'site_id=abc', 'from=yesterday', 'cursor=-1', 'site_id=1&site_id=2', 'outcome=maybe']) {
      const res = await h.admin.get(`/audit?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.message).toMatch(/^Invalid query: /);
    }
  });

  it('users see only the rows of their sites; verify is for admins', async () => {
    const mine = await createSite(h.admin, { name: 'Mine', url: 'https://mine.example' });
    const theirs = await createSite(h.admin, { name: 'Theirs', url: 'https://theirs.example' });
    const userId = await createUser(h.admin, 'reader', 'reader-password');
    await h.admin.request('PUT', `/users/${userId}/sites`, { site_ids: [mine.id] });
    const reader = await PanelClient.login(h.server.url, 'reader', 'reader-password');
    const entries = await allEntries(reader);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.siteId === mine.id)).toBe(true);
    expect((await reader.get(`/audit?site_id=${theirs.id}`)).status).toBe(403);
    expect((await reader.get('/audit/verify')).status).toBe(403);
  });

  it('the database refuses UPDATE and DELETE on audit_log', async () => {
    const k = h.server.app.db.kysely;
    const before = await k.selectFrom('audit_log').selectAll().orderBy('id').execute();
    await expect(sql`update audit_log set outcome = 'failure'`.execute(k)).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log where id = ${before[0].id}`.execute(k)).rejects.toThrow(/append-only/);
    await expect(k.deleteFrom('audit_log').execute()).rejects.toThrow(/append-only/);
    if (target.name === 'postgres') await expect(sql`truncate audit_log`.execute(k)).rejects.toThrow(/append-only/);
    const after = await k.selectFrom('audit_log').selectAll().orderBy('id').execute();
    expect(after).toEqual(before);
  });

  it('the database refuses to overwrite a row through an insert (REPLACE on SQLite, upsert on PostgreSQL)', async () => {
    const k = h.server.app.db.kysely;
    const before = await k.selectFrom('audit_log').selectAll().orderBy('id').execute();
    const victim = before[0]!;
    const columns = sql`(id, created_at, user_id, site_id, action, entity_type, entity_id, outcome, context, prev_hash, hash)`;
    const values = sql`(${victim.id}, ${victim.created_at}, null, null, 'rewritten', 'history', null, 'success', '{}', ${victim.prev_hash}, ${victim.hash})`;
    const attempts =
      target.name === 'sqlite'
        ? [
            sql`insert or replace into audit_log ${columns} values ${values}`,
            sql`replace into audit_log ${columns} values ${values}`,
            sql`insert into audit_log ${columns} values ${values} on conflict (id) do update set action = excluded.action`,
            sql`insert or ignore into audit_log ${columns} values ${values}`,
          ]
        : [
            sql`insert into audit_log ${columns} values ${values} on conflict (id) do update set action = excluded.action`,
            sql`insert into audit_log ${columns} values ${values} on conflict on constraint audit_log_pkey do update set outcome = 'failure'`,
          ];
    for (const attempt of attempts) await expect(attempt.execute(k)).rejects.toThrow(/append-only/);
    const after = await k.selectFrom('audit_log').selectAll().orderBy('id').execute();
    expect(after).toEqual(before);
    const last = before[before.length - 1]!;
    expect((await h.admin.get('/audit/verify')).body).toEqual({ ok: true, checked: before.length, head: { id: last.id, hash: last.hash } });
  });

  it('verify reports the first row of a forged chain', async () => {
    const k = h.server.app.db.kysely;
    const last = await k.selectFrom('audit_log').select(['id', 'hash']).orderBy('id', 'desc').executeTakeFirstOrThrow();
    const count = (await k.selectFrom('audit_log').select('id').execute()).length;
    // Correct link, but a hash that does not match the contents.
    const forged = await k
      .insertInto('audit_log')
      .values({
        created_at: new Date().toISOString(),
        user_id: null,
        site_id: null,
        action: 'delete',
        entity_type: 'site',
        entity_id: '1',
        outcome: 'success',
        context: '{}',
        prev_hash: last.hash,
        hash: 'f'.repeat(64),
        hash_scheme: 'hmac-sha256-v1',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const res = await h.admin.get('/audit/verify');
    expect(res.body).toEqual({
      ok: false,
      checked: count,
      head: { id: forged.id, hash: 'f'.repeat(64) },
      brokenAt: forged.id,
      reason: 'hash does not match the row contents',
    });
  });
});

describe.each(dbTargets)('audit verify: broken link (%s)', (target) => {
  const h = usePanel(target);

  it('reports a row whose prev_hash does not link', async () => {
    const k = h.server.app.db.kysely;
    const fields = { createdAt: new Date().toISOString(), userId: null, siteId: null, action: 'x', entityType: 'y', entityId: null, outcome: 'success', context: '{}' };
    const prev = 'a'.repeat(64);
    const hash = createHash('sha256').update(prev + canonicalJson(fields)).digest('hex');
    const forged = await k
      .insertInto('audit_log')
      .values({ created_at: fields.createdAt, user_id: null, site_id: null, action: 'x', entity_type: 'y', entity_id: null, outcome: 'success', context: '{}', prev_hash: prev, hash })
      .returning('id')
      .executeTakeFirstOrThrow();
    const res = await h.admin.get('/audit/verify');
    expect(res.body).toMatchObject({ ok: false, brokenAt: forged.id, reason: 'prev_hash does not match the previous row' });
  });
});
