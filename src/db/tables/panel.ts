import type { Generated } from 'kysely';

/**
 * users, sessions, user_sites, sites, license_activations, audit_log, login_attempts
 * (owned by the panel features; created by migrations/001_panel.ts).
 * Timestamps are ISO-8601 strings (`Date#toISOString()`), booleans 0/1, so SQLite and
 * PostgreSQL hold and compare them the same way.
 */
export interface UsersTable {
  id: Generated<number>;
  username: string;
  /** `scrypt$<log2 N>$<r>$<p>$<salt b64>$<key b64>` (src/auth/password.ts). */
  password_hash: string;
  role: 'admin' | 'user';
  created_at: string;
}

export interface SessionsTable {
  /** sha256 (hex) of the cookie token; the token itself is never stored. */
  id: string;
  user_id: number;
  csrf_token: string;
  created_at: string;
  /** Absolute end of the session. */
  expires_at: string;
  /** Idle expiry is measured from here. */
  last_seen_at: string;
}

export interface UserSitesTable {
  user_id: number;
  site_id: number;
}

export interface SitesTable {
  id: Generated<number>;
  name: string;
  url: string;
  is_multisite: number;
  /** AES-256-GCM ciphertexts (src/sites/secretBox.ts); null when not set. */
  multisite_user_enc: string | null;
  multisite_password_enc: string | null;
  created_at: string;
  updated_at: string;
}

/** The site ↔ license key link of seed 000: the remote feature reads the key from here. */
export interface LicenseActivationsTable {
  id: Generated<number>;
  site_id: number;
  license_key_enc: string;
  /** Last four characters of a key of 16 or more characters, for recognition in the panel; '' otherwise. */
  license_key_hint: string;
  status: 'active';
  activated_at: string;
}

/**
 * Append-only (database triggers refuse UPDATE, DELETE and, on SQLite, REPLACE); each row hashes
 * the previous one, under the scheme `hash_scheme` names (src/audit/hash.ts; column added by
 * migrations/006_audit_hash_scheme.ts, 'sha256' for rows written before it).
 */
export interface AuditLogTable {
  id: Generated<number>;
  created_at: string;
  user_id: number | null;
  site_id: number | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  outcome: string;
  /** JSON text. */
  context: string;
  prev_hash: string;
  hash: string;
  /** 'sha256' (rows from before migration 006) or 'hmac-sha256-v1'. */
  hash_scheme: Generated<string>;
}

/** Failed logins, per `user:<sha256 of the lower-case name>` and `ip:<address>` key; in the database so instances share it. */
export interface LoginAttemptsTable {
  id: Generated<number>;
  key: string;
  created_at: string;
}

export interface PanelTables {
  users: UsersTable;
  sessions: SessionsTable;
  user_sites: UserSitesTable;
  sites: SitesTable;
  license_activations: LicenseActivationsTable;
  audit_log: AuditLogTable;
  login_attempts: LoginAttemptsTable;
}
