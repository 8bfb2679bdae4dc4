import { sql, type CreateTableBuilder, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../index.js';

/**
 * Panel tables (users, sessions, sites, license activations, audit log, login attempts).
 * The audit log is made append-only by the database itself: triggers refuse UPDATE and DELETE
 * (and TRUNCATE on PostgreSQL), so no code path — ours or a stray SQL console — can rewrite history.
 */
export function panelMigration(dialect: Dialect): Migration {
  // An auto-numbered integer key, spelled per dialect.
  const withId = <T extends string>(t: CreateTableBuilder<T, never>) =>
    dialect === 'postgres'
      ? t.addColumn('id', 'serial', (c) => c.primaryKey())
      : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());

  return {
    async up(db: Kysely<any>) {
      await withId(db.schema.createTable('users'))
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'user')`))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute();

      await withId(db.schema.createTable('sites'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('is_multisite', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('multisite_user_enc', 'text')
        .addColumn('multisite_password_enc', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('user_sites')
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('user_sites_pk', ['user_id', 'site_id'])
        .execute();
      await db.schema.createIndex('user_sites_site_id').on('user_sites').column('site_id').execute();

      await withId(db.schema.createTable('license_activations'))
        .addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id').onDelete('cascade'))
        .addColumn('license_key_enc', 'text', (c) => c.notNull())
        .addColumn('license_key_hint', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('activated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('license_activations_site_id')
        .on('license_activations')
        .column('site_id')
        .execute();

      // No foreign keys: audit rows outlive the users and sites they mention.
      await withId(db.schema.createTable('audit_log'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('user_id', 'integer')
        .addColumn('site_id', 'integer')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('entity_type', 'text', (c) => c.notNull())
        .addColumn('entity_id', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('context', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_site_id').on('audit_log').columns(['site_id', 'id']).execute();
      await db.schema.createIndex('audit_log_user_id').on('audit_log').columns(['user_id', 'id']).execute();
      await db.schema.createIndex('audit_log_created_at').on('audit_log').column('created_at').execute();

      if (dialect === 'postgres') {
        await sql`
          CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
          END;
          $$`.execute(db);
        await sql`CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
          FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()`.execute(db);
        await sql`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
          FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()`.execute(db);
      } else {
        await sql`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END`.execute(db);
        await sql`CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
          BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END`.execute(db);
      }

      await withId(db.schema.createTable('login_attempts'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('login_attempts_key_created_at')
        .on('login_attempts')
        .columns(['key', 'created_at'])
        .execute();
    },
  };
}
