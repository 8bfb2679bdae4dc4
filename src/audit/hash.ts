import { createHash } from 'node:crypto';

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

/** hash = sha256(prev_hash + canonical JSON of the row's fields), hex. */
export function auditRowHash(prevHash: string, fields: HashedFields): string {
  return createHash('sha256')
    .update(prevHash + canonicalJson(fields))
    .digest('hex');
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
