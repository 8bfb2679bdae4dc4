import type { Context } from 'koa';
import type { Config } from '../config.js';

export const SESSION_COOKIE = 'wpus_session';

/** Secure whenever the panel is reached over https: by its public URL or by the request itself. */
export function cookieIsSecure(ctx: Context, config: Config): boolean {
  return config.publicUrl.startsWith('https://') || ctx.secure;
}

/**
 * Written by hand rather than with ctx.cookies: that refuses `Secure` on a plain-http hop, which
 * is exactly the TLS-terminating proxy setup where the flag matters.
 */
export function setSessionCookie(ctx: Context, config: Config, token: string): void {
  const flags = ['HttpOnly', 'SameSite=Strict', 'Path=/'];
  if (cookieIsSecure(ctx, config)) flags.push('Secure');
  ctx.append('Set-Cookie', [`${SESSION_COOKIE}=${token}`, ...flags].join('; '));
}

export function clearSessionCookie(ctx: Context, config: Config): void {
  const flags = ['HttpOnly', 'SameSite=Strict', 'Path=/', 'Max-Age=0'];
  if (cookieIsSecure(ctx, config)) flags.push('Secure');
  ctx.append('Set-Cookie', [`${SESSION_COOKIE}=`, ...flags].join('; '));
}

export function readSessionToken(ctx: Context): string | undefined {
  return ctx.cookies.get(SESSION_COOKIE) || undefined;
}
