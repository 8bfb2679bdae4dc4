import type { AuditRecorder } from '../audit/types.js';
import type { AuthUser } from '../auth/types.js';
import { AppError, ConflictError, ForbiddenError } from '../errors.js';
import type { OutboundClient, SiteGate } from '../outbound/index.js';
import type { SiteAccess } from '../sites/types.js';
import type { PluginAction } from './input.js';
import { isManagementPlugin } from './managementPlugin.js';
import { requestPluginAction } from './siteApi.js';

/**
 * One plugin action on one site (seed 000): access first, then the self-protection rule, then
 * the call. Every attempt is audited before the answer is sent, refused ones too (unknown site,
 * no access, the management plugin) with outcome failure.
 */
export interface PluginActionDeps {
  sites: SiteAccess;
  audit: AuditRecorder;
  client: OutboundClient;
  /** One call at a time per site (a running bulk update of the site finishes first). */
  gate: SiteGate;
  timeoutMs: number;
}

export interface PluginActionResult {
  success: true;
  action: string;
  plugin: string;
}

export class ManagementPluginError extends ForbiddenError {
  override readonly code = 'protected_plugin';
}

export class NoLicenseKeyError extends ConflictError {
  override readonly code = 'no_license_key';
}

export async function runPluginAction(
  deps: PluginActionDeps,
  user: AuthUser,
  input: { site_id: number; action: PluginAction; plugin: string },
): Promise<PluginActionResult> {
  const audit = (outcome: 'success' | 'failure', context: Record<string, unknown>) =>
    deps.audit.record({
      action: input.action,
      entityType: 'remote_plugin',
      entityId: input.plugin,
      userId: user.id,
      siteId: input.site_id,
      outcome,
      context,
    });

  try {
    // 404 unknown site / 403 not assigned, before anything else happens.
    const site = await deps.sites.getForUser(user, input.site_id);
    if (isManagementPlugin(input.plugin)) {
      throw new ManagementPluginError(
        `"${input.plugin}" is the RakuWP management plugin; it cannot be updated, activated, deactivated or deleted from the panel.`,
      );
    }
    const secrets = await deps.sites.getSecrets(site.id);
    if (!secrets.licenseKey) {
      throw new NoLicenseKeyError('The site has no license key; add it to the site before acting on its plugins.');
    }
    const licenseKey = secrets.licenseKey;
    const answer = await deps.gate.run(site.url, () =>
      requestPluginAction(deps.client, site.url, licenseKey, input.action, input.plugin, deps.timeoutMs),
    );
    await audit('success', { http_status: answer.httpStatus });
    return { success: true, action: answer.action, plugin: answer.plugin };
  } catch (err) {
    const known = err instanceof AppError;
    const siteStatus = known ? err.details?.site_status : undefined;
    await audit('failure', {
      http_status: typeof siteStatus === 'number' ? siteStatus : null,
      error: known ? { code: err.code, message: err.message } : { code: 'internal_error', message: 'Internal error.' },
    });
    throw err;
  }
}
