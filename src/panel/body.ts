import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';

/**
 * JSON request bodies for panel routes, capped at `limit` (a larger body is 413
 * `payload_too_large`; other content types leave the body `{}`, which validation then refuses).
 *
 * Mount it on each route that reads a body, never as route-less middleware: @koa/router flattens
 * the panel's routers into one, so a route-less parser would run for every later route and the
 * first one to run would set the limit for all. Each route group passes its own limit:
 */
export const BODY_LIMITS = {
  /** POST /auth/login: a username and a password. */
  login: '16kb',
  /** /users and /sites: names, URLs, keys, credentials, site lists. */
  admin: '64kb',
  /** /remote/*: up to 1000 site ids. */
  remote: '256kb',
  /** /sites/:id/subsites: one new sub-site. */
  multisite: '64kb',
} as const;

export function jsonBody(limit: string): Middleware {
  return bodyParser({
    enableTypes: ['json'],
    jsonLimit: limit,
    parsedMethods: ['POST', 'PUT', 'PATCH', 'DELETE'],
  }) as Middleware;
}
