import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The databases a panel test runs against: SQLite always, PostgreSQL when one answers
 * (TEST_DATABASE_URL, or the local default). In CI a missing PostgreSQL is an error, not a skip.
 */
export interface DbTarget {
  name: 'sqlite' | 'postgres';
  /** Makes an empty database and returns the env for startServer, plus a cleanup. */
  create(): Promise<{ env: Record<string, string>; drop(): Promise<void> }>;
}

/** The SECRET_KEY the PostgreSQL target runs with (a test value, never a real key). */
export const TEST_SECRET_KEY = '5e'.repeat(32);

const PG_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const sqlite: DbTarget = {
  name: 'sqlite',
  async create() {
    return { env: {}, async drop() {} };
  },
};

const postgres: DbTarget = {
  name: 'postgres',
  async create() {
    const name = `wpus_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${name}`;
    return {
      // PostgreSQL may be shared by instances, so the server requires SECRET_KEY there.
      env: { DATABASE_URL: url.toString(), SECRET_KEY: TEST_SECRET_KEY },
      async drop() {
        const c = new pg.Client({ connectionString: PG_ADMIN_URL });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  },
};

const hasPostgres = await postgresAnswers();
if (!hasPostgres && process.env.CI === 'true') {
  throw new Error(`CI=true but PostgreSQL does not answer at ${PG_ADMIN_URL.replace(/:[^:@/]*@/, ':***@')}`);
}

/** Use with describe.each(dbTargets)('… on %s', …) — `%s` prints the target name. */
export const dbTargets: DbTarget[] = hasPostgres ? [sqlite, postgres] : [sqlite];
// Make `describe.each(dbTargets)('x (%s)')` print the name.
for (const t of dbTargets) Object.defineProperty(t, 'toString', { value: () => t.name, enumerable: false });
