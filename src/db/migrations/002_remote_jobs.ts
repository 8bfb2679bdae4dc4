import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../index.js';

/**
 * Bulk remote-update jobs, stored so that any instance sharing the database can answer
 * GET /remote/jobs/:id. No foreign keys to users or sites: a job's history outlives both.
 */
export function remoteJobsMigration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      let jobs = db.schema.createTable('remote_jobs');
      jobs =
        dialect === 'postgres'
          ? jobs.addColumn('id', 'serial', (c) => c.primaryKey())
          : jobs.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
      await jobs
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('queued', 'processing', 'completed', 'failed')`),
        )
        .addColumn('total', 'integer', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('instance_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('finished_at', 'text')
        .addColumn('heartbeat_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('remote_jobs_user_idx').on('remote_jobs').columns(['user_id', 'id']).execute();
      await db.schema.createIndex('remote_jobs_status_idx').on('remote_jobs').columns(['status', 'heartbeat_at']).execute();

      await db.schema
        .createTable('remote_job_sites')
        .addColumn('job_id', 'integer', (c) => c.notNull().references('remote_jobs.id').onDelete('cascade'))
        .addColumn('site_id', 'integer', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('pending', 'running', 'succeeded', 'failed')`),
        )
        .addColumn('http_status', 'integer')
        .addColumn('results', 'text')
        .addColumn('errors', 'text')
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('started_at', 'text')
        .addColumn('finished_at', 'text')
        .addPrimaryKeyConstraint('remote_job_sites_pk', ['job_id', 'site_id'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('remote_job_sites').execute();
      await db.schema.dropTable('remote_jobs').execute();
    },
  };
}
