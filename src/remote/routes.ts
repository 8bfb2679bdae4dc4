import Router from '@koa/router';
import { currentUser } from '../auth/middleware.js';
import type { AuditRecorder } from '../audit/types.js';
import { AppError, NotFoundError, UnavailableError } from '../errors.js';
import type { OutboundClient, SiteGate } from '../outbound/index.js';
import type { Site, SiteAccess } from '../sites/types.js';
import { sitesForUser } from './access.js';
import { BODY_LIMITS, jsonBody } from '../panel/body.js';
import { parseInput } from '../panel/validate.js';
import { BulkUpdateInput, JobIdParam, JobListQuery, PluginActionInput } from './input.js';
import type { JobRunner } from './jobRunner.js';
import type { JobStore } from './jobStore.js';
import { runPluginAction } from './pluginActions.js';

/** Audit entity type of a bulk-update request (one row per job; each site then gets a remote_update row). */
export const JOB_ENTITY = 'remote_job';

export interface RemoteRouterDeps {
  sites: SiteAccess;
  audit: AuditRecorder;
  client: OutboundClient;
  gate: SiteGate;
  store: JobStore;
  runner: JobRunner;
  timeoutMs: number;
  instanceId: string;
  /** Resolves once interrupted jobs of a previous run are marked failed. */
  ready: Promise<void>;
  isClosing(): boolean;
}

/**
 * POST /remote/update          → 202 {job} + Location: /remote/jobs/<id>
 * GET  /remote/jobs            → 200 {jobs: [summary]} (own jobs; admins: all)
 * GET  /remote/jobs/:id        → 200 {job} with per-site results
 * POST /remote/plugin-action   → 200 {success, action, plugin}
 */
export function createRemoteRouter(deps: RemoteRouterDeps): Router {
  const router = new Router();
  const json = jsonBody(BODY_LIMITS.remote);

  router.post('/remote/update', json, async (ctx) => {
    const user = currentUser(ctx);
    const input = parseInput(BulkUpdateInput, ctx.request.body);
    const request = { action: 'update', entityType: JOB_ENTITY, userId: user.id, siteId: null } as const;
    let sites: Site[];
    try {
      sites = await sitesForUser(deps.sites, user, input.site_ids);
    } catch (err) {
      // Unknown sites (404) and sites without access (403) are refused before a job exists: audited as a failure.
      if (err instanceof AppError && (err.status === 403 || err.status === 404)) {
        await deps.audit.record({
          ...request,
          entityId: null,
          outcome: 'failure',
          context: { site_ids: input.site_ids, error: { code: err.code, message: err.message, ...err.details } },
        });
      }
      throw err;
    }
    await deps.ready;
    if (deps.isClosing()) throw new UnavailableError('The server is shutting down; try again in a moment.');
    const jobId = await deps.store.create(user.id, input.site_ids, deps.instanceId);
    // The request is on record before anything is sent and before the 202; each site's outcome follows as its own row.
    try {
      await deps.audit.record({
        ...request,
        entityId: String(jobId),
        outcome: 'success',
        context: { job_id: jobId, site_ids: input.site_ids, total: input.site_ids.length },
      });
    } catch (err) {
      const error = { code: 'audit_failed', message: 'The job request could not be written to the audit log; nothing was sent.' };
      await deps.store.failUnfinishedSites(jobId, error).catch(() => {});
      await deps.store.finishJob(jobId, 'failed', error).catch(() => {});
      throw err;
    }
    deps.runner.start(jobId, user.id, sites);
    const job = await deps.store.get(jobId);
    ctx.status = 202;
    ctx.set('Location', `/remote/jobs/${jobId}`);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { job };
  });

  router.get('/remote/jobs', async (ctx) => {
    const user = currentUser(ctx);
    const query = parseInput(JobListQuery, ctx.query, 'query');
    await deps.ready;
    const jobs = await deps.store.list(user.role === 'admin' ? null : user.id, query.limit, query.offset);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { jobs };
  });

  router.get('/remote/jobs/:id', async (ctx) => {
    const user = currentUser(ctx);
    const id = JobIdParam.safeParse(ctx.params.id);
    await deps.ready;
    const job = id.success ? await deps.store.get(id.data) : undefined;
    // Someone else's job is answered exactly like a missing one.
    if (!job || (user.role !== 'admin' && job.user_id !== user.id)) throw new NotFoundError('No such job.');
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { job };
  });

  router.post('/remote/plugin-action', json, async (ctx) => {
    const user = currentUser(ctx);
    const input = parseInput(PluginActionInput, ctx.request.body);
    ctx.body = await runPluginAction(deps, user, input);
  });

  return router;
}
