import Router from '@koa/router';
import { currentUser } from '../auth/middleware.js';
import type { AuditRecorder } from '../audit/types.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { createOutboundClient, SiteGate, type OutboundClient } from '../outbound/index.js';
import type { SiteAccess } from '../sites/types.js';
import { routeId } from '../panel/ids.js';
import { BODY_LIMITS, jsonBody } from '../panel/body.js';
import { parseInput } from '../panel/validate.js';
import { CreateSubsiteInput, DeleteQuery, ListFilters } from './input.js';
import { MultisiteService } from './service.js';

export interface MultisiteDeps {
  config: Config;
  log: Logger;
  sites: SiteAccess;
  audit: AuditRecorder;
  /** The outbound HTTP client; default: one built from config (allowPrivateSites, allowHttpSites). */
  client?: OutboundClient;
  /** Per-site / per-host limits; share the remote feature's (the panel does). Default: its own. */
  gate?: SiteGate;
}

/**
 * Sub-site routes of a registered multisite network. Session and CSRF are checked by the panel before these run.
 *
 * GET    /sites/:id/subsites?public=&spam=&archived=&deleted=  → 200 {sites: [SubSite]}
 * POST   /sites/:id/subsites {email, site_name, title, password?} → 201 {site: SubSite}
 * DELETE /sites/:id/subsites/:blogId?drop=true|false          → 200 {deleted: {blog_id, drop, site}}
 */
export function createMultisiteRouter(deps: MultisiteDeps): Router {
  const client = deps.client ?? createOutboundClient({
      allowPrivate: deps.config.allowPrivateSites,
      allowHttpSecrets: deps.config.allowHttpSites,
      log: deps.log,
    });
  const service = new MultisiteService({
    sites: deps.sites,
    audit: deps.audit,
    client,
    gate: deps.gate ?? new SiteGate(),
    timeoutMs: deps.config.remoteTimeoutMs,
  });
  const router = new Router();
  const json = jsonBody(BODY_LIMITS.multisite);

  router.get('/sites/:id/subsites', async (ctx) => {
    const user = currentUser(ctx);
    const siteId = routeId(ctx.params.id, 'site id');
    const filters = parseInput(ListFilters, ctx.query, 'query');
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { sites: await service.list(user, siteId, filters) };
  });

  router.post('/sites/:id/subsites', json, async (ctx) => {
    const user = currentUser(ctx);
    const siteId = routeId(ctx.params.id, 'site id');
    const input = parseInput(CreateSubsiteInput, ctx.request.body);
    const site = await service.create(user, siteId, input);
    ctx.status = 201;
    ctx.body = { site };
  });

  router.delete('/sites/:id/subsites/:blogId', async (ctx) => {
    const user = currentUser(ctx);
    const siteId = routeId(ctx.params.id, 'site id');
    const blogId = routeId(ctx.params.blogId, 'blog id');
    const { drop } = parseInput(DeleteQuery, ctx.query, 'query');
    ctx.body = { deleted: await service.remove(user, siteId, blogId, drop) };
  });

  return router;
}
