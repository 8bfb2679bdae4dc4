import type { Generated } from 'kysely';

export type RemoteJobStatus = 'queued' | 'processing' | 'completed' | 'failed';
export type RemoteJobSiteStatus = 'pending' | 'running' | 'succeeded' | 'failed';

/**
 * One bulk update. Times are ISO-8601 UTC strings (same text on SQLite and PostgreSQL, and
 * they sort). `heartbeat_at` is refreshed by the instance running the job; a job whose
 * heartbeat stopped was interrupted (crash) and is marked failed by any instance.
 */
export interface RemoteJobsTable {
  id: Generated<number>;
  user_id: number;
  status: RemoteJobStatus;
  total: number;
  /** Why the job itself failed (not a site): job_interrupted, internal_error. */
  error_code: string | null;
  error_message: string | null;
  /** Random id of the server process running the job. */
  instance_id: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  heartbeat_at: string;
}

/** One site of a bulk update and its outcome. */
export interface RemoteJobSitesTable {
  job_id: number;
  site_id: number;
  /** Order of the site in the request. */
  position: number;
  status: RemoteJobSiteStatus;
  /** What the site answered, null when no answer arrived. */
  http_status: number | null;
  /** JSON text: the site's {plugins, themes, core}, or null. */
  results: string | null;
  /** JSON text: the site's `errors` list (strings), or null. */
  errors: string | null;
  error_code: string | null;
  error_message: string | null;
  started_at: string | null;
  finished_at: string | null;
}

/** remote_jobs and their per-site outcomes (owned by the remote feature). */
export interface RemoteJobTables {
  remote_jobs: RemoteJobsTable;
  remote_job_sites: RemoteJobSitesTable;
}
