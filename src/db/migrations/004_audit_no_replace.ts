import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../index.js';

/**
 * Closes a hole in the SQLite append-only rule of 001_panel: `INSERT OR REPLACE` (or `REPLACE
 * INTO`) with the id of an existing row deletes that row and writes a new one, and SQLite fires
 * no DELETE trigger for that delete unless `recursive_triggers` is on. A BEFORE INSERT trigger
 * refuses any insert naming an id that already exists, whatever its conflict clause.
 *
 * PostgreSQL has no REPLACE; its upsert (`INSERT … ON CONFLICT (id) DO UPDATE`) goes through the
 * row's UPDATE, which the trigger of 001_panel already refuses. Nothing to add there.
 */
export function auditNoReplaceMigration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect !== 'sqlite') return;
      await sql`CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
        WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: REPLACE of an existing row refused'); END`.execute(db);
    },
  };
}
