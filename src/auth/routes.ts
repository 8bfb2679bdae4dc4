import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { AuditRecorder } from '../audit/types.js';
import type { Config } from '../config.js';
import { parseInput } from '../panel/validate.js';
import { clearSessionCookie, setSessionCookie } from './cookie.js';
import type { LoginService } from './login.js';
import { currentSession } from './middleware.js';
import { loginBodySchema } from './schemas.js';
import type { SessionStore } from './sessions.js';

/** POST /auth/login — the one public panel route. */
export function createLoginRouter(deps: { config: Config; login: LoginService; body: Middleware }): Router {
  const router = new Router();
  router.post('/auth/login', deps.body, async (ctx) => {
    const { username, password } = parseInput(loginBodySchema, ctx.request.body);
    const result = await deps.login.login(username, password, ctx.ip);
    setSessionCookie(ctx, deps.config, result.token);
    ctx.body = { user: result.user, csrfToken: result.csrfToken };
  });
  return router;
}

/** GET /auth/session and POST /auth/logout — behind requireSession (+ requireCsrf for logout). */
export function createSessionRouter(deps: { config: Config; sessions: SessionStore; audit: AuditRecorder }): Router {
  const router = new Router();
  router.get('/auth/session', (ctx) => {
    const session = currentSession(ctx);
    ctx.body = { user: session.user, csrfToken: session.csrfToken };
  });
  router.post('/auth/logout', async (ctx) => {
    const session = currentSession(ctx);
    await deps.sessions.destroy(session.id);
    await deps.audit.record({
      action: 'logout',
      entityType: 'session',
      entityId: null,
      userId: session.user.id,
      siteId: null,
      outcome: 'success',
      context: { username: session.user.username },
    });
    clearSessionCookie(ctx, deps.config);
    ctx.status = 204;
  });
  return router;
}
