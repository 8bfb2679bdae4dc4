import Router from '@koa/router';
import { z } from 'zod';
import { currentUser, requireAdminUser } from '../auth/middleware.js';
import { ForbiddenError } from '../errors.js';
import { idSchema } from '../panel/ids.js';
import { parseInput } from '../panel/validate.js';
import type { AuditLog } from './log.js';

const timestamp = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'must be an ISO date or date-time' })
  .transform((v) => new Date(v).toISOString());

const auditQuerySchema = z.object({
  site_id: idSchema.optional(),
  user_id: idSchema.optional(),
  action: z.string().min(1).max(64).optional(),
  entity_type: z.string().min(1).max(64).optional(),
  outcome: z.enum(['success', 'failure', 'partial'], { error: 'must be success, failure or partial' }).optional(),
  from: timestamp.optional(),
  to: timestamp.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().regex(/^\d{1,10}$/, 'must be a value of nextCursor').transform(Number).optional(),
});

/** An optional checkpoint: the `head` of an earlier verification, both fields or neither. */
const verifyQuerySchema = z
  .object({
    checkpoint_id: idSchema.optional(),
    checkpoint_hash: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (a hash from head.hash)')
      .transform((v) => v.toLowerCase())
      .optional(),
  })
  .refine((q) => (q.checkpoint_id === undefined) === (q.checkpoint_hash === undefined), {
    message: 'checkpoint_id and checkpoint_hash go together',
  });

/** GET /audit (filtered, paginated) and GET /audit/verify (admins). */
export function createAuditRouter(deps: { audit: AuditLog; assignedSiteIds(userId: number): Promise<number[]> }): Router {
  const router = new Router();

  router.get('/audit', async (ctx) => {
    const user = currentUser(ctx);
    const q = parseInput(auditQuerySchema, ctx.query, 'query');
    let visibleSiteIds: number[] | undefined;
    if (user.role !== 'admin') {
      // Users see only the rows of their sites, never panel-wide rows (logins, accounts).
      visibleSiteIds = await deps.assignedSiteIds(user.id);
      if (q.site_id !== undefined && !visibleSiteIds.includes(q.site_id)) {
        throw new ForbiddenError(`You have no access to site ${q.site_id}.`);
      }
    }
    ctx.body = await deps.audit.query({
      siteId: q.site_id,
      userId: q.user_id,
      action: q.action,
      entityType: q.entity_type,
      outcome: q.outcome,
      from: q.from,
      to: q.to,
      limit: q.limit,
      before: q.cursor,
      visibleSiteIds,
    });
  });

  router.get('/audit/verify', async (ctx) => {
    requireAdminUser(currentUser(ctx));
    const q = parseInput(verifyQuerySchema, ctx.query, 'query');
    const checkpoint = q.checkpoint_id !== undefined && q.checkpoint_hash !== undefined ? { id: q.checkpoint_id, hash: q.checkpoint_hash } : undefined;
    ctx.body = await deps.audit.verify(checkpoint);
  });

  return router;
}
