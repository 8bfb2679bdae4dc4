import { loadSecretKey } from '../../src/sites/secretKey.js';
import { createHash } from 'node:crypto';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Migration } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/audit/hash.js';
import { AuditLog } from '../../src/audit/log.js';
import type { Database } from '../../src/db/index.js';
import { migrations } from '../../src/db/migrations/index.js';
import { dbTargets, TEST_SECRET_KEY, type DbTarget } from '../helpers/db.js';
import { startServer } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';
import { usePanel } from '../panel/harness.js';

/**
 * The keyed audit chain against someone who can write to the database but does not hold
 * SECRET_KEY: a row appended with a plain sha256 hash, a log cut back past a checkpoint, and
 * databases whose rows were written before the chain was keyed.
 */

type Row = { created_at: string; user_id: number | null; site_id: number | null; action: string; entity_type: string; entity_id: string | null; outcome: string; context: string };

const sha256Row = (prev: string, row: Row) =>
  createHash('sha256')
    .update(
      prev +
        canonicalJson({
          createdAt: row.created_at,
          userId: row.user_id,
          siteId: row.site_id,
          action: row.action,
          entityType: row.entity_type,
          entityId: row.entity_id,
          outcome: row.outcome,
          context: row.context,
        }),
    )
    .digest('hex');

const forgedRow = (action: string): Row => ({
  created_at: new Date().toISOString(),
  user_id: null,
  site_id: 1,
  action,
  entity_type: 'site',
  entity_id: '1',
  outcome: 'success',
  context: '{}',
});

/** Test databases only: what an attacker with the table owner's rights can do first. */
async function dropDeleteTriggers(k: Kysely<Database>, target: DbTarget): Promise<void> {
  if (target.name === 'postgres') await sql`DROP TRIGGER audit_log_no_update_delete ON audit_log`.execute(k);
  else await sql`DROP TRIGGER audit_log_no_delete`.execute(k);
}

describe.each(dbTargets)('audit chain: a row appended without the key (%s)', (target) => {
  const h = usePanel(target);

  it('a row with a correct plain sha256 hash and link fails verification', async () => {
    const k = h.server.app.db.kysely;
    const last = await k.selectFrom('audit_log').select(['id', 'hash']).orderBy('id', 'desc').executeTakeFirstOrThrow();
    const count = (await k.selectFrom('audit_log').select('id').execute()).length;
    expect((await h.admin.get('/audit/verify')).body).toMatchObject({ ok: true, checked: count });

    // What anyone could compute: the old scheme, linked to the real last row.
    const row = forgedRow('delete');
    const forged = await k
      .insertInto('audit_log')
      .values({ ...row, prev_hash: last.hash, hash: sha256Row(last.hash, row), hash_scheme: 'sha256' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const res = await h.admin.get('/audit/verify');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      ok: false,
      checked: count,
      brokenAt: forged.id,
      reason: 'unkeyed sha256 row after keyed rows: it was not written by the server',
    });
  });
});

describe.each(dbTargets)('audit chain: the same row claiming the keyed scheme (%s)', (target) => {
  const h = usePanel(target);

  it('a plain sha256 hash labelled hmac-sha256-v1 does not verify', async () => {
    const k = h.server.app.db.kysely;
    const last = await k.selectFrom('audit_log').select(['id', 'hash']).orderBy('id', 'desc').executeTakeFirstOrThrow();
    const row = forgedRow('delete');
    const forged = await k
      .insertInto('audit_log')
      .values({ ...row, prev_hash: last.hash, hash: sha256Row(last.hash, row), hash_scheme: 'hmac-sha256-v1' })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect((await h.admin.get('/audit/verify')).body).toMatchObject({ ok: false, brokenAt: forged.id, reason: 'hash does not match the row contents' });
  });
});

describe.each(dbTargets)('audit chain: head and checkpoint (%s)', (target) => {
  const h = usePanel(target);
  const record = (i: number) =>
    h.server.app.panel.audit.record({ action: 'test', entityType: 'checkpoint', entityId: String(i), userId: null, siteId: null, outcome: 'success', context: { i } });

  it('answers the head of the chain and confirms a checkpoint taken from it', async () => {
    const first = await h.admin.get('/audit/verify');
    expect(first.body.ok).toBe(true);
    const k = h.server.app.db.kysely;
    const last = await k.selectFrom('audit_log').select(['id', 'hash']).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(first.body.head).toEqual({ id: last.id, hash: last.hash });

    for (let i = 0; i < 3; i++) await record(i);
    const { id, hash } = first.body.head;
    const later = await h.admin.get(`/audit/verify?checkpoint_id=${id}&checkpoint_hash=${hash.toUpperCase()}`);
    expect(later.status).toBe(200);
    expect(later.body).toMatchObject({ ok: true, checked: first.body.checked + 3, checkpoint: { id, ok: true } });
    expect(later.body.head.id).toBeGreaterThan(id);

    const other = await h.admin.get(`/audit/verify?checkpoint_id=${id}&checkpoint_hash=${'0'.repeat(64)}`);
    expect(other.body).toMatchObject({ ok: false, brokenAt: id, checkpoint: { id, ok: false }, reason: 'the checkpoint row has another hash than the checkpoint' });
  });

  it('rejects a half or malformed checkpoint with 400', async () => {
    const hash = 'a'.repeat(64);
    for (const q of ['checkpoint_id=1', `checkpoint_hash=${hash}`, `checkpoint_id=abc&checkpoint_hash=${hash}`, 'checkpoint_id=1&checkpoint_hash=xyz', `checkpoint_id=0&checkpoint_hash=${hash}`]) {
      const res = await h.admin.get(`/audit/verify?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.message, q).toMatch(/^Invalid query: /);
    }
  });

  it('detects a log cut back past the checkpoint, which the chain alone cannot', async () => {
    const checkpoint = (await h.admin.get('/audit/verify')).body.head;
    for (let i = 3; i < 6; i++) await record(i);
    const k = h.server.app.db.kysely;
    await dropDeleteTriggers(k, target);
    await k.deleteFrom('audit_log').where('id', '>=', checkpoint.id).execute();

    // What is left is a valid chain: without a checkpoint the cut does not show.
    const plain = await h.admin.get('/audit/verify');
    expect(plain.body.ok).toBe(true);
    expect(plain.body.head.id).toBeLessThan(checkpoint.id);

    const checked = await h.admin.get(`/audit/verify?checkpoint_id=${checkpoint.id}&checkpoint_hash=${checkpoint.hash}`);
    expect(checked.body).toMatchObject({
      ok: false,
      brokenAt: checkpoint.id,
      checkpoint: { id: checkpoint.id, ok: false },
      reason: 'the checkpoint row is missing: the log was cut back past it, or never had it',
    });

    // New rows after the cut do not bring it back.
    await record(99);
    expect((await h.admin.get(`/audit/verify?checkpoint_id=${checkpoint.id}&checkpoint_hash=${checkpoint.hash}`)).body.ok).toBe(false);
  });
});

describe.each(dbTargets)('audit chain: a database from before the keyed scheme (%s)', (target) => {
  it('verifies the old sha256 rows, seals them at start, and refuses sha256 rows after that', async () => {
    const database = await target.create();
    const dataDir = tempDir('audit-upgrade-');
    try {
      // The schema as it was before migration 006, with rows written the old way.
      const old = oldDatabase(target, database.env.DATABASE_URL, path.join(dataDir, 'panel.sqlite'));
      const before: Record<string, (d: 'sqlite' | 'postgres') => Migration> = Object.fromEntries(
        Object.entries(migrations).filter(([name]) => name < '006'),
      );
      const migrator = new Migrator({
        db: old,
        provider: { getMigrations: async () => Object.fromEntries(Object.entries(before).map(([n, m]) => [n, m(target.name)])) },
      });
      const migrated = await migrator.migrateToLatest();
      expect(migrated.error).toBeUndefined();
      let prev = '0'.repeat(64);
      for (let i = 0; i < 3; i++) {
        const row = { ...forgedRow('create'), entity_id: String(i), context: JSON.stringify({ i }) };
        const hash = sha256Row(prev, row);
        await sql`insert into audit_log (created_at, user_id, site_id, action, entity_type, entity_id, outcome, context, prev_hash, hash)
          values (${row.created_at}, null, 1, ${row.action}, ${row.entity_type}, ${row.entity_id}, ${row.outcome}, ${row.context}, ${prev}, ${hash})`.execute(old);
        prev = hash;
      }
      await old.destroy();

      const server = await startServer({ env: { ...database.env, SECRET_KEY: TEST_SECRET_KEY }, overrides: { dataDir } });
      try {
        const k = server.app.db.kysely;
        const rows = await k.selectFrom('audit_log').selectAll().orderBy('id').execute();
        expect(rows.map((r) => [r.action, r.hash_scheme])).toEqual([
          ['create', 'sha256'],
          ['create', 'sha256'],
          ['create', 'sha256'],
          ['seal', 'hmac-sha256-v1'],
        ]);
        expect(rows[3]).toMatchObject({ entity_type: 'audit_chain', prev_hash: rows[2]!.hash });
        const audit = server.app.panel.audit;
        expect(await audit.verify()).toMatchObject({ ok: true, checked: 4 });
        // Sealed once: a second start (or call) adds nothing.
        expect(await audit.sealLegacyRows()).toBe(false);

        // A row appended the old way after the seal.
        const row = forgedRow('delete');
        const last = rows[3]!;
        const forged = await k
          .insertInto('audit_log')
          .values({ ...row, prev_hash: last.hash, hash: sha256Row(last.hash, row), hash_scheme: 'sha256' })
          .returning('id')
          .executeTakeFirstOrThrow();
        expect(await audit.verify()).toMatchObject({ ok: false, checked: 4, brokenAt: forged.id });

        // Rewriting an old row and re-hashing every unkeyed row after it: the seal's link breaks.
        if (target.name === 'postgres') await sql`DROP TRIGGER audit_log_no_update_delete ON audit_log`.execute(k);
        else await sql`DROP TRIGGER audit_log_no_update`.execute(k);
        let chain = rows[0]!.hash;
        for (const r of rows.slice(1, 3)) {
          const rewritten = { ...r, outcome: 'failure' };
          const hash = sha256Row(chain, rewritten);
          await k.updateTable('audit_log').set({ outcome: 'failure', prev_hash: chain, hash }).where('id', '=', r.id).execute();
          chain = hash;
        }
        expect(await audit.verify()).toMatchObject({ ok: false, checked: 3, brokenAt: rows[3]!.id, reason: 'prev_hash does not match the previous row' });
      } finally {
        await server.close();
      }
    } finally {
      await database.drop();
    }
  });
});

describe('audit chain: the key without the panel', () => {
  it('another AuditLog (the CLI\'s) with the server\'s key extends the chain; with another key it breaks it', async () => {
    const database = await dbTargets[0]!.create();
    const dataDir = tempDir('audit-env-');
    const server = await startServer({ env: { ...database.env, SECRET_KEY: TEST_SECRET_KEY }, overrides: { dataDir } });
    const keyOf = (secretKey: string) => loadSecretKey({ secretKey, dataDir, shared: false }, server.app.log);
    try {
      const cliLike = new AuditLog(server.app.db, keyOf(TEST_SECRET_KEY));
      await cliLike.record({ action: 'create', entityType: 'user', entityId: '9', userId: null, siteId: null, outcome: 'success', context: { via: 'cli' } });
      expect(await server.app.panel.audit.verify()).toMatchObject({ ok: true });
      const otherKey = new AuditLog(server.app.db, keyOf('7a'.repeat(32)));
      await otherKey.record({ action: 'create', entityType: 'user', entityId: '10', userId: null, siteId: null, outcome: 'success', context: {} });
      expect(await server.app.panel.audit.verify()).toMatchObject({ ok: false, reason: 'hash does not match the row contents' });
    } finally {
      await server.close();
      await database.drop();
    }
  });
});

function oldDatabase(target: DbTarget, url: string | undefined, sqliteFile: string): Kysely<any> {
  if (target.name === 'postgres') return new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }) });
  return new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(sqliteFile) }) });
}
