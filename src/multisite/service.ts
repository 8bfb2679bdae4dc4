import type { AuditEntry, AuditRecorder } from '../audit/types.js';
import type { AuthUser } from '../auth/types.js';
import { AppError, ConflictError } from '../errors.js';
import type { OutboundClient, SiteGate } from '../outbound/index.js';
import type { Site, SiteAccess } from '../sites/types.js';
import type { CreateSubsiteInput, ListFilters } from './input.js';
import { createSubsite, deleteSubsite, listSubsites, type NetworkCredentials, type SubSite } from './networkApi.js';

/**
 * The panel's multisite actions: access to the registered network first (404 / 403), then its
 * stored credentials (409 without), then the call. Every action is audited (entity type
 * multisite_site) before the answer is sent, refused ones (unknown site, no access) included.
 */
export interface MultisiteServiceDeps {
  sites: SiteAccess;
  audit: AuditRecorder;
  client: OutboundClient;
  /** One call at a time per site, shared with remote updates and plugin actions. */
  gate: SiteGate;
  timeoutMs: number;
}

export class NoMultisiteCredentialsError extends ConflictError {
  override readonly code = 'no_multisite_credentials';
}

export class MultisiteService {
  constructor(private readonly deps: MultisiteServiceDeps) {}

  async list(user: AuthUser, siteId: number, filters: ListFilters): Promise<SubSite[]> {
    return this.act(user, siteId, { action: 'list', entityId: null, context: { filters } }, async (site, creds) => {
      const { httpStatus, sites } = await listSubsites(this.deps.client, site.url, creds, filters, this.deps.timeoutMs);
      return { value: sites, context: { http_status: httpStatus, count: sites.length } };
    });
  }

  async create(user: AuthUser, siteId: number, input: CreateSubsiteInput): Promise<SubSite> {
    // The password goes to the network only; the audit keeps who and what, never secrets.
    const context = { site_name: input.site_name, title: input.title, email: input.email, password_set: input.password !== undefined };
    return this.act(user, siteId, { action: 'create', entityId: input.site_name, context }, async (site, creds) => {
      const { httpStatus, site: created } = await createSubsite(this.deps.client, site.url, creds, input, this.deps.timeoutMs);
      return {
        value: created,
        entityId: created.blog_id !== null ? String(created.blog_id) : input.site_name,
        context: { http_status: httpStatus, blog_id: created.blog_id },
      };
    });
  }

  async remove(user: AuthUser, siteId: number, blogId: number, drop: boolean): Promise<{ blog_id: number; drop: boolean; site: SubSite | null }> {
    return this.act(user, siteId, { action: 'delete', entityId: String(blogId), context: { blog_id: blogId, drop } }, async (site, creds) => {
      const res = await deleteSubsite(this.deps.client, site.url, creds, blogId, drop, this.deps.timeoutMs);
      return { value: { blog_id: blogId, drop, site: res.site }, context: { http_status: res.httpStatus, method: res.method } };
    });
  }

  private async act<T>(
    user: AuthUser,
    siteId: number,
    what: { action: string; entityId: string | null; context: Record<string, unknown> },
    call: (site: Site, creds: NetworkCredentials) => Promise<{ value: T; entityId?: string; context: Record<string, unknown> }>,
  ): Promise<T> {
    const audit = (outcome: AuditEntry['outcome'], entityId: string | null, context: Record<string, unknown>) =>
      this.deps.audit.record({
        action: what.action,
        entityType: 'multisite_site',
        entityId,
        userId: user.id,
        siteId,
        outcome,
        context: { ...what.context, ...context },
      });
    try {
      // 404 unknown site / 403 not assigned: refused, and audited as such.
      const site = await this.deps.sites.getForUser(user, siteId);
      const secrets = await this.deps.sites.getSecrets(site.id);
      if (!secrets.multisiteUser || !secrets.multisitePassword) {
        throw new NoMultisiteCredentialsError(
          'This site has no multisite credentials; add the network user and password to the site first.',
        );
      }
      const creds = { user: secrets.multisiteUser, password: secrets.multisitePassword };
      // The whole action (a delete may be two requests) holds the site.
      const result = await this.deps.gate.run(site.url, () => call(site, creds));
      await audit('success', result.entityId ?? what.entityId, result.context);
      return result.value;
    } catch (err) {
      const known = err instanceof AppError;
      const siteStatus = known ? err.details?.site_status : undefined;
      await audit('failure', what.entityId, {
        http_status: typeof siteStatus === 'number' ? siteStatus : null,
        error: known ? { code: err.code, message: err.message } : { code: 'internal_error', message: 'Internal error.' },
      });
      throw err;
    }
  }
}
