import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Migration } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/index.js';
import { migrations } from '../../src/db/migrations/index.js';
import { captureLogger } from '../helpers/log.js';
import { tempDir } from '../helpers/tmp.js';
import { dbTargets } from '../helpers/db.js';
import { startServer } from '../helpers/server.js';
import { createSite, usePanel } from '../panel/harness.js';

const LICENSE = 'LIC-9f8e7d6c5b4a-SECRET-K3Y9';
const MS_USER = 'network-admin-user';
const MS_PASSWORD = 'ms-pass W0rd with spaces';

describe.each(dbTargets)('sites (%s)', (target) => {
  const h = usePanel(target);

  it('creates a site with a normalised URL and no secrets in the answer', async () => {
    const res = await h.admin.post('/sites', {
      name: '  Shop  ',
      url: 'HTTPS://Shop.Example:443/blog//',
      licenseKey: LICENSE,
      multisite: { user: MS_USER, password: MS_PASSWORD },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      site: {
        id: expect.any(Number),
        name: 'Shop',
        url: 'https://shop.example/blog',
        isMultisite: true,
        hasLicenseKey: true,
        hasMultisiteCredentials: true,
        licenseKeyHint: 'K3Y9',
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        updatedAt: expect.any(String),
      },
    });
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(LICENSE);
    expect(text).not.toContain(MS_PASSWORD);
    expect(text).not.toContain(MS_USER);
  });

  it('lists and reads sites', async () => {
    const list = await h.admin.get('/sites');
    expect(list.status).toBe(200);
    expect(list.body.sites).toHaveLength(1);
    const id = list.body.sites[0].id;
    const one = await h.admin.get(`/sites/${id}`);
    expect(one.body.site).toEqual(list.body.sites[0]);
    expect((await h.admin.get('/sites/98765')).status).toBe(404);
    expect((await h.admin.get('/sites/not-a-number')).status).toBe(400);
    expect((await h.admin.get('/sites/0')).status).toBe(400);
  });

  it('encrypts secrets at rest (raw rows hold no plaintext) and decrypts them for outbound use', async () => {
    const site = (await h.admin.get('/sites')).body.sites[0];
    const k = h.server.app.db.kysely;
    const siteRow = await k.selectFrom('sites').selectAll().where('id', '=', site.id).executeTakeFirstOrThrow();
    const licenseRows = await k.selectFrom('license_activations').selectAll().where('site_id', '=', site.id).execute();
    expect(licenseRows).toHaveLength(1);
    expect(licenseRows[0]).toMatchObject({ license_key_hint: 'K3Y9', status: 'active' });
    expect(licenseRows[0].license_key_enc).toMatch(/^v1:[A-Za-z0-9+/=]+$/);
    expect(siteRow.multisite_user_enc).toMatch(/^v1:/);
    expect(siteRow.multisite_password_enc).toMatch(/^v1:/);
    const raw = JSON.stringify({ siteRow, licenseRows });
    for (const secret of [LICENSE, MS_PASSWORD, MS_USER, Buffer.from(LICENSE).toString('base64')]) {
      expect(raw).not.toContain(secret);
    }

    // SiteAccess.getSecrets is how the remote and multisite features read them.
    expect(await h.server.app.panel.sites.getSecrets(site.id)).toEqual({
      licenseKey: LICENSE,
      multisiteUser: MS_USER,
      multisitePassword: MS_PASSWORD,
    });
  });

  it('a ciphertext moved to another site does not decrypt (bound to its row)', async () => {
    const other = await createSite(h.admin, { name: 'Other', url: 'https://other.example', licenseKey: 'OTHER-KEY-1234' });
    const first = (await h.admin.get('/sites')).body.sites[0];
    const k = h.server.app.db.kysely;
    const stolen = await k.selectFrom('license_activations').select('license_key_enc').where('site_id', '=', first.id).executeTakeFirstOrThrow();
    await k.updateTable('license_activations').set({ license_key_enc: stolen.license_key_enc }).where('site_id', '=', other.id).execute();
    await expect(h.server.app.panel.sites.getSecrets(other.id)).rejects.toThrow(/Cannot decrypt/);
    await h.admin.request('DELETE', `/sites/${other.id}`);
  });

  it.runIf(target.name === 'postgres')('on PostgreSQL uses SECRET_KEY and writes no key file', () => {
    expect(h.server.config.secretKey).toBeDefined();
    expect(fs.existsSync(path.join(h.server.config.dataDir, 'secret.key'))).toBe(false);
  });

  it.runIf(target.name === 'sqlite')('on SQLite generated the encryption key once into DATA_DIR/secret.key with mode 0600 and warned', () => {
    const file = path.join(h.server.config.dataDir, 'secret.key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    const warning = h.server.logs.find((l) => l.level === 40 && String(l.msg).includes('SECRET_KEY'));
    expect(warning).toBeDefined();
  });

  it('hints at a key with its last four characters only when it has 16 or more', async () => {
    const cases: [string, string | null][] = [
      ['SHORT-KEY-1234', null],
      ['FIFTEEN-CHARS-5', null],
      ['SIXTEEN-CHARS-66', 'S-66'],
      ['A-MUCH-LONGER-LICENSE-KEY-7777', '7777'],
    ];
    for (const [key, hint] of cases) {
      const site = await createSite(h.admin, { name: `hint ${key.length}`, url: `https://hint-${key.length}.example`, licenseKey: key });
      expect(site, key).toMatchObject({ hasLicenseKey: true, licenseKeyHint: hint });
      expect((await h.admin.get(`/sites/${site.id}`)).body.site.licenseKeyHint, key).toBe(hint);
      const row = await h.server.app.db.kysely.selectFrom('license_activations').select('license_key_hint').where('site_id', '=', site.id).executeTakeFirstOrThrow();
      expect(row.license_key_hint).toBe(hint ?? '');
      expect((await h.server.app.panel.sites.getSecrets(site.id)).licenseKey).toBe(key);
      await h.admin.request('DELETE', `/sites/${site.id}`);
    }
  });

  it('edits a site: fields, key replacement and removal, multisite removal', async () => {
    const site = await createSite(h.admin, { name: 'Edit me', url: 'https://edit.example', licenseKey: 'FIRST-LONG-KEY-AAAA' });
    const renamed = await h.admin.request('PATCH', `/sites/${site.id}`, { name: 'Edited', url: 'https://edit.example/wp/' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.site).toMatchObject({ name: 'Edited', url: 'https://edit.example/wp', licenseKeyHint: 'AAAA' });

    const rekeyed = await h.admin.request('PATCH', `/sites/${site.id}`, { licenseKey: 'SECOND-LONG-KEY-BBBB' });
    expect(rekeyed.body.site).toMatchObject({ hasLicenseKey: true, licenseKeyHint: 'BBBB' });
    expect((await h.server.app.panel.sites.getSecrets(site.id)).licenseKey).toBe('SECOND-LONG-KEY-BBBB');
    const rows = await h.server.app.db.kysely.selectFrom('license_activations').selectAll().where('site_id', '=', site.id).execute();
    expect(rows).toHaveLength(1);

    const withMs = await h.admin.request('PATCH', `/sites/${site.id}`, { multisite: { user: 'u', password: 'p' } });
    expect(withMs.body.site).toMatchObject({ isMultisite: true, hasMultisiteCredentials: true });

    const cleared = await h.admin.request('PATCH', `/sites/${site.id}`, { licenseKey: null, multisite: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.site).toMatchObject({
      isMultisite: false,
      hasLicenseKey: false,
      hasMultisiteCredentials: false,
      licenseKeyHint: null,
    });
    expect(await h.server.app.panel.sites.getSecrets(site.id)).toEqual({
      licenseKey: null,
      multisiteUser: null,
      multisitePassword: null,
    });
    expect((await h.admin.request('PATCH', '/sites/99999', { name: 'x' })).status).toBe(404);
  });

  it('deletes a site with its license activation and assignments', async () => {
    const site = await createSite(h.admin, { name: 'Doomed', url: 'https://doomed.example', licenseKey: 'DOOMED-KEY-0000' });
    expect((await h.admin.request('DELETE', `/sites/${site.id}`)).status).toBe(204);
    expect((await h.admin.get(`/sites/${site.id}`)).status).toBe(404);
    expect((await h.admin.request('DELETE', `/sites/${site.id}`)).status).toBe(404);
    const left = await h.server.app.db.kysely.selectFrom('license_activations').selectAll().where('site_id', '=', site.id).execute();
    expect(left).toEqual([]);
    await expect(h.server.app.panel.sites.getSecrets(site.id)).rejects.toMatchObject({ status: 404 });
  });

  it.each([
    [{ name: 'x', url: 'ftp://files.example' }, 'url: must use http or https'],
    [{ name: 'x', url: 'https://user:pw@site.example' }, 'url: must not contain credentials'],
    [{ name: 'x', url: 'not a url' }, 'url: must be an absolute http(s) URL'],
    [{ name: 'x', url: 'https://site.example/?a=1' }, 'url: must not contain a query string'],
    [{ name: 'x', url: 'javascript:alert(1)' }, 'url: must use http or https'],
    [{ name: '', url: 'https://site.example' }, 'name: must not be empty'],
    [{ url: 'https://site.example' }, 'name:'],
    [{ name: 'x', url: 'https://site.example', licenseKey: 'short' }, 'licenseKey: must be at least 8 characters'],
    [{ name: 'x', url: 'https://site.example', licenseKey: 'has spaces in it' }, 'licenseKey: must be printable ASCII'],
    [{ name: 'x', url: 'https://site.example', multisite: { user: 'u' } }, 'multisite.password:'],
    [{ name: 'x', url: 'https://site.example', multisite: { user: 'u', password: 'p\r\nX-Injected: 1' } }, 'multisite.password: must be printable ASCII'],
    [{ name: 'x', url: 'https://site.example', license_key: 'ABCDEFGHIJ' }, 'Unrecognized key'],
  ])('rejects invalid input %j with 400', async (body, message) => {
    const res = await h.admin.post('/sites', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_request');
    expect(res.body.error.message).toContain(message);
  });

  it('rejects an empty PATCH and a non-JSON body with 400', async () => {
    const site = (await h.admin.get('/sites')).body.sites[0];
    const empty = await h.admin.request('PATCH', `/sites/${site.id}`, {});
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toContain('nothing to change');
    const text = await h.admin.request('POST', '/sites', undefined, { headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(400);
  });

  it('never writes a secret to the logs', () => {
    const logs = JSON.stringify(h.server.logs);
    for (const secret of [LICENSE, MS_PASSWORD, 'SECOND-LONG-KEY-BBBB', 'DOOMED-KEY-0000', 'admin-password-1']) {
      expect(logs).not.toContain(secret);
    }
  });
});

describe.each(dbTargets)('sites on http:// without ALLOW_HTTP_SITES (%s)', (target) => {
  const h = usePanel(target);
  const hint = /^Invalid request body: url: an http:\/\/ site cannot hold .*: the panel would send them unencrypted\. Use the https:\/\/ address, or set ALLOW_HTTP_SITES=true \(trusted networks only\)$/;
  const count = async () => (await h.admin.get('/sites')).body.sites.length as number;

  it('refuses to create one holding a license key or multisite credentials (400 naming ALLOW_HTTP_SITES)', async () => {
    const before = await count();
    for (const secrets of [{ licenseKey: LICENSE }, { multisite: { user: MS_USER, password: MS_PASSWORD } }, { licenseKey: LICENSE, multisite: { user: MS_USER, password: MS_PASSWORD } }]) {
      const res = await h.admin.post('/sites', { name: 'Plain', url: 'http://plain.example', ...secrets });
      expect(res.status, JSON.stringify(secrets)).toBe(400);
      expect(res.body.error.code).toBe('bad_request');
      expect(res.body.error.message).toMatch(hint);
      expect(res.body.error.issues).toEqual([{ path: 'url', message: expect.stringContaining('ALLOW_HTTP_SITES=true') }]);
    }
    expect(await count()).toBe(before);
    // No secret: nothing would be sent in clear text.
    expect((await h.admin.post('/sites', { name: 'Plain', url: 'http://plain.example' })).status).toBe(201);
    expect((await h.admin.post('/sites', { name: 'Tls', url: 'https://tls.example', licenseKey: LICENSE })).status).toBe(201);
  });

  it('refuses edits that would leave an http:// site holding a secret; renames are fine', async () => {
    const plain = await createSite(h.admin, { name: 'Plain 2', url: 'http://plain2.example' });
    const secure = await createSite(h.admin, { name: 'Secure', url: 'https://secure.example', licenseKey: LICENSE });
    for (const [id, patch] of [
      [plain.id, { licenseKey: LICENSE }],
      [plain.id, { multisite: { user: MS_USER, password: MS_PASSWORD } }],
      [secure.id, { url: 'http://secure.example' }],
      [secure.id, { url: 'http://secure.example', name: 'Renamed' }],
    ] as const) {
      const res = await h.admin.request('PATCH', `/sites/${id}`, patch);
      expect(res.status, JSON.stringify(patch)).toBe(400);
      expect(res.body.error.message).toMatch(hint);
    }
    expect((await h.admin.get(`/sites/${secure.id}`)).body.site).toMatchObject({ url: 'https://secure.example', name: 'Secure' });
    expect((await h.admin.get(`/sites/${plain.id}`)).body.site).toMatchObject({ hasLicenseKey: false, hasMultisiteCredentials: false });
    // Moving to http:// while dropping the key is fine, and so is renaming.
    const moved = await h.admin.request('PATCH', `/sites/${secure.id}`, { url: 'http://secure.example', licenseKey: null });
    expect(moved.status).toBe(200);
    expect(moved.body.site).toMatchObject({ url: 'http://secure.example', hasLicenseKey: false });
    expect((await h.admin.request('PATCH', `/sites/${plain.id}`, { name: 'Plain 3' })).status).toBe(200);
  });
});

describe('sites on http:// with ALLOW_HTTP_SITES=true', () => {
  const h = usePanel(dbTargets[0], { env: { ALLOW_HTTP_SITES: 'true' } });

  it('lets them hold secrets', async () => {
    const res = await h.admin.post('/sites', { name: 'Lan', url: 'http://lan.example', licenseKey: LICENSE, multisite: { user: MS_USER, password: MS_PASSWORD } });
    expect(res.status).toBe(201);
    expect(res.body.site).toMatchObject({ url: 'http://lan.example', hasLicenseKey: true, hasMultisiteCredentials: true });
  });
});

describe('SECRET_KEY from the environment', () => {
  const key = 'a'.repeat(64);
  const h = usePanel(dbTargets[0], { env: { SECRET_KEY: key } });

  it('uses it and writes no key file', async () => {
    await createSite(h.admin, { name: 'K', url: 'https://k.example', licenseKey: 'ENV-KEY-SITE-1' });
    expect(fs.existsSync(path.join(h.server.config.dataDir, 'secret.key'))).toBe(false);
    const site = (await h.admin.get('/sites')).body.sites[0];
    expect((await h.server.app.panel.sites.getSecrets(site.id)).licenseKey).toBe('ENV-KEY-SITE-1');
  });
});

describe.runIf(dbTargets.some((t) => t.name === 'postgres'))('SECRET_KEY on PostgreSQL', () => {
  it('is required: the server refuses to start without it, naming SECRET_KEY', async () => {
    const database = await dbTargets.find((t) => t.name === 'postgres')!.create();
    try {
      const { SECRET_KEY: _omitted, ...env } = database.env;
      const start = startServer({ env: { ...env, ADMIN_USER: 'admin', ADMIN_PASSWORD: 'admin-password-1' } });
      await expect(start).rejects.toThrow(/^SECRET_KEY must be set when DATABASE_URL points to PostgreSQL/);
    } finally {
      await database.drop();
    }
  });

  it('a bad SECRET_KEY stops the start with a message naming it', async () => {
    const database = await dbTargets.find((t) => t.name === 'postgres')!.create();
    try {
      await expect(startServer({ env: { ...database.env, SECRET_KEY: 'too-short' } })).rejects.toThrow(/^SECRET_KEY must be 32 bytes/);
    } finally {
      await database.drop();
    }
  });
});

describe('license key hints written before the 16-character rule', () => {
  it('are dropped by migration 005', async () => {
    const file = path.join(tempDir('hints-'), 'panel.sqlite');
    // A database as the previous version left it: migrations up to 004, a 4-character hint of an 8-character key.
    const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(file) }) });
    const provider = { getMigrations: async () => Object.fromEntries(Object.entries(migrations).map(([n, m]) => [n, m('sqlite')])) as Record<string, Migration> };
    const result = await new Migrator({ db: old, provider }).migrateTo('004_audit_no_replace');
    expect(result.error).toBeUndefined();
    const at = new Date().toISOString();
    const { id } = await old.insertInto('sites').values({ name: 'old', url: 'https://old.example', is_multisite: 0, created_at: at, updated_at: at }).returning('id').executeTakeFirstOrThrow();
    await old.insertInto('license_activations').values({ site_id: id, license_key_enc: 'v1:x', license_key_hint: '5678', status: 'active', activated_at: at }).execute();
    await old.destroy();

    const db = await openDatabase({ sqliteFile: file }, captureLogger().log);
    try {
      const rows = await db.kysely.selectFrom('license_activations').select(['site_id', 'license_key_hint']).execute();
      expect(rows).toEqual([{ site_id: id, license_key_hint: '' }]);
    } finally {
      await db.close();
    }
  });
});
