import Router from '@koa/router';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ProjectLookup, ReleaseService } from '../releases/service.js';
import { isValidSlug } from '../projects/slug.js';
import { webhookIntent } from './events.js';
import { readRawBody } from './rawBody.js';
import { verifySignature } from './verify.js';

export interface WebhookDeps {
  projects: Pick<ProjectLookup, 'get'>;
  releases: Pick<ReleaseService, 'refresh'>;
  log: Logger;
  /** Largest accepted body (default 1 MiB): 413 beyond. */
  maxBodyBytes?: number;
}

/**
 * POST /webhooks/:slug — a git host says "something was pushed". The raw body is read and its
 * signature checked against the project's webhookSecret before anything else; the refresh runs
 * after the answer, so hosts with short timeouts (GitHub: 10 s) always get their 202.
 *
 * Answers: 202 {status:"accepted", slug} (refresh started), 200 for a ping or an event that cannot
 * change refs, 401 bad or missing signature, 403 project has no webhookSecret, 404 unknown slug,
 * 413 body over the limit.
 */
export function createWebhooksRouter(deps: WebhookDeps): Router {
  const { projects, releases, log } = deps;
  const router = new Router();

  router.post('/webhooks/:slug', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const slug = ctx.params.slug;
    const project = isValidSlug(slug) ? projects.get(slug) : undefined;
    if (!project) throw new NotFoundError('Unknown project.');
    if (project.webhookSecret === undefined) {
      throw new ForbiddenError('Webhooks are not enabled for this project (no webhookSecret in its settings).');
    }

    const body = await readRawBody(ctx.req, deps.maxBodyBytes);
    const verification = verifySignature(ctx.headers, body, project.webhookSecret);
    if (!verification.ok) {
      log.warn({ slug, scheme: verification.scheme, reason: verification.reason, ip: ctx.ip }, 'webhook refused: bad or missing signature');
      throw new UnauthorizedError(
        verification.reason === 'missing' ? 'Missing webhook signature.' : 'Invalid webhook signature.',
      );
    }

    const intent = webhookIntent(ctx.headers);
    const delivery = deliveryId(ctx.headers);
    if (intent.kind !== 'refresh') {
      log.info({ slug, scheme: verification.scheme, event: intent.event, delivery }, `webhook ${intent.kind === 'ping' ? 'ping' : 'event ignored'}`);
      ctx.status = 200;
      ctx.body = { status: intent.kind === 'ping' ? 'ok' : 'ignored', slug, event: intent.event };
      return;
    }

    log.info({ slug, scheme: verification.scheme, event: intent.event, delivery }, 'webhook accepted: refreshing');
    ctx.status = 202;
    ctx.body = { status: 'accepted', slug };
    // After the answer: the host does not wait for the fetch. Refreshes coalesce in the ReleaseService.
    setImmediate(() => {
      releases.refresh(slug, 'webhook').catch((err: unknown) => log.error({ slug, err }, 'webhook refresh failed'));
    });
  });

  return router;
}

/** The host's id of this delivery, for matching log lines with the host's delivery log. */
function deliveryId(headers: Record<string, string | string[] | undefined>): string | undefined {
  for (const name of ['x-github-delivery', 'x-gitea-delivery', 'x-forgejo-delivery', 'x-gitlab-event-uuid', 'x-request-id']) {
    const v = headers[name];
    if (typeof v === 'string' && /^[A-Za-z0-9-]{1,100}$/.test(v)) return v;
  }
  return undefined;
}
