import Router from '@koa/router';
import type { Middleware } from 'koa';
import { currentUser, requireAdminUser } from '../auth/middleware.js';
import { routeId } from '../panel/ids.js';
import { parseInput } from '../panel/validate.js';
import { createSiteBodySchema, updateSiteBodySchema } from './schemas.js';
import type { SiteService } from './service.js';

/** /sites — reading for everyone with access, changes for admins. */
export function createSitesRouter(deps: { sites: SiteService; body: Middleware }): Router {
  const { sites } = deps;
  const router = new Router();

  router.get('/sites', async (ctx) => {
    ctx.body = { sites: await sites.list(currentUser(ctx)) };
  });

  router.post('/sites', deps.body, async (ctx) => {
    const user = currentUser(ctx);
    requireAdminUser(user);
    const input = parseInput(createSiteBodySchema, ctx.request.body);
    ctx.status = 201;
    ctx.body = { site: await sites.create(input, user) };
  });

  router.get('/sites/:id', async (ctx) => {
    ctx.body = { site: await sites.getForUser(currentUser(ctx), routeId(ctx.params.id)) };
  });

  router.patch('/sites/:id', deps.body, async (ctx) => {
    const user = currentUser(ctx);
    requireAdminUser(user);
    const id = routeId(ctx.params.id);
    const input = parseInput(updateSiteBodySchema, ctx.request.body);
    ctx.body = { site: await sites.update(id, input, user) };
  });

  router.delete('/sites/:id', async (ctx) => {
    const user = currentUser(ctx);
    requireAdminUser(user);
    await sites.delete(routeId(ctx.params.id), user);
    ctx.status = 204;
  });

  return router;
}
