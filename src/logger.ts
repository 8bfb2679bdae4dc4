import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * One JSON line per event. Secrets are redacted by key name wherever they appear,
 * so a careless `log.info({ site })` cannot leak a license key or password.
 */
export const REDACT_PATHS = [
  'apikey',
  '*.apikey',
  'password',
  '*.password',
  'licenseKey',
  '*.licenseKey',
  'secret',
  '*.secret',
  'headers.authorization',
  'headers.cookie',
  'headers["x-rakuwp-key"]',
  'headers.password',
  'req.headers.authorization',
  'req.headers.cookie',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** Hides the user-info part of a URL (https://user:token@host → https://***@host) for logs and errors. */
export function maskUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}
