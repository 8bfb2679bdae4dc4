import type { Context, Middleware } from 'koa';
import { AppError, TooManyRequestsError } from '../errors.js';
import type { Logger } from '../logger.js';

/** How a surface (update API, panel, webhooks) writes an error body. */
export type ErrorWriter = (ctx: Context, error: AppError) => void;

/** JSON body `{ error: { code, message, ...details } }`: the panel and webhook format. */
export const jsonErrorWriter: ErrorWriter = (ctx, error) => {
  ctx.body = { error: { code: error.code, message: error.message, ...(error.details ?? {}) } };
};

/**
 * The one place where thrown errors become HTTP answers. AppErrors keep their status and
 * message; anything else is logged and answered as a bare 500 with no internals.
 */
export function errorHandler(log: Logger, write: ErrorWriter = jsonErrorWriter): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const error = toAppError(err, log, ctx);
      ctx.status = error.status;
      if (error instanceof TooManyRequestsError) ctx.set('Retry-After', String(error.retryAfterSeconds));
      write(ctx, error);
    }
  };
}

function toAppError(err: unknown, log: Logger, ctx: Context): AppError {
  if (err instanceof AppError) return err;
  // Errors raised by Koa and body parsers for malformed input carry an http status < 500.
  const status = typeof (err as { status?: unknown })?.status === 'number' ? (err as { status: number }).status : 500;
  if (status >= 400 && status < 500) {
    const expose = (err as { expose?: boolean }).expose;
    const message = expose ? String((err as Error).message) : 'Bad request.';
    return new AppError(status, status === 413 ? 'payload_too_large' : 'bad_request', message, 8);
  }
  log.error({ err, method: ctx.method, path: ctx.path }, 'unhandled error');
  return new AppError(500, 'internal_error', 'Internal server error.');
}
