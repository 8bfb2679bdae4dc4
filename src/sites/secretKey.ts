import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger.js';

export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

/** A 32-byte key written as 64 hex characters or as base64 / base64url. */
export function parseSecretKey(text: string, source: string): Buffer {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(value)) {
    const key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === 32) return key;
  }
  throw new SecretKeyError(`${source} must be 32 bytes written as 64 hex characters or base64 (e.g. \`openssl rand -hex 32\`).`);
}

/**
 * The key that encrypts site secrets: SECRET_KEY when set. On SQLite (one instance) it may be
 * left unset: a key is generated once into <dataDir>/secret.key (mode 0600) and reused. On
 * PostgreSQL the database may be shared by several instances, each with its own DATA_DIR, and
 * a key generated per machine would make each instance unable to read the others' secrets: there
 * SECRET_KEY is required and the server refuses to start without it.
 */
export function loadSecretKey(options: { secretKey?: string; dataDir: string; shared: boolean }, log: Logger): Buffer {
  if (options.secretKey) return parseSecretKey(options.secretKey, 'SECRET_KEY');
  if (options.shared) {
    throw new SecretKeyError(
      'SECRET_KEY must be set when DATABASE_URL points to PostgreSQL: every instance sharing the database needs ' +
        'the same key to read the site secrets (generate one with `openssl rand -hex 32`).',
    );
  }
  const file = path.join(options.dataDir, 'secret.key');
  try {
    return parseSecretKey(fs.readFileSync(file, 'utf8'), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(options.dataDir, { recursive: true });
  try {
    // 'wx': if another process created it first, use theirs.
    fs.writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    log.warn(
      { file },
      'SECRET_KEY is not set: generated a key to encrypt site secrets; keep this file (single instance only: ' +
        'set SECRET_KEY before moving to PostgreSQL or several instances)',
    );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return parseSecretKey(fs.readFileSync(file, 'utf8'), file);
}
