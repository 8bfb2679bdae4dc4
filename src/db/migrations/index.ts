import type { Migration } from 'kysely';
import type { Dialect } from '../index.js';
import { panelMigration } from './001_panel.js';
import { remoteJobsMigration } from './002_remote_jobs.js';
import { downloadCountsMigration } from './003_download_counts.js';
import { auditNoReplaceMigration } from './004_audit_no_replace.js';
import { licenseKeyHintsMigration } from './005_license_key_hints.js';
import { auditHashSchemeMigration } from './006_audit_hash_scheme.js';

/** Versioned migrations, applied in key order. Never edit one that has shipped; add a new one. */
export const migrations: Record<string, (dialect: Dialect) => Migration> = {
  '001_panel': panelMigration,
  '002_remote_jobs': remoteJobsMigration,
  '003_download_counts': downloadCountsMigration,
  '004_audit_no_replace': auditNoReplaceMigration,
  '005_license_key_hints': licenseKeyHintsMigration,
  '006_audit_hash_scheme': auditHashSchemeMigration,
};
