import type { AuditEntry, AuditRecorder } from '../audit/types.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { LimitFunction } from 'p-limit';
import type { OutboundClient, SiteGate } from '../outbound/index.js';
import type { Site, SiteAccess } from '../sites/types.js';
import type { JobStore, SiteOutcome } from './jobStore.js';
import { requestSiteUpdate, type UpdateResults } from './siteApi.js';

/**
 * Runs bulk-update jobs in this process: every site of every job goes through the site gate
 * (one call at a time per site, two per host, shared with plugin actions and multisite calls)
 * and then one shared limiter (REMOTE_CONCURRENCY sites called at once per instance), each call has its own
 * timeout, and one site's failure is only that site's outcome. Each outcome is written to the
 * audit log before it is stored where GET /remote/jobs/:id can see it.
 */
export interface JobRunnerDeps {
  store: JobStore;
  sites: SiteAccess;
  audit: AuditRecorder;
  client: OutboundClient;
  limiter: LimitFunction;
  /** Per-site and per-host limits, shared with the other callers of sites. */
  gate: SiteGate;
  log: Logger;
  timeoutMs: number;
  heartbeatMs: number;
}

const INTERRUPTED = {
  code: 'job_interrupted',
  message: 'The server running this job stopped before it finished; the outcome of unfinished sites is unknown.',
};

export class JobRunner {
  private readonly running = new Map<number, Promise<void>>();
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: JobRunnerDeps) {}

  /** Job ids this process is running now. */
  runningIds(): number[] {
    return [...this.running.keys()];
  }

  /** Starts the job in the background; `idle()` / `close()` wait for it. */
  start(jobId: number, userId: number, sites: Site[]): void {
    const run = this.run(jobId, userId, sites).finally(() => {
      this.running.delete(jobId);
      if (this.running.size === 0) this.stopHeartbeat();
    });
    this.running.set(jobId, run);
    this.startHeartbeat();
  }

  /** Resolves when every job running now has finished. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running.values()]);
  }

  private async run(jobId: number, userId: number, sites: Site[]): Promise<void> {
    const { store, log } = this.deps;
    const run: RunState = { stopped: false };
    try {
      await store.markProcessing(jobId);
      // allSettled: a database error on one site must not leave the others running unobserved.
      const settled = await Promise.allSettled(sites.map((site) => this.runSite(jobId, userId, site, run)));
      const broken = settled.find((s) => s.status === 'rejected');
      if (broken) throw broken.reason;
      if (await store.finishJob(jobId, 'completed')) {
        log.info({ jobId, sites: sites.length }, 'remote update job completed');
      } else {
        log.warn({ jobId }, 'remote update job was ended elsewhere (marked failed as stale); its sites left uncalled were skipped');
      }
    } catch (err) {
      // Only the database can get here (site failures are outcomes, not exceptions).
      log.error({ err, jobId }, 'remote update job failed');
      const error = { code: 'internal_error', message: 'The job stopped because of an internal error.' };
      await store.failUnfinishedSites(jobId, error).catch(() => {});
      await store.finishJob(jobId, 'failed', error).catch(() => {});
    }
  }

  /**
   * One site: claimed (pending → running, only while the job is still processing), called,
   * audited, stored. Once the job is found ended — another instance gave it up as stale and
   * wrote job_interrupted outcomes — the run stops: sites not called yet are skipped, and no
   * outcome overwrites what that instance wrote.
   */
  private async runSite(jobId: number, userId: number, site: Site, run: RunState): Promise<void> {
    const { store, limiter, gate } = this.deps;
    // Site and host first, then a global slot (see SiteGate): waiting for a busy site holds no slot.
    const outcome = await gate.run(site.url, () =>
      limiter(async () => {
        if (run.stopped) return undefined;
        if (!(await store.markSiteRunning(jobId, site.id))) {
          run.stopped = true;
          return undefined;
        }
        return this.updateSite(site);
      }),
    );
    if (!outcome) return;
    // The call happened: its audit row is the truth about the site, whatever the job's state.
    const recorded = await this.recordAudit(jobId, userId, site.id, outcome);
    if (!(await store.finishSite(jobId, site.id, recorded))) run.stopped = true;
  }

  /** Never throws: every failure becomes the site's outcome. */
  private async updateSite(site: Site): Promise<SiteOutcome> {
    const { sites, client, timeoutMs, log } = this.deps;
    try {
      const secrets = await sites.getSecrets(site.id);
      if (!secrets.licenseKey) {
        return failed(null, 'no_license_key', 'The site has no license key; add it to the site before updating.');
      }
      const { httpStatus, answer } = await requestSiteUpdate(client, site.url, secrets.licenseKey, timeoutMs);
      if (!answer.success) {
        return {
          status: 'failed',
          httpStatus,
          results: answer.results,
          errors: answer.errors,
          error: {
            code: 'site_update_failed',
            message: `The site reported that the update failed${answer.errors[0] ? `: ${answer.errors[0]}` : '.'}`,
          },
        };
      }
      return { status: 'succeeded', httpStatus, results: answer.results, errors: answer.errors, error: null };
    } catch (err) {
      if (err instanceof AppError) {
        const siteStatus = err.details?.site_status;
        return failed(typeof siteStatus === 'number' ? siteStatus : null, err.code, err.message);
      }
      log.error({ err, siteId: site.id }, 'unexpected error updating a site');
      return failed(null, 'internal_error', 'An internal error stopped the update of this site.');
    }
  }

  private async recordAudit(jobId: number, userId: number, siteId: number, outcome: SiteOutcome): Promise<SiteOutcome> {
    const entry: AuditEntry = {
      action: 'update',
      entityType: 'remote_update',
      entityId: null,
      userId,
      siteId,
      outcome: auditOutcome(outcome),
      context: { job_id: jobId, http_status: outcome.httpStatus, ...updateCounts(outcome.results), site_errors: outcome.errors.length, error: outcome.error },
    };
    try {
      await this.deps.audit.record(entry);
      return outcome;
    } catch (err) {
      // The rule is "no result without its audit row": keep the result out of sight, say why.
      this.deps.log.error({ err, jobId, siteId }, 'audit write failed for a remote update');
      return { ...outcome, status: 'failed', error: { code: 'audit_failed', message: 'The outcome could not be written to the audit log.' } };
    }
  }

  /**
   * Marks failed every unfinished job whose heartbeat is older than `before` and that this
   * process is not running: its server stopped (crash, kill) mid-job. Sites that were being
   * called get an audit row saying their outcome is unknown.
   */
  async failStaleJobs(before: string): Promise<number> {
    const { store, audit, log } = this.deps;
    const stale = await store.findStale(before, this.runningIds());
    let count = 0;
    for (const job of stale) {
      const runningSites = await store.claimStale(job.id, before, INTERRUPTED);
      if (!runningSites) continue; // another instance got there first
      for (const siteId of runningSites) {
        await audit
          .record({
            action: 'update',
            entityType: 'remote_update',
            entityId: null,
            userId: job.userId,
            siteId,
            outcome: 'failure',
            context: { job_id: job.id, http_status: null, error: INTERRUPTED },
          })
          .catch((err: unknown) => log.error({ err, jobId: job.id, siteId }, 'audit write failed for an interrupted job'));
      }
      await store.failUnfinishedSites(job.id, INTERRUPTED);
      log.warn({ jobId: job.id }, 'remote update job was interrupted; marked failed');
      count += 1;
    }
    return count;
  }

  private startHeartbeat(): void {
    if (this.heartbeatTimer) return;
    this.heartbeatTimer = setInterval(() => {
      this.deps.store
        .heartbeat(this.runningIds())
        .catch((err: unknown) => this.deps.log.warn({ err }, 'remote job heartbeat failed'));
    }, this.deps.heartbeatMs);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }
}

/** Per-run flag: set once the job turned out to be no longer running here. */
interface RunState {
  stopped: boolean;
}

function failed(httpStatus: number | null, code: string, message: string): SiteOutcome {
  return { status: 'failed', httpStatus, results: null, errors: [], error: { code, message } };
}

function auditOutcome(outcome: SiteOutcome): AuditEntry['outcome'] {
  if (outcome.status === 'failed') return 'failure';
  const r = outcome.results;
  const itemFailed = r ? [...r.plugins, ...r.themes, ...(r.core ? [r.core] : [])].some((i) => !i.success) : false;
  return itemFailed || outcome.errors.length > 0 ? 'partial' : 'success';
}

/** The seed's audit context: plugin / theme / core counts, split by success. */
export function updateCounts(results: UpdateResults | null): Record<string, { updated: number; failed: number }> {
  const count = (items: { success: boolean }[]) => ({
    updated: items.filter((i) => i.success).length,
    failed: items.filter((i) => !i.success).length,
  });
  return {
    plugins: count(results?.plugins ?? []),
    themes: count(results?.themes ?? []),
    core: count(results?.core ? [results.core] : []),
  };
}
