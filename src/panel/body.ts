import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';

/** JSON request bodies for panel routes (1 MB cap; other content types leave the body `{}`). */
export function jsonBody(): Middleware {
  return bodyParser({
    enableTypes: ['json'],
    jsonLimit: '1mb',
    parsedMethods: ['POST', 'PUT', 'PATCH', 'DELETE'],
  }) as Middleware;
}
