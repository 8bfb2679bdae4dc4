import Router from '@koa/router';
import type { Middleware } from 'koa';
import { routeId } from '../panel/ids.js';
import { parseInput } from '../panel/validate.js';
import { currentUser, requireAdminUser } from './middleware.js';
import { assignSitesBodySchema, createUserBodySchema } from './schemas.js';
import type { UserService } from './users.js';

/** /users — account administration, admins only. */
export function createUsersRouter(deps: { users: UserService; body: Middleware }): Router {
  const { users } = deps;
  const router = new Router();

  router.get('/users', async (ctx) => {
    requireAdminUser(currentUser(ctx));
    ctx.body = { users: await users.list() };
  });

  router.post('/users', deps.body, async (ctx) => {
    const actor = currentUser(ctx);
    requireAdminUser(actor);
    const input = parseInput(createUserBodySchema, ctx.request.body);
    ctx.status = 201;
    ctx.body = { user: await users.create(input, { user: actor, via: 'panel' }) };
  });

  router.put('/users/:id/sites', deps.body, async (ctx) => {
    const actor = currentUser(ctx);
    requireAdminUser(actor);
    const id = routeId(ctx.params.id);
    const { site_ids } = parseInput(assignSitesBodySchema, ctx.request.body);
    ctx.body = { user: await users.setSites(id, site_ids, { user: actor, via: 'panel' }) };
  });

  router.delete('/users/:id', async (ctx) => {
    const actor = currentUser(ctx);
    requireAdminUser(actor);
    await users.delete(routeId(ctx.params.id), { user: actor, via: 'panel' });
    ctx.status = 204;
  });

  return router;
}
