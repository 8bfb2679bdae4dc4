import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import type { RemoteJobSiteStatus, RemoteJobStatus } from '../db/tables/remoteJobs.js';
import type { UpdateResults } from './siteApi.js';

/**
 * Bulk-update jobs in the database, so any instance sharing it can report them. Counters are
 * derived from the per-site rows when read, so they can never disagree with the outcomes.
 */
export interface SiteOutcome {
  status: 'succeeded' | 'failed';
  httpStatus: number | null;
  results: UpdateResults | null;
  errors: string[];
  error: { code: string; message: string } | null;
}

export interface JobSiteView {
  site_id: number;
  status: RemoteJobSiteStatus;
  http_status: number | null;
  results: UpdateResults | null;
  errors: string[];
  error: { code: string; message: string } | null;
  started_at: string | null;
  finished_at: string | null;
}

export interface JobSummary {
  id: number;
  user_id: number;
  status: RemoteJobStatus;
  /** processed × 100 / total, rounded down. */
  progress: number;
  total: number;
  processed: number;
  succeeded: number;
  failed: number;
  /** Why the job itself failed (e.g. job_interrupted); null otherwise. */
  error: { code: string; message: string } | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface JobView extends JobSummary {
  /** MainWP-style list of failed sites. */
  errors: { site_id: number; code: string; message: string }[];
  results: JobSiteView[];
}

export interface StaleJob {
  id: number;
  userId: number;
  /** Sites that were being called when the job stopped: their outcome is unknown. */
  runningSiteIds: number[];
}

const now = () => new Date().toISOString();

export class JobStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(userId: number, siteIds: number[], instanceId: string): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const at = now();
      const row = await trx
        .insertInto('remote_jobs')
        .values({ user_id: userId, status: 'queued', total: siteIds.length, instance_id: instanceId, created_at: at, heartbeat_at: at, error_code: null, error_message: null, started_at: null, finished_at: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      const rows = siteIds.map((siteId, position) => ({
        job_id: row.id,
        site_id: siteId,
        position,
        status: 'pending' as const,
      }));
      // Chunks keep each statement well under SQLite's bound-parameter limit.
      for (let i = 0; i < rows.length; i += 200) {
        await trx.insertInto('remote_job_sites').values(rows.slice(i, i + 200)).execute();
      }
      return row.id;
    });
  }

  async markProcessing(jobId: number): Promise<void> {
    const at = now();
    await this.db
      .updateTable('remote_jobs')
      .set({ status: 'processing', started_at: at, heartbeat_at: at })
      .where('id', '=', jobId)
      .where('status', '=', 'queued')
      .execute();
  }

  async heartbeat(jobIds: number[]): Promise<void> {
    if (jobIds.length === 0) return;
    await this.db.updateTable('remote_jobs').set({ heartbeat_at: now() }).where('id', 'in', jobIds).execute();
  }

  /**
   * Claims a pending site of a job that is still processing, before its call. False when the
   * job is no longer running (another instance marked it failed) or the site already has an
   * outcome: then the site must not be called.
   */
  async markSiteRunning(jobId: number, siteId: number): Promise<boolean> {
    const res = await this.db
      .updateTable('remote_job_sites')
      .set({ status: 'running', started_at: now() })
      .where('job_id', '=', jobId)
      .where('site_id', '=', siteId)
      .where('status', '=', 'pending')
      .where((eb) => eb.exists(this.processing(jobId)))
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /**
   * Stores a site's outcome, only while the site is unfinished and its job still processing: an
   * outcome another instance already wrote (e.g. job_interrupted, when it gave the job up as
   * stale) is never overwritten. False when nothing was written.
   */
  async finishSite(jobId: number, siteId: number, outcome: SiteOutcome): Promise<boolean> {
    const res = await this.db
      .updateTable('remote_job_sites')
      .set({
        status: outcome.status,
        http_status: outcome.httpStatus,
        results: outcome.results ? JSON.stringify(outcome.results) : null,
        errors: JSON.stringify(outcome.errors),
        error_code: outcome.error?.code ?? null,
        error_message: outcome.error?.message ?? null,
        finished_at: now(),
      })
      .where('job_id', '=', jobId)
      .where('site_id', '=', siteId)
      .where('status', 'in', ['pending', 'running'])
      .where((eb) => eb.exists(this.processing(jobId)))
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Ends a job that is still queued or processing; false when it had already ended (e.g. marked failed elsewhere). */
  async finishJob(jobId: number, status: 'completed' | 'failed', error?: { code: string; message: string }): Promise<boolean> {
    const res = await this.db
      .updateTable('remote_jobs')
      .set({ status, finished_at: now(), error_code: error?.code ?? null, error_message: error?.message ?? null })
      .where('id', '=', jobId)
      .where('status', 'in', ['queued', 'processing'])
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** The job row, when it is processing (for EXISTS guards). */
  private processing(jobId: number) {
    return this.db.selectFrom('remote_jobs').select('remote_jobs.id').where('remote_jobs.id', '=', jobId).where('remote_jobs.status', '=', 'processing');
  }

  async get(jobId: number): Promise<JobView | undefined> {
    const job = await this.db.selectFrom('remote_jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
    if (!job) return undefined;
    const sites = await this.db
      .selectFrom('remote_job_sites')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('position')
      .execute();
    const results: JobSiteView[] = sites.map((s) => ({
      site_id: s.site_id,
      status: s.status,
      http_status: s.http_status,
      results: s.results ? (JSON.parse(s.results) as UpdateResults) : null,
      errors: s.errors ? (JSON.parse(s.errors) as string[]) : [],
      error: s.error_code ? { code: s.error_code, message: s.error_message ?? '' } : null,
      started_at: s.started_at,
      finished_at: s.finished_at,
    }));
    const succeeded = results.filter((r) => r.status === 'succeeded').length;
    const failed = results.filter((r) => r.status === 'failed').length;
    return {
      ...summary(job, succeeded, failed),
      errors: results
        .filter((r) => r.status === 'failed' && r.error)
        .map((r) => ({ site_id: r.site_id, code: r.error!.code, message: r.error!.message })),
      results,
    };
  }

  /** Newest first; `userId` null = every user's jobs (admins). */
  async list(userId: number | null, limit: number, offset: number): Promise<JobSummary[]> {
    let query = this.db.selectFrom('remote_jobs').selectAll().orderBy('id', 'desc').limit(limit).offset(offset);
    if (userId !== null) query = query.where('user_id', '=', userId);
    const jobs = await query.execute();
    if (jobs.length === 0) return [];
    const counts = await this.db
      .selectFrom('remote_job_sites')
      .select(['job_id', 'status'])
      .select((eb) => eb.fn.countAll().as('n'))
      .where(
        'job_id',
        'in',
        jobs.map((j) => j.id),
      )
      .where('status', 'in', ['succeeded', 'failed'])
      .groupBy(['job_id', 'status'])
      .execute();
    const count = (jobId: number, status: string) =>
      Number(counts.find((c) => c.job_id === jobId && c.status === status)?.n ?? 0);
    return jobs.map((j) => summary(j, count(j.id, 'succeeded'), count(j.id, 'failed')));
  }

  /** Unfinished jobs whose heartbeat is older than `before`, not run by this process. */
  async findStale(before: string, exclude: number[]): Promise<{ id: number; userId: number }[]> {
    let query = this.db
      .selectFrom('remote_jobs')
      .select(['id', 'user_id'])
      .where('status', 'in', ['queued', 'processing'])
      .where('heartbeat_at', '<', before);
    if (exclude.length) query = query.where('id', 'not in', exclude);
    return (await query.execute()).map((r) => ({ id: r.id, userId: r.user_id }));
  }

  /**
   * Marks a stale job failed. Resolves with the sites that were running, or undefined when
   * another instance claimed the job first (the conditional update decides).
   */
  async claimStale(jobId: number, before: string, error: { code: string; message: string }): Promise<number[] | undefined> {
    const res = await this.db
      .updateTable('remote_jobs')
      .set({ status: 'failed', finished_at: now(), error_code: error.code, error_message: error.message })
      .where('id', '=', jobId)
      .where('status', 'in', ['queued', 'processing'])
      .where('heartbeat_at', '<', before)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return undefined;
    const running = await this.db
      .selectFrom('remote_job_sites')
      .select('site_id')
      .where('job_id', '=', jobId)
      .where('status', '=', 'running')
      .execute();
    return running.map((r) => r.site_id);
  }

  /** Every site of the job that has no outcome yet becomes failed with `error`. */
  async failUnfinishedSites(jobId: number, error: { code: string; message: string }): Promise<void> {
    await this.db
      .updateTable('remote_job_sites')
      .set({ status: 'failed', error_code: error.code, error_message: error.message, finished_at: now() })
      .where('job_id', '=', jobId)
      .where('status', 'in', ['pending', 'running'])
      .execute();
  }
}

function summary(
  job: {
    id: number;
    user_id: number;
    status: RemoteJobStatus;
    total: number;
    error_code: string | null;
    error_message: string | null;
    created_at: string;
    started_at: string | null;
    finished_at: string | null;
  },
  succeeded: number,
  failed: number,
): JobSummary {
  const processed = succeeded + failed;
  return {
    id: job.id,
    user_id: job.user_id,
    status: job.status,
    progress: job.total === 0 ? 100 : Math.floor((processed * 100) / job.total),
    total: job.total,
    processed,
    succeeded,
    failed,
    error: job.error_code ? { code: job.error_code, message: job.error_message ?? '' } : null,
    created_at: job.created_at,
    started_at: job.started_at,
    finished_at: job.finished_at,
  };
}
