import type { AuthUser } from '../auth/types.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import type { Site, SiteAccess } from '../sites/types.js';
import pLimit from 'p-limit';

/**
 * Every site of a bulk request, checked before anything is sent: unknown ids answer 404, then
 * sites the user is not assigned answer 403; both list the offending ids.
 */
export async function sitesForUser(sites: SiteAccess, user: AuthUser, siteIds: number[]): Promise<Site[]> {
  const limit = pLimit(16);
  const missing: number[] = [];
  const denied: number[] = [];
  const found = await Promise.all(
    siteIds.map((id) =>
      limit(async () => {
        try {
          return await sites.getForUser(user, id);
        } catch (err) {
          if (err instanceof NotFoundError) missing.push(id);
          else if (err instanceof ForbiddenError) denied.push(id);
          else throw err;
          return undefined;
        }
      }),
    ),
  );
  const list = (ids: number[]) => ids.sort((a, b) => a - b);
  if (missing.length) {
    throw new NotFoundError(`Unknown site${missing.length > 1 ? 's' : ''}: ${list(missing).join(', ')}.`, 5, { site_ids: missing });
  }
  if (denied.length) {
    throw new ForbiddenError(`You have no access to site${denied.length > 1 ? 's' : ''} ${list(denied).join(', ')}.`, { site_ids: denied });
  }
  return found as Site[];
}
