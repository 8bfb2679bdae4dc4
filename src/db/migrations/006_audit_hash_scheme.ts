import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../index.js';

/**
 * The audit chain becomes keyed: new rows are hashed with HMAC-SHA256 under a key derived from
 * SECRET_KEY (src/audit/hash.ts), so writing to the database is no longer enough to forge a row.
 * Each row now says how its hash was made. Rows written before this migration were plain sha256
 * and keep verifying as such (the default fills them in); the server writes `hmac-sha256-v1`.
 *
 * Adding a column with a constant default rewrites no row through UPDATE on either database, so
 * the append-only triggers of 001_panel are untouched and stay in force.
 */
export function auditHashSchemeMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql`ALTER TABLE audit_log ADD COLUMN hash_scheme text NOT NULL DEFAULT 'sha256'`.execute(db);
    },
  };
}
