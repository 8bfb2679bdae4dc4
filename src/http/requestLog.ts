import type { Middleware } from 'koa';
import type { Logger } from '../logger.js';

/**
 * One JSON line per request: method, path (never the query string: it may hold an apikey),
 * status, duration, plus whatever the handler put in `ctx.state.logFields`.
 */
export function requestLog(log: Logger): Middleware {
  return async (ctx, next) => {
    if (!log.isLevelEnabled('info')) return next();
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const fields = (ctx.state.logFields ?? {}) as Record<string, unknown>;
      log.info({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 100) / 100, ...fields }, 'request');
    }
  };
}
