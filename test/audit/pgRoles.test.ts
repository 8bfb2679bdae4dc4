import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets, TEST_SECRET_KEY } from '../helpers/db.js';
import { FakeSites } from '../helpers/fakeSites.js';
import { PanelClient } from '../helpers/panel.js';
import { startServer } from '../helpers/server.js';
import { ADMIN_PASSWORD, ADMIN_USER, createSite } from '../panel/harness.js';
import { waitForJob } from '../remote/support.js';

const PG_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const README = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');

/** The grants of README's "PostgreSQL roles" note, as written there (run as the owner). */
function readmeGrants(appRole: string): string[] {
  const note = README.slice(README.indexOf('- **PostgreSQL roles**'));
  const block = note.slice(note.indexOf('```sql') + 6, note.indexOf('```', note.indexOf('```sql') + 6));
  const grants = block.slice(block.indexOf('as wpus_owner:') + 'as wpus_owner:'.length);
  return grants
    .split(';')
    .map((statement) => statement.trim().replace(/\bwpus_app\b/g, appRole))
    .filter(Boolean);
}

async function as(url: string, statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * README's hardening note, checked: with the tables owned by one role and the server running as
 * a role with the note's grants, the panel works, and that role can neither change nor remove
 * audit rows nor switch the append-only triggers off.
 */
describe.runIf(dbTargets.some((t) => t.name === 'postgres'))('PostgreSQL: the server as a role that only appends to audit_log', () => {
  const suffix = randomBytes(5).toString('hex');
  const owner = `wpus_owner_${suffix}`;
  const app = `wpus_app_${suffix}`;
  const database = `wpus_roles_${suffix}`;
  const urlFor = (role: string) => {
    const url = new URL(PG_ADMIN_URL);
    url.username = role;
    url.password = '';
    url.pathname = `/${database}`;
    return url.toString();
  };
  let fake: FakeSites;

  beforeAll(async () => {
    fake = await FakeSites.start();
    await as(PG_ADMIN_URL, [`CREATE ROLE ${owner} LOGIN`, `CREATE ROLE ${app} LOGIN`, `CREATE DATABASE ${database} OWNER ${owner}`]);
  });
  afterAll(async () => {
    await fake.close();
    await as(PG_ADMIN_URL, [`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`, `DROP ROLE IF EXISTS ${app}`, `DROP ROLE IF EXISTS ${owner}`]);
  });

  it('works with the README grants, and the role cannot rewrite, remove or unprotect audit rows', async () => {
    const env = { SECRET_KEY: TEST_SECRET_KEY, ADMIN_USER, ADMIN_PASSWORD, ALLOW_PRIVATE_SITES: 'true' };
    // The owner starts once: migrations create the tables.
    await (await startServer({ env: { ...env, DATABASE_URL: urlFor(owner) } })).close();
    const grants = readmeGrants(app);
    expect(grants.some((g) => g.startsWith('REVOKE UPDATE, DELETE, TRUNCATE ON audit_log'))).toBe(true);
    await as(urlFor(owner), grants);

    const server = await startServer({ env: { ...env, DATABASE_URL: urlFor(app) } });
    try {
      const admin = await PanelClient.login(server.url, ADMIN_USER, ADMIN_PASSWORD);
      const site = fake.add();
      const { id } = await createSite(admin, { name: 'restricted', url: site.url, licenseKey: site.key });
      const job = await admin.post('/remote/update', { site_ids: [id] });
      expect((await waitForJob(admin, job.body.job.id)).succeeded).toBe(1);
      expect((await admin.post('/users', { username: 'someone', password: 'someone-password-1' })).status).toBe(201);
      expect((await admin.request('POST', '/auth/logout')).status).toBe(204);
      const again = await PanelClient.login(server.url, ADMIN_USER, ADMIN_PASSWORD);
      const verify = await again.get('/audit/verify');
      expect(verify.body).toMatchObject({ ok: true });
      expect(verify.body.checked).toBeGreaterThanOrEqual(5);
    } finally {
      await server.close();
    }

    for (const statement of [
      `UPDATE audit_log SET outcome = 'failure'`,
      'DELETE FROM audit_log',
      'TRUNCATE audit_log',
      'ALTER TABLE audit_log DISABLE TRIGGER ALL',
      'DROP TRIGGER audit_log_no_update_delete ON audit_log',
      `DELETE FROM kysely_migration`,
    ]) {
      await expect(as(urlFor(app), [statement]), statement).rejects.toThrow(/permission denied|must be owner/);
    }

    // A migration pending: the restricted role may not apply it, and the start fails.
    await as(urlFor(owner), [`DELETE FROM kysely_migration WHERE name = '006_audit_hash_scheme'`]);
    await expect(startServer({ env: { ...env, DATABASE_URL: urlFor(app) } })).rejects.toThrow(/must be owner|permission denied/);
  });
});
