import { createHash, createHmac } from 'node:crypto';

/** prev_hash of the first row of the chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level: the same data always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** The fields of an audit row that its hash covers (everything but id and the hash itself). */
export interface HashedFields {
  createdAt: string;
  userId: number | null;
  siteId: number | null;
  action: string;
  entityType: string;
  entityId: string | null;
  outcome: string;
  /** The stored JSON text, hashed as is. */
  context: string;
}

/**
 * How a row's hash was made (the row's `hash_scheme` column):
 * - `sha256`: sha256(prev_hash + canonical JSON). Rows written before the chain was keyed; anyone
 *   who can write to the database can compute it, so verification only accepts these rows
 *   before the first keyed row.
 * - `hmac-sha256-v1`: HMAC-SHA256 under the audit key (derived from SECRET_KEY) over the same
 *   text. Appending or rewriting a row with a valid hash needs the key.
 */
export type HashScheme = 'sha256' | 'hmac-sha256-v1';
export const LEGACY_SCHEME: HashScheme = 'sha256';
export const KEYED_SCHEME: HashScheme = 'hmac-sha256-v1';

export function isHashScheme(value: string): value is HashScheme {
  return value === LEGACY_SCHEME || value === KEYED_SCHEME;
}

/**
 * The audit chain's key: a subkey of the server's secret key (the one SecretBox encrypts site
 * secrets with), so the secret key itself is never used for two purposes.
 */
export function deriveAuditKey(secretKey: Buffer): Buffer {
  return createHmac('sha256', secretKey).update('audit-chain-v1').digest();
}

/** The row's hash under `scheme`, hex: the key is needed (and only used) for the keyed scheme. */
export function auditRowHash(scheme: HashScheme, key: Buffer, prevHash: string, fields: HashedFields): string {
  const text = prevHash + canonicalJson(fields);
  if (scheme === LEGACY_SCHEME) return createHash('sha256').update(text).digest('hex');
  return createHmac('sha256', key).update(text).digest('hex');
}

/** Key names whose values never enter the audit log, whoever passes them. */
const SECRET_KEY_NAMES = /^(password|passwd|pass|secret|token|csrf_?token|api_?key|licen[cs]e_?key|key|authorization|cookie|x-rakuwp-key)$/i;

/** A JSON-safe copy of an entry's context with secret-named fields replaced by "[redacted]". */
export function sanitizeContext(context: Record<string, unknown>): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(context ?? {})) as Record<string, unknown>;
  return redact(plain) as Record<string, unknown>;
}

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY_NAMES.test(k) ? '[redacted]' : redact(v);
    return out;
  }
  return value;
}
