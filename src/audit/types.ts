/** One audit entry to append (seed 000's table: action, entity type, context). */
export interface AuditEntry {
  /** update, activate, deactivate, delete, create, list, login, … */
  action: string;
  /** remote_update, remote_plugin, multisite_site, site, user, … */
  entityType: string;
  /** Plugin slug, blog id, … */
  entityId?: string | null;
  userId: number | null;
  siteId: number | null;
  /** success | failure | partial */
  outcome: 'success' | 'failure' | 'partial';
  /** Structured details: plugin/theme/core counts, error code and message, HTTP status … (no secrets). */
  context: Record<string, unknown>;
}

export interface AuditRecorder {
  /** Appends the entry; resolves once it is durably written. */
  record(entry: AuditEntry): Promise<void>;
}
