import { sameSecret } from '../secrets.js';
import type { Context, Middleware } from 'koa';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import { readSessionToken } from './cookie.js';
import type { SessionInfo, SessionStore } from './sessions.js';
import type { AuthUser } from './types.js';

/** What the panel middleware puts on `ctx.state` for the handlers after it. */
export interface PanelState {
  user: AuthUser;
  session: SessionInfo;
}

/** 401 unless the request carries a live session cookie; sets `ctx.state.user` and `ctx.state.session`. */
export function requireSession(sessions: SessionStore): Middleware {
  return async (ctx, next) => {
    const session = await sessions.resolve(readSessionToken(ctx));
    if (!session) throw new UnauthorizedError('Not signed in, or the session has expired.');
    ctx.state.user = session.user;
    ctx.state.session = session;
    await next();
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** 403 for a state-changing request whose X-CSRF-TOKEN is not the session's token (constant-time). */
export function requireCsrf(): Middleware {
  return async (ctx, next) => {
    if (!SAFE_METHODS.has(ctx.method)) {
      const session = currentSession(ctx);
      const sent = ctx.get('X-CSRF-TOKEN');
      if (!sent || !sameSecret(sent, session.csrfToken)) {
        throw new ForbiddenError('Missing or invalid X-CSRF-TOKEN header.', { reason: 'csrf' });
      }
    }
    await next();
  };
}

/** The signed-in user; only valid behind requireSession. */
export function currentUser(ctx: Context): AuthUser {
  const user = ctx.state.user as AuthUser | undefined;
  if (!user) throw new UnauthorizedError();
  return user;
}

export function currentSession(ctx: Context): SessionInfo {
  const session = ctx.state.session as SessionInfo | undefined;
  if (!session) throw new UnauthorizedError();
  return session;
}

/** Throws 403 unless the user is an admin. */
export function requireAdminUser(user: AuthUser): void {
  if (user.role !== 'admin') throw new ForbiddenError('Only administrators may do this.');
}
