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
 * The key that encrypts site secrets: SECRET_KEY when set; otherwise one generated once into
 * <dataDir>/secret.key (mode 0600). A generated key is per machine, so several instances
 * sharing one PostgreSQL database must all be given the same SECRET_KEY.
 */
export function loadSecretKey(options: { secretKey?: string; dataDir: string; shared: boolean }, log: Logger): Buffer {
  if (options.secretKey) return parseSecretKey(options.secretKey, 'SECRET_KEY');
  const file = path.join(options.dataDir, 'secret.key');
  const advice = 'set SECRET_KEY (the same value on every instance) when several instances share the panel database';
  try {
    const key = parseSecretKey(fs.readFileSync(file, 'utf8'), file);
    if (options.shared) log.warn({ file }, `SECRET_KEY is not set: using the key file of this machine; ${advice}`);
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(options.dataDir, { recursive: true });
  try {
    // 'wx': if another process created it first, use theirs.
    fs.writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    log.warn({ file }, `SECRET_KEY is not set: generated a key to encrypt site secrets; keep this file, and ${advice}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return parseSecretKey(fs.readFileSync(file, 'utf8'), file);
}
