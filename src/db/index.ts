import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration, type MigrationProvider, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import type { Logger } from '../logger.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export type { Database } from './schema.js';
export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
}

export interface DbOptions {
  /** postgres://… or undefined for SQLite. */
  databaseUrl?: string;
  /** SQLite file; ':memory:' allowed. */
  sqliteFile: string;
}

/** The server's database as its configuration names it: the server and the CLI must agree on the file. */
export function databaseOptions(config: { databaseUrl?: string; dataDir: string }): DbOptions {
  return { databaseUrl: config.databaseUrl, sqliteFile: path.join(config.dataDir, 'panel.sqlite') };
}

/** Opens the database (SQLite by default, PostgreSQL with a URL) and runs pending migrations. */
export async function openDatabase(options: DbOptions, log: Logger): Promise<Db> {
  let kysely: Kysely<Database>;
  let dialect: Dialect;
  if (options.databaseUrl) {
    dialect = 'postgres';
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    pool.on('error', (err) => log.error({ err: err.message }, 'postgres pool error'));
    kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else {
    dialect = 'sqlite';
    if (options.sqliteFile !== ':memory:') fs.mkdirSync(path.dirname(options.sqliteFile), { recursive: true });
    const sqlite = new SQLite(options.sqliteFile);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  }
  await migrate(kysely, dialect, log);
  return { kysely, dialect, close: () => kysely.destroy() };
}

/** Distinct SQL texts kept prepared; `in (?, ?, …)` lists of every length make the set open-ended. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query anew, and better-sqlite3's prepare costs more than running a
 * small query. Statements are reusable (the API is synchronous), so each SQL text is prepared once.
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
        statement = sqlite.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
    close() {
      statements.clear();
      sqlite.close();
    },
  };
}

async function migrate(kysely: Kysely<Database>, dialect: Dialect, log: Logger): Promise<void> {
  const provider: MigrationProvider = {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, make] of Object.entries(migrations)) out[name] = make(dialect);
      return out;
    },
  };
  const migrator = new Migrator({ db: kysely, provider });
  const { error, results } = await migrator.migrateToLatest();
  for (const r of results ?? []) {
    if (r.status === 'Success') log.info({ migration: r.migrationName }, 'database migration applied');
    if (r.status === 'Error') log.error({ migration: r.migrationName }, 'database migration failed');
  }
  if (error) throw error instanceof Error ? error : new Error(String(error));
}
