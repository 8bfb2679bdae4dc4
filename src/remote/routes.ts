import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import { currentUser } from '../auth/middleware.js';
import type { AuditRecorder } from '../audit/types.js';
import { NotFoundError, UnavailableError } from '../errors.js';
import type { OutboundClient } from '../outbound/index.js';
import type { SiteAccess } from '../sites/types.js';
import { sitesForUser } from './access.js';
import { parseInput } from '../panel/validate.js';
import { BulkUpdateInput, JobIdParam, JobListQuery, PluginActionInput } from './input.js';
import type { JobRunner } from './jobRunner.js';
import type { JobStore } from './jobStore.js';
import { runPluginAction } from './pluginActions.js';

export interface RemoteRouterDeps {
  sites: SiteAccess;
  audit: AuditRecorder;
  client: OutboundClient;
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
  const json = bodyParser({ enableTypes: ['json'], jsonLimit: '256kb' });

  router.post('/remote/update', json, async (ctx) => {
    const user = currentUser(ctx);
    const input = parseInput(BulkUpdateInput, ctx.request.body);
    const sites = await sitesForUser(deps.sites, user, input.site_ids);
    await deps.ready;
    if (deps.isClosing()) throw new UnavailableError('The server is shutting down; try again in a moment.');
    const jobId = await deps.store.create(user.id, input.site_ids, deps.instanceId);
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
